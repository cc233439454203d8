//! Per-function tier-up (`Config::tier_up_per_function`): hot functions
//! are compiled in batches, cold ones never, and stacks alternate between
//! the tiers both ways: the interpreter calls compiled functions, compiled
//! code calls the rest through bridges into the interpreter.
//!
//! Frames are named so that backtraces can be compared with the
//! interpreter's, which is the reference: every frame listed, in order,
//! whichever tier ran it.

use crate::{engine_with, trap_code};
use petrel::{Engine, Instance, Linker, Module, Store, Tier, TrapCode};
use std::time::Duration;

/// A per-function `Auto` engine compiling in the foreground, so a
/// function gets code at its `threshold`-th call or loop iteration; `more`
/// sets anything else.
fn per_function(threshold: u32, more: impl FnOnce(&mut petrel::Config)) -> Engine {
    engine_with(|c| {
        c.tier(Tier::Auto)
            .tier_up_per_function(true)
            .tier_up_threshold(threshold)
            .tier_up_in_background(false);
        more(c);
    })
}

/// Makes a function too big to be inlined (the JIT inlines bodies of at
/// most 64 bytes, and a batch holds the small functions its members call
/// directly): where it stands in a test's text, 80 `nop`s.
const PAD: &str = "PAD";

fn instantiate(engine: &Engine, wat: &str) -> (Store<()>, Instance) {
    let wat = wat.replace(PAD, &"nop ".repeat(80));
    let module = Module::new(engine, wat).unwrap();
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    (store, instance)
}

/// `outer` and `inner` are made hot by calls that stop early (`0`); with
/// `1`, `outer` goes down through `mid` and `inner` to `leaf`, which
/// traps: compiled, interpreted, compiled, interpreted.
const LADDER: &str = r#"(module
  (func $leaf (param i32) (result i32)
    PAD
    (if (i32.eq (local.get 0) (i32.const 1)) (then unreachable))
    (i32.const 7))
  (func $inner (export "inner") (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (i32.add (call $leaf (local.get 0)) (i32.const 1)))
      (else (i32.const 0))))
  (func $mid (param i32) (result i32)
    PAD
    (i32.add (call $inner (local.get 0)) (i32.const 10)))
  (func $outer (export "outer") (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (i32.add (call $mid (local.get 0)) (i32.const 100)))
      (else (i32.const 0)))))"#;

fn ladder(engine: &Engine, warm_calls: u32) -> (Store<()>, Instance) {
    let (mut store, instance) = instantiate(engine, LADDER);
    let outer = instance
        .get_typed_func::<i32, i32>(&store, "outer")
        .unwrap();
    let inner = instance
        .get_typed_func::<i32, i32>(&store, "inner")
        .unwrap();
    for _ in 0..warm_calls {
        assert_eq!(outer.call(&mut store, 0).unwrap(), 0);
        assert_eq!(inner.call(&mut store, 0).unwrap(), 0);
    }
    (store, instance)
}

#[test]
fn only_the_hot_functions_are_compiled() {
    let engine = per_function(10, |_| {});
    let (mut store, instance) = ladder(&engine, 10);
    let stats = store.tier_up_stats();
    assert!(stats.compiled);
    assert_eq!(stats.functions_compiled, 2, "outer and inner");
    // With `2`, `leaf` returns: compiled, interpreted, compiled,
    // interpreted, and back.
    let outer = instance
        .get_typed_func::<i32, i32>(&store, "outer")
        .unwrap();
    assert_eq!(outer.call(&mut store, 2).unwrap(), 118);
    assert_eq!(store.tier_up_stats().functions_compiled, 2);
    // Nothing is compiled before a function is hot.
    let (store, _) = ladder(
        &engine_with(|c| {
            c.tier(Tier::Auto)
                .tier_up_per_function(true)
                .tier_up_threshold(100)
                .tier_up_in_background(false);
        }),
        10,
    );
    assert_eq!(store.tier_up_stats().functions_compiled, 0);
    assert!(!store.tier_up_stats().compiled);
}

#[test]
fn a_trap_lists_every_frame_whichever_tier_runs_it() {
    let backtrace = |engine: &Engine, warm: u32| {
        let (mut store, instance) = ladder(engine, warm);
        let outer = instance
            .get_typed_func::<i32, i32>(&store, "outer")
            .unwrap();
        let err = outer.call(&mut store, 1).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::Unreachable);
        let trap = err.as_trap().unwrap();
        assert_eq!(trap.elided_frames(), 0);
        trap.backtrace()
            .iter()
            .map(|f| f.func_name.clone().unwrap_or_default())
            .collect::<Vec<_>>()
    };
    let interp = backtrace(
        &engine_with(|c| {
            c.tier(Tier::Interpreter);
        }),
        3,
    );
    assert_eq!(interp, ["leaf", "inner", "mid", "outer"]);
    // `outer` and `inner` compiled, `mid` and `leaf` interpreted; with
    // signal-based traps and with explicit checks.
    for signals in [true, false] {
        let engine = per_function(3, |c| {
            c.signals_based_traps(signals);
        });
        let (store, _) = ladder(&engine, 3);
        assert_eq!(store.tier_up_stats().functions_compiled, 2);
        assert_eq!(backtrace(&engine, 3), interp, "signals: {signals}");
    }
    // Everything compiled as it is entered.
    assert_eq!(backtrace(&per_function(1, |_| {}), 0), interp);
}

#[test]
fn exceptions_cross_bridges_both_ways() {
    let wat = r#"(module
      (tag $e (param i32))
      (func $throw (param i32) PAD (throw $e (local.get 0)))
      ;; Compiled (hot from calls with 0), catching what `throw` throws in
      ;; the interpreter.
      (func (export "catcher") (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $e $h)
            (if (local.get 0) (then (call $throw (local.get 0)))))
          (i32.const -1)))
      ;; Compiled, throwing through a bridged caller.
      (func $hot_throw (export "hot_throw") (param i32)
        (if (local.get 0) (then (throw $e (local.get 0)))))
      ;; Cold: catches in the interpreter what compiled code throws.
      (func (export "cold_catcher") (param i32) (result i32)
        PAD
        (block $h (result i32)
          (try_table (catch $e $h)
            (call $hot_throw (local.get 0)))
          (i32.const -1)))
      ;; Cold, with no handler: what compiled `hot_throw` throws goes
      ;; through it, in the interpreter, to compiled `outer_catcher`.
      (func $passes (param i32) PAD (call $hot_throw (local.get 0)))
      (func (export "outer_catcher") (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $e $h)
            (if (local.get 0) (then (call $passes (local.get 0)))))
          (i32.const -1))))"#;
    let engine = per_function(3, |_| {});
    let (mut store, instance) = instantiate(&engine, wat);
    let catcher = instance
        .get_typed_func::<i32, i32>(&store, "catcher")
        .unwrap();
    let hot_throw = instance
        .get_typed_func::<i32, ()>(&store, "hot_throw")
        .unwrap();
    let cold = instance
        .get_typed_func::<i32, i32>(&store, "cold_catcher")
        .unwrap();
    let outer = instance
        .get_typed_func::<i32, i32>(&store, "outer_catcher")
        .unwrap();
    for _ in 0..3 {
        assert_eq!(catcher.call(&mut store, 0).unwrap(), -1);
        hot_throw.call(&mut store, 0).unwrap();
        assert_eq!(outer.call(&mut store, 0).unwrap(), -1);
    }
    assert_eq!(store.tier_up_stats().functions_compiled, 3);
    for x in [5, 6, 7] {
        assert_eq!(catcher.call(&mut store, x).unwrap(), x);
        assert_eq!(cold.call(&mut store, x).unwrap(), x);
        assert_eq!(outer.call(&mut store, x).unwrap(), x);
    }
    // Uncaught, through both tiers, to the host.
    let err = hot_throw.call(&mut store, 9).unwrap_err();
    assert!(err.to_string().contains("exception"), "{err}");
}

/// The function indices of a trap's backtrace, innermost first.
fn frame_indices(err: &petrel::Error) -> Vec<u32> {
    err.as_trap()
        .unwrap()
        .backtrace()
        .iter()
        .map(|f| f.func_index)
        .collect()
}

/// `spin` never returns: called from compiled `main`, it runs in the
/// interpreter until its own loop gets it compiled (a twin at the loop
/// header), then in compiled code.
const SPIN: &str = r#"(module
  (func $spin (param i32) PAD (loop br 0))
  (func $main (export "main") (param i32)
    (if (local.get 0) (then (call $spin (local.get 0))))))"#;

#[test]
fn fuel_runs_out_on_either_side_of_a_bridge() {
    // Threshold 3: `spin` gets code at its first look at tier-up and runs
    // out in its twin. 50,000: it runs out in the interpreter first.
    for (threshold, fuel) in [(3, 1_000_000), (50_000, 20_000)] {
        let engine = per_function(threshold, |c| {
            c.consume_fuel(true);
        });
        let (mut store, instance) = instantiate(&engine, SPIN);
        store.set_fuel(u64::MAX / 2).unwrap();
        let main = instance.get_typed_func::<i32, ()>(&store, "main").unwrap();
        for _ in 0..threshold {
            main.call(&mut store, 0).unwrap();
        }
        assert_eq!(store.tier_up_stats().functions_compiled, 1);
        store.set_fuel(fuel).unwrap();
        let err = main.call(&mut store, 1).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::OutOfFuel);
        assert_eq!(frame_indices(&err), [0, 1], "{threshold}");
        assert_eq!(store.get_fuel().unwrap(), 0);
        let spun = if threshold == 3 { 2 } else { 1 };
        assert_eq!(
            store.tier_up_stats().functions_compiled,
            spun,
            "{threshold}"
        );
        // The store goes on.
        store.set_fuel(1_000).unwrap();
        main.call(&mut store, 0).unwrap();
    }
}

#[test]
fn an_epoch_deadline_stops_an_interpreted_callee_of_compiled_code() {
    let engine = per_function(3, |c| {
        c.epoch_interruption(true);
    });
    let (mut store, instance) = instantiate(&engine, SPIN);
    store.set_epoch_deadline(1);
    let main = instance.get_typed_func::<i32, ()>(&store, "main").unwrap();
    for _ in 0..3 {
        main.call(&mut store, 0).unwrap();
    }
    let ticker = {
        let engine = engine.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            engine.increment_epoch();
        })
    };
    let err = main.call(&mut store, 1).unwrap_err();
    ticker.join().unwrap();
    assert_eq!(trap_code(&err), TrapCode::Interrupt);
    assert_eq!(frame_indices(&err), [0, 1]);
}

#[test]
fn recursion_alternating_between_the_tiers_returns_or_overflows() {
    // `even` and `odd` call each other; `even` is hot before the deep call,
    // `odd` gets hot during it (a batch compiled with both tiers' frames on
    // the stack, entries re-pointed under running compiled frames).
    let wat = r#"(module
      (func $even (export "even") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0))
          (then (i32.const 1))
          (else (call $odd (i32.sub (local.get 0) (i32.const 1))))))
      (func $odd (param i32) (result i32)
        PAD
        (if (result i32) (i32.eqz (local.get 0))
          (then (i32.const 0))
          (else (call $even (i32.sub (local.get 0) (i32.const 1))))))
      (func $forever (export "forever") (call $forever2))
      (func $forever2 PAD (call $forever)))"#;
    let engine = per_function(50, |_| {});
    let (mut store, instance) = instantiate(&engine, wat);
    let even = instance.get_typed_func::<i32, i32>(&store, "even").unwrap();
    for _ in 0..50 {
        assert_eq!(even.call(&mut store, 0).unwrap(), 1);
    }
    assert_eq!(store.tier_up_stats().functions_compiled, 1);
    assert_eq!(even.call(&mut store, 1000).unwrap(), 1);
    assert_eq!(even.call(&mut store, 1001).unwrap(), 0);
    assert_eq!(store.tier_up_stats().functions_compiled, 2);
    // Unbounded: a trap, whichever tier runs out of stack.
    let forever = instance
        .get_typed_func::<(), ()>(&store, "forever")
        .unwrap();
    let err = forever.call(&mut store, ()).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::StackOverflow);
    // The store goes on.
    assert_eq!(even.call(&mut store, 10).unwrap(), 1);
}

#[test]
fn instances_share_code_and_imports_follow_it() {
    // `lib.f` is hot in the first store; the second store links with its
    // code at once, and `app`'s import of it follows once it is compiled.
    let lib = r#"(module
      (func (export "f") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3))))"#;
    let app = r#"(module
      (import "lib" "f" (func $f (param i32) (result i32)))
      (func (export "g") (param i32) (result i32)
        (i32.add (call $f (local.get 0)) (i32.const 1))))"#;
    let engine = per_function(5, |_| {});
    let lib = Module::new(&engine, lib).unwrap();
    let app = Module::new(&engine, app).unwrap();
    let run = |calls: i32| {
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        let l = linker.instantiate(&mut store, &lib).unwrap();
        linker.instance(&mut store, "lib", l).unwrap();
        let a = linker.instantiate(&mut store, &app).unwrap();
        let g = a.get_typed_func::<i32, i32>(&store, "g").unwrap();
        for x in 0..calls {
            assert_eq!(g.call(&mut store, x).unwrap(), 3 * x + 1);
        }
        store.tier_up_stats()
    };
    let first = run(20);
    assert_eq!(first.functions_compiled, 2);
    let second = run(20);
    assert!(second.compiled);
}

#[test]
fn in_the_background_hot_functions_get_code_while_the_program_runs() {
    let engine = engine_with(|c| {
        c.tier(Tier::Auto)
            .tier_up_per_function(true)
            .tier_up_threshold(100);
    });
    let (mut store, instance) = instantiate(&engine, LADDER);
    let outer = instance
        .get_typed_func::<i32, i32>(&store, "outer")
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while store.tier_up_stats().functions_compiled < 4 {
        assert_eq!(outer.call(&mut store, 2).unwrap(), 118);
        assert!(std::time::Instant::now() < deadline, "never compiled");
    }
    assert_eq!(outer.call(&mut store, 2).unwrap(), 118);
}

#[test]
fn a_call_hook_set_after_the_link_sees_host_calls_and_leaves_bridges_alone() {
    // `outer` compiled, `mid` and `leaf` bridged; then a hook that counts
    // the calls into the host, of which `leaf` makes one.
    let wat = r#"(module
      (import "host" "note" (func $note (param i32)))
      (func $leaf (param i32) (result i32)
        PAD
        (call $note (local.get 0))
        (i32.add (local.get 0) (i32.const 1)))
      (func $outer (export "outer") (param i32) (result i32)
        (if (result i32) (local.get 0)
          (then (call $leaf (local.get 0)))
          (else (i32.const 0)))))"#;
    let engine = per_function(3, |_| {});
    let module = Module::new(&engine, wat.replace(PAD, &"nop ".repeat(80))).unwrap();
    let mut linker = Linker::<u32>::new(&engine);
    linker
        .func_wrap(
            "host",
            "note",
            |mut caller: petrel::Caller<'_, u32>, _: i32| {
                *caller.data_mut() += 1;
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, 0u32);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let outer = instance
        .get_typed_func::<i32, i32>(&store, "outer")
        .unwrap();
    for _ in 0..3 {
        assert_eq!(outer.call(&mut store, 0).unwrap(), 0);
    }
    assert!(store.tier_up_stats().compiled);
    let hooked = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let seen = hooked.clone();
    store.call_hook(move |_, kind| {
        if kind == petrel::CallHook::CallingHost {
            seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    });
    assert_eq!(outer.call(&mut store, 5).unwrap(), 6);
    assert_eq!(*store.data(), 1);
    assert_eq!(hooked.load(std::sync::atomic::Ordering::Relaxed), 1);
}

#[test]
fn tail_calls_between_compiled_and_cold_code_run_in_constant_space() {
    // `a` is hot; `b` (too big to inline) only ever runs by `a`'s tail
    // call. A batch takes its members' tail callees along, so the loop of
    // tail calls never crosses a bridge, which would be a native call.
    let wat = r#"(module
      (func $a (export "a") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0))
          (then (i32.const 7))
          (else (return_call $b (i32.sub (local.get 0) (i32.const 1))))))
      (func $b (param i32) (result i32)
        PAD
        (if (result i32) (i32.eqz (local.get 0))
          (then (i32.const 8))
          (else (return_call $a (i32.sub (local.get 0) (i32.const 1)))))))"#;
    let engine = per_function(3, |_| {});
    let (mut store, instance) = instantiate(&engine, wat);
    let a = instance.get_typed_func::<i32, i32>(&store, "a").unwrap();
    for _ in 0..3 {
        assert_eq!(a.call(&mut store, 0).unwrap(), 7);
    }
    assert_eq!(store.tier_up_stats().functions_compiled, 2);
    assert_eq!(a.call(&mut store, 1_000_000).unwrap(), 7);
    assert_eq!(a.call(&mut store, 1_000_001).unwrap(), 8);
}

#[test]
fn a_frame_moving_at_a_loop_sees_functions_the_host_made_since() {
    // The store is linked; then the host makes a function and puts it in
    // the table, and a cold export (in the interpreter) loops, moves into
    // its twin at the loop, and calls it through the table.
    let wat = r#"(module
      (type $t (func (param i32) (result i32)))
      (table (export "t") 1 funcref)
      (func $warm (export "warm") (result i32) (i32.const 1))
      (func (export "sum") (param $n i32) (result i32) (local $s i32)
        PAD
        (loop $l
          (local.set $s (i32.add (local.get $s)
            (call_indirect (type $t) (local.get $n) (i32.const 0))))
          (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
          (br_if $l))
        (local.get $s)))"#;
    let engine = per_function(3, |_| {});
    let (mut store, instance) = instantiate(&engine, wat);
    let warm = instance.get_typed_func::<(), i32>(&store, "warm").unwrap();
    for _ in 0..3 {
        assert_eq!(warm.call(&mut store, ()).unwrap(), 1);
    }
    assert!(store.tier_up_stats().compiled);
    let double = petrel::Func::wrap(&mut store, |x: i32| x * 2);
    let table = instance.get_table(&store, "t").unwrap();
    table
        .set(&mut store, 0, petrel::Val::FuncRef(Some(double)))
        .unwrap();
    let sum = instance.get_typed_func::<i32, i32>(&store, "sum").unwrap();
    assert_eq!(sum.call(&mut store, 5000).unwrap(), 5000 * 5001);
    assert!(store.tier_up_stats().loop_entries >= 1);
}
