//! Wasm function bodies to Cranelift IR.
//!
//! The [`Translator`] holds the function being built, the operand stack
//! and the control frames; everything about how compiled code reaches the
//! VM (the context, memories, tables, globals, builtins, trap blocks) is
//! its [`FuncEnv`](env::FuncEnv). The operators are split by concern:
//! [`ops`] dispatches, [`control`], [`calls`], [`memory`], [`numeric`]
//! and [`simd`] lower them.
//!
//! Locals are `cranelift_frontend::Variable`s (SSA comes from the
//! frontend); the operand stack is a stack of IR values; each control
//! frame remembers the block its `end` continues in. Bodies were validated
//! when the module was created, so the translator trusts them.
//!
//! Traps come in two modes (`Config::signals_based_traps`). With signals,
//! every trap is a Cranelift trap instruction or a faulting heap access
//! whose site is recorded, and linear memories are reservations with guard
//! pages, so most accesses need no bounds check at all (see
//! `runtime::memory`); a trap leaves through the signal handler and the
//! recovery point of `jit::run::traps`. Without, every trap is an explicit
//! check that stores a trap code and returns, and every caller checks the
//! code after each call.
//!
//! SECURITY-CRITICAL: the checks emitted in this folder (linear-memory
//! and table bounds, division, float-to-int conversion, indirect-call
//! signatures, the stack limit) and the guard-region arithmetic in
//! `memory::mem_addr` are what keep compiled code inside its sandbox. Get
//! two reviews on any substantive change.

mod atomics;
mod calls;
mod control;
mod env;
mod exceptions;
mod inline;
mod memory;
mod numeric;
mod ops;
mod osr;
mod relaxed_simd;
mod simd;
mod tables;

pub(crate) use inline::{
    direct_callees, inline_self_calls, inline_small_callees, prepare_callee,
    split_site as split_inlined_site, DEFINED_FUNCS_INLINED,
};

use super::abi::{ir_type, zero};
use crate::config::CodeSettings;
use crate::error::CompileError;
use crate::jit::unsupported;
use crate::module::ModuleInfo;
use crate::semantics::fuel;
use crate::types::ValType;
use alloc::vec::Vec;
use control::{Frame, FrameKind};
use cranelift_codegen::ir::Value;
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_frontend::{FunctionBuilder, Variable};
use env::FuncEnv;
use wasmparser::FunctionBody;

/// What translating a body gives besides the IR.
pub(crate) struct Translated {
    /// Locals plus the deepest operand stack, which picks the register
    /// allocator.
    pub pressure: usize,
    /// Whether it catches or throws exceptions (such a function is not
    /// inlined into itself).
    pub exceptions: bool,
    /// For a twin (`osr`), the ordinals of the loops it can be entered at.
    pub osr_entries: Vec<u32>,
}

/// Translates the body of function `func_index` of `info` into the
/// function `b` builds, or with `osr` its twin for on-stack replacement
/// (see [`osr`], whose signature `b`'s function must have). `members`:
/// the defined functions compiled into the same image, which it calls
/// directly (`None`: all of them; see [`Translator::members`]). Returns
/// the builder, ready to finalize, and what [`Translated`] says.
#[allow(clippy::too_many_arguments)]
pub(crate) fn translate<'f>(
    b: FunctionBuilder<'f>,
    info: &ModuleInfo,
    isa: &OwnedTargetIsa,
    func_index: u32,
    signals: bool,
    checks: CodeSettings,
    body: &FunctionBody<'_>,
    osr: bool,
    members: Option<&[bool]>,
) -> Result<(FunctionBuilder<'f>, Translated), CompileError> {
    let mut t = Translator::new(b, info, isa, func_index, signals, checks)?;
    t.members = members;
    t.translate(body, osr)?;
    let translated = Translated {
        pressure: t.locals.len() + t.max_height,
        exceptions: t.handles_exceptions,
        osr_entries: t.osr.take().map(|o| o.entered).unwrap_or_default(),
    };
    Ok((t.b, translated))
}

struct Translator<'a, 'f> {
    b: FunctionBuilder<'f>,
    /// How compiled code reaches the VM.
    env: FuncEnv<'a>,
    locals: Vec<Variable>,
    stack: Vec<Value>,
    control: Vec<Frame>,
    reachable: bool,
    /// Bounds proven at a point dominating the current one: a memory, an
    /// index value and the end (offset + size) proven in bounds for it.
    /// Memories never shrink, so a passed check stays true everywhere it
    /// dominates; facts proven inside a control frame are dropped at its
    /// `else` and `end`.
    checked: Vec<(u32, Value, u64)>,
    /// The operand stack's greatest height.
    max_height: usize,
    /// Whether the function has a `try_table` or passes exceptions on.
    handles_exceptions: bool,
    /// Translating a twin for on-stack replacement (see [`osr`]).
    osr: Option<osr::Osr>,
    /// The ordinal of the `loop` operator being translated.
    loop_ordinal: u32,
    /// The defined functions in this function's image (by defined index),
    /// which it calls directly; it calls the others through the
    /// instance's function references, whose entries tier-up re-points
    /// when their code is made (`jit::run::batches`). `None`: the whole
    /// module is one image.
    members: Option<&'a [bool]>,
}

/// Why a function using `v128` cannot be compiled for this CPU.
pub(super) fn no_simd() -> CompileError {
    CompileError::new(
        "the JIT cannot compile SIMD (`v128`) for this CPU: riscv64 needs the vector \
         extension (V), which it lacks; run the module on the interpreter",
        None,
    )
}

/// Pops a value off the operand stack.
macro_rules! pop {
    ($t:expr) => {
        $t.stack.pop().expect("validated: operand stack underflow")
    };
}
pub(crate) use pop;

impl<'a, 'f> Translator<'a, 'f> {
    fn new(
        mut b: FunctionBuilder<'f>,
        info: &'a ModuleInfo,
        isa: &'a OwnedTargetIsa,
        func_index: u32,
        signals: bool,
        checks: CodeSettings,
    ) -> Result<Self, CompileError> {
        let env = FuncEnv::new(&mut b, info, isa, func_index, signals, checks)?;
        Ok(Self {
            b,
            env,
            locals: Vec::new(),
            stack: Vec::new(),
            control: Vec::new(),
            reachable: true,
            checked: Vec::new(),
            max_height: 0,
            handles_exceptions: false,
            osr: None,
            loop_ordinal: 0,
            members: None,
        })
    }

    fn translate(&mut self, body: &FunctionBody<'_>, osr: bool) -> Result<(), CompileError> {
        let entry = self.b.current_block().expect("entry block");
        let params = self.b.block_params(entry).to_vec();
        let ty = self.env.info.func_type(self.env.func_index).clone();
        let vector = |t: &ValType| *t == ValType::V128;
        if !self.env.simd && (ty.params().iter().any(vector) || ty.results().iter().any(vector)) {
            return Err(no_simd());
        }
        let mut declared = Vec::new();
        for local in body.get_locals_reader()? {
            let (count, t) = local?;
            let t = ValType::from_wasmparser(t).ok_or_else(|| unsupported("this local type"))?;
            if !self.env.simd && t == ValType::V128 {
                return Err(no_simd());
            }
            declared.extend((0..count).map(|_| t));
        }
        if osr {
            // A twin: every local from the interpreter frame.
            let types: Vec<ValType> = ty.params().iter().copied().chain(declared).collect();
            self.osr_locals(params[2], &types)?;
        } else {
            for (p, t) in params[2..].iter().zip(ty.params()) {
                let var = self.b.declare_var(ir_type(*t)?);
                self.b.def_var(var, *p);
                self.locals.push(var);
            }
            for t in declared {
                let t = ir_type(t)?;
                let var = self.b.declare_var(t);
                let z = zero(&mut self.b, t);
                self.b.def_var(var, z);
                self.locals.push(var);
            }
        }
        self.env.enter(&mut self.b);
        if osr {
            let loops = osr::count_loops(body)?;
            self.osr_dispatch(params[3], loops);
        }
        let exit = self.block_with_params(&self.env.results.clone());
        self.push_frame(FrameKind::Block, exit, 0, self.env.results.len());

        // Fuel charges per segment and checks at the entry and loop
        // headers, where the interpreter has them (`semantics::fuel`).
        let fuel_costs = match self.env.checks.fuel {
            true => Some(fuel::segment_costs(body)?),
            false => None,
        };
        let cost = |segment: usize| {
            fuel_costs
                .as_ref()
                .map(|c| c.get(segment).copied().unwrap_or(0))
        };
        let mut segment = 0;
        self.env.enter_segment(&mut self.b, cost(segment), true);
        let mut reader = body.get_operators_reader()?;
        let mut loops = 0;
        while !reader.eof() {
            let offset = reader.original_position();
            let op = reader.read()?;
            if let wasmparser::Operator::Loop { .. } = op {
                self.loop_ordinal = loops;
                loops += 1;
            }
            self.operator(&op)
                .map_err(|e| CompileError::new(e.message(), Some(offset as usize)))?;
            self.max_height = self.max_height.max(self.stack.len());
            if fuel::ends_segment(&op) {
                segment += 1;
                if self.reachable && !self.control.is_empty() {
                    let check = matches!(op, wasmparser::Operator::Loop { .. });
                    self.env.enter_segment(&mut self.b, cost(segment), check);
                }
            }
        }
        self.osr_finish();
        self.env.finish_trap_blocks(&mut self.b);
        self.b.seal_all_blocks();
        Ok(())
    }
}
