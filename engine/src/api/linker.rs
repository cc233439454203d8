//! [`Linker`]: resolves a module's imports by name from host functions and
//! other instances' exports.

use super::externals::Extern;
use super::func::{host_fn_from_untyped, Func, IntoFunc};
use super::instance::Instance;
use super::instance_pre::{InstancePre, Resolved};
use super::module::Module;
use super::store::{AsContextMut, Caller};
use super::types::{ExternType, FuncType};
use super::values::Val;
use crate::error::{Error, LinkError, LinkErrorKind, Result, UnknownImportError};
use crate::runtime::HostFn;
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;

/// A definition in a linker: host functions are kept store-independent
/// and become a `Func` in each store they are instantiated into.
#[derive(Clone)]
enum Definition {
    Extern(Extern),
    /// A host function of a signature (registered with a store's engine
    /// when it is instantiated there).
    HostFunc(crate::types::FuncType, Arc<HostFn>),
}

/// Names things (`module`, `name`) for modules to import.
pub struct Linker<T> {
    defs: BTreeMap<(String, String), Definition>,
    allow_shadowing: bool,
    _marker: core::marker::PhantomData<fn(T) -> T>,
}

impl<T> Default for Linker<T> {
    fn default() -> Self {
        Self {
            defs: BTreeMap::new(),
            allow_shadowing: false,
            _marker: core::marker::PhantomData,
        }
    }
}

impl<T> core::fmt::Debug for Linker<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.defs.keys()).finish()
    }
}

impl<T: 'static> Linker<T> {
    /// An empty linker. (The engine is taken for API compatibility.)
    pub fn new(_engine: &crate::Engine) -> Self {
        Self::default()
    }

    /// Whether a later definition may replace an earlier one of the same
    /// name (default: no, it is an error).
    pub fn allow_shadowing(&mut self, allow: bool) -> &mut Self {
        self.allow_shadowing = allow;
        self
    }

    fn insert(&mut self, module: &str, name: &str, def: Definition) -> Result<&mut Self> {
        let key = (module.to_string(), name.to_string());
        if !self.allow_shadowing && self.defs.contains_key(&key) {
            return Err(Error::usage(alloc::format!(
                "`{module}::{name}` is already defined"
            )));
        }
        self.defs.insert(key, def);
        Ok(self)
    }

    /// Defines `module::name` as `item`.
    pub fn define(
        &mut self,
        module: &str,
        name: &str,
        item: impl Into<Extern>,
    ) -> Result<&mut Self> {
        self.insert(module, name, Definition::Extern(item.into()))
    }

    /// Defines `module::name` as a host function made from a Rust closure.
    pub fn func_wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Result<&mut Self> {
        let host = func.into_func();
        self.insert(module, name, Definition::HostFunc(host.ty, host.func))
    }

    /// Defines `module::name` as a host function over boxed values.
    pub fn func_new(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Result<&mut Self> {
        let host = host_fn_from_untyped::<T>(ty.ty.clone(), func);
        self.insert(module, name, Definition::HostFunc(ty.ty, host))
    }

    /// Defines each function `module` imports that this linker does not
    /// define as a function that fails when called, with an
    /// [`UnknownImportError`] naming the import, so the module
    /// instantiates and runs until (unless) it calls one. Other kinds of
    /// import (memories, tables, globals, tags) are left undefined, and
    /// instantiating still fails on them. As wasmtime's method of the same
    /// name.
    pub fn define_unknown_imports_as_traps(&mut self, module: &Module) -> Result<()> {
        for import in module.imports() {
            let ExternType::Func(ty) = import.ty() else {
                continue;
            };
            let key = (import.module().to_string(), import.name().to_string());
            if self.defs.contains_key(&key) {
                continue;
            }
            let err = UnknownImportError {
                module: key.0,
                name: key.1,
            };
            self.func_new(import.module(), import.name(), ty, move |_, _, _| {
                Err(Error::host(err.clone()))
            })?;
        }
        Ok(())
    }

    /// Defines every export of `instance` under the module name `module`.
    pub fn instance(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        instance: Instance,
    ) -> Result<&mut Self> {
        for (name, ext) in instance.exports(store.as_context_mut()) {
            self.define(module, &name, ext)?;
        }
        Ok(self)
    }

    /// The definition of `module::name` in `store`, if any.
    pub fn get(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        name: &str,
    ) -> Option<Extern> {
        let def = self.defs.get(&(module.to_string(), name.to_string()))?;
        Some(match def {
            Definition::Extern(e) => e.clone(),
            Definition::HostFunc(ty, host) => {
                let inner = store.as_context_mut().inner;
                let id = inner.engine.types.intern_func(ty);
                Extern::Func(Func::from_host(inner, id, ty.clone(), host.clone()))
            }
        })
    }

    /// Instantiates `module`, resolving each import by name.
    pub fn instantiate(
        &self,
        store: impl AsContextMut<Data = T>,
        module: &Module,
    ) -> Result<Instance> {
        self.instantiate_pre(module)?.instantiate(store)
    }

    /// Resolves `module`'s imports by name once, for instantiating it many
    /// times ([`InstancePre::instantiate`]): each instantiation then costs
    /// no name lookup. Fails if an import is not defined; types are checked
    /// at instantiation.
    pub fn instantiate_pre(&self, module: &Module) -> Result<InstancePre<T>> {
        let types = &module.engine.inner.types;
        let mut imports = Vec::with_capacity(module.imports().len());
        for import in module.imports() {
            let key = (import.module().to_string(), import.name().to_string());
            let resolved = match self.defs.get(&key) {
                Some(Definition::Extern(e)) => Resolved::Extern(e.clone()),
                Some(Definition::HostFunc(sig, func)) => Resolved::Host {
                    id: types.intern_func(sig),
                    sig: sig.clone(),
                    func: Arc::clone(func),
                },
                None => {
                    return Err(LinkError {
                        module: key.0,
                        name: key.1,
                        kind: LinkErrorKind::Missing {
                            expected: import.ty().to_string(),
                        },
                    }
                    .into())
                }
            };
            imports.push(resolved);
        }
        Ok(InstancePre::new(module.clone(), imports))
    }

    /// Instantiates `module` and defines its exports under `name`.
    pub fn module(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        name: &str,
        module: &Module,
    ) -> Result<&mut Self> {
        let instance = self.instantiate(&mut store, module)?;
        self.instance(store, name, instance)
    }
}
