//! `memory.atomic.wait32/64` and `memory.atomic.notify`, shared by both
//! tiers (the JIT calls them as builtins): the checks of the address, and
//! the parking of the calling thread on a shared memory's waiters.
//!
//! A wait blocks the host thread for as long as the guest asked (forever,
//! for a negative timeout), but no longer than the store's epoch deadline
//! when the engine has epoch interruption on: a waiter checks it every few
//! milliseconds and traps with `Interrupt` once it has passed, as running
//! guest code would. Fuel is not charged for the time spent waiting.

use crate::error::TrapCode;
use crate::runtime::StoreInner;

/// The entity index of memory `memory` of instance `instance`.
fn memory_index(inner: &StoreInner, instance: u32, memory: u32) -> usize {
    inner.instances[instance as usize].memories[memory as usize] as usize
}

/// `memory.atomic.wait32` (`wide` false) or `wait64` on memory `memory`
/// of instance `instance`, at effective address `ea`: 0 when woken by a
/// notify, 1 when the memory did not hold `expected`, 2 on timeout
/// (`timeout_ns`, negative for none). Traps on an unaligned or
/// out-of-bounds address, on an unshared memory, and with `Interrupt`
/// when the store's epoch deadline passes while waiting.
pub(crate) fn memory_wait(
    inner: &StoreInner,
    instance: u32,
    memory: u32,
    ea: u64,
    expected: u64,
    timeout_ns: i64,
    wide: bool,
) -> Result<u32, TrapCode> {
    let mem = &inner.memories[memory_index(inner, instance, memory)];
    let size = if wide { 8 } else { 4 };
    #[cfg(feature = "std")]
    {
        use crate::runtime::memory::shared::check_atomic;
        let addr = check_atomic(ea, size, mem.len())?;
        let Some(shared) = mem.shared() else {
            return Err(TrapCode::AtomicWaitNonSharedMemory);
        };
        let epoch_check = || {
            inner
                .engine
                .epoch
                .load(core::sync::atomic::Ordering::Relaxed)
                >= inner.vm.ctx.epoch_deadline
        };
        let interrupted: Option<&dyn Fn() -> bool> = if inner.engine.config.epoch_interruption {
            Some(&epoch_check)
        } else {
            None
        };
        use crate::runtime::memory::parking::WaitOutcome;
        match shared.wait(addr, expected, wide, timeout_ns, interrupted) {
            WaitOutcome::Woken => Ok(0),
            WaitOutcome::Mismatch => Ok(1),
            WaitOutcome::TimedOut => Ok(2),
            WaitOutcome::Interrupted => Err(TrapCode::Interrupt),
        }
    }
    #[cfg(not(feature = "std"))]
    {
        let _ = (expected, timeout_ns);
        if !ea.is_multiple_of(size) {
            return Err(TrapCode::HeapMisaligned);
        }
        if ea + size > mem.len() as u64 {
            return Err(TrapCode::MemoryOutOfBounds);
        }
        Err(TrapCode::AtomicWaitNonSharedMemory)
    }
}

/// `memory.atomic.notify` on memory `memory` of instance `instance` at
/// effective address `ea`: how many waiters it woke (always 0 on an
/// unshared memory, which nobody can wait on). Traps on an unaligned or
/// out-of-bounds address.
pub(crate) fn memory_notify(
    inner: &StoreInner,
    instance: u32,
    memory: u32,
    ea: u64,
    count: u32,
) -> Result<u32, TrapCode> {
    let mem = &inner.memories[memory_index(inner, instance, memory)];
    if !ea.is_multiple_of(4) {
        return Err(TrapCode::HeapMisaligned);
    }
    if ea + 4 > mem.len() as u64 {
        return Err(TrapCode::MemoryOutOfBounds);
    }
    #[cfg(feature = "std")]
    if let Some(shared) = mem.shared() {
        return Ok(shared.notify(ea as usize, count));
    }
    let _ = count;
    Ok(0)
}
