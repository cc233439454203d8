//! `sock_*`: accepting, receiving, sending and shutting down on TCP
//! sockets the host handed over with
//! [`WasiCtxBuilder::preopened_socket`](crate::WasiCtxBuilder::preopened_socket).
//! A guest cannot create, bind or connect sockets in preview1.

use super::fd::{retry, write_all};
use crate::ctx::WasiCtx;
use crate::descriptor::{Descriptor, Socket};
use crate::errno::{Errno, WasiResult};
use crate::guest_memory::GuestMemory;
use crate::types::{fdflags, rights, sock};
use rustix::net::{RecvFlags, SendFlags, Shutdown};

/// The socket `fd`: `EBADF` if not open, `ENOTSOCK` if not a socket.
fn socket(ctx: &mut WasiCtx, fd: u32) -> WasiResult<(&mut Socket, crate::descriptor::Rights)> {
    match ctx.fds.get_mut(fd)? {
        Descriptor::Socket(s, r) => Ok((s, *r)),
        _ => Err(Errno::NotSock),
    }
}

pub(crate) fn sock_accept(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    flags: u32,
    accepted: u32,
) -> WasiResult<()> {
    mem.check(accepted, 4)?;
    if flags & !u32::from(fdflags::NONBLOCK) != 0 {
        return Err(Errno::Inval);
    }
    let (socket, r) = socket(ctx, fd)?;
    r.require(rights::SOCK_ACCEPT)?;
    let Socket::Listener(listener) = socket else {
        return Err(Errno::Inval);
    };
    let (stream, _) = listener.accept().map_err(Errno::from)?;
    stream
        .set_nonblocking(flags & u32::from(fdflags::NONBLOCK) != 0)
        .map_err(Errno::from)?;
    let mut desc = Descriptor::stream(stream);
    desc.rights_mut().base &= r.inheriting;
    let new_fd = ctx.fds.push(desc)?;
    mem.write_u32(accepted, new_fd)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn sock_recv(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    ri_data: u32,
    ri_data_len: u32,
    ri_flags: u32,
    ro_datalen: u32,
    ro_flags: u32,
) -> WasiResult<()> {
    mem.check(ro_datalen, 4)?;
    mem.check(ro_flags, 2)?;
    let known = u32::from(sock::RECV_PEEK | sock::RECV_WAITALL);
    if ri_flags & !known != 0 {
        return Err(Errno::Inval);
    }
    let mut flags = RecvFlags::empty();
    if ri_flags & u32::from(sock::RECV_PEEK) != 0 {
        flags |= RecvFlags::PEEK;
    }
    if ri_flags & u32::from(sock::RECV_WAITALL) != 0 {
        flags |= RecvFlags::WAITALL;
    }
    let iovs = mem.iovecs(ri_data, ri_data_len)?;
    let (socket, r) = socket(ctx, fd)?;
    r.require(rights::FD_READ)?;
    let Socket::Stream(stream) = socket else {
        return Err(Errno::NotConn);
    };
    let n = mem.read_into(&iovs, |buf| {
        retry(|| rustix::net::recv(&*stream, &mut *buf, flags)).map(|(n, _)| n)
    })?;
    let n = n as u32;
    mem.write_u32(ro_datalen, n)?;
    mem.write_u16(ro_flags, 0)
}

pub(crate) fn sock_send(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    si_data: u32,
    si_data_len: u32,
    si_flags: u32,
    so_datalen: u32,
) -> WasiResult<()> {
    mem.check(so_datalen, 4)?;
    if si_flags != 0 {
        return Err(Errno::Inval);
    }
    let iovs = mem.iovecs(si_data, si_data_len)?;
    let data = mem.gather(&iovs)?;
    let (socket, r) = socket(ctx, fd)?;
    r.require(rights::FD_WRITE)?;
    let Socket::Stream(stream) = socket else {
        return Err(Errno::NotConn);
    };
    // NOSIGNAL: a peer that hung up is EPIPE for the guest, not SIGPIPE
    // for the host.
    let n = write_all(
        |rest, _| rustix::net::send(&*stream, rest, SendFlags::NOSIGNAL),
        &data,
    )?;
    mem.write_u32(so_datalen, n as u32)
}

pub(crate) fn sock_shutdown(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
    how: u32,
) -> WasiResult<()> {
    let how = match u8::try_from(how).map_err(|_| Errno::Inval)? {
        sock::SHUT_RD => Shutdown::Read,
        sock::SHUT_WR => Shutdown::Write,
        both if both == sock::SHUT_RD | sock::SHUT_WR => Shutdown::Both,
        _ => return Err(Errno::Inval),
    };
    let (socket, r) = socket(ctx, fd)?;
    r.require(rights::SOCK_SHUTDOWN)?;
    let Socket::Stream(stream) = socket else {
        return Err(Errno::NotConn);
    };
    rustix::net::shutdown(&*stream, how)?;
    Ok(())
}
