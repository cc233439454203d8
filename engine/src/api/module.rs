//! [`Module`]: a validated module, compiled once and shared by every store
//! and thread that instantiates it.

use super::engine::{Engine, Tier};
use super::types::{ExportType, ImportType};
use crate::error::{CompileError, Result};
use crate::interp::CompiledFuncs;
use crate::module::{features, parse_and_validate, ModuleInfo};
use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::sync::Arc;

/// A validated WebAssembly module. Cheap to clone; `Send` and `Sync`.
#[derive(Clone)]
pub struct Module {
    pub(crate) inner: Arc<ModuleInner>,
}

pub(crate) struct ModuleInner {
    pub engine: Engine,
    pub info: ModuleInfo,
    pub bytes: Box<[u8]>,
    pub code: CompiledFuncs,
    /// Machine code, when the engine's tier is the JIT.
    #[cfg(feature = "jit")]
    pub jit: Option<Arc<crate::jit::CompiledModule>>,
}

impl core::fmt::Debug for Module {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Module")
            .field("name", &self.inner.info.module_name)
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
        wat::parse_bytes(bytes).map_err(|e| CompileError::new(alloc::format!("{e}"), None).into())
    }

    #[cfg(not(feature = "wat"))]
    fn to_binary(bytes: &[u8]) -> Result<Cow<'_, [u8]>> {
        Ok(Cow::Borrowed(bytes))
    }

    /// Decodes and validates a module in the binary format.
    pub fn from_binary(engine: &Engine, binary: &[u8]) -> Result<Module> {
        let info = parse_and_validate(binary, features(engine.config()))?;
        let code = CompiledFuncs::new(info.bodies.len());
        let is_jit = engine.config().tier == Tier::Jit;
        #[cfg(feature = "jit")]
        let jit = if is_jit {
            Some(crate::jit::compile_module(
                &engine.inner.jit,
                &info,
                binary,
                crate::jit::signals_enabled(engine.config()),
            )?)
        } else {
            None
        };
        #[cfg(not(feature = "jit"))]
        if is_jit {
            return Err(CompileError::new(
                "this build of Petrel has no JIT (cargo feature `jit`)",
                None,
            )
            .into());
        }
        let module = Module {
            inner: Arc::new(ModuleInner {
                engine: engine.clone(),
                info,
                bytes: binary.into(),
                code,
                #[cfg(feature = "jit")]
                jit,
            }),
        };
        if !engine.config().lazy_translation && !is_jit {
            for def in 0..module.inner.info.bodies.len() as u32 {
                module.inner.compiled(def)?;
            }
        }
        Ok(module)
    }

    /// Checks that `bytes` (binary format) is a valid module, without
    /// keeping anything.
    pub fn validate(engine: &Engine, bytes: &[u8]) -> Result<()> {
        parse_and_validate(bytes, features(engine.config()))?;
        Ok(())
    }

    /// The engine the module was compiled for.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The module's name from its name section.
    pub fn name(&self) -> Option<&str> {
        self.inner.info.module_name.as_deref()
    }

    /// The imports, in order.
    pub fn imports(&self) -> impl ExactSizeIterator<Item = ImportType<'_>> + '_ {
        let info = &self.inner.info;
        info.imports.iter().map(move |i| ImportType {
            module: &i.module,
            name: &i.name,
            ty: info.extern_type(i.index),
        })
    }

    /// The exports, in order.
    pub fn exports(&self) -> impl ExactSizeIterator<Item = ExportType<'_>> + '_ {
        let info = &self.inner.info;
        info.export_order.iter().map(move |name| ExportType {
            name,
            ty: info.extern_type(info.exports[name.as_str()]),
        })
    }
}

impl ModuleInner {
    /// The translated code of defined function `def`, translating it on
    /// first use.
    pub(crate) fn compiled(&self, def: u32) -> Result<&crate::interp::CompiledFunc, CompileError> {
        self.code.get_or_translate(def, || {
            crate::interp::translate(&self.info, &self.bytes, def)
        })
    }
}
