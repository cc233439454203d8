//! Bridges (per-function tier-up, see `runtime::tier_up`): how compiled
//! code calls a Wasm function that has no code yet. The function's entry
//! in the instance's table, and its store reference, point at the host
//! stub of its signature with a [`VMHostFunc`] record whose entry runs the
//! function in the interpreter. To compiled code it is a host call: the
//! stub's status, the error and exception plumbing and the frame walk are
//! the host call's; a trap comes back as [`TRAP_BRIDGED`] so that the
//! compiled frames it unwinds join its backtrace.

use super::invoke::invoke;
use super::libcalls::settle_host_call;
use crate::error::Error;
use crate::jit::{engine_jit, TRAP_BRIDGED};
use crate::runtime::vm::{HostReturn, VMContext, VMFuncRef, VMHostFunc};
use crate::runtime::{FuncEntity, StoreInner};
use crate::runtime::{HostContext, HostFn, HostOutcome};
use alloc::boxed::Box;

/// What a bridge record holds where a host function's holds its closure:
/// never called (the bridge's entries do not look at it).
static NO_CLOSURE: fn(&mut HostContext<'_>, &mut [u64]) -> Result<(), Error> =
    |_, _| Err(Error::usage("a bridge has no host function"));

/// The reference compiled code calls Wasm store function `f` through
/// until it has code: a new bridge record, kept by the store.
pub(super) fn bridge_ref(inner: &mut StoreInner, f: u32) -> Result<VMFuncRef, Error> {
    let ty = inner.funcs[f as usize].type_id();
    let sig = inner.func_type(f).clone();
    let signals = crate::jit::signals_enabled(&inner.engine.config);
    let stub = engine_jit(&inner.engine)?.host_stub(ty, &sig, signals)?;
    let record = Box::new(VMHostFunc {
        entry: bridge_entry,
        entry_regs: bridge_entry_regs,
        // The entries above never call it: a bridge has no closure.
        func: &NO_CLOSURE as &HostFn as *const HostFn,
        slots: sig.array_slots() as u32,
        index: f,
    });
    let r = VMFuncRef {
        code: stub as *const u8,
        vmctx: &*record as *const VMHostFunc as *mut u8,
        type_id: ty.0,
        store_index: f,
    };
    inner.vm.bridges.push(record);
    Ok(r)
}

/// Runs store function `f` for a bridge: in compiled code if counting this
/// call gave it code (the store's references point at it then), else in
/// the interpreter.
fn run(inner: &mut StoreInner, data: *mut (), f: u32, slots: &mut [u64]) -> Result<(), Error> {
    let FuncEntity::Wasm {
        instance, index, ..
    } = inner.funcs[f as usize]
    else {
        return Err(Error::usage("a bridge to a host function"));
    };
    let Some(hooks) = inner.engine.tier_up else {
        return Err(Error::usage("a bridge without tier-up"));
    };
    let def = index
        - inner.instances[instance as usize]
            .module
            .info
            .num_imported_funcs;
    // Compiled code if the store's reference to `f` points at it now (not
    // at this bridge, which would come back here).
    let compiled = |inner: &StoreInner| {
        let Some(vm) = inner.instances[instance as usize].vm.as_ref() else {
            return false;
        };
        let vmctx = &*vm.ctx as *const VMContext as *mut u8;
        inner.vm.funcrefs.get(f as usize).map(|r| r.vmctx) == Some(vmctx)
    };
    if crate::runtime::tier_up::on_call(inner, instance, def) && compiled(inner) {
        return invoke(inner, data, f, slots);
    }
    (hooks.interpret)(inner, data, f, slots)
}

/// A bridge record's entry (`VMHostFunc::entry`), called by the host stub
/// of its function's signature.
///
/// # Safety
///
/// As `runtime::func::host_entry`'s: `record` is a live bridge record,
/// `caller` the live context of the calling instance, whose store is
/// borrowed for the call, `values` the stub's buffer of `record.slots`
/// slots, `fp` the stub's frame.
unsafe extern "C" fn bridge_entry(
    record: *const VMHostFunc,
    caller: *mut VMContext,
    values: *mut u64,
    fp: *mut u64,
) -> u32 {
    // SAFETY: the contract above. The store context's `inner` and `data`
    // are the store and its data that compiled code was entered with;
    // nothing else holds a reference to them while this runs.
    unsafe {
        let record = &*record;
        let store = (*caller).store;
        let inner = (*store).inner as *mut StoreInner;
        let data = (*store).data;
        let slots = core::slice::from_raw_parts_mut(values, record.slots as usize);
        let outcome: HostOutcome = std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| {
            run(&mut *inner, data, record.index, slots)
        }));
        match outcome {
            Ok(Err(Error::Trap(trap))) => {
                let inner = &mut *inner;
                inner.vm.pending_error = Some(Error::Trap(trap));
                inner.vm.ctx.trap_code = TRAP_BRIDGED;
                TRAP_BRIDGED
            }
            // A return, an error, an exception or a panic: as a host
            // function's.
            outcome => settle_host_call(caller, outcome, fp),
        }
    }
}

/// [`bridge_entry`] with the arguments and result in registers
/// (`VMHostFunc::entry_regs`).
///
/// # Safety
///
/// As [`bridge_entry`]'s, for a signature that fits in registers
/// (`host_regs_fit`): `a0..a3` are the argument slots.
unsafe extern "C" fn bridge_entry_regs(
    record: *const VMHostFunc,
    caller: *mut VMContext,
    a0: u64,
    a1: u64,
    a2: u64,
    a3: u64,
    fp: *mut u64,
) -> HostReturn {
    let mut values = [a0, a1, a2, a3];
    // SAFETY: the contract above; the record's `slots` is at most
    // `HOST_REG_ARGS` for such a signature, so `values` is long enough.
    let status = unsafe {
        debug_assert!((*record).slots as usize <= values.len());
        bridge_entry(record, caller, values.as_mut_ptr(), fp)
    };
    HostReturn {
        value: values[0],
        status: u64::from(status),
    }
}
