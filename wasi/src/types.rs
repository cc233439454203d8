//! The `wasi_snapshot_preview1` ABI: flag bits, enum values and the byte
//! layout of the structures guests pass by pointer, as the witx
//! definitions give them. Nothing here touches memory or the host.

/// The import module every preview1 function lives in.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// Capability bits of a descriptor (`rights`).
pub mod rights {
    pub const FD_DATASYNC: u64 = 1 << 0;
    pub const FD_READ: u64 = 1 << 1;
    pub const FD_SEEK: u64 = 1 << 2;
    pub const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
    pub const FD_SYNC: u64 = 1 << 4;
    pub const FD_TELL: u64 = 1 << 5;
    pub const FD_WRITE: u64 = 1 << 6;
    pub const FD_ADVISE: u64 = 1 << 7;
    pub const FD_ALLOCATE: u64 = 1 << 8;
    pub const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
    pub const PATH_CREATE_FILE: u64 = 1 << 10;
    pub const PATH_LINK_SOURCE: u64 = 1 << 11;
    pub const PATH_LINK_TARGET: u64 = 1 << 12;
    pub const PATH_OPEN: u64 = 1 << 13;
    pub const FD_READDIR: u64 = 1 << 14;
    pub const PATH_READLINK: u64 = 1 << 15;
    pub const PATH_RENAME_SOURCE: u64 = 1 << 16;
    pub const PATH_RENAME_TARGET: u64 = 1 << 17;
    pub const PATH_FILESTAT_GET: u64 = 1 << 18;
    pub const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
    pub const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
    pub const FD_FILESTAT_GET: u64 = 1 << 21;
    pub const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    pub const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
    pub const PATH_SYMLINK: u64 = 1 << 24;
    pub const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
    pub const PATH_UNLINK_FILE: u64 = 1 << 26;
    pub const POLL_FD_READWRITE: u64 = 1 << 27;
    pub const SOCK_SHUTDOWN: u64 = 1 << 28;
    pub const SOCK_ACCEPT: u64 = 1 << 29;

    /// Rights whose presence in `path_open`'s request means "open for
    /// reading" (wasmtime reads them the same way).
    pub const READ_REQUEST: u64 = FD_READ | FD_READDIR;

    /// What every regular file descriptor may do.
    pub const FILE_COMMON: u64 = FD_DATASYNC
        | FD_SEEK
        | FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_TELL
        | FD_ADVISE
        | FD_FILESTAT_GET
        | POLL_FD_READWRITE;
    /// Added when the file was opened for writing.
    pub const FILE_WRITE: u64 = FD_WRITE | FD_ALLOCATE | FD_FILESTAT_SET_SIZE;
    /// Added beneath a read-write preopen: changing a file's times.
    pub const FILE_MUTATE: u64 = FD_FILESTAT_SET_TIMES;

    /// What every directory descriptor may do.
    pub const DIR_COMMON: u64 = FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_DATASYNC
        | FD_ADVISE
        | PATH_OPEN
        | FD_READDIR
        | PATH_READLINK
        | PATH_FILESTAT_GET
        | FD_FILESTAT_GET;
    /// Added beneath a read-write preopen: everything that changes the
    /// tree. Link and rename *sources* are here too: a hard link out of a
    /// read-only tree into a writable one would make its files writable.
    pub const DIR_MUTATE: u64 = PATH_CREATE_DIRECTORY
        | PATH_CREATE_FILE
        | PATH_LINK_SOURCE
        | PATH_LINK_TARGET
        | PATH_RENAME_SOURCE
        | PATH_RENAME_TARGET
        | PATH_FILESTAT_SET_SIZE
        | PATH_FILESTAT_SET_TIMES
        | FD_FILESTAT_SET_TIMES
        | PATH_SYMLINK
        | PATH_REMOVE_DIRECTORY
        | PATH_UNLINK_FILE;
}

/// `filetype`.
pub mod filetype {
    pub const UNKNOWN: u8 = 0;
    pub const BLOCK_DEVICE: u8 = 1;
    pub const CHARACTER_DEVICE: u8 = 2;
    pub const DIRECTORY: u8 = 3;
    pub const REGULAR_FILE: u8 = 4;
    #[allow(dead_code)] // preview1 sockets handed over are TCP streams
    pub const SOCKET_DGRAM: u8 = 5;
    pub const SOCKET_STREAM: u8 = 6;
    pub const SYMBOLIC_LINK: u8 = 7;
}

/// `fdflags`.
pub mod fdflags {
    pub const APPEND: u16 = 1 << 0;
    pub const DSYNC: u16 = 1 << 1;
    pub const NONBLOCK: u16 = 1 << 2;
    pub const RSYNC: u16 = 1 << 3;
    pub const SYNC: u16 = 1 << 4;
    pub const ALL: u16 = APPEND | DSYNC | NONBLOCK | RSYNC | SYNC;
}

/// `oflags` (for `path_open`).
pub mod oflags {
    pub const CREAT: u16 = 1 << 0;
    pub const DIRECTORY: u16 = 1 << 1;
    pub const EXCL: u16 = 1 << 2;
    pub const TRUNC: u16 = 1 << 3;
    pub const ALL: u16 = CREAT | DIRECTORY | EXCL | TRUNC;
}

/// `lookupflags`.
pub const LOOKUP_SYMLINK_FOLLOW: u32 = 1 << 0;

/// `fstflags`.
pub mod fstflags {
    pub const ATIM: u16 = 1 << 0;
    pub const ATIM_NOW: u16 = 1 << 1;
    pub const MTIM: u16 = 1 << 2;
    pub const MTIM_NOW: u16 = 1 << 3;
    pub const ALL: u16 = ATIM | ATIM_NOW | MTIM | MTIM_NOW;
}

/// `whence`.
pub mod whence {
    pub const SET: u32 = 0;
    pub const CUR: u32 = 1;
    pub const END: u32 = 2;
}

/// `clockid`.
pub mod clockid {
    pub const REALTIME: u32 = 0;
    pub const MONOTONIC: u32 = 1;
    pub const PROCESS_CPUTIME_ID: u32 = 2;
    pub const THREAD_CPUTIME_ID: u32 = 3;
}

/// `eventtype`.
pub mod eventtype {
    pub const CLOCK: u8 = 0;
    pub const FD_READ: u8 = 1;
    pub const FD_WRITE: u8 = 2;
}

/// `eventrwflags`.
pub const EVENT_FD_READWRITE_HANGUP: u16 = 1 << 0;
/// `subclockflags`.
pub const SUBSCRIPTION_CLOCK_ABSTIME: u16 = 1 << 0;

/// `riflags`, `roflags`, `siflags`, `sdflags`.
pub mod sock {
    pub const RECV_PEEK: u16 = 1 << 0;
    pub const RECV_WAITALL: u16 = 1 << 1;
    #[allow(dead_code)] // stream sockets never truncate
    pub const RECV_DATA_TRUNCATED: u16 = 1 << 0;
    pub const SHUT_RD: u8 = 1 << 0;
    pub const SHUT_WR: u8 = 1 << 1;
}

/// `preopentype`.
pub const PREOPENTYPE_DIR: u8 = 0;

/// Structure sizes and field offsets (wasm32 layout).
pub mod layout {
    /// `iovec` / `ciovec`: `buf: u32, buf_len: u32`.
    pub const IOVEC_SIZE: u32 = 8;
    /// `fdstat`: `fs_filetype: u8 @0, fs_flags: u16 @2,
    /// fs_rights_base: u64 @8, fs_rights_inheriting: u64 @16`.
    pub const FDSTAT_SIZE: u32 = 24;
    /// `filestat`: `dev @0, ino @8, filetype: u8 @16, nlink @24, size @32,
    /// atim @40, mtim @48, ctim @56`.
    pub const FILESTAT_SIZE: u32 = 64;
    /// `prestat`: `tag: u8 @0, pr_name_len: u32 @4`.
    pub const PRESTAT_SIZE: u32 = 8;
    /// `dirent` header: `d_next: u64 @0, d_ino: u64 @8, d_namlen: u32 @16,
    /// d_type: u8 @20`, then the name.
    pub const DIRENT_SIZE: usize = 24;
    /// `subscription`: `userdata: u64 @0, tag: u8 @8`, then the union at
    /// 16: clock `id: u32 @16, timeout: u64 @24, precision: u64 @32,
    /// flags: u16 @40`; fd `file_descriptor: u32 @16`.
    pub const SUBSCRIPTION_SIZE: u32 = 48;
    /// `event`: `userdata: u64 @0, error: u16 @8, type: u8 @10,
    /// fd_readwrite.nbytes: u64 @16, fd_readwrite.flags: u16 @24`.
    pub const EVENT_SIZE: u32 = 32;
}
