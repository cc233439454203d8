//! Typed function references and the Wasm 3.0 type section on every tier:
//! `call_ref`, `return_call_ref`, `ref.as_non_null`, `br_on_null`,
//! `br_on_non_null`, non-nullable locals, recursion groups and declared
//! subtypes (with `call_indirect` accepting a subtype), and the API gate:
//! a host can never hand the guest a function reference of the wrong type
//! or a null where the type has none, since the guest calls typed
//! references without a signature check.

use crate::{every_tier, instantiate_in, trap_code};
use petrel::{
    Engine, Error, Func, FuncType, Global, GlobalType, HeapType, Instance, Linker, Module,
    Mutability, RefType, Store, Table, TableType, TrapCode, Val, ValType,
};

const REFS: &str = r#"(module
  (type $ii (func (param i32) (result i32)))
  (type $v (func))
  (func $double (type $ii) (i32.mul (local.get 0) (i32.const 2)))
  (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
  (elem declare func $double $inc)
  (table $t 2 (ref null $ii))
  (func (export "apply") (param (ref null $ii)) (param i32) (result i32)
    (call_ref $ii (local.get 1) (local.get 0)))
  (func (export "apply_tail") (param (ref null $ii)) (param i32) (result i32)
    (return_call_ref $ii (local.get 1) (local.get 0)))
  (func (export "pick") (param i32) (result (ref $ii))
    (if (result (ref $ii)) (local.get 0)
      (then (ref.func $double))
      (else (ref.func $inc))))
  (func (export "non_null") (param (ref null $ii)) (result (ref $ii))
    (ref.as_non_null (local.get 0)))
  ;; 1 if null, else f(10)
  (func (export "or_one") (param (ref null $ii)) (result i32)
    (block $null
      (return (call_ref $ii (i32.const 10) (br_on_null $null (local.get 0)))))
    (i32.const 1))
  ;; f(20) if not null, else -1
  (func (export "if_some") (param (ref null $ii)) (result i32)
    (call_ref $ii (i32.const 20)
      (block $some (result (ref $ii))
        (br_on_non_null $some (local.get 0))
        (return (i32.const -1)))))
  ;; A non-nullable local is usable once set.
  (func (export "local_init") (result i32) (local $f (ref $ii))
    (local.set $f (ref.func $double))
    (call_ref $ii (i32.const 21) (local.get $f))))"#;

#[test]
fn call_ref_and_friends_work_and_null_traps() {
    for (tier, engine) in every_tier(|_| {}) {
        let (mut store, instance) = instantiate_in(&engine, REFS);
        let pick = instance.get_func(&store, "pick").unwrap();
        let mut out = [Val::FuncRef(None)];
        pick.call(&mut store, &[Val::I32(1)], &mut out).unwrap();
        let double = out[0];
        pick.call(&mut store, &[Val::I32(0)], &mut out).unwrap();
        let inc = out[0];
        let call = |store: &mut Store<()>, name: &str, args: &[Val]| {
            let f = instance.get_func(&*store, name).unwrap();
            let mut out = [Val::I32(0)];
            f.call(store, args, &mut out)
                .map(|()| out[0].i32().unwrap())
        };
        assert_eq!(
            call(&mut store, "apply", &[double, Val::I32(7)]).unwrap(),
            14,
            "{tier}"
        );
        assert_eq!(
            call(&mut store, "apply_tail", &[inc, Val::I32(7)]).unwrap(),
            8,
            "{tier}"
        );
        for name in ["apply", "apply_tail"] {
            let err = call(&mut store, name, &[Val::FuncRef(None), Val::I32(7)]).unwrap_err();
            assert_eq!(trap_code(&err), TrapCode::NullReference, "{tier} {name}");
        }
        assert_eq!(call(&mut store, "or_one", &[double]).unwrap(), 20, "{tier}");
        assert_eq!(
            call(&mut store, "or_one", &[Val::FuncRef(None)]).unwrap(),
            1,
            "{tier}"
        );
        assert_eq!(call(&mut store, "if_some", &[inc]).unwrap(), 21, "{tier}");
        assert_eq!(
            call(&mut store, "if_some", &[Val::FuncRef(None)]).unwrap(),
            -1,
            "{tier}"
        );
        assert_eq!(call(&mut store, "local_init", &[]).unwrap(), 42, "{tier}");
        let non_null = instance.get_func(&store, "non_null").unwrap();
        let err = non_null
            .call(&mut store, &[Val::FuncRef(None)], &mut out)
            .unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::NullReference, "{tier}");
        assert!(err.to_string().contains("null reference"), "{tier}: {err}");
    }
}

/// The security gate: `apply` calls its `(ref null $ii)` argument without a
/// signature check, so the API must refuse a function of another type.
#[test]
fn the_api_refuses_a_function_of_the_wrong_type_for_a_typed_reference() {
    for (tier, engine) in every_tier(|_| {}) {
        let (mut store, instance) = instantiate_in(&engine, REFS);
        let apply = instance.get_func(&store, "apply").unwrap();
        let wrong = Func::wrap(&mut store, |x: i64| x);
        let err = apply
            .call(
                &mut store,
                &[Val::FuncRef(Some(wrong)), Val::I32(1)],
                &mut [Val::I32(0)],
            )
            .unwrap_err();
        assert!(matches!(err, Error::Usage(_)), "{tier}: {err:?}");
        assert!(err.to_string().contains("type mismatch"), "{tier}: {err}");
        // The right type is accepted: a host function of `(i32) -> i32`
        // has the same (final, structural) type as `$ii`.
        let right = Func::wrap(&mut store, |x: i32| x - 1);
        let mut out = [Val::I32(0)];
        apply
            .call(
                &mut store,
                &[Val::FuncRef(Some(right)), Val::I32(1)],
                &mut out,
            )
            .unwrap();
        assert_eq!(out[0].i32(), Some(0), "{tier}");
        // `non_null` returns `(ref $ii)`: its type says so.
        let non_null = instance.get_func(&store, "non_null").unwrap();
        let results: Vec<ValType> = non_null.ty(&store).results().collect();
        let ValType::Ref(r) = &results[0] else {
            panic!("{tier}: {results:?}")
        };
        assert!(!r.is_nullable(), "{tier}");
        let HeapType::ConcreteFunc(ft) = r.heap_type() else {
            panic!("{tier}: {r:?}")
        };
        assert_eq!(ft, &right.ty(&store), "{tier}");
    }
}

#[test]
fn hosts_cannot_smuggle_wrong_typed_references_through_results_tables_or_globals() {
    let wat = r#"(module
      (type $ii (func (param i32) (result i32)))
      (import "host" "make" (func $make (result (ref $ii))))
      (import "host" "t" (table 1 (ref null $ii)))
      (import "host" "g" (global $g (mut (ref null $ii))))
      (func (export "via_result") (result i32)
        (call_ref $ii (i32.const 5) (call $make)))
      (func (export "via_table") (result i32)
        (call_ref $ii (i32.const 5) (table.get 0 (i32.const 0))))
      (func (export "via_global") (result i32)
        (call_ref $ii (i32.const 5) (global.get $g))))"#;
    for (tier, engine) in every_tier(|_| {}) {
        let module = Module::new(&engine, wat).unwrap();
        let mut store = Store::new(&engine, ());
        let ii = FuncType::new(&engine, [ValType::I32], [ValType::I32]);
        let ref_ii = RefType::new(true, HeapType::ConcreteFunc(ii.clone()));
        let wrong = Func::wrap(&mut store, |_: f64| {});
        let right = Func::wrap(&mut store, |x: i32| x * 3);

        // A host function whose result is `(ref $ii)` returning another
        // function is an error, not a call of it.
        let bad_result = FuncType::new(
            &engine,
            [],
            [ValType::Ref(RefType::new(
                false,
                HeapType::ConcreteFunc(ii.clone()),
            ))],
        );
        let make = Func::new(&mut store, bad_result, move |_, _, out| {
            out[0] = Val::FuncRef(Some(wrong));
            Ok(())
        });
        // A table and a global of `(ref null $ii)` refuse the wrong
        // function and accept the right one.
        let table = Table::new(
            &mut store,
            TableType::new(ref_ii.clone(), 1, None),
            Val::FuncRef(None),
        )
        .unwrap();
        assert!(
            table.set(&mut store, 0, Val::FuncRef(Some(wrong))).is_err(),
            "{tier}"
        );
        assert!(
            table
                .grow(&mut store, 1, Val::FuncRef(Some(wrong)))
                .is_err(),
            "{tier}"
        );
        table.set(&mut store, 0, Val::FuncRef(Some(right))).unwrap();
        let global = Global::new(
            &mut store,
            GlobalType::new(ValType::Ref(ref_ii.clone()), Mutability::Var),
            Val::FuncRef(None),
        )
        .unwrap();
        assert!(
            global.set(&mut store, Val::FuncRef(Some(wrong))).is_err(),
            "{tier}"
        );
        global.set(&mut store, Val::FuncRef(Some(right))).unwrap();
        assert!(
            Global::new(
                &mut store,
                GlobalType::new(ValType::Ref(ref_ii.clone()), Mutability::Const),
                Val::FuncRef(Some(wrong)),
            )
            .is_err(),
            "{tier}"
        );

        let instance = Instance::new(
            &mut store,
            &module,
            &[make.into(), table.into(), global.into()],
        )
        .unwrap();
        let run = |store: &mut Store<()>, name: &str| {
            instance
                .get_typed_func::<(), i32>(&*store, name)
                .unwrap()
                .call(store, ())
        };
        let err = run(&mut store, "via_result").unwrap_err();
        assert!(err.to_string().contains("not a (ref"), "{tier}: {err}");
        assert_eq!(run(&mut store, "via_table").unwrap(), 15, "{tier}");
        assert_eq!(run(&mut store, "via_global").unwrap(), 15, "{tier}");
    }
}

#[test]
fn imports_of_typed_references_are_matched_by_subtyping() {
    // An immutable global of `(ref $ii)` may be imported as `funcref`;
    // a mutable one only as exactly its type; a table only as its type.
    let exporter = r#"(module
      (type $ii (func (param i32) (result i32)))
      (func $f (type $ii) (local.get 0))
      (global (export "g") (ref $ii) (ref.func $f))
      (global (export "gm") (mut (ref null $ii)) (ref.null $ii))
      (table (export "t") 1 (ref null $ii)))"#;
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let m = Module::new(&engine, exporter).unwrap();
    let inst = linker.instantiate(&mut store, &m).unwrap();
    linker.instance(&mut store, "e", inst).unwrap();
    for (import, ok) in [
        ("(global (import \"e\" \"g\") funcref)", true),
        ("(global (import \"e\" \"g\") (ref null $ii))", true),
        ("(global (import \"e\" \"g\") (ref $v))", false),
        ("(global (import \"e\" \"gm\") (mut funcref))", false),
        ("(global (import \"e\" \"gm\") (mut (ref null $ii)))", true),
        ("(table (import \"e\" \"t\") 1 funcref)", false),
        ("(table (import \"e\" \"t\") 1 (ref null $ii))", true),
    ] {
        let wat = format!(
            "(module (type $ii (func (param i32) (result i32))) (type $v (func)) {import})"
        );
        let module = Module::new(&engine, &wat).unwrap();
        let r = linker.instantiate(&mut store, &module);
        assert_eq!(r.is_ok(), ok, "{import}: {:?}", r.err());
    }
}

#[test]
fn recursion_groups_are_equal_across_modules_and_subtypes_pass_call_indirect() {
    // The exporter's `$f` is in a recursion group; an importer that
    // declares the same group (with other types around it) matches it.
    let exporter = r#"(module
      (rec (type $f (func (param (ref null $g)))) (type $g (func (result (ref null $f)))))
      (type $base (sub (func (result i32))))
      (type $derived (sub $base (func (result i32))))
      (func (export "f") (type $f))
      (func $d (type $derived) (i32.const 7))
      (table (export "t") 1 funcref)
      (elem (i32.const 0) $d))"#;
    let importer = r#"(module
      (type $pad (func (param i64)))
      (rec (type $f (func (param (ref null $g)))) (type $g (func (result (ref null $f)))))
      (type $base (sub (func (result i32))))
      (import "e" "f" (func (type $f)))
      (import "e" "t" (table 1 funcref))
      (func (export "call_base") (result i32)
        (call_indirect (type $base) (i32.const 0))))"#;
    let other_group = r#"(module
      (rec (type $g (func (result (ref null $f)))) (type $f (func (param (ref null $g)))))
      (import "e" "f" (func (type $f))))"#;
    for (tier, engine) in every_tier(|_| {}) {
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        let m = Module::new(&engine, exporter).unwrap();
        let inst = linker.instantiate(&mut store, &m).unwrap();
        linker.instance(&mut store, "e", inst).unwrap();
        let m = Module::new(&engine, importer).unwrap();
        let inst = linker.instantiate(&mut store, &m).unwrap();
        let call_base = inst.get_typed_func::<(), i32>(&store, "call_base").unwrap();
        // `$d` is of `$derived`, a declared subtype of `$base`.
        assert_eq!(call_base.call(&mut store, ()).unwrap(), 7, "{tier}");
        // The same types in another order are another group.
        let m = Module::new(&engine, other_group).unwrap();
        assert!(linker.instantiate(&mut store, &m).is_err(), "{tier}");
    }
}

#[test]
fn typed_references_are_refused_when_switched_off() {
    for (tier, engine) in every_tier(|c| {
        c.wasm_function_references(false);
    }) {
        let err = Module::new(&engine, REFS).unwrap_err();
        assert!(
            err.to_string().contains("function references"),
            "{tier}: {err}"
        );
    }
}

#[test]
fn gc_references_exist_only_as_null() {
    let wat = r#"(module
      (type $s (struct (field i32)))
      (global (export "g") (mut anyref) (ref.null any))
      (func (export "id") (param (ref null $s)) (result (ref null $s)) (local.get 0))
      (func (export "null") (result eqref) (ref.null none)))"#;
    for (tier, engine) in every_tier(|_| {}) {
        let (mut store, instance) = instantiate_in(&engine, wat);
        let g = instance.get_global(&store, "g").unwrap();
        assert_eq!(g.get(&store), Val::AnyRef(None), "{tier}");
        assert_eq!(g.ty(&store).content(), &ValType::ANYREF, "{tier}");
        assert!(g.set(&mut store, Val::FuncRef(None)).is_err(), "{tier}");
        g.set(&mut store, Val::AnyRef(None)).unwrap();
        let id = instance.get_func(&store, "id").unwrap();
        let mut out = [Val::I32(0)];
        id.call(&mut store, &[Val::AnyRef(None)], &mut out).unwrap();
        assert_eq!(out[0], Val::AnyRef(None), "{tier}");
        let null = instance.get_func(&store, "null").unwrap();
        null.call(&mut store, &[], &mut out).unwrap();
        assert!(out[0].is_null(), "{tier}");
    }
}
