//! One module per subcommand, plus the options several of them share.

pub mod run;
pub mod validate;
pub mod wast;

use anyhow::Result;
use clap::ValueEnum;

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
