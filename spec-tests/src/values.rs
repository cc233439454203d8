//! Script values: turning `wast` arguments into [`Val`]s and checking
//! results against expected values and NaN patterns.

use petrel::{ExternRef, Store, Val};
use wast::core::{HeapType, NanPattern, WastArgCore, WastRetCore};
use wast::WastRet;

/// A script argument as a value. `ref.extern N` becomes a host reference
/// holding `N`, so results can be compared by that number.
pub(crate) fn arg(store: &mut Store<()>, arg: &WastArgCore<'_>) -> Result<Val, String> {
    Ok(match arg {
        WastArgCore::I32(v) => Val::I32(*v),
        WastArgCore::I64(v) => Val::I64(*v),
        WastArgCore::F32(v) => Val::F32(v.bits),
        WastArgCore::F64(v) => Val::F64(v.bits),
        WastArgCore::RefNull(HeapType::Abstract { ty, .. }) => match ty {
            wast::core::AbstractHeapType::Func => Val::FuncRef(None),
            wast::core::AbstractHeapType::Extern => Val::ExternRef(None),
            _ => return Err(format!("unsupported null reference type {ty:?}")),
        },
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
        (WastRetCore::F32(e), Val::F32(a)) => match e {
            NanPattern::CanonicalNan => a & 0x7fff_ffff == 0x7fc0_0000,
            NanPattern::ArithmeticNan => f32::from_bits(*a).is_nan() && a & 0x0040_0000 != 0,
            NanPattern::Value(v) => v.bits == *a,
        },
        (WastRetCore::F64(e), Val::F64(a)) => match e {
            NanPattern::CanonicalNan => a & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
            NanPattern::ArithmeticNan => {
                f64::from_bits(*a).is_nan() && a & 0x0008_0000_0000_0000 != 0
            }
            NanPattern::Value(v) => v.bits == *a,
        },
        (WastRetCore::RefNull(_), Val::FuncRef(None) | Val::ExternRef(None)) => true,
        (WastRetCore::RefNull(_), _) => false,
        (WastRetCore::RefExtern(None), Val::ExternRef(Some(_))) => true,
        (WastRetCore::RefExtern(Some(n)), Val::ExternRef(Some(r))) => {
            r.data(store).downcast_ref::<u32>() == Some(n)
        }
        (WastRetCore::RefFunc(_), Val::FuncRef(Some(_))) => true,
        (WastRetCore::Either(options), a) => options.iter().any(|e| matches(store, a, e)),
        _ => false,
    }
}
