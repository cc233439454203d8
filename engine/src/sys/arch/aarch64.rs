//! aarch64 (AAPCS64, Linux): entering compiled code with a recovery point,
//! resuming there after a trap, resuming at an exception handler, reading
//! and redirecting a signal's saved register context, instruction-cache
//! coherence, and the relocation of direct calls.
//!
//! As on x86-64, the recovery point is a minimal `setjmp`:
//! [`call_with_recovery`] saves the callee-saved registers (x19-x28, the
//! frame pointer x29, the link register x30, the low halves of v8-v15)
//! and its stack pointer, then calls the entry trampoline; a trap handler
//! resumes at [`resume`], which restores them and returns 1 from
//! `call_with_recovery`. Only compiled Wasm frames (and Cranelift-generated
//! stubs) lie between the two. Cranelift's trap instructions are `udf`,
//! which the kernel reports as SIGILL.

use core::arch::naked_asm;

/// Whether a store that straddles an accessible and an inaccessible page
/// may write its accessible part before faulting: the architecture leaves
/// it implementation-defined (and qemu does write it).
pub(crate) const STORES_MAY_TEAR: bool = true;

/// The registers [`call_with_recovery`] saves: x19-x28, x29, x30, the
/// stack pointer at its entry, then d8-d15.
#[repr(C)]
#[derive(Debug, Default)]
pub(crate) struct JmpBuf {
    regs: [usize; 21],
}

impl JmpBuf {
    /// The stack pointer saved at entry: every frame of the compiled code
    /// entered from here lies below it.
    pub(crate) fn entry_sp(&self) -> usize {
        self.regs[12]
    }
}

/// Saves the recovery point in `buf`, then calls `f(a0, a1, a2, a3)`.
/// Returns 0 when `f` returns, 1 when a trap resumed at `buf` through
/// [`resume`].
///
/// # Safety
/// `f` must be a function with the C calling convention taking four
/// pointer-sized arguments; `buf` must stay valid until this returns.
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn call_with_recovery(
    buf: *mut JmpBuf,
    f: usize,
    a0: usize,
    a1: usize,
    a2: usize,
    a3: usize,
) -> u32 {
    naked_asm!(
        "stp x19, x20, [x0, #0]",
        "stp x21, x22, [x0, #16]",
        "stp x23, x24, [x0, #32]",
        "stp x25, x26, [x0, #48]",
        "stp x27, x28, [x0, #64]",
        "stp x29, x30, [x0, #80]",
        "mov x9, sp",
        "str x9, [x0, #96]",
        "stp d8, d9, [x0, #104]",
        "stp d10, d11, [x0, #120]",
        "stp d12, d13, [x0, #136]",
        "stp d14, d15, [x0, #152]",
        // A frame record of our own keeps the frame-pointer chain intact
        // for backtraces.
        "stp x29, x30, [sp, #-16]!",
        "mov x29, sp",
        "mov x9, x1",
        "mov x0, x2",
        "mov x1, x3",
        "mov x2, x4",
        "mov x3, x5",
        "blr x9",
        "ldp x29, x30, [sp], #16",
        "mov w0, #0",
        "ret",
    )
}

/// Restores the registers saved in the `JmpBuf` at `x0` and returns 1
/// from the `call_with_recovery` that saved them (through the saved link
/// register). Only ever reached by a signal handler redirecting the
/// interrupted context here, never called.
#[unsafe(naked)]
unsafe extern "C" fn resume() {
    naked_asm!(
        "ldp x19, x20, [x0, #0]",
        "ldp x21, x22, [x0, #16]",
        "ldp x23, x24, [x0, #32]",
        "ldp x25, x26, [x0, #48]",
        "ldp x27, x28, [x0, #64]",
        "ldp x29, x30, [x0, #80]",
        "ldr x9, [x0, #96]",
        "mov sp, x9",
        "ldp d8, d9, [x0, #104]",
        "ldp d10, d11, [x0, #120]",
        "ldp d12, d13, [x0, #136]",
        "ldp d14, d15, [x0, #152]",
        "mov w0, #1",
        "ret",
    )
}

/// Continues at the exception handler at `pc` of the compiled frame whose
/// frame pointer is `fp` and whose stack pointer at the call that threw
/// was `sp`, with `payload` in the first exception payload register (x0
/// for Cranelift's `tail` convention on aarch64). Every other register is
/// dead there: Cranelift treats a `try_call`'s exceptional edge as
/// clobbering all of them.
///
/// # Safety
/// As for the x86-64 version: `pc`, `sp` and `fp` must come from the
/// exception table and the frame record of a live compiled frame of this
/// thread, above the caller, and nothing between owns a resource.
pub(crate) unsafe fn resume_to_handler(pc: usize, sp: usize, fp: usize, payload: usize) -> ! {
    // SAFETY: the caller's contract: the handler expects exactly this
    // state, and nothing below `sp` is used again.
    unsafe {
        core::arch::asm!(
            "mov sp, {sp}",
            "mov x29, {fp}",
            "br {pc}",
            sp = in(reg) sp,
            fp = in(reg) fp,
            pc = in(reg) pc,
            in("x0") payload,
            options(noreturn),
        )
    }
}

/// The program counter and frame pointer of an interrupted context.
///
/// # Safety
/// `uc` must be the context a signal handler received.
pub(crate) unsafe fn pc_and_fp(uc: *const libc::ucontext_t) -> (usize, usize) {
    // SAFETY: the caller passes the kernel's saved context.
    let mc = unsafe { &(*uc).uc_mcontext };
    (mc.pc as usize, mc.regs[29] as usize)
}

/// Redirects an interrupted context to [`resume`] with `buf` as its
/// argument: when the handler returns, the thread continues there.
///
/// # Safety
/// `uc` must be the context a signal handler received for a fault on this
/// thread, and `buf` the live recovery point of the innermost entry into
/// compiled code on this thread.
pub(crate) unsafe fn redirect_to_resume(uc: *mut libc::ucontext_t, buf: *const JmpBuf) {
    // SAFETY: as above; writing the saved registers is how a handler
    // changes where the thread resumes.
    let mc = unsafe { &mut (*uc).uc_mcontext };
    mc.pc = resume as *const () as usize as u64;
    mc.regs[0] = buf as usize as u64;
    // `resume` reloads the stack pointer itself; point the interrupted one
    // at the same place so nothing runs below a stale stack meanwhile.
    // SAFETY: `buf` is live (see above).
    mc.sp = unsafe { (*buf).entry_sp() } as u64;
}

/// Makes freshly written code visible to instruction fetch: cleans the
/// data cache to the point of unification and invalidates the
/// instruction cache over the range, line by line (the line sizes come
/// from `CTR_EL0`), then has every core of the process drop instructions
/// it may have fetched already (`membarrier` with sync-core).
pub(crate) fn flush_icache(ptr: *const u8, len: usize) {
    if len == 0 {
        return;
    }
    let ctr: u64;
    // SAFETY: reading CTR_EL0, which Linux lets user space read.
    unsafe { core::arch::asm!("mrs {}, ctr_el0", out(reg) ctr, options(nomem, nostack)) };
    let dline = 4usize << ((ctr >> 16) & 0xf);
    let iline = 4usize << (ctr & 0xf);
    let (start, end) = (ptr as usize, ptr as usize + len);
    let mut at = start & !(dline - 1);
    while at < end {
        // SAFETY: cache maintenance by address on our own mapping.
        unsafe { core::arch::asm!("dc cvau, {}", in(reg) at, options(nostack)) };
        at += dline;
    }
    // SAFETY: a barrier.
    unsafe { core::arch::asm!("dsb ish", options(nostack)) };
    let mut at = start & !(iline - 1);
    while at < end {
        // SAFETY: as above.
        unsafe { core::arch::asm!("ic ivau, {}", in(reg) at, options(nostack)) };
        at += iline;
    }
    // SAFETY: barriers.
    unsafe { core::arch::asm!("dsb ish", "isb", options(nostack)) };
    super::os::sync_cores();
}

/// Whether Cranelift's relocation `kind` is a direct call to another
/// function of the same code image (`bl`), the only relocation compiled
/// code may carry.
#[cfg(feature = "jit")]
pub(crate) fn is_direct_call(kind: cranelift_codegen::binemit::Reloc) -> bool {
    kind == cranelift_codegen::binemit::Reloc::Arm64Call
}

/// The address a backtrace sees for a direct call whose relocation is at
/// `reloc_offset` (the `bl` itself): its return address minus one.
#[cfg(feature = "jit")]
pub(crate) fn direct_call_site(reloc_offset: u32) -> u32 {
    reloc_offset + 3
}

/// Resolves the direct call whose relocation is at `at` in `image` to the
/// code at `target` (offsets in the image; `addend` as Cranelift gave it):
/// the `bl`'s 26-bit word displacement.
#[cfg(feature = "jit")]
pub(crate) fn patch_direct_call(
    image: &mut [u8],
    at: usize,
    target: usize,
    addend: i64,
) -> Result<(), &'static str> {
    let disp = target as i64 + addend - at as i64;
    if disp % 4 != 0 || !(-(1 << 27)..(1 << 27)).contains(&disp) {
        return Err("code image too large for direct calls (128 MiB)");
    }
    let field = image
        .get_mut(at..at + 4)
        .ok_or("a call site outside its function")?;
    let insn = u32::from_le_bytes([field[0], field[1], field[2], field[3]]);
    let insn = (insn & 0xfc00_0000) | ((disp >> 2) as u32 & 0x03ff_ffff);
    field.copy_from_slice(&insn.to_le_bytes());
    Ok(())
}
