//! The interpreter tier: a register bytecode ([`bytecode`]), the
//! translator from Wasm ([`translate`], run lazily on a function's first
//! call) and the executor ([`exec`]) with its own value and call stacks.
//!
//! The interpreter never recurses on the native stack for Wasm-to-Wasm
//! calls: each call pushes a frame onto the store's stacks
//! (`runtime::Stack`).

mod bytecode;
mod exec;
mod translate;

#[cfg(feature = "op-profile")]
pub use exec::profile::{take_op_profile, OpProfile};

pub(crate) use exec::{invoke, invoke_resumable, resume, Outcome, Suspended, Suspension};

use crate::config::CodeSettings;
use crate::error::CompileError;
use crate::module::ModuleInfo;
use alloc::boxed::Box;
use bytecode::Op;
use once_cell::race::OnceBox;

/// A function translated to bytecode.
#[derive(Debug)]
pub(crate) struct CompiledFunc {
    pub ops: Box<[Op]>,
    /// 128-bit constants (`v128` constants, shuffle masks) as two entries,
    /// low half first. (Scalar constants are in their ops.)
    pub consts: Box<[u64]>,
    /// Slots of the parameters (two for each `v128`).
    pub num_params: u16,
    /// Slots of the parameters plus declared locals.
    pub num_locals: u16,
    /// Every slot the frame uses: locals, then temporaries.
    pub num_slots: u16,
    /// Index in the module's function index space.
    pub func_index: u32,
    /// The catch clauses of its `try_table`s, innermost first (see
    /// [`Handler`]).
    pub handlers: Box<[Handler]>,
}

/// One catch clause of a `try_table`: while an op in `start..end` (op
/// indices) throws an exception of tag `tag` (a module tag index;
/// [`Handler::CATCH_ALL`] for any), its payload (and with `by_ref` the
/// `exnref` after it) goes to the frame's slots from `values`, and
/// execution goes on at op `pad`, which branches to the clause's label.
/// A function's handlers are ordered so the first that matches is the
/// one the specification picks: inner `try_table`s before outer ones, a
/// `try_table`'s clauses in order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Handler {
    pub start: u32,
    pub end: u32,
    pub pad: u32,
    pub tag: u32,
    pub values: u16,
    pub by_ref: bool,
}

impl Handler {
    /// The `tag` of `catch_all` and `catch_all_ref`.
    pub const CATCH_ALL: u32 = u32::MAX;
}

/// The interpreter's code for a module: each defined function's bytecode,
/// translated on its first call (or all up front without
/// `Config::lazy_translation`) and shared by every instance and thread.
pub(crate) struct ModuleCode {
    funcs: Box<[OnceBox<CompiledFunc>]>,
    checks: CodeSettings,
}

impl ModuleCode {
    /// Code for the module `info` describes (`bytes` are its binary),
    /// translated now unless `lazy`.
    pub fn new(
        info: &ModuleInfo,
        bytes: &[u8],
        lazy: bool,
        checks: CodeSettings,
    ) -> Result<Self, CompileError> {
        let code = Self {
            funcs: (0..info.bodies.len()).map(|_| OnceBox::new()).collect(),
            checks,
        };
        if !lazy {
            for def in 0..info.bodies.len() as u32 {
                code.get(info, bytes, def)?;
            }
        }
        Ok(code)
    }

    /// The code of defined function `def`, if it was translated.
    #[inline(always)]
    pub fn translated(&self, def: u32) -> Option<&CompiledFunc> {
        self.funcs[def as usize].get()
    }

    /// The code of defined function `def`, translating it if no thread
    /// has yet. Two threads may race to translate; one result wins and
    /// both use it.
    pub fn get(
        &self,
        info: &ModuleInfo,
        bytes: &[u8],
        def: u32,
    ) -> Result<&CompiledFunc, CompileError> {
        self.funcs[def as usize]
            .get_or_try_init(|| translate::translate(info, bytes, def, self.checks).map(Box::new))
    }
}
