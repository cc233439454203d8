//! x86-64 (System V ABI, Linux): entering compiled code with a recovery
//! point, resuming there after a trap, resuming at an exception handler,
//! reading and redirecting a signal's saved register context,
//! instruction-cache coherence, and the relocation of direct calls.
//!
//! The recovery point is a minimal `setjmp`: [`call_with_recovery`] saves
//! the callee-saved registers and its stack pointer, then calls the entry
//! trampoline. A trap handler resumes at [`resume`], which restores them
//! and returns 1 from `call_with_recovery`, as if the call had returned.
//! Only compiled Wasm frames (and Cranelift-generated stubs) lie between
//! the two, so nothing with a destructor is skipped: host functions run
//! below their own nested recovery point, and every host error or panic
//! is turned into a status before it reaches compiled code.

use core::arch::naked_asm;

/// Whether a store that straddles an accessible and an inaccessible page
/// may write its accessible part before faulting. x86-64 never tears.
pub(crate) const STORES_MAY_TEAR: bool = false;

/// The registers [`call_with_recovery`] saves: rbx, rbp, r12-r15 and the
/// stack pointer at its entry.
#[repr(C)]
#[derive(Debug, Default)]
pub(crate) struct JmpBuf {
    regs: [usize; 7],
}

impl JmpBuf {
    /// The stack pointer saved at entry: every frame of the compiled code
    /// entered from here lies below it.
    pub(crate) fn entry_sp(&self) -> usize {
        self.regs[6]
    }
}

/// Saves the recovery point in `buf`, then calls
/// `f(a0, a1, a2, a3)`. Returns 0 when `f` returns, 1 when a trap resumed
/// at `buf` through [`resume`].
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
        "mov [rdi], rbx",
        "mov [rdi + 8], rbp",
        "mov [rdi + 16], r12",
        "mov [rdi + 24], r13",
        "mov [rdi + 32], r14",
        "mov [rdi + 40], r15",
        "mov [rdi + 48], rsp",
        // A frame of our own: keeps the frame-pointer chain intact for
        // backtraces and realigns the stack to 16 bytes for the call.
        "push rbp",
        "mov rbp, rsp",
        "mov rax, rsi",
        "mov rdi, rdx",
        "mov rsi, rcx",
        "mov rdx, r8",
        "mov rcx, r9",
        "call rax",
        "pop rbp",
        "xor eax, eax",
        "ret",
    )
}

/// Restores the registers saved in the `JmpBuf` at `rdi` and returns 1
/// from the `call_with_recovery` that saved them. Only ever reached by a
/// signal handler redirecting the interrupted context here, never called.
#[unsafe(naked)]
unsafe extern "C" fn resume() {
    naked_asm!(
        "mov rbx, [rdi]",
        "mov rbp, [rdi + 8]",
        "mov r12, [rdi + 16]",
        "mov r13, [rdi + 24]",
        "mov r14, [rdi + 32]",
        "mov r15, [rdi + 40]",
        "mov rsp, [rdi + 48]",
        "mov eax, 1",
        "ret",
    )
}

/// The program counter and frame pointer of an interrupted context.
///
/// # Safety
/// `uc` must be the context a signal handler received.
pub(crate) unsafe fn pc_and_fp(uc: *const libc::ucontext_t) -> (usize, usize) {
    // SAFETY: the caller passes the kernel's saved context; `gregs` is
    // the x86-64 Linux general-register array.
    let gregs = unsafe { &(*uc).uc_mcontext.gregs };
    (
        gregs[libc::REG_RIP as usize] as usize,
        gregs[libc::REG_RBP as usize] as usize,
    )
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
    let gregs = unsafe { &mut (*uc).uc_mcontext.gregs };
    gregs[libc::REG_RIP as usize] = resume as *const () as usize as i64;
    gregs[libc::REG_RDI as usize] = buf as usize as i64;
    // `resume` reloads the stack pointer itself; point the interrupted one
    // at the same place so nothing runs below a stale stack meanwhile.
    // SAFETY: `buf` is live (see above).
    gregs[libc::REG_RSP as usize] = unsafe { (*buf).entry_sp() } as i64 - 8;
}

/// Continues at the exception handler at `pc` of the compiled frame whose
/// frame pointer is `fp` and whose stack pointer at the call that threw
/// was `sp`, with `payload` in the first exception payload register
/// (`rax` for Cranelift's `tail` convention on x86-64). Every register
/// but those three and the payload is dead there: Cranelift treats a
/// `try_call`'s exceptional edge as clobbering all of them.
///
/// # Safety
/// `pc`, `sp` and `fp` must come from the exception table and the frame
/// record of a live compiled frame on this thread's stack, above the
/// caller; every frame between the caller and that frame is discarded
/// without running anything, so none of them may own a resource (only
/// compiled Wasm frames, stubs and the calling builtin, which has dropped
/// everything it held, lie between).
pub(crate) unsafe fn resume_to_handler(pc: usize, sp: usize, fp: usize, payload: usize) -> ! {
    // SAFETY: the caller's contract: the handler expects exactly this
    // state, and nothing below `sp` is used again.
    unsafe {
        core::arch::asm!(
            "mov rsp, {sp}",
            "mov rbp, {fp}",
            "jmp {pc}",
            sp = in(reg) sp,
            fp = in(reg) fp,
            pc = in(reg) pc,
            in("rax") payload,
            options(noreturn),
        )
    }
}

/// Makes freshly written code visible to instruction fetch. x86 keeps its
/// caches coherent, so there is nothing to do.
pub(crate) fn flush_icache(_ptr: *const u8, _len: usize) {}

/// Whether Cranelift's relocation `kind` is a direct call to another
/// function of the same code image (`call rel32`), the only relocation
/// compiled code may carry.
#[cfg(feature = "jit")]
pub(crate) fn is_direct_call(kind: cranelift_codegen::binemit::Reloc) -> bool {
    kind == cranelift_codegen::binemit::Reloc::X86CallPCRel4
}

/// The address a backtrace sees for a direct call whose relocation is at
/// `reloc_offset`: its return address minus one, as the frame walk
/// records it. The rel32 field is the call's last four bytes.
#[cfg(feature = "jit")]
pub(crate) fn direct_call_site(reloc_offset: u32) -> u32 {
    reloc_offset + 3
}

/// Resolves the direct call whose relocation is at `at` in `image` to the
/// code at `target` (offsets in the image; `addend` as Cranelift gave it):
/// a 32-bit displacement from the field itself.
#[cfg(feature = "jit")]
pub(crate) fn patch_direct_call(
    image: &mut [u8],
    at: usize,
    target: usize,
    addend: i64,
) -> Result<(), &'static str> {
    let disp = target as i64 + addend - at as i64;
    let disp = i32::try_from(disp).map_err(|_| "code image too large for 32-bit calls")?;
    let field = image
        .get_mut(at..at + 4)
        .ok_or("a call site outside its function")?;
    field.copy_from_slice(&disp.to_le_bytes());
    Ok(())
}
