//! Wasm function body -> Petrel bytecode.
//!
//! The body was validated when the module was created, so the translator
//! trusts it. It keeps a virtual operand stack whose entries are a local
//! (`Local`), a temporary in its home slot (`Temp`), or a constant
//! (`Const`): `local.get` and constants emit nothing, operations read their
//! operands where they already are, and results land in the home slot of
//! the stack position they occupy.
//!
//! Slots are 64 bits; a `v128` takes two consecutive ones, low half first.
//! So every entry records its home: the first slot above the entries below
//! it, starting at `num_locals` (in scalar code, stack position `i` is at
//! `num_locals + i`). Locals are numbered the same way, so a function's
//! parameters are consecutive slots and calls pass arguments in place. A
//! label's homes are laid out from its types on top of the stack below the
//! block.
//!
//! Invariants the executor relies on:
//! - at a label, every value the label carries is in its home slot (branch
//!   copies put it there);
//! - a `Local` operand never lives across a block boundary (entering a
//!   block materialises them), so a `local.set` inside a nested block
//!   cannot change a value already pushed.

mod atomic;
mod ops;
mod simd;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_simd;

use super::bytecode::{Op, Slot};
use super::{CompiledFunc, Handler};
use crate::config::CodeSettings;
use crate::error::CompileError;
use crate::module::ModuleInfo;
use crate::semantics::fuel;
use crate::types::{FuncType, HeapType, RefType, ValType};
use alloc::boxed::Box;
use alloc::vec::Vec;
use wasmparser::{BinaryReader, BlockType, FunctionBody};

/// Where a stack operand is. A `v128` is never `Const`: its constant is
/// written to its home when pushed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operand {
    Local(Slot),
    Temp,
    Const(u64),
}

/// An operand stack entry: where the value is, its home slot, and whether
/// it is a two-slot `v128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    operand: Operand,
    home: Slot,
    wide: bool,
}

/// The types of a block's parameters and results.
#[derive(Debug, Clone, Copy)]
enum BlockSig<'a> {
    Empty,
    /// One result; whether it is a `v128`.
    Result(bool),
    Func(&'a FuncType),
}

impl BlockSig<'_> {
    fn params(&self) -> usize {
        match self {
            BlockSig::Func(ty) => ty.params().len(),
            _ => 0,
        }
    }

    fn results(&self) -> usize {
        match self {
            BlockSig::Empty => 0,
            BlockSig::Result(_) => 1,
            BlockSig::Func(ty) => ty.results().len(),
        }
    }

    /// Whether parameter (or, with `results`, result) `k` is a `v128`.
    fn wide(&self, results: bool, k: usize) -> bool {
        match self {
            BlockSig::Empty => false,
            BlockSig::Result(wide) => *wide,
            BlockSig::Func(ty) => {
                let types = if results { ty.results() } else { ty.params() };
                types[k] == ValType::V128
            }
        }
    }
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
struct Frame<'a> {
    kind: FrameKind,
    /// Operand stack height below the block's parameters.
    height: usize,
    /// The first slot above the entries below `height`: where the label's
    /// values start.
    base: Slot,
    sig: BlockSig<'a>,
    params: usize,
    results: usize,
    /// For loops: the index of the first op of the body.
    head: usize,
    /// Forward branches to the end of this frame, to patch.
    patches: Vec<usize>,
    /// For `if`: the branch to the `else` arm (or the end), to patch.
    else_patch: Option<usize>,
    /// For `try_table`: its catch clauses.
    catches: Vec<wasmparser::Catch>,
}

impl Frame<'_> {
    fn label_arity(&self) -> usize {
        if self.kind == FrameKind::Loop {
            self.params
        } else {
            self.results
        }
    }

    /// Whether the label's value `k` is a `v128`.
    fn label_wide(&self, k: usize) -> bool {
        self.sig.wide(self.kind != FrameKind::Loop, k)
    }

    /// The home slot of the label's value `k`.
    fn label_home(&self, k: usize) -> Slot {
        let mut home = self.base;
        for j in 0..k {
            home += 1 + self.label_wide(j) as Slot;
        }
        home
    }
}

pub(crate) struct Translator<'a> {
    info: &'a ModuleInfo,
    ops: Vec<Op>,
    /// The constant pool: `v128` constants and shuffle masks as two
    /// entries (low half first).
    consts: Vec<u64>,
    /// Slots of parameters and declared locals.
    num_locals: usize,
    /// Slot and width of each local, when some local is a `v128`; else
    /// local `i` is slot `i`.
    locals: Option<Box<[(Slot, bool)]>>,
    stack: Vec<Entry>,
    /// The most slots above `num_locals` the operand stack has used.
    max_height: usize,
    frames: Vec<Frame<'a>>,
    reachable: bool,
    /// Nesting depth of blocks being skipped as unreachable.
    skip_depth: usize,
    /// `(op index, stack index)` of the last op if it produced the operand
    /// at that stack position and nothing (no label) came after it.
    last_producer: Option<(usize, usize)>,
    /// Byte offset of the operator being translated, for errors.
    offset: usize,
    /// The catch clauses of the `try_table`s ended so far.
    handlers: Vec<Handler>,
    /// Whether float results are canonicalized (`Config::nan_canonicalization`).
    canonical_nans: bool,
    /// Whether loops get `OsrPoint`s (`Tier::Auto`).
    osr: bool,
    /// The ordinal of the `loop` operator being translated (its place
    /// among the body's `loop`s, as the JIT's twin numbers them).
    loop_ordinal: u32,
}

/// The most slots one frame may have (slot indices are 16 bits).
const MAX_SLOTS: usize = u16::MAX as usize;

/// Translates defined function `def` of the module.
pub(crate) fn translate(
    info: &ModuleInfo,
    bytes: &[u8],
    def: u32,
    checks: CodeSettings,
) -> Result<CompiledFunc, CompileError> {
    let func_index = info.num_imported_funcs + def;
    let range = info.bodies[def as usize].range.clone();
    let body = FunctionBody::new(BinaryReader::new(&bytes[range.clone()], range.start as u64));
    let ty = info.func_type(func_index);
    let num_params = ty.params().iter().map(|t| t.slots()).sum::<usize>();
    let num_results = ty.results().iter().map(|t| t.slots()).sum::<usize>();
    let err =
        |msg: &str, offset: Option<usize>| Err(CompileError::new(msg, offset).in_func(func_index));

    // Scalar functions (the common case) number locals by index; a `v128`
    // anywhere means a table of slots.
    let mut num_locals = num_params;
    let mut runs = Vec::new();
    let mut any_wide = ty.params().contains(&ValType::V128);
    for local in body.get_locals_reader()? {
        let (count, ty) = local?;
        let wide = ty == wasmparser::ValType::V128;
        any_wide |= wide;
        num_locals += count as usize * (1 + wide as usize);
        if num_locals > MAX_SLOTS {
            return err("too many locals for the interpreter", Some(range.start));
        }
        runs.push((count, wide));
    }
    let locals = any_wide.then(|| {
        let mut slots = Vec::new();
        let mut next: Slot = 0;
        let params = ty.params().iter().map(|t| (1, *t == ValType::V128));
        for (count, wide) in params.chain(runs.iter().copied()) {
            for _ in 0..count {
                slots.push((next, wide));
                next += 1 + wide as Slot;
            }
        }
        slots.into_boxed_slice()
    });

    let mut t = Translator {
        info,
        ops: Vec::new(),
        consts: Vec::new(),
        num_locals,
        locals,
        stack: Vec::new(),
        max_height: 0,
        frames: Vec::new(),
        reachable: true,
        skip_depth: 0,
        last_producer: None,
        offset: range.start,
        handlers: Vec::new(),
        canonical_nans: checks.canonical_nans,
        osr: checks.tier_up,
        loop_ordinal: 0,
    };
    t.frames.push(Frame {
        kind: FrameKind::Func,
        height: 0,
        base: num_locals as Slot,
        sig: BlockSig::Func(ty),
        params: 0,
        results: ty.results().len(),
        head: 0,
        patches: Vec::new(),
        else_patch: None,
        catches: Vec::new(),
    });

    // Fuel and epoch checks at the entry, fuel charges at each segment
    // (`semantics::fuel`), so both tiers charge alike.
    let fuel_costs = match checks.fuel {
        true => Some(fuel::segment_costs(&body)?),
        false => None,
    };
    let mut segment = 0;
    t.enter_segment(checks, fuel_costs.as_deref(), segment, true);
    let mut reader = body.get_operators_reader()?;
    let mut loops = 0;
    while !reader.eof() {
        t.offset = reader.original_position() as usize;
        let op = reader.read()?;
        let ends_segment = fuel::ends_segment(&op);
        let is_loop = matches!(op, wasmparser::Operator::Loop { .. });
        if is_loop {
            t.loop_ordinal = loops;
            loops += 1;
        }
        let canonicalize = match t.canonical_nans && t.reachable {
            true => ops::canonicalizer(&op),
            false => None,
        };
        t.translate_op(op).map_err(|e| e.in_func(func_index))?;
        if let Some(make) = canonicalize {
            t.canonicalize_top(make);
        }
        if t.frames.is_empty() {
            break;
        }
        if ends_segment {
            segment += 1;
            if t.reachable {
                t.enter_segment(checks, fuel_costs.as_deref(), segment, is_loop);
            }
        }
    }
    let num_slots = (num_locals + t.max_height).max(num_results).max(1);
    if num_slots > MAX_SLOTS {
        return err(
            "function needs too many slots for the interpreter",
            Some(range.start),
        );
    }
    ops::fuse_in_place(&mut t.ops);
    Ok(CompiledFunc {
        ops: t.ops.into_boxed_slice(),
        consts: t.consts.into_boxed_slice(),
        num_params: num_params as u16,
        num_locals: num_locals as u16,
        num_slots: num_slots as u16,
        func_index,
        handlers: t.handlers.into_boxed_slice(),
    })
}

impl<'a> Translator<'a> {
    fn error(&self, msg: &str) -> CompileError {
        CompileError::new(msg, Some(self.offset))
    }

    /// Emits what execution runs as it enters segment `segment`: its fuel
    /// charge (of `costs[segment]`), and at a function entry or loop
    /// header (`check`) the fuel and epoch checks.
    fn enter_segment(
        &mut self,
        checks: CodeSettings,
        costs: Option<&[u64]>,
        segment: usize,
        check: bool,
    ) {
        if let Some(costs) = costs {
            // A segment is part of one function body: its cost fits.
            let amount = costs.get(segment).copied().unwrap_or(0) as u32;
            if check {
                self.emit(Op::ConsumeFuelCheck { amount });
            } else if amount > 0 {
                self.emit(Op::ConsumeFuel { amount });
            }
        }
        if checks.epoch && check {
            self.emit(Op::CheckEpoch);
        }
    }

    // ---- Slots and operands -------------------------------------------

    /// The home slot of stack position `i` (`i` may be the next free one).
    fn home(&self, i: usize) -> Slot {
        match self.stack.get(i) {
            Some(e) => e.home,
            None => match self.stack.last() {
                Some(top) => top.home + 1 + top.wide as Slot,
                None => self.num_locals as Slot,
            },
        }
    }

    /// Whether the operand at stack position `i` is a `v128`.
    fn wide(&self, i: usize) -> bool {
        self.stack[i].wide
    }

    /// Pushes a one-slot operand.
    fn push(&mut self, operand: Operand) -> Result<(), CompileError> {
        self.push_entry(operand, false)
    }

    /// Pushes a value of type `ty` that is in its home slot.
    fn push_temp(&mut self, ty: ValType) -> Result<(), CompileError> {
        self.push_entry(Operand::Temp, ty == ValType::V128)
    }

    fn push_entry(&mut self, operand: Operand, wide: bool) -> Result<(), CompileError> {
        let home = self.home(self.stack.len());
        self.stack.push(Entry {
            operand,
            home,
            wide,
        });
        let height = home as usize + 1 + wide as usize - self.num_locals;
        if height > self.max_height {
            self.max_height = height;
            if self.num_locals + self.max_height > MAX_SLOTS {
                return Err(self.error("operand stack too deep for the interpreter"));
            }
        }
        Ok(())
    }

    fn pop(&mut self) -> Operand {
        // Validation guarantees the stack is deep enough in reachable code.
        self.stack.pop().map_or(Operand::Temp, |e| e.operand)
    }

    /// The slot and width of local `index`.
    fn local(&self, index: u32) -> (Slot, bool) {
        match &self.locals {
            None => (index as Slot, false),
            Some(locals) => locals[index as usize],
        }
    }

    /// Copies a value of one slot, or two with `wide`.
    fn emit_copy(&mut self, dst: Slot, src: Slot, wide: bool) {
        if wide {
            self.emit(Op::Copy2 { dst, src });
        } else {
            self.emit(Op::Copy { dst, src });
        }
    }

    fn emit(&mut self, op: Op) -> usize {
        self.ops.push(op);
        self.last_producer = None;
        self.ops.len() - 1
    }

    /// Emits an op producing the value at stack position `i` (its `dst` is
    /// `home(i)`), and pushes it as `Temp` there.
    fn emit_result(&mut self, op: Op) -> Result<(), CompileError> {
        self.emit_result_of(op, false)
    }

    /// [`Self::emit_result`] for a `v128` result (`wide`) or not.
    fn emit_result_of(&mut self, op: Op, wide: bool) -> Result<(), CompileError> {
        let i = self.stack.len();
        let at = self.emit(op);
        self.push_entry(Operand::Temp, wide)?;
        self.last_producer = Some((at, i));
        Ok(())
    }

    /// The op that produced the top operand, if it is the last op emitted.
    fn top_producer(&self) -> Option<usize> {
        self.producer_at(self.stack.len().checked_sub(1)?)
    }

    /// The op that produced the operand at stack position `i`, if it is
    /// the last op emitted (the operands above it, if any, emitted none:
    /// constants and locals).
    fn producer_at(&self, i: usize) -> Option<usize> {
        let (at, j) = self.last_producer?;
        (at + 1 == self.ops.len() && j == i && self.stack.get(i)?.operand == Operand::Temp)
            .then_some(at)
    }

    /// Folds the `i32.add` that computed the address at stack position
    /// `i` into memory access `op`, if that add is the last op emitted:
    /// the add is dropped and the fused access returned (see
    /// `ops::fuse_address`). Only for memory 0 without a prefix.
    fn fold_address(&mut self, i: usize, op: Op) -> Op {
        let Some(at) = self.producer_at(i) else {
            return op;
        };
        let Op::I32Add { a, b, .. } = self.ops[at] else {
            return op;
        };
        match ops::fuse_address(&op, a, b) {
            Some(fused) => {
                self.ops.pop();
                self.last_producer = None;
                fused
            }
            None => op,
        }
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
            Op::Const64 {
                dst,
                lo: value as u32,
                hi: (value >> 32) as u32,
            }
        };
        self.emit(op);
    }

    /// The pool index of 128-bit `value` (two entries, low half first).
    fn pool128(&mut self, value: u128) -> u32 {
        let (lo, hi) = (value as u64, (value >> 64) as u64);
        match self
            .consts
            .windows(2)
            .position(|w| w[0] == lo && w[1] == hi)
        {
            Some(i) => i as u32,
            None => {
                self.consts.push(lo);
                self.consts.push(hi);
                self.consts.len() as u32 - 2
            }
        }
    }

    /// Makes the operand at stack position `i` readable from a slot and
    /// returns the slot: locals and temps already are; constants are
    /// written to their home.
    fn slot_of(&mut self, i: usize) -> Slot {
        match self.stack[i].operand {
            Operand::Local(slot) => slot,
            Operand::Temp => self.home(i),
            Operand::Const(value) => {
                let home = self.home(i);
                self.emit_const(home, value);
                self.stack[i].operand = Operand::Temp;
                home
            }
        }
    }

    /// Puts the operand at position `i` into its home slot.
    fn materialize(&mut self, i: usize) {
        match self.stack[i].operand {
            Operand::Temp => {}
            Operand::Local(src) => {
                let dst = self.home(i);
                self.emit_copy(dst, src, self.wide(i));
                self.stack[i].operand = Operand::Temp;
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
            if self.stack[i].operand == Operand::Local(slot) {
                self.materialize(i);
            }
        }
    }

    /// Whether the op at `at` follows an `OnMemory` prefix (which applies
    /// to it, so nothing may go between them).
    fn prefixed(&self, at: usize) -> bool {
        matches!(
            at.checked_sub(1).map(|p| &self.ops[p]),
            Some(Op::OnMemory { .. })
        )
    }

    /// Whether any operand reads local `slot`. (A `v128` local is named
    /// by its first slot; no other local starts at its second.)
    fn local_on_stack(&self, slot: Slot) -> bool {
        self.stack.iter().any(|e| e.operand == Operand::Local(slot))
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
        let (local, wide) = self.local(local);
        let top = self.stack.len() - 1;
        let on_stack = self.local_on_stack(local);
        match self.top_producer() {
            // Retarget the producing op onto the local. Operands that
            // still read the local's old value take their copies first,
            // before the producing op (which reads its inputs from slots
            // those copies do not write: theirs are homes below the
            // result's): one copy fewer than copying the result over, in
            // `x = x + 1` with the old `x` still on the stack (`*p++`).
            // Not after an `OnMemory` prefix, which must stay right before
            // its op.
            Some(mut at) if !on_stack || !self.prefixed(at) => {
                if on_stack {
                    let producer = self.ops[at];
                    self.ops.truncate(at);
                    let value = self.stack[top];
                    self.stack.pop();
                    self.preserve_local(local);
                    self.stack.push(value);
                    at = self.emit(producer);
                }
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
                match value.operand {
                    Operand::Local(src) if src == local => {}
                    Operand::Local(src) => self.emit_copy(local, src, wide),
                    Operand::Temp => self.emit_copy(local, value.home, wide),
                    Operand::Const(v) => self.emit_const(local, v),
                }
            }
        }
        self.stack.pop();
        if tee {
            self.push_entry(Operand::Local(local), wide)?;
        }
        Ok(())
    }

    // ---- Control ---------------------------------------------------------

    fn block_sig(&self, ty: BlockType) -> BlockSig<'a> {
        match ty {
            BlockType::Empty => BlockSig::Empty,
            BlockType::Type(t) => BlockSig::Result(t == wasmparser::ValType::V128),
            BlockType::FuncType(i) => BlockSig::Func(self.info.func_type_at(i)),
        }
    }

    /// Common entry of `block`, `loop` and `if` (after `if`'s condition is
    /// popped).
    fn enter_block(&mut self, kind: FrameKind, ty: BlockType) -> Frame<'a> {
        let sig = self.block_sig(ty);
        let (params, results) = (sig.params(), sig.results());
        // Locals must not be read across the boundary, and parameters must
        // be in their homes, where branches to a loop put them.
        for i in 0..self.stack.len() {
            if matches!(self.stack[i].operand, Operand::Local(_)) {
                self.materialize(i);
            }
        }
        self.materialize_top(params);
        self.last_producer = None;
        let height = self.stack.len() - params;
        Frame {
            kind,
            height,
            base: self.home(height),
            sig,
            params,
            results,
            head: self.ops.len(),
            patches: Vec::new(),
            else_patch: None,
            catches: Vec::new(),
        }
    }

    /// Sets the target of branch op `at` to op index `target`.
    fn patch(&mut self, at: usize, target: usize) {
        let offset = target as i32 - at as i32;
        ops::set_branch_offset(&mut self.ops[at], offset);
    }

    /// Copies the top `arity` operands into the homes of frame `fi`'s
    /// label. Sources are never below their destinations (locals aside), so
    /// copying in order never overwrites a value still to be copied.
    fn copy_to_label(&mut self, fi: usize, arity: usize) {
        let len = self.stack.len();
        for k in 0..arity {
            let i = len - arity + k;
            let dst = self.frames[fi].label_home(k);
            let e = self.stack[i];
            match e.operand {
                Operand::Temp if e.home == dst => {}
                Operand::Temp => self.emit_copy(dst, e.home, e.wide),
                Operand::Local(src) => self.emit_copy(dst, src, e.wide),
                Operand::Const(v) => self.emit_const(dst, v),
            }
        }
    }

    /// Whether the `arity` operands below the top `skip` ones are already
    /// in frame `fi`'s label homes.
    fn in_place(&self, fi: usize, arity: usize, skip: usize) -> bool {
        let len = self.stack.len() - skip;
        (0..arity).all(|k| {
            let e = &self.stack[len - arity + k];
            e.operand == Operand::Temp && e.home == self.frames[fi].label_home(k)
        })
    }

    /// Emits the return of the top `n` operands.
    fn emit_return(&mut self, n: usize) {
        let top = self.stack.len().wrapping_sub(1);
        match n {
            0 => {
                self.emit(Op::Return);
            }
            1 if !self.wide(top) => {
                let src = self.slot_of(top);
                self.emit(Op::Return1 { src });
            }
            1 => {
                let start = self.slot_of(top);
                self.emit(Op::ReturnN { start, count: 2 });
            }
            _ => {
                self.materialize_top(n);
                let start = self.home(self.stack.len() - n);
                let end = self.home(self.stack.len());
                self.emit(Op::ReturnN {
                    start,
                    count: (end - start) as u32,
                });
            }
        }
    }

    /// Emits an unconditional branch to the label `depth` frames out,
    /// copying its values first.
    fn emit_br(&mut self, depth: u32) {
        let fi = self.frames.len() - 1 - depth as usize;
        let (kind, arity, head) = {
            let f = &self.frames[fi];
            (f.kind, f.label_arity(), f.head)
        };
        if kind == FrameKind::Func {
            self.emit_return(arity);
            return;
        }
        self.copy_to_label(fi, arity);
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
        let (kind, arity, head) = {
            let f = &self.frames[fi];
            (f.kind, f.label_arity(), f.head)
        };
        // The condition is on top of the label's values.
        if kind != FrameKind::Func && self.in_place(fi, arity, 1) {
            let at = self.emit_cond_branch(false);
            self.link_branch(fi, at, kind, head);
        } else {
            // The branch path must not change how the fallthrough path sees
            // the stack, so constants are materialised before it.
            let cond = self.stack.len() - 1;
            for i in cond - arity..cond {
                if matches!(self.stack[i].operand, Operand::Const(_)) {
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

    /// `br_on_null $l`: branches with the values under the reference on
    /// top when it is null; otherwise leaves it there.
    fn br_on_null(&mut self, depth: u32) {
        let top = self.stack.len() - 1;
        // The reference needs a slot to be tested in, and the branch path
        // must not change how the fallthrough path sees the stack.
        let arity = self.frames[self.frames.len() - 1 - depth as usize].label_arity();
        for i in top - arity..=top {
            if matches!(self.stack[i].operand, Operand::Const(_)) {
                self.materialize(i);
            }
        }
        let a = self.slot_of(top);
        let Some(reference) = self.stack.pop() else {
            return;
        };
        let skip = self.emit(Op::BrI64Nez { a, offset: 0 });
        self.emit_br(depth);
        let here = self.ops.len();
        self.patch(skip, here);
        self.stack.push(reference);
    }

    /// `br_on_non_null $l`: branches with the values under it and the
    /// reference on top when it is not null; otherwise drops it.
    fn br_on_non_null(&mut self, depth: u32) {
        let top = self.stack.len() - 1;
        let arity = self.frames[self.frames.len() - 1 - depth as usize].label_arity();
        for i in top + 1 - arity..=top {
            if matches!(self.stack[i].operand, Operand::Const(_)) {
                self.materialize(i);
            }
        }
        let a = self.slot_of(top);
        let skip = self.emit(Op::BrI64Eqz { a, offset: 0 });
        self.emit_br(depth);
        let here = self.ops.len();
        self.patch(skip, here);
        self.pop();
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
        // A return of several values materialises them (`emit_return`),
        // which changes the stack every later stub sees: do it once, here.
        let returns_many = arity >= 2
            && depths
                .iter()
                .any(|d| self.frames[self.frames.len() - 1 - *d as usize].kind == FrameKind::Func);
        let top = self.stack.len();
        for i in top - arity..top {
            if returns_many || matches!(self.stack[i].operand, Operand::Const(_)) {
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
            let (kind, arity, head) = {
                let f = &self.frames[fi];
                (f.kind, f.label_arity(), f.head)
            };
            if kind != FrameKind::Func && self.in_place(fi, arity, 0) {
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
        for k in 0..frame.results {
            self.push_entry(Operand::Temp, frame.sig.wide(true, k))?;
        }
        self.reachable = reachable;
        if !frame.catches.is_empty() {
            self.emit_catch_pads(&frame, end)?;
        }
        Ok(())
    }

    /// After a `try_table`'s `end`: a landing pad per catch clause, which
    /// finds the payload (and `exnref`) in the slots above the entries
    /// below the `try_table` and branches with them to the clause's label
    /// (in the context around the `try_table`, whose frame is popped), and
    /// the handler entries that send exceptions there. The fallthrough
    /// path jumps over the pads.
    fn emit_catch_pads(&mut self, frame: &Frame<'a>, end: usize) -> Result<(), CompileError> {
        let over = self.reachable.then(|| self.emit(Op::Br { offset: 0 }));
        let (saved, reachable) = (self.stack.clone(), self.reachable);
        let values = self.home(frame.height);
        for catch in &frame.catches {
            use wasmparser::Catch;
            let (tag, label, by_ref) = match *catch {
                Catch::One { tag, label } => (tag, label, false),
                Catch::OneRef { tag, label } => (tag, label, true),
                Catch::All { label } => (Handler::CATCH_ALL, label, false),
                Catch::AllRef { label } => (Handler::CATCH_ALL, label, true),
            };
            self.stack.truncate(frame.height);
            if tag != Handler::CATCH_ALL {
                let ty = self.info.func_type_at(self.info.tags[tag as usize]);
                for t in ty.params() {
                    self.push_temp(*t)?;
                }
            }
            if by_ref {
                self.push_temp(ValType::Ref(RefType {
                    nullable: false,
                    heap: HeapType::Exn,
                }))?;
            }
            let pad = self.ops.len();
            self.reachable = true;
            self.emit_br(label);
            self.handlers.push(Handler {
                start: frame.head as u32,
                end: end as u32,
                pad: pad as u32,
                tag,
                values,
                by_ref,
            });
        }
        self.stack = saved;
        self.reachable = reachable;
        self.last_producer = None;
        if let Some(at) = over {
            let here = self.ops.len();
            self.patch(at, here);
        }
        Ok(())
    }

    /// `try_table`: a block whose catch clauses become handlers at its end.
    fn try_table(&mut self, try_table: wasmparser::TryTable) {
        let mut frame = self.enter_block(FrameKind::Block, try_table.ty);
        frame.catches = try_table.catches;
        self.frames.push(frame);
    }

    /// `throw $tag`: the payload is on top of the stack.
    fn throw(&mut self, tag: u32) {
        let info = self.info;
        let n = info.func_type_at(info.tags[tag as usize]).params().len();
        let (base, args) = self.outgoing_args(n);
        self.emit(Op::Throw { args, tag });
        self.stack.truncate(base);
        self.reachable = false;
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
        for k in 0..frame.params {
            self.push_entry(Operand::Temp, frame.sig.wide(false, k))?;
        }
        frame.kind = FrameKind::Else;
        self.frames.push(frame);
        self.reachable = true;
        Ok(())
    }

    fn if_(&mut self, ty: BlockType) -> Result<(), CompileError> {
        // Everything `enter_block` would materialise must be done before
        // the branch, so both arms see it.
        let params = self.block_sig(ty).params();
        let cond = self.stack.len() - 1;
        for i in 0..cond {
            if matches!(self.stack[i].operand, Operand::Local(_)) || (i >= cond - params) {
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
            O::Block { .. } | O::Loop { .. } | O::If { .. } | O::TryTable { .. } => {
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
