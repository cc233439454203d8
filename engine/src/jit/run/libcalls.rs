//! The builtins' implementations: runtime functions compiled code calls
//! through the table in `VMStoreContext::builtins` (function pointers, so
//! the code needs no relocations). The list, the table's layout and the
//! signatures the compiler uses are declared once, in
//! `runtime::vm::builtins`; [`BUILTINS`] is generated from the same list,
//! so a builtin missing here does not compile. Each receives the calling
//! instance's `VMContext`, from which it reaches the store.
//!
//! Functions that can trap return the `trap_code` value (0 for success);
//! compiled code stores a non-zero result and unwinds.
//!
//! # Safety
//! Every libcall is only called by compiled code while the store is
//! borrowed by `jit::invoke`, which set `VMStoreContext::inner` and `data`
//! for the duration: the `vmctx` argument is the live context of an
//! instance of that store.

use super::link::sync_funcrefs;
use super::traps;
use crate::error::{Error, TrapCode};
use crate::jit::{TRAP_HOST_ERROR, TRAP_HOST_PANIC};
use crate::runtime::vm::{for_each_builtin, Builtins, PendingPanic, TrapFrame, VMContext};
use crate::runtime::{atomic, bulk};
use crate::runtime::{HostOutcome, StoreInner};
use crate::sys;
use crate::types::TypeId;

use crate::error::MAX_BACKTRACE;

macro_rules! builtin_table {
    ($($name:ident $variant:ident ($($arg:ident: $ty:ident),*) $(-> $ret:ident)?;)*) => {
        /// The builtin table compiled code calls through.
        pub(crate) static BUILTINS: Builtins = Builtins { $($name,)* };
    };
}

for_each_builtin!(builtin_table);

/// The store and instance index behind `vmctx`.
///
/// # Safety
/// See the module docs.
unsafe fn store<'a>(vmctx: *mut VMContext) -> (&'a mut StoreInner, u32) {
    // SAFETY: see the module docs: `vmctx` is live and its store's `inner`
    // points at the `StoreInner` that `invoke` borrowed; no Rust reference
    // to it is used while compiled code runs.
    unsafe {
        let ctx = &*vmctx;
        let inner = &mut *((*ctx.store).inner as *mut StoreInner);
        (inner, ctx.instance)
    }
}

fn status(r: Result<(), TrapCode>) -> u32 {
    match r {
        Ok(()) => 0,
        Err(code) => code.bits(),
    }
}

/// A `grow`'s result for compiled code: the old size or -1 (a table's
/// as a `u32`, a memory's as a `u64`), or `i64::MIN` with the limiter's
/// error pending in the store.
fn grown(inner: &mut StoreInner, r: Result<u64, Error>) -> u64 {
    match r {
        Ok(size) => size,
        Err(e) => {
            inner.vm.pending_error = Some(e);
            i64::MIN as u64
        }
    }
}

unsafe extern "C" fn memory_grow(vmctx: *mut VMContext, mem: u32, delta: u64) -> u64 {
    // SAFETY: see the module docs.
    let (inner, inst) = unsafe { store(vmctx) };
    // SAFETY: as above: `data` is the store's data, set by `invoke`.
    let data = unsafe { (*(*vmctx).store).data };
    let r = bulk::memory_grow_of(inner, data, inst, mem, delta);
    grown(inner, r)
}

/// A wait's or notify's result for compiled code: the value, or a trap
/// code's bits negated.
fn waited(r: Result<u32, TrapCode>) -> u64 {
    match r {
        Ok(v) => v as u64,
        Err(code) => (-(code.bits() as i64)) as u64,
    }
}

unsafe extern "C" fn memory_atomic_wait32(
    vmctx: *mut VMContext,
    mem: u32,
    addr: u64,
    expected: u32,
    timeout: u64,
) -> u64 {
    // SAFETY: see the module docs.
    let (inner, inst) = unsafe { store(vmctx) };
    waited(atomic::memory_wait(
        inner,
        inst,
        mem,
        addr,
        expected as u64,
        timeout as i64,
        false,
    ))
}

unsafe extern "C" fn memory_atomic_wait64(
    vmctx: *mut VMContext,
    mem: u32,
    addr: u64,
    expected: u64,
    timeout: u64,
) -> u64 {
    // SAFETY: see the module docs.
    let (inner, inst) = unsafe { store(vmctx) };
    waited(atomic::memory_wait(
        inner,
        inst,
        mem,
        addr,
        expected,
        timeout as i64,
        true,
    ))
}

unsafe extern "C" fn memory_atomic_notify(
    vmctx: *mut VMContext,
    mem: u32,
    addr: u64,
    count: u32,
) -> u64 {
    // SAFETY: see the module docs.
    let (inner, inst) = unsafe { store(vmctx) };
    waited(atomic::memory_notify(inner, inst, mem, addr, count))
}

unsafe extern "C" fn memory_fill(
    vmctx: *mut VMContext,
    mem: u32,
    dst: u64,
    val: u32,
    len: u64,
) -> u32 {
    // SAFETY: see the module docs.
    let (inner, inst) = unsafe { store(vmctx) };
    status(bulk::memory_fill_of(inner, inst, mem, dst, val as u8, len))
}

unsafe extern "C" fn memory_copy(
    vmctx: *mut VMContext,
    dst_mem: u32,
    src_mem: u32,
    dst: u64,
    src: u64,
    len: u64,
) -> u32 {
    // SAFETY: see the module docs.
    let (inner, inst) = unsafe { store(vmctx) };
    status(bulk::memory_copy_between(
        inner, inst, dst_mem, src_mem, dst, src, len,
    ))
}

unsafe extern "C" fn memory_init(
    vmctx: *mut VMContext,
    mem: u32,
    seg: u32,
    dst: u64,
    src: u32,
    len: u32,
) -> u32 {
    // SAFETY: see the module docs.
    let (inner, inst) = unsafe { store(vmctx) };
    status(bulk::memory_init_of(inner, inst, mem, seg, dst, src, len))
}

unsafe extern "C" fn data_drop(vmctx: *mut VMContext, seg: u32) {
    // SAFETY: see the module docs.
    let (inner, inst) = unsafe { store(vmctx) };
    inner.instances[inst as usize].datas[seg as usize] = 0..0;
}

unsafe extern "C" fn table_grow(vmctx: *mut VMContext, table: u32, init: u64, delta: u32) -> u64 {
    // SAFETY: see the module docs.
    let (inner, inst) = unsafe { store(vmctx) };
    // SAFETY: as in `memory_grow`.
    let data = unsafe { (*(*vmctx).store).data };
    let r = bulk::table_grow(inner, data, inst, table, init, delta);
    grown(inner, r.map(u64::from))
}

unsafe extern "C" fn table_fill(
    vmctx: *mut VMContext,
    table: u32,
    dst: u32,
    val: u64,
    len: u32,
) -> u32 {
    // SAFETY: see the module docs.
    let (inner, inst) = unsafe { store(vmctx) };
    status(bulk::table_fill(inner, inst, table, dst, val, len))
}

unsafe extern "C" fn table_copy(
    vmctx: *mut VMContext,
    dst_table: u32,
    src_table: u32,
    dst: u32,
    src: u32,
    len: u32,
) -> u32 {
    // SAFETY: see the module docs.
    let (inner, inst) = unsafe { store(vmctx) };
    status(bulk::table_copy(
        inner, inst, dst_table, src_table, dst, src, len,
    ))
}

unsafe extern "C" fn table_init(
    vmctx: *mut VMContext,
    table: u32,
    seg: u32,
    dst: u32,
    src: u32,
    len: u32,
) -> u32 {
    // SAFETY: see the module docs.
    let (inner, inst) = unsafe { store(vmctx) };
    status(bulk::table_init(inner, inst, table, seg, dst, src, len))
}

unsafe extern "C" fn elem_drop(vmctx: *mut VMContext, seg: u32) {
    // SAFETY: see the module docs.
    let (inner, inst) = unsafe { store(vmctx) };
    inner.instances[inst as usize].elems[seg as usize] = alloc::boxed::Box::new([]);
}

/// Makes a lazy table's elements, for an access past its bound (cold;
/// `runtime::table`).
unsafe extern "C" fn table_materialise(vmctx: *mut VMContext, table: u32) {
    // SAFETY: see the module docs.
    let (inner, inst) = unsafe { store(vmctx) };
    bulk::table_materialise(inner, inst, table);
}

/// Whether engine type `sub` is `sup` or declares it as a supertype, for
/// `call_indirect` to a non-final type whose id differs (cold).
unsafe extern "C" fn is_subtype(vmctx: *mut VMContext, sub: u32, sup: u32) -> u32 {
    // SAFETY: see the module docs.
    let (inner, _) = unsafe { store(vmctx) };
    inner.engine.types.is_subtype(TypeId(sub), TypeId(sup)) as u32
}

/// Records one frame of a trap unwinding compiled code (cold).
unsafe extern "C" fn record_frame(vmctx: *mut VMContext, func_index: u32) {
    // SAFETY: see the module docs.
    let (inner, inst) = unsafe { store(vmctx) };
    if inner.vm.trap_frames.len() < MAX_BACKTRACE {
        inner.vm.trap_frames.push(TrapFrame {
            instance: inst,
            func_index,
        });
    } else {
        inner.vm.trap_frames_elided += 1;
    }
}

/// Calls host function `func` (a store index) for compiled code, through
/// the store's call hook if it has one: arguments and results are raw
/// slots at `values`. The slow path of every host function's entry
/// (`runtime::func::host_entry`, which calls this when the store has a
/// call hook), and what the entry does in a store without one. The call's
/// end is [`settle`]d.
unsafe extern "C" fn host_call(
    caller: *mut VMContext,
    func: u32,
    values: *mut u64,
    fp: *mut u64,
) -> u32 {
    // SAFETY: see the module docs.
    let (inner, inst) = unsafe { store(caller) };
    // SAFETY: as above: `data` is the store's data, set by `invoke`.
    let data = unsafe { (*(*caller).store).data };
    let outcome: HostOutcome = std::panic::catch_unwind(core::panic::AssertUnwindSafe(
        // SAFETY: the host stub passes a buffer of the slots the
        // function's type needs (its `array_slots`), its own.
        || unsafe { crate::runtime::call_host_at(inner, data, func, Some(inst), values) },
    ));
    // SAFETY: the borrow inside the closure has ended; `fp` is the host
    // stub's frame and this function owns nothing live past this point.
    unsafe { settle(caller, outcome, fp) }
}

/// [`settle`] for a bridge's entry (`bridge.rs`), which runs like a host
/// function's.
///
/// # Safety
/// As [`settle`]'s.
pub(super) unsafe fn settle_host_call(
    caller: *mut VMContext,
    outcome: HostOutcome,
    fp: *mut u64,
) -> u32 {
    // SAFETY: the caller's contract.
    unsafe { settle(caller, outcome, fp) }
}

/// Settles the end of a host call that did not simply return (see
/// `runtime::func::host_entry`): `outcome` points at the call's
/// [`HostOutcome`], which this takes by value.
unsafe extern "C" fn host_settle(caller: *mut VMContext, outcome: *mut u64, fp: *mut u64) -> u32 {
    // SAFETY: the entry passes its outcome, which it does not drop.
    let outcome = unsafe { core::ptr::read(outcome as *mut HostOutcome) };
    // SAFETY: as in `host_call`; the caller owns nothing live.
    unsafe { settle(caller, outcome, fp) }
}

/// The status of a host call from compiled code that ended with
/// `outcome`: 0 when it returned, the trap code when it failed or
/// panicked (the error or panic is kept in the store); an exception of
/// this store that it threw is thrown from the host stub, whose frame
/// pointer is `fp`. When compiled code goes on, the store's function
/// references first take in any function the host function created (it
/// may return them as funcrefs or store them in tables).
///
/// # Safety
/// As the builtins'; `fp` is the host stub's frame, and no frame between
/// it and this one owns anything that needs dropping.
unsafe fn settle(caller: *mut VMContext, outcome: HostOutcome, fp: *mut u64) -> u32 {
    // SAFETY: see the module docs.
    let (inner, _) = unsafe { store(caller) };
    let code = match outcome {
        Ok(Ok(())) => match sync_funcrefs(inner) {
            Ok(()) => 0,
            Err(e) => {
                inner.vm.pending_error = Some(e);
                TRAP_HOST_ERROR
            }
        },
        Ok(Err(Error::Exception(e))) if e.store == inner.id.raw() => {
            if let Err(e) = sync_funcrefs(inner) {
                inner.vm.pending_error = Some(e);
                TRAP_HOST_ERROR
            } else {
                // SAFETY: `fp` is the host stub's frame, called from
                // compiled code; nothing this function owns is live any
                // more.
                return unsafe { throw_from(caller, e.index, fp as usize) };
            }
        }
        Ok(Err(e)) => {
            inner.vm.pending_error = Some(e);
            TRAP_HOST_ERROR
        }
        Err(panic) => {
            inner.vm.pending_panic = Some(PendingPanic::new(panic));
            TRAP_HOST_PANIC
        }
    };
    inner.vm.ctx.trap_code = code;
    code
}

/// `throw`'s first half: a new exception of module tag `tag` with the
/// payload in the raw slots at `payload`; returns its `exnref`.
unsafe extern "C" fn exn_new(vmctx: *mut VMContext, tag: u32, payload: *mut u64) -> u64 {
    // SAFETY: see the module docs.
    let (inner, inst) = unsafe { store(vmctx) };
    let tag = inner.instances[inst as usize].tags[tag as usize];
    let n = inner.tags[tag as usize].sig.param_slots();
    // SAFETY: compiled code passes a buffer holding the tag's payload.
    let payload = unsafe { core::slice::from_raw_parts(payload, n) };
    u64::from(inner.exceptions.alloc(tag, payload.into())) + 1
}

/// Throws the exception `exn` (an `exnref`) from the compiled frame whose
/// frame pointer is `fp`, which has no handler for it: continues at the
/// first handler of a caller, or returns the status that ends the
/// activation (null: `NullReference`; uncaught: the exception pending as
/// a host error).
unsafe extern "C" fn throw(vmctx: *mut VMContext, exn: u64, fp: *mut u64) -> u32 {
    match exn.checked_sub(1) {
        None => TrapCode::NullReference.bits(),
        // SAFETY: compiled code passes its own frame pointer; this frame
        // owns nothing.
        Some(index) => unsafe { throw_from(vmctx, index as u32, fp as usize) },
    }
}

/// Unwinds exception `exn` from the compiled frame at `fp` to the handler
/// of the nearest caller inside a `try_table`, or, if there is none below
/// the entry from the host, leaves it pending and returns the status
/// that unwinds the activation.
///
/// # Safety
/// See the module docs; `fp` is the frame pointer of a compiled frame
/// called from compiled code, and the calling builtin owns nothing that
/// needs dropping (its frame is discarded if a handler is found).
unsafe fn throw_from(vmctx: *mut VMContext, exn: u32, fp: usize) -> u32 {
    // SAFETY: the caller's contract.
    if let Some(landing) = unsafe { traps::find_handler(fp) } {
        // SAFETY: the landing is a handler of a live compiled frame above
        // this one; only compiled frames and this builtin's lie between,
        // and none owns anything (the registry's lock was released).
        unsafe { sys::resume_to_handler(landing.pc, landing.sp, landing.fp, exn as usize + 1) }
    }
    // SAFETY: see the module docs.
    let (inner, _) = unsafe { store(vmctx) };
    let error = inner.uncaught_exception(exn);
    inner.vm.pending_error = Some(error);
    inner.vm.ctx.trap_code = TRAP_HOST_ERROR;
    TRAP_HOST_ERROR
}

/// Whether exception `exn` (an `exnref`, never null here) was thrown with
/// module tag `tag` of the calling instance: a `catch` clause's test.
unsafe extern "C" fn exn_matches(vmctx: *mut VMContext, exn: u64, tag: u32) -> u32 {
    // SAFETY: see the module docs.
    let (inner, inst) = unsafe { store(vmctx) };
    let thrown = inner.exceptions.get((exn - 1) as u32).tag;
    u32::from(inner.instances[inst as usize].tags[tag as usize] == thrown)
}

/// Hands exception `exn` to the catch clause that matched it: its payload
/// into the raw slots at `values` (unless null, for `catch_all`), and
/// whether an `exnref` to it now exists (`by_ref`; otherwise it is freed).
unsafe extern "C" fn exn_deliver(vmctx: *mut VMContext, exn: u64, values: *mut u64, by_ref: u32) {
    // SAFETY: see the module docs.
    let (inner, _) = unsafe { store(vmctx) };
    let index = (exn - 1) as u32;
    if !values.is_null() {
        let payload = &inner.exceptions.get(index).payload;
        // SAFETY: compiled code passes a buffer sized for the tag's
        // payload, which this exception carries.
        unsafe { core::ptr::copy_nonoverlapping(payload.as_ptr(), values, payload.len()) };
    }
    if by_ref != 0 {
        inner.exceptions.mark_referenced(index);
    } else {
        inner.exceptions.release(index);
    }
}

/// A fused multiply-add of `f32` bits, for deterministic
/// `f32x4.relaxed_madd` on a CPU without FMA instructions (one call per
/// lane).
unsafe extern "C" fn fma_f32(_vmctx: *mut VMContext, a: u32, b: u32, c: u32) -> u32 {
    let f = f32::from_bits;
    crate::semantics::scalar::f32_fma(f(a), f(b), f(c)).to_bits()
}

/// [`fma_f32`] for `f64` bits.
unsafe extern "C" fn fma_f64(_vmctx: *mut VMContext, a: u64, b: u64, c: u64) -> u64 {
    let f = f64::from_bits;
    crate::semantics::scalar::f64_fma(f(a), f(b), f(c)).to_bits()
}

/// The copy of a `memory.copy` whose bounds compiled code has checked
/// (its fast path: see `translate/memory.rs`): `len` bytes from `src` to
/// `dst`, which may overlap.
///
/// # Safety
///
/// `src..src + len` and `dst..dst + len` lie inside linear memories of the
/// calling instance (compiled code compared both ends with the memories'
/// current lengths just before the call), which stay mapped while it runs.
unsafe extern "C" fn mem_move(_vmctx: *mut VMContext, dst: *mut u64, src: *mut u64, len: u64) {
    // SAFETY: the contract above; `copy` allows overlapping ranges, and
    // bytes have no alignment.
    unsafe { core::ptr::copy(src.cast::<u8>(), dst.cast::<u8>(), len as usize) }
}

/// The fill of a `memory.fill` whose bounds compiled code has checked:
/// `len` bytes at `dst` set to the low byte of `val`.
///
/// # Safety
///
/// As [`mem_move`]'s, for `dst..dst + len`.
unsafe extern "C" fn mem_set(_vmctx: *mut VMContext, dst: *mut u64, val: u32, len: u64) {
    // SAFETY: the contract above.
    unsafe { core::ptr::write_bytes(dst.cast::<u8>(), val as u8, len as usize) }
}
