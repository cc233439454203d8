//! The `petrel` command: runs, serves over HTTP, compiles ahead of time,
//! validates and spec-tests WebAssembly modules.
//!
//! This file only parses the command line, dispatches to one of
//! `commands/*` and turns the outcome into an exit status; everything a
//! command does lives in its own file.

mod commands;
mod module_file;
mod report;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::process::ExitCode;

/// Runs, serves, precompiles, validates and tests WebAssembly modules with
/// the Petrel engine.
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
    Serve(Box<commands::serve::ServeArgs>),
    Compile(commands::compile::CompileArgs),
    Validate(commands::validate::ValidateArgs),
    Wast(commands::wast::WastArgs),
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    // Where each `--dir`/`--dir-ro` stood on the command line: preopens
    // are numbered in that order.
    if let (Command::Run(args), Some(m)) = (&mut cli.command, matches.subcommand_matches("run")) {
        args.order_preopens(m);
    }
    if let (Command::Serve(args), Some(m)) = (&mut cli.command, matches.subcommand_matches("serve"))
    {
        args.assign_route_options(m);
    }
    let outcome = match cli.command {
        Command::Run(args) => commands::run::run(*args),
        Command::Serve(args) => commands::serve::serve(*args),
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
