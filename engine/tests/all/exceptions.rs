//! Exception handling (Wasm 3.0) on every tier (the interpreter, the JIT
//! with signal-based traps and with explicit checks): tags, `throw`,
//! `throw_ref`, `try_table` with each kind of catch clause, exceptions
//! crossing frames, instances and host functions in both directions, and
//! uncaught exceptions as `Error::Exception`.

use crate::{engine_with, every_tier, instantiate_in, trap_code};
use petrel::{
    Caller, Engine, Error, FuncType, Instance, Linker, Module, Store, Tag, TagType,
    ThrownException, TrapCode, Val, ValType,
};

const EH: &str = r#"(module
  (tag $e0 (export "e0"))
  (tag $e1 (export "e1") (param i32))
  (tag $e2 (param i64 f64 v128))
  (tag $other (param i32))
  (func $thrower (export "thrower") (param i32)
    (if (i32.eq (local.get 0) (i32.const 1)) (then (throw $e1 (i32.const 41))))
    (if (i32.eq (local.get 0) (i32.const 2)) (then (throw $other (i32.const 7))))
    (if (i32.eq (local.get 0) (i32.const 3)) (then (throw $e0))))
  ;; catch: the payload goes to the label.
  (func (export "catch_one") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e1 $h)
        (call $thrower (local.get 0)))
      (i32.const -1))
    (i32.add (i32.const 1)))
  ;; Several values, v128 among them.
  (func (export "catch_many") (result f64) (local $f f64)
    (block $h (result i64 f64 v128)
      (try_table (catch $e2 $h)
        (throw $e2 (i64.const 5) (f64.const 2.5) (v128.const i64x2 3 4)))
      (unreachable))
    (drop)
    (local.set $f)
    (f64.convert_i64_s)
    (local.get $f)
    (f64.add))
  ;; The inner try_table's clauses first; an exception none of them
  ;; catches goes on to the outer one.
  (func (export "nested") (param i32) (result i32)
    (block $outer (result i32)
      (try_table (result i32) (catch $other $outer)
        (block $inner (result i32)
          (try_table (catch $e1 $inner)
            (call $thrower (local.get 0)))
          (i32.const 0))
        (i32.const 1000)
        (i32.add))))
  ;; Clauses are tried in order: `catch_all` first takes everything.
  (func (export "order") (param i32) (result i32)
    (block $b (result i32)
      (block $a
        (try_table (catch_all $a) (catch $e1 $b)
          (call $thrower (local.get 0)))
        (return (i32.const 0)))
      (i32.const 100)))
  ;; catch_ref and throw_ref: the same exception, rethrown.
  (func (export "rethrow") (result i32)
    (block $h2 (result i32)
      (try_table (catch $e1 $h2)
        (block $h1 (result i32 exnref)
          (try_table (catch_ref $e1 $h1)
            (throw $e1 (i32.const 9)))
          (unreachable))
        (throw_ref))
      (unreachable)))
  (func (export "catch_all_ref") (result i32)
    (block $h (result exnref)
      (try_table (catch_all_ref $h) (call $thrower (i32.const 3)))
      (unreachable))
    (ref.is_null))
  (func (export "throw_null") (throw_ref (ref.null exn)))
  ;; A loop that throws and catches: memory stays flat.
  (func (export "loop") (param i32) (result i32) (local $sum i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get 0)))
        (block $h (result i32)
          (try_table (catch $e1 $h) (throw $e1 (local.get 0)))
          (unreachable))
        (local.set $sum (i32.add (local.get $sum)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $next)))
    (local.get $sum)))"#;

fn tiers() -> Vec<(&'static str, Engine)> {
    every_tier(|_| {})
}

fn call_i32(
    store: &mut Store<()>,
    instance: Instance,
    name: &str,
    args: &[Val],
) -> petrel::Result<i32> {
    let f = instance.get_func(&*store, name).unwrap();
    let mut out = [Val::I32(0)];
    f.call(store, args, &mut out)?;
    Ok(out[0].i32().unwrap())
}

#[test]
fn throw_and_catch_across_frames_with_every_kind_of_clause() {
    for (tier, engine) in tiers() {
        eprintln!("{tier}");
        throw_and_catch_on(&engine);
    }
}

fn throw_and_catch_on(engine: &Engine) {
    let (mut store, instance) = instantiate_in(engine, EH);
    assert_eq!(
        call_i32(&mut store, instance, "catch_one", &[Val::I32(1)]).unwrap(),
        42
    );
    assert_eq!(
        call_i32(&mut store, instance, "catch_one", &[Val::I32(0)]).unwrap(),
        0
    );
    let f = instance.get_func(&store, "catch_many").unwrap();
    let mut out = [Val::F64(0)];
    f.call(&mut store, &[], &mut out).unwrap();
    assert_eq!(out[0].f64(), Some(7.5));
    assert_eq!(
        call_i32(&mut store, instance, "nested", &[Val::I32(1)]).unwrap(),
        1041
    );
    assert_eq!(
        call_i32(&mut store, instance, "nested", &[Val::I32(2)]).unwrap(),
        7
    );
    assert_eq!(
        call_i32(&mut store, instance, "nested", &[Val::I32(0)]).unwrap(),
        1000
    );
    let err = call_i32(&mut store, instance, "nested", &[Val::I32(3)]).unwrap_err();
    assert!(matches!(err, Error::Exception(_)), "{err:?}");
    assert_eq!(
        call_i32(&mut store, instance, "order", &[Val::I32(1)]).unwrap(),
        100
    );
    assert_eq!(
        call_i32(&mut store, instance, "order", &[Val::I32(0)]).unwrap(),
        0
    );
    assert_eq!(call_i32(&mut store, instance, "rethrow", &[]).unwrap(), 9);
    assert_eq!(
        call_i32(&mut store, instance, "catch_all_ref", &[]).unwrap(),
        0
    );
    assert_eq!(
        call_i32(&mut store, instance, "loop", &[Val::I32(100_000)]).unwrap(),
        (1..=100_000i64).sum::<i64>() as i32
    );
    let throw_null = instance.get_func(&store, "throw_null").unwrap();
    let err = throw_null.call(&mut store, &[], &mut []).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::NullReference);
}

#[test]
fn an_uncaught_exception_reaches_the_host_with_its_tag_and_payload() {
    for (tier, engine) in tiers() {
        eprintln!("{tier}");
        uncaught_on(&engine);
    }
}

fn uncaught_on(engine: &Engine) {
    let (mut store, instance) = instantiate_in(engine, EH);
    let thrower = instance.get_func(&store, "thrower").unwrap();
    let err = thrower
        .call(&mut store, &[Val::I32(1)], &mut [])
        .unwrap_err();
    let Error::Exception(exn) = &err else {
        panic!("expected an exception, got {err:?}")
    };
    assert_eq!(exn.tag(&store), instance.get_tag(&store, "e1").unwrap());
    assert_eq!(exn.payload(&store), vec![Val::I32(41)]);
    assert!(err.to_string().contains("uncaught wasm exception"), "{err}");
    // The store is usable afterwards.
    assert_eq!(
        call_i32(&mut store, instance, "catch_one", &[Val::I32(1)]).unwrap(),
        42
    );
}

#[test]
fn a_host_function_throws_into_wasm_and_wasm_exceptions_cross_host_frames() {
    let wat = r#"(module
      (import "host" "tag" (tag $t (param i32)))
      (import "host" "throws" (func $throws (param i32)))
      (import "host" "reenter" (func $reenter (param i32)))
      (func (export "inner") (param i32) (throw $t (local.get 0)))
      (func (export "catch_host") (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $t $h) (call $throws (local.get 0)))
          (i32.const -1)))
      (func (export "catch_through_host") (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $t $h) (call $reenter (local.get 0)))
          (i32.const -1))))"#;
    for (tier, engine) in tiers() {
        eprintln!("{tier}");
        host_frames_on(&engine, wat);
    }
}

fn host_frames_on(engine: &Engine, wat: &str) {
    let module = Module::new(engine, wat).unwrap();
    let mut store = Store::new(engine, ());
    let ty = TagType::new(FuncType::new(engine, [ValType::I32], []));
    let tag = Tag::new(&mut store, &ty).unwrap();
    let mut linker = Linker::new(engine);
    linker.define("host", "tag", tag).unwrap();
    linker
        .func_wrap(
            "host",
            "throws",
            move |mut caller: Caller<'_, ()>, x: i32| {
                let exn = ThrownException::new(&mut caller, &tag, &[Val::I32(x * 2)])?;
                Err::<(), _>(exn.into())
            },
        )
        .unwrap();
    linker
        .func_wrap("host", "reenter", |mut caller: Caller<'_, ()>, x: i32| {
            let inner = caller.get_export("inner").unwrap().into_func().unwrap();
            // The Wasm exception comes back as an error; `?` passes it on.
            inner.call(&mut caller, &[Val::I32(x + 1)], &mut [])?;
            Ok(())
        })
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    assert_eq!(
        call_i32(&mut store, instance, "catch_host", &[Val::I32(21)]).unwrap(),
        42
    );
    assert_eq!(
        call_i32(&mut store, instance, "catch_through_host", &[Val::I32(6)]).unwrap(),
        7
    );
}

#[test]
fn tags_are_matched_by_identity_not_by_type() {
    // Two instances of one module have two different `$e` tags.
    let wat = r#"(module
      (tag $e (export "e") (param i32))
      (import "other" "throw" (func $throw_other (param i32)))
      (func (export "throw") (param i32) (throw $e (local.get 0)))
      (func (export "catch_other") (result i32)
        (block $h (result i32)
          (try_table (catch $e $h) (call $throw_other (i32.const 1)))
          (i32.const -1))))"#;
    for (tier, engine) in tiers() {
        eprintln!("{tier}");
        identity_on(&engine, wat);
    }
}

fn identity_on(engine: &Engine, wat: &str) {
    let mut store = Store::new(engine, ());
    let mut linker = Linker::new(engine);
    let module = Module::new(engine, wat).unwrap();
    // The first instance's import is a host function that does nothing.
    linker.func_wrap("other", "throw", |_: i32| {}).unwrap();
    let first = linker.instantiate(&mut store, &module).unwrap();
    let throw_first = first.get_func(&store, "throw").unwrap();
    linker.allow_shadowing(true);
    linker.define("other", "throw", throw_first).unwrap();
    let second = linker.instantiate(&mut store, &module).unwrap();
    // The first instance's `$e` is not the second's: the exception escapes.
    let err = call_i32(&mut store, second, "catch_other", &[]).unwrap_err();
    assert!(matches!(err, Error::Exception(_)), "{err:?}");
}

#[test]
fn exceptions_are_refused_when_switched_off() {
    let engine = engine_with(|c| {
        c.wasm_exceptions(false);
    });
    assert!(Module::new(&engine, EH).is_err());
}

#[test]
fn values_live_across_a_call_survive_its_exception_and_traps_are_never_caught() {
    // Every register is dead on the exceptional edge of a call inside a
    // `try_table`: values live across it (locals, the operand stack, the
    // float and vector ones) must come back from the frame. Calls
    // through a table and through a reference, with several results,
    // take the same path; a trap passes every `catch_all`.
    let wat = r#"(module
      (type $t (func (param i32) (result i32 i64)))
      (tag $e (param i32))
      (table funcref (elem $deep))
      (func $deep (type $t)
        (if (i32.le_s (local.get 0) (i32.const 0))
          (then (throw $e (i32.const 5))))
        (if (i32.eq (local.get 0) (i32.const 1000))
          (then (unreachable)))
        (call $deep (i32.sub (local.get 0) (i32.const 1)))
        (i64.const 1)
        (i64.add)
        (return))
      (func (export "live") (param i32) (result f64)
        (local $a i64) (local $v v128) (local $f f64)
        (local.set $a (i64.const 1000000000000))
        (local.set $v (v128.const i32x4 1 2 3 4))
        (local.set $f (f64.const 0.5))
        (f64.const 100)
        (block $h (result i32)
          (try_table (result i32 i64) (catch $e $h)
            (call_indirect (type $t) (local.get 0) (i32.const 0)))
          (drop))
        (f64.convert_i32_s)
        (f64.add)
        (f64.add (local.get $f))
        (f64.add (f64.convert_i64_s (local.get $a)))
        (f64.add (f64.convert_i32_s (i32x4.extract_lane 3 (local.get $v)))))
      (func (export "by_ref") (param i32) (result i32)
        (block $h (result i32)
          (try_table (result i32 i64) (catch $e $h)
            (call_ref $t (local.get 0) (ref.func $deep)))
          (drop)))
      (func (export "trap") (result i32)
        (block $h
          (try_table (catch_all $h)
            (drop (drop (call $deep (i32.const 1000)))))
          (return (i32.const 0)))
        (i32.const 1))
      (elem declare func $deep))"#;
    for (tier, engine) in tiers() {
        eprintln!("{tier}");
        let (mut store, instance) = instantiate_in(&engine, wat);
        let live = instance.get_func(&store, "live").unwrap();
        let mut out = [Val::F64(0)];
        for depth in [0, 1, 50] {
            live.call(&mut store, &[Val::I32(depth)], &mut out).unwrap();
            assert_eq!(
                out[0].f64(),
                Some(100.0 + 5.0 + 0.5 + 1e12 + 4.0),
                "{tier}, depth {depth}"
            );
        }
        assert_eq!(
            call_i32(&mut store, instance, "by_ref", &[Val::I32(30)]).unwrap(),
            5
        );
        let err = call_i32(&mut store, instance, "trap", &[]).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::Unreachable, "{tier}");
    }
}

#[test]
fn throwing_and_catching_cost_the_same_fuel_on_every_tier() {
    // The cost model charges `try_table`, `throw` and `throw_ref` like any
    // operator and ends a segment after each; a catch lands on its label,
    // which charges its own segment. Each tier must agree to the unit.
    let calls: [(&str, &[i32]); 7] = [
        ("catch_one", &[1]),
        ("catch_one", &[0]),
        ("nested", &[1]),
        ("nested", &[2]),
        ("order", &[1]),
        ("rethrow", &[]),
        ("loop", &[50]),
    ];
    let mut seen: Vec<Vec<u64>> = Vec::new();
    for (tier, engine) in every_tier(|c| {
        c.consume_fuel(true);
    }) {
        let (mut store, instance) = instantiate_in(&engine, EH);
        let mut used = Vec::new();
        for (name, args) in calls {
            let args: Vec<Val> = args.iter().map(|&a| Val::I32(a)).collect();
            store.set_fuel(1_000_000).unwrap();
            call_i32(&mut store, instance, name, &args).unwrap();
            used.push(1_000_000 - store.get_fuel().unwrap());
        }
        // An uncaught exception leaves the fuel spent up to the throw.
        store.set_fuel(1_000_000).unwrap();
        call_i32(&mut store, instance, "nested", &[Val::I32(3)]).unwrap_err();
        used.push(1_000_000 - store.get_fuel().unwrap());
        assert!(used.iter().all(|&u| u > 0), "{tier}: {used:?}");
        if let Some(first) = seen.first() {
            assert_eq!(&used, first, "{tier} against interp");
        }
        seen.push(used);
    }
}
