//! The executor: runs bytecode on the store's stacks.
//!
//! Dispatch is a `loop { match }` over the op at `ip`. Hot state lives in
//! locals the compiler keeps in registers: `ip`, `sp` (the current frame's
//! first slot) and the cached base and length of memory 0 (other memories
//! are looked up out of line, see `other_memory`). Every call
//! pushes a [`Frame`]; returning pops one, so the native stack does not
//! grow with Wasm call depth.
//!
//! Soundness of the unchecked slot accesses: the translator only emits
//! slot indices below the function's `num_slots`, and before a frame runs
//! the executor makes sure the value stack holds `base + num_slots` slots
//! (see `enter_frame`). `sp` is recomputed whenever the value stack may
//! have been reallocated (calls, and anything that runs host code).

mod atomic;
mod call;
mod memory;
mod other_memory;
#[cfg(feature = "op-profile")]
pub mod profile;
mod pure;
mod resume;
mod simd;
mod slots;
mod stop;
#[cfg(all(petrel_threaded, not(debug_assertions)))]
mod threaded;
mod throw;
mod wide;

use super::bytecode::{simd_ops, Op};
use super::{CompiledFunc, ModuleCode};
use crate::error::{CompileError, Error, FrameInfo, TrapCode};
use crate::runtime::{bulk, Frame, FuncEntity, ModuleShared, StoreInner};
use crate::semantics::scalar as num;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use pure::{pure_ops, shape_macros};

pub(crate) use call::invoke;
pub(crate) use resume::{invoke_resumable, resume, Suspended, Suspension};
pub(crate) use stop::Stop;

/// Cached facts about the running instance.
struct InstanceCache {
    index: u32,
    module: *const ModuleShared,
    code: *const ModuleCode,
    mem: *mut u8,
    mem_len: usize,
    /// The instance's global values (`InstanceEntity::global_values`),
    /// which outlive this cache (the store never drops an instance).
    globals: *const *mut u64,
    /// Whether calls have tier-up work to do (`Tier::Auto`; see
    /// `runtime::tier_up`): read at every call, so kept here.
    tier_up: bool,
}

/// The interpreter's code of `module`, or an error if another tier made
/// it (which the engine check at instantiation rules out).
pub(super) fn module_code(module: &ModuleShared) -> Result<&ModuleCode, Stop> {
    module.code::<ModuleCode>().ok_or_else(|| {
        Stop::Error(Error::usage(
            "the interpreter was asked to run a module another tier compiled",
        ))
    })
}

impl InstanceCache {
    fn new(inner: &mut StoreInner, index: u32) -> Result<Self, Stop> {
        let instance = &inner.instances[index as usize];
        let module = &*instance.module;
        let code = module_code(module)? as *const ModuleCode;
        let mut cache = InstanceCache {
            index,
            module,
            code,
            mem: core::ptr::null_mut(),
            mem_len: 0,
            globals: instance.global_values.0.as_ptr(),
            tier_up: inner.tier_up.active(),
        };
        cache.refresh_memory(inner);
        Ok(cache)
    }

    /// Re-reads memory 0's base and length (after it may have grown).
    ///
    /// Out of line, and `OnMemory` calls it only after a `memory.grow`:
    /// inlined into `run` once more, unconditionally, for `OnMemory`, it
    /// cost sieve 35-45% of its time at the same instruction count
    /// (hyperfine, whole process), a code-layout effect in the dispatch
    /// loop. Measure the interpreter's hot loop after touching `run`.
    #[inline(never)]
    fn refresh_memory(&mut self, inner: &mut StoreInner) {
        let inst = &inner.instances[self.index as usize];
        if let Some(&m) = inst.memories.first() {
            let mem = &mut inner.memories[m as usize];
            self.mem = mem.base();
            self.mem_len = mem.len();
        } else {
            self.mem = core::ptr::null_mut();
            self.mem_len = 0;
        }
    }

    /// The code of defined function `def` of the running instance's
    /// module, translating it on first use.
    #[inline(always)]
    fn compiled(&self, def: u32) -> Result<&CompiledFunc, CompileError> {
        // SAFETY: the code is kept alive by the instance's module, which
        // the store never drops while it lives, and the store is borrowed
        // for the whole execution.
        let code = unsafe { &*self.code };
        match code.translated(def) {
            Some(f) => Ok(f),
            None => self.translate(def),
        }
    }

    /// Translates defined function `def` (its first call).
    #[cold]
    #[inline(never)]
    fn translate(&self, def: u32) -> Result<&CompiledFunc, CompileError> {
        // SAFETY: as in `compiled`, for the module too.
        let (module, code) = unsafe { (&*self.module, &*self.code) };
        code.get(&module.info, &module.bytes, def)
    }
}

use crate::error::MAX_BACKTRACE;

/// Builds the Wasm backtrace: the innermost function, then each frame of
/// this activation, outward, up to [`MAX_BACKTRACE`] frames. Returns the
/// frames and how many more there were.
fn backtrace(
    inner: &StoreInner,
    func: *const CompiledFunc,
    instance: u32,
    entry_depth: usize,
) -> (Vec<FrameInfo>, usize) {
    let info_of = |func: *const CompiledFunc, instance: u32| {
        // SAFETY: as in `InstanceCache::module`: code lives as long as the
        // store's instances.
        let index = unsafe { (*func).func_index };
        let module = &inner.instances[instance as usize].module;
        let info = &module.info;
        FrameInfo {
            func_index: index,
            func_name: info.func_names.get(&module.bytes, index),
            module_name: info.module_name.clone(),
        }
    };
    let outer = &inner.stack.frames[entry_depth..];
    let mut out = Vec::new();
    out.push(info_of(func, instance));
    for frame in outer.iter().rev().take(MAX_BACKTRACE - 1) {
        out.push(info_of(frame.code.cast(), frame.instance));
    }
    let elided = (outer.len() + 1).saturating_sub(MAX_BACKTRACE);
    (out, elided)
}

/// Runs `func` of `instance`, whose frame starts at `base` with its
/// arguments in place and locals zeroed, until it returns to the host.
/// Its results are left at `base..`.
///
/// On return (normal or not) the frames this activation pushed are
/// popped. The common case, a call that returns, runs here with nothing
/// but `run`; whatever stops it goes to [`execute_stopped`].
#[inline]
pub(crate) fn execute(
    inner: &mut StoreInner,
    data: *mut (),
    instance: u32,
    func: &CompiledFunc,
    base: usize,
) -> Result<(), Error> {
    let entry = Entry {
        instance,
        func,
        ip: func.ops.as_ptr(),
        base,
        entry_base: base,
        entry_depth: inner.stack.frames.len(),
    };
    let mut func_ptr = entry.func;
    let stop = match InstanceCache::new(inner, instance) {
        Ok(mut cache) => match run(
            inner,
            data,
            &mut cache,
            &mut func_ptr,
            entry.ip,
            base,
            entry.entry_depth,
        ) {
            Ok(()) => {
                inner.stack.frames.truncate(entry.entry_depth);
                return Ok(());
            }
            Err(stop) => (stop, cache.index),
        },
        Err(stop) => (stop, instance),
    };
    execute_stopped(inner, data, entry, func_ptr, stop)
}

/// [`execute`] after `stop` (in instance `stop.1`, function `func_ptr`):
/// a throw unwinds to its handler and the execution goes on; anything
/// else ends it with its error.
#[cold]
#[inline(never)]
fn execute_stopped(
    inner: &mut StoreInner,
    data: *mut (),
    entry: Entry,
    mut func_ptr: *const CompiledFunc,
    stop: (Stop, u32),
) -> Result<(), Error> {
    let r = run_activation(inner, data, &entry, &mut func_ptr, Some(stop));
    match finish(inner, &entry, false, func_ptr, r)? {
        Outcome::Finished => Ok(()),
        // Only resumable executions suspend.
        Outcome::Suspended(suspension) => {
            drop(suspension);
            Err(Error::usage("a call suspended that cannot be resumed"))
        }
    }
}

/// Where an execution starts (or goes on): the running function, its
/// instance, the op and its frame, and the activation's first slot and
/// call-stack depth (the frames below belong to the host's callers).
pub(crate) struct Entry {
    pub instance: u32,
    pub func: *const CompiledFunc,
    pub ip: *const Op,
    pub base: usize,
    pub entry_base: usize,
    pub entry_depth: usize,
}

/// How an execution ended, if it did not fail.
pub(crate) enum Outcome {
    /// The entry function returned; its results are at the entry base.
    Finished,
    /// It ran out of fuel, or a host function failed, and can go on.
    Suspended(resume::Suspension),
}

/// Runs from `entry` until the entry function returns, or, if
/// `resumable`, until it runs out of fuel or a host function fails. Pops
/// the frames it pushed either way (a suspension keeps copies).
pub(crate) fn execute_from(
    inner: &mut StoreInner,
    data: *mut (),
    entry: Entry,
    resumable: bool,
) -> Result<Outcome, Error> {
    let mut func_ptr = entry.func;
    let r = run_activation(inner, data, &entry, &mut func_ptr, None);
    finish(inner, &entry, resumable, func_ptr, r)
}

/// Runs the activation from `entry`, or, with `pending`, goes on from
/// what stopped it, until it returns or stops with anything but a throw
/// that one of its frames catches: a throw unwinds to its handler and
/// runs on from its landing pad. `func_ptr` is kept at the running
/// function; the error carries the running instance.
fn run_activation(
    inner: &mut StoreInner,
    data: *mut (),
    entry: &Entry,
    func_ptr: &mut *const CompiledFunc,
    mut pending: Option<(Stop, u32)>,
) -> Result<(), (Stop, u32)> {
    let entry_depth = entry.entry_depth;
    let (mut instance, mut ip, mut base) = (entry.instance, entry.ip, entry.base);
    loop {
        let r = match pending.take() {
            Some(stop) => Err(stop),
            None => match InstanceCache::new(inner, instance) {
                Ok(mut cache) => run(inner, data, &mut cache, func_ptr, ip, base, entry_depth)
                    .map_err(|stop| (stop, cache.index)),
                Err(stop) => Err((stop, instance)),
            },
        };
        let Err((
            Stop::Throw {
                exn,
                at,
                base: at_base,
            },
            running,
        )) = r
        else {
            return r;
        };
        match throw::unwind(inner, exn, *func_ptr, running, at, at_base, entry_depth) {
            Some(caught) => {
                (instance, ip, base, *func_ptr) =
                    (caught.instance, caught.ip, caught.base, caught.func);
            }
            None => return Err((Stop::Error(inner.uncaught_exception(exn)), running)),
        }
    }
}

/// How the activation from `entry` ended with `result`, `func_ptr`
/// running: finished, suspended (if `resumable` and the stop allows it),
/// or failed with its error and backtrace. Pops the activation's frames
/// (a suspension keeps copies).
fn finish(
    inner: &mut StoreInner,
    entry: &Entry,
    resumable: bool,
    func_ptr: *const CompiledFunc,
    result: Result<(), (Stop, u32)>,
) -> Result<Outcome, Error> {
    let entry_depth = entry.entry_depth;
    let result = match result {
        Ok(()) => Ok(Outcome::Finished),
        Err((stop, running)) if resumable && resume::can_suspend(&stop) => Ok(Outcome::Suspended(
            resume::Suspension::capture(inner, entry, func_ptr, running, stop),
        )),
        Err((stop, running)) => {
            Err(stop.into_error(|| backtrace(inner, func_ptr, running, entry_depth)))
        }
    };
    inner.stack.frames.truncate(entry_depth);
    result
}

/// Where branch-table entry `entry` (a `Br`) jumps: `BrTable` goes there
/// in one dispatch, reading its entries as a table.
#[inline(always)]
fn table_target(entry: *const Op) -> *const Op {
    // SAFETY: the caller passes an entry of a branch table, an op of the
    // function.
    match unsafe { *entry } {
        // SAFETY: the translator computed the offset to land on an op of
        // the same function.
        Op::Br { offset } => unsafe { entry.offset(offset as isize) },
        // Not a `Br` (the translator's tables hold nothing else): run it.
        _ => entry,
    }
}

#[allow(clippy::too_many_arguments)]
fn run(
    inner: &mut StoreInner,
    data: *mut (),
    cache: &mut InstanceCache,
    func_ptr: &mut *const CompiledFunc,
    start: *const Op,
    mut base: usize,
    entry_depth: usize,
) -> Result<(), Stop> {
    // SAFETY (for every `unsafe` below unless it says otherwise): see the
    // module docs. `ip` always points into the current function's ops,
    // which end in a return or an unconditional branch, and branch offsets
    // were computed by the translator to land inside the same function.
    #[cfg(feature = "op-profile")]
    profile::break_sequence();
    // SAFETY: `func_ptr` is the entry function, alive as long as its
    // instance (see `InstanceCache::compiled`).
    let mut func: &CompiledFunc = unsafe { &**func_ptr };
    let mut ip: *const Op = start;
    // SAFETY: `enter_frame` made the value stack hold `base + num_slots`.
    let mut sp: *mut u64 = unsafe { inner.stack.values.as_mut_ptr().add(base) };

    // The slot accessors of `slots.rs`, inline: this loop's speed swings
    // with LLVM's code layout, and routing its handlers through the
    // shared accessors (the same instructions, by callgrind) made the C
    // kernels 5-12% slower in wall time. See docs/performance.md.
    macro_rules! get {
        ($s:expr) => {{
            debug_assert!(($s as usize) < func.num_slots as usize);
            // SAFETY: see `slots`: slot operands are inside the frame.
            unsafe { *sp.add($s as usize) }
        }};
    }
    macro_rules! set {
        ($s:expr, $v:expr) => {{
            let v: u64 = $v;
            debug_assert!(($s as usize) < func.num_slots as usize);
            // SAFETY: as in `get!`.
            unsafe { *sp.add($s as usize) = v }
        }};
    }
    macro_rules! branch {
        ($offset:expr) => {{
            // `ip` already points past the branch.
            // SAFETY: the translator computed the offset to land on an op
            // of the same function.
            ip = unsafe { ip.offset($offset as isize - 1) };
        }};
    }
    macro_rules! next_op {
        () => {
            ip
        };
    }
    // The typed readers and the shapes of `pure.rs`'s bodies, over
    // `get!`, `set!`, `branch!` and `next_op!`.
    shape_macros!($);
    macro_rules! load {
        ($dst:expr, $ptr:expr, $offset:expr, $n:literal, |$bytes:ident| $e:expr) => {{
            let $bytes: [u8; $n] = memory::load::<$n>(cache.mem, cache.mem_len, $ptr, $offset)?;
            set!($dst, $e)
        }};
    }
    macro_rules! store {
        ($ptr:expr, $offset:expr, $bytes:expr) => {{
            memory::store(cache.mem, cache.mem_len, $ptr, $offset, &$bytes)?
        }};
    }
    macro_rules! global_get {
        ($index:expr) => {{
            // SAFETY: the translator emits only the module's global
            // indices, below the length of `cache.globals`, whose pointers
            // point at live values (`InstanceCache::globals`).
            unsafe { **cache.globals.add($index as usize) }
        }};
    }
    macro_rules! global_set {
        ($index:expr, $v:expr) => {{
            let v: u64 = $v;
            // SAFETY: as in `global_get!`.
            unsafe { **cache.globals.add($index as usize) = v }
        }};
    }
    // Re-derives `sp` after the value stack may have moved.
    macro_rules! reload_sp {
        () => {
            // SAFETY: the current frame's slots are inside the value stack
            // (`enter_frame`), which may have moved, hence the reload.
            sp = unsafe { inner.stack.values.as_mut_ptr().add(base) };
        };
    }
    // Pops the frame after the callee wrote its results at `sp[0..]`.
    macro_rules! do_return {
        () => {{
            if inner.stack.frames.len() == entry_depth {
                *func_ptr = func;
                return Ok(());
            }
            let frame = match inner.stack.frames.pop() {
                Some(f) => f,
                None => return Ok(()),
            };
            inner.stack.depth -= 1;
            ip = frame.ret_ip.cast();
            base = frame.base;
            // SAFETY: see `runtime::Frame`: the interpreter pushed this
            // pointer to a `CompiledFunc` its instance keeps alive.
            func = unsafe { &*frame.code.cast::<CompiledFunc>() };
            *func_ptr = func;
            if frame.instance != cache.index {
                *cache = InstanceCache::new(inner, frame.instance)?;
            }
            reload_sp!();
        }};
    }
    // Enters `callee` of instance `callee_instance` with its frame at slot
    // `args` of the current one.
    macro_rules! do_call {
        ($callee:expr, $callee_instance:expr, $args:expr) => {{
            let callee: &CompiledFunc = $callee;
            let new_base = base + $args as usize;
            call::enter_frame(inner, callee, new_base)?;
            inner.stack.frames.push(Frame {
                ret_ip: ip.cast(),
                base,
                code: (func as *const CompiledFunc).cast(),
                instance: cache.index,
            });
            base = new_base;
            func = callee;
            *func_ptr = func;
            ip = callee.ops.as_ptr();
            if $callee_instance != cache.index {
                *cache = InstanceCache::new(inner, $callee_instance)?;
            }
            reload_sp!();
        }};
    }
    // Replaces the running function with `callee` of instance
    // `callee_instance`, its arguments moved from slot `args` to the
    // frame's base: the frame (and the caller's return point) is reused,
    // so a chain of tail calls runs in constant stack.
    macro_rules! do_tail_call {
        ($callee:expr, $callee_instance:expr, $args:expr) => {{
            let callee: &CompiledFunc = $callee;
            // Ascending copy: the destination never passes the source.
            for k in 0..callee.num_params as usize {
                set!(k, get!($args as usize + k));
            }
            call::reuse_frame(inner, callee, base)?;
            func = callee;
            *func_ptr = func;
            ip = callee.ops.as_ptr();
            if $callee_instance != cache.index {
                *cache = InstanceCache::new(inner, $callee_instance)?;
            }
            reload_sp!();
        }};
    }
    // Calls Wasm store function `f` in compiled code (`Tier::Auto`), with
    // arguments at slot `args`, which receives its results.
    macro_rules! call_upper {
        ($f:expr, $args:expr) => {{
            let f: u32 = $f;
            inner.stack.top = base + func.num_slots as usize;
            if let Err(stop) = call::call_upper(inner, data, f, base + $args as usize) {
                let store = inner.id.raw();
                return Err(Stop::from_host(stop, store, f, ip, base, $args as usize));
            }
            cache.refresh_memory(inner);
            reload_sp!();
        }};
    }
    // Calls store function `f` (any kind) with arguments at slot `args`.
    macro_rules! call_store_func {
        ($f:expr, $args:expr) => {{
            let f: u32 = $f;
            match &inner.funcs[f as usize] {
                FuncEntity::Wasm {
                    instance, index, ..
                } => {
                    let (callee_instance, index) = (*instance, *index);
                    if cache.tier_up && call::to_upper_index(inner, callee_instance, index) {
                        call_upper!(f, $args);
                    } else {
                        let callee = call::wasm_callee(inner, callee_instance, index)?;
                        // SAFETY: see `call::wasm_callee`.
                        do_call!(unsafe { &*callee }, callee_instance, $args);
                    }
                }
                FuncEntity::Host { .. } => {
                    inner.stack.top = base + func.num_slots as usize;
                    if let Err(stop) =
                        call::call_host(inner, data, f, Some(cache.index), base + $args as usize)
                    {
                        let store = inner.id.raw();
                        return Err(Stop::from_host(stop, store, f, ip, base, $args as usize));
                    }
                    cache.refresh_memory(inner);
                    reload_sp!();
                }
            }
        }};
    }
    // Tail-calls store function `f` with arguments at slot `args`: a Wasm
    // function takes over the frame; a host function is called in place,
    // and the return op after the tail call returns its results.
    macro_rules! tail_call_store_func {
        ($f:expr, $args:expr) => {{
            let f: u32 = $f;
            match &inner.funcs[f as usize] {
                FuncEntity::Wasm {
                    instance, index, ..
                } => {
                    let (callee_instance, index) = (*instance, *index);
                    if cache.tier_up && call::to_upper_index(inner, callee_instance, index) {
                        // The return op after the tail call returns the
                        // results, as for a host callee.
                        call_upper!(f, $args);
                    } else {
                        let callee = call::wasm_callee(inner, callee_instance, index)?;
                        // SAFETY: see `call::wasm_callee`.
                        do_tail_call!(unsafe { &*callee }, callee_instance, $args);
                    }
                }
                FuncEntity::Host { .. } => call_store_func!(f, $args),
            }
        }};
    }

    // The ops of `pure.rs` with this loop's meaning of its macros, then
    // the rest: one exhaustive match (no catch-all, so dispatch needs no
    // range check).
    macro_rules! dispatch {
        ($op:expr; { $($rest:tt)* } $( $kind:ident $({ $($f:ident),* })? => $body:block )*) => {
            match $op {
                $( Op::$kind $({ $($f),* })? => $body )*
                $($rest)*
            }
        };
    }
    macro_rules! trap {
        ($code:ident) => {
            return Err(TrapCode::$code.into())
        };
    }
    macro_rules! try_op {
        ($e:expr) => {
            $e?
        };
    }
    macro_rules! table_branch {
        ($n:expr) => {{
            // SAFETY: `pure.rs` passes `n <= len` of the `BrTable` just
            // run, whose `len + 1` entries follow it (`ip` points at the
            // first).
            let entry = unsafe { ip.add($n as usize) };
            ip = table_target(entry);
        }};
    }
    // Checks between charges bound how far below zero the fuel can go
    // (one function body's segments), so this cannot overflow.
    macro_rules! charge_fuel {
        ($amount:expr) => {
            inner.vm.ctx.fuel -= $amount as i64
        };
    }
    macro_rules! check_epoch {
        () => {
            if inner.engine.epoch.load(Ordering::Relaxed) >= inner.vm.ctx.epoch_deadline {
                return Err(TrapCode::Interrupt.into());
            }
        };
    }
    // `Tier::Auto`, at a loop's head: every `OSR_INTERVAL` iterations, a
    // look at tier-up, which may run the rest of the function in compiled
    // code (then this frame returns its results).
    macro_rules! osr_point {
        ($ordinal:expr) => {{
            let ctx = &mut *inner.vm.ctx;
            if ctx.osr_countdown > 0 {
                ctx.osr_countdown -= 1;
            } else {
                ctx.osr_countdown = i64::from(crate::runtime::tier_up::OSR_INTERVAL);
                if cache.tier_up {
                    inner.stack.top = base + func.num_slots as usize;
                    match call::osr(inner, data, cache.index, func, $ordinal, base) {
                        Ok(false) => {}
                        Ok(true) => {
                            // Compiled code may have grown memory 0.
                            cache.refresh_memory(inner);
                            do_return!();
                        }
                        Err(stop) => {
                            let store = inner.id.raw();
                            return Err(Stop::from_host(stop, store, 0, ip, base, 0));
                        }
                    }
                }
            }
        }};
    }

    loop {
        // The pure ops run in the threaded executor, which comes back
        // with the next op that is not pure or that stops.
        #[cfg(all(petrel_threaded, not(debug_assertions)))]
        {
            let ctx: *mut crate::runtime::vm::VMStoreContext = &mut *inner.vm.ctx;
            // Set at every entry: a host call may have run another
            // instance's code in between.
            // SAFETY: `ctx` points at the store's context, which nothing
            // else touches while this loop runs.
            unsafe { (*ctx).interp_globals = cache.globals };
            // SAFETY: the contract of `threaded::dispatch` is this loop's (see
            // the module docs); memory 0's cache is fresh, as for the
            // loop's own loads and stores.
            ip = unsafe { threaded::dispatch(ip, sp, cache.mem, cache.mem_len, ctx) };
        }
        // SAFETY: see above.
        // Match on the op in place: copying the whole 12-byte op out first
        // costs more than the handlers of most ops.
        // SAFETY: `ip` points into the function's ops (see above).
        let op: &Op = unsafe { &*ip };
        #[cfg(feature = "op-profile")]
        profile::record(op);
        // SAFETY: every op is followed by another one (the ops end in a
        // return or an unconditional branch), or this one leaves.
        ip = unsafe { ip.add(1) };
        // Here, where `op` is in scope: a charge that the fuel left
        // cannot pay stops at this op.
        macro_rules! check_fuel {
            ($amount:expr) => {{
                let ctx = &mut *inner.vm.ctx;
                let left = ctx.fuel - $amount as i64;
                if left < 0 {
                    return Err(Stop::OutOfFuel { ip: op, base });
                }
                ctx.fuel = left;
            }};
        }
        pure_ops!(dispatch! { *op; {
                Op::GlobalGet2 { dst, index } => {
                    let g = inner.instances[cache.index as usize].globals[index as usize];
                    let [lo, hi] = *inner.globals[g as usize].value;
                    set!(dst, lo);
                    set!(dst as usize + 1, hi);
                }
                Op::GlobalSet2 { src, index } => {
                    let g = inner.instances[cache.index as usize].globals[index as usize];
                    *inner.globals[g as usize].value = [get!(src), get!(src as usize + 1)];
                }






                Op::MemorySize { dst } => {
                    set!(dst, (cache.mem_len / crate::runtime::PAGE_SIZE) as u64)
                }
                Op::MemoryGrow { dst, delta } => {
                    let r = bulk::memory_grow(inner, data, cache.index, i32!(delta));
                    cache.refresh_memory(inner);
                    set!(dst, r? as u64)
                }
                Op::MemoryFill { dst, val, len } => {
                    bulk::memory_fill(inner, cache.index, i32!(dst), get!(val) as u8, i32!(len))?
                }
                Op::MemoryCopy { dst, src, len } => {
                    bulk::memory_copy(inner, cache.index, i32!(dst), i32!(src), i32!(len))?
                }
                Op::MemoryInit { dst, src, len } => {
                    let seg = slots::aux(ip).0;
                    // SAFETY: past the `Aux` this op reads, still in the function.
                    ip = unsafe { ip.add(1) };
                    bulk::memory_init(inner, cache.index, seg, i32!(dst), i32!(src), i32!(len))?
                }
                Op::DataDrop { index } => {
                    inner.instances[cache.index as usize].datas[index as usize] = 0..0;
                }
                Op::TableGet { dst, index, table } => {
                    set!(
                        dst,
                        bulk::table_get(inner, cache.index, table, i32!(index))?
                    )
                }
                Op::TableSet {
                    index,
                    value,
                    table,
                } => bulk::table_set(inner, cache.index, table, i32!(index), get!(value))?,
                Op::TableSize { dst, table } => set!(dst, bulk::table_size(inner, cache.index, table)),
                Op::TableGrow { dst, init, delta } => {
                    let table = slots::aux(ip).0;
                    // SAFETY: past the `Aux` this op reads, still in the function.
                    ip = unsafe { ip.add(1) };
                    let r = bulk::table_grow(inner, data, cache.index, table, get!(init), i32!(delta));
                    set!(dst, r? as u64)
                }
                Op::TableFill { dst, val, len } => {
                    let table = slots::aux(ip).0;
                    // SAFETY: past the `Aux` this op reads, still in the function.
                    ip = unsafe { ip.add(1) };
                    bulk::table_fill(inner, cache.index, table, i32!(dst), get!(val), i32!(len))?
                }
                Op::TableCopy { dst, src, len } => {
                    let (dt, st) = slots::aux(ip);
                    // SAFETY: past the `Aux` this op reads, still in the function.
                    ip = unsafe { ip.add(1) };
                    bulk::table_copy(inner, cache.index, dt, st, i32!(dst), i32!(src), i32!(len))?
                }
                Op::TableInit { dst, src, len } => {
                    let (table, seg) = slots::aux(ip);
                    // SAFETY: past the `Aux` this op reads, still in the function.
                    ip = unsafe { ip.add(1) };
                    bulk::table_init(
                        inner,
                        cache.index,
                        table,
                        seg,
                        i32!(dst),
                        i32!(src),
                        i32!(len),
                    )?
                }
                Op::ElemDrop { index } => {
                    inner.instances[cache.index as usize].elems[index as usize] =
                        alloc::boxed::Box::new([]);
                }
                Op::RefFunc { dst, func: f } => {
                    let f = inner.instances[cache.index as usize].funcs[f as usize];
                    set!(dst, f as u64 + 1)
                }

                Op::Aux { .. } => {}

                Op::Return => do_return!(),
                Op::Return1 { src } => {
                    set!(0u16, get!(src));
                    do_return!()
                }
                Op::ReturnN { start, count } => {
                    // Ascending copy: the destination never passes the source.
                    for k in 0..count as usize {
                        set!(k, get!(start as usize + k));
                    }
                    do_return!()
                }
                Op::CallInternal { args, def } => {
                    if cache.tier_up && call::to_upper(inner, cache.index, def) {
                        call_upper!(call::store_func(inner, cache.index, def), args);
                    } else {
                        let callee = cache.compiled(def).map_err(|e| Stop::Error(e.into()))?;
                        // SAFETY: as in `InstanceCache::module`; the
                        // reference outlives this activation.
                        let callee: &CompiledFunc =
                            unsafe { &*(callee as *const CompiledFunc) };
                        let inst = cache.index;
                        do_call!(callee, inst, args);
                    }
                }
                Op::CallImported { args, func: f } => {
                    let f = inner.instances[cache.index as usize].funcs[f as usize];
                    call_store_func!(f, args);
                }
                Op::CallIndirect { args, index, ty } => {
                    let table = slots::aux(ip).0;
                    // SAFETY: past the `Aux` this op reads, still in the function.
                    ip = unsafe { ip.add(1) };
                    let f = call::indirect_target(inner, cache.index, table, ty, i32!(index))?;
                    call_store_func!(f, args);
                }
                Op::ReturnCallInternal { args, def } => {
                    if cache.tier_up && call::to_upper(inner, cache.index, def) {
                        // The return op after the tail call returns the
                        // results.
                        call_upper!(call::store_func(inner, cache.index, def), args);
                    } else {
                        let callee = cache.compiled(def).map_err(|e| Stop::Error(e.into()))?;
                        // SAFETY: as for `CallInternal`.
                        let callee: &CompiledFunc =
                            unsafe { &*(callee as *const CompiledFunc) };
                        let inst = cache.index;
                        do_tail_call!(callee, inst, args);
                    }
                }
                Op::ReturnCallImported { args, func: f } => {
                    let f = inner.instances[cache.index as usize].funcs[f as usize];
                    tail_call_store_func!(f, args);
                }
                Op::ReturnCallIndirect { args, index, ty } => {
                    let table = slots::aux(ip).0;
                    // SAFETY: past the `Aux` this op reads, still in the function.
                    ip = unsafe { ip.add(1) };
                    let f = call::indirect_target(inner, cache.index, table, ty, i32!(index))?;
                    tail_call_store_func!(f, args);
                }
                Op::CallRef { args, func: f } => {
                    let f = get!(f);
                    if f == 0 {
                        return Err(TrapCode::NullReference.into());
                    }
                    call_store_func!((f - 1) as u32, args);
                }
                Op::ReturnCallRef { args, func: f } => {
                    let f = get!(f);
                    if f == 0 {
                        return Err(TrapCode::NullReference.into());
                    }
                    tail_call_store_func!((f - 1) as u32, args);
                }
                Op::Throw { args, tag } => {
                    let at: *const Op = op;
                    // SAFETY: the payload is in the frame's slots `args..`.
                    return Err(unsafe {
                        throw::throw_new(inner, cache.index, tag, sp.add(args as usize), at, base)
                    });
                }
                Op::ThrowRef { src } => return Err(throw::throw_ref(get!(src), op, base)),
                // Everything on `v128` values, out of line. The match stays
                // exhaustive (no catch-all), so dispatch needs no range check.
                simd_ops!() => {
                    let at: *const Op = op;
                    // SAFETY: the contract of `simd::execute` is this loop's.
                    ip = unsafe { simd::execute(at, sp, cache.mem, cache.mem_len, &func.consts)? };
                }
                // Wide arithmetic, out of line.
                Op::I64Add128 { .. }
                | Op::I64Sub128 { .. }
                | Op::I64MulWideS { .. }
                | Op::I64MulWideU { .. } => {
                    // SAFETY: the contract of `wide::execute` is this loop's.
                    unsafe { wide::execute(op, sp) }
                }
                // The threads proposal, out of line.
                Op::Atomic { .. } => {
                    let at: *const Op = op;
                    // SAFETY: the contract of `atomic::execute` is this loop's;
                    // `ip` points at the op's `Aux`.
                    unsafe { atomic::execute(inner, cache.index, &*at, ip, sp)? };
                    // SAFETY: past the `Aux` this op reads, still in the function.
                    ip = unsafe { ip.add(1) };
                }
                Op::AtomicFence => atomic::fence_op(),
                // Every op on a memory other than memory 0, out of line.
                Op::OnMemory { .. } => {
                    let at: *const Op = op;
                    // SAFETY: the contract of `other_memory::execute` is this
                    // loop's.
                    let (next, grew) = unsafe {
                        other_memory::execute(inner, data, cache.index, at, sp, &func.consts)?
                    };
                    ip = next;
                    // A `memory.grow` may have grown memory 0 too (imported
                    // twice).
                    if grew {
                        cache.refresh_memory(inner);
                    }
                }
                // Checks between charges bound how far below zero the fuel
                // can go (one function body's segments), so this cannot
                // overflow.
        }})
    }
}
