//! Resolving imports: by name through a `Linker`, positionally through
//! `Instance::new`, and what goes wrong when they do not match. Also
//! entities shared between instances through imports.

use crate::every_tier;
use petrel::{
    Engine, Error, Extern, Global, GlobalType, Instance, LinkError, LinkErrorKind, Linker, Memory,
    MemoryType, Module, Mutability, Store, Table, TableType, UnknownImportError, Val, ValType,
};

#[track_caller]
fn link_error(err: Error) -> LinkError {
    match err {
        Error::Link(e) => *e,
        other => panic!("expected a link error, got {other:?}"),
    }
}

#[test]
fn missing_import_is_a_link_error_naming_module_and_field() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "env" "present" (func))
             (import "env" "absent" (func (param i32))))"#,
    )
    .unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker.func_wrap("env", "present", || {}).unwrap();
    let mut store = Store::new(&engine, ());
    let e = link_error(linker.instantiate(&mut store, &module).unwrap_err());
    assert_eq!(e.module, "env");
    assert_eq!(e.name, "absent");
    assert!(
        matches!(&e.kind, LinkErrorKind::Missing { expected } if expected.contains("i32")),
        "{e:?}"
    );
    assert!(e.to_string().contains("env::absent"), "{e}");
}

#[test]
fn missing_memory_table_and_global_imports_are_link_errors() {
    let engine = Engine::default();
    for (wat, name) in [
        (r#"(module (import "m" "mem" (memory 1)))"#, "mem"),
        (r#"(module (import "m" "tab" (table 1 funcref)))"#, "tab"),
        (r#"(module (import "m" "glob" (global i32)))"#, "glob"),
    ] {
        let module = Module::new(&engine, wat).unwrap();
        let linker = Linker::<()>::new(&engine);
        let mut store = Store::new(&engine, ());
        let e = link_error(linker.instantiate(&mut store, &module).unwrap_err());
        assert_eq!((e.module.as_str(), e.name.as_str()), ("m", name));
        assert!(matches!(e.kind, LinkErrorKind::Missing { .. }), "{e:?}");
    }
}

#[test]
fn unknown_function_imports_defined_as_traps_fail_only_when_called_naming_the_import() {
    for (tier, engine) in every_tier(|_| {}) {
        let module = Module::new(
            &engine,
            r#"(module
                 (import "env" "known" (func (result i32)))
                 (import "env" "missing" (func (param i32) (result i32)))
                 (import "other" "gone" (func))
                 (func (export "fine") (result i32) call 0)
                 (func (export "calls_missing") (result i32)
                   i32.const 7 call 1)
                 (func (export "calls_gone") call 2))"#,
        )
        .unwrap();
        let mut linker = Linker::<()>::new(&engine);
        linker.func_wrap("env", "known", || 42i32).unwrap();
        linker.define_unknown_imports_as_traps(&module).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &module).unwrap();

        // What is defined stays as it was.
        let fine = instance
            .get_typed_func::<(), i32>(&mut store, "fine")
            .unwrap();
        assert_eq!(fine.call(&mut store, ()).unwrap(), 42, "{tier}");

        for (export, module_name, name) in [
            ("calls_missing", "env", "missing"),
            ("calls_gone", "other", "gone"),
        ] {
            let func = instance.get_func(&mut store, export).unwrap();
            let mut results = vec![Val::I32(0); func.ty(&store).results().len()];
            let err = func.call(&mut store, &[], &mut results).unwrap_err();
            let unknown = err
                .downcast_ref::<UnknownImportError>()
                .unwrap_or_else(|| panic!("{tier}: expected an unknown import, got {err:?}"));
            assert_eq!(
                (unknown.module.as_str(), unknown.name.as_str()),
                (module_name, name),
                "{tier}"
            );
            assert!(
                err.to_string()
                    .contains(&format!("`{module_name}::{name}`")),
                "{tier}: {err}"
            );
        }
        // The store is still usable after the failed call.
        assert_eq!(fine.call(&mut store, ()).unwrap(), 42, "{tier}");
    }
}

#[test]
fn unknown_imports_as_traps_leaves_non_function_imports_missing() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (import "env" "f" (func)) (import "env" "mem" (memory 1)))"#,
    )
    .unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker.define_unknown_imports_as_traps(&module).unwrap();
    // Defining twice (or for a module whose imports are already defined)
    // adds nothing and is no error.
    linker.define_unknown_imports_as_traps(&module).unwrap();
    let mut store = Store::new(&engine, ());
    let e = link_error(linker.instantiate(&mut store, &module).unwrap_err());
    assert_eq!((e.module.as_str(), e.name.as_str()), ("env", "mem"));
}

#[test]
fn wrong_function_signature_is_an_incompatible_link_error() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (import "env" "f" (func (param i64) (result i32))))"#,
    )
    .unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker.func_wrap("env", "f", |x: i32| x).unwrap();
    let mut store = Store::new(&engine, ());
    let e = link_error(linker.instantiate(&mut store, &module).unwrap_err());
    assert_eq!((e.module.as_str(), e.name.as_str()), ("env", "f"));
    match &e.kind {
        LinkErrorKind::Incompatible { expected, found } => {
            assert!(expected.contains("i64"), "{e}");
            assert!(found.contains("(param i32)"), "{e}");
        }
        other => panic!("expected Incompatible, got {other:?}"),
    }
    assert!(e.to_string().contains("env::f"), "{e}");
}

#[test]
fn wrong_kind_of_import_is_an_incompatible_link_error() {
    let engine = Engine::default();
    let module = Module::new(&engine, r#"(module (import "env" "m" (memory 1)))"#).unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker.func_wrap("env", "m", || {}).unwrap();
    let mut store = Store::new(&engine, ());
    let e = link_error(linker.instantiate(&mut store, &module).unwrap_err());
    assert!(
        matches!(e.kind, LinkErrorKind::Incompatible { .. }),
        "{e:?}"
    );
}

#[test]
fn incompatible_global_memory_and_table_imports_are_rejected() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let const_i32 = Global::new(
        &mut store,
        GlobalType::new(ValType::I32, Mutability::Const),
        Val::I32(1),
    )
    .unwrap();
    let var_i64 = Global::new(
        &mut store,
        GlobalType::new(ValType::I64, Mutability::Var),
        Val::I64(1),
    )
    .unwrap();
    let small_memory = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
    let bounded_memory = Memory::new(&mut store, MemoryType::new(2, Some(4))).unwrap();
    let extern_table = Table::new(
        &mut store,
        TableType::new(petrel::RefType::EXTERNREF, 4, None),
        Val::ExternRef(None),
    )
    .unwrap();
    let cases: Vec<(&str, Extern)> = vec![
        // Mutability must match exactly.
        (
            r#"(module (import "" "x" (global (mut i32))))"#,
            const_i32.into(),
        ),
        (r#"(module (import "" "x" (global i64)))"#, var_i64.into()),
        // Value type must match.
        (r#"(module (import "" "x" (global i64)))"#, const_i32.into()),
        // Too small.
        (
            r#"(module (import "" "x" (memory 2)))"#,
            small_memory.into(),
        ),
        // No maximum where one is required.
        (
            r#"(module (import "" "x" (memory 1 8)))"#,
            small_memory.into(),
        ),
        // Maximum larger than required.
        (
            r#"(module (import "" "x" (memory 1 3)))"#,
            bounded_memory.into(),
        ),
        // Element type must match.
        (
            r#"(module (import "" "x" (table 1 funcref)))"#,
            extern_table.into(),
        ),
    ];
    for (wat, ext) in cases {
        let module = Module::new(&engine, wat).unwrap();
        let err = Instance::new(&mut store, &module, &[ext]).unwrap_err();
        let e = link_error(err);
        assert!(
            matches!(e.kind, LinkErrorKind::Incompatible { .. }),
            "{wat}: {e:?}"
        );
    }
    // And the compatible ones are accepted.
    for (wat, ext) in [
        (
            r#"(module (import "" "x" (global i32)))"#,
            Extern::from(const_i32),
        ),
        (
            r#"(module (import "" "x" (memory 1 5)))"#,
            bounded_memory.into(),
        ),
        (
            r#"(module (import "" "x" (table 2 externref)))"#,
            extern_table.into(),
        ),
    ] {
        let module = Module::new(&engine, wat).unwrap();
        Instance::new(&mut store, &module, &[ext]).unwrap();
    }
}

#[test]
fn wrong_number_of_positional_imports_is_a_link_error() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (import "a" "b" (func)) (import "a" "c" (func)))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let f = petrel::Func::wrap(&mut store, || {});
    let e = link_error(Instance::new(&mut store, &module, &[f.into()]).unwrap_err());
    assert_eq!(
        e.kind,
        LinkErrorKind::WrongCount {
            expected: 2,
            found: 1
        }
    );
}

#[test]
fn defining_a_name_twice_is_an_error_unless_shadowing_is_allowed() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "env" "v" (func $v (result i32)))
             (func (export "run") (result i32) call $v))"#,
    )
    .unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker.func_wrap("env", "v", || 1).unwrap();
    assert!(linker.func_wrap("env", "v", || 2).is_err());
    linker.allow_shadowing(true);
    linker.func_wrap("env", "v", || 3).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 3);
}

#[test]
fn linker_instance_reexports_one_instance_to_another_module() {
    let engine = Engine::default();
    let lib = Module::new(
        &engine,
        r#"(module
             (func (export "square") (param i32) (result i32)
               (i32.mul (local.get 0) (local.get 0)))
             (global (export "offset") i32 (i32.const 5)))"#,
    )
    .unwrap();
    let app = Module::new(
        &engine,
        r#"(module
             (import "lib" "square" (func $square (param i32) (result i32)))
             (import "lib" "offset" (global $offset i32))
             (func (export "run") (param i32) (result i32)
               (i32.add (call $square (local.get 0)) (global.get $offset))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::<()>::new(&engine);
    let lib_instance = linker.instantiate(&mut store, &lib).unwrap();
    linker.instance(&mut store, "lib", lib_instance).unwrap();
    assert!(linker.get(&mut store, "lib", "square").is_some());
    assert!(linker.get(&mut store, "lib", "nothing").is_none());
    let app_instance = linker.instantiate(&mut store, &app).unwrap();
    let run = app_instance
        .get_typed_func::<i32, i32>(&store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, 6).unwrap(), 41);
}

#[test]
fn linker_module_instantiates_and_registers_in_one_step() {
    let engine = Engine::default();
    let lib = Module::new(
        &engine,
        r#"(module (func (export "seven") (result i32) i32.const 7))"#,
    )
    .unwrap();
    let app = Module::new(
        &engine,
        r#"(module
             (import "lib" "seven" (func $seven (result i32)))
             (func (export "run") (result i32) (i32.mul (call $seven) (i32.const 6))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::<()>::new(&engine);
    linker.module(&mut store, "lib", &lib).unwrap();
    let app = linker.instantiate(&mut store, &app).unwrap();
    let run = app.get_typed_func::<(), i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 42);
}

/// A module that owns a memory, a mutable global and a table and exports
/// accessors for them, and one that imports all three.
const OWNER: &str = r#"
    (module
      (memory (export "memory") 1)
      (global (export "counter") (mut i32) (i32.const 0))
      (table (export "table") 2 funcref)
      (func $forty (result i32) i32.const 40)
      (elem (i32.const 0) $forty)
      (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
      (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
      (func (export "counter_get") (result i32) global.get 0)
      (func (export "counter_set") (param i32) (global.set 0 (local.get 0)))
      (func (export "call") (param i32) (result i32)
        (call_indirect (result i32) (local.get 0))))
"#;

const USER: &str = r#"
    (module
      (import "owner" "memory" (memory 1))
      (import "owner" "counter" (global $counter (mut i32)))
      (import "owner" "table" (table 2 funcref))
      (func $two (result i32) i32.const 2)
      (elem (i32.const 1) $two)
      (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
      (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
      (func (export "counter_get") (result i32) global.get $counter)
      (func (export "counter_set") (param i32) (global.set $counter (local.get 0)))
      (func (export "call") (param i32) (result i32)
        (call_indirect (result i32) (local.get 0))))
"#;

#[test]
fn imported_memory_global_and_table_are_shared_between_instances() {
    let engine = Engine::default();
    let owner = Module::new(&engine, OWNER).unwrap();
    let user = Module::new(&engine, USER).unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::<()>::new(&engine);
    let a = linker.instantiate(&mut store, &owner).unwrap();
    linker.instance(&mut store, "owner", a).unwrap();
    let b = linker.instantiate(&mut store, &user).unwrap();

    let store_a = a.get_typed_func::<(i32, i32), ()>(&store, "store").unwrap();
    let store_b = b.get_typed_func::<(i32, i32), ()>(&store, "store").unwrap();
    let load_a = a.get_typed_func::<i32, i32>(&store, "load").unwrap();
    let load_b = b.get_typed_func::<i32, i32>(&store, "load").unwrap();
    store_a.call(&mut store, (16, 1234)).unwrap();
    assert_eq!(load_b.call(&mut store, 16).unwrap(), 1234);
    store_b.call(&mut store, (65532, -5)).unwrap();
    assert_eq!(load_a.call(&mut store, 65532).unwrap(), -5);

    let set_a = a.get_typed_func::<i32, ()>(&store, "counter_set").unwrap();
    let set_b = b.get_typed_func::<i32, ()>(&store, "counter_set").unwrap();
    let get_a = a.get_typed_func::<(), i32>(&store, "counter_get").unwrap();
    let get_b = b.get_typed_func::<(), i32>(&store, "counter_get").unwrap();
    set_a.call(&mut store, 7).unwrap();
    assert_eq!(get_b.call(&mut store, ()).unwrap(), 7);
    set_b.call(&mut store, 9).unwrap();
    assert_eq!(get_a.call(&mut store, ()).unwrap(), 9);
    let counter = a.get_global(&store, "counter").unwrap();
    assert_eq!(counter.get(&store), Val::I32(9));

    // B's element segment wrote into A's table; both see both entries.
    let call_a = a.get_typed_func::<i32, i32>(&store, "call").unwrap();
    let call_b = b.get_typed_func::<i32, i32>(&store, "call").unwrap();
    assert_eq!(call_a.call(&mut store, 1).unwrap(), 2);
    assert_eq!(call_b.call(&mut store, 0).unwrap(), 40);
}

#[test]
fn memory_grown_by_one_instance_is_usable_by_another() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let memory = Memory::new(&mut store, MemoryType::new(1, Some(4))).unwrap();
    let grower = Module::new(
        &engine,
        r#"(module
             (import "" "m" (memory 1 4))
             (func (export "grow") (result i32) (memory.grow (i32.const 1))))"#,
    )
    .unwrap();
    let user = Module::new(
        &engine,
        r#"(module
             (import "" "m" (memory 1 4))
             (import "" "grow" (func $grow (result i32)))
             (func (export "grow_then_store") (param i32) (result i32)
               (drop (call $grow))
               (i32.store (i32.const 70000) (local.get 0))
               (i32.load (i32.const 70000)))
             (func (export "size") (result i32) memory.size))"#,
    )
    .unwrap();
    let g = Instance::new(&mut store, &grower, &[memory.into()]).unwrap();
    let grow = g.get_func(&store, "grow").unwrap();
    let u = Instance::new(&mut store, &user, &[memory.into(), grow.into()]).unwrap();
    let f = u
        .get_typed_func::<i32, i32>(&store, "grow_then_store")
        .unwrap();
    // The store happens in the caller right after the callee (another
    // instance) grew the shared memory.
    assert_eq!(f.call(&mut store, 77).unwrap(), 77);
    let size = u.get_typed_func::<(), i32>(&store, "size").unwrap();
    assert_eq!(size.call(&mut store, ()).unwrap(), 2);
    assert_eq!(memory.size(&store), 2);
}

#[test]
fn host_created_memory_and_global_are_shared_with_the_guest() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "env" "memory" (memory 1))
             (import "env" "scale" (global $scale (mut i32)))
             (func (export "run") (param i32) (result i32)
               (global.set $scale (i32.add (global.get $scale) (i32.const 1)))
               (i32.mul (i32.load (local.get 0)) (global.get $scale))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let memory = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
    let scale = Global::new(
        &mut store,
        GlobalType::new(ValType::I32, Mutability::Var),
        Val::I32(2),
    )
    .unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker.define("env", "memory", memory).unwrap();
    linker.define("env", "scale", scale).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    memory.write(&mut store, 8, &10i32.to_le_bytes()).unwrap();
    let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, 8).unwrap(), 30);
    assert_eq!(scale.get(&store), Val::I32(3));
    scale.set(&mut store, Val::I32(9)).unwrap();
    assert_eq!(run.call(&mut store, 8).unwrap(), 100);
}

#[test]
fn failed_instantiation_leaves_earlier_segments_in_shared_memory() {
    // The spec's `linking.wast` behaviour, seen from the API: the first
    // data segment is written before the second one traps.
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let memory = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
    let module = Module::new(
        &engine,
        r#"(module
             (import "" "m" (memory 1))
             (data (i32.const 0) "ok")
             (data (i32.const 65535) "too long"))"#,
    )
    .unwrap();
    let err = Instance::new(&mut store, &module, &[memory.into()]).unwrap_err();
    assert_eq!(crate::trap_code(&err), petrel::TrapCode::MemoryOutOfBounds);
    assert_eq!(&memory.data(&store)[..2], b"ok");
}

#[test]
fn import_from_another_store_is_an_error_not_a_panic() {
    let engine = Engine::default();
    let module = Module::new(&engine, r#"(module (import "" "f" (func)))"#).unwrap();
    let mut other = Store::new(&engine, ());
    let foreign = petrel::Func::wrap(&mut other, || {});
    let mut store = Store::new(&engine, ());
    let err = Instance::new(&mut store, &module, &[foreign.into()]).unwrap_err();
    assert!(matches!(err, Error::Usage(_)), "{err:?}");
}

#[test]
fn functions_of_a_failed_instantiation_stay_callable_through_a_shared_table() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let table = Table::new(
        &mut store,
        TableType::new(petrel::RefType::FUNCREF, 2, None),
        Val::FuncRef(None),
    )
    .unwrap();
    let failing = Module::new(
        &engine,
        r#"(module
             (import "" "t" (table 2 funcref))
             (memory 1)
             (global $g (mut i32) (i32.const 40))
             (func $f (result i32)
               (global.set $g (i32.add (global.get $g) (i32.const 1)))
               global.get $g)
             (elem (i32.const 1) $f)
             (data (i32.const 65536) "x"))"#,
    )
    .unwrap();
    let err = Instance::new(&mut store, &failing, &[table.into()]).unwrap_err();
    assert_eq!(crate::trap_code(&err), petrel::TrapCode::MemoryOutOfBounds);
    let f = match table.get(&store, 1) {
        Some(Val::FuncRef(Some(f))) => f,
        other => panic!("expected the element segment to have run: {other:?}"),
    };
    let f = f.typed::<(), i32>(&store).unwrap();
    assert_eq!(f.call(&mut store, ()).unwrap(), 41);
    assert_eq!(f.call(&mut store, ()).unwrap(), 42);
}

/// `Linker::instantiate_pre` resolves names once; every instantiation from
/// it, in any store of the engine, gets the same host functions and its
/// own state, on every tier.
#[test]
fn an_instance_pre_instantiates_into_many_stores() {
    for (tier, engine) in crate::every_tier(|_| {}) {
        let module = Module::new(
            &engine,
            r#"(module
                 (import "host" "bump" (func $bump (param i32) (result i32)))
                 (global $calls (mut i32) (i32.const 0))
                 (func (export "run") (param i32) (result i32)
                   (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
                   (i32.add (call $bump (local.get 0)) (global.get $calls))))"#,
        )
        .unwrap();
        let mut linker = Linker::<u32>::new(&engine);
        linker
            .func_wrap(
                "host",
                "bump",
                |mut caller: petrel::Caller<'_, u32>, x: i32| {
                    *caller.data_mut() += 1;
                    x * 10
                },
            )
            .unwrap();
        let pre = linker.instantiate_pre(&module).unwrap();
        fn shareable<T: Send + Sync>(_: &T) {}
        shareable(&pre);
        for round in 0..3 {
            let mut store = Store::new(&engine, 0u32);
            let instance = pre.clone().instantiate(&mut store).unwrap();
            let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
            assert_eq!(
                run.call(&mut store, 4).unwrap(),
                41,
                "{tier}, round {round}"
            );
            assert_eq!(run.call(&mut store, 4).unwrap(), 42, "{tier}");
            assert_eq!(*store.data(), 2, "{tier}: the host saw this store's calls");
        }
    }
}

#[test]
fn an_instance_pre_reports_missing_and_mismatched_imports() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (import "env" "f" (func (param i32))) (import "env" "g" (global i32)))"#,
    )
    .unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker.func_wrap("env", "f", |_: i32| {}).unwrap();
    let e = link_error(linker.instantiate_pre(&module).unwrap_err());
    assert_eq!((e.module.as_str(), e.name.as_str()), ("env", "g"));

    // A store item in the linker belongs to its store: another store's
    // instantiation is refused, not confused.
    let mut first = Store::new(&engine, ());
    let global = Global::new(
        &mut first,
        GlobalType::new(ValType::I64, Mutability::Const),
        Val::I64(1),
    )
    .unwrap();
    linker.define("env", "g", global).unwrap();
    let pre = linker.instantiate_pre(&module).unwrap();
    let mismatch = link_error(pre.instantiate(&mut first).unwrap_err());
    assert_eq!(
        mismatch.name, "g",
        "an i64 global does not satisfy an i32 import"
    );
    let mut second = Store::new(&engine, ());
    assert!(pre.instantiate(&mut second).is_err());
}
