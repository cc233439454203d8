//! [`ResourceLimiter`]: what a store may allocate, decided by the embedder
//! ([`Store::limiter`](crate::Store::limiter)), and [`StoreLimits`], a
//! ready one with fixed caps. Shaped like wasmtime's.

use crate::error::{Error, Limit, Result};
use crate::runtime::LimitQuery;

/// The default count of instances, memories and tables a store may have.
pub const DEFAULT_INSTANCE_LIMIT: usize = 10_000;
/// See [`DEFAULT_INSTANCE_LIMIT`].
pub const DEFAULT_TABLE_LIMIT: usize = 10_000;
/// See [`DEFAULT_INSTANCE_LIMIT`].
pub const DEFAULT_MEMORY_LIMIT: usize = 10_000;

/// Decides what a store may allocate. Asked before a memory or table is
/// created (from size 0) or grown, and before an instance, memory or
/// table is created; the engine's `Config` limits apply as well.
pub trait ResourceLimiter: Send {
    /// Whether a linear memory may grow from `current` to `desired` bytes
    /// (`maximum` is its declared maximum, if any). `Ok(false)` refuses:
    /// `memory.grow` returns -1, and creating the memory fails. An error
    /// traps the guest that grows it, or fails the instantiation.
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool>;

    /// Whether a table may grow from `current` to `desired` elements; as
    /// [`ResourceLimiter::memory_growing`].
    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool>;

    /// The most instances the store may have.
    fn instances(&self) -> usize {
        DEFAULT_INSTANCE_LIMIT
    }

    /// The most tables the store may have.
    fn tables(&self) -> usize {
        DEFAULT_TABLE_LIMIT
    }

    /// The most linear memories the store may have.
    fn memories(&self) -> usize {
        DEFAULT_MEMORY_LIMIT
    }
}

/// Asks `limiter` `query`, as the runtime's hook answers it.
pub(crate) fn answer(limiter: &mut dyn ResourceLimiter, query: LimitQuery) -> Result<usize> {
    Ok(match query {
        LimitQuery::MemoryGrowing {
            current,
            desired,
            maximum,
        } => limiter.memory_growing(current, desired, maximum)? as usize,
        LimitQuery::TableGrowing {
            current,
            desired,
            maximum,
        } => limiter.table_growing(current, desired, maximum)? as usize,
        LimitQuery::Instances => limiter.instances(),
        LimitQuery::Memories => limiter.memories(),
        LimitQuery::Tables => limiter.tables(),
    })
}

/// A [`ResourceLimiter`] with fixed caps, built with
/// [`StoreLimitsBuilder`]. Without a cap, a resource is limited only by
/// the engine's `Config` and the defaults.
#[derive(Debug, Clone)]
pub struct StoreLimits {
    memory_size: Option<usize>,
    table_elements: Option<usize>,
    instances: usize,
    tables: usize,
    memories: usize,
    trap_on_grow_failure: bool,
}

impl Default for StoreLimits {
    fn default() -> Self {
        StoreLimits {
            memory_size: None,
            table_elements: None,
            instances: DEFAULT_INSTANCE_LIMIT,
            tables: DEFAULT_TABLE_LIMIT,
            memories: DEFAULT_MEMORY_LIMIT,
            trap_on_grow_failure: false,
        }
    }
}

/// Builds [`StoreLimits`].
#[derive(Debug, Clone, Default)]
pub struct StoreLimitsBuilder(StoreLimits);

impl StoreLimitsBuilder {
    /// No caps yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The most bytes any one linear memory may have.
    pub fn memory_size(mut self, bytes: usize) -> Self {
        self.0.memory_size = Some(bytes);
        self
    }

    /// The most elements any one table may have.
    pub fn table_elements(mut self, elements: usize) -> Self {
        self.0.table_elements = Some(elements);
        self
    }

    /// The most instances the store may have.
    pub fn instances(mut self, n: usize) -> Self {
        self.0.instances = n;
        self
    }

    /// The most tables the store may have.
    pub fn tables(mut self, n: usize) -> Self {
        self.0.tables = n;
        self
    }

    /// The most linear memories the store may have.
    pub fn memories(mut self, n: usize) -> Self {
        self.0.memories = n;
        self
    }

    /// Whether a `memory.grow` or `table.grow` past a cap traps the guest
    /// instead of returning -1 (default: it returns -1).
    pub fn trap_on_grow_failure(mut self, trap: bool) -> Self {
        self.0.trap_on_grow_failure = trap;
        self
    }

    /// The limits.
    pub fn build(self) -> StoreLimits {
        self.0
    }
}

impl StoreLimits {
    fn grow(&self, what: &str, limit: Limit, desired: usize, cap: Option<usize>) -> Result<bool> {
        match cap {
            Some(cap) if desired > cap => {
                if self.trap_on_grow_failure {
                    Err(Error::limit(
                        limit,
                        alloc::format!(
                            "resource limit exceeded: {what} of {desired} is over the store's \
                         limit of {cap}"
                        ),
                    ))
                } else {
                    Ok(false)
                }
            }
            _ => Ok(true),
        }
    }
}

impl ResourceLimiter for StoreLimits {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool> {
        self.grow(
            "a memory size in bytes",
            Limit::StoreMemorySize,
            desired,
            self.memory_size,
        )
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool> {
        self.grow(
            "a table size in elements",
            Limit::StoreTableSize,
            desired,
            self.table_elements,
        )
    }

    fn instances(&self) -> usize {
        self.instances
    }

    fn tables(&self) -> usize {
        self.tables
    }

    fn memories(&self) -> usize {
        self.memories
    }
}
