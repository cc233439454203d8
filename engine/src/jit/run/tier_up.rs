//! The JIT's side of tier-up (`Tier::Auto`, see `runtime::tier_up`):
//! compiling a hot module, linking a store's instances when it moves to
//! compiled code, and the interpreter's calls into it.

use super::link::{link_instance, link_store};
use crate::error::Error;
use crate::runtime::tier_up::{Code, TierUpHooks};
use crate::runtime::{EngineShared, ModuleShared};
use alloc::boxed::Box;

/// The functions the tier seam lends the runtime under `Tier::Auto`.
pub(crate) const TIER_UP: TierUpHooks = TierUpHooks {
    compile,
    install: link_store,
    link: link_instance,
    call: super::invoke::invoke_from_interpreter,
    osr: super::osr::enter_loop,
};

/// The JIT's code of `module`, as the interpreter's tier-up keeps it;
/// `background`: compiled beside the running program.
fn compile(engine: &EngineShared, module: &ModuleShared, background: bool) -> Result<Code, Error> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Every core by default; beside a running program, the one it runs
    // on joins late (see `compile_module_on`).
    let (threads, late) = match engine.config.tier_up_threads {
        0 => (cores, usize::from(background)),
        n => (n, 0),
    };
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
