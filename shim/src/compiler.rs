//! Precompilation: the first time an image runs, containerd-shim-wasm
//! hands its Wasm layers to [`PetrelCompiler::compile`] and keeps the
//! artifacts in containerd's content store, labelled with the cache key;
//! every later start of the image gets the artifact instead of the module
//! and maps its code without compiling.

use containerd_shim_wasm::sandbox::context::{WasmBinaryType, WasmLayer};
use containerd_shim_wasm::shim::Compiler;
use petrel::Engine;
use std::hash::{DefaultHasher, Hash, Hasher};

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
                Ok(hasher.finish())
            }
            Err(err) => Err(err.to_string()),
        };
        Self { engine, key }
    }
}

impl Compiler for PetrelCompiler {
    /// Artifacts are kept per Petrel build, CPU and code settings: another
    /// shim build or node compiles again rather than loading code made for
    /// something else.
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
