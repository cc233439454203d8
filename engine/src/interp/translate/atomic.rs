//! The threads proposal's operators: every atomic access becomes one
//! `Atomic` op (which operation and width in its `kind`) and an `Aux`
//! with its offset and memory; `atomic.fence` becomes `AtomicFence`.

use super::{Operand, Translator};
use crate::error::CompileError;
use crate::interp::bytecode::Op;
use crate::semantics::atomic::{classify, AtomicOp};
use wasmparser::Operator;

impl Translator<'_> {
    /// Lowers `op` if it is an atomic operator; `Ok(false)` if not.
    pub(super) fn atomic_op(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        if let Operator::AtomicFence { .. } = op {
            self.emit(Op::AtomicFence);
            return Ok(true);
        }
        let Some((aop, log2, _, memarg)) = classify(op) else {
            return Ok(false);
        };
        let operands = match aop {
            AtomicOp::Load => 1,
            AtomicOp::Cmpxchg | AtomicOp::Wait => 3,
            _ => 2,
        };
        // The executor's atomic accesses take 32-bit addresses.
        if let wasmparser::MemArgTarget::Memory(m) = memarg.target {
            if self.is_64(m) {
                return Err(self.error("atomic operations on 64-bit memories are not supported"));
            }
        }
        let (memory, offset) = self.memarg(memarg, operands - 1)?;
        let first = self.stack.len() - operands;
        let mut slots = [0; 3];
        for (k, slot) in slots.iter_mut().enumerate().take(operands) {
            *slot = self.slot_of(first + k);
        }
        let dst = self.home(first);
        self.stack.truncate(first);
        self.emit(Op::Atomic {
            dst,
            ptr: slots[0],
            a: slots[1],
            b: slots[2],
            kind: (aop as u8) << 2 | log2,
        });
        self.emit(Op::Aux {
            a: offset,
            b: memory,
        });
        if aop != AtomicOp::Store {
            self.push(Operand::Temp)?;
        }
        Ok(true)
    }
}
