//! The threaded executor: one handler per pure op (`pure.rs`), each
//! ending in a tail call to the next op's handler through a table indexed
//! by the op's tag, with the hot state in argument registers: the op, the
//! frame's slots, memory 0's base and length, and the store's context
//! (for fuel, the epoch and the running instance's globals).
//!
//! It runs the pure ops only. At any other op, or at a pure op that would
//! stop (trap, run out of fuel, pass the epoch deadline), it returns that
//! op untouched to the `loop { match }` executor in `mod.rs`, which runs
//! it with the whole store in hand and calls back in. Every op's meaning
//! is written once, in `pure.rs` or in the loop.
//!
//! Why: the loop runs every op through one shared dispatch block (six
//! instructions and one indirect jump that predicts poorly), and its
//! speed swings with how LLVM lays out one enormous match. Here each
//! handler has its own dispatch and its own indirect jump.
//!
//! Stable Rust does not promise tail calls: they are LLVM's sibling-call
//! optimisation, which holds when a handler keeps nothing alive across
//! the call (no drop glue), passes the same arguments in registers (five
//! here, fewer than any of the three ISAs' argument registers) and returns
//! one pointer. The build script enables this executor only when
//! optimising (`petrel_threaded`; at opt-level 0 every dispatch would be
//! a call and a long loop would overflow the stack), `mod.rs` only
//! without debug assertions (whose pointer checks break the tail calls of
//! the loads and stores: seen in `cargo fuzz`'s builds), and the test below,
//! on a small stack, runs every handler a hundred thousand times in a row,
//! so a handler that stops tail-calling crashes it.

use super::memory;
use super::pure::{pure_ops, shape_macros};
use crate::interp::bytecode::{Op, OP_COUNT};
use crate::runtime::vm::VMStoreContext;
use crate::semantics::scalar as num;
use core::sync::atomic::Ordering;

/// A handler: runs ops from `at` and returns the first one the loop must
/// run.
///
/// # Safety
/// `at` points into a function's ops whose slot operands are inside the
/// frame at `sp` (see `mod.rs`); `mem..mem + len` is memory 0's live
/// allocation (or `len` is 0); `ctx` is the running store's context,
/// whose `interp_globals` points at the running instance's global values.
type Handler = unsafe fn(
    at: *const Op,
    sp: *mut u64,
    mem: *mut u8,
    len: usize,
    ctx: *mut VMStoreContext,
) -> *const Op;

/// Runs from the op at `ip` (calling its handler, which jumps to the
/// next op's, and so on) until an op the loop must run, and returns it.
///
/// # Safety
/// As for [`Handler`]: the contract of the loop in `mod.rs`.
#[inline(always)]
pub(super) unsafe fn dispatch(
    ip: *const Op,
    sp: *mut u64,
    mem: *mut u8,
    len: usize,
    ctx: *mut VMStoreContext,
) -> *const Op {
    // SAFETY: `Op` is `repr(u16)`, so every op starts with its tag, which
    // is below `OP_COUNT`; `ip` points at an op (the caller's contract).
    unsafe {
        let tag = *ip.cast::<u16>() as usize;
        (HANDLERS.get_unchecked(tag))(ip, sp, mem, len, ctx)
    }
}

/// The handler of every op that is not pure: hands it to the loop.
unsafe fn to_loop(
    at: *const Op,
    _sp: *mut u64,
    _mem: *mut u8,
    _len: usize,
    _ctx: *mut VMStoreContext,
) -> *const Op {
    at
}

/// An op's tag (`Op` is `repr(u16)`).
const fn tag(op: &Op) -> usize {
    // SAFETY: a primitive representation puts the tag first.
    unsafe { *(op as *const Op).cast::<u16>() as usize }
}

/// A zero of an operand's type, to build each kind's sample for [`tag`].
const fn zero<T: Copy>() -> T {
    // SAFETY: operands are integers (slots, immediates, offsets), for
    // which all-zero bits are a value.
    unsafe { core::mem::zeroed() }
}

// The macros `pure.rs` bodies use, for this executor, defined in each
// handler (`handlers!`) over its state: `sp`, `mem`, `len`, `ctx`, `ip`
// (the op after this one) and `at` (this op). `$d` is a `$`, for the
// macros' own metavariables.
macro_rules! state_macros {
    ($d:tt [$ip:ident, $at:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident]) => {
        macro_rules! get {
            ($d s:expr) => {
                // SAFETY: slot operands are inside the frame (see `Handler`).
                unsafe { *$sp.add($d s as usize) }
            };
        }
        macro_rules! set {
            ($d s:expr, $d v:expr) => {{
                let v: u64 = $d v;
                // SAFETY: as in `get!`.
                unsafe { *$sp.add($d s as usize) = v }
            }};
        }
        macro_rules! load {
            ($d dst:expr, $d ptr:expr, $d offset:expr, $d n:literal, |$d bytes:ident| $d e:expr) => {{
                let $d bytes: [u8; $d n] = match memory::load::<$d n>($mem, $len, $d ptr, $d offset) {
                    Ok(bytes) => bytes,
                    Err(_) => return $at,
                };
                set!($d dst, $d e)
            }};
        }
        macro_rules! store {
            ($d ptr:expr, $d offset:expr, $d bytes:expr) => {{
                if memory::store($mem, $len, $d ptr, $d offset, &$d bytes).is_err() {
                    return $at;
                }
            }};
        }
        macro_rules! next_op {
            () => {
                $ip
            };
        }
        macro_rules! global_get {
            ($d index:expr) => {{
                // SAFETY: the loop set `interp_globals` to the running
                // instance's global values before entering (see
                // `Handler`), and the translator emits only the module's
                // global indices.
                unsafe { **(*$ctx).interp_globals.add($d index as usize) }
            }};
        }
        macro_rules! global_set {
            ($d index:expr, $d v:expr) => {{
                let v: u64 = $d v;
                // SAFETY: as in `global_get!`.
                unsafe { **(*$ctx).interp_globals.add($d index as usize) = v }
            }};
        }
        macro_rules! branch {
            ($d offset:expr) => {{
                // `ip` already points past the branch.
                // SAFETY: the translator computed the offset to land on an op of
                // the same function.
                $ip = unsafe { $ip.offset($d offset as isize - 1) };
                // An empty statement the compiler cannot move or merge: it
                // keeps a real, predicted branch here. Without it LLVM
                // selects the next op with a conditional move, which makes
                // every later op wait for the comparison: sieve ran 15%
                // slower at 24% fewer instructions.
                // SAFETY: it is empty; it touches no memory, stack or flag.
                unsafe { core::arch::asm!("", options(nomem, nostack, preserves_flags)) };
            }};
        }
        shape_macros!($d);
        macro_rules! table_branch {
            ($d n:expr) => {{
                // SAFETY: `pure.rs` passes `n <= len` of the `BrTable` just
                // run, whose `len + 1` entries follow it (`ip` points at
                // the first).
                let entry = unsafe { $ip.add($d n as usize) };
                $ip = crate::interp::exec::table_target(entry);
                // As in `branch!`: keep a real, predicted jump.
                // SAFETY: it is empty; it touches no memory, stack or flag.
                unsafe { core::arch::asm!("", options(nomem, nostack, preserves_flags)) };
            }};
        }
        macro_rules! trap {
            ($d code:ident) => {
                return $at
            };
        }
        macro_rules! try_op {
            ($d e:expr) => {
                match $d e {
                    Ok(v) => v,
                    Err(_) => return $at,
                }
            };
        }
        macro_rules! charge_fuel {
            ($d amount:expr) => {
                // SAFETY: `ctx` is the store's context (see `Handler`); nothing
                // else touches it while a handler runs.
                unsafe { (*$ctx).fuel -= $d amount as i64 }
            };
        }
        macro_rules! check_fuel {
            ($d amount:expr) => {{
                // SAFETY: as in `charge_fuel!`.
                let c = unsafe { &mut *$ctx };
                let left = c.fuel - $d amount as i64;
                if left < 0 {
                    return $at;
                }
                c.fuel = left;
            }};
        }
        macro_rules! osr_point {
            ($ordinal:expr) => {{
                let _ = $ordinal;
                // SAFETY: as in `charge_fuel!`.
                let c = unsafe { &mut *$ctx };
                // The look at tier-up is the loop's.
                if c.osr_countdown <= 0 {
                    return $at;
                }
                c.osr_countdown -= 1;
            }};
        }
        macro_rules! check_epoch {
            () => {{
                // SAFETY: as in `charge_fuel!`; the store keeps the engine, whose
                // counter `epoch` points to, alive.
                let c = unsafe { &*$ctx };
                // SAFETY: as above.
                if unsafe { (*c.epoch).load(Ordering::Relaxed) } >= c.epoch_deadline {
                    return $at;
                }
            }};
        }
    };
}

/// Defines a handler per pure op and the table of handlers. The state's
/// names come from the invocation, so that the macros above, written
/// there too, see them.
macro_rules! handlers {
    ($d:tt [$ip:ident, $at:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident]
     $( $kind:ident $({ $($f:ident),* })? => $body:block )*) => {
        /// One handler per pure op, named after it.
        #[allow(
            non_snake_case,
            unused_mut,
            unused_macros,
            unused_variables,
            unreachable_code,
            clippy::unnecessary_cast
        )]
        mod handler {
            use super::*;
            $(
                /// Runs this op (see [`Handler`]).
                pub(super) unsafe fn $kind(
                    $at: *const Op,
                    $sp: *mut u64,
                    $mem: *mut u8,
                    $len: usize,
                    $ctx: *mut VMStoreContext,
                ) -> *const Op {
                    // SAFETY: the table sends only this kind here.
                    let Op::$kind $({ $($f),* })? = (unsafe { *$at }) else {
                        // SAFETY: as above.
                        unsafe { core::hint::unreachable_unchecked() }
                    };
                    // SAFETY: every op is followed by another one (the ops
                    // end in a return or an unconditional branch).
                    let mut $ip = unsafe { $at.add(1) };
                    state_macros!($d [$ip, $at, $sp, $mem, $len, $ctx]);
                    $body
                    // SAFETY: the handler contract holds for the next op.
                    unsafe { dispatch($ip, $sp, $mem, $len, $ctx) }
                }
            )*
        }

        /// Every op's handler, by tag.
        static HANDLERS: [Handler; OP_COUNT] = {
            let mut table = [to_loop as Handler; OP_COUNT];
            $( table[tag(&Op::$kind $({ $($f: zero()),* })?)] = handler::$kind; )*
            table
        };

        /// One op of every pure kind, for the tests.
        #[cfg(test)]
        fn samples() -> alloc::vec::Vec<Op> {
            alloc::vec![$( Op::$kind $({ $($f: tests::operand(stringify!($f))),* })? ),*]
        }
    };
}

pure_ops!(handlers! { $ [ip, at, sp, mem, len, ctx] });

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use core::sync::atomic::AtomicUsize;

    /// A sample operand: the result in slot 0, inputs from slot 1 (which
    /// holds 1 and is never written), and 1 for immediates, memory
    /// offsets, branch offsets (the next op) and fuel.
    pub(super) fn operand<T: From<u8>>(name: &str) -> T {
        T::from(u8::from(name != "dst"))
    }

    /// Every pure op, a hundred thousand times in a row in the threaded
    /// executor, on a 64 KiB stack: if a handler called the next one
    /// instead of jumping to it, the stack would grow by at least a return
    /// address per op and overflow (a crash, which fails the test run).
    /// This is what keeps the executor honest across compiler versions and
    /// ISAs.
    #[test]
    fn every_handler_tail_calls() {
        let kinds = samples();
        assert!(kinds.len() > 200, "{} pure ops", kinds.len());
        let run_all = move || {
            let epoch = AtomicUsize::new(0);
            for op in kinds {
                // The op between a fuel check and a branch back to it, and
                // a second way back for a branch table's entry 1.
                let mut op = op;
                if let Some(offset) = op.branch_offset_mut() {
                    *offset = 1;
                }
                let code: Vec<Op> = alloc::vec![
                    Op::ConsumeFuelCheck { amount: 1 },
                    op,
                    Op::Br { offset: -2 },
                    Op::Br { offset: -3 },
                ];
                let mut slots = [0u64, 1, 0, 0];
                let mut memory = [0u8; 16];
                let mut global = [0u64; 2];
                let globals = [global.as_mut_ptr(), global.as_mut_ptr()];
                let mut ctx = VMStoreContext {
                    fuel: 100_000,
                    epoch: &epoch,
                    epoch_deadline: usize::MAX,
                    // `OsrPoint` looks at tier-up (in the loop) only
                    // when this runs out.
                    osr_countdown: i64::MAX,
                    interp_globals: globals.as_ptr(),
                    ..VMStoreContext::default()
                };
                // SAFETY: slot operands are 0 and 1, inside `slots`;
                // branches land inside `code`; the memory and context are
                // live.
                let stopped = unsafe {
                    dispatch(
                        code.as_ptr(),
                        slots.as_mut_ptr(),
                        memory.as_mut_ptr(),
                        memory.len(),
                        &mut ctx,
                    )
                };
                if matches!(op, Op::Unreachable) {
                    assert_eq!(stopped, code[1..].as_ptr(), "{op:?}");
                } else {
                    assert_eq!(stopped, code.as_ptr(), "{op:?} stopped early");
                    assert!(ctx.fuel <= 0, "{op:?}: {} fuel left", ctx.fuel);
                }
            }
        };
        std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(run_all)
            .expect("a thread")
            .join()
            .expect("the handlers ran");
    }
}
