//! The JIT tier: each Wasm function is translated to Cranelift IR and
//! compiled for the host ISA ([`compile`]), then laid out in code memory
//! Petrel owns and run on the VM layout declared in `runtime::vm`
//! ([`run`]). The host enters compiled code through per-signature
//! array-call trampolines; compiled code calls host functions and the
//! runtime's builtins through stubs and the builtin table. [`EngineJit`]
//! is the state the JIT keeps per engine.
//!
//! Traps (`run::traps`): by default (`Config::signals_based_traps`, where
//! the platform supports it) a trap is a faulting instruction at a
//! registered trap site; the signal handler records it and resumes at the
//! recovery point the host entry saved, and linear memories are guarded
//! reservations so most accesses carry no bounds check. Otherwise every
//! trapping condition is an explicit check that stores the trap code in
//! `VMStoreContext::trap_code`, records the frame and returns; every
//! caller checks the code after each call. Either way the code is
//! position-independent, so a module's image is saved as it is and
//! mapped back ([`artifact`]: precompiled artifacts and the compile
//! cache).
//!
//! Nothing in this folder names an architecture: the ISA comes from
//! `cranelift-native`, and relocations, signal contexts and cache
//! maintenance are `sys`'s.

mod artifact;
mod compile;
mod engine;
mod run;

pub(crate) use artifact::{
    cached_code, cached_module, code_if_cached, deserialize, deserialize_file,
    header as artifact_header, is_artifact, serialize,
};
pub(crate) use compile::{compile_module, compile_module_on};
pub(crate) use engine::EngineJit;
pub(crate) use run::perf_map::announce as announce_to_profiler;
pub(crate) use run::{invoke, link_instance, tier_up_hooks};

use crate::config::Config;
use crate::error::{CompileError, Error};
use crate::runtime::{EngineShared, MemoryStrategy};

/// `VMStoreContext::trap_code` values: 0 is "no trap", a
/// [`TrapCode`](crate::TrapCode) is its bits, and these three mean the
/// store holds a pending host error, panic or bridged trap.
pub(crate) const TRAP_HOST_ERROR: u32 = 100;
pub(crate) const TRAP_HOST_PANIC: u32 = 101;
/// A Wasm function that a bridge ran in the interpreter trapped
/// (per-function tier-up): the store holds the trap, to which the compiled
/// frames it unwinds add themselves.
pub(crate) const TRAP_BRIDGED: u32 = 102;

/// With explicit checks, how far below the store's stack limit a function
/// prologue may allocate its frame before the prologue's own check (a trap
/// instruction, so a process abort without signal handlers) stops it. Any
/// frame up to this size overflows as the graceful trap of the body's
/// check; a guest thread needs this much stack below `max_native_stack`.
pub(crate) const EXPLICIT_FRAME_SLACK: usize = 256 << 10;

/// Whether engines with `config` use signal-based traps and guarded
/// memories: asked for, and supported by the platform.
pub(crate) fn signals_enabled(config: &Config) -> bool {
    config.signals_based_traps && crate::sys::SIGNALS_SUPPORTED
}

/// Where a JIT engine with `config` keeps its linear memories.
pub(crate) fn memory_strategy(config: &Config) -> MemoryStrategy {
    if signals_enabled(config) {
        MemoryStrategy::Guarded
    } else {
        MemoryStrategy::Heap
    }
}

/// The JIT's state of `engine`, which the tier seam created.
pub(crate) fn engine_jit(engine: &EngineShared) -> Result<&EngineJit, Error> {
    engine
        .tier
        .downcast_ref::<EngineJit>()
        .ok_or_else(|| Error::usage("the JIT was asked to run for an engine of another tier"))
}

/// A compile error for something the JIT does not support yet.
pub(crate) fn unsupported(what: impl core::fmt::Display) -> CompileError {
    CompileError::new(alloc::format!("the JIT does not support {what} yet"), None)
}

/// A compile error from Cranelift.
pub(crate) fn codegen_error(e: impl core::fmt::Display) -> CompileError {
    CompileError::new(alloc::format!("JIT code generation failed: {e}"), None)
}
