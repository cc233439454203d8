//! The `wasi_snapshot_preview1` functions, one file per area, and
//! [`add_to_linker`], which defines them all in a `petrel::Linker`.
//!
//! Each function is written as
//! `fn(&mut WasiCtx, &mut GuestMemory, args...) -> WasiResult<()>`: it
//! sees the guest's WASI state and its memory (through the bounds-checked
//! [`GuestMemory`]) and nothing else, and its `Errno` becomes the return
//! value. The glue here finds the calling instance's `memory` export and
//! the context in the store's data.

mod args_env;
mod clocks;
mod fd;
mod filestat;
mod path;
mod poll;
mod proc;
mod random;
mod sock;

use crate::ctx::WasiCtx;
use crate::errno::WasiResult;
use crate::exit::I32Exit;
use crate::guest_memory::GuestMemory;
use crate::types::MODULE;
use petrel::{Caller, Error, Extern, Linker};
use std::sync::{Mutex, PoisonError};

/// Every preview1 function name, in the witx order.
pub const FUNCTIONS: &[&str] = &[
    "args_get",
    "args_sizes_get",
    "environ_get",
    "environ_sizes_get",
    "clock_res_get",
    "clock_time_get",
    "fd_advise",
    "fd_allocate",
    "fd_close",
    "fd_datasync",
    "fd_fdstat_get",
    "fd_fdstat_set_flags",
    "fd_fdstat_set_rights",
    "fd_filestat_get",
    "fd_filestat_set_size",
    "fd_filestat_set_times",
    "fd_pread",
    "fd_prestat_get",
    "fd_prestat_dir_name",
    "fd_pwrite",
    "fd_read",
    "fd_readdir",
    "fd_renumber",
    "fd_seek",
    "fd_sync",
    "fd_tell",
    "fd_write",
    "path_create_directory",
    "path_filestat_get",
    "path_filestat_set_times",
    "path_link",
    "path_open",
    "path_readlink",
    "path_remove_directory",
    "path_rename",
    "path_symlink",
    "path_unlink_file",
    "poll_oneoff",
    "proc_exit",
    "proc_raise",
    "sched_yield",
    "random_get",
    "sock_accept",
    "sock_recv",
    "sock_send",
    "sock_shutdown",
];

/// A WASI call could not run at all (as opposed to failing with an
/// errno): the guest broke the ABI's assumptions.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WasiAbiError {
    /// The calling instance does not export its memory as `memory`, which
    /// every preview1 function needs.
    #[error("WASI function `{0}` called by a module that exports no memory named `memory`")]
    NoMemory(&'static str),
}

/// How the functions reach a store's [`WasiCtx`]: in the store's data
/// ([`add_to_linker`]) or behind a lock its threads share
/// ([`add_to_linker_shared`]).
trait CtxAccess<T>: Copy + Send + Sync + 'static {
    fn with<R>(self, data: &mut T, f: impl FnOnce(&mut WasiCtx) -> R) -> R;
}

#[derive(Clone, Copy)]
struct Owned<F>(F);

impl<T, F> CtxAccess<T> for Owned<F>
where
    F: Fn(&mut T) -> &mut WasiCtx + Copy + Send + Sync + 'static,
{
    fn with<R>(self, data: &mut T, f: impl FnOnce(&mut WasiCtx) -> R) -> R {
        f((self.0)(data))
    }
}

#[derive(Clone, Copy)]
struct Locked<F>(F);

impl<T, F> CtxAccess<T> for Locked<F>
where
    F: Fn(&mut T) -> &Mutex<WasiCtx> + Copy + Send + Sync + 'static,
{
    fn with<R>(self, data: &mut T, f: impl FnOnce(&mut WasiCtx) -> R) -> R {
        // A thread that panicked in a WASI call left the context as
        // consistent as any errno would: go on with it.
        let mut ctx = (self.0)(data)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        f(&mut ctx)
    }
}

/// Runs one preview1 function for `caller`: lends it the context and the
/// memory (the store's own, or a shared one), and turns its result into
/// the errno the guest sees.
fn call<T>(
    caller: &mut Caller<'_, T>,
    name: &'static str,
    access: impl CtxAccess<T>,
    f: impl FnOnce(&mut WasiCtx, &mut GuestMemory<'_>) -> WasiResult<()>,
) -> petrel::Result<i32> {
    call_unless(caller, name, access, |_| false, f)
}

/// [`call`], except that on a shared memory (a program with threads) the
/// function runs without the context, and so without its lock, when
/// `no_ctx` says it needs none (a `poll_oneoff` that only sleeps): it
/// gets an empty context instead, which has no descriptor at all.
fn call_unless<T>(
    caller: &mut Caller<'_, T>,
    name: &'static str,
    access: impl CtxAccess<T>,
    no_ctx: impl FnOnce(&GuestMemory<'_>) -> bool,
    f: impl FnOnce(&mut WasiCtx, &mut GuestMemory<'_>) -> WasiResult<()>,
) -> petrel::Result<i32> {
    let result = match caller.get_export("memory") {
        Some(Extern::Memory(memory)) => {
            let (bytes, data) = memory.data_and_store_mut(&mut *caller);
            access.with(data, |ctx| f(ctx, &mut GuestMemory::new(bytes)))
        }
        Some(Extern::SharedMemory(memory)) => {
            let mut mem = GuestMemory::shared(memory.data());
            if no_ctx(&mem) {
                f(&mut WasiCtx::default(), &mut mem)
            } else {
                access.with(caller.data_mut(), |ctx| f(ctx, &mut mem))
            }
        }
        _ => return Err(Error::host(WasiAbiError::NoMemory(name))),
    };
    Ok(errno_of(result))
}

/// [`call`] in two steps: `begin` runs with the context and may hand back
/// what is left to do, which `finish` does after it. On a shared memory
/// (a program with threads: `begin` is told) `finish` runs with the
/// context's lock released, so a read that waits for its source holds up
/// no other thread's WASI calls.
fn call_released<T, B>(
    caller: &mut Caller<'_, T>,
    name: &'static str,
    access: impl CtxAccess<T>,
    begin: impl FnOnce(&mut WasiCtx, &mut GuestMemory<'_>, bool) -> WasiResult<Option<B>>,
    finish: impl FnOnce(B, &mut GuestMemory<'_>) -> WasiResult<()>,
) -> petrel::Result<i32> {
    let result = match caller.get_export("memory") {
        Some(Extern::Memory(memory)) => {
            let (bytes, data) = memory.data_and_store_mut(&mut *caller);
            access.with(data, |ctx| {
                let mut mem = GuestMemory::new(bytes);
                match begin(ctx, &mut mem, false) {
                    Ok(Some(rest)) => finish(rest, &mut mem),
                    other => other.map(drop),
                }
            })
        }
        Some(Extern::SharedMemory(memory)) => {
            let mut mem = GuestMemory::shared(memory.data());
            match access.with(caller.data_mut(), |ctx| begin(ctx, &mut mem, true)) {
                Ok(Some(rest)) => finish(rest, &mut mem),
                other => other.map(drop),
            }
        }
        _ => return Err(Error::host(WasiAbiError::NoMemory(name))),
    };
    Ok(errno_of(result))
}

/// The errno the guest sees for `result`.
fn errno_of(result: WasiResult<()>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(errno) => i32::from(errno.raw()),
    }
}

/// Defines every `wasi_snapshot_preview1` function in `linker`.
/// `get_ctx` finds the guest's [`WasiCtx`] in the store's data.
///
/// ```no_run
/// use petrel::{Engine, Linker, Module, Store};
/// use petrel_wasi::{I32Exit, WasiCtx, WasiCtxBuilder};
///
/// let engine = Engine::default();
/// let module = Module::from_binary(&engine, &std::fs::read("hello.wasm")?)?;
/// let mut linker = Linker::<WasiCtx>::new(&engine);
/// petrel_wasi::add_to_linker(&mut linker, |ctx| ctx)?;
/// let ctx = WasiCtxBuilder::new().inherit_stdio().arg("hello.wasm").build()?;
/// let mut store = Store::new(&engine, ctx);
/// let instance = linker.instantiate(&mut store, &module)?;
/// let start = instance.get_typed_func::<(), ()>(&store, "_start")?;
/// match start.call(&mut store, ()) {
///     Ok(()) => {}
///     Err(e) if e.downcast_ref::<I32Exit>().is_some() => {
///         std::process::exit(e.downcast_ref::<I32Exit>().unwrap().0)
///     }
///     Err(e) => return Err(e.into()),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    get_ctx: impl Fn(&mut T) -> &mut WasiCtx + Send + Sync + Copy + 'static,
) -> petrel::Result<()> {
    define_all(linker, Owned(get_ctx))
}

/// Defines every `wasi_snapshot_preview1` function in `linker`, for a
/// program whose threads ([`crate::threads`]) share one [`WasiCtx`]:
/// `get_ctx` finds it, behind its lock, in each thread's store data. Each
/// call holds the lock while it runs, except while it waits: an `fd_read`
/// of the host's stdin or of a socket waits for its data with the lock
/// released, and a `poll_oneoff` on clocks only (a sleep) and
/// `sched_yield` do not take it. A call that blocks otherwise (a
/// `poll_oneoff` on descriptors, a `sock_accept` on a blocking socket, a
/// write to a full pipe) holds up the other threads' WASI calls, not their
/// Wasm code, until it returns.
pub fn add_to_linker_shared<T: 'static>(
    linker: &mut Linker<T>,
    get_ctx: impl Fn(&mut T) -> &Mutex<WasiCtx> + Send + Sync + Copy + 'static,
) -> petrel::Result<()> {
    define_all(linker, Locked(get_ctx))
}

fn define_all<T: 'static>(linker: &mut Linker<T>, access: impl CtxAccess<T>) -> petrel::Result<()> {
    macro_rules! define {
        ($($area:ident::$name:ident($($arg:ident: $ty:ty),*);)*) => {$(
            linker.func_wrap(
                MODULE,
                stringify!($name),
                move |mut caller: Caller<'_, T>, $($arg: $ty),*| -> petrel::Result<i32> {
                    call(&mut caller, stringify!($name), access, |ctx, mem| {
                        $area::$name(ctx, mem, $($arg),*)
                    })
                },
            )?;
        )*};
    }

    // Parameter types follow the witx lowering: every 32-bit-or-smaller
    // value (pointers, sizes, fds, flags, enums) is an i32, every 64-bit
    // one an i64; the result is the errno.
    define! {
        args_env::args_get(argv: u32, argv_buf: u32);
        args_env::args_sizes_get(argc: u32, argv_buf_size: u32);
        args_env::environ_get(environ: u32, environ_buf: u32);
        args_env::environ_sizes_get(count: u32, buf_size: u32);
        clocks::clock_res_get(id: u32, resolution: u32);
        clocks::clock_time_get(id: u32, precision: u64, time: u32);
        fd::fd_advise(fd: u32, offset: u64, len: u64, advice: u32);
        fd::fd_allocate(fd: u32, offset: u64, len: u64);
        fd::fd_close(fd: u32);
        fd::fd_datasync(fd: u32);
        fd::fd_fdstat_get(fd: u32, buf: u32);
        fd::fd_fdstat_set_flags(fd: u32, flags: u32);
        fd::fd_fdstat_set_rights(fd: u32, base: u64, inheriting: u64);
        fd::fd_filestat_get(fd: u32, buf: u32);
        fd::fd_filestat_set_size(fd: u32, size: u64);
        fd::fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, fst_flags: u32);
        fd::fd_pread(fd: u32, iovs: u32, iovs_len: u32, offset: u64, nread: u32);
        fd::fd_prestat_get(fd: u32, buf: u32);
        fd::fd_prestat_dir_name(fd: u32, path: u32, path_len: u32);
        fd::fd_pwrite(fd: u32, iovs: u32, iovs_len: u32, offset: u64, nwritten: u32);
        fd::fd_readdir(fd: u32, buf: u32, buf_len: u32, cookie: u64, bufused: u32);
        fd::fd_renumber(from: u32, to: u32);
        fd::fd_seek(fd: u32, offset: i64, whence: u32, newoffset: u32);
        fd::fd_sync(fd: u32);
        fd::fd_tell(fd: u32, offset: u32);
        fd::fd_write(fd: u32, iovs: u32, iovs_len: u32, nwritten: u32);
        path::path_create_directory(fd: u32, path: u32, path_len: u32);
        path::path_filestat_get(fd: u32, flags: u32, path: u32, path_len: u32, buf: u32);
        path::path_filestat_set_times(
            fd: u32, flags: u32, path: u32, path_len: u32, atim: u64, mtim: u64, fst_flags: u32
        );
        path::path_link(
            old_fd: u32, old_flags: u32, old_path: u32, old_path_len: u32,
            new_fd: u32, new_path: u32, new_path_len: u32
        );
        path::path_open(
            fd: u32, dirflags: u32, path: u32, path_len: u32, oflags: u32,
            rights_base: u64, rights_inheriting: u64, fdflags: u32, opened_fd: u32
        );
        path::path_readlink(
            fd: u32, path: u32, path_len: u32, buf: u32, buf_len: u32, bufused: u32
        );
        path::path_remove_directory(fd: u32, path: u32, path_len: u32);
        path::path_rename(
            fd: u32, old_path: u32, old_path_len: u32,
            new_fd: u32, new_path: u32, new_path_len: u32
        );
        path::path_symlink(
            old_path: u32, old_path_len: u32, fd: u32, new_path: u32, new_path_len: u32
        );
        path::path_unlink_file(fd: u32, path: u32, path_len: u32);
        proc::proc_raise(signal: u32);
        random::random_get(buf: u32, buf_len: u32);
        sock::sock_accept(fd: u32, flags: u32, accepted: u32);
        sock::sock_recv(
            fd: u32, ri_data: u32, ri_data_len: u32, ri_flags: u32,
            ro_datalen: u32, ro_flags: u32
        );
        sock::sock_send(fd: u32, si_data: u32, si_data_len: u32, si_flags: u32, so_datalen: u32);
        sock::sock_shutdown(fd: u32, how: u32);
    }

    // A read that may block for as long as its source likes (the host's
    // stdin, a socket) leaves a shared context unlocked while it waits.
    linker.func_wrap(
        MODULE,
        "fd_read",
        move |mut caller: Caller<'_, T>,
              fd: u32,
              iovs: u32,
              iovs_len: u32,
              nread: u32|
              -> petrel::Result<i32> {
            call_released(
                &mut caller,
                "fd_read",
                access,
                |ctx, mem, shared| fd::fd_read_begin(ctx, mem, fd, iovs, iovs_len, nread, shared),
                |read, mem| read.finish(mem),
            )
        },
    )?;

    // Two functions that may block for long without needing the context
    // when they only wait: they leave a shared context unlocked then.
    linker.func_wrap(
        MODULE,
        "poll_oneoff",
        move |mut caller: Caller<'_, T>,
              subscriptions: u32,
              events: u32,
              count: u32,
              nevents: u32|
              -> petrel::Result<i32> {
            call_unless(
                &mut caller,
                "poll_oneoff",
                access,
                |mem| poll::only_clocks(mem, subscriptions, count),
                |ctx, mem| poll::poll_oneoff(ctx, mem, subscriptions, events, count, nevents),
            )
        },
    )?;
    linker.func_wrap(MODULE, "sched_yield", move |mut caller: Caller<'_, T>| {
        call_unless(
            &mut caller,
            "sched_yield",
            access,
            |_| true,
            proc::sched_yield,
        )
    })?;

    // `proc_exit` never returns to the guest: the exit unwinds every Wasm
    // frame as a host error, for the embedder to turn into a status.
    linker.func_wrap(MODULE, "proc_exit", |code: i32| -> petrel::Result<()> {
        Err(Error::host(I32Exit(code)))
    })?;
    Ok(())
}
