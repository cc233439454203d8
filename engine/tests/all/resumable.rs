//! Resumable calls: on the interpreter a call that runs out of fuel, or
//! whose host function fails with a host error, is suspended and goes on
//! where it stopped; the JIT fails such a call instead.

use crate::{engine_with, trap_code};
use petrel::{
    Caller, Engine, Error, Linker, Module, ResumableCall, Store, Tier, TrapCode, Val, ValType,
};

fn interp_with_fuel() -> Engine {
    engine_with(|c| {
        c.consume_fuel(true);
    })
}

/// `sum(n)`: 1 + 2 + ... + n, in a loop that needs fuel every iteration,
/// with a recursive helper so suspended calls have several frames.
const SUM: &str = r#"(module
  (func $sum (export "sum") (param i32) (result i64) (local i64)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get 0)))
        (local.set 1 (i64.add (local.get 1) (i64.extend_i32_u (local.get 0))))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $next)))
    (local.get 1))
  (func $nested (export "nested") (param i32) (result i64)
    (if (result i64) (i32.eqz (local.get 0))
      (then (call $sum (i32.const 1000)))
      (else (i64.add (i64.const 1) (call $nested (i32.sub (local.get 0) (i32.const 1))))))))"#;

#[test]
fn a_call_out_of_fuel_resumes_where_it_stopped_until_it_finishes() {
    let engine = interp_with_fuel();
    let module = Module::new(&engine, SUM).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let nested = instance.get_func(&store, "nested").unwrap();
    let mut results = [Val::I64(0)];
    store.set_fuel(100).unwrap();
    let mut call = nested
        .call_resumable(&mut store, &[Val::I32(20)], &mut results)
        .unwrap();
    let mut suspensions = 0;
    loop {
        match call {
            ResumableCall::Finished => break,
            ResumableCall::OutOfFuel(out) => {
                suspensions += 1;
                assert!(out.required_fuel() > 0);
                // The store is usable meanwhile: another call runs in it.
                store.set_fuel(10_000).unwrap();
                let sum = instance.get_typed_func::<i32, i64>(&store, "sum").unwrap();
                assert_eq!(sum.call(&mut store, 10).unwrap(), 55);
                store.set_fuel(100).unwrap();
                call = out.resume(&mut store, &mut results).unwrap();
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(suspensions > 10, "{suspensions}");
    assert_eq!(results[0].i64(), Some(500_500 + 20));
}

#[test]
fn a_host_error_suspends_the_call_and_resumes_with_the_hosts_results() {
    let wat = r#"(module
      (import "host" "ask" (func $ask (param i32) (result i32)))
      (func (export "run") (param i32) (result i32)
        (i32.add (call $ask (local.get 0)) (i32.const 1000))))"#;
    let engine = Engine::default();
    let module = Module::new(&engine, wat).unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap(
            "host",
            "ask",
            |_: Caller<'_, ()>, x: i32| -> petrel::Result<i32> {
                Err(Error::msg(format!("ask the host about {x}")))
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_func(&store, "run").unwrap();
    let mut results = [Val::I32(0)];
    let call = run
        .call_resumable(&mut store, &[Val::I32(7)], &mut results)
        .unwrap();
    let ResumableCall::HostTrap(trap) = call else {
        panic!("expected a host trap, got {call:?}");
    };
    assert_eq!(trap.host_error().to_string(), "ask the host about 7");
    assert_eq!(
        trap.host_func().ty(&store).results().collect::<Vec<_>>(),
        [ValType::I32]
    );
    let call = trap
        .resume(&mut store, &[Val::I32(42)], &mut results)
        .unwrap();
    assert!(matches!(call, ResumableCall::Finished));
    assert_eq!(results[0].i32(), Some(1042));
}

#[test]
fn a_plain_call_still_fails_with_the_host_error() {
    let wat = r#"(module
      (import "host" "fail" (func $fail))
      (func (export "run") call $fail))"#;
    let engine = Engine::default();
    let module = Module::new(&engine, wat).unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap("host", "fail", || -> petrel::Result<()> {
            Err(Error::msg("no"))
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_func(&store, "run").unwrap();
    let err = run.call(&mut store, &[], &mut []).unwrap_err();
    assert_eq!(err.to_string(), "no");
}

#[test]
fn a_resumable_call_on_the_jit_fails_instead() {
    let engine = engine_with(|c| {
        c.tier(Tier::Jit).consume_fuel(true);
    });
    let module = Module::new(&engine, SUM).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let sum = instance.get_func(&store, "sum").unwrap();
    let mut results = [Val::I64(0)];
    store.set_fuel(100).unwrap();
    let err = sum
        .call_resumable(&mut store, &[Val::I32(1000)], &mut results)
        .unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::OutOfFuel);
    store.set_fuel(1_000_000).unwrap();
    let call = sum
        .call_resumable(&mut store, &[Val::I32(1000)], &mut results)
        .unwrap();
    assert!(matches!(call, ResumableCall::Finished));
    assert_eq!(results[0].i64(), Some(500_500));
}

#[test]
fn a_suspended_call_is_refused_by_another_store() {
    let engine = interp_with_fuel();
    let module = Module::new(&engine, SUM).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let sum = instance.get_func(&store, "sum").unwrap();
    let mut results = [Val::I64(0)];
    store.set_fuel(10).unwrap();
    let ResumableCall::OutOfFuel(out) = sum
        .call_resumable(&mut store, &[Val::I32(1000)], &mut results)
        .unwrap()
    else {
        panic!("expected to run out of fuel");
    };
    let mut other = Store::new(&engine, ());
    other.set_fuel(1_000_000).unwrap();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        out.resume(&mut other, &mut results)
    }));
    // The function handle belongs to the first store: refused either by
    // the handle check (a panic, as for any foreign handle) or the
    // suspension's own store check (an error).
    assert!(matches!(result, Err(_) | Ok(Err(_))));
}
