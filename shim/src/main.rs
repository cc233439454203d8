//! `containerd-shim-petrel-v1`: the containerd shim that runs OCI images of
//! WebAssembly modules on Petrel (runtime `io.containerd.petrel.v1`).
//!
//! runwasi's `containerd-shim-wasm` does the containerd side: the shim
//! protocol, the container (namespaces, cgroups, mounts, stdio) and the
//! image's Wasm layers. This crate plugs Petrel in: `shim.rs` names the
//! runtime, `sandbox.rs` runs a container's module, `compiler.rs`
//! precompiles an image's layers once, `engine.rs` is the one engine
//! configuration both use, `context.rs` builds the guest's WASI context,
//! `mounts.rs` finds the container's mounts, its preopens, and `stop.rs`
//! stops the guest when the container is signalled.
//! `docs/kubernetes.md` says how to install and use it.

mod compiler;
mod context;
mod engine;
mod mounts;
mod sandbox;
mod shim;
mod stop;

use containerd_shim_wasm::shim::Cli;

fn main() {
    shim::PetrelShim::run(None);
}
