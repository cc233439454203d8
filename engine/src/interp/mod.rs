//! The interpreter tier: a register bytecode ([`bytecode`]), the
//! translator from Wasm ([`translate`], run lazily on a function's first
//! call) and the executor ([`exec`]) with its own value and call stacks.
//!
//! The interpreter never recurses on the native stack for Wasm-to-Wasm
//! calls: each call pushes a [`Frame`] onto the store's [`Stack`].

mod bytecode;
mod exec;
mod numeric;
mod simd;
mod translate;

pub(crate) use exec::invoke;
pub(crate) use translate::translate;

use crate::error::CompileError;
use alloc::boxed::Box;
use alloc::vec::Vec;
use bytecode::Op;
use once_cell::race::OnceBox;

/// A function translated to bytecode.
#[derive(Debug)]
pub(crate) struct CompiledFunc {
    pub ops: Box<[Op]>,
    /// 64-bit constants too wide for an immediate, and 128-bit ones (`v128`
    /// constants, shuffle masks) as two entries, low half first.
    pub consts: Box<[u64]>,
    /// Slots of the parameters (two for each `v128`).
    pub num_params: u16,
    /// Slots of the parameters plus declared locals.
    pub num_locals: u16,
    /// Every slot the frame uses: locals, then temporaries.
    pub num_slots: u16,
    /// Index in the module's function index space.
    pub func_index: u32,
}

/// The translated code of each of a module's defined functions, filled in
/// lazily and shared by every instance and thread.
pub(crate) struct CompiledFuncs {
    funcs: Box<[OnceBox<CompiledFunc>]>,
}

impl CompiledFuncs {
    pub fn new(count: usize) -> Self {
        Self {
            funcs: (0..count).map(|_| OnceBox::new()).collect(),
        }
    }

    /// The code of defined function `def`, translating it with `translate`
    /// if no thread has yet. Two threads may race to translate; one result
    /// wins and both use it.
    pub fn get_or_translate(
        &self,
        def: u32,
        translate: impl FnOnce() -> Result<CompiledFunc, CompileError>,
    ) -> Result<&CompiledFunc, CompileError> {
        self.funcs[def as usize].get_or_try_init(|| translate().map(Box::new))
    }
}

/// A live Wasm call: where to resume the caller.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    /// The caller's next op.
    ret_ip: *const Op,
    /// The caller's frame base in the value stack.
    base: usize,
    /// The caller's code.
    func: *const CompiledFunc,
    /// The caller's instance.
    instance: u32,
}

// SAFETY: the raw pointers in a frame point into code owned by a `Module`
// (an `Arc`) that the store keeps alive through its instances; they are
// only dereferenced by the executor while that store is borrowed mutably,
// so moving the stack to another thread with the store is sound.
unsafe impl Send for Frame {}
unsafe impl Sync for Frame {}

/// The interpreter's stacks, one per store.
#[derive(Debug, Default)]
pub(crate) struct Stack {
    /// Frame slots of every live call.
    values: Vec<u64>,
    /// Return information of every live call but the innermost.
    frames: Vec<Frame>,
    /// The first slot not used by any live frame: where a call from the
    /// host (possibly from inside a host function) starts its frame.
    top: usize,
    /// Live Wasm frames across every activation, running ones included:
    /// what `Config::max_call_depth` limits.
    depth: usize,
    /// Nested entries from the host (a host function calling back into
    /// Wasm makes a second one).
    activations: usize,
    /// Approximate native stack pointer at the outermost entry, to bound
    /// the native stack that host re-entry uses.
    native_base: usize,
}
