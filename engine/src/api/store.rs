//! [`Store`], which owns instances and the host's data, and the context
//! traits through which the API borrows it ([`AsContext`],
//! [`AsContextMut`], implemented by `Store`, [`Caller`] and the context
//! types).

use super::engine::Engine;
use super::externals::Extern;
use super::limits::{self, ResourceLimiter};
use crate::error::{Error, Result};
use crate::runtime::{CallHook, HostContext, Limiter, StoreInner};
use alloc::boxed::Box;
use core::sync::atomic::Ordering;

/// Owns every instance, memory, table, global and function created in it,
/// and the embedder's data `T`. A store is used by one thread at a time;
/// run many stores to run guests in parallel.
pub struct Store<T> {
    pub(crate) inner: StoreInner,
    pub(crate) data: T,
}

impl<T> Store<T> {
    /// An empty store holding `data`.
    pub fn new(engine: &Engine, data: T) -> Self {
        Self {
            inner: StoreInner::new(engine.inner.clone()),
            data,
        }
    }

    /// The engine the store was created with.
    pub fn engine(&self) -> &Engine {
        Engine::from_shared(&self.inner.engine)
    }

    /// The embedder's data.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// The embedder's data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.data
    }

    /// Consumes the store and returns its data.
    pub fn into_data(self) -> T {
        self.data
    }

    /// Sets the fuel the store's guests may consume (see
    /// [`Config::consume_fuel`](crate::Config::consume_fuel)). Fails if the engine does not consume
    /// fuel.
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        fuel_enabled(&self.inner)?;
        self.inner.set_fuel(fuel);
        Ok(())
    }

    /// The fuel left. Fails if the engine does not consume fuel.
    pub fn get_fuel(&self) -> Result<u64> {
        fuel_enabled(&self.inner)?;
        Ok(self.inner.fuel())
    }

    /// Where the store is in tier-up ([`Tier::Auto`](crate::Tier::Auto)):
    /// for diagnostics and tests.
    pub fn tier_up_stats(&self) -> TierUpStats {
        use crate::runtime::tier_up::Mode;
        let tier_up = &self.inner.tier_up;
        let mut modules: alloc::vec::Vec<&crate::runtime::ModuleShared> = alloc::vec::Vec::new();
        for inst in &self.inner.instances {
            if !modules.iter().any(|m| core::ptr::eq(*m, &*inst.module)) {
                modules.push(&inst.module);
            }
        }
        TierUpStats {
            compiled: tier_up.mode == Mode::Upper
                || (tier_up.mode == Mode::Functions && tier_up.linked),
            loop_entries: tier_up.loop_entries,
            functions_compiled: modules.iter().map(|m| m.upper.functions_compiled()).sum(),
        }
    }

    /// Installs the store's resource limiter: `limiter` returns it from the
    /// store's data, where the embedder keeps it (say, a [`StoreLimits`]
    /// field). From then on it decides what memories, tables and instances
    /// the store may create or grow (see [`ResourceLimiter`]).
    ///
    /// [`StoreLimits`]: crate::StoreLimits
    pub fn limiter(
        &mut self,
        mut limiter: impl FnMut(&mut T) -> &mut (dyn ResourceLimiter) + Send + Sync + 'static,
    ) where
        T: 'static,
    {
        let hook = move |data: *mut (), query| {
            // SAFETY: the store passes its own data (a `T`, exclusively
            // borrowed for the operation that asks) and the hook is only
            // ever installed in a `Store<T>`.
            let data = unsafe { &mut *(data as *mut T) };
            limits::answer(limiter(data), query)
        };
        self.inner.limiter = Limiter::new(Box::new(hook));
    }

    /// Installs the store's call hook (replacing any): `hook` runs at every
    /// crossing between the host and Wasm in this store, with the store
    /// and which crossing it is ([`CallHook`]): before and after each call
    /// from the host into Wasm, and before and after each call of a host
    /// function (from Wasm, or from the host through [`Func::call`]).
    /// Calls from Wasm to Wasm do not cross. For profilers, per-tenant CPU
    /// accounting, or resetting state around guest code.
    ///
    /// An error from the hook fails the crossing: before a call, the call
    /// does not happen and the caller gets the error (inside Wasm, it
    /// unwinds the guest as a host function's error does); after one, it
    /// replaces the call's result. A store without a hook pays one
    /// pointer test per crossing.
    ///
    /// [`Func::call`]: crate::Func::call
    pub fn call_hook(
        &mut self,
        mut hook: impl FnMut(StoreContextMut<'_, T>, CallHook) -> Result<()> + Send + Sync + 'static,
    ) where
        T: 'static,
    {
        let hook = move |inner: &mut StoreInner, data: *mut (), kind| {
            // SAFETY: the store passes its own data (a `T`, exclusively
            // borrowed by the call that crosses) and the hook is only ever
            // installed in a `Store<T>`.
            let data = unsafe { &mut *(data as *mut T) };
            hook(StoreContextMut { inner, data }, kind)
        };
        self.inner.set_call_hook(Some(Box::new(hook)));
    }

    /// Sets the store's epoch deadline `ticks` epochs after the engine's
    /// current one (see
    /// [`Config::epoch_interruption`](crate::Config::epoch_interruption)): once
    /// [`Engine::increment_epoch`] has been called that many times, the
    /// store's guest code traps with
    /// [`TrapCode::Interrupt`](crate::TrapCode::Interrupt) at its next
    /// function entry or loop header. A new store's deadline is 0: with
    /// epoch interruption on, set one before calling into the guest.
    pub fn set_epoch_deadline(&mut self, ticks: u64) {
        let now = self.inner.engine.epoch.load(Ordering::Relaxed);
        let ticks = usize::try_from(ticks).unwrap_or(usize::MAX);
        self.inner.vm.ctx.epoch_deadline = now.saturating_add(ticks);
    }
}

fn fuel_enabled(inner: &StoreInner) -> Result<()> {
    if inner.engine.config.consume_fuel {
        Ok(())
    } else {
        Err(Error::usage(
            "fuel is not enabled for this engine (Config::consume_fuel)",
        ))
    }
}

impl<T: core::fmt::Debug> core::fmt::Debug for Store<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Store")
            .field("data", &self.data)
            .finish_non_exhaustive()
    }
}

/// A shared borrow of a store.
pub struct StoreContext<'a, T> {
    pub(crate) inner: &'a StoreInner,
    pub(crate) data: &'a T,
}

/// An exclusive borrow of a store.
pub struct StoreContextMut<'a, T> {
    pub(crate) inner: &'a mut StoreInner,
    pub(crate) data: &'a mut T,
}

impl<T> StoreContext<'_, T> {
    /// The embedder's data.
    pub fn data(&self) -> &T {
        self.data
    }
}

impl<T> StoreContextMut<'_, T> {
    /// The embedder's data.
    pub fn data(&self) -> &T {
        self.data
    }

    /// The embedder's data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        self.data
    }
}

/// Anything that can lend a store for reading.
pub trait AsContext {
    /// The embedder's data type.
    type Data;
    /// Borrows the store.
    fn as_context(&self) -> StoreContext<'_, Self::Data>;
}

/// Anything that can lend a store for writing.
pub trait AsContextMut: AsContext {
    /// Borrows the store exclusively.
    fn as_context_mut(&mut self) -> StoreContextMut<'_, Self::Data>;
}

impl<T> AsContext for Store<T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext {
            inner: &self.inner,
            data: &self.data,
        }
    }
}

impl<T> AsContextMut for Store<T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut {
            inner: &mut self.inner,
            data: &mut self.data,
        }
    }
}

impl<T> AsContext for StoreContext<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext {
            inner: self.inner,
            data: self.data,
        }
    }
}

impl<T> AsContext for StoreContextMut<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext {
            inner: self.inner,
            data: self.data,
        }
    }
}

impl<T> AsContextMut for StoreContextMut<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut {
            inner: self.inner,
            data: self.data,
        }
    }
}

impl<T: AsContext> AsContext for &T {
    type Data = T::Data;
    fn as_context(&self) -> StoreContext<'_, T::Data> {
        T::as_context(*self)
    }
}

impl<T: AsContext> AsContext for &mut T {
    type Data = T::Data;
    fn as_context(&self) -> StoreContext<'_, T::Data> {
        T::as_context(*self)
    }
}

impl<T: AsContextMut> AsContextMut for &mut T {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T::Data> {
        T::as_context_mut(*self)
    }
}

impl<'a, T: AsContext> From<&'a T> for StoreContext<'a, T::Data> {
    fn from(t: &'a T) -> Self {
        t.as_context()
    }
}

impl<'a, T: AsContext> From<&'a mut T> for StoreContext<'a, T::Data> {
    fn from(t: &'a mut T) -> Self {
        T::as_context(t)
    }
}

impl<'a, T: AsContextMut> From<&'a mut T> for StoreContextMut<'a, T::Data> {
    fn from(t: &'a mut T) -> Self {
        t.as_context_mut()
    }
}

/// What a host function receives: the store (its data, and the exports of
/// the instance that called it, such as its memory).
pub struct Caller<'a, T> {
    pub(crate) inner: &'a mut StoreInner,
    pub(crate) data: &'a mut T,
    pub(crate) instance: Option<u32>,
}

impl<'a, T> Caller<'a, T> {
    /// Rebuilds the typed caller from a type-erased host context.
    ///
    /// # Safety
    /// `ctx.data` must point to a live, exclusively borrowed `T`: the data
    /// of the `Store<T>` that owns `ctx.inner`.
    pub(crate) unsafe fn from_context(ctx: &'a mut HostContext<'_>) -> Self {
        Caller {
            inner: ctx.inner,
            // SAFETY: guaranteed by the caller (see above); the executor
            // does not touch the data while the host function runs.
            data: unsafe { &mut *(ctx.data as *mut T) },
            instance: ctx.caller,
        }
    }

    /// The embedder's data.
    pub fn data(&self) -> &T {
        self.data
    }

    /// The embedder's data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        self.data
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        Engine::from_shared(&self.inner.engine)
    }

    /// An export of the calling instance, such as its `memory`. `None` when
    /// there is no such export or the host function was called from the
    /// host.
    pub fn get_export(&self, name: &str) -> Option<Extern> {
        let instance = self.instance?;
        let entity = crate::runtime::instance::export(self.inner, instance, name)?;
        Some(Extern::from_entity_in(self.inner, entity))
    }
}

impl<T> AsContext for Caller<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext {
            inner: self.inner,
            data: self.data,
        }
    }
}

impl<T> AsContextMut for Caller<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut {
            inner: self.inner,
            data: self.data,
        }
    }
}

/// A store's tier-up so far ([`Store::tier_up_stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TierUpStats {
    /// The store runs compiled code: calls from the host, and those the
    /// interpreter's running frames make, enter it.
    pub compiled: bool,
    /// How many interpreter frames moved into compiled code at a loop
    /// (on-stack replacement).
    pub loop_entries: u64,
    /// With [`Config::tier_up_per_function`](crate::Config::tier_up_per_function):
    /// how many functions of the store's modules have compiled code (made
    /// for any store of the engine).
    pub functions_compiled: usize,
}
