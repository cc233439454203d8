//! Wasm function body -> Petrel bytecode.
//!
//! The body was validated when the module was created, so the translator
//! trusts it. It keeps a virtual operand stack whose entries are a local
//! (`Local`), a temporary in its home slot (`Temp`), or a constant
//! (`Const`): `local.get` and constants emit nothing, operations read their
//! operands where they already are, and results land in the home slot of
//! the stack position they occupy. Stack position `i` has home slot
//! `num_locals + i`.
//!
//! Invariants the executor relies on:
//! - at a label, every value the label carries is in its home slot (branch
//!   copies put it there);
//! - a `Local` operand never lives across a block boundary (entering a
//!   block materialises them), so a `local.set` inside a nested block
//!   cannot change a value already pushed.

mod ops;
#[cfg(test)]
mod tests;

use super::bytecode::{Op, Slot};
use super::CompiledFunc;
use crate::error::CompileError;
use crate::module::ModuleInfo;
use alloc::vec::Vec;
use wasmparser::{BinaryReader, BlockType, FunctionBody};

/// Where a stack operand is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operand {
    Local(Slot),
    Temp,
    Const(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FrameKind {
    Func,
    Block,
    Loop,
    If,
    Else,
}

/// A control frame: a block, loop, if or the function body.
#[derive(Debug)]
struct Frame {
    kind: FrameKind,
    /// Operand stack height below the block's parameters.
    height: usize,
    params: usize,
    results: usize,
    /// For loops: the index of the first op of the body.
    head: usize,
    /// Forward branches to the end of this frame, to patch.
    patches: Vec<usize>,
    /// For `if`: the branch to the `else` arm (or the end), to patch.
    else_patch: Option<usize>,
}

impl Frame {
    fn label_arity(&self) -> usize {
        if self.kind == FrameKind::Loop {
            self.params
        } else {
            self.results
        }
    }
}

pub(crate) struct Translator<'a> {
    info: &'a ModuleInfo,
    ops: Vec<Op>,
    consts: Vec<u64>,
    num_locals: usize,
    stack: Vec<Operand>,
    max_height: usize,
    frames: Vec<Frame>,
    reachable: bool,
    /// Nesting depth of blocks being skipped as unreachable.
    skip_depth: usize,
    /// `(op index, stack index)` of the last op if it produced the operand
    /// at that stack position and nothing (no label) came after it.
    last_producer: Option<(usize, usize)>,
    /// Byte offset of the operator being translated, for errors.
    offset: usize,
}

/// The most slots one frame may have (slot indices are 16 bits).
const MAX_SLOTS: usize = u16::MAX as usize;

/// Translates defined function `def` of the module.
pub(crate) fn translate(
    info: &ModuleInfo,
    bytes: &[u8],
    def: u32,
) -> Result<CompiledFunc, CompileError> {
    let func_index = info.num_imported_funcs + def;
    let range = info.bodies[def as usize].range.clone();
    let body = FunctionBody::new(BinaryReader::new(&bytes[range.clone()], range.start as u64));
    let ty = info.func_type(func_index);
    let num_params = ty.params().len();
    let num_results = ty.results().len();

    let mut num_locals = num_params;
    for local in body.get_locals_reader()? {
        let (count, _ty) = local?;
        num_locals += count as usize;
    }
    let err =
        |msg: &str, offset: Option<usize>| Err(CompileError::new(msg, offset).in_func(func_index));
    if num_locals > MAX_SLOTS {
        return err("too many locals for the interpreter", Some(range.start));
    }

    let mut t = Translator {
        info,
        ops: Vec::new(),
        consts: Vec::new(),
        num_locals,
        stack: Vec::new(),
        max_height: 0,
        frames: Vec::new(),
        reachable: true,
        skip_depth: 0,
        last_producer: None,
        offset: range.start,
    };
    t.frames.push(Frame {
        kind: FrameKind::Func,
        height: 0,
        params: 0,
        results: num_results,
        head: 0,
        patches: Vec::new(),
        else_patch: None,
    });

    let mut reader = body.get_operators_reader()?;
    while !reader.eof() {
        t.offset = reader.original_position() as usize;
        let op = reader.read()?;
        t.translate_op(op).map_err(|e| e.in_func(func_index))?;
        if t.frames.is_empty() {
            break;
        }
    }
    let num_slots = (num_locals + t.max_height).max(num_results).max(1);
    if num_slots > MAX_SLOTS {
        return err(
            "function needs too many slots for the interpreter",
            Some(range.start),
        );
    }
    Ok(CompiledFunc {
        ops: t.ops.into_boxed_slice(),
        consts: t.consts.into_boxed_slice(),
        num_params: num_params as u16,
        num_locals: num_locals as u16,
        num_slots: num_slots as u16,
        func_index,
    })
}

impl<'a> Translator<'a> {
    fn error(&self, msg: &str) -> CompileError {
        CompileError::new(msg, Some(self.offset))
    }

    // ---- Slots and operands -------------------------------------------

    /// The home slot of stack position `i`.
    fn home(&self, i: usize) -> Slot {
        (self.num_locals + i) as Slot
    }

    fn push(&mut self, operand: Operand) -> Result<(), CompileError> {
        self.stack.push(operand);
        if self.stack.len() > self.max_height {
            self.max_height = self.stack.len();
            if self.num_locals + self.max_height > MAX_SLOTS {
                return Err(self.error("operand stack too deep for the interpreter"));
            }
        }
        Ok(())
    }

    fn pop(&mut self) -> Operand {
        // Validation guarantees the stack is deep enough in reachable code.
        self.stack.pop().unwrap_or(Operand::Temp)
    }

    fn emit(&mut self, op: Op) -> usize {
        self.ops.push(op);
        self.last_producer = None;
        self.ops.len() - 1
    }

    /// Emits an op producing the value at stack position `i` (its `dst` is
    /// `home(i)`), and pushes it as `Temp` there.
    fn emit_result(&mut self, op: Op) -> Result<(), CompileError> {
        let i = self.stack.len();
        let at = self.emit(op);
        self.push(Operand::Temp)?;
        self.last_producer = Some((at, i));
        Ok(())
    }

    /// The op that produced the top operand, if it is the last op emitted.
    fn top_producer(&self) -> Option<usize> {
        let (at, i) = self.last_producer?;
        (at + 1 == self.ops.len() && i + 1 == self.stack.len() && self.stack[i] == Operand::Temp)
            .then_some(at)
    }

    fn emit_const(&mut self, dst: Slot, value: u64) {
        let op = if value <= u32::MAX as u64 {
            Op::Const32 {
                dst,
                value: value as u32,
            }
        } else if value as i64 == (value as i32) as i64 {
            Op::Const64S {
                dst,
                value: value as i32,
            }
        } else {
            let index = match self.consts.iter().position(|c| *c == value) {
                Some(i) => i,
                None => {
                    self.consts.push(value);
                    self.consts.len() - 1
                }
            };
            Op::ConstPool {
                dst,
                index: index as u32,
            }
        };
        self.emit(op);
    }

    /// Makes the operand at stack position `i` readable from a slot and
    /// returns the slot: locals and temps already are; constants are
    /// written to their home.
    fn slot_of(&mut self, i: usize) -> Slot {
        match self.stack[i] {
            Operand::Local(slot) => slot,
            Operand::Temp => self.home(i),
            Operand::Const(value) => {
                let home = self.home(i);
                self.emit_const(home, value);
                self.stack[i] = Operand::Temp;
                home
            }
        }
    }

    /// Puts the operand at position `i` into its home slot.
    fn materialize(&mut self, i: usize) {
        match self.stack[i] {
            Operand::Temp => {}
            Operand::Local(src) => {
                let dst = self.home(i);
                self.emit(Op::Copy { dst, src });
                self.stack[i] = Operand::Temp;
            }
            Operand::Const(_) => {
                self.slot_of(i);
            }
        }
    }

    /// Puts the top `n` operands into their home slots.
    fn materialize_top(&mut self, n: usize) {
        let len = self.stack.len();
        for i in len - n..len {
            self.materialize(i);
        }
    }

    /// Before local `slot` is written: operands that still read it must
    /// take a copy of the old value.
    fn preserve_local(&mut self, slot: Slot) {
        for i in 0..self.stack.len() {
            if self.stack[i] == Operand::Local(slot) {
                self.materialize(i);
            }
        }
    }

    /// Whether any operand reads local `slot`.
    fn local_on_stack(&self, slot: Slot) -> bool {
        self.stack.contains(&Operand::Local(slot))
    }

    /// Pops the top operand and makes it readable from a slot.
    fn pop_slot(&mut self) -> Slot {
        let i = self.stack.len() - 1;
        let slot = self.slot_of(i);
        self.stack.pop();
        slot
    }

    // ---- Locals ----------------------------------------------------------

    fn local_set(&mut self, local: u32, tee: bool) -> Result<(), CompileError> {
        let local = local as Slot;
        let top = self.stack.len() - 1;
        match self.top_producer() {
            // Retarget the producing op onto the local, when nothing else
            // still reads the local's old value.
            Some(at) if !self.local_on_stack(local) => {
                if let Some(dst) = self.ops[at].dst_mut() {
                    *dst = local;
                }
                self.last_producer = None;
            }
            _ => {
                let value = self.stack[top];
                self.stack.pop();
                self.preserve_local(local);
                self.stack.push(value);
                match value {
                    Operand::Local(src) if src == local => {}
                    Operand::Local(src) => {
                        self.emit(Op::Copy { dst: local, src });
                    }
                    Operand::Temp => {
                        let src = self.home(top);
                        self.emit(Op::Copy { dst: local, src });
                    }
                    Operand::Const(v) => self.emit_const(local, v),
                }
            }
        }
        self.stack.pop();
        if tee {
            self.push(Operand::Local(local))?;
        }
        Ok(())
    }

    // ---- Control ---------------------------------------------------------

    fn block_arity(&self, ty: BlockType) -> (usize, usize) {
        match ty {
            BlockType::Empty => (0, 0),
            BlockType::Type(_) => (0, 1),
            BlockType::FuncType(i) => {
                let ty = &self.info.types[i as usize];
                (ty.params().len(), ty.results().len())
            }
        }
    }

    /// Common entry of `block`, `loop` and `if` (after `if`'s condition is
    /// popped).
    fn enter_block(&mut self, kind: FrameKind, ty: BlockType) -> Frame {
        let (params, results) = self.block_arity(ty);
        // Locals must not be read across the boundary, and parameters must
        // be in their homes, where branches to a loop put them.
        for i in 0..self.stack.len() {
            if matches!(self.stack[i], Operand::Local(_)) {
                self.materialize(i);
            }
        }
        self.materialize_top(params);
        self.last_producer = None;
        Frame {
            kind,
            height: self.stack.len() - params,
            params,
            results,
            head: self.ops.len(),
            patches: Vec::new(),
            else_patch: None,
        }
    }

    /// Sets the target of branch op `at` to op index `target`.
    fn patch(&mut self, at: usize, target: usize) {
        let offset = target as i32 - at as i32;
        ops::set_branch_offset(&mut self.ops[at], offset);
    }

    /// Copies the top `arity` operands into the homes of the label at
    /// height `height`.
    fn copy_to_label(&mut self, height: usize, arity: usize) {
        let len = self.stack.len();
        for k in 0..arity {
            let i = len - arity + k;
            let dst = self.home(height + k);
            match self.stack[i] {
                Operand::Temp if i == height + k => {}
                Operand::Temp => {
                    let src = self.home(i);
                    self.emit(Op::Copy { dst, src });
                }
                Operand::Local(src) => {
                    self.emit(Op::Copy { dst, src });
                }
                Operand::Const(v) => self.emit_const(dst, v),
            }
        }
    }

    /// Whether the top `arity` operands are already in the label's homes.
    fn in_place(&self, height: usize, arity: usize) -> bool {
        let len = self.stack.len();
        (0..arity).all(|k| {
            let i = len - arity + k;
            i == height + k && self.stack[i] == Operand::Temp
        })
    }

    /// Emits the return of the top `n` operands.
    fn emit_return(&mut self, n: usize) {
        match n {
            0 => {
                self.emit(Op::Return);
            }
            1 => {
                let src = self.slot_of(self.stack.len() - 1);
                self.emit(Op::Return1 { src });
            }
            _ => {
                self.materialize_top(n);
                let start = self.home(self.stack.len() - n);
                self.emit(Op::ReturnN {
                    start,
                    count: n as u32,
                });
            }
        }
    }

    /// Emits an unconditional branch to the label `depth` frames out,
    /// copying its values first.
    fn emit_br(&mut self, depth: u32) {
        let fi = self.frames.len() - 1 - depth as usize;
        let (kind, height, arity, head) = {
            let f = &self.frames[fi];
            (f.kind, f.height, f.label_arity(), f.head)
        };
        if kind == FrameKind::Func {
            self.emit_return(arity);
            return;
        }
        self.copy_to_label(height, arity);
        let at = self.emit(Op::Br { offset: 0 });
        self.link_branch(fi, at, kind, head);
    }

    /// Points branch op `at` at frame `fi`'s label: backwards to a loop's
    /// head now, or forwards to the end when it is known.
    fn link_branch(&mut self, fi: usize, at: usize, kind: FrameKind, head: usize) {
        if kind == FrameKind::Loop {
            self.patch(at, head);
        } else {
            self.frames[fi].patches.push(at);
        }
    }

    /// Emits a branch taken when `cond` holds, fusing it with the
    /// comparison that produced the condition when it can. With `negate`,
    /// the branch is taken when the condition does not hold. Returns the
    /// branch op's index.
    fn emit_cond_branch(&mut self, negate: bool) -> usize {
        if let Some(at) = self.top_producer() {
            if let Some(fused) = ops::fuse_compare_branch(&self.ops[at], negate) {
                self.ops[at] = fused;
                self.stack.pop();
                self.last_producer = None;
                return at;
            }
        }
        let cond = self.pop_slot();
        if negate {
            self.emit(Op::BrIfEqz { cond, offset: 0 })
        } else {
            self.emit(Op::BrIfNez { cond, offset: 0 })
        }
    }

    fn br_if(&mut self, depth: u32) {
        let fi = self.frames.len() - 1 - depth as usize;
        let (kind, height, arity, head) = {
            let f = &self.frames[fi];
            (f.kind, f.height, f.label_arity(), f.head)
        };
        // The condition is on top of the label's values.
        let values_in_place = {
            let len = self.stack.len() - 1;
            (0..arity).all(|k| {
                let i = len - arity + k;
                i == height + k && self.stack[i] == Operand::Temp
            })
        };
        if kind != FrameKind::Func && values_in_place {
            let at = self.emit_cond_branch(false);
            self.link_branch(fi, at, kind, head);
        } else {
            // The branch path must not change how the fallthrough path sees
            // the stack, so constants are materialised before it.
            let cond = self.stack.len() - 1;
            for i in cond - arity..cond {
                if matches!(self.stack[i], Operand::Const(_)) {
                    self.materialize(i);
                }
            }
            // Skip over the copies and the branch when the condition fails.
            let skip = self.emit_cond_branch(true);
            self.emit_br(depth);
            let here = self.ops.len();
            self.patch(skip, here);
        }
    }

    fn br_table(&mut self, targets: &wasmparser::BrTable<'_>) -> Result<(), CompileError> {
        let index = self.pop_slot();
        let mut depths = Vec::with_capacity(targets.len() as usize + 1);
        for t in targets.targets() {
            depths.push(t?);
        }
        depths.push(targets.default());
        let len = depths.len() as u32 - 1;
        // Every target takes the same values; put constants in their homes
        // once, before the table, so each stub sees the same stack.
        let arity = self.frames[self.frames.len() - 1 - targets.default() as usize].label_arity();
        let top = self.stack.len();
        for i in top - arity..top {
            if matches!(self.stack[i], Operand::Const(_)) {
                self.materialize(i);
            }
        }
        self.emit(Op::BrTable { index, len });
        let first = self.ops.len();
        for _ in 0..depths.len() {
            self.emit(Op::Br { offset: 0 });
        }
        // Entries whose label needs no copies branch straight to it; the
        // others go to a stub that copies, then branches.
        for (k, depth) in depths.iter().enumerate() {
            let fi = self.frames.len() - 1 - *depth as usize;
            let (kind, height, arity, head) = {
                let f = &self.frames[fi];
                (f.kind, f.height, f.label_arity(), f.head)
            };
            if kind != FrameKind::Func && self.in_place(height, arity) {
                self.link_branch(fi, first + k, kind, head);
            } else {
                let stub = self.ops.len();
                self.patch(first + k, stub);
                self.emit_br(*depth);
            }
        }
        self.reachable = false;
        Ok(())
    }

    fn end(&mut self) -> Result<(), CompileError> {
        let Some(frame) = self.frames.pop() else {
            return Err(self.error("unbalanced `end`"));
        };
        let fallthrough = self.reachable;
        if frame.kind == FrameKind::Func {
            if fallthrough {
                self.emit_return(frame.results);
            }
            return Ok(());
        }
        if fallthrough {
            self.materialize_top(frame.results);
        }
        let end = self.ops.len();
        let mut reachable = fallthrough;
        for at in &frame.patches {
            reachable = true;
            let offset = end as i32 - *at as i32;
            ops::set_branch_offset(&mut self.ops[*at], offset);
        }
        if let Some(at) = frame.else_patch {
            // `if` without `else`: the false path reaches the end, with its
            // parameters (already in their homes) as results.
            reachable = true;
            self.patch(at, end);
        }
        self.last_producer = None;
        self.stack.truncate(frame.height);
        for _ in 0..frame.results {
            self.push(Operand::Temp)?;
        }
        self.reachable = reachable;
        Ok(())
    }

    fn else_(&mut self) -> Result<(), CompileError> {
        let Some(mut frame) = self.frames.pop() else {
            return Err(self.error("`else` outside `if`"));
        };
        if self.reachable {
            self.materialize_top(frame.results);
            let at = self.emit(Op::Br { offset: 0 });
            frame.patches.push(at);
        }
        if let Some(at) = frame.else_patch.take() {
            let here = self.ops.len();
            self.patch(at, here);
        }
        self.last_producer = None;
        self.stack.truncate(frame.height);
        for _ in 0..frame.params {
            self.push(Operand::Temp)?;
        }
        frame.kind = FrameKind::Else;
        self.frames.push(frame);
        self.reachable = true;
        Ok(())
    }

    fn if_(&mut self, ty: BlockType) -> Result<(), CompileError> {
        // Everything `enter_block` would materialise must be done before
        // the branch, so both arms see it.
        let (params, _) = self.block_arity(ty);
        let cond = self.stack.len() - 1;
        for i in 0..cond {
            if matches!(self.stack[i], Operand::Local(_)) || (i >= cond - params) {
                self.materialize(i);
            }
        }
        let at = self.emit_cond_branch(true);
        let mut frame = self.enter_block(FrameKind::If, ty);
        frame.else_patch = Some(at);
        self.frames.push(frame);
        Ok(())
    }

    /// Skips an operator in unreachable code; returns whether it was
    /// consumed.
    fn skip_unreachable(&mut self, op: &wasmparser::Operator<'_>) -> Result<bool, CompileError> {
        use wasmparser::Operator as O;
        if self.reachable {
            return Ok(false);
        }
        match op {
            O::Block { .. } | O::Loop { .. } | O::If { .. } => {
                self.skip_depth += 1;
                Ok(true)
            }
            O::End if self.skip_depth > 0 => {
                self.skip_depth -= 1;
                Ok(true)
            }
            O::Else if self.skip_depth > 0 => Ok(true),
            O::End | O::Else => Ok(false),
            _ => Ok(true),
        }
    }
}
