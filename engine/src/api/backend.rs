//! The tier seam: the one place that knows which tiers exist. Everything
//! else in the API is tier-blind and comes here to create an engine's
//! tier state, compile a module, link an instance for compiled code, and
//! call a function.

use crate::config::{Config, InstanceAllocationStrategy, Tier};
use crate::error::Result;
use crate::module::ModuleInfo;
use crate::runtime::{
    with_slots, CallHook, EngineShared, MemoryStrategy, ModuleShared, Pool, StoreInner,
};
use crate::types::TypeRegistry;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::any::Any;
use core::sync::atomic::AtomicUsize;

/// An engine's shared state for `config`'s tier.
pub(crate) fn new_engine(config: &Config) -> EngineShared {
    let (memory, tier): (MemoryStrategy, Box<dyn Any + Send + Sync>) = match config.tier {
        Tier::Interpreter => (MemoryStrategy::checked(), Box::new(())),
        #[cfg(not(feature = "jit"))]
        Tier::Auto => (MemoryStrategy::checked(), Box::new(())),
        // Under `Auto` memories are laid out for compiled code from the
        // start (one made now may be run by the JIT later); the
        // interpreter checks every access, so runs on any layout.
        #[cfg(feature = "jit")]
        Tier::Jit | Tier::Auto => (
            crate::jit::memory_strategy(config),
            Box::new(crate::jit::EngineJit::new(config.code_settings())),
        ),
        // `compile` refuses every module, so nothing runs.
        #[cfg(not(feature = "jit"))]
        Tier::Jit => (MemoryStrategy::Heap, Box::new(())),
    };
    EngineShared {
        config: config.clone(),
        types: TypeRegistry::default(),
        memory,
        tier,
        epoch: AtomicUsize::new(0),
        pool: match &config.allocation {
            InstanceAllocationStrategy::OnDemand => None,
            InstanceAllocationStrategy::Pooling(pooling) => {
                Some(alloc::sync::Arc::new(Pool::new(pooling.clone())))
            }
        },
        tier_up: match config.tier {
            #[cfg(feature = "jit")]
            Tier::Auto => Some(crate::jit::tier_up_hooks(interpret)),
            _ => None,
        },
    }
}

/// Runs Wasm store function `func` in the interpreter, its arguments in
/// `values`, which receive its results: what per-function tier-up's
/// bridges run.
#[cfg(feature = "jit")]
fn interpret(inner: &mut StoreInner, data: *mut (), func: u32, values: &mut [u64]) -> Result<()> {
    let ty = inner.func_type(func);
    let (nargs, nresults) = (ty.param_slots(), ty.result_slots());
    crate::interp::invoke(inner, data, func, values, nargs, nresults)
}

/// The tier's code for a validated module.
pub(crate) fn compile(
    engine: &EngineShared,
    info: &ModuleInfo,
    bytes: &[u8],
) -> Result<Box<dyn Any + Send + Sync>> {
    match engine.config.tier {
        // `Auto` starts in the interpreter; the JIT compiles the module
        // when it is hot (`runtime::tier_up`).
        Tier::Interpreter | Tier::Auto => Ok(Box::new(crate::interp::ModuleCode::new(
            info,
            bytes,
            engine.config.lazy_translation,
            engine.config.code_settings(),
        )?)),
        #[cfg(feature = "jit")]
        Tier::Jit => Ok(Box::new(crate::jit::compile_module(engine, info, bytes)?)),
        #[cfg(not(feature = "jit"))]
        Tier::Jit => Err(crate::error::CompileError::new(
            "this build of Petrel has no JIT (cargo feature `jit`)",
            None,
        )
        .into()),
    }
}

/// The artifact of `module`, compiled by `engine`'s JIT.
pub(crate) fn serialize(engine: &EngineShared, module: &ModuleShared) -> Result<Vec<u8>> {
    match engine.config.tier {
        #[cfg(feature = "jit")]
        Tier::Jit => crate::jit::serialize(engine, module),
        _ => {
            let _ = module;
            Err(crate::error::Error::usage(
                "only modules compiled by the JIT can be serialized; the interpreter \
                 starts from the .wasm as fast",
            ))
        }
    }
}

/// The module for `binary` from the JIT's compile cache `cache`, or
/// made by `compile` and stored there.
#[cfg(feature = "jit")]
pub(crate) fn cached_module(
    engine: &EngineShared,
    cache: &crate::config::CompileCache,
    binary: &[u8],
    compile: impl FnOnce() -> Result<ModuleShared>,
) -> Result<ModuleShared> {
    crate::jit::cached_module(engine, cache, binary, compile)
}

/// Tells the configured profiler (`Config::profiler`) where a module's
/// code lies, once it is compiled or loaded.
pub(crate) fn announce_code(engine: &EngineShared, module: &ModuleShared) {
    match (engine.config.tier, engine.config.profiler) {
        #[cfg(feature = "jit")]
        (Tier::Jit, crate::config::ProfilingStrategy::PerfMap) => {
            crate::jit::announce_to_profiler(module)
        }
        // The interpreter has no code of its own to name.
        _ => {
            let _ = module;
        }
    }
}

/// The header of the artifacts `engine` makes and loads: everything their
/// code depends on, as text. A JIT engine only.
pub(crate) fn artifact_header(engine: &EngineShared) -> Result<&str> {
    match engine.config.tier {
        #[cfg(feature = "jit")]
        Tier::Jit => crate::jit::artifact_header(engine),
        _ => Err(crate::error::Error::usage(
            "only a JIT engine makes precompiled artifacts",
        )),
    }
}

/// Whether `bytes` starts like a precompiled artifact.
pub(crate) fn is_artifact(bytes: &[u8]) -> bool {
    #[cfg(feature = "jit")]
    return crate::jit::is_artifact(bytes);
    #[cfg(not(feature = "jit"))]
    return {
        let _ = bytes;
        false
    };
}

/// Where an artifact comes from. (Only the JIT reads one.)
#[cfg_attr(not(feature = "jit"), allow(dead_code))]
pub(crate) enum ArtifactSource<'a> {
    Bytes(&'a [u8]),
    #[cfg(feature = "std")]
    File(&'a std::fs::File),
}

/// Loads an artifact for `engine`, which must be a JIT engine.
///
/// # Safety
///
/// The artifact must be one Petrel made, and a file must not change while
/// the module lives (see `jit::artifact`).
pub(crate) unsafe fn deserialize(
    engine: &EngineShared,
    source: ArtifactSource<'_>,
) -> Result<ModuleShared> {
    match engine.config.tier {
        #[cfg(feature = "jit")]
        Tier::Jit => {
            // SAFETY: the caller's promise is the loaders'.
            let (parts, code) = unsafe {
                match source {
                    ArtifactSource::Bytes(b) => crate::jit::deserialize(engine, b)?,
                    ArtifactSource::File(f) => crate::jit::deserialize_file(engine, f)?,
                }
            };
            Ok(ModuleShared::new(parts.info, parts.wasm, Box::new(code))
                .with_images(parts.file_images))
        }
        _ => {
            let _ = source;
            Err(crate::error::Error::usage(
                "a precompiled artifact holds JIT code: load it with an engine of \
                 Tier::Jit",
            ))
        }
    }
}

/// Prepares instance `instance` (just created in `inner`) for its tier:
/// compiled code needs its VM context.
pub(crate) fn link(inner: &mut StoreInner, instance: u32) -> Result<()> {
    match inner.engine.config.tier {
        Tier::Interpreter => Ok(()),
        Tier::Auto => crate::runtime::tier_up::link_new(inner, instance),
        #[cfg(feature = "jit")]
        Tier::Jit => crate::jit::link_instance(inner, instance),
        #[cfg(not(feature = "jit"))]
        Tier::Jit => {
            let _ = instance;
            Ok(())
        }
    }
}

/// Calls store function `func` from the host on the store's tier:
/// arguments and results are raw slots whose types the caller has checked.
pub(crate) fn invoke(
    inner: &mut StoreInner,
    data: *mut (),
    func: u32,
    args: &[u64],
    results: &mut [u64],
) -> Result<()> {
    let (nargs, nresults) = (args.len(), results.len());
    with_slots(nargs.max(nresults), |values| {
        values[..nargs].copy_from_slice(args);
        invoke_in_place(inner, data, func, values, nargs, nresults)?;
        results.copy_from_slice(&values[..nresults]);
        Ok(())
    })
}

/// [`invoke`] on one buffer: `values` holds the `nargs` argument slots on
/// entry and receives the `nresults` result slots; it is as long as the
/// longer list (the typed call path, which has no copies to make).
#[inline]
pub(crate) fn invoke_in_place(
    inner: &mut StoreInner,
    data: *mut (),
    func: u32,
    values: &mut [u64],
    nargs: usize,
    nresults: usize,
) -> Result<()> {
    if inner.call_hook.is_some() {
        return invoke_hooked(inner, data, func, values, nargs, nresults);
    }
    invoke_on_tier(inner, data, func, values, nargs, nresults)
}

#[inline]
fn invoke_on_tier(
    inner: &mut StoreInner,
    data: *mut (),
    func: u32,
    values: &mut [u64],
    nargs: usize,
    nresults: usize,
) -> Result<()> {
    match inner.engine.config.tier {
        Tier::Interpreter => crate::interp::invoke(inner, data, func, values, nargs, nresults),
        #[cfg(feature = "jit")]
        Tier::Auto => {
            let upper = match inner.funcs[func as usize] {
                crate::runtime::FuncEntity::Wasm {
                    instance, index, ..
                } => {
                    let imported = inner.instances[instance as usize]
                        .module
                        .info
                        .num_imported_funcs;
                    crate::runtime::tier_up::on_call(inner, instance, index - imported)
                }
                crate::runtime::FuncEntity::Host { .. } => inner.tier_up.upper(),
            };
            if upper {
                crate::jit::invoke(inner, data, func, values)
            } else {
                crate::interp::invoke(inner, data, func, values, nargs, nresults)
            }
        }
        #[cfg(not(feature = "jit"))]
        Tier::Auto => crate::interp::invoke(inner, data, func, values, nargs, nresults),
        #[cfg(feature = "jit")]
        Tier::Jit => {
            let _ = (nargs, nresults);
            crate::jit::invoke(inner, data, func, values)
        }
        #[cfg(not(feature = "jit"))]
        Tier::Jit => {
            let _ = (values, nargs, nresults);
            Err(crate::error::Error::usage(
                "this build of Petrel has no JIT",
            ))
        }
    }
}

/// [`invoke_in_place`] in a store with a call hook, out of the common
/// path.
#[cold]
#[inline(never)]
fn invoke_hooked(
    inner: &mut StoreInner,
    data: *mut (),
    func: u32,
    values: &mut [u64],
    nargs: usize,
    nresults: usize,
) -> Result<()> {
    inner.across(
        data,
        CallHook::CallingWasm,
        CallHook::ReturningFromWasm,
        |inner| invoke_on_tier(inner, data, func, values, nargs, nresults),
    )
}

/// A call suspended by [`invoke_resumable`] (interpreter only), and why.
pub(crate) use crate::interp::{Suspended, Suspension};

/// How a resumable call ended, if it did not fail.
pub(crate) enum Resumable {
    /// It returned; its results were written.
    Finished,
    /// It stopped, to go on with [`resume`].
    Suspended(Suspension),
}

/// Calls store function `func` like [`invoke`], but the interpreter
/// suspends the call instead of failing it when it runs out of fuel or a
/// host function fails with a host error. The JIT, whose call stack is
/// the machine's, fails it as `invoke` does.
pub(crate) fn invoke_resumable(
    inner: &mut StoreInner,
    data: *mut (),
    func: u32,
    args: &[u64],
    results: &mut [u64],
) -> Result<Resumable> {
    match inner.engine.config.tier {
        // Under `Auto` the interpreter runs a resumable call alone: a
        // suspension captures the interpreter's frames, and compiled
        // frames cannot be captured.
        Tier::Auto => pinned(inner, |inner| {
            interp_resumable(inner, data, func, args, results)
        }),
        Tier::Interpreter => interp_resumable(inner, data, func, args, results),
        _ => invoke(inner, data, func, args, results).map(|()| Resumable::Finished),
    }
}

/// [`invoke_resumable`] on the interpreter.
fn interp_resumable(
    inner: &mut StoreInner,
    data: *mut (),
    func: u32,
    args: &[u64],
    results: &mut [u64],
) -> Result<Resumable> {
    // A suspension leaves Wasm as a return does; `resume` enters again.
    inner
        .across(
            data,
            CallHook::CallingWasm,
            CallHook::ReturningFromWasm,
            |inner| crate::interp::invoke_resumable(inner, data, func, args, results),
        )
        .map(resumable)
}

/// Goes on with a suspended call (see [`invoke_resumable`]).
pub(crate) fn resume(
    inner: &mut StoreInner,
    data: *mut (),
    suspension: Suspension,
    host_results: &[u64],
    results: &mut [u64],
) -> Result<Resumable> {
    pinned(inner, |inner| {
        inner
            .across(
                data,
                CallHook::CallingWasm,
                CallHook::ReturningFromWasm,
                |inner| crate::interp::resume(inner, data, suspension, host_results, results),
            )
            .map(resumable)
    })
}

/// Runs `f` with the store's calls kept in the interpreter (see
/// `runtime::tier_up::StoreTierUp::pinned`).
fn pinned<R>(inner: &mut StoreInner, f: impl FnOnce(&mut StoreInner) -> R) -> R {
    struct Unpin<'a>(&'a mut StoreInner);
    impl Drop for Unpin<'_> {
        fn drop(&mut self) {
            self.0.tier_up.pinned -= 1;
        }
    }
    inner.tier_up.pinned += 1;
    let guard = Unpin(inner);
    f(&mut *guard.0)
}

fn resumable(outcome: crate::interp::Outcome) -> Resumable {
    match outcome {
        crate::interp::Outcome::Finished => Resumable::Finished,
        crate::interp::Outcome::Suspended(s) => Resumable::Suspended(s),
    }
}
