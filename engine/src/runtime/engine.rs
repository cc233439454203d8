//! What the runtime and the tiers share of an engine: its settings, its
//! function-type registry, how its linear memories are laid out, and the
//! state its tier keeps engine-wide (the JIT's ISA and stubs).

use super::memory::MemoryStrategy;
use super::pool::Pool;
use crate::config::Config;
use crate::types::TypeRegistry;
use alloc::boxed::Box;
use alloc::sync::Arc;
use core::any::Any;
use core::sync::atomic::AtomicUsize;

/// The shared part of an engine; the public `Engine` is an `Arc` of it and
/// every store holds one.
pub(crate) struct EngineShared {
    pub config: Config,
    pub types: TypeRegistry,
    /// Where this engine's linear memories live (chosen by the tier).
    pub memory: MemoryStrategy,
    /// State the engine's tier keeps for the whole engine, read only by
    /// that tier (`()` for the interpreter).
    pub tier: Box<dyn Any + Send + Sync>,
    /// The epoch guest code compares with its store's deadline
    /// (`Config::epoch_interruption`); only ever incremented. A `usize`,
    /// because 32-bit targets have no 64-bit atomics (there it wraps after
    /// 2^32 increments, 49 days of a millisecond timer).
    pub epoch: AtomicUsize,
    /// The pooling allocator, if the engine pools
    /// (`Config::allocation_strategy`).
    pub pool: Option<Arc<Pool>>,
    /// How to compile and run the upper tier under `Tier::Auto` (see
    /// `tier_up`); `None` for the other tiers.
    pub tier_up: Option<super::tier_up::TierUpHooks>,
}

impl core::fmt::Debug for EngineShared {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EngineShared")
            .field("config", &self.config)
            .field("memory", &self.memory)
            .finish_non_exhaustive()
    }
}
