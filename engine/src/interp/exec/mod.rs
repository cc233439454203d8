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
mod resume;
mod simd;
mod slots;
mod stop;
mod throw;
mod wide;

use super::bytecode::{simd_ops, Op};
use super::{CompiledFunc, ModuleCode};
use crate::error::{CompileError, Error, FrameInfo, TrapCode};
use crate::runtime::{bulk, Frame, FuncEntity, ModuleShared, StoreInner};
use crate::semantics::scalar as num;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

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
        let module = &*inner.instances[index as usize].module;
        let code = module_code(module)? as *const ModuleCode;
        let mut cache = InstanceCache {
            index,
            module,
            code,
            mem: core::ptr::null_mut(),
            mem_len: 0,
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
    macro_rules! i32 {
        ($s:expr) => {
            (get!($s) as u32)
        };
    }
    macro_rules! f32 {
        ($s:expr) => {
            f32::from_bits(get!($s) as u32)
        };
    }
    macro_rules! f64 {
        ($s:expr) => {
            f64::from_bits(get!($s))
        };
    }
    macro_rules! branch {
        ($offset:expr) => {{
            // `ip` already points past the branch.
            // SAFETY: the translator computed the offset to land on an op
            // of the same function.
            ip = unsafe { ip.offset($offset as isize - 1) };
        }};
    }
    macro_rules! bin32 {
        ($dst:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $e:expr) => {{
            let $x = i32!($a);
            let $y = i32!($b);
            set!($dst, ($e) as u32 as u64)
        }};
    }
    macro_rules! imm32 {
        ($dst:expr, $a:expr, $imm:expr, |$x:ident, $y:ident| $e:expr) => {{
            let $x = i32!($a);
            let $y = $imm as u32;
            set!($dst, ($e) as u32 as u64)
        }};
    }
    macro_rules! bin64 {
        ($dst:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $e:expr) => {{
            let $x = get!($a);
            let $y = get!($b);
            set!($dst, ($e) as u64)
        }};
    }
    macro_rules! imm64 {
        ($dst:expr, $a:expr, $imm:expr, |$x:ident, $y:ident| $e:expr) => {{
            let $x = get!($a);
            let $y = $imm as i64 as u64;
            set!($dst, ($e) as u64)
        }};
    }
    macro_rules! f32op {
        ($dst:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $e:expr) => {{
            let $x = f32!($a);
            let $y = f32!($b);
            let r: f32 = $e;
            set!($dst, r.to_bits() as u64)
        }};
    }
    macro_rules! f32cmp {
        ($dst:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $e:expr) => {{
            let $x = f32!($a);
            let $y = f32!($b);
            set!($dst, ($e) as u64)
        }};
    }
    macro_rules! f32un {
        ($dst:expr, $a:expr, $f:expr) => {{
            let r: f32 = $f(f32!($a));
            set!($dst, r.to_bits() as u64)
        }};
    }
    macro_rules! f64op {
        ($dst:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $e:expr) => {{
            let $x = f64!($a);
            let $y = f64!($b);
            let r: f64 = $e;
            set!($dst, r.to_bits())
        }};
    }
    macro_rules! f64cmp {
        ($dst:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $e:expr) => {{
            let $x = f64!($a);
            let $y = f64!($b);
            set!($dst, ($e) as u64)
        }};
    }
    macro_rules! f64un {
        ($dst:expr, $a:expr, $f:expr) => {{
            let r: f64 = $f(f64!($a));
            set!($dst, r.to_bits())
        }};
    }
    macro_rules! conv {
        ($dst:expr, $v:expr) => {
            set!($dst, $v)
        };
    }
    macro_rules! load {
        ($dst:expr, $ptr:expr, $offset:expr, $n:literal, |$bytes:ident| $e:expr) => {{
            let $bytes: [u8; $n] =
                memory::load::<$n>(cache.mem, cache.mem_len, i32!($ptr), $offset)?;
            set!($dst, $e)
        }};
    }
    macro_rules! store {
        ($ptr:expr, $offset:expr, $bytes:expr) => {{
            memory::store(cache.mem, cache.mem_len, i32!($ptr), $offset, &$bytes)?
        }};
    }
    macro_rules! br_cmp {
        ($a:expr, $b:expr, $offset:expr, |$x:ident, $y:ident| $cond:expr) => {{
            let $x = get!($a);
            let $y = get!($b);
            if $cond {
                branch!($offset)
            }
        }};
    }
    macro_rules! br_imm {
        ($a:expr, $imm:expr, $offset:expr, |$x:ident, $y:ident| $cond:expr) => {{
            let $x = i32!($a);
            let $y = $imm as i32 as u32;
            if $cond {
                branch!($offset)
            }
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
    // Calls store function `f` (any kind) with arguments at slot `args`.
    macro_rules! call_store_func {
        ($f:expr, $args:expr) => {{
            let f: u32 = $f;
            match &inner.funcs[f as usize] {
                FuncEntity::Wasm {
                    instance, index, ..
                } => {
                    let (callee_instance, index) = (*instance, *index);
                    let callee = call::wasm_callee(inner, callee_instance, index)?;
                    // SAFETY: see `call::wasm_callee`.
                    do_call!(unsafe { &*callee }, callee_instance, $args);
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
                    let callee = call::wasm_callee(inner, callee_instance, index)?;
                    // SAFETY: see `call::wasm_callee`.
                    do_tail_call!(unsafe { &*callee }, callee_instance, $args);
                }
                FuncEntity::Host { .. } => call_store_func!(f, $args),
            }
        }};
    }

    loop {
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
        match *op {
            Op::Copy { dst, src } => set!(dst, get!(src)),
            Op::Const32 { dst, value } => set!(dst, value as u64),
            Op::Const64S { dst, value } => set!(dst, value as i64 as u64),
            Op::ConstPool { dst, index } => {
                let v = func.consts.get(index as usize).copied().unwrap_or(0);
                set!(dst, v)
            }
            Op::Select { dst, cond, a, b } => {
                let v = if i32!(cond) != 0 { get!(a) } else { get!(b) };
                set!(dst, v)
            }
            Op::GlobalGet { dst, index } => {
                let g = inner.instances[cache.index as usize].globals[index as usize];
                set!(dst, inner.globals[g as usize].value[0])
            }
            Op::GlobalSet { src, index } => {
                let g = inner.instances[cache.index as usize].globals[index as usize];
                inner.globals[g as usize].value[0] = get!(src);
            }
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

            Op::I32Eqz { dst, a } => set!(dst, (i32!(a) == 0) as u64),
            Op::I32Eq { dst, a, b } => bin32!(dst, a, b, |x, y| x == y),
            Op::I32Ne { dst, a, b } => bin32!(dst, a, b, |x, y| x != y),
            Op::I32LtS { dst, a, b } => bin32!(dst, a, b, |x, y| (x as i32) < (y as i32)),
            Op::I32LtU { dst, a, b } => bin32!(dst, a, b, |x, y| x < y),
            Op::I32GtS { dst, a, b } => bin32!(dst, a, b, |x, y| (x as i32) > (y as i32)),
            Op::I32GtU { dst, a, b } => bin32!(dst, a, b, |x, y| x > y),
            Op::I32LeS { dst, a, b } => bin32!(dst, a, b, |x, y| (x as i32) <= (y as i32)),
            Op::I32LeU { dst, a, b } => bin32!(dst, a, b, |x, y| x <= y),
            Op::I32GeS { dst, a, b } => bin32!(dst, a, b, |x, y| (x as i32) >= (y as i32)),
            Op::I32GeU { dst, a, b } => bin32!(dst, a, b, |x, y| x >= y),
            Op::I32Clz { dst, a } => set!(dst, i32!(a).leading_zeros() as u64),
            Op::I32Ctz { dst, a } => set!(dst, i32!(a).trailing_zeros() as u64),
            Op::I32Popcnt { dst, a } => set!(dst, i32!(a).count_ones() as u64),
            Op::I32Add { dst, a, b } => bin32!(dst, a, b, |x, y| x.wrapping_add(y)),
            Op::I32Sub { dst, a, b } => bin32!(dst, a, b, |x, y| x.wrapping_sub(y)),
            Op::I32Mul { dst, a, b } => bin32!(dst, a, b, |x, y| x.wrapping_mul(y)),
            Op::I32DivS { dst, a, b } => {
                bin32!(dst, a, b, |x, y| num::i32_div_s(x as i32, y as i32)?)
            }
            Op::I32DivU { dst, a, b } => bin32!(dst, a, b, |x, y| num::i32_div_u(x, y)?),
            Op::I32RemS { dst, a, b } => {
                bin32!(dst, a, b, |x, y| num::i32_rem_s(x as i32, y as i32)?)
            }
            Op::I32RemU { dst, a, b } => bin32!(dst, a, b, |x, y| num::i32_rem_u(x, y)?),
            Op::I32And { dst, a, b } => bin32!(dst, a, b, |x, y| x & y),
            Op::I32Or { dst, a, b } => bin32!(dst, a, b, |x, y| x | y),
            Op::I32Xor { dst, a, b } => bin32!(dst, a, b, |x, y| x ^ y),
            Op::I32Shl { dst, a, b } => bin32!(dst, a, b, |x, y| x.wrapping_shl(y)),
            Op::I32ShrS { dst, a, b } => bin32!(dst, a, b, |x, y| (x as i32).wrapping_shr(y)),
            Op::I32ShrU { dst, a, b } => bin32!(dst, a, b, |x, y| x.wrapping_shr(y)),
            Op::I32Rotl { dst, a, b } => bin32!(dst, a, b, |x, y| x.rotate_left(y)),
            Op::I32Rotr { dst, a, b } => bin32!(dst, a, b, |x, y| x.rotate_right(y)),
            Op::I32EqImm { dst, a, imm } => imm32!(dst, a, imm, |x, y| x == y),
            Op::I32NeImm { dst, a, imm } => imm32!(dst, a, imm, |x, y| x != y),
            Op::I32LtSImm { dst, a, imm } => imm32!(dst, a, imm, |x, y| (x as i32) < (y as i32)),
            Op::I32LtUImm { dst, a, imm } => imm32!(dst, a, imm, |x, y| x < y),
            Op::I32GtSImm { dst, a, imm } => imm32!(dst, a, imm, |x, y| (x as i32) > (y as i32)),
            Op::I32GtUImm { dst, a, imm } => imm32!(dst, a, imm, |x, y| x > y),
            Op::I32LeSImm { dst, a, imm } => {
                imm32!(dst, a, imm, |x, y| (x as i32) <= (y as i32))
            }
            Op::I32LeUImm { dst, a, imm } => imm32!(dst, a, imm, |x, y| x <= y),
            Op::I32GeSImm { dst, a, imm } => {
                imm32!(dst, a, imm, |x, y| (x as i32) >= (y as i32))
            }
            Op::I32GeUImm { dst, a, imm } => imm32!(dst, a, imm, |x, y| x >= y),
            Op::I32AddImm { dst, a, imm } => imm32!(dst, a, imm, |x, y| x.wrapping_add(y)),
            Op::I32MulImm { dst, a, imm } => imm32!(dst, a, imm, |x, y| x.wrapping_mul(y)),
            Op::I32AndImm { dst, a, imm } => imm32!(dst, a, imm, |x, y| x & y),
            Op::I32OrImm { dst, a, imm } => imm32!(dst, a, imm, |x, y| x | y),
            Op::I32XorImm { dst, a, imm } => imm32!(dst, a, imm, |x, y| x ^ y),
            Op::I32ShlImm { dst, a, imm } => imm32!(dst, a, imm, |x, y| x.wrapping_shl(y)),
            Op::I32ShrSImm { dst, a, imm } => {
                imm32!(dst, a, imm, |x, y| (x as i32).wrapping_shr(y))
            }
            Op::I32ShrUImm { dst, a, imm } => imm32!(dst, a, imm, |x, y| x.wrapping_shr(y)),
            Op::I32RotlImm { dst, a, imm } => imm32!(dst, a, imm, |x, y| x.rotate_left(y)),
            Op::I32RotrImm { dst, a, imm } => imm32!(dst, a, imm, |x, y| x.rotate_right(y)),

            Op::I64Eqz { dst, a } => set!(dst, (get!(a) == 0) as u64),
            Op::I64Eq { dst, a, b } => bin64!(dst, a, b, |x, y| x == y),
            Op::I64Ne { dst, a, b } => bin64!(dst, a, b, |x, y| x != y),
            Op::I64LtS { dst, a, b } => bin64!(dst, a, b, |x, y| (x as i64) < (y as i64)),
            Op::I64LtU { dst, a, b } => bin64!(dst, a, b, |x, y| x < y),
            Op::I64GtS { dst, a, b } => bin64!(dst, a, b, |x, y| (x as i64) > (y as i64)),
            Op::I64GtU { dst, a, b } => bin64!(dst, a, b, |x, y| x > y),
            Op::I64LeS { dst, a, b } => bin64!(dst, a, b, |x, y| (x as i64) <= (y as i64)),
            Op::I64LeU { dst, a, b } => bin64!(dst, a, b, |x, y| x <= y),
            Op::I64GeS { dst, a, b } => bin64!(dst, a, b, |x, y| (x as i64) >= (y as i64)),
            Op::I64GeU { dst, a, b } => bin64!(dst, a, b, |x, y| x >= y),
            Op::I64Clz { dst, a } => set!(dst, get!(a).leading_zeros() as u64),
            Op::I64Ctz { dst, a } => set!(dst, get!(a).trailing_zeros() as u64),
            Op::I64Popcnt { dst, a } => set!(dst, get!(a).count_ones() as u64),
            Op::I64Add { dst, a, b } => bin64!(dst, a, b, |x, y| x.wrapping_add(y)),
            Op::I64Sub { dst, a, b } => bin64!(dst, a, b, |x, y| x.wrapping_sub(y)),
            Op::I64Mul { dst, a, b } => bin64!(dst, a, b, |x, y| x.wrapping_mul(y)),
            Op::I64DivS { dst, a, b } => {
                bin64!(dst, a, b, |x, y| num::i64_div_s(x as i64, y as i64)?)
            }
            Op::I64DivU { dst, a, b } => bin64!(dst, a, b, |x, y| num::i64_div_u(x, y)?),
            Op::I64RemS { dst, a, b } => {
                bin64!(dst, a, b, |x, y| num::i64_rem_s(x as i64, y as i64)?)
            }
            Op::I64RemU { dst, a, b } => bin64!(dst, a, b, |x, y| num::i64_rem_u(x, y)?),
            Op::I64And { dst, a, b } => bin64!(dst, a, b, |x, y| x & y),
            Op::I64Or { dst, a, b } => bin64!(dst, a, b, |x, y| x | y),
            Op::I64Xor { dst, a, b } => bin64!(dst, a, b, |x, y| x ^ y),
            Op::I64Shl { dst, a, b } => bin64!(dst, a, b, |x, y| x.wrapping_shl(y as u32)),
            Op::I64ShrS { dst, a, b } => {
                bin64!(dst, a, b, |x, y| (x as i64).wrapping_shr(y as u32))
            }
            Op::I64ShrU { dst, a, b } => bin64!(dst, a, b, |x, y| x.wrapping_shr(y as u32)),
            Op::I64Rotl { dst, a, b } => bin64!(dst, a, b, |x, y| x.rotate_left((y & 63) as u32)),
            Op::I64Rotr { dst, a, b } => {
                bin64!(dst, a, b, |x, y| x.rotate_right((y & 63) as u32))
            }
            Op::I64EqImm { dst, a, imm } => imm64!(dst, a, imm, |x, y| x == y),
            Op::I64NeImm { dst, a, imm } => imm64!(dst, a, imm, |x, y| x != y),
            Op::I64LtSImm { dst, a, imm } => imm64!(dst, a, imm, |x, y| (x as i64) < (y as i64)),
            Op::I64LtUImm { dst, a, imm } => imm64!(dst, a, imm, |x, y| x < y),
            Op::I64GtSImm { dst, a, imm } => imm64!(dst, a, imm, |x, y| (x as i64) > (y as i64)),
            Op::I64GtUImm { dst, a, imm } => imm64!(dst, a, imm, |x, y| x > y),
            Op::I64LeSImm { dst, a, imm } => {
                imm64!(dst, a, imm, |x, y| (x as i64) <= (y as i64))
            }
            Op::I64LeUImm { dst, a, imm } => imm64!(dst, a, imm, |x, y| x <= y),
            Op::I64GeSImm { dst, a, imm } => {
                imm64!(dst, a, imm, |x, y| (x as i64) >= (y as i64))
            }
            Op::I64GeUImm { dst, a, imm } => imm64!(dst, a, imm, |x, y| x >= y),
            Op::I64AddImm { dst, a, imm } => imm64!(dst, a, imm, |x, y| x.wrapping_add(y)),
            Op::I64MulImm { dst, a, imm } => imm64!(dst, a, imm, |x, y| x.wrapping_mul(y)),
            Op::I64AndImm { dst, a, imm } => imm64!(dst, a, imm, |x, y| x & y),
            Op::I64OrImm { dst, a, imm } => imm64!(dst, a, imm, |x, y| x | y),
            Op::I64XorImm { dst, a, imm } => imm64!(dst, a, imm, |x, y| x ^ y),
            Op::I64ShlImm { dst, a, imm } => {
                imm64!(dst, a, imm, |x, y| x.wrapping_shl(y as u32))
            }
            Op::I64ShrSImm { dst, a, imm } => {
                imm64!(dst, a, imm, |x, y| (x as i64).wrapping_shr(y as u32))
            }
            Op::I64ShrUImm { dst, a, imm } => {
                imm64!(dst, a, imm, |x, y| x.wrapping_shr(y as u32))
            }
            Op::I64RotlImm { dst, a, imm } => {
                imm64!(dst, a, imm, |x, y| x.rotate_left((y & 63) as u32))
            }
            Op::I64RotrImm { dst, a, imm } => {
                imm64!(dst, a, imm, |x, y| x.rotate_right((y & 63) as u32))
            }

            Op::F32Eq { dst, a, b } => f32cmp!(dst, a, b, |x, y| x == y),
            Op::F32Ne { dst, a, b } => f32cmp!(dst, a, b, |x, y| x != y),
            Op::F32Lt { dst, a, b } => f32cmp!(dst, a, b, |x, y| x < y),
            Op::F32Gt { dst, a, b } => f32cmp!(dst, a, b, |x, y| x > y),
            Op::F32Le { dst, a, b } => f32cmp!(dst, a, b, |x, y| x <= y),
            Op::F32Ge { dst, a, b } => f32cmp!(dst, a, b, |x, y| x >= y),
            Op::F32Abs { dst, a } => f32un!(dst, a, num::f32_abs),
            Op::F32Neg { dst, a } => f32un!(dst, a, num::f32_neg),
            Op::F32Ceil { dst, a } => f32un!(dst, a, num::f32_ceil),
            Op::F32Floor { dst, a } => f32un!(dst, a, num::f32_floor),
            Op::F32Trunc { dst, a } => f32un!(dst, a, num::f32_trunc),
            Op::F32Nearest { dst, a } => f32un!(dst, a, num::f32_nearest),
            Op::F32Sqrt { dst, a } => f32un!(dst, a, num::f32_sqrt),
            Op::F32Add { dst, a, b } => f32op!(dst, a, b, |x, y| x + y),
            Op::F32Sub { dst, a, b } => f32op!(dst, a, b, |x, y| x - y),
            Op::F32Mul { dst, a, b } => f32op!(dst, a, b, |x, y| x * y),
            Op::F32Div { dst, a, b } => f32op!(dst, a, b, |x, y| x / y),
            Op::F32Min { dst, a, b } => f32op!(dst, a, b, |x, y| num::f32_min(x, y)),
            Op::F32Max { dst, a, b } => f32op!(dst, a, b, |x, y| num::f32_max(x, y)),
            Op::F32Copysign { dst, a, b } => f32op!(dst, a, b, |x, y| num::f32_copysign(x, y)),

            Op::F64Eq { dst, a, b } => f64cmp!(dst, a, b, |x, y| x == y),
            Op::F64Ne { dst, a, b } => f64cmp!(dst, a, b, |x, y| x != y),
            Op::F64Lt { dst, a, b } => f64cmp!(dst, a, b, |x, y| x < y),
            Op::F64Gt { dst, a, b } => f64cmp!(dst, a, b, |x, y| x > y),
            Op::F64Le { dst, a, b } => f64cmp!(dst, a, b, |x, y| x <= y),
            Op::F64Ge { dst, a, b } => f64cmp!(dst, a, b, |x, y| x >= y),
            Op::F64Abs { dst, a } => f64un!(dst, a, num::f64_abs),
            Op::F64Neg { dst, a } => f64un!(dst, a, num::f64_neg),
            Op::F64Ceil { dst, a } => f64un!(dst, a, num::f64_ceil),
            Op::F64Floor { dst, a } => f64un!(dst, a, num::f64_floor),
            Op::F64Trunc { dst, a } => f64un!(dst, a, num::f64_trunc),
            Op::F64Nearest { dst, a } => f64un!(dst, a, num::f64_nearest),
            Op::F64Sqrt { dst, a } => f64un!(dst, a, num::f64_sqrt),
            Op::F64Add { dst, a, b } => f64op!(dst, a, b, |x, y| x + y),
            Op::F64Sub { dst, a, b } => f64op!(dst, a, b, |x, y| x - y),
            Op::F64Mul { dst, a, b } => f64op!(dst, a, b, |x, y| x * y),
            Op::F64Div { dst, a, b } => f64op!(dst, a, b, |x, y| x / y),
            Op::F64Min { dst, a, b } => f64op!(dst, a, b, |x, y| num::f64_min(x, y)),
            Op::F64Max { dst, a, b } => f64op!(dst, a, b, |x, y| num::f64_max(x, y)),
            Op::F64Copysign { dst, a, b } => f64op!(dst, a, b, |x, y| num::f64_copysign(x, y)),

            Op::I32TruncF32S { dst, a } => conv!(dst, num::i32_trunc_f32_s(f32!(a))? as u32 as u64),
            Op::I32TruncF32U { dst, a } => conv!(dst, num::i32_trunc_f32_u(f32!(a))? as u64),
            Op::I32TruncF64S { dst, a } => conv!(dst, num::i32_trunc_f64_s(f64!(a))? as u32 as u64),
            Op::I32TruncF64U { dst, a } => conv!(dst, num::i32_trunc_f64_u(f64!(a))? as u64),
            Op::I64ExtendI32S { dst, a } => conv!(dst, i32!(a) as i32 as i64 as u64),
            Op::I64ExtendI32U { dst, a } => conv!(dst, i32!(a) as u64),
            Op::I64TruncF32S { dst, a } => conv!(dst, num::i64_trunc_f32_s(f32!(a))? as u64),
            Op::I64TruncF32U { dst, a } => conv!(dst, num::i64_trunc_f32_u(f32!(a))?),
            Op::I64TruncF64S { dst, a } => conv!(dst, num::i64_trunc_f64_s(f64!(a))? as u64),
            Op::I64TruncF64U { dst, a } => conv!(dst, num::i64_trunc_f64_u(f64!(a))?),
            Op::F32ConvertI32S { dst, a } => {
                conv!(dst, num::f32_convert_i32_s(i32!(a) as i32).to_bits() as u64)
            }
            Op::F32ConvertI32U { dst, a } => {
                conv!(dst, num::f32_convert_i32_u(i32!(a)).to_bits() as u64)
            }
            Op::F32ConvertI64S { dst, a } => {
                conv!(dst, num::f32_convert_i64_s(get!(a) as i64).to_bits() as u64)
            }
            Op::F32ConvertI64U { dst, a } => {
                conv!(dst, num::f32_convert_i64_u(get!(a)).to_bits() as u64)
            }
            Op::F32DemoteF64 { dst, a } => {
                conv!(dst, num::f32_demote_f64(f64!(a)).to_bits() as u64)
            }
            Op::F64ConvertI32S { dst, a } => {
                conv!(dst, num::f64_convert_i32_s(i32!(a) as i32).to_bits())
            }
            Op::F64ConvertI32U { dst, a } => conv!(dst, num::f64_convert_i32_u(i32!(a)).to_bits()),
            Op::F64ConvertI64S { dst, a } => {
                conv!(dst, num::f64_convert_i64_s(get!(a) as i64).to_bits())
            }
            Op::F64ConvertI64U { dst, a } => conv!(dst, num::f64_convert_i64_u(get!(a)).to_bits()),
            Op::F64PromoteF32 { dst, a } => conv!(dst, num::f64_promote_f32(f32!(a)).to_bits()),
            Op::I32Extend8S { dst, a } => conv!(dst, i32!(a) as i8 as i32 as u32 as u64),
            Op::I32Extend16S { dst, a } => conv!(dst, i32!(a) as i16 as i32 as u32 as u64),
            Op::I64Extend8S { dst, a } => conv!(dst, get!(a) as i8 as i64 as u64),
            Op::I64Extend16S { dst, a } => conv!(dst, get!(a) as i16 as i64 as u64),
            Op::I32TruncSatF32S { dst, a } => {
                conv!(dst, num::i32_trunc_sat_f32_s(f32!(a)) as u32 as u64)
            }
            Op::I32TruncSatF32U { dst, a } => conv!(dst, num::i32_trunc_sat_f32_u(f32!(a)) as u64),
            Op::I32TruncSatF64S { dst, a } => {
                conv!(dst, num::i32_trunc_sat_f64_s(f64!(a)) as u32 as u64)
            }
            Op::I32TruncSatF64U { dst, a } => conv!(dst, num::i32_trunc_sat_f64_u(f64!(a)) as u64),
            Op::I64TruncSatF32S { dst, a } => conv!(dst, num::i64_trunc_sat_f32_s(f32!(a)) as u64),
            Op::I64TruncSatF32U { dst, a } => conv!(dst, num::i64_trunc_sat_f32_u(f32!(a))),
            Op::I64TruncSatF64S { dst, a } => conv!(dst, num::i64_trunc_sat_f64_s(f64!(a)) as u64),
            Op::I64TruncSatF64U { dst, a } => conv!(dst, num::i64_trunc_sat_f64_u(f64!(a))),

            Op::Load8S { dst, ptr, offset } => {
                load!(dst, ptr, offset, 1, |b| i8::from_le_bytes(b) as i64 as u64)
            }
            Op::AddressHigh { dst, ptr, high } => {
                match get!(ptr).checked_add((high as u64) << 32) {
                    Some(address) => set!(dst, address),
                    None => return Err(TrapCode::MemoryOutOfBounds.into()),
                }
            }
            Op::ClampU32 { dst, a } => set!(dst, get!(a).min(u32::MAX as u64)),
            Op::Load8U { dst, ptr, offset } => load!(dst, ptr, offset, 1, |b| b[0] as u64),
            Op::Load16S { dst, ptr, offset } => {
                load!(dst, ptr, offset, 2, |b| i16::from_le_bytes(b) as i64 as u64)
            }
            Op::Load16U { dst, ptr, offset } => {
                load!(dst, ptr, offset, 2, |b| u16::from_le_bytes(b) as u64)
            }
            Op::Load32S { dst, ptr, offset } => {
                load!(dst, ptr, offset, 4, |b| i32::from_le_bytes(b) as i64 as u64)
            }
            Op::Load32U { dst, ptr, offset } => {
                load!(dst, ptr, offset, 4, |b| u32::from_le_bytes(b) as u64)
            }
            Op::Load64 { dst, ptr, offset } => {
                load!(dst, ptr, offset, 8, |b| u64::from_le_bytes(b))
            }
            Op::Store8 { ptr, src, offset } => store!(ptr, offset, [get!(src) as u8]),
            Op::Store16 { ptr, src, offset } => {
                store!(ptr, offset, (get!(src) as u16).to_le_bytes())
            }
            Op::Store32 { ptr, src, offset } => {
                store!(ptr, offset, (get!(src) as u32).to_le_bytes())
            }
            Op::Store64 { ptr, src, offset } => store!(ptr, offset, get!(src).to_le_bytes()),
            Op::Store8Imm { ptr, offset, value } => store!(ptr, offset, [value as u8]),
            Op::Store16Imm { ptr, offset, value } => {
                store!(ptr, offset, (value as u16).to_le_bytes())
            }
            Op::Store32Imm { ptr, offset, value } => store!(ptr, offset, value.to_le_bytes()),
            Op::Store64Imm { ptr, offset, value } => {
                store!(ptr, offset, (value as i64).to_le_bytes())
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
            Op::Unreachable => return Err(TrapCode::Unreachable.into()),
            Op::Br { offset } => branch!(offset),
            Op::BrIfNez { cond, offset } => {
                if i32!(cond) != 0 {
                    branch!(offset)
                }
            }
            Op::BrIfEqz { cond, offset } => {
                if i32!(cond) == 0 {
                    branch!(offset)
                }
            }
            Op::BrTable { index, len } => {
                let i = i32!(index).min(len);
                // Land on entry `i`, a `Br`, which runs next.
                // SAFETY: the table's `len` entries and its default follow
                // it, and `i <= len`.
                ip = unsafe { ip.add(i as usize) };
            }
            Op::BrI32Eq { a, b, offset } => br_cmp!(a, b, offset, |x, y| x as u32 == y as u32),
            Op::BrI32Ne { a, b, offset } => br_cmp!(a, b, offset, |x, y| x as u32 != y as u32),
            Op::BrI32LtS { a, b, offset } => br_cmp!(a, b, offset, |x, y| (x as i32) < (y as i32)),
            Op::BrI32LtU { a, b, offset } => br_cmp!(a, b, offset, |x, y| (x as u32) < (y as u32)),
            Op::BrI32GtS { a, b, offset } => br_cmp!(a, b, offset, |x, y| (x as i32) > (y as i32)),
            Op::BrI32GtU { a, b, offset } => br_cmp!(a, b, offset, |x, y| (x as u32) > (y as u32)),
            Op::BrI32LeS { a, b, offset } => {
                br_cmp!(a, b, offset, |x, y| (x as i32) <= (y as i32))
            }
            Op::BrI32LeU { a, b, offset } => {
                br_cmp!(a, b, offset, |x, y| (x as u32) <= (y as u32))
            }
            Op::BrI32GeS { a, b, offset } => {
                br_cmp!(a, b, offset, |x, y| (x as i32) >= (y as i32))
            }
            Op::BrI32GeU { a, b, offset } => {
                br_cmp!(a, b, offset, |x, y| (x as u32) >= (y as u32))
            }
            Op::BrI64Eq { a, b, offset } => br_cmp!(a, b, offset, |x, y| x == y),
            Op::BrI64Ne { a, b, offset } => br_cmp!(a, b, offset, |x, y| x != y),
            Op::BrI64LtS { a, b, offset } => br_cmp!(a, b, offset, |x, y| (x as i64) < (y as i64)),
            Op::BrI64LtU { a, b, offset } => br_cmp!(a, b, offset, |x, y| x < y),
            Op::BrI64GtS { a, b, offset } => br_cmp!(a, b, offset, |x, y| (x as i64) > (y as i64)),
            Op::BrI64GtU { a, b, offset } => br_cmp!(a, b, offset, |x, y| x > y),
            Op::BrI64LeS { a, b, offset } => {
                br_cmp!(a, b, offset, |x, y| (x as i64) <= (y as i64))
            }
            Op::BrI64LeU { a, b, offset } => br_cmp!(a, b, offset, |x, y| x <= y),
            Op::BrI64GeS { a, b, offset } => {
                br_cmp!(a, b, offset, |x, y| (x as i64) >= (y as i64))
            }
            Op::BrI64GeU { a, b, offset } => br_cmp!(a, b, offset, |x, y| x >= y),
            Op::BrI32EqImm { a, imm, offset } => br_imm!(a, imm, offset, |x, y| x == y),
            Op::BrI32NeImm { a, imm, offset } => br_imm!(a, imm, offset, |x, y| x != y),
            Op::BrI32LtSImm { a, imm, offset } => {
                br_imm!(a, imm, offset, |x, y| (x as i32) < (y as i32))
            }
            Op::BrI32LtUImm { a, imm, offset } => br_imm!(a, imm, offset, |x, y| x < y),
            Op::BrI32GtSImm { a, imm, offset } => {
                br_imm!(a, imm, offset, |x, y| (x as i32) > (y as i32))
            }
            Op::BrI32GtUImm { a, imm, offset } => br_imm!(a, imm, offset, |x, y| x > y),
            Op::BrI32LeSImm { a, imm, offset } => {
                br_imm!(a, imm, offset, |x, y| (x as i32) <= (y as i32))
            }
            Op::BrI32LeUImm { a, imm, offset } => br_imm!(a, imm, offset, |x, y| x <= y),
            Op::BrI32GeSImm { a, imm, offset } => {
                br_imm!(a, imm, offset, |x, y| (x as i32) >= (y as i32))
            }
            Op::BrI32GeUImm { a, imm, offset } => br_imm!(a, imm, offset, |x, y| x >= y),
            Op::BrI64Nez { a, offset } => {
                if get!(a) != 0 {
                    branch!(offset)
                }
            }
            Op::BrI64Eqz { a, offset } => {
                if get!(a) == 0 {
                    branch!(offset)
                }
            }

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
                let callee = cache.compiled(def).map_err(|e| Stop::Error(e.into()))?;
                // SAFETY: as in `InstanceCache::module`; the reference
                // outlives this activation.
                let callee: &CompiledFunc = unsafe { &*(callee as *const CompiledFunc) };
                let inst = cache.index;
                do_call!(callee, inst, args);
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
                let callee = cache.compiled(def).map_err(|e| Stop::Error(e.into()))?;
                // SAFETY: as for `CallInternal`.
                let callee: &CompiledFunc = unsafe { &*(callee as *const CompiledFunc) };
                let inst = cache.index;
                do_tail_call!(callee, inst, args);
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
            Op::TrapIfNull { src } => {
                if get!(src) == 0 {
                    return Err(TrapCode::NullReference.into());
                }
            }
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
            Op::ConsumeFuel { amount } => inner.vm.ctx.fuel -= amount as i64,
            Op::ConsumeFuelCheck { amount } => {
                let ctx = &mut *inner.vm.ctx;
                let left = ctx.fuel - amount as i64;
                if left < 0 {
                    return Err(Stop::OutOfFuel { ip: op, base });
                }
                ctx.fuel = left;
            }
            Op::CheckEpoch => {
                if inner.engine.epoch.load(Ordering::Relaxed) >= inner.vm.ctx.epoch_deadline {
                    return Err(TrapCode::Interrupt.into());
                }
            }
        }
    }
}
