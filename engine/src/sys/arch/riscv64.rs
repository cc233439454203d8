//! riscv64 (LP64D, Linux): entering compiled code with a recovery point,
//! resuming there after a trap, resuming at an exception handler, reading
//! and redirecting a signal's saved register context, instruction-cache
//! coherence, and the relocation of direct
//! calls.
//!
//! As on the other ISAs, the recovery point is a minimal `setjmp`:
//! [`call_with_recovery`] saves the callee-saved registers (s0-s11, the
//! return address, fs0-fs11) and its stack pointer, then calls the entry
//! trampoline; a trap handler resumes at [`resume`], which restores them
//! and returns 1 from `call_with_recovery`. Cranelift's trap instruction
//! is `c.unimp`, which the kernel reports as SIGILL. The recovery point's
//! own frame record is laid out as Cranelift lays them out (the caller's
//! frame pointer at `fp`, the return address at `fp + 8`; see
//! `sys::frame_record`), not as the riscv64 C ABI does.

use core::arch::naked_asm;

/// Whether a store that straddles an accessible and an inaccessible page
/// may write its accessible part before faulting: RISC-V allows it (and it
/// has been seen on hardware).
pub(crate) const STORES_MAY_TEAR: bool = true;

/// The registers [`call_with_recovery`] saves: s0-s11, ra, the stack
/// pointer at its entry, then fs0-fs11.
#[repr(C)]
#[derive(Debug, Default)]
pub(crate) struct JmpBuf {
    regs: [usize; 26],
}

impl JmpBuf {
    /// The stack pointer saved at entry: every frame of the compiled code
    /// entered from here lies below it.
    pub(crate) fn entry_sp(&self) -> usize {
        self.regs[13]
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
        // The assembler of a naked function does not see the target's
        // features: the FP registers need D spelled out.
        ".option push",
        ".option arch, +d",
        "sd s0, 0(a0)",
        "sd s1, 8(a0)",
        "sd s2, 16(a0)",
        "sd s3, 24(a0)",
        "sd s4, 32(a0)",
        "sd s5, 40(a0)",
        "sd s6, 48(a0)",
        "sd s7, 56(a0)",
        "sd s8, 64(a0)",
        "sd s9, 72(a0)",
        "sd s10, 80(a0)",
        "sd s11, 88(a0)",
        "sd ra, 96(a0)",
        "sd sp, 104(a0)",
        "fsd fs0, 112(a0)",
        "fsd fs1, 120(a0)",
        "fsd fs2, 128(a0)",
        "fsd fs3, 136(a0)",
        "fsd fs4, 144(a0)",
        "fsd fs5, 152(a0)",
        "fsd fs6, 160(a0)",
        "fsd fs7, 168(a0)",
        "fsd fs8, 176(a0)",
        "fsd fs9, 184(a0)",
        "fsd fs10, 192(a0)",
        "fsd fs11, 200(a0)",
        ".option pop",
        // A frame record of our own, laid out as Cranelift's: keeps the
        // frame-pointer chain intact for backtraces.
        "addi sp, sp, -16",
        "sd ra, 8(sp)",
        "sd s0, 0(sp)",
        "mv s0, sp",
        "mv t0, a1",
        "mv a0, a2",
        "mv a1, a3",
        "mv a2, a4",
        "mv a3, a5",
        "jalr t0",
        "ld ra, 8(sp)",
        "ld s0, 0(sp)",
        "addi sp, sp, 16",
        "li a0, 0",
        "ret",
    )
}

/// Restores the registers saved in the `JmpBuf` at `a0` and returns 1
/// from the `call_with_recovery` that saved them (through the saved
/// return address). Only ever reached by a signal handler redirecting the
/// interrupted context here, never called.
#[unsafe(naked)]
unsafe extern "C" fn resume() {
    naked_asm!(
        ".option push",
        ".option arch, +d",
        "ld s0, 0(a0)",
        "ld s1, 8(a0)",
        "ld s2, 16(a0)",
        "ld s3, 24(a0)",
        "ld s4, 32(a0)",
        "ld s5, 40(a0)",
        "ld s6, 48(a0)",
        "ld s7, 56(a0)",
        "ld s8, 64(a0)",
        "ld s9, 72(a0)",
        "ld s10, 80(a0)",
        "ld s11, 88(a0)",
        "ld ra, 96(a0)",
        "ld sp, 104(a0)",
        "fld fs0, 112(a0)",
        "fld fs1, 120(a0)",
        "fld fs2, 128(a0)",
        "fld fs3, 136(a0)",
        "fld fs4, 144(a0)",
        "fld fs5, 152(a0)",
        "fld fs6, 160(a0)",
        "fld fs7, 168(a0)",
        "fld fs8, 176(a0)",
        "fld fs9, 184(a0)",
        "fld fs10, 192(a0)",
        "fld fs11, 200(a0)",
        ".option pop",
        "li a0, 1",
        "ret",
    )
}

/// Continues at the exception handler at `pc` of the compiled frame whose
/// frame pointer is `fp` and whose stack pointer at the call that threw
/// was `sp`, with `payload` in the first exception payload register (a0
/// for Cranelift's `tail` convention on riscv64). Every other register is
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
            "mv sp, {sp}",
            "mv s0, {fp}",
            "jr {pc}",
            sp = in(reg) sp,
            fp = in(reg) fp,
            pc = in(reg) pc,
            in("a0") payload,
            options(noreturn),
        )
    }
}

/// The program counter and frame pointer of an interrupted context.
///
/// # Safety
/// `uc` must be the context a signal handler received.
pub(crate) unsafe fn pc_and_fp(uc: *const libc::ucontext_t) -> (usize, usize) {
    // SAFETY: the caller passes the kernel's saved context; `__gregs` is
    // pc, then x1-x31 (s0 is x8).
    let gregs = unsafe { &(*uc).uc_mcontext.__gregs };
    (gregs[0] as usize, gregs[8] as usize)
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
    let gregs = unsafe { &mut (*uc).uc_mcontext.__gregs };
    gregs[0] = resume as *const () as usize as libc::c_ulong;
    gregs[10] = buf as usize as libc::c_ulong;
    // `resume` reloads the stack pointer itself; point the interrupted one
    // (x2) at the same place so nothing runs below a stale stack meanwhile.
    // SAFETY: `buf` is live (see above).
    gregs[2] = unsafe { (*buf).entry_sp() } as libc::c_ulong;
}

/// Makes freshly written code visible to instruction fetch on every hart
/// running this process: Linux's `riscv_flush_icache` system call (there
/// is no user-level instruction for other harts).
pub(crate) fn flush_icache(ptr: *const u8, len: usize) {
    /// `__NR_riscv_flush_icache` (the architecture-specific calls start at
    /// 244; this is the 15th).
    const SYS_RISCV_FLUSH_ICACHE: libc::c_long = 259;
    if len == 0 {
        return;
    }
    // SAFETY: a system call with a range of our own mapping and flags 0
    // (all threads); it reads no memory.
    unsafe {
        libc::syscall(
            SYS_RISCV_FLUSH_ICACHE,
            ptr as usize,
            ptr as usize + len,
            0usize,
        )
    };
}

/// Whether Cranelift's relocation `kind` is a direct call to another
/// function of the same code image (an `auipc` + `jalr` pair), the only
/// relocation compiled code may carry.
#[cfg(feature = "jit")]
pub(crate) fn is_direct_call(kind: cranelift_codegen::binemit::Reloc) -> bool {
    kind == cranelift_codegen::binemit::Reloc::RiscvCallPlt
}

/// The address a backtrace sees for a direct call whose relocation is at
/// `reloc_offset` (the `auipc`): its return address (after the `jalr`)
/// minus one.
#[cfg(feature = "jit")]
pub(crate) fn direct_call_site(reloc_offset: u32) -> u32 {
    reloc_offset + 7
}

/// Resolves the direct call whose relocation is at `at` in `image` to the
/// code at `target` (offsets in the image; `addend` as Cranelift gave it):
/// the `auipc`'s upper 20 bits and the `jalr`'s lower 12 of the
/// displacement from the `auipc`.
#[cfg(feature = "jit")]
pub(crate) fn patch_direct_call(
    image: &mut [u8],
    at: usize,
    target: usize,
    addend: i64,
) -> Result<(), &'static str> {
    let disp = target as i64 + addend - at as i64;
    if !(-(1i64 << 31)..(1i64 << 31) - 0x800).contains(&disp) {
        return Err("code image too large for direct calls (2 GiB)");
    }
    let field = image
        .get_mut(at..at + 8)
        .ok_or("a call site outside its function")?;
    let word = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let (auipc, jalr) = (word(&field[..4]), word(&field[4..]));
    // The low 12 bits are sign-extended by `jalr`: round the high part.
    let hi = ((disp + 0x800) >> 12) as u32 & 0xf_ffff;
    let lo = (disp & 0xfff) as u32;
    let auipc = (auipc & 0xfff) | (hi << 12);
    let jalr = (jalr & 0x000f_ffff) | (lo << 20);
    field[..4].copy_from_slice(&auipc.to_le_bytes());
    field[4..].copy_from_slice(&jalr.to_le_bytes());
    Ok(())
}
