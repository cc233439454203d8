//! The per-operator half of the translator: one arm per Wasm operator,
//! plus the tables of immediate forms and compare-and-branch fusions.

use super::{FrameKind, Operand, Translator};
use crate::error::CompileError;
use crate::interp::bytecode::{Op, Slot};
use crate::types::ValType;
use wasmparser::Operator;

type Reg3 = fn(Slot, Slot, Slot) -> Op;
type RegImm = fn(Slot, Slot, i32) -> Op;
type Reg2 = fn(Slot, Slot) -> Op;

/// How a binary operator may take a constant operand.
#[derive(Clone, Copy)]
enum Imm {
    /// No immediate form.
    None,
    /// `op(a, imm)` when the right operand is constant; with `lhs`, also
    /// `lhs(b, imm)` when the left one is (commutative ops and mirrored
    /// comparisons).
    Rhs { op: RegImm, lhs: Option<RegImm> },
    /// Subtraction: add the negated constant.
    Sub(RegImm),
}

macro_rules! r3 {
    ($name:ident) => {
        (|dst, a, b| Op::$name { dst, a, b }) as Reg3
    };
}
macro_rules! ri {
    ($name:ident) => {
        (|dst, a, imm| Op::$name { dst, a, imm }) as RegImm
    };
}
macro_rules! r2 {
    ($name:ident) => {
        (|dst, a| Op::$name { dst, a }) as Reg2
    };
}
macro_rules! imm {
    ($name:ident) => {
        Imm::Rhs {
            op: ri!($name),
            lhs: None,
        }
    };
    ($name:ident, $lhs:ident) => {
        Imm::Rhs {
            op: ri!($name),
            lhs: Some(ri!($lhs)),
        }
    };
}

/// The op that canonicalizes the NaNs of `op`'s result, for the float
/// operations that may produce a NaN (Cranelift's list: arithmetic,
/// rounding, square root, min/max, promotion and demotion; not the
/// operations that only move bits).
pub(super) fn canonicalizer(op: &Operator<'_>) -> Option<fn(Slot, Slot) -> Op> {
    use Operator as O;
    Some(match op {
        O::F32Ceil
        | O::F32Floor
        | O::F32Trunc
        | O::F32Nearest
        | O::F32Sqrt
        | O::F32Add
        | O::F32Sub
        | O::F32Mul
        | O::F32Div
        | O::F32Min
        | O::F32Max
        | O::F32DemoteF64 => r2!(F32Canonical),
        O::F64Ceil
        | O::F64Floor
        | O::F64Trunc
        | O::F64Nearest
        | O::F64Sqrt
        | O::F64Add
        | O::F64Sub
        | O::F64Mul
        | O::F64Div
        | O::F64Min
        | O::F64Max
        | O::F64PromoteF32 => r2!(F64Canonical),
        O::F32x4Ceil
        | O::F32x4Floor
        | O::F32x4Trunc
        | O::F32x4Nearest
        | O::F32x4Sqrt
        | O::F32x4Add
        | O::F32x4Sub
        | O::F32x4Mul
        | O::F32x4Div
        | O::F32x4Min
        | O::F32x4Max
        | O::F32x4DemoteF64x2Zero
        | O::F32x4RelaxedMin
        | O::F32x4RelaxedMax
        | O::F32x4RelaxedMadd
        | O::F32x4RelaxedNmadd => r2!(F32x4Canonical),
        O::F64x2Ceil
        | O::F64x2Floor
        | O::F64x2Trunc
        | O::F64x2Nearest
        | O::F64x2Sqrt
        | O::F64x2Add
        | O::F64x2Sub
        | O::F64x2Mul
        | O::F64x2Div
        | O::F64x2Min
        | O::F64x2Max
        | O::F64x2PromoteLowF32x4
        | O::F64x2RelaxedMin
        | O::F64x2RelaxedMax
        | O::F64x2RelaxedMadd
        | O::F64x2RelaxedNmadd => r2!(F64x2Canonical),
        _ => return None,
    })
}

impl Translator<'_> {
    /// Canonicalizes the NaNs of the operand on top of the stack, which
    /// the op just emitted produced, in place. The canonicalizing op
    /// becomes the top's producer, so a following `local.set` retargets it
    /// (the float op still writes the temporary it reads).
    pub(super) fn canonicalize_top(&mut self, make: fn(Slot, Slot) -> Op) {
        let Some(at) = self.top_producer() else {
            // Unreachable code emits nothing.
            return;
        };
        let Some(slot) = self.ops[at].dst_mut().map(|d| *d) else {
            return;
        };
        let i = self.stack.len() - 1;
        let canon = self.emit(make(slot, slot));
        self.last_producer = Some((canon, i));
    }

    /// A binary operator. `wide` says whether operands are 64-bit (so a
    /// constant must fit a sign-extended i32 to be an immediate).
    fn binary(&mut self, reg: Reg3, imm: Imm, wide: bool) -> Result<(), CompileError> {
        let len = self.stack.len();
        let (ai, bi) = (len - 2, len - 1);
        let as_imm = |v: u64| -> Option<i32> {
            if wide {
                let v = v as i64;
                (v == (v as i32) as i64).then_some(v as i32)
            } else {
                Some(v as u32 as i32)
            }
        };
        let dst = self.home(ai);
        let const_at = |t: &Self, i: usize| match t.stack[i].operand {
            Operand::Const(c) => as_imm(c),
            _ => None,
        };
        let (ca, cb) = (const_at(self, ai), const_at(self, bi));
        let op = match (imm, ca, cb) {
            (Imm::Rhs { op, .. }, _, Some(c)) => {
                let a = self.slot_of(ai);
                op(dst, a, c)
            }
            (Imm::Rhs { lhs: Some(op), .. }, Some(c), _) => {
                let b = self.slot_of(bi);
                op(dst, b, c)
            }
            (Imm::Sub(op), _, Some(c)) if c.checked_neg().is_some() => {
                let a = self.slot_of(ai);
                op(dst, a, c.wrapping_neg())
            }
            _ => {
                let a = self.slot_of(ai);
                let b = self.slot_of(bi);
                reg(dst, a, b)
            }
        };
        self.stack.truncate(ai);
        self.emit_result(op)
    }

    fn unary(&mut self, reg: Reg2) -> Result<(), CompileError> {
        let ai = self.stack.len() - 1;
        let a = self.slot_of(ai);
        let dst = self.home(ai);
        self.stack.truncate(ai);
        self.emit_result(reg(dst, a))
    }

    fn load(
        &mut self,
        memarg: &wasmparser::MemArg,
        make: fn(Slot, Slot, u32) -> Op,
    ) -> Result<(), CompileError> {
        let (memory, offset) = self.memarg(memarg, 0)?;
        let ai = self.stack.len() - 1;
        let ptr = self.slot_of(ai);
        let dst = self.home(ai);
        let mut op = make(dst, ptr, offset);
        if !self.needs_prefix(memory) {
            op = self.fold_address(ai, op);
        }
        self.stack.truncate(ai);
        self.memory_prefix(memory);
        self.emit_result(op)
    }

    /// A store: with a constant value to memory 0, `make_imm`'s op if the
    /// constant fits it; otherwise `make`'s.
    pub(super) fn store(
        &mut self,
        memarg: &wasmparser::MemArg,
        make: fn(Slot, Slot, u32) -> Op,
        make_imm: fn(Slot, u32, u64) -> Option<Op>,
    ) -> Result<(), CompileError> {
        let (memory, offset) = self.memarg(memarg, 1)?;
        if let (
            false,
            Some(&super::Entry {
                operand: Operand::Const(value),
                ..
            }),
        ) = (self.needs_prefix(memory), self.stack.last())
        {
            // The dummy slot only asks whether the constant fits.
            if let Some(op) = make_imm(0, offset, value) {
                let pi = self.stack.len() - 2;
                let ptr = self.slot_of(pi);
                let op = self.fold_address(pi, with_ptr(op, ptr));
                self.pop();
                self.pop();
                self.emit(op);
                return Ok(());
            }
        }
        let pi = self.stack.len() - 2;
        let src = self.slot_of(pi + 1);
        let ptr = self.slot_of(pi);
        let mut op = make(ptr, src, offset);
        if !self.needs_prefix(memory) {
            op = self.fold_address(pi, op);
        }
        self.pop();
        self.pop();
        self.memory_prefix(memory);
        self.emit(op);
        Ok(())
    }

    /// The memory index and the 32-bit offset of an access whose address
    /// operand has `above` operands above it on the stack. An offset of
    /// 2^32 or more (64-bit memories only) has its high half added to the
    /// address first, by `AddressHigh` (which traps if the sum passes
    /// 2^64), into the address's home slot; the low half is returned.
    pub(super) fn memarg(
        &mut self,
        memarg: &wasmparser::MemArg,
        above: usize,
    ) -> Result<(u32, u32), CompileError> {
        let wasmparser::MemArgTarget::Memory(memory) = memarg.target else {
            return Err(self.error("GC array accesses are not supported"));
        };
        if let Ok(offset) = u32::try_from(memarg.offset) {
            return Ok((memory, offset));
        }
        if !self.is_64(memory) {
            return Err(self.error("memory offset out of range"));
        }
        let at = self.stack.len() - 1 - above;
        let ptr = self.slot_of(at);
        let dst = self.home(at);
        let high = (memarg.offset >> 32) as u32;
        self.emit(Op::AddressHigh { dst, ptr, high });
        self.stack[at].operand = Operand::Temp;
        Ok((memory, memarg.offset as u32))
    }

    /// Whether memory `memory` has 64-bit addresses.
    pub(super) fn is_64(&self, memory: u32) -> bool {
        self.info
            .memories
            .get(memory as usize)
            .is_some_and(|ty| ty.memory64)
    }

    /// Whether ops on memory `memory` go behind an `OnMemory` prefix: those
    /// on any memory but 0, on a 64-bit memory 0 (the dispatch loop's own
    /// memory ops take 32-bit addresses), and on a shared memory 0: the
    /// loop checks against the length it cached, which another thread's
    /// `memory.grow` leaves behind (the access would trap though in
    /// bounds), while the prefixed op reads the length afresh.
    pub(super) fn needs_prefix(&self, memory: u32) -> bool {
        memory != 0
            || self
                .info
                .memories
                .get(memory as usize)
                .is_some_and(|ty| ty.memory64 || ty.shared)
    }

    /// Emitted right before an op on memory `memory`: an `OnMemory`
    /// prefix if [`Self::needs_prefix`].
    pub(super) fn memory_prefix(&mut self, memory: u32) {
        if self.needs_prefix(memory) {
            self.emit(Op::OnMemory { memory, src: 0 });
        }
    }

    /// Emitted right before `memory.size` or `memory.grow` of memory
    /// `memory`: as [`Self::memory_prefix`], and an `OnMemory` prefix for
    /// memory 0 too if its pages are not 64 KiB (the dispatch loop's own
    /// `MemorySize` counts 64 KiB pages; the prefixed op asks the memory).
    fn size_prefix(&mut self, memory: u32) {
        let custom = self
            .info
            .memories
            .get(memory as usize)
            .is_some_and(|ty| !ty.default_page_size());
        if self.needs_prefix(memory) || custom {
            self.emit(Op::OnMemory { memory, src: 0 });
        }
    }

    /// After a wide-arithmetic op wrote its result at the home of the
    /// next stack position: the low and high halves, two `i64` temps (in
    /// consecutive slots: neither is a `v128`).
    fn push_wide_results(&mut self) -> Result<(), CompileError> {
        self.push(Operand::Temp)?;
        self.push(Operand::Temp)
    }

    /// Pops three operands (bottom first in the result).
    fn pop3(&mut self) -> (Slot, Slot, Slot) {
        let c = self.pop_slot();
        let b = self.pop_slot();
        let a = self.pop_slot();
        (a, b, c)
    }

    fn call(&mut self, func: u32) -> Result<(), CompileError> {
        let info = self.info;
        let ty = info.func_type(func);
        let n = ty.params().len();
        let (base, args) = self.outgoing_args(n);
        match self.info.defined_func_index(func) {
            Some(def) => self.emit(Op::CallInternal { args, def }),
            None => self.emit(Op::CallImported { args, func }),
        };
        self.stack.truncate(base);
        for t in ty.results() {
            self.push_temp(*t)?;
        }
        Ok(())
    }

    /// `return_call`: the call op takes over the frame for a Wasm callee;
    /// the return after it returns a host callee's results, which it
    /// leaves from `args` on.
    fn return_call(&mut self, func: u32) -> Result<(), CompileError> {
        let info = self.info;
        let ty = info.func_type(func);
        let n = ty.params().len();
        let (base, args) = self.outgoing_args(n);
        match self.info.defined_func_index(func) {
            Some(def) => self.emit(Op::ReturnCallInternal { args, def }),
            None => self.emit(Op::ReturnCallImported { args, func }),
        };
        self.emit_tail_return(base, ty.results())
    }

    fn return_call_indirect(&mut self, ty: u32, table: u32) -> Result<(), CompileError> {
        self.clamp_index(table, 0);
        let index = self.pop_slot();
        let info = self.info;
        let fty = info.func_type_at(ty);
        let n = fty.params().len();
        let (base, args) = self.outgoing_args(n);
        self.emit(Op::ReturnCallIndirect { args, index, ty });
        self.emit(Op::Aux { a: table, b: 0 });
        self.emit_tail_return(base, fty.results())
    }

    /// `call_ref $ty` (or `return_call_ref` if `tail`): the reference is
    /// on top of the arguments.
    fn call_ref(&mut self, ty: u32, tail: bool) -> Result<(), CompileError> {
        let func = self.pop_slot();
        let info = self.info;
        let fty = info.func_type_at(ty);
        let n = fty.params().len();
        let (base, args) = self.outgoing_args(n);
        if tail {
            self.emit(Op::ReturnCallRef { args, func });
            return self.emit_tail_return(base, fty.results());
        }
        self.emit(Op::CallRef { args, func });
        self.stack.truncate(base);
        for t in fty.results() {
            self.push_temp(*t)?;
        }
        Ok(())
    }

    /// The `n` operands on top of the stack as a call's argument area: each
    /// in its home slot, so they lie in order from the returned slot on.
    /// Returns the operand index of the first and its slot.
    pub(super) fn outgoing_args(&mut self, n: usize) -> (usize, Slot) {
        self.materialize_top(n);
        let base = self.stack.len() - n;
        (base, self.home(base))
    }

    /// After a tail call whose arguments started at operand `base`: the
    /// return of a host callee's `results`, left from there on.
    fn emit_tail_return(&mut self, base: usize, results: &[ValType]) -> Result<(), CompileError> {
        self.stack.truncate(base);
        for t in results {
            self.push_temp(*t)?;
        }
        self.emit_return(results.len());
        self.reachable = false;
        Ok(())
    }

    /// Whether table `table` has 64-bit indices.
    fn is_table64(&self, table: u32) -> bool {
        self.info
            .tables
            .get(table as usize)
            .is_some_and(|ty| ty.table64)
    }

    /// For a table64 operand (`wide`) with `above` operands above it: clamps
    /// it to `u32::MAX` in its home slot (`ClampU32`), so the table ops,
    /// which take 32-bit indices and lengths, see it out of bounds exactly
    /// when it was.
    fn clamp_if(&mut self, wide: bool, above: usize) {
        if wide {
            let at = self.stack.len() - 1 - above;
            let a = self.slot_of(at);
            let dst = self.home(at);
            self.emit(Op::ClampU32 { dst, a });
            self.stack[at].operand = Operand::Temp;
        }
    }

    /// [`Self::clamp_if`] for an operand of table `table`'s index type.
    fn clamp_index(&mut self, table: u32, above: usize) {
        self.clamp_if(self.is_table64(table), above);
    }

    fn call_indirect(&mut self, ty: u32, table: u32) -> Result<(), CompileError> {
        self.clamp_index(table, 0);
        let index = self.pop_slot();
        let info = self.info;
        let fty = info.func_type_at(ty);
        let n = fty.params().len();
        let (base, args) = self.outgoing_args(n);
        self.emit(Op::CallIndirect { args, index, ty });
        self.emit(Op::Aux { a: table, b: 0 });
        self.stack.truncate(base);
        for t in fty.results() {
            self.push_temp(*t)?;
        }
        Ok(())
    }

    pub(super) fn translate_op(&mut self, op: Operator<'_>) -> Result<(), CompileError> {
        use Operator as O;
        if self.skip_unreachable(&op)? {
            return Ok(());
        }
        match op {
            O::Unreachable => {
                self.emit(Op::Unreachable);
                self.reachable = false;
            }
            O::Nop => {}
            O::Block { blockty } => {
                let frame = self.enter_block(FrameKind::Block, blockty);
                self.frames.push(frame);
            }
            O::Loop { blockty } => {
                let frame = self.enter_block(FrameKind::Loop, blockty);
                // A frame can leave this loop for compiled code if it has
                // nothing but its locals: no values under the loop, no
                // parameters (the JIT's twin asks the same, see
                // `jit::compile::translate::osr`). At the head, before the
                // header's fuel and epoch checks, which the twin runs.
                let osr = self.osr && frame.height == 0 && frame.params == 0;
                self.frames.push(frame);
                if osr {
                    self.emit(Op::OsrPoint {
                        ordinal: self.loop_ordinal,
                    });
                }
            }
            O::If { blockty } => self.if_(blockty)?,
            O::Else => self.else_()?,
            O::End => self.end()?,
            O::Br { relative_depth } => {
                self.emit_br(relative_depth);
                self.reachable = false;
            }
            O::BrIf { relative_depth } => self.br_if(relative_depth),
            O::BrTable { targets } => self.br_table(&targets)?,
            O::Return => {
                let n = self.frames[0].results;
                self.emit_return(n);
                self.reachable = false;
            }
            O::Call { function_index } => self.call(function_index)?,
            O::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index)?,
            O::ReturnCall { function_index } => self.return_call(function_index)?,
            O::ReturnCallIndirect {
                type_index,
                table_index,
            } => self.return_call_indirect(type_index, table_index)?,
            O::CallRef { type_index } => self.call_ref(type_index, false)?,
            O::ReturnCallRef { type_index } => self.call_ref(type_index, true)?,
            O::RefAsNonNull => {
                let top = self.stack.len() - 1;
                let src = self.slot_of(top);
                self.emit(Op::TrapIfNull { src });
            }
            O::BrOnNull { relative_depth } => self.br_on_null(relative_depth),
            O::TryTable { try_table } => self.try_table(try_table),
            O::Throw { tag_index } => self.throw(tag_index),
            O::ThrowRef => {
                let src = self.pop_slot();
                self.emit(Op::ThrowRef { src });
                self.reachable = false;
            }
            O::BrOnNonNull { relative_depth } => self.br_on_non_null(relative_depth),
            O::Drop => {
                self.pop();
            }
            O::Select | O::TypedSelect { .. } | O::TypedSelectMulti { .. } => {
                let wide = self.wide(self.stack.len() - 3);
                let (a, b, cond) = self.pop3();
                let dst = self.home(self.stack.len());
                if wide {
                    self.emit_result_of(Op::Select2 { dst, cond, a, b }, true)?;
                } else {
                    self.emit_result(Op::Select { dst, cond, a, b })?;
                }
            }
            O::LocalGet { local_index } => {
                let (slot, wide) = self.local(local_index);
                self.push_entry(Operand::Local(slot), wide)?
            }
            O::LocalSet { local_index } => self.local_set(local_index, false)?,
            O::LocalTee { local_index } => self.local_set(local_index, true)?,
            O::GlobalGet { global_index } => {
                let dst = self.home(self.stack.len());
                let index = global_index;
                if self.info.globals[index as usize].content == ValType::V128 {
                    self.emit_result_of(Op::GlobalGet2 { dst, index }, true)?;
                } else {
                    self.emit_result(Op::GlobalGet { dst, index })?;
                }
            }
            O::GlobalSet { global_index } => {
                let src = self.pop_slot();
                let index = global_index;
                if self.info.globals[index as usize].content == ValType::V128 {
                    self.emit(Op::GlobalSet2 { src, index });
                } else {
                    self.emit(Op::GlobalSet { src, index });
                }
            }

            O::I32Load { memarg } | O::F32Load { memarg } | O::I64Load32U { memarg } => {
                self.load(&memarg, |dst, ptr, offset| Op::Load32U { dst, ptr, offset })?
            }
            O::I64Load { memarg } | O::F64Load { memarg } => {
                self.load(&memarg, |dst, ptr, offset| Op::Load64 { dst, ptr, offset })?
            }
            O::I32Load8S { memarg } | O::I64Load8S { memarg } => {
                self.load(&memarg, |dst, ptr, offset| Op::Load8S { dst, ptr, offset })?
            }
            O::I32Load8U { memarg } | O::I64Load8U { memarg } => {
                self.load(&memarg, |dst, ptr, offset| Op::Load8U { dst, ptr, offset })?
            }
            O::I32Load16S { memarg } | O::I64Load16S { memarg } => {
                self.load(&memarg, |dst, ptr, offset| Op::Load16S { dst, ptr, offset })?
            }
            O::I32Load16U { memarg } | O::I64Load16U { memarg } => {
                self.load(&memarg, |dst, ptr, offset| Op::Load16U { dst, ptr, offset })?
            }
            O::I64Load32S { memarg } => {
                self.load(&memarg, |dst, ptr, offset| Op::Load32S { dst, ptr, offset })?
            }
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => self.store(
                &memarg,
                |ptr, src, offset| Op::Store8 { ptr, src, offset },
                |ptr, offset, value| {
                    Some(Op::Store8Imm {
                        ptr,
                        offset,
                        value: value as u32,
                    })
                },
            )?,
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => self.store(
                &memarg,
                |ptr, src, offset| Op::Store16 { ptr, src, offset },
                |ptr, offset, value| {
                    Some(Op::Store16Imm {
                        ptr,
                        offset,
                        value: value as u32,
                    })
                },
            )?,
            O::I32Store { memarg } | O::F32Store { memarg } | O::I64Store32 { memarg } => self
                .store(
                    &memarg,
                    |ptr, src, offset| Op::Store32 { ptr, src, offset },
                    |ptr, offset, value| {
                        Some(Op::Store32Imm {
                            ptr,
                            offset,
                            value: value as u32,
                        })
                    },
                )?,
            O::I64Store { memarg } | O::F64Store { memarg } => self.store(
                &memarg,
                |ptr, src, offset| Op::Store64 { ptr, src, offset },
                |ptr, offset, value| {
                    let value = i32::try_from(value as i64).ok()?;
                    Some(Op::Store64Imm { ptr, offset, value })
                },
            )?,
            O::MemorySize { mem } => {
                let dst = self.home(self.stack.len());
                self.size_prefix(mem);
                self.emit_result(Op::MemorySize { dst })?;
            }
            O::MemoryGrow { mem } => {
                let ai = self.stack.len() - 1;
                let delta = self.slot_of(ai);
                let dst = self.home(ai);
                self.stack.truncate(ai);
                self.size_prefix(mem);
                self.emit_result(Op::MemoryGrow { dst, delta })?;
            }
            O::MemoryFill { mem } => {
                let (dst, val, len) = self.pop3();
                self.memory_prefix(mem);
                self.emit(Op::MemoryFill { dst, val, len });
            }
            O::MemoryCopy { dst_mem, src_mem } => {
                let (dst, src, len) = self.pop3();
                if self.needs_prefix(dst_mem) || self.needs_prefix(src_mem) {
                    self.emit(Op::OnMemory {
                        memory: dst_mem,
                        src: src_mem,
                    });
                }
                self.emit(Op::MemoryCopy { dst, src, len });
            }
            O::MemoryInit { data_index, mem } => {
                let (dst, src, len) = self.pop3();
                self.memory_prefix(mem);
                self.emit(Op::MemoryInit { dst, src, len });
                self.emit(Op::Aux {
                    a: data_index,
                    b: 0,
                });
            }
            O::DataDrop { data_index } => {
                self.emit(Op::DataDrop { index: data_index });
            }

            O::TableGet { table } => {
                self.clamp_index(table, 0);
                self.unary(|dst, index| Op::TableGet {
                    dst,
                    index,
                    table: 0,
                })?;
                if let Some(Op::TableGet { table: t, .. }) = self.ops.last_mut() {
                    *t = table;
                }
            }
            O::TableSet { table } => {
                self.clamp_index(table, 1);
                let value = self.pop_slot();
                let index = self.pop_slot();
                self.emit(Op::TableSet {
                    index,
                    value,
                    table,
                });
            }
            O::TableSize { table } => {
                let dst = self.home(self.stack.len());
                self.emit_result(Op::TableSize { dst, table })?;
            }
            O::TableGrow { table } => {
                self.clamp_index(table, 0);
                let delta = self.pop_slot();
                let init = self.pop_slot();
                let dst = self.home(self.stack.len());
                self.emit(Op::TableGrow { dst, init, delta });
                self.emit(Op::Aux { a: table, b: 0 });
                if self.is_table64(table) {
                    // The old size, or -1 as an `i64`.
                    self.emit(Op::I64ExtendI32S { dst, a: dst });
                }
                self.push(Operand::Temp)?;
            }
            O::TableFill { table } => {
                self.clamp_index(table, 0);
                self.clamp_index(table, 2);
                let (dst, val, len) = self.pop3();
                self.emit(Op::TableFill { dst, val, len });
                self.emit(Op::Aux { a: table, b: 0 });
            }
            O::TableCopy {
                dst_table,
                src_table,
            } => {
                let (d64, s64) = (self.is_table64(dst_table), self.is_table64(src_table));
                self.clamp_if(d64 && s64, 0);
                self.clamp_if(s64, 1);
                self.clamp_if(d64, 2);
                let (dst, src, len) = self.pop3();
                self.emit(Op::TableCopy { dst, src, len });
                self.emit(Op::Aux {
                    a: dst_table,
                    b: src_table,
                });
            }
            O::TableInit { elem_index, table } => {
                self.clamp_index(table, 2);
                let (dst, src, len) = self.pop3();
                self.emit(Op::TableInit { dst, src, len });
                self.emit(Op::Aux {
                    a: table,
                    b: elem_index,
                });
            }
            O::ElemDrop { elem_index } => {
                self.emit(Op::ElemDrop { index: elem_index });
            }
            O::RefNull { .. } => self.push(Operand::Const(0))?,
            O::RefIsNull => self.unary(r2!(I64Eqz))?,
            O::RefFunc { function_index } => {
                let dst = self.home(self.stack.len());
                self.emit_result(Op::RefFunc {
                    dst,
                    func: function_index,
                })?;
            }

            O::I32Const { value } => self.push(Operand::Const(value as u32 as u64))?,
            O::I64Const { value } => self.push(Operand::Const(value as u64))?,
            O::F32Const { value } => self.push(Operand::Const(value.bits() as u64))?,
            O::F64Const { value } => self.push(Operand::Const(value.bits()))?,

            O::I32Eqz => self.unary(r2!(I32Eqz))?,
            O::I32Eq => self.binary(r3!(I32Eq), imm!(I32EqImm, I32EqImm), false)?,
            O::I32Ne => self.binary(r3!(I32Ne), imm!(I32NeImm, I32NeImm), false)?,
            O::I32LtS => self.binary(r3!(I32LtS), imm!(I32LtSImm, I32GtSImm), false)?,
            O::I32LtU => self.binary(r3!(I32LtU), imm!(I32LtUImm, I32GtUImm), false)?,
            O::I32GtS => self.binary(r3!(I32GtS), imm!(I32GtSImm, I32LtSImm), false)?,
            O::I32GtU => self.binary(r3!(I32GtU), imm!(I32GtUImm, I32LtUImm), false)?,
            O::I32LeS => self.binary(r3!(I32LeS), imm!(I32LeSImm, I32GeSImm), false)?,
            O::I32LeU => self.binary(r3!(I32LeU), imm!(I32LeUImm, I32GeUImm), false)?,
            O::I32GeS => self.binary(r3!(I32GeS), imm!(I32GeSImm, I32LeSImm), false)?,
            O::I32GeU => self.binary(r3!(I32GeU), imm!(I32GeUImm, I32LeUImm), false)?,
            O::I32Clz => self.unary(r2!(I32Clz))?,
            O::I32Ctz => self.unary(r2!(I32Ctz))?,
            O::I32Popcnt => self.unary(r2!(I32Popcnt))?,
            O::I32Add => self.binary(r3!(I32Add), imm!(I32AddImm, I32AddImm), false)?,
            O::I32Sub => self.binary(r3!(I32Sub), Imm::Sub(ri!(I32AddImm)), false)?,
            O::I32Mul => self.binary(r3!(I32Mul), imm!(I32MulImm, I32MulImm), false)?,
            O::I32DivS => self.binary(r3!(I32DivS), Imm::None, false)?,
            O::I32DivU => self.binary(r3!(I32DivU), Imm::None, false)?,
            O::I32RemS => self.binary(r3!(I32RemS), Imm::None, false)?,
            O::I32RemU => self.binary(r3!(I32RemU), Imm::None, false)?,
            O::I32And => self.binary(r3!(I32And), imm!(I32AndImm, I32AndImm), false)?,
            O::I32Or => self.binary(r3!(I32Or), imm!(I32OrImm, I32OrImm), false)?,
            O::I32Xor => self.binary(r3!(I32Xor), imm!(I32XorImm, I32XorImm), false)?,
            O::I32Shl => self.binary(r3!(I32Shl), imm!(I32ShlImm), false)?,
            O::I32ShrS => self.binary(r3!(I32ShrS), imm!(I32ShrSImm), false)?,
            O::I32ShrU => self.binary(r3!(I32ShrU), imm!(I32ShrUImm), false)?,
            O::I32Rotl => self.binary(r3!(I32Rotl), imm!(I32RotlImm), false)?,
            O::I32Rotr => self.binary(r3!(I32Rotr), imm!(I32RotrImm), false)?,

            O::I64Eqz => self.unary(r2!(I64Eqz))?,
            O::I64Eq => self.binary(r3!(I64Eq), imm!(I64EqImm, I64EqImm), true)?,
            O::I64Ne => self.binary(r3!(I64Ne), imm!(I64NeImm, I64NeImm), true)?,
            O::I64LtS => self.binary(r3!(I64LtS), imm!(I64LtSImm, I64GtSImm), true)?,
            O::I64LtU => self.binary(r3!(I64LtU), imm!(I64LtUImm, I64GtUImm), true)?,
            O::I64GtS => self.binary(r3!(I64GtS), imm!(I64GtSImm, I64LtSImm), true)?,
            O::I64GtU => self.binary(r3!(I64GtU), imm!(I64GtUImm, I64LtUImm), true)?,
            O::I64LeS => self.binary(r3!(I64LeS), imm!(I64LeSImm, I64GeSImm), true)?,
            O::I64LeU => self.binary(r3!(I64LeU), imm!(I64LeUImm, I64GeUImm), true)?,
            O::I64GeS => self.binary(r3!(I64GeS), imm!(I64GeSImm, I64LeSImm), true)?,
            O::I64GeU => self.binary(r3!(I64GeU), imm!(I64GeUImm, I64LeUImm), true)?,
            O::I64Clz => self.unary(r2!(I64Clz))?,
            O::I64Ctz => self.unary(r2!(I64Ctz))?,
            O::I64Popcnt => self.unary(r2!(I64Popcnt))?,
            O::I64Add => self.binary(r3!(I64Add), imm!(I64AddImm, I64AddImm), true)?,
            O::I64Sub => self.binary(r3!(I64Sub), Imm::Sub(ri!(I64AddImm)), true)?,
            O::I64Mul => self.binary(r3!(I64Mul), imm!(I64MulImm, I64MulImm), true)?,
            O::I64DivS => self.binary(r3!(I64DivS), Imm::None, true)?,
            O::I64DivU => self.binary(r3!(I64DivU), Imm::None, true)?,
            O::I64RemS => self.binary(r3!(I64RemS), Imm::None, true)?,
            O::I64RemU => self.binary(r3!(I64RemU), Imm::None, true)?,
            O::I64And => self.binary(r3!(I64And), imm!(I64AndImm, I64AndImm), true)?,
            O::I64Or => self.binary(r3!(I64Or), imm!(I64OrImm, I64OrImm), true)?,
            O::I64Xor => self.binary(r3!(I64Xor), imm!(I64XorImm, I64XorImm), true)?,
            O::I64Shl => self.binary(r3!(I64Shl), imm!(I64ShlImm), true)?,
            O::I64ShrS => self.binary(r3!(I64ShrS), imm!(I64ShrSImm), true)?,
            O::I64ShrU => self.binary(r3!(I64ShrU), imm!(I64ShrUImm), true)?,
            O::I64Rotl => self.binary(r3!(I64Rotl), imm!(I64RotlImm), true)?,
            O::I64Rotr => self.binary(r3!(I64Rotr), imm!(I64RotrImm), true)?,

            O::F32Eq => self.binary(r3!(F32Eq), Imm::None, false)?,
            O::F32Ne => self.binary(r3!(F32Ne), Imm::None, false)?,
            O::F32Lt => self.binary(r3!(F32Lt), Imm::None, false)?,
            O::F32Gt => self.binary(r3!(F32Gt), Imm::None, false)?,
            O::F32Le => self.binary(r3!(F32Le), Imm::None, false)?,
            O::F32Ge => self.binary(r3!(F32Ge), Imm::None, false)?,
            O::F32Abs => self.unary(r2!(F32Abs))?,
            O::F32Neg => self.unary(r2!(F32Neg))?,
            O::F32Ceil => self.unary(r2!(F32Ceil))?,
            O::F32Floor => self.unary(r2!(F32Floor))?,
            O::F32Trunc => self.unary(r2!(F32Trunc))?,
            O::F32Nearest => self.unary(r2!(F32Nearest))?,
            O::F32Sqrt => self.unary(r2!(F32Sqrt))?,
            O::F32Add => self.binary(r3!(F32Add), Imm::None, false)?,
            O::F32Sub => self.binary(r3!(F32Sub), Imm::None, false)?,
            O::F32Mul => self.binary(r3!(F32Mul), Imm::None, false)?,
            O::F32Div => self.binary(r3!(F32Div), Imm::None, false)?,
            O::F32Min => self.binary(r3!(F32Min), Imm::None, false)?,
            O::F32Max => self.binary(r3!(F32Max), Imm::None, false)?,
            O::F32Copysign => self.binary(r3!(F32Copysign), Imm::None, false)?,

            O::F64Eq => self.binary(r3!(F64Eq), Imm::None, true)?,
            O::F64Ne => self.binary(r3!(F64Ne), Imm::None, true)?,
            O::F64Lt => self.binary(r3!(F64Lt), Imm::None, true)?,
            O::F64Gt => self.binary(r3!(F64Gt), Imm::None, true)?,
            O::F64Le => self.binary(r3!(F64Le), Imm::None, true)?,
            O::F64Ge => self.binary(r3!(F64Ge), Imm::None, true)?,
            O::F64Abs => self.unary(r2!(F64Abs))?,
            O::F64Neg => self.unary(r2!(F64Neg))?,
            O::F64Ceil => self.unary(r2!(F64Ceil))?,
            O::F64Floor => self.unary(r2!(F64Floor))?,
            O::F64Trunc => self.unary(r2!(F64Trunc))?,
            O::F64Nearest => self.unary(r2!(F64Nearest))?,
            O::F64Sqrt => self.unary(r2!(F64Sqrt))?,
            O::F64Add => self.binary(r3!(F64Add), Imm::None, true)?,
            O::F64Sub => self.binary(r3!(F64Sub), Imm::None, true)?,
            O::F64Mul => self.binary(r3!(F64Mul), Imm::None, true)?,
            O::F64Div => self.binary(r3!(F64Div), Imm::None, true)?,
            O::F64Min => self.binary(r3!(F64Min), Imm::None, true)?,
            O::F64Max => self.binary(r3!(F64Max), Imm::None, true)?,
            O::F64Copysign => self.binary(r3!(F64Copysign), Imm::None, true)?,

            // Value-preserving conversions: the slot already holds the
            // right bits.
            O::I32WrapI64
            | O::I32ReinterpretF32
            | O::I64ReinterpretF64
            | O::F32ReinterpretI32
            | O::F64ReinterpretI64 => {}
            O::I32TruncF32S => self.unary(r2!(I32TruncF32S))?,
            O::I32TruncF32U => self.unary(r2!(I32TruncF32U))?,
            O::I32TruncF64S => self.unary(r2!(I32TruncF64S))?,
            O::I32TruncF64U => self.unary(r2!(I32TruncF64U))?,
            O::I64ExtendI32S | O::I64Extend32S => self.unary(r2!(I64ExtendI32S))?,
            O::I64ExtendI32U => self.unary(r2!(I64ExtendI32U))?,
            O::I64TruncF32S => self.unary(r2!(I64TruncF32S))?,
            O::I64TruncF32U => self.unary(r2!(I64TruncF32U))?,
            O::I64TruncF64S => self.unary(r2!(I64TruncF64S))?,
            O::I64TruncF64U => self.unary(r2!(I64TruncF64U))?,
            O::F32ConvertI32S => self.unary(r2!(F32ConvertI32S))?,
            O::F32ConvertI32U => self.unary(r2!(F32ConvertI32U))?,
            O::F32ConvertI64S => self.unary(r2!(F32ConvertI64S))?,
            O::F32ConvertI64U => self.unary(r2!(F32ConvertI64U))?,
            O::F32DemoteF64 => self.unary(r2!(F32DemoteF64))?,
            O::F64ConvertI32S => self.unary(r2!(F64ConvertI32S))?,
            O::F64ConvertI32U => self.unary(r2!(F64ConvertI32U))?,
            O::F64ConvertI64S => self.unary(r2!(F64ConvertI64S))?,
            O::F64ConvertI64U => self.unary(r2!(F64ConvertI64U))?,
            O::F64PromoteF32 => self.unary(r2!(F64PromoteF32))?,
            O::I32Extend8S => self.unary(r2!(I32Extend8S))?,
            O::I32Extend16S => self.unary(r2!(I32Extend16S))?,
            O::I64Extend8S => self.unary(r2!(I64Extend8S))?,
            O::I64Extend16S => self.unary(r2!(I64Extend16S))?,
            O::I32TruncSatF32S => self.unary(r2!(I32TruncSatF32S))?,
            O::I32TruncSatF32U => self.unary(r2!(I32TruncSatF32U))?,
            O::I32TruncSatF64S => self.unary(r2!(I32TruncSatF64S))?,
            O::I32TruncSatF64U => self.unary(r2!(I32TruncSatF64U))?,
            O::I64TruncSatF32S => self.unary(r2!(I64TruncSatF32S))?,
            O::I64TruncSatF32U => self.unary(r2!(I64TruncSatF32U))?,
            O::I64TruncSatF64S => self.unary(r2!(I64TruncSatF64S))?,
            O::I64TruncSatF64U => self.unary(r2!(I64TruncSatF64U))?,

            O::I64Add128 | O::I64Sub128 => {
                let b_hi = self.pop_slot();
                let b_lo = self.pop_slot();
                let a_hi = self.pop_slot();
                let a_lo = self.pop_slot();
                let dst = self.home(self.stack.len());
                self.emit(match op {
                    O::I64Add128 => Op::I64Add128 {
                        dst,
                        a_lo,
                        a_hi,
                        b_lo,
                        b_hi,
                    },
                    _ => Op::I64Sub128 {
                        dst,
                        a_lo,
                        a_hi,
                        b_lo,
                        b_hi,
                    },
                });
                self.push_wide_results()?;
            }
            O::I64MulWideS | O::I64MulWideU => {
                let b = self.pop_slot();
                let a = self.pop_slot();
                let dst = self.home(self.stack.len());
                self.emit(match op {
                    O::I64MulWideS => Op::I64MulWideS { dst, a, b },
                    _ => Op::I64MulWideU { dst, a, b },
                });
                self.push_wide_results()?;
            }

            op => {
                if !self.atomic_op(&op)? && !self.simd_op(op)? {
                    return Err(self.error("operator not supported by the interpreter yet"));
                }
            }
        }
        Ok(())
    }
}

/// Memory access `op` at `(a + b) mod 2^32 + offset` instead of at its
/// `ptr + offset`, if there is such an op (`Load*Add`, `Store*Add`).
pub(super) fn fuse_address(op: &Op, a: Slot, b: Slot) -> Option<Op> {
    Some(match *op {
        Op::Load8S { dst, offset, .. } => Op::Load8SAdd { dst, a, b, offset },
        Op::Load8U { dst, offset, .. } => Op::Load8UAdd { dst, a, b, offset },
        Op::Load16S { dst, offset, .. } => Op::Load16SAdd { dst, a, b, offset },
        Op::Load16U { dst, offset, .. } => Op::Load16UAdd { dst, a, b, offset },
        Op::Load32S { dst, offset, .. } => Op::Load32SAdd { dst, a, b, offset },
        Op::Load32U { dst, offset, .. } => Op::Load32UAdd { dst, a, b, offset },
        Op::Load64 { dst, offset, .. } => Op::Load64Add { dst, a, b, offset },
        Op::Store8 { src, offset, .. } => Op::Store8Add { a, b, src, offset },
        Op::Store16 { src, offset, .. } => Op::Store16Add { a, b, src, offset },
        Op::Store32 { src, offset, .. } => Op::Store32Add { a, b, src, offset },
        Op::Store64 { src, offset, .. } => Op::Store64Add { a, b, src, offset },
        Op::Store8Imm { offset, value, .. } => Op::Store8ImmAdd {
            a,
            b,
            offset,
            value: value as u8,
        },
        Op::Store16Imm { offset, value, .. } => Op::Store16ImmAdd {
            a,
            b,
            offset,
            value: value as u16,
        },
        _ => return None,
    })
}

/// Constant store `op` (a `Store*Imm`) with its address slot set to `ptr`.
fn with_ptr(mut op: Op, new: Slot) -> Op {
    if let Op::Store8Imm { ptr, .. }
    | Op::Store16Imm { ptr, .. }
    | Op::Store32Imm { ptr, .. }
    | Op::Store64Imm { ptr, .. } = &mut op
    {
        *ptr = new;
    }
    op
}

/// Sets the offset of a branch op (any kind).
pub(super) fn set_branch_offset(op: &mut Op, new: i32) {
    match op.branch_offset_mut() {
        Some(offset) => *offset = new,
        None => debug_assert!(false, "{op:?} is not a branch"),
    }
}

/// Fuses ops with the op right after them, once the function's ops are
/// final: a `Copy` before a `Copy` or a `Br` becomes a `CopyPair` or a
/// `CopyBr`, and the first op of a pair (`Op::I32AddImmThenAddImm` and
/// the others after it) is retagged; either does the next op's work too
/// and goes past it. The next op stays in place, so a branch, a landing
/// pad or a return that lands on it still runs just that op, and no index
/// or offset moves. Left to right, each op in one fusion at most.
pub(super) fn fuse_in_place(ops: &mut [Op]) {
    let mut i = 0;
    while i + 1 < ops.len() {
        if let Some(fused) = fused_with_next(&ops[i], &ops[i + 1]) {
            ops[i] = fused;
            i += 2;
        } else {
            i += 1;
        }
    }
}

/// `op` fused with `next`, the op after it (see [`fuse_in_place`]).
fn fused_with_next(op: &Op, next: &Op) -> Option<Op> {
    Some(match (*op, next) {
        (
            Op::Copy { dst, src },
            &Op::Copy {
                dst: dst2,
                src: src2,
            },
        ) => Op::CopyPair {
            dst,
            src,
            dst2,
            src2,
        },
        // The branch's offset, from this op instead of the next.
        (Op::Copy { dst, src }, &Op::Br { offset }) => Op::CopyBr {
            dst,
            src,
            offset: offset.checked_add(1)?,
        },
        (Op::I32AddImm { dst, a, imm }, Op::I32AddImm { .. }) => {
            Op::I32AddImmThenAddImm { dst, a, imm }
        }
        (Op::I32Add { dst, a, b }, Op::I32AddImm { .. }) => Op::I32AddThenAddImm { dst, a, b },
        (Op::I32ShrUImm { dst, a, imm }, Op::I32AndImm { .. }) => {
            Op::I32ShrUImmThenAndImm { dst, a, imm }
        }
        (Op::I32AndImm { dst, a, imm }, Op::I32ShlImm { .. }) => {
            Op::I32AndImmThenShlImm { dst, a, imm }
        }
        (Op::I32AndImm { dst, a, imm }, Op::I32Add { .. }) => Op::I32AndImmThenAdd { dst, a, imm },
        (Op::I32ShlImm { dst, a, imm }, Op::I32Add { .. }) => Op::I32ShlImmThenAdd { dst, a, imm },
        _ => return None,
    })
}

/// The fused compare-and-branch for a comparison op, branching when the
/// comparison holds (or, with `negate`, when it does not). Only integer
/// comparisons negate exactly; float ones are left alone.
pub(super) fn fuse_compare_branch(op: &Op, negate: bool) -> Option<Op> {
    macro_rules! pick {
        ($a:ident, $b:ident, $yes:ident, $no:ident) => {
            if negate {
                Op::$no {
                    a: $a,
                    b: $b,
                    offset: 0,
                }
            } else {
                Op::$yes {
                    a: $a,
                    b: $b,
                    offset: 0,
                }
            }
        };
    }
    macro_rules! pick_imm {
        ($a:ident, $imm:ident, $yes:ident, $no:ident) => {{
            let imm = i16::try_from($imm).ok()?;
            if negate {
                Op::$no {
                    a: $a,
                    imm,
                    offset: 0,
                }
            } else {
                Op::$yes {
                    a: $a,
                    imm,
                    offset: 0,
                }
            }
        }};
    }
    Some(match *op {
        Op::I32Eq { a, b, .. } => pick!(a, b, BrI32Eq, BrI32Ne),
        Op::I32Ne { a, b, .. } => pick!(a, b, BrI32Ne, BrI32Eq),
        Op::I32LtS { a, b, .. } => pick!(a, b, BrI32LtS, BrI32GeS),
        Op::I32LtU { a, b, .. } => pick!(a, b, BrI32LtU, BrI32GeU),
        Op::I32GtS { a, b, .. } => pick!(a, b, BrI32GtS, BrI32LeS),
        Op::I32GtU { a, b, .. } => pick!(a, b, BrI32GtU, BrI32LeU),
        Op::I32LeS { a, b, .. } => pick!(a, b, BrI32LeS, BrI32GtS),
        Op::I32LeU { a, b, .. } => pick!(a, b, BrI32LeU, BrI32GtU),
        Op::I32GeS { a, b, .. } => pick!(a, b, BrI32GeS, BrI32LtS),
        Op::I32GeU { a, b, .. } => pick!(a, b, BrI32GeU, BrI32LtU),
        Op::I64Eq { a, b, .. } => pick!(a, b, BrI64Eq, BrI64Ne),
        Op::I64Ne { a, b, .. } => pick!(a, b, BrI64Ne, BrI64Eq),
        Op::I64LtS { a, b, .. } => pick!(a, b, BrI64LtS, BrI64GeS),
        Op::I64LtU { a, b, .. } => pick!(a, b, BrI64LtU, BrI64GeU),
        Op::I64GtS { a, b, .. } => pick!(a, b, BrI64GtS, BrI64LeS),
        Op::I64GtU { a, b, .. } => pick!(a, b, BrI64GtU, BrI64LeU),
        Op::I64LeS { a, b, .. } => pick!(a, b, BrI64LeS, BrI64GtS),
        Op::I64LeU { a, b, .. } => pick!(a, b, BrI64LeU, BrI64GtU),
        Op::I64GeS { a, b, .. } => pick!(a, b, BrI64GeS, BrI64LtS),
        Op::I64GeU { a, b, .. } => pick!(a, b, BrI64GeU, BrI64LtU),
        Op::I32EqImm { a, imm, .. } => pick_imm!(a, imm, BrI32EqImm, BrI32NeImm),
        Op::I32NeImm { a, imm, .. } => pick_imm!(a, imm, BrI32NeImm, BrI32EqImm),
        Op::I32LtSImm { a, imm, .. } => pick_imm!(a, imm, BrI32LtSImm, BrI32GeSImm),
        Op::I32LtUImm { a, imm, .. } => pick_imm!(a, imm, BrI32LtUImm, BrI32GeUImm),
        Op::I32GtSImm { a, imm, .. } => pick_imm!(a, imm, BrI32GtSImm, BrI32LeSImm),
        Op::I32GtUImm { a, imm, .. } => pick_imm!(a, imm, BrI32GtUImm, BrI32LeUImm),
        Op::I32LeSImm { a, imm, .. } => pick_imm!(a, imm, BrI32LeSImm, BrI32GtSImm),
        Op::I32LeUImm { a, imm, .. } => pick_imm!(a, imm, BrI32LeUImm, BrI32GtUImm),
        Op::I32GeSImm { a, imm, .. } => pick_imm!(a, imm, BrI32GeSImm, BrI32LtSImm),
        Op::I32GeUImm { a, imm, .. } => pick_imm!(a, imm, BrI32GeUImm, BrI32LtUImm),
        // An `i32.and` tested against zero: `br_if` and `if` on a bit
        // test.
        Op::I32And { a, b, .. } => pick!(a, b, BrI32AndNez, BrI32AndEqz),
        Op::I32AndImm { a, imm, .. } => {
            if negate {
                Op::BrI32AndImmEqz { a, imm, offset: 0 }
            } else {
                Op::BrI32AndImmNez { a, imm, offset: 0 }
            }
        }
        Op::I32Eqz { a, .. } => {
            if negate {
                Op::BrIfNez { cond: a, offset: 0 }
            } else {
                Op::BrIfEqz { cond: a, offset: 0 }
            }
        }
        Op::I64Eqz { a, .. } => {
            if negate {
                Op::BrI64Nez { a, offset: 0 }
            } else {
                Op::BrI64Eqz { a, offset: 0 }
            }
        }
        _ => return None,
    })
}
