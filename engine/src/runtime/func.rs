//! Functions in a store, and calling host functions: the one path both
//! tiers take into host code.

#[cfg(feature = "jit")]
use super::vm::{HostEntry, HostEntryRegs, HostReturn, VMContext, VMHostFunc, HOST_REG_ARGS};
use super::{CallHook, StoreInner};
use crate::error::Error;
use crate::types::{FuncType, TypeId};
use alloc::sync::Arc;

/// What a host function sees of the store while it runs: the store itself,
/// the embedder's data (type-erased; the closure that was created for the
/// store's `T` casts it back) and the instance that called it.
pub(crate) struct HostContext<'a> {
    pub inner: &'a mut StoreInner,
    pub data: *mut (),
    pub caller: Option<u32>,
}

/// A host function, type-erased over the store's data type (see
/// [`HostCallable`]).
pub(crate) type HostFn = dyn HostCallable;

/// What a host function is: a closure over the raw slots, and, for the
/// JIT, an entry made for that closure's own type. `slots` holds the
/// arguments in the raw encoding on entry (one slot per value, two for a
/// `v128`) and receives the results the same way; it is as long as the
/// longer of the two lists, always: typed host functions read and write
/// their values without bounds checks (every path here sizes it from
/// `FuncEntity::Host::slots`). The function checks the values it returns
/// (their types, and that references belong to the store).
///
/// Implemented for every such closure, so each host function's vtable
/// carries its own [`host_entry`].
pub(crate) trait HostCallable: Send + Sync {
    fn call(&self, ctx: &mut HostContext<'_>, slots: &mut [u64]) -> Result<(), Error>;

    /// The entry compiled code calls this function through
    /// (`VMHostFunc::entry`).
    #[cfg(feature = "jit")]
    fn jit_entry(&self) -> HostEntry;

    /// The entry compiled code calls this function through when its values
    /// fit in registers (`VMHostFunc::entry_regs`).
    #[cfg(feature = "jit")]
    fn jit_entry_regs(&self) -> HostEntryRegs;
}

impl<F> HostCallable for F
where
    F: Fn(&mut HostContext<'_>, &mut [u64]) -> Result<(), Error> + Send + Sync + 'static,
{
    #[inline(always)]
    fn call(&self, ctx: &mut HostContext<'_>, slots: &mut [u64]) -> Result<(), Error> {
        self(ctx, slots)
    }

    #[cfg(feature = "jit")]
    fn jit_entry(&self) -> HostEntry {
        host_entry::<F>
    }

    #[cfg(feature = "jit")]
    fn jit_entry_regs(&self) -> HostEntryRegs {
        host_entry_regs::<F>
    }
}

/// The entry compiled code calls host function `func` through: its own
/// [`host_entry`], or, in a store with a call hook, [`host_entry_hooked`].
/// Which one a record holds follows the store's hook
/// (`StoreInner::set_call_hook`), so the common entry never tests for one.
#[cfg(feature = "jit")]
pub(crate) fn jit_entry_for(func: &HostFn, hooked: bool) -> (HostEntry, HostEntryRegs) {
    if hooked {
        (host_entry_hooked, host_entry_regs_hooked)
    } else {
        (func.jit_entry(), func.jit_entry_regs())
    }
}

/// Compiled code's entry into any host function in a store with a call
/// hook: the `host_call` builtin, which runs the hooks around the call.
///
/// # Safety
///
/// As [`host_entry`]'s.
#[cfg(feature = "jit")]
unsafe extern "C" fn host_entry_hooked(
    record: *const VMHostFunc,
    caller: *mut VMContext,
    values: *mut u64,
    fp: *mut u64,
) -> u32 {
    // SAFETY: the contract of `host_entry`: `record` and `caller` are live,
    // and the store context's builtins are the engine's, set for its life.
    unsafe {
        let builtins = &*(*(*caller).store).builtins;
        (builtins.host_call)(caller, (*record).index, values, fp)
    }
}

/// [`host_entry_hooked`] with the arguments and result in registers
/// (`VMHostFunc::entry_regs`).
///
/// # Safety
///
/// As [`host_entry_regs`]'s.
#[cfg(feature = "jit")]
unsafe extern "C" fn host_entry_regs_hooked(
    record: *const VMHostFunc,
    caller: *mut VMContext,
    a0: u64,
    a1: u64,
    a2: u64,
    a3: u64,
    fp: *mut u64,
) -> HostReturn {
    let mut values = [a0, a1, a2, a3];
    // SAFETY: the contract of `host_entry_regs`; `values` holds the
    // function's slots (at most `HOST_REG_ARGS`, `host_regs_fit`), which is
    // as many as `host_call` reads and writes.
    let status = unsafe { host_entry_hooked(record, caller, values.as_mut_ptr(), fp) };
    HostReturn {
        value: values[0],
        status: u64::from(status),
    }
}

/// How a host function called from compiled code ended, or its panic.
#[cfg(feature = "jit")]
pub(crate) type HostOutcome = std::thread::Result<Result<(), Error>>;

/// Compiled code's entry into host function `F` (the `entry` of its
/// [`VMHostFunc`], called by the host stub of its signature, in a store
/// without a call hook): the closure called in place, with no lookup and
/// no dynamic dispatch. Everything but a plain return goes to the
/// `host_settle` builtin (in `jit::run`): an error, an exception, a panic,
/// and functions the host function created (compiled code must have their
/// references before it goes on).
///
/// # Safety
///
/// Called only by a host stub: `record` is the live record of a host
/// function whose closure is an `F`, `caller` the live context of the
/// calling instance, whose store is borrowed for the call, `values` the
/// stub's buffer of `record.slots` slots, `fp` the stub's frame.
#[cfg(feature = "jit")]
unsafe extern "C" fn host_entry<F>(
    record: *const VMHostFunc,
    caller: *mut VMContext,
    values: *mut u64,
    fp: *mut u64,
) -> u32
where
    F: Fn(&mut HostContext<'_>, &mut [u64]) -> Result<(), Error> + Send + Sync + 'static,
{
    // SAFETY: the same contract.
    unsafe { call_in_place::<F>(record, caller, values, fp) }
}

/// [`host_entry`] with the arguments and result in registers
/// (`VMHostFunc::entry_regs`): they go through a buffer in this frame,
/// which the compiler keeps in registers once the closure is inlined.
///
/// # Safety
///
/// As [`host_entry`]'s, but called by the host stub of a signature that
/// fits in registers (`host_regs_fit`), whose record's `slots` is at
/// most [`HOST_REG_ARGS`]; `a0..a3` are the argument slots.
#[cfg(feature = "jit")]
unsafe extern "C" fn host_entry_regs<F>(
    record: *const VMHostFunc,
    caller: *mut VMContext,
    a0: u64,
    a1: u64,
    a2: u64,
    a3: u64,
    fp: *mut u64,
) -> HostReturn
where
    F: Fn(&mut HostContext<'_>, &mut [u64]) -> Result<(), Error> + Send + Sync + 'static,
{
    let mut values = [a0, a1, a2, a3];
    // SAFETY: the contract above: `record` is live, and its `slots` at most
    // `HOST_REG_ARGS`, so `values` is as long as the buffer
    // `call_in_place` reads and writes.
    let status = unsafe {
        debug_assert!((*record).slots as usize <= HOST_REG_ARGS);
        call_in_place::<F>(record, caller, values.as_mut_ptr(), fp)
    };
    HostReturn {
        value: values[0],
        status: u64::from(status),
    }
}

/// The body of both entries: host function `F` called in place.
///
/// # Safety
///
/// [`host_entry`]'s contract.
#[cfg(feature = "jit")]
#[inline(always)]
unsafe fn call_in_place<F>(
    record: *const VMHostFunc,
    caller: *mut VMContext,
    values: *mut u64,
    fp: *mut u64,
) -> u32
where
    F: Fn(&mut HostContext<'_>, &mut [u64]) -> Result<(), Error> + Send + Sync + 'static,
{
    // SAFETY: the contract of `host_entry`. The store context's `inner` and `data`
    // are the store and its data `invoke` borrowed for the whole call of
    // compiled code; nothing else holds a reference to them while this
    // runs. `record.func` points at the closure inside the function
    // entity's `Arc`, which the store keeps alive, and that closure is an
    // `F` (`jit_entry` made this entry for it), so the thin cast is exact.
    unsafe {
        let record = &*record;
        let store = (*caller).store;
        let inner = (*store).inner as *mut StoreInner;
        let data = (*store).data;
        let instance = (*caller).instance;
        let slots = core::slice::from_raw_parts_mut(values, record.slots as usize);
        let func = &*(record.func as *const F);
        let outcome: HostOutcome = std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| {
            let mut ctx = HostContext {
                inner: &mut *inner,
                data,
                caller: Some(instance),
            };
            func(&mut ctx, slots)
        }));
        // Either way the outcome is not dropped here: a plain return has
        // nothing to drop (saying so keeps the entry a leaf: the compiler
        // does not always see through the unwind guard that the outcome
        // is `Ok(Ok(()))`, and then calls its drop glue on every call),
        // and `host_settle` takes the outcome by value.
        let mut outcome = core::mem::ManuallyDrop::new(outcome);
        if matches!(*outcome, Ok(Ok(()))) && (*inner).vm.funcrefs.len() == (*inner).funcs.len() {
            return 0;
        }
        let outcome = &mut *outcome as *mut HostOutcome as *mut u64;
        ((*(*store).builtins).host_settle)(caller, outcome, fp)
    }
}

/// A function in a store.
#[derive(Clone)]
pub(crate) enum FuncEntity {
    /// A function defined by a module instance; `index` is in the module's
    /// function index space and is never an import.
    Wasm {
        instance: u32,
        index: u32,
        ty: TypeId,
    },
    /// A host function.
    Host {
        ty: TypeId,
        /// `sig.array_slots()`, kept for the call path.
        slots: u32,
        sig: FuncType,
        func: Arc<HostFn>,
    },
}

impl FuncEntity {
    /// The engine-wide type id.
    pub fn type_id(&self) -> TypeId {
        match self {
            FuncEntity::Wasm { ty, .. } | FuncEntity::Host { ty, .. } => *ty,
        }
    }
}

/// Calls host function `f` of the store on `slots` (see [`HostFn`]), on
/// behalf of instance `caller` (`None` when the host calls it directly).
#[inline]
pub(crate) fn call_host(
    inner: &mut StoreInner,
    data: *mut (),
    f: u32,
    caller: Option<u32>,
    slots: &mut [u64],
) -> Result<(), Error> {
    let FuncEntity::Host { func, slots: n, .. } = &inner.funcs[f as usize] else {
        return Err(Error::usage("not a host function"));
    };
    if slots.len() < *n as usize {
        return Err(Error::usage(
            "host function called with too few value slots",
        ));
    }
    let func: *const HostFn = Arc::as_ptr(func);
    // SAFETY: `func` is behind the `Arc` of one of the store's functions;
    // `slots` is long enough (checked above).
    unsafe { call_host_fn(inner, data, func, caller, slots) }
}

/// Calls host function `func` (behind an `Arc` in this store's function
/// list) on `slots`, through the store's call hook if it has one.
///
/// # Safety
///
/// `func` points at the closure of one of `inner`'s functions (which the
/// store keeps alive while it lives), and `slots` is at least as long as
/// that function's slot count (`FuncEntity::Host::slots`): typed host
/// functions read and write their values unchecked.
#[inline(always)]
pub(crate) unsafe fn call_host_fn(
    inner: &mut StoreInner,
    data: *mut (),
    func: *const HostFn,
    caller: Option<u32>,
    slots: &mut [u64],
) -> Result<(), Error> {
    if inner.call_hook.is_some() {
        return call_host_hooked(inner, data, func, caller, slots);
    }
    let mut ctx = HostContext {
        inner,
        data,
        caller,
    };
    // SAFETY: a store never removes a function while it lives (its
    // function list only grows), so the `Arc` behind `func` stays alive
    // for the whole call even if the host function adds functions and the
    // list reallocates; the closure itself is immutable (`Fn`).
    unsafe { (*func).call(&mut ctx, slots) }
}

/// [`call_host`] on the raw slots at `values`, as many as `f`'s type
/// needs (the longer of its parameter and result lists): the entry for
/// compiled code, which passes a pointer to its buffer.
///
/// # Safety
///
/// `values` must point to that many writable slots, not aliased for the
/// call.
#[inline(always)]
pub(crate) unsafe fn call_host_at(
    inner: &mut StoreInner,
    data: *mut (),
    f: u32,
    caller: Option<u32>,
    values: *mut u64,
) -> Result<(), Error> {
    let FuncEntity::Host { slots, func, .. } = &inner.funcs[f as usize] else {
        return Err(Error::usage("not a host function"));
    };
    // SAFETY: the caller passes `slots` slots at `values`.
    let slots = unsafe { core::slice::from_raw_parts_mut(values, *slots as usize) };
    let func: *const HostFn = Arc::as_ptr(func);
    // SAFETY: `func` is behind the `Arc` of one of the store's functions.
    unsafe { call_host_fn(inner, data, func, caller, slots) }
}

/// [`call_host`] in a store with a call hook, kept out of the common path
/// (holding the call's `Result` across the second hook costs every call
/// a few dozen instructions otherwise).
#[cold]
#[inline(never)]
fn call_host_hooked(
    inner: &mut StoreInner,
    data: *mut (),
    func: *const HostFn,
    caller: Option<u32>,
    slots: &mut [u64],
) -> Result<(), Error> {
    inner.across(
        data,
        CallHook::CallingHost,
        CallHook::ReturningFromHost,
        |inner| {
            let mut ctx = HostContext {
                inner,
                data,
                caller,
            };
            // SAFETY: as in `call_host`.
            unsafe { (*func).call(&mut ctx, slots) }
        },
    )
}

/// Calls host function `f` directly from the host (no Wasm frame between):
/// `args` in, `results` out, in the raw encoding.
pub(crate) fn invoke_host(
    inner: &mut StoreInner,
    data: *mut (),
    f: u32,
    args: &[u64],
    results: &mut [u64],
) -> Result<(), Error> {
    with_slots(args.len().max(results.len()), |slots| {
        slots[..args.len()].copy_from_slice(args);
        call_host(inner, data, f, None, slots)?;
        results.copy_from_slice(&slots[..results.len()]);
        Ok(())
    })
}

/// Runs `f` on `n` zeroed raw slots: a buffer on the native stack for the
/// common case of a few values, on the heap past that. Every host
/// boundary passes values this way.
#[inline]
pub(crate) fn with_slots<R>(n: usize, f: impl FnOnce(&mut [u64]) -> R) -> R {
    let mut buf = [0u64; 16];
    match buf.get_mut(..n) {
        Some(slots) => f(slots),
        None => f(&mut alloc::vec![0u64; n]),
    }
}
