//! Calls: entering a frame (with the stack limits), finding the target of
//! `call_indirect`, calling host functions, and `invoke`, the entry from
//! the embedding API.

use super::{execute, Stop};
use crate::api::values::Val;
use crate::error::{Error, Trap, TrapCode};
use crate::interp::bytecode::Op;
use crate::interp::CompiledFunc;
use crate::runtime::{FuncEntity, HostContext, StoreInner};
use alloc::vec::Vec;

/// The operands of the `Aux` op at `ip`.
#[inline(always)]
pub(super) fn aux(ip: *const Op) -> (u32, u32) {
    // SAFETY: the translator emits an `Aux` right after every op that
    // reads one, and `ip` points just past that op.
    match unsafe { *ip } {
        Op::Aux { a, b } => (a, b),
        _ => (0, 0),
    }
}

/// Makes room for `callee`'s frame at `base` and zeroes its declared
/// locals; traps when a stack limit would be passed. `live` is the number of
/// frames that will be running once the callee starts that are not in
/// `frames` (2 for a call from Wasm: caller and callee; 1 from the host).
#[inline]
pub(super) fn enter_frame(
    inner: &mut StoreInner,
    callee: &CompiledFunc,
    base: usize,
    live: usize,
) -> Result<(), Stop> {
    let config = inner.engine.config();
    if inner.stack.frames.len() + live > config.max_call_depth {
        return Err(TrapCode::StackOverflow.into());
    }
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
    values[base + callee.num_params as usize..base + callee.num_locals as usize].fill(0);
    Ok(())
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
    let module = &inner.instances[instance as usize].module.inner;
    let def = index - module.info.num_imported_funcs;
    match module.compiled(def) {
        Ok(f) => Ok(f as *const CompiledFunc),
        Err(e) => Err(Stop::Error(e.into())),
    }
}

/// The store function `call_indirect` reaches through `table` at `index`,
/// after checking it is there and has module type `ty`.
pub(super) fn indirect_target(
    inner: &StoreInner,
    instance: u32,
    table: u32,
    ty: u32,
    index: u32,
) -> Result<u32, TrapCode> {
    let inst = &inner.instances[instance as usize];
    let t = inst.tables[table as usize] as usize;
    let raw = *inner.tables[t]
        .elems
        .get(index as usize)
        .ok_or(TrapCode::TableOutOfBounds)?;
    if raw == 0 {
        return Err(TrapCode::IndirectCallToNull);
    }
    let f = (raw - 1) as u32;
    if inner.funcs[f as usize].type_id() != inst.type_ids[ty as usize] {
        return Err(TrapCode::BadSignature);
    }
    Ok(f)
}

/// Calls host function `f` with the arguments at value-stack slot
/// `args`, writing its results there.
pub(super) fn call_host(
    inner: &mut StoreInner,
    data: *mut (),
    f: u32,
    caller: Option<u32>,
    args: usize,
) -> Result<(), Stop> {
    let FuncEntity::Host { ty, func } = &inner.funcs[f as usize] else {
        return Err(Stop::Error(Error::usage("not a host function")));
    };
    let func = func.clone();
    let ty = inner.types.get(*ty).clone();
    let params: Vec<Val> = ty
        .params()
        .iter()
        .enumerate()
        .map(|(i, t)| Val::from_raw(inner.stack.values[args + i], *t, inner.id))
        .collect();
    let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
    {
        let mut ctx = HostContext {
            inner: &mut *inner,
            data,
            caller,
        };
        func(&mut ctx, &params, &mut results).map_err(Stop::Error)?;
    }
    for (i, (r, t)) in results.iter().zip(ty.results()).enumerate() {
        if r.ty() != *t || !r.belongs_to(inner) {
            return Err(Stop::Error(Error::usage(alloc::format!(
                "host function returned a {} where its type says {t}",
                r.ty()
            ))));
        }
        inner.stack.values[args + i] = r.to_raw();
    }
    Ok(())
}

/// Calls store function `func` from the host: arguments and results are
/// raw slots whose types the caller has checked.
pub(crate) fn invoke(
    inner: &mut StoreInner,
    data: *mut (),
    func: u32,
    args: &[u64],
    results: &mut [u64],
) -> Result<(), Error> {
    let (instance, index) = match &inner.funcs[func as usize] {
        FuncEntity::Wasm {
            instance, index, ..
        } => (*instance, *index),
        FuncEntity::Host { .. } => {
            // Give the host function its own slots above everything live.
            let base = inner.stack.top;
            let need = base + args.len().max(results.len());
            if inner.stack.values.len() < need {
                inner.stack.values.resize(need, 0);
            }
            inner.stack.values[base..base + args.len()].copy_from_slice(args);
            let old_top = inner.stack.top;
            inner.stack.top = need;
            let r = call_host(inner, data, func, None, base);
            inner.stack.top = old_top;
            return match r {
                Ok(()) => {
                    results.copy_from_slice(&inner.stack.values[base..base + results.len()]);
                    Ok(())
                }
                Err(Stop::Trap(code)) => Err(Trap::new(code).into()),
                Err(Stop::Error(e)) => Err(e),
            };
        }
    };
    let callee = match wasm_callee(inner, instance, index) {
        Ok(c) => c,
        Err(Stop::Error(e)) => return Err(e),
        Err(Stop::Trap(code)) => return Err(Trap::new(code).into()),
    };
    // SAFETY: see `wasm_callee`.
    let callee: &CompiledFunc = unsafe { &*callee };
    let base = inner.stack.top;
    match enter_frame(inner, callee, base, 1) {
        Ok(()) => {}
        Err(Stop::Trap(code)) => return Err(Trap::new(code).into()),
        Err(Stop::Error(e)) => return Err(e),
    }
    inner.stack.values[base..base + args.len()].copy_from_slice(args);
    let old_top = inner.stack.top;
    inner.stack.top = base + callee.num_slots as usize;
    let r = execute(inner, data, instance, callee, base);
    inner.stack.top = old_top;
    r?;
    results.copy_from_slice(&inner.stack.values[base..base + results.len()]);
    Ok(())
}
