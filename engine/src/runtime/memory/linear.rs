//! The bytes of a linear memory, in one of the places a
//! [`MemoryStrategy`] names: a heap allocation, or a guarded reservation.

use super::MemoryStrategy;
use alloc::vec::Vec;
use core::ops::{Deref, DerefMut};

/// Bytes of inaccessible address space after every guarded linear memory's
/// 4 GiB: an access whose static offset plus size fits in it needs no
/// bounds check, because a 32-bit index plus that offset can only land in
/// the memory or in its guard region.
pub(crate) const GUARD_BYTES: u64 = 2 << 30;

/// Where a memory's bytes live.
pub(super) enum LinearBytes {
    Heap(Vec<u8>),
    #[cfg(feature = "std")]
    Guarded {
        /// Handed to `recycled::keep` on drop.
        reservation: core::mem::ManuallyDrop<crate::sys::Reservation>,
        len: usize,
    },
}

impl Deref for LinearBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            LinearBytes::Heap(v) => v,
            #[cfg(feature = "std")]
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
            #[cfg(feature = "std")]
            LinearBytes::Guarded { reservation, len } => {
                // SAFETY: as in `deref`; `&mut self` makes this the only
                // reference.
                unsafe { core::slice::from_raw_parts_mut(reservation.base(), *len) }
            }
        }
    }
}

impl LinearBytes {
    /// `len` zero bytes, laid out as `strategy` says.
    pub(super) fn new(len: usize, strategy: MemoryStrategy) -> Option<Self> {
        match strategy {
            MemoryStrategy::Heap => zeroed_vec(len).map(LinearBytes::Heap),
            #[cfg(feature = "std")]
            MemoryStrategy::Guarded => {
                let size = usize::try_from((4u64 << 30) + GUARD_BYTES).ok()?;
                let mut reservation = match recycled::take(size) {
                    Some(r) => r,
                    None => crate::sys::Reservation::new(size)?,
                };
                reservation.set_accessible(len)?;
                Some(LinearBytes::Guarded {
                    reservation: core::mem::ManuallyDrop::new(reservation),
                    len,
                })
            }
            #[cfg(not(feature = "std"))]
            MemoryStrategy::Guarded => None,
        }
    }

    /// Grows to `new_len` zero-filled bytes; `None` if that fails.
    pub(super) fn grow_to(&mut self, new_len: usize) -> Option<()> {
        match self {
            LinearBytes::Heap(v) => {
                v.try_reserve_exact(new_len.checked_sub(v.len())?).ok()?;
                v.resize(new_len, 0);
            }
            #[cfg(feature = "std")]
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

#[cfg(feature = "std")]
impl Drop for LinearBytes {
    fn drop(&mut self) {
        if let LinearBytes::Guarded { reservation, .. } = self {
            // SAFETY: `reservation` is never used again: `self` is being
            // dropped, and this is the only place that takes it.
            let reservation = unsafe { core::mem::ManuallyDrop::take(reservation) };
            recycled::keep(reservation);
        }
    }
}

/// Reservations of dropped memories, kept for the next guarded memory: a
/// program that creates and drops instances (a test suite, a server
/// instantiating per request) reuses a few address ranges instead of
/// mapping and unmapping 6 GiB each time. That saves the system calls and
/// page-table work, and keeps an emulator (qemu-user tracks every page a
/// guest ever mapped) from growing without bound. A kept reservation is
/// reset first: zeroed, its first page kept resident and the rest fresh,
/// inaccessible pages (`sys::Reservation::reset`).
#[cfg(feature = "std")]
mod recycled {
    use crate::sys::Reservation;
    use alloc::vec::Vec;
    use std::sync::Mutex;

    /// At most this many reservations are kept (address space only: a
    /// reset reservation holds no memory).
    const KEEP: usize = 16;

    static KEPT: Mutex<Vec<Reservation>> = Mutex::new(Vec::new());

    /// A kept reservation of `size` bytes, if there is one.
    pub(super) fn take(size: usize) -> Option<Reservation> {
        let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
        let i = kept.iter().position(|r| r.size() == size)?;
        Some(kept.swap_remove(i))
    }

    /// Resets `reservation` and keeps it; if it cannot be reset or enough
    /// are kept, it is unmapped.
    pub(super) fn keep(mut reservation: Reservation) {
        // Reset outside the lock: it is a system call.
        if reservation.reset().is_none() {
            return;
        }
        let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() < KEEP {
            kept.push(reservation);
        }
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
