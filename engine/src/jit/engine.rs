//! [`EngineJit`]: what the JIT keeps per engine: the host ISA, built on
//! first use, and the per-signature stubs between the host and compiled
//! code, compiled once and kept for the engine's lifetime.

use super::compile::{isa, trampolines};
use super::run::code_memory::{CodeMemory, CompiledCode};
use crate::config::CodeSettings;
use crate::error::CompileError;
use crate::types::{FuncType, TypeId};
use alloc::collections::BTreeMap;
use alloc::string::String;
use cranelift_codegen::isa::OwnedTargetIsa;
use std::sync::{Mutex, OnceLock};

/// A stub compiled once per signature and kept for the engine's lifetime.
struct Stub {
    _code: CodeMemory,
    entry: usize,
}

/// The JIT's per-engine state: the host ISA (built on first use) and the
/// per-signature trampolines and host stubs.
pub(crate) struct EngineJit {
    /// Whether the ISAs canonicalize NaNs (`Config::nan_canonicalization`).
    canonical_nans: bool,
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
    /// The JIT state of an engine whose code is built with `settings`.
    pub(crate) fn new(settings: CodeSettings) -> Self {
        Self {
            canonical_nans: settings.canonical_nans,
            isas: OnceLock::new(),
            array_trampolines: Mutex::default(),
            host_stubs: Mutex::default(),
        }
    }

    /// The host ISAs, or why they cannot be used.
    pub(crate) fn isas(&self) -> Result<&isa::HostIsas, CompileError> {
        self.isas
            .get_or_init(|| isa::host_isas(self.canonical_nans))
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
        let (code, _) =
            CodeMemory::new(&[compiled], false).map_err(|e| CompileError::new(e, None))?;
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

#[allow(dead_code)]
fn _assert_send_sync() {
    fn is<T: Send + Sync>() {}
    is::<EngineJit>();
    is::<super::run::code_memory::CompiledModule>();
}
