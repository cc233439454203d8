//! WASI threads (the `wasi-threads` proposal, what `wasm32-wasip1-threads`
//! programs import): `wasi.thread-spawn(start_arg) -> tid` starts a real
//! host thread, which instantiates the same module anew in a store of its
//! own (its store data cloned from the spawning thread's) over the same
//! shared memory, and calls its `wasi_thread_start(tid, start_arg)`.
//!
//! A thread that returns from `wasi_thread_start` just ends. A thread that
//! traps, fails or calls `proc_exit` ends the whole program: the first such
//! end is recorded ([`WasiThreads::program_end`]) and the engine's epoch is
//! moved on, so every store with an epoch deadline (the embedder gives each
//! one, [`WasiThreads::new`]'s `configure` included) stops at its next
//! check, a `memory.atomic.wait` included. A thread blocked in a host call
//! (a read of stdin) stops only when that call returns; an embedder that
//! must end at once exits the process, as `petrel run` does.
//!
//! The threads share one [`WasiCtx`](crate::WasiCtx): define the WASI
//! functions with [`add_to_linker_shared`](crate::add_to_linker_shared).

use crate::errno::Errno;
use crate::exit::I32Exit;
use petrel::{Caller, Engine, Error, InstancePre, Linker, Store};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// The import module of `thread-spawn`.
pub const MODULE: &str = "wasi";

/// The function a new thread runs: `(tid: i32, start_arg: i32) -> ()`.
pub const START: &str = "wasi_thread_start";

/// The highest thread id (the proposal keeps the top 3 bits clear, for
/// the mutex implementations of the C libraries).
const MAX_TID: u32 = 0x1FFF_FFFF;

/// Host stack of each spawned thread, unless [`WasiThreads::stack_size`]
/// says otherwise: the main thread's usual size.
const DEFAULT_STACK: usize = 8 << 20;

/// Hook run on each new thread's store before the module is instantiated
/// in it: limits, fuel, an epoch deadline.
type Configure<T> = dyn Fn(&mut Store<T>) -> petrel::Result<()> + Send + Sync;

/// How a thread ended the program.
#[derive(Debug)]
pub enum ProgramEnd {
    /// A thread called `proc_exit` with this status.
    Exit(i32),
    /// A spawned thread trapped or failed (its instantiation included).
    Failed {
        /// The thread's id.
        tid: u32,
        /// Why.
        error: Error,
    },
}

/// The state of a program's threads: what each new thread instantiates,
/// the next thread id, and how the program ended if a thread ended it.
/// Kept in every thread's store data (behind an `Arc`) and found by the
/// accessor given to [`add_to_linker`].
pub struct WasiThreads<T> {
    pre: InstancePre<T>,
    configure: Box<Configure<T>>,
    next_tid: AtomicU32,
    end: Mutex<Option<ProgramEnd>>,
    stack_size: usize,
}

impl<T> std::fmt::Debug for WasiThreads<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasiThreads")
            .field("module", self.pre.module())
            .field("next_tid", &self.next_tid)
            .finish_non_exhaustive()
    }
}

impl<T: Clone + Send + 'static> WasiThreads<T> {
    /// Threads that instantiate `pre` (from a linker holding the WASI
    /// functions, `thread-spawn` and the shared memory the module
    /// imports), each in a new store that `configure` sets up first.
    pub fn new(
        pre: InstancePre<T>,
        configure: impl Fn(&mut Store<T>) -> petrel::Result<()> + Send + Sync + 'static,
    ) -> Self {
        Self {
            pre,
            configure: Box::new(configure),
            next_tid: AtomicU32::new(1),
            end: Mutex::new(None),
            stack_size: DEFAULT_STACK,
        }
    }

    /// The host stack size of each spawned thread (default 8 MiB).
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = bytes;
        self
    }

    /// How a thread ended the program, if one did: the first such end
    /// (later ones are dropped). Taken, so it is reported once.
    pub fn program_end(&self) -> Option<ProgramEnd> {
        self.end
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// Whether a thread has ended the program (without taking the end).
    pub fn program_ended(&self) -> bool {
        self.end
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }

    /// `thread-spawn`: a new thread id, or `-EAGAIN` when no more thread
    /// can be started (ids used up, or the host refused a thread).
    fn spawn(self: &Arc<Self>, caller: &Caller<'_, T>, start_arg: i32) -> i32 {
        let again = -i32::from(Errno::Again.raw());
        let Ok(tid) = self
            .next_tid
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                (t <= MAX_TID).then_some(t + 1)
            })
        else {
            return again;
        };
        let data = caller.data().clone();
        let engine = caller.engine().clone();
        let threads = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name(format!("wasi-thread-{tid}"))
            .stack_size(self.stack_size)
            .spawn(move || threads.run(&engine, data, tid, start_arg));
        match spawned {
            // Detached: the program does not join its threads through
            // the host (it does through its memory).
            Ok(_) => tid as i32,
            Err(_) => again,
        }
    }

    /// The body of thread `tid`.
    fn run(&self, engine: &Engine, data: T, tid: u32, start_arg: i32) {
        let mut store = Store::new(engine, data);
        let result = (self.configure)(&mut store)
            .and_then(|()| self.pre.instantiate(&mut store))
            .and_then(|instance| instance.get_typed_func::<(i32, i32), ()>(&store, START))
            .and_then(|start| start.call(&mut store, (tid as i32, start_arg)));
        let Err(error) = result else {
            return;
        };
        if self.program_ended() {
            // Stopped because another thread ended the program.
            return;
        }
        let end = match error.downcast_ref::<I32Exit>() {
            Some(&I32Exit(code)) => ProgramEnd::Exit(code),
            None => ProgramEnd::Failed { tid, error },
        };
        self.end_program(engine, end);
    }

    /// Records `end` (unless a thread ended the program first) and moves
    /// the epoch on, so that every other thread stops.
    fn end_program(&self, engine: &Engine, end: ProgramEnd) {
        self.end
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert(end);
        engine.increment_epoch();
    }
}

/// Defines `wasi.thread-spawn` in `linker`; `get_threads` finds the
/// program's [`WasiThreads`] in a store's data.
pub fn add_to_linker<T: Clone + Send + 'static>(
    linker: &mut Linker<T>,
    get_threads: impl Fn(&T) -> &Arc<WasiThreads<T>> + Send + Sync + Copy + 'static,
) -> petrel::Result<()> {
    linker.func_wrap(
        MODULE,
        "thread-spawn",
        move |caller: Caller<'_, T>, start_arg: i32| -> i32 {
            let threads = Arc::clone(get_threads(caller.data()));
            threads.spawn(&caller, start_arg)
        },
    )?;
    Ok(())
}
