//! Exception handling: `try_table`, `throw`, `throw_ref`, and the calls
//! made inside a `try_table`.
//!
//! A call inside a `try_table` is a Cranelift `try_call` whose exception
//! table has one catch-all entry: the `try_table`'s *dispatch block*,
//! which receives the `exnref` in the first payload register. Cranelift
//! records the call's return address, the handler's offset and the frame
//! offset (`jit::run::traps::HandlerSite`); a throw walks the frame
//! pointers of the callers to the first such call and resumes there
//! (`traps::find_handler`, `sys::resume_to_handler`). Calls outside every
//! `try_table` stay plain calls, so code that catches nothing pays nothing
//! and a throw costs nothing until it happens.
//!
//! The dispatch block tests the catch clauses in order (tags are matched
//! by identity, which only the store knows, so through a builtin), hands
//! the payload (and the `exnref`) to the matching clause's label, and
//! otherwise passes the exception on: to the dispatch block of the
//! enclosing `try_table` of the same function, or up the stack through
//! the throw builtin. A `throw` or `throw_ref` inside a `try_table` jumps
//! to its dispatch block directly, without unwinding anything.

use super::control::FrameKind;
use super::{pop, Translator};
use crate::error::{CompileError, TrapCode};
use crate::jit::compile::abi::{ir_type, load_slot, slot_offsets, store_slot};
use crate::runtime::vm::Builtin;
use alloc::vec::Vec;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    types, Block, BlockArg, ExceptionTableData, ExceptionTableItem, FuncRef, InstBuilder, SigRef,
    StackSlotData, StackSlotKind, Value,
};
use wasmparser::{Catch, TryTable};

/// What a call calls: a function of the module (direct) or an address.
pub(super) enum Callee {
    Direct(FuncRef),
    Indirect(SigRef, Value),
}

impl Translator<'_, '_> {
    /// The dispatch block of the innermost `try_table` around the current
    /// point of this function, if any.
    fn handler(&self) -> Option<Block> {
        self.control.iter().rev().find_map(|f| match f.kind {
            FrameKind::TryTable { dispatch } => Some(dispatch),
            _ => None,
        })
    }

    /// Emits a call and returns its results: a `try_call` whose exceptions
    /// go to the innermost `try_table`'s dispatch block when there is one.
    pub(super) fn emit_call(&mut self, callee: Callee, args: &[Value]) -> Vec<Value> {
        let Some(dispatch) = self.handler() else {
            let call = match callee {
                Callee::Direct(f) => self.b.ins().call(f, args),
                Callee::Indirect(sig, code) => self.b.ins().call_indirect(sig, code, args),
            };
            return self.b.inst_results(call).to_vec();
        };
        let sig = match callee {
            Callee::Direct(f) => self.b.func.dfg.ext_funcs[f].signature,
            Callee::Indirect(sig, _) => sig,
        };
        let returns: Vec<_> = self.b.func.dfg.signatures[sig]
            .returns
            .iter()
            .map(|r| r.value_type)
            .collect();
        let cont = self.block_with_params(&returns);
        let rets: Vec<BlockArg> = (0..returns.len() as u32)
            .map(BlockArg::TryCallRet)
            .collect();
        let normal = self.b.func.dfg.block_call(cont, &rets);
        let caught = self
            .b
            .func
            .dfg
            .block_call(dispatch, &[BlockArg::TryCallExn(0)]);
        let table = self
            .b
            .func
            .dfg
            .exception_tables
            .push(ExceptionTableData::new(
                sig,
                normal,
                [ExceptionTableItem::Default(caught)],
            ));
        match callee {
            Callee::Direct(f) => self.b.ins().try_call(f, args, table),
            Callee::Indirect(_, code) => self.b.ins().try_call_indirect(code, args, table),
        };
        self.b.seal_block(cont);
        self.b.switch_to_block(cont);
        self.b.block_params(cont).to_vec()
    }

    /// `try_table`: a block whose calls (and throws) have handlers. The
    /// dispatch block is emitted first, while the catch labels (relative to
    /// the frames outside the `try_table`) are the current frames.
    pub(super) fn try_table(&mut self, t: &TryTable) -> Result<(), CompileError> {
        self.handles_exceptions = true;
        let (params, results) = self.block_types(t.ty)?;
        let dest = self.block_with_params(&results);
        let dispatch = self.b.create_block();
        let exn = self.b.append_block_param(dispatch, types::I64);
        self.b.set_cold_block(dispatch);
        // The body starts a block of its own, so the current one is
        // finished before the dispatch block is written.
        let body = self.b.create_block();
        self.b.ins().jump(body, &[]);
        self.b.seal_block(body);
        self.b.switch_to_block(dispatch);
        // A callee or a host function ran: the fuel and the deadline in the
        // store are the true ones.
        self.env.reload_after_call(&mut self.b);
        let mut caught_all = false;
        for catch in &t.catches {
            let (tag, label, by_ref) = match *catch {
                Catch::One { tag, label } => (Some(tag), label, false),
                Catch::OneRef { tag, label } => (Some(tag), label, true),
                Catch::All { label } => (None, label, false),
                Catch::AllRef { label } => (None, label, true),
            };
            let next = match tag {
                Some(tag) => {
                    let tag_value = self.b.ins().iconst(types::I32, i64::from(tag));
                    let hit = self
                        .env
                        .builtin(&mut self.b, Builtin::ExnMatches, &[exn, tag_value])
                        .expect("returns");
                    let matched = self.b.create_block();
                    let next = self.b.create_block();
                    self.b.ins().brif(hit, matched, &[], next, &[]);
                    self.b.seal_block(matched);
                    self.b.seal_block(next);
                    self.b.switch_to_block(matched);
                    Some(next)
                }
                None => None,
            };
            let mut values = match tag {
                Some(tag) => self.deliver_payload(exn, tag, by_ref)?,
                None => {
                    let null = self.b.ins().iconst(self.env.ptr, 0);
                    self.deliver(exn, null, by_ref);
                    Vec::new()
                }
            };
            if by_ref {
                values.push(exn);
            }
            let (target, _) = self.branch_target(label);
            let args: Vec<BlockArg> = values.into_iter().map(BlockArg::Value).collect();
            self.b.ins().jump(target, &args);
            match next {
                Some(next) => self.b.switch_to_block(next),
                None => {
                    caught_all = true;
                    break;
                }
            }
        }
        if !caught_all {
            self.pass_on(exn);
        }
        self.b.switch_to_block(body);
        self.push_frame(
            FrameKind::TryTable { dispatch },
            dest,
            params.len(),
            results.len(),
        );
        Ok(())
    }

    /// Hands exception `exn` to a clause of module tag `tag`: its payload as
    /// values of the tag's types.
    fn deliver_payload(
        &mut self,
        exn: Value,
        tag: u32,
        by_ref: bool,
    ) -> Result<Vec<Value>, CompileError> {
        let ty = self
            .env
            .info
            .func_type_at(self.env.info.tags[tag as usize])
            .clone();
        let (offsets, slots) = slot_offsets(ty.params());
        let buf = self.slot_buffer(slots);
        self.deliver(exn, buf, by_ref);
        let mut values = Vec::with_capacity(offsets.len());
        for (t, off) in ty.params().iter().zip(offsets) {
            let t = ir_type(*t)?;
            values.push(load_slot(&mut self.b, t, buf, off));
        }
        Ok(values)
    }

    fn deliver(&mut self, exn: Value, buf: Value, by_ref: bool) {
        let by_ref = self.b.ins().iconst(types::I32, i64::from(by_ref));
        self.env
            .builtin(&mut self.b, Builtin::ExnDeliver, &[exn, buf, by_ref]);
    }

    /// The address of a new stack buffer of `slots` raw slots.
    fn slot_buffer(&mut self, slots: usize) -> Value {
        let ss = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            slots.max(1) as u32 * 8,
            3,
        ));
        self.b.ins().stack_addr(self.env.ptr, ss, 0)
    }

    /// Passes exception `exn` (not null) on from here: to the innermost
    /// enclosing `try_table` of this function, or to the callers. Ends the
    /// current block.
    fn pass_on(&mut self, exn: Value) {
        if let Some(dispatch) = self.handler() {
            // The dispatch block reloads the fuel from the store.
            self.env.flush_fuel(&mut self.b);
            self.b.ins().jump(dispatch, &[BlockArg::Value(exn)]);
            return;
        }
        self.handles_exceptions = true;
        let fp = self.b.ins().get_frame_pointer(self.env.ptr);
        let status = self
            .env
            .builtin(&mut self.b, Builtin::Throw, &[exn, fp])
            .expect("returns a status");
        // The builtin only returns when no caller catches it: the status
        // ends the activation.
        let trap = self.env.dyn_trap_block(&mut self.b);
        self.b.ins().jump(trap, &[BlockArg::Value(status)]);
    }

    /// `throw $tag`.
    pub(super) fn throw(&mut self, tag: u32) -> Result<(), CompileError> {
        let ty = self
            .env
            .info
            .func_type_at(self.env.info.tags[tag as usize])
            .clone();
        let args = self.pop_args(ty.params().len());
        let (offsets, slots) = slot_offsets(ty.params());
        let buf = self.slot_buffer(slots);
        for (v, off) in args.into_iter().zip(offsets) {
            store_slot(&mut self.b, v, buf, off);
        }
        let tag_value = self.b.ins().iconst(types::I32, i64::from(tag));
        let exn = self
            .env
            .builtin(&mut self.b, Builtin::ExnNew, &[tag_value, buf])
            .expect("returns the exnref");
        self.pass_on(exn);
        self.reachable = false;
        Ok(())
    }

    /// `throw_ref`.
    pub(super) fn throw_ref(&mut self) {
        let exn = pop!(self);
        let is_null = self.b.ins().icmp_imm_s(IntCC::Equal, exn, 0);
        self.env
            .trap_if(&mut self.b, is_null, TrapCode::NullReference);
        self.pass_on(exn);
        self.reachable = false;
    }
}
