//! Modules (compiling, validating, describing imports and exports) and
//! calling functions through `Func::call` and `TypedFunc`.

use crate::{instantiate, instantiate_in};
use petrel::{
    Engine, Error, ExternType, Func, FuncType, GlobalType, Instance, MemoryType, Module,
    Mutability, Store, TableType, Val, ValType,
};

const ADD: &str = r#"
    (module
      (func (export "add") (param i32 i32) (result i32)
        local.get 0
        local.get 1
        i32.add))
"#;

/// A small, valid binary that has a type, import, function, memory,
/// export and code section, for the truncation and corruption tests.
fn sample_binary() -> Vec<u8> {
    wat::parse_str(
        r#"
        (module
          (import "env" "f" (func $f (param i32) (result i32)))
          (memory (export "memory") 1 2)
          (global $g (mut i32) (i32.const 7))
          (table 2 funcref)
          (elem (i32.const 0) $f $run)
          (func $run (export "run") (param i32) (result i32)
            (local i64)
            local.get 0
            call $f
            global.get $g
            i32.add
            i32.const 4
            i32.load
            i32.add)
          (data (i32.const 4) "\01\02\03\04"))
        "#,
    )
    .unwrap()
}

#[test]
fn module_new_accepts_text() {
    let engine = Engine::default();
    let module = Module::new(&engine, ADD).unwrap();
    assert_eq!(module.exports().len(), 1);
    assert!(Engine::same(module.engine(), &engine));
}

#[test]
fn module_new_and_from_binary_accept_binary() {
    let engine = Engine::default();
    let binary = wat::parse_str(ADD).unwrap();
    for module in [
        Module::new(&engine, &binary).unwrap(),
        Module::from_binary(&engine, &binary).unwrap(),
    ] {
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let add = instance
            .get_typed_func::<(i32, i32), i32>(&store, "add")
            .unwrap();
        assert_eq!(add.call(&mut store, (40, 2)).unwrap(), 42);
    }
}

#[test]
fn module_name_comes_from_the_name_section() {
    let engine = Engine::default();
    let named = Module::new(&engine, "(module $calculator)").unwrap();
    assert_eq!(named.name(), Some("calculator"));
    let anonymous = Module::new(&engine, "(module)").unwrap();
    assert_eq!(anonymous.name(), None);
}

#[track_caller]
fn expect_compile_error(result: petrel::Result<()>) -> petrel::CompileError {
    match result {
        Err(Error::Compile(e)) => *e,
        Err(other) => panic!("expected a compile error, got {other:?}"),
        Ok(()) => panic!("expected a compile error, got Ok"),
    }
}

#[test]
fn validate_rejects_garbage_with_an_offset() {
    let engine = Engine::default();
    for bytes in [
        &b""[..],
        b"hello, world",
        b"\0asm",
        b"\0asm\x02\0\0\0",
        b"\0asm\x01\0\0\0\xff",
        &[0xff; 64],
    ] {
        let e = expect_compile_error(Module::validate(&engine, bytes));
        assert!(e.offset().is_some(), "{bytes:?}: {e} has no offset");
        assert!(e.offset().unwrap() <= bytes.len(), "{bytes:?}: {e}");
        assert!(!e.message().is_empty());
    }
}

#[test]
fn validate_accepts_a_valid_module() {
    Module::validate(&Engine::default(), &sample_binary()).unwrap();
}

#[test]
fn validate_rejects_every_truncation_without_panicking() {
    let engine = Engine::default();
    let binary = sample_binary();
    for len in 0..binary.len() {
        let prefix = &binary[..len];
        // The 8-byte header alone is an empty, valid module.
        if len == 8 {
            Module::validate(&engine, prefix).unwrap();
            continue;
        }
        let result = Module::validate(&engine, prefix);
        // A cut exactly between sections leaves a valid (shorter) module;
        // anything else must be an error with an offset.
        if let Err(e) = result {
            let e = match e {
                Error::Compile(e) => e,
                other => panic!("truncated to {len}: expected a compile error, got {other:?}"),
            };
            assert!(e.offset().is_some(), "truncated to {len}: {e}");
        }
    }
}

#[test]
fn corrupted_bytes_never_panic_in_validate_or_compile() {
    let binary = sample_binary();
    let engines = [
        Engine::default(),
        crate::engine_with(|c| {
            c.lazy_translation(false);
        }),
    ];
    for i in 8..binary.len() {
        for replacement in [0x00, 0x01, 0x7f, 0x80, 0xff, binary[i] ^ 0x40] {
            let mut bytes = binary.clone();
            bytes[i] = replacement;
            for engine in &engines {
                let validated = Module::validate(engine, &bytes);
                let compiled = Module::from_binary(engine, &bytes);
                assert_eq!(
                    validated.is_ok(),
                    compiled.is_ok(),
                    "byte {i} = {replacement:#x}: validate and from_binary disagree"
                );
                if let Err(e) = validated {
                    assert!(
                        matches!(&e, Error::Compile(c) if c.offset().is_some()),
                        "byte {i} = {replacement:#x}: {e:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn invalid_function_body_is_a_compile_error_naming_the_function() {
    let engine = Engine::default();
    // Well-formed but ill-typed: i32.add of an i32 and an i64.
    let binary = wat::parse_str(
        r#"(module
             (func)
             (func (result i32) i32.const 1 i64.const 2 i32.add))"#,
    )
    .unwrap();
    let e = expect_compile_error(Module::validate(&engine, &binary));
    assert!(e.offset().is_some());
    let e = match Module::from_binary(&engine, &binary) {
        Err(Error::Compile(e)) => e,
        other => panic!("expected a compile error, got {other:?}"),
    };
    assert_eq!(e.func_index(), Some(1), "{e}");
    let offset = e.offset().expect("an offset");
    assert!(offset < binary.len(), "{e}");
    assert!(e.to_string().contains("invalid module"), "{e}");
}

#[test]

fn compile_error_func_index_counts_imported_functions() {
    // `CompileError::func_index` and `FrameInfo::func_index` should both be
    // in the module's function index space, where imports come first: the
    // bad body below is function 2 (one import, then two definitions).
    let engine = Engine::default();
    let binary = wat::parse_str(
        r#"(module
             (import "env" "f" (func))
             (func)
             (func (result i32) i32.const 1 i64.const 2 i32.add))"#,
    )
    .unwrap();
    let e = match Module::from_binary(&engine, &binary) {
        Err(Error::Compile(e)) => e,
        other => panic!("expected a compile error, got {other:?}"),
    };
    assert_eq!(e.func_index(), Some(2), "{e}");
}

#[test]
fn text_syntax_error_is_a_compile_error() {
    let engine = Engine::default();
    let err = Module::new(&engine, "(module (func (export \"f\") i32.frobnicate))").unwrap_err();
    assert!(matches!(err, Error::Compile(_)), "{err:?}");
    // The `wat` crate does not expose the byte offset, but its message
    // points at line and column.
    assert!(err.to_string().contains("1:28"), "{err}");
}

#[test]
fn module_new_on_invalid_binary_reports_an_offset() {
    let engine = Engine::default();
    // A type section that claims 5 bytes but has none.
    let err = Module::new(&engine, b"\0asm\x01\0\0\0\x01\x05").unwrap_err();
    match err {
        Error::Compile(e) => assert_eq!(e.offset(), Some(10), "{e}"),
        other => panic!("expected a compile error, got {other:?}"),
    }
    // Bytes that are neither binary nor UTF-8 text are an error too.
    let err = Module::new(&engine, [0xffu8, 0xfe, 0x00]).unwrap_err();
    assert!(matches!(err, Error::Compile(_)), "{err:?}");
}

#[test]
fn imports_and_exports_are_listed_in_order_with_types() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"
        (module
          (import "env" "log" (func (param i32 i64)))
          (import "env" "mem" (memory 1 2))
          (import "other" "tab" (table 3 funcref))
          (import "other" "g" (global (mut f64)))
          (import "env" "get" (func (result f32)))
          (func $f (param f64) (result i32 i32) i32.const 0 i32.const 1)
          (global $c i64 (i64.const 0))
          (export "z_func" (func $f))
          (export "a_global" (global $c))
          (export "mem" (memory 0))
          (export "tab" (table 0))
          (export "imported" (func 0)))
        "#,
    )
    .unwrap();

    let imports: Vec<(String, String, ExternType)> = module
        .imports()
        .map(|i| (i.module().to_string(), i.name().to_string(), i.ty()))
        .collect();
    let expected_imports = vec![
        (
            "env".to_string(),
            "log".to_string(),
            ExternType::Func(FuncType::new(&engine, [ValType::I32, ValType::I64], [])),
        ),
        (
            "env".into(),
            "mem".into(),
            ExternType::Memory(MemoryType::new(1, Some(2))),
        ),
        (
            "other".into(),
            "tab".into(),
            ExternType::Table(TableType::new(petrel::RefType::FUNCREF, 3, None)),
        ),
        (
            "other".into(),
            "g".into(),
            ExternType::Global(GlobalType::new(ValType::F64, Mutability::Var)),
        ),
        (
            "env".into(),
            "get".into(),
            ExternType::Func(FuncType::new(&engine, [], [ValType::F32])),
        ),
    ];
    assert_eq!(imports, expected_imports);

    // Declaration order, not alphabetical order.
    let exports: Vec<(String, ExternType)> = module
        .exports()
        .map(|e| (e.name().to_string(), e.ty()))
        .collect();
    let expected_exports = vec![
        (
            "z_func".to_string(),
            ExternType::Func(FuncType::new(
                &engine,
                [ValType::F64],
                [ValType::I32, ValType::I32],
            )),
        ),
        (
            "a_global".into(),
            ExternType::Global(GlobalType::new(ValType::I64, Mutability::Const)),
        ),
        (
            "mem".into(),
            ExternType::Memory(MemoryType::new(1, Some(2))),
        ),
        (
            "tab".into(),
            ExternType::Table(TableType::new(petrel::RefType::FUNCREF, 3, None)),
        ),
        (
            "imported".into(),
            ExternType::Func(FuncType::new(&engine, [ValType::I32, ValType::I64], [])),
        ),
    ];
    assert_eq!(exports, expected_exports);
}

#[test]
fn instance_exports_are_listed_in_declaration_order() {
    let (store, instance) = instantiate(
        r#"(module
             (memory (export "m") 1)
             (func (export "b"))
             (global (export "a") i32 (i32.const 1)))"#,
    );
    let names: Vec<String> = instance
        .exports(&store)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names, ["m", "b", "a"]);
    assert!(instance.get_memory(&store, "m").is_some());
    assert!(instance.get_func(&store, "b").is_some());
    assert!(instance.get_global(&store, "a").is_some());
    assert!(instance.get_func(&store, "m").is_none(), "m is not a func");
    assert!(instance.get_export(&store, "nope").is_none());
}

#[test]
fn get_typed_func_of_missing_export_is_an_error() {
    let (store, instance) = instantiate(ADD);
    assert!(instance.get_typed_func::<(), ()>(&store, "nope").is_err());
}

#[test]
fn module_from_another_engine_is_rejected() {
    let a = Engine::default();
    let b = Engine::default();
    let module = Module::new(&a, ADD).unwrap();
    let mut store = Store::new(&b, ());
    let err = Instance::new(&mut store, &module, &[]).unwrap_err();
    assert!(matches!(err, Error::Usage(_)), "{err:?}");
}

#[test]
fn func_call_with_wrong_argument_count_is_an_error() {
    let (mut store, instance) = instantiate(ADD);
    let add = instance.get_func(&store, "add").unwrap();
    let mut results = [Val::I32(0)];
    for args in [
        &[][..],
        &[Val::I32(1)],
        &[Val::I32(1), Val::I32(2), Val::I32(3)],
    ] {
        let err = add.call(&mut store, args, &mut results).unwrap_err();
        assert!(matches!(err, Error::Usage(_)), "{err:?}");
    }
    // Too little or too much room for results is also refused.
    let err = add
        .call(&mut store, &[Val::I32(1), Val::I32(2)], &mut [])
        .unwrap_err();
    assert!(matches!(err, Error::Usage(_)), "{err:?}");
    let mut two = [Val::I32(0), Val::I32(0)];
    assert!(add
        .call(&mut store, &[Val::I32(1), Val::I32(2)], &mut two)
        .is_err());
    // And the store still works.
    add.call(&mut store, &[Val::I32(1), Val::I32(2)], &mut results)
        .unwrap();
    assert_eq!(results[0], Val::I32(3));
}

#[test]
fn func_call_with_wrong_argument_types_is_an_error() {
    let (mut store, instance) = instantiate(ADD);
    let add = instance.get_func(&store, "add").unwrap();
    let mut results = [Val::I32(0)];
    for args in [
        [Val::I64(1), Val::I32(2)],
        [Val::I32(1), Val::F32(2.0f32.to_bits())],
        [Val::F64(0), Val::FuncRef(None)],
        [Val::I32(1), Val::ExternRef(None)],
    ] {
        let err = add.call(&mut store, &args, &mut results).unwrap_err();
        assert!(matches!(err, Error::Usage(_)), "{args:?}: {err:?}");
    }
}

#[test]
fn func_ty_reports_the_signature() {
    let (store, instance) = instantiate(ADD);
    let add = instance.get_func(&store, "add").unwrap();
    assert_eq!(
        add.ty(&store),
        FuncType::new(store.engine(), [ValType::I32, ValType::I32], [ValType::I32])
    );
    assert_eq!(
        add.ty(&store).to_string(),
        "(func (param i32 i32) (result i32))"
    );
}

#[test]
fn typed_func_with_wrong_signature_is_an_error() {
    let (mut store, instance) = instantiate(ADD);
    assert!(instance
        .get_typed_func::<(i32, i32), i64>(&store, "add")
        .is_err());
    assert!(instance
        .get_typed_func::<(i64, i32), i32>(&store, "add")
        .is_err());
    assert!(instance.get_typed_func::<i32, i32>(&store, "add").is_err());
    assert!(instance
        .get_typed_func::<(i32, i32, i32), i32>(&store, "add")
        .is_err());
    assert!(instance
        .get_typed_func::<(i32, i32), ()>(&store, "add")
        .is_err());
    assert!(instance
        .get_typed_func::<(i32, i32), (i32, i32)>(&store, "add")
        .is_err());
    let add = instance.get_func(&store, "add").unwrap();
    assert!(add.typed::<(f32, f32), f32>(&store).is_err());
    // Unsigned Rust types map to the same Wasm types.
    let add = add.typed::<(u32, u32), u32>(&store).unwrap();
    assert_eq!(add.call(&mut store, (u32::MAX, 2)).unwrap(), 1);
}

#[test]
fn typed_calls_pass_every_number_type() {
    let (mut store, instance) = instantiate(
        r#"(module
             (func (export "i32") (param i32) (result i32)
               local.get 0 i32.const 3 i32.mul)
             (func (export "i64") (param i64) (result i64)
               local.get 0 i64.const 0x100000000 i64.add)
             (func (export "f32") (param f32) (result f32)
               local.get 0 f32.const 0.5 f32.mul)
             (func (export "f64") (param f64) (result f64)
               local.get 0 f64.sqrt)
             (func (export "none")))"#,
    );
    let i32f = instance.get_typed_func::<i32, i32>(&store, "i32").unwrap();
    assert_eq!(i32f.call(&mut store, -7).unwrap(), -21);
    assert_eq!(
        i32f.call(&mut store, i32::MAX).unwrap(),
        i32::MAX.wrapping_mul(3)
    );
    let i64f = instance.get_typed_func::<i64, i64>(&store, "i64").unwrap();
    assert_eq!(i64f.call(&mut store, -1).unwrap(), 0xffff_ffff);
    let f32f = instance.get_typed_func::<f32, f32>(&store, "f32").unwrap();
    assert_eq!(f32f.call(&mut store, 3.0).unwrap(), 1.5);
    let f64f = instance.get_typed_func::<f64, f64>(&store, "f64").unwrap();
    assert_eq!(f64f.call(&mut store, 2.25).unwrap(), 1.5);
    let none = instance.get_typed_func::<(), ()>(&store, "none").unwrap();
    none.call(&mut store, ()).unwrap();
}

#[test]
fn multi_value_results_come_back_as_tuples() {
    let (mut store, instance) = instantiate(
        r#"(module
             (func (export "swap") (param i32 i64 f32 f64) (result f64 f32 i64 i32)
               local.get 3 local.get 2 local.get 1 local.get 0)
             (func (export "divmod") (param i32 i32) (result i32 i32)
               (i32.div_u (local.get 0) (local.get 1))
               (i32.rem_u (local.get 0) (local.get 1))))"#,
    );
    let swap = instance
        .get_typed_func::<(i32, i64, f32, f64), (f64, f32, i64, i32)>(&store, "swap")
        .unwrap();
    assert_eq!(
        swap.call(&mut store, (1, -2, 3.5, -4.25)).unwrap(),
        (-4.25, 3.5, -2, 1)
    );
    let divmod = instance
        .get_typed_func::<(i32, i32), (i32, i32)>(&store, "divmod")
        .unwrap();
    assert_eq!(divmod.call(&mut store, (17, 5)).unwrap(), (3, 2));

    // The same through the untyped interface.
    let swap = instance.get_func(&store, "swap").unwrap();
    let mut results = [Val::I32(0); 4];
    swap.call(
        &mut store,
        &[
            Val::I32(1),
            Val::I64(2),
            Val::from(3.0f32),
            Val::from(4.0f64),
        ],
        &mut results,
    )
    .unwrap();
    assert_eq!(
        results,
        [
            Val::from(4.0f64),
            Val::from(3.0f32),
            Val::I64(2),
            Val::I32(1)
        ]
    );
}

#[test]
fn many_parameters_and_results_pass_through() {
    // More than fit in one cache line of slots, mixed types.
    let (mut store, instance) = instantiate(
        r#"(module
             (func (export "sum10")
               (param i32 i64 i32 i64 i32 i64 i32 i64 i32 i64) (result i64)
               (i64.add (i64.extend_i32_s (local.get 0)) (local.get 1))
               (i64.add (i64.extend_i32_s (local.get 2)))
               (i64.add (local.get 3))
               (i64.add (i64.extend_i32_s (local.get 4)))
               (i64.add (local.get 5))
               (i64.add (i64.extend_i32_s (local.get 6)))
               (i64.add (local.get 7))
               (i64.add (i64.extend_i32_s (local.get 8)))
               (i64.add (local.get 9))))"#,
    );
    let sum = instance
        .get_typed_func::<(i32, i64, i32, i64, i32, i64, i32, i64, i32, i64), i64>(&store, "sum10")
        .unwrap();
    assert_eq!(
        sum.call(&mut store, (1, 2, 3, 4, 5, 6, 7, 8, 9, -10))
            .unwrap(),
        35
    );
}

const SIGNALLING_NAN_32: u32 = 0x7fa0_0001;
const NEGATIVE_NAN_32: u32 = 0xffc0_1234;
const SIGNALLING_NAN_64: u64 = 0x7ff4_0000_0000_0001;
const NEGATIVE_NAN_64: u64 = 0xfff8_dead_beef_0001;

#[test]
fn nan_bit_patterns_survive_calls() {
    let (mut store, instance) = instantiate(
        r#"(module
             (global $g32 (mut f32) (f32.const 0))
             (global $g64 (mut f64) (f64.const 0))
             (memory 1)
             (func (export "id32") (param f32) (result f32) local.get 0)
             (func (export "id64") (param f64) (result f64) local.get 0)
             (func (export "via_global32") (param f32) (result f32)
               local.get 0 global.set $g32 global.get $g32)
             (func (export "via_global64") (param f64) (result f64)
               local.get 0 global.set $g64 global.get $g64)
             (func (export "via_memory32") (param f32) (result f32)
               i32.const 8 local.get 0 f32.store
               i32.const 8 f32.load)
             (func (export "via_memory64") (param f64) (result f64)
               i32.const 8 local.get 0 f64.store
               i32.const 8 f64.load)
             (func (export "via_select32") (param f32 i32) (result f32)
               local.get 0 f32.const 1 local.get 1 select))"#,
    );
    for name in ["id32", "via_global32", "via_memory32"] {
        let f = instance.get_func(&store, name).unwrap();
        for bits in [SIGNALLING_NAN_32, NEGATIVE_NAN_32, 0x7fc0_0000, 0x8000_0000] {
            let mut out = [Val::F32(0)];
            f.call(&mut store, &[Val::F32(bits)], &mut out).unwrap();
            assert_eq!(out[0], Val::F32(bits), "{name}({bits:#x})");
            let typed = f.typed::<f32, f32>(&store).unwrap();
            let r = typed.call(&mut store, f32::from_bits(bits)).unwrap();
            assert_eq!(r.to_bits(), bits, "typed {name}({bits:#x})");
        }
    }
    for name in ["id64", "via_global64", "via_memory64"] {
        let f = instance.get_func(&store, name).unwrap();
        for bits in [SIGNALLING_NAN_64, NEGATIVE_NAN_64, 0x8000_0000_0000_0000] {
            let mut out = [Val::F64(0)];
            f.call(&mut store, &[Val::F64(bits)], &mut out).unwrap();
            assert_eq!(out[0], Val::F64(bits), "{name}({bits:#x})");
            let typed = f.typed::<f64, f64>(&store).unwrap();
            let r = typed.call(&mut store, f64::from_bits(bits)).unwrap();
            assert_eq!(r.to_bits(), bits, "typed {name}({bits:#x})");
        }
    }
    let select = instance
        .get_typed_func::<(f32, i32), f32>(&store, "via_select32")
        .unwrap();
    let r = select
        .call(&mut store, (f32::from_bits(SIGNALLING_NAN_32), 1))
        .unwrap();
    assert_eq!(r.to_bits(), SIGNALLING_NAN_32);
}

#[test]
fn sign_operations_on_nan_touch_only_the_sign_bit() {
    // neg, abs and copysign are bitwise in the spec: the payload (and the
    // signalling bit) must survive.
    let (mut store, instance) = instantiate(
        r#"(module
             (func (export "neg32") (param f32) (result f32) local.get 0 f32.neg)
             (func (export "abs32") (param f32) (result f32) local.get 0 f32.abs)
             (func (export "copysign32") (param f32 f32) (result f32)
               local.get 0 local.get 1 f32.copysign)
             (func (export "neg64") (param f64) (result f64) local.get 0 f64.neg)
             (func (export "abs64") (param f64) (result f64) local.get 0 f64.abs))"#,
    );
    let neg32 = instance
        .get_typed_func::<f32, f32>(&store, "neg32")
        .unwrap();
    let abs32 = instance
        .get_typed_func::<f32, f32>(&store, "abs32")
        .unwrap();
    let copysign32 = instance
        .get_typed_func::<(f32, f32), f32>(&store, "copysign32")
        .unwrap();
    let neg64 = instance
        .get_typed_func::<f64, f64>(&store, "neg64")
        .unwrap();
    let abs64 = instance
        .get_typed_func::<f64, f64>(&store, "abs64")
        .unwrap();
    let snan32 = f32::from_bits(SIGNALLING_NAN_32);
    assert_eq!(
        neg32.call(&mut store, snan32).unwrap().to_bits(),
        SIGNALLING_NAN_32 | 0x8000_0000
    );
    assert_eq!(
        abs32
            .call(&mut store, f32::from_bits(NEGATIVE_NAN_32))
            .unwrap()
            .to_bits(),
        NEGATIVE_NAN_32 & 0x7fff_ffff
    );
    assert_eq!(
        copysign32
            .call(&mut store, (snan32, -1.0))
            .unwrap()
            .to_bits(),
        SIGNALLING_NAN_32 | 0x8000_0000
    );
    assert_eq!(
        neg64
            .call(&mut store, f64::from_bits(SIGNALLING_NAN_64))
            .unwrap()
            .to_bits(),
        SIGNALLING_NAN_64 | (1 << 63)
    );
    assert_eq!(
        abs64
            .call(&mut store, f64::from_bits(NEGATIVE_NAN_64))
            .unwrap()
            .to_bits(),
        NEGATIVE_NAN_64 & !(1 << 63)
    );
}

#[test]
fn nan_bit_patterns_survive_host_functions() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "id32" (func $id32 (param f32) (result f32)))
             (import "host" "id64" (func $id64 (param f64) (result f64)))
             (func (export "run32") (param f32) (result f32)
               local.get 0 call $id32)
             (func (export "run64") (param f64) (result f64)
               local.get 0 call $id64))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let id32 = Func::wrap(&mut store, |x: f32| x);
    let id64 = Func::new(
        &mut store,
        FuncType::new(&engine, [ValType::F64], [ValType::F64]),
        |_caller, args, results| {
            results[0] = args[0];
            Ok(())
        },
    );
    let instance = Instance::new(&mut store, &module, &[id32.into(), id64.into()]).unwrap();
    let run32 = instance
        .get_typed_func::<f32, f32>(&store, "run32")
        .unwrap();
    let run64 = instance
        .get_typed_func::<f64, f64>(&store, "run64")
        .unwrap();
    assert_eq!(
        run32
            .call(&mut store, f32::from_bits(SIGNALLING_NAN_32))
            .unwrap()
            .to_bits(),
        SIGNALLING_NAN_32
    );
    assert_eq!(
        run64
            .call(&mut store, f64::from_bits(SIGNALLING_NAN_64))
            .unwrap()
            .to_bits(),
        SIGNALLING_NAN_64
    );
}

#[test]
fn host_functions_can_be_called_directly_from_the_host() {
    let mut store = Store::new(&Engine::default(), 10i64);
    let f = Func::wrap(&mut store, |caller: petrel::Caller<'_, i64>, x: i64| {
        assert!(caller.get_export("memory").is_none());
        x + *caller.data()
    });
    let typed = f.typed::<i64, i64>(&store).unwrap();
    assert_eq!(typed.call(&mut store, 5).unwrap(), 15);
    let mut out = [Val::I64(0)];
    f.call(&mut store, &[Val::I64(1)], &mut out).unwrap();
    assert_eq!(out[0], Val::I64(11));
}

#[test]
fn start_function_runs_at_instantiation() {
    let (store, instance) = instantiate(
        r#"(module
             (global $g (export "g") (mut i32) (i32.const 0))
             (func $start (global.set $g (i32.const 99)))
             (start $start))"#,
    );
    let g = instance.get_global(&store, "g").unwrap();
    assert_eq!(g.get(&store), Val::I32(99));
}

#[test]
fn store_data_is_reachable_and_returned() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, vec![1, 2]);
    store.data_mut().push(3);
    assert_eq!(store.data(), &[1, 2, 3]);
    assert!(Engine::same(store.engine(), &engine));
    assert_eq!(store.into_data(), vec![1, 2, 3]);
}

#[test]
fn one_module_instantiates_many_times_with_separate_state() {
    let engine = Engine::default();
    let wat = r#"(module
                   (global $n (mut i32) (i32.const 0))
                   (func (export "bump") (result i32)
                     (global.set $n (i32.add (global.get $n) (i32.const 1)))
                     global.get $n))"#;
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let a = Instance::new(&mut store, &module, &[]).unwrap();
    let b = Instance::new(&mut store, &module, &[]).unwrap();
    let bump_a = a.get_typed_func::<(), i32>(&store, "bump").unwrap();
    let bump_b = b.get_typed_func::<(), i32>(&store, "bump").unwrap();
    assert_eq!(bump_a.call(&mut store, ()).unwrap(), 1);
    assert_eq!(bump_a.call(&mut store, ()).unwrap(), 2);
    assert_eq!(bump_b.call(&mut store, ()).unwrap(), 1);
    // And in another store.
    let (mut other, c) = instantiate_in(&engine, wat);
    let bump_c = c.get_typed_func::<(), i32>(&other, "bump").unwrap();
    assert_eq!(bump_c.call(&mut other, ()).unwrap(), 1);
}

#[test]
fn modules_using_unsupported_proposals_are_compile_errors() {
    let engine = Engine::default();
    for wat in [
        // Threads with memory64: a shared 64-bit memory.
        "(module (memory i64 1 1 shared))",
        // GC instructions (its struct and array types are accepted: only
        // null references to them can exist).
        "(module (type $s (struct)) (func (result (ref $s)) struct.new $s))",
        "(module (func (result i31ref) i32.const 1 ref.i31))",
        "(module (func (param anyref externref) local.get 1 any.convert_extern drop))",
    ] {
        let binary = wat::parse_str(wat).unwrap();
        match Module::new(&engine, &binary) {
            Err(Error::Compile(e)) => assert!(e.offset().is_some(), "{wat}: {e}"),
            other => panic!("{wat}: expected a compile error, got {other:?}"),
        }
        assert!(Module::validate(&engine, &binary).is_err(), "{wat}");
    }
}

/// Found by the `validate` fuzz target: the compact-imports encoding (a
/// post-2.0 proposal) must be rejected, as `wasmparser` rejects it.
#[test]
fn compact_imports_encoding_is_rejected() {
    let bytes = [
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02, 0x09, 0x01, 0x00, 0x00, 0x7f, 0x01,
        0x00, 0x03, 0x7c, 0x00, 0x06, 0x01, 0x00,
    ];
    assert!(petrel::Module::validate(&petrel::Engine::default(), &bytes).is_err());
}
