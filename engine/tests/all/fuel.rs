//! Fuel (`Config::consume_fuel`) on every tier: running out traps with
//! `OutOfFuel` wherever the guest is (a loop, a call tree without loops, a
//! bulk operation, a guest re-entered from the host), the store stays
//! usable, and a call consumes exactly the same fuel on each tier.

use crate::{every_tier, instantiate_in, trap_code};
use petrel::{Caller, Engine, Linker, Module, Store, TrapCode};

fn fuel_engines() -> Vec<(&'static str, Engine)> {
    every_tier(|c| {
        c.consume_fuel(true);
    })
}

const SPIN: &str = r#"(module
  (func (export "spin") (loop br 0))
  (func (export "one") (result i32) i32.const 1))"#;

#[test]
fn a_spinning_loop_runs_out_of_fuel_and_the_store_stays_usable() {
    for (tier, engine) in fuel_engines() {
        let (mut store, instance) = instantiate_in(&engine, SPIN);
        store.set_fuel(10_000).unwrap();
        let spin = instance.get_typed_func::<(), ()>(&store, "spin").unwrap();
        let err = spin.call(&mut store, ()).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::OutOfFuel, "{tier}");
        assert!(
            err.to_string().contains("all fuel consumed"),
            "{tier}: {err}"
        );
        assert_eq!(store.get_fuel().unwrap(), 0, "{tier}");
        // Refuel and call again.
        store.set_fuel(5).unwrap();
        let one = instance.get_typed_func::<(), i32>(&store, "one").unwrap();
        assert_eq!(one.call(&mut store, ()).unwrap(), 1, "{tier}");
        // `i32.const` is the only operator that costs anything.
        assert_eq!(store.get_fuel().unwrap(), 4, "{tier}");
    }
}

#[test]
fn a_call_needs_its_first_segment_in_fuel() {
    for (tier, engine) in fuel_engines() {
        let (mut store, instance) = instantiate_in(&engine, SPIN);
        let one = instance.get_typed_func::<(), i32>(&store, "one").unwrap();
        // No fuel at all: the entry check fails before anything runs.
        let err = one.call(&mut store, ()).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::OutOfFuel, "{tier}");
        store.set_fuel(1).unwrap();
        assert_eq!(one.call(&mut store, ()).unwrap(), 1, "{tier}");
        assert_eq!(store.get_fuel().unwrap(), 0, "{tier}");
    }
}

/// `calls(n)` makes 2^n calls and no loop.
const TREE: &str = r#"(module
  (func $tree (export "tree") (param i32)
    (if (local.get 0)
      (then
        (call $tree (i32.sub (local.get 0) (i32.const 1)))
        (call $tree (i32.sub (local.get 0) (i32.const 1)))))))"#;

#[test]
fn an_exponential_call_tree_without_loops_runs_out_of_fuel() {
    for (tier, engine) in fuel_engines() {
        let (mut store, instance) = instantiate_in(&engine, TREE);
        store.set_fuel(100_000).unwrap();
        let tree = instance.get_typed_func::<i32, ()>(&store, "tree").unwrap();
        let err = tree.call(&mut store, 40).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::OutOfFuel, "{tier}");
    }
}

const BULK: &str = r#"(module
  (memory (export "mem") 256)
  (table 100000 funcref)
  (func (export "fill") (param i32) (memory.fill (i32.const 0) (i32.const 7) (local.get 0)))
  (func (export "copy") (param i32) (memory.copy (i32.const 0) (i32.const 8) (local.get 0)))
  (func (export "table_fill") (param i32) (table.fill (i32.const 0) (ref.null func) (local.get 0))))"#;

#[test]
fn bulk_operations_are_charged_by_length_and_cannot_run_unbounded() {
    for (tier, engine) in fuel_engines() {
        let (mut store, instance) = instantiate_in(&engine, BULK);
        let fill = instance.get_typed_func::<i32, ()>(&store, "fill").unwrap();
        let copy = instance.get_typed_func::<i32, ()>(&store, "copy").unwrap();
        let table_fill = instance
            .get_typed_func::<i32, ()>(&store, "table_fill")
            .unwrap();
        let mem = instance.get_memory(&store, "mem").unwrap();

        // 16 MiB filled would cost 262,144 more: with 1,000 left it
        // traps before touching memory.
        store.set_fuel(1_000).unwrap();
        let err = fill.call(&mut store, 16 << 20).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::OutOfFuel, "{tier}");
        assert!(mem.data(&store).iter().all(|&b| b == 0), "{tier}");
        let err = copy.call(&mut store, 16 << 20).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::OutOfFuel, "{tier}");
        let err = table_fill.call(&mut store, 100_000).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::OutOfFuel, "{tier}");

        // The exact cost: 4 operators plus one unit per 64 bytes.
        store.set_fuel(1_000).unwrap();
        fill.call(&mut store, 6_400).unwrap();
        assert_eq!(store.get_fuel().unwrap(), 1_000 - 4 - 100, "{tier}");
        assert_eq!(mem.data(&store)[6_399], 7, "{tier}");
        store.set_fuel(1_000).unwrap();
        table_fill.call(&mut store, 800).unwrap();
        assert_eq!(store.get_fuel().unwrap(), 1_000 - 4 - 100, "{tier}");
    }
}

#[test]
fn a_guest_spinning_under_a_host_call_runs_out_of_fuel() {
    let wat = r#"(module
      (import "host" "call_back" (func $call_back))
      (func (export "start") call $call_back)
      (func (export "spin") (loop br 0)))"#;
    for (tier, engine) in fuel_engines() {
        let module = Module::new(&engine, wat).unwrap();
        let mut linker = Linker::<()>::new(&engine);
        linker
            .func_wrap("host", "call_back", |mut caller: Caller<'_, ()>| {
                let spin = caller.get_export("spin").unwrap().into_func().unwrap();
                spin.call(&mut caller, &[], &mut [])
            })
            .unwrap();
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &module).unwrap();
        store.set_fuel(50_000).unwrap();
        let start = instance.get_typed_func::<(), ()>(&store, "start").unwrap();
        let err = start.call(&mut store, ()).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::OutOfFuel, "{tier}");
    }
}

/// Programs whose fuel use the tiers must agree on exactly: loops,
/// branches of every kind, calls direct and indirect, bulk operations.
const PROGRAMS: &str = r#"(module
  (memory 1)
  (table 2 funcref)
  (elem (i32.const 0) $fib $sum)
  (type $t (func (param i32) (result i32)))
  (func $fib (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $sum (param i32) (result i32) (local i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get 0)))
        (local.set 1 (i32.add (local.get 1) (local.get 0)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $next)))
    (local.get 1))
  (func (export "indirect") (param i32 i32) (result i32)
    (call_indirect (type $t) (local.get 1) (local.get 0)))
  (func (export "switch") (param i32) (result i32)
    (block (block (block
      (br_table 0 1 2 (local.get 0)))
      (return (i32.const 10)))
      (return (i32.const 20)))
    (memory.fill (i32.const 0) (i32.const 1) (i32.const 1000))
    (i32.const 30)))"#;

#[test]
fn a_call_consumes_the_same_fuel_on_every_tier() {
    let calls: [(&str, &[i32]); 6] = [
        ("indirect", &[0, 15]),
        ("indirect", &[1, 100]),
        ("switch", &[0]),
        ("switch", &[1]),
        ("switch", &[2]),
        ("switch", &[7]),
    ];
    let mut seen: Vec<Vec<u64>> = Vec::new();
    for (tier, engine) in fuel_engines() {
        let (mut store, instance) = instantiate_in(&engine, PROGRAMS);
        let mut used = Vec::new();
        for (name, args) in calls {
            let func = instance.get_func(&store, name).unwrap();
            let args: Vec<petrel::Val> = args.iter().map(|&a| a.into()).collect();
            let mut results = [petrel::Val::I32(0)];
            store.set_fuel(1_000_000).unwrap();
            func.call(&mut store, &args, &mut results).unwrap();
            used.push(1_000_000 - store.get_fuel().unwrap());
        }
        assert!(used.iter().all(|&u| u > 0), "{tier}: {used:?}");
        if let Some(first) = seen.first() {
            assert_eq!(&used, first, "{tier} against interp");
        }
        seen.push(used);
    }
}

#[test]
fn fuel_settings_fail_without_fuel_on() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    assert!(store.set_fuel(10).is_err());
    assert!(store.get_fuel().is_err());
}
