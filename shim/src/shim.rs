//! The runtime's identity for containerd: its name (`petrel`, so the
//! runtime is `io.containerd.petrel.v1`), version, sandbox and compiler.

use crate::compiler::PetrelCompiler;
use crate::sandbox::PetrelSandbox;
use containerd_shim_wasm::shim::{version, Shim, Version};

/// The Petrel shim.
pub struct PetrelShim;

impl Shim for PetrelShim {
    fn name() -> &'static str {
        "petrel"
    }

    fn version() -> Version {
        version!()
    }

    type Sandbox = PetrelSandbox;

    #[allow(refining_impl_trait)]
    async fn compiler() -> Option<PetrelCompiler> {
        Some(PetrelCompiler::new())
    }
}
