//! # petrel-wasi
//!
//! WASI preview1 (`wasi_snapshot_preview1`) for the Petrel engine,
//! capability-based: a guest starts with its standard streams and the
//! directories (and sockets) the embedder preopened, and reaches nothing
//! else. Every path is resolved beneath a preopened directory's handle by
//! `cap-std` (`openat2(RESOLVE_BENEATH)` on Linux), a read-only preopen is
//! enforced before the host is asked, and every guest pointer is
//! bounds-checked (`EFAULT`, never a host fault).
//!
//! Configure what a guest gets with [`WasiCtxBuilder`], keep the
//! [`WasiCtx`] in the store's data, and define the functions with
//! [`add_to_linker`]. A guest's `proc_exit(code)` comes back from the call
//! that was running as a host error carrying [`I32Exit`].
//!
//! Layout: `ctx.rs` (context and builder), `descriptor.rs` (what a
//! descriptor refers to, permissions and rights), `fd_table.rs`
//! (numbering), `stdio.rs`, `guest_memory.rs` (every bounds check),
//! `errno.rs`, `types.rs` (the ABI), `preview1/` (the functions, one
//! file per area), and `threads.rs` (WASI threads' `thread-spawn`).
//! `docs/wasi.md` lists each function's status and the security model.

#![warn(missing_docs)]

mod ctx;
mod descriptor;
mod errno;
mod exit;
mod fd_table;
mod guest_memory;
mod preview1;
mod stdio;
pub mod threads;
mod types;

pub use ctx::{WasiCtx, WasiCtxBuilder, WasiCtxError};
pub use descriptor::DirPerms;
pub use errno::Errno;
pub use exit::I32Exit;
pub use preview1::{add_to_linker, add_to_linker_shared, WasiAbiError, FUNCTIONS};
pub use stdio::OutputBuffer;
pub use types::MODULE;
