//! `path_*`: operations on paths beneath a directory descriptor.
//!
//! Every path is resolved by cap-std beneath the directory's handle
//! (`openat2(RESOLVE_BENEATH)` on Linux, component-by-component
//! resolution elsewhere): `..` past the directory, absolute paths and
//! symlinks leading out are refused by the resolver, never by string
//! checks here. What this file checks, before the host is asked, is the
//! preopen's permission (`EPERM` for a change beneath a read-only one)
//! and the descriptor's rights (`ENOTCAPABLE`).

use super::filestat::{write_filestat, FileTimes, Filestat};
use crate::ctx::WasiCtx;
use crate::descriptor::{Descriptor, DirDesc, FileDesc};
use crate::errno::{Errno, WasiResult};
use crate::guest_memory::GuestMemory;
use crate::types::{fdflags, layout, oflags, rights, LOOKUP_SYMLINK_FOLLOW};
use cap_fs_ext::{
    DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsMaybeDirExt, OpenOptionsSyncExt,
};
use cap_std::fs::OpenOptionsExt;
use rustix::fs::OFlags;
use std::os::unix::ffi::OsStrExt;

/// Whether `lookupflags` asks to follow a final symlink; `EINVAL` for
/// unknown bits.
fn follow(flags: u32) -> WasiResult<bool> {
    if flags & !LOOKUP_SYMLINK_FOLLOW != 0 {
        return Err(Errno::Inval);
    }
    Ok(flags & LOOKUP_SYMLINK_FOLLOW != 0)
}

pub(crate) fn path_create_directory(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    path_len: u32,
) -> WasiResult<()> {
    let dir = ctx.fds.dir(fd)?;
    let path = mem.read_str(path, path_len)?;
    dir.require_mutation(rights::PATH_CREATE_DIRECTORY)?;
    Ok(dir.dir.create_dir(path)?)
}

pub(crate) fn path_filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    flags: u32,
    path: u32,
    path_len: u32,
    buf: u32,
) -> WasiResult<()> {
    mem.check(buf, layout::FILESTAT_SIZE)?;
    let follow = follow(flags)?;
    let dir = ctx.fds.dir(fd)?;
    let path = mem.read_str(path, path_len)?;
    dir.rights.require(rights::PATH_FILESTAT_GET)?;
    let meta = if follow {
        dir.dir.metadata(path)?
    } else {
        dir.dir.symlink_metadata(path)?
    };
    write_filestat(mem, buf, &Filestat::from_metadata(&meta))
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn path_filestat_set_times(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    flags: u32,
    path: u32,
    path_len: u32,
    atim: u64,
    mtim: u64,
    fst_flags: u32,
) -> WasiResult<()> {
    let follow = follow(flags)?;
    let (atime, mtime) = FileTimes::parse(atim, mtim, fst_flags)?.to_specs();
    let dir = ctx.fds.dir(fd)?;
    let path = mem.read_str(path, path_len)?;
    dir.require_mutation(rights::PATH_FILESTAT_SET_TIMES)?;
    if follow {
        dir.dir.set_times(path, atime, mtime)?;
    } else {
        dir.dir.set_symlink_times(path, atime, mtime)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn path_link(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    old_fd: u32,
    old_flags: u32,
    old_path: u32,
    old_path_len: u32,
    new_fd: u32,
    new_path: u32,
    new_path_len: u32,
) -> WasiResult<()> {
    // Following a symlink for the source could link a file the resolver
    // never checked; wasmtime refuses it the same way.
    if follow(old_flags)? {
        return Err(Errno::Inval);
    }
    let old_dir = ctx.fds.dir(old_fd)?;
    let new_dir = ctx.fds.dir(new_fd)?;
    let old_path = mem.read_str(old_path, old_path_len)?;
    let new_path = mem.read_str(new_path, new_path_len)?;
    // The source's tree must be writable too: a new name for a file in a
    // read-only tree, placed in a writable one, would let it be written.
    old_dir.require_mutation(rights::PATH_LINK_SOURCE)?;
    new_dir.require_mutation(rights::PATH_LINK_TARGET)?;
    Ok(old_dir.dir.hard_link(old_path, &new_dir.dir, new_path)?)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn path_open(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    dirflags: u32,
    path: u32,
    path_len: u32,
    open_flags: u32,
    rights_base: u64,
    _rights_inheriting: u64,
    fd_flags: u32,
    opened_fd: u32,
) -> WasiResult<()> {
    // Checked first, so that nothing is created unless the guest can be
    // told its descriptor.
    mem.check(opened_fd, 4)?;
    let follow = follow(dirflags)?;
    let open_flags = u16::try_from(open_flags)
        .ok()
        .filter(|f| f & !oflags::ALL == 0)
        .ok_or(Errno::Inval)?;
    let fd_flags = u16::try_from(fd_flags)
        .ok()
        .filter(|f| f & !fdflags::ALL == 0)
        .ok_or(Errno::Inval)?;
    let parent = ctx.fds.dir(fd)?;
    let path = mem.read_str(path, path_len)?;
    parent.rights.require(rights::PATH_OPEN)?;

    let create = open_flags & oflags::CREAT != 0;
    let exclusive = open_flags & oflags::EXCL != 0;
    let truncate = open_flags & oflags::TRUNC != 0;
    let directory = open_flags & oflags::DIRECTORY != 0;
    let append = fd_flags & fdflags::APPEND != 0;
    if directory && (create || exclusive || truncate) {
        return Err(Errno::Inval);
    }
    // The requested rights only choose the access mode, as in wasmtime:
    // `fd_write` asks to write, the other write-like rights do not (a
    // preopen's own rights hold `fd_datasync`, and reopening `.` with them
    // must work). The new descriptor's rights come from what it is and its
    // preopen.
    let write = rights_base & rights::FD_WRITE != 0 || (append && !directory);
    let read = rights_base & rights::READ_REQUEST != 0 || !write;

    // Beneath a read-only preopen an open that could change the file is
    // refused here, at open (`EPERM`, as wasmtime), not at the first write.
    if create || truncate || write {
        parent.perms.require_mutable()?;
    }
    if create {
        parent.rights.require(rights::PATH_CREATE_FILE)?;
    }
    if truncate {
        parent.rights.require(rights::PATH_FILESTAT_SET_SIZE)?;
    }

    let perms = parent.perms;
    let inherited = parent.rights.inheriting;
    let mut desc = if directory {
        let dir = if follow {
            parent.dir.open_dir(path)?
        } else {
            parent.dir.open_dir_nofollow(path)?
        };
        // A directory is never opened for writing (POSIX's `EISDIR`, as
        // wasmtime answers); the host is not asked to.
        if write {
            return Err(Errno::IsDir);
        }
        Descriptor::Dir(DirDesc::new(dir, perms, None))
    } else {
        let mut opts = cap_std::fs::OpenOptions::new();
        // The host needs write access to create or truncate even when the
        // guest asked for none; the descriptor still refuses writes then.
        let host_write = write || create || truncate;
        opts.read(read)
            .write(host_write)
            .append(append)
            .create(create && !exclusive)
            .create_new(create && exclusive);
        if truncate && append {
            // cap-std follows Rust's rule that refuses truncating with
            // append unless creating; POSIX (and wasmtime) allow it, so
            // the host's own `O_TRUNC` is passed instead, still atomic.
            opts.custom_flags(OFlags::TRUNC.bits() as i32);
        } else {
            opts.truncate(truncate);
        }
        opts.follow(if follow {
            FollowSymlinks::Yes
        } else {
            FollowSymlinks::No
        });
        // Lets a directory be opened without `oflags::DIRECTORY`, as
        // `open(dir, O_RDONLY)` can.
        opts.maybe_dir(!host_write);
        opts.sync(fd_flags & fdflags::SYNC != 0)
            .dsync(fd_flags & fdflags::DSYNC != 0)
            .rsync(fd_flags & fdflags::RSYNC != 0)
            .nonblock(fd_flags & fdflags::NONBLOCK != 0);
        let file = parent.dir.open_with(path, &opts)?;
        if file.metadata().map_err(Errno::from)?.is_dir() {
            let dir = cap_std::fs::Dir::from_std_file(file.into_std());
            Descriptor::Dir(DirDesc::new(dir, perms, None))
        } else {
            Descriptor::File(FileDesc::new(file, read, write, perms))
        }
    };
    // Never more than the parent passes down.
    let r = desc.rights_mut();
    r.base &= inherited;
    r.inheriting &= inherited;
    let new_fd = ctx.fds.push(desc)?;
    mem.write_u32(opened_fd, new_fd)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn path_readlink(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    path_len: u32,
    buf: u32,
    buf_len: u32,
    bufused: u32,
) -> WasiResult<()> {
    mem.check(buf, buf_len)?;
    mem.check(bufused, 4)?;
    let dir = ctx.fds.dir(fd)?;
    let path = mem.read_str(path, path_len)?;
    dir.rights.require(rights::PATH_READLINK)?;
    // The link's text, whatever it points at: reading it reaches nothing.
    let target = dir.dir.read_link_contents(path)?;
    let bytes = target.as_os_str().as_bytes();
    // Truncated to fit, as POSIX `readlink`; callers retry with a bigger
    // buffer when it comes back full.
    let n = bytes.len().min(buf_len as usize);
    mem.write_bytes(buf, &bytes[..n])?;
    mem.write_u32(bufused, n as u32)
}

pub(crate) fn path_remove_directory(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    path_len: u32,
) -> WasiResult<()> {
    let dir = ctx.fds.dir(fd)?;
    let path = mem.read_str(path, path_len)?;
    dir.require_mutation(rights::PATH_REMOVE_DIRECTORY)?;
    Ok(dir.dir.remove_dir(path)?)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn path_rename(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    old_path: u32,
    old_path_len: u32,
    new_fd: u32,
    new_path: u32,
    new_path_len: u32,
) -> WasiResult<()> {
    let old_dir = ctx.fds.dir(fd)?;
    let new_dir = ctx.fds.dir(new_fd)?;
    let old_path = mem.read_str(old_path, old_path_len)?;
    let new_path = mem.read_str(new_path, new_path_len)?;
    old_dir.require_mutation(rights::PATH_RENAME_SOURCE)?;
    new_dir.require_mutation(rights::PATH_RENAME_TARGET)?;
    Ok(old_dir.dir.rename(old_path, &new_dir.dir, new_path)?)
}

pub(crate) fn path_symlink(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    old_path: u32,
    old_path_len: u32,
    fd: u32,
    new_path: u32,
    new_path_len: u32,
) -> WasiResult<()> {
    let dir = ctx.fds.dir(fd)?;
    let target = mem.read_str(old_path, old_path_len)?;
    let link = mem.read_str(new_path, new_path_len)?;
    dir.require_mutation(rights::PATH_SYMLINK)?;
    // cap-std refuses absolute targets (`EPERM`): such a link could only
    // ever point out of the sandbox, and would mislead the host's own
    // tools later. Relative targets are stored as given and checked by
    // the resolver whenever they are followed.
    Ok(dir.dir.symlink(target, link)?)
}

pub(crate) fn path_unlink_file(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    path_len: u32,
) -> WasiResult<()> {
    let dir = ctx.fds.dir(fd)?;
    let path = mem.read_str(path, path_len)?;
    dir.require_mutation(rights::PATH_UNLINK_FILE)?;
    Ok(dir.dir.remove_file(path)?)
}
