//! The wide-arithmetic ops (`i64.add128`, `i64.sub128`,
//! `i64.mul_wide_s`, `i64.mul_wide_u`), run out of line so that the
//! scalar dispatch loop in `mod.rs` keeps its code and register allocation.
//! The semantics are in [`crate::semantics::scalar`]; this file only moves
//! values between slots and those functions.

use super::slots::{set_slot, slot};
use crate::interp::bytecode::Op;
use crate::semantics::scalar as num;

/// Runs the wide-arithmetic op `op` on the frame at `sp`.
///
/// Cold and out of line for the same reason as `simd::execute`: the
/// dispatch loop's register allocation must not pay for this call site.
///
/// # Safety
///
/// As for every handler of the dispatch loop: the translator emitted `op`,
/// so its slot operands and both result slots (`dst`, `dst + 1`) are inside
/// the frame, which the value stack holds from `sp`.
#[cold]
#[inline(never)]
pub(super) unsafe fn execute(op: &Op, sp: *mut u64) {
    let (dst, (lo, hi)) = match *op {
        Op::I64Add128 {
            dst,
            a_lo,
            a_hi,
            b_lo,
            b_hi,
        } => (
            dst,
            num::i64_add128(
                slot!(sp, a_lo),
                slot!(sp, a_hi),
                slot!(sp, b_lo),
                slot!(sp, b_hi),
            ),
        ),
        Op::I64Sub128 {
            dst,
            a_lo,
            a_hi,
            b_lo,
            b_hi,
        } => (
            dst,
            num::i64_sub128(
                slot!(sp, a_lo),
                slot!(sp, a_hi),
                slot!(sp, b_lo),
                slot!(sp, b_hi),
            ),
        ),
        Op::I64MulWideS { dst, a, b } => (dst, num::i64_mul_wide_s(slot!(sp, a), slot!(sp, b))),
        Op::I64MulWideU { dst, a, b } => (dst, num::i64_mul_wide_u(slot!(sp, a), slot!(sp, b))),
        _ => {
            debug_assert!(false, "{op:?} is not a wide-arithmetic op");
            return;
        }
    };
    // Every input was read above: a result slot may be one of them.
    set_slot!(sp, dst, lo);
    set_slot!(sp, dst as usize + 1, hi);
}
