//! `Config::lazy_translation`: translating every function up front must
//! behave exactly like translating on first call.

use crate::{engine_with, instantiate_in, trap_code};
use petrel::{Caller, Engine, Error, Linker, Module, Store, TrapCode};

fn eager() -> Engine {
    engine_with(|c| {
        c.lazy_translation(false);
    })
}

fn lazy() -> Engine {
    engine_with(|c| {
        c.lazy_translation(true);
    })
}

const PROGRAM: &str = r#"
    (module $program
      (import "host" "log" (func $log (param i32)))
      (memory (export "memory") 1)
      (table 3 funcref)
      (elem (i32.const 0) $fib $fac $boom)
      (func $fib (param i32) (result i32)
        (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
          (then (local.get 0))
          (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                         (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
      (func $fac (param i32) (result i32)
        (local $acc i32)
        (local.set $acc (i32.const 1))
        (block $done
          (loop $next
            (br_if $done (i32.eqz (local.get 0)))
            (local.set $acc (i32.mul (local.get $acc) (local.get 0)))
            (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
            (br $next)))
        local.get $acc)
      (func $boom (param i32) (result i32)
        (i32.div_s (local.get 0) (i32.const 0)))
      (func $dispatch (export "dispatch") (param i32 i32) (result i32)
        (call $log (local.get 0))
        (call_indirect (param i32) (result i32) (local.get 1) (local.get 0)))
      (func (export "never_called") (result i64)
        (i64.const 1) (i64.const 2) i64.add)
      (func (export "br_table") (param i32) (result i32)
        (block $c (block $b (block $a
          (br_table $a $b $c (local.get 0)))
          (return (i32.const 10)))
          (return (i32.const 20)))
        i32.const 30))
"#;

fn check_program(engine: &Engine) {
    let module = Module::new(engine, PROGRAM).unwrap();
    let mut linker = Linker::<Vec<i32>>::new(engine);
    linker
        .func_wrap("host", "log", |mut c: Caller<'_, Vec<i32>>, x: i32| {
            c.data_mut().push(x)
        })
        .unwrap();
    let mut store = Store::new(engine, Vec::new());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let dispatch = instance
        .get_typed_func::<(i32, i32), i32>(&store, "dispatch")
        .unwrap();
    assert_eq!(dispatch.call(&mut store, (0, 20)).unwrap(), 6765);
    assert_eq!(dispatch.call(&mut store, (1, 10)).unwrap(), 3_628_800);
    let err = dispatch.call(&mut store, (2, 1)).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::IntegerDivideByZero);
    let names: Vec<_> = err
        .as_trap()
        .unwrap()
        .backtrace()
        .iter()
        .map(|f| f.func_name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names, ["boom", "dispatch"]);
    assert_eq!(store.data(), &[0, 1, 2]);
    let br_table = instance
        .get_typed_func::<i32, i32>(&store, "br_table")
        .unwrap();
    let got: Vec<i32> = (0..5)
        .map(|i| br_table.call(&mut store, i).unwrap())
        .collect();
    assert_eq!(got, [10, 20, 30, 30, 30]);
}

#[test]
fn eager_translation_runs_a_program_correctly() {
    check_program(&eager());
}

#[test]
fn lazy_translation_runs_a_program_correctly() {
    check_program(&lazy());
}

#[test]
fn invalid_body_is_rejected_up_front_under_both_settings() {
    // The bad function is never called: validation, not translation, must
    // catch it.
    for engine in [eager(), lazy()] {
        let err = Module::new(
            &engine,
            r#"(module
                 (func (export "ok") (result i32) i32.const 1)
                 (func (result i32) i64.const 1))"#,
        )
        .unwrap_err();
        assert!(matches!(err, Error::Compile(_)), "{err:?}");
    }
}

#[test]
fn eager_translation_instances_share_one_compiled_module() {
    let engine = eager();
    let module = Module::new(
        &engine,
        r#"(module
             (global $g (mut i32) (i32.const 0))
             (func (export "inc") (result i32)
               (global.set $g (i32.add (global.get $g) (i32.const 1)))
               global.get $g))"#,
    )
    .unwrap();
    for _ in 0..3 {
        let mut store = Store::new(&engine, ());
        let instance = petrel::Instance::new(&mut store, &module, &[]).unwrap();
        let inc = instance.get_typed_func::<(), i32>(&store, "inc").unwrap();
        assert_eq!(inc.call(&mut store, ()).unwrap(), 1);
        assert_eq!(inc.call(&mut store, ()).unwrap(), 2);
    }
}

#[test]
fn eager_translation_handles_deep_recursion_and_limits() {
    let engine = engine_with(|c| {
        c.lazy_translation(false).max_call_depth(50);
    });
    let (mut store, instance) = instantiate_in(
        &engine,
        r#"(module
             (func $r (export "r") (param i32) (result i32)
               (if (result i32) (i32.eqz (local.get 0))
                 (then (i32.const 0))
                 (else (i32.add (call $r (i32.sub (local.get 0) (i32.const 1)))
                                (i32.const 1))))))"#,
    );
    let r = instance.get_typed_func::<i32, i32>(&store, "r").unwrap();
    assert_eq!(r.call(&mut store, 40).unwrap(), 40);
    let err = r.call(&mut store, 100).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::StackOverflow);
}
