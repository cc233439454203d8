//! Resource limits: call depth, the value stack, deep recursion without
//! native recursion, and re-entrant calls between host and guest.

use crate::{engine_with, instantiate, instantiate_in, trap_code};
use petrel::{Caller, Engine, Error, Linker, Module, Store, TrapCode};

/// `depth(n)` recurses `n` times (so `n + 1` frames are live at the
/// deepest point) and returns `n`.
const RECURSE: &str = r#"
    (module
      (func $depth (export "depth") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0))
          (then (i32.const 0))
          (else
            (i32.add
              (call $depth (i32.sub (local.get 0) (i32.const 1)))
              (i32.const 1))))))
"#;

fn depth_with(engine: &Engine, n: i32) -> petrel::Result<i32> {
    let (mut store, instance) = instantiate_in(engine, RECURSE);
    let depth = instance.get_typed_func::<i32, i32>(&store, "depth")?;
    depth.call(&mut store, n)
}

#[test]
fn small_max_call_depth_traps_deep_recursion_but_allows_shallow() {
    let engine = engine_with(|c| {
        c.max_call_depth(50);
    });
    assert_eq!(depth_with(&engine, 40).unwrap(), 40);
    let err = depth_with(&engine, 100).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::StackOverflow);
}

#[test]
fn max_call_depth_counts_live_frames_exactly() {
    let engine = engine_with(|c| {
        c.max_call_depth(50);
    });
    // 50 live frames is the limit; 51 is one too many.
    assert_eq!(depth_with(&engine, 49).unwrap(), 49);
    let err = depth_with(&engine, 50).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::StackOverflow);
}

#[test]
fn max_call_depth_of_one_allows_only_leaf_calls() {
    let engine = engine_with(|c| {
        c.max_call_depth(1);
    });
    assert_eq!(depth_with(&engine, 0).unwrap(), 0);
    let err = depth_with(&engine, 1).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::StackOverflow);
}

#[test]
fn deep_recursion_with_default_config_traps_without_crashing() {
    let engine = Engine::default();
    let err = depth_with(&engine, 100_000).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::StackOverflow);
    // The store's next call works; a fresh call of moderate depth too.
    assert_eq!(depth_with(&engine, 5_000).unwrap(), 5_000);
}

#[test]
fn deep_recursion_needs_no_native_stack() {
    // 256 KiB of native stack could not hold 100,000 nested native calls;
    // the interpreter keeps Wasm frames on its own stack.
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let engine = Engine::default();
            let overflow = depth_with(&engine, 100_000).unwrap_err();
            assert_eq!(trap_code(&overflow), TrapCode::StackOverflow);

            let deep = engine_with(|c| {
                c.max_call_depth(200_000);
            });
            assert_eq!(depth_with(&deep, 100_000).unwrap(), 100_000);
        })
        .unwrap();
    handle
        .join()
        .expect("the interpreter overflowed a small native stack");
}

#[test]
fn small_value_stack_traps_with_stack_overflow() {
    let engine = engine_with(|c| {
        c.max_value_stack(1_000);
    });
    let err = depth_with(&engine, 10_000).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::StackOverflow);
    assert_eq!(depth_with(&engine, 10).unwrap(), 10);
}

#[test]
fn frame_larger_than_the_value_stack_traps() {
    let engine = engine_with(|c| {
        c.max_value_stack(100);
    });
    let (mut store, instance) = instantiate_in(
        &engine,
        r#"(module
             (func (export "big") (result i64)
               (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
                      i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
                      i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
                      i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
                      i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
                      i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
                      i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
                      i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
                      i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
                      i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
                      i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
               local.get 109))"#,
    );
    let big = instance.get_typed_func::<(), i64>(&store, "big").unwrap();
    let err = big.call(&mut store, ()).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::StackOverflow);
}

#[test]
fn locals_start_at_zero_on_every_call() {
    // Frames reuse value-stack slots; declared locals must be re-zeroed.
    let (mut store, instance) = instantiate(
        r#"(module
             (func $dirty (param i32) (local i64 i64 i64)
               (local.set 1 (i64.const -1))
               (local.set 2 (i64.const -1))
               (local.set 3 (i64.const -1)))
             (func $clean (param i32) (result i64) (local i64 i64 i64)
               (i64.or (local.get 1) (i64.or (local.get 2) (local.get 3))))
             (func (export "run") (result i64)
               (call $dirty (i32.const 0))
               (call $clean (i32.const 0))))"#,
    );
    let run = instance.get_typed_func::<(), i64>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 0);
    assert_eq!(run.call(&mut store, ()).unwrap(), 0);
}

/// `outer(x)` keeps values in locals, calls host `h1`, which calls
/// `middle`, which calls host `h2`, which calls `leaf`; every level adds
/// its own contribution so a clobbered frame shows in the result.
const REENTRANT: &str = r#"
    (module
      (import "host" "h1" (func $h1 (param i32) (result i32)))
      (import "host" "h2" (func $h2 (param i32) (result i32)))
      (func (export "outer") (param i32) (result i32)
        (local $a i32) (local $b i64)
        (local.set $a (i32.mul (local.get 0) (i32.const 3)))
        (local.set $b (i64.const 0x100000000))
        (i32.add
          (i32.add (call $h1 (local.get 0)) (local.get $a))
          (i32.wrap_i64 (i64.shr_u (local.get $b) (i64.const 32)))))
      (func (export "middle") (param i32) (result i32)
        (local $keep i32)
        (local.set $keep (i32.const 1000))
        (i32.add (call $h2 (i32.add (local.get 0) (i32.const 1))) (local.get $keep)))
      (func (export "leaf") (param i32) (result i32)
        (i32.mul (local.get 0) (i32.const 2))))
"#;

fn reentrant_linker(engine: &Engine) -> Linker<Vec<&'static str>> {
    let mut linker = Linker::<Vec<&'static str>>::new(engine);
    linker
        .func_wrap(
            "host",
            "h1",
            |mut caller: Caller<'_, Vec<&'static str>>, x: i32| -> petrel::Result<i32> {
                caller.data_mut().push("h1");
                let middle = caller.get_export("middle").unwrap().into_func().unwrap();
                let middle = middle.typed::<i32, i32>(&caller)?;
                let r = middle.call(&mut caller, x)?;
                caller.data_mut().push("h1 done");
                Ok(r)
            },
        )
        .unwrap()
        .func_wrap(
            "host",
            "h2",
            |mut caller: Caller<'_, Vec<&'static str>>, x: i32| -> petrel::Result<i32> {
                caller.data_mut().push("h2");
                let leaf = caller.get_export("leaf").unwrap().into_func().unwrap();
                leaf.typed::<i32, i32>(&caller)?.call(&mut caller, x)
            },
        )
        .unwrap();
    linker
}

#[test]
fn host_wasm_host_wasm_reentrant_call_works() {
    let engine = Engine::default();
    let module = Module::new(&engine, REENTRANT).unwrap();
    let linker = reentrant_linker(&engine);
    let mut store = Store::new(&engine, Vec::new());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let outer = instance
        .get_typed_func::<i32, i32>(&store, "outer")
        .unwrap();
    // leaf = (x + 1) * 2, middle = leaf + 1000, outer = middle + 3x + 1.
    let expected = |x: i32| (x + 1) * 2 + 1000 + 3 * x + 1;
    assert_eq!(outer.call(&mut store, 5).unwrap(), expected(5));
    assert_eq!(outer.call(&mut store, 7).unwrap(), expected(7));
    assert_eq!(
        store.data(),
        &["h1", "h2", "h1 done", "h1", "h2", "h1 done"]
    );
}

#[test]
fn reentrant_call_that_grows_the_value_stack_keeps_outer_frames_intact() {
    // The nested activation recurses deeply, so the value stack is
    // reallocated while outer frames are live.
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "deep" (func $deep (param i32) (result i32)))
             (func $depth (export "depth") (param i32) (result i32)
               (if (result i32) (i32.eqz (local.get 0))
                 (then (i32.const 0))
                 (else (i32.add (call $depth (i32.sub (local.get 0) (i32.const 1)))
                                (i32.const 1)))))
             (func $outer (export "outer") (param i32) (result i64)
               (local $x i64) (local $y i64)
               (local.set $x (i64.const 0x7777777777777777))
               (local.set $y (i64.const 0x1111111111111111))
               (i64.add
                 (i64.extend_i32_u (call $deep (local.get 0)))
                 (i64.add (local.get $x) (local.get $y))))
             (func (export "nest") (param i32) (result i64)
               (local $z i64)
               (local.set $z (i64.const 5))
               (i64.add (call $outer (local.get 0)) (local.get $z))))"#,
    )
    .unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap(
            "host",
            "deep",
            |mut caller: Caller<'_, ()>, n: i32| -> petrel::Result<i32> {
                let depth = caller.get_export("depth").unwrap().into_func().unwrap();
                depth.typed::<i32, i32>(&caller)?.call(&mut caller, n)
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let nest = instance.get_typed_func::<i32, i64>(&store, "nest").unwrap();
    assert_eq!(
        nest.call(&mut store, 5_000).unwrap(),
        0x8888_8888_8888_8888u64 as i64 + 5_000 + 5
    );
}

#[test]

fn host_mediated_recursion_respects_max_call_depth() {
    // wasm -> host -> wasm -> host ... never calls Wasm from Wasm directly,
    // but every level is a live Wasm frame (and native stack in the host).
    // The call-depth limit must still stop it. The host gives up by itself
    // at depth 1,000 so a missing limit fails the test rather than
    // overflowing the native stack.
    let handle = std::thread::Builder::new()
        .stack_size(64 * 1024 * 1024)
        .spawn(|| {
            let engine = engine_with(|c| {
                c.max_call_depth(20);
            });
            let module = Module::new(
                &engine,
                r#"(module
                     (import "host" "again" (func $again (param i32) (result i32)))
                     (func (export "f") (param i32) (result i32)
                       (if (result i32) (i32.eqz (local.get 0))
                         (then (i32.const 0))
                         (else (call $again (i32.sub (local.get 0) (i32.const 1)))))))"#,
            )
            .unwrap();
            let mut linker = Linker::<u32>::new(&engine);
            linker
                .func_wrap(
                    "host",
                    "again",
                    |mut caller: Caller<'_, u32>, n: i32| -> petrel::Result<i32> {
                        *caller.data_mut() += 1;
                        if *caller.data() > 1_000 {
                            return Err(Error::msg("call-depth limit not enforced"));
                        }
                        let f = caller.get_export("f").unwrap().into_func().unwrap();
                        let r = f.typed::<i32, i32>(&caller)?.call(&mut caller, n)?;
                        Ok(r + 1)
                    },
                )
                .unwrap();
            let mut store = Store::new(&engine, 0u32);
            let instance = linker.instantiate(&mut store, &module).unwrap();
            let f = instance.get_typed_func::<i32, i32>(&store, "f").unwrap();
            // Shallow host-mediated recursion works.
            assert_eq!(f.call(&mut store, 5).unwrap(), 5);
            *store.data_mut() = 0;
            let err = f.call(&mut store, 5_000).unwrap_err();
            assert_eq!(err.trap_code(), Some(TrapCode::StackOverflow), "{err}");
        })
        .unwrap();
    handle.join().unwrap();
}

#[test]

fn host_mediated_recursion_counts_every_live_frame() {
    // With a limit of 10 live Wasm frames: `f(n)` has n + 1 Wasm frames live
    // at its deepest, one per level, each level separated by a host call.
    let engine = engine_with(|c| {
        c.max_call_depth(10);
    });
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "again" (func $again (param i32) (result i32)))
             (func (export "f") (param i32) (result i32)
               (if (result i32) (i32.eqz (local.get 0))
                 (then (i32.const 0))
                 (else (call $again (i32.sub (local.get 0) (i32.const 1)))))))"#,
    )
    .unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap(
            "host",
            "again",
            |mut caller: Caller<'_, ()>, n: i32| -> petrel::Result<i32> {
                let f = caller.get_export("f").unwrap().into_func().unwrap();
                Ok(f.typed::<i32, i32>(&caller)?.call(&mut caller, n)? + 1)
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let f = instance.get_typed_func::<i32, i32>(&store, "f").unwrap();
    assert_eq!(f.call(&mut store, 9).unwrap(), 9);
    let err = f.call(&mut store, 10).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::StackOverflow), "{err}");
}

/// A valid function whose locals plus operand stack need more than the
/// interpreter's 65,535 slots per frame.
fn oversized_function() -> String {
    let mut wat =
        String::from("(module (func (export \"big\") (result i32) (local i64) (local i64) ");
    // 40,000 declared locals plus 30,000 live operands.
    wat.push_str(&"(local i64) ".repeat(39_998));
    wat.push_str(&"i32.const 1 ".repeat(30_000));
    wat.push_str(&"drop ".repeat(29_999));
    wat.push_str("))");
    wat
}

#[test]
fn function_too_large_for_the_interpreter_is_an_error_not_a_panic() {
    let wat = oversized_function();
    let eager = engine_with(|c| {
        c.lazy_translation(false);
    });
    let err = Module::new(&eager, &wat).unwrap_err();
    assert!(matches!(err, Error::Compile(_)), "{err:?}");
    // Lazily, the limit is found on first call at the latest.
    let lazy = Engine::default();
    match Module::new(&lazy, &wat) {
        Err(err) => assert!(matches!(err, Error::Compile(_)), "{err:?}"),
        Ok(module) => {
            let mut store = Store::new(&lazy, ());
            let instance = petrel::Instance::new(&mut store, &module, &[]).unwrap();
            let big = instance.get_typed_func::<(), i32>(&store, "big").unwrap();
            let err = big.call(&mut store, ()).unwrap_err();
            assert!(matches!(err, Error::Compile(_)), "{err:?}");
            // The store is still usable.
            let module = Module::new(&lazy, RECURSE).unwrap();
            let instance = petrel::Instance::new(&mut store, &module, &[]).unwrap();
            let depth = instance
                .get_typed_func::<i32, i32>(&store, "depth")
                .unwrap();
            assert_eq!(depth.call(&mut store, 3).unwrap(), 3);
        }
    }
}

#[test]

fn store_recovers_after_a_host_function_panics() {
    // A panic in a host function unwinds through the interpreter. The
    // embedder may catch it and keep using the store: the frames the
    // panicking activation left behind must not count against later calls.
    let engine = engine_with(|c| {
        c.max_call_depth(50);
    });
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "maybe_panic" (func $maybe_panic (param i32)))
             (func $depth (export "depth") (param i32) (result i32)
               (call $maybe_panic (local.get 0))
               (if (result i32) (i32.eqz (local.get 0))
                 (then (i32.const 0))
                 (else (i32.add (call $depth (i32.sub (local.get 0) (i32.const 1)))
                                (i32.const 1))))))"#,
    )
    .unwrap();
    let mut linker = Linker::<bool>::new(&engine);
    linker
        .func_wrap("host", "maybe_panic", |caller: Caller<'_, bool>, n: i32| {
            if *caller.data() && n == 0 {
                panic!("host function panicked on purpose");
            }
        })
        .unwrap();
    let mut store = Store::new(&engine, false);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let depth = instance
        .get_typed_func::<i32, i32>(&store, "depth")
        .unwrap();
    assert_eq!(depth.call(&mut store, 49).unwrap(), 49);
    *store.data_mut() = true;
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = depth.call(&mut store, 30);
    }));
    assert!(caught.is_err(), "the panic should reach the embedder");
    *store.data_mut() = false;
    // All 50 frames are available again.
    assert_eq!(depth.call(&mut store, 49).unwrap(), 49);
}
