//! Tier-up (`Tier::Auto`) by module (`tier_up_per_function(false)`; per
//! function is `tier_up_functions.rs`): a store starts in the interpreter
//! and moves to compiled code once its modules are hot, with interpreter
//! frames still running under compiled ones.
//!
//! Which tier ran a call is seen through the call-depth limit: the
//! interpreter counts Wasm frames against `max_call_depth` (50 here), the
//! JIT runs on the native stack and does not, so `rec(1000)` traps with
//! `StackOverflow` in the interpreter and returns 1000 in compiled code.

use crate::{engine_with, trap_code};
use petrel::{
    Caller, Engine, Func, FuncType, Instance, Linker, Module, ResumableCall, Store, Tier, TrapCode,
    Val, ValType,
};
use std::time::{Duration, Instant};

/// An `Auto` engine that compiles in the foreground (so the move happens
/// at a known call) once a module has had `threshold` calls.
fn auto(threshold: u32) -> Engine {
    engine_with(|c| {
        c.tier(Tier::Auto)
            .tier_up_per_function(false)
            .tier_up_threshold(threshold)
            .tier_up_in_background(false)
            .max_call_depth(50);
    })
}

const REC: &str = r#"(module $m
  (func $rec (export "rec") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (call $rec (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))
  (func $leaf (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  ;; Calls $leaf n times from an interpreter frame, then $rec(depth): the
  ;; frame stays in the interpreter while the store moves under it.
  (func (export "main") (param $n i32) (param $depth i32) (result i32)
    (local $sum i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $sum (i32.add (local.get $sum) (call $leaf (local.get $n))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (i32.add (local.get $sum) (call $rec (local.get $depth))))
  (func $boom (unreachable))
  (func $bad (param i32) (call $boom))
  (func $trap (export "trap") (param $n i32)
    (drop (call $leaf (local.get $n)))
    (drop (call $leaf (local.get $n)))
    (call $bad (local.get $n))))"#;

fn rec_of(store: &mut Store<()>, instance: &Instance, n: i32) -> Result<i32, petrel::Error> {
    instance
        .get_typed_func::<i32, i32>(&*store, "rec")
        .unwrap()
        .call(store, n)
}

fn setup(engine: &Engine) -> (Store<()>, Instance) {
    let module = Module::new(engine, REC).unwrap();
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    (store, instance)
}

#[test]
fn the_interpreter_runs_until_the_threshold_then_compiled_code() {
    // Never hot: the interpreter's depth limit holds.
    let (mut store, instance) = setup(&auto(u32::MAX));
    assert_eq!(rec_of(&mut store, &instance, 10).unwrap(), 10);
    let err = rec_of(&mut store, &instance, 1000).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::StackOverflow);

    // Hot at the 5th call, inside `rec(10)`: its first frames stay in the
    // interpreter, the rest run compiled; later calls run compiled.
    let (mut store, instance) = setup(&auto(5));
    assert_eq!(rec_of(&mut store, &instance, 10).unwrap(), 10);
    assert_eq!(rec_of(&mut store, &instance, 1000).unwrap(), 1000);
}

#[test]
fn an_interpreter_frame_calls_compiled_code_once_the_store_moved() {
    let (mut store, instance) = setup(&auto(20));
    let main = instance
        .get_typed_func::<(i32, i32), i32>(&store, "main")
        .unwrap();
    // One entry: `main` is interpreted, its 30 calls of `leaf` make the
    // module hot, and `rec(1000)` runs compiled under it.
    let sum: i32 = (1..=30).map(|n| n * 3).sum();
    assert_eq!(main.call(&mut store, (30, 1000)).unwrap(), sum + 1000);
    // The same call on the interpreter alone cannot go that deep.
    let (mut store, instance) = setup(&auto(u32::MAX));
    let main = instance
        .get_typed_func::<(i32, i32), i32>(&store, "main")
        .unwrap();
    let err = main.call(&mut store, (30, 1000)).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::StackOverflow);
}

#[test]
fn a_trap_in_compiled_code_lists_the_interpreter_frames_under_it() {
    let frames = |engine: &Engine| {
        let (mut store, instance) = setup(engine);
        let f = instance.get_typed_func::<i32, ()>(&store, "trap").unwrap();
        let err = f.call(&mut store, 1).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::Unreachable);
        err.as_trap().unwrap().backtrace().to_vec()
    };
    let interp = frames(&engine_with(|c| {
        c.tier(Tier::Interpreter);
    }));
    let names: Vec<_> = interp
        .iter()
        .map(|f| f.func_name.as_deref().unwrap_or("?"))
        .collect();
    assert_eq!(names, ["boom", "bad", "trap"]);
    // Hot at `trap`'s second call of `leaf`: `bad` and `boom` run
    // compiled, `trap` in the interpreter.
    assert_eq!(frames(&auto(3)), interp);
    // Everything compiled.
    assert_eq!(frames(&auto(1)), interp);
}

#[test]
fn an_exception_thrown_in_compiled_code_is_caught_by_an_interpreter_frame() {
    let wat = r#"(module
      (tag $e (param i32))
      (func $leaf (param i32) (result i32) (local.get 0))
      (func $thrower (param i32) (throw $e (local.get 0)))
      (func (export "main") (param i32) (result i32)
        (drop (call $leaf (i32.const 0)))
        (drop (call $leaf (i32.const 0)))
        (block $h (result i32)
          (try_table (catch $e $h)
            (call $thrower (local.get 0)))
          (i32.const -1))))"#;
    for threshold in [1, 3, u32::MAX] {
        let engine = auto(threshold);
        let module = Module::new(&engine, wat).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let main = instance.get_typed_func::<i32, i32>(&store, "main").unwrap();
        assert_eq!(main.call(&mut store, 42).unwrap(), 42, "{threshold}");
    }
}

#[test]
fn fuel_is_charged_the_same_whichever_tier_runs_a_call() {
    let used = |engine: &Engine| {
        let (mut store, instance) = setup(engine);
        store.set_fuel(1_000_000).unwrap();
        let main = instance
            .get_typed_func::<(i32, i32), i32>(&store, "main")
            .unwrap();
        main.call(&mut store, (30, 40)).unwrap();
        1_000_000 - store.get_fuel().unwrap()
    };
    let fuel = |tier: Tier, threshold: u32| {
        engine_with(|c| {
            c.tier(tier)
                .tier_up_per_function(false)
                .tier_up_threshold(threshold)
                .tier_up_in_background(false)
                .consume_fuel(true);
        })
    };
    let interp = used(&fuel(Tier::Interpreter, 0));
    assert_eq!(used(&fuel(Tier::Jit, 0)), interp);
    for threshold in [1, 10, 25, u32::MAX] {
        assert_eq!(used(&fuel(Tier::Auto, threshold)), interp, "{threshold}");
    }
    // Running out in compiled code under an interpreter frame traps.
    let (mut store, instance) = setup(&fuel(Tier::Auto, 10));
    store.set_fuel(interp / 2).unwrap();
    let main = instance
        .get_typed_func::<(i32, i32), i32>(&store, "main")
        .unwrap();
    let err = main.call(&mut store, (30, 40)).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::OutOfFuel);
}

#[test]
fn host_calls_and_reentry_work_from_compiled_code() {
    let wat = r#"(module
      (import "host" "twice" (func $twice (param i32) (result i32)))
      (func $leaf (export "leaf") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
      (func (export "main") (param i32) (result i32)
        (drop (call $leaf (i32.const 0)))
        (drop (call $leaf (i32.const 0)))
        (call $twice (local.get 0))))"#;
    let engine = auto(3);
    let module = Module::new(&engine, wat).unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap("host", "twice", |mut caller: Caller<'_, ()>, x: i32| {
            let leaf = caller.get_export("leaf").unwrap().into_func().unwrap();
            let leaf = leaf.typed::<i32, i32>(&caller).unwrap();
            let a = leaf.call(&mut caller, x)?;
            let b = leaf.call(&mut caller, a)?;
            Ok(b)
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let main = instance.get_typed_func::<i32, i32>(&store, "main").unwrap();
    for x in 0..5 {
        assert_eq!(main.call(&mut store, x).unwrap(), x + 2);
    }
}

#[test]
fn an_instance_made_after_the_move_is_compiled_and_callable_both_ways() {
    let engine = auto(1);
    let (mut store, a) = setup(&engine);
    assert_eq!(rec_of(&mut store, &a, 1000).unwrap(), 1000);
    // A new module imports `rec` and exports its own function in a table
    // that the first instance's compiled code reaches through `call_ref`.
    let b = Module::new(
        &engine,
        r#"(module
          (import "a" "rec" (func $rec (param i32) (result i32)))
          (type $t (func (param i32) (result i32)))
          (func $deep (export "deep") (param i32) (result i32)
            (call $rec (local.get 0)))
          (func (export "via_ref") (param i32) (result i32)
            (call_ref $t (local.get 0) (ref.func $deep)))
          (elem declare func $deep))"#,
    )
    .unwrap();
    let rec = a.get_func(&store, "rec").unwrap();
    let b = Instance::new(&mut store, &b, &[rec.into()]).unwrap();
    let via_ref = b.get_typed_func::<i32, i32>(&store, "via_ref").unwrap();
    assert_eq!(via_ref.call(&mut store, 1000).unwrap(), 1000);
    // A host function made after the move, called from compiled code.
    let ty = FuncType::new(&engine, [ValType::I32], [ValType::I32]);
    let host = Func::new(&mut store, ty, |_, args, results| {
        results[0] = Val::I32(args[0].i32().unwrap_or(0) * 2);
        Ok(())
    });
    let c = Module::new(
        &engine,
        r#"(module
          (import "h" "f" (func $f (param i32) (result i32)))
          (func (export "g") (param i32) (result i32) (call $f (local.get 0))))"#,
    )
    .unwrap();
    let c = Instance::new(&mut store, &c, &[host.into()]).unwrap();
    let g = c.get_typed_func::<i32, i32>(&store, "g").unwrap();
    assert_eq!(g.call(&mut store, 21).unwrap(), 42);
}

#[test]
fn a_resumable_call_stays_in_the_interpreter() {
    let engine = engine_with(|c| {
        c.tier(Tier::Auto)
            .tier_up_per_function(false)
            .tier_up_threshold(1)
            .tier_up_in_background(false)
            .max_call_depth(50)
            .consume_fuel(true);
    });
    let (mut store, instance) = setup(&engine);
    store.set_fuel(1_000_000).unwrap();
    // The store moves at this call...
    assert_eq!(rec_of(&mut store, &instance, 1000).unwrap(), 1000);
    let rec = instance.get_func(&store, "rec").unwrap();
    let mut results = [Val::I32(0)];
    // ...but a resumable call is the interpreter's, depth limit included,
    store.set_fuel(1_000_000).unwrap();
    let err = rec
        .call_resumable(&mut store, &[Val::I32(1000)], &mut results)
        .unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::StackOverflow);
    // and it suspends when the fuel runs out, then finishes.
    store.set_fuel(50).unwrap();
    let mut call = rec
        .call_resumable(&mut store, &[Val::I32(40)], &mut results)
        .unwrap();
    let mut suspensions = 0;
    while let ResumableCall::OutOfFuel(suspended) = call {
        suspensions += 1;
        store.set_fuel(50).unwrap();
        call = suspended.resume(&mut store, &mut results).unwrap();
    }
    assert!(suspensions > 0);
    assert_eq!(results[0].i32(), Some(40));
    // Plain calls still run compiled code.
    store.set_fuel(1_000_000).unwrap();
    assert_eq!(rec_of(&mut store, &instance, 1000).unwrap(), 1000);
}

/// Calls `export` of `wat` on `engine` (with epochs) with a deadline
/// another thread reaches after 50 ms; the call must be interrupted.
fn interrupted(engine: &Engine, wat: &str, export: &str) -> (petrel::Error, petrel::TierUpStats) {
    let module = Module::new(engine, wat).unwrap();
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    store.set_epoch_deadline(1);
    let ticker = {
        let engine = engine.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            engine.increment_epoch();
        })
    };
    let f = instance.get_typed_func::<(), ()>(&store, export).unwrap();
    let err = f.call(&mut store, ()).unwrap_err();
    ticker.join().unwrap();
    assert_eq!(trap_code(&err), TrapCode::Interrupt);
    (err, store.tier_up_stats())
}

#[test]
fn an_epoch_deadline_stops_compiled_code_under_an_interpreter_frame() {
    let wat = r#"(module
      (func $leaf (param i32) (result i32) (local.get 0))
      (func $spin (loop br 0))
      (func (export "main")
        (drop (call $leaf (i32.const 0)))
        (drop (call $leaf (i32.const 0)))
        (call $spin)))"#;
    let engine = engine_with(|c| {
        c.tier(Tier::Auto)
            .tier_up_per_function(false)
            .tier_up_threshold(3)
            .tier_up_in_background(false)
            .epoch_interruption(true);
    });
    let (err, _) = interrupted(&engine, wat, "main");
    let names: Vec<_> = err
        .as_trap()
        .unwrap()
        .backtrace()
        .iter()
        .map(|f| f.func_index)
        .collect();
    assert_eq!(names, [1, 2]);
}

#[test]
fn in_the_background_the_store_moves_once_the_code_is_ready() {
    let engine = engine_with(|c| {
        c.tier(Tier::Auto)
            .tier_up_per_function(false)
            .tier_up_threshold(1)
            .max_call_depth(50);
    });
    let module = Module::new(&engine, REC).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    // Interpreted (too deep) until the background compile is done; a
    // minute is far more than a module this small takes.
    let start = Instant::now();
    loop {
        match rec_of(&mut store, &instance, 1000) {
            Ok(v) => {
                assert_eq!(v, 1000);
                break;
            }
            Err(e) => assert_eq!(trap_code(&e), TrapCode::StackOverflow),
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the store never moved to compiled code"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    // A second store of the engine starts on the module's code at its
    // first call.
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    assert_eq!(rec_of(&mut store, &instance, 1000).unwrap(), 1000);
}

/// A module with more function code than the JIT compiles on one thread
/// (32 KiB): tier-up spreads it over the machine's cores, the last of them
/// joining late (`compile_module_on`), and every function's code is
/// there, called through a table by a loop.
#[test]
fn a_large_module_compiled_on_several_threads_runs_each_function() {
    let mut wat = String::from("(module (type $t (func (param i32) (result i32)))\n");
    let funcs = 300;
    for k in 0..funcs {
        wat.push_str(&format!(
            "(func $f{k} (param i32) (result i32) (local.get 0)"
        ));
        for j in 0..20 {
            wat.push_str(&format!(
                " (i32.const {}) i32.add (i32.const 3) i32.mul",
                k * 31 + j
            ));
        }
        wat.push_str(")\n");
    }
    let names: Vec<String> = (0..funcs).map(|k| format!("$f{k}")).collect();
    wat.push_str(&format!(
        "(table {funcs} funcref) (elem (i32.const 0) func {})\n",
        names.join(" ")
    ));
    wat.push_str(&format!(
        r#"(func (export "main") (result i32) (local $k i32) (local $acc i32)
             (loop $l
               (local.set $acc (call_indirect (type $t) (local.get $acc) (local.get $k)))
               (local.set $k (i32.add (local.get $k) (i32.const 1)))
               (br_if $l (i32.lt_u (local.get $k) (i32.const {funcs}))))
             (local.get $acc)))"#
    ));
    let run = |engine: &Engine| {
        let module = Module::new(engine, &wat).unwrap();
        let mut store = Store::new(engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let main = instance.get_typed_func::<(), i32>(&store, "main").unwrap();
        let first = main.call(&mut store, ()).unwrap();
        assert_eq!(main.call(&mut store, ()).unwrap(), first);
        (first, store.tier_up_stats().compiled)
    };
    let (want, _) = run(&engine_with(|c| {
        c.tier(Tier::Interpreter);
    }));
    assert_eq!(run(&auto(1)), (want, true));
}

// ---- On-stack replacement: a frame moves into compiled code at a loop.

/// Loops of every shape: `sum` (one loop, locals of every scalar type and
/// a `v128`), `nested` (the hot loop inside another), `skips` (an
/// ineligible loop, with a value under it, before the hot one, so the
/// ordinals must agree), `grows` (grows memory in the loop, read by the
/// interpreter frame after), `traps` (traps after its loop).
const LOOPS: &str = r#"(module $loops
  (memory (export "mem") 1)
  (func $sum (export "sum") (param $n i32) (result i64)
    (local $acc i64) (local $f f64) (local $g f32) (local $v v128)
    (local.set $v (v128.const i32x4 1 2 3 4))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $n))))
        (local.set $f (f64.add (local.get $f) (f64.const 0.5)))
        (local.set $g (f32.add (local.get $g) (f32.const 1)))
        (local.set $v (i32x4.add (local.get $v) (v128.const i32x4 1 1 1 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (i64.add (local.get $acc)
      (i64.add (i64.trunc_f64_s (local.get $f))
        (i64.add (i64.trunc_f32_s (local.get $g))
          (i64.extend_i32_u (i32x4.extract_lane 3 (local.get $v)))))))
  (func (export "nested") (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $acc i32)
    (block $outer_done
      (loop $outer
        (br_if $outer_done (i32.ge_u (local.get $i) (i32.const 3)))
        (local.set $j (i32.const 0))
        (block $inner_done
          (loop $inner
            (br_if $inner_done (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get $i) (local.get $j))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $inner)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (local.get $acc))
  (func (export "skips") (param $n i32) (result i32)
    (local $k i32)
    ;; A value under this loop: no entry here.
    (i32.const 7)
    (loop $l (result i32)
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $k) (i32.const 3)))
      (local.get $k))
    (i32.add)
    (local.set $k)
    (block $done
      (loop $hot
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $k (i32.add (local.get $k) (i32.const 2)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $hot)))
    (local.get $k))
  (func (export "grows") (param $n i32) (result i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (if (i32.eq (local.get $n) (i32.const 5000))
          (then (drop (memory.grow (i32.const 2)))))
        (i32.store (i32.const 100) (i32.add (i32.load (i32.const 100)) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    ;; Past the first page: only there once the loop grew the memory.
    (i32.store (i32.const 70000) (i32.const 9))
    (i32.add (i32.load (i32.const 100)) (memory.size)))
  (func $traps (export "traps") (param $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (unreachable))
  (func (export "calls_traps") (param $n i32) (call $traps (local.get $n))))"#;

fn loops(engine: &Engine) -> (Store<()>, Instance) {
    let module = Module::new(engine, LOOPS).unwrap();
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    (store, instance)
}

/// Every export of `LOOPS` on an engine `make` makes, a new one for each
/// (so each starts interpreted): results, traps and backtraces, and how
/// many frames moved at a loop.
fn loop_transcript(make: impl Fn() -> Engine) -> (Vec<String>, u64) {
    let mut out = Vec::new();
    let mut moved = 0;
    let mut run = |f: &dyn Fn(&mut Store<()>, &Instance) -> String| {
        let (mut store, instance) = loops(&make());
        out.push(f(&mut store, &instance));
        moved += store.tier_up_stats().loop_entries;
    };
    run(&|store, instance| {
        let sum = instance.get_typed_func::<i32, i64>(&*store, "sum").unwrap();
        format!("{:?}", sum.call(store, 100_000))
    });
    run(&|store, instance| {
        let f = instance
            .get_typed_func::<i32, i32>(&*store, "nested")
            .unwrap();
        format!("{:?}", f.call(store, 20_000))
    });
    run(&|store, instance| {
        let f = instance
            .get_typed_func::<i32, i32>(&*store, "skips")
            .unwrap();
        format!("{:?}", f.call(store, 50_000))
    });
    run(&|store, instance| {
        let f = instance
            .get_typed_func::<i32, i32>(&*store, "grows")
            .unwrap();
        format!("{:?}", f.call(store, 20_000))
    });
    run(&|store, instance| {
        let f = instance
            .get_typed_func::<i32, ()>(&*store, "calls_traps")
            .unwrap();
        let err = f.call(store, 50_000).unwrap_err();
        let trap = err.as_trap().unwrap();
        let frames: Vec<_> = trap.backtrace().iter().map(|f| f.func_index).collect();
        format!("{:?} {frames:?}", trap.code())
    });
    (out, moved)
}

#[test]
fn a_frame_moves_into_compiled_code_at_a_hot_loop() {
    let (interp, entries) = loop_transcript(|| {
        engine_with(|c| {
            c.tier(Tier::Interpreter);
        })
    });
    assert_eq!(entries, 0);
    assert_eq!(interp[4], "Unreachable [4, 5]");
    // Never hot: the same, all interpreted.
    assert_eq!(loop_transcript(|| auto(u32::MAX)), (interp.clone(), 0));
    // Hot within each function's loop: its frame moves there, with the
    // values the interpreter gave its locals.
    let (moved, entries) = loop_transcript(|| auto(5_000));
    assert_eq!(moved, interp);
    assert_eq!(entries, 5, "{moved:?}");
    // The same with explicit checks instead of signals (no guard pages:
    // the twin's bounds checks and trap records are its own).
    let explicit = || {
        engine_with(|c| {
            c.tier(Tier::Auto)
                .tier_up_per_function(false)
                .tier_up_threshold(5_000)
                .tier_up_in_background(false)
                .signals_based_traps(false);
        })
    };
    assert_eq!(loop_transcript(explicit), (interp.clone(), 5));
    // Hot at once: calls from the host run compiled code, nothing moves.
    assert_eq!(loop_transcript(|| auto(1)), (interp, 0));
}

#[test]
fn fuel_and_epochs_hold_across_a_move_at_a_loop() {
    let used = |engine: &Engine| {
        let (mut store, instance) = loops(engine);
        store.set_fuel(u64::MAX / 2).unwrap();
        let sum = instance.get_typed_func::<i32, i64>(&store, "sum").unwrap();
        sum.call(&mut store, 100_000).unwrap();
        (
            u64::MAX / 2 - store.get_fuel().unwrap(),
            store.tier_up_stats().loop_entries,
        )
    };
    let fuel = |tier: Tier, threshold: u32| {
        engine_with(|c| {
            c.tier(tier)
                .tier_up_per_function(false)
                .tier_up_threshold(threshold)
                .tier_up_in_background(false)
                .consume_fuel(true);
        })
    };
    let (interp, _) = used(&fuel(Tier::Interpreter, 0));
    assert_eq!(used(&fuel(Tier::Auto, 5_000)), (interp, 1));
    // Out of fuel in the twin: a trap, listing the function once.
    let (mut store, instance) = loops(&fuel(Tier::Auto, 5_000));
    store.set_fuel(interp / 2).unwrap();
    let sum = instance.get_typed_func::<i32, i64>(&store, "sum").unwrap();
    let err = sum.call(&mut store, 100_000).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::OutOfFuel);
    assert_eq!(err.as_trap().unwrap().backtrace().len(), 1);
    assert_eq!(store.tier_up_stats().loop_entries, 1);

    // A deadline reached in the twin interrupts it.
    let engine = engine_with(|c| {
        c.tier(Tier::Auto)
            .tier_up_per_function(false)
            .tier_up_threshold(5_000)
            .tier_up_in_background(false)
            .epoch_interruption(true);
    });
    let wat = r#"(module (func (export "spin") (loop br 0)))"#;
    let (_, stats) = interrupted(&engine, wat, "spin");
    assert_eq!(stats.loop_entries, 1);
}

#[test]
fn exceptions_leave_a_twin_for_its_handlers_and_its_callers() {
    let wat = r#"(module
      (tag $e (param i32))
      ;; Throws from inside its hot loop; its own try_table catches.
      (func $inner (export "inner") (param $n i32) (result i32)
        (block $h (result i32)
          (try_table (catch $e $h)
            (block $done
              (loop $next
                (br_if $done (i32.eqz (local.get $n)))
                (if (i32.eq (local.get $n) (i32.const 7))
                  (then (throw $e (i32.const 41))))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br $next))))
          (i32.const -1))
        (i32.const 1)
        (i32.add))
      ;; Throws from its hot loop; the interpreter frame calling it catches.
      (func $thrower (param $n i32)
        (block $done
          (loop $next
            (br_if $done (i32.eqz (local.get $n)))
            (if (i32.eq (local.get $n) (i32.const 7))
              (then (throw $e (local.get $n))))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br $next))))
      (func (export "outer") (param $n i32) (result i32)
        (block $h (result i32)
          (try_table (catch $e $h)
            (call $thrower (local.get $n)))
          (i32.const -1))))"#;
    for (threshold, moves) in [(u32::MAX, 0), (5_000, 1)] {
        for (name, expected) in [("inner", 42), ("outer", 7)] {
            let engine = auto(threshold);
            let module = Module::new(&engine, wat).unwrap();
            let mut store = Store::new(&engine, ());
            let instance = Instance::new(&mut store, &module, &[]).unwrap();
            let f = instance.get_typed_func::<i32, i32>(&store, name).unwrap();
            assert_eq!(f.call(&mut store, 100_000).unwrap(), expected, "{name}");
            assert_eq!(
                store.tier_up_stats().loop_entries,
                moves,
                "{name} {threshold}"
            );
        }
    }
}
