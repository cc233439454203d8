//! Tables of references. Elements are raw references (see
//! `runtime::RawRef`): 0 is null.

use super::pool::Slot;
use super::vm::VMTable;
use crate::types::TableType;
use alloc::boxed::Box;
use alloc::vec::Vec;

/// A table in a store.
pub(crate) struct TableEntity {
    pub ty: TableType,
    pub elems: Vec<u64>,
    pub max: u64,
    /// The base and length compiled code reads; kept equal to `elems`'s
    /// by every method that can move or resize it.
    pub vm: Box<VMTable>,
    /// Its place in the engine's pool, if the engine pools: the elements'
    /// allocation goes back there when the table is dropped.
    slot: Option<Slot>,
}

impl Drop for TableEntity {
    fn drop(&mut self) {
        if let Some(slot) = &self.slot {
            slot.pool().keep_table(core::mem::take(&mut self.elems));
        }
    }
}

impl TableEntity {
    /// A table of `ty`'s initial size filled with `init`, or `None` if that
    /// exceeds the limits (`engine_max`, and the pool's if `slot` is a
    /// place in one).
    pub fn new(ty: TableType, init: u64, engine_max: u64, slot: Option<Slot>) -> Option<Self> {
        let pool = slot.as_ref().map(|s| s.pool());
        let pool_max = pool.map_or(u64::MAX, |p| p.config.table_elements as u64);
        let max = ty
            .limits
            .max
            .unwrap_or(u32::MAX as u64)
            .min(engine_max)
            .min(pool_max);
        if ty.limits.min > max {
            return None;
        }
        let len = usize::try_from(ty.limits.min).ok()?;
        let mut elems = pool.and_then(|p| p.take_table()).unwrap_or_default();
        elems.try_reserve_exact(len).ok()?;
        elems.resize(len, init);
        let vm = Box::new(VMTable {
            base: elems.as_mut_ptr(),
            len: elems.len(),
        });
        Some(Self {
            ty,
            elems,
            max,
            vm,
            slot,
        })
    }

    pub fn size(&self) -> u64 {
        self.elems.len() as u64
    }

    /// Grows by `delta` elements set to `init`; returns the old size, or
    /// `None` when refused.
    pub fn grow(&mut self, delta: u64, init: u64) -> Option<u64> {
        let old = self.size();
        let new = old.checked_add(delta)?;
        if new > self.max {
            return None;
        }
        let new = usize::try_from(new).ok()?;
        self.elems.try_reserve_exact(new - self.elems.len()).ok()?;
        self.elems.resize(new, init);
        self.vm.base = self.elems.as_mut_ptr();
        self.vm.len = self.elems.len();
        self.ty.limits.min = new as u64;
        Some(old)
    }
}
