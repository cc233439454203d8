//! Precompilation: the first time an image runs, containerd-shim-wasm
//! hands its Wasm layers to [`PetrelCompiler::compile`] and keeps the
//! artifacts in containerd's content store, labelled with the cache key;
//! every later start of the image gets the artifact instead of the module
//! and loads its code without compiling.

use containerd_shim_wasm::sandbox::context::{WasmBinaryType, WasmLayer};
use containerd_shim_wasm::shim::Compiler;
use petrel::Engine;
use std::hash::{DefaultHasher, Hash, Hasher};

/// A hash of the shim's `Cargo.lock`. The engine's build id hashes its
/// sources and the main workspace's lock file, not the shim's, which
/// chooses the code generator's version here: a shim built with another
/// Cranelift must not load this one's artifacts.
const LOCK_HASH: u64 = fnv1a(include_bytes!("../Cargo.lock"));

/// FNV-1a, 64 bits, at compile time.
const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

/// Compiles layers with an engine of the sandbox's settings.
pub struct PetrelCompiler {
    engine: Engine,
    /// The hash of the engine's compatibility with artifacts, or why it
    /// has none.
    key: Result<u64, String>,
}

impl PetrelCompiler {
    pub fn new() -> Self {
        let engine = crate::engine::new();
        let key = match engine.precompile_compatibility_hash() {
            Ok(compat) => {
                let mut hasher = DefaultHasher::new();
                compat.hash(&mut hasher);
                LOCK_HASH.hash(&mut hasher);
                Ok(hasher.finish())
            }
            Err(err) => Err(err.to_string()),
        };
        Self { engine, key }
    }
}

impl Compiler for PetrelCompiler {
    /// Artifacts are kept per Petrel build, locked dependencies, CPU and
    /// code settings: another shim build or node compiles again rather than
    /// loading code made for something else.
    fn cache_key(&self) -> impl Hash {
        self.key.as_ref().ok().copied()
    }

    async fn compile(&self, layers: &[WasmLayer]) -> anyhow::Result<Vec<Option<Vec<u8>>>> {
        if let Err(why) = &self.key {
            anyhow::bail!("the shim's engine cannot precompile: {why}");
        }
        let mut out = Vec::with_capacity(layers.len());
        for layer in layers {
            // Only core modules compile; an artifact in an image is never
            // trusted as one (the sandbox refuses it), and anything else
            // is left for the sandbox to report.
            let compiled = match WasmBinaryType::from_bytes(&layer.layer) {
                Some(WasmBinaryType::Module) => {
                    log::info!("precompiling layer {}", layer.config.digest());
                    Some(self.engine.precompile_module(&layer.layer)?)
                }
                _ => None,
            };
            out.push(compiled);
        }
        Ok(out)
    }
}
