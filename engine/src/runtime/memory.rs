//! Linear memories. Security-critical: every access the interpreter makes
//! goes through the bounds checks in `interp::exec::memory`, against the
//! length kept here; compiled code either checks against the same length
//! or, for a guarded memory, relies on the guard region behind it.
//!
//! A memory's bytes live in one of two places:
//! - a heap allocation (the interpreter, `no_std`, and the JIT without
//!   signal-based traps), which may move when the memory grows;
//! - a guarded reservation (the JIT with signal-based traps): 4 GiB of
//!   address space, the accessible pages first, plus
//!   [`GUARD_BYTES`](crate::jit::GUARD_BYTES) of guard region. It never
//!   moves; growing makes more pages accessible. Any 32-bit index plus an
//!   offset up to the guard size lands inside the reservation, so an
//!   out-of-bounds access faults instead of reaching other memory.

use super::vm::VMMemory;
use crate::api::types::MemoryType;
use crate::Config;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ops::{Deref, DerefMut};

/// Where a memory's bytes live (see the module docs).
pub(crate) enum LinearBytes {
    Heap(Vec<u8>),
    #[cfg(feature = "jit")]
    Guarded {
        reservation: crate::sys::Reservation,
        len: usize,
    },
}

impl Deref for LinearBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            LinearBytes::Heap(v) => v,
            #[cfg(feature = "jit")]
            LinearBytes::Guarded { reservation, len } => {
                // SAFETY: the first `len` bytes of the reservation are
                // accessible and initialised (zero-filled by the OS, then
                // written only through this type or by compiled code while
                // the store is borrowed mutably).
                unsafe { core::slice::from_raw_parts(reservation.base(), *len) }
            }
        }
    }
}

impl DerefMut for LinearBytes {
    fn deref_mut(&mut self) -> &mut [u8] {
        match self {
            LinearBytes::Heap(v) => v,
            #[cfg(feature = "jit")]
            LinearBytes::Guarded { reservation, len } => {
                // SAFETY: as in `deref`; `&mut self` makes this the only
                // reference.
                unsafe { core::slice::from_raw_parts_mut(reservation.base(), *len) }
            }
        }
    }
}

impl LinearBytes {
    /// `len` zero bytes: guarded if `guarded`, else on the heap.
    fn new(len: usize, guarded: bool) -> Option<Self> {
        #[cfg(feature = "jit")]
        if guarded {
            let size = usize::try_from((4u64 << 30) + crate::jit::GUARD_BYTES).ok()?;
            let mut reservation = crate::sys::Reservation::new(size)?;
            reservation.make_accessible(len)?;
            return Some(LinearBytes::Guarded { reservation, len });
        }
        let _ = guarded;
        zeroed_vec(len).map(LinearBytes::Heap)
    }

    /// Grows to `new_len` zero-filled bytes; `None` if that fails.
    fn grow_to(&mut self, new_len: usize) -> Option<()> {
        match self {
            LinearBytes::Heap(v) => {
                v.try_reserve_exact(new_len.checked_sub(v.len())?).ok()?;
                v.resize(new_len, 0);
            }
            #[cfg(feature = "jit")]
            LinearBytes::Guarded { reservation, len } => {
                if new_len as u64 > 4u64 << 30 {
                    return None;
                }
                reservation.make_accessible(new_len)?;
                *len = new_len;
            }
        }
        Some(())
    }
}

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
    pub data: LinearBytes,
    /// The most pages this memory may have: the lesser of its declared
    /// maximum and the engine's limit.
    pub max_pages: u64,
    /// The base and length compiled code reads; kept equal to `data`'s by
    /// every method that can move or resize it.
    pub vm: Box<VMMemory>,
}

impl MemoryEntity {
    /// A memory of `ty`'s initial size, or `None` if that exceeds the
    /// engine's limit or cannot be allocated. Guarded when the engine runs
    /// JIT code with signal-based traps.
    pub fn new(ty: MemoryType, config: &Config) -> Option<Self> {
        let engine_max_pages = config.max_memory_pages;
        #[cfg(feature = "jit")]
        let guarded = config.tier == crate::Tier::Jit && crate::jit::signals_enabled(config);
        #[cfg(not(feature = "jit"))]
        let guarded = false;
        let declared_max = ty.limits.max.unwrap_or(65_536);
        let max_pages = declared_max.min(engine_max_pages).min(65_536);
        if ty.limits.min > max_pages {
            return None;
        }
        let bytes = usize::try_from(ty.limits.min)
            .ok()?
            .checked_mul(PAGE_SIZE)?;
        let mut data = LinearBytes::new(bytes, guarded)?;
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
        self.data.grow_to(new_bytes)?;
        self.vm.base = self.data.as_mut_ptr();
        self.vm.len = self.data.len();
        self.ty.limits.min = new;
        Some(old)
    }
}
