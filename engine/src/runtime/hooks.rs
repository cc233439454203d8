//! Call hooks: the embedder's function run at every crossing between the
//! host and Wasm (`Store::call_hook`), for profilers and per-tenant
//! accounting. Both tiers cross in the same two places, so the hooks run
//! there: `backend::invoke` (host into Wasm) and `call_host` (Wasm into
//! host).

use super::StoreInner;
use crate::error::Error;
use alloc::boxed::Box;

/// Which crossing a call hook is told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallHook {
    /// The host is about to call into Wasm.
    CallingWasm,
    /// A call from the host into Wasm has ended (returned, trapped or
    /// failed).
    ReturningFromWasm,
    /// Wasm (or the host, through [`Func::call`](crate::Func::call)) is
    /// about to call a host function.
    CallingHost,
    /// A host function has returned (or failed).
    ReturningFromHost,
}

impl CallHook {
    /// Whether this crossing enters Wasm (`CallingWasm`,
    /// `ReturningFromHost`).
    pub fn entering_wasm(self) -> bool {
        matches!(self, CallHook::CallingWasm | CallHook::ReturningFromHost)
    }

    /// Whether this crossing leaves Wasm (`ReturningFromWasm`,
    /// `CallingHost`).
    pub fn exiting_wasm(self) -> bool {
        !self.entering_wasm()
    }
}

/// A store's call hook, type-erased over the store's data: it gets the
/// store and the data pointer the store passes everywhere (a `*mut T`
/// that the closure, made for the store's `T`, casts back).
pub(crate) type CallHookFn =
    dyn FnMut(&mut StoreInner, *mut (), CallHook) -> Result<(), Error> + Send + Sync;

impl StoreInner {
    /// Runs the store's call hook, if it has one, for crossing `kind`.
    #[inline]
    pub fn call_hook(&mut self, data: *mut (), kind: CallHook) -> Result<(), Error> {
        if self.call_hook.is_none() {
            return Ok(());
        }
        self.run_call_hook(data, kind)
    }

    #[cold]
    #[inline(never)]
    fn run_call_hook(&mut self, data: *mut (), kind: CallHook) -> Result<(), Error> {
        // Out of the store while it runs, so it can be handed the store;
        // put back after, unless the hook installed another one.
        let Some(mut hook) = self.call_hook.take() else {
            return Ok(());
        };
        let result = hook(self, data, kind);
        if self.call_hook.is_none() {
            self.set_call_hook(Some(hook));
        }
        result
    }

    /// Runs `f` inside one crossing: the hook for `enter` before it, the
    /// hook for `exit` after it (whether `f` failed or not). An error from
    /// the first hook means `f` does not run; one from the second replaces
    /// `f`'s result, being the later event. The one place the hooks' order
    /// and precedence are decided, for every crossing.
    #[inline]
    pub fn across<R>(
        &mut self,
        data: *mut (),
        enter: CallHook,
        exit: CallHook,
        f: impl FnOnce(&mut StoreInner) -> Result<R, Error>,
    ) -> Result<R, Error> {
        self.call_hook(data, enter)?;
        let result = f(self);
        self.call_hook(data, exit)?;
        result
    }

    /// Installs `hook` (replacing any), or removes the hook. The one place
    /// the hook is set: compiled code's entries into host functions follow
    /// it (`func::jit_entry_for`), so a store without a hook does not test
    /// for one on every call.
    pub fn set_call_hook(&mut self, hook: Option<Box<CallHookFn>>) {
        let was_hooked = self.call_hook.is_some();
        self.call_hook = hook;
        #[cfg(feature = "jit")]
        if was_hooked != self.call_hook.is_some() {
            let hooked = self.call_hook.is_some();
            for record in &mut self.vm.host_funcs {
                // SAFETY: `record.func` points at the closure inside one of
                // the store's function entities' `Arc`s, which the store
                // keeps alive for its own life.
                let func = unsafe { &*record.func };
                (record.entry, record.entry_regs) = super::func::jit_entry_for(func, hooked);
            }
        }
        #[cfg(not(feature = "jit"))]
        let _ = was_hooked;
    }
}
