//! [`InstancePre`]: a module whose imports a [`Linker`](super::Linker) has
//! resolved once, ready to be instantiated many times (a server's
//! per-request path): each instantiation then copies handles, with no name
//! lookups and no type interning.

use super::externals::Extern;
use super::func::Func;
use super::instance::Instance;
use super::module::Module;
use super::store::AsContextMut;
use crate::error::Result;
use crate::runtime::HostFn;
use crate::types::TypeId;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// One resolved import.
#[derive(Clone)]
pub(crate) enum Resolved {
    /// An item of a store (it can only be used in that store).
    Extern(Extern),
    /// A host function, with its engine-wide type id: it becomes a `Func`
    /// in each store it is instantiated into.
    Host {
        id: TypeId,
        sig: crate::types::FuncType,
        func: Arc<HostFn>,
    },
}

/// A module with its imports resolved, from [`Linker::instantiate_pre`].
///
/// [`Linker::instantiate_pre`]: super::Linker::instantiate_pre
pub struct InstancePre<T> {
    module: Module,
    imports: Arc<[Resolved]>,
    _marker: core::marker::PhantomData<fn(T) -> T>,
}

impl<T> Clone for InstancePre<T> {
    fn clone(&self) -> Self {
        Self {
            module: self.module.clone(),
            imports: Arc::clone(&self.imports),
            _marker: core::marker::PhantomData,
        }
    }
}

impl<T> core::fmt::Debug for InstancePre<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("InstancePre")
            .field("module", &self.module)
            .finish_non_exhaustive()
    }
}

impl<T> InstancePre<T> {
    pub(crate) fn new(module: Module, imports: Vec<Resolved>) -> Self {
        Self {
            module,
            imports: imports.into(),
            _marker: core::marker::PhantomData,
        }
    }

    /// The module this instantiates.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// Instantiates the module in `store` with the resolved imports, and
    /// runs its start function. Fails as [`Instance::new`] does (an
    /// import that is a store item must belong to `store`).
    pub fn instantiate(&self, mut store: impl AsContextMut<Data = T>) -> Result<Instance> {
        let inner = store.as_context_mut().inner;
        let imports: Vec<Extern> = self
            .imports
            .iter()
            .map(|r| match r {
                Resolved::Extern(e) => e.clone(),
                Resolved::Host { id, sig, func } => {
                    Extern::Func(Func::from_host(inner, *id, sig.clone(), Arc::clone(func)))
                }
            })
            .collect();
        Instance::new(store, &self.module, &imports)
    }
}
