//! The builtins: every runtime function compiled code calls, declared
//! once, in [`for_each_builtin!`]. From that one list come the table of
//! function pointers compiled code calls through ([`Builtins`], whose
//! address is `VMStoreContext::builtins`), the names the compiler uses
//! ([`Builtin`]) and each builtin's signature ([`Builtin::params`],
//! [`Builtin::result`]), which the JIT maps to machine types. The table
//! and the compiler's signatures cannot drift apart. The JIT implements
//! the functions (`jit::run::libcalls`).
//!
//! Two are called by the host functions' entries rather than by compiled
//! code (`runtime::func::host_entry`): `host_call`, the call through the
//! store's call hook, and `host_settle`, the end of a call that did not
//! simply return.
//!
//! Every builtin receives the calling instance's `VMContext` first. Those
//! that can trap return 0 or a trap code's bits; the two `grow`s return
//! their result, or a negative value when the store's resource limiter
//! failed the guest (its error is pending in the store); the atomic
//! waits and notify return their result, or a trap code's bits negated.

use super::VMContext;
use core::mem::offset_of;

/// Calls `$m!` with the list of builtins: Rust name, `Builtin` variant,
/// parameters (after the `VMContext`) and result, each `i32`, `i64` or
/// `ptr`.
macro_rules! for_each_builtin {
    ($m:ident) => {
        $m! {
            memory_grow MemoryGrow (mem: i32, delta: i64) -> i64;
            memory_fill MemoryFill (mem: i32, dst: i64, val: i32, len: i64) -> i32;
            memory_copy MemoryCopy (dst_mem: i32, src_mem: i32, dst: i64, src: i64, len: i64) -> i32;
            memory_init MemoryInit (mem: i32, seg: i32, dst: i64, src: i32, len: i32) -> i32;
            data_drop DataDrop (seg: i32);
            table_grow TableGrow (table: i32, init: i64, delta: i32) -> i64;
            table_fill TableFill (table: i32, dst: i32, val: i64, len: i32) -> i32;
            table_copy TableCopy (dst_table: i32, src_table: i32, dst: i32, src: i32, len: i32) -> i32;
            table_init TableInit (table: i32, seg: i32, dst: i32, src: i32, len: i32) -> i32;
            elem_drop ElemDrop (seg: i32);
            table_materialise TableMaterialise (table: i32);
            record_frame RecordFrame (func_index: i32);
            host_call HostCall (func: i32, values: ptr, fp: ptr) -> i32;
            host_settle HostSettle (outcome: ptr, fp: ptr) -> i32;
            is_subtype IsSubtype (sub: i32, sup: i32) -> i32;
            exn_new ExnNew (tag: i32, payload: ptr) -> i64;
            throw Throw (exn: i64, fp: ptr) -> i32;
            exn_matches ExnMatches (exn: i64, tag: i32) -> i32;
            exn_deliver ExnDeliver (exn: i64, values: ptr, by_ref: i32);
            fma_f32 FmaF32 (a: i32, b: i32, c: i32) -> i32;
            fma_f64 FmaF64 (a: i64, b: i64, c: i64) -> i64;
            mem_move MemMove (dst: ptr, src: ptr, len: i64);
            mem_set MemSet (dst: ptr, val: i32, len: i64);
            memory_atomic_wait32 MemoryAtomicWait32 (mem: i32, addr: i64, expected: i32, timeout: i64) -> i64;
            memory_atomic_wait64 MemoryAtomicWait64 (mem: i32, addr: i64, expected: i64, timeout: i64) -> i64;
            memory_atomic_notify MemoryAtomicNotify (mem: i32, addr: i64, count: i32) -> i64;
        }
    };
}
pub(crate) use for_each_builtin;

/// The Rust type of a builtin parameter or result.
macro_rules! builtin_rust_type {
    (i32) => {
        u32
    };
    (i64) => {
        u64
    };
    (ptr) => {
        *mut u64
    };
}

/// The [`BuiltinType`] of a builtin parameter or result.
macro_rules! builtin_type {
    (i32) => {
        BuiltinType::I32
    };
    (i64) => {
        BuiltinType::I64
    };
    (ptr) => {
        BuiltinType::Ptr
    };
}

/// A builtin's parameter or result type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BuiltinType {
    I32,
    I64,
    /// A pointer-sized value.
    Ptr,
}

macro_rules! declare_builtins {
    ($($name:ident $variant:ident ($($arg:ident: $ty:ident),*) $(-> $ret:ident)?;)*) => {
        /// The table compiled code calls builtins through.
        #[repr(C)]
        pub(crate) struct Builtins {
            $(pub $name: unsafe extern "C" fn(*mut VMContext $(, builtin_rust_type!($ty))*) $(-> builtin_rust_type!($ret))?,)*
        }

        /// A builtin, by name. (Not every builtin is called by compiled
        /// code: `host_call` and `host_settle` are the host functions'
        /// entries', `runtime::func::host_entry`.)
        #[allow(dead_code)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
        pub(crate) enum Builtin {
            $($variant,)*
        }

        impl Builtin {
            /// Its entry's offset in [`Builtins`].
            pub fn offset(self) -> usize {
                match self {
                    $(Builtin::$variant => offset_of!(Builtins, $name),)*
                }
            }

            /// Its parameters after the `VMContext`.
            pub fn params(self) -> &'static [BuiltinType] {
                match self {
                    $(Builtin::$variant => &[$(builtin_type!($ty)),*],)*
                }
            }

            /// Its result, if any.
            pub fn result(self) -> Option<BuiltinType> {
                match self {
                    $(Builtin::$variant => None $(.or(Some(builtin_type!($ret))))?,)*
                }
            }
        }
    };
}

for_each_builtin!(declare_builtins);
