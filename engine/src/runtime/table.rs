//! Tables of references. Elements are raw references (see
//! `runtime::RawRef`): 0 is null.

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
}

impl TableEntity {
    /// A table of `ty`'s initial size filled with `init`, or `None` if that
    /// exceeds the limits.
    pub fn new(ty: TableType, init: u64, engine_max: u64) -> Option<Self> {
        let max = ty.limits.max.unwrap_or(u32::MAX as u64).min(engine_max);
        if ty.limits.min > max {
            return None;
        }
        let len = usize::try_from(ty.limits.min).ok()?;
        let mut elems = Vec::new();
        elems.try_reserve_exact(len).ok()?;
        elems.resize(len, init);
        let vm = Box::new(VMTable {
            base: elems.as_mut_ptr(),
            len: elems.len(),
        });
        Some(Self { ty, elems, max, vm })
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
