//! Script values: turning `wast` arguments into [`Val`]s and checking
//! results against expected values and NaN patterns.

use petrel::{ExternRef, Store, Val};
use wast::core::{HeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::token::{F32, F64};
use wast::WastRet;

/// A script argument as a value. `ref.extern N` becomes a host reference
/// holding `N`, so results can be compared by that number.
pub(crate) fn arg(store: &mut Store<()>, arg: &WastArgCore<'_>) -> Result<Val, String> {
    Ok(match arg {
        WastArgCore::I32(v) => Val::I32(*v),
        WastArgCore::I64(v) => Val::I64(*v),
        WastArgCore::F32(v) => Val::F32(v.bits),
        WastArgCore::F64(v) => Val::F64(v.bits),
        WastArgCore::V128(v) => Val::V128(u128::from_le_bytes(v.to_le_bytes())),
        WastArgCore::RefNull(HeapType::Abstract { ty, .. }) => {
            use wast::core::AbstractHeapType as A;
            match ty {
                A::Func | A::NoFunc => Val::FuncRef(None),
                A::Extern | A::NoExtern => Val::ExternRef(None),
                A::Any | A::Eq | A::I31 | A::Struct | A::Array | A::None => Val::AnyRef(None),
                A::Exn | A::NoExn => Val::ExnRef(None),
                _ => return Err(format!("unsupported null reference type {ty:?}")),
            }
        }
        // Every concrete type is a function type (no GC types yet).
        WastArgCore::RefNull(HeapType::Concrete(_)) => Val::FuncRef(None),
        WastArgCore::RefExtern(n) => Val::ExternRef(Some(ExternRef::new(store, *n))),
        other => return Err(format!("unsupported argument {other:?}")),
    })
}

/// Checks `actual` against the script's `expected` results.
pub(crate) fn check_results(
    store: &Store<()>,
    actual: &[Val],
    expected: &[WastRet<'_>],
) -> Result<(), String> {
    if actual.len() != expected.len() {
        return Err(format!(
            "expected {} results, got {}: {actual:?}",
            expected.len(),
            actual.len()
        ));
    }
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        let WastRet::Core(e) = e else {
            return Err("component results are not supported".into());
        };
        if !matches(store, a, e) {
            return Err(format!("result {i}: expected {e:?}, got {a:?}"));
        }
    }
    Ok(())
}

fn matches(store: &Store<()>, actual: &Val, expected: &WastRetCore<'_>) -> bool {
    match (expected, actual) {
        (WastRetCore::I32(e), Val::I32(a)) => e == a,
        (WastRetCore::I64(e), Val::I64(a)) => e == a,
        (WastRetCore::F32(e), Val::F32(a)) => f32_matches(e, *a),
        (WastRetCore::F64(e), Val::F64(a)) => f64_matches(e, *a),
        (WastRetCore::V128(e), Val::V128(a)) => v128_matches(e, *a),
        (WastRetCore::RefNull(_), a) => a.is_null(),
        (WastRetCore::RefExtern(None), Val::ExternRef(Some(_))) => true,
        (WastRetCore::RefExtern(Some(n)), Val::ExternRef(Some(r))) => {
            r.data(store).downcast_ref::<u32>() == Some(n)
        }
        (WastRetCore::RefFunc(_), Val::FuncRef(Some(_))) => true,
        (WastRetCore::Either(options), a) => options.iter().any(|e| matches(store, a, e)),
        _ => false,
    }
}

fn f32_matches(expected: &NanPattern<F32>, actual: u32) -> bool {
    match expected {
        NanPattern::CanonicalNan => actual & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => f32::from_bits(actual).is_nan() && actual & 0x0040_0000 != 0,
        NanPattern::Value(v) => v.bits == actual,
    }
}

fn f64_matches(expected: &NanPattern<F64>, actual: u64) -> bool {
    match expected {
        NanPattern::CanonicalNan => actual & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => {
            f64::from_bits(actual).is_nan() && actual & 0x0008_0000_0000_0000 != 0
        }
        NanPattern::Value(v) => v.bits == actual,
    }
}

/// Lane by lane, lane 0 in the least significant bits; float lanes may
/// be NaN patterns.
fn v128_matches(expected: &V128Pattern, actual: u128) -> bool {
    let bytes = actual.to_le_bytes();
    let lane = |i: usize, w: usize| -> u64 {
        let mut b = [0u8; 8];
        b[..w].copy_from_slice(&bytes[i * w..i * w + w]);
        u64::from_le_bytes(b)
    };
    match expected {
        V128Pattern::I8x16(e) => e
            .iter()
            .enumerate()
            .all(|(i, e)| *e as u8 as u64 == lane(i, 1)),
        V128Pattern::I16x8(e) => e
            .iter()
            .enumerate()
            .all(|(i, e)| *e as u16 as u64 == lane(i, 2)),
        V128Pattern::I32x4(e) => e
            .iter()
            .enumerate()
            .all(|(i, e)| *e as u32 as u64 == lane(i, 4)),
        V128Pattern::I64x2(e) => e.iter().enumerate().all(|(i, e)| *e as u64 == lane(i, 8)),
        V128Pattern::F32x4(e) => e
            .iter()
            .enumerate()
            .all(|(i, e)| f32_matches(e, lane(i, 4) as u32)),
        V128Pattern::F64x2(e) => e
            .iter()
            .enumerate()
            .all(|(i, e)| f64_matches(e, lane(i, 8))),
    }
}
