//! Why execution stopped before its activation returned ([`Stop`]), and
//! what each stop becomes for the caller.

use super::super::bytecode::Op;
use crate::error::{Error, FrameInfo, Trap, TrapCode};
use alloc::vec::Vec;

/// Why execution stopped early.
pub(crate) enum Stop {
    Trap(TrapCode),
    Error(Error),
    /// A fuel check failed at the op at `ip`, in the frame at `base`; the
    /// fuel is as it was before that op (resuming runs it again).
    OutOfFuel {
        ip: *const Op,
        base: usize,
    },
    /// Exception `exn` (a store index) was thrown by the op at `at`, of
    /// the frame at `base`; `execute_from` unwinds to its handler.
    Throw {
        exn: u32,
        at: *const Op,
        base: usize,
    },
    /// A host function returned an error (`Error::Host`); its results
    /// would have gone to slot `args` of the frame at `base`, and the
    /// caller goes on at `ip`.
    HostError {
        error: Error,
        func: u32,
        ip: *const Op,
        base: usize,
        args: usize,
    },
    /// A call into compiled code (`Tier::Auto`) trapped there: the trap's
    /// backtrace lists the compiled frames, and the interpreter's frames,
    /// its callers, go after them; with `replaced`, the running frame is
    /// itself among the compiled ones (it moved into compiled code at a
    /// loop, `OsrPoint`) and is not listed again.
    Inner {
        trap: Trap,
        replaced: bool,
    },
}

impl Stop {
    /// What a failed host call stops with: a host error keeps where the
    /// call would have returned to, so a resumable call can go on there;
    /// an exception of this store (`store`) is thrown from the call.
    #[cold]
    #[inline(never)]
    pub(super) fn from_host(
        stop: Stop,
        store: usize,
        func: u32,
        ip: *const Op,
        base: usize,
        args: usize,
    ) -> Stop {
        match stop {
            Stop::Error(Error::Exception(e)) if e.store == store => Stop::Throw {
                exn: e.index,
                // SAFETY: `ip` follows the call op in the same function.
                at: unsafe { ip.sub(1) },
                base,
            },
            Stop::Error(error @ Error::Host(_)) => Stop::HostError {
                error,
                func,
                ip,
                base,
                args,
            },
            other => other,
        }
    }

    /// The error a call that cannot be resumed returns for this stop,
    /// with the backtrace of the frames still live.
    pub(super) fn into_error(self, backtrace: impl FnOnce() -> (Vec<FrameInfo>, usize)) -> Error {
        let mut trap = match self {
            Stop::Trap(code) => Trap::new(code),
            Stop::OutOfFuel { .. } => Trap::new(TrapCode::OutOfFuel),
            // A trap in compiled code: its frames, then the interpreter's.
            Stop::Inner { trap, replaced } => {
                let (mut frames, elided) = backtrace();
                if replaced && !frames.is_empty() {
                    frames.remove(0);
                }
                let mut trap = trap;
                trap.add_callers(frames, elided);
                return Error::Trap(trap);
            }
            Stop::Error(e) | Stop::HostError { error: e, .. } => return e,
            // `execute_from` unwinds throws before it asks for an error.
            Stop::Throw { .. } => return Error::usage("an exception was not unwound"),
        };
        let (frames, elided) = backtrace();
        trap.add_callers(frames, elided);
        Error::Trap(trap)
    }
}

impl From<TrapCode> for Stop {
    fn from(code: TrapCode) -> Self {
        Stop::Trap(code)
    }
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Error(e)
    }
}
