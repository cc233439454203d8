//! Traps: every `TrapCode` reached from guest code, the backtraces they
//! carry, errors crossing host/guest boundaries, and the store staying
//! usable afterwards.

use crate::{instantiate, trap_code};
use petrel::{
    Caller, Engine, Error, FrameInfo, Instance, Linker, Module, Store, Trap, TrapCode, Val,
};

const TRAPS: &str = r#"
    (module
      (type $i32_to_i32 (func (param i32) (result i32)))
      (type $void (func))
      (memory 1)
      (table $t 3 funcref)
      (elem (table $t) (i32.const 0) func $takes_i32 $void_fn)
      (func $takes_i32 (type $i32_to_i32) local.get 0)
      (func $void_fn (type $void))

      (func (export "unreachable") unreachable)
      (func (export "i32.div_s") (param i32 i32) (result i32)
        (i32.div_s (local.get 0) (local.get 1)))
      (func (export "i32.div_u") (param i32 i32) (result i32)
        (i32.div_u (local.get 0) (local.get 1)))
      (func (export "i32.rem_s") (param i32 i32) (result i32)
        (i32.rem_s (local.get 0) (local.get 1)))
      (func (export "i32.rem_u") (param i32 i32) (result i32)
        (i32.rem_u (local.get 0) (local.get 1)))
      (func (export "i64.div_s") (param i64 i64) (result i64)
        (i64.div_s (local.get 0) (local.get 1)))
      (func (export "i64.div_u") (param i64 i64) (result i64)
        (i64.div_u (local.get 0) (local.get 1)))
      (func (export "i64.rem_s") (param i64 i64) (result i64)
        (i64.rem_s (local.get 0) (local.get 1)))
      (func (export "i64.rem_u") (param i64 i64) (result i64)
        (i64.rem_u (local.get 0) (local.get 1)))
      (func (export "i32.div_s_by_const_zero") (param i32) (result i32)
        (i32.div_s (local.get 0) (i32.const 0)))
      (func (export "i32.trunc_f32_s") (param f32) (result i32)
        (i32.trunc_f32_s (local.get 0)))
      (func (export "i32.trunc_f32_u") (param f32) (result i32)
        (i32.trunc_f32_u (local.get 0)))
      (func (export "i32.trunc_f64_s") (param f64) (result i32)
        (i32.trunc_f64_s (local.get 0)))
      (func (export "i32.trunc_f64_u") (param f64) (result i32)
        (i32.trunc_f64_u (local.get 0)))
      (func (export "i64.trunc_f32_s") (param f32) (result i64)
        (i64.trunc_f32_s (local.get 0)))
      (func (export "i64.trunc_f64_u") (param f64) (result i64)
        (i64.trunc_f64_u (local.get 0)))
      (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
      (func (export "store") (param i32) (i32.store (local.get 0) (i32.const 1)))
      (func (export "call_indirect_i32") (param i32) (result i32)
        (call_indirect $t (type $i32_to_i32) (i32.const 5) (local.get 0)))
      (func (export "call_indirect_void") (param i32)
        (call_indirect $t (type $void) (local.get 0)))
      (func (export "table.get") (param i32) (result funcref)
        (table.get $t (local.get 0)))
      (func (export "table.set") (param i32)
        (table.set $t (local.get 0) (ref.null func)))
      (func $recurse (export "recurse") (param i32) (result i32)
        (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
      (func $loop_forever_down (export "mutual_a") (param i32) (result i32)
        (call $mutual_b (local.get 0)))
      (func $mutual_b (param i32) (result i32)
        (call $loop_forever_down (local.get 0))))
"#;

#[track_caller]
fn call_traps(store: &mut Store<()>, instance: &Instance, name: &str, args: &[Val]) -> TrapCode {
    let func = instance
        .get_func(&*store, name)
        .unwrap_or_else(|| panic!("no export {name}"));
    let mut results = vec![Val::I32(0); func.ty(&*store).results().len()];
    let err = func
        .call(&mut *store, args, &mut results)
        .expect_err(&format!("{name}({args:?}) should trap"));
    trap_code(&err)
}

#[track_caller]
fn call_ok(store: &mut Store<()>, instance: &Instance, name: &str, args: &[Val]) -> Vec<Val> {
    let func = instance.get_func(&*store, name).unwrap();
    let mut results = vec![Val::I32(0); func.ty(&*store).results().len()];
    func.call(&mut *store, args, &mut results)
        .unwrap_or_else(|e| panic!("{name}({args:?}) failed: {e}"));
    results
}

#[test]
fn unreachable_traps_with_unreachable() {
    let (mut store, instance) = instantiate(TRAPS);
    assert_eq!(
        call_traps(&mut store, &instance, "unreachable", &[]),
        TrapCode::Unreachable
    );
}

#[test]
fn integer_division_by_zero_traps() {
    let (mut store, instance) = instantiate(TRAPS);
    for name in ["i32.div_s", "i32.div_u", "i32.rem_s", "i32.rem_u"] {
        assert_eq!(
            call_traps(&mut store, &instance, name, &[Val::I32(7), Val::I32(0)]),
            TrapCode::IntegerDivideByZero,
            "{name}"
        );
    }
    for name in ["i64.div_s", "i64.div_u", "i64.rem_s", "i64.rem_u"] {
        assert_eq!(
            call_traps(&mut store, &instance, name, &[Val::I64(7), Val::I64(0)]),
            TrapCode::IntegerDivideByZero,
            "{name}"
        );
    }
    assert_eq!(
        call_traps(
            &mut store,
            &instance,
            "i32.div_s_by_const_zero",
            &[Val::I32(1)]
        ),
        TrapCode::IntegerDivideByZero
    );
}

#[test]
fn signed_division_overflow_traps_but_remainder_does_not() {
    let (mut store, instance) = instantiate(TRAPS);
    assert_eq!(
        call_traps(
            &mut store,
            &instance,
            "i32.div_s",
            &[Val::I32(i32::MIN), Val::I32(-1)]
        ),
        TrapCode::IntegerOverflow
    );
    assert_eq!(
        call_traps(
            &mut store,
            &instance,
            "i64.div_s",
            &[Val::I64(i64::MIN), Val::I64(-1)]
        ),
        TrapCode::IntegerOverflow
    );
    // `rem_s` of the same operands is defined to be 0.
    assert_eq!(
        call_ok(
            &mut store,
            &instance,
            "i32.rem_s",
            &[Val::I32(i32::MIN), Val::I32(-1)]
        ),
        [Val::I32(0)]
    );
    assert_eq!(
        call_ok(
            &mut store,
            &instance,
            "i64.rem_s",
            &[Val::I64(i64::MIN), Val::I64(-1)]
        ),
        [Val::I64(0)]
    );
    // Unsigned division of the same bits is fine.
    assert_eq!(
        call_ok(
            &mut store,
            &instance,
            "i32.div_u",
            &[Val::I32(i32::MIN), Val::I32(-1)]
        ),
        [Val::I32(0)]
    );
}

#[test]
fn float_to_int_conversion_of_nan_is_a_bad_conversion() {
    let (mut store, instance) = instantiate(TRAPS);
    for name in ["i32.trunc_f32_s", "i32.trunc_f32_u", "i64.trunc_f32_s"] {
        for bits in [0x7fc0_0000u32, 0xffc0_0000, 0x7fa0_0000] {
            assert_eq!(
                call_traps(&mut store, &instance, name, &[Val::F32(bits)]),
                TrapCode::BadConversionToInteger,
                "{name}({bits:#x})"
            );
        }
    }
    for name in ["i32.trunc_f64_s", "i32.trunc_f64_u", "i64.trunc_f64_u"] {
        assert_eq!(
            call_traps(&mut store, &instance, name, &[Val::from(f64::NAN)]),
            TrapCode::BadConversionToInteger,
            "{name}"
        );
    }
}

#[test]
fn float_to_int_conversion_out_of_range_is_an_overflow() {
    let (mut store, instance) = instantiate(TRAPS);
    let cases: &[(&str, Val)] = &[
        ("i32.trunc_f32_s", Val::from(2147483648.0f32)),
        ("i32.trunc_f32_s", Val::from(-2147483904.0f32)),
        ("i32.trunc_f32_s", Val::from(f32::INFINITY)),
        ("i32.trunc_f32_u", Val::from(-1.0f32)),
        ("i32.trunc_f32_u", Val::from(4294967296.0f32)),
        ("i32.trunc_f64_s", Val::from(2147483648.0f64)),
        ("i32.trunc_f64_s", Val::from(-2147483649.0f64)),
        ("i32.trunc_f64_u", Val::from(-1.0f64)),
        ("i32.trunc_f64_u", Val::from(4294967296.0f64)),
        ("i64.trunc_f32_s", Val::from(9223372036854775808.0f32)),
        ("i64.trunc_f64_u", Val::from(18446744073709551616.0f64)),
        ("i64.trunc_f64_u", Val::from(f64::NEG_INFINITY)),
    ];
    for (name, arg) in cases {
        assert_eq!(
            call_traps(&mut store, &instance, name, &[*arg]),
            TrapCode::IntegerOverflow,
            "{name}({arg:?})"
        );
    }
    // Just inside the range truncates rather than traps.
    let inside: &[(&str, Val, Val)] = &[
        ("i32.trunc_f32_u", Val::from(-0.9f32), Val::I32(0)),
        (
            "i32.trunc_f64_s",
            Val::from(-2147483648.9f64),
            Val::I32(i32::MIN),
        ),
        ("i32.trunc_f64_u", Val::from(4294967295.9f64), Val::I32(-1)),
    ];
    for (name, arg, want) in inside {
        assert_eq!(
            call_ok(&mut store, &instance, name, &[*arg]),
            [*want],
            "{name}"
        );
    }
}

#[test]
fn out_of_bounds_memory_access_traps() {
    let (mut store, instance) = instantiate(TRAPS);
    for addr in [65536, 65533, -1, i32::MIN] {
        assert_eq!(
            call_traps(&mut store, &instance, "load", &[Val::I32(addr)]),
            TrapCode::MemoryOutOfBounds,
            "load {addr}"
        );
        assert_eq!(
            call_traps(&mut store, &instance, "store", &[Val::I32(addr)]),
            TrapCode::MemoryOutOfBounds,
            "store {addr}"
        );
    }
}

#[test]
fn out_of_bounds_table_access_traps() {
    let (mut store, instance) = instantiate(TRAPS);
    for index in [3, 4, -1] {
        assert_eq!(
            call_traps(
                &mut store,
                &instance,
                "call_indirect_i32",
                &[Val::I32(index)]
            ),
            TrapCode::TableOutOfBounds,
            "call_indirect {index}"
        );
        assert_eq!(
            call_traps(&mut store, &instance, "table.get", &[Val::I32(index)]),
            TrapCode::TableOutOfBounds,
            "table.get {index}"
        );
        assert_eq!(
            call_traps(&mut store, &instance, "table.set", &[Val::I32(index)]),
            TrapCode::TableOutOfBounds,
            "table.set {index}"
        );
    }
}

#[test]
fn indirect_call_to_null_entry_traps() {
    let (mut store, instance) = instantiate(TRAPS);
    assert_eq!(
        call_traps(&mut store, &instance, "call_indirect_void", &[Val::I32(2)]),
        TrapCode::IndirectCallToNull
    );
}

#[test]
fn indirect_call_with_wrong_signature_traps() {
    let (mut store, instance) = instantiate(TRAPS);
    // Entry 0 is (i32) -> i32, called as () -> ().
    assert_eq!(
        call_traps(&mut store, &instance, "call_indirect_void", &[Val::I32(0)]),
        TrapCode::BadSignature
    );
    // Entry 1 is () -> (), called as (i32) -> i32.
    assert_eq!(
        call_traps(&mut store, &instance, "call_indirect_i32", &[Val::I32(1)]),
        TrapCode::BadSignature
    );
    // And the matching calls succeed.
    assert_eq!(
        call_ok(&mut store, &instance, "call_indirect_i32", &[Val::I32(0)]),
        [Val::I32(5)]
    );
    call_ok(&mut store, &instance, "call_indirect_void", &[Val::I32(1)]);
}

#[test]
fn infinite_recursion_traps_with_stack_overflow() {
    let (mut store, instance) = instantiate(TRAPS);
    assert_eq!(
        call_traps(&mut store, &instance, "recurse", &[Val::I32(0)]),
        TrapCode::StackOverflow
    );
    assert_eq!(
        call_traps(&mut store, &instance, "mutual_a", &[Val::I32(0)]),
        TrapCode::StackOverflow
    );
}

#[test]
fn trap_display_uses_the_spec_message() {
    let (mut store, instance) = instantiate(TRAPS);
    let err = instance
        .get_typed_func::<(i32, i32), i32>(&store, "i32.div_u")
        .unwrap()
        .call(&mut store, (1, 0))
        .unwrap_err();
    assert!(err.to_string().contains("integer divide by zero"), "{err}");
    assert_eq!(err.trap_code(), Some(TrapCode::IntegerDivideByZero));
    assert_eq!(
        TrapCode::MemoryOutOfBounds.to_string(),
        "out of bounds memory access"
    );
    assert_eq!(
        Trap::new(TrapCode::Unreachable).code(),
        TrapCode::Unreachable
    );
}

#[test]
fn store_is_usable_after_each_kind_of_trap() {
    let (mut store, instance) = instantiate(TRAPS);
    let ok = |store: &mut Store<()>| {
        assert_eq!(
            call_ok(store, &instance, "i32.div_s", &[Val::I32(-9), Val::I32(2)]),
            [Val::I32(-4)]
        );
        assert_eq!(
            call_ok(store, &instance, "call_indirect_i32", &[Val::I32(0)]),
            [Val::I32(5)]
        );
    };
    ok(&mut store);
    call_traps(&mut store, &instance, "unreachable", &[]);
    ok(&mut store);
    call_traps(&mut store, &instance, "recurse", &[Val::I32(0)]);
    ok(&mut store);
    call_traps(&mut store, &instance, "load", &[Val::I32(-1)]);
    ok(&mut store);
    call_traps(&mut store, &instance, "call_indirect_void", &[Val::I32(2)]);
    ok(&mut store);
    // Repeated overflows do not leak stack.
    for _ in 0..20 {
        call_traps(&mut store, &instance, "mutual_a", &[Val::I32(0)]);
    }
    ok(&mut store);
}

const BACKTRACE: &str = r#"
    (module $bt
      (import "host" "nop" (func $nop))
      (func $inner (param i32) (result i32)
        (if (local.get 0) (then unreachable))
        i32.const 0)
      (func $middle (param i32) (result i32)
        (call $inner (local.get 0)))
      (func $outer (export "outer") (param i32) (result i32)
        call $nop
        (call $middle (local.get 0))))
"#;

fn backtrace_instance() -> (Store<()>, Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, BACKTRACE).unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker.func_wrap("host", "nop", || {}).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance)
}

#[test]
fn trap_backtrace_lists_frames_innermost_first_with_names() {
    let (mut store, instance) = backtrace_instance();
    let outer = instance
        .get_typed_func::<i32, i32>(&store, "outer")
        .unwrap();
    let err = outer.call(&mut store, 1).unwrap_err();
    let trap = err.as_trap().expect("a trap");
    assert_eq!(trap.code(), TrapCode::Unreachable);
    // Function 0 is the import, so the defined functions are 1, 2, 3.
    let frames: Vec<(u32, Option<&str>)> = trap
        .backtrace()
        .iter()
        .map(|f| (f.func_index, f.func_name.as_deref()))
        .collect();
    assert_eq!(
        frames,
        [(1, Some("inner")), (2, Some("middle")), (3, Some("outer"))]
    );
    assert!(trap
        .backtrace()
        .iter()
        .all(|f| f.module_name.as_deref() == Some("bt")));
    let text = err.to_string();
    let inner_at = text.find("inner").expect("inner in the message");
    let outer_at = text.find("outer").expect("outer in the message");
    assert!(inner_at < outer_at, "{text}");
    // Success afterwards, then the same trap gives the same backtrace.
    assert_eq!(outer.call(&mut store, 0).unwrap(), 0);
    let again = outer.call(&mut store, 1).unwrap_err();
    assert_eq!(again.as_trap().unwrap().backtrace(), trap.backtrace());
}

#[test]
fn trap_backtrace_without_names_has_indices_only() {
    let engine = Engine::default();
    // The binary has no name section at all.
    let binary = wat::parse_str(
        r#"(module
             (func (export "a") call 1)
             (func call 2)
             (func unreachable))"#,
    )
    .unwrap();
    let stripped = strip_custom_sections(&binary);
    let module = Module::from_binary(&engine, &stripped).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let err = instance
        .get_typed_func::<(), ()>(&store, "a")
        .unwrap()
        .call(&mut store, ())
        .unwrap_err();
    let expected: Vec<FrameInfo> = [2, 1, 0]
        .into_iter()
        .map(|func_index| FrameInfo {
            func_index,
            func_name: None,
            module_name: None,
        })
        .collect();
    assert_eq!(err.as_trap().unwrap().backtrace(), expected.as_slice());
}

/// Drops every custom section (id 0) from a binary module.
fn strip_custom_sections(binary: &[u8]) -> Vec<u8> {
    let mut out = binary[..8].to_vec();
    let mut pos = 8;
    while pos < binary.len() {
        let id = binary[pos];
        let (size, leb_len) = read_leb_u32(&binary[pos + 1..]);
        let end = pos + 1 + leb_len + size as usize;
        if id != 0 {
            out.extend_from_slice(&binary[pos..end]);
        }
        pos = end;
    }
    out
}

fn read_leb_u32(bytes: &[u8]) -> (u32, usize) {
    let mut value = 0u32;
    for (i, byte) in bytes.iter().enumerate() {
        value |= ((byte & 0x7f) as u32) << (7 * i);
        if byte & 0x80 == 0 {
            return (value, i + 1);
        }
    }
    panic!("unterminated LEB128");
}

#[test]
fn trap_backtrace_spans_instances() {
    let engine = Engine::default();
    let lib = Module::new(
        &engine,
        r#"(module $lib
             (func $lib_fail (export "fail") unreachable))"#,
    )
    .unwrap();
    let app = Module::new(
        &engine,
        r#"(module $app
             (import "lib" "fail" (func $imported_fail))
             (func $app_main (export "main") call $imported_fail))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::<()>::new(&engine);
    linker.module(&mut store, "lib", &lib).unwrap();
    let app = linker.instantiate(&mut store, &app).unwrap();
    let err = app
        .get_typed_func::<(), ()>(&store, "main")
        .unwrap()
        .call(&mut store, ())
        .unwrap_err();
    let frames: Vec<String> = err
        .as_trap()
        .unwrap()
        .backtrace()
        .iter()
        .map(|f| f.to_string())
        .collect();
    assert_eq!(frames, ["lib!lib_fail (func 0)", "app!app_main (func 1)"]);
}

#[test]
fn stack_overflow_backtrace_is_innermost_first() {
    let (mut store, instance) = instantiate(
        r#"(module
             (func $leaf (param i32) (result i32)
               (call $leaf (local.get 0)))
             (func $root (export "root") (result i32)
               (call $leaf (i32.const 0))))"#,
    );
    let err = instance
        .get_typed_func::<(), i32>(&store, "root")
        .unwrap()
        .call(&mut store, ())
        .unwrap_err();
    let trap = err.as_trap().unwrap();
    assert_eq!(trap.code(), TrapCode::StackOverflow);
    // Thousands of frames were live; the backtrace keeps the innermost
    // ones and counts the rest.
    let bt = trap.backtrace();
    assert!(bt.len() > 2 && bt.len() <= 64, "{} frames", bt.len());
    assert!(bt.iter().all(|f| f.func_name.as_deref() == Some("leaf")));
    assert_eq!(bt.len() + trap.elided_frames(), 10_000);
    assert!(err.to_string().contains("more frames"), "{err}");
}

#[test]
fn short_backtrace_elides_nothing() {
    let (mut store, instance) = backtrace_instance();
    let err = instance
        .get_typed_func::<i32, i32>(&store, "outer")
        .unwrap()
        .call(&mut store, 1)
        .unwrap_err();
    assert_eq!(err.as_trap().unwrap().elided_frames(), 0);
    assert!(!err.to_string().contains("more frames"), "{err}");
}

#[test]
fn trap_in_wasm_called_from_host_called_from_wasm_propagates() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "call_back" (func $call_back (param i32) (result i32)))
             (func $boom (export "boom") (param i32) (result i32)
               (i32.div_u (i32.const 1) (local.get 0)))
             (func (export "run") (param i32) (result i32)
               (i32.add (call $call_back (local.get 0)) (i32.const 100))))"#,
    )
    .unwrap();
    let mut linker = Linker::<u32>::new(&engine);
    linker
        .func_wrap(
            "host",
            "call_back",
            |mut caller: Caller<'_, u32>, x: i32| -> petrel::Result<i32> {
                *caller.data_mut() += 1;
                let boom = caller.get_export("boom").unwrap().into_func().unwrap();
                let mut out = [Val::I32(0)];
                boom.call(&mut caller, &[Val::I32(x)], &mut out)?;
                Ok(out[0].i32().unwrap())
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, 0);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, 1).unwrap(), 101);
    let err = run.call(&mut store, 0).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::IntegerDivideByZero));
    let bt = err.as_trap().unwrap().backtrace();
    assert_eq!(bt[0].func_name.as_deref(), Some("boom"));
    assert_eq!(*store.data(), 2);
    // And the outer activation is intact for the next call.
    assert_eq!(run.call(&mut store, 1).unwrap(), 101);
}

#[test]
fn host_can_catch_a_guest_trap_and_continue() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "try" (func $try (result i32)))
             (func (export "fail") unreachable)
             (func (export "run") (param i32 i32 i32) (result i32)
               (local $keep i64)
               (local.set $keep (i64.const 0x1122334455667788))
               (i32.add
                 (i32.add (local.get 0) (local.get 1))
                 (i32.add (local.get 2) (call $try)))
               (i32.wrap_i64 (i64.shr_u (local.get $keep) (i64.const 32)))
               i32.add))"#,
    )
    .unwrap();
    let mut linker = Linker::<Vec<TrapCode>>::new(&engine);
    linker
        .func_wrap(
            "host",
            "try",
            |mut caller: Caller<'_, Vec<TrapCode>>| -> i32 {
                let fail = caller.get_export("fail").unwrap().into_func().unwrap();
                let err = fail.call(&mut caller, &[], &mut []).unwrap_err();
                caller.data_mut().push(err.trap_code().unwrap());
                1000
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, Vec::new());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance
        .get_typed_func::<(i32, i32, i32), i32>(&store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, (1, 2, 3)).unwrap(), 1006 + 0x1122_3344);
    assert_eq!(store.data(), &[TrapCode::Unreachable]);
}

#[test]
fn trap_in_start_function_fails_instantiation() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (func $start unreachable) (start $start))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let err = Instance::new(&mut store, &module, &[]).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::Unreachable);
}

#[test]
fn out_of_bounds_segments_fail_instantiation_with_a_trap() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let data = Module::new(
        &engine,
        r#"(module (memory 1) (data (i32.const 65535) "ab"))"#,
    )
    .unwrap();
    let err = Instance::new(&mut store, &data, &[]).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds);
    let elem = Module::new(
        &engine,
        r#"(module (table 1 funcref) (func $f) (elem (i32.const 1) $f))"#,
    )
    .unwrap();
    let err = Instance::new(&mut store, &elem, &[]).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::TableOutOfBounds);
}

#[test]
fn error_accessors_distinguish_traps_from_other_errors() {
    let trap: Error = TrapCode::BadSignature.into();
    assert_eq!(trap.trap_code(), Some(TrapCode::BadSignature));
    assert!(trap.downcast_ref::<std::fmt::Error>().is_none());
    let host = Error::msg("nope");
    assert_eq!(host.trap_code(), None);
    assert!(host.as_trap().is_none());
}
