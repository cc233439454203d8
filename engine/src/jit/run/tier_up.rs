//! The JIT's side of tier-up (`Tier::Auto`, see `runtime::tier_up`):
//! compiling a hot module, linking a store's instances when it moves to
//! compiled code, and the interpreter's calls into it.

use super::batches::Batches;
use super::link::{link_instance, link_store, refresh_store};
use crate::error::Error;
use crate::runtime::tier_up::{Code, Interpret, TierUpHooks};
use crate::runtime::{EngineShared, ModuleShared};
use alloc::boxed::Box;
use alloc::vec::Vec;

/// The functions the tier seam lends the runtime under `Tier::Auto`;
/// `interpret` is the interpreter's, which bridges run.
pub(crate) const fn tier_up_hooks(interpret: Interpret) -> TierUpHooks {
    TierUpHooks {
        compile,
        install: link_store,
        link: link_instance,
        call: super::invoke::invoke_from_interpreter,
        osr: super::osr::enter_loop,
        compile_functions,
        refresh: refresh_store,
        interpret,
    }
}

/// Compiles defined functions `hot` of `module` into one batch, with the
/// functions it takes along but those in `never` (`None`: none), and
/// publishes their code (per-function tier-up): the functions that have
/// code now. `background` as for [`compile`].
fn compile_functions(
    engine: &EngineShared,
    module: &ModuleShared,
    hot: &[u32],
    never: Option<&[u32]>,
    background: bool,
) -> Result<Vec<u32>, Error> {
    let first = module.upper.get::<Batches>().is_none();
    if first {
        host_stubs(engine, module)?;
        // A module the compile cache has (from `Tier::Jit`, or tier-up by
        // module) gets all its code from it, as one batch.
        let cached = engine
            .config
            .compile_cache
            .as_ref()
            .and_then(|cache| crate::jit::code_if_cached(engine, cache, module));
        if let Some(code) = cached {
            let all: Vec<u32> = (0..code.num_funcs()).collect();
            if engine.config.profiler == crate::config::ProfilingStrategy::PerfMap {
                super::perf_map::announce_code(module, &code);
            }
            publish(module, code, &all)?;
            return Ok(all);
        }
    }
    let (threads, late) = threads(engine, background);
    let (code, defs) = crate::jit::compile::compile_batch(
        engine,
        &module.info,
        &module.bytes,
        hot,
        never,
        threads,
        late,
    )?;
    if engine.config.profiler == crate::config::ProfilingStrategy::PerfMap {
        super::perf_map::announce_batch(module, &code, &defs);
    }
    publish(module, code, &defs)?;
    Ok(defs)
}

/// Publishes `code`, a batch of `module`'s defined functions `defs`.
fn publish(
    module: &ModuleShared,
    code: crate::jit::run::code_memory::CompiledModule,
    defs: &[u32],
) -> Result<(), Error> {
    let batches = module
        .upper
        .get_or_init(|| Batches::new(module.info.bodies.len()))
        .ok_or_else(|| Error::usage("the module's upper code is not batches"))?;
    batches.publish(code, defs);
    Ok(())
}

/// Compiles the host stubs of every signature of `module`'s functions,
/// before its first batch: a store links every function without code
/// behind a bridge, which is its signature's host stub, and the link then
/// finds them made (off the program's thread; one stub per signature and
/// engine, so a later module's are mostly there).
fn host_stubs(engine: &EngineShared, module: &ModuleShared) -> Result<(), Error> {
    let jit = crate::jit::engine_jit(engine)?;
    let signals = crate::jit::signals_enabled(&engine.config);
    let info = &module.info;
    let mut seen = alloc::collections::BTreeSet::new();
    for func in info.num_imported_funcs..info.funcs.len() as u32 {
        let index = info.funcs[func as usize];
        let Some(&id) = info.type_ids.get(index as usize) else {
            continue;
        };
        if seen.insert(id) {
            jit.host_stub(id, info.func_type(func), signals)?;
        }
    }
    Ok(())
}

/// How many threads compile for tier-up, and how many of them join late.
fn threads(engine: &EngineShared, background: bool) -> (usize, usize) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Every core by default; beside a running program, the one it runs
    // on joins late (see `compile_module_on`).
    match engine.config.tier_up_threads {
        0 => (cores, usize::from(background)),
        n => (n, 0),
    }
}

/// The JIT's code of `module`, as the interpreter's tier-up keeps it;
/// `background`: compiled beside the running program.
fn compile(engine: &EngineShared, module: &ModuleShared, background: bool) -> Result<Code, Error> {
    let (threads, late) = threads(engine, background);
    let compile =
        || crate::jit::compile_module_on(engine, &module.info, &module.bytes, threads, late);
    // The compile cache's entry for the module is the one `Tier::Jit`
    // would use: the JIT's code does not depend on the tier it runs under.
    let code = match &engine.config.compile_cache {
        Some(cache) => crate::jit::cached_code(engine, cache, module, compile)?,
        None => compile()?,
    };
    if engine.config.profiler == crate::config::ProfilingStrategy::PerfMap {
        super::perf_map::announce_code(module, &code);
    }
    Ok(Box::new(code))
}
