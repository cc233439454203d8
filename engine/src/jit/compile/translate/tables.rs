//! Tables: the bounds-checked address of an element, `table.get`,
//! `table.set`, `table.size`, and the growing and bulk operations
//! (builtins).
//!
//! SECURITY-CRITICAL: `table_elem_addr` is the bounds check of every
//! element access compiled code makes itself.

use super::{pop, Translator};
use crate::error::{CompileError, TrapCode};
use crate::runtime::vm::{Builtin, VMTable};
use core::mem::offset_of;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, Value};
use wasmparser::Operator;

impl Translator<'_, '_> {
    /// Lowers `op` if it is a table operator; `Ok(false)` if it is not.
    pub(super) fn table_operator(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        use Operator as O;
        let i32t = types::I32;
        let i64t = types::I64;
        match op {
            O::TableGet { table } => {
                let index = pop!(self);
                let addr = self.table_elem_addr(*table, index);
                let f = self.env.table_flags();
                let v = self.b.ins().load(i64t, f, addr, 0);
                self.stack.push(v);
            }
            O::TableSet { table } => {
                let value = pop!(self);
                let index = pop!(self);
                let addr = self.table_elem_addr(*table, index);
                let f = self.env.table_flags();
                self.b.ins().store(f, value, addr, 0);
            }
            O::TableSize { table } => {
                let t = self.env.table_ptr(&mut self.b, *table);
                let vm = self.env.vm();
                let len = self
                    .env
                    .load_ptr(&mut self.b, t, offset_of!(VMTable, len), vm);
                let len = match self.env.info.tables[*table as usize].table64 {
                    true => len,
                    false => self.b.ins().ireduce(i32t, len),
                };
                self.stack.push(len);
            }
            O::TableGrow { table } => {
                let delta = pop!(self);
                let wide = self.b.func.dfg.value_type(delta) == i64t;
                let delta = self.clamp_u32(delta);
                let init = pop!(self);
                let t = self.b.ins().iconst(i32t, *table as i64);
                let r = self
                    .env
                    .builtin(&mut self.b, Builtin::TableGrow, &[t, init, delta])
                    .expect("returns");
                let r = self.env.grown(&mut self.b, r, false);
                // A table64's old size, or -1, as an `i64`.
                let r = match wide {
                    true => self.b.ins().sextend(i64t, r),
                    false => r,
                };
                self.stack.push(r);
            }
            O::TableFill { table } => {
                let len = pop!(self);
                let val = pop!(self);
                let dst = pop!(self);
                let (dst, len) = (self.clamp_u32(dst), self.clamp_u32(len));
                let t = self.b.ins().iconst(i32t, *table as i64);
                self.env
                    .builtin_checked(&mut self.b, Builtin::TableFill, &[t, dst, val, len]);
            }
            O::TableCopy {
                dst_table,
                src_table,
            } => {
                let len = pop!(self);
                let src = pop!(self);
                let dst = pop!(self);
                let (dst, src, len) = (
                    self.clamp_u32(dst),
                    self.clamp_u32(src),
                    self.clamp_u32(len),
                );
                let dt = self.b.ins().iconst(i32t, *dst_table as i64);
                let st = self.b.ins().iconst(i32t, *src_table as i64);
                self.env
                    .builtin_checked(&mut self.b, Builtin::TableCopy, &[dt, st, dst, src, len]);
            }
            O::TableInit { elem_index, table } => {
                let len = pop!(self);
                let src = pop!(self);
                let dst = pop!(self);
                let dst = self.clamp_u32(dst);
                let t = self.b.ins().iconst(i32t, *table as i64);
                let seg = self.b.ins().iconst(i32t, *elem_index as i64);
                self.env
                    .builtin_checked(&mut self.b, Builtin::TableInit, &[t, seg, dst, src, len]);
            }
            O::ElemDrop { elem_index } => {
                let seg = self.b.ins().iconst(i32t, *elem_index as i64);
                self.env.builtin(&mut self.b, Builtin::ElemDrop, &[seg]);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// A table64's `i64` index, length or delta as the table builtins'
    /// `i32`: clamped to `u32::MAX`, which no table reaches, so it is out
    /// of bounds (or too much to grow by) exactly when the `i64` was. An
    /// `i32` is returned as it is.
    fn clamp_u32(&mut self, v: Value) -> Value {
        if self.b.func.dfg.value_type(v) != types::I64 {
            return v;
        }
        let max = self.b.ins().iconst(types::I64, u32::MAX as i64);
        let v = self.b.ins().umin(v, max);
        self.b.ins().ireduce(types::I32, v)
    }

    /// The address of element `index` of table `t`, after the bounds
    /// check. An index at or past the table's bound takes a cold path: the
    /// runtime makes the elements of a lazy table (`runtime::table`), then
    /// the index is checked against the bound again, which is the bounds
    /// check proper.
    pub(super) fn table_elem_addr(&mut self, t: u32, index: Value) -> Value {
        let table = self.env.table_ptr(&mut self.b, t);
        let vm = self.env.vm();
        let bound = self
            .env
            .load_ptr(&mut self.b, table, offset_of!(VMTable, bound), vm);
        // A table64's index is an `i64` already.
        let index = match self.b.func.dfg.value_type(index) {
            types::I32 => self.b.ins().uextend(types::I64, index),
            _ => index,
        };
        let past = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, bound);
        let cold = self.b.create_block();
        let ok = self.b.create_block();
        self.b.ins().brif(past, cold, &[], ok, &[]);
        self.b.set_cold_block(cold);
        self.b.switch_to_block(cold);
        self.b.seal_block(cold);
        let tc = self.b.ins().iconst(types::I32, t as i64);
        self.env
            .builtin(&mut self.b, Builtin::TableMaterialise, &[tc]);
        // The call may have changed the bound: the load is after it.
        let bound = self
            .env
            .load_ptr(&mut self.b, table, offset_of!(VMTable, bound), vm);
        let oob = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, bound);
        self.env
            .trap_if(&mut self.b, oob, TrapCode::TableOutOfBounds);
        self.b.ins().jump(ok, &[]);
        self.b.switch_to_block(ok);
        self.b.seal_block(ok);
        let base = self
            .env
            .load_ptr(&mut self.b, table, offset_of!(VMTable, base), vm);
        let scaled = self.b.ins().ishl_imm_s(index, 3);
        self.b.ins().iadd(base, scaled)
    }
}
