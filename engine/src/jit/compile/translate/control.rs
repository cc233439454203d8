//! Structured control flow: blocks, loops, `if`/`else`, `end`, and the
//! branches. Each control frame remembers the block its `end` continues
//! in; code after an unconditional branch is skipped until the next
//! `else` or `end`.

use super::{pop, Translator};
use crate::error::CompileError;
use crate::jit::compile::abi::ir_type;
use crate::jit::unsupported;
use crate::types::ValType;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, JumpTableData, Type};
use wasmparser::BlockType;

#[derive(Debug, Clone, Copy)]
pub(super) enum FrameKind {
    Block,
    Loop {
        header: Block,
    },
    If {
        else_block: Block,
        has_else: bool,
    },
    /// A `try_table`: calls inside it go to `dispatch` when they throw.
    TryTable {
        dispatch: Block,
    },
    /// A construct opened in unreachable code: only its nesting matters.
    Dummy,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Frame {
    pub(super) kind: FrameKind,
    /// Where `end` continues; its parameters are the frame's results.
    dest: Block,
    num_params: usize,
    num_results: usize,
    /// Operand-stack height below the frame's parameters.
    height: usize,
    /// Whether `dest` has a predecessor (so code after `end` is reachable).
    branched_to: bool,
    /// How many proven bounds facts held where the frame was entered:
    /// those still hold in its `else` and after its `end`.
    checked_len: usize,
}

impl Translator<'_, '_> {
    pub(super) fn block_types(
        &self,
        ty: BlockType,
    ) -> Result<(Vec<Type>, Vec<Type>), CompileError> {
        Ok(match ty {
            BlockType::Empty => (Vec::new(), Vec::new()),
            BlockType::Type(t) => {
                let t =
                    ValType::from_wasmparser(t).ok_or_else(|| unsupported("this block type"))?;
                (Vec::new(), alloc::vec![ir_type(t)?])
            }
            BlockType::FuncType(i) => {
                let ft = self.env.info.func_type_at(i);
                (
                    ft.params()
                        .iter()
                        .map(|t| ir_type(*t))
                        .collect::<Result<_, _>>()?,
                    ft.results()
                        .iter()
                        .map(|t| ir_type(*t))
                        .collect::<Result<_, _>>()?,
                )
            }
        })
    }

    /// Starts emitting into `block`, which the first `keep` proven bounds
    /// facts dominate (the others were proven on paths that may not reach
    /// it).
    pub(super) fn switch_to(&mut self, block: Block, keep: usize) {
        self.checked.truncate(keep);
        self.b.switch_to_block(block);
    }

    pub(super) fn block_with_params(&mut self, tys: &[Type]) -> Block {
        let b = self.b.create_block();
        for t in tys {
            self.b.append_block_param(b, *t);
        }
        b
    }

    pub(super) fn top(&self, n: usize) -> Vec<BlockArg> {
        self.stack[self.stack.len() - n..]
            .iter()
            .map(|v| BlockArg::Value(*v))
            .collect()
    }

    pub(super) fn frame_at(&mut self, depth: u32) -> &mut Frame {
        let i = self.control.len() - 1 - depth as usize;
        &mut self.control[i]
    }

    /// The block a branch to `depth` jumps to and how many values it
    /// carries; marks the frame as branched to.
    pub(super) fn branch_target(&mut self, depth: u32) -> (Block, usize) {
        let frame = self.frame_at(depth);
        match frame.kind {
            FrameKind::Loop { header } => (header, frame.num_params),
            _ => {
                frame.branched_to = true;
                (frame.dest, frame.num_results)
            }
        }
    }

    pub(super) fn br(&mut self, depth: u32) {
        let (target, n) = self.branch_target(depth);
        let args = self.top(n);
        self.b.ins().jump(target, &args);
        self.reachable = false;
    }

    pub(super) fn br_if(&mut self, depth: u32) {
        let cond = pop!(self);
        let (target, n) = self.branch_target(depth);
        let args = self.top(n);
        let cont = self.b.create_block();
        self.b.ins().brif(cond, target, &args, cont, &[]);
        self.b.seal_block(cont);
        self.b.switch_to_block(cont);
    }

    /// `br_on_null`: branches with the values under the reference when it
    /// is null; otherwise leaves it on the stack.
    pub(super) fn br_on_null(&mut self, depth: u32) {
        let reference = pop!(self);
        let is_null = self.b.ins().icmp_imm_s(IntCC::Equal, reference, 0);
        let (target, n) = self.branch_target(depth);
        let args = self.top(n);
        let cont = self.b.create_block();
        self.b.ins().brif(is_null, target, &args, cont, &[]);
        self.b.seal_block(cont);
        self.b.switch_to_block(cont);
        self.stack.push(reference);
    }

    /// `br_on_non_null`: branches with the values under it and the
    /// reference when it is not null; otherwise drops it.
    pub(super) fn br_on_non_null(&mut self, depth: u32) {
        let reference = *self.stack.last().expect("validated: a reference");
        let (target, n) = self.branch_target(depth);
        let args = self.top(n);
        let cont = self.b.create_block();
        self.b.ins().brif(reference, target, &args, cont, &[]);
        self.b.seal_block(cont);
        self.b.switch_to_block(cont);
        self.stack.pop();
    }

    pub(super) fn br_table(
        &mut self,
        targets: &wasmparser::BrTable<'_>,
    ) -> Result<(), CompileError> {
        let index = pop!(self);
        let depths = targets.targets().collect::<Result<Vec<u32>, _>>()?;
        let default = targets.default();
        let (_, n) = self.branch_target(default);
        let args = self.top(n);
        let mut edges: BTreeMap<u32, Block> = BTreeMap::new();
        let mut block_for = |t: &mut Self, depth: u32| -> Block {
            let (target, _) = t.branch_target(depth);
            if n == 0 {
                return target;
            }
            *edges.entry(depth).or_insert_with(|| t.b.create_block())
        };
        let def_block = block_for(self, default);
        let def_call = self.b.func.dfg.block_call(def_block, &[]);
        let mut calls = Vec::with_capacity(depths.len());
        for d in &depths {
            let blk = block_for(self, *d);
            calls.push(self.b.func.dfg.block_call(blk, &[]));
        }
        let jt = self
            .b
            .create_jump_table(JumpTableData::new(def_call, &calls));
        self.b.ins().br_table(index, jt);
        for (depth, edge) in edges {
            let (target, _) = self.branch_target(depth);
            self.b.seal_block(edge);
            self.b.switch_to_block(edge);
            self.b.ins().jump(target, &args);
        }
        self.reachable = false;
        Ok(())
    }

    pub(super) fn push_frame(
        &mut self,
        kind: FrameKind,
        dest: Block,
        params: usize,
        results: usize,
    ) {
        self.control.push(Frame {
            kind,
            dest,
            num_params: params,
            num_results: results,
            height: self.stack.len() - params,
            branched_to: false,
            checked_len: self.checked.len(),
        });
    }

    pub(super) fn dummy_frame(&mut self) {
        let dest = self.b.create_block();
        self.control.push(Frame {
            kind: FrameKind::Dummy,
            dest,
            num_params: 0,
            num_results: 0,
            height: self.stack.len(),
            branched_to: false,
            checked_len: self.checked.len(),
        });
    }

    pub(super) fn block(&mut self, ty: BlockType) -> Result<(), CompileError> {
        let (params, results) = self.block_types(ty)?;
        let dest = self.block_with_params(&results);
        self.push_frame(FrameKind::Block, dest, params.len(), results.len());
        Ok(())
    }

    pub(super) fn loop_(&mut self, ty: BlockType) -> Result<(), CompileError> {
        let (params, results) = self.block_types(ty)?;
        let header = self.block_with_params(&params);
        let dest = self.block_with_params(&results);
        let args = self.top(params.len());
        self.b.ins().jump(header, &args);
        let at = self.stack.len() - params.len();
        self.stack.truncate(at);
        // A twin's entry into this loop, if it qualifies.
        self.osr_loop(self.loop_ordinal, header, params.len());
        self.stack.extend_from_slice(self.b.block_params(header));
        self.b.switch_to_block(header);
        self.push_frame(
            FrameKind::Loop { header },
            dest,
            params.len(),
            results.len(),
        );
        Ok(())
    }

    pub(super) fn if_(&mut self, ty: BlockType) -> Result<(), CompileError> {
        let cond = pop!(self);
        let (params, results) = self.block_types(ty)?;
        let then_block = self.block_with_params(&params);
        let else_block = self.block_with_params(&params);
        let dest = self.block_with_params(&results);
        let args = self.top(params.len());
        self.b
            .ins()
            .brif(cond, then_block, &args, else_block, &args);
        self.b.seal_block(then_block);
        self.b.seal_block(else_block);
        self.b.switch_to_block(then_block);
        let at = self.stack.len() - params.len();
        self.stack.truncate(at);
        self.stack
            .extend_from_slice(self.b.block_params(then_block));
        self.push_frame(
            FrameKind::If {
                else_block,
                has_else: false,
            },
            dest,
            params.len(),
            results.len(),
        );
        Ok(())
    }

    pub(super) fn else_(&mut self) {
        let reachable = self.reachable;
        let top = self.control.len() - 1;
        let frame = self.control[top];
        let FrameKind::If { else_block, .. } = frame.kind else {
            // A dummy `if` in unreachable code.
            return;
        };
        if reachable {
            let args = self.top(frame.num_results);
            self.b.ins().jump(frame.dest, &args);
            self.control[top].branched_to = true;
        }
        self.control[top].kind = FrameKind::If {
            else_block,
            has_else: true,
        };
        self.stack.truncate(frame.height);
        self.stack
            .extend_from_slice(self.b.block_params(else_block));
        self.switch_to(else_block, frame.checked_len);
        self.reachable = true;
    }

    pub(super) fn end(&mut self) {
        let mut frame = self.control.pop().expect("validated: balanced end");
        if let FrameKind::Dummy = frame.kind {
            return;
        }
        if self.reachable {
            let args = self.top(frame.num_results);
            self.b.ins().jump(frame.dest, &args);
            frame.branched_to = true;
        }
        match frame.kind {
            FrameKind::If {
                else_block,
                has_else: false,
            } => {
                self.switch_to(else_block, frame.checked_len);
                let args: Vec<BlockArg> = self
                    .b
                    .block_params(else_block)
                    .iter()
                    .map(|v| BlockArg::Value(*v))
                    .collect();
                self.b.ins().jump(frame.dest, &args);
                frame.branched_to = true;
            }
            FrameKind::Loop { header } => self.b.seal_block(header),
            // Every call and throw that can reach it has been emitted.
            FrameKind::TryTable { dispatch } => self.b.seal_block(dispatch),
            _ => {}
        }
        self.switch_to(frame.dest, frame.checked_len);
        self.b.seal_block(frame.dest);
        self.stack.truncate(frame.height);
        self.stack
            .extend_from_slice(self.b.block_params(frame.dest));
        self.reachable = frame.branched_to;
        if self.control.is_empty() {
            let results = self.b.block_params(frame.dest).to_vec();
            self.env.flush_fuel(&mut self.b);
            self.b.ins().return_(&results);
        }
    }
}
