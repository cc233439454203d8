//! `petrel wast`: runs `.wast` spec scripts through `petrel-spec` and
//! reports what passed.

use super::{TierArg, WasmOpts};
use anyhow::{Context, Result};
use clap::Args;
use petrel::Config;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Failures listed per file before the rest are summarised.
const MAX_FAILURES_SHOWN: usize = 20;

/// Runs WebAssembly spec test scripts (`.wast`).
///
/// Prints `FILE: P passed, F failed` for each script with the failed
/// directives below it (at most 20 per file), then the totals as
/// `N passed, M failed`. Exits with status 1 if any directive failed.
#[derive(Debug, Args)]
pub struct WastArgs {
    /// Execution tier to run the scripts with.
    #[arg(long, value_enum, default_value_t = TierArg::Interp)]
    tier: TierArg,

    #[command(flatten)]
    wasm: WasmOpts,

    /// Scripts to run.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
}

/// Runs `petrel wast`.
pub fn wast(args: WastArgs) -> Result<ExitCode> {
    let mut config = Config::new();
    args.tier.apply(&mut config)?;
    args.wasm.apply(&mut config)?;
    let mut out = io::stdout().lock();
    let (mut passed, mut failed) = (0, 0);
    for path in &args.files {
        let name = path.display().to_string();
        let (p, failures) = match run_file(path, &name, &config) {
            Ok(report) => (
                report.passed,
                // The count, not the list's length: the runner may list
                // fewer failures than it counted.
                Failures {
                    count: report.failed,
                    lines: report.failures.iter().map(ToString::to_string).collect(),
                },
            ),
            Err(err) => (
                0,
                Failures {
                    count: 1,
                    lines: vec![format!("error: {err:#}")],
                },
            ),
        };
        passed += p;
        failed += failures.count;
        writeln!(out, "{name}: {p} passed, {} failed", failures.count)?;
        for line in failures.lines.iter().take(MAX_FAILURES_SHOWN) {
            // Messages may span lines (a trap's backtrace): keep them all
            // under their file.
            for part in line.lines() {
                writeln!(out, "  {part}")?;
            }
        }
        if failures.lines.len() > MAX_FAILURES_SHOWN {
            writeln!(
                out,
                "  ... {} more",
                failures.lines.len() - MAX_FAILURES_SHOWN
            )?;
        }
    }
    writeln!(out, "{passed} passed, {failed} failed")?;
    out.flush()?;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

struct Failures {
    count: usize,
    lines: Vec<String>,
}

fn run_file(path: &Path, name: &str, config: &Config) -> Result<petrel_spec::Report> {
    let source = std::fs::read_to_string(path).with_context(|| format!("failed to read {name}"))?;
    // `run_wast` catches engine panics itself and reports them as failed
    // directives.
    Ok(petrel_spec::run_wast(name, &source, config))
}
