//! Tier-up (`Tier::Auto`): what the interpreter, the JIT and the tier
//! seam share to move a store from the interpreter to compiled code,
//! without naming one another (the seam fills in [`TierUpHooks`]).
//!
//! - **Counting.** Every call into a module's function, from the host or
//!   from the interpreter, and every loop iteration (counted by the
//!   interpreter's `OsrPoint`s, [`OSR_INTERVAL`] at a time) adds one to
//!   that module's count ([`UpperCode`]), which every store of the engine
//!   shares. Relaxed and not atomic as a whole: a count lost to a race
//!   only delays.
//! - **Compiling.** When a call takes a module's count to
//!   `Config::tier_up_threshold`, its store asks for every one of its
//!   modules to be compiled (whole modules: the JIT's direct calls are
//!   wired inside one image), each once per engine, on a background
//!   thread or, without `Config::tier_up_in_background`, right there.
//! - **Moving.** Once all of them have code, the store *installs* it (the
//!   JIT links every instance's VM context, on the store's thread) and is
//!   `Upper` from then on: calls from the host run compiled code, and so
//!   does every call the interpreter makes from frames it was already
//!   running (a crossing, made like a host call: arguments copied out,
//!   results back), and a frame running a hot loop moves into its
//!   function's compiled twin at the loop's header ([`TierUpHooks::osr`],
//!   on-stack replacement). Compiled code never calls the interpreter: every
//!   instance of an `Upper` store is linked, and one made later is
//!   compiled and linked as it is created.
//! - A module the JIT cannot compile keeps its store in the interpreter
//!   for good (`Never`), as does a failed install.

use super::{EngineShared, ModuleShared, StoreInner};
use crate::error::{Error, Trap};
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;
use core::sync::atomic::{AtomicU32, AtomicU8, Ordering};
use once_cell::race::OnceBox;

/// The upper tier's code of a module, with the count that decides when
/// to make it: shared by every instance of the module, in every store.
#[derive(Default)]
pub(crate) struct UpperCode {
    calls: AtomicU32,
    state: AtomicU8,
    code: OnceBox<Code>,
}

/// `UpperCode::state`: nobody asked yet, a compile is under way, it
/// failed. (Done is `code` being set.)
const IDLE: u8 = 0;
const COMPILING: u8 = 1;
const FAILED: u8 = 2;

impl UpperCode {
    /// The code, once made, if it is a `T`.
    pub fn get<T: 'static>(&self) -> Option<&T> {
        self.code.get()?.downcast_ref()
    }

    fn ready(&self) -> bool {
        self.code.get().is_some()
    }

    fn failed(&self) -> bool {
        self.state.load(Ordering::Acquire) == FAILED
    }

    /// Counts `n` calls; the count after them.
    #[inline]
    fn count(&self, n: u32) -> u32 {
        let n = self.calls.load(Ordering::Relaxed).saturating_add(n);
        self.calls.store(n, Ordering::Relaxed);
        n
    }

    /// Keeps `made` as the code, or records the failure.
    fn settle(&self, made: Result<Code, Error>) {
        match made {
            // Another compile may have won (see `compile_now`): either
            // code is the module's.
            Ok(code) => {
                let _ = self.code.set(Box::new(code));
            }
            Err(_) => self.state.store(FAILED, Ordering::Release),
        }
    }
}

/// A module's upper-tier code, type-erased (the runtime names no tier).
pub(crate) type Code = Box<dyn Any + Send + Sync>;

/// What the tier seam lends the runtime for tier-up: plain functions, so
/// that neither tier names the other.
#[derive(Clone, Copy)]
pub(crate) struct TierUpHooks {
    /// Compiles a module for the upper tier: on a background thread beside
    /// the running program, or (`false`) on a thread that waits for it.
    pub compile: fn(&EngineShared, &ModuleShared, bool) -> Result<Code, Error>,
    /// Links every instance of the store not yet linked for the upper
    /// tier (their modules have its code), then the store's function
    /// references.
    pub install: fn(&mut StoreInner) -> Result<(), Error>,
    /// Links one instance (just made in an `Upper` store).
    pub link: fn(&mut StoreInner, u32) -> Result<(), Error>,
    /// Calls Wasm store function `func` in compiled code, with its
    /// arguments in the slots, which receive its results.
    pub call: fn(&mut StoreInner, *mut (), u32, &mut [u64]) -> Result<(), Crossed>,
    /// On-stack replacement: runs the rest of defined function `def` of
    /// instance `instance` in compiled code from its loop `ordinal`, with
    /// the locals of the interpreter frame at the pointer; the slots
    /// (at least two) receive its results. `Ok(false)`: no entry there.
    pub osr: Osr,
}

/// The type of [`TierUpHooks::osr`].
pub(crate) type Osr =
    fn(&mut StoreInner, *mut (), u32, u32, u32, *const u64, &mut [u64]) -> Result<bool, Crossed>;

/// Loop iterations the interpreter runs between two looks at tier-up
/// (`Op::OsrPoint`); each look counts them all.
pub(crate) const OSR_INTERVAL: u32 = 1024;

/// How a call into the upper tier failed.
pub(crate) enum Crossed {
    /// Compiled code trapped: the backtrace lists its frames; the caller
    /// adds its own, as for a call within one tier.
    Trap(Trap),
    /// Anything else (a host function's error, an uncaught exception),
    /// passed on as it is.
    Error(Error),
}

/// Where a store is in tier-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum Mode {
    /// Not `Tier::Auto` (or a build without the JIT).
    #[default]
    Off,
    /// Interpreting and counting.
    Counting,
    /// Its modules are being compiled.
    Waiting,
    /// Installed: calls run compiled code.
    Upper,
    /// A module could not be compiled or installed: interpreting for good.
    Never,
}

/// A store's tier-up state.
#[derive(Default)]
pub(crate) struct StoreTierUp {
    pub mode: Mode,
    /// How many resumable calls are running: the interpreter runs those
    /// alone (a suspension must capture every frame), so it does not
    /// cross while this is non-zero.
    pub pinned: u32,
    /// The modules `Waiting` waits for.
    waiting: Vec<Arc<ModuleShared>>,
    /// Interpreter frames moved into compiled code at a loop so far.
    pub loop_entries: u64,
}

impl StoreTierUp {
    /// The state of a new store of `engine`.
    pub fn new(engine: &EngineShared) -> Self {
        Self {
            mode: if engine.tier_up.is_some() {
                Mode::Counting
            } else {
                Mode::Off
            },
            ..Self::default()
        }
    }

    /// Whether the interpreter has tier-up work at its calls (counting,
    /// waiting or crossing).
    #[inline]
    pub fn active(&self) -> bool {
        matches!(self.mode, Mode::Counting | Mode::Waiting | Mode::Upper)
    }

    /// Whether calls from the host and from the interpreter run compiled
    /// code now.
    #[inline]
    pub fn upper(&self) -> bool {
        self.mode == Mode::Upper && self.pinned == 0
    }
}

/// Counts a call into a function of instance `instance` and moves the
/// store on if that makes it hot or its code is ready: whether the call
/// should run compiled code.
#[inline]
pub(crate) fn on_call(inner: &mut StoreInner, instance: u32) -> bool {
    on_count(inner, instance, 1)
}

/// [`on_call`] for `n` calls or loop iterations at once.
#[inline]
pub(crate) fn on_count(inner: &mut StoreInner, instance: u32, n: u32) -> bool {
    match inner.tier_up.mode {
        Mode::Off | Mode::Never => false,
        Mode::Upper => inner.tier_up.pinned == 0,
        Mode::Counting => {
            let n = inner.instances[instance as usize].module.upper.count(n);
            if n < inner.engine.config.tier_up_threshold {
                return false;
            }
            request(inner);
            poll(inner)
        }
        Mode::Waiting => poll(inner),
    }
}

/// Asks for the code of every module of the store not compiled yet.
#[cold]
#[inline(never)]
fn request(inner: &mut StoreInner) {
    let Some(hooks) = inner.engine.tier_up else {
        return;
    };
    let mut waiting: Vec<Arc<ModuleShared>> = Vec::new();
    for inst in &inner.instances {
        if !waiting.iter().any(|m| Arc::ptr_eq(m, &inst.module)) {
            waiting.push(inst.module.clone());
        }
    }
    for module in &waiting {
        let upper = &module.upper;
        if upper.ready()
            || upper
                .state
                .compare_exchange(IDLE, COMPILING, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
        {
            continue;
        }
        if inner.engine.config.tier_up_in_background {
            #[cfg(feature = "std")]
            {
                let (engine, module) = (inner.engine.clone(), module.clone());
                let spawned = std::thread::Builder::new()
                    .name("petrel-tier-up".into())
                    .spawn(move || {
                        // A compiler panic fails the compile: the store
                        // stays interpreted rather than waiting forever.
                        let made = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            (hooks.compile)(&engine, &module, true)
                        }))
                        .unwrap_or_else(|_| Err(Error::usage("the JIT panicked")));
                        module.upper.settle(made);
                    });
                if spawned.is_ok() {
                    continue;
                }
            }
        }
        // In the foreground by request, or when no thread could start.
        upper.settle((hooks.compile)(&inner.engine, module, false));
    }
    inner.tier_up.waiting = waiting;
    inner.tier_up.mode = Mode::Waiting;
}

/// Whether the code the store waits for is ready: if so, installs it.
#[cold]
#[inline(never)]
fn poll(inner: &mut StoreInner) -> bool {
    let state = &mut inner.tier_up;
    if state.mode != Mode::Waiting {
        return state.upper();
    }
    state.waiting.retain(|m| !m.upper.ready());
    if state.waiting.iter().any(|m| m.upper.failed()) {
        state.waiting.clear();
        state.mode = Mode::Never;
        return false;
    }
    if !state.waiting.is_empty() {
        return false;
    }
    let Some(hooks) = inner.engine.tier_up else {
        return false;
    };
    inner.tier_up.mode = match (hooks.install)(inner) {
        Ok(()) => Mode::Upper,
        // Instances linked so far are never entered.
        Err(_) => Mode::Never,
    };
    inner.tier_up.upper()
}

/// Prepares instance `instance`, just made, for the store's tier: in an
/// `Upper` store, compiles its module now if it has no code and links it,
/// so compiled code can call it.
pub(crate) fn link_new(inner: &mut StoreInner, instance: u32) -> Result<(), Error> {
    let Some(hooks) = inner.engine.tier_up else {
        return Ok(());
    };
    if inner.tier_up.mode != Mode::Upper {
        return Ok(());
    }
    let module = inner.instances[instance as usize].module.clone();
    if !module.upper.ready() {
        // A background compile of it may be under way: this one does not
        // wait for it, and whichever finishes first is kept.
        module
            .upper
            .settle((hooks.compile)(&inner.engine, &module, false));
        if !module.upper.ready() {
            // The JIT cannot run it: the store stays in the interpreter,
            // which can run everything, from now on.
            inner.tier_up.mode = Mode::Never;
            return Ok(());
        }
    }
    (hooks.link)(inner, instance)
}
