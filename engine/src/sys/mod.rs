//! Platform code, one small module per operating system and architecture:
//! virtual-memory reservations for guarded linear memories, the signal
//! handler that turns faults in compiled code into traps, and the
//! register-level entry and resume points those traps need.
//!
//! Everything outside this folder calls the functions re-exported here and
//! never matches on `cfg(target_os)` or `cfg(target_arch)` itself. Where a
//! platform is not supported, [`SIGNALS_SUPPORTED`] is false: the JIT then
//! compiles explicit checks for every trap and memories are plain heap
//! allocations.

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod unix;
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod x86_64;

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
pub(crate) use unix::{ensure_alt_stack, install_signal_handlers, Reservation};
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
pub(crate) use x86_64::{call_with_recovery, flush_icache, JmpBuf};

/// Whether this platform can run compiled code with signal-based traps and
/// guard-page memories.
pub(crate) const SIGNALS_SUPPORTED: bool = cfg!(all(target_os = "linux", target_arch = "x86_64"));

/// Fallbacks for platforms without signal-based traps: the JIT never
/// enters compiled code through these, because `SIGNALS_SUPPORTED` is
/// false there.
#[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
mod unsupported;
#[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
pub(crate) use unsupported::{
    call_with_recovery, ensure_alt_stack, flush_icache, install_signal_handlers, JmpBuf,
    Reservation,
};
