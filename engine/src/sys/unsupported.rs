//! Platforms without signal-based traps: memories are heap allocations and
//! the JIT compiles an explicit check for every trap, so none of these is
//! ever used to run code.

/// Never constructed on this platform.
#[derive(Debug, Default)]
pub(crate) struct JmpBuf;

impl JmpBuf {
    pub(crate) fn entry_sp(&self) -> usize {
        0
    }
}

/// Never constructed: `new` always fails here.
pub(crate) struct Reservation(core::convert::Infallible);

impl Reservation {
    pub(crate) fn new(_size: usize) -> Option<Self> {
        None
    }
    pub(crate) fn make_accessible(&mut self, _len: usize) -> Option<()> {
        match self.0 {}
    }
    pub(crate) fn base(&self) -> *mut u8 {
        match self.0 {}
    }
}

pub(crate) fn install_signal_handlers() {}

pub(crate) fn ensure_alt_stack() {}

/// Not reachable: the JIT only enters compiled code through this when
/// `SIGNALS_SUPPORTED` is true.
///
/// # Safety
/// Never called.
pub(crate) unsafe extern "C" fn call_with_recovery(
    _buf: *mut JmpBuf,
    _f: usize,
    _a0: usize,
    _a1: usize,
    _a2: usize,
    _a3: usize,
) -> u32 {
    unreachable!("signal-based traps are not supported on this platform")
}

/// Instruction-cache maintenance for hosts the JIT does not support yet
/// (it refuses to build an ISA there, so no code is ever written).
pub(crate) fn flush_icache(_ptr: *const u8, _len: usize) {}
