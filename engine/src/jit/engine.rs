//! [`EngineJit`]: what the JIT keeps per engine: the host ISA, built on
//! first use, and the per-signature stubs between the host and compiled
//! code, compiled once and kept for the engine's lifetime.

use super::compile::{isa, trampolines};
use super::run::code_memory::{CodeMemory, CodeMetadata, CompiledCode};
use crate::config::CodeSettings;
use crate::error::CompileError;
use crate::types::{FuncType, TypeId};
use alloc::collections::BTreeMap;
use alloc::string::String;
use cranelift_codegen::isa::OwnedTargetIsa;
use std::sync::{Arc, Mutex, OnceLock};

/// A stub compiled once per signature (or loaded from an artifact) and
/// kept for the engine's lifetime. An artifact's stubs share one mapping.
struct Stub {
    code: Arc<CodeMemory>,
    /// Where the stub lies in `code`.
    range: core::ops::Range<usize>,
    /// Its metadata, relative to its own start.
    meta: CodeMetadata,
    entry: usize,
}

/// The two kinds of per-signature stub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StubKind {
    /// The host's way into compiled code ([`EngineJit::array_trampoline`]).
    ArrayTrampoline,
    /// Compiled code's way to a host function ([`EngineJit::host_stub`]).
    HostStub,
}

/// The JIT's per-engine state: the host ISA (built on first use) and the
/// per-signature trampolines and host stubs.
pub(crate) struct EngineJit {
    /// Whether the ISAs canonicalize NaNs (`Config::nan_canonicalization`).
    canonical_nans: bool,
    isas: OnceLock<Result<isa::HostIsas, String>>,
    array_trampolines: Mutex<BTreeMap<TypeId, Stub>>,
    host_stubs: Mutex<BTreeMap<TypeId, Stub>>,
    /// The header of this engine's artifacts (`artifact::header`), built
    /// on first use.
    pub(crate) header: OnceLock<String>,
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
            header: OnceLock::new(),
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
        let (code, meta) =
            CodeMemory::new(&[compiled], false).map_err(|e| CompileError::new(e, None))?;
        let entry = code.base() as usize;
        let range = 0..code.len();
        map.insert(
            id,
            Stub {
                code: Arc::new(code),
                range,
                meta,
                entry,
            },
        );
        Ok(entry)
    }

    fn stubs(&self, kind: StubKind) -> &Mutex<BTreeMap<TypeId, Stub>> {
        match kind {
            StubKind::ArrayTrampoline => &self.array_trampolines,
            StubKind::HostStub => &self.host_stubs,
        }
    }

    /// The machine code and metadata of the `kind` stub for `ty` (engine
    /// id `id`), compiled if it was not yet, for an artifact to carry.
    pub(crate) fn stub_image(
        &self,
        kind: StubKind,
        id: TypeId,
        ty: &FuncType,
        signals: bool,
    ) -> Result<(alloc::vec::Vec<u8>, CodeMetadata), CompileError> {
        match kind {
            StubKind::ArrayTrampoline => self.array_trampoline(id, ty)?,
            StubKind::HostStub => self.host_stub(id, ty, signals)?,
        };
        let map = self.stubs(kind).lock().unwrap_or_else(|e| e.into_inner());
        let stub = map
            .get(&id)
            .ok_or_else(|| CompileError::new("a stub vanished", None))?;
        Ok((
            stub.code.bytes()[stub.range.clone()].to_vec(),
            stub.meta.clone(),
        ))
    }

    /// Whether the engine has the `kind` stub for `id` already.
    pub(crate) fn has_stub(&self, kind: StubKind, id: TypeId) -> bool {
        let map = self.stubs(kind).lock().unwrap_or_else(|e| e.into_inner());
        map.contains_key(&id)
    }

    /// Takes an artifact's `kind` stub for `id`, which lies at `range` in
    /// `code` with `meta`data relative to its start, unless the engine has
    /// one already.
    pub(crate) fn install_stub(
        &self,
        kind: StubKind,
        id: TypeId,
        code: &Arc<CodeMemory>,
        range: core::ops::Range<usize>,
        meta: CodeMetadata,
    ) {
        let mut map = self.stubs(kind).lock().unwrap_or_else(|e| e.into_inner());
        let entry = code.base() as usize + range.start;
        map.entry(id).or_insert_with(|| Stub {
            code: Arc::clone(code),
            range,
            meta,
            entry,
        });
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
