//! Tail calls (`return_call`, `return_call_indirect`) on every tier: a
//! tail call replaces the caller's frame, so chains of millions run in
//! constant native and value stack where plain calls overflow; host
//! callees, other instances, frames that grow and the fuel they cost
//! behave as plain calls do.

use crate::{engine_with, every_tier, instantiate_in, trap_code};
use petrel::{Engine, Error, Instance, Linker, Module, ResumableCall, Store, TrapCode, Val};

/// `sum(n, 0)` = 0 + 1 + ... + n, as a tail-recursive function, and the
/// same with a plain call; and `even`/`odd`, which call each other through
/// a table with `return_call_indirect`.
const LOOPS: &str = r#"(module
  (type $pred (func (param i64) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $even $odd)
  (func $sum (export "sum") (param i64 i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (local.get 1))
      (else
        (return_call $sum
          (i64.sub (local.get 0) (i64.const 1))
          (i64.add (local.get 1) (local.get 0))))))
  (func $plain_sum (export "plain_sum") (param i64 i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (local.get 1))
      (else
        (call $plain_sum
          (i64.sub (local.get 0) (i64.const 1))
          (i64.add (local.get 1) (local.get 0))))))
  (func $even (export "even") (type $pred)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 1))
      (else
        (return_call_indirect (type $pred)
          (i64.sub (local.get 0) (i64.const 1)) (i32.const 1)))))
  (func $odd (type $pred)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 0))
      (else
        (return_call_indirect (type $pred)
          (i64.sub (local.get 0) (i64.const 1)) (i32.const 0))))))"#;

const TEN_MILLION: i64 = 10_000_000;

#[test]
fn ten_million_tail_calls_run_in_constant_stack_where_plain_calls_overflow() {
    for (tier, engine) in every_tier(|_| {}) {
        let (mut store, instance) = instantiate_in(&engine, LOOPS);
        let sum = instance
            .get_typed_func::<(i64, i64), i64>(&store, "sum")
            .unwrap();
        let n = TEN_MILLION;
        assert_eq!(
            sum.call(&mut store, (n, 0)).unwrap(),
            n * (n + 1) / 2,
            "{tier}"
        );
        // The same recursion with a plain call runs out of stack, so the
        // one above really did not grow it.
        let plain = instance
            .get_typed_func::<(i64, i64), i64>(&store, "plain_sum")
            .unwrap();
        let err = plain.call(&mut store, (n, 0)).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::StackOverflow, "{tier}");
        // And the store is fine afterwards.
        assert_eq!(sum.call(&mut store, (100, 0)).unwrap(), 5050, "{tier}");
    }
}

#[test]
fn mutual_tail_recursion_through_a_table_runs_in_constant_stack() {
    for (tier, engine) in every_tier(|_| {}) {
        let (mut store, instance) = instantiate_in(&engine, LOOPS);
        let even = instance.get_typed_func::<i64, i32>(&store, "even").unwrap();
        assert_eq!(even.call(&mut store, TEN_MILLION).unwrap(), 1, "{tier}");
        assert_eq!(even.call(&mut store, TEN_MILLION + 1).unwrap(), 0, "{tier}");
    }
}

#[test]
fn tail_calls_never_lift_the_call_depth_limit_of_plain_calls() {
    // Only the interpreter counts frames; a depth of 100 must still stop
    // plain recursion that sits between tail calls.
    let engine = engine_with(|c| {
        c.max_call_depth(100);
    });
    let (mut store, instance) = instantiate_in(&engine, LOOPS);
    let sum = instance
        .get_typed_func::<(i64, i64), i64>(&store, "sum")
        .unwrap();
    assert_eq!(
        sum.call(&mut store, (1_000_000, 0)).unwrap(),
        500_000_500_000
    );
    let plain = instance
        .get_typed_func::<(i64, i64), i64>(&store, "plain_sum")
        .unwrap();
    let err = plain.call(&mut store, (1_000, 0)).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::StackOverflow);
}

#[test]
fn a_tail_call_may_need_a_bigger_frame_than_its_caller() {
    // `small` has one parameter and no locals; `big` takes more arguments
    // (a `v128` among them) and has many locals, which must start zeroed
    // even though the caller's temporaries were in those slots.
    let wat = r#"(module
      (func $big (param i32 i64 f64 v128 i32) (result i64)
        (local i64 i64 i64 i64 i64 i64 i64 i64 v128)
        (i64.add
          (i64.add
            (i64.add (i64.extend_i32_u (local.get 0)) (local.get 1))
            (i64.add (i64.trunc_f64_s (local.get 2))
                     (i64x2.extract_lane 1 (local.get 3))))
          (i64.add
            (i64.add (i64.extend_i32_u (local.get 4))
                     (i64.add (local.get 5) (local.get 12)))
            (i64x2.extract_lane 0 (local.get 13)))))
      (func (export "small") (param i32) (result i64)
        ;; Fill temporaries with garbage first.
        (drop (i64.mul (i64.const 0x1234567) (i64.const 0x7654321)))
        (return_call $big
          (local.get 0) (i64.const 20) (f64.const 300.5)
          (v128.const i64x2 0 4000) (i32.const 50000))))"#;
    for (tier, engine) in every_tier(|_| {}) {
        let (mut store, instance) = instantiate_in(&engine, wat);
        let small = instance
            .get_typed_func::<i32, i64>(&store, "small")
            .unwrap();
        assert_eq!(small.call(&mut store, 1).unwrap(), 54321, "{tier}");
    }
}

/// A module that tail-calls an imported function, directly and through
/// its table.
const CALLS_IMPORT: &str = r#"(module
  (type $t (func (param i32) (result i32)))
  (import "env" "f" (func $f (type $t)))
  (table 1 funcref)
  (elem (i32.const 0) $f)
  (func (export "direct") (param i32) (result i32)
    (return_call $f (i32.add (local.get 0) (i32.const 1))))
  (func (export "indirect") (param i32) (result i32)
    (return_call_indirect (type $t) (i32.add (local.get 0) (i32.const 2))
      (i32.const 0))))"#;

fn with_import(
    engine: &Engine,
    f: impl Fn(i32) -> i32 + Send + Sync + 'static,
) -> (Store<()>, Instance) {
    let module = Module::new(engine, CALLS_IMPORT).unwrap();
    let mut store = Store::new(engine, ());
    let mut linker = Linker::new(engine);
    linker.func_wrap("env", "f", move |x: i32| f(x)).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance)
}

#[test]
fn a_tail_call_to_a_host_function_returns_its_results() {
    for (tier, engine) in every_tier(|_| {}) {
        let (mut store, instance) = with_import(&engine, |x| x * 10);
        let direct = instance
            .get_typed_func::<i32, i32>(&store, "direct")
            .unwrap();
        let indirect = instance
            .get_typed_func::<i32, i32>(&store, "indirect")
            .unwrap();
        assert_eq!(direct.call(&mut store, 4).unwrap(), 50, "{tier}");
        assert_eq!(indirect.call(&mut store, 4).unwrap(), 60, "{tier}");
    }
}

#[test]
fn a_tail_call_into_another_instance_runs_there() {
    // The callee reads its own instance's global and memory.
    let callee = r#"(module
      (memory (export "mem") 1)
      (data (i32.const 0) "\07")
      (global $g i32 (i32.const 100))
      (func (export "f") (param i32) (result i32)
        (i32.add (local.get 0)
          (i32.add (global.get $g) (i32.load8_u (i32.const 0))))))"#;
    for (tier, engine) in every_tier(|_| {}) {
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        let callee = Module::new(&engine, callee).unwrap();
        let callee = linker.instantiate(&mut store, &callee).unwrap();
        linker.instance(&mut store, "env", callee).unwrap();
        let module = Module::new(&engine, CALLS_IMPORT).unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let direct = instance
            .get_typed_func::<i32, i32>(&store, "direct")
            .unwrap();
        let indirect = instance
            .get_typed_func::<i32, i32>(&store, "indirect")
            .unwrap();
        assert_eq!(direct.call(&mut store, 1).unwrap(), 109, "{tier}");
        assert_eq!(indirect.call(&mut store, 1).unwrap(), 110, "{tier}");
    }
}

#[test]
fn traps_in_tail_called_functions_and_their_checks_are_traps() {
    let wat = r#"(module
      (type $t (func (param i32) (result i32)))
      (type $u (func (result i64)))
      (table 2 funcref)
      (elem (i32.const 0) $div)
      (func $div (type $t) (i32.div_u (i32.const 1) (local.get 0)))
      (func (export "div") (param i32) (result i32)
        (return_call $div (local.get 0)))
      (func (export "via") (param i32 i32) (result i32)
        (return_call_indirect (type $t) (local.get 0) (local.get 1))))"#;
    for (tier, engine) in every_tier(|_| {}) {
        let (mut store, instance) = instantiate_in(&engine, wat);
        let div = instance.get_typed_func::<i32, i32>(&store, "div").unwrap();
        let err = div.call(&mut store, 0).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::IntegerDivideByZero, "{tier}");
        let via = instance
            .get_typed_func::<(i32, i32), i32>(&store, "via")
            .unwrap();
        assert_eq!(via.call(&mut store, (1, 0)).unwrap(), 1, "{tier}");
        let err = via.call(&mut store, (1, 1)).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::IndirectCallToNull, "{tier}");
        let err = via.call(&mut store, (1, 2)).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::TableOutOfBounds, "{tier}");
    }
}

#[test]
fn tail_calls_cost_the_same_fuel_on_every_tier_and_loops_of_them_stop() {
    let mut left = Vec::new();
    for (tier, engine) in every_tier(|c| {
        c.consume_fuel(true);
    }) {
        let (mut store, instance) = instantiate_in(&engine, LOOPS);
        let sum = instance
            .get_typed_func::<(i64, i64), i64>(&store, "sum")
            .unwrap();
        let even = instance.get_typed_func::<i64, i32>(&store, "even").unwrap();
        store.set_fuel(1_000_000).unwrap();
        assert_eq!(sum.call(&mut store, (1000, 0)).unwrap(), 500_500, "{tier}");
        assert_eq!(even.call(&mut store, 1001).unwrap(), 0, "{tier}");
        left.push((tier, store.get_fuel().unwrap()));
        // An endless chain of tail calls has no loop, yet stops.
        store.set_fuel(10_000).unwrap();
        let err = sum.call(&mut store, (i64::MAX, 0)).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::OutOfFuel, "{tier}");
    }
    assert!(
        left.windows(2).all(|w| w[0].1 == w[1].1),
        "fuel left differs across tiers: {left:?}"
    );
}

#[test]
fn a_tail_called_host_function_that_fails_resumes_on_the_interpreter() {
    let engine = Engine::default();
    let module = Module::new(&engine, CALLS_IMPORT).unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("env", "f", |x: i32| -> petrel::Result<i32> {
            Err(Error::msg(format!("ask about {x}")))
        })
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let direct = instance.get_func(&store, "direct").unwrap();
    let mut results = [Val::I32(0)];
    let call = direct
        .call_resumable(&mut store, &[Val::I32(6)], &mut results)
        .unwrap();
    let ResumableCall::HostTrap(trap) = call else {
        panic!("expected a host trap, got {call:?}");
    };
    assert_eq!(trap.host_error().to_string(), "ask about 7");
    let call = trap
        .resume(&mut store, &[Val::I32(99)], &mut results)
        .unwrap();
    assert!(matches!(call, ResumableCall::Finished));
    assert_eq!(results[0].i32(), Some(99));
}

#[test]
fn tail_calls_are_refused_when_switched_off() {
    for (tier, engine) in every_tier(|c| {
        c.wasm_tail_call(false);
    }) {
        let err = Module::new(&engine, LOOPS).unwrap_err();
        assert!(err.to_string().contains("tail call"), "{tier}: {err}");
    }
}
