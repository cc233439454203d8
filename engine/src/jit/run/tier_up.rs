//! The JIT's side of tier-up (`Tier::Auto`, see `runtime::tier_up`):
//! compiling a hot module, linking a store's instances when it moves to
//! compiled code, and the interpreter's calls into it.

use super::link::{link_instance, link_store};
use crate::error::Error;
use crate::runtime::tier_up::TierUpHooks;
use crate::runtime::{EngineShared, ModuleShared};
use alloc::boxed::Box;
use core::any::Any;

/// The functions the tier seam lends the runtime under `Tier::Auto`.
pub(crate) const TIER_UP: TierUpHooks = TierUpHooks {
    compile,
    install: link_store,
    link: link_instance,
    call: super::invoke::invoke_from_interpreter,
};

/// The JIT's code of `module`, as the interpreter's tier-up keeps it.
fn compile(engine: &EngineShared, module: &ModuleShared) -> Result<Box<dyn Any + Send + Sync>, Error> {
    let code = crate::jit::compile_module(engine, &module.info, &module.bytes)?;
    Ok(Box::new(code))
}
