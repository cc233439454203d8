//! Unit tests of the scalar semantics.

use super::*;

const NAN32: f32 = f32::NAN;
const NAN64: f64 = f64::NAN;
const INF32: f32 = f32::INFINITY;
const INF64: f64 = f64::INFINITY;

/// Bit-exact f32 equality (distinguishes ±0).
fn same32(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits()
}

/// Bit-exact f64 equality (distinguishes ±0).
fn same64(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits()
}

// ----- sqrt / floor / ceil / trunc / nearest -----

#[test]
fn f32_rounding() {
    assert!(same32(f32_sqrt(4.0), 2.0));
    assert!(same32(f32_sqrt(-0.0), -0.0));
    assert!(same32(f32_sqrt(INF32), INF32));
    assert!(f32_sqrt(-1.0).is_nan());
    assert!(f32_sqrt(NAN32).is_nan());
    assert!(same32(f32_sqrt(2.0), f32::from_bits(0x3fb5_04f3)));

    assert!(same32(f32_floor(1.5), 1.0));
    assert!(same32(f32_floor(-1.5), -2.0));
    assert!(same32(f32_floor(-0.5), -1.0));
    assert!(same32(f32_floor(0.5), 0.0));
    assert!(same32(f32_floor(-0.0), -0.0));
    assert!(same32(f32_floor(-INF32), -INF32));
    assert!(f32_floor(NAN32).is_nan());

    assert!(same32(f32_ceil(1.5), 2.0));
    assert!(same32(f32_ceil(-1.5), -1.0));
    assert!(same32(f32_ceil(-0.5), -0.0));
    assert!(same32(f32_ceil(0.5), 1.0));
    assert!(same32(f32_ceil(INF32), INF32));
    assert!(f32_ceil(NAN32).is_nan());

    assert!(same32(f32_trunc(1.9), 1.0));
    assert!(same32(f32_trunc(-1.9), -1.0));
    assert!(same32(f32_trunc(-0.9), -0.0));
    assert!(same32(f32_trunc(0.9), 0.0));
    assert!(f32_trunc(NAN32).is_nan());

    assert!(same32(f32_nearest(0.5), 0.0));
    assert!(same32(f32_nearest(1.5), 2.0));
    assert!(same32(f32_nearest(2.5), 2.0));
    assert!(same32(f32_nearest(3.5), 4.0));
    assert!(same32(f32_nearest(-0.5), -0.0));
    assert!(same32(f32_nearest(-1.5), -2.0));
    assert!(same32(f32_nearest(-2.5), -2.0));
    assert!(same32(f32_nearest(0.49999997), 0.0));
    assert!(same32(f32_nearest(-0.0), -0.0));
    assert!(same32(f32_nearest(0.0), 0.0));
    assert!(same32(f32_nearest(8388609.0), 8388609.0));
    assert!(same32(f32_nearest(8388607.5), 8388608.0));
    assert!(same32(f32_nearest(-8388607.5), -8388608.0));
    assert!(same32(f32_nearest(INF32), INF32));
    assert!(same32(f32_nearest(-INF32), -INF32));
    assert!(f32_nearest(NAN32).is_nan());
}

#[test]
fn f64_rounding() {
    assert!(same64(f64_sqrt(4.0), 2.0));
    assert!(same64(f64_sqrt(-0.0), -0.0));
    assert!(same64(f64_sqrt(INF64), INF64));
    assert!(f64_sqrt(-1.0).is_nan());
    assert!(same64(f64_sqrt(2.0), f64::from_bits(0x3ff6_a09e_667f_3bcd)));

    assert!(same64(f64_floor(1.5), 1.0));
    assert!(same64(f64_floor(-1.5), -2.0));
    assert!(same64(f64_floor(-0.0), -0.0));
    assert!(same64(f64_floor(0.5), 0.0));
    assert!(f64_floor(NAN64).is_nan());

    assert!(same64(f64_ceil(1.5), 2.0));
    assert!(same64(f64_ceil(-0.5), -0.0));
    assert!(same64(f64_ceil(-INF64), -INF64));
    assert!(f64_ceil(NAN64).is_nan());

    assert!(same64(f64_trunc(1.9), 1.0));
    assert!(same64(f64_trunc(-0.9), -0.0));
    assert!(same64(f64_trunc(-1.9), -1.0));
    assert!(f64_trunc(NAN64).is_nan());

    assert!(same64(f64_nearest(0.5), 0.0));
    assert!(same64(f64_nearest(1.5), 2.0));
    assert!(same64(f64_nearest(2.5), 2.0));
    assert!(same64(f64_nearest(-0.5), -0.0));
    assert!(same64(f64_nearest(-2.5), -2.0));
    assert!(same64(f64_nearest(0.49999999999999994), 0.0));
    assert!(same64(f64_nearest(-0.0), -0.0));
    assert!(same64(f64_nearest(4503599627370497.0), 4503599627370497.0));
    assert!(same64(
        f64_nearest(-4503599627370497.0),
        -4503599627370497.0
    ));
    assert!(same64(f64_nearest(4503599627370495.5), 4503599627370496.0));
    assert!(same64(
        f64_nearest(-4503599627370495.5),
        -4503599627370496.0
    ));
    assert!(same64(f64_nearest(INF64), INF64));
    assert!(f64_nearest(NAN64).is_nan());
}

// ----- abs / neg / copysign -----

#[test]
fn sign_ops_f32() {
    let payload = f32::from_bits(0x7fa0_0001); // signalling NaN with payload
    let neg_payload = f32::from_bits(0xffa0_0001);
    assert_eq!(f32_abs(neg_payload).to_bits(), 0x7fa0_0001);
    assert_eq!(f32_abs(payload).to_bits(), 0x7fa0_0001);
    assert_eq!(f32_neg(payload).to_bits(), 0xffa0_0001);
    assert_eq!(f32_neg(neg_payload).to_bits(), 0x7fa0_0001);
    assert!(same32(f32_abs(-0.0), 0.0));
    assert!(same32(f32_abs(-INF32), INF32));
    assert!(same32(f32_abs(-1.5), 1.5));
    assert!(same32(f32_neg(0.0), -0.0));
    assert!(same32(f32_neg(-0.0), 0.0));
    assert!(same32(f32_neg(INF32), -INF32));
    assert!(same32(f32_copysign(1.5, -0.0), -1.5));
    assert!(same32(f32_copysign(-1.5, 0.0), 1.5));
    assert!(same32(f32_copysign(0.0, -INF32), -0.0));
    assert!(same32(f32_copysign(2.0, neg_payload), -2.0));
    assert_eq!(f32_copysign(payload, -1.0).to_bits(), 0xffa0_0001);
    assert_eq!(f32_copysign(neg_payload, 1.0).to_bits(), 0x7fa0_0001);
}

#[test]
fn sign_ops_f64() {
    let payload = f64::from_bits(0x7ff4_0000_0000_0001);
    let neg_payload = f64::from_bits(0xfff4_0000_0000_0001);
    assert_eq!(f64_abs(neg_payload).to_bits(), 0x7ff4_0000_0000_0001);
    assert_eq!(f64_neg(payload).to_bits(), 0xfff4_0000_0000_0001);
    assert_eq!(f64_neg(neg_payload).to_bits(), 0x7ff4_0000_0000_0001);
    assert!(same64(f64_abs(-0.0), 0.0));
    assert!(same64(f64_abs(-INF64), INF64));
    assert!(same64(f64_neg(0.0), -0.0));
    assert!(same64(f64_neg(-2.5), 2.5));
    assert!(same64(f64_copysign(1.5, -0.0), -1.5));
    assert!(same64(f64_copysign(-1.5, 0.0), 1.5));
    assert!(same64(f64_copysign(3.0, neg_payload), -3.0));
    assert_eq!(f64_copysign(payload, -1.0).to_bits(), 0xfff4_0000_0000_0001);
}

// ----- min / max -----

#[test]
fn min_max_f32() {
    assert!(same32(f32_min(-0.0, 0.0), -0.0));
    assert!(same32(f32_min(0.0, -0.0), -0.0));
    assert!(same32(f32_min(0.0, 0.0), 0.0));
    assert!(same32(f32_min(-0.0, -0.0), -0.0));
    assert!(same32(f32_max(-0.0, 0.0), 0.0));
    assert!(same32(f32_max(0.0, -0.0), 0.0));
    assert!(same32(f32_max(-0.0, -0.0), -0.0));
    assert!(same32(f32_min(1.0, 2.0), 1.0));
    assert!(same32(f32_min(2.0, 1.0), 1.0));
    assert!(same32(f32_max(1.0, 2.0), 2.0));
    assert!(same32(f32_max(2.0, 1.0), 2.0));
    assert!(same32(f32_min(-INF32, 1.0), -INF32));
    assert!(same32(f32_max(INF32, -1.0), INF32));
    assert!(same32(f32_min(INF32, -INF32), -INF32));
    assert!(same32(f32_max(INF32, -INF32), INF32));
    let snan = f32::from_bits(0x7fa0_0000);
    for &x in &[0.0_f32, -0.0, 1.0, INF32, -INF32, NAN32, snan] {
        assert!(f32_min(NAN32, x).is_nan());
        assert!(f32_min(x, NAN32).is_nan());
        assert!(f32_max(NAN32, x).is_nan());
        assert!(f32_max(x, NAN32).is_nan());
        assert!(f32_min(snan, x).is_nan());
        assert!(f32_max(x, snan).is_nan());
    }
    // The result NaN is arithmetic (quiet bit set).
    assert_ne!(f32_min(snan, 1.0).to_bits() & 0x0040_0000, 0);
    assert_ne!(f32_max(1.0, snan).to_bits() & 0x0040_0000, 0);
}

#[test]
fn min_max_f64() {
    assert!(same64(f64_min(-0.0, 0.0), -0.0));
    assert!(same64(f64_min(0.0, -0.0), -0.0));
    assert!(same64(f64_max(-0.0, 0.0), 0.0));
    assert!(same64(f64_max(0.0, -0.0), 0.0));
    assert!(same64(f64_max(-0.0, -0.0), -0.0));
    assert!(same64(f64_min(0.0, 0.0), 0.0));
    assert!(same64(f64_min(1.0, 2.0), 1.0));
    assert!(same64(f64_max(1.0, 2.0), 2.0));
    assert!(same64(f64_min(-INF64, INF64), -INF64));
    assert!(same64(f64_max(-INF64, INF64), INF64));
    let snan = f64::from_bits(0x7ff4_0000_0000_0000);
    for &x in &[0.0_f64, -0.0, 1.0, INF64, -INF64, NAN64, snan] {
        assert!(f64_min(NAN64, x).is_nan());
        assert!(f64_min(x, NAN64).is_nan());
        assert!(f64_max(NAN64, x).is_nan());
        assert!(f64_max(x, NAN64).is_nan());
        assert!(f64_min(x, snan).is_nan());
        assert!(f64_max(snan, x).is_nan());
    }
    assert_ne!(f64_min(snan, 1.0).to_bits() & 0x0008_0000_0000_0000, 0);
}

// ----- integer division -----

#[test]
fn div_rem_i32() {
    use TrapCode::*;
    assert_eq!(i32_div_s(7, 2), Ok(3));
    assert_eq!(i32_div_s(-7, 2), Ok(-3));
    assert_eq!(i32_div_s(7, -2), Ok(-3));
    assert_eq!(i32_div_s(i32::MIN, 2), Ok(-0x4000_0000));
    assert_eq!(i32_div_s(i32::MIN, 1), Ok(i32::MIN));
    assert_eq!(i32_div_s(1, 0), Err(IntegerDivideByZero));
    assert_eq!(i32_div_s(0, 0), Err(IntegerDivideByZero));
    assert_eq!(i32_div_s(i32::MIN, 0), Err(IntegerDivideByZero));
    assert_eq!(i32_div_s(i32::MIN, -1), Err(IntegerOverflow));
    assert_eq!(i32_div_s(i32::MAX, -1), Ok(-i32::MAX));

    assert_eq!(i32_div_u(7, 2), Ok(3));
    assert_eq!(i32_div_u(0x8000_0000, 2), Ok(0x4000_0000));
    assert_eq!(i32_div_u(0xffff_ffff, 0xffff_ffff), Ok(1));
    assert_eq!(i32_div_u(1, 0), Err(IntegerDivideByZero));

    assert_eq!(i32_rem_s(7, 2), Ok(1));
    assert_eq!(i32_rem_s(-7, 2), Ok(-1));
    assert_eq!(i32_rem_s(7, -2), Ok(1));
    assert_eq!(i32_rem_s(i32::MIN, -1), Ok(0));
    assert_eq!(i32_rem_s(i32::MIN, 0), Err(IntegerDivideByZero));
    assert_eq!(i32_rem_s(1, 0), Err(IntegerDivideByZero));

    assert_eq!(i32_rem_u(7, 2), Ok(1));
    assert_eq!(i32_rem_u(0x8000_0001, 2), Ok(1));
    assert_eq!(i32_rem_u(1, 0), Err(IntegerDivideByZero));
}

#[test]
fn div_rem_i64() {
    use TrapCode::*;
    assert_eq!(i64_div_s(7, 2), Ok(3));
    assert_eq!(i64_div_s(-7, 2), Ok(-3));
    assert_eq!(i64_div_s(i64::MIN, 2), Ok(i64::MIN / 2));
    assert_eq!(i64_div_s(1, 0), Err(IntegerDivideByZero));
    assert_eq!(i64_div_s(i64::MIN, 0), Err(IntegerDivideByZero));
    assert_eq!(i64_div_s(i64::MIN, -1), Err(IntegerOverflow));
    assert_eq!(i64_div_s(i64::MAX, -1), Ok(-i64::MAX));

    assert_eq!(i64_div_u(7, 2), Ok(3));
    assert_eq!(i64_div_u(u64::MAX, 2), Ok(i64::MAX as u64));
    assert_eq!(i64_div_u(1, 0), Err(IntegerDivideByZero));

    assert_eq!(i64_rem_s(-7, 2), Ok(-1));
    assert_eq!(i64_rem_s(7, -2), Ok(1));
    assert_eq!(i64_rem_s(i64::MIN, -1), Ok(0));
    assert_eq!(i64_rem_s(1, 0), Err(IntegerDivideByZero));

    assert_eq!(i64_rem_u(u64::MAX, 10), Ok(5));
    assert_eq!(i64_rem_u(1, 0), Err(IntegerDivideByZero));
}

// ----- trapping truncation -----

#[test]
fn trunc_i32_f32() {
    use TrapCode::*;
    assert_eq!(i32_trunc_f32_s(NAN32), Err(BadConversionToInteger));
    assert_eq!(i32_trunc_f32_s(-NAN32), Err(BadConversionToInteger));
    assert_eq!(i32_trunc_f32_s(INF32), Err(IntegerOverflow));
    assert_eq!(i32_trunc_f32_s(-INF32), Err(IntegerOverflow));
    assert_eq!(i32_trunc_f32_s(0.0), Ok(0));
    assert_eq!(i32_trunc_f32_s(-0.0), Ok(0));
    assert_eq!(i32_trunc_f32_s(-0.9), Ok(0));
    assert_eq!(i32_trunc_f32_s(1.9), Ok(1));
    assert_eq!(i32_trunc_f32_s(-1.9), Ok(-1));
    assert_eq!(i32_trunc_f32_s(-2147483648.0), Ok(i32::MIN));
    assert_eq!(i32_trunc_f32_s(2147483648.0), Err(IntegerOverflow));
    // Largest f32 below 2^31.
    assert_eq!(i32_trunc_f32_s(2147483520.0), Ok(2147483520));
    // Next f32 below -2^31.
    assert_eq!(i32_trunc_f32_s(-2147483904.0), Err(IntegerOverflow));

    assert_eq!(i32_trunc_f32_u(NAN32), Err(BadConversionToInteger));
    assert_eq!(i32_trunc_f32_u(INF32), Err(IntegerOverflow));
    assert_eq!(i32_trunc_f32_u(-INF32), Err(IntegerOverflow));
    assert_eq!(i32_trunc_f32_u(-0.0), Ok(0));
    assert_eq!(i32_trunc_f32_u(-0.9), Ok(0));
    assert_eq!(i32_trunc_f32_u(-0.99999994), Ok(0));
    assert_eq!(i32_trunc_f32_u(-1.0), Err(IntegerOverflow));
    assert_eq!(i32_trunc_f32_u(1.9), Ok(1));
    assert_eq!(i32_trunc_f32_u(2147483648.0), Ok(0x8000_0000));
    assert_eq!(i32_trunc_f32_u(4294967040.0), Ok(4294967040));
    assert_eq!(i32_trunc_f32_u(4294967296.0), Err(IntegerOverflow));
}

#[test]
fn trunc_i32_f64() {
    use TrapCode::*;
    assert_eq!(i32_trunc_f64_s(NAN64), Err(BadConversionToInteger));
    assert_eq!(i32_trunc_f64_s(INF64), Err(IntegerOverflow));
    assert_eq!(i32_trunc_f64_s(-INF64), Err(IntegerOverflow));
    assert_eq!(i32_trunc_f64_s(-0.0), Ok(0));
    assert_eq!(i32_trunc_f64_s(-0.9), Ok(0));
    assert_eq!(i32_trunc_f64_s(-2147483648.0), Ok(i32::MIN));
    assert_eq!(i32_trunc_f64_s(-2147483648.9), Ok(i32::MIN));
    assert_eq!(i32_trunc_f64_s(-2147483649.0), Err(IntegerOverflow));
    assert_eq!(i32_trunc_f64_s(2147483647.0), Ok(i32::MAX));
    assert_eq!(i32_trunc_f64_s(2147483647.9), Ok(i32::MAX));
    assert_eq!(i32_trunc_f64_s(2147483648.0), Err(IntegerOverflow));

    assert_eq!(i32_trunc_f64_u(NAN64), Err(BadConversionToInteger));
    assert_eq!(i32_trunc_f64_u(INF64), Err(IntegerOverflow));
    assert_eq!(i32_trunc_f64_u(-INF64), Err(IntegerOverflow));
    assert_eq!(i32_trunc_f64_u(-0.0), Ok(0));
    assert_eq!(i32_trunc_f64_u(-0.9), Ok(0));
    assert_eq!(i32_trunc_f64_u(-0.9999999999999999), Ok(0));
    assert_eq!(i32_trunc_f64_u(-1.0), Err(IntegerOverflow));
    assert_eq!(i32_trunc_f64_u(4294967295.0), Ok(u32::MAX));
    assert_eq!(i32_trunc_f64_u(4294967295.9), Ok(u32::MAX));
    assert_eq!(i32_trunc_f64_u(4294967296.0), Err(IntegerOverflow));
    assert_eq!(i32_trunc_f64_u(1e16), Err(IntegerOverflow));
}

#[test]
fn trunc_i64_f32() {
    use TrapCode::*;
    assert_eq!(i64_trunc_f32_s(NAN32), Err(BadConversionToInteger));
    assert_eq!(i64_trunc_f32_s(INF32), Err(IntegerOverflow));
    assert_eq!(i64_trunc_f32_s(-INF32), Err(IntegerOverflow));
    assert_eq!(i64_trunc_f32_s(-0.9), Ok(0));
    assert_eq!(i64_trunc_f32_s(-1.9), Ok(-1));
    assert_eq!(i64_trunc_f32_s(-9223372036854775808.0), Ok(i64::MIN));
    assert_eq!(i64_trunc_f32_s(9223372036854775808.0), Err(IntegerOverflow));
    // Largest f32 below 2^63 and next f32 below -2^63.
    assert_eq!(
        i64_trunc_f32_s(9223371487098961920.0),
        Ok(9223371487098961920)
    );
    assert_eq!(
        i64_trunc_f32_s(-9223373136366403584.0),
        Err(IntegerOverflow)
    );

    assert_eq!(i64_trunc_f32_u(NAN32), Err(BadConversionToInteger));
    assert_eq!(i64_trunc_f32_u(INF32), Err(IntegerOverflow));
    assert_eq!(i64_trunc_f32_u(-INF32), Err(IntegerOverflow));
    assert_eq!(i64_trunc_f32_u(-0.9), Ok(0));
    assert_eq!(i64_trunc_f32_u(-1.0), Err(IntegerOverflow));
    assert_eq!(
        i64_trunc_f32_u(18446742974197923840.0),
        Ok(18446742974197923840)
    );
    assert_eq!(
        i64_trunc_f32_u(18446744073709551616.0),
        Err(IntegerOverflow)
    );
}

#[test]
fn trunc_i64_f64() {
    use TrapCode::*;
    assert_eq!(i64_trunc_f64_s(NAN64), Err(BadConversionToInteger));
    assert_eq!(i64_trunc_f64_s(INF64), Err(IntegerOverflow));
    assert_eq!(i64_trunc_f64_s(-INF64), Err(IntegerOverflow));
    assert_eq!(i64_trunc_f64_s(-0.9), Ok(0));
    assert_eq!(i64_trunc_f64_s(1.9), Ok(1));
    assert_eq!(i64_trunc_f64_s(-9223372036854775808.0), Ok(i64::MIN));
    assert_eq!(i64_trunc_f64_s(9223372036854775808.0), Err(IntegerOverflow));
    assert_eq!(
        i64_trunc_f64_s(9223372036854774784.0),
        Ok(9223372036854774784)
    );
    assert_eq!(
        i64_trunc_f64_s(-9223372036854777856.0),
        Err(IntegerOverflow)
    );

    assert_eq!(i64_trunc_f64_u(NAN64), Err(BadConversionToInteger));
    assert_eq!(i64_trunc_f64_u(INF64), Err(IntegerOverflow));
    assert_eq!(i64_trunc_f64_u(-INF64), Err(IntegerOverflow));
    assert_eq!(i64_trunc_f64_u(-0.0), Ok(0));
    assert_eq!(i64_trunc_f64_u(-0.9), Ok(0));
    assert_eq!(i64_trunc_f64_u(-1.0), Err(IntegerOverflow));
    assert_eq!(
        i64_trunc_f64_u(18446744073709549568.0),
        Ok(18446744073709549568)
    );
    assert_eq!(
        i64_trunc_f64_u(18446744073709551616.0),
        Err(IntegerOverflow)
    );
}

// ----- saturating truncation -----

#[test]
fn trunc_sat() {
    assert_eq!(i32_trunc_sat_f32_s(NAN32), 0);
    assert_eq!(i32_trunc_sat_f32_s(-NAN32), 0);
    assert_eq!(i32_trunc_sat_f32_s(INF32), i32::MAX);
    assert_eq!(i32_trunc_sat_f32_s(-INF32), i32::MIN);
    assert_eq!(i32_trunc_sat_f32_s(2147483648.0), i32::MAX);
    assert_eq!(i32_trunc_sat_f32_s(-2147483904.0), i32::MIN);
    assert_eq!(i32_trunc_sat_f32_s(-1.9), -1);
    assert_eq!(i32_trunc_sat_f32_s(-0.9), 0);

    assert_eq!(i32_trunc_sat_f32_u(NAN32), 0);
    assert_eq!(i32_trunc_sat_f32_u(INF32), u32::MAX);
    assert_eq!(i32_trunc_sat_f32_u(-INF32), 0);
    assert_eq!(i32_trunc_sat_f32_u(-1.0), 0);
    assert_eq!(i32_trunc_sat_f32_u(4294967296.0), u32::MAX);
    assert_eq!(i32_trunc_sat_f32_u(1.9), 1);

    assert_eq!(i32_trunc_sat_f64_s(NAN64), 0);
    assert_eq!(i32_trunc_sat_f64_s(INF64), i32::MAX);
    assert_eq!(i32_trunc_sat_f64_s(-INF64), i32::MIN);
    assert_eq!(i32_trunc_sat_f64_s(2147483647.9), i32::MAX);
    assert_eq!(i32_trunc_sat_f64_s(2147483648.0), i32::MAX);
    assert_eq!(i32_trunc_sat_f64_s(-2147483649.0), i32::MIN);
    assert_eq!(i32_trunc_sat_f64_s(-2147483647.9), -2147483647);

    assert_eq!(i32_trunc_sat_f64_u(NAN64), 0);
    assert_eq!(i32_trunc_sat_f64_u(INF64), u32::MAX);
    assert_eq!(i32_trunc_sat_f64_u(-INF64), 0);
    assert_eq!(i32_trunc_sat_f64_u(-0.9), 0);
    assert_eq!(i32_trunc_sat_f64_u(4294967295.9), u32::MAX);
    assert_eq!(i32_trunc_sat_f64_u(1e16), u32::MAX);

    assert_eq!(i64_trunc_sat_f32_s(NAN32), 0);
    assert_eq!(i64_trunc_sat_f32_s(INF32), i64::MAX);
    assert_eq!(i64_trunc_sat_f32_s(-INF32), i64::MIN);
    assert_eq!(i64_trunc_sat_f32_s(9223372036854775808.0), i64::MAX);
    assert_eq!(i64_trunc_sat_f32_s(-9223372036854775808.0), i64::MIN);
    assert_eq!(i64_trunc_sat_f32_s(-1.5), -1);

    assert_eq!(i64_trunc_sat_f32_u(NAN32), 0);
    assert_eq!(i64_trunc_sat_f32_u(INF32), u64::MAX);
    assert_eq!(i64_trunc_sat_f32_u(-INF32), 0);
    assert_eq!(i64_trunc_sat_f32_u(18446744073709551616.0), u64::MAX);
    assert_eq!(i64_trunc_sat_f32_u(-0.9), 0);

    assert_eq!(i64_trunc_sat_f64_s(NAN64), 0);
    assert_eq!(i64_trunc_sat_f64_s(INF64), i64::MAX);
    assert_eq!(i64_trunc_sat_f64_s(-INF64), i64::MIN);
    assert_eq!(i64_trunc_sat_f64_s(9223372036854775808.0), i64::MAX);
    assert_eq!(i64_trunc_sat_f64_s(-9223372036854777856.0), i64::MIN);
    assert_eq!(
        i64_trunc_sat_f64_s(9223372036854774784.0),
        9223372036854774784
    );

    assert_eq!(i64_trunc_sat_f64_u(NAN64), 0);
    assert_eq!(i64_trunc_sat_f64_u(INF64), u64::MAX);
    assert_eq!(i64_trunc_sat_f64_u(-INF64), 0);
    assert_eq!(i64_trunc_sat_f64_u(-1.0), 0);
    assert_eq!(i64_trunc_sat_f64_u(18446744073709551616.0), u64::MAX);
    assert_eq!(
        i64_trunc_sat_f64_u(18446744073709549568.0),
        18446744073709549568
    );
}

// ----- int-to-float conversions -----

#[test]
fn convert_to_f32() {
    assert!(same32(f32_convert_i32_s(0), 0.0));
    assert!(same32(f32_convert_i32_s(-1), -1.0));
    assert!(same32(f32_convert_i32_s(i32::MIN), -2147483648.0));
    assert!(same32(f32_convert_i32_s(i32::MAX), 2147483648.0));
    // 16777217 = 2^24 + 1 is a tie: rounds to even (2^24).
    assert!(same32(f32_convert_i32_s(16777217), 16777216.0));
    assert!(same32(f32_convert_i32_s(16777219), 16777220.0));
    assert!(same32(f32_convert_i32_s(-16777217), -16777216.0));

    assert!(same32(f32_convert_i32_u(0), 0.0));
    assert!(same32(f32_convert_i32_u(u32::MAX), 4294967296.0));
    assert!(same32(f32_convert_i32_u(0x8000_0000), 2147483648.0));
    assert!(same32(f32_convert_i32_u(0x8000_0080), 2147483648.0));
    assert!(same32(f32_convert_i32_u(0x8000_0081), 2147483904.0));
    assert!(same32(f32_convert_i32_u(0x8000_0180), 2147484160.0));

    assert!(same32(f32_convert_i64_s(i64::MIN), -9223372036854775808.0));
    assert!(same32(f32_convert_i64_s(i64::MAX), 9223372036854775808.0));
    // 2^53 + 2^29 + 1: just above a tie, must round up (a double
    // rounding through f64 would round down).
    assert_eq!(
        f32_convert_i64_s(0x0020_0000_2000_0001).to_bits(),
        0x5a00_0001
    );
    assert_eq!(
        f32_convert_i64_s(-0x0020_0000_2000_0001).to_bits(),
        0xda00_0001
    );
    assert!(same32(f32_convert_i64_s(16777217), 16777216.0));

    assert!(same32(f32_convert_i64_u(0), 0.0));
    assert!(same32(f32_convert_i64_u(u64::MAX), 18446744073709551616.0));
    // 2^63 + 2^39 + 1: just above a tie, rounds up to 2^63 + 2^40.
    assert_eq!(
        f32_convert_i64_u(0x8000_0080_0000_0001).to_bits(),
        0x5f00_0001
    );
    // Exact tie rounds to even (down).
    assert_eq!(
        f32_convert_i64_u(0x8000_0080_0000_0000).to_bits(),
        0x5f00_0000
    );
    // Tie with odd lower neighbour rounds up.
    assert_eq!(
        f32_convert_i64_u(0x8000_0180_0000_0000).to_bits(),
        0x5f00_0002
    );
    assert_eq!(
        f32_convert_i64_u(0xffff_ff7f_ffff_ffff).to_bits(),
        0x5f7f_ffff
    );
    assert_eq!(
        f32_convert_i64_u(0xffff_ff80_0000_0000).to_bits(),
        0x5f80_0000
    );
}

#[test]
fn convert_to_f64() {
    assert!(same64(f64_convert_i32_s(i32::MIN), -2147483648.0));
    assert!(same64(f64_convert_i32_s(i32::MAX), 2147483647.0));
    assert!(same64(f64_convert_i32_s(0), 0.0));
    assert!(same64(f64_convert_i32_u(u32::MAX), 4294967295.0));
    assert!(same64(f64_convert_i32_u(0x8000_0000), 2147483648.0));

    assert!(same64(f64_convert_i64_s(i64::MIN), -9223372036854775808.0));
    assert!(same64(f64_convert_i64_s(i64::MAX), 9223372036854775808.0));
    // 2^53 + 1 is a tie: rounds to even.
    assert!(same64(
        f64_convert_i64_s(9007199254740993),
        9007199254740992.0
    ));
    assert!(same64(
        f64_convert_i64_s(9007199254740995),
        9007199254740996.0
    ));
    assert!(same64(
        f64_convert_i64_s(-9007199254740993),
        -9007199254740992.0
    ));

    assert!(same64(f64_convert_i64_u(u64::MAX), 18446744073709551616.0));
    assert_eq!(
        f64_convert_i64_u(0x8000_0000_0000_0401).to_bits(),
        0x43e0_0000_0000_0001
    );
    assert_eq!(
        f64_convert_i64_u(0x8000_0000_0000_0400).to_bits(),
        0x43e0_0000_0000_0000
    );
    assert_eq!(
        f64_convert_i64_u(0x8000_0000_0000_0c00).to_bits(),
        0x43e0_0000_0000_0002
    );
}

#[test]
fn demote_promote() {
    assert!(same32(f32_demote_f64(0.0), 0.0));
    assert!(same32(f32_demote_f64(-0.0), -0.0));
    assert!(same32(f32_demote_f64(INF64), INF32));
    assert!(same32(f32_demote_f64(-INF64), -INF32));
    assert!(f32_demote_f64(NAN64).is_nan());
    assert!(same32(f32_demote_f64(1e300), INF32));
    assert!(same32(f32_demote_f64(-1e300), -INF32));
    assert!(same32(f32_demote_f64(1e-300), 0.0));
    assert!(same32(f32_demote_f64(-1e-300), -0.0));
    assert!(same32(f32_demote_f64(f64::from(f32::MAX)), f32::MAX));
    // Ties to even: 1 + 2^-24 lies halfway between 1 and 1 + 2^-23.
    assert!(same32(f32_demote_f64(1.0 + 5.960464477539063e-8), 1.0));
    assert_eq!(
        f32_demote_f64(f64::from_bits(0x3ff0_0000_1000_0001)).to_bits(),
        0x3f80_0001
    );
    // Smallest f32 subnormal survives the round trip.
    let tiny = f32::from_bits(1);
    assert!(same32(f32_demote_f64(f64_promote_f32(tiny)), tiny));

    assert!(same64(f64_promote_f32(1.5), 1.5));
    assert!(same64(f64_promote_f32(-0.0), -0.0));
    assert!(same64(f64_promote_f32(INF32), INF64));
    assert!(same64(f64_promote_f32(-INF32), -INF64));
    assert!(f64_promote_f32(NAN32).is_nan());
    assert!(same64(f64_promote_f32(f32::MAX), 3.4028234663852886e38));
}

// ----- wide arithmetic -----

#[test]
fn add128_and_sub128_carry_between_halves() {
    const M: u64 = u64::MAX;
    assert_eq!(i64_add128(1, 0, 2, 0), (3, 0));
    // The low halves' carry goes into the high half.
    assert_eq!(i64_add128(M, 0, 1, 0), (0, 1));
    assert_eq!(i64_add128(M, 7, M, 7), (M - 1, 15));
    // Wraps modulo 2^128.
    assert_eq!(i64_add128(M, M, 1, 0), (0, 0));
    assert_eq!(i64_add128(0, 1 << 63, 0, 1 << 63), (0, 0));
    // The low halves' borrow comes out of the high half.
    assert_eq!(i64_sub128(0, 1, 1, 0), (M, 0));
    assert_eq!(i64_sub128(0, 0, 1, 0), (M, M));
    assert_eq!(i64_sub128(5, 9, 3, 4), (2, 5));
    assert_eq!(i64_sub128(0, 0, 0, 1 << 63), (0, 1 << 63));
}

#[test]
fn mul_wide_gives_the_full_product() {
    const M: u64 = u64::MAX;
    assert_eq!(i64_mul_wide_u(2, 3), (6, 0));
    assert_eq!(i64_mul_wide_s(2, 3), (6, 0));
    // (2^64 - 1)^2 = 2^128 - 2^65 + 1.
    assert_eq!(i64_mul_wide_u(M, M), (1, M - 1));
    // As signed, the same bits are (-1) * (-1) = 1.
    assert_eq!(i64_mul_wide_s(M, M), (1, 0));
    // -1 * 1 sign-extends into the high half; unsigned it does not.
    assert_eq!(i64_mul_wide_s(M, 1), (M, M));
    assert_eq!(i64_mul_wide_u(M, 1), (M, 0));
    // MIN * MIN = 2^126; MIN * MAX = -2^126 + 2^63.
    let (min, max) = (i64::MIN as u64, i64::MAX as u64);
    assert_eq!(i64_mul_wide_s(min, min), (0, 1 << 62));
    assert_eq!(i64_mul_wide_s(min, max), (1 << 63, 0xc000_0000_0000_0000));
    assert_eq!(i64_mul_wide_u(1 << 32, 1 << 32), (0, 1));
}
