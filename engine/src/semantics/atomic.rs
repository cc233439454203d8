//! The threads proposal's atomic memory operators, classified once for
//! both tiers: which operation, on how many bytes, with what memory
//! argument; and the read-modify-write arithmetic on the old value.

use wasmparser::{MemArg, Operator};

/// What an atomic memory operator does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum AtomicOp {
    Load = 0,
    Store,
    Add,
    Sub,
    And,
    Or,
    Xor,
    Xchg,
    Cmpxchg,
    /// `memory.atomic.wait32` (4 bytes) or `wait64` (8 bytes).
    Wait,
    Notify,
}

impl AtomicOp {
    /// Every operation, by its `repr`.
    pub(crate) const ALL: [AtomicOp; 11] = [
        AtomicOp::Load,
        AtomicOp::Store,
        AtomicOp::Add,
        AtomicOp::Sub,
        AtomicOp::And,
        AtomicOp::Or,
        AtomicOp::Xor,
        AtomicOp::Xchg,
        AtomicOp::Cmpxchg,
        AtomicOp::Wait,
        AtomicOp::Notify,
    ];

    /// The new value a read-modify-write stores, from the `old` one and
    /// the operand (both already truncated to the access's width by the
    /// caller, or truncated by its store).
    pub(crate) fn apply(self, old: u64, operand: u64) -> u64 {
        match self {
            AtomicOp::Add => old.wrapping_add(operand),
            AtomicOp::Sub => old.wrapping_sub(operand),
            AtomicOp::And => old & operand,
            AtomicOp::Or => old | operand,
            AtomicOp::Xor => old ^ operand,
            _ => operand,
        }
    }
}

/// An atomic memory operator: what it does, the log2 of its access size
/// in bytes (0..=3), whether its value is an `i64`, and its memory
/// argument. `None` for every other operator (and for `atomic.fence`,
/// which touches no memory).
pub(crate) fn classify<'a>(op: &'a Operator<'_>) -> Option<(AtomicOp, u8, bool, &'a MemArg)> {
    use AtomicOp as A;
    use Operator as O;
    Some(match op {
        O::I32AtomicLoad { memarg } => (A::Load, 2, false, memarg),
        O::I64AtomicLoad { memarg } => (A::Load, 3, true, memarg),
        O::I32AtomicLoad8U { memarg } => (A::Load, 0, false, memarg),
        O::I32AtomicLoad16U { memarg } => (A::Load, 1, false, memarg),
        O::I64AtomicLoad8U { memarg } => (A::Load, 0, true, memarg),
        O::I64AtomicLoad16U { memarg } => (A::Load, 1, true, memarg),
        O::I64AtomicLoad32U { memarg } => (A::Load, 2, true, memarg),
        O::I32AtomicStore { memarg } => (A::Store, 2, false, memarg),
        O::I64AtomicStore { memarg } => (A::Store, 3, true, memarg),
        O::I32AtomicStore8 { memarg } => (A::Store, 0, false, memarg),
        O::I32AtomicStore16 { memarg } => (A::Store, 1, false, memarg),
        O::I64AtomicStore8 { memarg } => (A::Store, 0, true, memarg),
        O::I64AtomicStore16 { memarg } => (A::Store, 1, true, memarg),
        O::I64AtomicStore32 { memarg } => (A::Store, 2, true, memarg),
        O::I32AtomicRmwAdd { memarg } => (A::Add, 2, false, memarg),
        O::I64AtomicRmwAdd { memarg } => (A::Add, 3, true, memarg),
        O::I32AtomicRmw8AddU { memarg } => (A::Add, 0, false, memarg),
        O::I32AtomicRmw16AddU { memarg } => (A::Add, 1, false, memarg),
        O::I64AtomicRmw8AddU { memarg } => (A::Add, 0, true, memarg),
        O::I64AtomicRmw16AddU { memarg } => (A::Add, 1, true, memarg),
        O::I64AtomicRmw32AddU { memarg } => (A::Add, 2, true, memarg),
        O::I32AtomicRmwSub { memarg } => (A::Sub, 2, false, memarg),
        O::I64AtomicRmwSub { memarg } => (A::Sub, 3, true, memarg),
        O::I32AtomicRmw8SubU { memarg } => (A::Sub, 0, false, memarg),
        O::I32AtomicRmw16SubU { memarg } => (A::Sub, 1, false, memarg),
        O::I64AtomicRmw8SubU { memarg } => (A::Sub, 0, true, memarg),
        O::I64AtomicRmw16SubU { memarg } => (A::Sub, 1, true, memarg),
        O::I64AtomicRmw32SubU { memarg } => (A::Sub, 2, true, memarg),
        O::I32AtomicRmwAnd { memarg } => (A::And, 2, false, memarg),
        O::I64AtomicRmwAnd { memarg } => (A::And, 3, true, memarg),
        O::I32AtomicRmw8AndU { memarg } => (A::And, 0, false, memarg),
        O::I32AtomicRmw16AndU { memarg } => (A::And, 1, false, memarg),
        O::I64AtomicRmw8AndU { memarg } => (A::And, 0, true, memarg),
        O::I64AtomicRmw16AndU { memarg } => (A::And, 1, true, memarg),
        O::I64AtomicRmw32AndU { memarg } => (A::And, 2, true, memarg),
        O::I32AtomicRmwOr { memarg } => (A::Or, 2, false, memarg),
        O::I64AtomicRmwOr { memarg } => (A::Or, 3, true, memarg),
        O::I32AtomicRmw8OrU { memarg } => (A::Or, 0, false, memarg),
        O::I32AtomicRmw16OrU { memarg } => (A::Or, 1, false, memarg),
        O::I64AtomicRmw8OrU { memarg } => (A::Or, 0, true, memarg),
        O::I64AtomicRmw16OrU { memarg } => (A::Or, 1, true, memarg),
        O::I64AtomicRmw32OrU { memarg } => (A::Or, 2, true, memarg),
        O::I32AtomicRmwXor { memarg } => (A::Xor, 2, false, memarg),
        O::I64AtomicRmwXor { memarg } => (A::Xor, 3, true, memarg),
        O::I32AtomicRmw8XorU { memarg } => (A::Xor, 0, false, memarg),
        O::I32AtomicRmw16XorU { memarg } => (A::Xor, 1, false, memarg),
        O::I64AtomicRmw8XorU { memarg } => (A::Xor, 0, true, memarg),
        O::I64AtomicRmw16XorU { memarg } => (A::Xor, 1, true, memarg),
        O::I64AtomicRmw32XorU { memarg } => (A::Xor, 2, true, memarg),
        O::I32AtomicRmwXchg { memarg } => (A::Xchg, 2, false, memarg),
        O::I64AtomicRmwXchg { memarg } => (A::Xchg, 3, true, memarg),
        O::I32AtomicRmw8XchgU { memarg } => (A::Xchg, 0, false, memarg),
        O::I32AtomicRmw16XchgU { memarg } => (A::Xchg, 1, false, memarg),
        O::I64AtomicRmw8XchgU { memarg } => (A::Xchg, 0, true, memarg),
        O::I64AtomicRmw16XchgU { memarg } => (A::Xchg, 1, true, memarg),
        O::I64AtomicRmw32XchgU { memarg } => (A::Xchg, 2, true, memarg),
        O::I32AtomicRmwCmpxchg { memarg } => (A::Cmpxchg, 2, false, memarg),
        O::I64AtomicRmwCmpxchg { memarg } => (A::Cmpxchg, 3, true, memarg),
        O::I32AtomicRmw8CmpxchgU { memarg } => (A::Cmpxchg, 0, false, memarg),
        O::I32AtomicRmw16CmpxchgU { memarg } => (A::Cmpxchg, 1, false, memarg),
        O::I64AtomicRmw8CmpxchgU { memarg } => (A::Cmpxchg, 0, true, memarg),
        O::I64AtomicRmw16CmpxchgU { memarg } => (A::Cmpxchg, 1, true, memarg),
        O::I64AtomicRmw32CmpxchgU { memarg } => (A::Cmpxchg, 2, true, memarg),
        O::MemoryAtomicWait32 { memarg } => (A::Wait, 2, false, memarg),
        O::MemoryAtomicWait64 { memarg } => (A::Wait, 3, true, memarg),
        O::MemoryAtomicNotify { memarg } => (A::Notify, 2, false, memarg),
        _ => return None,
    })
}
