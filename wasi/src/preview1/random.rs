//! `random_get`: bytes from the host's cryptographically secure source.

use crate::ctx::WasiCtx;
use crate::errno::{Errno, WasiResult};
use crate::guest_memory::GuestMemory;

pub(crate) fn random_get(
    _ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    buf: u32,
    buf_len: u32,
) -> WasiResult<()> {
    mem.fill(buf, buf_len, |bytes| {
        getrandom::fill(bytes).map_err(|_| Errno::Io)
    })
}
