//! `v128` at the API edges, on every tier: calls with boxed and typed
//! values, host functions, globals, and control flow that carries vectors
//! next to scalars (the interpreter's slot layout, the JIT's array-call
//! slots and vector registers). Lane semantics are the spec suite's job.

use crate::{engine_with, instantiate_in};
use petrel::{
    Error, Func, Global, GlobalType, Instance, Module, Mutability, Store, Tier, Val, ValType,
};

/// Runs each named check on the interpreter and, when built, the JIT.
macro_rules! on_every_tier {
    ($($name:ident),* $(,)?) => {
        mod interp {
            $(#[test] fn $name() { super::$name(petrel::Tier::Interpreter) })*
        }
        #[cfg(feature = "jit")]
        mod jit {
            $(#[test] fn $name() { super::$name(petrel::Tier::Jit) })*
        }
    };
}

on_every_tier!(
    v128_arguments_and_results_sit_between_scalars,
    typed_func_passes_u128_as_v128,
    host_functions_take_and_return_v128,
    v128_globals_hold_all_128_bits,
    control_flow_carries_vectors_next_to_scalars,
    out_of_bounds_v128_access_traps_at_the_last_byte,
);

fn tier_engine(tier: Tier) -> petrel::Engine {
    engine_with(|c| {
        c.tier(tier);
    })
}

/// A `v128` from its four `i32` lanes, lane 0 first.
fn i32x4(lanes: [i32; 4]) -> u128 {
    lanes
        .iter()
        .rev()
        .fold(0u128, |acc, l| (acc << 32) | *l as u32 as u128)
}

fn v128_arguments_and_results_sit_between_scalars(tier: Tier) {
    let (mut store, instance) = instantiate_in(
        &tier_engine(tier),
        r#"(module
          (func (export "f") (param i32 v128 i64 v128) (result i64 v128 i32)
            (local.get 2)
            (i32x4.add (local.get 1) (local.get 3))
            (local.get 0)))"#,
    );
    let f = instance.get_func(&store, "f").unwrap();
    let mut results = [Val::I32(0), Val::I32(0), Val::I32(0)];
    f.call(
        &mut store,
        &[
            Val::I32(7),
            Val::V128(i32x4([1, 2, 3, 4])),
            Val::I64(-9),
            Val::V128(i32x4([10, 20, 30, i32::MAX])),
        ],
        &mut results,
    )
    .unwrap();
    assert_eq!(results[0], Val::I64(-9));
    assert_eq!(results[1], Val::V128(i32x4([11, 22, 33, i32::MIN + 3])));
    assert_eq!(results[2], Val::I32(7));
}

fn typed_func_passes_u128_as_v128(tier: Tier) {
    let (mut store, instance) = instantiate_in(
        &tier_engine(tier),
        r#"(module
          (func (export "add") (param v128 i32 v128) (result v128 i32)
            (i8x16.add (local.get 0) (local.get 2))
            (local.get 1)))"#,
    );
    let add = instance
        .get_typed_func::<(u128, i32, u128), (u128, i32)>(&store, "add")
        .unwrap();
    let (v, x) = add.call(&mut store, (u128::MAX, 5, 2)).unwrap();
    assert_eq!((v, x), (!0xff | 1, 5));
    // A mismatched signature is refused up front.
    assert!(instance
        .get_typed_func::<(u128, i32, i64), (u128, i32)>(&store, "add")
        .is_err());
}

fn host_functions_take_and_return_v128(tier: Tier) {
    let engine = tier_engine(tier);
    let module = Module::new(
        &engine,
        r#"(module
          (import "host" "swap" (func $swap (param v128 i32) (result i32 v128)))
          (func (export "run") (param v128) (result v128 i32)
            (local $r v128) (local $x i32)
            (call $swap (local.get 0) (i32.const 3))
            (local.set $r)
            (local.set $x)
            (i32x4.mul (local.get $r) (i32x4.splat (local.get $x)))
            (local.get $x)))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let swap = Func::wrap(&mut store, |v: u128, x: i32| -> (i32, u128) { (x + 1, v) });
    let instance = Instance::new(&mut store, &module, &[swap.into()]).unwrap();
    let run = instance
        .get_typed_func::<u128, (u128, i32)>(&store, "run")
        .unwrap();
    let (v, x) = run.call(&mut store, i32x4([1, -2, 3, -4])).unwrap();
    assert_eq!(x, 4);
    assert_eq!(v, i32x4([4, -8, 12, -16]));
}

fn v128_globals_hold_all_128_bits(tier: Tier) {
    let engine = tier_engine(tier);
    let module = Module::new(
        &engine,
        r#"(module
          (import "env" "g" (global $in v128))
          (global $g (export "g") (mut v128) (v128.const i64x2 -1 2))
          (global $copy (export "copy") v128 (global.get $in))
          (func (export "bump")
            (global.set $g (i64x2.add (global.get $g) (global.get $in))))
          (func (export "get") (result v128) (global.get $g)))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let ty = GlobalType::new(ValType::V128, Mutability::Const);
    let input = Global::new(&mut store, ty, Val::V128(1 << 64 | 1)).unwrap();
    let instance = Instance::new(&mut store, &module, &[input.into()]).unwrap();
    let g = instance.get_global(&store, "g").unwrap();
    let copy = instance.get_global(&store, "copy").unwrap();
    assert_eq!(copy.get(&store), Val::V128(1 << 64 | 1));
    let bump = instance.get_typed_func::<(), ()>(&store, "bump").unwrap();
    let get = instance.get_typed_func::<(), u128>(&store, "get").unwrap();
    bump.call(&mut store, ()).unwrap();
    assert_eq!(g.get(&store), Val::V128(3 << 64));
    g.set(&mut store, Val::V128(u128::MAX)).unwrap();
    assert_eq!(get.call(&mut store, ()).unwrap(), u128::MAX);
    assert!(g.set(&mut store, Val::I64(0)).is_err());
}

fn control_flow_carries_vectors_next_to_scalars(tier: Tier) {
    // Block and loop parameters and results, `br_if`/`br_table` with
    // values, `select` and calls, all with `v128`s between scalars.
    let (mut store, instance) = instantiate_in(
        &tier_engine(tier),
        r#"(module
          (type $pair (func (param i32 v128) (result i32 v128)))
          (func $halve (type $pair)
            (i32.sub (local.get 0) (i32.const 1))
            (i32x4.shr_s (local.get 1) (i32.const 1)))
          (func (export "loop") (param $n i32) (param $v v128) (result v128 i32)
            (local.get $n) (local.get $v)
            (loop $l (type $pair)
              (call $halve)
              (local.set $v)
              (local.tee $n)
              (local.get $v)
              (br_if $l (i32.gt_s (local.get $n) (i32.const 0))))
            (drop)
            (drop)
            (block $b (result v128 i32)
              (local.get $v)
              (i32.const 99)
              (br_table $b $b (local.get $n)))
            (local.set $n)
            (local.set $v)
            (select (local.get $v) (v128.const i32x4 5 5 5 5) (local.get $n))
            (local.get $n)))"#,
    );
    let run = instance
        .get_typed_func::<(i32, u128), (u128, i32)>(&store, "loop")
        .unwrap();
    let (v, n) = run
        .call(&mut store, (3, i32x4([64, -64, 8, 1 << 30])))
        .unwrap();
    assert_eq!(n, 99);
    assert_eq!(v, i32x4([8, -8, 1, 1 << 27]));
}

fn out_of_bounds_v128_access_traps_at_the_last_byte(tier: Tier) {
    let (mut store, instance) = instantiate_in(
        &tier_engine(tier),
        r#"(module (memory 1)
          (func (export "load") (param i32) (result v128) (v128.load (local.get 0)))
          (func (export "store_lane") (param i32)
            (v128.store32_lane offset=1 3 (local.get 0) (v128.const i32x4 1 2 3 4))))"#,
    );
    let load = instance
        .get_typed_func::<i32, u128>(&store, "load")
        .unwrap();
    assert_eq!(load.call(&mut store, 65536 - 16).unwrap(), 0);
    assert!(matches!(
        load.call(&mut store, 65536 - 15),
        Err(Error::Trap(t)) if t.code() == petrel::TrapCode::MemoryOutOfBounds
    ));
    let store_lane = instance
        .get_typed_func::<i32, ()>(&store, "store_lane")
        .unwrap();
    store_lane.call(&mut store, 65536 - 5).unwrap();
    assert!(store_lane.call(&mut store, 65536 - 4).is_err());
    assert_eq!(load.call(&mut store, 65536 - 16).unwrap() >> 96, 4);
}
#[test]
fn a_jit_compile_error_in_one_function_leaves_the_next_compilable() {
    // Regression: a function the JIT rejected used to leave the function
    // builder dirty, so the next function's compile panicked (found while
    // the JIT still rejected `v128`). Now all three compile and run.
    let engine = engine_with(|c| {
        c.tier(Tier::Jit);
    });
    let wat = r#"(module
      (func (export "a") (result i32) (i32x4.extract_lane 0 (v128.const i32x4 1 2 3 4)))
      (func (export "b") (result i32) (i32x4.extract_lane 1 (v128.const i32x4 1 2 3 4)))
      (func (export "c") (result i32) (i32.const 7)))"#;
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let b = instance.get_typed_func::<(), i32>(&store, "b").unwrap();
    assert_eq!(b.call(&mut store, ()).unwrap(), 2);
}
