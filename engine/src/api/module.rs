//! [`Module`]: a validated module, compiled once and shared by every store
//! and thread that instantiates it.

use super::backend;
use super::engine::Engine;
use super::types::{ExportType, ExternType, ImportType};
use crate::error::Result;
use crate::module::{features, parse_and_validate};
use crate::runtime::{ModuleBytes, ModuleShared};
use alloc::borrow::Cow;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// A validated WebAssembly module. Cheap to clone; `Send` and `Sync`.
#[derive(Clone)]
pub struct Module {
    pub(crate) engine: Engine,
    pub(crate) shared: Arc<ModuleShared>,
}

impl core::fmt::Debug for Module {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Module")
            .field("name", &self.shared.info.module_name)
            .finish_non_exhaustive()
    }
}

impl Module {
    /// Decodes and validates a module. `bytes` is the binary format or,
    /// with the `wat` feature (on by default), the text format.
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        let bytes = bytes.as_ref();
        let binary = Self::to_binary(bytes)?;
        Self::from_binary(engine, &binary)
    }

    #[cfg(feature = "wat")]
    fn to_binary(bytes: &[u8]) -> Result<Cow<'_, [u8]>> {
        wat::parse_bytes(bytes)
            .map_err(|e| crate::error::CompileError::new(alloc::format!("{e}"), None).into())
    }

    #[cfg(not(feature = "wat"))]
    fn to_binary(bytes: &[u8]) -> Result<Cow<'_, [u8]>> {
        Ok(Cow::Borrowed(bytes))
    }

    /// Decodes and validates a module in the binary format, then compiles
    /// it for the engine's tier.
    pub fn from_binary(engine: &Engine, binary: &[u8]) -> Result<Module> {
        let inner = &engine.inner;
        let compile = || {
            let mut info = parse_and_validate(binary, features(&inner.config))?;
            info.register_types(&inner.types);
            let code = backend::compile(inner, &info, binary)?;
            Ok::<_, crate::Error>(ModuleShared::new(
                info,
                ModuleBytes::Owned(binary.into()),
                code,
            ))
        };
        #[cfg(feature = "jit")]
        let shared = match &inner.config.compile_cache {
            Some(cache) if inner.config.tier == crate::Tier::Jit => {
                backend::cached_module(inner, cache, binary, compile)?
            }
            _ => compile()?,
        };
        #[cfg(not(feature = "jit"))]
        let shared = compile()?;
        Ok(Module::loaded(engine, shared))
    }

    /// The module made of `shared`, its code announced to the profiler.
    fn loaded(engine: &Engine, shared: ModuleShared) -> Module {
        backend::announce_code(&engine.inner, &shared);
        Module {
            engine: engine.clone(),
            shared: Arc::new(shared),
        }
    }

    /// Saves the module's compiled code as a precompiled artifact, which
    /// [`Module::deserialize`] and [`Module::deserialize_file`] load back
    /// without compiling or validating it again. Only modules compiled by
    /// the JIT; the artifact holds the machine code for this CPU and the
    /// engine's settings, and only an engine with the same ones loads it.
    pub fn serialize(&self) -> Result<Vec<u8>> {
        backend::serialize(&self.engine.inner, &self.shared)
    }

    /// Loads a precompiled artifact ([`Module::serialize`],
    /// [`Engine::precompile_module`], `petrel compile`) from memory: its
    /// code is copied to executable memory, not compiled. An artifact made
    /// by another Petrel, for another CPU or with other code-changing
    /// settings, or damaged or truncated, is refused with
    /// [`Error::Artifact`](crate::Error::Artifact).
    ///
    /// # Safety
    ///
    /// The artifact's machine code runs as it is; the checks catch
    /// accidents, not forgeries. `bytes` must come from Petrel's own
    /// serialization, from a source you trust as you would trust a native
    /// library.
    pub unsafe fn deserialize(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        // SAFETY: the caller vouches for the artifact.
        let shared = unsafe {
            backend::deserialize(
                &engine.inner,
                backend::ArtifactSource::Bytes(bytes.as_ref()),
            )?
        };
        Ok(Module::loaded(engine, shared))
    }

    /// Loads the precompiled artifact in file `path`, as
    /// [`Module::deserialize`] does, but maps its code executable in place
    /// (no copy, pages shared between processes running the same file).
    ///
    /// # Safety
    ///
    /// As for [`Module::deserialize`], and the file must not be modified
    /// while the module (or an instance of it) is alive: the code runs from
    /// its pages. Replacing it by renaming another file over it is fine.
    #[cfg(feature = "std")]
    pub unsafe fn deserialize_file(
        engine: &Engine,
        path: impl AsRef<std::path::Path>,
    ) -> Result<Module> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|e| {
            crate::error::ArtifactError::new(alloc::format!("{}: {e}", path.display()))
        })?;
        // SAFETY: the caller vouches for the artifact and its stability.
        let shared =
            unsafe { backend::deserialize(&engine.inner, backend::ArtifactSource::File(&file))? };
        Ok(Module::loaded(engine, shared))
    }

    /// Checks that `bytes` (binary format) is a valid module, without
    /// keeping anything.
    pub fn validate(engine: &Engine, bytes: &[u8]) -> Result<()> {
        parse_and_validate(bytes, features(engine.config()))?;
        Ok(())
    }

    /// The engine the module was compiled for.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The module's name from its name section.
    pub fn name(&self) -> Option<&str> {
        self.shared.info.module_name.as_deref()
    }

    /// The imports, in order.
    pub fn imports(&self) -> impl ExactSizeIterator<Item = ImportType<'_>> + '_ {
        let info = &self.shared.info;
        let engine = &self.engine.inner;
        info.imports.iter().map(move |i| ImportType {
            module: &i.module,
            name: &i.name,
            ty: ExternType::from_internal(info.extern_type(i.index), engine),
        })
    }

    /// The exports, in order.
    pub fn exports(&self) -> impl ExactSizeIterator<Item = ExportType<'_>> + '_ {
        let info = &self.shared.info;
        let engine = &self.engine.inner;
        info.export_order.iter().map(move |name| ExportType {
            name,
            ty: ExternType::from_internal(info.extern_type(info.exports[name.as_str()]), engine),
        })
    }
}
