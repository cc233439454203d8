//! Linear memories. Security-critical: every access the interpreter makes
//! goes through the bounds checks in `interp::exec::memory`, against the
//! length kept here.

use super::vm::VMMemory;
use crate::api::types::MemoryType;
use alloc::boxed::Box;
use alloc::vec::Vec;

/// A vector of `len` zero bytes, or `None` if the allocation fails.
/// Allocated already zeroed, so the OS can hand out untouched pages lazily:
/// a large initial memory costs nothing until the guest uses it.
fn zeroed_vec(len: usize) -> Option<Vec<u8>> {
    if len == 0 {
        return Some(Vec::new());
    }
    let layout = core::alloc::Layout::array::<u8>(len).ok()?;
    // SAFETY: `layout` has a non-zero size (checked above).
    let ptr = unsafe { alloc::alloc::alloc_zeroed(layout) };
    if ptr.is_null() {
        return None;
    }
    // SAFETY: `ptr` was allocated by the global allocator with the layout of
    // `[u8; len]`, which is exactly what a `Vec<u8>` of capacity `len`
    // owns; all `len` bytes are initialised (to zero).
    Some(unsafe { Vec::from_raw_parts(ptr, len, len) })
}

/// Bytes in one WebAssembly page.
pub(crate) const PAGE_SIZE: usize = 65_536;

/// A linear memory in a store.
pub(crate) struct MemoryEntity {
    pub ty: MemoryType,
    /// The guest's bytes; `len()` is always a whole number of pages.
    pub data: Vec<u8>,
    /// The most pages this memory may have: the lesser of its declared
    /// maximum and the engine's limit.
    pub max_pages: u64,
    /// The base and length compiled code reads; kept equal to `data`'s by
    /// every method that can move or resize it.
    pub vm: Box<VMMemory>,
}

impl MemoryEntity {
    /// A memory of `ty`'s initial size, or `None` if that exceeds the
    /// engine's limit or cannot be allocated.
    pub fn new(ty: MemoryType, engine_max_pages: u64) -> Option<Self> {
        let declared_max = ty.limits.max.unwrap_or(65_536);
        let max_pages = declared_max.min(engine_max_pages).min(65_536);
        if ty.limits.min > max_pages {
            return None;
        }
        let bytes = usize::try_from(ty.limits.min)
            .ok()?
            .checked_mul(PAGE_SIZE)?;
        let mut data = zeroed_vec(bytes)?;
        let vm = Box::new(VMMemory {
            base: data.as_mut_ptr(),
            len: data.len(),
        });
        Some(Self {
            ty,
            data,
            max_pages,
            vm,
        })
    }

    /// Current size in pages.
    pub fn pages(&self) -> u64 {
        (self.data.len() / PAGE_SIZE) as u64
    }

    /// Grows by `delta` pages; returns the old size, or `None` when
    /// refused (over the maximum, or the allocation failed).
    pub fn grow(&mut self, delta: u64) -> Option<u64> {
        let old = self.pages();
        let new = old.checked_add(delta)?;
        if new > self.max_pages {
            return None;
        }
        let new_bytes = usize::try_from(new).ok()?.checked_mul(PAGE_SIZE)?;
        self.data
            .try_reserve_exact(new_bytes - self.data.len())
            .ok()?;
        self.data.resize(new_bytes, 0);
        self.vm.base = self.data.as_mut_ptr();
        self.vm.len = self.data.len();
        self.ty.limits.min = new;
        Some(old)
    }
}
