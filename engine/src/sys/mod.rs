//! Platform code, one file per operating system (`os/`) and per
//! architecture (`arch/`): virtual-memory reservations for guarded linear
//! memories, the signal handler that turns faults in compiled code into
//! traps, the register-level entry and resume points those traps need,
//! frame records, instruction-cache coherence and the relocation of
//! direct calls.
//!
//! Everything outside this folder calls the functions re-exported here and
//! never matches on `cfg(target_os)` or `cfg(target_arch)` itself; this
//! folder imports nothing of the engine (the signal handler asks the
//! callback it was installed with). Where a platform is not supported,
//! [`SIGNALS_SUPPORTED`] is false: the JIT then compiles explicit checks
//! for every trap and memories are plain heap allocations.

// Without the JIT only the reservations are used.
#![cfg_attr(not(feature = "jit"), allow(dead_code, unused_imports))]

#[cfg_attr(target_os = "linux", path = "os/linux.rs")]
#[cfg_attr(not(target_os = "linux"), path = "os/unsupported.rs")]
mod os;

#[cfg_attr(target_arch = "x86_64", path = "arch/x86_64.rs")]
#[cfg_attr(target_arch = "aarch64", path = "arch/aarch64.rs")]
#[cfg_attr(target_arch = "riscv64", path = "arch/riscv64.rs")]
#[cfg_attr(
    not(any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "riscv64"
    )),
    path = "arch/unsupported.rs"
)]
mod arch;

pub(crate) use arch::{
    call_with_recovery, flush_icache, resume_to_handler, JmpBuf, STORES_MAY_TEAR,
};
#[cfg(feature = "jit")]
pub(crate) use arch::{direct_call_site, is_direct_call, patch_direct_call};
pub(crate) use os::{
    ensure_alt_stack, install_signal_handlers, private_dir, ImageSource, Reservation,
};

/// Whether this platform can run compiled code with signal-based traps and
/// guard-page memories.
pub(crate) const SIGNALS_SUPPORTED: bool = cfg!(all(
    target_os = "linux",
    any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "riscv64"
    )
));

/// Whether the JIT can run on this architecture (with explicit checks
/// where signal-based traps are not supported).
pub(crate) const JIT_SUPPORTED: bool = cfg!(any(
    target_arch = "x86_64",
    target_arch = "aarch64",
    target_arch = "riscv64"
));

/// Asked by the signal handler about a fault at `pc` with frame pointer
/// `fp` on the current thread: the recovery point to resume at if the
/// fault is a trap, `None` to pass it on. Runs in a signal handler.
pub(crate) type FaultHandler = fn(pc: usize, fp: usize) -> Option<*const JmpBuf>;

/// The frame record at frame pointer `fp`: the caller's frame pointer and
/// the return address into the caller. Cranelift lays frame records out
/// the same way on every ISA it supports here (x86-64 pushes them so;
/// aarch64 and riscv64 store them so): the saved frame pointer at `fp`,
/// the return address just above it.
///
/// # Safety
/// `fp` must be the frame pointer of a live compiled frame (or of the
/// recovery point's, laid out the same) on this thread's stack.
pub(crate) unsafe fn frame_record(fp: usize) -> (usize, usize) {
    // SAFETY: as above: two words of a live frame record.
    unsafe { (*(fp as *const usize), *((fp + 8) as *const usize)) }
}
