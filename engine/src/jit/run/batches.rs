//! Per-function tier-up's code (`Config::tier_up_per_function`, see
//! `runtime::tier_up`): a module's hot functions, compiled in batches,
//! each batch an image of its own; and [`ModuleCode`], how the run side
//! sees a module's code whichever way it was compiled.

use super::code_memory::CompiledModule;
use super::osr::Twin;
use crate::runtime::ModuleShared;
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The twins of a module's functions for on-stack replacement, each made
/// on first need in an image of its own (`None`: it could not be
/// compiled), by defined index.
pub(crate) type Twins = Mutex<BTreeMap<u32, Option<Arc<Twin>>>>;

/// The batches of one module, shared by every store of the engine.
pub(crate) struct Batches {
    /// Each defined function's entry once a batch holding it is
    /// published, 0 before.
    entries: Box<[AtomicUsize]>,
    /// The images, each with the defined functions it holds, in order.
    images: Mutex<Vec<Batch>>,
    pub(super) twins: Twins,
}

/// One batch's image: its `i`-th function is defined function `defs[i]`.
struct Batch {
    code: CompiledModule,
    defs: Box<[u32]>,
}

impl Batches {
    /// No code yet for any of `n` defined functions.
    pub(crate) fn new(n: usize) -> Self {
        Self {
            entries: (0..n).map(|_| AtomicUsize::new(0)).collect(),
            images: Mutex::new(Vec::new()),
            twins: Mutex::default(),
        }
    }

    /// Keeps `code`, the batch of defined functions `defs` (in its order),
    /// and publishes the entries of those that had none (a small function
    /// may be in several batches, to be inlined; its first code stays its
    /// entry).
    pub(crate) fn publish(&self, code: CompiledModule, defs: &[u32]) {
        // The image first: a frame of it that traps before this returns
        // (another store may run it as soon as an entry is set) is named
        // in its backtrace.
        let ptrs: Vec<usize> = (0..defs.len())
            .map(|i| code.func_ptr(i as u32) as usize)
            .collect();
        self.lock().push(Batch {
            code,
            defs: defs.into(),
        });
        for (&def, ptr) in defs.iter().zip(ptrs) {
            if let Some(entry) = self.entries.get(def as usize) {
                let _ = entry.compare_exchange(0, ptr, Ordering::AcqRel, Ordering::Acquire);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Batch>> {
        // A panic while pushing leaves the list as it was.
        self.images.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Defined function `def`'s entry, if it has code.
    fn entry(&self, def: u32) -> Option<*const u8> {
        let e = self.entries.get(def as usize)?.load(Ordering::Acquire);
        (e != 0).then_some(e as *const u8)
    }

    /// The defined function whose batch code holds `pc`, and the module
    /// function inlined there, if any.
    fn frame_at(&self, pc: usize) -> Option<(u32, Option<u32>)> {
        let images = self.lock();
        images.iter().find_map(|b| {
            let at = b.code.func_at(pc)?;
            Some((*b.defs.get(at as usize)?, b.code.inlined_at(pc)))
        })
    }
}

/// A module's JIT code: one image of every function (`Tier::Jit`, or
/// tier-up by module), or per-function tier-up's batches.
#[derive(Clone, Copy)]
pub(crate) enum ModuleCode<'a> {
    Whole(&'a CompiledModule),
    Batched(&'a Batches),
}

impl<'a> ModuleCode<'a> {
    /// `module`'s JIT code, if it has any.
    pub(crate) fn of(module: &'a ModuleShared) -> Option<Self> {
        if let Some(whole) = module.code_or_upper::<CompiledModule>() {
            return Some(Self::Whole(whole));
        }
        module.upper.get::<Batches>().map(Self::Batched)
    }

    /// Defined function `def`'s entry, if it has code.
    pub(crate) fn entry(self, def: u32) -> Option<*const u8> {
        match self {
            Self::Whole(c) => (def < c.num_funcs()).then(|| c.func_ptr(def)),
            Self::Batched(b) => b.entry(def),
        }
    }

    /// The defined function whose code (or twin) holds `pc`, and the module
    /// function inlined at `pc`, if any.
    pub(crate) fn frame_at(self, pc: usize) -> Option<(u32, Option<u32>)> {
        match self {
            Self::Whole(c) => Some((c.func_at(pc)?, c.inlined_at(pc))),
            Self::Batched(b) => b
                .frame_at(pc)
                .or_else(|| Some((super::osr::twin_at(&b.twins, pc)?, None))),
        }
    }

    /// The module's twins.
    pub(crate) fn twins(self) -> &'a Twins {
        match self {
            Self::Whole(c) => &c.twins,
            Self::Batched(b) => &b.twins,
        }
    }
}
