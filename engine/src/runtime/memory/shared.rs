//! Shared linear memories (the threads proposal): one memory that stores
//! on several host threads use at once, through the `SharedMemory` API
//! type or a module's `(memory min max shared)`.
//!
//! A shared memory is reserved up front to its maximum (or, with guard
//! pages, to the same 4 GiB and guard region as every guarded memory), so
//! its base never moves while it grows: a thread running guest code never
//! has its memory taken from under it. Its length lives in the memory's
//! own [`VMMemory`], which every store's compiled code points at and which
//! is only ever written with an atomic store, under the grow lock; the
//! interpreter reads it atomically too. So a memory grown by one thread is
//! seen grown by every thread. It never shrinks, so a length read a little
//! late only makes an access trap that a fresher read would have allowed,
//! never the reverse.

use super::linear::LinearBytes;
use super::parking::{ParkingLot, WaitOutcome};
use super::MemoryStrategy;
use crate::error::TrapCode;
use crate::runtime::vm::VMMemory;
use crate::runtime::EngineShared;
use crate::types::MemoryType;
use alloc::sync::Arc;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// A shared memory's state, behind an `Arc` that each store's memory
/// entity for it holds.
pub(crate) struct SharedMemoryData {
    /// The type it was created with (its minimum is the initial size).
    pub ty: MemoryType,
    /// The most pages it may have.
    pub max_pages: u64,
    /// The reservation; locked to grow.
    bytes: Mutex<LinearBytes>,
    /// The base (fixed) and length compiled code reads. `len` is written
    /// with atomic stores only, under the `bytes` lock.
    vm: UnsafeCell<VMMemory>,
    /// Its waiters.
    parking: ParkingLot,
    /// Whether it has the guarded layout (4 GiB and a guard region), which
    /// an engine whose compiled code leans on guard pages needs of every
    /// memory it imports; any engine can use either layout otherwise.
    pub guarded: bool,
}

// SAFETY: `vm.base` is written once, before the value is shared, and
// `vm.len` only with atomic stores (under the `bytes` lock) and read with
// atomic loads ([`SharedMemoryData::len`]; compiled code's plain loads of
// an aligned word are atomic on every ISA it runs on). The reservation
// behind `bytes` is `Send + Sync` and only touched under its lock.
unsafe impl Send for SharedMemoryData {}
// SAFETY: as for `Send`.
unsafe impl Sync for SharedMemoryData {}

impl SharedMemoryData {
    /// A shared memory of type `ty` (which has a maximum) for `engine`,
    /// or `None` if its maximum or initial size is over the engine's
    /// limits or the reservation fails.
    pub(crate) fn new(ty: MemoryType, engine: &EngineShared) -> Option<Arc<Self>> {
        let max_pages = super::MemoryEntity::max_pages(&ty, engine);
        if ty.limits.min > max_pages {
            return None;
        }
        let len = ty.bytes_of(ty.limits.min)?;
        let max_len = ty.bytes_of(max_pages)?;
        let strategy = match engine.memory {
            MemoryStrategy::Guarded => MemoryStrategy::Guarded,
            MemoryStrategy::Heap | MemoryStrategy::Reserved => MemoryStrategy::Reserved,
        };
        let mut bytes = LinearBytes::new_fixed(len, max_len, strategy)?;
        let vm = UnsafeCell::new(VMMemory {
            base: bytes.as_mut_ptr(),
            len,
        });
        Some(Arc::new(Self {
            ty,
            max_pages,
            bytes: Mutex::new(bytes),
            vm,
            parking: ParkingLot::default(),
            guarded: strategy == MemoryStrategy::Guarded,
        }))
    }

    /// The `VMMemory` every store's compiled code reads for this memory.
    pub(crate) fn vm_ptr(&self) -> *mut VMMemory {
        self.vm.get()
    }

    /// The first byte; it never moves.
    pub(crate) fn base(&self) -> *mut u8 {
        // SAFETY: `base` is never written after `new`.
        unsafe { (*self.vm.get()).base }
    }

    /// The current length in bytes.
    pub(crate) fn len(&self) -> usize {
        // SAFETY: the field is aligned, lives as long as `self`, and is
        // only ever accessed atomically (see the `Sync` impl).
        unsafe { AtomicUsize::from_ptr(&raw mut (*self.vm.get()).len) }.load(Ordering::SeqCst)
    }

    /// The current size in pages.
    pub(crate) fn pages(&self) -> u64 {
        (self.len() >> self.ty.page_size_log2) as u64
    }

    /// Grows by `delta` pages, at most to `max_pages`: the old size in
    /// pages, or `None` when refused. Atomic: two threads growing at once
    /// both grow, one after the other.
    pub(crate) fn grow(&self, delta: u64) -> Option<u64> {
        let mut bytes = self.bytes.lock().unwrap_or_else(|e| e.into_inner());
        let old = self.pages();
        let new = old.checked_add(delta)?;
        if new > self.max_pages {
            return None;
        }
        let new_len = self.ty.bytes_of(new)?;
        bytes.grow_in_place(new_len)?;
        // SAFETY: as in `len`; the lock makes this the only writer.
        unsafe { AtomicUsize::from_ptr(&raw mut (*self.vm.get()).len) }
            .store(new_len, Ordering::SeqCst);
        Some(old)
    }

    /// `memory.atomic.wait32` (`wide` false) or `wait64` at byte `addr`,
    /// already checked to be in bounds and aligned: parks until notified,
    /// the value differs from `expected`, `timeout_ns` (negative: never)
    /// passes or `interrupted` says so.
    pub(crate) fn wait(
        &self,
        addr: usize,
        expected: u64,
        wide: bool,
        timeout_ns: i64,
        interrupted: Option<&dyn Fn() -> bool>,
    ) -> WaitOutcome {
        let ptr = self.base().wrapping_add(addr);
        let still_expected = || {
            // SAFETY: the caller checked `addr` is in bounds and aligned
            // to the access's size, and the base is page-aligned, so
            // `ptr` is an aligned, live part of the reservation (which
            // never shrinks nor moves while `self` lives). Every thread
            // accesses guest memory through atomics or plain accesses
            // the guest itself races; neither breaks the engine.
            unsafe {
                if wide {
                    AtomicU64::from_ptr(ptr.cast()).load(Ordering::SeqCst) == expected
                } else {
                    AtomicU32::from_ptr(ptr.cast()).load(Ordering::SeqCst) == expected as u32
                }
            }
        };
        let timeout = u64::try_from(timeout_ns).ok().map(Duration::from_nanos);
        self.parking
            .wait(addr as u64, still_expected, timeout, interrupted)
    }

    /// `memory.atomic.notify` at byte `addr`: how many waiters it woke.
    pub(crate) fn notify(&self, addr: usize, count: u32) -> u32 {
        self.parking.notify(addr as u64, count)
    }
}

/// Checks an atomic access of `size` bytes at effective address `ea` of
/// a memory of `len` bytes: aligned first ("unaligned atomic"), then in
/// bounds. Returns the address as an index.
pub(crate) fn check_atomic(ea: u64, size: u64, len: usize) -> Result<usize, TrapCode> {
    if !ea.is_multiple_of(size) {
        return Err(TrapCode::HeapMisaligned);
    }
    match ea.checked_add(size) {
        Some(end) if end <= len as u64 => Ok(ea as usize),
        _ => Err(TrapCode::MemoryOutOfBounds),
    }
}
