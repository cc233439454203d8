//! `proc_raise` and `sched_yield`. (`proc_exit` does not return to the
//! guest at all: it is wired directly in `preview1/mod.rs` and unwinds
//! with [`I32Exit`](crate::I32Exit).)

use crate::ctx::WasiCtx;
use crate::errno::{Errno, WasiResult};
use crate::guest_memory::GuestMemory;

/// Signals are not part of the sandbox: preview1 itself deprecates this
/// function, and wasmtime does not implement it either.
pub(crate) fn proc_raise(
    _ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    _signal: u32,
) -> WasiResult<()> {
    Err(Errno::NoSys)
}

pub(crate) fn sched_yield(_ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>) -> WasiResult<()> {
    std::thread::yield_now();
    Ok(())
}
