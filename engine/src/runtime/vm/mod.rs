//! The VM layout: the `#[repr(C)]` structures compiled code reads and
//! writes directly. They are declared once, here; the JIT's translator
//! takes every offset from these declarations with `core::mem::offset_of!`,
//! so generated code and the runtime can never disagree about a field.
//!
//! Everything here is plain pointers and integers, so it builds without
//! `std` and costs the interpreter nothing: the interpreter reads memories,
//! tables and globals through the entities as before; the only change for
//! it is that a global's value lives in a box (one stable address per
//! global, which compiled code can point at).
//!
//! Address stability is the invariant the JIT relies on: a `VMMemory`,
//! `VMTable` or global value never moves while its store lives (each is
//! boxed), and the entity keeps it in step with its data on every grow.
//! Per-instance arrays (`VMContext::memories`, ...) point at those boxes.

mod builtins;

pub(crate) use builtins::{for_each_builtin, Builtin, BuiltinType, Builtins};

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::AtomicUsize;

/// A linear memory as compiled code sees it: the current base and length
/// in bytes. Updated by `MemoryEntity` whenever the data moves or grows.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct VMMemory {
    pub base: *mut u8,
    pub len: usize,
}

/// A table as compiled code sees it: its raw elements (0 = null, else a
/// store function or extern-ref index plus one) and their count.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct VMTable {
    pub base: *mut u64,
    pub len: usize,
    /// How many elements compiled code may access in place: `len`, or 0
    /// while the table is lazy (`runtime::table`). An index at or past it
    /// calls the runtime, which makes the elements if they are still to
    /// be made, before the bounds check traps or the access goes on.
    pub bound: usize,
}

/// A function as compiled code calls it.
///
/// `code` is the entry in the Wasm native ABI:
/// `fn(callee_vmctx, caller_vmctx, params...) -> results`. For a function
/// defined by an instance, `vmctx` is that instance's [`VMContext`]; for a
/// host function, `code` is the per-signature host stub and `vmctx`
/// points at the function's [`VMHostFunc`] (the entry finds the store
/// through the caller's context).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct VMFuncRef {
    pub code: *const u8,
    pub vmctx: *mut u8,
    /// The engine-wide type id (`call_indirect` compares it).
    pub type_id: u32,
    /// The function's index in the store (a `funcref` is this plus one).
    pub store_index: u32,
}

/// A host function as compiled code calls it: the `vmctx` of its
/// [`VMFuncRef`]. The host stub of its signature calls
/// `entry(this, caller_vmctx, values, fp)` with the arguments in a buffer
/// of `slots` raw slots (see `runtime::func::host_entry`); the status it
/// returns is 0 or a trap code, as a builtin's. A signature whose values
/// fit in registers ([`host_regs_fit`]) is called through `entry_regs`
/// instead, with no buffer on the stub's side.
#[repr(C)]
pub(crate) struct VMHostFunc {
    pub entry: HostEntry,
    pub entry_regs: HostEntryRegs,
    /// The closure, inside the function entity's `Arc`, which the store
    /// keeps alive.
    pub func: *const super::func::HostFn,
    pub slots: u32,
    /// The function's index in the store.
    pub index: u32,
}

/// The type of [`VMHostFunc::entry`].
pub(crate) type HostEntry =
    unsafe extern "C" fn(*const VMHostFunc, *mut VMContext, *mut u64, *mut u64) -> u32;

/// How many raw slots of arguments [`VMHostFunc::entry_regs`] takes in
/// registers. With the record, the caller's context and the frame
/// pointer, seven arguments: the frame pointer, needed only when the call
/// fails, is the one x86-64 passes on the stack.
pub(crate) const HOST_REG_ARGS: usize = 4;

/// The type of [`VMHostFunc::entry_regs`]: `(this, caller_vmctx, a0, a1,
/// a2, a3, fp)`, the arguments as raw slots (unused ones zero), the one
/// result, if any, returned as a raw slot beside the status, both in
/// registers (a two-word `#[repr(C)]` struct comes back in rax:rdx,
/// x0:x1 and a0:a1 on the three ISAs, which is where Cranelift's C
/// convention reads two results). Arguments and result then never make
/// the round trip through memory that the buffer costs: on a Wasm loop
/// that feeds a host function's result back to it, two store-to-load
/// forwardings per call.
pub(crate) type HostEntryRegs = unsafe extern "C" fn(
    *const VMHostFunc,
    *mut VMContext,
    u64,
    u64,
    u64,
    u64,
    *mut u64,
) -> HostReturn;

/// What [`HostEntryRegs`] returns.
#[repr(C)]
pub(crate) struct HostReturn {
    /// The result's raw slot (anything if the function has none or
    /// failed).
    pub value: u64,
    /// 0, or a trap code, as [`HostEntry`]'s.
    pub status: u64,
}

/// Whether a host function of type `ty` is called through
/// [`VMHostFunc::entry_regs`]: at most [`HOST_REG_ARGS`] parameters and
/// one result, none a `v128`.
pub(crate) fn host_regs_fit(ty: &crate::types::FuncType) -> bool {
    use crate::types::ValType;
    ty.params().len() <= HOST_REG_ARGS
        && ty.results().len() <= 1
        && !ty
            .params()
            .iter()
            .chain(ty.results())
            .any(|t| matches!(t, ValType::V128))
}

/// The per-instance context every compiled function receives as its first
/// argument. The arrays are in the module's index spaces, imports first.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct VMContext {
    pub store: *mut VMStoreContext,
    /// Memory 0's base as it was when the instance was linked, for code
    /// that knows it never moves (a guarded or fixed-size memory): one
    /// load from the context instead of three (`memories`, the memory's
    /// record, its base) at every function entry that touches memory.
    /// Null without a memory.
    pub mem0_base: *mut u8,
    pub memories: *const *mut VMMemory,
    pub globals: *const *mut u64,
    pub tables: *const *mut VMTable,
    pub funcs: *const VMFuncRef,
    /// Module type index -> engine-wide type id (the module's
    /// `type_ids`).
    pub type_ids: *const u32,
    /// The instance's index in its store.
    pub instance: u32,
}

/// The per-store context, reachable from every [`VMContext`].
#[repr(C)]
#[derive(Debug)]
pub(crate) struct VMStoreContext {
    /// Non-zero once compiled code has trapped (see `jit::TRAP_*`). With
    /// explicit checks every caller reads it after a call and returns
    /// early; with signal-based traps it carries only the codes a trap
    /// instruction cannot (a libcall's status, a host error or panic).
    pub trap_code: u32,
    /// Compiled code traps with a stack overflow when its stack pointer is
    /// below this. Set by the outermost entry from the host.
    pub stack_limit: usize,
    /// With explicit checks only: `stack_limit` minus
    /// `jit::EXPLICIT_FRAME_SLACK`, which function prologues check before
    /// they allocate their frame (see `jit::translate`).
    pub stack_hard_limit: usize,
    /// Every store function's reference, by store index (`call_indirect`).
    pub funcrefs: *const VMFuncRef,
    pub funcrefs_len: usize,
    /// The table of builtins compiled code calls (a [`Builtins`]).
    pub builtins: *const Builtins,
    /// The store, and the embedder's data, while compiled code runs (for
    /// host calls and libcalls).
    pub inner: *mut u8,
    pub data: *mut (),
    /// The fuel left (`Config::consume_fuel`); below zero once a segment
    /// charged more than was left (the next check traps).
    pub fuel: i64,
    /// The epoch at which guest code traps with `Interrupt`
    /// (`Config::epoch_interruption`).
    pub epoch_deadline: usize,
    /// The engine's epoch counter (read with relaxed loads; pointer-sized
    /// on every host the JIT runs on, so an `i64` load).
    pub epoch: *const AtomicUsize,
    /// `Tier::Auto`: loop iterations the interpreter runs before its next
    /// look at tier-up (`Op::OsrPoint`); compiled code never reads it.
    pub osr_countdown: i64,
    /// The interpreter's running instance's global values (its
    /// `InstanceEntity::global_values`), which the threaded executor's
    /// `global.get` and `global.set` reach through this: set by the
    /// interpreter's loop each time it enters that executor; compiled code
    /// never reads it.
    pub interp_globals: *const *mut u64,
}

impl Default for VMStoreContext {
    fn default() -> Self {
        Self {
            trap_code: 0,
            stack_limit: 0,
            stack_hard_limit: 0,
            funcrefs: core::ptr::null(),
            funcrefs_len: 0,
            builtins: core::ptr::null(),
            inner: core::ptr::null_mut(),
            data: core::ptr::null_mut(),
            fuel: 0,
            epoch_deadline: 0,
            epoch: core::ptr::null(),
            osr_countdown: 0,
            interp_globals: core::ptr::null(),
        }
    }
}

/// A frame recorded while a trap unwinds compiled code: instance and
/// function index.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TrapFrame {
    pub instance: u32,
    pub func_index: u32,
}

/// What a store keeps for compiled code. Unused by the interpreter.
#[derive(Default)]
pub(crate) struct StoreVm {
    pub ctx: Box<VMStoreContext>,
    /// Backing store of `ctx.funcrefs`, one per store function.
    pub funcrefs: Vec<VMFuncRef>,
    /// The records host functions' references point at, boxed so that
    /// they stay put when the list grows.
    #[allow(clippy::vec_box)]
    pub host_funcs: Vec<Box<VMHostFunc>>,
    /// The records of per-function tier-up's bridges (`jit::run::bridge`),
    /// apart from `host_funcs`: their entries are the bridge's own, which
    /// a call hook does not change.
    #[allow(clippy::vec_box)]
    pub bridges: Vec<Box<VMHostFunc>>,
    /// Frames of the trap being unwound, innermost first.
    pub trap_frames: Vec<TrapFrame>,
    /// Frames of the trap being unwound that were not recorded.
    pub trap_frames_elided: usize,
    /// An error a host function returned, unwinding compiled code.
    pub pending_error: Option<crate::error::Error>,
    /// A panic caught in a host function, resumed once compiled code has
    /// returned to the host.
    pub pending_panic: Option<PendingPanic>,
    /// The array-call trampolines this store has entered compiled code
    /// through, by engine type id: a store calls few signatures, and a
    /// scan of this list is cheaper than the engine's locked map.
    pub trampolines: Vec<(crate::types::TypeId, usize)>,
}

/// A caught panic's payload, held only to be taken back by value: it is
/// `Send` but not `Sync`, and this wrapper gives no shared access to it,
/// so holding one does not keep a store from being `Sync`.
pub(crate) struct PendingPanic(Box<dyn core::any::Any + Send>);

impl PendingPanic {
    pub fn new(payload: Box<dyn core::any::Any + Send>) -> Self {
        Self(payload)
    }

    pub fn into_inner(self) -> Box<dyn core::any::Any + Send> {
        self.0
    }
}

// SAFETY: `PendingPanic` exposes its payload only by value
// (`into_inner`), never through `&self`, so sharing a `&PendingPanic`
// between threads gives access to nothing; the payload itself is `Send`.
unsafe impl Sync for PendingPanic {}

/// The VM view of one instance: its context and the arrays it points at.
/// Boxed slices, so their addresses stay put when the owner moves; only
/// compiled code reads the arrays (through `ctx`).
#[allow(dead_code)]
pub(crate) struct InstanceVm {
    pub ctx: Box<VMContext>,
    pub memories: Box<[*mut VMMemory]>,
    pub globals: Box<[*mut u64]>,
    pub tables: Box<[*mut VMTable]>,
    pub funcs: Box<[VMFuncRef]>,
}

// SAFETY: (Send, for the four types below) their raw pointers point into
// boxes owned by the same store (or into code owned by modules and the
// engine the store keeps alive), and they are only dereferenced while that
// store is borrowed mutably; moving them to another thread moves the store
// they belong to with them, and nothing they point at is tied to a thread.
unsafe impl Send for StoreVm {}
// SAFETY: (Sync, likewise) through `&` these types give out only pointer
// values and plain fields; every dereference of a pointer (by the runtime
// or by compiled code) happens under the store's exclusive borrow, so two
// threads holding `&` can never access the pointees at the same time.
// `StoreVm`'s other fields are `Sync` themselves (`PendingPanic` included).
unsafe impl Sync for StoreVm {}
// SAFETY: as `StoreVm`'s `Send` above.
unsafe impl Send for InstanceVm {}
// SAFETY: as `StoreVm`'s `Sync` above.
unsafe impl Sync for InstanceVm {}
// SAFETY: as `StoreVm`'s `Send` above: the base points into a memory the
// store owns.
unsafe impl Send for VMMemory {}
// SAFETY: as `StoreVm`'s `Sync` above: a shared `VMMemory` yields only the
// base and length values.
unsafe impl Sync for VMMemory {}
// SAFETY: as for `VMMemory`, for the table's elements.
unsafe impl Send for VMTable {}
// SAFETY: as for `VMMemory`.
unsafe impl Sync for VMTable {}
