//! On-stack replacement (`Tier::Auto`): a function's *twin*, compiled on
//! demand for an interpreter frame running one of its loops, starts at
//! that loop's header with the frame's locals instead of at the top.
//!
//! The twin's signature is `(vmctx, caller_vmctx, locals: i64, loop: i32)
//! -> results`: `locals` points at the interpreter frame's slots (the
//! layout of `interp` frames: each local in one 64-bit slot, a `v128` in
//! two, low half first; the same encoding as raw API values), `loop` is
//! the ordinal of the loop (its place among the body's `loop` operators).
//! The entry block reads every local, then a `br_table` on `loop` jumps
//! to an edge into that loop's header. The body is translated as usual
//! from an unreachable start block (Cranelift drops what only it
//! reaches), so the loop, everything after it and every branch out of it
//! are the function's own code; the twin returns the function's results.
//!
//! Only a loop the interpreter can leave with nothing but locals gets an
//! entry: reachable, no parameters, an empty operand stack under it. Its
//! header's fuel charge and epoch check run on the edge as on a back
//! edge, so fuel is charged as the interpreter would have; the entry
//! segment's charge is in the unreachable start block, already paid by
//! the interpreter. Bounds facts proven before the loop (`checked`) do not
//! hold on the new edge and are dropped there. Calls to the module's
//! functions go through the instance's function table (the twin lives in
//! an image of its own), and nothing is inlined into a twin.

use super::{ir_type, Translator};
use crate::error::{CompileError, TrapCode};
use crate::jit::compile::abi::clif_trap;
use crate::types::ValType;
use alloc::vec::Vec;
use cranelift_codegen::ir::{Block, InstBuilder, JumpTableData, MemFlagsData, Value};

/// A twin being translated: an edge block per `loop` operator of the
/// body, and the ordinals of the loops that got an entry.
pub(super) struct Osr {
    edges: Vec<Block>,
    pub entered: Vec<u32>,
}

/// How many `loop` operators `body` has.
pub(super) fn count_loops(body: &wasmparser::FunctionBody<'_>) -> Result<usize, CompileError> {
    let mut reader = body.get_operators_reader()?;
    let mut n = 0;
    while !reader.eof() {
        if let wasmparser::Operator::Loop { .. } = reader.read()? {
            n += 1;
        }
    }
    Ok(n)
}

impl Translator<'_, '_> {
    /// Declares the locals (of `types`, parameters first) with their
    /// values read from the interpreter frame at `slots`.
    pub(super) fn osr_locals(
        &mut self,
        slots: Value,
        types: &[ValType],
    ) -> Result<(), CompileError> {
        // The frame's slots, read once here, before anything runs.
        let flags = MemFlagsData::trusted();
        let mut offset = 0i32;
        for t in types {
            let ty = ir_type(*t)?;
            let var = self.b.declare_var(ty);
            let v = self.b.ins().load(ty, flags, slots, offset);
            self.b.def_var(var, v);
            self.locals.push(var);
            offset += if *t == ValType::V128 { 16 } else { 8 };
        }
        Ok(())
    }

    /// Ends the entry block with the jump to loop `which`'s edge (a trap
    /// for an ordinal out of range), and starts the unreachable block the
    /// body is translated from.
    pub(super) fn osr_dispatch(&mut self, which: Value, loops: usize) {
        let edges: Vec<Block> = (0..loops).map(|_| self.b.create_block()).collect();
        let bad = self.b.create_block();
        let bad_call = self.b.func.dfg.block_call(bad, &[]);
        let calls: Vec<_> = edges
            .iter()
            .map(|&e| self.b.func.dfg.block_call(e, &[]))
            .collect();
        let jt = self
            .b
            .create_jump_table(JumpTableData::new(bad_call, &calls));
        self.b.ins().br_table(which, jt);
        for &e in edges.iter().chain([&bad]) {
            self.b.seal_block(e);
        }
        self.b.switch_to_block(bad);
        self.osr_trap();
        let start = self.b.create_block();
        self.b.seal_block(start);
        self.b.switch_to_block(start);
        self.osr = Some(Osr {
            edges,
            entered: Vec::new(),
        });
    }

    /// At loop `ordinal`, whose `header` was just created (the block that
    /// jumped to it is filled): its edge, if it qualifies.
    pub(super) fn osr_loop(&mut self, ordinal: u32, header: Block, params: usize) {
        let Some(osr) = &mut self.osr else {
            return;
        };
        if params != 0 || !self.stack.is_empty() {
            return;
        }
        let Some(&edge) = osr.edges.get(ordinal as usize) else {
            return;
        };
        osr.entered.push(ordinal);
        self.b.switch_to_block(edge);
        self.b.ins().jump(header, &[]);
        // The header gains a predecessor no check before the loop
        // dominates.
        self.checked.clear();
    }

    /// Fills the edges of loops that got no entry (the interpreter never
    /// asks for them) with a trap.
    pub(super) fn osr_finish(&mut self) {
        let Some(osr) = &self.osr else {
            return;
        };
        let unused: Vec<Block> = osr
            .edges
            .iter()
            .enumerate()
            .filter(|(i, _)| !osr.entered.contains(&(*i as u32)))
            .map(|(_, &e)| e)
            .collect();
        for e in unused {
            self.b.switch_to_block(e);
            self.osr_trap();
        }
    }

    fn osr_trap(&mut self) {
        if self.env.signals {
            self.b.ins().trap(clif_trap(TrapCode::Unreachable));
        } else {
            let trap = self.env.trap_block(&mut self.b, TrapCode::Unreachable);
            self.b.ins().jump(trap, &[]);
        }
    }
}
