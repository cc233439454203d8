//! `fd_*`: operations on an open descriptor: reading and writing, seeking,
//! status and flags, sizes and times, syncing, listing a directory, the
//! preopen queries, closing and renumbering.

use super::filestat::{write_filestat, FileTimes, Filestat};
use crate::ctx::WasiCtx;
use crate::descriptor::{Descriptor, Socket};
use crate::errno::{Errno, WasiResult};
use crate::guest_memory::{GuestMemory, IoVec};
use crate::stdio::Input;
use crate::types::{fdflags, layout, rights, whence, PREOPENTYPE_DIR};
use rustix::fs::{OFlags, SeekFrom};
use rustix::io::Errno as HostErrno;
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;

/// Retries `op` while the host call is interrupted by a signal.
pub(crate) fn retry<T>(mut op: impl FnMut() -> rustix::io::Result<T>) -> WasiResult<T> {
    loop {
        match op() {
            Err(HostErrno::INTR) => continue,
            other => return Ok(other?),
        }
    }
}

/// Writes all of `data` unless the host fails part-way, in which case the
/// bytes written so far are the result (as a short `write` would say).
pub(crate) fn write_all(
    mut write: impl FnMut(&[u8], u64) -> rustix::io::Result<usize>,
    data: &[u8],
) -> WasiResult<usize> {
    let mut done = 0;
    while done < data.len() {
        match write(&data[done..], done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(HostErrno::INTR) => {}
            Err(_) if done > 0 => break,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(done)
}

pub(crate) fn fd_advise(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
    offset: u64,
    len: u64,
    advice: u32,
) -> WasiResult<()> {
    use rustix::fs::Advice;
    let advice = match advice {
        0 => Advice::Normal,
        1 => Advice::Sequential,
        2 => Advice::Random,
        3 => Advice::WillNeed,
        4 => Advice::DontNeed,
        5 => Advice::NoReuse,
        _ => return Err(Errno::Inval),
    };
    let file = ctx.fds.file(fd)?;
    file.rights.require(rights::FD_ADVISE)?;
    rustix::fs::fadvise(&file.file, offset, std::num::NonZeroU64::new(len), advice)?;
    Ok(())
}

pub(crate) fn fd_allocate(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
    offset: u64,
    len: u64,
) -> WasiResult<()> {
    let file = ctx.fds.file(fd)?;
    file.require_write(rights::FD_ALLOCATE)?;
    let end = offset
        .checked_add(len)
        .filter(|&end| end <= i64::MAX as u64)
        .ok_or(Errno::Fbig)?;
    match rustix::fs::fallocate(&file.file, rustix::fs::FallocateFlags::empty(), offset, len) {
        Ok(()) => Ok(()),
        // Some file systems (tmpfs on old kernels, overlayfs) cannot
        // preallocate: growing the file gives the same guarantee.
        Err(HostErrno::OPNOTSUPP) => {
            if end > file.file.metadata().map_err(Errno::from)?.len() {
                file.file.set_len(end).map_err(Errno::from)?;
            }
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn fd_close(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, fd: u32) -> WasiResult<()> {
    ctx.fds.remove(fd).map(drop)
}

pub(crate) fn fd_datasync(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
) -> WasiResult<()> {
    sync(ctx, fd, rights::FD_DATASYNC, |fd| rustix::fs::fdatasync(fd))
}

pub(crate) fn fd_sync(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, fd: u32) -> WasiResult<()> {
    sync(ctx, fd, rights::FD_SYNC, |fd| rustix::fs::fsync(fd))
}

fn sync(
    ctx: &mut WasiCtx,
    fd: u32,
    right: u64,
    op: impl Fn(std::os::fd::BorrowedFd<'_>) -> rustix::io::Result<()>,
) -> WasiResult<()> {
    match ctx.fds.get(fd)? {
        Descriptor::File(f) => {
            f.rights.require(right)?;
            retry(|| op(f.file.as_fd()))
        }
        Descriptor::Dir(d) => {
            d.rights.require(right)?;
            retry(|| op(d.dir.as_fd()))
        }
        _ => Err(Errno::Inval),
    }
}

/// The host's status flags of an open file, as `fdflags`.
fn fdflags_of(fd: impl AsFd) -> WasiResult<u16> {
    let host = rustix::fs::fcntl_getfl(fd)?;
    let mut flags = 0;
    for (bit, wasi) in [
        (OFlags::APPEND, fdflags::APPEND),
        (OFlags::NONBLOCK, fdflags::NONBLOCK),
        (OFlags::DSYNC, fdflags::DSYNC),
        (OFlags::RSYNC, fdflags::RSYNC),
        (OFlags::SYNC, fdflags::SYNC),
    ] {
        if host.contains(bit) {
            flags |= wasi;
        }
    }
    // O_SYNC includes O_DSYNC's bit on Linux; report the stronger only.
    if flags & fdflags::SYNC != 0 {
        flags &= !(fdflags::DSYNC | fdflags::RSYNC);
    }
    Ok(flags)
}

pub(crate) fn fd_fdstat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    buf: u32,
) -> WasiResult<()> {
    mem.check(buf, layout::FDSTAT_SIZE)?;
    let desc = ctx.fds.get(fd)?;
    let flags = match desc {
        Descriptor::File(f) => fdflags_of(&f.file)?,
        Descriptor::Socket(Socket::Stream(s), _) => fdflags_of(s)?,
        Descriptor::Socket(Socket::Listener(l), _) => fdflags_of(l)?,
        _ => 0,
    };
    let filetype = desc.filetype()?;
    let r = desc.rights();
    let mut out = [0u8; layout::FDSTAT_SIZE as usize];
    out[0] = filetype;
    out[2..4].copy_from_slice(&flags.to_le_bytes());
    out[8..16].copy_from_slice(&r.base.to_le_bytes());
    out[16..24].copy_from_slice(&r.inheriting.to_le_bytes());
    mem.write_bytes(buf, &out)
}

pub(crate) fn fd_fdstat_set_flags(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
    flags: u32,
) -> WasiResult<()> {
    let flags = u16::try_from(flags)
        .ok()
        .filter(|f| f & !fdflags::ALL == 0)
        .ok_or(Errno::Inval)?;
    let set_host = |fd: std::os::fd::BorrowedFd<'_>, settable: u16| -> WasiResult<()> {
        if flags & !settable != 0 {
            // Linux cannot change O_SYNC/O_DSYNC after opening.
            return Err(Errno::NotSup);
        }
        let mut host = rustix::fs::fcntl_getfl(fd)?;
        host.set(OFlags::APPEND, flags & fdflags::APPEND != 0);
        host.set(OFlags::NONBLOCK, flags & fdflags::NONBLOCK != 0);
        rustix::fs::fcntl_setfl(fd, host)?;
        Ok(())
    };
    match ctx.fds.get(fd)? {
        Descriptor::File(f) => {
            f.rights.require(rights::FD_FDSTAT_SET_FLAGS)?;
            set_host(f.file.as_fd(), fdflags::APPEND | fdflags::NONBLOCK)
        }
        Descriptor::Socket(Socket::Stream(s), r) => {
            r.require(rights::FD_FDSTAT_SET_FLAGS)?;
            set_host(s.as_fd(), fdflags::NONBLOCK)
        }
        Descriptor::Socket(Socket::Listener(l), r) => {
            r.require(rights::FD_FDSTAT_SET_FLAGS)?;
            set_host(l.as_fd(), fdflags::NONBLOCK)
        }
        // Directories and stdio have no flags to change; changing the
        // host's own stdio flags would leak out of the sandbox.
        _ if flags == 0 => Ok(()),
        _ => Err(Errno::NotSup),
    }
}

pub(crate) fn fd_fdstat_set_rights(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
    base: u64,
    inheriting: u64,
) -> WasiResult<()> {
    let held = ctx.fds.get_mut(fd)?.rights_mut();
    // Rights can only be dropped, never gained.
    if base & !held.base != 0 || inheriting & !held.inheriting != 0 {
        return Err(Errno::NotCapable);
    }
    held.base = base;
    held.inheriting = inheriting;
    Ok(())
}

pub(crate) fn fd_filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    buf: u32,
) -> WasiResult<()> {
    mem.check(buf, layout::FILESTAT_SIZE)?;
    let desc = ctx.fds.get(fd)?;
    desc.rights().require(rights::FD_FILESTAT_GET)?;
    let stat = match desc {
        Descriptor::File(f) => Filestat::from_stat(&rustix::fs::fstat(&f.file)?),
        Descriptor::Dir(d) => Filestat::from_stat(&rustix::fs::fstat(&d.dir)?),
        Descriptor::Socket(Socket::Stream(s), _) => Filestat::from_stat(&rustix::fs::fstat(s)?),
        Descriptor::Socket(Socket::Listener(l), _) => Filestat::from_stat(&rustix::fs::fstat(l)?),
        // Nothing about the host's stdio (its inode, its times) is the
        // guest's business.
        Descriptor::Input(..) | Descriptor::Output(..) => Filestat {
            filetype: desc.filetype()?,
            ..Filestat::default()
        },
    };
    write_filestat(mem, buf, &stat)
}

pub(crate) fn fd_filestat_set_size(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
    size: u64,
) -> WasiResult<()> {
    let file = ctx.fds.file(fd)?;
    file.require_write(rights::FD_FILESTAT_SET_SIZE)?;
    if size > i64::MAX as u64 {
        return Err(Errno::Fbig);
    }
    file.file.set_len(size).map_err(Errno::from)
}

pub(crate) fn fd_filestat_set_times(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
    atim: u64,
    mtim: u64,
    fst_flags: u32,
) -> WasiResult<()> {
    let times = FileTimes::parse(atim, mtim, fst_flags)?.to_timestamps();
    match ctx.fds.get(fd)? {
        Descriptor::File(f) => {
            f.perms.require_mutable()?;
            f.rights.require(rights::FD_FILESTAT_SET_TIMES)?;
            retry(|| rustix::fs::futimens(&f.file, &times))
        }
        Descriptor::Dir(d) => {
            d.require_mutation(rights::FD_FILESTAT_SET_TIMES)?;
            retry(|| rustix::fs::futimens(&d.dir, &times))
        }
        _ => Err(Errno::Badf),
    }
}

pub(crate) fn fd_pread(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
    nread: u32,
) -> WasiResult<()> {
    mem.check(nread, 4)?;
    let iovs = mem.iovecs(iovs, iovs_len)?;
    let n = match ctx.fds.get_mut(fd)? {
        Descriptor::File(f) => {
            f.require_read()?;
            f.rights.require(rights::FD_SEEK)?;
            mem.read_into(&iovs, |buf| {
                retry(|| rustix::io::pread(&f.file, &mut *buf, offset))
            })?
        }
        Descriptor::Dir(_) => return Err(Errno::IsDir),
        _ => return Err(Errno::Spipe),
    };
    mem.write_u32(nread, n as u32)
}

pub(crate) fn fd_pwrite(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
    nwritten: u32,
) -> WasiResult<()> {
    mem.check(nwritten, 4)?;
    let iovs = mem.iovecs(iovs, iovs_len)?;
    let n = match ctx.fds.get_mut(fd)? {
        Descriptor::File(f) => {
            f.require_write(rights::FD_WRITE)?;
            f.rights.require(rights::FD_SEEK)?;
            let data = mem.gather(&iovs)?;
            write_all(
                |rest, done| rustix::io::pwrite(&f.file, rest, offset.saturating_add(done)),
                &data,
            )?
        }
        Descriptor::Dir(_) => return Err(Errno::IsDir),
        _ => return Err(Errno::Spipe),
    };
    mem.write_u32(nwritten, n as u32)
}

/// A read that waits for as long as its source likes (the host's stdin, a
/// socket), handed back by [`fd_read_begin`] to run without the context.
pub(crate) struct BlockingRead {
    source: BlockingSource,
    iovs: Vec<IoVec>,
    nread: u32,
}

enum BlockingSource {
    Stdin,
    /// A handle of its own on the socket (`dup`), so the descriptor may be
    /// closed meanwhile.
    Stream(std::net::TcpStream),
}

impl BlockingRead {
    /// Reads, and writes how much was read where the guest asked.
    pub(crate) fn finish(self, mem: &mut GuestMemory<'_>) -> WasiResult<()> {
        let n = match &self.source {
            BlockingSource::Stdin => mem.read_into(&self.iovs, |buf| Input::Inherit.read(buf))?,
            BlockingSource::Stream(s) => {
                mem.read_into(&self.iovs, |buf| retry(|| rustix::io::read(s, &mut *buf)))?
            }
        };
        mem.write_u32(self.nread, n as u32)
    }
}

/// `fd_read`; but with `shared` (a program with threads, whose context is
/// locked for this call), a read of the host's stdin or of a socket is
/// handed back, checked, to wait for its data after the lock is released.
pub(crate) fn fd_read_begin(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nread: u32,
    shared: bool,
) -> WasiResult<Option<BlockingRead>> {
    mem.check(nread, 4)?;
    let iovs = mem.iovecs(iovs, iovs_len)?;
    if shared {
        let source = match ctx.fds.get_mut(fd)? {
            Descriptor::Input(Input::Inherit, r) => {
                r.require(rights::FD_READ)?;
                Some(BlockingSource::Stdin)
            }
            Descriptor::Socket(Socket::Stream(s), r) => {
                r.require(rights::FD_READ)?;
                // Without a descriptor to spare, it reads under the lock.
                s.try_clone().ok().map(BlockingSource::Stream)
            }
            _ => None,
        };
        if let Some(source) = source {
            return Ok(Some(BlockingRead {
                source,
                iovs,
                nread,
            }));
        }
    }
    let n = match ctx.fds.get_mut(fd)? {
        Descriptor::File(f) => {
            f.require_read()?;
            mem.read_into(&iovs, |buf| retry(|| rustix::io::read(&f.file, &mut *buf)))?
        }
        Descriptor::Input(input, r) => {
            r.require(rights::FD_READ)?;
            mem.read_into(&iovs, |buf| input.read(buf))?
        }
        Descriptor::Socket(Socket::Stream(s), r) => {
            r.require(rights::FD_READ)?;
            mem.read_into(&iovs, |buf| retry(|| rustix::io::read(&*s, &mut *buf)))?
        }
        Descriptor::Dir(_) => return Err(Errno::IsDir),
        Descriptor::Output(..) | Descriptor::Socket(Socket::Listener(_), _) => {
            return Err(Errno::Badf)
        }
    };
    mem.write_u32(nread, n as u32)?;
    Ok(None)
}

pub(crate) fn fd_write(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nwritten: u32,
) -> WasiResult<()> {
    mem.check(nwritten, 4)?;
    let iovs = mem.iovecs(iovs, iovs_len)?;
    let data = mem.gather(&iovs)?;
    let n = match ctx.fds.get_mut(fd)? {
        Descriptor::File(f) => {
            f.require_write(rights::FD_WRITE)?;
            write_all(|rest, _| rustix::io::write(&f.file, rest), &data)?
        }
        Descriptor::Output(out, r) => {
            r.require(rights::FD_WRITE)?;
            out.write(&data)?
        }
        Descriptor::Socket(Socket::Stream(s), r) => {
            r.require(rights::FD_WRITE)?;
            write_all(|rest, _| rustix::io::write(&*s, rest), &data)?
        }
        Descriptor::Dir(_) => return Err(Errno::IsDir),
        Descriptor::Input(..) | Descriptor::Socket(Socket::Listener(_), _) => {
            return Err(Errno::Badf)
        }
    };
    mem.write_u32(nwritten, n as u32)
}

/// One directory entry as `fd_readdir` reports it.
struct Entry {
    name: Vec<u8>,
    ino: u64,
    filetype: u8,
}

pub(crate) fn fd_readdir(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    buf: u32,
    buf_len: u32,
    cookie: u64,
    bufused: u32,
) -> WasiResult<()> {
    mem.check(bufused, 4)?;
    mem.check(buf, buf_len)?;
    let dir = ctx.fds.dir(fd).map_err(|e| match e {
        Errno::NotDir => Errno::Badf,
        other => other,
    })?;
    dir.rights.require(rights::FD_READDIR)?;

    // The cookie is the index of the next entry: the listing is read anew
    // on each call, in the host's order, with `.` and `..` first.
    let self_ino = rustix::fs::fstat(&dir.dir)?.st_ino;
    let mut entries = vec![
        Entry {
            name: b".".to_vec(),
            ino: self_ino,
            filetype: crate::types::filetype::DIRECTORY,
        },
        Entry {
            name: b"..".to_vec(),
            ino: self_ino,
            filetype: crate::types::filetype::DIRECTORY,
        },
    ];
    for entry in dir.dir.entries().map_err(Errno::from)? {
        use rustix::fs::DirEntryExt;
        let Ok(entry) = entry else { continue };
        // An entry removed since the listing began is skipped.
        let Ok(ty) = entry.file_type() else { continue };
        entries.push(Entry {
            name: entry.file_name().as_bytes().to_vec(),
            ino: entry.ino(),
            filetype: crate::descriptor::filetype_of(ty),
        });
    }

    let limit = buf_len as usize;
    let mut out = Vec::new();
    let skip = usize::try_from(cookie).unwrap_or(usize::MAX);
    for (i, entry) in entries.iter().enumerate().skip(skip) {
        let mut header = [0u8; layout::DIRENT_SIZE];
        header[0..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
        header[8..16].copy_from_slice(&entry.ino.to_le_bytes());
        header[16..20].copy_from_slice(&(entry.name.len() as u32).to_le_bytes());
        header[20] = entry.filetype;
        out.extend_from_slice(&header);
        out.extend_from_slice(&entry.name);
        if out.len() >= limit {
            break;
        }
    }
    // A full buffer (the last entry cut short) tells the guest to call
    // again with the last whole entry's cookie, as preview1 specifies.
    out.truncate(limit);
    mem.write_bytes(buf, &out)?;
    mem.write_u32(bufused, out.len() as u32)
}

pub(crate) fn fd_renumber(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    from: u32,
    to: u32,
) -> WasiResult<()> {
    ctx.fds.renumber(from, to)
}

pub(crate) fn fd_seek(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    offset: i64,
    whence: u32,
    newoffset: u32,
) -> WasiResult<()> {
    mem.check(newoffset, 8)?;
    let pos = match whence {
        whence::SET => SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::Inval)?),
        whence::CUR => SeekFrom::Current(offset),
        whence::END => SeekFrom::End(offset),
        _ => return Err(Errno::Inval),
    };
    let at = match ctx.fds.get_mut(fd)? {
        Descriptor::File(f) => {
            // Asking where we are is `fd_tell`'s right; moving is `FD_SEEK`.
            let needed = if pos == SeekFrom::Current(0) {
                rights::FD_TELL
            } else {
                rights::FD_SEEK
            };
            f.rights.require(needed)?;
            rustix::fs::seek(&f.file, pos)?
        }
        Descriptor::Dir(_) => return Err(Errno::Badf),
        _ => return Err(Errno::Spipe),
    };
    mem.write_u64(newoffset, at)
}

pub(crate) fn fd_tell(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    offset: u32,
) -> WasiResult<()> {
    mem.check(offset, 8)?;
    let at = match ctx.fds.get_mut(fd)? {
        Descriptor::File(f) => {
            f.rights.require(rights::FD_TELL)?;
            rustix::fs::seek(&f.file, SeekFrom::Current(0))?
        }
        Descriptor::Dir(_) => return Err(Errno::Badf),
        _ => return Err(Errno::Spipe),
    };
    mem.write_u64(offset, at)
}

/// The guest path of preopen `fd`, or `EBADF`.
fn preopen_name(ctx: &WasiCtx, fd: u32) -> WasiResult<&str> {
    match ctx.fds.get(fd)? {
        Descriptor::Dir(d) => d.preopen.as_deref().ok_or(Errno::Badf),
        _ => Err(Errno::Badf),
    }
}

pub(crate) fn fd_prestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    buf: u32,
) -> WasiResult<()> {
    mem.check(buf, layout::PRESTAT_SIZE)?;
    let name = preopen_name(ctx, fd)?;
    let mut out = [0u8; layout::PRESTAT_SIZE as usize];
    out[0] = PREOPENTYPE_DIR;
    out[4..8].copy_from_slice(&(name.len() as u32).to_le_bytes());
    mem.write_bytes(buf, &out)
}

pub(crate) fn fd_prestat_dir_name(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    path_len: u32,
) -> WasiResult<()> {
    mem.check(path, path_len)?;
    let name = preopen_name(ctx, fd)?;
    if name.len() > path_len as usize {
        return Err(Errno::NameTooLong);
    }
    mem.write_bytes(path, name.as_bytes())
}
