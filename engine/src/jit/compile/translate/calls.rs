//! Calls: direct calls within the module, calls through the instance's
//! function references (imports), and `call_indirect` with its null and
//! signature checks; each also as a tail call (`return_call`,
//! `return_call_indirect`), which Cranelift's `tail` calling convention
//! (every Wasm function's and host stub's) turns into a jump that reuses
//! the caller's frame. Inside a `try_table` a call is a `try_call`
//! (`exceptions.rs`).
//!
//! SECURITY-CRITICAL: `call_indirect`'s table bounds, null and signature
//! checks.

use super::exceptions::Callee;
use super::{pop, Translator};
use crate::error::{CompileError, TrapCode};
use crate::runtime::vm::{Builtin, VMContext, VMFuncRef, VMStoreContext};
use alloc::vec::Vec;
use core::mem::{offset_of, size_of};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, SigRef, Value};

impl Translator<'_, '_> {
    /// Pops `n` call arguments.
    pub(super) fn pop_args(&mut self, n: usize) -> Vec<Value> {
        let at = self.stack.len() - n;
        self.stack.split_off(at)
    }

    /// Calls `code` with `callee_vmctx` and pushes its results, or, as a
    /// `tail` call, leaves the function through it.
    pub(super) fn call_and_push(
        &mut self,
        sig: SigRef,
        code: Value,
        callee_vmctx: Value,
        args: Vec<Value>,
        tail: bool,
    ) {
        let mut call_args = Vec::with_capacity(args.len() + 2);
        call_args.push(callee_vmctx);
        call_args.push(self.env.vmctx);
        call_args.extend(args);
        self.env.flush_fuel(&mut self.b);
        if tail {
            self.b.ins().return_call_indirect(sig, code, &call_args);
            self.reachable = false;
            return;
        }
        let results = self.emit_call(Callee::Indirect(sig, code), &call_args);
        self.env.reload_after_call(&mut self.b);
        self.env.check_trap_after_call(&mut self.b);
        self.stack.extend(results);
    }

    /// `call f`, or `return_call f` if `tail`.
    pub(super) fn call(&mut self, f: u32, tail: bool) -> Result<(), CompileError> {
        let sig = self
            .env
            .sig_for_type(&mut self.b, self.env.info.funcs[f as usize])?;
        let n = self.env.info.func_type(f).params().len();
        let args = self.pop_args(n);
        // A twin (`osr`) lives outside the module's image, and a batch of
        // tier-up holds only some of its functions (`members`): they call
        // the others through the instance's table, as imports.
        let in_image = |def: u32| {
            self.osr.is_none()
                && self
                    .members
                    .is_none_or(|m| m.get(def as usize) == Some(&true))
        };
        if let Some(def) = f
            .checked_sub(self.env.info.num_imported_funcs)
            .filter(|&def| in_image(def))
        {
            // A function of this module: a direct, pc-relative call with
            // this instance's context.
            let callee = self.env.direct_callee(&mut self.b, def, sig);
            let mut call_args = Vec::with_capacity(args.len() + 2);
            call_args.push(self.env.vmctx);
            call_args.push(self.env.vmctx);
            call_args.extend(args);
            self.env.flush_fuel(&mut self.b);
            if tail {
                self.b.ins().return_call(callee, &call_args);
                self.reachable = false;
                return Ok(());
            }
            let results = self.emit_call(Callee::Direct(callee), &call_args);
            self.env.reload_after_call(&mut self.b);
            self.env.check_trap_after_call(&mut self.b);
            self.stack.extend(results);
            return Ok(());
        }
        // An entry may change: under per-function tier-up it points at a
        // bridge into the interpreter (whose context is the bridge's
        // record, not an instance's) until the function has code, then at
        // that code (an import's too, when its instance's function gets
        // code). Each call reads both words afresh, so a frame running when
        // the entry changes never pairs one old word with one new, and a
        // loop calls the code as soon as it is there.
        let flags = self.env.vm();
        let funcs = self.env.funcs(&mut self.b);
        let entry = f as usize * size_of::<VMFuncRef>();
        let code = self.env.load_ptr(
            &mut self.b,
            funcs,
            entry + offset_of!(VMFuncRef, code),
            flags,
        );
        let callee_vmctx = self.env.load_ptr(
            &mut self.b,
            funcs,
            entry + offset_of!(VMFuncRef, vmctx),
            flags,
        );
        self.call_and_push(sig, code, callee_vmctx, args, tail);
        Ok(())
    }

    /// `call_indirect`, or `return_call_indirect` if `tail`.
    pub(super) fn call_indirect(
        &mut self,
        type_index: u32,
        table: u32,
        tail: bool,
    ) -> Result<(), CompileError> {
        let sig = self.env.sig_for_type(&mut self.b, type_index)?;
        let index = pop!(self);
        let n = self.env.info.func_type_at(type_index).params().len();
        let args = self.pop_args(n);
        let addr = self.table_elem_addr(table, index);
        let tf = self.env.table_flags();
        let elem = self.b.ins().load(types::I64, tf, addr, 0);
        let fr = self.funcref_entry(elem, TrapCode::IndirectCallToNull);
        let vm = self.env.vm();
        let ro = self.env.ro();
        let actual = self
            .b
            .ins()
            .load(types::I32, vm, fr, offset_of!(VMFuncRef, type_id) as i32);
        let type_ids = self.env.load_ptr(
            &mut self.b,
            self.env.vmctx,
            offset_of!(VMContext, type_ids),
            ro,
        );
        let expected = self
            .b
            .ins()
            .load(types::I32, ro, type_ids, (type_index * 4) as i32);
        let mismatch = self.b.ins().icmp(IntCC::NotEqual, actual, expected);
        if self.env.info.types[type_index as usize].is_final {
            // No other type can be below a final one: the ids must be
            // equal.
            self.env
                .trap_if(&mut self.b, mismatch, TrapCode::BadSignature);
        } else {
            // A subtype has another id: ask the registry, off the fast
            // path.
            let slow = self.b.create_block();
            let done = self.b.create_block();
            self.b.ins().brif(mismatch, slow, &[], done, &[]);
            self.b.set_cold_block(slow);
            self.b.switch_to_block(slow);
            self.b.seal_block(slow);
            let is_sub = self
                .env
                .builtin(&mut self.b, Builtin::IsSubtype, &[actual, expected])
                .expect("returns");
            let not_sub = self.b.ins().icmp_imm_s(IntCC::Equal, is_sub, 0);
            self.env
                .trap_if(&mut self.b, not_sub, TrapCode::BadSignature);
            self.b.ins().jump(done, &[]);
            self.b.switch_to_block(done);
            self.b.seal_block(done);
        }
        self.call_funcref(sig, fr, args, tail);
        Ok(())
    }

    /// `call_ref $ty`, or `return_call_ref` if `tail`. The reference's
    /// type was checked at validation; only null traps.
    pub(super) fn call_ref(&mut self, type_index: u32, tail: bool) -> Result<(), CompileError> {
        let sig = self.env.sig_for_type(&mut self.b, type_index)?;
        let reference = pop!(self);
        let n = self.env.info.func_type_at(type_index).params().len();
        let args = self.pop_args(n);
        let fr = self.funcref_entry(reference, TrapCode::NullReference);
        self.call_funcref(sig, fr, args, tail);
        Ok(())
    }

    /// Calls the function whose `VMFuncRef` is at `fr` (its code with its
    /// context), or leaves through it as a tail call.
    fn call_funcref(&mut self, sig: SigRef, fr: Value, args: Vec<Value>, tail: bool) {
        let vm = self.env.vm();
        let code = self
            .env
            .load_ptr(&mut self.b, fr, offset_of!(VMFuncRef, code), vm);
        let callee_vmctx = self
            .env
            .load_ptr(&mut self.b, fr, offset_of!(VMFuncRef, vmctx), vm);
        self.call_and_push(sig, code, callee_vmctx, args, tail);
    }

    /// The address of the `VMFuncRef` of function reference `reference`
    /// (a store index plus one), trapping with `on_null` if it is null.
    fn funcref_entry(&mut self, reference: Value, on_null: TrapCode) -> Value {
        let is_null = self.b.ins().icmp_imm_s(IntCC::Equal, reference, 0);
        self.env.trap_if(&mut self.b, is_null, on_null);
        let vm = self.env.vm();
        let funcrefs = self.env.load_ptr(
            &mut self.b,
            self.env.vmstore,
            offset_of!(VMStoreContext, funcrefs),
            vm,
        );
        let f = self.b.ins().iadd_imm_s(reference, -1);
        let scaled = self.b.ins().imul_imm_s(f, size_of::<VMFuncRef>() as i64);
        self.b.ins().iadd(funcrefs, scaled)
    }
}
