//! The op profile (cargo feature `op-profile`): how often the dispatch
//! loop ran each kind of op, and each pair of kinds in a row, on this
//! thread. For choosing the next fused op or operand-kind variant from
//! real programs, not guesses: `benches/src/bin/op_profile.rs` runs a
//! WASI program on the interpreter and prints both tables.
//!
//! Counting costs every dispatch a few loads and stores; the feature is
//! off in every build but that tool's.

use crate::interp::bytecode::{Op, OpKind};
use std::cell::RefCell;
use std::vec::Vec;

struct Counts {
    /// Per kind.
    ops: Vec<u64>,
    /// Per (previous kind, kind), row-major.
    pairs: Vec<u64>,
    /// The previous op's kind, or `None` at the start of an activation.
    prev: Option<u16>,
}

std::thread_local! {
    static COUNTS: RefCell<Counts> = RefCell::new(Counts {
        ops: std::vec![0; OpKind::NAMES.len()],
        pairs: std::vec![0; OpKind::NAMES.len() * OpKind::NAMES.len()],
        prev: None,
    });
}

/// Counts one dispatch of `op`.
#[inline(always)]
pub(super) fn record(op: &Op) {
    let kind = op.kind() as u16;
    COUNTS.with(|c| {
        let mut c = c.borrow_mut();
        c.ops[kind as usize] += 1;
        if let Some(prev) = c.prev {
            let i = prev as usize * OpKind::NAMES.len() + kind as usize;
            c.pairs[i] += 1;
        }
        c.prev = Some(kind);
    });
}

/// Marks the start of an activation: its first op follows no other.
pub(super) fn break_sequence() {
    COUNTS.with(|c| c.borrow_mut().prev = None);
}

/// What the dispatch loop ran on this thread since the last
/// [`take_op_profile`]: op kinds and pairs of kinds in a row, with their
/// counts, most frequent first, and clears the counts.
pub fn take_op_profile() -> OpProfile {
    COUNTS.with(|c| {
        let mut c = c.borrow_mut();
        let n = OpKind::NAMES.len();
        let mut ops: Vec<(&'static str, u64)> = c
            .ops
            .iter()
            .enumerate()
            .filter(|(_, &k)| k > 0)
            .map(|(i, &k)| (OpKind::NAMES[i], k))
            .collect();
        let mut pairs: Vec<((&'static str, &'static str), u64)> = c
            .pairs
            .iter()
            .enumerate()
            .filter(|(_, &k)| k > 0)
            .map(|(i, &k)| ((OpKind::NAMES[i / n], OpKind::NAMES[i % n]), k))
            .collect();
        ops.sort_by_key(|o| core::cmp::Reverse(o.1));
        pairs.sort_by_key(|p| core::cmp::Reverse(p.1));
        c.ops.iter_mut().for_each(|k| *k = 0);
        c.pairs.iter_mut().for_each(|k| *k = 0);
        c.prev = None;
        OpProfile { ops, pairs }
    })
}

/// The interpreter's op profile (see [`take_op_profile`]).
#[derive(Debug, Clone, Default)]
pub struct OpProfile {
    /// Op kinds (the names of the interpreter's bytecode ops) and how
    /// often each ran, most frequent first.
    pub ops: Vec<(&'static str, u64)>,
    /// Pairs of op kinds that ran one after the other (a branch's target
    /// follows the branch), most frequent first.
    pub pairs: Vec<((&'static str, &'static str), u64)>,
}
