//! The type-erased heart of a `Store`: every function, memory, table,
//! global and instance a store owns, addressed by index, plus the
//! interpreter's stacks. Nothing here is generic over the host's data type,
//! so the executor is compiled once.

use super::vm::StoreVm;
use super::{GlobalEntity, InstanceEntity, MemoryEntity, TableEntity};
use crate::api::engine::Engine;
use crate::api::types::FuncType;
use crate::api::values::Val;
use crate::error::Error;
use crate::interp::Stack;
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;
use core::sync::atomic::{AtomicUsize, Ordering};

/// Identifies a store, so a handle from one store is never used in
/// another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct StoreId(usize);

impl StoreId {
    fn next() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(1);
        StoreId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// What a host function sees of the store while it runs: the store itself,
/// the embedder's data (type-erased; the closure that was created for the
/// store's `T` casts it back) and the instance that called it.
pub(crate) struct HostContext<'a> {
    pub inner: &'a mut StoreInner,
    pub data: *mut (),
    pub caller: Option<u32>,
}

/// A host function, type-erased over the store's data type.
pub(crate) type HostFn =
    dyn Fn(&mut HostContext<'_>, &[Val], &mut [Val]) -> Result<(), Error> + Send + Sync;

/// A function in a store.
#[derive(Clone)]
pub(crate) enum FuncEntity {
    /// A function defined by a module instance; `index` is in the module's
    /// function index space and is never an import.
    Wasm { instance: u32, index: u32, ty: u32 },
    /// A host function.
    Host { ty: u32, func: Arc<HostFn> },
}

impl FuncEntity {
    /// The store-interned type id.
    pub fn type_id(&self) -> u32 {
        match self {
            FuncEntity::Wasm { ty, .. } | FuncEntity::Host { ty, .. } => *ty,
        }
    }
}

/// Interns function types per store, so `call_indirect` compares two
/// integers.
#[derive(Default)]
pub(crate) struct TypeRegistry {
    types: Vec<FuncType>,
    ids: BTreeMap<FuncType, u32>,
}

impl TypeRegistry {
    pub fn intern(&mut self, ty: &FuncType) -> u32 {
        if let Some(id) = self.ids.get(ty) {
            return *id;
        }
        let id = self.types.len() as u32;
        self.types.push(ty.clone());
        self.ids.insert(ty.clone(), id);
        id
    }

    pub fn get(&self, id: u32) -> &FuncType {
        &self.types[id as usize]
    }
}

/// Everything a store owns.
pub(crate) struct StoreInner {
    pub id: StoreId,
    pub engine: Engine,
    pub funcs: Vec<FuncEntity>,
    pub memories: Vec<MemoryEntity>,
    pub tables: Vec<TableEntity>,
    pub globals: Vec<GlobalEntity>,
    pub instances: Vec<InstanceEntity>,
    pub externrefs: Vec<Box<dyn Any + Send + Sync>>,
    pub types: TypeRegistry,
    pub stack: Stack,
    /// What compiled code needs of the store (JIT tier only).
    #[cfg_attr(not(feature = "jit"), allow(dead_code))]
    pub vm: StoreVm,
}

impl StoreInner {
    pub fn new(engine: &Engine) -> Self {
        Self {
            id: StoreId::next(),
            engine: engine.clone(),
            funcs: Vec::new(),
            memories: Vec::new(),
            tables: Vec::new(),
            globals: Vec::new(),
            instances: Vec::new(),
            externrefs: Vec::new(),
            types: TypeRegistry::default(),
            stack: Stack::default(),
            vm: StoreVm::default(),
        }
    }

    pub fn func_type(&self, func: u32) -> &FuncType {
        self.types.get(self.funcs[func as usize].type_id())
    }

    pub fn push_func(&mut self, func: FuncEntity) -> u32 {
        self.funcs.push(func);
        self.funcs.len() as u32 - 1
    }
}
