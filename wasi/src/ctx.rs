//! [`WasiCtx`], the state one guest's WASI calls run against (its
//! arguments, environment and descriptors), and [`WasiCtxBuilder`], with
//! which the embedder decides exactly what the guest may touch.

use crate::descriptor::{Descriptor, DirDesc, DirPerms};
use crate::fd_table::FdTable;
use crate::stdio::{HostStream, Input, Output, OutputBuffer};
use cap_std::fs::Dir;
use std::net::TcpListener;
use std::path::{Path, PathBuf};

/// One guest's WASI state. Made by [`WasiCtxBuilder`]; kept in the
/// store's data and found by the accessor given to
/// [`add_to_linker`](crate::add_to_linker).
///
/// `Default` is an empty context: no arguments, no environment, no
/// descriptors at all (not even stdio).
#[derive(Debug, Default)]
pub struct WasiCtx {
    /// Each argument's bytes, without the terminating NUL.
    pub(crate) args: Vec<Vec<u8>>,
    /// Each `NAME=value`, without the terminating NUL.
    pub(crate) env: Vec<Vec<u8>>,
    pub(crate) fds: FdTable,
}

impl WasiCtx {
    /// A builder for a context.
    pub fn builder() -> WasiCtxBuilder {
        WasiCtxBuilder::new()
    }
}

/// Why a [`WasiCtx`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WasiCtxError {
    /// A directory to preopen could not be opened on the host.
    #[error("cannot preopen directory `{}`", path.display())]
    OpenDir {
        /// The host path given.
        path: PathBuf,
        /// Why it could not be opened.
        source: std::io::Error,
    },
    /// An argument, variable or guest path holds a NUL byte, which the
    /// guest could not tell from its terminator.
    #[error("{what} contains a NUL byte: {value:?}")]
    Nul {
        /// What held it ("argument", "environment variable", ...).
        what: &'static str,
        /// The offending value.
        value: String,
    },
    /// An environment variable name is empty or contains `=`.
    #[error("invalid environment variable name {0:?}: it must be non-empty and contain no `=`")]
    EnvName(String),
}

enum Preopen {
    Dir {
        dir: Dir,
        guest: String,
        perms: DirPerms,
    },
    Socket(TcpListener),
}

/// Builds a [`WasiCtx`]. By default the guest gets nothing: no arguments,
/// no environment, stdin at end-of-file, stdout and stderr discarded, and
/// no preopens.
///
/// ```no_run
/// use petrel_wasi::{DirPerms, OutputBuffer, WasiCtxBuilder};
///
/// let stdout = OutputBuffer::new();
/// let ctx = WasiCtxBuilder::new()
///     .args(["prog.wasm", "--verbose"])
///     .env("LANG", "C")
///     .stdin_bytes("input\n")
///     .stdout_buffer(stdout.clone())
///     .inherit_stderr()
///     .preopened_dir("/srv/data", "/data", DirPerms::ReadOnly)?
///     .build()?;
/// # Ok::<(), petrel_wasi::WasiCtxError>(())
/// ```
#[derive(Default)]
pub struct WasiCtxBuilder {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Input,
    stdout: Output,
    stderr: Output,
    preopens: Vec<Preopen>,
}

impl WasiCtxBuilder {
    /// A builder granting nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one argument (the first is the program's name, `argv[0]`).
    pub fn arg(&mut self, arg: impl AsRef<str>) -> &mut Self {
        self.args.push(arg.as_ref().to_string());
        self
    }

    /// Appends arguments.
    pub fn args<S: AsRef<str>>(&mut self, args: impl IntoIterator<Item = S>) -> &mut Self {
        for arg in args {
            self.arg(arg);
        }
        self
    }

    /// Sets an environment variable.
    pub fn env(&mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> &mut Self {
        self.env
            .push((name.as_ref().to_string(), value.as_ref().to_string()));
        self
    }

    /// Sets environment variables.
    pub fn envs<K: AsRef<str>, V: AsRef<str>>(
        &mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> &mut Self {
        for (name, value) in vars {
            self.env(name, value);
        }
        self
    }

    /// The guest reads the host's stdin.
    pub fn inherit_stdin(&mut self) -> &mut Self {
        self.stdin = Input::Inherit;
        self
    }

    /// The guest writes to the host's stdout.
    pub fn inherit_stdout(&mut self) -> &mut Self {
        self.stdout = Output::Inherit(HostStream::Stdout);
        self
    }

    /// The guest writes to the host's stderr.
    pub fn inherit_stderr(&mut self) -> &mut Self {
        self.stderr = Output::Inherit(HostStream::Stderr);
        self
    }

    /// All three of the host's standard streams.
    pub fn inherit_stdio(&mut self) -> &mut Self {
        self.inherit_stdin().inherit_stdout().inherit_stderr()
    }

    /// The guest's stdin reads `bytes`, then end-of-file.
    pub fn stdin_bytes(&mut self, bytes: impl Into<Vec<u8>>) -> &mut Self {
        self.stdin = Input::Bytes {
            data: bytes.into(),
            pos: 0,
        };
        self
    }

    /// The guest's stdout is appended to `buffer`.
    pub fn stdout_buffer(&mut self, buffer: OutputBuffer) -> &mut Self {
        self.stdout = Output::Capture(buffer);
        self
    }

    /// The guest's stderr is appended to `buffer`.
    pub fn stderr_buffer(&mut self, buffer: OutputBuffer) -> &mut Self {
        self.stderr = Output::Capture(buffer);
        self
    }

    /// Hands the guest the host directory `host_path` as `guest_path`,
    /// with `perms` for it and everything beneath it. The directory is
    /// opened now; the guest reaches nothing outside it.
    pub fn preopened_dir(
        &mut self,
        host_path: impl AsRef<Path>,
        guest_path: impl AsRef<str>,
        perms: DirPerms,
    ) -> Result<&mut Self, WasiCtxError> {
        let host_path = host_path.as_ref();
        let dir =
            Dir::open_ambient_dir(host_path, cap_std::ambient_authority()).map_err(|source| {
                WasiCtxError::OpenDir {
                    path: host_path.to_path_buf(),
                    source,
                }
            })?;
        self.preopens.push(Preopen::Dir {
            dir,
            guest: guest_path.as_ref().to_string(),
            perms,
        });
        Ok(self)
    }

    /// Hands the guest a listening TCP socket, on which it may
    /// `sock_accept`. It takes the next descriptor number after the
    /// preopens given before it.
    pub fn preopened_socket(&mut self, listener: TcpListener) -> &mut Self {
        self.preopens.push(Preopen::Socket(listener));
        self
    }

    /// The context. Stdio become descriptors 0-2 and the preopens 3, 4,
    /// ... in the order given. The builder is left empty.
    pub fn build(&mut self) -> Result<WasiCtx, WasiCtxError> {
        let this = std::mem::take(self);
        let mut ctx = WasiCtx::default();
        for arg in this.args {
            ctx.args.push(no_nul("argument", arg)?);
        }
        for (name, value) in this.env {
            if name.is_empty() || name.contains('=') {
                return Err(WasiCtxError::EnvName(name));
            }
            ctx.env
                .push(no_nul("environment variable", format!("{name}={value}"))?);
        }
        // The table is empty and small: these cannot fail.
        let push = |fds: &mut FdTable, desc| fds.push(desc).expect("fd table has room");
        push(&mut ctx.fds, Descriptor::input(this.stdin));
        push(&mut ctx.fds, Descriptor::output(this.stdout));
        push(&mut ctx.fds, Descriptor::output(this.stderr));
        for preopen in this.preopens {
            let desc = match preopen {
                Preopen::Dir { dir, guest, perms } => {
                    if guest.contains('\0') {
                        return Err(WasiCtxError::Nul {
                            what: "guest path",
                            value: guest,
                        });
                    }
                    Descriptor::Dir(DirDesc::new(dir, perms, Some(guest)))
                }
                Preopen::Socket(listener) => Descriptor::listener(listener),
            };
            push(&mut ctx.fds, desc);
        }
        Ok(ctx)
    }
}

fn no_nul(what: &'static str, value: String) -> Result<Vec<u8>, WasiCtxError> {
    if value.contains('\0') {
        Err(WasiCtxError::Nul { what, value })
    } else {
        Ok(value.into_bytes())
    }
}
