//! The interpreter's value and call stacks. The store owns them, so that a
//! host function calling back into Wasm continues on the same stacks and
//! the limits count every live frame of the store; only the interpreter
//! reads them (the runtime never looks inside a frame's code pointers).

use alloc::vec::Vec;

/// A suspended caller: where to resume it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    /// The caller's next op (an interpreter `*const Op`).
    pub ret_ip: *const (),
    /// The caller's frame base in the value stack.
    pub base: usize,
    /// The caller's code (an interpreter `*const CompiledFunc`).
    pub code: *const (),
    /// The caller's instance.
    pub instance: u32,
}

// SAFETY: the raw pointers in a frame point into code owned by a module
// (an `Arc`) that the store keeps alive through its instances; they are
// only dereferenced by the interpreter while that store is borrowed
// mutably, so moving or sharing the stack with the store between threads
// is sound: no thread can reach a frame without that exclusive borrow.
unsafe impl Send for Frame {}
// SAFETY: as for `Send`; a shared borrow of a stack gives no access to
// what the pointers point at.
unsafe impl Sync for Frame {}

/// The stacks of one store.
#[derive(Debug, Default)]
pub(crate) struct Stack {
    /// Frame slots of every live call.
    pub values: Vec<u64>,
    /// Return information of every live call but the innermost.
    pub frames: Vec<Frame>,
    /// The first slot not used by any live frame: where a call from the
    /// host (possibly from inside a host function) starts its frame.
    pub top: usize,
    /// Live Wasm frames across every activation, running ones included:
    /// what `Config::max_call_depth` limits.
    pub depth: usize,
    /// Nested entries from the host (a host function calling back into
    /// Wasm makes a second one).
    pub activations: usize,
    /// Approximate native stack pointer at the outermost entry, to bound
    /// the native stack that host re-entry uses.
    pub native_base: usize,
}
