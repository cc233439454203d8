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

/// A frame slot index.
pub(crate) type Slot = u16;

macro_rules! define_ops {
    (
        results { $( $(#[$rm:meta])* $rname:ident { $($rfield:ident : $rty:ty),* $(,)? } ),* $(,)? }
        others { $( $(#[$om:meta])* $oname:ident $({ $($ofield:ident : $oty:ty),* $(,)? })? ),* $(,)? }
    ) => {
        /// One interpreter operation.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Op {
            $( $(#[$rm])* $rname { dst: Slot, $($rfield: $rty),* }, )*
            $( $(#[$om])* $oname $({ $($ofield: $oty),* })?, )*
        }

        impl Op {
            /// The slot this op writes its result to, if it produces one.
            pub(crate) fn dst_mut(&mut self) -> Option<&mut Slot> {
                match self {
                    $( Op::$rname { dst, .. } => Some(dst), )*
                    _ => None,
                }
            }
        }
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
        /// A 64-bit constant from the function's constant pool.
        ConstPool { index: u32 },
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

        // Loads from memory 0, at `ptr + offset`. Narrow loads extend to 64
        // bits, which serves the i32 and i64 forms alike.
        Load8S { ptr: Slot, offset: u32 },
        Load8U { ptr: Slot, offset: u32 },
        Load16S { ptr: Slot, offset: u32 },
        Load16U { ptr: Slot, offset: u32 },
        Load32S { ptr: Slot, offset: u32 },
        Load32U { ptr: Slot, offset: u32 },
        Load64 { ptr: Slot, offset: u32 },

        MemorySize {},
        MemoryGrow { delta: Slot },

        TableGet { index: Slot, table: u32 },
        TableSize { table: u32 },
        /// Followed by `Aux { a: table }`.
        TableGrow { init: Slot, delta: Slot },
        RefFunc { func: u32 },
    }
    others {
        /// Never dispatched: extra operands of the op before.
        Aux { a: u32, b: u32 },

        // Stores to memory 0, at `ptr + offset`.
        Store8 { ptr: Slot, src: Slot, offset: u32 },
        Store16 { ptr: Slot, src: Slot, offset: u32 },
        Store32 { ptr: Slot, src: Slot, offset: u32 },
        Store64 { ptr: Slot, src: Slot, offset: u32 },

        GlobalSet { src: Slot, index: u32 },

        // Control.
        Unreachable,
        Br { offset: i32 },
        BrIfNez { cond: Slot, offset: i32 },
        BrIfEqz { cond: Slot, offset: i32 },
        /// Jumps to the op `1 + min(index, len)` after this one, which is a
        /// `Br` (the last one is the default target).
        BrTable { index: Slot, len: u32 },
        // Fused compare-and-branch: branch when the comparison holds.
        BrI32Eq { a: Slot, b: Slot, offset: i32 },
        BrI32Ne { a: Slot, b: Slot, offset: i32 },
        BrI32LtS { a: Slot, b: Slot, offset: i32 },
        BrI32LtU { a: Slot, b: Slot, offset: i32 },
        BrI32GtS { a: Slot, b: Slot, offset: i32 },
        BrI32GtU { a: Slot, b: Slot, offset: i32 },
        BrI32LeS { a: Slot, b: Slot, offset: i32 },
        BrI32LeU { a: Slot, b: Slot, offset: i32 },
        BrI32GeS { a: Slot, b: Slot, offset: i32 },
        BrI32GeU { a: Slot, b: Slot, offset: i32 },
        BrI64Eq { a: Slot, b: Slot, offset: i32 },
        BrI64Ne { a: Slot, b: Slot, offset: i32 },
        BrI64LtS { a: Slot, b: Slot, offset: i32 },
        BrI64LtU { a: Slot, b: Slot, offset: i32 },
        BrI64GtS { a: Slot, b: Slot, offset: i32 },
        BrI64GtU { a: Slot, b: Slot, offset: i32 },
        BrI64LeS { a: Slot, b: Slot, offset: i32 },
        BrI64LeU { a: Slot, b: Slot, offset: i32 },
        BrI64GeS { a: Slot, b: Slot, offset: i32 },
        BrI64GeU { a: Slot, b: Slot, offset: i32 },
        /// Compare with a 16-bit immediate and branch.
        BrI32EqImm { a: Slot, imm: i16, offset: i32 },
        BrI32NeImm { a: Slot, imm: i16, offset: i32 },
        BrI32LtSImm { a: Slot, imm: i16, offset: i32 },
        BrI32LtUImm { a: Slot, imm: i16, offset: i32 },
        BrI32GtSImm { a: Slot, imm: i16, offset: i32 },
        BrI32GtUImm { a: Slot, imm: i16, offset: i32 },
        BrI32LeSImm { a: Slot, imm: i16, offset: i32 },
        BrI32LeUImm { a: Slot, imm: i16, offset: i32 },
        BrI32GeSImm { a: Slot, imm: i16, offset: i32 },
        BrI32GeUImm { a: Slot, imm: i16, offset: i32 },
        BrI64Nez { a: Slot, offset: i32 },
        BrI64Eqz { a: Slot, offset: i32 },

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

        // Memory 0 bulk operations.
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
    }
}

// Keep ops small: the whole point of a compact bytecode.
const _: () = assert!(core::mem::size_of::<Op>() <= 12);
