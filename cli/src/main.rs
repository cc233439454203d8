//! The `petrel` command: runs, compiles ahead of time, validates and
//! spec-tests WebAssembly modules.
//!
//! This file only parses the command line, dispatches to one of
//! `commands/*` and turns the outcome into an exit status; everything a
//! command does lives in its own file.

mod commands;
mod module_file;
mod report;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Runs, precompiles, validates and tests WebAssembly modules with the
/// Petrel engine.
///
/// Modules may be given in the binary format (`.wasm`) or the text format
/// (`.wat`).
#[derive(Debug, Parser)]
#[command(name = "petrel", version)]
#[command(after_help = "Run `petrel help <COMMAND>` for a command's options.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    // Boxed: its options are several times the size of the others'.
    Run(Box<commands::run::RunArgs>),
    Compile(commands::compile::CompileArgs),
    Validate(commands::validate::ValidateArgs),
    Wast(commands::wast::WastArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Run(args) => commands::run::run(*args),
        Command::Compile(args) => commands::compile::compile(args),
        Command::Validate(args) => commands::validate::validate(args),
        Command::Wast(args) => commands::wast::wast(args),
    };
    match outcome {
        Ok(status) => status,
        Err(err) if report::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", report::render(&err));
            ExitCode::from(report::exit_status(&err))
        }
    }
}
