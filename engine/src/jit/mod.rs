//! The JIT tier: each Wasm function is translated to Cranelift IR
//! ([`translate`]), compiled for the host ISA ([`isa`]) and laid out in
//! code memory Petrel owns ([`code_memory`]). Compiled code runs on the
//! VM layout declared in `runtime::vm`; the host enters it through
//! per-signature array-call trampolines and it calls host functions and
//! runtime helpers through stubs and libcalls ([`trampolines`],
//! [`libcalls`]). [`invoke`] is the entry from the embedding API.
//!
//! Traps ([`traps`]): by default (`Config::signals_based_traps`, where
//! the platform supports it) a trap is a faulting instruction at a
//! registered trap site; the signal handler records it and resumes at the
//! recovery point the host entry saved, and linear memories are guarded
//! reservations so most accesses carry no bounds check. Otherwise every
//! trapping condition is an explicit check that stores the trap code in
//! `VMStoreContext::trap_code`, records the frame and returns; every
//! caller checks the code after each call. Either way the code is
//! position-independent and has no relocations, so a module's image can
//! later be saved and mapped back.

mod code_memory;
mod invoke;
mod isa;
mod libcalls;
mod trampolines;
mod translate;
pub(crate) mod traps;

pub(crate) use invoke::{invoke, link_instance};

use crate::config::Config;
use crate::error::{CompileError, Error};
use crate::module::ModuleInfo;
use crate::runtime::{EngineShared, MemoryStrategy};
use crate::types::{FuncType, TypeId};
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use code_memory::{CodeMemory, CompiledCode};
use cranelift_codegen::isa::OwnedTargetIsa;
use std::sync::{Mutex, OnceLock};

/// `VMStoreContext::trap_code` values: 0 is "no trap", a [`TrapCode`] is
/// its [`TrapCode::bits`], and these two mean the store holds a pending
/// host error or panic.
pub(crate) const TRAP_HOST_ERROR: u32 = 100;
pub(crate) const TRAP_HOST_PANIC: u32 = 101;

/// With explicit checks, how far below the store's stack limit a function
/// prologue may allocate its frame before the prologue's own check (a trap
/// instruction, so a process abort without signal handlers) stops it. Any
/// frame up to this size overflows as the graceful trap of the body's
/// check; a guest thread needs this much stack below `max_native_stack`.
pub(crate) const EXPLICIT_FRAME_SLACK: usize = 256 << 10;

/// A function's machine code, or why it could not be compiled.
type FuncCode = Result<CompiledCode, CompileError>;

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

/// A stub compiled once per signature and kept for the engine's lifetime.
struct Stub {
    _code: CodeMemory,
    entry: usize,
}

/// The JIT's per-engine state: the host ISA (built on first use) and the
/// per-signature trampolines and host stubs.
#[derive(Default)]
pub(crate) struct EngineJit {
    isas: OnceLock<Result<isa::HostIsas, String>>,
    array_trampolines: Mutex<BTreeMap<TypeId, Stub>>,
    host_stubs: Mutex<BTreeMap<TypeId, Stub>>,
}

impl core::fmt::Debug for EngineJit {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EngineJit").finish_non_exhaustive()
    }
}

impl EngineJit {
    /// The host ISAs, or why they cannot be used.
    fn isas(&self) -> Result<&isa::HostIsas, CompileError> {
        self.isas
            .get_or_init(isa::host_isas)
            .as_ref()
            .map_err(|e| CompileError::new(e.clone(), None))
    }

    /// The host ISA, or why it cannot be used.
    pub(crate) fn isa(&self) -> Result<&OwnedTargetIsa, CompileError> {
        Ok(&self.isas()?.normal)
    }

    fn stub(
        &self,
        cache: &Mutex<BTreeMap<TypeId, Stub>>,
        id: TypeId,
        ty: &FuncType,
        build: impl FnOnce(&OwnedTargetIsa, &FuncType) -> Result<CompiledCode, CompileError>,
    ) -> Result<usize, CompileError> {
        let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = map.get(&id) {
            return Ok(s.entry);
        }
        let compiled = build(self.isa()?, ty)?;
        let code = CodeMemory::new(&[compiled], false).map_err(|e| CompileError::new(e, None))?;
        let entry = code.base() as usize;
        map.insert(id, Stub { _code: code, entry });
        Ok(entry)
    }

    /// The array-call trampoline for `ty` (engine-wide id `id`):
    /// `extern "C" fn(code, callee_vmctx, caller_vmctx, values: *mut u64)`.
    pub(crate) fn array_trampoline(
        &self,
        id: TypeId,
        ty: &FuncType,
    ) -> Result<usize, CompileError> {
        self.stub(
            &self.array_trampolines,
            id,
            ty,
            trampolines::array_trampoline,
        )
    }

    /// The stub through which compiled code calls a host function of
    /// type `ty` (Wasm native ABI).
    pub(crate) fn host_stub(
        &self,
        id: TypeId,
        ty: &FuncType,
        signals: bool,
    ) -> Result<usize, CompileError> {
        self.stub(&self.host_stubs, id, ty, |isa, ty| {
            trampolines::host_stub(isa, ty, signals)
        })
    }
}

/// A module's compiled code: every defined function, laid out in one
/// executable mapping freed when the module is dropped.
pub(crate) struct CompiledModule {
    code: CodeMemory,
    /// Offset of each defined function in `code`.
    offsets: Vec<usize>,
}

impl CompiledModule {
    /// The native entry of defined function `def`.
    pub(crate) fn func_ptr(&self, def: u32) -> *const u8 {
        // SAFETY: `offsets` are offsets within the mapping.
        unsafe { self.code.base().add(self.offsets[def as usize]) }
    }

    /// The defined function whose code holds address `pc`, if any.
    pub(crate) fn func_at(&self, pc: usize) -> Option<u32> {
        let offset = pc.checked_sub(self.code.base() as usize)?;
        if offset >= self.code.len() {
            return None;
        }
        let def = self
            .offsets
            .partition_point(|&o| o <= offset)
            .checked_sub(1)?;
        u32::try_from(def).ok()
    }
}

/// Compiles every function of a validated module, in parallel when the
/// machine has several cores and the module is big enough to pay for the
/// threads.
pub(crate) fn compile_module(
    engine: &EngineShared,
    info: &ModuleInfo,
    bytes: &[u8],
) -> Result<CompiledModule, Error> {
    let signals = signals_enabled(&engine.config);
    let isas = engine_jit(engine)?.isas()?;
    let count = info.bodies.len();
    let total: usize = info.bodies.iter().map(|b| b.range.len()).sum();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(count);
    let compile_one = |compiler: &mut translate::FuncCompiler, def: usize| {
        compiler
            .compile(info, bytes, def as u32)
            .map_err(|e| e.in_func(info.num_imported_funcs + def as u32))
    };
    let mut results: Vec<Option<FuncCode>> = (0..count).map(|_| None).collect();
    if threads <= 1 || total < 32 * 1024 {
        let mut compiler = translate::FuncCompiler::new(isas, signals);
        for (def, slot) in results.iter_mut().enumerate() {
            *slot = Some(compile_one(&mut compiler, def));
        }
    } else {
        let next = core::sync::atomic::AtomicUsize::new(0);
        let done: Mutex<Vec<(usize, FuncCode)>> = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    let mut compiler = translate::FuncCompiler::new(isas, signals);
                    let mut mine = Vec::new();
                    loop {
                        let def = next.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
                        if def >= count {
                            break;
                        }
                        mine.push((def, compile_one(&mut compiler, def)));
                    }
                    done.lock().unwrap_or_else(|e| e.into_inner()).extend(mine);
                });
            }
        });
        for (def, r) in done.into_inner().unwrap_or_else(|e| e.into_inner()) {
            results[def] = Some(r);
        }
    }
    let mut funcs = Vec::with_capacity(count);
    for r in results {
        funcs.push(r.unwrap_or_else(|| Err(CompileError::new("function was not compiled", None)))?);
    }
    let code = CodeMemory::new(&funcs, true).map_err(|e| CompileError::new(e, None))?;
    let offsets = code.offsets().to_vec();
    Ok(CompiledModule { code, offsets })
}

/// A compile error for something the JIT does not support yet.
pub(crate) fn unsupported(what: impl core::fmt::Display) -> CompileError {
    CompileError::new(alloc::format!("the JIT does not support {what} yet"), None)
}

/// A compile error from Cranelift.
pub(crate) fn codegen_error(e: impl core::fmt::Display) -> CompileError {
    CompileError::new(alloc::format!("JIT code generation failed: {e}"), None)
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn is<T: Send + Sync>() {}
    is::<EngineJit>();
    is::<CompiledModule>();
    let _ = String::new().to_string();
}
