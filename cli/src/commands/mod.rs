//! One module per subcommand, plus the options several of them share.

pub mod run;
pub mod validate;
pub mod wast;

use anyhow::{bail, Result};
use clap::ValueEnum;

/// The execution tier named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TierArg {
    /// The register-bytecode interpreter: starts instantly, runs everywhere.
    Interp,
    /// The optimising JIT compiler (not available yet).
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
            TierArg::Jit => bail!("the JIT tier is not available yet; use `--tier interp`"),
        }
    }
}
