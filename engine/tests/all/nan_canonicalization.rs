//! `Config::nan_canonicalization` on every tier: every float operation
//! that may produce a NaN produces the canonical one, whatever NaNs (sign,
//! payload) go in and whatever the CPU would make of them; operations that
//! only move bits keep them. The same checks run on aarch64 and riscv64
//! under qemu (`scripts/test-cross`), so the bits are the same on all three
//! ISAs.

use crate::{every_tier, instantiate_in};
use petrel::{Instance, Store, Val};

const CANON_F32: u32 = 0x7fc0_0000;
const CANON_F64: u64 = 0x7ff8_0000_0000_0000;
/// NaNs with the sign set and a payload, quiet and signalling.
const NANS_F32: [u32; 3] = [0xffe0_0001, 0x7f80_0001, 0xffc0_0000];
const NANS_F64: [u64; 3] = [
    0xfffc_0000_0000_0001,
    0x7ff0_0000_0000_0001,
    0xfff8_0000_0000_0000,
];

/// Each operation as `(param T T) (result bits)`, the unary ones ignoring
/// their second parameter, and the same through a local (the
/// interpreter retargets a result onto a following `local.set`).
fn module() -> String {
    let mut funcs = String::new();
    let bin = |ty: &str, op: &str| format!("local.get 0 local.get 1 {ty}.{op}");
    let un = |ty: &str, op: &str| format!("local.get 0 {ty}.{op}");
    for (ty, int) in [("f32", "i32"), ("f64", "i64")] {
        let mut bodies: Vec<(String, String)> = ["add", "sub", "mul", "div", "min", "max"]
            .iter()
            .map(|op| (op.to_string(), bin(ty, op)))
            .collect();
        for op in ["sqrt", "ceil", "floor", "trunc", "nearest"] {
            bodies.push((op.to_string(), un(ty, op)));
        }
        for (name, body) in bodies {
            funcs.push_str(&format!(
                "(func (export \"{ty}.{name}\") (param {ty} {ty}) (result {int})
                   {body} {int}.reinterpret_{ty})
                 (func (export \"{ty}.{name}.local\") (param {ty} {ty}) (result {int})
                   (local {ty}) {body} local.set 2 local.get 2 {int}.reinterpret_{ty})\n"
            ));
        }
    }
    funcs.push_str(
        "(func (export \"f32.demote_f64\") (param f64) (result i32)
           local.get 0 f32.demote_f64 i32.reinterpret_f32)
         (func (export \"f64.promote_f32\") (param f32) (result i64)
           local.get 0 f64.promote_f32 i64.reinterpret_f64)
         (func (export \"f32.neg\") (param f32) (result i32)
           local.get 0 f32.neg i32.reinterpret_f32)
         (func (export \"f64.abs\") (param f64) (result i64)
           local.get 0 f64.abs i64.reinterpret_f64)
         (func (export \"f32x4.add\") (param v128 v128) (result v128)
           local.get 0 local.get 1 f32x4.add)
         (func (export \"f32x4.sqrt\") (param v128) (result v128)
           local.get 0 f32x4.sqrt)
         (func (export \"f64x2.mul\") (param v128 v128) (result v128)
           local.get 0 local.get 1 f64x2.mul)
         (func (export \"f64x2.promote_low_f32x4\") (param v128) (result v128)
           local.get 0 f64x2.promote_low_f32x4)
         (func (export \"f32x4.demote_f64x2_zero\") (param v128) (result v128)
           local.get 0 f32x4.demote_f64x2_zero)
         (func (export \"f32x4.neg\") (param v128) (result v128)
           local.get 0 f32x4.neg)",
    );
    format!("(module {funcs})")
}

fn call(store: &mut Store<()>, instance: &Instance, name: &str, args: &[Val]) -> Val {
    let func = instance
        .get_func(&mut *store, name)
        .unwrap_or_else(|| panic!("export {name}"));
    let mut out = [Val::I32(0)];
    func.call(&mut *store, args, &mut out)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    out[0]
}

fn bits(v: &Val) -> u128 {
    match *v {
        Val::I32(x) => x as u32 as u128,
        Val::I64(x) => x as u64 as u128,
        Val::V128(x) => x,
        ref other => panic!("unexpected result {other:?}"),
    }
}

#[test]
fn every_nan_a_float_operation_produces_is_canonical() {
    for (tier, engine) in every_tier(|c| {
        c.nan_canonicalization(true);
    }) {
        let (mut store, instance) = instantiate_in(&engine, &module());
        let ops = [
            "add", "sub", "mul", "div", "min", "max", "sqrt", "ceil", "floor", "trunc", "nearest",
        ];
        for op in ops {
            for suffix in ["", ".local"] {
                for (i, nan) in NANS_F32.into_iter().enumerate() {
                    let name = format!("f32.{op}{suffix}");
                    let args = [Val::F32(nan), Val::F32(1.5f32.to_bits())];
                    let got = bits(&call(&mut store, &instance, &name, &args)) as u32;
                    assert_eq!(got, CANON_F32, "{tier}: {name} of NaN #{i}: {got:#x}");
                    let nan64 = NANS_F64[i];
                    let name = format!("f64.{op}{suffix}");
                    let args = [Val::F64(2.5f64.to_bits()), Val::F64(nan64)];
                    let args = if matches!(op, "sqrt" | "ceil" | "floor" | "trunc" | "nearest") {
                        [args[1], args[0]]
                    } else {
                        args
                    };
                    let got = bits(&call(&mut store, &instance, &name, &args)) as u64;
                    assert_eq!(got, CANON_F64, "{tier}: {name} of NaN #{i}: {got:#x}");
                }
            }
            // Invalid operations make a NaN out of numbers.
        }
        let inf = f32::INFINITY.to_bits();
        for (op, args) in [
            ("f32.sub", [Val::F32(inf), Val::F32(inf)]),
            ("f32.mul", [Val::F32(inf), Val::F32(0)]),
            ("f32.div", [Val::F32(0), Val::F32(0)]),
            ("f32.sqrt", [Val::F32((-1.0f32).to_bits()), Val::F32(0)]),
        ] {
            let got = bits(&call(&mut store, &instance, op, &args)) as u32;
            assert_eq!(got, CANON_F32, "{tier}: {op} of numbers: {got:#x}");
        }
        let got = bits(&call(
            &mut store,
            &instance,
            "f32.demote_f64",
            &[Val::F64(NANS_F64[0])],
        ));
        assert_eq!(got as u32, CANON_F32, "{tier}: f32.demote_f64");
        let got = bits(&call(
            &mut store,
            &instance,
            "f64.promote_f32",
            &[Val::F32(NANS_F32[0])],
        ));
        assert_eq!(got as u64, CANON_F64, "{tier}: f64.promote_f32");

        // Vectors: every NaN lane canonical, the number lanes exact.
        let f32x4 = |l: [u32; 4]| l.iter().rev().fold(0u128, |acc, x| acc << 32 | *x as u128);
        let f64x2 = |l: [u64; 2]| (l[1] as u128) << 64 | l[0] as u128;
        let one = 1.0f32.to_bits();
        let a = f32x4([NANS_F32[0], one, NANS_F32[1], (-0.0f32).to_bits()]);
        let b = f32x4([one, NANS_F32[2], one, 0]);
        let got = bits(&call(
            &mut store,
            &instance,
            "f32x4.add",
            &[Val::V128(a), Val::V128(b)],
        ));
        let want = f32x4([CANON_F32, CANON_F32, CANON_F32, 0]);
        assert_eq!(got, want, "{tier}: f32x4.add: {got:#x}");
        let got = bits(&call(&mut store, &instance, "f32x4.sqrt", &[Val::V128(a)]));
        let want = f32x4([CANON_F32, one, CANON_F32, (-0.0f32).to_bits()]);
        assert_eq!(got, want, "{tier}: f32x4.sqrt: {got:#x}");
        let two = 2.0f64.to_bits();
        let (a, b) = (f64x2([NANS_F64[0], two]), f64x2([two, two]));
        let got = bits(&call(
            &mut store,
            &instance,
            "f64x2.mul",
            &[Val::V128(a), Val::V128(b)],
        ));
        assert_eq!(
            got,
            f64x2([CANON_F64, 4.0f64.to_bits()]),
            "{tier}: f64x2.mul"
        );
        let got = bits(&call(
            &mut store,
            &instance,
            "f64x2.promote_low_f32x4",
            &[Val::V128(f32x4([NANS_F32[0], one, 0, 0]))],
        ));
        assert_eq!(got, f64x2([CANON_F64, 1.0f64.to_bits()]), "{tier}: promote");
        let got = bits(&call(
            &mut store,
            &instance,
            "f32x4.demote_f64x2_zero",
            &[Val::V128(f64x2([NANS_F64[1], two]))],
        ));
        assert_eq!(
            got,
            f32x4([CANON_F32, 2.0f32.to_bits(), 0, 0]),
            "{tier}: demote"
        );
    }
}

#[test]
fn operations_that_only_move_bits_keep_the_nan() {
    for (tier, engine) in every_tier(|c| {
        c.nan_canonicalization(true);
    }) {
        let (mut store, instance) = instantiate_in(&engine, &module());
        let got = bits(&call(
            &mut store,
            &instance,
            "f32.neg",
            &[Val::F32(0x7fa0_0001)],
        ));
        assert_eq!(got as u32, 0xffa0_0001, "{tier}: f32.neg");
        let got = bits(&call(
            &mut store,
            &instance,
            "f64.abs",
            &[Val::F64(NANS_F64[0])],
        ));
        assert_eq!(got as u64, NANS_F64[0] & !(1 << 63), "{tier}: f64.abs");
        let v = 0xffa0_0001_7f80_0002_0000_0000_3f80_0000u128;
        let got = bits(&call(&mut store, &instance, "f32x4.neg", &[Val::V128(v)]));
        assert_eq!(
            got,
            v ^ 0x8000_0000_8000_0000_8000_0000_8000_0000,
            "{tier}: f32x4.neg"
        );
    }
}

/// Without the setting, the CPU's NaN comes through: x86-64 makes the
/// invalid operation's NaN negative, so the check above would fail there
/// (it is what the setting is for).
#[cfg(target_arch = "x86_64")]
#[test]
fn without_the_setting_x86_64_makes_a_negative_nan() {
    for (tier, engine) in every_tier(|_| {}) {
        let (mut store, instance) = instantiate_in(&engine, &module());
        let args = [Val::F32(0), Val::F32(0)];
        let got = bits(&call(&mut store, &instance, "f32.div", &args)) as u32;
        assert_eq!(got, 0xffc0_0000, "{tier}: f32.div 0/0 without the setting");
    }
}
