//! One module per subcommand, plus the options several of them share.

pub mod run;
pub mod validate;
pub mod wast;

use anyhow::Result;
use clap::{Args, ValueEnum};

/// The execution tier named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TierArg {
    /// The register-bytecode interpreter: starts instantly, runs everywhere.
    Interp,
    /// The optimising JIT compiler (Cranelift; x86-64 hosts).
    Jit,
}

impl TierArg {
    /// Selects this tier in `config`, or says why it cannot be used.
    pub fn apply(self, config: &mut petrel::Config) -> Result<()> {
        match self {
            TierArg::Interp => {
                config.tier(petrel::Tier::Interpreter);
                Ok(())
            }
            TierArg::Jit => {
                config.tier(petrel::Tier::Jit);
                Ok(())
            }
        }
    }
}

/// WebAssembly feature options, as `-W NAME=y|n` (wasmtime's spelling).
#[derive(Debug, Clone, Default, Args)]
pub struct WasmOpts {
    /// A WebAssembly feature on or off, e.g. `-W multi-memory=n` to
    /// validate exactly Wasm 2.0. Known: multi-memory (default y).
    #[arg(short = 'W', value_name = "FEATURE=y|n", value_parser = parse_wasm_opt)]
    wasm: Vec<(WasmFeature, bool)>,
}

/// A feature `-W` can switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WasmFeature {
    MultiMemory,
}

/// Parses `NAME[=y|n]` (a bare name means on); an unknown name or value
/// is a usage error.
fn parse_wasm_opt(opt: &str) -> Result<(WasmFeature, bool), String> {
    let (name, value) = opt.split_once('=').unwrap_or((opt, "y"));
    let on = match value {
        "y" | "yes" | "true" => true,
        "n" | "no" | "false" => false,
        other => return Err(format!("expected y or n after `{name}=`, found `{other}`")),
    };
    let feature = match name {
        "multi-memory" => WasmFeature::MultiMemory,
        other => {
            return Err(format!(
                "unknown WebAssembly feature `{other}` (known: multi-memory)"
            ))
        }
    };
    Ok((feature, on))
}

impl WasmOpts {
    /// Applies the options to `config`.
    pub fn apply(&self, config: &mut petrel::Config) -> Result<()> {
        for &(feature, on) in &self.wasm {
            match feature {
                WasmFeature::MultiMemory => {
                    config.wasm_multi_memory(on);
                }
            }
        }
        Ok(())
    }
}
