//! Exceptions on the interpreter: creating one (`throw`, or a host
//! function's), and unwinding to the handler that catches it.
//!
//! A throw ends `run` with [`Stop::Throw`], naming the op that threw;
//! `execute_from` then unwinds here, looking for a handler in the
//! throwing function and then in each caller of the activation (at the
//! call it is in), popping frames as it goes. Found, it leaves the payload
//! in the handler's slots and `run` starts again at the handler's landing
//! pad; not found, the exception leaves the activation as
//! [`Error::Exception`]. The dispatch loop itself knows nothing of
//! exceptions, so code that throws none runs as fast as before.

use super::{Op, Stop};
use crate::error::TrapCode;
use crate::interp::{CompiledFunc, Handler};
use crate::runtime::StoreInner;

/// Where an exception was caught: the landing pad to run and its frame.
pub(super) struct Caught {
    pub ip: *const Op,
    pub base: usize,
    pub func: *const CompiledFunc,
    pub instance: u32,
}

/// `throw $tag` (module tag index `tag` of `instance`) with the payload in
/// the raw slots at `payload`, by the op at `at` in the frame at `base`.
///
/// # Safety
/// `payload` must point at as many readable slots as the tag's payload
/// takes (the translator put them in the throwing frame).
pub(super) unsafe fn throw_new(
    inner: &mut StoreInner,
    instance: u32,
    tag: u32,
    payload: *const u64,
    at: *const Op,
    base: usize,
) -> Stop {
    let tag = inner.instances[instance as usize].tags[tag as usize];
    let n = inner.tags[tag as usize].sig.param_slots();
    // SAFETY: the caller's contract.
    let payload = unsafe { core::slice::from_raw_parts(payload, n) };
    let exn = inner.exceptions.alloc(tag, payload.into());
    Stop::Throw { exn, at, base }
}

/// `throw_ref` of the raw `exnref` `raw`.
pub(super) fn throw_ref(raw: u64, at: *const Op, base: usize) -> Stop {
    match raw {
        0 => Stop::Trap(TrapCode::NullReference),
        _ => Stop::Throw {
            exn: (raw - 1) as u32,
            at,
            base,
        },
    }
}

/// Looks for the handler of exception `exn`, thrown by the op at `at` of
/// `func` (of `instance`) in the frame at `base`, in that function and
/// then its callers down to the activation's first frame (`entry_depth`
/// frames stay). Pops the frames it leaves.
pub(super) fn unwind(
    inner: &mut StoreInner,
    exn: u32,
    mut func: *const CompiledFunc,
    mut instance: u32,
    mut at: *const Op,
    mut base: usize,
    entry_depth: usize,
) -> Option<Caught> {
    let tag = inner.exceptions.get(exn).tag;
    loop {
        // SAFETY: code lives as long as its instance's module, which the
        // store keeps (see `InstanceCache::compiled`).
        let f = unsafe { &*func };
        // SAFETY: `at` points into `f.ops` (an op of this function).
        let pos = unsafe { at.offset_from(f.ops.as_ptr()) } as u32;
        let tags = &inner.instances[instance as usize].tags;
        let found = f.handlers.iter().find(|h| {
            h.start <= pos
                && pos < h.end
                && (h.tag == Handler::CATCH_ALL || tags[h.tag as usize] == tag)
        });
        if let Some(h) = found {
            deliver(inner, exn, h, base);
            return Some(Caught {
                // SAFETY: the translator made `pad` an op of `f`.
                ip: unsafe { f.ops.as_ptr().add(h.pad as usize) },
                base,
                func,
                instance,
            });
        }
        if inner.stack.frames.len() <= entry_depth {
            return None;
        }
        let frame = inner.stack.frames.pop()?;
        inner.stack.depth -= 1;
        func = frame.code.cast();
        instance = frame.instance;
        base = frame.base;
        // The call op (or its `Aux`) just before the return point.
        // SAFETY: a return point follows its call op in the same function.
        at = unsafe { frame.ret_ip.cast::<Op>().sub(1) };
    }
}

/// Puts exception `exn`'s payload (and `exnref`) where handler `h` of the
/// frame at `base` wants them.
fn deliver(inner: &mut StoreInner, exn: u32, h: &Handler, base: usize) {
    let at = base + h.values as usize;
    let n = if h.tag == Handler::CATCH_ALL {
        0
    } else {
        let payload = &inner.exceptions.get(exn).payload;
        inner.stack.values[at..at + payload.len()].copy_from_slice(payload);
        payload.len()
    };
    if h.by_ref {
        inner.exceptions.mark_referenced(exn);
        inner.stack.values[at + n] = exn as u64 + 1;
    } else {
        inner.exceptions.release(exn);
    }
}
