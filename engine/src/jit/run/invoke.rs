//! Entering compiled code from the host: `invoke` sets up the store
//! context, calls the signature's array-call trampoline and turns a trap
//! code into an `Error`.

use super::batches::ModuleCode;
use super::libcalls::BUILTINS;
use super::link::sync_funcrefs;
use super::traps;
use crate::error::{Error, FrameInfo, Trap, TrapCode};
use crate::jit::{
    engine_jit, EXPLICIT_FRAME_SLACK, TRAP_BRIDGED, TRAP_HOST_ERROR, TRAP_HOST_PANIC,
};
use crate::runtime::tier_up::Crossed;
use crate::runtime::vm::TrapFrame;
use crate::runtime::{FuncEntity, StoreInner};
use alloc::vec::Vec;

/// The frames of a signal-based trap: each address's instance (the first
/// of this store's instances running that compiled module) and function.
/// The trap handler recorded an address in inlined code twice (see
/// `traps::on_fault`): the first names the function inlined there, the
/// second the function whose code it is.
fn frames_from_pcs(inner: &StoreInner, pcs: &[usize]) -> Vec<TrapFrame> {
    let mut frames = Vec::with_capacity(pcs.len());
    let mut i = 0;
    while i < pcs.len() {
        let pc = pcs[i];
        let found = inner.instances.iter().enumerate().find_map(|(n, inst)| {
            let (def, inlined) = ModuleCode::of(&inst.module)?.frame_at(pc)?;
            let info = &inst.module.info;
            let physical = info.num_imported_funcs + def;
            // An index out of range (a damaged artifact) names the
            // function whose code it is.
            let inlined = inlined.map(|f| {
                if (f as usize) < info.funcs.len() {
                    f
                } else {
                    physical
                }
            });
            Some((n as u32, physical, inlined))
        });
        let Some((instance, physical, inlined)) = found else {
            i += 1;
            continue;
        };
        if let Some(callee) = inlined {
            frames.push(TrapFrame {
                instance,
                func_index: callee,
            });
            i += 1;
            // The second copy, unless the backtrace was cut between the
            // two.
            if pcs.get(i) != Some(&pc) {
                continue;
            }
        }
        frames.push(TrapFrame {
            instance,
            func_index: physical,
        });
        i += 1;
    }
    frames
}

/// The address of a local: close enough to the native stack pointer.
#[inline(always)]
fn stack_pointer() -> usize {
    let marker = 0u8;
    core::hint::black_box(&marker) as *const u8 as usize
}

/// Calls store function `func` from the host, in place: `values` holds
/// its argument slots on entry and receives its result slots (it is as
/// long as the longer list: the array-call buffer), raw, of types the
/// caller has checked.
pub(crate) fn invoke(
    inner: &mut StoreInner,
    data: *mut (),
    func: u32,
    values: &mut [u64],
) -> Result<(), Error> {
    if let FuncEntity::Host { .. } = inner.funcs[func as usize] {
        return crate::runtime::call_host(inner, data, func, None, values);
    }
    call_compiled(inner, data, func, values).map_err(|e| match e {
        Crossed::Trap(trap) => Error::Trap(trap),
        Crossed::Error(e) => e,
    })
}

/// [`invoke`] for a call from the interpreter (`Tier::Auto`) to a Wasm
/// function: a trap of compiled code comes back apart from other errors,
/// for the interpreter to add its frames to.
pub(crate) fn invoke_from_interpreter(
    inner: &mut StoreInner,
    data: *mut (),
    func: u32,
    values: &mut [u64],
) -> Result<(), Crossed> {
    call_compiled(inner, data, func, values)
}

/// Calls compiled function `func` with its arguments in `values` (the
/// array-call buffer), which receives its results.
fn call_compiled(
    inner: &mut StoreInner,
    data: *mut (),
    func: u32,
    values: &mut [u64],
) -> Result<(), Crossed> {
    sync_funcrefs(inner).map_err(Crossed::Error)?;
    let callee = inner.vm.funcrefs[func as usize];
    let ty = inner.funcs[func as usize].type_id();
    let trampoline = trampoline_for(inner, ty, None, func)?;
    // SAFETY: `callee` is a live reference of this store, the trampoline
    // was compiled for its signature, and `values` is its array-call
    // buffer.
    unsafe { enter_compiled(inner, data, callee.code, callee.vmctx, trampoline, values) }
}

/// The array-call trampoline of engine type `ty`: the one of store
/// function `func`'s type, or, given, of `explicit` (whose id is `ty`).
#[inline]
pub(super) fn trampoline_for(
    inner: &mut StoreInner,
    ty: crate::types::TypeId,
    explicit: Option<&crate::types::FuncType>,
    func: u32,
) -> Result<usize, Crossed> {
    if let Some(&(_, trampoline)) = inner.vm.trampolines.iter().find(|(t, _)| *t == ty) {
        return Ok(trampoline);
    }
    let sig = match explicit {
        Some(sig) => sig,
        None => inner.func_type(func),
    };
    let trampoline = engine_jit(&inner.engine)
        .and_then(|jit| Ok(jit.array_trampoline(ty, sig)?))
        .map_err(Crossed::Error)?;
    inner.vm.trampolines.push((ty, trampoline));
    Ok(trampoline)
}

/// Calls compiled code `code` with context `vmctx` through array-call
/// `trampoline`, with its arguments in `values`, which receives its
/// results; turns a trap into its error.
///
/// # Safety
///
/// `code` and `vmctx` must be a function of this store and its instance's
/// context (kept alive by the store), `trampoline` compiled for that
/// function's signature, and `values` as long as its array-call buffer.
#[inline]
pub(super) unsafe fn enter_compiled(
    inner: &mut StoreInner,
    data: *mut (),
    code: *const u8,
    vmctx: *mut u8,
    trampoline: usize,
    values: &mut [u64],
) -> Result<(), Crossed> {
    // SAFETY: the caller's promise: the trampoline has the array-call ABI
    // declared here.
    let trampoline: unsafe extern "C" fn(*const u8, *mut u8, *mut u8, *mut u64) =
        unsafe { core::mem::transmute(trampoline) };

    let budget = inner.engine.config.max_native_stack;
    let frames_start = inner.vm.trap_frames.len();
    let inner_ptr = inner as *mut StoreInner as *mut u8;
    let ctx = &mut *inner.vm.ctx;
    let outermost = ctx.stack_limit == 0;
    if outermost {
        ctx.stack_limit = stack_pointer().saturating_sub(budget).max(1);
        ctx.stack_hard_limit = ctx.stack_limit.saturating_sub(EXPLICIT_FRAME_SLACK).max(1);
    }
    ctx.inner = inner_ptr;
    ctx.data = data;
    ctx.builtins = &BUILTINS;
    let values_ptr = values.as_mut_ptr();
    let signals = crate::jit::signals_enabled(&inner.engine.config);
    let mut trapped = None;
    if signals {
        // SAFETY: as below; `enter` adds the recovery point a trap resumes
        // at.
        let r = unsafe {
            traps::enter(
                trampoline as usize,
                code,
                vmctx,
                core::ptr::null_mut(),
                values_ptr,
            )
        };
        trapped = r.err();
    } else {
        // SAFETY: the caller's promise: `code` and `vmctx` are alive, the
        // buffer holds every argument and has room for every result; the
        // store context points at this store, which is not touched through
        // `inner` until the call returns.
        unsafe { trampoline(code, vmctx, core::ptr::null_mut(), values_ptr) };
    }

    let ctx = &mut *inner.vm.ctx;
    if outermost {
        ctx.stack_limit = 0;
        ctx.stack_hard_limit = 0;
    }
    let mut code = core::mem::take(&mut ctx.trap_code);
    let (frames, elided) = match trapped {
        Some(record) => {
            if record.code != traps::DYNAMIC {
                code = u32::from(record.code);
            }
            (frames_from_pcs(inner, &record.pcs), record.elided)
        }
        None if code == 0 => return Ok(()),
        None => {
            let frames: Vec<_> = inner.vm.trap_frames.drain(frames_start..).collect();
            (frames, core::mem::take(&mut inner.vm.trap_frames_elided))
        }
    };
    let backtrace = |inner: &StoreInner| -> Vec<FrameInfo> {
        frames
            .iter()
            .map(|f| {
                let module = &inner.instances[f.instance as usize].module;
                let info = &module.info;
                FrameInfo {
                    func_index: f.func_index,
                    func_name: info.func_names.get(&module.bytes, f.func_index),
                    module_name: info.module_name.clone(),
                }
            })
            .collect()
    };
    match code {
        // A trap in a function a bridge ran in the interpreter: its frames
        // are the interpreter's, its callers the compiled frames unwound.
        TRAP_BRIDGED => match inner.vm.pending_error.take() {
            Some(Error::Trap(mut trap)) => {
                trap.add_callers(backtrace(inner), elided);
                Err(Crossed::Trap(trap))
            }
            Some(e) => Err(Crossed::Error(e)),
            None => Err(Crossed::Error(Error::usage("a bridged trap was lost"))),
        },
        TRAP_HOST_ERROR => Err(Crossed::Error(
            inner
                .vm
                .pending_error
                .take()
                .unwrap_or_else(|| Error::usage("a host error was lost")),
        )),
        TRAP_HOST_PANIC => match inner.vm.pending_panic.take() {
            Some(panic) => std::panic::resume_unwind(panic.into_inner()),
            None => Err(Crossed::Error(Error::usage("a host panic was lost"))),
        },
        _ => {
            let trap = TrapCode::from_bits(code).ok_or_else(|| {
                Crossed::Error(Error::usage("compiled code reported an unknown trap"))
            })?;
            Err(Crossed::Trap(Trap::with_backtrace(
                trap,
                backtrace(inner),
                elided,
            )))
        }
    }
}
