//! The pooling allocator ([`InstanceAllocationStrategy::Pooling`]): an
//! engine-wide budget of live instances, memories and tables, and the warm
//! storage of released memories and tables, reused by the next instance
//! instead of being allocated (and, for a guarded memory, reserved and
//! mapped) again.
//!
//! Every live instance, memory and table of a pooling engine holds a
//! [`Slot`], which gives its place in the budget back when dropped.
//!
//! [`InstanceAllocationStrategy::Pooling`]: crate::InstanceAllocationStrategy::Pooling

use crate::config::PoolingAllocationConfig;
use crate::error::{Limit, LimitError};
use crate::sync::Mutex;
use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

/// What a slot is counted as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SlotKind {
    Instance,
    Memory,
    Table,
}

/// An engine's pool.
pub(crate) struct Pool {
    pub config: PoolingAllocationConfig,
    live: [AtomicU32; 3],
    /// Released guarded memories' reservations, reset.
    #[cfg(feature = "std")]
    warm_reservations: Mutex<Vec<crate::sys::Reservation>>,
    /// Released heap memories' allocations, emptied.
    warm_heaps: Mutex<Vec<Vec<u8>>>,
    /// Released tables' allocations, emptied.
    warm_tables: Mutex<Vec<Vec<u64>>>,
}

impl core::fmt::Debug for Pool {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pool")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// A place in the pool's budget, given back on drop.
pub(crate) struct Slot {
    pool: Arc<Pool>,
    kind: SlotKind,
}

impl Slot {
    pub fn pool(&self) -> &Arc<Pool> {
        &self.pool
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.pool.live[self.kind as usize].fetch_sub(1, Ordering::AcqRel);
    }
}

impl Pool {
    pub fn new(config: PoolingAllocationConfig) -> Self {
        Self {
            config,
            live: Default::default(),
            #[cfg(feature = "std")]
            warm_reservations: Mutex::default(),
            warm_heaps: Mutex::default(),
            warm_tables: Mutex::default(),
        }
    }

    /// A place for one more `kind`, or why there is none.
    pub fn slot(self: &Arc<Self>, kind: SlotKind) -> Result<Slot, LimitError> {
        let (total, what, setting, limit) = match kind {
            SlotKind::Instance => (
                self.config.total_core_instances,
                "instances",
                "total_core_instances",
                Limit::PoolInstances,
            ),
            SlotKind::Memory => (
                self.config.total_memories,
                "memories",
                "total_memories",
                Limit::PoolMemories,
            ),
            SlotKind::Table => (
                self.config.total_tables,
                "tables",
                "total_tables",
                Limit::PoolTables,
            ),
        };
        let live = &self.live[kind as usize];
        let claimed = live.fetch_add(1, Ordering::AcqRel);
        if claimed >= total {
            live.fetch_sub(1, Ordering::AcqRel);
            return Err(LimitError::new(
                limit,
                format!(
                    "the pooling allocator has no room for more {what}: all {total} are in \
                     use (PoolingAllocationConfig::{setting})"
                ),
            ));
        }
        Ok(Slot {
            pool: Arc::clone(self),
            kind,
        })
    }

    /// How many `kind`s are alive.
    #[cfg(test)]
    pub fn live(&self, kind: SlotKind) -> u32 {
        self.live[kind as usize].load(Ordering::Acquire)
    }

    /// The bytes a released memory keeps zeroed and resident: a whole
    /// number of Wasm pages, so a whole number of host pages too.
    pub fn keep_resident(&self) -> usize {
        self.config
            .linear_memory_keep_resident
            .next_multiple_of(super::PAGE_SIZE)
    }

    /// A warm reservation of `size` bytes, if one is kept.
    #[cfg(feature = "std")]
    pub fn take_reservation(&self, size: usize) -> Option<crate::sys::Reservation> {
        let mut warm = self.warm_reservations.lock();
        let i = warm.iter().position(|r| r.size() == size)?;
        Some(warm.swap_remove(i))
    }

    /// Resets a released memory's reservation and keeps it warm, or
    /// unmaps it if enough are kept or it cannot be reset.
    #[cfg(feature = "std")]
    pub fn keep_reservation(&self, mut reservation: crate::sys::Reservation) {
        // The reset is system calls: outside the lock.
        if reservation.reset(self.keep_resident()).is_none() {
            return;
        }
        let mut warm = self.warm_reservations.lock();
        if warm.len() < self.config.max_unused_warm_slots as usize {
            warm.push(reservation);
        }
    }

    /// A warm, empty heap allocation for a memory, if one is kept.
    pub fn take_heap(&self) -> Option<Vec<u8>> {
        self.warm_heaps.lock().pop()
    }

    /// Keeps a released heap memory's allocation warm if it is no larger
    /// than what is kept resident (a larger one is freed: holding it would
    /// hold its memory).
    pub fn keep_heap(&self, bytes: Vec<u8>) {
        self.keep_warm(&self.warm_heaps, bytes);
    }

    /// A warm, empty table allocation, if one is kept.
    pub fn take_table(&self) -> Option<Vec<u64>> {
        self.warm_tables.lock().pop()
    }

    /// Keeps a released table's allocation warm, under the same bound as
    /// a memory's.
    pub fn keep_table(&self, elems: Vec<u64>) {
        self.keep_warm(&self.warm_tables, elems);
    }

    /// Empties `v` and keeps it in `warm`, unless it holds more than
    /// [`Pool::keep_resident`] bytes or enough are kept.
    fn keep_warm<T>(&self, warm: &Mutex<Vec<Vec<T>>>, mut v: Vec<T>) {
        if v.capacity() * core::mem::size_of::<T>() > self.keep_resident() {
            return;
        }
        v.clear();
        let mut warm = warm.lock();
        if warm.len() < self.config.max_unused_warm_slots as usize {
            warm.push(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_bounded_and_given_back() {
        let mut config = PoolingAllocationConfig::default();
        config.total_memories(2);
        let pool = Arc::new(Pool::new(config));
        let a = pool.slot(SlotKind::Memory).unwrap();
        let _b = pool.slot(SlotKind::Memory).unwrap();
        let err = pool.slot(SlotKind::Memory).err().unwrap();
        assert_eq!(err.limit(), Limit::PoolMemories);
        assert!(err.message().contains("total_memories"), "{err}");
        assert_eq!(pool.live(SlotKind::Memory), 2);
        drop(a);
        assert_eq!(pool.live(SlotKind::Memory), 1);
        assert!(pool.slot(SlotKind::Memory).is_ok());
        // Other kinds have their own budgets.
        assert!(pool.slot(SlotKind::Table).is_ok());
    }
}
