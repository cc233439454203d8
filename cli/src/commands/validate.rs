//! `petrel validate`: decodes and validates modules without running them.

use super::WasmOpts;
use crate::module_file::ModuleFile;
use anyhow::Result;
use clap::Args;
use petrel::Engine;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Checks that modules are well-formed and valid.
///
/// Prints `FILE: ok` for each valid module and `FILE: <error>` for each
/// invalid one; errors give the byte offset and, inside code, the function
/// index. Exits with status 1 if any module is invalid or unreadable.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    wasm: WasmOpts,

    /// Modules to check: `.wasm` binaries or `.wat` text files.
    #[arg(value_name = "MODULE", required = true)]
    modules: Vec<PathBuf>,
}

/// Runs `petrel validate`.
pub fn validate(args: ValidateArgs) -> Result<ExitCode> {
    let mut config = petrel::Config::new();
    args.wasm.apply(&mut config)?;
    let engine = Engine::new(&config);
    let mut out = io::stdout().lock();
    let mut all_valid = true;
    for path in &args.modules {
        match check(&engine, path) {
            Ok(()) => writeln!(out, "{}: ok", path.display())?,
            Err(err) => {
                all_valid = false;
                writeln!(out, "{}: {err:#}", path.display())?;
            }
        }
    }
    out.flush()?;
    Ok(if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn check(engine: &Engine, path: &Path) -> Result<()> {
    ModuleFile::read(path)?.validate(engine)
}
