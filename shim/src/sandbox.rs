//! Running a container: its module (or the artifact the compiler made of
//! it) loaded, linked with WASI preview1 and its entry function called,
//! and the outcome turned into the container's exit status:
//!
//! - the guest's `proc_exit(N)`: N (0 when the entry function returns);
//! - 128 + the signal's number, when a signal stopped it (`stop.rs`);
//! - 134 (128 + SIGABRT, as `petrel run`) when it trapped, or ended with
//!   an uncaught exception; the trap and its Wasm backtrace go to the
//!   container's stderr;
//! - 1 when it could not start (an invalid module, an unknown import, no
//!   such entry function), with the reason on the container's stderr.

use crate::stop::Stop;
use anyhow::{bail, Context};
use containerd_shim_wasm::sandbox::context::{RuntimeContext, Source, WasmBinaryType};
use containerd_shim_wasm::sandbox::Sandbox;
use petrel::{Engine, Linker, Module, Store, TrapCode, Val};
use petrel_wasi::{I32Exit, WasiCtx};

/// Runs one container's guest. Created fresh in the container's process.
#[derive(Default)]
pub struct PetrelSandbox;

impl Sandbox for PetrelSandbox {
    async fn run_wasi(&self, ctx: &impl RuntimeContext) -> anyhow::Result<i32> {
        let engine = crate::engine::new();
        let stop = Stop::listen(&engine).context("cannot listen for signals")?;
        let status = match run(&engine, ctx, &stop) {
            Ok(status) => status,
            Err(Failure::Setup(err)) => {
                eprintln!("error: {err:#}");
                1
            }
            Err(Failure::Guest(err)) => {
                eprintln!("error: {err:#}");
                134
            }
        };
        log::info!("the guest ended with status {status}");
        Ok(status)
    }
}

/// Why a container did not end by itself.
enum Failure {
    /// Before the guest ran.
    Setup(anyhow::Error),
    /// The guest trapped or threw.
    Guest(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(err: E) -> Self {
        Failure::Setup(err.into())
    }
}

/// Runs the container's guest to its end: its exit status, or why it
/// failed.
fn run(engine: &Engine, ctx: &impl RuntimeContext, stop: &Stop) -> Result<i32, Failure> {
    let entry = ctx.entrypoint();
    let module = load(engine, &entry.source)?;
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo")
        .context("cannot read the container's mounts")?;
    let mounts = crate::mounts::from_mountinfo(&mountinfo);
    let wasi = crate::context::wasi(ctx, &mounts)?;

    let mut store = Store::new(engine, wasi);
    // The deadline is the next epoch, set before any guest code runs (a
    // start function included) and before the check below: a signal from
    // now on interrupts the guest, and one before it is seen there.
    store.set_epoch_deadline(1);
    let mut linker = Linker::<WasiCtx>::new(engine);
    petrel_wasi::add_to_linker(&mut linker, |wasi| wasi)?;
    // A trap here is the guest's own (its start function, a segment out of
    // bounds).
    let instance = linker.instantiate(&mut store, &module).map_err(failure)?;
    let name = &entry.func;
    let func = instance
        .get_func(&mut store, name)
        .with_context(|| format!("the module has no function `{name}` to start"))?;
    let results = func.ty(&store).results().len();
    let mut results = vec![Val::I32(0); results];

    if let Some(signal) = stop.signal() {
        return Ok(128 + signal);
    }
    log::info!("calling `{name}`");
    let Err(err) = func.call(&mut store, &[], &mut results) else {
        return Ok(0);
    };
    if let Some(&I32Exit(code)) = err.downcast_ref::<I32Exit>() {
        return Ok(code);
    }
    if let (Some(TrapCode::Interrupt), Some(signal)) = (err.trap_code(), stop.signal()) {
        return Ok(128 + signal);
    }
    Err(failure(err))
}

/// A trap or an uncaught exception is the guest's failure; anything else
/// (an import missing, an entry function with parameters) the setup's.
fn failure(err: petrel::Error) -> Failure {
    if err.trap_code().is_some() || err.as_exception().is_some() {
        Failure::Guest(err.into())
    } else {
        Failure::Setup(err.into())
    }
}

/// The container's module: compiled from the image's Wasm layer (or a
/// file in the image), or loaded from the artifact the shim's compiler made
/// of that layer.
fn load(engine: &Engine, source: &Source<'_>) -> anyhow::Result<Module> {
    let bytes = source.as_bytes()?;
    if source.is_precompiled()? {
        log::info!("loading the precompiled module");
        // SAFETY: containerd-shim-wasm flags a layer precompiled only when
        // it is the content this shim's compiler stored for the image under
        // its cache key (same Petrel build, CPU and settings), in
        // containerd's content store, which only its administrator can
        // write. The loader still checks the artifact's integrity and
        // header before running any of it.
        let module = unsafe { Module::deserialize(engine, &bytes) }
            .context("cannot load the precompiled module")?;
        return Ok(module);
    }
    if Engine::is_precompiled(&bytes) {
        bail!(
            "the image holds a precompiled Petrel artifact, which is machine code and is \
             never run from an image: give the image the WebAssembly module (the shim \
             precompiles it itself)"
        );
    }
    if let Some(WasmBinaryType::Component) = WasmBinaryType::from_bytes(&bytes) {
        bail!("the image holds a WebAssembly component; Petrel runs core modules (WASI preview1)");
    }
    Module::new(engine, &bytes).context("cannot compile the module")
}
