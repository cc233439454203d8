//! The SIMD half of the executor: every op on `v128` values, run out of
//! line so that the scalar dispatch loop in `mod.rs` keeps its code and
//! register allocation no matter how many vector ops there are. Once
//! entered, it runs SIMD ops until the next scalar one, so a vector
//! kernel's straight-line runs pay for one call, not one per op. The
//! semantics are in [`crate::semantics::simd`]; this file only moves values
//! between slots, memory and those functions.

use super::memory;
use super::slots::{read_v128, set_slot, set_slot_v128, slot, slot_v128};
use crate::error::TrapCode;
use crate::interp::bytecode::Op;
use crate::semantics::scalar as num;
use crate::semantics::simd;

/// Runs the SIMD ops (`Copy2` and `Select2` included) of the frame at `sp`
/// from the one at `ip` on, and returns the first op that is not one, for
/// the dispatch loop to run.
///
/// Marked cold only so that the dispatch loop's register allocation does
/// not pay for this call site (without it, scalar code ran ~7% more
/// instructions); the work happens in [`run`], which is optimized normally.
///
/// # Safety
///
/// As for every handler of the dispatch loop: the translator emitted `op`
/// (slot operands, two slots for each `v128`, are inside the frame, which
/// the value stack holds from `sp`), an `Aux` follows the ops that read
/// one, `mem..mem + mem_len` is memory 0's live allocation, and `consts`
/// is the function's constant pool holding every index the ops name.
#[cold]
#[inline(never)]
pub(super) unsafe fn execute(
    ip: *const Op,
    sp: *mut u64,
    mem: *mut u8,
    mem_len: usize,
    consts: &[u64],
) -> Result<*const Op, TrapCode> {
    // SAFETY: the caller upholds `run`'s contract, which is this one.
    unsafe { run(ip, sp, mem, mem_len, consts) }
}

/// [`execute`]'s body. Same contract.
#[inline(never)]
#[allow(clippy::too_many_lines)]
unsafe fn run(
    mut ip: *const Op,
    sp: *mut u64,
    mem: *mut u8,
    mem_len: usize,
    consts: &[u64],
) -> Result<*const Op, TrapCode> {
    macro_rules! get {
        ($s:expr) => {
            slot!(sp, $s)
        };
    }
    macro_rules! set {
        ($s:expr, $v:expr) => {
            set_slot!(sp, $s, $v)
        };
    }
    // A `v128` operand: two slots, low half first.
    macro_rules! v {
        ($s:expr) => {
            slot_v128!(sp, $s)
        };
    }
    macro_rules! set_v {
        ($s:expr, $v:expr) => {
            set_slot_v128!(sp, $s, $v)
        };
    }
    macro_rules! un {
        ($dst:expr, $a:expr, $f:path) => {
            set_v!($dst, $f(v!($a)))
        };
    }
    macro_rules! bin {
        ($dst:expr, $a:expr, $b:expr, $f:path) => {{
            let (x, y) = (v!($a), v!($b));
            set_v!($dst, $f(x, y))
        }};
    }
    macro_rules! tern {
        ($dst:expr, $a:expr, $b:expr, $c:expr, $f:path) => {{
            let (x, y, z) = (v!($a), v!($b), v!($c));
            set_v!($dst, $f(x, y, z))
        }};
    }
    macro_rules! shift {
        ($dst:expr, $a:expr, $b:expr, $f:path) => {{
            let (x, s) = (v!($a), get!($b) as u32);
            set_v!($dst, $f(x, s))
        }};
    }
    macro_rules! load {
        ($dst:expr, $ptr:expr, $offset:expr, $n:literal, |$bytes:ident| $e:expr) => {{
            let $bytes: [u8; $n] = memory::load::<$n>(mem, mem_len, get!($ptr) as u32, $offset)?;
            set_v!($dst, $e)
        }};
    }
    macro_rules! load_lane {
        ($dst:expr, $ptr:expr, $src:expr, $lane:expr, $n:literal) => {{
            // SAFETY: the translator emits `Aux { a: offset }` after each.
            // SAFETY: the translator emits `Aux { a: offset }` after each.
            let offset = match unsafe { *ip } {
                Op::Aux { a, .. } => a,
                _ => 0,
            };
            let x = v!($src);
            let bytes = memory::load::<$n>(mem, mem_len, get!($ptr) as u32, offset)?;
            set_v!($dst, simd::replace_lane::<$n>(x, $lane, bytes));
            // SAFETY: past the `Aux`, still inside the function's ops.
            ip = unsafe { ip.add(1) };
        }};
    }
    macro_rules! store_lane {
        ($ptr:expr, $src:expr, $lane:expr, $offset:expr, $n:literal) => {{
            let bytes = simd::extract_lane::<$n>(v!($src), $lane);
            memory::store::<$n>(mem, mem_len, get!($ptr) as u32, $offset, &bytes)?
        }};
    }
    macro_rules! pool {
        ($index:expr) => {{
            let i = $index as usize;
            match consts.get(i..i + 2) {
                // SAFETY: `pair` is two readable slots.
                Some(pair) => unsafe { read_v128(pair.as_ptr()) },
                None => 0,
            }
        }};
    }
    macro_rules! extract {
        ($dst:expr, $a:expr, $lane:expr, $n:literal, |$b:ident| $e:expr) => {{
            let $b = simd::extract_lane::<$n>(v!($a), $lane);
            set!($dst, $e)
        }};
    }
    macro_rules! replace {
        ($dst:expr, $a:expr, $b:expr, $lane:expr, $n:literal) => {{
            let (x, y) = (v!($a), get!($b));
            let mut bytes = [0u8; $n];
            bytes.copy_from_slice(&y.to_le_bytes()[..$n]);
            set_v!($dst, simd::replace_lane::<$n>(x, $lane, bytes))
        }};
    }

    loop {
        // SAFETY: `ip` points into the function's ops, which end with a
        // scalar op (a return or branch), so this loop leaves before the end.
        let op: &Op = unsafe { &*ip };
        // SAFETY: as above: another op follows, or this one leaves.
        ip = unsafe { ip.add(1) };
        match *op {
            Op::Copy2 { dst, src } => set_v!(dst, v!(src)),
            Op::Select2 { dst, cond, a, b } => {
                let v = if get!(cond) as u32 != 0 { v!(a) } else { v!(b) };
                set_v!(dst, v)
            }
            Op::V128Const { dst, index } => set_v!(dst, pool!(index)),
            Op::I8x16Shuffle { dst, a, b, index } => {
                let (x, y) = (v!(a), v!(b));
                set_v!(dst, simd::i8x16_shuffle(x, y, pool!(index)))
            }
            Op::V128Bitselect { dst, a, b, c } => {
                let (x, y, m) = (v!(a), v!(b), v!(c));
                set_v!(dst, simd::v128_bitselect(x, y, m))
            }
            Op::F32x4RelaxedMadd { dst, a, b, c } => tern!(dst, a, b, c, simd::f32x4_relaxed_madd),
            Op::F32x4RelaxedNmadd { dst, a, b, c } => {
                tern!(dst, a, b, c, simd::f32x4_relaxed_nmadd)
            }
            Op::F64x2RelaxedMadd { dst, a, b, c } => tern!(dst, a, b, c, simd::f64x2_relaxed_madd),
            Op::F64x2RelaxedNmadd { dst, a, b, c } => {
                tern!(dst, a, b, c, simd::f64x2_relaxed_nmadd)
            }
            Op::I16x8RelaxedDotI8x16I7x16S { dst, a, b } => {
                bin!(dst, a, b, simd::i16x8_relaxed_dot_i8x16_i7x16_s)
            }
            Op::I32x4RelaxedDotI8x16I7x16AddS { dst, a, b, c } => {
                tern!(dst, a, b, c, simd::i32x4_relaxed_dot_i8x16_i7x16_add_s)
            }

            Op::V128Load { dst, ptr, offset } => {
                load!(dst, ptr, offset, 16, |b| u128::from_le_bytes(b))
            }
            Op::V128Load8x8S { dst, ptr, offset } => {
                load!(dst, ptr, offset, 8, |b| simd::load8x8_s(b))
            }
            Op::V128Load8x8U { dst, ptr, offset } => {
                load!(dst, ptr, offset, 8, |b| simd::load8x8_u(b))
            }
            Op::V128Load16x4S { dst, ptr, offset } => {
                load!(dst, ptr, offset, 8, |b| simd::load16x4_s(b))
            }
            Op::V128Load16x4U { dst, ptr, offset } => {
                load!(dst, ptr, offset, 8, |b| simd::load16x4_u(b))
            }
            Op::V128Load32x2S { dst, ptr, offset } => {
                load!(dst, ptr, offset, 8, |b| simd::load32x2_s(b))
            }
            Op::V128Load32x2U { dst, ptr, offset } => {
                load!(dst, ptr, offset, 8, |b| simd::load32x2_u(b))
            }
            Op::V128Load8Splat { dst, ptr, offset } => {
                load!(dst, ptr, offset, 1, |b| simd::i8x16_splat(b[0] as u64))
            }
            Op::V128Load16Splat { dst, ptr, offset } => {
                load!(dst, ptr, offset, 2, |b| simd::i16x8_splat(
                    u16::from_le_bytes(b) as u64
                ))
            }
            Op::V128Load32Splat { dst, ptr, offset } => {
                load!(dst, ptr, offset, 4, |b| simd::i32x4_splat(
                    u32::from_le_bytes(b) as u64
                ))
            }
            Op::V128Load64Splat { dst, ptr, offset } => {
                load!(dst, ptr, offset, 8, |b| simd::i64x2_splat(
                    u64::from_le_bytes(b)
                ))
            }
            Op::V128Load32Zero { dst, ptr, offset } => {
                load!(dst, ptr, offset, 4, |b| u32::from_le_bytes(b) as u128)
            }
            Op::V128Load64Zero { dst, ptr, offset } => {
                load!(dst, ptr, offset, 8, |b| u64::from_le_bytes(b) as u128)
            }
            Op::V128Load8Lane {
                dst,
                ptr,
                src,
                lane,
            } => load_lane!(dst, ptr, src, lane, 1),
            Op::V128Load16Lane {
                dst,
                ptr,
                src,
                lane,
            } => load_lane!(dst, ptr, src, lane, 2),
            Op::V128Load32Lane {
                dst,
                ptr,
                src,
                lane,
            } => load_lane!(dst, ptr, src, lane, 4),
            Op::V128Load64Lane {
                dst,
                ptr,
                src,
                lane,
            } => load_lane!(dst, ptr, src, lane, 8),
            Op::V128Store { ptr, src, offset } => {
                let bytes = v!(src).to_le_bytes();
                memory::store::<16>(mem, mem_len, get!(ptr) as u32, offset, &bytes)?
            }
            Op::V128Store8Lane {
                ptr,
                src,
                lane,
                offset,
            } => store_lane!(ptr, src, lane, offset, 1),
            Op::V128Store16Lane {
                ptr,
                src,
                lane,
                offset,
            } => store_lane!(ptr, src, lane, offset, 2),
            Op::V128Store32Lane {
                ptr,
                src,
                lane,
                offset,
            } => store_lane!(ptr, src, lane, offset, 4),
            Op::V128Store64Lane {
                ptr,
                src,
                lane,
                offset,
            } => store_lane!(ptr, src, lane, offset, 8),

            // Lanes come out sign- or zero-extended to the scalar's width.
            Op::I8x16ExtractLaneS { dst, a, lane } => {
                extract!(dst, a, lane, 1, |b| b[0] as i8 as i32 as u32 as u64)
            }
            Op::I8x16ExtractLaneU { dst, a, lane } => extract!(dst, a, lane, 1, |b| b[0] as u64),
            Op::I16x8ExtractLaneS { dst, a, lane } => {
                extract!(dst, a, lane, 2, |b| i16::from_le_bytes(b) as i32 as u32
                    as u64)
            }
            Op::I16x8ExtractLaneU { dst, a, lane } => {
                extract!(dst, a, lane, 2, |b| u16::from_le_bytes(b) as u64)
            }
            Op::I32x4ExtractLane { dst, a, lane } | Op::F32x4ExtractLane { dst, a, lane } => {
                extract!(dst, a, lane, 4, |b| u32::from_le_bytes(b) as u64)
            }
            Op::I64x2ExtractLane { dst, a, lane } | Op::F64x2ExtractLane { dst, a, lane } => {
                extract!(dst, a, lane, 8, |b| u64::from_le_bytes(b))
            }
            Op::I8x16ReplaceLane { dst, a, b, lane } => replace!(dst, a, b, lane, 1),
            Op::I16x8ReplaceLane { dst, a, b, lane } => replace!(dst, a, b, lane, 2),
            Op::I32x4ReplaceLane { dst, a, b, lane } | Op::F32x4ReplaceLane { dst, a, b, lane } => {
                replace!(dst, a, b, lane, 4)
            }
            Op::I64x2ReplaceLane { dst, a, b, lane } | Op::F64x2ReplaceLane { dst, a, b, lane } => {
                replace!(dst, a, b, lane, 8)
            }

            Op::I8x16Splat { dst, a } => set_v!(dst, simd::i8x16_splat(get!(a))),
            Op::I16x8Splat { dst, a } => set_v!(dst, simd::i16x8_splat(get!(a))),
            Op::I32x4Splat { dst, a } | Op::F32x4Splat { dst, a } => {
                set_v!(dst, simd::i32x4_splat(get!(a)))
            }
            Op::I64x2Splat { dst, a } | Op::F64x2Splat { dst, a } => {
                set_v!(dst, simd::i64x2_splat(get!(a)))
            }

            Op::V128AnyTrue { dst, a } => set!(dst, simd::v128_any_true(v!(a)) as u64),
            Op::I8x16AllTrue { dst, a } => set!(dst, simd::i8x16_all_true(v!(a)) as u64),
            Op::I16x8AllTrue { dst, a } => set!(dst, simd::i16x8_all_true(v!(a)) as u64),
            Op::I32x4AllTrue { dst, a } => set!(dst, simd::i32x4_all_true(v!(a)) as u64),
            Op::I64x2AllTrue { dst, a } => set!(dst, simd::i64x2_all_true(v!(a)) as u64),
            Op::I8x16Bitmask { dst, a } => set!(dst, simd::i8x16_bitmask(v!(a)) as u64),
            Op::I16x8Bitmask { dst, a } => set!(dst, simd::i16x8_bitmask(v!(a)) as u64),
            Op::I32x4Bitmask { dst, a } => set!(dst, simd::i32x4_bitmask(v!(a)) as u64),
            Op::I64x2Bitmask { dst, a } => set!(dst, simd::i64x2_bitmask(v!(a)) as u64),

            Op::V128Not { dst, a } => un!(dst, a, simd::v128_not),
            Op::I8x16Abs { dst, a } => un!(dst, a, simd::i8x16_abs),
            Op::I8x16Neg { dst, a } => un!(dst, a, simd::i8x16_neg),
            Op::I16x8Abs { dst, a } => un!(dst, a, simd::i16x8_abs),
            Op::I16x8Neg { dst, a } => un!(dst, a, simd::i16x8_neg),
            Op::I32x4Abs { dst, a } => un!(dst, a, simd::i32x4_abs),
            Op::I32x4Neg { dst, a } => un!(dst, a, simd::i32x4_neg),
            Op::I64x2Abs { dst, a } => un!(dst, a, simd::i64x2_abs),
            Op::I64x2Neg { dst, a } => un!(dst, a, simd::i64x2_neg),
            Op::I8x16Popcnt { dst, a } => un!(dst, a, simd::i8x16_popcnt),
            Op::I16x8ExtendLowI8x16S { dst, a } => un!(dst, a, simd::i16x8_extend_low_i8x16_s),
            Op::I16x8ExtendLowI8x16U { dst, a } => un!(dst, a, simd::i16x8_extend_low_i8x16_u),
            Op::I16x8ExtendHighI8x16S { dst, a } => un!(dst, a, simd::i16x8_extend_high_i8x16_s),
            Op::I16x8ExtendHighI8x16U { dst, a } => un!(dst, a, simd::i16x8_extend_high_i8x16_u),
            Op::I32x4ExtendLowI16x8S { dst, a } => un!(dst, a, simd::i32x4_extend_low_i16x8_s),
            Op::I32x4ExtendLowI16x8U { dst, a } => un!(dst, a, simd::i32x4_extend_low_i16x8_u),
            Op::I32x4ExtendHighI16x8S { dst, a } => un!(dst, a, simd::i32x4_extend_high_i16x8_s),
            Op::I32x4ExtendHighI16x8U { dst, a } => un!(dst, a, simd::i32x4_extend_high_i16x8_u),
            Op::I64x2ExtendLowI32x4S { dst, a } => un!(dst, a, simd::i64x2_extend_low_i32x4_s),
            Op::I64x2ExtendLowI32x4U { dst, a } => un!(dst, a, simd::i64x2_extend_low_i32x4_u),
            Op::I64x2ExtendHighI32x4S { dst, a } => un!(dst, a, simd::i64x2_extend_high_i32x4_s),
            Op::I64x2ExtendHighI32x4U { dst, a } => un!(dst, a, simd::i64x2_extend_high_i32x4_u),
            Op::I16x8ExtAddPairwiseI8x16S { dst, a } => {
                un!(dst, a, simd::i16x8_extadd_pairwise_i8x16_s)
            }
            Op::I16x8ExtAddPairwiseI8x16U { dst, a } => {
                un!(dst, a, simd::i16x8_extadd_pairwise_i8x16_u)
            }
            Op::I32x4ExtAddPairwiseI16x8S { dst, a } => {
                un!(dst, a, simd::i32x4_extadd_pairwise_i16x8_s)
            }
            Op::I32x4ExtAddPairwiseI16x8U { dst, a } => {
                un!(dst, a, simd::i32x4_extadd_pairwise_i16x8_u)
            }
            Op::F32x4Ceil { dst, a } => un!(dst, a, simd::f32x4_ceil),
            Op::F32x4Floor { dst, a } => un!(dst, a, simd::f32x4_floor),
            Op::F32x4Trunc { dst, a } => un!(dst, a, simd::f32x4_trunc),
            Op::F32x4Nearest { dst, a } => un!(dst, a, simd::f32x4_nearest),
            Op::F32x4Abs { dst, a } => un!(dst, a, simd::f32x4_abs),
            Op::F32x4Neg { dst, a } => un!(dst, a, simd::f32x4_neg),
            Op::F32x4Sqrt { dst, a } => un!(dst, a, simd::f32x4_sqrt),
            Op::F64x2Ceil { dst, a } => un!(dst, a, simd::f64x2_ceil),
            Op::F64x2Floor { dst, a } => un!(dst, a, simd::f64x2_floor),
            Op::F64x2Trunc { dst, a } => un!(dst, a, simd::f64x2_trunc),
            Op::F64x2Nearest { dst, a } => un!(dst, a, simd::f64x2_nearest),
            Op::F64x2Abs { dst, a } => un!(dst, a, simd::f64x2_abs),
            Op::F64x2Neg { dst, a } => un!(dst, a, simd::f64x2_neg),
            Op::F64x2Sqrt { dst, a } => un!(dst, a, simd::f64x2_sqrt),
            Op::I32x4TruncSatF32x4S { dst, a } => un!(dst, a, simd::i32x4_trunc_sat_f32x4_s),
            Op::I32x4TruncSatF32x4U { dst, a } => un!(dst, a, simd::i32x4_trunc_sat_f32x4_u),
            Op::F32x4ConvertI32x4S { dst, a } => un!(dst, a, simd::f32x4_convert_i32x4_s),
            Op::F32x4ConvertI32x4U { dst, a } => un!(dst, a, simd::f32x4_convert_i32x4_u),
            Op::I32x4TruncSatF64x2SZero { dst, a } => {
                un!(dst, a, simd::i32x4_trunc_sat_f64x2_s_zero)
            }
            Op::I32x4TruncSatF64x2UZero { dst, a } => {
                un!(dst, a, simd::i32x4_trunc_sat_f64x2_u_zero)
            }
            Op::F64x2ConvertLowI32x4S { dst, a } => un!(dst, a, simd::f64x2_convert_low_i32x4_s),
            Op::F64x2ConvertLowI32x4U { dst, a } => un!(dst, a, simd::f64x2_convert_low_i32x4_u),
            Op::F32Canonical { dst, a } => set!(dst, num::canonical_f32(get!(a) as u32) as u64),
            Op::F64Canonical { dst, a } => set!(dst, num::canonical_f64(get!(a))),
            Op::F32x4Canonical { dst, a } => un!(dst, a, simd::f32x4_canonical),
            Op::F64x2Canonical { dst, a } => un!(dst, a, simd::f64x2_canonical),
            Op::F32x4DemoteF64x2Zero { dst, a } => un!(dst, a, simd::f32x4_demote_f64x2_zero),
            Op::F64x2PromoteLowF32x4 { dst, a } => un!(dst, a, simd::f64x2_promote_low_f32x4),
            Op::I8x16Add { dst, a, b } => bin!(dst, a, b, simd::i8x16_add),
            Op::I8x16Sub { dst, a, b } => bin!(dst, a, b, simd::i8x16_sub),
            Op::I16x8Add { dst, a, b } => bin!(dst, a, b, simd::i16x8_add),
            Op::I16x8Sub { dst, a, b } => bin!(dst, a, b, simd::i16x8_sub),
            Op::I32x4Add { dst, a, b } => bin!(dst, a, b, simd::i32x4_add),
            Op::I32x4Sub { dst, a, b } => bin!(dst, a, b, simd::i32x4_sub),
            Op::I64x2Add { dst, a, b } => bin!(dst, a, b, simd::i64x2_add),
            Op::I64x2Sub { dst, a, b } => bin!(dst, a, b, simd::i64x2_sub),
            Op::I8x16NarrowI16x8S { dst, a, b } => bin!(dst, a, b, simd::i8x16_narrow_i16x8_s),
            Op::I8x16NarrowI16x8U { dst, a, b } => bin!(dst, a, b, simd::i8x16_narrow_i16x8_u),
            Op::I16x8NarrowI32x4S { dst, a, b } => bin!(dst, a, b, simd::i16x8_narrow_i32x4_s),
            Op::I16x8NarrowI32x4U { dst, a, b } => bin!(dst, a, b, simd::i16x8_narrow_i32x4_u),
            Op::I8x16AddSatS { dst, a, b } => bin!(dst, a, b, simd::i8x16_add_sat_s),
            Op::I8x16AddSatU { dst, a, b } => bin!(dst, a, b, simd::i8x16_add_sat_u),
            Op::I8x16SubSatS { dst, a, b } => bin!(dst, a, b, simd::i8x16_sub_sat_s),
            Op::I8x16SubSatU { dst, a, b } => bin!(dst, a, b, simd::i8x16_sub_sat_u),
            Op::I8x16AvgrU { dst, a, b } => bin!(dst, a, b, simd::i8x16_avgr_u),
            Op::I16x8AddSatS { dst, a, b } => bin!(dst, a, b, simd::i16x8_add_sat_s),
            Op::I16x8AddSatU { dst, a, b } => bin!(dst, a, b, simd::i16x8_add_sat_u),
            Op::I16x8SubSatS { dst, a, b } => bin!(dst, a, b, simd::i16x8_sub_sat_s),
            Op::I16x8SubSatU { dst, a, b } => bin!(dst, a, b, simd::i16x8_sub_sat_u),
            Op::I16x8AvgrU { dst, a, b } => bin!(dst, a, b, simd::i16x8_avgr_u),
            Op::I8x16MinS { dst, a, b } => bin!(dst, a, b, simd::i8x16_min_s),
            Op::I8x16MinU { dst, a, b } => bin!(dst, a, b, simd::i8x16_min_u),
            Op::I8x16MaxS { dst, a, b } => bin!(dst, a, b, simd::i8x16_max_s),
            Op::I8x16MaxU { dst, a, b } => bin!(dst, a, b, simd::i8x16_max_u),
            Op::I16x8MinS { dst, a, b } => bin!(dst, a, b, simd::i16x8_min_s),
            Op::I16x8MinU { dst, a, b } => bin!(dst, a, b, simd::i16x8_min_u),
            Op::I16x8MaxS { dst, a, b } => bin!(dst, a, b, simd::i16x8_max_s),
            Op::I16x8MaxU { dst, a, b } => bin!(dst, a, b, simd::i16x8_max_u),
            Op::I32x4MinS { dst, a, b } => bin!(dst, a, b, simd::i32x4_min_s),
            Op::I32x4MinU { dst, a, b } => bin!(dst, a, b, simd::i32x4_min_u),
            Op::I32x4MaxS { dst, a, b } => bin!(dst, a, b, simd::i32x4_max_s),
            Op::I32x4MaxU { dst, a, b } => bin!(dst, a, b, simd::i32x4_max_u),
            Op::I16x8Mul { dst, a, b } => bin!(dst, a, b, simd::i16x8_mul),
            Op::I32x4Mul { dst, a, b } => bin!(dst, a, b, simd::i32x4_mul),
            Op::I64x2Mul { dst, a, b } => bin!(dst, a, b, simd::i64x2_mul),
            Op::I16x8Q15MulrSatS { dst, a, b } => bin!(dst, a, b, simd::i16x8_q15mulr_sat_s),
            Op::I32x4DotI16x8S { dst, a, b } => bin!(dst, a, b, simd::i32x4_dot_i16x8_s),
            Op::I16x8ExtMulLowI8x16S { dst, a, b } => {
                bin!(dst, a, b, simd::i16x8_extmul_low_i8x16_s)
            }
            Op::I16x8ExtMulLowI8x16U { dst, a, b } => {
                bin!(dst, a, b, simd::i16x8_extmul_low_i8x16_u)
            }
            Op::I16x8ExtMulHighI8x16S { dst, a, b } => {
                bin!(dst, a, b, simd::i16x8_extmul_high_i8x16_s)
            }
            Op::I16x8ExtMulHighI8x16U { dst, a, b } => {
                bin!(dst, a, b, simd::i16x8_extmul_high_i8x16_u)
            }
            Op::I32x4ExtMulLowI16x8S { dst, a, b } => {
                bin!(dst, a, b, simd::i32x4_extmul_low_i16x8_s)
            }
            Op::I32x4ExtMulLowI16x8U { dst, a, b } => {
                bin!(dst, a, b, simd::i32x4_extmul_low_i16x8_u)
            }
            Op::I32x4ExtMulHighI16x8S { dst, a, b } => {
                bin!(dst, a, b, simd::i32x4_extmul_high_i16x8_s)
            }
            Op::I32x4ExtMulHighI16x8U { dst, a, b } => {
                bin!(dst, a, b, simd::i32x4_extmul_high_i16x8_u)
            }
            Op::I64x2ExtMulLowI32x4S { dst, a, b } => {
                bin!(dst, a, b, simd::i64x2_extmul_low_i32x4_s)
            }
            Op::I64x2ExtMulLowI32x4U { dst, a, b } => {
                bin!(dst, a, b, simd::i64x2_extmul_low_i32x4_u)
            }
            Op::I64x2ExtMulHighI32x4S { dst, a, b } => {
                bin!(dst, a, b, simd::i64x2_extmul_high_i32x4_s)
            }
            Op::I64x2ExtMulHighI32x4U { dst, a, b } => {
                bin!(dst, a, b, simd::i64x2_extmul_high_i32x4_u)
            }
            Op::F32x4Add { dst, a, b } => bin!(dst, a, b, simd::f32x4_add),
            Op::F32x4Sub { dst, a, b } => bin!(dst, a, b, simd::f32x4_sub),
            Op::F32x4Mul { dst, a, b } => bin!(dst, a, b, simd::f32x4_mul),
            Op::F32x4Div { dst, a, b } => bin!(dst, a, b, simd::f32x4_div),
            Op::F32x4Min { dst, a, b } => bin!(dst, a, b, simd::f32x4_min),
            Op::F32x4Max { dst, a, b } => bin!(dst, a, b, simd::f32x4_max),
            Op::F32x4PMin { dst, a, b } => bin!(dst, a, b, simd::f32x4_pmin),
            Op::F32x4PMax { dst, a, b } => bin!(dst, a, b, simd::f32x4_pmax),
            Op::F64x2Add { dst, a, b } => bin!(dst, a, b, simd::f64x2_add),
            Op::F64x2Sub { dst, a, b } => bin!(dst, a, b, simd::f64x2_sub),
            Op::F64x2Mul { dst, a, b } => bin!(dst, a, b, simd::f64x2_mul),
            Op::F64x2Div { dst, a, b } => bin!(dst, a, b, simd::f64x2_div),
            Op::F64x2Min { dst, a, b } => bin!(dst, a, b, simd::f64x2_min),
            Op::F64x2Max { dst, a, b } => bin!(dst, a, b, simd::f64x2_max),
            Op::F64x2PMin { dst, a, b } => bin!(dst, a, b, simd::f64x2_pmin),
            Op::F64x2PMax { dst, a, b } => bin!(dst, a, b, simd::f64x2_pmax),
            Op::I8x16Swizzle { dst, a, b } => bin!(dst, a, b, simd::i8x16_swizzle),
            Op::V128And { dst, a, b } => bin!(dst, a, b, simd::v128_and),
            Op::V128AndNot { dst, a, b } => bin!(dst, a, b, simd::v128_andnot),
            Op::V128Or { dst, a, b } => bin!(dst, a, b, simd::v128_or),
            Op::V128Xor { dst, a, b } => bin!(dst, a, b, simd::v128_xor),
            Op::I8x16Eq { dst, a, b } => bin!(dst, a, b, simd::i8x16_eq),
            Op::I8x16Ne { dst, a, b } => bin!(dst, a, b, simd::i8x16_ne),
            Op::I8x16LtS { dst, a, b } => bin!(dst, a, b, simd::i8x16_lt_s),
            Op::I8x16LtU { dst, a, b } => bin!(dst, a, b, simd::i8x16_lt_u),
            Op::I8x16GtS { dst, a, b } => bin!(dst, a, b, simd::i8x16_gt_s),
            Op::I8x16GtU { dst, a, b } => bin!(dst, a, b, simd::i8x16_gt_u),
            Op::I8x16LeS { dst, a, b } => bin!(dst, a, b, simd::i8x16_le_s),
            Op::I8x16LeU { dst, a, b } => bin!(dst, a, b, simd::i8x16_le_u),
            Op::I8x16GeS { dst, a, b } => bin!(dst, a, b, simd::i8x16_ge_s),
            Op::I8x16GeU { dst, a, b } => bin!(dst, a, b, simd::i8x16_ge_u),
            Op::I16x8Eq { dst, a, b } => bin!(dst, a, b, simd::i16x8_eq),
            Op::I16x8Ne { dst, a, b } => bin!(dst, a, b, simd::i16x8_ne),
            Op::I16x8LtS { dst, a, b } => bin!(dst, a, b, simd::i16x8_lt_s),
            Op::I16x8LtU { dst, a, b } => bin!(dst, a, b, simd::i16x8_lt_u),
            Op::I16x8GtS { dst, a, b } => bin!(dst, a, b, simd::i16x8_gt_s),
            Op::I16x8GtU { dst, a, b } => bin!(dst, a, b, simd::i16x8_gt_u),
            Op::I16x8LeS { dst, a, b } => bin!(dst, a, b, simd::i16x8_le_s),
            Op::I16x8LeU { dst, a, b } => bin!(dst, a, b, simd::i16x8_le_u),
            Op::I16x8GeS { dst, a, b } => bin!(dst, a, b, simd::i16x8_ge_s),
            Op::I16x8GeU { dst, a, b } => bin!(dst, a, b, simd::i16x8_ge_u),
            Op::I32x4Eq { dst, a, b } => bin!(dst, a, b, simd::i32x4_eq),
            Op::I32x4Ne { dst, a, b } => bin!(dst, a, b, simd::i32x4_ne),
            Op::I32x4LtS { dst, a, b } => bin!(dst, a, b, simd::i32x4_lt_s),
            Op::I32x4LtU { dst, a, b } => bin!(dst, a, b, simd::i32x4_lt_u),
            Op::I32x4GtS { dst, a, b } => bin!(dst, a, b, simd::i32x4_gt_s),
            Op::I32x4GtU { dst, a, b } => bin!(dst, a, b, simd::i32x4_gt_u),
            Op::I32x4LeS { dst, a, b } => bin!(dst, a, b, simd::i32x4_le_s),
            Op::I32x4LeU { dst, a, b } => bin!(dst, a, b, simd::i32x4_le_u),
            Op::I32x4GeS { dst, a, b } => bin!(dst, a, b, simd::i32x4_ge_s),
            Op::I32x4GeU { dst, a, b } => bin!(dst, a, b, simd::i32x4_ge_u),
            Op::I64x2Eq { dst, a, b } => bin!(dst, a, b, simd::i64x2_eq),
            Op::I64x2Ne { dst, a, b } => bin!(dst, a, b, simd::i64x2_ne),
            Op::I64x2LtS { dst, a, b } => bin!(dst, a, b, simd::i64x2_lt_s),
            Op::I64x2GtS { dst, a, b } => bin!(dst, a, b, simd::i64x2_gt_s),
            Op::I64x2LeS { dst, a, b } => bin!(dst, a, b, simd::i64x2_le_s),
            Op::I64x2GeS { dst, a, b } => bin!(dst, a, b, simd::i64x2_ge_s),
            Op::F32x4Eq { dst, a, b } => bin!(dst, a, b, simd::f32x4_eq),
            Op::F32x4Ne { dst, a, b } => bin!(dst, a, b, simd::f32x4_ne),
            Op::F32x4Lt { dst, a, b } => bin!(dst, a, b, simd::f32x4_lt),
            Op::F32x4Gt { dst, a, b } => bin!(dst, a, b, simd::f32x4_gt),
            Op::F32x4Le { dst, a, b } => bin!(dst, a, b, simd::f32x4_le),
            Op::F32x4Ge { dst, a, b } => bin!(dst, a, b, simd::f32x4_ge),
            Op::F64x2Eq { dst, a, b } => bin!(dst, a, b, simd::f64x2_eq),
            Op::F64x2Ne { dst, a, b } => bin!(dst, a, b, simd::f64x2_ne),
            Op::F64x2Lt { dst, a, b } => bin!(dst, a, b, simd::f64x2_lt),
            Op::F64x2Gt { dst, a, b } => bin!(dst, a, b, simd::f64x2_gt),
            Op::F64x2Le { dst, a, b } => bin!(dst, a, b, simd::f64x2_le),
            Op::F64x2Ge { dst, a, b } => bin!(dst, a, b, simd::f64x2_ge),
            Op::I8x16Shl { dst, a, b } => shift!(dst, a, b, simd::i8x16_shl),
            Op::I8x16ShrS { dst, a, b } => shift!(dst, a, b, simd::i8x16_shr_s),
            Op::I8x16ShrU { dst, a, b } => shift!(dst, a, b, simd::i8x16_shr_u),
            Op::I16x8Shl { dst, a, b } => shift!(dst, a, b, simd::i16x8_shl),
            Op::I16x8ShrS { dst, a, b } => shift!(dst, a, b, simd::i16x8_shr_s),
            Op::I16x8ShrU { dst, a, b } => shift!(dst, a, b, simd::i16x8_shr_u),
            Op::I32x4Shl { dst, a, b } => shift!(dst, a, b, simd::i32x4_shl),
            Op::I32x4ShrS { dst, a, b } => shift!(dst, a, b, simd::i32x4_shr_s),
            Op::I32x4ShrU { dst, a, b } => shift!(dst, a, b, simd::i32x4_shr_u),
            Op::I64x2Shl { dst, a, b } => shift!(dst, a, b, simd::i64x2_shl),
            Op::I64x2ShrS { dst, a, b } => shift!(dst, a, b, simd::i64x2_shr_s),
            Op::I64x2ShrU { dst, a, b } => shift!(dst, a, b, simd::i64x2_shr_u),

            // A scalar op: the dispatch loop runs it.
            // SAFETY: back to the op just read.
            _ => return Ok(unsafe { ip.sub(1) }),
        }
    }
}
