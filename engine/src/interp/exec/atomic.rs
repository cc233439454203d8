//! The threads proposal's ops, run out of line: atomic loads, stores,
//! read-modify-writes and compare-exchanges with Rust's atomics on the
//! guest's bytes (so the interpreter and compiled code, which uses the
//! machine's atomic instructions, can share one memory), and
//! `memory.atomic.wait32/64` and `notify` through `runtime::atomic`.
//!
//! Every access resolves its memory's base and length afresh, so an
//! atomic access sees a shared memory grown by another thread at once.

use super::slots::{aux, set_slot as set, slot as get};
use super::Stop;
use crate::error::TrapCode;
use crate::interp::bytecode::Op;
use crate::runtime::{atomic, StoreInner};
use crate::semantics::atomic::AtomicOp;
#[cfg(target_has_atomic = "64")]
use core::sync::atomic::AtomicU64;
use core::sync::atomic::{fence, AtomicU16, AtomicU32, AtomicU8, Ordering::SeqCst};

/// The lock of 64-bit atomic accesses on targets without 64-bit atomics.
#[cfg(not(target_has_atomic = "64"))]
static WIDE_ATOMICS: crate::sync::Mutex<()> = crate::sync::Mutex::new(());

/// Runs the `Atomic` op `op` of instance `instance` on the frame at `sp`;
/// `next` points at its `Aux`.
///
/// Cold and out of line, like the SIMD handler, so that the dispatch
/// loop's code and register allocation stay as they are.
///
/// # Safety
///
/// As for every handler of the dispatch loop: the translator emitted
/// `op` followed by its `Aux` at `next`, and its slot operands are inside
/// the frame the value stack holds from `sp`.
#[cold]
#[inline(never)]
pub(super) unsafe fn execute(
    inner: &mut StoreInner,
    instance: u32,
    op: &Op,
    next: *const Op,
    sp: *mut u64,
) -> Result<(), Stop> {
    let Op::Atomic {
        dst,
        ptr,
        a,
        b,
        kind,
    } = *op
    else {
        return Err(TrapCode::Unreachable.into());
    };
    let (offset, memory) = aux(next);
    let Some(&aop) = AtomicOp::ALL.get((kind >> 2) as usize) else {
        return Err(TrapCode::Unreachable.into());
    };
    let log2 = kind & 3;
    let ea = get!(sp, ptr) as u32 as u64 + offset as u64;
    let (a, b) = (get!(sp, a), get!(sp, b));
    let result = match aop {
        AtomicOp::Wait => {
            atomic::memory_wait(inner, instance, memory, ea, a, b as i64, log2 == 3)? as u64
        }
        AtomicOp::Notify => atomic::memory_notify(inner, instance, memory, ea, a as u32)? as u64,
        _ => {
            let m = inner.instances[instance as usize].memories[memory as usize] as usize;
            let mem = &mut inner.memories[m];
            let size = 1u64 << log2;
            if !ea.is_multiple_of(size) {
                return Err(TrapCode::HeapMisaligned.into());
            }
            if ea + size > mem.len() as u64 {
                return Err(TrapCode::MemoryOutOfBounds.into());
            }
            // SAFETY: `ea + size <= len` was just checked, and the base
            // and length were read just now (a shared memory's never
            // moves and never shrinks).
            let p = unsafe { mem.base().add(ea as usize) };
            // SAFETY: `p..p + size` is inside the memory.
            unsafe { access(p, log2, aop, a, b) }
        }
    };
    if aop != AtomicOp::Store {
        set!(sp, dst, result);
    }
    Ok(())
}

/// `atomic.fence`: a sequentially consistent fence (out of line too).
#[cold]
#[inline(never)]
pub(super) fn fence_op() {
    fence(SeqCst);
}

/// Performs `aop` (not a wait or notify) on the `1 << log2` bytes at `p`,
/// with operand `a` and, for a compare-exchange, replacement `b`; returns
/// the value read, zero-extended (0 for a store).
///
/// # Safety
///
/// `p..p + (1 << log2)` must be live guest memory.
unsafe fn access(p: *mut u8, log2: u8, aop: AtomicOp, a: u64, b: u64) -> u64 {
    // A plain read-modify-write of the `$int` at `p` (unaligned allowed):
    // what an atomic access comes to where no other thread can race it, or
    // where a lock keeps the others out. Unsafe: `p` must be live memory.
    macro_rules! plain {
        ($int:ty) => {{
            let old = p.cast::<$int>().read_unaligned();
            let new = match aop {
                AtomicOp::Load => return old as u64,
                AtomicOp::Cmpxchg => {
                    if old == a as $int {
                        b as $int
                    } else {
                        old
                    }
                }
                _ => aop.apply(old as u64, a) as $int,
            };
            p.cast::<$int>().write_unaligned(new);
            if aop == AtomicOp::Store {
                0
            } else {
                old as u64
            }
        }};
    }
    macro_rules! on {
        ($atomic:ty, $int:ty) => {{
            if !(p as usize).is_multiple_of(core::mem::size_of::<$int>()) {
                // Only an unshared memory on the heap can have an
                // unaligned base (a reservation's is page-aligned), and
                // only its own store's thread touches it: a plain
                // read-modify-write is as good as an atomic one.
                // SAFETY: the caller's contract.
                return unsafe { plain!($int) };
            }
            // SAFETY: `p` is aligned for `$int` (just checked) and points
            // at live guest memory (the caller's contract). Every other
            // thread touching these bytes does so with atomics too, or
            // with plain accesses whose races are the guest's own
            // (guest memory is plain bytes to the engine: it never trusts
            // what they hold).
            let at = unsafe { <$atomic>::from_ptr(p.cast::<$int>()) };
            let v = a as $int;
            (match aop {
                AtomicOp::Load => at.load(SeqCst),
                AtomicOp::Store => {
                    at.store(v, SeqCst);
                    0
                }
                AtomicOp::Add => at.fetch_add(v, SeqCst),
                AtomicOp::Sub => at.fetch_sub(v, SeqCst),
                AtomicOp::And => at.fetch_and(v, SeqCst),
                AtomicOp::Or => at.fetch_or(v, SeqCst),
                AtomicOp::Xor => at.fetch_xor(v, SeqCst),
                AtomicOp::Xchg => at.swap(v, SeqCst),
                AtomicOp::Cmpxchg => match at.compare_exchange(v, b as $int, SeqCst, SeqCst) {
                    Ok(old) | Err(old) => old,
                },
                AtomicOp::Wait | AtomicOp::Notify => 0,
            }) as u64
        }};
    }
    match log2 {
        0 => on!(AtomicU8, u8),
        1 => on!(AtomicU16, u16),
        2 => on!(AtomicU32, u32),
        #[cfg(target_has_atomic = "64")]
        _ => on!(AtomicU64, u64),
        // Without 64-bit atomics (32-bit targets such as riscv32imac), one
        // lock serialises every 64-bit atomic access of the process: they
        // stay atomic with respect to each other.
        #[cfg(not(target_has_atomic = "64"))]
        _ => {
            let _guard = WIDE_ATOMICS.lock();
            // SAFETY: the caller's contract.
            unsafe { plain!(u64) }
        }
    }
}
