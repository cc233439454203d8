//! The guest's WASI context, from the container's: its process arguments
//! (`argv[0]` is the entrypoint as written), its environment, the
//! container's standard streams (the shim's own 0-2, which containerd
//! wired to the container's), and the container's mounts as preopened
//! directories, read-only where they are mounted so.

use crate::mounts::Mount;
use containerd_shim_wasm::sandbox::context::RuntimeContext;
use petrel_wasi::{WasiCtx, WasiCtxBuilder};
use std::path::Path;

/// The context a container's guest starts with.
pub fn wasi(ctx: &impl RuntimeContext, mounts: &[Mount]) -> anyhow::Result<WasiCtx> {
    let mut builder = WasiCtxBuilder::new();
    builder.args(ctx.args()).inherit_stdio();
    for var in ctx.envs() {
        let (name, value) = var.split_once('=').unwrap_or((var, ""));
        builder.env(name, value);
    }
    for mount in mounts {
        if !Path::new(&mount.path).is_dir() {
            continue;
        }
        builder.preopened_dir(Path::new(&mount.path), &mount.path, mount.perms)?;
    }
    Ok(builder.build()?)
}
