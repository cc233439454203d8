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
//!
//! **Per function** (`Config::tier_up_per_function`, mode `Functions`),
//! the unit is a function instead of a module:
//!
//! - Each defined function counts its own calls and loop iterations
//!   ([`FuncCounts`]). One that reaches the threshold asks for a *batch*:
//!   every function of its module that is at least half-way there and has
//!   no code yet, compiled into one image (calls inside it direct, to
//!   the rest through the instance's function table). One batch at a time
//!   per module; functions that get hot meanwhile go in the next.
//! - When a batch is published, the module's generation moves on. A
//!   store that sees it *refreshes*: the first time, it links every
//!   instance, with each function that has no code yet behind a *bridge*
//!   (a host-function-like entry that runs it in the interpreter); later,
//!   it re-points the entries of functions that now have code.
//! - The interpreter crosses into compiled code for each callee that has
//!   code, and compiled code calls into the interpreter through bridges:
//!   stacks alternate freely. A bridge counts the call too, so a function
//!   only compiled code calls still gets hot.
//! - Functions that stay cold are never compiled. A batch that fails is
//!   compiled again one function at a time; those that still fail stay in
//!   the interpreter, the rest of the store does not.

use super::{EngineShared, ModuleShared, StoreInner};
use crate::error::{Error, Trap};
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU8, Ordering};
use once_cell::race::OnceBox;

/// The upper tier's code of a module, with the count that decides when
/// to make it: shared by every instance of the module, in every store.
#[derive(Default)]
pub(crate) struct UpperCode {
    calls: AtomicU32,
    state: AtomicU8,
    code: OnceBox<Code>,
    /// Per-function tier-up's counts and states, made on the first count.
    funcs: OnceBox<FuncCounts>,
}

/// Per-function tier-up ([`Mode::Functions`]): what every store of the
/// engine shares about one module's defined functions.
pub(crate) struct FuncCounts {
    /// Calls and loop iterations, by defined index (relaxed, as
    /// `UpperCode::calls`).
    counts: Box<[AtomicU32]>,
    /// `IDLE`, `COMPILING`, `DONE` or `FAILED`, by defined index.
    states: Box<[AtomicU8]>,
    /// Batches published so far: a store whose instance saw fewer
    /// refreshes.
    generation: AtomicU32,
    /// A batch of this module is being compiled.
    busy: AtomicBool,
}

/// `FuncCounts::states`: the function has code (`DONE`).
const DONE: u8 = 3;

impl FuncCounts {
    fn new(n: usize) -> Self {
        Self {
            counts: (0..n).map(|_| AtomicU32::new(0)).collect(),
            states: (0..n).map(|_| AtomicU8::new(IDLE)).collect(),
            generation: AtomicU32::new(0),
            busy: AtomicBool::new(false),
        }
    }

    /// Records the end of a batch's compile: `done` got code, `failed`
    /// did not and never will.
    fn settle(&self, done: &[u32], failed: &[u32]) {
        // The generation moves before any state says `DONE`: a store that
        // sees `DONE` then sees the generation its entries lack, and
        // refreshes them before it crosses (else it would cross into a
        // bridge, which would cross again).
        if !done.is_empty() {
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
        // The upper tier names the functions it compiled: an index out of
        // range (a damaged cache entry that loaded) is ignored, not a panic
        // on the compile's thread that would leave `busy` set.
        for (&d, state) in done
            .iter()
            .map(|d| (d, DONE))
            .chain(failed.iter().map(|d| (d, FAILED)))
        {
            if let Some(s) = self.states.get(d as usize) {
                s.store(state, Ordering::Release);
            }
        }
        self.busy.store(false, Ordering::Release);
    }
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

    /// The code, made by `make` if nobody has made it yet, if it is a `T`.
    pub fn get_or_init<T: Send + Sync + 'static>(&self, make: impl FnOnce() -> T) -> Option<&T> {
        self.code
            .get_or_init(|| Box::new(Box::new(make()) as Code))
            .downcast_ref()
    }

    /// Per-function tier-up's state of the module's `n` defined functions.
    #[inline]
    fn funcs(&self, n: usize) -> &FuncCounts {
        self.funcs.get_or_init(|| Box::new(FuncCounts::new(n)))
    }

    /// How many of the module's defined functions have code (per-function
    /// tier-up).
    pub fn functions_compiled(&self) -> usize {
        self.funcs.get().map_or(0, |f| {
            f.states
                .iter()
                .filter(|s| s.load(Ordering::Relaxed) == DONE)
                .count()
        })
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
    /// Per function: compiles defined functions (ascending) of a module
    /// into one batch, with others it may take along but those listed
    /// (none if `None`), and publishes their code, or fails as a whole; on
    /// a background thread or not, as `compile`. Every function that has
    /// code now, ascending.
    pub compile_functions: CompileFunctions,
    /// Per function: re-points the entries of the store's linked
    /// instances (and its function references) at the code their
    /// functions have now.
    pub refresh: fn(&mut StoreInner) -> Result<(), Error>,
    /// Runs Wasm store function `func` in the interpreter, with its
    /// arguments in the slots, which receive its results: what a bridge
    /// does (given by the tier seam, which names the interpreter).
    pub interpret: Interpret,
}

/// The type of [`TierUpHooks::compile_functions`].
pub(crate) type CompileFunctions =
    fn(&EngineShared, &ModuleShared, &[u32], Option<&[u32]>, bool) -> Result<Vec<u32>, Error>;

/// The type of [`TierUpHooks::interpret`].
pub(crate) type Interpret = fn(&mut StoreInner, *mut (), u32, &mut [u64]) -> Result<(), Error>;

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
    /// Per-function tier-up: counting, compiling and crossing per
    /// function (see the module docs).
    Functions,
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
    /// Per function: whether the store's instances are linked (each
    /// instance made later is linked as it is created).
    pub linked: bool,
    /// Per function: the generation of each instance's module
    /// (`FuncCounts::generation`) its entries were last refreshed at.
    seen: Vec<u32>,
}

impl StoreTierUp {
    /// The state of a new store of `engine`.
    pub fn new(engine: &EngineShared) -> Self {
        Self {
            mode: match engine.tier_up {
                None => Mode::Off,
                Some(_) if engine.config.tier_up_per_function => Mode::Functions,
                Some(_) => Mode::Counting,
            },
            ..Self::default()
        }
    }

    /// Whether the interpreter has tier-up work at its calls (counting,
    /// waiting or crossing).
    #[inline]
    pub fn active(&self) -> bool {
        matches!(
            self.mode,
            Mode::Counting | Mode::Waiting | Mode::Upper | Mode::Functions
        )
    }

    /// Whether calls from the host and from the interpreter run compiled
    /// code now.
    #[inline]
    pub fn upper(&self) -> bool {
        self.mode == Mode::Upper && self.pinned == 0
    }
}

/// Counts a call into defined function `def` of instance `instance` and
/// moves the store on if that makes it hot or its code is ready: whether
/// the call should run compiled code.
#[inline]
pub(crate) fn on_call(inner: &mut StoreInner, instance: u32, def: u32) -> bool {
    on_count(inner, instance, def, 1)
}

/// [`on_call`] for `n` calls or loop iterations at once.
#[inline]
pub(crate) fn on_count(inner: &mut StoreInner, instance: u32, def: u32, n: u32) -> bool {
    match inner.tier_up.mode {
        Mode::Off | Mode::Never => false,
        Mode::Upper => inner.tier_up.pinned == 0,
        Mode::Functions => on_function(inner, instance, def, n),
        Mode::Counting => {
            let n = inner.instances[instance as usize].module.upper.count(n);
            if n < inner.engine.config.tier_up_calls() {
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
    if inner.tier_up.mode == Mode::Functions {
        if !inner.tier_up.linked {
            return Ok(());
        }
        // Linked with bridges for whatever has no code yet; the generation
        // is the one its entries reflect.
        let generation = generation(&inner.instances[instance as usize].module);
        (hooks.link)(inner, instance)?;
        let seen = &mut inner.tier_up.seen;
        if seen.len() <= instance as usize {
            seen.resize(instance as usize + 1, u32::MAX);
        }
        seen[instance as usize] = generation;
        return Ok(());
    }
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

/// [`on_count`] per function: counts, asks for a batch when `def` gets
/// hot, refreshes the store when its module has new code, and says
/// whether `def` has code the store can enter now.
#[inline]
fn on_function(inner: &mut StoreInner, instance: u32, def: u32, n: u32) -> bool {
    let module = &inner.instances[instance as usize].module;
    let funcs = module.upper.funcs(module.info.bodies.len());
    let (Some(count), Some(state)) = (
        funcs.counts.get(def as usize),
        funcs.states.get(def as usize),
    ) else {
        return false;
    };
    let c = count.load(Ordering::Relaxed).saturating_add(n);
    count.store(c, Ordering::Relaxed);
    match state.load(Ordering::Acquire) {
        DONE => {}
        // While a batch of the module compiles, a hot function waits for
        // the next.
        IDLE if c >= inner.engine.config.tier_up_calls() && !funcs.busy.load(Ordering::Relaxed) => {
            request_functions(inner, instance);
            let module = &inner.instances[instance as usize].module;
            if module.upper.funcs(module.info.bodies.len()).states[def as usize]
                .load(Ordering::Acquire)
                != DONE
            {
                return false;
            }
        }
        _ => return false,
    }
    let generation = generation(&inner.instances[instance as usize].module);
    if inner.tier_up.seen.get(instance as usize) != Some(&generation) && !refresh(inner) {
        return false;
    }
    // An instance whose link failed (`link_new`) stays interpreted.
    inner.tier_up.pinned == 0 && inner.instances[instance as usize].vm.is_some()
}

/// Compiles the hot functions of instance `instance`'s module that have
/// no code (unless a batch of it is being compiled).
#[cold]
#[inline(never)]
fn request_functions(inner: &mut StoreInner, instance: u32) {
    let Some(hooks) = inner.engine.tier_up else {
        return;
    };
    let module = inner.instances[instance as usize].module.clone();
    let funcs = module.upper.funcs(module.info.bodies.len());
    if funcs.busy.load(Ordering::Relaxed) || funcs.busy.swap(true, Ordering::AcqRel) {
        return;
    }
    // Functions half-way to the threshold join: most are about to get
    // there, and in one image their calls to one another are direct.
    let warm = (inner.engine.config.tier_up_calls() / 2).max(1);
    let defs: Vec<u32> = (0..funcs.states.len() as u32)
        .filter(|&d| {
            funcs.states[d as usize].load(Ordering::Acquire) == IDLE
                && funcs.counts[d as usize].load(Ordering::Relaxed) >= warm
        })
        .collect();
    // A batch takes along functions its members call; never one the JIT
    // could not compile before, which would fail it.
    let never: Vec<u32> = (0..funcs.states.len() as u32)
        .filter(|&d| funcs.states[d as usize].load(Ordering::Acquire) == FAILED)
        .collect();
    for &d in &defs {
        funcs.states[d as usize].store(COMPILING, Ordering::Release);
    }
    let compile = move |engine: &EngineShared, module: &ModuleShared, background: bool| {
        let funcs = module.upper.funcs(module.info.bodies.len());
        // A compiler panic fails the compile: those functions stay
        // interpreted rather than waiting forever.
        let try_compile = |defs: &[u32], never: Option<&[u32]>| {
            #[cfg(feature = "std")]
            {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    (hooks.compile_functions)(engine, module, defs, never, background)
                }))
                .unwrap_or_else(|_| Err(Error::usage("the JIT panicked")))
            }
            #[cfg(not(feature = "std"))]
            (hooks.compile_functions)(engine, module, defs, never, background)
        };
        if let Ok(done) = try_compile(&defs, Some(&never)) {
            funcs.settle(&done, &[]);
            return;
        }
        // One function the JIT cannot compile fails the batch: the
        // others get their code one at a time, alone (what the batch took
        // along may be what failed it).
        let (mut done, mut failed) = (Vec::new(), Vec::new());
        for &d in &defs {
            match try_compile(&[d], None) {
                Ok(made) => done.extend(made),
                Err(_) => failed.push(d),
            }
        }
        done.sort_unstable();
        done.dedup();
        done.retain(|d| !failed.contains(d));
        funcs.settle(&done, &failed);
    };
    if inner.engine.config.tier_up_in_background {
        #[cfg(feature = "std")]
        {
            let (engine, module) = (inner.engine.clone(), module.clone());
            let compile = compile.clone();
            let spawned = std::thread::Builder::new()
                .name("petrel-tier-up".into())
                .spawn(move || compile(&engine, &module, true));
            if spawned.is_ok() {
                return;
            }
        }
    }
    // In the foreground by request, or when no thread could start.
    compile(&inner.engine, &module, false);
}

/// Brings the store's instances up to their modules' code: links them the
/// first time (bridges for functions with none), re-points their entries
/// later. Whether the store can enter compiled code; on failure it stays
/// in the interpreter for good.
#[cold]
#[inline(never)]
fn refresh(inner: &mut StoreInner) -> bool {
    let Some(hooks) = inner.engine.tier_up else {
        return false;
    };
    // The generations first: code published while this runs is refreshed
    // next time.
    let seen: Vec<u32> = inner
        .instances
        .iter()
        .map(|inst| generation(&inst.module))
        .collect();
    let done = if inner.tier_up.linked {
        (hooks.refresh)(inner)
    } else {
        (hooks.install)(inner)
    };
    if done.is_err() {
        // Bridges already linked keep working: they run the interpreter,
        // which no longer crosses.
        inner.tier_up.mode = Mode::Never;
        return false;
    }
    inner.tier_up.linked = true;
    inner.tier_up.seen = seen;
    true
}

/// How many batches of `module` have been published (per function).
fn generation(module: &ModuleShared) -> u32 {
    module
        .upper
        .funcs(module.info.bodies.len())
        .generation
        .load(Ordering::Acquire)
}
