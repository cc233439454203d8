//! From Wasm to machine code: the calling convention ([`abi`]), the host
//! ISA ([`isa`]), one function at a time ([`func`], over the translator in
//! [`translate`]), the stubs at the host boundary ([`trampolines`]), and
//! [`compile_module`], which compiles a whole module, in parallel when it
//! is big enough to pay for the threads.

pub(crate) mod abi;
mod func;
pub(crate) mod isa;
pub(crate) mod trampolines;
mod translate;

use super::run::code_memory::{CodeMemory, CompiledCode, CompiledModule};
use super::{engine_jit, signals_enabled};
use crate::error::{CompileError, Error};
use crate::module::ModuleInfo;
use crate::runtime::EngineShared;
use alloc::vec::Vec;
use func::FuncCompiler;
use std::sync::Mutex;

pub(crate) use func::{finish_function, osr_type};

/// A function's machine code, or why it could not be compiled.
type FuncCode = Result<CompiledCode, CompileError>;

/// Below this much function-body code a module is compiled on the calling
/// thread: starting threads would cost more than they save.
const PARALLEL_THRESHOLD: usize = 32 * 1024;

/// How long a compile's late threads ([`compile_module_on`]) wait before
/// they join it, unless it is done by then.
const LATE_JOIN: core::time::Duration = core::time::Duration::from_millis(100);

/// Compiles every function of a validated module, in parallel when the
/// machine has several cores and the module is big enough to pay for the
/// threads.
pub(crate) fn compile_module(
    engine: &EngineShared,
    info: &ModuleInfo,
    bytes: &[u8],
) -> Result<CompiledModule, Error> {
    compile_module_on(engine, info, bytes, usize::MAX, 0)
}

/// The twin of defined function `def` for on-stack replacement (see
/// `translate::osr`), and the loops it can be entered at.
pub(crate) fn compile_osr(
    engine: &EngineShared,
    info: &ModuleInfo,
    bytes: &[u8],
    def: u32,
) -> Result<(CompiledCode, Vec<u32>), Error> {
    let signals = signals_enabled(&engine.config);
    let checks = engine.config.code_settings();
    let isas = engine_jit(engine)?.isas()?;
    let mut compiler = FuncCompiler::new(isas, signals, checks);
    Ok(compiler
        .compile_osr(info, bytes, def)
        .map_err(|e| e.in_func(info.num_imported_funcs + def))?)
}

/// [`compile_module`] on at most `max_threads` threads
/// (`Config::tier_up_threads` for tier-up's background compiles), the
/// last `late` of which join only after [`LATE_JOIN`] if the compile is
/// not done by then: a background compile beside a running program takes
/// the idle cores at once and the program's own only once the program has
/// run long enough for the compile to be worth it (a short run that ends
/// first is not slowed by a compile it never uses).
pub(crate) fn compile_module_on(
    engine: &EngineShared,
    info: &ModuleInfo,
    bytes: &[u8],
    max_threads: usize,
    late: usize,
) -> Result<CompiledModule, Error> {
    let defs: Vec<u32> = (0..info.bodies.len() as u32).collect();
    let funcs = compile_funcs(engine, info, bytes, &defs, None, max_threads, late)?;
    let (code, meta) = CodeMemory::new(&funcs, true).map_err(|e| CompileError::new(e, None))?;
    Ok(CompiledModule::new(code, meta))
}

/// Compiles defined functions `defs` of a validated module, on threads
/// as [`compile_module_on`] says; with `members` (the set `defs` makes,
/// by defined index), calls to functions outside it go through the
/// instance's function references (a batch of tier-up). The code comes
/// back in `defs`' order.
fn compile_funcs(
    engine: &EngineShared,
    info: &ModuleInfo,
    bytes: &[u8],
    defs: &[u32],
    members: Option<alloc::sync::Arc<[bool]>>,
    max_threads: usize,
    late: usize,
) -> Result<Vec<CompiledCode>, Error> {
    let signals = signals_enabled(&engine.config);
    let checks = engine.config.code_settings();
    let isas = engine_jit(engine)?.isas()?;
    let count = defs.len();
    let total: usize = defs
        .iter()
        .filter_map(|&d| info.bodies.get(d as usize))
        .map(|b| b.range.len())
        .sum();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(max_threads)
        .min(count);
    let new_compiler = || FuncCompiler::new(isas, signals, checks).with_members(members.clone());
    let compile_one = |compiler: &mut FuncCompiler, at: usize| {
        let def = defs[at];
        compiler
            .compile(info, bytes, def)
            .map_err(|e| e.in_func(info.num_imported_funcs + def))
    };
    let mut results: Vec<Option<FuncCode>> = (0..count).map(|_| None).collect();
    if threads <= 1 || total < PARALLEL_THRESHOLD {
        let mut compiler = new_compiler();
        for (at, slot) in results.iter_mut().enumerate() {
            *slot = Some(compile_one(&mut compiler, at));
        }
    } else {
        let next = core::sync::atomic::AtomicUsize::new(0);
        let done: Mutex<Vec<(usize, FuncCode)>> = Mutex::new(Vec::new());
        // Set once every function has been taken: late threads waiting to
        // join then leave at once.
        let drained = (Mutex::new(false), std::sync::Condvar::new());
        let first_late = threads - late.min(threads - 1);
        std::thread::scope(|s| {
            for i in 0..threads {
                let (next, done, drained) = (&next, &done, &drained);
                let (new_compiler, compile_one) = (&new_compiler, &compile_one);
                s.spawn(move || {
                    if i >= first_late {
                        let lock = drained.0.lock().unwrap_or_else(|e| e.into_inner());
                        let (lock, _) = drained
                            .1
                            .wait_timeout_while(lock, LATE_JOIN, |drained| !*drained)
                            .unwrap_or_else(|e| e.into_inner());
                        if *lock {
                            return;
                        }
                    }
                    let mut compiler = new_compiler();
                    let mut mine = Vec::new();
                    loop {
                        let at = next.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
                        if at >= count {
                            break;
                        }
                        mine.push((at, compile_one(&mut compiler, at)));
                    }
                    *drained.0.lock().unwrap_or_else(|e| e.into_inner()) = true;
                    drained.1.notify_all();
                    done.lock().unwrap_or_else(|e| e.into_inner()).extend(mine);
                });
            }
        });
        for (at, r) in done.into_inner().unwrap_or_else(|e| e.into_inner()) {
            results[at] = Some(r);
        }
    }
    let mut funcs = Vec::with_capacity(count);
    for r in results {
        funcs.push(r.unwrap_or_else(|| Err(CompileError::new("function was not compiled", None)))?);
    }
    Ok(funcs)
}

/// A batch of tier-up: defined functions `hot` (distinct, ascending) of a
/// validated module, with (unless `never` is `None`) the functions they
/// call that a batch takes along (see [`with_callees`]) but those in
/// `never`, in one image; returns it and the defined functions it holds,
/// ascending, the `i`-th at the image's `i`-th entry. They call one
/// another directly and the module's other functions through the
/// instance's function references. `threads` and `late` as for
/// [`compile_module_on`].
#[allow(clippy::too_many_arguments)]
pub(crate) fn compile_batch(
    engine: &EngineShared,
    info: &ModuleInfo,
    bytes: &[u8],
    hot: &[u32],
    never: Option<&[u32]>,
    threads: usize,
    late: usize,
) -> Result<(CompiledModule, Vec<u32>), Error> {
    let defs = match never {
        Some(never) => with_callees(info, bytes, hot, never),
        None => hot.to_vec(),
    };
    let defs = &defs[..];
    let mut members = alloc::vec![false; info.bodies.len()];
    for &d in defs {
        if let Some(m) = members.get_mut(d as usize) {
            *m = true;
        }
    }
    let mut funcs = compile_funcs(
        engine,
        info,
        bytes,
        defs,
        Some(members.into()),
        threads,
        late,
    )?;
    // Direct calls name their callee by defined index; in the image it is
    // the callee's place in `defs`.
    for f in &mut funcs {
        for call in &mut f.calls {
            call.callee = defs.binary_search(&call.callee).map_err(|_| {
                CompileError::new("a batch calls a function outside it directly", None)
            })? as u32;
        }
    }
    let (code, meta) = CodeMemory::new(&funcs, true).map_err(|e| CompileError::new(e, None))?;
    Ok((CompiledModule::new(code, meta), defs.to_vec()))
}

/// `hot` (ascending) and the defined functions a batch of them takes
/// along, but those in `never`, ascending:
/// - the small ones they call directly (`call`), which the JIT inlines
///   (`func::MAX_CALLEE_BYTES`): a batch that holds them calls them
///   directly, so it inlines them, whether or not they have code elsewhere
///   already; they cost little to compile;
/// - every one they tail-call directly (`return_call`): a tail call from
///   compiled code through a bridge is a native call, and a loop of tail
///   calls through one would grow the stack.
fn with_callees(info: &ModuleInfo, bytes: &[u8], hot: &[u32], never: &[u32]) -> Vec<u32> {
    use wasmparser::{BinaryReader, FunctionBody, Operator};
    let mut all: alloc::collections::BTreeSet<u32> = hot.iter().copied().collect();
    for &def in hot {
        let Some(range) = info.bodies.get(def as usize).map(|b| b.range.clone()) else {
            continue;
        };
        let Some(body) = bytes.get(range.clone()) else {
            continue;
        };
        let body = FunctionBody::new(BinaryReader::new(body, range.start as u64));
        let Ok(mut ops) = body.get_operators_reader() else {
            continue;
        };
        while !ops.eof() {
            let (callee, tail) = match ops.read() {
                Ok(Operator::Call { function_index }) => (function_index, false),
                Ok(Operator::ReturnCall { function_index }) => (function_index, true),
                Ok(_) => continue,
                Err(_) => break,
            };
            let Some(callee) = callee.checked_sub(info.num_imported_funcs) else {
                continue;
            };
            let small = info
                .bodies
                .get(callee as usize)
                .is_some_and(|b| b.range.len() <= func::MAX_CALLEE_BYTES);
            if (tail || small) && !never.contains(&callee) {
                all.insert(callee);
            }
        }
    }
    all.into_iter().collect()
}
