//! Sharing across threads: engines and modules are `Send + Sync`, and one
//! compiled module runs in many threads at once, each with its own store.

use petrel::{Engine, Instance, Linker, Module, Store};
use std::sync::{Arc, Barrier};

const fn assert_send_sync<T: Send + Sync>() {}
const fn assert_send<T: Send>() {}

const _: () = {
    assert_send_sync::<Engine>();
    assert_send_sync::<Module>();
    assert_send_sync::<petrel::Config>();
    assert_send_sync::<petrel::Linker<()>>();
    assert_send_sync::<petrel::Error>();
    assert_send::<Store<()>>();
};

const WORK: &str = r#"
    (module
      (memory 1)
      (global $calls (mut i32) (i32.const 0))
      (func $fib (export "fib") (param i32) (result i32)
        (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
        (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
          (then (local.get 0))
          (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                         (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
      (func (export "calls") (result i32) global.get $calls)
      ;; Sums 0..n through memory, so every thread's memory is exercised.
      (func (export "sum_via_memory") (param i32) (result i64)
        (local $i i32) (local $acc i64)
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $i) (local.get 0)))
            (i64.store (i32.shl (i32.and (local.get $i) (i32.const 1023)) (i32.const 3))
                       (i64.extend_i32_u (local.get $i)))
            (local.set $acc
              (i64.add (local.get $acc)
                       (i64.load (i32.shl (i32.and (local.get $i) (i32.const 1023))
                                          (i32.const 3)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next)))
        local.get $acc))
"#;

fn fib(n: i32) -> i32 {
    if n < 2 {
        n
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

fn fib_calls(n: i32) -> i32 {
    if n < 2 {
        1
    } else {
        1 + fib_calls(n - 1) + fib_calls(n - 2)
    }
}

fn run_in_threads(engine: &Engine) {
    // Compiled once; with lazy translation the threads race to translate
    // each function on first call.
    let module = Module::new(engine, WORK).unwrap();
    let barrier = Arc::new(Barrier::new(4));
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let module = module.clone();
            let engine = engine.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut store = Store::new(&engine, ());
                let instance = Instance::new(&mut store, &module, &[]).unwrap();
                let fib_f = instance.get_typed_func::<i32, i32>(&store, "fib").unwrap();
                let calls = instance.get_typed_func::<(), i32>(&store, "calls").unwrap();
                let sum = instance
                    .get_typed_func::<i32, i64>(&store, "sum_via_memory")
                    .unwrap();
                barrier.wait();
                let n = 15 + t;
                let mut results = Vec::new();
                for round in 0..3 {
                    results.push(fib_f.call(&mut store, n).unwrap());
                    let count = 100_000 + t * 1000 + round;
                    let s = sum.call(&mut store, count).unwrap();
                    assert_eq!(s, (count as i64) * (count as i64 - 1) / 2);
                }
                (t, results, calls.call(&mut store, ()).unwrap())
            })
        })
        .collect();
    for handle in handles {
        let (t, results, calls) = handle.join().unwrap();
        let n = 15 + t;
        assert_eq!(results, vec![fib(n); 3], "thread {t}");
        // Each store has its own globals: only this thread's calls counted.
        assert_eq!(calls, 3 * fib_calls(n), "thread {t}");
    }
}

#[test]
fn one_module_runs_in_four_threads_with_separate_stores() {
    run_in_threads(&Engine::default());
}

#[test]
fn one_module_runs_in_four_threads_without_lazy_translation() {
    run_in_threads(&crate::engine_with(|c| {
        c.lazy_translation(false);
    }));
}

#[test]
fn linker_with_host_functions_is_shared_across_threads() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "scale" (func $scale (param i32) (result i32)))
             (func (export "run") (param i32) (result i32)
               (i32.add (call $scale (local.get 0)) (i32.const 1))))"#,
    )
    .unwrap();
    let mut linker = Linker::<i32>::new(&engine);
    linker
        .func_wrap(
            "host",
            "scale",
            |caller: petrel::Caller<'_, i32>, x: i32| x * *caller.data(),
        )
        .unwrap();
    let linker = Arc::new(linker);
    let handles: Vec<_> = (1..=4)
        .map(|factor| {
            let (engine, module, linker) = (engine.clone(), module.clone(), linker.clone());
            std::thread::spawn(move || {
                let mut store = Store::new(&engine, factor);
                let instance = linker.instantiate(&mut store, &module).unwrap();
                let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
                (0..1000)
                    .map(|i| run.call(&mut store, i).unwrap())
                    .sum::<i32>()
            })
        })
        .collect();
    for (factor, handle) in (1..=4).zip(handles) {
        let expected: i32 = (0..1000).map(|i| i * factor + 1).sum();
        assert_eq!(handle.join().unwrap(), expected);
    }
}

#[test]
fn a_store_can_move_to_another_thread() {
    let engine = Engine::default();
    let module = Module::new(&engine, WORK).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let fib_f = instance.get_typed_func::<i32, i32>(&store, "fib").unwrap();
    assert_eq!(fib_f.call(&mut store, 10).unwrap(), 55);
    let handle = std::thread::spawn(move || fib_f.call(&mut store, 12).unwrap());
    assert_eq!(handle.join().unwrap(), 144);
}
