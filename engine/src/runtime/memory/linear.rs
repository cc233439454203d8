//! The bytes of a linear memory, in one of the places a
//! [`MemoryStrategy`] names: a heap allocation, or a guarded reservation.

use super::super::pool::Pool;
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
    /// A reservation (guarded or not), of which the first `len` bytes are
    /// the memory's. The OS protects whole pages, so what is accessible is
    /// `len` rounded up to whole 64 KiB pages ([`accessible`]): for a
    /// memory of one-byte pages, a few bytes more than `len`, which stay
    /// zero (every access to such a memory is checked against `len`, on
    /// every tier) and become the memory's when it grows over them.
    #[cfg(feature = "std")]
    Mapped {
        /// Handed to `recycled::keep` on drop.
        reservation: core::mem::ManuallyDrop<crate::sys::Reservation>,
        len: usize,
    },
    /// A shared memory's bytes, which it owns (`shared`); their length is
    /// its current one.
    #[cfg(feature = "std")]
    Shared(alloc::sync::Arc<super::shared::SharedMemoryData>),
}

impl Deref for LinearBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            LinearBytes::Heap(v) => v,
            #[cfg(feature = "std")]
            LinearBytes::Mapped { reservation, len } => {
                // SAFETY: the first `len` bytes of the reservation are
                // accessible and initialised (zero-filled by the OS, then
                // written only through this type or by compiled code while
                // the store is borrowed mutably).
                unsafe { core::slice::from_raw_parts(reservation.base(), *len) }
            }
            #[cfg(feature = "std")]
            LinearBytes::Shared(shared) => {
                // SAFETY: the first `len()` bytes of the shared memory's
                // reservation are accessible and stay so (it never
                // shrinks or moves) while the `Arc` lives. Other threads
                // may write them meanwhile: guest memory is shared by
                // design; the engine takes no length or index from these
                // bytes without checking it.
                unsafe { core::slice::from_raw_parts(shared.base(), shared.len()) }
            }
        }
    }
}

impl DerefMut for LinearBytes {
    fn deref_mut(&mut self) -> &mut [u8] {
        match self {
            LinearBytes::Heap(v) => v,
            #[cfg(feature = "std")]
            LinearBytes::Mapped { reservation, len } => {
                // SAFETY: as in `deref`; `&mut self` makes this the only
                // reference.
                unsafe { core::slice::from_raw_parts_mut(reservation.base(), *len) }
            }
            #[cfg(feature = "std")]
            LinearBytes::Shared(shared) => {
                // SAFETY: as in `deref`.
                unsafe { core::slice::from_raw_parts_mut(shared.base(), shared.len()) }
            }
        }
    }
}

impl LinearBytes {
    /// `len` zero bytes, laid out as `strategy` says, in warm storage from
    /// `pool` if it has some.
    pub(super) fn new(len: usize, strategy: MemoryStrategy, pool: Option<&Pool>) -> Option<Self> {
        match strategy {
            MemoryStrategy::Heap => match pool.and_then(Pool::take_heap) {
                Some(mut v) => {
                    v.try_reserve_exact(len).ok()?;
                    v.resize(len, 0);
                    Some(LinearBytes::Heap(v))
                }
                None => zeroed_vec(len).map(LinearBytes::Heap),
            },
            #[cfg(feature = "std")]
            MemoryStrategy::Guarded | MemoryStrategy::Reserved => {
                let size = match strategy {
                    MemoryStrategy::Guarded => (4u64 << 30) + GUARD_BYTES,
                    _ => reserved_size(len as u64),
                };
                let Ok(size) = usize::try_from(size) else {
                    // A 32-bit host has no 4 GiB to reserve.
                    return match strategy {
                        MemoryStrategy::Reserved => Self::new(len, MemoryStrategy::Heap, pool),
                        _ => None,
                    };
                };
                let warm = match pool {
                    Some(pool) => pool.take_reservation(size),
                    None => recycled::take(size),
                };
                let mut reservation = match warm {
                    Some(r) => r,
                    None => match crate::sys::Reservation::new(size) {
                        Some(r) => r,
                        // Checked accesses do not need the reservation:
                        // where there is none, the heap will do.
                        None if strategy == MemoryStrategy::Reserved => {
                            return Self::new(len, MemoryStrategy::Heap, pool);
                        }
                        None => return None,
                    },
                };
                reservation.set_accessible(accessible(len)?)?;
                Some(LinearBytes::Mapped {
                    reservation: core::mem::ManuallyDrop::new(reservation),
                    len,
                })
            }
            #[cfg(not(feature = "std"))]
            MemoryStrategy::Guarded | MemoryStrategy::Reserved => None,
        }
    }

    /// `len` zero bytes in a reservation that holds `max_len` without
    /// moving (a shared memory's): the guarded layout, or a plain
    /// reservation of `max_len` rounded up to whole 64 KiB pages.
    #[cfg(feature = "std")]
    pub(super) fn new_fixed(len: usize, max_len: usize, strategy: MemoryStrategy) -> Option<Self> {
        if strategy == MemoryStrategy::Guarded {
            return Self::new(len, strategy, None);
        }
        let size = accessible(max_len)?.max(super::PAGE_SIZE);
        let mut reservation = crate::sys::Reservation::new(size)?;
        reservation.set_accessible(accessible(len)?)?;
        Some(LinearBytes::Mapped {
            reservation: core::mem::ManuallyDrop::new(reservation),
            len,
        })
    }

    /// Grows to `new_len` zero-filled bytes without moving; `None` if that
    /// would take more than the reservation holds (or it is a heap
    /// allocation).
    #[cfg(feature = "std")]
    pub(super) fn grow_in_place(&mut self, new_len: usize) -> Option<()> {
        match self {
            LinearBytes::Mapped { reservation, len } => {
                if new_len < *len || accessible(new_len)? > reservation.size() {
                    return None;
                }
                reservation.make_accessible(accessible(new_len)?)?;
                *len = new_len;
                Some(())
            }
            _ => None,
        }
    }

    /// Gives the storage back: to `pool` if there is one, else a guarded
    /// memory's reservation to the process-wide recycled list.
    pub(super) fn release(self, pool: Option<&Pool>) {
        let mut this = core::mem::ManuallyDrop::new(self);
        match &mut *this {
            LinearBytes::Heap(v) => {
                let v = core::mem::take(v);
                if let Some(pool) = pool {
                    pool.keep_heap(v);
                }
            }
            #[cfg(feature = "std")]
            LinearBytes::Mapped { reservation, .. } => {
                // SAFETY: `this` is never dropped or used again, so the
                // reservation is taken exactly once.
                let reservation = unsafe { core::mem::ManuallyDrop::take(reservation) };
                match pool {
                    Some(pool) => pool.keep_reservation(reservation),
                    None => recycled::keep(reservation),
                }
            }
            #[cfg(feature = "std")]
            LinearBytes::Shared(shared) => {
                // SAFETY: as above: taken once, never used again.
                drop(unsafe { core::ptr::read(shared) });
            }
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
            LinearBytes::Mapped { reservation, len } => {
                // No length cap here: a 32-bit memory's maximum (4 GiB)
                // is enforced by its entity, so a guarded one (4 GiB plus
                // the guard reserved) never reaches the move below; only
                // a 64-bit memory may pass 4 GiB, and it is never guarded.
                let new_accessible = accessible(new_len)?;
                if new_accessible > reservation.size() {
                    // Only a plain reservation can be outgrown (a guarded
                    // one covers 4 GiB): move to one twice as large, or
                    // more, by moving its pages where the kernel can, else
                    // copying the memory's bytes.
                    let size = usize::try_from(reserved_size(new_len as u64)).ok()?;
                    if reservation.grow_moving(size, new_accessible).is_some() {
                        *len = new_len;
                        return Some(());
                    }
                    let mut bigger = crate::sys::Reservation::new(size)?;
                    bigger.set_accessible(new_accessible)?;
                    // SAFETY: both ranges are accessible bytes of distinct
                    // reservations this value owns; `*len <= new_len`.
                    unsafe {
                        core::ptr::copy_nonoverlapping(reservation.base(), bigger.base(), *len)
                    };
                    let old = core::mem::replace(&mut **reservation, bigger);
                    recycled::keep(old);
                } else {
                    reservation.make_accessible(new_accessible)?;
                }
                *len = new_len;
            }
            // A shared memory grows through `SharedMemoryData::grow`.
            #[cfg(feature = "std")]
            LinearBytes::Shared(_) => return None,
        }
        Some(())
    }
}

impl Drop for LinearBytes {
    fn drop(&mut self) {
        let this = core::mem::replace(self, LinearBytes::Heap(Vec::new()));
        this.release(None);
    }
}

/// The accessible part of a reservation holding a memory of `len` bytes:
/// `len` rounded up to whole 64 KiB Wasm pages, which are whole OS pages on
/// every host (the same as `len` for a memory of 64 KiB pages).
#[cfg(feature = "std")]
fn accessible(len: usize) -> Option<usize> {
    len.checked_next_multiple_of(super::PAGE_SIZE)
}

/// The reservation for a plain (unguarded) memory of `len` bytes: at
/// least 1 MiB, a power of two (at most 4 GiB for a 32-bit memory; a
/// 64-bit one may need more). Small, so that many
/// memories fit in a small address space (an Sv39 riscv64 has 256 GiB;
/// an emulator keeps state for every page ever reserved); a memory that
/// outgrows it moves to a larger one.
fn reserved_size(len: u64) -> u64 {
    len.max(1 << 20)
        .checked_next_power_of_two()
        .unwrap_or(u64::MAX)
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

    /// At most this many reservations of each size are kept (address
    /// space only: a reset reservation holds no memory but its first
    /// `KEEP_RESIDENT` bytes). Counted per size so that one kind of memory
    /// released often (the interpreter's small reservations) cannot crowd
    /// out another (the JIT's guarded ones): a reservation turned away is
    /// unmapped and the next one maps a fresh range, which an emulator
    /// like qemu-user pays for with state it never frees.
    const KEEP: usize = 16;

    /// How many bytes at the start of a kept reservation are zeroed in
    /// place and stay resident, rather than handed back to the kernel: one
    /// Wasm page, the memory of a typical per-request instance. Zeroing 64
    /// KiB costs about a microsecond; the mapping, page faults and TLB
    /// shootdown it saves cost several.
    const KEEP_RESIDENT: usize = 64 << 10;

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
        if reservation.reset(KEEP_RESIDENT).is_none() {
            return;
        }
        let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
        let size = reservation.size();
        if kept.iter().filter(|r| r.size() == size).count() < KEEP {
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
