//! Fixed-width SIMD (`v128`) operators, lowered to Cranelift's vector
//! types.
//!
//! Every `v128` the translator holds (on the operand stack, in a local, as
//! a block parameter, a global or a call argument) is an `i8x16` IR value:
//! one canonical type, so values from different operators agree at block
//! joins and variables. Each operator bitcasts its operands to the lane
//! type it works on and its result back, which costs nothing in the vector
//! register file.
//!
//! The lowerings are the shapes Cranelift's backends pattern-match for
//! Wasm (for example `iadd_pairwise` of `swiden_low`/`swiden_high` for
//! `extadd_pairwise`, or `snarrow` of `fcvt_to_sint_sat` with a zero
//! vector for `trunc_sat_f64x2_s_zero`), so each becomes the short
//! instruction sequence the ISA offers. Lane semantics are exact; NaN bit
//! patterns are not canonicalized, which Wasm allows. Relaxed SIMD is in
//! `relaxed_simd.rs`.
//!
//! SECURITY-CRITICAL like its parent: every linear-memory access goes
//! through `mem_addr`, the one place bounds are checked.

use super::Translator;
use crate::error::CompileError;
use crate::jit::unsupported;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32X4, F64X2, I16X8, I32X4, I64X2, I8X16};
use cranelift_codegen::ir::{
    types, ConstantData, Endianness, InstBuilder, MemFlagsData, Type, Value,
};
use cranelift_frontend::FunctionBuilder;
use wasmparser::{MemArg, Operator};

pub(crate) use crate::jit::compile::abi::V128;

/// Flags for a bitcast between vector types: lanes in little-endian
/// order, as Wasm numbers them.
fn lane_order() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

/// How an extended multiply widens its operands.
#[derive(Clone, Copy)]
enum Widen {
    LowS,
    HighS,
    LowU,
    HighU,
}

impl<'f> Translator<'_, 'f> {
    // ---- values -------------------------------------------------------

    /// `v` as a value of vector type `ty` (a bitcast if it is not one).
    pub(super) fn as_vector(&mut self, v: Value, ty: Type) -> Value {
        if self.b.func.dfg.value_type(v) == ty {
            v
        } else {
            self.b.ins().bitcast(ty, lane_order(), v)
        }
    }

    /// Pops a `v128` and views it as `ty`.
    pub(super) fn pop_vector(&mut self, ty: Type) -> Value {
        let v = self
            .stack
            .pop()
            .expect("validated: operand stack underflow");
        self.as_vector(v, ty)
    }

    fn pop_scalar(&mut self) -> Value {
        self.stack
            .pop()
            .expect("validated: operand stack underflow")
    }

    /// Pushes a vector of any lane type as a canonical `v128`.
    pub(super) fn push_vector(&mut self, v: Value) {
        let v = self.as_vector(v, V128);
        self.stack.push(v);
    }

    /// A constant vector of type `ty` with the given bits (lane 0 in the
    /// least significant bits).
    pub(super) fn vector_const(&mut self, ty: Type, bits: u128) -> Value {
        let c = self
            .b
            .func
            .dfg
            .constants
            .insert(ConstantData::from(&bits.to_le_bytes()[..]));
        self.b.ins().vconst(ty, c)
    }

    // ---- operator shapes ----------------------------------------------

    pub(super) fn v_unary(
        &mut self,
        ty: Type,
        op: impl FnOnce(&mut FunctionBuilder<'f>, Value) -> Value,
    ) {
        let x = self.pop_vector(ty);
        let v = op(&mut self.b, x);
        self.push_vector(v);
    }

    pub(super) fn v_binary(
        &mut self,
        ty: Type,
        op: impl FnOnce(&mut FunctionBuilder<'f>, Value, Value) -> Value,
    ) {
        let y = self.pop_vector(ty);
        let x = self.pop_vector(ty);
        let v = op(&mut self.b, x, y);
        self.push_vector(v);
    }

    /// A lane-wise comparison: each result lane is all ones or all zeros.
    fn v_icmp(&mut self, ty: Type, cc: IntCC) {
        self.v_binary(ty, |b, x, y| b.ins().icmp(cc, x, y));
    }

    fn v_fcmp(&mut self, ty: Type, cc: FloatCC) {
        self.v_binary(ty, |b, x, y| b.ins().fcmp(cc, x, y));
    }

    /// A shift by an `i32` amount; Cranelift takes the amount modulo the
    /// lane width, as Wasm does.
    fn v_shift(
        &mut self,
        ty: Type,
        op: impl FnOnce(&mut FunctionBuilder<'f>, Value, Value) -> Value,
    ) {
        let amount = self.pop_scalar();
        let x = self.pop_vector(ty);
        let v = op(&mut self.b, x, amount);
        self.push_vector(v);
    }

    /// `all_true` and `any_true` (an `i8` in IR) as an `i32`.
    fn v_reduce(&mut self, ty: Type, all: bool) {
        let x = self.pop_vector(ty);
        let t = if all {
            self.b.ins().vall_true(x)
        } else {
            self.b.ins().vany_true(x)
        };
        let t = self.b.ins().uextend(types::I32, t);
        self.stack.push(t);
    }

    fn v_bitmask(&mut self, ty: Type) {
        let x = self.pop_vector(ty);
        let m = self.b.ins().vhigh_bits(types::I32, x);
        self.stack.push(m);
    }

    fn splat(&mut self, ty: Type) {
        let x = self.pop_scalar();
        let lane = ty.lane_type();
        let x = if lane.is_int() && lane.bits() < 32 {
            self.b.ins().ireduce(lane, x)
        } else {
            x
        };
        let v = self.b.ins().splat(ty, x);
        self.push_vector(v);
    }

    /// `extract_lane`; `signed` says how a narrow lane widens to `i32`.
    fn extract_lane(&mut self, ty: Type, lane: u8, signed: Option<bool>) {
        let v = self.pop_vector(ty);
        let x = self.b.ins().extractlane(v, lane);
        let x = match signed {
            Some(true) => self.b.ins().sextend(types::I32, x),
            Some(false) => self.b.ins().uextend(types::I32, x),
            None => x,
        };
        self.stack.push(x);
    }

    fn replace_lane(&mut self, ty: Type, lane: u8) {
        let x = self.pop_scalar();
        let v = self.pop_vector(ty);
        let lane_ty = ty.lane_type();
        let x = if lane_ty.is_int() && lane_ty.bits() < 32 {
            self.b.ins().ireduce(lane_ty, x)
        } else {
            x
        };
        let v = self.b.ins().insertlane(v, x, lane);
        self.push_vector(v);
    }

    fn widen(b: &mut FunctionBuilder<'f>, how: Widen, x: Value) -> Value {
        match how {
            Widen::LowS => b.ins().swiden_low(x),
            Widen::HighS => b.ins().swiden_high(x),
            Widen::LowU => b.ins().uwiden_low(x),
            Widen::HighU => b.ins().uwiden_high(x),
        }
    }

    /// `extend_{low,high}`: lanes of the narrow type `ty` widened.
    fn v_extend(&mut self, ty: Type, how: Widen) {
        self.v_unary(ty, |b, x| Self::widen(b, how, x));
    }

    /// `extmul_{low,high}`: both operands widened, then multiplied.
    fn v_extmul(&mut self, ty: Type, how: Widen) {
        self.v_binary(ty, |b, x, y| {
            let x = Self::widen(b, how, x);
            let y = Self::widen(b, how, y);
            b.ins().imul(x, y)
        });
    }

    /// `extadd_pairwise`: adjacent lanes of `ty` added into wider lanes.
    fn v_extadd_pairwise(&mut self, ty: Type, signed: bool) {
        self.v_unary(ty, |b, x| {
            let (lo, hi) = if signed {
                (b.ins().swiden_low(x), b.ins().swiden_high(x))
            } else {
                (b.ins().uwiden_low(x), b.ins().uwiden_high(x))
            };
            b.ins().iadd_pairwise(lo, hi)
        });
    }

    /// `pmin` (`y < x ? y : x`) and `pmax` (`x < y ? y : x`): plain
    /// comparisons, so a NaN operand selects `x` and zeros keep `x`'s sign.
    pub(super) fn v_pminmax(&mut self, ty: Type, max: bool) {
        self.v_binary(ty, |b, x, y| {
            let less = if max {
                b.ins().fcmp(FloatCC::LessThan, x, y)
            } else {
                b.ins().fcmp(FloatCC::LessThan, y, x)
            };
            let less = b.ins().bitcast(ty, lane_order(), less);
            b.ins().bitselect(less, y, x)
        });
    }

    // ---- memory -------------------------------------------------------

    /// A load of `ty` from `size` bytes, made into a vector by `make`.
    fn v_load(
        &mut self,
        arg: &MemArg,
        size: u32,
        load: impl FnOnce(&mut FunctionBuilder<'f>, MemFlagsData, Value, i32) -> Value,
    ) -> Result<(), CompileError> {
        let (addr, off) = self.mem_addr(arg, size)?;
        let f = self.env.heap();
        let v = load(&mut self.b, f, addr, off);
        self.push_vector(v);
        Ok(())
    }

    /// A scalar of `lane` loaded and broadcast (`splat`) or put in lane 0
    /// of a zero vector (`zero`), as a vector of type `ty`.
    fn v_load_scalar(&mut self, arg: &MemArg, ty: Type, splat: bool) -> Result<(), CompileError> {
        let lane = ty.lane_type();
        self.v_load(arg, lane.bytes(), |b, f, addr, off| {
            let x = b.ins().load(lane, f, addr, off);
            if splat {
                b.ins().splat(ty, x)
            } else {
                b.ins().scalar_to_vector(ty, x)
            }
        })
    }

    fn v_load_lane(&mut self, arg: &MemArg, ty: Type, lane: u8) -> Result<(), CompileError> {
        let v = self.pop_vector(ty);
        let lane_ty = ty.lane_type();
        let (addr, off) = self.mem_addr(arg, lane_ty.bytes())?;
        let f = self.env.heap();
        let x = self.b.ins().load(lane_ty, f, addr, off);
        let v = self.b.ins().insertlane(v, x, lane);
        self.push_vector(v);
        Ok(())
    }

    fn v_store_lane(&mut self, arg: &MemArg, ty: Type, lane: u8) -> Result<(), CompileError> {
        let v = self.pop_vector(ty);
        let x = self.b.ins().extractlane(v, lane);
        let lane_ty = ty.lane_type();
        let (addr, off) = self.mem_addr(arg, lane_ty.bytes())?;
        self.probe_store(arg, lane_ty, addr, off);
        let f = self.env.heap();
        self.b.ins().store(f, x, addr, off);
        Ok(())
    }

    // ---- the operators ------------------------------------------------

    /// Translates one SIMD operator.
    #[allow(clippy::too_many_lines)]
    pub(super) fn simd_operator(&mut self, op: &Operator<'_>) -> Result<(), CompileError> {
        use Operator as O;
        use Widen::{HighS, HighU, LowS, LowU};
        if !self.env.simd {
            return Err(super::no_simd());
        }
        match op {
            // Memory.
            O::V128Load { memarg } => {
                self.v_load(memarg, 16, |b, f, a, o| b.ins().load(V128, f, a, o))?
            }
            O::V128Load8x8S { memarg } => {
                self.v_load(memarg, 8, |b, f, a, o| b.ins().sload8x8(f, a, o))?
            }
            O::V128Load8x8U { memarg } => {
                self.v_load(memarg, 8, |b, f, a, o| b.ins().uload8x8(f, a, o))?
            }
            O::V128Load16x4S { memarg } => {
                self.v_load(memarg, 8, |b, f, a, o| b.ins().sload16x4(f, a, o))?
            }
            O::V128Load16x4U { memarg } => {
                self.v_load(memarg, 8, |b, f, a, o| b.ins().uload16x4(f, a, o))?
            }
            O::V128Load32x2S { memarg } => {
                self.v_load(memarg, 8, |b, f, a, o| b.ins().sload32x2(f, a, o))?
            }
            O::V128Load32x2U { memarg } => {
                self.v_load(memarg, 8, |b, f, a, o| b.ins().uload32x2(f, a, o))?
            }
            O::V128Load8Splat { memarg } => self.v_load_scalar(memarg, I8X16, true)?,
            O::V128Load16Splat { memarg } => self.v_load_scalar(memarg, I16X8, true)?,
            O::V128Load32Splat { memarg } => self.v_load_scalar(memarg, I32X4, true)?,
            O::V128Load64Splat { memarg } => self.v_load_scalar(memarg, I64X2, true)?,
            O::V128Load32Zero { memarg } => self.v_load_scalar(memarg, I32X4, false)?,
            O::V128Load64Zero { memarg } => self.v_load_scalar(memarg, I64X2, false)?,
            O::V128Store { memarg } => {
                let v = self.pop_vector(V128);
                let (addr, off) = self.mem_addr(memarg, 16)?;
                self.probe_store(memarg, V128, addr, off);
                let f = self.env.heap();
                self.b.ins().store(f, v, addr, off);
            }
            O::V128Load8Lane { memarg, lane } => self.v_load_lane(memarg, I8X16, *lane)?,
            O::V128Load16Lane { memarg, lane } => self.v_load_lane(memarg, I16X8, *lane)?,
            O::V128Load32Lane { memarg, lane } => self.v_load_lane(memarg, I32X4, *lane)?,
            O::V128Load64Lane { memarg, lane } => self.v_load_lane(memarg, I64X2, *lane)?,
            O::V128Store8Lane { memarg, lane } => self.v_store_lane(memarg, I8X16, *lane)?,
            O::V128Store16Lane { memarg, lane } => self.v_store_lane(memarg, I16X8, *lane)?,
            O::V128Store32Lane { memarg, lane } => self.v_store_lane(memarg, I32X4, *lane)?,
            O::V128Store64Lane { memarg, lane } => self.v_store_lane(memarg, I64X2, *lane)?,

            // Constants, lanes, shuffles.
            O::V128Const { value } => {
                let v = self.vector_const(V128, u128::from_le_bytes(*value.bytes()));
                self.stack.push(v);
            }
            O::I8x16Shuffle { lanes } => {
                let y = self.pop_vector(V128);
                let x = self.pop_vector(V128);
                // Wasm and Cranelift agree: 0-15 pick from `x`, 16-31 from `y`.
                let mask = self
                    .b
                    .func
                    .dfg
                    .immediates
                    .push(ConstantData::from(&lanes[..]));
                let v = self.b.ins().shuffle(x, y, mask);
                self.stack.push(v);
            }
            // Cranelift's `swizzle` zeroes lanes whose index is 16 or more,
            // as Wasm's does.
            O::I8x16Swizzle => self.v_binary(I8X16, |b, x, s| b.ins().swizzle(x, s)),
            O::I8x16Splat => self.splat(I8X16),
            O::I16x8Splat => self.splat(I16X8),
            O::I32x4Splat => self.splat(I32X4),
            O::I64x2Splat => self.splat(I64X2),
            O::F32x4Splat => self.splat(F32X4),
            O::F64x2Splat => self.splat(F64X2),
            O::I8x16ExtractLaneS { lane } => self.extract_lane(I8X16, *lane, Some(true)),
            O::I8x16ExtractLaneU { lane } => self.extract_lane(I8X16, *lane, Some(false)),
            O::I16x8ExtractLaneS { lane } => self.extract_lane(I16X8, *lane, Some(true)),
            O::I16x8ExtractLaneU { lane } => self.extract_lane(I16X8, *lane, Some(false)),
            O::I32x4ExtractLane { lane } => self.extract_lane(I32X4, *lane, None),
            O::I64x2ExtractLane { lane } => self.extract_lane(I64X2, *lane, None),
            O::F32x4ExtractLane { lane } => self.extract_lane(F32X4, *lane, None),
            O::F64x2ExtractLane { lane } => self.extract_lane(F64X2, *lane, None),
            O::I8x16ReplaceLane { lane } => self.replace_lane(I8X16, *lane),
            O::I16x8ReplaceLane { lane } => self.replace_lane(I16X8, *lane),
            O::I32x4ReplaceLane { lane } => self.replace_lane(I32X4, *lane),
            O::I64x2ReplaceLane { lane } => self.replace_lane(I64X2, *lane),
            O::F32x4ReplaceLane { lane } => self.replace_lane(F32X4, *lane),
            O::F64x2ReplaceLane { lane } => self.replace_lane(F64X2, *lane),

            // Integer comparisons.
            O::I8x16Eq => self.v_icmp(I8X16, IntCC::Equal),
            O::I8x16Ne => self.v_icmp(I8X16, IntCC::NotEqual),
            O::I8x16LtS => self.v_icmp(I8X16, IntCC::SignedLessThan),
            O::I8x16LtU => self.v_icmp(I8X16, IntCC::UnsignedLessThan),
            O::I8x16GtS => self.v_icmp(I8X16, IntCC::SignedGreaterThan),
            O::I8x16GtU => self.v_icmp(I8X16, IntCC::UnsignedGreaterThan),
            O::I8x16LeS => self.v_icmp(I8X16, IntCC::SignedLessThanOrEqual),
            O::I8x16LeU => self.v_icmp(I8X16, IntCC::UnsignedLessThanOrEqual),
            O::I8x16GeS => self.v_icmp(I8X16, IntCC::SignedGreaterThanOrEqual),
            O::I8x16GeU => self.v_icmp(I8X16, IntCC::UnsignedGreaterThanOrEqual),
            O::I16x8Eq => self.v_icmp(I16X8, IntCC::Equal),
            O::I16x8Ne => self.v_icmp(I16X8, IntCC::NotEqual),
            O::I16x8LtS => self.v_icmp(I16X8, IntCC::SignedLessThan),
            O::I16x8LtU => self.v_icmp(I16X8, IntCC::UnsignedLessThan),
            O::I16x8GtS => self.v_icmp(I16X8, IntCC::SignedGreaterThan),
            O::I16x8GtU => self.v_icmp(I16X8, IntCC::UnsignedGreaterThan),
            O::I16x8LeS => self.v_icmp(I16X8, IntCC::SignedLessThanOrEqual),
            O::I16x8LeU => self.v_icmp(I16X8, IntCC::UnsignedLessThanOrEqual),
            O::I16x8GeS => self.v_icmp(I16X8, IntCC::SignedGreaterThanOrEqual),
            O::I16x8GeU => self.v_icmp(I16X8, IntCC::UnsignedGreaterThanOrEqual),
            O::I32x4Eq => self.v_icmp(I32X4, IntCC::Equal),
            O::I32x4Ne => self.v_icmp(I32X4, IntCC::NotEqual),
            O::I32x4LtS => self.v_icmp(I32X4, IntCC::SignedLessThan),
            O::I32x4LtU => self.v_icmp(I32X4, IntCC::UnsignedLessThan),
            O::I32x4GtS => self.v_icmp(I32X4, IntCC::SignedGreaterThan),
            O::I32x4GtU => self.v_icmp(I32X4, IntCC::UnsignedGreaterThan),
            O::I32x4LeS => self.v_icmp(I32X4, IntCC::SignedLessThanOrEqual),
            O::I32x4LeU => self.v_icmp(I32X4, IntCC::UnsignedLessThanOrEqual),
            O::I32x4GeS => self.v_icmp(I32X4, IntCC::SignedGreaterThanOrEqual),
            O::I32x4GeU => self.v_icmp(I32X4, IntCC::UnsignedGreaterThanOrEqual),
            O::I64x2Eq => self.v_icmp(I64X2, IntCC::Equal),
            O::I64x2Ne => self.v_icmp(I64X2, IntCC::NotEqual),
            O::I64x2LtS => self.v_icmp(I64X2, IntCC::SignedLessThan),
            O::I64x2GtS => self.v_icmp(I64X2, IntCC::SignedGreaterThan),
            O::I64x2LeS => self.v_icmp(I64X2, IntCC::SignedLessThanOrEqual),
            O::I64x2GeS => self.v_icmp(I64X2, IntCC::SignedGreaterThanOrEqual),

            // Float comparisons (`ne` is true for unordered lanes).
            O::F32x4Eq => self.v_fcmp(F32X4, FloatCC::Equal),
            O::F32x4Ne => self.v_fcmp(F32X4, FloatCC::NotEqual),
            O::F32x4Lt => self.v_fcmp(F32X4, FloatCC::LessThan),
            O::F32x4Gt => self.v_fcmp(F32X4, FloatCC::GreaterThan),
            O::F32x4Le => self.v_fcmp(F32X4, FloatCC::LessThanOrEqual),
            O::F32x4Ge => self.v_fcmp(F32X4, FloatCC::GreaterThanOrEqual),
            O::F64x2Eq => self.v_fcmp(F64X2, FloatCC::Equal),
            O::F64x2Ne => self.v_fcmp(F64X2, FloatCC::NotEqual),
            O::F64x2Lt => self.v_fcmp(F64X2, FloatCC::LessThan),
            O::F64x2Gt => self.v_fcmp(F64X2, FloatCC::GreaterThan),
            O::F64x2Le => self.v_fcmp(F64X2, FloatCC::LessThanOrEqual),
            O::F64x2Ge => self.v_fcmp(F64X2, FloatCC::GreaterThanOrEqual),

            // Bitwise.
            O::V128Not => self.v_unary(V128, |b, x| b.ins().bnot(x)),
            O::V128And => self.v_binary(V128, |b, x, y| b.ins().band(x, y)),
            O::V128AndNot => self.v_binary(V128, |b, x, y| b.ins().band_not(x, y)),
            O::V128Or => self.v_binary(V128, |b, x, y| b.ins().bor(x, y)),
            O::V128Xor => self.v_binary(V128, |b, x, y| b.ins().bxor(x, y)),
            O::V128Bitselect => {
                let c = self.pop_vector(V128);
                let y = self.pop_vector(V128);
                let x = self.pop_vector(V128);
                let v = self.b.ins().bitselect(c, x, y);
                self.stack.push(v);
            }
            O::V128AnyTrue => self.v_reduce(V128, false),

            // i8x16.
            O::I8x16Abs => self.v_unary(I8X16, |b, x| b.ins().iabs(x)),
            O::I8x16Neg => self.v_unary(I8X16, |b, x| b.ins().ineg(x)),
            O::I8x16Popcnt => self.v_unary(I8X16, |b, x| b.ins().popcnt(x)),
            O::I8x16AllTrue => self.v_reduce(I8X16, true),
            O::I8x16Bitmask => self.v_bitmask(I8X16),
            O::I8x16NarrowI16x8S => self.v_binary(I16X8, |b, x, y| b.ins().snarrow(x, y)),
            O::I8x16NarrowI16x8U => self.v_binary(I16X8, |b, x, y| b.ins().unarrow(x, y)),
            O::I8x16Shl => self.v_shift(I8X16, |b, x, n| b.ins().ishl(x, n)),
            O::I8x16ShrS => self.v_shift(I8X16, |b, x, n| b.ins().sshr(x, n)),
            O::I8x16ShrU => self.v_shift(I8X16, |b, x, n| b.ins().ushr(x, n)),
            O::I8x16Add => self.v_binary(I8X16, |b, x, y| b.ins().iadd(x, y)),
            O::I8x16AddSatS => self.v_binary(I8X16, |b, x, y| b.ins().sadd_sat(x, y)),
            O::I8x16AddSatU => self.v_binary(I8X16, |b, x, y| b.ins().uadd_sat(x, y)),
            O::I8x16Sub => self.v_binary(I8X16, |b, x, y| b.ins().isub(x, y)),
            O::I8x16SubSatS => self.v_binary(I8X16, |b, x, y| b.ins().ssub_sat(x, y)),
            O::I8x16SubSatU => self.v_binary(I8X16, |b, x, y| b.ins().usub_sat(x, y)),
            O::I8x16MinS => self.v_binary(I8X16, |b, x, y| b.ins().smin(x, y)),
            O::I8x16MinU => self.v_binary(I8X16, |b, x, y| b.ins().umin(x, y)),
            O::I8x16MaxS => self.v_binary(I8X16, |b, x, y| b.ins().smax(x, y)),
            O::I8x16MaxU => self.v_binary(I8X16, |b, x, y| b.ins().umax(x, y)),
            O::I8x16AvgrU => self.v_binary(I8X16, |b, x, y| b.ins().avg_round(x, y)),

            // i16x8.
            O::I16x8ExtAddPairwiseI8x16S => self.v_extadd_pairwise(I8X16, true),
            O::I16x8ExtAddPairwiseI8x16U => self.v_extadd_pairwise(I8X16, false),
            O::I16x8Abs => self.v_unary(I16X8, |b, x| b.ins().iabs(x)),
            O::I16x8Neg => self.v_unary(I16X8, |b, x| b.ins().ineg(x)),
            O::I16x8Q15MulrSatS => self.v_binary(I16X8, |b, x, y| b.ins().sqmul_round_sat(x, y)),
            O::I16x8AllTrue => self.v_reduce(I16X8, true),
            O::I16x8Bitmask => self.v_bitmask(I16X8),
            O::I16x8NarrowI32x4S => self.v_binary(I32X4, |b, x, y| b.ins().snarrow(x, y)),
            O::I16x8NarrowI32x4U => self.v_binary(I32X4, |b, x, y| b.ins().unarrow(x, y)),
            O::I16x8ExtendLowI8x16S => self.v_extend(I8X16, LowS),
            O::I16x8ExtendHighI8x16S => self.v_extend(I8X16, HighS),
            O::I16x8ExtendLowI8x16U => self.v_extend(I8X16, LowU),
            O::I16x8ExtendHighI8x16U => self.v_extend(I8X16, HighU),
            O::I16x8Shl => self.v_shift(I16X8, |b, x, n| b.ins().ishl(x, n)),
            O::I16x8ShrS => self.v_shift(I16X8, |b, x, n| b.ins().sshr(x, n)),
            O::I16x8ShrU => self.v_shift(I16X8, |b, x, n| b.ins().ushr(x, n)),
            O::I16x8Add => self.v_binary(I16X8, |b, x, y| b.ins().iadd(x, y)),
            O::I16x8AddSatS => self.v_binary(I16X8, |b, x, y| b.ins().sadd_sat(x, y)),
            O::I16x8AddSatU => self.v_binary(I16X8, |b, x, y| b.ins().uadd_sat(x, y)),
            O::I16x8Sub => self.v_binary(I16X8, |b, x, y| b.ins().isub(x, y)),
            O::I16x8SubSatS => self.v_binary(I16X8, |b, x, y| b.ins().ssub_sat(x, y)),
            O::I16x8SubSatU => self.v_binary(I16X8, |b, x, y| b.ins().usub_sat(x, y)),
            O::I16x8Mul => self.v_binary(I16X8, |b, x, y| b.ins().imul(x, y)),
            O::I16x8MinS => self.v_binary(I16X8, |b, x, y| b.ins().smin(x, y)),
            O::I16x8MinU => self.v_binary(I16X8, |b, x, y| b.ins().umin(x, y)),
            O::I16x8MaxS => self.v_binary(I16X8, |b, x, y| b.ins().smax(x, y)),
            O::I16x8MaxU => self.v_binary(I16X8, |b, x, y| b.ins().umax(x, y)),
            O::I16x8AvgrU => self.v_binary(I16X8, |b, x, y| b.ins().avg_round(x, y)),
            O::I16x8ExtMulLowI8x16S => self.v_extmul(I8X16, LowS),
            O::I16x8ExtMulHighI8x16S => self.v_extmul(I8X16, HighS),
            O::I16x8ExtMulLowI8x16U => self.v_extmul(I8X16, LowU),
            O::I16x8ExtMulHighI8x16U => self.v_extmul(I8X16, HighU),

            // i32x4.
            O::I32x4ExtAddPairwiseI16x8S => self.v_extadd_pairwise(I16X8, true),
            O::I32x4ExtAddPairwiseI16x8U => self.v_extadd_pairwise(I16X8, false),
            O::I32x4Abs => self.v_unary(I32X4, |b, x| b.ins().iabs(x)),
            O::I32x4Neg => self.v_unary(I32X4, |b, x| b.ins().ineg(x)),
            O::I32x4AllTrue => self.v_reduce(I32X4, true),
            O::I32x4Bitmask => self.v_bitmask(I32X4),
            O::I32x4ExtendLowI16x8S => self.v_extend(I16X8, LowS),
            O::I32x4ExtendHighI16x8S => self.v_extend(I16X8, HighS),
            O::I32x4ExtendLowI16x8U => self.v_extend(I16X8, LowU),
            O::I32x4ExtendHighI16x8U => self.v_extend(I16X8, HighU),
            O::I32x4Shl => self.v_shift(I32X4, |b, x, n| b.ins().ishl(x, n)),
            O::I32x4ShrS => self.v_shift(I32X4, |b, x, n| b.ins().sshr(x, n)),
            O::I32x4ShrU => self.v_shift(I32X4, |b, x, n| b.ins().ushr(x, n)),
            O::I32x4Add => self.v_binary(I32X4, |b, x, y| b.ins().iadd(x, y)),
            O::I32x4Sub => self.v_binary(I32X4, |b, x, y| b.ins().isub(x, y)),
            O::I32x4Mul => self.v_binary(I32X4, |b, x, y| b.ins().imul(x, y)),
            O::I32x4MinS => self.v_binary(I32X4, |b, x, y| b.ins().smin(x, y)),
            O::I32x4MinU => self.v_binary(I32X4, |b, x, y| b.ins().umin(x, y)),
            O::I32x4MaxS => self.v_binary(I32X4, |b, x, y| b.ins().smax(x, y)),
            O::I32x4MaxU => self.v_binary(I32X4, |b, x, y| b.ins().umax(x, y)),
            // Products of the low halves and of the high halves, each pair
            // of adjacent products summed: one `pmaddwd` on x86.
            O::I32x4DotI16x8S => self.v_binary(I16X8, |b, x, y| {
                let (xl, yl) = (b.ins().swiden_low(x), b.ins().swiden_low(y));
                let lo = b.ins().imul(xl, yl);
                let (xh, yh) = (b.ins().swiden_high(x), b.ins().swiden_high(y));
                let hi = b.ins().imul(xh, yh);
                b.ins().iadd_pairwise(lo, hi)
            }),
            O::I32x4ExtMulLowI16x8S => self.v_extmul(I16X8, LowS),
            O::I32x4ExtMulHighI16x8S => self.v_extmul(I16X8, HighS),
            O::I32x4ExtMulLowI16x8U => self.v_extmul(I16X8, LowU),
            O::I32x4ExtMulHighI16x8U => self.v_extmul(I16X8, HighU),

            // i64x2.
            O::I64x2Abs => self.v_unary(I64X2, |b, x| b.ins().iabs(x)),
            O::I64x2Neg => self.v_unary(I64X2, |b, x| b.ins().ineg(x)),
            O::I64x2AllTrue => self.v_reduce(I64X2, true),
            O::I64x2Bitmask => self.v_bitmask(I64X2),
            O::I64x2ExtendLowI32x4S => self.v_extend(I32X4, LowS),
            O::I64x2ExtendHighI32x4S => self.v_extend(I32X4, HighS),
            O::I64x2ExtendLowI32x4U => self.v_extend(I32X4, LowU),
            O::I64x2ExtendHighI32x4U => self.v_extend(I32X4, HighU),
            O::I64x2Shl => self.v_shift(I64X2, |b, x, n| b.ins().ishl(x, n)),
            O::I64x2ShrS => self.v_shift(I64X2, |b, x, n| b.ins().sshr(x, n)),
            O::I64x2ShrU => self.v_shift(I64X2, |b, x, n| b.ins().ushr(x, n)),
            O::I64x2Add => self.v_binary(I64X2, |b, x, y| b.ins().iadd(x, y)),
            O::I64x2Sub => self.v_binary(I64X2, |b, x, y| b.ins().isub(x, y)),
            O::I64x2Mul => self.v_binary(I64X2, |b, x, y| b.ins().imul(x, y)),
            O::I64x2ExtMulLowI32x4S => self.v_extmul(I32X4, LowS),
            O::I64x2ExtMulHighI32x4S => self.v_extmul(I32X4, HighS),
            O::I64x2ExtMulLowI32x4U => self.v_extmul(I32X4, LowU),
            O::I64x2ExtMulHighI32x4U => self.v_extmul(I32X4, HighU),

            // f32x4 and f64x2. Cranelift's vector `fmin`/`fmax` have Wasm's
            // semantics (NaN propagates, -0 is below +0).
            O::F32x4Ceil => self.v_unary(F32X4, |b, x| b.ins().ceil(x)),
            O::F32x4Floor => self.v_unary(F32X4, |b, x| b.ins().floor(x)),
            O::F32x4Trunc => self.v_unary(F32X4, |b, x| b.ins().trunc(x)),
            O::F32x4Nearest => self.v_unary(F32X4, |b, x| b.ins().nearest(x)),
            O::F32x4Abs => self.v_unary(F32X4, |b, x| b.ins().fabs(x)),
            O::F32x4Neg => self.v_unary(F32X4, |b, x| b.ins().fneg(x)),
            O::F32x4Sqrt => self.v_unary(F32X4, |b, x| b.ins().sqrt(x)),
            O::F32x4Add => self.v_binary(F32X4, |b, x, y| b.ins().fadd(x, y)),
            O::F32x4Sub => self.v_binary(F32X4, |b, x, y| b.ins().fsub(x, y)),
            O::F32x4Mul => self.v_binary(F32X4, |b, x, y| b.ins().fmul(x, y)),
            O::F32x4Div => self.v_binary(F32X4, |b, x, y| b.ins().fdiv(x, y)),
            O::F32x4Min => self.v_binary(F32X4, |b, x, y| b.ins().fmin(x, y)),
            O::F32x4Max => self.v_binary(F32X4, |b, x, y| b.ins().fmax(x, y)),
            O::F32x4PMin => self.v_pminmax(F32X4, false),
            O::F32x4PMax => self.v_pminmax(F32X4, true),
            O::F64x2Ceil => self.v_unary(F64X2, |b, x| b.ins().ceil(x)),
            O::F64x2Floor => self.v_unary(F64X2, |b, x| b.ins().floor(x)),
            O::F64x2Trunc => self.v_unary(F64X2, |b, x| b.ins().trunc(x)),
            O::F64x2Nearest => self.v_unary(F64X2, |b, x| b.ins().nearest(x)),
            O::F64x2Abs => self.v_unary(F64X2, |b, x| b.ins().fabs(x)),
            O::F64x2Neg => self.v_unary(F64X2, |b, x| b.ins().fneg(x)),
            O::F64x2Sqrt => self.v_unary(F64X2, |b, x| b.ins().sqrt(x)),
            O::F64x2Add => self.v_binary(F64X2, |b, x, y| b.ins().fadd(x, y)),
            O::F64x2Sub => self.v_binary(F64X2, |b, x, y| b.ins().fsub(x, y)),
            O::F64x2Mul => self.v_binary(F64X2, |b, x, y| b.ins().fmul(x, y)),
            O::F64x2Div => self.v_binary(F64X2, |b, x, y| b.ins().fdiv(x, y)),
            O::F64x2Min => self.v_binary(F64X2, |b, x, y| b.ins().fmin(x, y)),
            O::F64x2Max => self.v_binary(F64X2, |b, x, y| b.ins().fmax(x, y)),
            O::F64x2PMin => self.v_pminmax(F64X2, false),
            O::F64x2PMax => self.v_pminmax(F64X2, true),

            // Conversions. The saturating truncations never trap: NaN lanes
            // become 0 and out-of-range lanes the nearest bound.
            O::I32x4TruncSatF32x4S => {
                self.v_unary(F32X4, |b, x| b.ins().fcvt_to_sint_sat(I32X4, x))
            }
            O::I32x4TruncSatF32x4U => {
                self.v_unary(F32X4, |b, x| b.ins().fcvt_to_uint_sat(I32X4, x))
            }
            O::F32x4ConvertI32x4S => self.v_unary(I32X4, |b, x| b.ins().fcvt_from_sint(F32X4, x)),
            O::F32x4ConvertI32x4U => self.v_unary(I32X4, |b, x| b.ins().fcvt_from_uint(F32X4, x)),
            // Two lanes truncated to `i64` (exact for every in-range `i32`),
            // then narrowed with saturation next to a zero vector: the
            // upper two lanes of the result are 0.
            O::I32x4TruncSatF64x2SZero => {
                let x = self.pop_vector(F64X2);
                let t = self.b.ins().fcvt_to_sint_sat(I64X2, x);
                let zero = self.vector_const(I64X2, 0);
                let v = self.b.ins().snarrow(t, zero);
                self.push_vector(v);
            }
            O::I32x4TruncSatF64x2UZero => {
                let x = self.pop_vector(F64X2);
                let t = self.b.ins().fcvt_to_uint_sat(I64X2, x);
                let zero = self.vector_const(I64X2, 0);
                let v = self.b.ins().uunarrow(t, zero);
                self.push_vector(v);
            }
            O::F64x2ConvertLowI32x4S => self.v_unary(I32X4, |b, x| {
                let w = b.ins().swiden_low(x);
                b.ins().fcvt_from_sint(F64X2, w)
            }),
            O::F64x2ConvertLowI32x4U => self.v_unary(I32X4, |b, x| {
                let w = b.ins().uwiden_low(x);
                b.ins().fcvt_from_uint(F64X2, w)
            }),
            O::F32x4DemoteF64x2Zero => self.v_unary(F64X2, |b, x| b.ins().fvdemote(x)),
            O::F64x2PromoteLowF32x4 => self.v_unary(F32X4, |b, x| b.ins().fvpromote_low(x)),

            other => {
                if !self.relaxed_simd_operator(other) {
                    return Err(unsupported(alloc::format!("the SIMD operator {other:?}")));
                }
            }
        }
        Ok(())
    }
}
