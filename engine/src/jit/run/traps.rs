//! Signal-based traps: where compiled code can trap, and how a trap gets
//! back to the host.
//!
//! Every code mapping registers its trap sites (code offset and trap code,
//! from Cranelift's trap records) here. The host enters compiled code
//! through [`enter`], which pushes an [`Activation`] holding a recovery
//! point onto this thread's list. When a fault or a trap instruction
//! (`ud2`) is hit, the platform's signal handler asks [`on_fault`]
//! whether the faulting address is a registered trap site of code running
//! under an activation; if so, the trap code and the Wasm frames (walked
//! along the frame-pointer chain) are recorded in the activation and the
//! thread resumes at its recovery point. Any other fault goes to the
//! handler that was installed before Petrel's.
//!
//! SECURITY-CRITICAL: with guard-page memories, a heap access that faults
//! is the bounds check. Only registered trap sites are treated as traps;
//! a fault anywhere else is a host bug and is never swallowed.

use crate::sys::{self, JmpBuf};
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cell::Cell;
use std::sync::RwLock;

use crate::error::MAX_BACKTRACE;

/// A trap code in the table: the [`TrapCode::bits`](crate::TrapCode::bits) of a code, or
/// [`DYNAMIC`]. Always below `translate::inline::INLINED_OFFSET`, which
/// marks the same codes in inlined code while a function is compiled.
pub(crate) type SiteCode = u8;

/// The trap code is in `VMStoreContext::trap_code` (a libcall's status, a
/// host error or panic); the trap instruction only unwinds.
pub(crate) const DYNAMIC: SiteCode = 99;

/// A call inside a `try_table`: where its exception handler is and how to
/// restore its frame's stack pointer (offsets in the code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HandlerSite {
    /// The call's return address.
    pub ret_addr: u32,
    /// The handler's first instruction.
    pub handler: u32,
    /// The frame pointer minus the stack pointer at the call.
    pub frame_offset: u32,
}

/// One registered mapping of compiled code.
struct CodeRange {
    end: usize,
    /// Sorted `(offset from the start, code)` pairs.
    sites: Arc<[(u32, SiteCode)]>,
    /// Sorted offsets in inlined code (trap sites, return addresses minus
    /// one), where one machine frame holds two Wasm frames, with the
    /// function inlined there (read when the frames are named).
    inlined: Arc<[(u32, u32)]>,
    /// Handler sites, sorted by return address.
    handlers: Arc<[HandlerSite]>,
    /// Whether the mapping holds a module's Wasm functions (whose frames
    /// belong in backtraces) rather than stubs.
    wasm: bool,
}

/// Every live code mapping, by start address.
static REGISTRY: RwLock<BTreeMap<usize, CodeRange>> = RwLock::new(BTreeMap::new());

std::thread_local! {
    /// Whether this thread holds the registry's write lock: a fault then
    /// (a host bug, never a Wasm trap) must not wait for the read lock.
    static WRITING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` on the registry under its write lock.
fn update(f: impl FnOnce(&mut BTreeMap<usize, CodeRange>)) {
    let mut map = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    WRITING.with(|w| w.set(true));
    f(&mut map);
    WRITING.with(|w| w.set(false));
}

/// Registers the mapping `[start, start + len)` with its trap sites, its
/// inlined offsets and its handlers, each sorted (they are searched by
/// bisection).
pub(crate) fn register(
    start: usize,
    len: usize,
    sites: Arc<[(u32, SiteCode)]>,
    inlined: Arc<[(u32, u32)]>,
    handlers: Arc<[HandlerSite]>,
    wasm: bool,
) {
    debug_assert!(sites.is_sorted_by_key(|s| s.0) && inlined.is_sorted_by_key(|i| i.0));
    debug_assert!(handlers.is_sorted_by_key(|h| h.ret_addr));
    let range = CodeRange {
        end: start + len,
        sites,
        inlined,
        handlers,
        wasm,
    };
    update(|map| {
        map.insert(start, range);
    });
}

/// Forgets the mapping starting at `start` (before it is unmapped).
pub(crate) fn unregister(start: usize) {
    update(|map| {
        map.remove(&start);
    });
}

fn range_of(map: &BTreeMap<usize, CodeRange>, pc: usize) -> Option<(usize, &CodeRange)> {
    let (&start, range) = map.range(..=pc).next_back()?;
    (pc < range.end).then_some((start, range))
}

/// Where a thrown exception is caught: the handler's address and the
/// frame pointer and stack pointer of its frame.
pub(crate) struct Landing {
    pub pc: usize,
    pub sp: usize,
    pub fp: usize,
}

/// Looks for the handler of an exception thrown by the compiled frame
/// whose frame pointer is `fp` (a Wasm function calling the throw builtin,
/// or a host stub whose host function threw), in the callers of that
/// frame: the first call inside a `try_table` on the way up. The walk
/// stops at the first return address outside Wasm code (the entry
/// trampoline: the host called the Wasm below it), so it never leaves the
/// current entry from the host.
///
/// # Safety
/// `fp` must be the frame pointer of a live compiled frame of this thread,
/// called (directly or through compiled frames) from compiled code.
pub(crate) unsafe fn find_handler(fp: usize) -> Option<Landing> {
    let map = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
    let mut fp = fp;
    while fp != 0 && fp.is_multiple_of(8) {
        // SAFETY: `fp` is the frame of a compiled function of this thread
        // (the caller's, then each caller's whose return address lies in
        // Wasm code); compiled frames keep frame records.
        let (next, ret) = unsafe { sys::frame_record(fp) };
        let (start, range) = range_of(&map, ret).filter(|(_, r)| r.wasm)?;
        let offset = u32::try_from(ret - start).ok()?;
        if let Ok(i) = range.handlers.binary_search_by_key(&offset, |h| h.ret_addr) {
            let site = range.handlers[i];
            return Some(Landing {
                pc: start + site.handler as usize,
                sp: next - site.frame_offset as usize,
                fp: next,
            });
        }
        if next <= fp {
            return None;
        }
        fp = next;
    }
    None
}

/// One entry from the host into compiled code, innermost first on each
/// thread. Lives on the entering host frame's stack.
pub(crate) struct Activation {
    jmp: JmpBuf,
    prev: *mut Activation,
    /// Set by the handler: the trap's [`SiteCode`], 0 if none.
    trap: SiteCode,
    /// Set by the handler: return addresses (the first is the trapping
    /// instruction) of the Wasm frames between the trap and this entry,
    /// innermost first; the first `npcs` are written. Left uninitialised
    /// on entry: zeroing it was a measurable part of every call from the
    /// host.
    pcs: [core::mem::MaybeUninit<usize>; MAX_BACKTRACE],
    npcs: usize,
    elided: usize,
}

std::thread_local! {
    /// The innermost activation of this thread, or null.
    static CURRENT: Cell<*mut Activation> = const { Cell::new(core::ptr::null_mut()) };
}

/// What [`enter`] reports when compiled code trapped.
pub(crate) struct TrapRecord {
    /// The trap's [`SiteCode`].
    pub code: SiteCode,
    /// Addresses in Wasm functions, innermost first.
    pub pcs: Vec<usize>,
    /// Frames beyond [`MAX_BACKTRACE`].
    pub elided: usize,
}

/// Calls `trampoline(code, callee_vmctx, caller_vmctx, values)` with a
/// recovery point, so a trap anywhere in the compiled code it runs
/// returns here as `Err`.
///
/// # Safety
/// `trampoline` must be an array-call trampoline and the other arguments
/// valid for it (see `invoke`).
pub(crate) unsafe fn enter(
    trampoline: usize,
    code: *const u8,
    callee_vmctx: *mut u8,
    caller_vmctx: *mut u8,
    values: *mut u64,
) -> Result<(), TrapRecord> {
    sys::install_signal_handlers(on_fault);
    sys::ensure_alt_stack();
    let mut act = Activation {
        jmp: JmpBuf::default(),
        prev: CURRENT.with(|c| c.get()),
        trap: 0,
        pcs: [core::mem::MaybeUninit::uninit(); MAX_BACKTRACE],
        npcs: 0,
        elided: 0,
    };
    let act_ptr: *mut Activation = &mut act;
    CURRENT.with(|c| c.set(act_ptr));
    // SAFETY: the caller vouches for the trampoline and its arguments;
    // the recovery point in `act` outlives the call. A trap resumes here
    // with every frame in between being compiled code (see `sys`).
    let trapped = unsafe {
        sys::call_with_recovery(
            &raw mut (*act_ptr).jmp,
            trampoline,
            code as usize,
            callee_vmctx as usize,
            caller_vmctx as usize,
            values as usize,
        )
    };
    // SAFETY: `act` is still live; the handler that wrote it has finished.
    let act = unsafe { &*act_ptr };
    CURRENT.with(|c| c.set(act.prev));
    if trapped == 0 {
        return Ok(());
    }
    Err(TrapRecord {
        code: act.trap,
        pcs: act.pcs[..act.npcs]
            .iter()
            // SAFETY: the handler wrote the first `npcs` entries.
            .map(|pc| unsafe { pc.assume_init() })
            .collect(),
        elided: act.elided,
    })
}

/// Called by the signal handler for a fault at `pc` with frame pointer
/// `fp` on this thread. If `pc` is a trap site of registered code and the
/// thread is running compiled code, records the trap and returns the
/// recovery point to resume at; otherwise `None`.
///
/// Runs in a signal handler: it allocates nothing and takes only a read
/// lock that other threads hold for no longer than a map update (and this
/// thread, never: a fault while it updates the map is not a trap).
pub(crate) fn on_fault(pc: usize, fp: usize) -> Option<*const JmpBuf> {
    let act = CURRENT.with(|c| c.get());
    if act.is_null() || WRITING.with(|w| w.get()) {
        return None;
    }
    let map = REGISTRY.read().ok()?;
    let (start, range) = range_of(&map, pc)?;
    let offset = u32::try_from(pc - start).ok()?;
    let i = range
        .sites
        .binary_search_by_key(&offset, |&(o, _)| o)
        .ok()?;
    let code = range.sites[i].1;
    // SAFETY: `act` is this thread's innermost activation, live on a host
    // frame below which the faulting code runs; nothing else accesses it
    // until `enter` resumes.
    let act = unsafe { &mut *act };
    act.trap = code;
    act.npcs = 0;
    act.elided = 0;
    let limit = act.jmp.entry_sp();
    let mut record = |pc: usize| {
        let Some((start, range)) = range_of(&map, pc).filter(|(_, r)| r.wasm) else {
            return;
        };
        // In inlined code one machine frame holds two Wasm frames (the
        // inlined function's, then its caller's): record the address twice
        // (`jit::run::invoke` names the two).
        let inlined = u32::try_from(pc - start)
            .is_ok_and(|o| range.inlined.binary_search_by_key(&o, |i| i.0).is_ok());
        for _ in 0..1 + usize::from(inlined) {
            if act.npcs < MAX_BACKTRACE {
                act.pcs[act.npcs] = core::mem::MaybeUninit::new(pc);
                act.npcs += 1;
            } else {
                act.elided += 1;
            }
        }
    };
    record(pc);
    // Walk the frame-pointer chain (compiled code keeps frame pointers)
    // up to the entry: every frame lies between `fp` and the stack pointer
    // saved at entry, and each saved frame pointer is above the last.
    let mut fp = fp;
    while fp != 0 && fp.is_multiple_of(8) && fp < limit {
        // SAFETY: `fp` is a frame of this thread's stack below the entry
        // (checked above), and compiled frames keep frame records.
        let (next, ret) = unsafe { sys::frame_record(fp) };
        // The call instruction is just before its return address.
        record(ret.wrapping_sub(1));
        if next <= fp {
            break;
        }
        fp = next;
    }
    Some(&act.jmp)
}
