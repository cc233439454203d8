//! The guest's standard streams: where its stdin comes from (the host's,
//! fixed bytes, or nothing) and where its stdout and stderr go (the
//! host's, a shared [`OutputBuffer`], or nowhere).

use crate::errno::{Errno, WasiResult};
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};

/// A byte buffer a guest's stdout or stderr is captured into. Clones
/// share the same bytes, so the embedder keeps one clone and reads it
/// after (or while) the guest runs.
///
/// A buffer made with [`OutputBuffer::with_limit`] holds at most that
/// many bytes: a write that would pass the limit fails with `EFBIG`,
/// writing nothing, and [`OutputBuffer::overflowed`] says so afterwards.
/// A server capturing an untrusted guest's output uses it so that the
/// guest cannot fill the host's memory.
#[derive(Debug, Clone, Default)]
pub struct OutputBuffer(Arc<Mutex<Captured>>);

#[derive(Debug)]
struct Captured {
    bytes: Vec<u8>,
    limit: usize,
    overflowed: bool,
}

impl Default for Captured {
    fn default() -> Self {
        Self {
            bytes: Vec::new(),
            limit: usize::MAX,
            overflowed: false,
        }
    }
}

impl OutputBuffer {
    /// An empty buffer, without a limit.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty buffer that holds at most `limit` bytes.
    pub fn with_limit(limit: usize) -> Self {
        Self(Arc::new(Mutex::new(Captured {
            limit,
            ..Captured::default()
        })))
    }

    fn lock(&self) -> MutexGuard<'_, Captured> {
        // A panic while holding the lock cannot leave a `Vec` half-built.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A copy of everything written so far.
    pub fn contents(&self) -> Vec<u8> {
        self.lock().bytes.clone()
    }

    /// Everything written so far, as (lossy) UTF-8.
    pub fn to_string_lossy(&self) -> String {
        String::from_utf8_lossy(&self.lock().bytes).into_owned()
    }

    /// Takes everything written so far, leaving the buffer empty.
    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut self.lock().bytes)
    }

    /// Whether a write was refused because it would have passed the
    /// buffer's limit.
    pub fn overflowed(&self) -> bool {
        self.lock().overflowed
    }

    pub(crate) fn append(&self, data: &[u8]) -> WasiResult<()> {
        let mut captured = self.lock();
        if data.len() > captured.limit - captured.bytes.len() {
            captured.overflowed = true;
            return Err(Errno::Fbig);
        }
        captured.bytes.extend_from_slice(data);
        Ok(())
    }
}

/// Where a guest's input stream reads from.
#[derive(Debug, Default)]
pub(crate) enum Input {
    /// The host process's stdin, read unbuffered (so that polling the host
    /// descriptor tells the truth about what is ready).
    Inherit,
    /// Fixed bytes, then end-of-file.
    Bytes { data: Vec<u8>, pos: usize },
    /// Always at end-of-file.
    #[default]
    Empty,
}

impl Input {
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> WasiResult<usize> {
        match self {
            Input::Inherit => loop {
                match rustix::io::read(rustix::stdio::stdin(), &mut *buf) {
                    Err(rustix::io::Errno::INTR) => continue,
                    other => return Ok(other?),
                }
            },
            Input::Bytes { data, pos } => {
                let rest = &data[*pos..];
                let n = rest.len().min(buf.len());
                buf[..n].copy_from_slice(&rest[..n]);
                *pos += n;
                Ok(n)
            }
            Input::Empty => Ok(0),
        }
    }

    /// Bytes known to be ready without blocking, if that is knowable
    /// without asking the host.
    pub(crate) fn ready_bytes(&self) -> Option<u64> {
        match self {
            Input::Inherit => None,
            Input::Bytes { data, pos } => Some((data.len() - pos) as u64),
            Input::Empty => Some(0),
        }
    }
}

/// Which host output stream an inherited output writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HostStream {
    Stdout,
    Stderr,
}

/// Where a guest's output stream writes to.
#[derive(Debug, Default)]
pub(crate) enum Output {
    /// The host process's stdout or stderr, flushed after every write so
    /// nothing is lost however the program ends.
    Inherit(HostStream),
    /// A shared buffer.
    Capture(OutputBuffer),
    /// Nowhere: writes succeed and are dropped.
    #[default]
    Discard,
}

impl Output {
    pub(crate) fn write(&mut self, data: &[u8]) -> WasiResult<usize> {
        match self {
            Output::Inherit(HostStream::Stdout) => {
                let mut out = std::io::stdout().lock();
                out.write_all(data)?;
                out.flush()?;
            }
            Output::Inherit(HostStream::Stderr) => {
                let mut err = std::io::stderr().lock();
                err.write_all(data)?;
                err.flush()?;
            }
            Output::Capture(buffer) => buffer.append(data)?,
            Output::Discard => {}
        }
        Ok(data.len())
    }

    pub(crate) fn is_host_tty(&self) -> bool {
        match self {
            Output::Inherit(HostStream::Stdout) => rustix::termios::isatty(rustix::stdio::stdout()),
            Output::Inherit(HostStream::Stderr) => rustix::termios::isatty(rustix::stdio::stderr()),
            _ => false,
        }
    }
}
