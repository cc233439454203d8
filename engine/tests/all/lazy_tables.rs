//! Lazily initialised tables: a table whose segments are all simple
//! (`ref.func` of defined functions at constant offsets) gets its elements
//! on first use. Whichever access comes first (a call through it, a read
//! or write from Wasm or the host, a copy, growth, another instance that
//! imported it), every element is what the spec says, and writes made
//! before or after are never lost to the image.

use crate::{every_tier, trap_code};
use petrel::{Instance, Linker, Module, Store, Table, TrapCode, Val};

/// Four functions returning 10..13; table `t` of 6 elements filled at 1..5
/// by two overlapping segments (the later wins at 3), so element 0 and 5
/// are null. Element 3 ends up `$c` (12), not `$d`.
const WAT: &str = r#"(module
  (type $r (func (result i32)))
  (func $a (result i32) (i32.const 10))
  (func $b (result i32) (i32.const 11))
  (func $c (result i32) (i32.const 12))
  (func $d (result i32) (i32.const 13))
  (table $t (export "t") 6 20 funcref)
  (table $u 6 funcref)
  (elem (table $t) (i32.const 1) func $a $b $d $d)
  (elem (table $t) (i32.const 3) func $c)
  (func (export "call") (param i32) (result i32)
    (call_indirect $t (type $r) (local.get 0)))
  (func (export "call_u") (param i32) (result i32)
    (call_indirect $u (type $r) (local.get 0)))
  (func (export "is_null") (param i32) (result i32)
    (ref.is_null (table.get $t (local.get 0))))
  (func (export "size") (result i32) (table.size $t))
  (func (export "set") (param i32 i32)
    (table.set $t (local.get 0) (table.get $t (local.get 1))))
  (func (export "copy_to_u") (param i32 i32 i32)
    (table.copy $u $t (local.get 0) (local.get 1) (local.get 2)))
  (func (export "grow") (param i32) (result i32)
    (table.grow $t (ref.null func) (local.get 0))))"#;

/// What `call` gives for each element: the function's number, or the
/// trap of a null.
const EXPECTED: [Option<i32>; 6] = [None, Some(10), Some(11), Some(12), Some(13), None];

fn call(store: &mut Store<()>, instance: &Instance, name: &str, i: i32) -> Result<i32, TrapCode> {
    let f = instance
        .get_typed_func::<i32, i32>(&mut *store, name)
        .expect("export");
    f.call(&mut *store, i).map_err(|e| trap_code(&e))
}

fn check_calls(store: &mut Store<()>, instance: &Instance, expected: &[Option<i32>]) {
    for (i, want) in expected.iter().enumerate() {
        let got = call(store, instance, "call", i as i32);
        match want {
            Some(v) => assert_eq!(got, Ok(*v), "element {i}"),
            None => assert_eq!(got, Err(TrapCode::IndirectCallToNull), "element {i}"),
        }
    }
    assert_eq!(
        call(store, instance, "call", expected.len() as i32),
        Err(TrapCode::TableOutOfBounds)
    );
}

fn host_value(store: &mut Store<()>, table: &Table, i: u64) -> Option<i32> {
    match table.get(&mut *store, i).expect("in bounds") {
        Val::FuncRef(None) => None,
        Val::FuncRef(Some(f)) => Some(
            f.typed::<(), i32>(&*store)
                .expect("type")
                .call(&mut *store, ())
                .expect("call"),
        ),
        other => panic!("not a funcref: {other:?}"),
    }
}

#[test]
fn the_first_access_of_any_kind_sees_the_segments() {
    type Probe = fn(&mut Store<()>, &Instance);
    let probes: [(&str, Probe); 7] = [
        ("call_indirect", |store, instance| {
            check_calls(store, instance, &EXPECTED)
        }),
        ("table.get from Wasm", |store, instance| {
            let nulls: Vec<i32> = (0..6)
                .map(|i| call(store, instance, "is_null", i).expect("in bounds"))
                .collect();
            assert_eq!(nulls, [1, 0, 0, 0, 0, 1]);
        }),
        ("the host's Table::get", |store, instance| {
            let t = instance.get_table(&mut *store, "t").expect("table");
            let values: Vec<_> = (0..6).map(|i| host_value(store, &t, i)).collect();
            assert_eq!(values, EXPECTED);
            // Reading did not make the elements: calls still see them.
            check_calls(store, instance, &EXPECTED);
        }),
        ("table.size", |store, instance| {
            let size = instance
                .get_typed_func::<(), i32>(&mut *store, "size")
                .expect("export");
            assert_eq!(size.call(&mut *store, ()).expect("size"), 6);
            check_calls(store, instance, &EXPECTED);
        }),
        ("table.set from Wasm", |store, instance| {
            // t[0] = t[4]: the write must not be overwritten by the image.
            let set = instance
                .get_typed_func::<(i32, i32), ()>(&mut *store, "set")
                .expect("export");
            set.call(&mut *store, (0, 4)).expect("set");
            let mut expected = EXPECTED;
            expected[0] = Some(13);
            check_calls(store, instance, &expected);
        }),
        ("table.copy into another table", |store, instance| {
            let copy = instance
                .get_typed_func::<(i32, i32, i32), ()>(&mut *store, "copy_to_u")
                .expect("export");
            copy.call(&mut *store, (0, 0, 6)).expect("copy");
            for (i, want) in EXPECTED.iter().enumerate() {
                let got = call(store, instance, "call_u", i as i32);
                assert_eq!(got.ok(), *want, "u[{i}]");
            }
        }),
        ("table.grow", |store, instance| {
            let grow = instance
                .get_typed_func::<i32, i32>(&mut *store, "grow")
                .expect("export");
            assert_eq!(grow.call(&mut *store, 2).expect("grow"), 6);
            let mut expected = EXPECTED.to_vec();
            expected.extend([None, None]);
            check_calls(store, instance, &expected);
        }),
    ];
    for (tier, engine) in every_tier(|_| {}) {
        let module = Module::new(&engine, WAT).expect("compile");
        for (what, probe) in probes {
            let mut store = Store::new(&engine, ());
            let instance = Instance::new(&mut store, &module, &[]).expect("instantiate");
            eprintln!("{tier}: {what}");
            probe(&mut store, &instance);
        }
    }
}

#[test]
fn a_host_write_before_first_use_is_kept() {
    for (tier, engine) in every_tier(|_| {}) {
        let module = Module::new(&engine, WAT).expect("compile");
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).expect("instantiate");
        let t = instance.get_table(&mut store, "t").expect("table");
        let b = t.get(&mut store, 2).expect("in bounds");
        t.set(&mut store, 5, b).expect("set");
        let mut expected = EXPECTED;
        expected[5] = Some(11);
        eprintln!("{tier}");
        check_calls(&mut store, &instance, &expected);
    }
}

#[test]
fn an_instance_importing_a_lazy_table_calls_through_it() {
    let importer = r#"(module
      (type $r (func (result i32)))
      (import "m" "t" (table 6 funcref))
      (func (export "call") (param i32) (result i32)
        (call_indirect (type $r) (local.get 0))))"#;
    for (tier, engine) in every_tier(|_| {}) {
        let exporter = Module::new(&engine, WAT).expect("compile");
        let importer = Module::new(&engine, importer).expect("compile");
        let mut store = Store::new(&engine, ());
        let first = Instance::new(&mut store, &exporter, &[]).expect("instantiate");
        let mut linker = Linker::new(&engine);
        linker.instance(&mut store, "m", first).expect("define");
        let second = linker
            .instantiate(&mut store, &importer)
            .expect("instantiate");
        // The importer touches the table first.
        eprintln!("{tier}");
        check_calls(&mut store, &second, &EXPECTED);
        check_calls(&mut store, &first, &EXPECTED);
    }
}

#[test]
fn instances_of_one_module_get_their_own_functions() {
    // Two instances in one store: the second's functions are other store
    // functions, and its table must call its own.
    let wat = r#"(module
      (type $r (func (result i32)))
      (global $g (mut i32) (i32.const 0))
      (func $get (result i32) (global.get $g))
      (table 1 funcref)
      (elem (i32.const 0) $get)
      (func (export "set_g") (param i32) (global.set $g (local.get 0)))
      (func (export "call") (param i32) (result i32)
        (call_indirect (type $r) (local.get 0))))"#;
    for (tier, engine) in every_tier(|_| {}) {
        let module = Module::new(&engine, wat).expect("compile");
        let mut store = Store::new(&engine, ());
        let one = Instance::new(&mut store, &module, &[]).expect("instantiate");
        let two = Instance::new(&mut store, &module, &[]).expect("instantiate");
        let set = two
            .get_typed_func::<i32, ()>(&mut store, "set_g")
            .expect("export");
        set.call(&mut store, 7).expect("set");
        assert_eq!(call(&mut store, &one, "call", 0), Ok(0), "{tier}");
        assert_eq!(call(&mut store, &two, "call", 0), Ok(7), "{tier}");
    }
}
