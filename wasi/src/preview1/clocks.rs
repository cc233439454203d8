//! `clock_res_get` and `clock_time_get`: the host's realtime, monotonic,
//! process and thread CPU-time clocks, in nanoseconds.

use crate::ctx::WasiCtx;
use crate::errno::{Errno, WasiResult};
use crate::guest_memory::GuestMemory;
use crate::types::clockid;
use rustix::time::{ClockId, Timespec};

/// The host clock for a preview1 `clockid`; `EINVAL` for any other.
pub(crate) fn host_clock(id: u32) -> WasiResult<ClockId> {
    Ok(match id {
        clockid::REALTIME => ClockId::Realtime,
        clockid::MONOTONIC => ClockId::Monotonic,
        clockid::PROCESS_CPUTIME_ID => ClockId::ProcessCPUTime,
        clockid::THREAD_CPUTIME_ID => ClockId::ThreadCPUTime,
        _ => return Err(Errno::Inval),
    })
}

// `Timespec`'s field types differ between targets.
#[allow(clippy::unnecessary_cast)]
pub(crate) fn nanos(ts: Timespec) -> u64 {
    super::filestat::timestamp(ts.tv_sec as i64, ts.tv_nsec as i64)
}

/// The current time of `clock` in nanoseconds.
pub(crate) fn now(clock: ClockId) -> u64 {
    nanos(rustix::time::clock_gettime(clock))
}

pub(crate) fn clock_res_get(
    _ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    id: u32,
    resolution: u32,
) -> WasiResult<()> {
    let clock = host_clock(id)?;
    mem.check(resolution, 8)?;
    mem.write_u64(resolution, nanos(rustix::time::clock_getres(clock)).max(1))
}

pub(crate) fn clock_time_get(
    _ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    id: u32,
    _precision: u64,
    time: u32,
) -> WasiResult<()> {
    let clock = host_clock(id)?;
    mem.check(time, 8)?;
    mem.write_u64(time, now(clock))
}
