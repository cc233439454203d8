//! The operator dispatch: control, calls, locals and globals here; every
//! other group is lowered by its own file ([`memory`](super::memory),
//! [`tables`](super::tables), [`numeric`](super::numeric),
//! [`simd`](super::simd)), each of which reports whether it handled the
//! operator.

use super::{pop, Translator};
use crate::error::{CompileError, TrapCode};
use crate::jit::compile::abi::clif_trap;
use crate::jit::unsupported;
use crate::runtime::vm::VMFuncRef;
use core::mem::{offset_of, size_of};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder};
use wasmparser::Operator;

impl Translator<'_, '_> {
    #[allow(clippy::too_many_lines)]
    pub(super) fn operator(&mut self, op: &Operator<'_>) -> Result<(), CompileError> {
        use Operator as O;
        if !self.reachable {
            match op {
                O::Block { .. } | O::Loop { .. } | O::If { .. } | O::TryTable { .. } => {
                    self.dummy_frame()
                }
                O::Else => self.else_(),
                O::End => self.end(),
                _ => {}
            }
            return Ok(());
        }
        match op {
            O::Unreachable => {
                if self.env.signals {
                    self.b.ins().trap(clif_trap(TrapCode::Unreachable));
                } else {
                    let trap = self.env.trap_block(&mut self.b, TrapCode::Unreachable);
                    self.b.ins().jump(trap, &[]);
                }
                self.reachable = false;
            }
            O::Nop => {}
            O::Block { blockty } => self.block(*blockty)?,
            O::Loop { blockty } => self.loop_(*blockty)?,
            O::If { blockty } => self.if_(*blockty)?,
            O::Else => self.else_(),
            O::End => self.end(),
            O::TryTable { try_table } => self.try_table(try_table)?,
            O::Throw { tag_index } => self.throw(*tag_index)?,
            O::ThrowRef => self.throw_ref(),
            O::Br { relative_depth } => self.br(*relative_depth),
            O::BrIf { relative_depth } => self.br_if(*relative_depth),
            O::BrTable { targets } => self.br_table(targets)?,
            O::Return => self.br(self.control.len() as u32 - 1),
            O::Call { function_index } => self.call(*function_index, false)?,
            O::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(*type_index, *table_index, false)?,
            O::ReturnCall { function_index } => self.call(*function_index, true)?,
            O::CallRef { type_index } => self.call_ref(*type_index, false)?,
            O::ReturnCallRef { type_index } => self.call_ref(*type_index, true)?,
            O::RefAsNonNull => {
                let top = *self.stack.last().expect("validated: a reference");
                let is_null = self.b.ins().icmp_imm_s(IntCC::Equal, top, 0);
                self.env
                    .trap_if(&mut self.b, is_null, TrapCode::NullReference);
            }
            O::BrOnNull { relative_depth } => self.br_on_null(*relative_depth),
            O::BrOnNonNull { relative_depth } => self.br_on_non_null(*relative_depth),
            O::ReturnCallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(*type_index, *table_index, true)?,
            O::Drop => {
                pop!(self);
            }
            O::Select | O::TypedSelect { .. } => {
                let c = pop!(self);
                self.binary(|b, x, y| b.ins().select(c, x, y));
            }
            O::LocalGet { local_index } => {
                let v = self.b.use_var(self.locals[*local_index as usize]);
                self.stack.push(v);
            }
            O::LocalSet { local_index } => {
                let v = pop!(self);
                self.b.def_var(self.locals[*local_index as usize], v);
            }
            O::LocalTee { local_index } => {
                let v = *self.stack.last().expect("validated");
                self.b.def_var(self.locals[*local_index as usize], v);
            }
            O::GlobalGet { global_index } => {
                let (ptr, ty, mutable) = self.env.global(&mut self.b, *global_index);
                let f = self.env.global_flags(mutable);
                let v = self.b.ins().load(ty, f, ptr, 0);
                self.stack.push(v);
            }
            O::GlobalSet { global_index } => {
                let v = pop!(self);
                let (ptr, _, _) = self.env.global(&mut self.b, *global_index);
                let f = self.env.global_flags(true);
                self.b.ins().store(f, v, ptr, 0);
            }

            O::RefNull { .. } => {
                let v = self.b.ins().iconst(types::I64, 0);
                self.stack.push(v);
            }
            O::RefIsNull => self.eqz(),
            O::RefFunc { function_index } => {
                let ro = self.env.ro();
                let funcs = self.env.funcs(&mut self.b);
                let off = *function_index as usize * size_of::<VMFuncRef>()
                    + offset_of!(VMFuncRef, store_index);
                let idx = self.b.ins().load(types::I32, ro, funcs, off as i32);
                let idx = self.b.ins().uextend(types::I64, idx);
                let v = self.b.ins().iadd_imm_s(idx, 1);
                self.stack.push(v);
            }

            other => {
                if !(self.memory_operator(other)?
                    || self.table_operator(other)?
                    || self.atomic_operator(other)?
                    || self.numeric_operator(other)
                    || (is_simd_operator(other) && {
                        self.simd_operator(other)?;
                        true
                    }))
                {
                    return Err(unsupported(alloc::format!("the operator {other:?}")));
                }
            }
        }
        Ok(())
    }
}

/// Whether `op` is one of the SIMD proposals' operators (fixed-width or
/// relaxed): the JIT hands these to its SIMD translator.
fn is_simd_operator(op: &wasmparser::Operator<'_>) -> bool {
    macro_rules! simd_operators {
        ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
            matches!(op, $( wasmparser::Operator::$op { .. } )|*)
        };
    }
    wasmparser::for_each_visit_simd_operator!(simd_operators)
}
