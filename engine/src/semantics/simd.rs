//! Exact WebAssembly `v128` semantics: every lane-wise
//! operation of the fixed-width SIMD proposal as a plain function on
//! `u128` values (lane 0 in the least significant bits, as in memory).
//!
//! This is the portable implementation: lane arrays in and out, written so
//! that the compiler can vectorize them, with no `unsafe` and no target
//! features, so it builds for every target (`no_std` ones included). Float
//! lanes reuse the scalar rules of [`scalar`](super::scalar), so NaN
//! results, rounding and saturation match the scalar instructions exactly.

use super::scalar as num;

// ---------------------------------------------------------------------------
// Lane views
// ---------------------------------------------------------------------------

macro_rules! lanes {
    ($($get:ident, $put:ident: $t:ty, $n:literal;)*) => {$(
        /// The lanes of a `v128`, lane 0 first.
        #[inline(always)]
        pub(crate) fn $get(v: u128) -> [$t; $n] {
            const W: usize = 16 / $n;
            let bytes = v.to_le_bytes();
            let mut out = [<$t>::default(); $n];
            for (i, lane) in out.iter_mut().enumerate() {
                let mut b = [0u8; W];
                b.copy_from_slice(&bytes[i * W..i * W + W]);
                *lane = <$t>::from_le_bytes(b);
            }
            out
        }

        /// A `v128` from its lanes, lane 0 first.
        #[inline(always)]
        pub(crate) fn $put(lanes: [$t; $n]) -> u128 {
            const W: usize = 16 / $n;
            let mut bytes = [0u8; 16];
            for (i, lane) in lanes.iter().enumerate() {
                bytes[i * W..i * W + W].copy_from_slice(&lane.to_le_bytes());
            }
            u128::from_le_bytes(bytes)
        }
    )*};
}

lanes! {
    i8x16, from_i8x16: i8, 16;
    u8x16, from_u8x16: u8, 16;
    i16x8, from_i16x8: i16, 8;
    u16x8, from_u16x8: u16, 8;
    i32x4, from_i32x4: i32, 4;
    u32x4, from_u32x4: u32, 4;
    i64x2, from_i64x2: i64, 2;
    u64x2, from_u64x2: u64, 2;
    f32x4, from_f32x4: f32, 4;
    f64x2, from_f64x2: f64, 2;
}

/// Applies `f` to every lane of `a` (lanes of type `T`, `N` of them).
#[inline(always)]
fn map<T: Copy, const N: usize>(a: [T; N], f: impl Fn(T) -> T) -> [T; N] {
    a.map(f)
}

/// Applies `f` to every pair of lanes of `a` and `b`.
#[inline(always)]
fn zip<T: Copy, U: Copy + Default, const N: usize>(
    a: [T; N],
    b: [T; N],
    f: impl Fn(T, T) -> U,
) -> [U; N] {
    let mut out = [U::default(); N];
    for i in 0..N {
        out[i] = f(a[i], b[i]);
    }
    out
}

// ---------------------------------------------------------------------------
// Lane-wise binary and unary operations
// ---------------------------------------------------------------------------

/// Lane-wise binary operations: `name: view, build, |x, y| result;`.
macro_rules! binary {
    ($($name:ident: $get:ident, $put:ident, |$x:ident, $y:ident| $e:expr;)*) => {$(
        #[inline]
        pub(crate) fn $name(a: u128, b: u128) -> u128 {
            $put(zip($get(a), $get(b), |$x, $y| $e))
        }
    )*};
}

/// Lane-wise unary operations: `name: view, build, |x| result;`.
macro_rules! unary {
    ($($name:ident: $get:ident, $put:ident, |$x:ident| $e:expr;)*) => {$(
        #[inline]
        pub(crate) fn $name(a: u128) -> u128 {
            $put(map($get(a), |$x| $e))
        }
    )*};
}

/// Lane-wise comparisons, all ones for true: `name: view, mask build,
/// mask lane type, |x, y| condition;`.
macro_rules! compare {
    ($($name:ident: $get:ident, $put:ident, $m:ty, |$x:ident, $y:ident| $e:expr;)*) => {$(
        #[inline]
        pub(crate) fn $name(a: u128, b: u128) -> u128 {
            $put(zip($get(a), $get(b), |$x, $y| if $e { <$m>::MAX } else { 0 }))
        }
    )*};
}

binary! {
    i8x16_add: u8x16, from_u8x16, |x, y| x.wrapping_add(y);
    i8x16_sub: u8x16, from_u8x16, |x, y| x.wrapping_sub(y);
    i8x16_add_sat_s: i8x16, from_i8x16, |x, y| x.saturating_add(y);
    i8x16_add_sat_u: u8x16, from_u8x16, |x, y| x.saturating_add(y);
    i8x16_sub_sat_s: i8x16, from_i8x16, |x, y| x.saturating_sub(y);
    i8x16_sub_sat_u: u8x16, from_u8x16, |x, y| x.saturating_sub(y);
    i8x16_min_s: i8x16, from_i8x16, |x, y| x.min(y);
    i8x16_min_u: u8x16, from_u8x16, |x, y| x.min(y);
    i8x16_max_s: i8x16, from_i8x16, |x, y| x.max(y);
    i8x16_max_u: u8x16, from_u8x16, |x, y| x.max(y);
    i8x16_avgr_u: u8x16, from_u8x16, |x, y| ((x as u16 + y as u16 + 1) >> 1) as u8;

    i16x8_add: u16x8, from_u16x8, |x, y| x.wrapping_add(y);
    i16x8_sub: u16x8, from_u16x8, |x, y| x.wrapping_sub(y);
    i16x8_mul: u16x8, from_u16x8, |x, y| x.wrapping_mul(y);
    i16x8_add_sat_s: i16x8, from_i16x8, |x, y| x.saturating_add(y);
    i16x8_add_sat_u: u16x8, from_u16x8, |x, y| x.saturating_add(y);
    i16x8_sub_sat_s: i16x8, from_i16x8, |x, y| x.saturating_sub(y);
    i16x8_sub_sat_u: u16x8, from_u16x8, |x, y| x.saturating_sub(y);
    i16x8_min_s: i16x8, from_i16x8, |x, y| x.min(y);
    i16x8_min_u: u16x8, from_u16x8, |x, y| x.min(y);
    i16x8_max_s: i16x8, from_i16x8, |x, y| x.max(y);
    i16x8_max_u: u16x8, from_u16x8, |x, y| x.max(y);
    i16x8_avgr_u: u16x8, from_u16x8, |x, y| ((x as u32 + y as u32 + 1) >> 1) as u16;
    // Rounding Q15 multiply; only -1 * -1 overflows, saturating to MAX.
    i16x8_q15mulr_sat_s: i16x8, from_i16x8, |x, y| {
        let r = (x as i32 * y as i32 + 0x4000) >> 15;
        r.clamp(i16::MIN as i32, i16::MAX as i32) as i16
    };

    i32x4_add: u32x4, from_u32x4, |x, y| x.wrapping_add(y);
    i32x4_sub: u32x4, from_u32x4, |x, y| x.wrapping_sub(y);
    i32x4_mul: u32x4, from_u32x4, |x, y| x.wrapping_mul(y);
    i32x4_min_s: i32x4, from_i32x4, |x, y| x.min(y);
    i32x4_min_u: u32x4, from_u32x4, |x, y| x.min(y);
    i32x4_max_s: i32x4, from_i32x4, |x, y| x.max(y);
    i32x4_max_u: u32x4, from_u32x4, |x, y| x.max(y);

    i64x2_add: u64x2, from_u64x2, |x, y| x.wrapping_add(y);
    i64x2_sub: u64x2, from_u64x2, |x, y| x.wrapping_sub(y);
    i64x2_mul: u64x2, from_u64x2, |x, y| x.wrapping_mul(y);

    f32x4_add: f32x4, from_f32x4, |x, y| x + y;
    f32x4_sub: f32x4, from_f32x4, |x, y| x - y;
    f32x4_mul: f32x4, from_f32x4, |x, y| x * y;
    f32x4_div: f32x4, from_f32x4, |x, y| x / y;
    f32x4_min: f32x4, from_f32x4, |x, y| num::f32_min(x, y);
    f32x4_max: f32x4, from_f32x4, |x, y| num::f32_max(x, y);
    // Pseudo-min/max: C's `b < a ? b : a`, exactly (NaNs and zeros
    // included), as the proposal defines them.
    f32x4_pmin: f32x4, from_f32x4, |x, y| if y < x { y } else { x };
    f32x4_pmax: f32x4, from_f32x4, |x, y| if x < y { y } else { x };

    f64x2_add: f64x2, from_f64x2, |x, y| x + y;
    f64x2_sub: f64x2, from_f64x2, |x, y| x - y;
    f64x2_mul: f64x2, from_f64x2, |x, y| x * y;
    f64x2_div: f64x2, from_f64x2, |x, y| x / y;
    f64x2_min: f64x2, from_f64x2, |x, y| num::f64_min(x, y);
    f64x2_max: f64x2, from_f64x2, |x, y| num::f64_max(x, y);
    f64x2_pmin: f64x2, from_f64x2, |x, y| if y < x { y } else { x };
    f64x2_pmax: f64x2, from_f64x2, |x, y| if x < y { y } else { x };
}

unary! {
    i8x16_abs: i8x16, from_i8x16, |x| x.wrapping_abs();
    i8x16_neg: i8x16, from_i8x16, |x| x.wrapping_neg();
    i8x16_popcnt: u8x16, from_u8x16, |x| x.count_ones() as u8;
    i16x8_abs: i16x8, from_i16x8, |x| x.wrapping_abs();
    i16x8_neg: i16x8, from_i16x8, |x| x.wrapping_neg();
    i32x4_abs: i32x4, from_i32x4, |x| x.wrapping_abs();
    i32x4_neg: i32x4, from_i32x4, |x| x.wrapping_neg();
    i64x2_abs: i64x2, from_i64x2, |x| x.wrapping_abs();
    i64x2_neg: i64x2, from_i64x2, |x| x.wrapping_neg();

    // Sign operations work on the bits: NaN payloads are preserved.
    f32x4_abs: u32x4, from_u32x4, |x| x & 0x7fff_ffff;
    f32x4_neg: u32x4, from_u32x4, |x| x ^ 0x8000_0000;
    f64x2_abs: u64x2, from_u64x2, |x| x & 0x7fff_ffff_ffff_ffff;
    // Every NaN lane replaced by the canonical NaN
    // (`Config::nan_canonicalization`).
    f32x4_canonical: u32x4, from_u32x4, |x| num::canonical_f32(x);
    f64x2_canonical: u64x2, from_u64x2, |x| num::canonical_f64(x);
    f64x2_neg: u64x2, from_u64x2, |x| x ^ 0x8000_0000_0000_0000;
    f32x4_sqrt: f32x4, from_f32x4, |x| num::f32_sqrt(x);
    f32x4_ceil: f32x4, from_f32x4, |x| num::f32_ceil(x);
    f32x4_floor: f32x4, from_f32x4, |x| num::f32_floor(x);
    f32x4_trunc: f32x4, from_f32x4, |x| num::f32_trunc(x);
    f32x4_nearest: f32x4, from_f32x4, |x| num::f32_nearest(x);
    f64x2_sqrt: f64x2, from_f64x2, |x| num::f64_sqrt(x);
    f64x2_ceil: f64x2, from_f64x2, |x| num::f64_ceil(x);
    f64x2_floor: f64x2, from_f64x2, |x| num::f64_floor(x);
    f64x2_trunc: f64x2, from_f64x2, |x| num::f64_trunc(x);
    f64x2_nearest: f64x2, from_f64x2, |x| num::f64_nearest(x);
}

compare! {
    i8x16_eq: u8x16, from_u8x16, u8, |x, y| x == y;
    i8x16_ne: u8x16, from_u8x16, u8, |x, y| x != y;
    i8x16_lt_s: i8x16, from_u8x16, u8, |x, y| x < y;
    i8x16_lt_u: u8x16, from_u8x16, u8, |x, y| x < y;
    i8x16_gt_s: i8x16, from_u8x16, u8, |x, y| x > y;
    i8x16_gt_u: u8x16, from_u8x16, u8, |x, y| x > y;
    i8x16_le_s: i8x16, from_u8x16, u8, |x, y| x <= y;
    i8x16_le_u: u8x16, from_u8x16, u8, |x, y| x <= y;
    i8x16_ge_s: i8x16, from_u8x16, u8, |x, y| x >= y;
    i8x16_ge_u: u8x16, from_u8x16, u8, |x, y| x >= y;

    i16x8_eq: u16x8, from_u16x8, u16, |x, y| x == y;
    i16x8_ne: u16x8, from_u16x8, u16, |x, y| x != y;
    i16x8_lt_s: i16x8, from_u16x8, u16, |x, y| x < y;
    i16x8_lt_u: u16x8, from_u16x8, u16, |x, y| x < y;
    i16x8_gt_s: i16x8, from_u16x8, u16, |x, y| x > y;
    i16x8_gt_u: u16x8, from_u16x8, u16, |x, y| x > y;
    i16x8_le_s: i16x8, from_u16x8, u16, |x, y| x <= y;
    i16x8_le_u: u16x8, from_u16x8, u16, |x, y| x <= y;
    i16x8_ge_s: i16x8, from_u16x8, u16, |x, y| x >= y;
    i16x8_ge_u: u16x8, from_u16x8, u16, |x, y| x >= y;

    i32x4_eq: u32x4, from_u32x4, u32, |x, y| x == y;
    i32x4_ne: u32x4, from_u32x4, u32, |x, y| x != y;
    i32x4_lt_s: i32x4, from_u32x4, u32, |x, y| x < y;
    i32x4_lt_u: u32x4, from_u32x4, u32, |x, y| x < y;
    i32x4_gt_s: i32x4, from_u32x4, u32, |x, y| x > y;
    i32x4_gt_u: u32x4, from_u32x4, u32, |x, y| x > y;
    i32x4_le_s: i32x4, from_u32x4, u32, |x, y| x <= y;
    i32x4_le_u: u32x4, from_u32x4, u32, |x, y| x <= y;
    i32x4_ge_s: i32x4, from_u32x4, u32, |x, y| x >= y;
    i32x4_ge_u: u32x4, from_u32x4, u32, |x, y| x >= y;

    i64x2_eq: u64x2, from_u64x2, u64, |x, y| x == y;
    i64x2_ne: u64x2, from_u64x2, u64, |x, y| x != y;
    i64x2_lt_s: i64x2, from_u64x2, u64, |x, y| x < y;
    i64x2_gt_s: i64x2, from_u64x2, u64, |x, y| x > y;
    i64x2_le_s: i64x2, from_u64x2, u64, |x, y| x <= y;
    i64x2_ge_s: i64x2, from_u64x2, u64, |x, y| x >= y;

    f32x4_eq: f32x4, from_u32x4, u32, |x, y| x == y;
    f32x4_ne: f32x4, from_u32x4, u32, |x, y| x != y;
    f32x4_lt: f32x4, from_u32x4, u32, |x, y| x < y;
    f32x4_gt: f32x4, from_u32x4, u32, |x, y| x > y;
    f32x4_le: f32x4, from_u32x4, u32, |x, y| x <= y;
    f32x4_ge: f32x4, from_u32x4, u32, |x, y| x >= y;

    f64x2_eq: f64x2, from_u64x2, u64, |x, y| x == y;
    f64x2_ne: f64x2, from_u64x2, u64, |x, y| x != y;
    f64x2_lt: f64x2, from_u64x2, u64, |x, y| x < y;
    f64x2_gt: f64x2, from_u64x2, u64, |x, y| x > y;
    f64x2_le: f64x2, from_u64x2, u64, |x, y| x <= y;
    f64x2_ge: f64x2, from_u64x2, u64, |x, y| x >= y;
}

// ---------------------------------------------------------------------------
// Bitwise
// ---------------------------------------------------------------------------

#[inline]
pub(crate) fn v128_not(a: u128) -> u128 {
    !a
}

#[inline]
pub(crate) fn v128_and(a: u128, b: u128) -> u128 {
    a & b
}

#[inline]
pub(crate) fn v128_andnot(a: u128, b: u128) -> u128 {
    a & !b
}

#[inline]
pub(crate) fn v128_or(a: u128, b: u128) -> u128 {
    a | b
}

#[inline]
pub(crate) fn v128_xor(a: u128, b: u128) -> u128 {
    a ^ b
}

/// Bits of `a` where `c` is set, of `b` elsewhere.
#[inline]
pub(crate) fn v128_bitselect(a: u128, b: u128, c: u128) -> u128 {
    (a & c) | (b & !c)
}

#[inline]
pub(crate) fn v128_any_true(a: u128) -> bool {
    a != 0
}

// ---------------------------------------------------------------------------
// Shifts: the amount is taken modulo the lane width
// ---------------------------------------------------------------------------

macro_rules! shifts {
    ($($name:ident: $get:ident, $put:ident, $op:ident, $bits:literal;)*) => {$(
        #[inline]
        pub(crate) fn $name(a: u128, amount: u32) -> u128 {
            let s = amount % $bits;
            $put(map($get(a), |x| x.$op(s)))
        }
    )*};
}

shifts! {
    i8x16_shl: u8x16, from_u8x16, wrapping_shl, 8;
    i8x16_shr_s: i8x16, from_i8x16, wrapping_shr, 8;
    i8x16_shr_u: u8x16, from_u8x16, wrapping_shr, 8;
    i16x8_shl: u16x8, from_u16x8, wrapping_shl, 16;
    i16x8_shr_s: i16x8, from_i16x8, wrapping_shr, 16;
    i16x8_shr_u: u16x8, from_u16x8, wrapping_shr, 16;
    i32x4_shl: u32x4, from_u32x4, wrapping_shl, 32;
    i32x4_shr_s: i32x4, from_i32x4, wrapping_shr, 32;
    i32x4_shr_u: u32x4, from_u32x4, wrapping_shr, 32;
    i64x2_shl: u64x2, from_u64x2, wrapping_shl, 64;
    i64x2_shr_s: i64x2, from_i64x2, wrapping_shr, 64;
    i64x2_shr_u: u64x2, from_u64x2, wrapping_shr, 64;
}

// ---------------------------------------------------------------------------
// Reductions to a scalar
// ---------------------------------------------------------------------------

macro_rules! reductions {
    ($($all:ident, $mask:ident: $get:ident, $bits:literal;)*) => {$(
        /// Whether every lane is non-zero.
        #[inline]
        pub(crate) fn $all(a: u128) -> bool {
            $get(a).iter().all(|x| *x != 0)
        }

        /// The lanes' sign bits, lane 0 in bit 0.
        #[inline]
        pub(crate) fn $mask(a: u128) -> u32 {
            let mut m = 0;
            for (i, x) in $get(a).iter().enumerate() {
                m |= ((*x >> ($bits - 1)) as u32 & 1) << i;
            }
            m
        }
    )*};
}

reductions! {
    i8x16_all_true, i8x16_bitmask: u8x16, 8;
    i16x8_all_true, i16x8_bitmask: u16x8, 16;
    i32x4_all_true, i32x4_bitmask: u32x4, 32;
    i64x2_all_true, i64x2_bitmask: u64x2, 64;
}

// ---------------------------------------------------------------------------
// Narrowing, widening and pairwise operations
// ---------------------------------------------------------------------------

/// Saturates each signed 16-bit lane of `a`, then `b`, to 8 bits.
#[inline]
pub(crate) fn i8x16_narrow_i16x8_s(a: u128, b: u128) -> u128 {
    let (a, b) = (i16x8(a), i16x8(b));
    let mut out = [0i8; 16];
    for i in 0..8 {
        out[i] = a[i].clamp(i8::MIN as i16, i8::MAX as i16) as i8;
        out[i + 8] = b[i].clamp(i8::MIN as i16, i8::MAX as i16) as i8;
    }
    from_i8x16(out)
}

#[inline]
pub(crate) fn i8x16_narrow_i16x8_u(a: u128, b: u128) -> u128 {
    let (a, b) = (i16x8(a), i16x8(b));
    let mut out = [0u8; 16];
    for i in 0..8 {
        out[i] = a[i].clamp(0, u8::MAX as i16) as u8;
        out[i + 8] = b[i].clamp(0, u8::MAX as i16) as u8;
    }
    from_u8x16(out)
}

#[inline]
pub(crate) fn i16x8_narrow_i32x4_s(a: u128, b: u128) -> u128 {
    let (a, b) = (i32x4(a), i32x4(b));
    let mut out = [0i16; 8];
    for i in 0..4 {
        out[i] = a[i].clamp(i16::MIN as i32, i16::MAX as i32) as i16;
        out[i + 4] = b[i].clamp(i16::MIN as i32, i16::MAX as i32) as i16;
    }
    from_i16x8(out)
}

#[inline]
pub(crate) fn i16x8_narrow_i32x4_u(a: u128, b: u128) -> u128 {
    let (a, b) = (i32x4(a), i32x4(b));
    let mut out = [0u16; 8];
    for i in 0..4 {
        out[i] = a[i].clamp(0, u16::MAX as i32) as u16;
        out[i + 4] = b[i].clamp(0, u16::MAX as i32) as u16;
    }
    from_u16x8(out)
}

/// Widening operations: `extend` (low or high half of the lanes, sign or
/// zero extended), `extmul` (the same halves of two vectors multiplied
/// exactly) and `extadd_pairwise` (adjacent lanes added exactly).
macro_rules! widen {
    ($($low:ident, $high:ident, $mul_low:ident, $mul_high:ident, $pairwise:ident:
        $get:ident -> $put:ident, $wide:ty, $n:literal;)*) => {$(
        #[inline]
        pub(crate) fn $low(a: u128) -> u128 {
            let a = $get(a);
            $put(core::array::from_fn(|i| a[i] as $wide))
        }

        #[inline]
        pub(crate) fn $high(a: u128) -> u128 {
            let a = $get(a);
            $put(core::array::from_fn(|i| a[i + $n] as $wide))
        }

        #[inline]
        pub(crate) fn $mul_low(a: u128, b: u128) -> u128 {
            let (a, b) = ($get(a), $get(b));
            $put(core::array::from_fn(|i| (a[i] as $wide).wrapping_mul(b[i] as $wide)))
        }

        #[inline]
        pub(crate) fn $mul_high(a: u128, b: u128) -> u128 {
            let (a, b) = ($get(a), $get(b));
            $put(core::array::from_fn(|i| {
                (a[i + $n] as $wide).wrapping_mul(b[i + $n] as $wide)
            }))
        }

        // (`i64x2` has no pairwise form.)
        #[allow(dead_code)]
        #[inline]
        pub(crate) fn $pairwise(a: u128) -> u128 {
            let a = $get(a);
            $put(core::array::from_fn(|i| {
                (a[2 * i] as $wide).wrapping_add(a[2 * i + 1] as $wide)
            }))
        }
    )*};
}

widen! {
    i16x8_extend_low_i8x16_s, i16x8_extend_high_i8x16_s,
    i16x8_extmul_low_i8x16_s, i16x8_extmul_high_i8x16_s,
    i16x8_extadd_pairwise_i8x16_s: i8x16 -> from_i16x8, i16, 8;
    i16x8_extend_low_i8x16_u, i16x8_extend_high_i8x16_u,
    i16x8_extmul_low_i8x16_u, i16x8_extmul_high_i8x16_u,
    i16x8_extadd_pairwise_i8x16_u: u8x16 -> from_i16x8, i16, 8;
    i32x4_extend_low_i16x8_s, i32x4_extend_high_i16x8_s,
    i32x4_extmul_low_i16x8_s, i32x4_extmul_high_i16x8_s,
    i32x4_extadd_pairwise_i16x8_s: i16x8 -> from_i32x4, i32, 4;
    i32x4_extend_low_i16x8_u, i32x4_extend_high_i16x8_u,
    i32x4_extmul_low_i16x8_u, i32x4_extmul_high_i16x8_u,
    i32x4_extadd_pairwise_i16x8_u: u16x8 -> from_i32x4, i32, 4;
    i64x2_extend_low_i32x4_s, i64x2_extend_high_i32x4_s,
    i64x2_extmul_low_i32x4_s, i64x2_extmul_high_i32x4_s,
    i64x2_extadd_pairwise_i32x4_s: i32x4 -> from_i64x2, i64, 2;
    i64x2_extend_low_i32x4_u, i64x2_extend_high_i32x4_u,
    i64x2_extmul_low_i32x4_u, i64x2_extmul_high_i32x4_u,
    i64x2_extadd_pairwise_i32x4_u: u32x4 -> from_i64x2, i64, 2;
}

/// Products of adjacent signed 16-bit lanes, summed in pairs. Only
/// `-32768 * -32768 * 2` overflows, and it wraps.
#[inline]
pub(crate) fn i32x4_dot_i16x8_s(a: u128, b: u128) -> u128 {
    let (a, b) = (i16x8(a), i16x8(b));
    from_i32x4(core::array::from_fn(|i| {
        (a[2 * i] as i32 * b[2 * i] as i32).wrapping_add(a[2 * i + 1] as i32 * b[2 * i + 1] as i32)
    }))
}

// ---------------------------------------------------------------------------
// Relaxed SIMD, deterministic: the results `Config::relaxed_simd_deterministic`
// fixes (and the interpreter always gives). The other relaxed operators
// are their strict counterparts then (`relaxed_swizzle` is `swizzle`, ...)
// and need no function of their own.
// ---------------------------------------------------------------------------

/// `f32x4.relaxed_madd`: `a * b + c` in each lane, fused.
#[inline]
pub(crate) fn f32x4_relaxed_madd(a: u128, b: u128, c: u128) -> u128 {
    let (a, b, c) = (f32x4(a), f32x4(b), f32x4(c));
    from_f32x4(core::array::from_fn(|i| num::f32_fma(a[i], b[i], c[i])))
}

/// `f32x4.relaxed_nmadd`: `-(a * b) + c` in each lane, fused.
#[inline]
pub(crate) fn f32x4_relaxed_nmadd(a: u128, b: u128, c: u128) -> u128 {
    let (a, b, c) = (f32x4(a), f32x4(b), f32x4(c));
    from_f32x4(core::array::from_fn(|i| num::f32_fma(-a[i], b[i], c[i])))
}

/// `f64x2.relaxed_madd`.
#[inline]
pub(crate) fn f64x2_relaxed_madd(a: u128, b: u128, c: u128) -> u128 {
    let (a, b, c) = (f64x2(a), f64x2(b), f64x2(c));
    from_f64x2(core::array::from_fn(|i| num::f64_fma(a[i], b[i], c[i])))
}

/// `f64x2.relaxed_nmadd`.
#[inline]
pub(crate) fn f64x2_relaxed_nmadd(a: u128, b: u128, c: u128) -> u128 {
    let (a, b, c) = (f64x2(a), f64x2(b), f64x2(c));
    from_f64x2(core::array::from_fn(|i| num::f64_fma(-a[i], b[i], c[i])))
}

/// `i16x8.relaxed_dot_i8x16_i7x16_s`: products of adjacent signed bytes,
/// summed in pairs; both operands signed, the sum wrapping (only
/// `-128 * -128 * 2` overflows).
#[inline]
pub(crate) fn i16x8_relaxed_dot_i8x16_i7x16_s(a: u128, b: u128) -> u128 {
    let (a, b) = (i8x16(a), i8x16(b));
    from_i16x8(core::array::from_fn(|i| {
        let p = |k: usize| a[k] as i16 * b[k] as i16;
        p(2 * i).wrapping_add(p(2 * i + 1))
    }))
}

/// `i32x4.relaxed_dot_i8x16_i7x16_add_s`: the 16-bit dot products above,
/// summed in pairs into 32 bits, plus `c` (wrapping).
#[inline]
pub(crate) fn i32x4_relaxed_dot_i8x16_i7x16_add_s(a: u128, b: u128, c: u128) -> u128 {
    let (d, c) = (i16x8(i16x8_relaxed_dot_i8x16_i7x16_s(a, b)), i32x4(c));
    from_i32x4(core::array::from_fn(|i| {
        (d[2 * i] as i32 + d[2 * i + 1] as i32).wrapping_add(c[i])
    }))
}

// ---------------------------------------------------------------------------
// Conversions
// ---------------------------------------------------------------------------

#[inline]
pub(crate) fn i32x4_trunc_sat_f32x4_s(a: u128) -> u128 {
    from_i32x4(f32x4(a).map(num::i32_trunc_sat_f32_s))
}

#[inline]
pub(crate) fn i32x4_trunc_sat_f32x4_u(a: u128) -> u128 {
    from_u32x4(f32x4(a).map(num::i32_trunc_sat_f32_u))
}

#[inline]
pub(crate) fn f32x4_convert_i32x4_s(a: u128) -> u128 {
    from_f32x4(i32x4(a).map(num::f32_convert_i32_s))
}

#[inline]
pub(crate) fn f32x4_convert_i32x4_u(a: u128) -> u128 {
    from_f32x4(u32x4(a).map(num::f32_convert_i32_u))
}

/// Lanes 0 and 1 from the two `f64` lanes; lanes 2 and 3 zero.
#[inline]
pub(crate) fn i32x4_trunc_sat_f64x2_s_zero(a: u128) -> u128 {
    let a = f64x2(a);
    from_i32x4([
        num::i32_trunc_sat_f64_s(a[0]),
        num::i32_trunc_sat_f64_s(a[1]),
        0,
        0,
    ])
}

#[inline]
pub(crate) fn i32x4_trunc_sat_f64x2_u_zero(a: u128) -> u128 {
    let a = f64x2(a);
    from_u32x4([
        num::i32_trunc_sat_f64_u(a[0]),
        num::i32_trunc_sat_f64_u(a[1]),
        0,
        0,
    ])
}

#[inline]
pub(crate) fn f64x2_convert_low_i32x4_s(a: u128) -> u128 {
    let a = i32x4(a);
    from_f64x2([num::f64_convert_i32_s(a[0]), num::f64_convert_i32_s(a[1])])
}

#[inline]
pub(crate) fn f64x2_convert_low_i32x4_u(a: u128) -> u128 {
    let a = u32x4(a);
    from_f64x2([num::f64_convert_i32_u(a[0]), num::f64_convert_i32_u(a[1])])
}

#[inline]
pub(crate) fn f32x4_demote_f64x2_zero(a: u128) -> u128 {
    let a = f64x2(a);
    from_f32x4([
        num::f32_demote_f64(a[0]),
        num::f32_demote_f64(a[1]),
        0.0,
        0.0,
    ])
}

#[inline]
pub(crate) fn f64x2_promote_low_f32x4(a: u128) -> u128 {
    let a = f32x4(a);
    from_f64x2([num::f64_promote_f32(a[0]), num::f64_promote_f32(a[1])])
}

// ---------------------------------------------------------------------------
// Lanes, splats, shuffles
// ---------------------------------------------------------------------------

/// `v128` with every 8-bit lane `x`.
#[inline]
pub(crate) fn i8x16_splat(x: u64) -> u128 {
    u128::from_le_bytes([x as u8; 16])
}

#[inline]
pub(crate) fn i16x8_splat(x: u64) -> u128 {
    from_u16x8([x as u16; 8])
}

#[inline]
pub(crate) fn i32x4_splat(x: u64) -> u128 {
    from_u32x4([x as u32; 4])
}

#[inline]
pub(crate) fn i64x2_splat(x: u64) -> u128 {
    from_u64x2([x; 2])
}

/// Byte `lanes[i]` of `a` followed by `b`, for each `i` (indices below
/// 32, as validation guarantees).
#[inline]
pub(crate) fn i8x16_shuffle(a: u128, b: u128, lanes: u128) -> u128 {
    let mut ab = [0u8; 32];
    ab[..16].copy_from_slice(&a.to_le_bytes());
    ab[16..].copy_from_slice(&b.to_le_bytes());
    u128::from_le_bytes(lanes.to_le_bytes().map(|i| ab[(i & 31) as usize]))
}

/// Byte `s[i]` of `a` for each `i`, or 0 where `s[i]` is out of range.
#[inline]
pub(crate) fn i8x16_swizzle(a: u128, s: u128) -> u128 {
    let a = a.to_le_bytes();
    u128::from_le_bytes(
        s.to_le_bytes()
            .map(|i| a.get(i as usize).copied().unwrap_or(0)),
    )
}

/// Replaces the `N`-byte lane `lane` of `a` with the low bytes of `x`.
#[inline]
pub(crate) fn replace_lane<const N: usize>(a: u128, lane: u8, x: [u8; N]) -> u128 {
    let mut bytes = a.to_le_bytes();
    let at = (lane as usize % (16 / N)) * N;
    bytes[at..at + N].copy_from_slice(&x);
    u128::from_le_bytes(bytes)
}

/// The `N`-byte lane `lane` of `a`.
#[inline]
pub(crate) fn extract_lane<const N: usize>(a: u128, lane: u8) -> [u8; N] {
    let bytes = a.to_le_bytes();
    let at = (lane as usize % (16 / N)) * N;
    let mut out = [0u8; N];
    out.copy_from_slice(&bytes[at..at + N]);
    out
}

// ---------------------------------------------------------------------------
// Loads
// ---------------------------------------------------------------------------

/// Eight bytes as eight 16-bit lanes (`v128.load8x8_s`).
#[inline]
pub(crate) fn load8x8_s(b: [u8; 8]) -> u128 {
    from_i16x8(b.map(|x| x as i8 as i16))
}

#[inline]
pub(crate) fn load8x8_u(b: [u8; 8]) -> u128 {
    from_i16x8(b.map(|x| x as i16))
}

#[inline]
pub(crate) fn load16x4_s(b: [u8; 8]) -> u128 {
    let l = i16x8(u64::from_le_bytes(b) as u128);
    from_i32x4(core::array::from_fn(|i| l[i] as i32))
}

#[inline]
pub(crate) fn load16x4_u(b: [u8; 8]) -> u128 {
    let l = u16x8(u64::from_le_bytes(b) as u128);
    from_i32x4(core::array::from_fn(|i| l[i] as i32))
}

#[inline]
pub(crate) fn load32x2_s(b: [u8; 8]) -> u128 {
    let l = i32x4(u64::from_le_bytes(b) as u128);
    from_i64x2([l[0] as i64, l[1] as i64])
}

#[inline]
pub(crate) fn load32x2_u(b: [u8; 8]) -> u128 {
    let l = u32x4(u64::from_le_bytes(b) as u128);
    from_i64x2([l[0] as i64, l[1] as i64])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lane_views_are_little_endian() {
        let v = 0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100u128;
        assert_eq!(u8x16(v)[0], 0);
        assert_eq!(u8x16(v)[15], 15);
        assert_eq!(u16x8(v)[1], 0x0302);
        assert_eq!(from_u32x4(u32x4(v)), v);
        assert_eq!(from_f64x2(f64x2(v)), v);
    }

    #[test]
    fn saturating_and_rounding_lanes() {
        let a = from_i16x8([i16::MIN, 1, -1, 0, 100, i16::MAX, -300, 300]);
        let n = i8x16_narrow_i16x8_s(a, a);
        assert_eq!(i8x16(n)[..8], [-128, 1, -1, 0, 100, 127, -128, 127]);
        let n = i8x16_narrow_i16x8_u(a, a);
        assert_eq!(u8x16(n)[..8], [0, 1, 0, 0, 100, 255, 0, 255]);
        let q = i16x8_q15mulr_sat_s(i16x8_splat(0x8000), i16x8_splat(0x8000));
        assert_eq!(i16x8(q), [i16::MAX; 8]);
        assert_eq!(
            u8x16(i8x16_avgr_u(i8x16_splat(255), i8x16_splat(0)))[0],
            128
        );
    }

    #[test]
    fn shuffle_and_swizzle_pick_bytes() {
        let a = u128::from_le_bytes(core::array::from_fn(|i| i as u8));
        let b = u128::from_le_bytes(core::array::from_fn(|i| 16 + i as u8));
        let mask = u128::from_le_bytes(core::array::from_fn(|i| 31 - i as u8));
        assert_eq!(u8x16(i8x16_shuffle(a, b, mask))[0], 31);
        let s = u128::from_le_bytes(core::array::from_fn(|i| if i == 0 { 200 } else { 1 }));
        assert_eq!(u8x16(i8x16_swizzle(a, s))[..2], [0, 1]);
    }

    #[test]
    fn relaxed_madd_fuses_and_dot_products_wrap() {
        // 2796203.5 * 3 + 8388611 is 16777221.5 exactly, which one rounding
        // takes to 16777222 (0x4b800003); rounding the product first gives
        // 8388610 + 8388611, a tie that goes to 16777220 (0x4b800002).
        let f32s = |x: f32| i32x4_splat(x.to_bits() as u64);
        let m = f32x4_relaxed_madd(f32s(2796203.5), f32s(3.0), f32s(8388611.0));
        assert_eq!(u32x4(m), [0x4b80_0003; 4]);
        let f64s = |x: f64| i64x2_splat(x.to_bits());
        let n = f64x2_relaxed_nmadd(f64s(2.0), f64s(3.0), f64s(1.0));
        assert_eq!(f64x2(n), [-5.0; 2]);
        let d = i16x8_relaxed_dot_i8x16_i7x16_s(i8x16_splat(0x80), i8x16_splat(0x80));
        assert_eq!(i16x8(d), [i16::MIN; 8]);
        let d = i16x8_relaxed_dot_i8x16_i7x16_s(i8x16_splat(0xff), i8x16_splat(100));
        assert_eq!(i16x8(d), [-200; 8]);
        let s = i32x4_relaxed_dot_i8x16_i7x16_add_s(
            i8x16_splat(3),
            i8x16_splat(0xfe),
            from_i32x4([1, 2, i32::MAX, -1]),
        );
        assert_eq!(i32x4(s), [-23, -22, i32::MAX - 24, -25]);
    }

    #[test]
    fn bitmask_takes_sign_bits() {
        assert_eq!(i8x16_bitmask(i8x16_splat(0x80)), 0xffff);
        assert_eq!(i64x2_bitmask(from_i64x2([-1, 1])), 1);
        assert!(!i32x4_all_true(from_i32x4([1, 2, 0, 4])));
    }
}
