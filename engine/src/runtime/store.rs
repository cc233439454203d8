//! The type-erased heart of a `Store`: every function, memory, table,
//! global and instance a store owns, addressed by index, plus the
//! interpreter's stacks and compiled code's view of the store. Nothing
//! here is generic over the host's data type, so the tiers are compiled
//! once.
//!
//! Entities are never removed while the store lives: indices and the
//! addresses compiled code holds stay valid.

use super::stack::Stack;
use super::vm::StoreVm;
use super::{
    EngineShared, Exceptions, FuncEntity, GlobalEntity, InstanceEntity, Limiter, MemoryEntity,
    TableEntity, TagEntity,
};
use crate::types::{ExternType, FuncType};
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;
use core::sync::atomic::{AtomicUsize, Ordering};

/// Identifies a store, so a handle from one store is never used in
/// another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct StoreId(usize);

impl StoreId {
    /// The id as a number (in errors, which sit below this layer).
    pub fn raw(self) -> usize {
        self.0
    }

    fn next() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(1);
        StoreId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// A store entity by kind and store index: what an import is satisfied
/// with and what an export names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntityRef {
    Func(u32),
    Table(u32),
    Memory(u32),
    Global(u32),
    Tag(u32),
}

/// Everything a store owns.
pub(crate) struct StoreInner {
    pub id: StoreId,
    pub engine: Arc<EngineShared>,
    pub funcs: Vec<FuncEntity>,
    pub memories: Vec<MemoryEntity>,
    pub tables: Vec<TableEntity>,
    pub globals: Vec<GlobalEntity>,
    pub instances: Vec<InstanceEntity>,
    pub tags: Vec<TagEntity>,
    pub exceptions: Exceptions,
    pub externrefs: Vec<Box<dyn Any + Send + Sync>>,
    /// The interpreter's stacks.
    pub stack: Stack,
    /// The embedder's resource limiter, if any.
    pub limiter: Limiter,
    /// The embedder's call hook, if any (see `hooks.rs`).
    pub call_hook: Option<Box<super::hooks::CallHookFn>>,
    /// What compiled code needs of the store (JIT tier only).
    pub vm: StoreVm,
    /// Where the store is in tier-up (`Tier::Auto`).
    pub tier_up: super::tier_up::StoreTierUp,
}

impl StoreInner {
    pub fn new(engine: Arc<EngineShared>) -> Self {
        let mut vm = StoreVm::default();
        // The engine's counter never moves: the store's `Arc` keeps it.
        vm.ctx.epoch = &engine.epoch;
        Self {
            id: StoreId::next(),
            funcs: Vec::new(),
            memories: Vec::new(),
            tables: Vec::new(),
            globals: Vec::new(),
            instances: Vec::new(),
            tags: Vec::new(),
            exceptions: Exceptions::default(),
            externrefs: Vec::new(),
            stack: Stack::default(),
            limiter: Limiter::default(),
            call_hook: None,
            vm,
            tier_up: super::tier_up::StoreTierUp::new(&engine),
            engine,
        }
    }

    /// The fuel left: never below zero, though a segment may have charged
    /// more than was left (see `semantics::fuel`).
    pub fn fuel(&self) -> u64 {
        self.vm.ctx.fuel.max(0) as u64
    }

    /// Sets the fuel left (saturating at `i64::MAX`).
    pub fn set_fuel(&mut self, fuel: u64) {
        self.vm.ctx.fuel = i64::try_from(fuel).unwrap_or(i64::MAX);
    }

    /// Charges `cost` fuel for a bulk operation about to run, or fails
    /// with `OutOfFuel` (leaving the fuel as it was) when there is not
    /// that much left. Free when fuel is off.
    pub fn charge_bulk(&mut self, cost: u64) -> Result<(), crate::error::TrapCode> {
        if !self.engine.config.consume_fuel || cost == 0 {
            return Ok(());
        }
        let cost = i64::try_from(cost).unwrap_or(i64::MAX);
        match self.vm.ctx.fuel.checked_sub(cost) {
            Some(left) if left >= 0 => {
                self.vm.ctx.fuel = left;
                Ok(())
            }
            _ => Err(crate::error::TrapCode::OutOfFuel),
        }
    }

    /// The signature of store function `func`.
    pub fn func_type(&self, func: u32) -> &FuncType {
        match &self.funcs[func as usize] {
            FuncEntity::Wasm {
                instance, index, ..
            } => self.instances[*instance as usize]
                .module
                .info
                .func_type(*index),
            FuncEntity::Host { sig, .. } => sig,
        }
    }

    pub fn push_func(&mut self, func: FuncEntity) -> u32 {
        self.funcs.push(func);
        self.funcs.len() as u32 - 1
    }

    /// The current type of an entity (memories and tables with their
    /// current size as the minimum).
    pub fn entity_type(&self, entity: EntityRef) -> ExternType {
        match entity {
            EntityRef::Func(f) => {
                ExternType::Func(self.funcs[f as usize].type_id(), self.func_type(f).clone())
            }
            EntityRef::Table(t) => ExternType::Table(self.tables[t as usize].ty),
            EntityRef::Memory(m) => ExternType::Memory(self.memories[m as usize].current_ty()),
            EntityRef::Global(g) => ExternType::Global(self.globals[g as usize].ty),
            EntityRef::Tag(t) => {
                let tag = &self.tags[t as usize];
                ExternType::Tag(tag.ty, tag.sig.clone())
            }
        }
    }
}
