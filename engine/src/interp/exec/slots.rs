//! Slot access for every handler family of the executor (the dispatch
//! loop, the SIMD handlers, the other-memory handlers): the one place a
//! frame slot, a `v128` pair of slots or an op's `Aux` operands are read
//! and written without a bounds check.
//!
//! Soundness: the translator emits slot indices below the function's
//! `num_slots` (a `v128` takes two), `enter_frame` makes the value stack
//! hold `base + num_slots` slots before the frame runs, and `sp` is
//! re-derived whenever the stack may have moved. Debug builds check the
//! index against the frame size where the handler knows it, and that an
//! `Aux` is where one is read.

use crate::interp::bytecode::Op;

/// Slot `$s` of the frame at `$sp` (`$len` slots, checked in debug builds).
macro_rules! slot {
    ($sp:expr, $s:expr) => {{
        // SAFETY: see the module docs: slot operands are inside the frame.
        unsafe { *$sp.add($s as usize) }
    }};
    ($sp:expr, $s:expr, $len:expr) => {{
        debug_assert!(
            ($s as usize) < $len,
            "slot {} outside a frame of {}",
            $s,
            $len
        );
        $crate::interp::exec::slots::slot!($sp, $s)
    }};
}

/// Writes `$v` to slot `$s` of the frame at `$sp`.
macro_rules! set_slot {
    ($sp:expr, $s:expr, $v:expr) => {{
        let v: u64 = $v;
        // SAFETY: as in `slot!`.
        unsafe { *$sp.add($s as usize) = v }
    }};
    ($sp:expr, $s:expr, $v:expr, $len:expr) => {{
        debug_assert!(
            ($s as usize) < $len,
            "slot {} outside a frame of {}",
            $s,
            $len
        );
        $crate::interp::exec::slots::set_slot!($sp, $s, $v)
    }};
}

/// The `v128` in slots `$s` and `$s + 1` of the frame at `$sp`.
macro_rules! slot_v128 {
    ($sp:expr, $s:expr) => {{
        // SAFETY: as in `slot!`; a `v128` operand's two slots are both
        // inside the frame.
        unsafe { $crate::interp::exec::slots::read_v128($sp.add($s as usize)) }
    }};
}

/// Writes the `v128` `$v` to slots `$s` and `$s + 1` of the frame at `$sp`.
macro_rules! set_slot_v128 {
    ($sp:expr, $s:expr, $v:expr) => {{
        let v: u128 = $v;
        // SAFETY: as in `slot_v128!`.
        unsafe { $crate::interp::exec::slots::write_v128($sp.add($s as usize), v) }
    }};
}

pub(crate) use {set_slot, set_slot_v128, slot, slot_v128};

/// The operands of the `Aux` op at `ip`.
#[inline(always)]
pub(super) fn aux(ip: *const Op) -> (u32, u32) {
    // SAFETY: the translator emits an `Aux` right after every op that
    // reads one, and `ip` points just past that op.
    match unsafe { *ip } {
        Op::Aux { a, b } => (a, b),
        _ => {
            debug_assert!(false, "an op that reads an `Aux` was not followed by one");
            (0, 0)
        }
    }
}

/// Reads the `v128` in the two slots at `p`, low half first.
///
/// # Safety
///
/// `p..p + 2` must be readable.
#[inline(always)]
pub(crate) unsafe fn read_v128(p: *const u64) -> u128 {
    // One 16-byte access (on little-endian hosts, where the slot order is
    // the integer's): a vector written whole and read in two halves, or
    // the reverse, stalls store-to-load forwarding.
    #[cfg(target_endian = "little")]
    {
        // SAFETY: the caller's contract.
        unsafe { p.cast::<u128>().read_unaligned() }
    }
    #[cfg(not(target_endian = "little"))]
    {
        // SAFETY: the caller's contract.
        unsafe { *p as u128 | (*p.add(1) as u128) << 64 }
    }
}

/// Writes `v` to the two slots at `p`, low half first.
///
/// # Safety
///
/// `p..p + 2` must be writable.
#[inline(always)]
pub(crate) unsafe fn write_v128(p: *mut u64, v: u128) {
    #[cfg(target_endian = "little")]
    {
        // SAFETY: the caller's contract.
        unsafe { p.cast::<u128>().write_unaligned(v) }
    }
    #[cfg(not(target_endian = "little"))]
    {
        // SAFETY: the caller's contract.
        unsafe {
            *p = v as u64;
            *p.add(1) = (v >> 64) as u64;
        }
    }
}
