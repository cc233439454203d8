//! What a guest file descriptor can refer to ([`Descriptor`]): a regular
//! file, a directory, a socket, or one of the standard streams; with the
//! permission it inherited from its preopen and its rights.
//!
//! Rights follow wasmtime's model: a descriptor's rights are derived from
//! what it is, how it was opened and its preopen's permission, never from
//! what the guest asked for (toolchains routinely ask for too little, for
//! instance zero rights on directories). A guest can only take rights
//! away (`fd_fdstat_set_rights`); nothing ever grants more than the
//! preopen allows.

use crate::errno::{Errno, WasiResult};
use crate::stdio::{Input, Output};
use crate::types::{filetype, rights};
use std::net::{TcpListener, TcpStream};

/// What a preopened directory, and everything opened beneath it, may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirPerms {
    /// Read files and list directories; anything that would change the
    /// tree or a file is refused with `EPERM` before the host is asked.
    ReadOnly,
    /// Everything the host user may do beneath the directory.
    ReadWrite,
}

impl DirPerms {
    /// `EPERM` unless the tree may be changed.
    pub(crate) fn require_mutable(self) -> WasiResult<()> {
        match self {
            DirPerms::ReadWrite => Ok(()),
            DirPerms::ReadOnly => Err(Errno::Perm),
        }
    }
}

/// A descriptor's rights: its own (`base`) and the most that descriptors
/// opened beneath it may have (`inheriting`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rights {
    pub base: u64,
    pub inheriting: u64,
}

impl Rights {
    /// `ENOTCAPABLE` unless every bit of `needed` is held.
    pub(crate) fn require(&self, needed: u64) -> WasiResult<()> {
        if self.base & needed == needed {
            Ok(())
        } else {
            Err(Errno::NotCapable)
        }
    }

    /// A file's rights: `fd_read` and the write rights only if it was
    /// opened that way, as wasmtime reports them.
    pub(crate) fn for_file(readable: bool, writable: bool, perms: DirPerms) -> Rights {
        let mut base = rights::FILE_COMMON;
        if readable {
            base |= rights::FD_READ;
        }
        if writable {
            base |= rights::FILE_WRITE;
        }
        if perms == DirPerms::ReadWrite {
            base |= rights::FILE_MUTATE;
        }
        Rights {
            base,
            inheriting: 0,
        }
    }

    pub(crate) fn for_dir(perms: DirPerms) -> Rights {
        let mut dir = rights::DIR_COMMON;
        // The write rights are passed down even beneath a read-only
        // preopen: wasi-libc masks the rights it asks for with these, and
        // without them `open(O_WRONLY)` would ask for no write, succeed,
        // and fail only at the first write. Asked for, the write is
        // refused by `path_open` (`EPERM`, as wasmtime).
        let mut file = rights::FILE_COMMON | rights::FD_READ | rights::FILE_WRITE;
        if perms == DirPerms::ReadWrite {
            dir |= rights::DIR_MUTATE;
            file |= rights::FILE_MUTATE;
        }
        Rights {
            base: dir,
            inheriting: dir | file,
        }
    }

    fn for_input() -> Rights {
        Rights {
            base: rights::FD_READ | rights::POLL_FD_READWRITE | rights::FD_FILESTAT_GET,
            inheriting: 0,
        }
    }

    fn for_output() -> Rights {
        Rights {
            base: rights::FD_WRITE | rights::POLL_FD_READWRITE | rights::FD_FILESTAT_GET,
            inheriting: 0,
        }
    }

    fn for_listener() -> Rights {
        Rights {
            base: rights::SOCK_ACCEPT
                | rights::POLL_FD_READWRITE
                | rights::FD_FDSTAT_SET_FLAGS
                | rights::FD_FILESTAT_GET,
            inheriting: Self::for_stream().base,
        }
    }

    fn for_stream() -> Rights {
        Rights {
            base: rights::FD_READ
                | rights::FD_WRITE
                | rights::SOCK_SHUTDOWN
                | rights::POLL_FD_READWRITE
                | rights::FD_FDSTAT_SET_FLAGS
                | rights::FD_FILESTAT_GET,
            inheriting: 0,
        }
    }
}

/// A regular file (or anything else that is not a directory: a device, a
/// FIFO) opened beneath a preopen.
#[derive(Debug)]
pub(crate) struct FileDesc {
    pub file: cap_std::fs::File,
    pub readable: bool,
    pub writable: bool,
    pub perms: DirPerms,
    pub rights: Rights,
}

impl FileDesc {
    pub(crate) fn new(
        file: cap_std::fs::File,
        readable: bool,
        writable: bool,
        perms: DirPerms,
    ) -> Self {
        Self {
            file,
            readable,
            writable,
            perms,
            rights: Rights::for_file(readable, writable, perms),
        }
    }

    /// `EBADF` unless opened for reading, then `ENOTCAPABLE` unless the
    /// right is still held.
    pub(crate) fn require_read(&self) -> WasiResult<()> {
        if !self.readable {
            return Err(Errno::Badf);
        }
        self.rights.require(rights::FD_READ)
    }

    /// As [`FileDesc::require_read`], for writing.
    pub(crate) fn require_write(&self, right: u64) -> WasiResult<()> {
        if !self.writable {
            return Err(Errno::Badf);
        }
        self.perms.require_mutable()?;
        self.rights.require(right)
    }
}

/// A directory: a preopen or one opened beneath it.
#[derive(Debug)]
pub(crate) struct DirDesc {
    pub dir: cap_std::fs::Dir,
    pub perms: DirPerms,
    pub rights: Rights,
    /// The guest path it was preopened as, if it is a preopen.
    pub preopen: Option<String>,
}

impl DirDesc {
    pub(crate) fn new(dir: cap_std::fs::Dir, perms: DirPerms, preopen: Option<String>) -> Self {
        Self {
            dir,
            perms,
            rights: Rights::for_dir(perms),
            preopen,
        }
    }

    /// The checks before a path operation that changes the tree: the
    /// preopen's permission first (`EPERM`), then the right
    /// (`ENOTCAPABLE`).
    pub(crate) fn require_mutation(&self, right: u64) -> WasiResult<()> {
        self.perms.require_mutable()?;
        self.rights.require(right)
    }
}

/// A socket the host handed over, or one accepted from it.
#[derive(Debug)]
pub(crate) enum Socket {
    Listener(TcpListener),
    Stream(TcpStream),
}

/// Everything a guest file descriptor can refer to.
#[derive(Debug)]
pub(crate) enum Descriptor {
    Input(Input, Rights),
    Output(Output, Rights),
    File(FileDesc),
    Dir(DirDesc),
    Socket(Socket, Rights),
}

impl Descriptor {
    pub(crate) fn input(input: Input) -> Self {
        Descriptor::Input(input, Rights::for_input())
    }

    pub(crate) fn output(output: Output) -> Self {
        Descriptor::Output(output, Rights::for_output())
    }

    pub(crate) fn listener(listener: TcpListener) -> Self {
        Descriptor::Socket(Socket::Listener(listener), Rights::for_listener())
    }

    pub(crate) fn stream(stream: TcpStream) -> Self {
        Descriptor::Socket(Socket::Stream(stream), Rights::for_stream())
    }

    pub(crate) fn rights(&self) -> Rights {
        match self {
            Descriptor::Input(_, r) | Descriptor::Output(_, r) | Descriptor::Socket(_, r) => *r,
            Descriptor::File(f) => f.rights,
            Descriptor::Dir(d) => d.rights,
        }
    }

    pub(crate) fn rights_mut(&mut self) -> &mut Rights {
        match self {
            Descriptor::Input(_, r) | Descriptor::Output(_, r) | Descriptor::Socket(_, r) => r,
            Descriptor::File(f) => &mut f.rights,
            Descriptor::Dir(d) => &mut d.rights,
        }
    }

    /// The preview1 `filetype` of what the descriptor refers to.
    pub(crate) fn filetype(&self) -> WasiResult<u8> {
        Ok(match self {
            Descriptor::Input(Input::Inherit, _) => {
                if rustix::termios::isatty(rustix::stdio::stdin()) {
                    filetype::CHARACTER_DEVICE
                } else {
                    filetype::UNKNOWN
                }
            }
            Descriptor::Input(..) => filetype::UNKNOWN,
            Descriptor::Output(out, _) => {
                if out.is_host_tty() {
                    filetype::CHARACTER_DEVICE
                } else {
                    filetype::UNKNOWN
                }
            }
            Descriptor::File(f) => filetype_of_mode(rustix::fs::fstat(&f.file)?.st_mode),
            Descriptor::Dir(_) => filetype::DIRECTORY,
            Descriptor::Socket(..) => filetype::SOCKET_STREAM,
        })
    }
}

/// The preview1 `filetype` for a host `st_mode`.
pub(crate) fn filetype_of_mode(mode: u32) -> u8 {
    use rustix::fs::FileType as T;
    match T::from_raw_mode(mode as rustix::fs::RawMode) {
        T::RegularFile => filetype::REGULAR_FILE,
        T::Directory => filetype::DIRECTORY,
        T::Symlink => filetype::SYMBOLIC_LINK,
        T::CharacterDevice => filetype::CHARACTER_DEVICE,
        T::BlockDevice => filetype::BLOCK_DEVICE,
        T::Socket => filetype::SOCKET_STREAM,
        _ => filetype::UNKNOWN,
    }
}

/// The preview1 `filetype` for a cap-std file type.
pub(crate) fn filetype_of(ty: cap_std::fs::FileType) -> u8 {
    use cap_fs_ext::FileTypeExt;
    if ty.is_dir() {
        filetype::DIRECTORY
    } else if ty.is_file() {
        filetype::REGULAR_FILE
    } else if ty.is_symlink() {
        filetype::SYMBOLIC_LINK
    } else if ty.is_char_device() {
        filetype::CHARACTER_DEVICE
    } else if ty.is_block_device() {
        filetype::BLOCK_DEVICE
    } else if ty.is_socket() {
        filetype::SOCKET_STREAM
    } else {
        filetype::UNKNOWN
    }
}
