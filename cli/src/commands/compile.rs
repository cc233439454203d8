//! `petrel compile`: compiles a module with the JIT ahead of time and
//! writes the artifact, which `petrel run --allow-precompiled` runs without
//! compiling.

use super::WasmOpts;
use crate::module_file::ModuleFile;
use anyhow::{Context, Result};
use clap::Args;
use petrel::{Config, Engine, Tier};
use std::path::PathBuf;
use std::process::ExitCode;

/// Compiles a module ahead of time for this machine.
///
/// Writes the JIT's machine code for MODULE, with everything needed to run
/// it, to OUTPUT (default: MODULE with the extension `.cwasm`). Run it
/// with `petrel run --allow-precompiled OUTPUT`: no compilation, no
/// validation, the code mapped from the file. The artifact runs only on
/// this CPU (or one with the same features), with this version of Petrel,
/// and with the same code-changing `-W` options (`fuel`, `timeout`,
/// `nan-canonicalization`, the features), which `run` must be given
/// again; anything else is refused with an error saying to recompile.
#[derive(Debug, Args)]
pub struct CompileArgs {
    #[command(flatten)]
    wasm: WasmOpts,

    /// Where to write the artifact [default: MODULE with extension `.cwasm`].
    #[arg(short, long, value_name = "OUTPUT")]
    output: Option<PathBuf>,

    /// The module to compile: a `.wasm` binary or a `.wat` text file.
    #[arg(value_name = "MODULE")]
    module: PathBuf,
}

/// Runs `petrel compile`.
pub fn compile(args: CompileArgs) -> Result<ExitCode> {
    let mut config = Config::new();
    config.tier(Tier::Jit);
    args.wasm.apply(&mut config)?;
    let engine = Engine::new(&config);
    let path = args.module.display();
    let module = ModuleFile::read(&args.module)?
        .compile(&engine)
        .with_context(|| format!("failed to compile {path}"))?;
    let artifact = module
        .serialize()
        .with_context(|| format!("failed to serialize {path}"))?;
    let output = args
        .output
        .unwrap_or_else(|| args.module.with_extension("cwasm"));
    std::fs::write(&output, artifact)
        .with_context(|| format!("failed to write {}", output.display()))?;
    Ok(ExitCode::SUCCESS)
}
