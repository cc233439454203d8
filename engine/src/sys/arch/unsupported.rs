//! Architectures the JIT has no signal-based traps for yet: the engine
//! compiles explicit checks there and never enters compiled code through
//! a recovery point, so nothing here runs.

/// No compiled code runs here.
pub(crate) const STORES_MAY_TEAR: bool = false;

/// Never constructed on this architecture.
#[derive(Debug, Default)]
pub(crate) struct JmpBuf;

impl JmpBuf {
    pub(crate) fn entry_sp(&self) -> usize {
        0
    }
}

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

/// Never asked: no signal handler is installed here.
///
/// # Safety
/// Never called.
#[cfg(target_os = "linux")]
pub(crate) unsafe fn pc_and_fp(_uc: *const libc::ucontext_t) -> (usize, usize) {
    (0, 0)
}

/// Never asked: no signal handler is installed here.
///
/// # Safety
/// Never called.
#[cfg(target_os = "linux")]
pub(crate) unsafe fn redirect_to_resume(_uc: *mut libc::ucontext_t, _buf: *const JmpBuf) {}

/// Never reached: no compiled code runs on this architecture.
///
/// # Safety
/// Never called.
pub(crate) unsafe fn resume_to_handler(_pc: usize, _sp: usize, _fp: usize, _payload: usize) -> ! {
    unreachable!("compiled code does not run on this architecture")
}

/// Instruction-cache maintenance for hosts the JIT does not support yet
/// (it refuses to build an ISA there, so no code is ever written).
pub(crate) fn flush_icache(_ptr: *const u8, _len: usize) {}

/// No direct calls are compiled for hosts the JIT does not support.
#[cfg(feature = "jit")]
pub(crate) fn is_direct_call(_kind: cranelift_codegen::binemit::Reloc) -> bool {
    false
}

/// See `is_direct_call`.
#[cfg(feature = "jit")]
pub(crate) fn direct_call_site(reloc_offset: u32) -> u32 {
    reloc_offset
}

/// See `is_direct_call`.
#[cfg(feature = "jit")]
pub(crate) fn patch_direct_call(
    _image: &mut [u8],
    _at: usize,
    _target: usize,
    _addend: i64,
) -> Result<(), &'static str> {
    Err("direct calls are not supported on this architecture")
}
