//! Tables of references. Elements are raw references: 0 is null, else a
//! store function or extern-ref index plus one.
//!
//! A table an instance defines may start *lazy*: when its module has an
//! image of its initial elements (`module::table_image`), instantiation
//! only notes it, and the elements are made from the image the first time
//! anything needs them in memory: a write, a bulk operation, growth, or
//! compiled code's first access (its bound is 0 until then, so every
//! access takes the runtime path that makes them; see `VMTable::bound`).
//! Reads from the runtime (`get`) work the element out without making the
//! rest. The elements are private so that no path reads a lazy table's
//! placeholder nulls.

use super::pool::Slot;
use super::vm::VMTable;
use super::ModuleShared;
use crate::types::TableType;
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// A table in a store.
pub(crate) struct TableEntity {
    pub ty: TableType,
    /// Every element, or nulls where a lazy table's are still to be made.
    elems: Vec<u64>,
    pub max: u64,
    /// The base, length and bound compiled code reads; kept true by every
    /// method that can move, resize or make the elements.
    pub vm: Box<VMTable>,
    /// Its place in the engine's pool, if the engine pools: the elements'
    /// allocation goes back there when the table is dropped.
    slot: Option<Slot>,
    /// Where its initial elements come from while it is lazy.
    lazy: Option<Lazy>,
}

/// A lazy table's initial elements: image `table` of `module`, whose
/// defined function `i` is store function `funcs_base + i`.
pub(crate) struct Lazy {
    pub module: Arc<ModuleShared>,
    pub table: u32,
    pub funcs_base: u32,
}

impl Lazy {
    /// The image: one entry per initial element, a defined function's
    /// index plus one or 0 for null.
    fn image(&self) -> &[u32] {
        self.module
            .info
            .table_images
            .get(self.table as usize)
            .and_then(|image| image.as_deref())
            .unwrap_or(&[])
    }

    /// The raw reference of image entry `entry`.
    fn element(&self, entry: u32) -> u64 {
        if entry == 0 {
            0
        } else {
            // Store function `funcs_base + entry - 1`, plus one.
            self.funcs_base as u64 + entry as u64
        }
    }
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
            .min(pool_max)
            // Below `u32::MAX`, which both tiers take as an out-of-bounds
            // table64 index (a larger `i64` is clamped to it).
            .min(u32::MAX as u64 - 1);
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
            bound: elems.len(),
        });
        Some(Self {
            ty,
            elems,
            max,
            vm,
            slot,
            lazy: None,
        })
    }

    /// Makes the table lazy: its initial elements come from `lazy`'s
    /// image when first needed. Only for a table just made, all null,
    /// at least as long as the image.
    pub fn set_lazy(&mut self, lazy: Lazy) {
        debug_assert!(lazy.image().len() <= self.elems.len());
        self.vm.bound = 0;
        self.lazy = Some(lazy);
    }

    pub fn size(&self) -> u64 {
        self.elems.len() as u64
    }

    /// Element `index`, or `None` when out of bounds.
    pub fn get(&self, index: u64) -> Option<u64> {
        let index = usize::try_from(index).ok()?;
        let raw = *self.elems.get(index)?;
        Some(match &self.lazy {
            Some(lazy) => lazy.element(lazy.image().get(index).copied().unwrap_or(0)),
            None => raw,
        })
    }

    /// Every element, made first if the table is lazy.
    pub fn elems_mut(&mut self) -> &mut [u64] {
        self.materialise();
        &mut self.elems
    }

    /// Makes a lazy table's elements from its image; nothing otherwise.
    #[inline]
    pub fn materialise(&mut self) {
        if self.lazy.is_some() {
            self.make_elements();
        }
    }

    #[cold]
    fn make_elements(&mut self) {
        if let Some(lazy) = self.lazy.take() {
            for (slot, &entry) in self.elems.iter_mut().zip(lazy.image()) {
                *slot = lazy.element(entry);
            }
            self.vm.bound = self.vm.len;
        }
    }

    /// Grows by `delta` elements set to `init`; returns the old size, or
    /// `None` when refused.
    pub fn grow(&mut self, delta: u64, init: u64) -> Option<u64> {
        let old = self.size();
        let new = old.checked_add(delta)?;
        if new > self.max {
            return None;
        }
        self.materialise();
        let new = usize::try_from(new).ok()?;
        self.elems.try_reserve_exact(new - self.elems.len()).ok()?;
        self.elems.resize(new, init);
        self.vm.base = self.elems.as_mut_ptr();
        self.vm.len = self.elems.len();
        self.vm.bound = self.elems.len();
        self.ty.limits.min = new as u64;
        Some(old)
    }
}
