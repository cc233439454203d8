//! Linear memory: the bounds check of every access (`mem_addr`), loads
//! and stores, `memory.size` and `memory.grow`, and the bulk operations
//! (builtins).
//!
//! SECURITY-CRITICAL: `mem_addr` is the one place an access's bounds are
//! checked or proven unnecessary by the guard region. Get two reviews on
//! any substantive change.

use super::{pop, Translator};
use crate::error::{CompileError, TrapCode};
use crate::jit::unsupported;
use crate::runtime::vm::{Builtin, VMMemory};
use core::mem::offset_of;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, Type, Value};
use wasmparser::{MemArg, Operator};

impl Translator<'_, '_> {
    /// Lowers `op` if it is a memory operator; `Ok(false)` if it is not.
    pub(super) fn memory_operator(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        use Operator as O;
        let i32t = types::I32;
        let i64t = types::I64;
        match op {
            O::I32Load { memarg } => self.load(memarg, i32t, 4, None)?,
            O::I64Load { memarg } => self.load(memarg, i64t, 8, None)?,
            O::F32Load { memarg } => self.load(memarg, types::F32, 4, None)?,
            O::F64Load { memarg } => self.load(memarg, types::F64, 8, None)?,
            O::I32Load8S { memarg } => self.load(memarg, i32t, 1, Some(true))?,
            O::I32Load8U { memarg } => self.load(memarg, i32t, 1, Some(false))?,
            O::I32Load16S { memarg } => self.load(memarg, i32t, 2, Some(true))?,
            O::I32Load16U { memarg } => self.load(memarg, i32t, 2, Some(false))?,
            O::I64Load8S { memarg } => self.load(memarg, i64t, 1, Some(true))?,
            O::I64Load8U { memarg } => self.load(memarg, i64t, 1, Some(false))?,
            O::I64Load16S { memarg } => self.load(memarg, i64t, 2, Some(true))?,
            O::I64Load16U { memarg } => self.load(memarg, i64t, 2, Some(false))?,
            O::I64Load32S { memarg } => self.load(memarg, i64t, 4, Some(true))?,
            O::I64Load32U { memarg } => self.load(memarg, i64t, 4, Some(false))?,
            O::I32Store { memarg } | O::F32Store { memarg } => self.store(memarg, 4)?,
            O::I64Store { memarg } | O::F64Store { memarg } => self.store(memarg, 8)?,
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => self.store(memarg, 1)?,
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => self.store(memarg, 2)?,
            O::I64Store32 { memarg } => self.store(memarg, 4)?,
            O::MemorySize { mem } => {
                let m = self.env.mem(*mem)?;
                let vm = self.env.vm();
                let len = self
                    .env
                    .load_ptr(&mut self.b, m, offset_of!(VMMemory, len), vm);
                let log2 = self.env.mem_page_size_log2(*mem);
                let pages = self.b.ins().ushr_imm_s(len, i64::from(log2));
                let pages = match self.env.mem_64(*mem) {
                    true => pages,
                    false => self.b.ins().ireduce(i32t, pages),
                };
                self.stack.push(pages);
            }
            O::MemoryGrow { mem } => {
                self.env.mem(*mem)?;
                let delta = pop!(self);
                let delta = self.widen_u64(delta);
                let m = self.b.ins().iconst(i32t, *mem as i64);
                let r = self
                    .env
                    .builtin(&mut self.b, Builtin::MemoryGrow, &[m, delta])
                    .expect("returns");
                let wide = self.env.mem_64(*mem);
                let r = self.env.grown(&mut self.b, r, wide);
                self.stack.push(r);
            }
            O::MemoryFill { mem } => {
                let len = pop!(self);
                let val = pop!(self);
                let dst = pop!(self);
                if self.bulk_inline(&[*mem]) {
                    let len = self.b.ins().uextend(i64t, len);
                    let d = self.bulk_range(*mem, dst, len)?;
                    self.env
                        .builtin(&mut self.b, Builtin::MemSet, &[d, val, len]);
                    return Ok(true);
                }
                let (dst, len) = (self.widen_u64(dst), self.widen_u64(len));
                let m = self.b.ins().iconst(i32t, *mem as i64);
                self.env
                    .builtin_checked(&mut self.b, Builtin::MemoryFill, &[m, dst, val, len]);
            }
            O::MemoryCopy { dst_mem, src_mem } => {
                // Each address is its memory's type, the length the
                // narrower of the two: all zero-extended to 64 bits.
                let len = pop!(self);
                let src = pop!(self);
                let dst = pop!(self);
                if self.bulk_inline(&[*dst_mem, *src_mem]) {
                    // Both ranges are checked before a byte moves, so a
                    // copy that traps writes nothing.
                    let len = self.b.ins().uextend(i64t, len);
                    let s = self.bulk_range(*src_mem, src, len)?;
                    let d = self.bulk_range(*dst_mem, dst, len)?;
                    self.env
                        .builtin(&mut self.b, Builtin::MemMove, &[d, s, len]);
                    return Ok(true);
                }
                let (dst, src, len) = (
                    self.widen_u64(dst),
                    self.widen_u64(src),
                    self.widen_u64(len),
                );
                let dm = self.b.ins().iconst(i32t, *dst_mem as i64);
                let sm = self.b.ins().iconst(i32t, *src_mem as i64);
                self.env.builtin_checked(
                    &mut self.b,
                    Builtin::MemoryCopy,
                    &[dm, sm, dst, src, len],
                );
            }
            O::MemoryInit { data_index, mem } => {
                self.env.mem(*mem)?;
                let len = pop!(self);
                let src = pop!(self);
                let dst = pop!(self);
                let dst = self.widen_u64(dst);
                let m = self.b.ins().iconst(i32t, *mem as i64);
                let seg = self.b.ins().iconst(i32t, *data_index as i64);
                self.env.builtin_checked(
                    &mut self.b,
                    Builtin::MemoryInit,
                    &[m, seg, dst, src, len],
                );
            }
            O::DataDrop { data_index } => {
                let seg = self.b.ins().iconst(i32t, *data_index as i64);
                self.env.builtin(&mut self.b, Builtin::DataDrop, &[seg]);
            }

            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Whether `memory.copy` or `memory.fill` on `memories` checks its
    /// bounds in compiled code and calls a plain copy or fill (the
    /// `MemMove` and `MemSet` builtins), rather than the bulk builtins,
    /// which find the memories through the store: memories of 32-bit
    /// addresses, not shared, and no fuel to charge by length.
    fn bulk_inline(&self, memories: &[u32]) -> bool {
        !self.env.checks.fuel
            && memories.iter().all(|&m| {
                self.env
                    .info
                    .memories
                    .get(m as usize)
                    .is_some_and(|t| !t.memory64 && !t.shared)
            })
    }

    /// The native address of the `len` bytes (an `i64` below 2^32) at
    /// `index` (an `i32`) in memory `memory`, after trapping if they do not
    /// all lie inside it. The length is loaded afresh (the memory may have
    /// grown since the function's last access to it).
    fn bulk_range(&mut self, memory: u32, index: Value, len: Value) -> Result<Value, CompileError> {
        let mem = self.env.mem(memory)?;
        let vm = self.env.vm();
        let mem_len = self
            .env
            .load_ptr(&mut self.b, mem, offset_of!(VMMemory, len), vm);
        debug_assert_eq!(self.b.func.dfg.value_type(index), types::I32);
        let index = self.b.ins().uextend(types::I64, index);
        // Both below 2^32: no overflow in 64 bits.
        let end = self.b.ins().iadd(index, len);
        let oob = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, mem_len);
        self.env
            .trap_if(&mut self.b, oob, TrapCode::MemoryOutOfBounds);
        let base = self.env.mem_base(&mut self.b, memory)?;
        Ok(self.b.ins().iadd(base, index))
    }

    /// `v` zero-extended to an `i64` if it is an `i32` (an address or
    /// length of a 32-bit memory), else `v`.
    pub(super) fn widen_u64(&mut self, v: Value) -> Value {
        match self.b.func.dfg.value_type(v) {
            types::I32 => self.b.ins().uextend(types::I64, v),
            _ => v,
        }
    }

    /// Pops the address operand and returns the native address and the
    /// constant offset to add, after checking that `size` bytes at the
    /// effective address are in bounds.
    pub(super) fn mem_addr(
        &mut self,
        arg: &MemArg,
        size: u32,
    ) -> Result<(Value, i32), CompileError> {
        let memory = match arg.target {
            wasmparser::MemArgTarget::Memory(m) => m,
            wasmparser::MemArgTarget::Array(_) => return Err(unsupported("GC arrays")),
        };
        let mem = self.env.mem(memory)?;
        let index = pop!(self);
        let wide = self.env.mem_64(memory);
        // A fixed-size memory's length never changes.
        let fixed = self.env.mem_fixed(memory);
        // `offset + size`: past 2^64 only for a 64-bit memory's offset
        // near 2^64, which no access survives.
        let end = arg.offset.checked_add(u64::from(size));
        // Guarded: index < 2^32 and offset + size <= GUARD_BYTES, so the
        // access lies in the memory's 4 GiB or the guard region after it,
        // and the memory's length is a whole number of OS pages (64 KiB
        // pages), so the first byte past it faults.
        let guarded = end.is_some_and(|end| self.env.guard_covers(memory, end));
        let known = guarded
            || end.is_some_and(|end| {
                self.checked
                    .iter()
                    .any(|&(m, v, checked_end)| m == memory && v == index && checked_end >= end)
            });
        let index64 = self.widen_u64(index);
        if !known {
            // Only a fixed-size memory's length never changes: a guarded
            // one checked anyway (an offset past the guard region, pages
            // of one byte) still grows, and a read-only load of its length
            // could be merged with one from before a `memory.grow`.
            let len_flags = if fixed { self.env.ro() } else { self.env.vm() };
            let len = self
                .env
                .load_ptr(&mut self.b, mem, offset_of!(VMMemory, len), len_flags);
            match end {
                // A 32-bit index and offset: no overflow in 64 bits.
                Some(end) if !wide => {
                    let last = self.b.ins().iadd_imm_s(index64, end as i64);
                    let oob = self.b.ins().icmp(IntCC::UnsignedGreaterThan, last, len);
                    self.env
                        .trap_if(&mut self.b, oob, TrapCode::MemoryOutOfBounds);
                }
                // A 64-bit index: `index + end` may pass 2^64, which is
                // out of bounds, never wrapped. `index > len - end` says
                // the same without the sum (`len >= end` first, else
                // nothing fits): two compares, no carry.
                Some(end) => {
                    let end_v = self.b.ins().iconst(types::I64, end as i64);
                    let short = self.b.ins().icmp(IntCC::UnsignedLessThan, len, end_v);
                    let room = self.b.ins().isub(len, end_v);
                    let past = self.b.ins().icmp(IntCC::UnsignedGreaterThan, index64, room);
                    let oob = self.b.ins().bor(short, past);
                    self.env
                        .trap_if(&mut self.b, oob, TrapCode::MemoryOutOfBounds);
                }
                // `offset + size` past 2^64: always out of bounds.
                None => {
                    let oob = self.b.ins().iconst(types::I8, 1);
                    self.env
                        .trap_if(&mut self.b, oob, TrapCode::MemoryOutOfBounds);
                }
            }
            if let Some(end) = end {
                self.checked.push((memory, index, end));
            }
        }
        let base = self.env.mem_base(&mut self.b, memory)?;
        let addr = self.b.ins().iadd(base, index64);
        Ok(match i32::try_from(arg.offset) {
            Ok(off) => (addr, off),
            Err(_) => (self.b.ins().iadd_imm_s(addr, arg.offset as i64), 0),
        })
    }

    pub(super) fn load(
        &mut self,
        arg: &MemArg,
        ty: Type,
        size: u32,
        ext: Option<bool>,
    ) -> Result<(), CompileError> {
        let (addr, off) = self.mem_addr(arg, size)?;
        let f = self.env.heap();
        let ins = self.b.ins();
        let v = match (size, ext) {
            (_, None) => ins.load(ty, f, addr, off),
            (1, Some(true)) => ins.sload8(ty, f, addr, off),
            (1, Some(false)) => ins.uload8(ty, f, addr, off),
            (2, Some(true)) => ins.sload16(ty, f, addr, off),
            (2, Some(false)) => ins.uload16(ty, f, addr, off),
            (4, Some(true)) => ins.sload32(f, addr, off),
            (_, Some(_)) => ins.uload32(f, addr, off),
        };
        self.stack.push(v);
        Ok(())
    }

    /// Where the hardware may tear a store (write the in-bounds part of one
    /// that straddles the end of a guarded memory before faulting on the
    /// rest: aarch64 and riscv64 allow it), a store the guard region checks
    /// is preceded by a load of the same bytes, which faults first, so a
    /// trapping store leaves memory untouched as Wasm requires.
    pub(super) fn probe_store(&mut self, arg: &MemArg, ty: Type, addr: Value, off: i32) {
        let memory = match arg.target {
            wasmparser::MemArgTarget::Memory(m) => m,
            wasmparser::MemArgTarget::Array(_) => return,
        };
        let guarded = arg
            .offset
            .checked_add(u64::from(ty.bytes()))
            .is_some_and(|end| self.env.guard_covers(memory, end));
        if crate::sys::STORES_MAY_TEAR && guarded && ty.bytes() > 1 {
            let f = self.env.heap();
            self.b.ins().load(ty, f, addr, off);
        }
    }

    pub(super) fn store(&mut self, arg: &MemArg, size: u32) -> Result<(), CompileError> {
        let value = pop!(self);
        let (addr, off) = self.mem_addr(arg, size)?;
        let probe_ty = match size {
            1 => types::I8,
            2 => types::I16,
            4 if self.b.func.dfg.value_type(value) == types::F32 => types::F32,
            4 => types::I32,
            _ => self.b.func.dfg.value_type(value),
        };
        self.probe_store(arg, probe_ty, addr, off);
        let f = self.env.heap();
        let value_size = self.b.func.dfg.value_type(value).bytes();
        let ins = self.b.ins();
        match size {
            s if s == value_size => ins.store(f, value, addr, off),
            1 => ins.istore8(f, value, addr, off),
            2 => ins.istore16(f, value, addr, off),
            _ => ins.istore32(f, value, addr, off),
        };
        Ok(())
    }
}
