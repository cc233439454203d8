//! The `petrel` command: runs, validates and spec-tests WebAssembly modules.
//!
//! This file only parses the command line, dispatches to one of
//! `commands/*` and turns the outcome into an exit status; everything a
//! command does lives in its own file.

mod commands;
mod module_file;

use clap::{Parser, Subcommand};
use std::io;
use std::process::ExitCode;

/// Exit status of a command that finished and found nothing wrong.
const EXIT_OK: u8 = 0;
/// Exit status for errors: an unreadable or invalid module, a link error,
/// bad arguments to the invoked function, failed validation or tests.
const EXIT_ERROR: u8 = 1;
// 2 is clap's status for a malformed command line (unknown flag, missing
// value, ...); clap exits with it before any command runs.
/// Exit status when guest code traps: 128 + SIGABRT, as wasmtime uses on
/// unix, so scripts can tell a trapping program from one that failed to
/// load.
const EXIT_TRAP: u8 = 134;

/// Runs, validates and tests WebAssembly modules with the Petrel engine.
///
/// Modules may be given in the binary format (`.wasm`) or the text format
/// (`.wat`).
#[derive(Debug, Parser)]
#[command(name = "petrel", version, propagate_version = true)]
#[command(after_help = "Run `petrel help <COMMAND>` for a command's options.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Run(commands::run::RunArgs),
    Validate(commands::validate::ValidateArgs),
    Wast(commands::wast::WastArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Run(args) => commands::run::run(args),
        Command::Validate(args) => commands::validate::validate(args),
        Command::Wast(args) => commands::wast::wast(args),
    };
    match outcome {
        Ok(status) => status,
        // Output piped into `head` and the like: stop quietly, as other
        // command-line tools do.
        Err(err) if is_broken_pipe(&err) => ExitCode::from(EXIT_OK),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(if is_trap(&err) { EXIT_TRAP } else { EXIT_ERROR })
        }
    }
}

/// Whether guest code trapped, during instantiation (a start function or
/// an out-of-bounds segment) or the call itself.
fn is_trap(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause.is::<petrel::Trap>()
            || cause
                .downcast_ref::<petrel::Error>()
                .is_some_and(|e| e.as_trap().is_some())
    })
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}
