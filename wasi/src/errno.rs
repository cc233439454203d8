//! [`Errno`]: the error codes preview1 functions return to the guest, and
//! the translation of host errors into them.

use std::io;

macro_rules! errnos {
    ($($name:ident = $value:literal, $text:literal;)*) => {
        /// A WASI preview1 error code, as returned to the guest.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
        #[repr(u16)]
        #[non_exhaustive]
        pub enum Errno {
            $(
                #[doc = $text]
                #[error($text)]
                $name = $value,
            )*
        }

        impl Errno {
            /// The numeric code the guest sees.
            pub fn raw(self) -> u16 {
                self as u16
            }

            /// The code named by its numeric value, if any.
            pub fn from_raw(raw: u16) -> Option<Errno> {
                match raw {
                    $($value => Some(Errno::$name),)*
                    _ => None,
                }
            }
        }
    };
}

errnos! {
    TooBig = 1, "argument list too long";
    Acces = 2, "permission denied";
    AddrInUse = 3, "address in use";
    AddrNotAvail = 4, "address not available";
    AfNoSupport = 5, "address family not supported";
    Again = 6, "resource unavailable, try again";
    Already = 7, "connection already in progress";
    Badf = 8, "bad file descriptor";
    BadMsg = 9, "bad message";
    Busy = 10, "device or resource busy";
    Canceled = 11, "operation canceled";
    Child = 12, "no child processes";
    ConnAborted = 13, "connection aborted";
    ConnRefused = 14, "connection refused";
    ConnReset = 15, "connection reset";
    Deadlk = 16, "resource deadlock would occur";
    DestAddrReq = 17, "destination address required";
    Dom = 18, "mathematics argument out of domain";
    Dquot = 19, "quota exceeded";
    Exist = 20, "file exists";
    Fault = 21, "bad address";
    Fbig = 22, "file too large";
    HostUnreach = 23, "host is unreachable";
    Idrm = 24, "identifier removed";
    Ilseq = 25, "illegal byte sequence";
    InProgress = 26, "operation in progress";
    Intr = 27, "interrupted function";
    Inval = 28, "invalid argument";
    Io = 29, "I/O error";
    IsConn = 30, "socket is connected";
    IsDir = 31, "is a directory";
    Loop = 32, "too many levels of symbolic links";
    Mfile = 33, "file descriptor value too large";
    Mlink = 34, "too many links";
    MsgSize = 35, "message too large";
    Multihop = 36, "multihop attempted";
    NameTooLong = 37, "filename too long";
    NetDown = 38, "network is down";
    NetReset = 39, "connection aborted by network";
    NetUnreach = 40, "network unreachable";
    Nfile = 41, "too many files open in system";
    NoBufs = 42, "no buffer space available";
    NoDev = 43, "no such device";
    NoEnt = 44, "no such file or directory";
    NoExec = 45, "executable file format error";
    NoLck = 46, "no locks available";
    NoLink = 47, "link has been severed";
    NoMem = 48, "not enough space";
    NoMsg = 49, "no message of the desired type";
    NoProtoOpt = 50, "protocol not available";
    NoSpc = 51, "no space left on device";
    NoSys = 52, "function not supported";
    NotConn = 53, "the socket is not connected";
    NotDir = 54, "not a directory or a symbolic link to a directory";
    NotEmpty = 55, "directory not empty";
    NotRecoverable = 56, "state not recoverable";
    NotSock = 57, "not a socket";
    NotSup = 58, "not supported, or operation not supported on socket";
    NoTty = 59, "inappropriate I/O control operation";
    Nxio = 60, "no such device or address";
    Overflow = 61, "value too large to be stored in data type";
    OwnerDead = 62, "previous owner died";
    Perm = 63, "operation not permitted";
    Pipe = 64, "broken pipe";
    Proto = 65, "protocol error";
    ProtoNoSupport = 66, "protocol not supported";
    ProtoType = 67, "protocol wrong type for socket";
    Range = 68, "result too large";
    Rofs = 69, "read-only file system";
    Spipe = 70, "invalid seek";
    Srch = 71, "no such process";
    Stale = 72, "stale file handle";
    TimedOut = 73, "connection timed out";
    TxtBsy = 74, "text file busy";
    Xdev = 75, "cross-device link";
    NotCapable = 76, "capabilities insufficient";
}

/// The result of a preview1 function: success, or the code to return.
pub type WasiResult<T> = Result<T, Errno>;

impl From<rustix::io::Errno> for Errno {
    fn from(e: rustix::io::Errno) -> Self {
        use rustix::io::Errno as E;
        // A table rather than a match: rustix's values are constants, not
        // patterns, on every backend.
        const TABLE: &[(E, Errno)] = &[
            (E::TOOBIG, Errno::TooBig),
            (E::ACCESS, Errno::Acces),
            (E::ADDRINUSE, Errno::AddrInUse),
            (E::ADDRNOTAVAIL, Errno::AddrNotAvail),
            (E::AFNOSUPPORT, Errno::AfNoSupport),
            (E::AGAIN, Errno::Again),
            (E::ALREADY, Errno::Already),
            (E::BADF, Errno::Badf),
            (E::BADMSG, Errno::BadMsg),
            (E::BUSY, Errno::Busy),
            (E::CANCELED, Errno::Canceled),
            (E::CHILD, Errno::Child),
            (E::CONNABORTED, Errno::ConnAborted),
            (E::CONNREFUSED, Errno::ConnRefused),
            (E::CONNRESET, Errno::ConnReset),
            (E::DEADLK, Errno::Deadlk),
            (E::DESTADDRREQ, Errno::DestAddrReq),
            (E::DOM, Errno::Dom),
            (E::DQUOT, Errno::Dquot),
            (E::EXIST, Errno::Exist),
            (E::FAULT, Errno::Fault),
            (E::FBIG, Errno::Fbig),
            (E::HOSTUNREACH, Errno::HostUnreach),
            (E::IDRM, Errno::Idrm),
            (E::ILSEQ, Errno::Ilseq),
            (E::INPROGRESS, Errno::InProgress),
            (E::INTR, Errno::Intr),
            (E::INVAL, Errno::Inval),
            (E::IO, Errno::Io),
            (E::ISCONN, Errno::IsConn),
            (E::ISDIR, Errno::IsDir),
            (E::LOOP, Errno::Loop),
            (E::MFILE, Errno::Mfile),
            (E::MLINK, Errno::Mlink),
            (E::MSGSIZE, Errno::MsgSize),
            (E::MULTIHOP, Errno::Multihop),
            (E::NAMETOOLONG, Errno::NameTooLong),
            (E::NETDOWN, Errno::NetDown),
            (E::NETRESET, Errno::NetReset),
            (E::NETUNREACH, Errno::NetUnreach),
            (E::NFILE, Errno::Nfile),
            (E::NOBUFS, Errno::NoBufs),
            (E::NODEV, Errno::NoDev),
            (E::NOENT, Errno::NoEnt),
            (E::NOEXEC, Errno::NoExec),
            (E::NOLCK, Errno::NoLck),
            (E::NOLINK, Errno::NoLink),
            (E::NOMEM, Errno::NoMem),
            (E::NOMSG, Errno::NoMsg),
            (E::NOPROTOOPT, Errno::NoProtoOpt),
            (E::NOSPC, Errno::NoSpc),
            (E::NOSYS, Errno::NoSys),
            (E::NOTCONN, Errno::NotConn),
            (E::NOTDIR, Errno::NotDir),
            (E::NOTEMPTY, Errno::NotEmpty),
            (E::NOTRECOVERABLE, Errno::NotRecoverable),
            (E::NOTSOCK, Errno::NotSock),
            (E::NOTSUP, Errno::NotSup),
            (E::OPNOTSUPP, Errno::NotSup),
            (E::NOTTY, Errno::NoTty),
            (E::NXIO, Errno::Nxio),
            (E::OVERFLOW, Errno::Overflow),
            (E::OWNERDEAD, Errno::OwnerDead),
            (E::PERM, Errno::Perm),
            (E::PIPE, Errno::Pipe),
            (E::PROTO, Errno::Proto),
            (E::PROTONOSUPPORT, Errno::ProtoNoSupport),
            (E::PROTOTYPE, Errno::ProtoType),
            (E::RANGE, Errno::Range),
            (E::ROFS, Errno::Rofs),
            (E::SPIPE, Errno::Spipe),
            (E::SRCH, Errno::Srch),
            (E::STALE, Errno::Stale),
            (E::TIMEDOUT, Errno::TimedOut),
            (E::TXTBSY, Errno::TxtBsy),
            (E::XDEV, Errno::Xdev),
        ];
        TABLE
            .iter()
            .find(|(host, _)| *host == e)
            .map_or(Errno::Io, |&(_, wasi)| wasi)
    }
}

impl From<io::Error> for Errno {
    fn from(e: io::Error) -> Self {
        if let Some(raw) = e.raw_os_error() {
            return rustix::io::Errno::from_raw_os_error(raw).into();
        }
        // Errors made in Rust rather than by the OS. cap-std reports a path
        // that would leave its directory as `PermissionDenied` with no OS
        // code; wasmtime turns that into `EPERM`, and so do we.
        match e.kind() {
            io::ErrorKind::PermissionDenied => Errno::Perm,
            io::ErrorKind::NotFound => Errno::NoEnt,
            io::ErrorKind::AlreadyExists => Errno::Exist,
            io::ErrorKind::InvalidInput => Errno::Inval,
            io::ErrorKind::InvalidData => Errno::Ilseq,
            io::ErrorKind::WouldBlock => Errno::Again,
            io::ErrorKind::Interrupted => Errno::Intr,
            io::ErrorKind::Unsupported => Errno::NotSup,
            io::ErrorKind::OutOfMemory => Errno::NoMem,
            io::ErrorKind::BrokenPipe => Errno::Pipe,
            io::ErrorKind::NotADirectory => Errno::NotDir,
            io::ErrorKind::IsADirectory => Errno::IsDir,
            io::ErrorKind::DirectoryNotEmpty => Errno::NotEmpty,
            _ => Errno::Io,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_errors_map_to_their_wasi_codes() {
        let enoent = io::Error::from_raw_os_error(rustix::io::Errno::NOENT.raw_os_error());
        assert_eq!(Errno::from(enoent), Errno::NoEnt);
        assert_eq!(Errno::from(rustix::io::Errno::XDEV), Errno::Xdev);
        assert_eq!(Errno::from(rustix::io::Errno::OPNOTSUPP), Errno::NotSup);
    }

    #[test]
    fn a_cap_std_escape_is_eperm() {
        let escape = io::Error::new(
            io::ErrorKind::PermissionDenied,
            "a path led outside of the filesystem",
        );
        assert_eq!(Errno::from(escape), Errno::Perm);
    }

    #[test]
    fn raw_values_round_trip() {
        assert_eq!(Errno::NotCapable.raw(), 76);
        assert_eq!(Errno::from_raw(21), Some(Errno::Fault));
        assert_eq!(Errno::from_raw(0), None);
    }
}
