//! Globals and tables from the host, and references (`funcref`,
//! `externref`) crossing between host and guest.

use crate::{instantiate, trap_code};
use petrel::{
    Engine, ExternRef, Func, Global, GlobalType, Instance, Module, Mutability, Store, Table,
    TableType, TrapCode, Val, ValType,
};

#[test]
fn global_new_get_and_set() {
    let mut store = Store::new(&Engine::default(), ());
    let g = Global::new(
        &mut store,
        GlobalType::new(ValType::I64, Mutability::Var),
        Val::I64(5),
    )
    .unwrap();
    assert_eq!(g.get(&store), Val::I64(5));
    g.set(&mut store, Val::I64(-6)).unwrap();
    assert_eq!(g.get(&store), Val::I64(-6));
    assert_eq!(g.ty(&store), GlobalType::new(ValType::I64, Mutability::Var));
    let f = Global::new(
        &mut store,
        GlobalType::new(ValType::F64, Mutability::Var),
        Val::F64(0x7ff4_0000_0000_0001),
    )
    .unwrap();
    assert_eq!(f.get(&store), Val::F64(0x7ff4_0000_0000_0001));
}

#[test]
fn global_set_on_an_immutable_global_is_an_error() {
    let mut store = Store::new(&Engine::default(), ());
    let g = Global::new(
        &mut store,
        GlobalType::new(ValType::I32, Mutability::Const),
        Val::I32(1),
    )
    .unwrap();
    assert!(g.set(&mut store, Val::I32(2)).is_err());
    assert_eq!(g.get(&store), Val::I32(1));
    // Immutable exports of a guest too.
    let (mut store, instance) = instantiate(r#"(module (global (export "c") i32 (i32.const 3)))"#);
    let c = instance.get_global(&store, "c").unwrap();
    assert!(c.set(&mut store, Val::I32(4)).is_err());
    assert_eq!(c.get(&store), Val::I32(3));
}

#[test]
fn global_with_a_value_of_the_wrong_type_is_an_error() {
    let mut store = Store::new(&Engine::default(), ());
    assert!(Global::new(
        &mut store,
        GlobalType::new(ValType::I32, Mutability::Var),
        Val::I64(1),
    )
    .is_err());
    let g = Global::new(
        &mut store,
        GlobalType::new(ValType::I32, Mutability::Var),
        Val::I32(1),
    )
    .unwrap();
    assert!(g.set(&mut store, Val::F32(0)).is_err());
    assert_eq!(g.get(&store), Val::I32(1));
}

#[test]
fn guest_global_is_read_and_written_by_the_host() {
    let (mut store, instance) = instantiate(
        r#"(module
             (global $g (export "g") (mut i32) (i32.const 10))
             (func (export "bump") (result i32)
               (global.set $g (i32.add (global.get $g) (i32.const 1)))
               global.get $g))"#,
    );
    let g = instance.get_global(&store, "g").unwrap();
    let bump = instance.get_typed_func::<(), i32>(&store, "bump").unwrap();
    assert_eq!(bump.call(&mut store, ()).unwrap(), 11);
    assert_eq!(g.get(&store), Val::I32(11));
    g.set(&mut store, Val::I32(100)).unwrap();
    assert_eq!(bump.call(&mut store, ()).unwrap(), 101);
}

#[test]
fn imported_global_initialises_another_global() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let base = Global::new(
        &mut store,
        GlobalType::new(ValType::I32, Mutability::Const),
        Val::I32(40),
    )
    .unwrap();
    let module = Module::new(
        &engine,
        r#"(module
             (import "" "base" (global $base i32))
             (global (export "derived") i32 (global.get $base)))"#,
    )
    .unwrap();
    let instance = Instance::new(&mut store, &module, &[base.into()]).unwrap();
    let derived = instance.get_global(&store, "derived").unwrap();
    assert_eq!(derived.get(&store), Val::I32(40));
}

#[test]
fn table_new_get_set_and_grow() {
    let mut store = Store::new(&Engine::default(), ());
    let table = Table::new(
        &mut store,
        TableType::new(petrel::RefType::FUNCREF, 2, Some(5)),
        Val::FuncRef(None),
    )
    .unwrap();
    assert_eq!(table.size(&store), 2);
    assert_eq!(table.get(&store, 0), Some(Val::FuncRef(None)));
    assert_eq!(table.get(&store, 2), None);
    assert_eq!(table.get(&store, u64::MAX), None);

    let f = Func::wrap(&mut store, || 7i32);
    table.set(&mut store, 1, Val::FuncRef(Some(f))).unwrap();
    assert_eq!(table.get(&store, 1), Some(Val::FuncRef(Some(f))));
    assert!(table.set(&mut store, 2, Val::FuncRef(Some(f))).is_err());
    assert!(table.set(&mut store, u64::MAX, Val::FuncRef(None)).is_err());
    // Wrong element type.
    assert!(table.set(&mut store, 0, Val::I32(0)).is_err());
    assert!(table.set(&mut store, 0, Val::ExternRef(None)).is_err());

    assert_eq!(table.grow(&mut store, 2, Val::FuncRef(Some(f))).unwrap(), 2);
    assert_eq!(table.size(&store), 4);
    assert_eq!(table.get(&store, 3), Some(Val::FuncRef(Some(f))));
    assert!(table.grow(&mut store, 2, Val::FuncRef(None)).is_err());
    assert_eq!(table.size(&store), 4);
    assert_eq!(table.grow(&mut store, 1, Val::FuncRef(None)).unwrap(), 4);
    assert!(table.grow(&mut store, 1, Val::FuncRef(None)).is_err());
    assert_eq!(table.ty(&store).minimum(), 5);
}

#[test]
fn table_new_with_wrong_init_type_is_an_error() {
    let mut store = Store::new(&Engine::default(), ());
    assert!(Table::new(
        &mut store,
        TableType::new(petrel::RefType::FUNCREF, 1, None),
        Val::ExternRef(None)
    )
    .is_err());
    assert!(Table::new(
        &mut store,
        TableType::new(petrel::RefType::EXTERNREF, 1, None),
        Val::I32(0)
    )
    .is_err());
}

#[test]
fn config_max_table_elements_caps_table_growth() {
    let engine = crate::engine_with(|c| {
        c.max_table_elements(10);
    });
    let (mut store, instance) = crate::instantiate_in(
        &engine,
        r#"(module
             (table (export "t") 5 funcref)
             (func (export "grow") (param i32) (result i32)
               (table.grow (ref.null func) (local.get 0))))"#,
    );
    let grow = instance.get_typed_func::<i32, i32>(&store, "grow").unwrap();
    assert_eq!(grow.call(&mut store, 6).unwrap(), -1);
    assert_eq!(grow.call(&mut store, 5).unwrap(), 5);
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1);
    let t = instance.get_table(&store, "t").unwrap();
    assert!(t.grow(&mut store, 1, Val::FuncRef(None)).is_err());
}

const CALLER: &str = r#"
    (module
      (import "" "table" (table 4 funcref))
      (func (export "call") (param i32 i32) (result i32)
        (call_indirect (param i32) (result i32) (local.get 1) (local.get 0))))
"#;

#[test]
fn host_function_in_a_host_table_is_called_indirectly() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let table = Table::new(
        &mut store,
        TableType::new(petrel::RefType::FUNCREF, 4, None),
        Val::FuncRef(None),
    )
    .unwrap();
    let double = Func::wrap(&mut store, |x: i32| x * 2);
    let wrong_type = Func::wrap(&mut store, |x: i64| x);
    table
        .set(&mut store, 0, Val::FuncRef(Some(double)))
        .unwrap();
    table
        .set(&mut store, 1, Val::FuncRef(Some(wrong_type)))
        .unwrap();
    let module = Module::new(&engine, CALLER).unwrap();
    let instance = Instance::new(&mut store, &module, &[table.into()]).unwrap();
    let call = instance
        .get_typed_func::<(i32, i32), i32>(&store, "call")
        .unwrap();
    assert_eq!(call.call(&mut store, (0, 21)).unwrap(), 42);
    let err = call.call(&mut store, (1, 21)).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::BadSignature);
    let err = call.call(&mut store, (2, 21)).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::IndirectCallToNull);
    let err = call.call(&mut store, (4, 21)).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::TableOutOfBounds);
    // Replacing the entry from the host changes the callee.
    let triple = Func::wrap(&mut store, |x: i32| x * 3);
    table
        .set(&mut store, 0, Val::FuncRef(Some(triple)))
        .unwrap();
    assert_eq!(call.call(&mut store, (0, 21)).unwrap(), 63);
}

#[test]
fn wasm_function_exported_by_one_instance_is_called_indirectly_by_another() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let (lib_store_fn, lib) = {
        let module = Module::new(
            &engine,
            r#"(module
                 (global $n (mut i32) (i32.const 0))
                 (func (export "add_n") (param i32) (result i32)
                   (global.set $n (i32.add (global.get $n) (i32.const 1)))
                   (i32.add (local.get 0) (global.get $n))))"#,
        )
        .unwrap();
        let lib = Instance::new(&mut store, &module, &[]).unwrap();
        (lib.get_func(&store, "add_n").unwrap(), lib)
    };
    let table = Table::new(
        &mut store,
        TableType::new(petrel::RefType::FUNCREF, 4, None),
        Val::FuncRef(None),
    )
    .unwrap();
    table
        .set(&mut store, 3, Val::FuncRef(Some(lib_store_fn)))
        .unwrap();
    let module = Module::new(&engine, CALLER).unwrap();
    let instance = Instance::new(&mut store, &module, &[table.into()]).unwrap();
    let call = instance
        .get_typed_func::<(i32, i32), i32>(&store, "call")
        .unwrap();
    assert_eq!(call.call(&mut store, (3, 10)).unwrap(), 11);
    assert_eq!(call.call(&mut store, (3, 10)).unwrap(), 12);
    // The callee ran in its own instance: its global counted both calls.
    let direct = lib.get_typed_func::<i32, i32>(&store, "add_n").unwrap();
    assert_eq!(direct.call(&mut store, 0).unwrap(), 3);
}

#[test]
fn funcref_round_trips_between_guest_table_and_host() {
    let (mut store, instance) = instantiate(
        r#"(module
             (table $t (export "t") 2 funcref)
             (func $seven (result i32) i32.const 7)
             (elem (table $t) (i32.const 0) func $seven)
             (elem declare func $seven)
             (func (export "get") (param i32) (result funcref) (table.get $t (local.get 0)))
             (func (export "set") (param i32 funcref) (table.set $t (local.get 0) (local.get 1)))
             (func (export "ref_seven") (result funcref) ref.func $seven)
             (func (export "call") (param i32) (result i32)
               (call_indirect $t (result i32) (local.get 0))))"#,
    );
    let table = instance.get_table(&store, "t").unwrap();
    // A guest function read from the table can be called from the host.
    let seven = match table.get(&store, 0) {
        Some(Val::FuncRef(Some(f))) => f,
        other => panic!("expected a function, got {other:?}"),
    };
    let mut out = [Val::I32(0)];
    seven.call(&mut store, &[], &mut out).unwrap();
    assert_eq!(out[0], Val::I32(7));
    assert!(seven.ty(&store).results().eq([ValType::I32]));

    // ... and put back through the guest into another slot, then called
    // indirectly.
    let set = instance
        .get_typed_func::<(i32, Option<Func>), ()>(&store, "set")
        .unwrap();
    set.call(&mut store, (1, Some(seven))).unwrap();
    let call = instance.get_typed_func::<i32, i32>(&store, "call").unwrap();
    assert_eq!(call.call(&mut store, 1).unwrap(), 7);

    // Read through the guest: the same function comes back.
    let get = instance
        .get_typed_func::<i32, Option<Func>>(&store, "get")
        .unwrap();
    assert_eq!(get.call(&mut store, 1).unwrap(), Some(seven));
    let ref_seven = instance
        .get_typed_func::<(), Option<Func>>(&store, "ref_seven")
        .unwrap();
    assert_eq!(ref_seven.call(&mut store, ()).unwrap(), Some(seven));

    // Null goes through too, and makes the slot trap.
    set.call(&mut store, (1, None)).unwrap();
    assert_eq!(get.call(&mut store, 1).unwrap(), None);
    assert_eq!(table.get(&store, 1), Some(Val::FuncRef(None)));
    let err = call.call(&mut store, 1).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::IndirectCallToNull);

    // A host function stored by the guest is callable indirectly.
    let host = Func::wrap(&mut store, || 99i32);
    set.call(&mut store, (1, Some(host))).unwrap();
    assert_eq!(call.call(&mut store, 1).unwrap(), 99);
}

#[test]
fn externref_round_trips_through_the_guest() {
    let (mut store, instance) = instantiate(
        r#"(module
             (table $t (export "t") 2 externref)
             (func (export "id") (param externref) (result externref) local.get 0)
             (func (export "stash") (param i32 externref) (table.set $t (local.get 0) (local.get 1)))
             (func (export "is_null") (param externref) (result i32) (ref.is_null (local.get 0))))"#,
    );
    let host_value = ExternRef::new(&mut store, String::from("precious"));
    let id = instance
        .get_typed_func::<Option<ExternRef>, Option<ExternRef>>(&store, "id")
        .unwrap();
    let back = id.call(&mut store, Some(host_value)).unwrap().unwrap();
    assert!(ExternRef::ptr_eq(&back, &host_value));
    assert_eq!(
        back.data(&store)
            .downcast_ref::<String>()
            .map(String::as_str),
        Some("precious")
    );
    assert_eq!(id.call(&mut store, None).unwrap(), None);

    let is_null = instance
        .get_typed_func::<Option<ExternRef>, i32>(&store, "is_null")
        .unwrap();
    assert_eq!(is_null.call(&mut store, None).unwrap(), 1);
    assert_eq!(is_null.call(&mut store, Some(host_value)).unwrap(), 0);

    let stash = instance
        .get_typed_func::<(i32, Option<ExternRef>), ()>(&store, "stash")
        .unwrap();
    stash.call(&mut store, (1, Some(host_value))).unwrap();
    let table = instance.get_table(&store, "t").unwrap();
    assert_eq!(table.get(&store, 1), Some(Val::ExternRef(Some(host_value))));
    assert_eq!(table.get(&store, 0), Some(Val::ExternRef(None)));
}

#[test]
fn references_from_another_store_are_rejected() {
    let engine = Engine::default();
    let (mut store, instance) = instantiate(
        r#"(module
             (func (export "id") (param funcref) (result funcref) local.get 0))"#,
    );
    let mut other = Store::new(&engine, ());
    let foreign = Func::wrap(&mut other, || {});
    let id = instance.get_func(&store, "id").unwrap();
    let mut out = [Val::FuncRef(None)];
    assert!(id
        .call(&mut store, &[Val::FuncRef(Some(foreign))], &mut out)
        .is_err());
    let typed = id.typed::<Option<Func>, Option<Func>>(&store).unwrap();
    assert!(typed.call(&mut store, Some(foreign)).is_err());
    let mut own = Store::new(&engine, ());
    let table = Table::new(
        &mut own,
        TableType::new(petrel::RefType::FUNCREF, 1, None),
        Val::FuncRef(None),
    )
    .unwrap();
    assert!(table.set(&mut own, 0, Val::FuncRef(Some(foreign))).is_err());
}

#[test]
fn host_created_memory_or_table_with_min_above_max_is_an_error() {
    let mut store = Store::new(&Engine::default(), ());
    assert!(petrel::Memory::new(&mut store, petrel::MemoryType::new(2, Some(1))).is_err());
    assert!(Table::new(
        &mut store,
        TableType::new(petrel::RefType::FUNCREF, 3, Some(2)),
        Val::FuncRef(None)
    )
    .is_err());
}

#[test]
fn host_function_returning_a_foreign_funcref_is_an_error() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "" "get" (func $get (result funcref)))
             (func (export "run") (result funcref) call $get))"#,
    )
    .unwrap();
    let mut other = Store::new(&engine, ());
    let foreign = Func::wrap(&mut other, || {});
    let mut store = Store::new(&engine, ());
    let get = Func::wrap(&mut store, move || Some(foreign));
    let instance = Instance::new(&mut store, &module, &[get.into()]).unwrap();
    let run = instance
        .get_typed_func::<(), Option<Func>>(&store, "run")
        .unwrap();
    assert!(run.call(&mut store, ()).is_err());
}
