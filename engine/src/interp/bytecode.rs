//! Petrel's interpreter bytecode: the one table of operations.
//!
//! The machine is register-based. Each function frame is an array of
//! 64-bit slots: parameters, then declared locals, then temporaries (the
//! Wasm operand stack, flattened by the translator). Operands name slots
//! directly, so most Wasm stack traffic never happens at run time.
//!
//! Encoding rules:
//! - Every op that produces a value writes it to its `dst` slot, declared
//!   first; the translator may retarget `dst` (for example onto the local
//!   of a following `local.set`), so a handler reads all its inputs before
//!   writing `dst`.
//! - Branch offsets are relative to the branching op, in ops.
//! - `Aux` ops carry extra operands of the op before them and are never
//!   dispatched.
//! - 32-bit values live in the low half of a slot; the high half is not
//!   significant, so wrapping and reinterpreting are plain copies.
//! - A `v128` takes two consecutive slots, low half first; an op's `v128`
//!   operand or result names the first. A handler reads all of its
//!   operands before writing either half of its result, so a result may
//!   overlap an operand.

/// A frame slot index.
pub(crate) type Slot = u16;

/// The tags an op of the table may carry: `=> branch` marks a branch whose
/// `offset` field the translator patches.
macro_rules! branch_tag {
    (branch) => {};
}

macro_rules! define_ops {
    (
        results { $( $(#[$rm:meta])* $rname:ident { $($rfield:ident : $rty:ty),* $(,)? } ),* $(,)? }
        others { $( $(#[$om:meta])* $oname:ident $({ $($ofield:ident : $oty:ty),* $(,)? })? $(=> $otag:ident)? ),* $(,)? }
        simd_results { $( $(#[$vm:meta])* $vname:ident { $($vfield:ident : $vty:ty),* $(,)? } ),* $(,)? }
        simd_others { $( $(#[$wm:meta])* $wname:ident { $($wfield:ident : $wty:ty),* $(,)? } ),* $(,)? }
        simd_late_results { $( $(#[$xm:meta])* $xname:ident { $($xfield:ident : $xty:ty),* $(,)? } ),* $(,)? }
    ) => {
        /// One interpreter operation.
        ///
        /// `repr(u16)`: every op starts with its kind as a `u16`, numbered
        /// in declaration order, which the threaded executor reads to
        /// dispatch (`exec/threaded.rs`); the operands follow in declared
        /// order, so they are declared to pack into 12 bytes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u16)]
        pub(crate) enum Op {
            $( $(#[$rm])* $rname { dst: Slot, $($rfield: $rty),* }, )*
            $( $(#[$vm])* $vname { dst: Slot, $($vfield: $vty),* }, )*
            $( $(#[$wm])* $wname { $($wfield: $wty),* }, )*
            $( $(#[$om])* $oname $({ $($ofield: $oty),* })?, )*
            $( $(#[$xm])* $xname { dst: Slot, $($xfield: $xty),* }, )*
        }

        /// How many kinds of op there are (one past the largest tag).
        #[cfg_attr(any(not(petrel_threaded), debug_assertions), allow(dead_code))]
        pub(crate) const OP_COUNT: usize = [
            $( stringify!($rname), )*
            $( stringify!($vname), )*
            $( stringify!($wname), )*
            $( stringify!($oname), )*
            $( stringify!($xname), )*
        ].len();

        impl Op {
            /// The branch offset of a branch op (one declared `=> branch`),
            /// which the translator patches once the target is known.
            pub(crate) fn branch_offset_mut(&mut self) -> Option<&mut i32> {
                match self {
                    $( $( Op::$oname { offset, .. } => {
                        branch_tag!($otag);
                        Some(offset)
                    } )? )*
                    _ => None,
                }
            }

            /// The slot this op writes its result to, if it produces one.
            pub(crate) fn dst_mut(&mut self) -> Option<&mut Slot> {
                match self {
                    $( Op::$rname { dst, .. } => Some(dst), )*
                    $( Op::$vname { dst, .. } => Some(dst), )*
                    $( Op::$xname { dst, .. } => Some(dst), )*
                    _ => None,
                }
            }
        }

        /// Every op's kind, without its operands, in declaration order:
        /// what the op profile (`exec/profile.rs`) counts by.
        #[cfg(feature = "op-profile")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u16)]
        #[allow(clippy::enum_variant_names)]
        pub(crate) enum OpKind {
            $( $rname, )*
            $( $vname, )*
            $( $wname, )*
            $( $oname, )*
            $( $xname, )*
        }

        #[cfg(feature = "op-profile")]
        impl OpKind {
            /// The kinds' names, indexed by `kind as usize`.
            pub(crate) const NAMES: &'static [&'static str] = &[
                $( stringify!($rname), )*
                $( stringify!($vname), )*
                $( stringify!($wname), )*
                $( stringify!($oname), )*
                $( stringify!($xname), )*
            ];
        }

        #[cfg(feature = "op-profile")]
        impl Op {
            /// This op's kind.
            pub(crate) fn kind(&self) -> OpKind {
                match self {
                    $( Op::$rname { .. } => OpKind::$rname, )*
                    $( Op::$vname { .. } => OpKind::$vname, )*
                    $( Op::$wname { .. } => OpKind::$wname, )*
                    $( Op::$oname { .. } => OpKind::$oname, )*
                    $( Op::$xname { .. } => OpKind::$xname, )*
                }
            }
        }

        /// A pattern matching every SIMD op (the ones `exec/simd.rs` runs),
        /// so the dispatch loop can send them all to one arm and still match
        /// exhaustively (a catch-all arm would cost every dispatch a range
        /// check).
        macro_rules! simd_ops {
            () => {
                $( Op::$vname { .. } )|* | $( Op::$wname { .. } )|* | $( Op::$xname { .. } )|*
            };
        }
        pub(crate) use simd_ops;
    };
}

define_ops! {
    results {
        // Moves and constants.
        Copy { src: Slot },
        /// A 32-bit constant (also f32 bits).
        Const32 { value: u32 },
        /// A sign-extended 32-bit constant as i64.
        Const64S { value: i32 },
        /// A 64-bit constant, `hi << 32 | lo`, in the op itself (a pool
        /// entry would need the function's pool, which the threaded
        /// executor does not have at hand: `f64` constants are common in
        /// loops).
        Const64 { lo: u32, hi: u32 },
        Select { cond: Slot, a: Slot, b: Slot },

        GlobalGet { index: u32 },

        // i32 arithmetic.
        I32Eqz { a: Slot },
        I32Eq { a: Slot, b: Slot },
        I32Ne { a: Slot, b: Slot },
        I32LtS { a: Slot, b: Slot },
        I32LtU { a: Slot, b: Slot },
        I32GtS { a: Slot, b: Slot },
        I32GtU { a: Slot, b: Slot },
        I32LeS { a: Slot, b: Slot },
        I32LeU { a: Slot, b: Slot },
        I32GeS { a: Slot, b: Slot },
        I32GeU { a: Slot, b: Slot },
        I32Clz { a: Slot },
        I32Ctz { a: Slot },
        I32Popcnt { a: Slot },
        I32Add { a: Slot, b: Slot },
        I32Sub { a: Slot, b: Slot },
        I32Mul { a: Slot, b: Slot },
        I32DivS { a: Slot, b: Slot },
        I32DivU { a: Slot, b: Slot },
        I32RemS { a: Slot, b: Slot },
        I32RemU { a: Slot, b: Slot },
        I32And { a: Slot, b: Slot },
        I32Or { a: Slot, b: Slot },
        I32Xor { a: Slot, b: Slot },
        I32Shl { a: Slot, b: Slot },
        I32ShrS { a: Slot, b: Slot },
        I32ShrU { a: Slot, b: Slot },
        I32Rotl { a: Slot, b: Slot },
        I32Rotr { a: Slot, b: Slot },
        // i32 with an immediate right operand.
        I32EqImm { a: Slot, imm: i32 },
        I32NeImm { a: Slot, imm: i32 },
        I32LtSImm { a: Slot, imm: i32 },
        I32LtUImm { a: Slot, imm: i32 },
        I32GtSImm { a: Slot, imm: i32 },
        I32GtUImm { a: Slot, imm: i32 },
        I32LeSImm { a: Slot, imm: i32 },
        I32LeUImm { a: Slot, imm: i32 },
        I32GeSImm { a: Slot, imm: i32 },
        I32GeUImm { a: Slot, imm: i32 },
        I32AddImm { a: Slot, imm: i32 },
        I32MulImm { a: Slot, imm: i32 },
        I32AndImm { a: Slot, imm: i32 },
        I32OrImm { a: Slot, imm: i32 },
        I32XorImm { a: Slot, imm: i32 },
        I32ShlImm { a: Slot, imm: i32 },
        I32ShrSImm { a: Slot, imm: i32 },
        I32ShrUImm { a: Slot, imm: i32 },
        I32RotlImm { a: Slot, imm: i32 },
        I32RotrImm { a: Slot, imm: i32 },

        // i64 arithmetic.
        I64Eqz { a: Slot },
        I64Eq { a: Slot, b: Slot },
        I64Ne { a: Slot, b: Slot },
        I64LtS { a: Slot, b: Slot },
        I64LtU { a: Slot, b: Slot },
        I64GtS { a: Slot, b: Slot },
        I64GtU { a: Slot, b: Slot },
        I64LeS { a: Slot, b: Slot },
        I64LeU { a: Slot, b: Slot },
        I64GeS { a: Slot, b: Slot },
        I64GeU { a: Slot, b: Slot },
        I64Clz { a: Slot },
        I64Ctz { a: Slot },
        I64Popcnt { a: Slot },
        I64Add { a: Slot, b: Slot },
        I64Sub { a: Slot, b: Slot },
        I64Mul { a: Slot, b: Slot },
        I64DivS { a: Slot, b: Slot },
        I64DivU { a: Slot, b: Slot },
        I64RemS { a: Slot, b: Slot },
        I64RemU { a: Slot, b: Slot },
        I64And { a: Slot, b: Slot },
        I64Or { a: Slot, b: Slot },
        I64Xor { a: Slot, b: Slot },
        I64Shl { a: Slot, b: Slot },
        I64ShrS { a: Slot, b: Slot },
        I64ShrU { a: Slot, b: Slot },
        I64Rotl { a: Slot, b: Slot },
        I64Rotr { a: Slot, b: Slot },
        // i64 with a sign-extended 32-bit immediate right operand.
        I64EqImm { a: Slot, imm: i32 },
        I64NeImm { a: Slot, imm: i32 },
        I64LtSImm { a: Slot, imm: i32 },
        I64LtUImm { a: Slot, imm: i32 },
        I64GtSImm { a: Slot, imm: i32 },
        I64GtUImm { a: Slot, imm: i32 },
        I64LeSImm { a: Slot, imm: i32 },
        I64LeUImm { a: Slot, imm: i32 },
        I64GeSImm { a: Slot, imm: i32 },
        I64GeUImm { a: Slot, imm: i32 },
        I64AddImm { a: Slot, imm: i32 },
        I64MulImm { a: Slot, imm: i32 },
        I64AndImm { a: Slot, imm: i32 },
        I64OrImm { a: Slot, imm: i32 },
        I64XorImm { a: Slot, imm: i32 },
        I64ShlImm { a: Slot, imm: i32 },
        I64ShrSImm { a: Slot, imm: i32 },
        I64ShrUImm { a: Slot, imm: i32 },
        I64RotlImm { a: Slot, imm: i32 },
        I64RotrImm { a: Slot, imm: i32 },

        // f32.
        F32Eq { a: Slot, b: Slot },
        F32Ne { a: Slot, b: Slot },
        F32Lt { a: Slot, b: Slot },
        F32Gt { a: Slot, b: Slot },
        F32Le { a: Slot, b: Slot },
        F32Ge { a: Slot, b: Slot },
        F32Abs { a: Slot },
        F32Neg { a: Slot },
        F32Ceil { a: Slot },
        F32Floor { a: Slot },
        F32Trunc { a: Slot },
        F32Nearest { a: Slot },
        F32Sqrt { a: Slot },
        F32Add { a: Slot, b: Slot },
        F32Sub { a: Slot, b: Slot },
        F32Mul { a: Slot, b: Slot },
        F32Div { a: Slot, b: Slot },
        F32Min { a: Slot, b: Slot },
        F32Max { a: Slot, b: Slot },
        F32Copysign { a: Slot, b: Slot },

        // f64.
        F64Eq { a: Slot, b: Slot },
        F64Ne { a: Slot, b: Slot },
        F64Lt { a: Slot, b: Slot },
        F64Gt { a: Slot, b: Slot },
        F64Le { a: Slot, b: Slot },
        F64Ge { a: Slot, b: Slot },
        F64Abs { a: Slot },
        F64Neg { a: Slot },
        F64Ceil { a: Slot },
        F64Floor { a: Slot },
        F64Trunc { a: Slot },
        F64Nearest { a: Slot },
        F64Sqrt { a: Slot },
        F64Add { a: Slot, b: Slot },
        F64Sub { a: Slot, b: Slot },
        F64Mul { a: Slot, b: Slot },
        F64Div { a: Slot, b: Slot },
        F64Min { a: Slot, b: Slot },
        F64Max { a: Slot, b: Slot },
        F64Copysign { a: Slot, b: Slot },

        // Conversions. (Wrapping and reinterpretations are `Copy`.)
        I32TruncF32S { a: Slot },
        I32TruncF32U { a: Slot },
        I32TruncF64S { a: Slot },
        I32TruncF64U { a: Slot },
        I64ExtendI32S { a: Slot },
        I64ExtendI32U { a: Slot },
        I64TruncF32S { a: Slot },
        I64TruncF32U { a: Slot },
        I64TruncF64S { a: Slot },
        I64TruncF64U { a: Slot },
        F32ConvertI32S { a: Slot },
        F32ConvertI32U { a: Slot },
        F32ConvertI64S { a: Slot },
        F32ConvertI64U { a: Slot },
        F32DemoteF64 { a: Slot },
        F64ConvertI32S { a: Slot },
        F64ConvertI32U { a: Slot },
        F64ConvertI64S { a: Slot },
        F64ConvertI64U { a: Slot },
        F64PromoteF32 { a: Slot },
        I32Extend8S { a: Slot },
        I32Extend16S { a: Slot },
        I64Extend8S { a: Slot },
        I64Extend16S { a: Slot },
        I32TruncSatF32S { a: Slot },
        I32TruncSatF32U { a: Slot },
        I32TruncSatF64S { a: Slot },
        I32TruncSatF64U { a: Slot },
        I64TruncSatF32S { a: Slot },
        I64TruncSatF32U { a: Slot },
        I64TruncSatF64S { a: Slot },
        I64TruncSatF64U { a: Slot },

        // Loads from memory 0 (or, after an `OnMemory` prefix, another), at
        // `ptr + offset`. Narrow loads extend to 64 bits, which serves the
        // i32 and i64 forms alike.
        Load8S { ptr: Slot, offset: u32 },
        Load8U { ptr: Slot, offset: u32 },
        Load16S { ptr: Slot, offset: u32 },
        Load16U { ptr: Slot, offset: u32 },
        Load32S { ptr: Slot, offset: u32 },
        Load32U { ptr: Slot, offset: u32 },
        Load64 { ptr: Slot, offset: u32 },
        // Loads from memory 0 (never after `OnMemory`) at `(a + b) mod 2^32
        // + offset`: the `i32.add` that computed the address, folded in
        // (the translator's `fuse_address`). Chosen from the op profile:
        // an add before a load or store is the commonest pair of ops in
        // the C kernels' loops.
        Load8SAdd { a: Slot, b: Slot, offset: u32 },
        Load8UAdd { a: Slot, b: Slot, offset: u32 },
        Load16SAdd { a: Slot, b: Slot, offset: u32 },
        Load16UAdd { a: Slot, b: Slot, offset: u32 },
        Load32SAdd { a: Slot, b: Slot, offset: u32 },
        Load32UAdd { a: Slot, b: Slot, offset: u32 },
        Load64Add { a: Slot, b: Slot, offset: u32 },
        // A 64-bit memory's address plus the high half of an offset of
        // 2^32 or more (the access after it takes the low half), or an
        // out-of-bounds trap when the sum passes 2^64.
        AddressHigh { ptr: Slot, high: u32 },
        // A table64 index, size or length clamped to `u32::MAX` (which no
        // table reaches, so it is as out of bounds as the value was):
        // the table ops then take it as a 32-bit one.
        ClampU32 { a: Slot },

        MemorySize {},
        MemoryGrow { delta: Slot },

        TableGet { index: Slot, table: u32 },
        TableSize { table: u32 },
        /// Followed by `Aux { a: table }`.
        TableGrow { init: Slot, delta: Slot },
        RefFunc { func: u32 },

        // Two-slot moves: a `v128` is two consecutive slots, low half first.
        GlobalGet2 { index: u32 },
    }
    others {
        /// Never dispatched: extra operands of the op before.
        Aux { a: u32, b: u32 },

        // Stores to memory 0 (or, after `OnMemory`), at `ptr + offset`.
        Store8 { ptr: Slot, src: Slot, offset: u32 },
        Store16 { ptr: Slot, src: Slot, offset: u32 },
        Store32 { ptr: Slot, src: Slot, offset: u32 },
        Store64 { ptr: Slot, src: Slot, offset: u32 },

        GlobalSet { src: Slot, index: u32 },
        GlobalSet2 { src: Slot, index: u32 },

        // Control.
        Unreachable,
        Br { offset: i32 } => branch,
        BrIfNez { cond: Slot, offset: i32 } => branch,
        BrIfEqz { cond: Slot, offset: i32 } => branch,
        /// Jumps where the op `1 + min(index, len)` after this one, a `Br`
        /// (the last one is the default target), jumps: the entries are
        /// the table, read by this op and never run.
        BrTable { index: Slot, len: u32 },
        // Fused compare-and-branch: branch when the comparison holds.
        BrI32Eq { a: Slot, b: Slot, offset: i32 } => branch,
        BrI32Ne { a: Slot, b: Slot, offset: i32 } => branch,
        BrI32LtS { a: Slot, b: Slot, offset: i32 } => branch,
        BrI32LtU { a: Slot, b: Slot, offset: i32 } => branch,
        BrI32GtS { a: Slot, b: Slot, offset: i32 } => branch,
        BrI32GtU { a: Slot, b: Slot, offset: i32 } => branch,
        BrI32LeS { a: Slot, b: Slot, offset: i32 } => branch,
        BrI32LeU { a: Slot, b: Slot, offset: i32 } => branch,
        BrI32GeS { a: Slot, b: Slot, offset: i32 } => branch,
        BrI32GeU { a: Slot, b: Slot, offset: i32 } => branch,
        BrI64Eq { a: Slot, b: Slot, offset: i32 } => branch,
        BrI64Ne { a: Slot, b: Slot, offset: i32 } => branch,
        BrI64LtS { a: Slot, b: Slot, offset: i32 } => branch,
        BrI64LtU { a: Slot, b: Slot, offset: i32 } => branch,
        BrI64GtS { a: Slot, b: Slot, offset: i32 } => branch,
        BrI64GtU { a: Slot, b: Slot, offset: i32 } => branch,
        BrI64LeS { a: Slot, b: Slot, offset: i32 } => branch,
        BrI64LeU { a: Slot, b: Slot, offset: i32 } => branch,
        BrI64GeS { a: Slot, b: Slot, offset: i32 } => branch,
        BrI64GeU { a: Slot, b: Slot, offset: i32 } => branch,
        /// Compare with a 16-bit immediate and branch.
        BrI32EqImm { a: Slot, imm: i16, offset: i32 } => branch,
        BrI32NeImm { a: Slot, imm: i16, offset: i32 } => branch,
        BrI32LtSImm { a: Slot, imm: i16, offset: i32 } => branch,
        BrI32LtUImm { a: Slot, imm: i16, offset: i32 } => branch,
        BrI32GtSImm { a: Slot, imm: i16, offset: i32 } => branch,
        BrI32GtUImm { a: Slot, imm: i16, offset: i32 } => branch,
        BrI32LeSImm { a: Slot, imm: i16, offset: i32 } => branch,
        BrI32LeUImm { a: Slot, imm: i16, offset: i32 } => branch,
        BrI32GeSImm { a: Slot, imm: i16, offset: i32 } => branch,
        BrI32GeUImm { a: Slot, imm: i16, offset: i32 } => branch,
        BrI64Nez { a: Slot, offset: i32 } => branch,
        BrI64Eqz { a: Slot, offset: i32 } => branch,

        Return,
        /// Returns `src` as the single result.
        Return1 { src: Slot },
        /// Returns the `count` values in slots `start..start + count`.
        ReturnN { start: Slot, count: u32 },

        /// Calls defined function `def` of this module; arguments are in
        /// slots `args..`, and results are written from `args` on.
        CallInternal { args: Slot, def: u32 },
        /// Calls function `func` (module function index) through the store:
        /// imports and host functions.
        CallImported { args: Slot, func: u32 },
        /// Calls through table `Aux.a` the function at slot `index`, which
        /// must have module type `ty`.
        CallIndirect { args: Slot, index: Slot, ty: u32 },

        // Memory 0 bulk operations (others after `OnMemory`).
        MemoryFill { dst: Slot, val: Slot, len: Slot },
        MemoryCopy { dst: Slot, src: Slot, len: Slot },
        /// Followed by `Aux { a: data segment }`.
        MemoryInit { dst: Slot, src: Slot, len: Slot },
        DataDrop { index: u32 },

        TableSet { index: Slot, value: Slot, table: u32 },
        /// Followed by `Aux { a: table }`.
        TableFill { dst: Slot, val: Slot, len: Slot },
        /// Followed by `Aux { a: dst table, b: src table }`.
        TableCopy { dst: Slot, src: Slot, len: Slot },
        /// Followed by `Aux { a: table, b: element segment }`.
        TableInit { dst: Slot, src: Slot, len: Slot },
        ElemDrop { index: u32 },

        /// Multi-memory prefix: the op after it (a load or store, scalar or
        /// `v128`, or `MemorySize/Grow/Fill/Copy/Init`) works on memory
        /// `memory` instead of memory 0; a `MemoryCopy` copies from memory
        /// `src` to memory `memory` (`src` is unused otherwise). Dispatched;
        /// it runs that op itself, out of line, so memory 0's ops carry no
        /// memory index and pay nothing for the others. Last in the table,
        /// so adding it left every other op's encoding as it was.
        OnMemory { memory: u32, src: u32 },

        // Limits, emitted only when the engine has them on (after the
        // others in the table, so they leave every other op's encoding as
        // it was). See `semantics::fuel` for where they go.
        /// Charges a segment's fuel.
        ConsumeFuel { amount: u32 },
        /// Charges a segment's fuel and traps when less than none is left
        /// (function entries and loop headers).
        ConsumeFuelCheck { amount: u32 },
        /// Traps with `Interrupt` when the engine's epoch has reached the
        /// store's deadline (function entries and loop headers).
        CheckEpoch,
        /// `Tier::Auto`, at the header of a loop a frame can leave with
        /// only its locals: counts the iteration, and once the store runs
        /// compiled code, moves the frame into the function's compiled
        /// twin from loop `ordinal` (its place among the body's `loop`
        /// operators), which runs the rest of the function.
        OsrPoint { ordinal: u32 },

        // Tail calls (after the others, so they left every other op's
        // encoding as it was). Each replaces the running function's frame
        // with the callee's: the arguments move from slots `args..` to the
        // frame's base and the callee returns to this function's caller.
        // A host callee cannot take over a frame; it is called as by the
        // `Call*` ops, and the return op the translator puts after every
        // tail call returns its results.
        /// Tail-calls defined function `def` of this module.
        ReturnCallInternal { args: Slot, def: u32 },
        /// Tail-calls function `func` (module function index) through the
        /// store.
        ReturnCallImported { args: Slot, func: u32 },
        /// Tail-calls through table `Aux.a` the function at slot `index`,
        /// which must have module type `ty`.
        ReturnCallIndirect { args: Slot, index: Slot, ty: u32 },

        // Typed function references (after the others, for the same
        // reason). Their types were checked at validation: only null needs
        // a check at run time.
        /// Calls the function reference in slot `func` (trapping on null).
        CallRef { args: Slot, func: Slot },
        /// Tail-calls the function reference in slot `func`.
        ReturnCallRef { args: Slot, func: Slot },
        /// Traps with `NullReference` if the reference in `src` is null.
        TrapIfNull { src: Slot },

        // Exception handling (after the others, for the same reason).
        /// Throws a new exception of tag `tag` (module tag index) with the
        /// payload in slots `args..`.
        Throw { args: Slot, tag: u32 },
        /// Throws the exception the `exnref` in `src` points at (trapping
        /// on null).
        ThrowRef { src: Slot },

        // Stores of a constant to memory 0 (never after `OnMemory`): the
        // constant is the op's (`value`, truncated to the store's width;
        // sign-extended for `Store64Imm`), so no op writes it to a slot
        // first. Chosen from the op profile: a constant store is one op in
        // seven of `sieve`. Last, so that no other op's encoding moved
        // (see docs/contributing.md).
        Store8Imm { ptr: Slot, offset: u32, value: u32 },
        Store16Imm { ptr: Slot, offset: u32, value: u32 },
        Store32Imm { ptr: Slot, offset: u32, value: u32 },
        Store64Imm { ptr: Slot, offset: u32, value: i32 },
        // Stores to memory 0 (never after `OnMemory`) at `(a + b) mod 2^32
        // + offset`, as the loads above; a constant only where it fits
        // beside the two address slots (8 and 16 bits).
        Store8Add { a: Slot, b: Slot, src: Slot, offset: u32 },
        Store16Add { a: Slot, b: Slot, src: Slot, offset: u32 },
        Store32Add { a: Slot, b: Slot, src: Slot, offset: u32 },
        Store64Add { a: Slot, b: Slot, src: Slot, offset: u32 },
        Store8ImmAdd { a: Slot, b: Slot, value: u8, offset: u32 },
        Store16ImmAdd { a: Slot, b: Slot, value: u16, offset: u32 },

        // Wide arithmetic (after the others, for the same reason; run out
        // of line). Each writes a 128-bit result as two `i64`s, the low
        // half to slot `dst` and the high half to `dst + 1`, after reading
        // all its inputs. Not in `results`: a following `local.set` takes
        // the high half, so `dst` must never be retargeted.
        /// `(a_lo, a_hi) + (b_lo, b_hi)`.
        I64Add128 { dst: Slot, a_lo: Slot, a_hi: Slot, b_lo: Slot, b_hi: Slot },
        /// `(a_lo, a_hi) - (b_lo, b_hi)`.
        I64Sub128 { dst: Slot, a_lo: Slot, a_hi: Slot, b_lo: Slot, b_hi: Slot },
        /// The signed 128-bit product of `a` and `b`.
        I64MulWideS { dst: Slot, a: Slot, b: Slot },
        /// The unsigned 128-bit product of `a` and `b`.
        I64MulWideU { dst: Slot, a: Slot, b: Slot },

        // The threads proposal (after the others, for the same reason; run
        // out of line by `exec/atomic.rs`).
        /// An atomic access: `kind` is `semantics::atomic::AtomicOp` << 2
        /// | the log2 of its size. Operands `ptr`, then `a` (the value,
        /// expected value or notify count) and `b` (cmpxchg's replacement,
        /// wait's timeout), all read before `dst` is written (not by a
        /// store). Followed by `Aux { a: offset, b: memory }`. Not in
        /// `results`: a store has no result to retarget.
        Atomic { dst: Slot, ptr: Slot, a: Slot, b: Slot, kind: u8 },
        /// `atomic.fence`.
        AtomicFence,

        // Test-and-branch (after the others, for the same reason): branch
        // when `a & b` (or `a & imm`) is zero (`Eqz`) or is not (`Nez`).
        // Chosen from the op profile: an `i32.and` with a constant right
        // before a `br_if` or an `if` is 2.2% of the ops `sqlite` and
        // `zlib` run.
        BrI32AndEqz { a: Slot, b: Slot, offset: i32 } => branch,
        BrI32AndNez { a: Slot, b: Slot, offset: i32 } => branch,
        BrI32AndImmEqz { a: Slot, imm: i32, offset: i32 } => branch,
        BrI32AndImmNez { a: Slot, imm: i32, offset: i32 } => branch,

        // A copy fused with the op after it (after the others, for the
        // same reason), in place (the translator's `fuse_in_place`): that op
        // stays where it was, so a branch to it still finds it, and this
        // one does its work too and goes past it. Chosen from the op
        // profile: two copies in a row (loop-carried values, call
        // arguments) are 1.3-2.6% of the ops `lua`, `zlib`, `sqlite` and
        // `json` run, a copy then a branch 0.7-1.5%.
        /// `dst = src`, then `dst2 = src2` (the `Copy` after this op,
        /// which it skips).
        CopyPair { dst: Slot, src: Slot, dst2: Slot, src2: Slot },
        /// `dst = src`, then the `Br` after this op (`offset` is that
        /// branch's, relative to this op).
        CopyBr { dst: Slot, src: Slot, offset: i32 } => branch,

        // Pairs (after the others, for the same reason): the first op of
        // a pair, retagged in place (the translator's `fuse_in_place`).
        // It does its own work (the op its name starts with, whose
        // operands it keeps), then, if the op after it is the one its name
        // ends with (always, as translated), that op's work too, and goes
        // past it. The second op stays where it was, so a branch to it
        // runs just that one, and no index moves. Neither op can trap.
        // Chosen from the op profile: these pairs are 4-10% of the ops of
        // `lua`, `zlib`, `sqlite` and `json`.
        I32AddImmThenAddImm { dst: Slot, a: Slot, imm: i32 },
        I32AddThenAddImm { dst: Slot, a: Slot, b: Slot },
        I32ShrUImmThenAndImm { dst: Slot, a: Slot, imm: i32 },
        I32AndImmThenShlImm { dst: Slot, a: Slot, imm: i32 },
        I32AndImmThenAdd { dst: Slot, a: Slot, imm: i32 },
        I32ShlImmThenAdd { dst: Slot, a: Slot, imm: i32 },
    }
    // SIMD (`v128`) ops, run out of line by `exec/simd.rs`, and the NaN
    // canonicalization ops, which exist only under
    // `Config::nan_canonicalization` and so stay out of the scalar loop too.
    simd_results {
        // Two-slot moves: a `v128` is two consecutive slots, low half first.
        Copy2 { src: Slot },
        /// `a` with a NaN replaced by the canonical NaN, after every
        /// float operation that may produce one.
        F32Canonical { a: Slot },
        F64Canonical { a: Slot },
        F32x4Canonical { a: Slot },
        F64x2Canonical { a: Slot },
        Select2 { cond: Slot, a: Slot, b: Slot },
        /// A `v128` constant: pool entries `index` and `index + 1`.
        V128Const { index: u32 },
        /// Lanes chosen by the 16 indices at pool entries `index..index + 2`.
        I8x16Shuffle { a: Slot, b: Slot, index: u32 },
        V128Bitselect { a: Slot, b: Slot, c: Slot },
        // Loads from memory 0, at `ptr + offset`.
        V128Load { ptr: Slot, offset: u32 },
        V128Load8x8S { ptr: Slot, offset: u32 },
        V128Load8x8U { ptr: Slot, offset: u32 },
        V128Load16x4S { ptr: Slot, offset: u32 },
        V128Load16x4U { ptr: Slot, offset: u32 },
        V128Load32x2S { ptr: Slot, offset: u32 },
        V128Load32x2U { ptr: Slot, offset: u32 },
        V128Load8Splat { ptr: Slot, offset: u32 },
        V128Load16Splat { ptr: Slot, offset: u32 },
        V128Load32Splat { ptr: Slot, offset: u32 },
        V128Load64Splat { ptr: Slot, offset: u32 },
        V128Load32Zero { ptr: Slot, offset: u32 },
        V128Load64Zero { ptr: Slot, offset: u32 },
        // Load one lane into a copy of `src`; followed by `Aux { a: offset }`.
        V128Load8Lane { ptr: Slot, src: Slot, lane: u8 },
        V128Load16Lane { ptr: Slot, src: Slot, lane: u8 },
        V128Load32Lane { ptr: Slot, src: Slot, lane: u8 },
        V128Load64Lane { ptr: Slot, src: Slot, lane: u8 },
        I8x16ExtractLaneS { a: Slot, lane: u8 },
        I8x16ExtractLaneU { a: Slot, lane: u8 },
        I16x8ExtractLaneS { a: Slot, lane: u8 },
        I16x8ExtractLaneU { a: Slot, lane: u8 },
        I32x4ExtractLane { a: Slot, lane: u8 },
        I64x2ExtractLane { a: Slot, lane: u8 },
        F32x4ExtractLane { a: Slot, lane: u8 },
        F64x2ExtractLane { a: Slot, lane: u8 },
        I8x16ReplaceLane { a: Slot, b: Slot, lane: u8 },
        I16x8ReplaceLane { a: Slot, b: Slot, lane: u8 },
        I32x4ReplaceLane { a: Slot, b: Slot, lane: u8 },
        I64x2ReplaceLane { a: Slot, b: Slot, lane: u8 },
        F32x4ReplaceLane { a: Slot, b: Slot, lane: u8 },
        F64x2ReplaceLane { a: Slot, b: Slot, lane: u8 },
        // Scalar to vector.
        I8x16Splat { a: Slot },
        I16x8Splat { a: Slot },
        I32x4Splat { a: Slot },
        I64x2Splat { a: Slot },
        F32x4Splat { a: Slot },
        F64x2Splat { a: Slot },
        // Vector to scalar.
        V128AnyTrue { a: Slot },
        I8x16AllTrue { a: Slot },
        I8x16Bitmask { a: Slot },
        I16x8AllTrue { a: Slot },
        I16x8Bitmask { a: Slot },
        I32x4AllTrue { a: Slot },
        I32x4Bitmask { a: Slot },
        I64x2AllTrue { a: Slot },
        I64x2Bitmask { a: Slot },
        // Vector unary.
        V128Not { a: Slot },
        I8x16Abs { a: Slot },
        I8x16Neg { a: Slot },
        I16x8Abs { a: Slot },
        I16x8Neg { a: Slot },
        I32x4Abs { a: Slot },
        I32x4Neg { a: Slot },
        I64x2Abs { a: Slot },
        I64x2Neg { a: Slot },
        I8x16Popcnt { a: Slot },
        I16x8ExtendLowI8x16S { a: Slot },
        I16x8ExtendLowI8x16U { a: Slot },
        I16x8ExtendHighI8x16S { a: Slot },
        I16x8ExtendHighI8x16U { a: Slot },
        I32x4ExtendLowI16x8S { a: Slot },
        I32x4ExtendLowI16x8U { a: Slot },
        I32x4ExtendHighI16x8S { a: Slot },
        I32x4ExtendHighI16x8U { a: Slot },
        I64x2ExtendLowI32x4S { a: Slot },
        I64x2ExtendLowI32x4U { a: Slot },
        I64x2ExtendHighI32x4S { a: Slot },
        I64x2ExtendHighI32x4U { a: Slot },
        I16x8ExtAddPairwiseI8x16S { a: Slot },
        I16x8ExtAddPairwiseI8x16U { a: Slot },
        I32x4ExtAddPairwiseI16x8S { a: Slot },
        I32x4ExtAddPairwiseI16x8U { a: Slot },
        F32x4Ceil { a: Slot },
        F32x4Floor { a: Slot },
        F32x4Trunc { a: Slot },
        F32x4Nearest { a: Slot },
        F32x4Abs { a: Slot },
        F32x4Neg { a: Slot },
        F32x4Sqrt { a: Slot },
        F64x2Ceil { a: Slot },
        F64x2Floor { a: Slot },
        F64x2Trunc { a: Slot },
        F64x2Nearest { a: Slot },
        F64x2Abs { a: Slot },
        F64x2Neg { a: Slot },
        F64x2Sqrt { a: Slot },
        I32x4TruncSatF32x4S { a: Slot },
        I32x4TruncSatF32x4U { a: Slot },
        F32x4ConvertI32x4S { a: Slot },
        F32x4ConvertI32x4U { a: Slot },
        I32x4TruncSatF64x2SZero { a: Slot },
        I32x4TruncSatF64x2UZero { a: Slot },
        F64x2ConvertLowI32x4S { a: Slot },
        F64x2ConvertLowI32x4U { a: Slot },
        F32x4DemoteF64x2Zero { a: Slot },
        F64x2PromoteLowF32x4 { a: Slot },
        // Vector binary.
        I8x16Add { a: Slot, b: Slot },
        I8x16Sub { a: Slot, b: Slot },
        I16x8Add { a: Slot, b: Slot },
        I16x8Sub { a: Slot, b: Slot },
        I32x4Add { a: Slot, b: Slot },
        I32x4Sub { a: Slot, b: Slot },
        I64x2Add { a: Slot, b: Slot },
        I64x2Sub { a: Slot, b: Slot },
        I8x16NarrowI16x8S { a: Slot, b: Slot },
        I8x16NarrowI16x8U { a: Slot, b: Slot },
        I16x8NarrowI32x4S { a: Slot, b: Slot },
        I16x8NarrowI32x4U { a: Slot, b: Slot },
        I8x16AddSatS { a: Slot, b: Slot },
        I8x16AddSatU { a: Slot, b: Slot },
        I8x16SubSatS { a: Slot, b: Slot },
        I8x16SubSatU { a: Slot, b: Slot },
        I8x16AvgrU { a: Slot, b: Slot },
        I16x8AddSatS { a: Slot, b: Slot },
        I16x8AddSatU { a: Slot, b: Slot },
        I16x8SubSatS { a: Slot, b: Slot },
        I16x8SubSatU { a: Slot, b: Slot },
        I16x8AvgrU { a: Slot, b: Slot },
        I8x16MinS { a: Slot, b: Slot },
        I8x16MinU { a: Slot, b: Slot },
        I8x16MaxS { a: Slot, b: Slot },
        I8x16MaxU { a: Slot, b: Slot },
        I16x8MinS { a: Slot, b: Slot },
        I16x8MinU { a: Slot, b: Slot },
        I16x8MaxS { a: Slot, b: Slot },
        I16x8MaxU { a: Slot, b: Slot },
        I32x4MinS { a: Slot, b: Slot },
        I32x4MinU { a: Slot, b: Slot },
        I32x4MaxS { a: Slot, b: Slot },
        I32x4MaxU { a: Slot, b: Slot },
        I16x8Mul { a: Slot, b: Slot },
        I32x4Mul { a: Slot, b: Slot },
        I64x2Mul { a: Slot, b: Slot },
        I16x8Q15MulrSatS { a: Slot, b: Slot },
        I32x4DotI16x8S { a: Slot, b: Slot },
        I16x8ExtMulLowI8x16S { a: Slot, b: Slot },
        I16x8ExtMulLowI8x16U { a: Slot, b: Slot },
        I16x8ExtMulHighI8x16S { a: Slot, b: Slot },
        I16x8ExtMulHighI8x16U { a: Slot, b: Slot },
        I32x4ExtMulLowI16x8S { a: Slot, b: Slot },
        I32x4ExtMulLowI16x8U { a: Slot, b: Slot },
        I32x4ExtMulHighI16x8S { a: Slot, b: Slot },
        I32x4ExtMulHighI16x8U { a: Slot, b: Slot },
        I64x2ExtMulLowI32x4S { a: Slot, b: Slot },
        I64x2ExtMulLowI32x4U { a: Slot, b: Slot },
        I64x2ExtMulHighI32x4S { a: Slot, b: Slot },
        I64x2ExtMulHighI32x4U { a: Slot, b: Slot },
        F32x4Add { a: Slot, b: Slot },
        F32x4Sub { a: Slot, b: Slot },
        F32x4Mul { a: Slot, b: Slot },
        F32x4Div { a: Slot, b: Slot },
        F32x4Min { a: Slot, b: Slot },
        F32x4Max { a: Slot, b: Slot },
        F32x4PMin { a: Slot, b: Slot },
        F32x4PMax { a: Slot, b: Slot },
        F64x2Add { a: Slot, b: Slot },
        F64x2Sub { a: Slot, b: Slot },
        F64x2Mul { a: Slot, b: Slot },
        F64x2Div { a: Slot, b: Slot },
        F64x2Min { a: Slot, b: Slot },
        F64x2Max { a: Slot, b: Slot },
        F64x2PMin { a: Slot, b: Slot },
        F64x2PMax { a: Slot, b: Slot },
        I8x16Swizzle { a: Slot, b: Slot },
        V128And { a: Slot, b: Slot },
        V128AndNot { a: Slot, b: Slot },
        V128Or { a: Slot, b: Slot },
        V128Xor { a: Slot, b: Slot },
        I8x16Eq { a: Slot, b: Slot },
        I8x16Ne { a: Slot, b: Slot },
        I8x16LtS { a: Slot, b: Slot },
        I8x16LtU { a: Slot, b: Slot },
        I8x16GtS { a: Slot, b: Slot },
        I8x16GtU { a: Slot, b: Slot },
        I8x16LeS { a: Slot, b: Slot },
        I8x16LeU { a: Slot, b: Slot },
        I8x16GeS { a: Slot, b: Slot },
        I8x16GeU { a: Slot, b: Slot },
        I16x8Eq { a: Slot, b: Slot },
        I16x8Ne { a: Slot, b: Slot },
        I16x8LtS { a: Slot, b: Slot },
        I16x8LtU { a: Slot, b: Slot },
        I16x8GtS { a: Slot, b: Slot },
        I16x8GtU { a: Slot, b: Slot },
        I16x8LeS { a: Slot, b: Slot },
        I16x8LeU { a: Slot, b: Slot },
        I16x8GeS { a: Slot, b: Slot },
        I16x8GeU { a: Slot, b: Slot },
        I32x4Eq { a: Slot, b: Slot },
        I32x4Ne { a: Slot, b: Slot },
        I32x4LtS { a: Slot, b: Slot },
        I32x4LtU { a: Slot, b: Slot },
        I32x4GtS { a: Slot, b: Slot },
        I32x4GtU { a: Slot, b: Slot },
        I32x4LeS { a: Slot, b: Slot },
        I32x4LeU { a: Slot, b: Slot },
        I32x4GeS { a: Slot, b: Slot },
        I32x4GeU { a: Slot, b: Slot },
        I64x2Eq { a: Slot, b: Slot },
        I64x2Ne { a: Slot, b: Slot },
        I64x2LtS { a: Slot, b: Slot },
        I64x2GtS { a: Slot, b: Slot },
        I64x2LeS { a: Slot, b: Slot },
        I64x2GeS { a: Slot, b: Slot },
        F32x4Eq { a: Slot, b: Slot },
        F32x4Ne { a: Slot, b: Slot },
        F32x4Lt { a: Slot, b: Slot },
        F32x4Gt { a: Slot, b: Slot },
        F32x4Le { a: Slot, b: Slot },
        F32x4Ge { a: Slot, b: Slot },
        F64x2Eq { a: Slot, b: Slot },
        F64x2Ne { a: Slot, b: Slot },
        F64x2Lt { a: Slot, b: Slot },
        F64x2Gt { a: Slot, b: Slot },
        F64x2Le { a: Slot, b: Slot },
        F64x2Ge { a: Slot, b: Slot },
        // Shifts by an i32 amount (modulo the lane width).
        I8x16Shl { a: Slot, b: Slot },
        I8x16ShrS { a: Slot, b: Slot },
        I8x16ShrU { a: Slot, b: Slot },
        I16x8Shl { a: Slot, b: Slot },
        I16x8ShrS { a: Slot, b: Slot },
        I16x8ShrU { a: Slot, b: Slot },
        I32x4Shl { a: Slot, b: Slot },
        I32x4ShrS { a: Slot, b: Slot },
        I32x4ShrU { a: Slot, b: Slot },
        I64x2Shl { a: Slot, b: Slot },
        I64x2ShrS { a: Slot, b: Slot },
        I64x2ShrU { a: Slot, b: Slot },
    }
    simd_others {
        V128Store { ptr: Slot, src: Slot, offset: u32 },
        // Store lane `lane` of `src` to memory 0 at `ptr + offset`.
        V128Store8Lane { ptr: Slot, src: Slot, lane: u8, offset: u32 },
        V128Store16Lane { ptr: Slot, src: Slot, lane: u8, offset: u32 },
        V128Store32Lane { ptr: Slot, src: Slot, lane: u8, offset: u32 },
        V128Store64Lane { ptr: Slot, src: Slot, lane: u8, offset: u32 },
    }
    // SIMD ops added after the others (relaxed SIMD), last in the table so
    // that every other op's encoding stayed as it was; run by
    // `exec/simd.rs` like the rest. The relaxed operators whose
    // deterministic result is a strict operator's (`relaxed_swizzle`, the
    // truncations, `relaxed_laneselect`, `relaxed_min`/`max`,
    // `relaxed_q15mulr_s`) are translated to that op and need none here.
    simd_late_results {
        /// `a * b + c` in each lane, fused.
        F32x4RelaxedMadd { a: Slot, b: Slot, c: Slot },
        /// `-(a * b) + c` in each lane, fused.
        F32x4RelaxedNmadd { a: Slot, b: Slot, c: Slot },
        F64x2RelaxedMadd { a: Slot, b: Slot, c: Slot },
        F64x2RelaxedNmadd { a: Slot, b: Slot, c: Slot },
        I16x8RelaxedDotI8x16I7x16S { a: Slot, b: Slot },
        I32x4RelaxedDotI8x16I7x16AddS { a: Slot, b: Slot, c: Slot },
    }
}

// Keep ops small: the whole point of a compact bytecode.
const _: () = assert!(core::mem::size_of::<Op>() <= 12);
