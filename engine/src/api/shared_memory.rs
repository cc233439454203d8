//! [`SharedMemory`]: a linear memory that stores on several host threads
//! use at once (the threads proposal), shaped like wasmtime's.

use super::engine::Engine;
use super::types::MemoryType;
use crate::error::{Error, Limit, Result, Trap};
use crate::runtime::memory::parking::WaitOutcome;
use crate::runtime::memory::shared::{check_atomic, SharedMemoryData};
use alloc::sync::Arc;
use core::cell::UnsafeCell;
use core::fmt;
use std::time::Duration;

/// A shared linear memory: `Send + Sync`, cheap to clone (every clone is
/// the same memory), importable into instances in any number of stores
/// of its engine, on any threads. Its base never moves, so it can grow
/// while other threads run guest code on it; every thread sees the new
/// size.
///
/// An instance's exported shared memory comes back as
/// [`Extern::SharedMemory`](crate::Extern::SharedMemory), never as a
/// [`Memory`](crate::Memory).
#[derive(Clone)]
pub struct SharedMemory(pub(crate) Arc<SharedMemoryData>);

/// How [`SharedMemory::atomic_wait32`] and
/// [`atomic_wait64`](SharedMemory::atomic_wait64) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitResult {
    /// Woken by a notify.
    Ok,
    /// The memory did not hold the expected value.
    Mismatch,
    /// The timeout passed.
    TimedOut,
}

impl fmt::Debug for SharedMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedMemory")
            .field("ty", &alloc::format!("{}", self.ty()))
            .finish()
    }
}

impl PartialEq for SharedMemory {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl SharedMemory {
    /// A new shared memory of type `ty`, which must be shared and have a
    /// maximum (see [`MemoryType::shared`]). Its whole maximum is
    /// reserved (address space, not memory) up front.
    pub fn new(engine: &Engine, ty: MemoryType) -> Result<Self> {
        if !ty.0.shared {
            return Err(Error::usage("SharedMemory::new needs a shared memory type"));
        }
        if ty.0.limits.max.is_none() {
            return Err(Error::usage("a shared memory must have a maximum"));
        }
        SharedMemoryData::new(ty.0, &engine.inner)
            .map(SharedMemory)
            .ok_or_else(|| {
                Error::limit(
                    Limit::MemorySize,
                    "shared memory size exceeds the engine's limit or could not be reserved",
                )
            })
    }

    /// Its type, with the current size as the minimum.
    pub fn ty(&self) -> MemoryType {
        let mut ty = self.0.ty;
        ty.limits.min = self.0.pages();
        MemoryType(ty)
    }

    /// Current size in pages.
    pub fn size(&self) -> u64 {
        self.0.pages()
    }

    /// Current size in bytes.
    pub fn data_size(&self) -> usize {
        self.0.len()
    }

    /// The memory's bytes. Other threads may change them at any time, so
    /// they are cells: read and write them through raw pointers (or
    /// atomics), never as a plain `&[u8]`.
    pub fn data(&self) -> &[UnsafeCell<u8>] {
        // SAFETY: the first `len()` bytes are accessible and stay so while
        // `self` lives (the memory never shrinks nor moves), and
        // `UnsafeCell<u8>` has `u8`'s layout.
        unsafe { core::slice::from_raw_parts(self.0.base().cast(), self.0.len()) }
    }

    /// Grows by `delta` pages: the old size in pages. Fails over the
    /// maximum. Not subject to any store's resource limiter (no store owns
    /// the memory).
    pub fn grow(&self, delta: u64) -> Result<u64> {
        self.0.grow(delta).ok_or_else(|| {
            Error::limit(
                Limit::MemorySize,
                "shared memory cannot grow past its maximum",
            )
        })
    }

    /// `memory.atomic.notify` at byte `addr`: wakes up to `count` threads
    /// waiting there and returns how many it woke. Traps if `addr` is not
    /// 4-aligned or out of bounds.
    pub fn atomic_notify(&self, addr: u64, count: u32) -> core::result::Result<u32, Trap> {
        let addr = check_atomic(addr, 4, self.0.len()).map_err(Trap::new)?;
        Ok(self.0.notify(addr, count))
    }

    /// `memory.atomic.wait32` at byte `addr`: blocks this thread while the
    /// `u32` there is `expected`, until notified or `timeout` (none:
    /// forever) passes. Traps if `addr` is not 4-aligned or out of bounds.
    pub fn atomic_wait32(
        &self,
        addr: u64,
        expected: u32,
        timeout: Option<Duration>,
    ) -> core::result::Result<WaitResult, Trap> {
        self.wait(addr, expected as u64, false, timeout)
    }

    /// `memory.atomic.wait64`: as [`atomic_wait32`](Self::atomic_wait32)
    /// for the `u64` at 8-aligned `addr`.
    pub fn atomic_wait64(
        &self,
        addr: u64,
        expected: u64,
        timeout: Option<Duration>,
    ) -> core::result::Result<WaitResult, Trap> {
        self.wait(addr, expected, true, timeout)
    }

    fn wait(
        &self,
        addr: u64,
        expected: u64,
        wide: bool,
        timeout: Option<Duration>,
    ) -> core::result::Result<WaitResult, Trap> {
        let size = if wide { 8 } else { 4 };
        let addr = check_atomic(addr, size, self.0.len()).map_err(Trap::new)?;
        let ns = timeout.map_or(-1, |t| i64::try_from(t.as_nanos()).unwrap_or(i64::MAX));
        Ok(match self.0.wait(addr, expected, wide, ns, None) {
            WaitOutcome::Woken => WaitResult::Ok,
            WaitOutcome::Mismatch => WaitResult::Mismatch,
            // No interruption was asked for.
            WaitOutcome::TimedOut | WaitOutcome::Interrupted => WaitResult::TimedOut,
        })
    }
}
