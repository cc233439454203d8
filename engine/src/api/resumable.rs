//! Resumable calls ([`Func::call_resumable`]): on the interpreter, a call
//! that runs out of fuel or whose host function fails with a host error
//! is suspended, and goes on later where it stopped. Shaped like wasmi's
//! `call_resumable`.

use super::backend::{self, Resumable, Suspended, Suspension};
use super::func::{decode_vals, encode_vals, Func};
use super::store::AsContextMut;
use super::values::{Stored, Val};
use crate::error::{Error, Result};
use crate::runtime::StoreInner;

/// How a resumable call ended, if it did not fail.
#[derive(Debug)]
#[non_exhaustive]
pub enum ResumableCall {
    /// The call returned; its results were written.
    Finished,
    /// The call ran out of fuel. Add fuel
    /// ([`Store::set_fuel`](crate::Store::set_fuel)) and resume it.
    OutOfFuel(ResumableCallOutOfFuel),
    /// A host function failed with a host error ([`Error::Host`]). Resume
    /// the call with the results the host function should have returned,
    /// or keep the error.
    HostTrap(ResumableCallHostTrap),
}

/// A call suspended because it ran out of fuel.
#[derive(Debug)]
pub struct ResumableCallOutOfFuel {
    func: Func,
    required: u64,
    suspension: Suspension,
}

/// A call suspended because a host function failed.
#[derive(Debug)]
pub struct ResumableCallHostTrap {
    func: Func,
    host_func: Func,
    error: Error,
    suspension: Suspension,
}

impl ResumableCall {
    /// The outcome of a call of `func` that wrote `raw_results` if it
    /// finished.
    pub(crate) fn new(
        inner: &StoreInner,
        func: Func,
        outcome: Resumable,
        raw_results: &[u64],
        results: &mut [Val],
    ) -> ResumableCall {
        match outcome {
            Resumable::Finished => {
                let ty = inner.func_type(func.0.index);
                decode_vals(inner, raw_results, ty.results(), results);
                ResumableCall::Finished
            }
            Resumable::Suspended(mut suspension) => match suspension.why {
                Suspended::OutOfFuel { required } => {
                    ResumableCall::OutOfFuel(ResumableCallOutOfFuel {
                        func,
                        required,
                        suspension,
                    })
                }
                Suspended::HostError { func: f, .. } => {
                    let error = suspension
                        .error
                        .take()
                        .unwrap_or_else(|| Error::usage("a host error was lost"));
                    ResumableCall::HostTrap(ResumableCallHostTrap {
                        func,
                        host_func: Func(Stored::new(inner.id, f)),
                        error,
                        suspension,
                    })
                }
            },
        }
    }
}

/// Resumes `suspension` of a call of `func`, with `host_results` for a
/// host function that failed.
fn resume(
    mut store: impl AsContextMut,
    func: Func,
    suspension: Suspension,
    host_results: &[u64],
    results: &mut [Val],
) -> Result<ResumableCall> {
    let ctx = store.as_context_mut();
    let data = ctx.data as *mut _ as *mut ();
    let inner = ctx.inner;
    let ty = inner.func_type(func.0.index_in(inner)).clone();
    if results.len() != ty.results().len() {
        return Err(Error::usage(alloc::format!(
            "expected {} results, got {}",
            ty.results().len(),
            results.len()
        )));
    }
    let mut raw_results = alloc::vec![0u64; ty.result_slots()];
    let outcome = backend::resume(inner, data, suspension, host_results, &mut raw_results)?;
    Ok(ResumableCall::new(
        inner,
        func,
        outcome,
        &raw_results,
        results,
    ))
}

impl ResumableCallOutOfFuel {
    /// How much more fuel the check that failed needed.
    pub fn required_fuel(&self) -> u64 {
        self.required
    }

    /// Goes on with the call (in the store it was made in), after fuel was
    /// added. It may run out again.
    pub fn resume(self, store: impl AsContextMut, results: &mut [Val]) -> Result<ResumableCall> {
        resume(store, self.func, self.suspension, &[], results)
    }
}

impl ResumableCallHostTrap {
    /// The error the host function returned.
    pub fn host_error(&self) -> &Error {
        &self.error
    }

    /// The error the host function returned, giving up on the call.
    pub fn into_host_error(self) -> Error {
        self.error
    }

    /// The host function that failed.
    pub fn host_func(&self) -> Func {
        self.host_func
    }

    /// Goes on with the call (in the store it was made in) as if the host
    /// function had returned `host_results`, which must match its type.
    pub fn resume(
        self,
        mut store: impl AsContextMut,
        host_results: &[Val],
        results: &mut [Val],
    ) -> Result<ResumableCall> {
        let ctx = store.as_context_mut();
        let inner = &*ctx.inner;
        let host_ty = inner.func_type(self.host_func.0.index_in(inner)).clone();
        let raw = encode_vals(inner, "host results", host_results, host_ty.results())?;
        resume(ctx, self.func, self.suspension, &raw, results)
    }
}
