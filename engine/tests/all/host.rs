//! Host functions: `Linker::func_wrap`/`func_new`, `Func::wrap`/`new`,
//! what they receive through `Caller`, and what they may return.

use petrel::{Caller, Engine, Error, Func, FuncType, Linker, Module, Store, Val, ValType};

#[derive(Debug, PartialEq, Eq)]
struct HostFailure {
    code: u32,
}

impl std::fmt::Display for HostFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "host failure {}", self.code)
    }
}

impl std::error::Error for HostFailure {}

#[test]
fn func_wrap_without_caller_receives_arguments_and_returns_a_value() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "math" "mul_add" (func $mul_add (param i32 i64 f64) (result f64)))
             (func (export "run") (result f64)
               (call $mul_add (i32.const 3) (i64.const 4) (f64.const 0.5))))"#,
    )
    .unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap("math", "mul_add", |a: i32, b: i64, c: f64| {
            (a as i64 * b) as f64 + c
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<(), f64>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 12.5);
}

#[test]
fn func_wrap_with_caller_mutates_store_data() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "count" (func $count (param i32)))
             (func (export "run")
               (call $count (i32.const 5))
               (call $count (i32.const 7))))"#,
    )
    .unwrap();
    let mut linker = Linker::<Vec<i32>>::new(&engine);
    linker
        .func_wrap(
            "host",
            "count",
            |mut caller: Caller<'_, Vec<i32>>, x: i32| {
                caller.data_mut().push(x);
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, Vec::new());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<(), ()>(&store, "run").unwrap();
    run.call(&mut store, ()).unwrap();
    run.call(&mut store, ()).unwrap();
    assert_eq!(store.data(), &[5, 7, 5, 7]);
}

#[test]
fn func_wrap_returns_tuples_as_multiple_results() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "split" (func $split (param i64) (result i32 i32)))
             (import "host" "three" (func $three (result i32 i64 f32)))
             (func (export "hi_minus_lo") (param i64) (result i32)
               (call $split (local.get 0))
               i32.sub)
             (func (export "three") (result i32 i64 f32)
               call $three))"#,
    )
    .unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap("host", "split", |x: i64| ((x >> 32) as i32, x as i32))
        .unwrap()
        .func_wrap("host", "three", || (1i32, 2i64, 3.0f32))
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let f = instance
        .get_typed_func::<i64, i32>(&store, "hi_minus_lo")
        .unwrap();
    assert_eq!(f.call(&mut store, (100 << 32) | 30).unwrap(), 70);
    let three = instance
        .get_typed_func::<(), (i32, i64, f32)>(&store, "three")
        .unwrap();
    assert_eq!(three.call(&mut store, ()).unwrap(), (1, 2, 3.0));
}

#[test]
fn func_wrap_returning_ok_result_passes_the_value() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "checked" (func $checked (param i32) (result i32)))
             (func (export "run") (param i32) (result i32)
               (i32.add (call $checked (local.get 0)) (i32.const 1))))"#,
    )
    .unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap("host", "checked", |x: i32| -> petrel::Result<i32> {
            if x < 0 {
                Err(Error::host(HostFailure {
                    code: x.unsigned_abs(),
                }))
            } else {
                Ok(x * 10)
            }
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, 4).unwrap(), 41);
    let err = run.call(&mut store, -3).unwrap_err();
    assert_eq!(
        err.downcast_ref::<HostFailure>(),
        Some(&HostFailure { code: 3 })
    );
    // Still usable afterwards.
    assert_eq!(run.call(&mut store, 0).unwrap(), 1);
}

#[test]
fn caller_get_export_reads_guest_memory() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "print" (func $print (param i32 i32)))
             (memory (export "memory") 1)
             (data (i32.const 100) "hello, host")
             (func (export "run")
               (call $print (i32.const 100) (i32.const 11))
               (call $print (i32.const 107) (i32.const 4))))"#,
    )
    .unwrap();
    let mut linker = Linker::<Vec<String>>::new(&engine);
    linker
        .func_wrap(
            "host",
            "print",
            |mut caller: Caller<'_, Vec<String>>, ptr: i32, len: i32| -> petrel::Result<()> {
                let memory = caller
                    .get_export("memory")
                    .and_then(|e| e.into_memory())
                    .ok_or_else(|| Error::msg("no memory"))?;
                let mut buf = vec![0; len as usize];
                memory.read(&caller, ptr as usize, &mut buf)?;
                // `data` sees the same bytes.
                let direct = &memory.data(&caller)[ptr as usize..(ptr + len) as usize];
                assert_eq!(direct, &buf[..]);
                caller
                    .data_mut()
                    .push(String::from_utf8(buf).map_err(Error::host)?);
                Ok(())
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, Vec::new());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    instance
        .get_typed_func::<(), ()>(&store, "run")
        .unwrap()
        .call(&mut store, ())
        .unwrap();
    assert_eq!(store.data(), &["hello, host", "host"]);
}

#[test]
fn caller_get_export_writes_guest_memory_seen_by_the_guest() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "fill" (func $fill (param i32)))
             (memory (export "memory") 1)
             (func (export "run") (result i32)
               (call $fill (i32.const 64))
               (i32.load (i32.const 64))))"#,
    )
    .unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap(
            "host",
            "fill",
            |mut caller: Caller<'_, ()>, ptr: i32| -> petrel::Result<()> {
                let memory = caller.get_export("memory").unwrap().into_memory().unwrap();
                memory.write(&mut caller, ptr as usize, &0x1234_5678u32.to_le_bytes())?;
                Ok(())
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 0x1234_5678);
}

#[test]
fn caller_get_export_of_missing_name_is_none() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "probe" (func $probe (result i32)))
             (func (export "run") (result i32) call $probe))"#,
    )
    .unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap("host", "probe", |caller: Caller<'_, ()>| {
            let has_memory = caller.get_export("memory").is_some();
            let has_run = caller
                .get_export("run")
                .and_then(|e| e.into_func())
                .is_some();
            (has_memory as i32) | ((has_run as i32) << 1)
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 0b10);
}

#[test]
fn caller_sees_the_instance_that_called_not_the_one_that_defined_the_import() {
    // Two instances of one module share a host function; each call must see
    // its own caller's memory.
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "peek" (func $peek (result i32)))
             (memory (export "memory") 1)
             (func (export "set_and_peek") (param i32) (result i32)
               (i32.store (i32.const 0) (local.get 0))
               call $peek))"#,
    )
    .unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap("host", "peek", |caller: Caller<'_, ()>| -> i32 {
            let memory = caller.get_export("memory").unwrap().into_memory().unwrap();
            let bytes = &memory.data(&caller)[..4];
            i32::from_le_bytes(bytes.try_into().unwrap())
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let a = linker.instantiate(&mut store, &module).unwrap();
    let b = linker.instantiate(&mut store, &module).unwrap();
    let fa = a
        .get_typed_func::<i32, i32>(&store, "set_and_peek")
        .unwrap();
    let fb = b
        .get_typed_func::<i32, i32>(&store, "set_and_peek")
        .unwrap();
    assert_eq!(fa.call(&mut store, 11).unwrap(), 11);
    assert_eq!(fb.call(&mut store, 22).unwrap(), 22);
    let ma = a.get_memory(&store, "memory").unwrap();
    let mb = b.get_memory(&store, "memory").unwrap();
    assert_eq!(ma.data(&store)[0], 11);
    assert_eq!(mb.data(&store)[0], 22);
}

#[test]
fn func_new_receives_boxed_values() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "sum" (func $sum (param i32 i64) (result i64 i32)))
             (func (export "run") (result i64)
               (call $sum (i32.const 2) (i64.const 40))
               drop))"#,
    )
    .unwrap();
    let mut linker = Linker::<u32>::new(&engine);
    linker
        .func_new(
            "host",
            "sum",
            FuncType::new(
                &engine,
                [ValType::I32, ValType::I64],
                [ValType::I64, ValType::I32],
            ),
            |mut caller, args, results| {
                *caller.data_mut() += 1;
                let a = args[0].i32().unwrap() as i64;
                let b = args[1].i64().unwrap();
                results[0] = Val::I64(a + b);
                results[1] = Val::I32(-1);
                Ok(())
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, 0u32);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<(), i64>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 42);
    assert_eq!(*store.data(), 1);
}

#[test]
fn func_new_returning_the_wrong_type_is_an_error_not_a_panic() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "bad" (func $bad (result i32)))
             (func (export "run") (result i32) call $bad))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let bad = Func::new(
        &mut store,
        FuncType::new(&engine, [], [ValType::I32]),
        |_caller, _args, results| {
            results[0] = Val::I64(1);
            Ok(())
        },
    );
    let instance = petrel::Instance::new(&mut store, &module, &[bad.into()]).unwrap();
    let run = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
    assert!(run.call(&mut store, ()).is_err());
    // Called directly from the host too.
    let mut out = [Val::I32(0)];
    assert!(bad.call(&mut store, &[], &mut out).is_err());
}

#[test]
fn host_error_propagates_unchanged_and_downcasts() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "fail" (func $fail (param i32)))
             (func $inner (param i32) (call $fail (local.get 0)))
             (func (export "run") (param i32)
               (call $inner (local.get 0))
               unreachable))"#,
    )
    .unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap("host", "fail", |code: i32| -> petrel::Result<()> {
            Err(Error::host(HostFailure { code: code as u32 }))
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<i32, ()>(&store, "run").unwrap();
    let err = run.call(&mut store, 42).unwrap_err();
    assert!(matches!(err, Error::Host(_)), "{err:?}");
    assert!(err.as_trap().is_none());
    assert_eq!(err.trap_code(), None);
    assert_eq!(
        err.downcast_ref::<HostFailure>(),
        Some(&HostFailure { code: 42 })
    );
    assert!(err.downcast_ref::<std::fmt::Error>().is_none());
    assert_eq!(err.to_string(), "host failure 42");
}

#[test]
fn host_error_message_is_kept() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "fail" (func $fail))
             (func (export "run") call $fail))"#,
    )
    .unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap("host", "fail", || -> petrel::Result<()> {
            Err(Error::msg("the disk is on fire"))
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let err = instance
        .get_typed_func::<(), ()>(&store, "run")
        .unwrap()
        .call(&mut store, ())
        .unwrap_err();
    assert!(matches!(err, Error::Host(_)), "{err:?}");
    assert_eq!(err.to_string(), "the disk is on fire");
}

#[test]
fn host_functions_can_be_passed_as_imports_directly() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "a" "x" (func $x (result i32)))
             (import "b" "y" (func $y (param i32) (result i32)))
             (func (export "run") (result i32) (call $y (call $x))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let x = Func::wrap(&mut store, || 20);
    let y = Func::wrap(&mut store, |v: i32| v + 1);
    let instance = petrel::Instance::new(&mut store, &module, &[x.into(), y.into()]).unwrap();
    let run = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 21);
}

#[test]
fn host_function_can_call_back_into_wasm_through_caller() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "twice" (func $twice (param i32) (result i32)))
             (func (export "inc") (param i32) (result i32)
               (i32.add (local.get 0) (i32.const 1)))
             (func (export "run") (param i32) (result i32)
               (call $twice (local.get 0))))"#,
    )
    .unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap(
            "host",
            "twice",
            |mut caller: Caller<'_, ()>, x: i32| -> petrel::Result<i32> {
                let inc = caller
                    .get_export("inc")
                    .and_then(|e| e.into_func())
                    .unwrap()
                    .typed::<i32, i32>(&caller)?;
                let once = inc.call(&mut caller, x)?;
                inc.call(&mut caller, once)
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, 40).unwrap(), 42);
}

#[test]
fn start_function_calls_host_functions_with_caller_access() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "read" (func $read (param i32 i32)))
             (memory (export "memory") 1)
             (data (i32.const 0) "booting")
             (func $start (call $read (i32.const 0) (i32.const 7)))
             (start $start))"#,
    )
    .unwrap();
    let mut linker = Linker::<String>::new(&engine);
    linker
        .func_wrap(
            "host",
            "read",
            |mut caller: Caller<'_, String>, ptr: i32, len: i32| -> petrel::Result<()> {
                let memory = caller
                    .get_export("memory")
                    .and_then(|e| e.into_memory())
                    .ok_or_else(|| Error::msg("start function saw no memory"))?;
                let mut buf = vec![0; len as usize];
                memory.read(&caller, ptr as usize, &mut buf)?;
                *caller.data_mut() = String::from_utf8_lossy(&buf).into_owned();
                Ok(())
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, String::new());
    linker.instantiate(&mut store, &module).unwrap();
    assert_eq!(store.data(), "booting");
}

#[test]
fn reexported_import_is_the_same_function() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "f" (func $f (result i32)))
             (export "again" (func $f)))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let f = Func::wrap(&mut store, || 5);
    let instance = petrel::Instance::new(&mut store, &module, &[f.into()]).unwrap();
    let again = instance.get_func(&store, "again").unwrap();
    assert_eq!(again, f);
    let typed = again.typed::<(), i32>(&store).unwrap();
    assert_eq!(typed.call(&mut store, ()).unwrap(), 5);
}

#[test]
fn host_function_can_instantiate_and_call_a_module_mid_call() {
    // New instances, functions and memories are created in the store while
    // a guest frame is live; the guest must carry on unaffected.
    let engine = Engine::default();
    let child = Module::new(
        &engine,
        r#"(module
             (memory (export "memory") 2)
             (func (export "work") (param i32) (result i32)
               (i32.store (i32.const 65536) (local.get 0))
               (i32.mul (i32.load (i32.const 65536)) (i32.const 2))))"#,
    )
    .unwrap();
    let parent = Module::new(
        &engine,
        r#"(module
             (import "host" "spawn" (func $spawn (param i32) (result i32)))
             (memory (export "memory") 1)
             (func (export "run") (param i32) (result i32)
               (local $k i32)
               (local.set $k (i32.const 7))
               (i32.store (i32.const 12) (i32.const 1000))
               (i32.add
                 (i32.add (call $spawn (local.get 0)) (call $spawn (local.get 0)))
                 (i32.add (local.get $k) (i32.load (i32.const 12))))))"#,
    )
    .unwrap();
    let mut linker = Linker::<Vec<petrel::Instance>>::new(&engine);
    linker
        .func_wrap(
            "host",
            "spawn",
            move |mut caller: Caller<'_, Vec<petrel::Instance>>, x: i32| -> petrel::Result<i32> {
                let instance = petrel::Instance::new(&mut caller, &child, &[])?;
                for _ in 0..10 {
                    Func::wrap(&mut caller, || {});
                }
                caller.data_mut().push(instance);
                instance
                    .get_typed_func::<i32, i32>(&caller, "work")?
                    .call(&mut caller, x)
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, Vec::new());
    let instance = linker.instantiate(&mut store, &parent).unwrap();
    let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, 4).unwrap(), 8 + 8 + 7 + 1000);
    assert_eq!(store.data().len(), 2);
}

#[test]
fn host_function_borrows_guest_memory_and_store_data_together() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (import "host" "sum" (func $sum (param i32 i32)))
            (memory (export "memory") 1)
            (data (i32.const 8) "\01\02\03\04")
            (func (export "run") (call $sum (i32.const 8) (i32.const 4))))"#,
    )
    .unwrap();
    let mut linker = Linker::<u32>::new(&engine);
    linker
        .func_wrap(
            "host",
            "sum",
            |mut caller: Caller<'_, u32>, ptr: i32, len: i32| {
                let memory = caller
                    .get_export("memory")
                    .and_then(|e| e.into_memory())
                    .unwrap();
                let (bytes, total) = memory.data_and_store_mut(&mut caller);
                *total += bytes[ptr as usize..(ptr + len) as usize]
                    .iter()
                    .map(|b| *b as u32)
                    .sum::<u32>();
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, 0u32);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<(), ()>(&store, "run").unwrap();
    run.call(&mut store, ()).unwrap();
    assert_eq!(*store.data(), 10);
}

/// `Func::new_unchecked`: raw slots in and out, every value kind, called
/// from Wasm on every tier and from the host.
#[test]
fn new_unchecked_reads_and_writes_raw_slots() {
    use petrel::ValRaw;
    for (tier, engine) in crate::every_tier(|_| {}) {
        let module = Module::new(
            &engine,
            r#"(module
                 (import "h" "mix" (func $mix (param i32 i64 f32 f64 v128)
                                             (result f64 v128 i64 i32 funcref)))
                 (import "h" "twice" (func $twice (param i32) (result i32)))
                 (func (export "run") (result f64 i64 i32 i32)
                   (local $r funcref) (local $v v128) (local $i i32) (local $l i64)
                   (call $mix (i32.const -3) (i64.const 40) (f32.const 1.5) (f64.const 0.25)
                              (v128.const i32x4 1 2 3 4))
                   (local.set $r) (local.set $i) (local.set $l) (local.set $v)
                   ;; f64 stays on the stack
                   (local.get $l)
                   (i32.add (local.get $i) (i32x4.extract_lane 3 (local.get $v)))
                   (table.set (i32.const 0) (local.get $r))
                   (call_indirect (type $t) (i32.const 21) (i32.const 0)))
                 (table 1 funcref)
                 (type $t (func (param i32) (result i32))))"#,
        )
        .unwrap();
        let mut store = Store::new(&engine, ());
        let twice = unsafe {
            Func::new_unchecked(
                &mut store,
                FuncType::new(&engine, [ValType::I32], [ValType::I32]),
                |_, raw: &mut [ValRaw]| {
                    raw[0] = ValRaw::i32(raw[0].get_i32() * 2);
                    Ok(())
                },
            )
        };
        let mix_ty = FuncType::new(
            &engine,
            [
                ValType::I32,
                ValType::I64,
                ValType::F32,
                ValType::F64,
                ValType::V128,
            ],
            [
                ValType::F64,
                ValType::V128,
                ValType::I64,
                ValType::I32,
                ValType::FUNCREF,
            ],
        );
        let mix = unsafe {
            Func::new_unchecked(&mut store, mix_ty, move |_, raw: &mut [ValRaw]| {
                // Parameters: i32, i64, f32, f64, v128 (two slots).
                assert_eq!(raw.len(), 6, "the longer list's slots");
                let (a, b) = (raw[0].get_i32(), raw[1].get_i64());
                let (c, d) = (
                    f32::from_bits(raw[2].get_f32()),
                    f64::from_bits(raw[3].get_f64()),
                );
                let v = ValRaw::get_v128(raw[4], raw[5]);
                // Results: f64, v128 (two slots), i64, i32, funcref.
                raw[0] = ValRaw::f64((c as f64 + d).to_bits());
                let [lo, hi] = ValRaw::v128(v << 32);
                (raw[1], raw[2]) = (lo, hi);
                raw[3] = ValRaw::i64(b + 2);
                raw[4] = ValRaw::i32(a);
                raw[5] = ValRaw::funcref(Some(twice));
                Ok(())
            })
        };
        let instance =
            petrel::Instance::new(&mut store, &module, &[mix.into(), twice.into()]).unwrap();
        let run = instance
            .get_typed_func::<(), (f64, i64, i32, i32)>(&store, "run")
            .unwrap();
        // lane 3 of (v << 32) is lane 2 of v: 3; -3 + 3 = 0; 21 * 2 = 42.
        assert_eq!(
            run.call(&mut store, ()).unwrap(),
            (1.75, 42, 0, 42),
            "{tier}"
        );

        // From the host, through the checked call path.
        let mut out = [Val::I32(0)];
        twice.call(&mut store, &[Val::I32(5)], &mut out).unwrap();
        assert_eq!(out[0].i32(), Some(10), "{tier}");
        // A funcref slot reads back as the same function.
        let raw = ValRaw::funcref(Some(twice));
        assert_eq!(raw.get_funcref(&store), Some(twice), "{tier}");
        assert_eq!(ValRaw::funcref(None).get_funcref(&store), None, "{tier}");
    }
}

/// A host function that creates a function and returns it as a
/// `funcref`: compiled code calls it at once through a table, so the
/// store's references must take it in before the guest goes on. On every tier, many times (each call makes a new function).
#[test]
fn a_function_created_by_a_host_call_is_callable_when_it_returns() {
    for (tier, engine) in crate::every_tier(|_| {}) {
        let module = Module::new(
            &engine,
            r#"(module
                 (type $t (func (param i32) (result i32)))
                 (import "h" "make" (func $make (param i32) (result funcref)))
                 (table 1 funcref)
                 (func (export "run") (param i32) (result i32)
                   (table.set (i32.const 0) (call $make (local.get 0)))
                   (i32.add
                     (call_indirect (type $t) (i32.const 1) (i32.const 0))
                     (call_indirect (type $t) (i32.const 2) (i32.const 0)))))"#,
        )
        .unwrap();
        let mut linker = Linker::<()>::new(&engine);
        linker
            .func_wrap("h", "make", |mut caller: Caller<'_, ()>, k: i32| {
                Some(Func::wrap(&mut caller, move |x: i32| x * k))
            })
            .unwrap();
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
        for k in 0..50 {
            assert_eq!(run.call(&mut store, k).unwrap(), 3 * k, "{tier}, k = {k}");
        }
    }
}

/// A panic in a host function called from Wasm reaches the embedder as a
/// panic, on every tier, and the store works afterwards; so does an error,
/// which fails the call without a panic.
#[test]
fn a_host_panic_or_error_under_wasm_reaches_the_embedder_and_the_store_goes_on() {
    for (tier, engine) in crate::every_tier(|_| {}) {
        let module = Module::new(
            &engine,
            r#"(module
                 (import "h" "f" (func $f (param i32) (result i32)))
                 (func (export "run") (param i32) (result i32)
                   (i32.add (call $f (local.get 0)) (i32.const 1))))"#,
        )
        .unwrap();
        let mut linker = Linker::<()>::new(&engine);
        linker
            .func_wrap("h", "f", |x: i32| -> Result<i32, Error> {
                match x {
                    1 => panic!("host function panicked on purpose"),
                    2 => Err(Error::host(HostFailure { code: 2 })),
                    _ => Ok(x * 10),
                }
            })
            .unwrap();
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
        assert_eq!(run.call(&mut store, 3).unwrap(), 31, "{tier}");
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = run.call(&mut store, 1);
        }));
        assert!(
            caught.is_err(),
            "{tier}: the panic should reach the embedder"
        );
        assert_eq!(run.call(&mut store, 4).unwrap(), 41, "{tier}");
        let err = run.call(&mut store, 2).unwrap_err();
        assert_eq!(
            err.downcast_ref::<HostFailure>(),
            Some(&HostFailure { code: 2 }),
            "{tier}"
        );
        assert_eq!(run.call(&mut store, 5).unwrap(), 51, "{tier}");
    }
}

/// Compiled code passes the values of a host function whose parameters
/// fit in registers (at most four, one result, no `v128`) in registers,
/// and the others through a buffer: every scalar type, sign and NaN
/// payload arrives and returns exactly on both paths and at the edge
/// between them (four parameters against five, one result against two),
/// with and without a call hook (whose entries are other functions).
#[test]
fn host_function_values_are_exact_in_registers_and_in_the_buffer() {
    for hooked in [false, true] {
        for (tier, engine) in crate::every_tier(|_| {}) {
            let module = Module::new(
                &engine,
                r#"(module
                     (import "h" "none" (func $none))
                     (import "h" "neg" (func $neg (param i32) (result i32)))
                     (import "h" "four" (func $four (param i64 i64 i64 i64) (result i64)))
                     (import "h" "five" (func $five (param i32 i32 i32 i32 i32) (result i32)))
                     (import "h" "f32" (func $f32 (param f32) (result f32)))
                     (import "h" "mixed" (func $mixed (param f64 i32 f32 i64) (result f64)))
                     (import "h" "two" (func $two (param i32) (result i32 i64)))
                     (import "h" "ref" (func $ref (param externref) (result externref)))
                     (func (export "none") (call $none))
                     (func (export "neg") (param i32) (result i32) (call $neg (local.get 0)))
                     (func (export "four") (result i64)
                       (call $four (i64.const -1) (i64.const 0x100000000) (i64.const 3)
                                   (i64.const 0x7fffffffffffffff)))
                     (func (export "five") (result i32)
                       (call $five (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4)
                                   (i32.const -5)))
                     (func (export "f32") (result i32)
                       (i32.reinterpret_f32 (call $f32 (f32.reinterpret_i32 (i32.const 0x7fa00001)))))
                     (func (export "mixed") (result f64)
                       (call $mixed (f64.const -0.5) (i32.const -2) (f32.const 1.25) (i64.const -8)))
                     (func (export "two") (param i32) (result i32 i64) (call $two (local.get 0)))
                     (func (export "ref") (param externref) (result externref)
                       (call $ref (local.get 0))))"#,
            )
            .unwrap();
            let mut store = Store::new(&engine, 0u32);
            if hooked {
                store.call_hook(|_, _| Ok(()));
            }
            let mut linker = Linker::<u32>::new(&engine);
            linker
                .func_wrap("h", "none", |mut caller: Caller<'_, u32>| {
                    *caller.data_mut() += 1;
                })
                .unwrap()
                .func_wrap("h", "neg", |x: i32| x.wrapping_neg())
                .unwrap()
                .func_wrap("h", "four", |a: i64, b: i64, c: i64, d: i64| {
                    a.wrapping_add(b >> 32).wrapping_mul(c) ^ d
                })
                .unwrap()
                .func_wrap("h", "five", |a: i32, b: i32, c: i32, d: i32, e: i32| {
                    a + 10 * b + 100 * c + 1000 * d + 10000 * e
                })
                .unwrap()
                .func_wrap("h", "f32", |x: f32| {
                    f32::from_bits(x.to_bits() ^ 0x0000_0100)
                })
                .unwrap()
                .func_wrap("h", "mixed", |a: f64, b: i32, c: f32, d: i64| {
                    a + b as f64 * c as f64 + d as f64
                })
                .unwrap()
                .func_wrap("h", "two", |x: i32| (x.wrapping_add(1), i64::from(x) << 33))
                .unwrap()
                .func_wrap("h", "ref", |r: Option<petrel::ExternRef>| r)
                .unwrap();
            let instance = linker.instantiate(&mut store, &module).unwrap();
            let what = format!("{tier}, hooked: {hooked}");

            let none = instance.get_typed_func::<(), ()>(&store, "none").unwrap();
            none.call(&mut store, ()).unwrap();
            none.call(&mut store, ()).unwrap();
            assert_eq!(*store.data(), 2, "{what}");
            let neg = instance.get_typed_func::<i32, i32>(&store, "neg").unwrap();
            for x in [0, 1, -1, i32::MIN, i32::MAX] {
                assert_eq!(neg.call(&mut store, x).unwrap(), x.wrapping_neg(), "{what}");
            }
            let four = instance.get_typed_func::<(), i64>(&store, "four").unwrap();
            // (-1 + 1) * 3 ^ i64::MAX
            assert_eq!(four.call(&mut store, ()).unwrap(), i64::MAX, "{what}");
            let five = instance.get_typed_func::<(), i32>(&store, "five").unwrap();
            assert_eq!(five.call(&mut store, ()).unwrap(), 4321 - 50000, "{what}");
            let f32_ = instance.get_typed_func::<(), i32>(&store, "f32").unwrap();
            assert_eq!(
                f32_.call(&mut store, ()).unwrap() as u32,
                0x7fa0_0101,
                "{what}: a NaN's payload"
            );
            let mixed = instance.get_typed_func::<(), f64>(&store, "mixed").unwrap();
            assert_eq!(mixed.call(&mut store, ()).unwrap(), -11.0, "{what}");
            let two = instance
                .get_typed_func::<i32, (i32, i64)>(&store, "two")
                .unwrap();
            assert_eq!(
                two.call(&mut store, -1).unwrap(),
                (0, -1i64 << 33),
                "{what}"
            );
            let r = instance
                .get_typed_func::<Option<petrel::ExternRef>, Option<petrel::ExternRef>>(
                    &store, "ref",
                )
                .unwrap();
            let ext = petrel::ExternRef::new(&mut store, 7u64);
            let back = r
                .call(&mut store, Some(ext))
                .unwrap()
                .expect("the reference");
            assert_eq!(back.data(&store).downcast_ref::<u64>(), Some(&7), "{what}");
            assert!(r.call(&mut store, None).unwrap().is_none(), "{what}");
        }
    }
}
