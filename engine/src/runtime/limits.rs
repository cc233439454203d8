//! The store's resource limiter, as the runtime asks it: a hook the
//! embedding API installs from the embedder's `ResourceLimiter`, consulted
//! before a memory or table is created or grown and before an instance is
//! created. Without one, only the engine's `Config` limits apply.

use super::StoreInner;
use crate::error::{Error, Limit};
use alloc::boxed::Box;

/// A question the limiter answers.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LimitQuery {
    /// May a memory grow from `current` to `desired` bytes (`maximum` is
    /// its declared maximum in bytes)? 1 for yes, 0 for no.
    MemoryGrowing {
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    },
    /// May a table grow from `current` to `desired` elements? 1 or 0.
    TableGrowing {
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    },
    /// The most instances the store may have.
    Instances,
    /// The most memories the store may have.
    Memories,
    /// The most tables the store may have.
    Tables,
}

/// The installed limiter: called with the store's data (type-erased) and
/// a question. An error fails the operation that asked: a growth traps,
/// an instantiation fails.
pub(crate) type LimiterHook = dyn FnMut(*mut (), LimitQuery) -> Result<usize, Error> + Send + Sync;

/// The store's limiter, if the embedder installed one.
#[derive(Default)]
pub(crate) struct Limiter(Option<Box<LimiterHook>>);

impl Limiter {
    pub fn new(hook: Box<LimiterHook>) -> Self {
        Limiter(Some(hook))
    }

    fn ask(&mut self, data: *mut (), query: LimitQuery) -> Result<Option<usize>, Error> {
        match &mut self.0 {
            Some(hook) => hook(data, query).map(Some),
            None => Ok(None),
        }
    }
}

impl StoreInner {
    /// Whether a memory may grow from `current` to `desired` bytes (its
    /// declared maximum is `maximum` bytes, if it has one that fits).
    pub fn memory_growing(
        &mut self,
        data: *mut (),
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool, Error> {
        let answer = self.limiter.ask(
            data,
            LimitQuery::MemoryGrowing {
                current,
                desired,
                maximum,
            },
        )?;
        Ok(answer.is_none_or(|a| a != 0))
    }

    /// Whether a table may grow from `current` to `desired` elements.
    pub fn table_growing(
        &mut self,
        data: *mut (),
        current: usize,
        desired: usize,
        maximum: Option<u64>,
    ) -> Result<bool, Error> {
        let maximum = maximum.and_then(|m| usize::try_from(m).ok());
        let answer = self.limiter.ask(
            data,
            LimitQuery::TableGrowing {
                current,
                desired,
                maximum,
            },
        )?;
        Ok(answer.is_none_or(|a| a != 0))
    }

    /// Fails, naming the limit, unless the store may have `instances`,
    /// `memories` and `tables` more of each.
    pub fn check_counts(
        &mut self,
        data: *mut (),
        instances: usize,
        memories: usize,
        tables: usize,
    ) -> Result<(), Error> {
        let counts = [
            (
                LimitQuery::Instances,
                self.instances.len(),
                instances,
                "instances",
                Limit::StoreInstances,
            ),
            (
                LimitQuery::Memories,
                self.memories.len(),
                memories,
                "memories",
                Limit::StoreMemories,
            ),
            (
                LimitQuery::Tables,
                self.tables.len(),
                tables,
                "tables",
                Limit::StoreTables,
            ),
        ];
        for (query, have, more, what, kind) in counts {
            if more == 0 {
                continue;
            }
            if let Some(limit) = self.limiter.ask(data, query)? {
                if have.saturating_add(more) > limit {
                    return Err(Error::limit(
                        kind,
                        alloc::format!(
                            "resource limit exceeded: the store may have at most {limit} {what} \
                         (ResourceLimiter::{what})"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}
