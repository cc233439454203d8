//! The threads proposal: atomic loads, stores, read-modify-writes and
//! compare-exchanges as Cranelift's atomic instructions (sequentially
//! consistent, as Wasm's are), `atomic.fence` as `fence`, and
//! `memory.atomic.wait32/64` and `notify` as builtins (`runtime::atomic`).
//!
//! SECURITY-CRITICAL: every atomic access is bounds-checked explicitly
//! here, also with guard pages (an atomic read-modify-write may be a
//! loop of several instructions, so the fault of one of them is not
//! relied on), and its alignment is checked first, as the spec says.

use super::{pop, Translator};
use crate::error::{CompileError, TrapCode};
use crate::jit::unsupported;
use crate::runtime::vm::{Builtin, VMMemory};
use crate::semantics::atomic::{classify, AtomicOp};
use core::mem::offset_of;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, AtomicRmwOp, InstBuilder, MemFlagsData, Type, Value};
use wasmparser::{MemArgTarget, Operator};

impl Translator<'_, '_> {
    /// Lowers `op` if it is an atomic operator; `Ok(false)` if not.
    pub(super) fn atomic_operator(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        if let Operator::AtomicFence { .. } = op {
            self.b.ins().fence();
            return Ok(true);
        }
        let Some((aop, log2, wide, memarg)) = classify(op) else {
            return Ok(false);
        };
        let memory = match memarg.target {
            MemArgTarget::Memory(m) => m,
            MemArgTarget::Array(_) => return Err(unsupported("GC arrays")),
        };
        self.env.mem(memory)?;
        // Atomic accesses compute 32-bit addresses (`effective`).
        if self
            .env
            .info
            .memories
            .get(memory as usize)
            .is_some_and(|t| t.memory64)
        {
            return Err(unsupported("atomic operations on 64-bit memories"));
        }
        let val_ty = if wide { types::I64 } else { types::I32 };
        let access_ty = match log2 {
            0 => types::I8,
            1 => types::I16,
            2 => types::I32,
            _ => types::I64,
        };
        let size = 1u64 << log2;
        match aop {
            AtomicOp::Wait | AtomicOp::Notify => {
                let (builtin, args) = if aop == AtomicOp::Wait {
                    let timeout = pop!(self);
                    let expected = pop!(self);
                    let index = pop!(self);
                    let ea = self.effective(index, memarg.offset);
                    let builtin = if wide {
                        Builtin::MemoryAtomicWait64
                    } else {
                        Builtin::MemoryAtomicWait32
                    };
                    (builtin, [ea, expected, timeout])
                } else {
                    let count = pop!(self);
                    let index = pop!(self);
                    let ea = self.effective(index, memarg.offset);
                    (Builtin::MemoryAtomicNotify, [ea, count, count])
                };
                let m = self.b.ins().iconst(types::I32, memory as i64);
                let mut call = alloc::vec![m];
                call.extend_from_slice(&args[..builtin.params().len() - 1]);
                let r = self
                    .env
                    .builtin(&mut self.b, builtin, &call)
                    .expect("returns");
                // A negative result is a trap code, negated.
                let failed = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, r, 0);
                let negated = self.b.ins().ineg(r);
                let code = self.b.ins().ireduce(types::I32, negated);
                let ok = self.b.ins().iconst(types::I32, 0);
                let status = self.b.ins().select(failed, code, ok);
                self.env.trap_if_status(&mut self.b, status);
                let r = self.b.ins().ireduce(types::I32, r);
                self.stack.push(r);
            }
            AtomicOp::Load => {
                let index = pop!(self);
                let addr = self.atomic_addr(memory, index, memarg.offset, size)?;
                let v = self.b.ins().atomic_load(access_ty, flags(), addr);
                let v = widen(self, v, access_ty, val_ty);
                self.stack.push(v);
            }
            AtomicOp::Store => {
                let value = pop!(self);
                let index = pop!(self);
                let addr = self.atomic_addr(memory, index, memarg.offset, size)?;
                let v = narrow(self, value, access_ty, val_ty);
                self.b.ins().atomic_store(flags(), v, addr);
            }
            AtomicOp::Cmpxchg => {
                let replacement = pop!(self);
                let expected = pop!(self);
                let index = pop!(self);
                let addr = self.atomic_addr(memory, index, memarg.offset, size)?;
                let e = narrow(self, expected, access_ty, val_ty);
                let x = narrow(self, replacement, access_ty, val_ty);
                let old = self.b.ins().atomic_cas(flags(), addr, e, x);
                let old = widen(self, old, access_ty, val_ty);
                self.stack.push(old);
            }
            _ => {
                let value = pop!(self);
                let index = pop!(self);
                let addr = self.atomic_addr(memory, index, memarg.offset, size)?;
                let x = narrow(self, value, access_ty, val_ty);
                let rmw = match aop {
                    AtomicOp::Add => AtomicRmwOp::Add,
                    AtomicOp::Sub => AtomicRmwOp::Sub,
                    AtomicOp::And => AtomicRmwOp::And,
                    AtomicOp::Or => AtomicRmwOp::Or,
                    AtomicOp::Xor => AtomicRmwOp::Xor,
                    _ => AtomicRmwOp::Xchg,
                };
                let old = self.b.ins().atomic_rmw(access_ty, flags(), rmw, addr, x);
                let old = widen(self, old, access_ty, val_ty);
                self.stack.push(old);
            }
        }
        Ok(true)
    }

    /// The effective address `index + offset` as an `i64` (no overflow:
    /// both are below 2^32).
    fn effective(&mut self, index: Value, offset: u64) -> Value {
        let index64 = self.b.ins().uextend(types::I64, index);
        self.b.ins().iadd_imm_s(index64, offset as i64)
    }

    /// The native address of the `size` bytes at `index + offset` of
    /// memory `memory`, after trapping if that is not a multiple of
    /// `size` ("unaligned atomic") or not in bounds. The base and length
    /// are read afresh (a shared memory may have been grown by another
    /// thread).
    fn atomic_addr(
        &mut self,
        memory: u32,
        index: Value,
        offset: u64,
        size: u64,
    ) -> Result<Value, CompileError> {
        let mem = self.env.mem(memory)?;
        let ea = self.effective(index, offset);
        if size > 1 {
            let misaligned = self.b.ins().band_imm_s(ea, (size - 1) as i64);
            self.env
                .trap_if(&mut self.b, misaligned, TrapCode::HeapMisaligned);
        }
        let vm = self.env.vm();
        let len = self
            .env
            .load_ptr(&mut self.b, mem, offset_of!(VMMemory, len), vm);
        let end = self.b.ins().iadd_imm_s(ea, size as i64);
        let oob = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, len);
        self.env
            .trap_if(&mut self.b, oob, TrapCode::MemoryOutOfBounds);
        let base = self
            .env
            .load_ptr(&mut self.b, mem, offset_of!(VMMemory, base), vm);
        Ok(self.b.ins().iadd(base, ea))
    }
}

/// Flags of an atomic access: checked in bounds and aligned before, so it
/// cannot fault; little-endian, as Wasm memory is.
fn flags() -> MemFlagsData {
    MemFlagsData::trusted().with_endianness(cranelift_codegen::ir::Endianness::Little)
}

/// `v` (of the Wasm value type `val`) cut to the access type `access`.
fn narrow(t: &mut Translator<'_, '_>, v: Value, access: Type, val: Type) -> Value {
    if access == val {
        v
    } else {
        t.b.ins().ireduce(access, v)
    }
}

/// `v` (of the access type `access`) zero-extended to the value type.
fn widen(t: &mut Translator<'_, '_>, v: Value, access: Type, val: Type) -> Value {
    if access == val {
        v
    } else {
        t.b.ins().uextend(val, v)
    }
}
