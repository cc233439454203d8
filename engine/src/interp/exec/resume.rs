//! Resumable calls: a call from the host that runs out of fuel, or whose
//! host function fails with a host error, is suspended instead of failed,
//! and can go on later where it stopped (after the host adds fuel, or with
//! the results the host function should have returned).
//!
//! Possible because the interpreter's call stack is its own: suspending
//! copies the activation's value slots and frames out of the store's
//! stacks (frame bases relative to the activation's first slot) and pops
//! them as any return to the host does; resuming copies them back on top
//! of whatever is live then, rebased, and runs on from the saved op. The
//! store is usable in between, for other calls too.

use super::call::{enter_wasm, Activation};
use super::{execute_from, Entry, Outcome, Stop};
use crate::error::{Error, Trap, TrapCode};
use crate::interp::bytecode::Op;
use crate::interp::CompiledFunc;
use crate::runtime::{Frame, StoreId, StoreInner};
use alloc::vec::Vec;

/// Why a call was suspended.
#[derive(Debug)]
pub(crate) enum Suspended {
    /// A fuel check needed `required` more fuel than the store had.
    OutOfFuel { required: u64 },
    /// A host function (store function `func`) failed (the error is the
    /// suspension's `error`); its results go to slot `results` of the
    /// saved values.
    HostError { func: u32, results: usize },
}

/// A suspended call.
pub(crate) struct Suspension {
    pub why: Suspended,
    /// The host function's error, for the embedder to take.
    pub error: Option<Error>,
    store: StoreId,
    /// The activation's slots, from its first one to the end of the frame
    /// that was running.
    values: Vec<u64>,
    /// The activation's suspended callers, bases relative to `values`.
    frames: Vec<Frame>,
    /// The frame that was running: its function, instance, the op to go
    /// on at and its base (relative to `values`).
    func: *const CompiledFunc,
    instance: u32,
    ip: *const Op,
    base: usize,
}

// SAFETY: the raw pointers (`func`, `ip`, and the frames' `ret_ip` and
// `code`) point into code owned by the modules of the store the call was
// made in, which its instances keep alive while it lives; a suspension is
// only resumed in that store (`resume` checks its id), and never
// dereferences them otherwise. Moving it to another thread moves nothing
// tied to the one that made it.
unsafe impl Send for Suspension {}
// SAFETY: a shared `Suspension` gives access only to `why` (whose `Error`
// is `Sync`); the pointers are read only by `resume`, which takes it by
// value.
unsafe impl Sync for Suspension {}

impl core::fmt::Debug for Suspension {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Suspension")
            .field("why", &self.why)
            .finish_non_exhaustive()
    }
}

/// Whether a resumable execution suspends at `stop` rather than fail.
pub(super) fn can_suspend(stop: &Stop) -> bool {
    matches!(stop, Stop::OutOfFuel { .. } | Stop::HostError { .. })
}

impl Suspension {
    /// Copies out the state of the execution from `entry` that stopped at
    /// `stop` (one `can_suspend` accepts) in `func` of `instance`. The
    /// caller then pops the frames as usual.
    pub(super) fn capture(
        inner: &mut StoreInner,
        entry: &Entry,
        func: *const CompiledFunc,
        instance: u32,
        stop: Stop,
    ) -> Suspension {
        let mut host_error = None;
        let (ip, base, why) = match stop {
            Stop::OutOfFuel { ip, base } => {
                // SAFETY: `ip` is the fuel check that failed, in `func`.
                let amount = match unsafe { *ip } {
                    Op::ConsumeFuelCheck { amount } => amount as i64,
                    _ => 0,
                };
                let required = (amount - inner.vm.ctx.fuel).max(0) as u64;
                (ip, base, Suspended::OutOfFuel { required })
            }
            Stop::HostError {
                error,
                func,
                ip,
                base,
                args,
            } => {
                host_error = Some(error);
                let results = base + args - entry.entry_base;
                (ip, base, Suspended::HostError { func, results })
            }
            // `can_suspend` rules the rest out.
            Stop::Trap(_) | Stop::Error(_) | Stop::Throw { .. } | Stop::Inner { .. } => (
                core::ptr::null(),
                entry.base,
                Suspended::OutOfFuel { required: 0 },
            ),
        };
        // SAFETY: `func` is the running function, alive with its instance.
        let num_slots = unsafe { (*func).num_slots } as usize;
        let end = (base + num_slots).min(inner.stack.values.len());
        let values = inner.stack.values[entry.entry_base..end].to_vec();
        let frames = inner.stack.frames[entry.entry_depth..]
            .iter()
            .map(|f| Frame {
                base: f.base - entry.entry_base,
                ..*f
            })
            .collect();
        Suspension {
            why,
            error: host_error,
            store: inner.id,
            values,
            frames,
            func,
            instance,
            ip,
            base: base - entry.entry_base,
        }
    }
}

/// Calls store function `func` from the host like `invoke`, but suspends
/// it when it runs out of fuel or a host function fails with a host error.
pub(crate) fn invoke_resumable(
    inner: &mut StoreInner,
    data: *mut (),
    func: u32,
    args: &[u64],
    results: &mut [u64],
) -> Result<Outcome, Error> {
    let act = Activation::enter(inner)?;
    let inner = &mut *act.inner;
    let Some(entry) = enter_wasm(inner, data, func, args, results)? else {
        return Ok(Outcome::Finished);
    };
    let base = entry.base;
    let outcome = execute_from(inner, data, entry, true)?;
    if let Outcome::Finished = outcome {
        results.copy_from_slice(&inner.stack.values[base..base + results.len()]);
    }
    Ok(outcome)
}

/// Goes on with a suspended call, in the store it was made in. For a host
/// error, `host_results` are what the host function should have returned
/// (raw slots); for running out of fuel they are ignored.
pub(crate) fn resume(
    inner: &mut StoreInner,
    data: *mut (),
    s: Suspension,
    host_results: &[u64],
    results: &mut [u64],
) -> Result<Outcome, Error> {
    if s.store != inner.id {
        return Err(Error::usage(
            "a suspended call was resumed in another store",
        ));
    }
    let act = Activation::enter(inner)?;
    let inner = &mut *act.inner;
    let config = &inner.engine.config;
    let entry_base = inner.stack.top;
    let need = entry_base + s.values.len();
    let depth = inner.stack.depth + s.frames.len() + 1;
    if need > config.max_value_stack || depth > config.max_call_depth {
        return Err(Trap::new(TrapCode::StackOverflow).into());
    }
    if inner.stack.values.len() < need {
        let add = need - inner.stack.values.len();
        if inner.stack.values.try_reserve(add).is_err() {
            return Err(Trap::new(TrapCode::StackOverflow).into());
        }
        inner.stack.values.resize(need, 0);
    }
    inner.stack.values[entry_base..need].copy_from_slice(&s.values);
    if let Suspended::HostError { results: at, .. } = s.why {
        let at = entry_base + at;
        let end = (at + host_results.len()).min(need);
        inner.stack.values[at..end].copy_from_slice(&host_results[..end - at]);
    }
    let entry_depth = inner.stack.frames.len();
    inner.stack.frames.extend(s.frames.iter().map(|f| Frame {
        base: f.base + entry_base,
        ..*f
    }));
    inner.stack.depth = depth;
    inner.stack.top = need;
    let entry = Entry {
        instance: s.instance,
        func: s.func,
        ip: s.ip,
        base: entry_base + s.base,
        entry_base,
        entry_depth,
    };
    let outcome = execute_from(inner, data, entry, true)?;
    if let Outcome::Finished = outcome {
        results.copy_from_slice(&inner.stack.values[entry_base..entry_base + results.len()]);
    }
    Ok(outcome)
}
