//! [`Engine`]: the shared context every module and store is created
//! under, with its [`Config`].

use super::backend;
use crate::config::Config;
use crate::runtime::EngineShared;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

/// The shared context modules are compiled in. Cheap to clone; `Send` and
/// `Sync`.
#[derive(Debug, Clone)]
#[repr(transparent)]
pub struct Engine {
    pub(crate) inner: Arc<EngineShared>,
}

impl Engine {
    /// An engine with the given settings.
    pub fn new(config: &Config) -> Self {
        Self {
            inner: Arc::new(backend::new_engine(config)),
        }
    }

    /// The settings this engine was created with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Compiles `bytes` (a module, binary or text) and returns it as a
    /// precompiled artifact, as [`Module::serialize`](crate::Module::serialize) does. A JIT engine
    /// only.
    pub fn precompile_module(&self, bytes: &[u8]) -> crate::Result<alloc::vec::Vec<u8>> {
        crate::Module::new(self, bytes)?.serialize()
    }

    /// Whether `bytes` starts like a precompiled artifact (rather than a
    /// WebAssembly module), whether or not this engine can load it.
    pub fn is_precompiled(bytes: &[u8]) -> bool {
        super::backend::is_artifact(bytes)
    }

    /// What the artifacts this engine makes depend on, to hash: Petrel's
    /// version and build, the target and its CPU features, and every
    /// setting that changes code (the artifact's header, see
    /// [`Module::deserialize`](crate::Module::deserialize)). Two engines
    /// with the same hash load each other's artifacts; a cache of
    /// artifacts keys its entries with it, as the containerd shim does. A
    /// JIT engine only: another is a usage error.
    pub fn precompile_compatibility_hash(&self) -> crate::Result<impl core::hash::Hash + '_> {
        backend::artifact_header(&self.inner)
    }

    /// The engine a store's shared state belongs to, as a handle.
    pub(crate) fn from_shared(shared: &Arc<EngineShared>) -> &Engine {
        // SAFETY: `Engine` is a `repr(transparent)` wrapper of exactly this
        // `Arc`, so the two references have the same layout and validity.
        unsafe { &*(shared as *const Arc<EngineShared> as *const Engine) }
    }

    /// Moves the engine's epoch on by one. Guest code of every store of
    /// this engine whose epoch deadline is reached traps with
    /// [`TrapCode::Interrupt`](crate::TrapCode::Interrupt) at its next
    /// function entry or loop header (with `Config::epoch_interruption`).
    /// Cheap, and callable from any thread, a timer's included.
    pub fn increment_epoch(&self) {
        self.inner.epoch.fetch_add(1, Ordering::Relaxed);
    }

    /// Whether two handles refer to the same engine.
    pub fn same(a: &Engine, b: &Engine) -> bool {
        Arc::ptr_eq(&a.inner, &b.inner)
    }
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new(&Config::default())
    }
}
