//! Linear memories. Security-critical: every access the interpreter makes
//! goes through the bounds checks in `interp::exec::memory`, against the
//! length kept here; compiled code either checks against the same length
//! or, for a guarded memory, relies on the guard region behind it.
//!
//! Where a memory's bytes live is its engine's [`MemoryStrategy`], chosen
//! by the tier (see `linear`). Code outside this folder reaches the bytes
//! through [`MemoryEntity::bytes`] and [`MemoryEntity::bytes_mut`], or, on
//! the hot paths, through the base and length it caches and refreshes
//! after anything that can grow the memory.

#[cfg(feature = "std")]
pub(crate) mod image;
mod linear;
#[cfg(feature = "std")]
pub(crate) mod parking;
#[cfg(feature = "std")]
pub(crate) mod shared;

use super::pool::Slot;
use super::vm::VMMemory;
use super::EngineShared;
use crate::types::MemoryType;
use alloc::boxed::Box;
use linear::LinearBytes;

pub(crate) use linear::GUARD_BYTES;

/// Bytes in one WebAssembly page of the default size (a memory may
/// declare one-byte pages: `MemoryType::page_size`).
pub(crate) const PAGE_SIZE: usize = 65_536;

/// Where an engine's linear memories live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MemoryStrategy {
    /// A heap allocation that may move when it grows (the interpreter,
    /// `no_std`, and the JIT without signal-based traps).
    Heap,
    /// A reservation of 4 GiB plus [`GUARD_BYTES`] of address space that
    /// never moves; growing makes more of it accessible, and any 32-bit
    /// index plus an offset below the guard size lands inside it, so an
    /// out-of-bounds access faults instead of reaching other memory (the
    /// JIT with signal-based traps).
    Guarded,
    /// A reservation of address space without a guard region (at least
    /// 1 MiB, a power of two), moved to a larger one when the memory
    /// outgrows it: its pages are the kernel's zero pages until the guest
    /// writes them, so an idle instance costs only what it touched, and it
    /// can map copy-on-write images (the interpreter, which checks every
    /// access). Falls back to the heap where the platform cannot reserve.
    Reserved,
}

impl MemoryStrategy {
    /// The layout for memories whose every access is checked: a
    /// reservation where the platform has them, else the heap.
    pub(crate) const fn checked() -> Self {
        if cfg!(feature = "std") {
            MemoryStrategy::Reserved
        } else {
            MemoryStrategy::Heap
        }
    }
}

/// A linear memory in a store.
pub(crate) struct MemoryEntity {
    pub ty: MemoryType,
    /// The guest's bytes; their length is always a whole number of pages
    /// (of `ty`'s page size: with one-byte pages, any number of bytes).
    data: LinearBytes,
    /// The most pages this memory may have: the lesser of its declared
    /// maximum and the engine's limit.
    pub max_pages: u64,
    /// The base and length compiled code reads; kept equal to `data`'s by
    /// every method that can move or resize it.
    pub vm: Box<VMMemory>,
    /// Its place in the engine's pool, if the engine pools: the storage
    /// goes back there when the memory is dropped.
    slot: Option<Slot>,
}

impl Drop for MemoryEntity {
    fn drop(&mut self) {
        let data = core::mem::replace(&mut self.data, LinearBytes::Heap(alloc::vec::Vec::new()));
        data.release(self.slot.as_ref().map(|s| &**s.pool()));
    }
}

impl MemoryEntity {
    /// A memory of `ty`'s initial size, laid out as `engine` lays out its
    /// memories (from its pool, if it pools, which `slot` is a place in),
    /// or `None` if that exceeds the engine's limits or cannot be
    /// allocated.
    pub fn new(ty: MemoryType, engine: &EngineShared, slot: Option<Slot>) -> Option<Self> {
        if ty.shared {
            // Made through `new_shared`, which needs the engine's `Arc`.
            return None;
        }
        let max_pages = Self::max_pages(&ty, engine);
        if ty.limits.min > max_pages {
            return None;
        }
        let bytes = ty.bytes_of(ty.limits.min)?;
        let pool = slot.as_ref().map(|s| &**s.pool());
        // A 64-bit memory may outgrow any guard region: its accesses are
        // always checked, so it is laid out as checked memories are (a
        // reservation that moves when outgrown, its untouched pages never
        // committed).
        let strategy = if ty.memory64 {
            MemoryStrategy::checked()
        } else {
            engine.memory
        };
        let mut data = LinearBytes::new(bytes, strategy, pool)?;
        let vm = Box::new(VMMemory {
            base: data.as_mut_ptr(),
            len: data.len(),
        });
        Some(Self {
            ty,
            data,
            max_pages,
            vm,
            slot,
        })
    }

    /// An entity in a store for the shared memory `shared` (newly made
    /// for a module's definition, or imported).
    #[cfg(feature = "std")]
    pub fn from_shared(
        shared: alloc::sync::Arc<shared::SharedMemoryData>,
        slot: Option<Slot>,
    ) -> Self {
        let mut ty = shared.ty;
        ty.limits.min = shared.pages();
        let max_pages = shared.max_pages;
        let vm = Box::new(VMMemory {
            base: shared.base(),
            len: shared.len(),
        });
        Self {
            ty,
            data: LinearBytes::Shared(shared),
            max_pages,
            vm,
            slot,
        }
    }

    /// The shared memory this entity is, if it is one.
    #[cfg(feature = "std")]
    pub fn shared(&self) -> Option<&alloc::sync::Arc<shared::SharedMemoryData>> {
        match &self.data {
            LinearBytes::Shared(s) => Some(s),
            _ => None,
        }
    }

    /// The `VMMemory` compiled code reads for this memory: the entity's
    /// own, or, for a shared memory, the one every store shares.
    pub fn vm_ptr(&mut self) -> *mut VMMemory {
        #[cfg(feature = "std")]
        if let LinearBytes::Shared(s) = &self.data {
            return s.vm_ptr();
        }
        &mut *self.vm
    }

    /// The most pages a memory of type `ty` may have in `engine`: the
    /// lesser of its declared maximum, the engine's limit and, if the
    /// engine pools, the pool's memory size. The engine's limit is in 64
    /// KiB pages and the pool's in bytes: a memory of another page size
    /// is held to the same number of bytes.
    pub fn max_pages(ty: &MemoryType, engine: &EngineShared) -> u64 {
        let log2 = ty.page_size_log2;
        let engine_max = engine
            .config
            .max_memory_pages
            .saturating_mul(PAGE_SIZE as u64)
            >> log2;
        let pool_max = engine
            .pool
            .as_ref()
            .map_or(u64::MAX, |p| (p.config.max_memory_size as u64) >> log2);
        let absolute_max = ty.max_pages_absolute();
        ty.limits
            .max
            .unwrap_or(absolute_max)
            .min(engine_max)
            .min(pool_max)
            .min(absolute_max)
    }

    /// Maps `image` over this memory's bytes, copy-on-write, instead of
    /// its data segments being copied; `false` (nothing changed) if this
    /// memory's layout cannot map files or the kernel refused.
    #[cfg(feature = "std")]
    pub fn map_image(&mut self, image: &image::MemoryImage) -> bool {
        match &mut self.data {
            LinearBytes::Mapped { reservation, .. } => reservation
                .map_image(image.offset, image.len, &image.source)
                .is_some(),
            LinearBytes::Heap(_) | LinearBytes::Shared(_) => false,
        }
    }

    /// Its type, with its current size as the minimum (a shared memory
    /// may have grown in another store since this entity last looked).
    pub fn current_ty(&self) -> MemoryType {
        let mut ty = self.ty;
        ty.limits.min = self.pages();
        ty
    }

    /// Current size in pages.
    pub fn pages(&self) -> u64 {
        (self.data.len() >> self.ty.page_size_log2) as u64
    }

    /// The bytes of `pages` of this memory's pages, if they fit.
    pub fn page_bytes(&self, pages: u64) -> Option<usize> {
        self.ty.bytes_of(pages)
    }

    /// Current size in bytes.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// The first byte. Valid for [`MemoryEntity::len`] bytes until the
    /// memory next grows.
    pub fn base(&mut self) -> *mut u8 {
        self.data.as_mut_ptr()
    }

    /// The guest's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// The guest's bytes, mutably.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }

    /// Grows by `delta` pages; returns the old size, or `None` when
    /// refused (over the maximum, or the allocation failed).
    pub fn grow(&mut self, delta: u64) -> Option<u64> {
        #[cfg(feature = "std")]
        if let LinearBytes::Shared(s) = &self.data {
            let old = s.grow(delta)?;
            self.ty.limits.min = s.pages();
            return Some(old);
        }
        let old = self.pages();
        let new = old.checked_add(delta)?;
        if new > self.max_pages {
            return None;
        }
        let new_bytes = self.ty.bytes_of(new)?;
        let grown = self.data.grow_to(new_bytes);
        // Refreshed whatever happened: compiled code must never read a
        // base the bytes have left, whichever step of a grow failed.
        self.vm.base = self.data.as_mut_ptr();
        self.vm.len = self.data.len();
        grown?;
        self.ty.limits.min = new;
        Some(old)
    }
}
