//! The one engine configuration of the shim. The compiler's artifacts are
//! loaded by the sandbox's engine, so both are made here: the JIT, with
//! epoch interruption so that a signal to the container stops its guest.

use petrel::{Config, Engine, Tier};

/// A new engine with the shim's settings.
pub fn new() -> Engine {
    let mut config = Config::new();
    config.tier(Tier::Jit).epoch_interruption(true);
    Engine::new(&config)
}
