//! The SIMD half of the translator: one arm per `v128` operator. Vector
//! operands and results take two slots; everything else (operand
//! placement, retargeting onto a `local.set`) works as for scalars.

use super::Translator;
use crate::error::CompileError;
use crate::interp::bytecode::{Op, Slot};
use wasmparser::{MemArg, Operator};

impl Translator<'_> {
    /// An op reading the top `N` operands and producing a result (a
    /// `v128` with `wide`) in the lowest one's place.
    fn vop<const N: usize>(
        &mut self,
        wide: bool,
        make: impl FnOnce(Slot, [Slot; N]) -> Op,
    ) -> Result<(), CompileError> {
        self.vop_on(0, wide, make)
    }

    /// [`Self::vop`] for an op that accesses memory `memory`: its prefix,
    /// if it needs one, goes right before it.
    fn vop_on<const N: usize>(
        &mut self,
        memory: u32,
        wide: bool,
        make: impl FnOnce(Slot, [Slot; N]) -> Op,
    ) -> Result<(), CompileError> {
        let first = self.stack.len() - N;
        let mut slots = [0; N];
        for (k, slot) in slots.iter_mut().enumerate() {
            *slot = self.slot_of(first + k);
        }
        let dst = self.home(first);
        self.stack.truncate(first);
        self.memory_prefix(memory);
        self.emit_result_of(make(dst, slots), wide)
    }

    fn v_unary(&mut self, make: fn(Slot, Slot) -> Op) -> Result<(), CompileError> {
        self.vop(true, |dst, [a]| make(dst, a))
    }

    fn v_binary(&mut self, make: fn(Slot, Slot, Slot) -> Op) -> Result<(), CompileError> {
        self.vop(true, |dst, [a, b]| make(dst, a, b))
    }

    /// A shift: the amount is an `i32` on top of the vector.
    fn v_shift(&mut self, make: fn(Slot, Slot, Slot) -> Op) -> Result<(), CompileError> {
        self.vop(true, |dst, [a, b]| make(dst, a, b))
    }

    /// A vector to scalar op.
    fn v_reduce(&mut self, make: fn(Slot, Slot) -> Op) -> Result<(), CompileError> {
        self.vop(false, |dst, [a]| make(dst, a))
    }

    fn v_load(
        &mut self,
        memarg: &MemArg,
        make: fn(Slot, Slot, u32) -> Op,
    ) -> Result<(), CompileError> {
        let (memory, offset) = self.memarg(memarg, 0)?;
        self.vop_on(memory, true, |dst, [ptr]| make(dst, ptr, offset))
    }

    /// `v128.loadN_lane`: the offset goes in an `Aux`.
    fn v_load_lane(
        &mut self,
        memarg: &MemArg,
        make: impl FnOnce(Slot, Slot, Slot) -> Op,
    ) -> Result<(), CompileError> {
        let (memory, offset) = self.memarg(memarg, 1)?;
        self.vop_on(memory, true, |dst, [ptr, src]| make(dst, ptr, src))?;
        self.emit(Op::Aux { a: offset, b: 0 });
        Ok(())
    }

    fn v_store_lane(
        &mut self,
        memarg: &MemArg,
        make: impl FnOnce(Slot, Slot, u32) -> Op,
    ) -> Result<(), CompileError> {
        let (memory, offset) = self.memarg(memarg, 1)?;
        let src = self.pop_slot();
        let ptr = self.pop_slot();
        self.memory_prefix(memory);
        self.emit(make(ptr, src, offset));
        Ok(())
    }

    /// Translates `op` if it is a SIMD operator; returns whether it was.
    #[allow(clippy::too_many_lines)]
    pub(super) fn simd_op(&mut self, op: Operator<'_>) -> Result<bool, CompileError> {
        use Operator as O;
        match op {
            O::V128Const { value } => {
                let dst = self.home(self.stack.len());
                let index = self.pool128(value.i128() as u128);
                self.emit_result_of(Op::V128Const { dst, index }, true)?;
            }
            O::I8x16Shuffle { lanes } => {
                let index = self.pool128(u128::from_le_bytes(lanes));
                self.vop(true, |dst, [a, b]| Op::I8x16Shuffle { dst, a, b, index })?;
            }
            O::V128Bitselect => {
                self.vop(true, |dst, [a, b, c]| Op::V128Bitselect { dst, a, b, c })?
            }

            O::V128Load { memarg } => self.v_load(&memarg, |dst, ptr, offset| Op::V128Load {
                dst,
                ptr,
                offset,
            })?,
            O::V128Load8x8S { memarg } => self.v_load(&memarg, |dst, ptr, offset| {
                Op::V128Load8x8S { dst, ptr, offset }
            })?,
            O::V128Load8x8U { memarg } => self.v_load(&memarg, |dst, ptr, offset| {
                Op::V128Load8x8U { dst, ptr, offset }
            })?,
            O::V128Load16x4S { memarg } => self.v_load(&memarg, |dst, ptr, offset| {
                Op::V128Load16x4S { dst, ptr, offset }
            })?,
            O::V128Load16x4U { memarg } => self.v_load(&memarg, |dst, ptr, offset| {
                Op::V128Load16x4U { dst, ptr, offset }
            })?,
            O::V128Load32x2S { memarg } => self.v_load(&memarg, |dst, ptr, offset| {
                Op::V128Load32x2S { dst, ptr, offset }
            })?,
            O::V128Load32x2U { memarg } => self.v_load(&memarg, |dst, ptr, offset| {
                Op::V128Load32x2U { dst, ptr, offset }
            })?,
            O::V128Load8Splat { memarg } => self.v_load(&memarg, |dst, ptr, offset| {
                Op::V128Load8Splat { dst, ptr, offset }
            })?,
            O::V128Load16Splat { memarg } => self.v_load(&memarg, |dst, ptr, offset| {
                Op::V128Load16Splat { dst, ptr, offset }
            })?,
            O::V128Load32Splat { memarg } => self.v_load(&memarg, |dst, ptr, offset| {
                Op::V128Load32Splat { dst, ptr, offset }
            })?,
            O::V128Load64Splat { memarg } => self.v_load(&memarg, |dst, ptr, offset| {
                Op::V128Load64Splat { dst, ptr, offset }
            })?,
            O::V128Load32Zero { memarg } => self.v_load(&memarg, |dst, ptr, offset| {
                Op::V128Load32Zero { dst, ptr, offset }
            })?,
            O::V128Load64Zero { memarg } => self.v_load(&memarg, |dst, ptr, offset| {
                Op::V128Load64Zero { dst, ptr, offset }
            })?,
            O::V128Load8Lane { memarg, lane } => {
                self.v_load_lane(&memarg, |dst, ptr, src| Op::V128Load8Lane {
                    dst,
                    ptr,
                    src,
                    lane,
                })?
            }
            O::V128Load16Lane { memarg, lane } => {
                self.v_load_lane(&memarg, |dst, ptr, src| Op::V128Load16Lane {
                    dst,
                    ptr,
                    src,
                    lane,
                })?
            }
            O::V128Load32Lane { memarg, lane } => {
                self.v_load_lane(&memarg, |dst, ptr, src| Op::V128Load32Lane {
                    dst,
                    ptr,
                    src,
                    lane,
                })?
            }
            O::V128Load64Lane { memarg, lane } => {
                self.v_load_lane(&memarg, |dst, ptr, src| Op::V128Load64Lane {
                    dst,
                    ptr,
                    src,
                    lane,
                })?
            }
            O::V128Store { memarg } => self.store(
                &memarg,
                |ptr, src, offset| Op::V128Store { ptr, src, offset },
                // A `v128` is never a constant operand.
                |_, _, _| None,
            )?,
            O::V128Store8Lane { memarg, lane } => {
                self.v_store_lane(&memarg, |ptr, src, offset| Op::V128Store8Lane {
                    ptr,
                    src,
                    lane,
                    offset,
                })?
            }
            O::V128Store16Lane { memarg, lane } => {
                self.v_store_lane(&memarg, |ptr, src, offset| Op::V128Store16Lane {
                    ptr,
                    src,
                    lane,
                    offset,
                })?
            }
            O::V128Store32Lane { memarg, lane } => {
                self.v_store_lane(&memarg, |ptr, src, offset| Op::V128Store32Lane {
                    ptr,
                    src,
                    lane,
                    offset,
                })?
            }
            O::V128Store64Lane { memarg, lane } => {
                self.v_store_lane(&memarg, |ptr, src, offset| Op::V128Store64Lane {
                    ptr,
                    src,
                    lane,
                    offset,
                })?
            }

            O::I8x16ExtractLaneS { lane } => {
                self.vop(false, |dst, [a]| Op::I8x16ExtractLaneS { dst, a, lane })?
            }
            O::I8x16ExtractLaneU { lane } => {
                self.vop(false, |dst, [a]| Op::I8x16ExtractLaneU { dst, a, lane })?
            }
            O::I16x8ExtractLaneS { lane } => {
                self.vop(false, |dst, [a]| Op::I16x8ExtractLaneS { dst, a, lane })?
            }
            O::I16x8ExtractLaneU { lane } => {
                self.vop(false, |dst, [a]| Op::I16x8ExtractLaneU { dst, a, lane })?
            }
            O::I32x4ExtractLane { lane } => {
                self.vop(false, |dst, [a]| Op::I32x4ExtractLane { dst, a, lane })?
            }
            O::I64x2ExtractLane { lane } => {
                self.vop(false, |dst, [a]| Op::I64x2ExtractLane { dst, a, lane })?
            }
            O::F32x4ExtractLane { lane } => {
                self.vop(false, |dst, [a]| Op::F32x4ExtractLane { dst, a, lane })?
            }
            O::F64x2ExtractLane { lane } => {
                self.vop(false, |dst, [a]| Op::F64x2ExtractLane { dst, a, lane })?
            }
            O::I8x16ReplaceLane { lane } => {
                self.vop(true, |dst, [a, b]| Op::I8x16ReplaceLane { dst, a, b, lane })?
            }
            O::I16x8ReplaceLane { lane } => {
                self.vop(true, |dst, [a, b]| Op::I16x8ReplaceLane { dst, a, b, lane })?
            }
            O::I32x4ReplaceLane { lane } => {
                self.vop(true, |dst, [a, b]| Op::I32x4ReplaceLane { dst, a, b, lane })?
            }
            O::I64x2ReplaceLane { lane } => {
                self.vop(true, |dst, [a, b]| Op::I64x2ReplaceLane { dst, a, b, lane })?
            }
            O::F32x4ReplaceLane { lane } => {
                self.vop(true, |dst, [a, b]| Op::F32x4ReplaceLane { dst, a, b, lane })?
            }
            O::F64x2ReplaceLane { lane } => {
                self.vop(true, |dst, [a, b]| Op::F64x2ReplaceLane { dst, a, b, lane })?
            }

            O::I8x16Splat => self.v_unary(|dst, a| Op::I8x16Splat { dst, a })?,
            O::I16x8Splat => self.v_unary(|dst, a| Op::I16x8Splat { dst, a })?,
            O::I32x4Splat => self.v_unary(|dst, a| Op::I32x4Splat { dst, a })?,
            O::I64x2Splat => self.v_unary(|dst, a| Op::I64x2Splat { dst, a })?,
            O::F32x4Splat => self.v_unary(|dst, a| Op::F32x4Splat { dst, a })?,
            O::F64x2Splat => self.v_unary(|dst, a| Op::F64x2Splat { dst, a })?,

            O::V128AnyTrue => self.v_reduce(|dst, a| Op::V128AnyTrue { dst, a })?,
            O::I8x16AllTrue => self.v_reduce(|dst, a| Op::I8x16AllTrue { dst, a })?,
            O::I16x8AllTrue => self.v_reduce(|dst, a| Op::I16x8AllTrue { dst, a })?,
            O::I32x4AllTrue => self.v_reduce(|dst, a| Op::I32x4AllTrue { dst, a })?,
            O::I64x2AllTrue => self.v_reduce(|dst, a| Op::I64x2AllTrue { dst, a })?,
            O::I8x16Bitmask => self.v_reduce(|dst, a| Op::I8x16Bitmask { dst, a })?,
            O::I16x8Bitmask => self.v_reduce(|dst, a| Op::I16x8Bitmask { dst, a })?,
            O::I32x4Bitmask => self.v_reduce(|dst, a| Op::I32x4Bitmask { dst, a })?,
            O::I64x2Bitmask => self.v_reduce(|dst, a| Op::I64x2Bitmask { dst, a })?,

            O::V128Not => self.v_unary(|dst, a| Op::V128Not { dst, a })?,
            O::I8x16Abs => self.v_unary(|dst, a| Op::I8x16Abs { dst, a })?,
            O::I8x16Neg => self.v_unary(|dst, a| Op::I8x16Neg { dst, a })?,
            O::I16x8Abs => self.v_unary(|dst, a| Op::I16x8Abs { dst, a })?,
            O::I16x8Neg => self.v_unary(|dst, a| Op::I16x8Neg { dst, a })?,
            O::I32x4Abs => self.v_unary(|dst, a| Op::I32x4Abs { dst, a })?,
            O::I32x4Neg => self.v_unary(|dst, a| Op::I32x4Neg { dst, a })?,
            O::I64x2Abs => self.v_unary(|dst, a| Op::I64x2Abs { dst, a })?,
            O::I64x2Neg => self.v_unary(|dst, a| Op::I64x2Neg { dst, a })?,
            O::I8x16Popcnt => self.v_unary(|dst, a| Op::I8x16Popcnt { dst, a })?,
            O::I16x8ExtendLowI8x16S => {
                self.v_unary(|dst, a| Op::I16x8ExtendLowI8x16S { dst, a })?
            }
            O::I16x8ExtendLowI8x16U => {
                self.v_unary(|dst, a| Op::I16x8ExtendLowI8x16U { dst, a })?
            }
            O::I16x8ExtendHighI8x16S => {
                self.v_unary(|dst, a| Op::I16x8ExtendHighI8x16S { dst, a })?
            }
            O::I16x8ExtendHighI8x16U => {
                self.v_unary(|dst, a| Op::I16x8ExtendHighI8x16U { dst, a })?
            }
            O::I32x4ExtendLowI16x8S => {
                self.v_unary(|dst, a| Op::I32x4ExtendLowI16x8S { dst, a })?
            }
            O::I32x4ExtendLowI16x8U => {
                self.v_unary(|dst, a| Op::I32x4ExtendLowI16x8U { dst, a })?
            }
            O::I32x4ExtendHighI16x8S => {
                self.v_unary(|dst, a| Op::I32x4ExtendHighI16x8S { dst, a })?
            }
            O::I32x4ExtendHighI16x8U => {
                self.v_unary(|dst, a| Op::I32x4ExtendHighI16x8U { dst, a })?
            }
            O::I64x2ExtendLowI32x4S => {
                self.v_unary(|dst, a| Op::I64x2ExtendLowI32x4S { dst, a })?
            }
            O::I64x2ExtendLowI32x4U => {
                self.v_unary(|dst, a| Op::I64x2ExtendLowI32x4U { dst, a })?
            }
            O::I64x2ExtendHighI32x4S => {
                self.v_unary(|dst, a| Op::I64x2ExtendHighI32x4S { dst, a })?
            }
            O::I64x2ExtendHighI32x4U => {
                self.v_unary(|dst, a| Op::I64x2ExtendHighI32x4U { dst, a })?
            }
            O::I16x8ExtAddPairwiseI8x16S => {
                self.v_unary(|dst, a| Op::I16x8ExtAddPairwiseI8x16S { dst, a })?
            }
            O::I16x8ExtAddPairwiseI8x16U => {
                self.v_unary(|dst, a| Op::I16x8ExtAddPairwiseI8x16U { dst, a })?
            }
            O::I32x4ExtAddPairwiseI16x8S => {
                self.v_unary(|dst, a| Op::I32x4ExtAddPairwiseI16x8S { dst, a })?
            }
            O::I32x4ExtAddPairwiseI16x8U => {
                self.v_unary(|dst, a| Op::I32x4ExtAddPairwiseI16x8U { dst, a })?
            }
            O::F32x4Ceil => self.v_unary(|dst, a| Op::F32x4Ceil { dst, a })?,
            O::F32x4Floor => self.v_unary(|dst, a| Op::F32x4Floor { dst, a })?,
            O::F32x4Trunc => self.v_unary(|dst, a| Op::F32x4Trunc { dst, a })?,
            O::F32x4Nearest => self.v_unary(|dst, a| Op::F32x4Nearest { dst, a })?,
            O::F32x4Abs => self.v_unary(|dst, a| Op::F32x4Abs { dst, a })?,
            O::F32x4Neg => self.v_unary(|dst, a| Op::F32x4Neg { dst, a })?,
            O::F32x4Sqrt => self.v_unary(|dst, a| Op::F32x4Sqrt { dst, a })?,
            O::F64x2Ceil => self.v_unary(|dst, a| Op::F64x2Ceil { dst, a })?,
            O::F64x2Floor => self.v_unary(|dst, a| Op::F64x2Floor { dst, a })?,
            O::F64x2Trunc => self.v_unary(|dst, a| Op::F64x2Trunc { dst, a })?,
            O::F64x2Nearest => self.v_unary(|dst, a| Op::F64x2Nearest { dst, a })?,
            O::F64x2Abs => self.v_unary(|dst, a| Op::F64x2Abs { dst, a })?,
            O::F64x2Neg => self.v_unary(|dst, a| Op::F64x2Neg { dst, a })?,
            O::F64x2Sqrt => self.v_unary(|dst, a| Op::F64x2Sqrt { dst, a })?,
            O::I32x4TruncSatF32x4S => self.v_unary(|dst, a| Op::I32x4TruncSatF32x4S { dst, a })?,
            O::I32x4TruncSatF32x4U => self.v_unary(|dst, a| Op::I32x4TruncSatF32x4U { dst, a })?,
            O::F32x4ConvertI32x4S => self.v_unary(|dst, a| Op::F32x4ConvertI32x4S { dst, a })?,
            O::F32x4ConvertI32x4U => self.v_unary(|dst, a| Op::F32x4ConvertI32x4U { dst, a })?,
            O::I32x4TruncSatF64x2SZero => {
                self.v_unary(|dst, a| Op::I32x4TruncSatF64x2SZero { dst, a })?
            }
            O::I32x4TruncSatF64x2UZero => {
                self.v_unary(|dst, a| Op::I32x4TruncSatF64x2UZero { dst, a })?
            }
            O::F64x2ConvertLowI32x4S => {
                self.v_unary(|dst, a| Op::F64x2ConvertLowI32x4S { dst, a })?
            }
            O::F64x2ConvertLowI32x4U => {
                self.v_unary(|dst, a| Op::F64x2ConvertLowI32x4U { dst, a })?
            }
            O::F32x4DemoteF64x2Zero => {
                self.v_unary(|dst, a| Op::F32x4DemoteF64x2Zero { dst, a })?
            }
            O::F64x2PromoteLowF32x4 => {
                self.v_unary(|dst, a| Op::F64x2PromoteLowF32x4 { dst, a })?
            }
            O::I8x16Add => self.v_binary(|dst, a, b| Op::I8x16Add { dst, a, b })?,
            O::I8x16Sub => self.v_binary(|dst, a, b| Op::I8x16Sub { dst, a, b })?,
            O::I16x8Add => self.v_binary(|dst, a, b| Op::I16x8Add { dst, a, b })?,
            O::I16x8Sub => self.v_binary(|dst, a, b| Op::I16x8Sub { dst, a, b })?,
            O::I32x4Add => self.v_binary(|dst, a, b| Op::I32x4Add { dst, a, b })?,
            O::I32x4Sub => self.v_binary(|dst, a, b| Op::I32x4Sub { dst, a, b })?,
            O::I64x2Add => self.v_binary(|dst, a, b| Op::I64x2Add { dst, a, b })?,
            O::I64x2Sub => self.v_binary(|dst, a, b| Op::I64x2Sub { dst, a, b })?,
            O::I8x16NarrowI16x8S => {
                self.v_binary(|dst, a, b| Op::I8x16NarrowI16x8S { dst, a, b })?
            }
            O::I8x16NarrowI16x8U => {
                self.v_binary(|dst, a, b| Op::I8x16NarrowI16x8U { dst, a, b })?
            }
            O::I16x8NarrowI32x4S => {
                self.v_binary(|dst, a, b| Op::I16x8NarrowI32x4S { dst, a, b })?
            }
            O::I16x8NarrowI32x4U => {
                self.v_binary(|dst, a, b| Op::I16x8NarrowI32x4U { dst, a, b })?
            }
            O::I8x16AddSatS => self.v_binary(|dst, a, b| Op::I8x16AddSatS { dst, a, b })?,
            O::I8x16AddSatU => self.v_binary(|dst, a, b| Op::I8x16AddSatU { dst, a, b })?,
            O::I8x16SubSatS => self.v_binary(|dst, a, b| Op::I8x16SubSatS { dst, a, b })?,
            O::I8x16SubSatU => self.v_binary(|dst, a, b| Op::I8x16SubSatU { dst, a, b })?,
            O::I8x16AvgrU => self.v_binary(|dst, a, b| Op::I8x16AvgrU { dst, a, b })?,
            O::I16x8AddSatS => self.v_binary(|dst, a, b| Op::I16x8AddSatS { dst, a, b })?,
            O::I16x8AddSatU => self.v_binary(|dst, a, b| Op::I16x8AddSatU { dst, a, b })?,
            O::I16x8SubSatS => self.v_binary(|dst, a, b| Op::I16x8SubSatS { dst, a, b })?,
            O::I16x8SubSatU => self.v_binary(|dst, a, b| Op::I16x8SubSatU { dst, a, b })?,
            O::I16x8AvgrU => self.v_binary(|dst, a, b| Op::I16x8AvgrU { dst, a, b })?,
            O::I8x16MinS => self.v_binary(|dst, a, b| Op::I8x16MinS { dst, a, b })?,
            O::I8x16MinU => self.v_binary(|dst, a, b| Op::I8x16MinU { dst, a, b })?,
            O::I8x16MaxS => self.v_binary(|dst, a, b| Op::I8x16MaxS { dst, a, b })?,
            O::I8x16MaxU => self.v_binary(|dst, a, b| Op::I8x16MaxU { dst, a, b })?,
            O::I16x8MinS => self.v_binary(|dst, a, b| Op::I16x8MinS { dst, a, b })?,
            O::I16x8MinU => self.v_binary(|dst, a, b| Op::I16x8MinU { dst, a, b })?,
            O::I16x8MaxS => self.v_binary(|dst, a, b| Op::I16x8MaxS { dst, a, b })?,
            O::I16x8MaxU => self.v_binary(|dst, a, b| Op::I16x8MaxU { dst, a, b })?,
            O::I32x4MinS => self.v_binary(|dst, a, b| Op::I32x4MinS { dst, a, b })?,
            O::I32x4MinU => self.v_binary(|dst, a, b| Op::I32x4MinU { dst, a, b })?,
            O::I32x4MaxS => self.v_binary(|dst, a, b| Op::I32x4MaxS { dst, a, b })?,
            O::I32x4MaxU => self.v_binary(|dst, a, b| Op::I32x4MaxU { dst, a, b })?,
            O::I16x8Mul => self.v_binary(|dst, a, b| Op::I16x8Mul { dst, a, b })?,
            O::I32x4Mul => self.v_binary(|dst, a, b| Op::I32x4Mul { dst, a, b })?,
            O::I64x2Mul => self.v_binary(|dst, a, b| Op::I64x2Mul { dst, a, b })?,
            O::I16x8Q15MulrSatS => self.v_binary(|dst, a, b| Op::I16x8Q15MulrSatS { dst, a, b })?,
            O::I32x4DotI16x8S => self.v_binary(|dst, a, b| Op::I32x4DotI16x8S { dst, a, b })?,
            O::I16x8ExtMulLowI8x16S => {
                self.v_binary(|dst, a, b| Op::I16x8ExtMulLowI8x16S { dst, a, b })?
            }
            O::I16x8ExtMulLowI8x16U => {
                self.v_binary(|dst, a, b| Op::I16x8ExtMulLowI8x16U { dst, a, b })?
            }
            O::I16x8ExtMulHighI8x16S => {
                self.v_binary(|dst, a, b| Op::I16x8ExtMulHighI8x16S { dst, a, b })?
            }
            O::I16x8ExtMulHighI8x16U => {
                self.v_binary(|dst, a, b| Op::I16x8ExtMulHighI8x16U { dst, a, b })?
            }
            O::I32x4ExtMulLowI16x8S => {
                self.v_binary(|dst, a, b| Op::I32x4ExtMulLowI16x8S { dst, a, b })?
            }
            O::I32x4ExtMulLowI16x8U => {
                self.v_binary(|dst, a, b| Op::I32x4ExtMulLowI16x8U { dst, a, b })?
            }
            O::I32x4ExtMulHighI16x8S => {
                self.v_binary(|dst, a, b| Op::I32x4ExtMulHighI16x8S { dst, a, b })?
            }
            O::I32x4ExtMulHighI16x8U => {
                self.v_binary(|dst, a, b| Op::I32x4ExtMulHighI16x8U { dst, a, b })?
            }
            O::I64x2ExtMulLowI32x4S => {
                self.v_binary(|dst, a, b| Op::I64x2ExtMulLowI32x4S { dst, a, b })?
            }
            O::I64x2ExtMulLowI32x4U => {
                self.v_binary(|dst, a, b| Op::I64x2ExtMulLowI32x4U { dst, a, b })?
            }
            O::I64x2ExtMulHighI32x4S => {
                self.v_binary(|dst, a, b| Op::I64x2ExtMulHighI32x4S { dst, a, b })?
            }
            O::I64x2ExtMulHighI32x4U => {
                self.v_binary(|dst, a, b| Op::I64x2ExtMulHighI32x4U { dst, a, b })?
            }
            O::F32x4Add => self.v_binary(|dst, a, b| Op::F32x4Add { dst, a, b })?,
            O::F32x4Sub => self.v_binary(|dst, a, b| Op::F32x4Sub { dst, a, b })?,
            O::F32x4Mul => self.v_binary(|dst, a, b| Op::F32x4Mul { dst, a, b })?,
            O::F32x4Div => self.v_binary(|dst, a, b| Op::F32x4Div { dst, a, b })?,
            O::F32x4Min => self.v_binary(|dst, a, b| Op::F32x4Min { dst, a, b })?,
            O::F32x4Max => self.v_binary(|dst, a, b| Op::F32x4Max { dst, a, b })?,
            O::F32x4PMin => self.v_binary(|dst, a, b| Op::F32x4PMin { dst, a, b })?,
            O::F32x4PMax => self.v_binary(|dst, a, b| Op::F32x4PMax { dst, a, b })?,
            O::F64x2Add => self.v_binary(|dst, a, b| Op::F64x2Add { dst, a, b })?,
            O::F64x2Sub => self.v_binary(|dst, a, b| Op::F64x2Sub { dst, a, b })?,
            O::F64x2Mul => self.v_binary(|dst, a, b| Op::F64x2Mul { dst, a, b })?,
            O::F64x2Div => self.v_binary(|dst, a, b| Op::F64x2Div { dst, a, b })?,
            O::F64x2Min => self.v_binary(|dst, a, b| Op::F64x2Min { dst, a, b })?,
            O::F64x2Max => self.v_binary(|dst, a, b| Op::F64x2Max { dst, a, b })?,
            O::F64x2PMin => self.v_binary(|dst, a, b| Op::F64x2PMin { dst, a, b })?,
            O::F64x2PMax => self.v_binary(|dst, a, b| Op::F64x2PMax { dst, a, b })?,
            O::I8x16Swizzle => self.v_binary(|dst, a, b| Op::I8x16Swizzle { dst, a, b })?,
            O::V128And => self.v_binary(|dst, a, b| Op::V128And { dst, a, b })?,
            O::V128AndNot => self.v_binary(|dst, a, b| Op::V128AndNot { dst, a, b })?,
            O::V128Or => self.v_binary(|dst, a, b| Op::V128Or { dst, a, b })?,
            O::V128Xor => self.v_binary(|dst, a, b| Op::V128Xor { dst, a, b })?,
            O::I8x16Eq => self.v_binary(|dst, a, b| Op::I8x16Eq { dst, a, b })?,
            O::I8x16Ne => self.v_binary(|dst, a, b| Op::I8x16Ne { dst, a, b })?,
            O::I8x16LtS => self.v_binary(|dst, a, b| Op::I8x16LtS { dst, a, b })?,
            O::I8x16LtU => self.v_binary(|dst, a, b| Op::I8x16LtU { dst, a, b })?,
            O::I8x16GtS => self.v_binary(|dst, a, b| Op::I8x16GtS { dst, a, b })?,
            O::I8x16GtU => self.v_binary(|dst, a, b| Op::I8x16GtU { dst, a, b })?,
            O::I8x16LeS => self.v_binary(|dst, a, b| Op::I8x16LeS { dst, a, b })?,
            O::I8x16LeU => self.v_binary(|dst, a, b| Op::I8x16LeU { dst, a, b })?,
            O::I8x16GeS => self.v_binary(|dst, a, b| Op::I8x16GeS { dst, a, b })?,
            O::I8x16GeU => self.v_binary(|dst, a, b| Op::I8x16GeU { dst, a, b })?,
            O::I16x8Eq => self.v_binary(|dst, a, b| Op::I16x8Eq { dst, a, b })?,
            O::I16x8Ne => self.v_binary(|dst, a, b| Op::I16x8Ne { dst, a, b })?,
            O::I16x8LtS => self.v_binary(|dst, a, b| Op::I16x8LtS { dst, a, b })?,
            O::I16x8LtU => self.v_binary(|dst, a, b| Op::I16x8LtU { dst, a, b })?,
            O::I16x8GtS => self.v_binary(|dst, a, b| Op::I16x8GtS { dst, a, b })?,
            O::I16x8GtU => self.v_binary(|dst, a, b| Op::I16x8GtU { dst, a, b })?,
            O::I16x8LeS => self.v_binary(|dst, a, b| Op::I16x8LeS { dst, a, b })?,
            O::I16x8LeU => self.v_binary(|dst, a, b| Op::I16x8LeU { dst, a, b })?,
            O::I16x8GeS => self.v_binary(|dst, a, b| Op::I16x8GeS { dst, a, b })?,
            O::I16x8GeU => self.v_binary(|dst, a, b| Op::I16x8GeU { dst, a, b })?,
            O::I32x4Eq => self.v_binary(|dst, a, b| Op::I32x4Eq { dst, a, b })?,
            O::I32x4Ne => self.v_binary(|dst, a, b| Op::I32x4Ne { dst, a, b })?,
            O::I32x4LtS => self.v_binary(|dst, a, b| Op::I32x4LtS { dst, a, b })?,
            O::I32x4LtU => self.v_binary(|dst, a, b| Op::I32x4LtU { dst, a, b })?,
            O::I32x4GtS => self.v_binary(|dst, a, b| Op::I32x4GtS { dst, a, b })?,
            O::I32x4GtU => self.v_binary(|dst, a, b| Op::I32x4GtU { dst, a, b })?,
            O::I32x4LeS => self.v_binary(|dst, a, b| Op::I32x4LeS { dst, a, b })?,
            O::I32x4LeU => self.v_binary(|dst, a, b| Op::I32x4LeU { dst, a, b })?,
            O::I32x4GeS => self.v_binary(|dst, a, b| Op::I32x4GeS { dst, a, b })?,
            O::I32x4GeU => self.v_binary(|dst, a, b| Op::I32x4GeU { dst, a, b })?,
            O::I64x2Eq => self.v_binary(|dst, a, b| Op::I64x2Eq { dst, a, b })?,
            O::I64x2Ne => self.v_binary(|dst, a, b| Op::I64x2Ne { dst, a, b })?,
            O::I64x2LtS => self.v_binary(|dst, a, b| Op::I64x2LtS { dst, a, b })?,
            O::I64x2GtS => self.v_binary(|dst, a, b| Op::I64x2GtS { dst, a, b })?,
            O::I64x2LeS => self.v_binary(|dst, a, b| Op::I64x2LeS { dst, a, b })?,
            O::I64x2GeS => self.v_binary(|dst, a, b| Op::I64x2GeS { dst, a, b })?,
            O::F32x4Eq => self.v_binary(|dst, a, b| Op::F32x4Eq { dst, a, b })?,
            O::F32x4Ne => self.v_binary(|dst, a, b| Op::F32x4Ne { dst, a, b })?,
            O::F32x4Lt => self.v_binary(|dst, a, b| Op::F32x4Lt { dst, a, b })?,
            O::F32x4Gt => self.v_binary(|dst, a, b| Op::F32x4Gt { dst, a, b })?,
            O::F32x4Le => self.v_binary(|dst, a, b| Op::F32x4Le { dst, a, b })?,
            O::F32x4Ge => self.v_binary(|dst, a, b| Op::F32x4Ge { dst, a, b })?,
            O::F64x2Eq => self.v_binary(|dst, a, b| Op::F64x2Eq { dst, a, b })?,
            O::F64x2Ne => self.v_binary(|dst, a, b| Op::F64x2Ne { dst, a, b })?,
            O::F64x2Lt => self.v_binary(|dst, a, b| Op::F64x2Lt { dst, a, b })?,
            O::F64x2Gt => self.v_binary(|dst, a, b| Op::F64x2Gt { dst, a, b })?,
            O::F64x2Le => self.v_binary(|dst, a, b| Op::F64x2Le { dst, a, b })?,
            O::F64x2Ge => self.v_binary(|dst, a, b| Op::F64x2Ge { dst, a, b })?,
            O::I8x16Shl => self.v_shift(|dst, a, b| Op::I8x16Shl { dst, a, b })?,
            O::I8x16ShrS => self.v_shift(|dst, a, b| Op::I8x16ShrS { dst, a, b })?,
            O::I8x16ShrU => self.v_shift(|dst, a, b| Op::I8x16ShrU { dst, a, b })?,
            O::I16x8Shl => self.v_shift(|dst, a, b| Op::I16x8Shl { dst, a, b })?,
            O::I16x8ShrS => self.v_shift(|dst, a, b| Op::I16x8ShrS { dst, a, b })?,
            O::I16x8ShrU => self.v_shift(|dst, a, b| Op::I16x8ShrU { dst, a, b })?,
            O::I32x4Shl => self.v_shift(|dst, a, b| Op::I32x4Shl { dst, a, b })?,
            O::I32x4ShrS => self.v_shift(|dst, a, b| Op::I32x4ShrS { dst, a, b })?,
            O::I32x4ShrU => self.v_shift(|dst, a, b| Op::I32x4ShrU { dst, a, b })?,
            O::I64x2Shl => self.v_shift(|dst, a, b| Op::I64x2Shl { dst, a, b })?,
            O::I64x2ShrS => self.v_shift(|dst, a, b| Op::I64x2ShrS { dst, a, b })?,
            O::I64x2ShrU => self.v_shift(|dst, a, b| Op::I64x2ShrU { dst, a, b })?,

            // Relaxed SIMD: the deterministic result (wasmtime's), the one
            // `Config::relaxed_simd_deterministic` fixes; most are their
            // strict counterparts.
            O::I8x16RelaxedSwizzle => self.v_binary(|dst, a, b| Op::I8x16Swizzle { dst, a, b })?,
            O::I32x4RelaxedTruncF32x4S => {
                self.v_unary(|dst, a| Op::I32x4TruncSatF32x4S { dst, a })?
            }
            O::I32x4RelaxedTruncF32x4U => {
                self.v_unary(|dst, a| Op::I32x4TruncSatF32x4U { dst, a })?
            }
            O::I32x4RelaxedTruncF64x2SZero => {
                self.v_unary(|dst, a| Op::I32x4TruncSatF64x2SZero { dst, a })?
            }
            O::I32x4RelaxedTruncF64x2UZero => {
                self.v_unary(|dst, a| Op::I32x4TruncSatF64x2UZero { dst, a })?
            }
            O::I8x16RelaxedLaneselect
            | O::I16x8RelaxedLaneselect
            | O::I32x4RelaxedLaneselect
            | O::I64x2RelaxedLaneselect => {
                self.vop(true, |dst, [a, b, c]| Op::V128Bitselect { dst, a, b, c })?
            }
            O::F32x4RelaxedMin => self.v_binary(|dst, a, b| Op::F32x4Min { dst, a, b })?,
            O::F32x4RelaxedMax => self.v_binary(|dst, a, b| Op::F32x4Max { dst, a, b })?,
            O::F64x2RelaxedMin => self.v_binary(|dst, a, b| Op::F64x2Min { dst, a, b })?,
            O::F64x2RelaxedMax => self.v_binary(|dst, a, b| Op::F64x2Max { dst, a, b })?,
            O::I16x8RelaxedQ15mulrS => {
                self.v_binary(|dst, a, b| Op::I16x8Q15MulrSatS { dst, a, b })?
            }
            O::F32x4RelaxedMadd => {
                self.vop(true, |dst, [a, b, c]| Op::F32x4RelaxedMadd { dst, a, b, c })?
            }
            O::F32x4RelaxedNmadd => self.vop(true, |dst, [a, b, c]| Op::F32x4RelaxedNmadd {
                dst,
                a,
                b,
                c,
            })?,
            O::F64x2RelaxedMadd => {
                self.vop(true, |dst, [a, b, c]| Op::F64x2RelaxedMadd { dst, a, b, c })?
            }
            O::F64x2RelaxedNmadd => self.vop(true, |dst, [a, b, c]| Op::F64x2RelaxedNmadd {
                dst,
                a,
                b,
                c,
            })?,
            O::I16x8RelaxedDotI8x16I7x16S => {
                self.v_binary(|dst, a, b| Op::I16x8RelaxedDotI8x16I7x16S { dst, a, b })?
            }
            O::I32x4RelaxedDotI8x16I7x16AddS => self.vop(true, |dst, [a, b, c]| {
                Op::I32x4RelaxedDotI8x16I7x16AddS { dst, a, b, c }
            })?,

            _ => return Ok(false),
        }
        Ok(true)
    }
}
