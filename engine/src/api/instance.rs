//! [`Instance`]: a module instantiated in a store, and access to its
//! exports.

use super::backend;
use super::engine::Engine;
use super::exceptions::Tag;
use super::externals::{Extern, Global, Memory, Table};
use super::func::{Func, TypedFunc, WasmParams, WasmResults};
use super::module::Module;
use super::store::{AsContext, AsContextMut};
use super::values::Stored;
use crate::error::{Error, Result};
use crate::runtime::{instance, StoreInner};
use alloc::string::String;
use alloc::vec::Vec;

/// An instantiated module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instance(pub(crate) Stored);

impl Instance {
    /// Instantiates `module` with `imports`, one per import in the order
    /// the module declares them, then runs its start function.
    pub fn new(
        mut store: impl AsContextMut,
        module: &Module,
        imports: &[Extern],
    ) -> Result<Instance> {
        let ctx = store.as_context_mut();
        if !crate::Engine::same(module.engine(), Engine::from_shared(&ctx.inner.engine)) {
            return Err(Error::usage(
                "the module was compiled for a different engine",
            ));
        }
        let data = ctx.data as *mut _ as *mut ();
        let inner = ctx.inner;
        let mut entities = Vec::with_capacity(imports.len());
        for ext in imports {
            if ext.store_id().is_some_and(|id| id != inner.id) {
                return Err(Error::usage("an import from another store was used"));
            }
            entities.push(ext.to_entity(inner)?);
        }
        let (index, segments) = instance::instantiate(inner, data, &module.shared, &entities)?;
        backend::link(inner, index)?;
        segments?;
        if let Some(start) = module.shared.info.start {
            let func = inner.instances[index as usize].funcs[start as usize];
            backend::invoke(inner, data, func, &[], &mut [])?;
        }
        Ok(Instance(Stored::new(inner.id, index)))
    }

    /// The export `name`, if there is one.
    pub fn get_export(&self, store: impl AsContext, name: &str) -> Option<Extern> {
        let inner = store.as_context().inner;
        let entity = instance::export(inner, self.0.index_in(inner), name)?;
        Some(Extern::from_entity_in(inner, entity))
    }

    /// Every export, with its name, in declaration order.
    pub fn exports(&self, store: impl AsContext) -> Vec<(String, Extern)> {
        let inner: &StoreInner = store.as_context().inner;
        let index = self.0.index_in(inner);
        let info = &inner.instances[index as usize].module.info;
        info.export_order
            .iter()
            .filter_map(|name| {
                let entity = instance::export(inner, index, name)?;
                Some((name.clone(), Extern::from_entity_in(inner, entity)))
            })
            .collect()
    }

    /// The exported function `name`.
    pub fn get_func(&self, store: impl AsContext, name: &str) -> Option<Func> {
        self.get_export(store, name)?.into_func()
    }

    /// The exported function `name`, checked against `Params`/`Results`.
    pub fn get_typed_func<Params: WasmParams, Results: WasmResults>(
        &self,
        store: impl AsContext,
        name: &str,
    ) -> Result<TypedFunc<Params, Results>> {
        let ctx = store.as_context();
        let func = self
            .get_func(&ctx, name)
            .ok_or_else(|| Error::usage(alloc::format!("no exported function named `{name}`")))?;
        func.typed(&ctx)
    }

    /// The exported memory `name`.
    pub fn get_memory(&self, store: impl AsContext, name: &str) -> Option<Memory> {
        self.get_export(store, name)?.into_memory()
    }

    /// The exported shared memory `name` (a memory declared `shared`,
    /// which [`Instance::get_memory`] does not return).
    #[cfg(feature = "std")]
    pub fn get_shared_memory(
        &self,
        store: impl AsContext,
        name: &str,
    ) -> Option<super::shared_memory::SharedMemory> {
        self.get_export(store, name)?.into_shared_memory()
    }

    /// The exported table `name`.
    pub fn get_table(&self, store: impl AsContext, name: &str) -> Option<Table> {
        self.get_export(store, name)?.into_table()
    }

    /// The exported global `name`.
    pub fn get_global(&self, store: impl AsContext, name: &str) -> Option<Global> {
        self.get_export(store, name)?.into_global()
    }

    /// The exported tag `name`.
    pub fn get_tag(&self, store: impl AsContext, name: &str) -> Option<Tag> {
        self.get_export(store, name)?.into_tag()
    }
}
