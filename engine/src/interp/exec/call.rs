//! Calls: entering a frame (with the stack limits), finding the target of
//! `call_indirect`, calling host functions, and `invoke`, the entry from
//! the embedding API.

use super::{execute, module_code, Entry, Stop};
use crate::error::{Error, Trap, TrapCode};
use crate::interp::CompiledFunc;
use crate::runtime::{self, with_slots, FuncEntity, StoreInner};
use alloc::sync::Arc;
use alloc::vec::Vec;

/// Makes room for `callee`'s frame at `base`, zeroes its declared locals
/// and counts it as live; traps when a stack limit would be passed.
#[inline]
pub(super) fn enter_frame(
    inner: &mut StoreInner,
    callee: &CompiledFunc,
    base: usize,
) -> Result<(), Stop> {
    if inner.stack.depth >= inner.engine.config.max_call_depth {
        return Err(TrapCode::StackOverflow.into());
    }
    reuse_frame(inner, callee, base)?;
    inner.stack.depth += 1;
    Ok(())
}

/// Makes the frame at `base`, its arguments already in place, fit
/// `callee` (a tail call's, or a new one's): grows the value stack if
/// needed and zeroes the declared locals. The call depth is unchanged.
#[inline]
pub(super) fn reuse_frame(
    inner: &mut StoreInner,
    callee: &CompiledFunc,
    base: usize,
) -> Result<(), Stop> {
    let config = &inner.engine.config;
    let need = base + callee.num_slots as usize;
    let values = &mut inner.stack.values;
    if need > values.len() {
        if need > config.max_value_stack {
            return Err(TrapCode::StackOverflow.into());
        }
        let new_len = need
            .max(values.len() * 2)
            .max(1024)
            .min(config.max_value_stack);
        if values.try_reserve(new_len - values.len()).is_err() {
            return Err(TrapCode::StackOverflow.into());
        }
        values.resize(new_len, 0);
    }
    let locals = &mut values[base + callee.num_params as usize..base + callee.num_locals as usize];
    zero_locals(locals);
    Ok(())
}

/// Zeroes a frame's declared locals without a `memset` call, whose set-up
/// costs more than the stores for the few dozen locals a function
/// declares (`memset` was 2.8% of `json`'s time in the interpreter): up
/// to 32, in fixed-size runs, which the compiler turns into a few vector
/// stores, the last one overlapping the one before it rather than passing
/// the end.
#[inline(always)]
fn zero_locals(locals: &mut [u64]) {
    let n = locals.len();
    match n {
        0..=4 => {
            for local in locals {
                *local = 0;
            }
        }
        5..=8 => {
            locals[..4].fill(0);
            locals[n - 4..].fill(0);
        }
        9..=16 => {
            locals[..8].fill(0);
            locals[n - 8..].fill(0);
        }
        17..=24 => {
            locals[..16].fill(0);
            locals[n - 8..].fill(0);
        }
        25..=32 => {
            locals[..24].fill(0);
            locals[n - 8..].fill(0);
        }
        // A loop here would become a `memset` call again; frames this big
        // are rare.
        _ => locals.fill(0),
    }
}

/// The code of function `index` (module index space, defined) of
/// `instance`, translating it if needed. The pointer stays valid while the
/// store lives.
#[inline]
pub(super) fn wasm_callee(
    inner: &StoreInner,
    instance: u32,
    index: u32,
) -> Result<*const CompiledFunc, Stop> {
    let module = &*inner.instances[instance as usize].module;
    let def = index - module.info.num_imported_funcs;
    match module_code(module)?.get(&module.info, &module.bytes, def) {
        Ok(f) => Ok(f as *const CompiledFunc),
        Err(e) => Err(Stop::Error(e.into())),
    }
}

/// The store function `call_indirect` reaches through `table` at `index`,
/// after checking it is there and has module type `ty`.
pub(super) fn indirect_target(
    inner: &mut StoreInner,
    instance: u32,
    table: u32,
    ty: u32,
    index: u32,
) -> Result<u32, TrapCode> {
    let inst = &inner.instances[instance as usize];
    let t = inst.tables[table as usize] as usize;
    // A lazy table's elements are made on the first call through it, so
    // later calls read them in place.
    let raw = *inner.tables[t]
        .elems_mut()
        .get(index as usize)
        .ok_or(TrapCode::TableOutOfBounds)?;
    if raw == 0 {
        return Err(TrapCode::IndirectCallToNull);
    }
    let f = (raw - 1) as u32;
    let (actual, expected) = (
        inner.funcs[f as usize].type_id(),
        inst.module.info.type_ids[ty as usize],
    );
    // A subtype of a non-final type has another id: ask the registry.
    if actual != expected && !inner.engine.types.is_subtype(actual, expected) {
        return Err(TrapCode::BadSignature);
    }
    Ok(f)
}

/// Calls host function `f` with the arguments at value-stack slot
/// `args`, writing its results there. The values are copied out and back:
/// the host function may call back into Wasm, which can move the stack.
pub(super) fn call_host(
    inner: &mut StoreInner,
    data: *mut (),
    f: u32,
    caller: Option<u32>,
    args: usize,
) -> Result<(), Stop> {
    // The slot count is kept in the entity: summing the type's slots
    // costs every call.
    let FuncEntity::Host { slots: n, func, .. } = &inner.funcs[f as usize] else {
        return Err(Stop::Error(Error::usage("not a host function")));
    };
    let (n, func) = (*n as usize, Arc::as_ptr(func));
    // Most host functions take and return a few values: a small buffer,
    // filled by the copy (not zeroed first, as `with_slots`'s larger one).
    let mut small = [0u64; 4];
    match small.get_mut(..n) {
        Some(slots) => call_host_on(inner, data, func, caller, args, slots),
        None => with_slots(n, |slots| {
            call_host_on(inner, data, func, caller, args, slots)
        }),
    }
}

/// [`call_host`] with `slots`, a buffer as long as the function's slot
/// count.
#[inline(always)]
fn call_host_on(
    inner: &mut StoreInner,
    data: *mut (),
    func: *const runtime::HostFn,
    caller: Option<u32>,
    args: usize,
    slots: &mut [u64],
) -> Result<(), Stop> {
    let n = slots.len();
    copy_slots(slots, &inner.stack.values[args..args + n]);
    // SAFETY: `func` is behind the `Arc` of a function of this store,
    // which never removes one while it lives.
    if let Err(e) = unsafe { runtime::call_host_fn(inner, data, func, caller, slots) } {
        return Err(Stop::Error(e));
    }
    copy_slots(&mut inner.stack.values[args..args + n], slots);
    Ok(())
}

/// Under `Tier::Auto`: counts a call into defined function `def` of
/// `instance` and says whether it runs compiled code (see
/// `runtime::tier_up`).
#[inline(never)]
pub(super) fn to_upper(inner: &mut StoreInner, instance: u32, def: u32) -> bool {
    runtime::tier_up::on_call(inner, instance, def)
}

/// [`to_upper`] for function `index` of `instance`'s index space (never
/// an import).
#[inline(never)]
pub(super) fn to_upper_index(inner: &mut StoreInner, instance: u32, index: u32) -> bool {
    let imported = inner.instances[instance as usize]
        .module
        .info
        .num_imported_funcs;
    runtime::tier_up::on_call(inner, instance, index - imported)
}

/// The store index of defined function `def` of `instance`.
pub(super) fn store_func(inner: &StoreInner, instance: u32, def: u32) -> u32 {
    let inst = &inner.instances[instance as usize];
    inst.funcs[(inst.module.info.num_imported_funcs + def) as usize]
}

/// Calls Wasm store function `f` in compiled code (`Tier::Auto`), with
/// the arguments at value-stack slot `args`, writing its results there:
/// like a host call, because compiled code runs on the native stack and
/// may call back into the host, which may move the value stack.
#[inline(never)]
pub(super) fn call_upper(
    inner: &mut StoreInner,
    data: *mut (),
    f: u32,
    args: usize,
) -> Result<(), Stop> {
    let Some(hooks) = inner.engine.tier_up else {
        return Err(Stop::Error(Error::usage("no upper tier to call")));
    };
    let n = inner.func_type(f).array_slots();
    with_slots(n, |slots| {
        copy_slots(slots, &inner.stack.values[args..args + n]);
        (hooks.call)(inner, data, f, slots).map_err(|e| crossed(e, false))?;
        copy_slots(&mut inner.stack.values[args..args + n], slots);
        Ok(())
    })
}

/// What a failed call into compiled code stops the interpreter with; a
/// trap's frames are compiled code's, to which the interpreter adds its
/// own (all but the running frame's if that frame is `replaced`, having
/// moved into compiled code at a loop).
fn crossed(e: runtime::tier_up::Crossed, replaced: bool) -> Stop {
    match e {
        runtime::tier_up::Crossed::Trap(trap) => Stop::Inner { trap, replaced },
        runtime::tier_up::Crossed::Error(e) => Stop::Error(e),
    }
}

/// At loop `ordinal` of `func` (of `instance`, its frame at `base`):
/// counts the iterations since the last look and, once the store runs
/// compiled code, moves the frame into `func`'s compiled twin, which runs
/// the rest of the function (on-stack replacement). `Ok(true)`: it ran,
/// and its results are at `base`, for the frame to return them.
#[inline(never)]
pub(super) fn osr(
    inner: &mut StoreInner,
    data: *mut (),
    instance: u32,
    func: &CompiledFunc,
    ordinal: u32,
    base: usize,
) -> Result<bool, Stop> {
    let imported = inner.instances[instance as usize]
        .module
        .info
        .num_imported_funcs;
    let def = func.func_index - imported;
    if !runtime::tier_up::on_count(inner, instance, def, runtime::tier_up::OSR_INTERVAL) {
        return Ok(false);
    }
    let Some(hooks) = inner.engine.tier_up else {
        return Ok(false);
    };
    let module = &inner.instances[instance as usize].module;
    let n = module.info.func_type(func.func_index).result_slots();
    let slots = inner.stack.values[base..].as_ptr();
    with_slots(n.max(2), |values| {
        let ran = (hooks.osr)(inner, data, instance, def, ordinal, slots, values);
        if !matches!(ran, Ok(false)) {
            inner.tier_up.loop_entries += 1;
        }
        if !ran.map_err(|e| crossed(e, true))? {
            return Ok(false);
        }
        copy_slots(&mut inner.stack.values[base..base + n], &values[..n]);
        Ok(true)
    })
}

/// `dst.copy_from_slice(src)`, without a call to `memcpy` for the one or
/// two slots most host functions take and return.
#[inline(always)]
fn copy_slots(dst: &mut [u64], src: &[u64]) {
    match (dst.len(), src.len()) {
        (1, 1) => dst[0] = src[0],
        (2, 2) => (dst[0], dst[1]) = (src[0], src[1]),
        _ => dst.copy_from_slice(src),
    }
}

/// One entry from the host into the store's stacks. Dropping it (on
/// return, error or a panic unwinding out of a host function) restores the
/// stacks to how the entry found them, so a store stays usable.
pub(super) struct Activation<'a> {
    pub(super) inner: &'a mut StoreInner,
    frames: usize,
    top: usize,
    depth: usize,
}

impl<'a> Activation<'a> {
    /// Enters, unless nested host re-entries have used more native stack
    /// than `Config::max_native_stack` allows.
    pub(super) fn enter(inner: &'a mut StoreInner) -> Result<Self, Error> {
        let marker = 0u8;
        let here = &marker as *const u8 as usize;
        let stack = &mut inner.stack;
        if stack.activations == 0 {
            stack.native_base = here;
        } else if stack.native_base.abs_diff(here) > inner.engine.config.max_native_stack {
            return Err(Trap::new(TrapCode::StackOverflow).into());
        }
        stack.activations += 1;
        Ok(Activation {
            frames: stack.frames.len(),
            top: stack.top,
            depth: stack.depth,
            inner,
        })
    }
}

impl Drop for Activation<'_> {
    fn drop(&mut self) {
        let stack = &mut self.inner.stack;
        stack.frames.truncate(self.frames);
        stack.top = self.top;
        stack.depth = self.depth;
        stack.activations -= 1;
    }
}

/// The error for a stop outside any frame (entering the first one).
fn stop_to_error(stop: Stop) -> Error {
    stop.into_error(|| (Vec::new(), 0))
}

/// Calls store function `func` from the host, in place: `values` holds
/// its `nargs` argument slots on entry and receives its `nresults` result
/// slots (it is as long as the longer list), raw, of types the caller has
/// checked.
pub(crate) fn invoke(
    inner: &mut StoreInner,
    data: *mut (),
    func: u32,
    values: &mut [u64],
    nargs: usize,
    nresults: usize,
) -> Result<(), Error> {
    let (instance, index) = match inner.funcs[func as usize] {
        FuncEntity::Wasm {
            instance, index, ..
        } => (instance, index),
        FuncEntity::Host { .. } => return runtime::call_host(inner, data, func, None, values),
    };
    let act = Activation::enter(inner)?;
    let inner = &mut *act.inner;
    // `enter_wasm`, for a function known to be Wasm.
    let base = inner.stack.top;
    let callee = wasm_callee(inner, instance, index).map_err(stop_to_error)?;
    // SAFETY: see `wasm_callee`.
    let callee: &CompiledFunc = unsafe { &*callee };
    enter_frame(inner, callee, base).map_err(stop_to_error)?;
    copy_slots(
        &mut inner.stack.values[base..base + nargs],
        &values[..nargs],
    );
    inner.stack.top = base + callee.num_slots as usize;
    execute(inner, data, instance, callee, base)?;
    copy_slots(
        &mut values[..nresults],
        &inner.stack.values[base..base + nresults],
    );
    Ok(())
}

/// The first step of a call from the host: a host function is called
/// right away (`None`); a Wasm function gets its frame, with `args` in
/// place, at the top of the value stack, and the entry to run it from.
pub(super) fn enter_wasm(
    inner: &mut StoreInner,
    data: *mut (),
    func: u32,
    args: &[u64],
    results: &mut [u64],
) -> Result<Option<Entry>, Error> {
    let base = inner.stack.top;
    let (instance, index) = match &inner.funcs[func as usize] {
        FuncEntity::Wasm {
            instance, index, ..
        } => (*instance, *index),
        FuncEntity::Host { .. } => {
            runtime::invoke_host(inner, data, func, args, results)?;
            return Ok(None);
        }
    };
    let callee = wasm_callee(inner, instance, index).map_err(stop_to_error)?;
    // SAFETY: see `wasm_callee`.
    let callee: &CompiledFunc = unsafe { &*callee };
    enter_frame(inner, callee, base).map_err(stop_to_error)?;
    copy_slots(&mut inner.stack.values[base..base + args.len()], args);
    inner.stack.top = base + callee.num_slots as usize;
    Ok(Some(Entry {
        instance,
        func: callee,
        ip: callee.ops.as_ptr(),
        base,
        entry_base: base,
        entry_depth: inner.stack.frames.len(),
    }))
}

#[cfg(test)]
mod tests {
    use super::zero_locals;

    #[test]
    fn zero_locals_zeroes_exactly_the_locals() {
        for n in 0..40 {
            let mut slots = [u64::MAX; 50];
            zero_locals(&mut slots[3..3 + n]);
            assert!(slots[..3].iter().all(|&s| s == u64::MAX), "{n}: before");
            assert!(slots[3..3 + n].iter().all(|&s| s == 0), "{n}: locals");
            assert!(slots[3 + n..].iter().all(|&s| s == u64::MAX), "{n}: after");
        }
    }
}
