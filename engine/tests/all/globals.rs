//! `global.get` and `global.set` reach the running instance's globals on
//! every tier, however control got there: through calls into other
//! instances and through host functions that run another instance's code
//! before returning. (The interpreter's threaded executor reaches globals
//! through a pointer the loop sets at each entry; a stale one would read
//! the other instance's.)

use crate::every_tier;
use petrel::{Caller, Func, Linker, Module, Store, Val};

/// Two instances of one module, each with its own globals (7 and 8 in
/// global 1, behind an i64 global 0 so the indices differ from the slots);
/// `run` in the first calls the second's `bump` directly, then through a
/// host function, then reads its own globals.
const WAT: &str = r#"(module
  (import "peer" "bump" (func $peer_bump (result i32)))
  (import "host" "bump_other" (func $host_bump (result i32)))
  (global $wide (mut i64) (i64.const -1))
  (global $g (export "g") (mut i32) (i32.const 0))
  (func (export "init") (param i32) (global.set $g (local.get 0)))
  (func (export "bump") (result i32)
    (global.set $g (i32.add (global.get $g) (i32.const 100)))
    (global.get $g))
  (func (export "run") (result i32)
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (drop (call $peer_bump))
    (if (i32.ne (global.get $g) (i32.const 8)) (then (return (i32.const -1))))
    (drop (call $host_bump))
    (if (i64.ne (global.get $wide) (i64.const -1)) (then (return (i32.const -2))))
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (global.get $g)))"#;

#[test]
fn each_instance_reads_its_own_globals_across_calls_and_host_calls() {
    for (tier, engine) in every_tier(|_| {}) {
        let module = Module::new(&engine, WAT).unwrap();
        let mut store: Store<Option<Func>> = Store::new(&engine, None);
        let mut linker = Linker::new(&engine);
        // The host function calls the other instance's `bump`, a second
        // run of the interpreter on the same store.
        linker
            .func_wrap(
                "host",
                "bump_other",
                |mut caller: Caller<'_, Option<Func>>| -> petrel::Result<i32> {
                    let bump = caller.data().expect("set before run");
                    let mut out = [Val::I32(0)];
                    bump.call(&mut caller, &[], &mut out)?;
                    Ok(out[0].i32().unwrap_or(0))
                },
            )
            .unwrap();
        // The other instance imports a `bump` of its own that it never
        // calls; a host stand-in satisfies it.
        let mut other_linker = Linker::new(&engine);
        other_linker
            .func_wrap("peer", "bump", || 0i32)
            .unwrap()
            .func_wrap("host", "bump_other", || 0i32)
            .unwrap();
        let other = other_linker.instantiate(&mut store, &module).unwrap();
        let other_bump = other.get_func(&store, "bump").unwrap();
        *store.data_mut() = Some(other_bump);
        linker.define("peer", "bump", other_bump).unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();

        other
            .get_typed_func::<i32, ()>(&store, "init")
            .unwrap()
            .call(&mut store, 1000)
            .unwrap();
        instance
            .get_typed_func::<i32, ()>(&store, "init")
            .unwrap()
            .call(&mut store, 7)
            .unwrap();
        let run = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
        assert_eq!(run.call(&mut store, ()).unwrap(), 9, "{tier}");
        let g = |store: &mut Store<_>, inst: &petrel::Instance| {
            inst.get_global(&mut *store, "g").unwrap().get(&mut *store)
        };
        assert_eq!(g(&mut store, &instance).i32(), Some(9), "{tier}");
        // Bumped once directly and once through the host.
        assert_eq!(g(&mut store, &other).i32(), Some(1200), "{tier}");
    }
}
