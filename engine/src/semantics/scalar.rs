//! Exact WebAssembly scalar numeric semantics: wrapping integer
//! arithmetic, float rounding, square root and sign operations (via `std`
//! when the `std` feature is on, `libm` otherwise), Wasm `min`/`max`,
//! trapping integer division and remainder, trapping and saturating
//! float-to-int truncation, and int/float conversions. Values are raw Rust
//! scalars; traps are reported as [`TrapCode`]. The interpreter, constant
//! evaluation and the fuzzers' oracles all compute with these.

use crate::error::TrapCode;

/// Wasm requires a NaN result of arithmetic to be quiet (an "arithmetic
/// NaN"); libm and some hardware paths pass a signalling NaN through.
#[inline]
fn quiet_f32(x: f32) -> f32 {
    if x.is_nan() {
        f32::from_bits(x.to_bits() | 0x0040_0000)
    } else {
        x
    }
}

#[inline]
fn quiet_f64(x: f64) -> f64 {
    if x.is_nan() {
        f64::from_bits(x.to_bits() | 0x0008_0000_0000_0000)
    } else {
        x
    }
}

/// The canonical `f32` NaN: positive, quiet, empty payload. With
/// `Config::nan_canonicalization`, every NaN a float operation produces
/// is this one, on both tiers (Cranelift's choice too).
pub(crate) const CANONICAL_NAN_F32: u32 = 0x7fc0_0000;
/// The canonical `f64` NaN.
pub(crate) const CANONICAL_NAN_F64: u64 = 0x7ff8_0000_0000_0000;

/// `bits` as an `f32`, with any NaN replaced by the canonical one.
#[inline]
pub(crate) fn canonical_f32(bits: u32) -> u32 {
    if f32::from_bits(bits).is_nan() {
        CANONICAL_NAN_F32
    } else {
        bits
    }
}

/// `bits` as an `f64`, with any NaN replaced by the canonical one.
#[inline]
pub(crate) fn canonical_f64(bits: u64) -> u64 {
    if f64::from_bits(bits).is_nan() {
        CANONICAL_NAN_F64
    } else {
        bits
    }
}

/// Float primitives that need either `std` or `libm`.
mod float {
    #[cfg(feature = "std")]
    mod imp {
        #[inline]
        pub(crate) fn sqrt_f32(x: f32) -> f32 {
            x.sqrt()
        }
        #[inline]
        pub(crate) fn floor_f32(x: f32) -> f32 {
            x.floor()
        }
        #[inline]
        pub(crate) fn ceil_f32(x: f32) -> f32 {
            x.ceil()
        }
        #[inline]
        pub(crate) fn trunc_f32(x: f32) -> f32 {
            x.trunc()
        }
        #[inline]
        pub(crate) fn nearest_f32(x: f32) -> f32 {
            x.round_ties_even()
        }
        #[inline]
        pub(crate) fn sqrt_f64(x: f64) -> f64 {
            x.sqrt()
        }
        #[inline]
        pub(crate) fn floor_f64(x: f64) -> f64 {
            x.floor()
        }
        #[inline]
        pub(crate) fn ceil_f64(x: f64) -> f64 {
            x.ceil()
        }
        #[inline]
        pub(crate) fn trunc_f64(x: f64) -> f64 {
            x.trunc()
        }
        #[inline]
        pub(crate) fn nearest_f64(x: f64) -> f64 {
            x.round_ties_even()
        }
        #[inline]
        pub(crate) fn fma_f32(a: f32, b: f32, c: f32) -> f32 {
            a.mul_add(b, c)
        }
        #[inline]
        pub(crate) fn fma_f64(a: f64, b: f64, c: f64) -> f64 {
            a.mul_add(b, c)
        }
    }

    #[cfg(not(feature = "std"))]
    mod imp {
        #[inline]
        pub(crate) fn sqrt_f32(x: f32) -> f32 {
            libm::sqrtf(x)
        }
        #[inline]
        pub(crate) fn floor_f32(x: f32) -> f32 {
            libm::floorf(x)
        }
        #[inline]
        pub(crate) fn ceil_f32(x: f32) -> f32 {
            libm::ceilf(x)
        }
        #[inline]
        pub(crate) fn trunc_f32(x: f32) -> f32 {
            libm::truncf(x)
        }
        /// `rintf` in the default rounding mode is round-half-to-even.
        #[inline]
        pub(crate) fn nearest_f32(x: f32) -> f32 {
            libm::rintf(x)
        }
        #[inline]
        pub(crate) fn sqrt_f64(x: f64) -> f64 {
            libm::sqrt(x)
        }
        #[inline]
        pub(crate) fn floor_f64(x: f64) -> f64 {
            libm::floor(x)
        }
        #[inline]
        pub(crate) fn ceil_f64(x: f64) -> f64 {
            libm::ceil(x)
        }
        #[inline]
        pub(crate) fn trunc_f64(x: f64) -> f64 {
            libm::trunc(x)
        }
        /// `rint` in the default rounding mode is round-half-to-even.
        #[inline]
        pub(crate) fn nearest_f64(x: f64) -> f64 {
            libm::rint(x)
        }
        #[inline]
        pub(crate) fn fma_f32(a: f32, b: f32, c: f32) -> f32 {
            libm::fmaf(a, b, c)
        }
        #[inline]
        pub(crate) fn fma_f64(a: f64, b: f64, c: f64) -> f64 {
            libm::fma(a, b, c)
        }
    }

    pub(crate) use imp::*;
}

const F32_SIGN: u32 = 0x8000_0000;
const F64_SIGN: u64 = 0x8000_0000_0000_0000;

// ---------------------------------------------------------------------------
// f32 unary and sign operations
// ---------------------------------------------------------------------------

/// `a * b + c` with one rounding (fused), as `relaxed_madd` computes it
/// where the result must not depend on the machine. A NaN result is quiet.
#[inline]
pub(crate) fn f32_fma(a: f32, b: f32, c: f32) -> f32 {
    quiet_f32(float::fma_f32(a, b, c))
}

/// [`f32_fma`] for `f64`.
#[inline]
pub(crate) fn f64_fma(a: f64, b: f64, c: f64) -> f64 {
    quiet_f64(float::fma_f64(a, b, c))
}

/// `f32.sqrt`.
#[inline]
pub(crate) fn f32_sqrt(x: f32) -> f32 {
    quiet_f32(float::sqrt_f32(x))
}

/// `f32.floor`.
#[inline]
pub(crate) fn f32_floor(x: f32) -> f32 {
    quiet_f32(float::floor_f32(x))
}

/// `f32.ceil`.
#[inline]
pub(crate) fn f32_ceil(x: f32) -> f32 {
    quiet_f32(float::ceil_f32(x))
}

/// `f32.trunc`.
#[inline]
pub(crate) fn f32_trunc(x: f32) -> f32 {
    quiet_f32(float::trunc_f32(x))
}

/// `f32.nearest`: round to nearest integer, ties to even.
#[inline]
pub(crate) fn f32_nearest(x: f32) -> f32 {
    quiet_f32(float::nearest_f32(x))
}

/// `f32.abs`: clears the sign bit; NaN payloads are preserved.
#[inline]
pub(crate) fn f32_abs(x: f32) -> f32 {
    f32::from_bits(x.to_bits() & !F32_SIGN)
}

/// `f32.neg`: flips the sign bit; NaN payloads are preserved.
#[inline]
pub(crate) fn f32_neg(x: f32) -> f32 {
    f32::from_bits(x.to_bits() ^ F32_SIGN)
}

/// `f32.copysign`: magnitude bits of `a`, sign bit of `b`.
#[inline]
pub(crate) fn f32_copysign(a: f32, b: f32) -> f32 {
    f32::from_bits((a.to_bits() & !F32_SIGN) | (b.to_bits() & F32_SIGN))
}

/// `f32.min`: NaN if either operand is NaN; `min(-0, +0) = -0`.
#[inline]
pub(crate) fn f32_min(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        // Propagates a quiet (arithmetic) NaN.
        a + b
    } else if a == b {
        // Equal values differ at most in the sign of zero: prefer negative.
        f32::from_bits(a.to_bits() | b.to_bits())
    } else if a < b {
        a
    } else {
        b
    }
}

/// `f32.max`: NaN if either operand is NaN; `max(-0, +0) = +0`.
#[inline]
pub(crate) fn f32_max(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        a + b
    } else if a == b {
        // Equal values differ at most in the sign of zero: prefer positive.
        f32::from_bits(a.to_bits() & b.to_bits())
    } else if a > b {
        a
    } else {
        b
    }
}

// ---------------------------------------------------------------------------
// f64 unary and sign operations
// ---------------------------------------------------------------------------

/// `f64.sqrt`.
#[inline]
pub(crate) fn f64_sqrt(x: f64) -> f64 {
    quiet_f64(float::sqrt_f64(x))
}

/// `f64.floor`.
#[inline]
pub(crate) fn f64_floor(x: f64) -> f64 {
    quiet_f64(float::floor_f64(x))
}

/// `f64.ceil`.
#[inline]
pub(crate) fn f64_ceil(x: f64) -> f64 {
    quiet_f64(float::ceil_f64(x))
}

/// `f64.trunc`.
#[inline]
pub(crate) fn f64_trunc(x: f64) -> f64 {
    quiet_f64(float::trunc_f64(x))
}

/// `f64.nearest`: round to nearest integer, ties to even.
#[inline]
pub(crate) fn f64_nearest(x: f64) -> f64 {
    quiet_f64(float::nearest_f64(x))
}

/// `f64.abs`: clears the sign bit; NaN payloads are preserved.
#[inline]
pub(crate) fn f64_abs(x: f64) -> f64 {
    f64::from_bits(x.to_bits() & !F64_SIGN)
}

/// `f64.neg`: flips the sign bit; NaN payloads are preserved.
#[inline]
pub(crate) fn f64_neg(x: f64) -> f64 {
    f64::from_bits(x.to_bits() ^ F64_SIGN)
}

/// `f64.copysign`: magnitude bits of `a`, sign bit of `b`.
#[inline]
pub(crate) fn f64_copysign(a: f64, b: f64) -> f64 {
    f64::from_bits((a.to_bits() & !F64_SIGN) | (b.to_bits() & F64_SIGN))
}

/// `f64.min`: NaN if either operand is NaN; `min(-0, +0) = -0`.
#[inline]
pub(crate) fn f64_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        a + b
    } else if a == b {
        f64::from_bits(a.to_bits() | b.to_bits())
    } else if a < b {
        a
    } else {
        b
    }
}

/// `f64.max`: NaN if either operand is NaN; `max(-0, +0) = +0`.
#[inline]
pub(crate) fn f64_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        a + b
    } else if a == b {
        f64::from_bits(a.to_bits() & b.to_bits())
    } else if a > b {
        a
    } else {
        b
    }
}

// ---------------------------------------------------------------------------
// Wrapping integer arithmetic (also what extended constant expressions
// compute)
// ---------------------------------------------------------------------------

/// `i32.add`.
#[inline(always)]
pub(crate) fn i32_add(a: u32, b: u32) -> u32 {
    a.wrapping_add(b)
}

/// `i32.sub`.
#[inline(always)]
pub(crate) fn i32_sub(a: u32, b: u32) -> u32 {
    a.wrapping_sub(b)
}

/// `i32.mul`.
#[inline(always)]
pub(crate) fn i32_mul(a: u32, b: u32) -> u32 {
    a.wrapping_mul(b)
}

/// `i64.add`.
#[inline(always)]
pub(crate) fn i64_add(a: u64, b: u64) -> u64 {
    a.wrapping_add(b)
}

/// `i64.sub`.
#[inline(always)]
pub(crate) fn i64_sub(a: u64, b: u64) -> u64 {
    a.wrapping_sub(b)
}

/// `i64.mul`.
#[inline(always)]
pub(crate) fn i64_mul(a: u64, b: u64) -> u64 {
    a.wrapping_mul(b)
}

// ---------------------------------------------------------------------------
// Wide arithmetic: 128-bit values as two i64 halves, low half first
// ---------------------------------------------------------------------------

/// A 128-bit value from its halves.
#[inline]
fn join128(lo: u64, hi: u64) -> u128 {
    (hi as u128) << 64 | lo as u128
}

/// A 128-bit value's halves, low first.
#[inline]
fn split128(v: u128) -> (u64, u64) {
    (v as u64, (v >> 64) as u64)
}

/// `i64.add128`: `(a_lo, a_hi) + (b_lo, b_hi)` modulo 2^128, as
/// `(lo, hi)`.
#[inline]
pub(crate) fn i64_add128(a_lo: u64, a_hi: u64, b_lo: u64, b_hi: u64) -> (u64, u64) {
    split128(join128(a_lo, a_hi).wrapping_add(join128(b_lo, b_hi)))
}

/// `i64.sub128`: `(a_lo, a_hi) - (b_lo, b_hi)` modulo 2^128, as
/// `(lo, hi)`.
#[inline]
pub(crate) fn i64_sub128(a_lo: u64, a_hi: u64, b_lo: u64, b_hi: u64) -> (u64, u64) {
    split128(join128(a_lo, a_hi).wrapping_sub(join128(b_lo, b_hi)))
}

/// `i64.mul_wide_s`: the signed 128-bit product of `a` and `b`, as
/// `(lo, hi)` (it never overflows).
#[inline]
pub(crate) fn i64_mul_wide_s(a: u64, b: u64) -> (u64, u64) {
    split128((a as i64 as i128 * b as i64 as i128) as u128)
}

/// `i64.mul_wide_u`: the unsigned 128-bit product of `a` and `b`, as
/// `(lo, hi)`.
#[inline]
pub(crate) fn i64_mul_wide_u(a: u64, b: u64) -> (u64, u64) {
    split128(a as u128 * b as u128)
}

// ---------------------------------------------------------------------------
// Integer division and remainder
// ---------------------------------------------------------------------------

/// `i32.div_s`: traps on division by zero and on `MIN / -1`.
#[inline]
pub(crate) fn i32_div_s(a: i32, b: i32) -> Result<i32, TrapCode> {
    if b == 0 {
        Err(TrapCode::IntegerDivideByZero)
    } else if a == i32::MIN && b == -1 {
        Err(TrapCode::IntegerOverflow)
    } else {
        Ok(a.wrapping_div(b))
    }
}

/// `i32.div_u`: traps on division by zero.
#[inline]
pub(crate) fn i32_div_u(a: u32, b: u32) -> Result<u32, TrapCode> {
    a.checked_div(b).ok_or(TrapCode::IntegerDivideByZero)
}

/// `i32.rem_s`: traps on division by zero; `MIN % -1 = 0`.
#[inline]
pub(crate) fn i32_rem_s(a: i32, b: i32) -> Result<i32, TrapCode> {
    if b == 0 {
        Err(TrapCode::IntegerDivideByZero)
    } else {
        Ok(a.wrapping_rem(b))
    }
}

/// `i32.rem_u`: traps on division by zero.
#[inline]
pub(crate) fn i32_rem_u(a: u32, b: u32) -> Result<u32, TrapCode> {
    a.checked_rem(b).ok_or(TrapCode::IntegerDivideByZero)
}

/// `i64.div_s`: traps on division by zero and on `MIN / -1`.
#[inline]
pub(crate) fn i64_div_s(a: i64, b: i64) -> Result<i64, TrapCode> {
    if b == 0 {
        Err(TrapCode::IntegerDivideByZero)
    } else if a == i64::MIN && b == -1 {
        Err(TrapCode::IntegerOverflow)
    } else {
        Ok(a.wrapping_div(b))
    }
}

/// `i64.div_u`: traps on division by zero.
#[inline]
pub(crate) fn i64_div_u(a: u64, b: u64) -> Result<u64, TrapCode> {
    a.checked_div(b).ok_or(TrapCode::IntegerDivideByZero)
}

/// `i64.rem_s`: traps on division by zero; `MIN % -1 = 0`.
#[inline]
pub(crate) fn i64_rem_s(a: i64, b: i64) -> Result<i64, TrapCode> {
    if b == 0 {
        Err(TrapCode::IntegerDivideByZero)
    } else {
        Ok(a.wrapping_rem(b))
    }
}

/// `i64.rem_u`: traps on division by zero.
#[inline]
pub(crate) fn i64_rem_u(a: u64, b: u64) -> Result<u64, TrapCode> {
    a.checked_rem(b).ok_or(TrapCode::IntegerDivideByZero)
}

// ---------------------------------------------------------------------------
// Trapping float-to-int truncation
//
// Each accepts `x` iff `trunc(x)` lies in the target range, checked against
// exactly representable float bounds (never by casting first). Unsigned
// N-bit: `-1 < x < 2^N`. Signed N-bit: `x < 2^(N-1)` and, below, either
// `x > -2^(N-1) - 1` when that bound is exact (i32 from f64) or
// `x >= -2^(N-1)` when it is not (the next float below `-2^(N-1)` is then
// at least one whole unit lower, so it truncates out of range). NaN fails
// every comparison, so it is checked first. Once in range, `as` truncates
// toward zero exactly.
// ---------------------------------------------------------------------------

/// `i32.trunc_f32_s`.
#[inline]
pub(crate) fn i32_trunc_f32_s(x: f32) -> Result<i32, TrapCode> {
    if x.is_nan() {
        Err(TrapCode::BadConversionToInteger)
    } else if (-2147483648.0_f32..2147483648.0_f32).contains(&x) {
        // The f32 below -2^31 is -2^31 - 128, which truncates out of range.
        Ok(x as i32)
    } else {
        Err(TrapCode::IntegerOverflow)
    }
}

/// `i32.trunc_f32_u`.
#[inline]
pub(crate) fn i32_trunc_f32_u(x: f32) -> Result<u32, TrapCode> {
    if x.is_nan() {
        Err(TrapCode::BadConversionToInteger)
    } else if x > -1.0_f32 && x < 4294967296.0_f32 {
        Ok(x as u32)
    } else {
        Err(TrapCode::IntegerOverflow)
    }
}

/// `i32.trunc_f64_s`.
#[inline]
pub(crate) fn i32_trunc_f64_s(x: f64) -> Result<i32, TrapCode> {
    if x.is_nan() {
        Err(TrapCode::BadConversionToInteger)
    } else if x > -2147483649.0_f64 && x < 2147483648.0_f64 {
        Ok(x as i32)
    } else {
        Err(TrapCode::IntegerOverflow)
    }
}

/// `i32.trunc_f64_u`.
#[inline]
pub(crate) fn i32_trunc_f64_u(x: f64) -> Result<u32, TrapCode> {
    if x.is_nan() {
        Err(TrapCode::BadConversionToInteger)
    } else if x > -1.0_f64 && x < 4294967296.0_f64 {
        Ok(x as u32)
    } else {
        Err(TrapCode::IntegerOverflow)
    }
}

/// `i64.trunc_f32_s`.
#[inline]
pub(crate) fn i64_trunc_f32_s(x: f32) -> Result<i64, TrapCode> {
    if x.is_nan() {
        Err(TrapCode::BadConversionToInteger)
    } else if (-9223372036854775808.0_f32..9223372036854775808.0_f32).contains(&x) {
        Ok(x as i64)
    } else {
        Err(TrapCode::IntegerOverflow)
    }
}

/// `i64.trunc_f32_u`.
#[inline]
pub(crate) fn i64_trunc_f32_u(x: f32) -> Result<u64, TrapCode> {
    if x.is_nan() {
        Err(TrapCode::BadConversionToInteger)
    } else if x > -1.0_f32 && x < 18446744073709551616.0_f32 {
        Ok(x as u64)
    } else {
        Err(TrapCode::IntegerOverflow)
    }
}

/// `i64.trunc_f64_s`.
#[inline]
pub(crate) fn i64_trunc_f64_s(x: f64) -> Result<i64, TrapCode> {
    if x.is_nan() {
        Err(TrapCode::BadConversionToInteger)
    } else if (-9223372036854775808.0_f64..9223372036854775808.0_f64).contains(&x) {
        // The f64 below -2^63 is -2^63 - 2048, which truncates out of range.
        Ok(x as i64)
    } else {
        Err(TrapCode::IntegerOverflow)
    }
}

/// `i64.trunc_f64_u`.
#[inline]
pub(crate) fn i64_trunc_f64_u(x: f64) -> Result<u64, TrapCode> {
    if x.is_nan() {
        Err(TrapCode::BadConversionToInteger)
    } else if x > -1.0_f64 && x < 18446744073709551616.0_f64 {
        Ok(x as u64)
    } else {
        Err(TrapCode::IntegerOverflow)
    }
}

// ---------------------------------------------------------------------------
// Saturating float-to-int truncation
//
// Rust's float-to-int `as` casts truncate toward zero, saturate at the
// target's bounds (including ±infinity) and map NaN to 0: exactly
// `trunc_sat`.
// ---------------------------------------------------------------------------

/// `i32.trunc_sat_f32_s`.
#[inline]
pub(crate) fn i32_trunc_sat_f32_s(x: f32) -> i32 {
    x as i32
}

/// `i32.trunc_sat_f32_u`.
#[inline]
pub(crate) fn i32_trunc_sat_f32_u(x: f32) -> u32 {
    x as u32
}

/// `i32.trunc_sat_f64_s`.
#[inline]
pub(crate) fn i32_trunc_sat_f64_s(x: f64) -> i32 {
    x as i32
}

/// `i32.trunc_sat_f64_u`.
#[inline]
pub(crate) fn i32_trunc_sat_f64_u(x: f64) -> u32 {
    x as u32
}

/// `i64.trunc_sat_f32_s`.
#[inline]
pub(crate) fn i64_trunc_sat_f32_s(x: f32) -> i64 {
    x as i64
}

/// `i64.trunc_sat_f32_u`.
#[inline]
pub(crate) fn i64_trunc_sat_f32_u(x: f32) -> u64 {
    x as u64
}

/// `i64.trunc_sat_f64_s`.
#[inline]
pub(crate) fn i64_trunc_sat_f64_s(x: f64) -> i64 {
    x as i64
}

/// `i64.trunc_sat_f64_u`.
#[inline]
pub(crate) fn i64_trunc_sat_f64_u(x: f64) -> u64 {
    x as u64
}

// ---------------------------------------------------------------------------
// Int-to-float conversions, demotion and promotion
//
// Rust's int-to-float `as` casts round to nearest, ties to even, in a single
// rounding step (no double rounding through f64), as Wasm requires.
// ---------------------------------------------------------------------------

/// `f32.convert_i32_s`.
#[inline]
pub(crate) fn f32_convert_i32_s(x: i32) -> f32 {
    x as f32
}

/// `f32.convert_i32_u`.
#[inline]
pub(crate) fn f32_convert_i32_u(x: u32) -> f32 {
    x as f32
}

/// `f32.convert_i64_s`.
#[inline]
pub(crate) fn f32_convert_i64_s(x: i64) -> f32 {
    x as f32
}

/// `f32.convert_i64_u`.
#[inline]
pub(crate) fn f32_convert_i64_u(x: u64) -> f32 {
    x as f32
}

/// `f64.convert_i32_s` (exact).
#[inline]
pub(crate) fn f64_convert_i32_s(x: i32) -> f64 {
    f64::from(x)
}

/// `f64.convert_i32_u` (exact).
#[inline]
pub(crate) fn f64_convert_i32_u(x: u32) -> f64 {
    f64::from(x)
}

/// `f64.convert_i64_s`.
#[inline]
pub(crate) fn f64_convert_i64_s(x: i64) -> f64 {
    x as f64
}

/// `f64.convert_i64_u`.
#[inline]
pub(crate) fn f64_convert_i64_u(x: u64) -> f64 {
    x as f64
}

/// `f32.demote_f64`: round to nearest, ties to even; NaN stays NaN.
#[inline]
pub(crate) fn f32_demote_f64(x: f64) -> f32 {
    x as f32
}

/// `f64.promote_f32` (exact; NaN stays NaN).
#[inline]
pub(crate) fn f64_promote_f32(x: f32) -> f64 {
    f64::from(x)
}

#[cfg(test)]
#[path = "scalar_tests.rs"]
mod tests;
