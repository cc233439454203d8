//! [`I32Exit`]: how `proc_exit` leaves the guest.

/// The guest called `proc_exit(code)`. Returned as a host error from the
/// call that was running, so it unwinds every Wasm frame; embedders
/// recover it with `petrel::Error::downcast_ref::<I32Exit>()` and treat
/// the code as the program's exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("guest exited with status {0}")]
pub struct I32Exit(pub i32);
