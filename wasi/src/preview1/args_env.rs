//! `args_*` and `environ_*`: the guest's command line and environment,
//! as NUL-terminated strings with an array of pointers to them.

use crate::ctx::WasiCtx;
use crate::errno::{Errno, WasiResult};
use crate::guest_memory::GuestMemory;

/// Writes `count, total bytes with terminators` for `strings`.
fn sizes(strings: &[Vec<u8>], mem: &mut GuestMemory<'_>, count: u32, size: u32) -> WasiResult<()> {
    let total: usize = strings.iter().map(|s| s.len() + 1).sum();
    let total = u32::try_from(total).map_err(|_| Errno::Overflow)?;
    mem.check(count, 4)?;
    mem.check(size, 4)?;
    mem.write_u32(count, strings.len() as u32)?;
    mem.write_u32(size, total)
}

/// Writes each string, NUL-terminated, one after another from `buf`, and
/// a pointer to each into the array at `ptrs`. Both regions are checked
/// whole before anything is written.
fn strings(strings: &[Vec<u8>], mem: &mut GuestMemory<'_>, ptrs: u32, buf: u32) -> WasiResult<()> {
    let total: usize = strings.iter().map(|s| s.len() + 1).sum();
    mem.check_array(ptrs, strings.len() as u32, 4)?;
    mem.check(buf, u32::try_from(total).map_err(|_| Errno::Overflow)?)?;
    let mut at = buf;
    for (i, s) in strings.iter().enumerate() {
        mem.write_u32(ptrs + 4 * i as u32, at)?;
        mem.write_bytes(at, s)?;
        mem.write_u8(at + s.len() as u32, 0)?;
        at += s.len() as u32 + 1;
    }
    Ok(())
}

pub(crate) fn args_sizes_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    argc: u32,
    argv_buf_size: u32,
) -> WasiResult<()> {
    sizes(&ctx.args, mem, argc, argv_buf_size)
}

pub(crate) fn args_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    argv: u32,
    argv_buf: u32,
) -> WasiResult<()> {
    strings(&ctx.args, mem, argv, argv_buf)
}

pub(crate) fn environ_sizes_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    count: u32,
    buf_size: u32,
) -> WasiResult<()> {
    sizes(&ctx.env, mem, count, buf_size)
}

pub(crate) fn environ_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    environ: u32,
    environ_buf: u32,
) -> WasiResult<()> {
    strings(&ctx.env, mem, environ, environ_buf)
}
