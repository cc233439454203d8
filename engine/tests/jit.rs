//! The JIT tier against the interpreter: the same modules run on both
//! tiers must give the same results, the same traps and the same final
//! memory. The JIT runs twice: with signal-based traps and guard-page
//! memories (the default) and with explicit checks
//! (`Config::signals_based_traps(false)`). Plus the edges where a JIT is
//! most likely to go wrong: bounds checks at the last valid byte, memory
//! growth, deep recursion, traps that cross host functions, and faults
//! that are not Wasm traps.

#![cfg(feature = "jit")]

use petrel::{
    Caller, Config, Engine, Error, Extern, Func, Instance, Linker, Module, Store, Tier, TrapCode,
    Val,
};

fn engine(tier: Tier) -> Engine {
    let mut config = Config::new();
    config.tier(tier);
    Engine::new(&config)
}

/// A host environment both tiers get: `host.add` and `host.fail`, and
/// `host.call_back`, which calls the guest's export `callback`.
fn linker(engine: &Engine) -> Linker<Vec<i32>> {
    let mut linker = Linker::new(engine);
    linker
        .func_wrap(
            "host",
            "add",
            |mut caller: Caller<'_, Vec<i32>>, a: i32, b: i32| {
                caller.data_mut().push(a);
                a.wrapping_add(b)
            },
        )
        .unwrap();
    linker
        .func_wrap("host", "fail", |x: i32| -> petrel::Result<i32> {
            if x < 0 {
                Err(Error::msg("negative"))
            } else {
                Ok(x * 2)
            }
        })
        .unwrap();
    linker
        .func_wrap(
            "host",
            "call_back",
            |mut caller: Caller<'_, Vec<i32>>, x: i32| -> petrel::Result<i32> {
                let f = caller
                    .get_export("callback")
                    .and_then(Extern::into_func)
                    .ok_or_else(|| Error::msg("no callback"))?;
                let mut out = [Val::I32(0)];
                f.call(&mut caller, &[Val::I32(x)], &mut out)?;
                Ok(out[0].i32().unwrap() + 1)
            },
        )
        .unwrap();
    linker
}

/// Runs `calls` (export name and arguments) against `wat` on `tier` and
/// records everything observable: each result or error, the host data,
/// and a digest of every exported memory.
fn transcript(engine: Engine, wat: &str, calls: &[(&str, Vec<Val>)]) -> Vec<String> {
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, Vec::new());
    let linker = linker(&engine);
    let mut out = Vec::new();
    let instance = match linker.instantiate(&mut store, &module) {
        Ok(i) => i,
        Err(e) => return vec![describe(&e)],
    };
    for (name, args) in calls {
        let f = instance.get_func(&store, name).unwrap();
        let ty = f.ty(&store);
        let mut results: Vec<Val> = ty.results().map(|t| Val::default_for(&t)).collect();
        match f.call(&mut store, args, &mut results) {
            Ok(()) => out.push(format!("{name}{args:?} = {}", show(&results))),
            Err(e) => out.push(format!("{name}{args:?} -> {}", describe(&e))),
        }
    }
    out.push(format!("host data {:?}", store.data()));
    for (name, ext) in instance.exports(&store) {
        if let Extern::Memory(m) = ext {
            let data = m.data(&store);
            let digest = data.iter().fold(0xcbf29ce484222325u64, |h, b| {
                (h ^ *b as u64).wrapping_mul(0x100000001b3)
            });
            out.push(format!(
                "memory {name}: {} bytes, digest {digest:x}",
                data.len()
            ));
        }
    }
    out
}

/// Results with floats as bits, so NaNs compare exactly.
fn show(vals: &[Val]) -> String {
    let parts: Vec<String> = vals
        .iter()
        .map(|v| match v {
            Val::FuncRef(f) => format!("funcref({})", f.is_some()),
            Val::ExternRef(r) => format!("externref({})", r.is_some()),
            other => format!("{other:?}"),
        })
        .collect();
    parts.join(", ")
}

fn describe(e: &Error) -> String {
    match e.as_trap() {
        Some(t) => {
            let frames: Vec<u32> = t.backtrace().iter().map(|f| f.func_index).collect();
            format!("trap {:?} at {frames:?}", t.code())
        }
        None => format!("error {e}"),
    }
}

fn assert_same(wat: &str, calls: &[(&str, Vec<Val>)]) -> Vec<String> {
    assert_same_in(&Config::new(), wat, calls)
}

/// [`assert_same`] with engines made from `base` (features switched on,
/// say) on each tier.
fn assert_same_in(base: &Config, wat: &str, calls: &[(&str, Vec<Val>)]) -> Vec<String> {
    let on = |tier: Tier, signals: bool| {
        let mut config = base.clone();
        config.tier(tier).signals_based_traps(signals);
        Engine::new(&config)
    };
    let interp = transcript(on(Tier::Interpreter, true), wat, calls);
    let jit = transcript(on(Tier::Jit, true), wat, calls);
    assert_eq!(interp, jit, "tiers disagree");
    let explicit = transcript(on(Tier::Jit, false), wat, calls);
    assert_eq!(jit, explicit, "the JIT's trap modes disagree");
    jit
}

/// The JIT with explicit trap checks and unguarded memories.
fn explicit_jit() -> Engine {
    let mut config = Config::new();
    config.tier(Tier::Jit).signals_based_traps(false);
    Engine::new(&config)
}

fn i32s(v: &[i32]) -> Vec<Val> {
    v.iter().map(|x| Val::I32(*x)).collect()
}

#[test]
fn integer_arithmetic_and_traps_match() {
    let wat = r#"(module
      (func (export "div_s") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
      (func (export "rem_s") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
      (func (export "div_u64") (param i64 i64) (result i64) (i64.div_u (local.get 0) (local.get 1)))
      (func (export "rem_s64") (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1)))
      (func (export "bits") (param i32) (result i32)
        (i32.add (i32.clz (local.get 0))
          (i32.add (i32.ctz (local.get 0))
            (i32.add (i32.popcnt (local.get 0)) (i32.rotl (local.get 0) (i32.const 35))))))
      (func (export "shifts") (param i64 i64) (result i64)
        (i64.xor (i64.shl (local.get 0) (local.get 1))
          (i64.xor (i64.shr_s (local.get 0) (local.get 1)) (i64.shr_u (local.get 0) (local.get 1)))))
      (func (export "ext") (param i32) (result i64)
        (i64.add (i64.extend8_s (i64.extend_i32_u (local.get 0))) (i64.extend32_s (i64.extend_i32_s (local.get 0))))))"#;
    let min = i32::MIN;
    let calls = vec![
        ("div_s", i32s(&[7, -2])),
        ("div_s", i32s(&[1, 0])),
        ("div_s", i32s(&[min, -1])),
        ("rem_s", i32s(&[min, -1])),
        ("rem_s", i32s(&[-7, 2])),
        ("rem_s", i32s(&[3, 0])),
        ("div_u64", vec![Val::I64(-1), Val::I64(3)]),
        ("div_u64", vec![Val::I64(5), Val::I64(0)]),
        ("rem_s64", vec![Val::I64(i64::MIN), Val::I64(-1)]),
        ("bits", i32s(&[0])),
        ("bits", i32s(&[0x1234_5678])),
        ("shifts", vec![Val::I64(-12345), Val::I64(67)]),
        ("ext", i32s(&[0x80])),
        ("ext", i32s(&[-1])),
    ];
    let out = assert_same(wat, &calls);
    assert!(out[1].contains("IntegerDivideByZero"), "{out:?}");
    assert!(out[2].contains("IntegerOverflow"), "{out:?}");
    assert!(out[3].ends_with("= I32(0)"), "{out:?}");
}

#[test]
fn float_operations_and_conversions_match() {
    let wat = r#"(module
      (func (export "round") (param f64) (result f64 f64 f64 f64)
        (f64.ceil (local.get 0)) (f64.floor (local.get 0)) (f64.trunc (local.get 0)) (f64.nearest (local.get 0)))
      (func (export "minmax") (param f32 f32) (result f32 f32 f32)
        (f32.min (local.get 0) (local.get 1)) (f32.max (local.get 0) (local.get 1))
        (f32.copysign (local.get 0) (local.get 1)))
      (func (export "trunc_s") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
      (func (export "trunc_u") (param f32) (result i64) (i64.trunc_f32_u (local.get 0)))
      (func (export "trunc_sat") (param f64) (result i32 i64) (i32.trunc_sat_f64_u (local.get 0)) (i64.trunc_sat_f64_s (local.get 0)))
      (func (export "convert") (param i64) (result f32 f64 f32)
        (f32.convert_i64_u (local.get 0)) (f64.convert_i64_s (local.get 0))
        (f32.demote_f64 (f64.convert_i64_u (local.get 0)))))"#;
    let f64v = |x: f64| vec![Val::F64(x.to_bits())];
    let f32v = |x: f32| vec![Val::F32(x.to_bits())];
    let calls = vec![
        ("round", f64v(2.5)),
        ("round", f64v(-0.5)),
        ("round", f64v(f64::NAN)),
        (
            "minmax",
            vec![Val::F32(0.0f32.to_bits()), Val::F32((-0.0f32).to_bits())],
        ),
        (
            "minmax",
            vec![Val::F32(1.0f32.to_bits()), Val::F32(f32::NAN.to_bits())],
        ),
        ("trunc_s", f64v(-2147483648.9)),
        ("trunc_s", f64v(-2147483649.0)),
        ("trunc_s", f64v(2147483647.9)),
        ("trunc_s", f64v(2147483648.0)),
        ("trunc_s", f64v(f64::NAN)),
        ("trunc_u", f32v(-0.9)),
        ("trunc_u", f32v(-1.0)),
        ("trunc_u", f32v(18446742974197923840.0)),
        ("trunc_u", f32v(18446744073709551616.0)),
        ("trunc_sat", f64v(-1e300)),
        ("trunc_sat", f64v(1e300)),
        ("trunc_sat", f64v(f64::NAN)),
        ("convert", vec![Val::I64(-1)]),
        ("convert", vec![Val::I64(0x7fff_ffff_ffff_fdff)]),
    ];
    let out = assert_same(wat, &calls);
    assert!(out[6].contains("IntegerOverflow"), "{out:?}");
    assert!(out[9].contains("BadConversionToInteger"), "{out:?}");
}

#[test]
fn control_flow_calls_and_tables_match() {
    let wat = r#"(module
      (import "host" "add" (func $add (param i32 i32) (result i32)))
      (import "host" "fail" (func $fail (param i32) (result i32)))
      (type $ii (func (param i32) (result i32)))
      (table $t 4 funcref)
      (elem (table $t) (i32.const 0) func $double $square $add1)
      (global $count (mut i32) (i32.const 0))
      (func $double (type $ii) (i32.mul (local.get 0) (i32.const 2)))
      (func $square (type $ii) (i32.mul (local.get 0) (local.get 0)))
      (func $add1 (param i64) (result i64) (i64.add (local.get 0) (i64.const 1)))
      (func (export "indirect") (param i32 i32) (result i32)
        (global.set $count (i32.add (global.get $count) (i32.const 1)))
        (call_indirect $t (type $ii) (local.get 1) (local.get 0)))
      (func (export "count") (result i32) (global.get $count))
      (func (export "switch") (param i32) (result i32)
        (block $d (block $c (block $b (block $a
          (br_table $a $b $c $d (local.get 0)))
          (return (i32.const 10)))
          (return (i32.const 20)))
          (return (i32.const 30)))
        (i32.const 40))
      (func (export "multi") (param i32) (result i32 i64)
        (local.get 0)
        (block (param i32) (result i32 i64)
          (i64.const 5)
          (br_if 0 (i32.eqz (local.get 0)))
          (drop) (i64.const 99)))
      (func (export "loop_sum") (param i32) (result i32) (local $acc i32)
        (local.get 0)
        (loop $l (param i32) (result i32)
          (local.set 0)
          (local.set $acc (i32.add (local.get $acc) (local.get 0)))
          (i32.sub (local.get 0) (i32.const 1))
          (br_if $l (i32.gt_s (local.get 0) (i32.const 1)))
          (drop)
          (local.get $acc)))
      (func (export "hosts") (param i32) (result i32)
        (call $add (local.get 0) (call $fail (local.get 0))))
      (func (export "grow_table") (result i32 i32)
        (table.grow $t (ref.func $square) (i32.const 2))
        (table.size $t))
      (func (export "select") (param i32) (result i64)
        (select (i64.const 1) (i64.const 2) (local.get 0))))"#;
    let calls = vec![
        ("indirect", i32s(&[0, 21])),
        ("indirect", i32s(&[1, 9])),
        ("indirect", i32s(&[2, 9])),
        ("indirect", i32s(&[3, 9])),
        ("indirect", i32s(&[4, 9])),
        ("indirect", i32s(&[-1, 9])),
        ("count", vec![]),
        ("switch", i32s(&[0])),
        ("switch", i32s(&[2])),
        ("switch", i32s(&[3])),
        ("switch", i32s(&[1000])),
        ("multi", i32s(&[0])),
        ("multi", i32s(&[5])),
        ("loop_sum", i32s(&[100])),
        ("hosts", i32s(&[5])),
        ("hosts", i32s(&[-5])),
        ("grow_table", vec![]),
        ("indirect", i32s(&[4, 7])),
        ("select", i32s(&[0])),
        ("select", i32s(&[7])),
    ];
    let out = assert_same(wat, &calls);
    assert!(out[2].contains("BadSignature"), "{out:?}");
    assert!(out[3].contains("IndirectCallToNull"), "{out:?}");
    assert!(out[4].contains("TableOutOfBounds"), "{out:?}");
    assert!(out[15].contains("error negative"), "{out:?}");
    assert!(out[17].ends_with("= I32(49)"), "{out:?}");
}

#[test]
fn memory_bulk_operations_match() {
    let wat = r#"(module
      (memory (export "mem") 1 3)
      (data $d "hello, world")
      (func (export "init") (param i32 i32 i32) (memory.init $d (local.get 0) (local.get 1) (local.get 2)))
      (func (export "drop") (data.drop $d))
      (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
      (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
      (func (export "size") (result i32) (memory.size))
      (func (export "sum") (param i32 i32) (result i64) (local $acc i64)
        (block $done (loop $l
          (br_if $done (i32.ge_u (local.get 0) (local.get 1)))
          (local.set $acc (i64.add (local.get $acc) (i64.load8_u (local.get 0))))
          (local.set 0 (i32.add (local.get 0) (i32.const 1)))
          (br $l)))
        (local.get $acc)))"#;
    let calls = vec![
        ("init", i32s(&[100, 0, 12])),
        ("init", i32s(&[65530, 0, 12])),
        ("init", i32s(&[0, 10, 3])),
        ("copy", i32s(&[200, 100, 12])),
        ("copy", i32s(&[104, 100, 12])),
        ("copy", i32s(&[65535, 0, 2])),
        ("fill", i32s(&[300, 0x41, 50])),
        ("fill", i32s(&[65536, 0, 0])),
        ("fill", i32s(&[65536, 0, 1])),
        ("drop", vec![]),
        ("init", i32s(&[0, 0, 1])),
        ("init", i32s(&[0, 0, 0])),
        ("sum", i32s(&[0, 65536])),
        ("grow", i32s(&[1])),
        ("size", vec![]),
        ("fill", i32s(&[65536, 7, 65536])),
        ("grow", i32s(&[5])),
        ("sum", i32s(&[65530, 131072])),
    ];
    let out = assert_same(wat, &calls);
    assert!(out[1].contains("MemoryOutOfBounds"), "{out:?}");
    assert!(out[10].contains("MemoryOutOfBounds"), "{out:?}");
    assert!(out[16].ends_with("= I32(-1)"), "{out:?}");
}

/// Every load and store width at the last byte it may touch, and one past
/// it, at several static offsets.
#[test]
fn loads_and_stores_at_the_last_valid_byte_and_one_past() {
    let ops: &[(&str, u32, &str)] = &[
        ("i32.load", 4, "i32"),
        ("i32.load8_s", 1, "i32"),
        ("i32.load8_u", 1, "i32"),
        ("i32.load16_s", 2, "i32"),
        ("i32.load16_u", 2, "i32"),
        ("i64.load", 8, "i64"),
        ("i64.load8_s", 1, "i64"),
        ("i64.load16_u", 2, "i64"),
        ("i64.load32_s", 4, "i64"),
        ("i64.load32_u", 4, "i64"),
        ("f32.load", 4, "f32"),
        ("f64.load", 8, "f64"),
    ];
    let stores: &[(&str, u32, &str)] = &[
        ("i32.store", 4, "i32"),
        ("i32.store8", 1, "i32"),
        ("i32.store16", 2, "i32"),
        ("i64.store", 8, "i64"),
        ("i64.store8", 1, "i64"),
        ("i64.store16", 2, "i64"),
        ("i64.store32", 4, "i64"),
        ("f32.store", 4, "f32"),
        ("f64.store", 8, "f64"),
    ];
    let offsets = [0u32, 1, 7, 4096, 65535];
    let mut wat = String::from("(module (memory (export \"mem\") 1)\n");
    let mut calls = Vec::new();
    let mut expect = Vec::new();
    for &off in &offsets {
        for (i, (op, size, ty)) in ops.iter().enumerate() {
            let name = format!("l{i}_{off}");
            wat.push_str(&format!(
                "(func (export \"{name}\") (param i32) (result {ty}) ({op} offset={off} (local.get 0)))\n"
            ));
            if off + size <= 65536 {
                let last = (65536 - size - off) as i32;
                calls.push((name.clone(), i32s(&[last])));
                expect.push(true);
            }
            let past = (65536 - size + 1) as i64 - off as i64;
            calls.push((name.clone(), i32s(&[past as i32])));
            expect.push(false);
        }
        for (i, (op, size, ty)) in stores.iter().enumerate() {
            let name = format!("s{i}_{off}");
            wat.push_str(&format!(
                "(func (export \"{name}\") (param i32) ({op} offset={off} (local.get 0) ({ty}.const 0x41)))\n"
            ));
            if off + size <= 65536 {
                let last = (65536 - size - off) as i32;
                calls.push((name.clone(), i32s(&[last])));
                expect.push(true);
            }
            let past = (65536 - size + 1) as i64 - off as i64;
            calls.push((name.clone(), i32s(&[past as i32])));
            expect.push(false);
        }
    }
    wat.push(')');
    let calls: Vec<(&str, Vec<Val>)> = calls.iter().map(|(n, a)| (n.as_str(), a.clone())).collect();
    let out = assert_same(&wat, &calls);
    for (line, ok) in out.iter().zip(&expect) {
        assert_eq!(
            line.contains("MemoryOutOfBounds"),
            !ok,
            "unexpected outcome: {line}"
        );
    }
}

#[test]
fn memory_grow_then_access_sees_the_new_pages() {
    let wat = r#"(module
      (memory (export "mem") 0)
      (func (export "store_after_grow") (result i32)
        (drop (memory.grow (i32.const 2)))
        (i32.store (i32.const 131068) (i32.const 0x12345678))
        (i32.load (i32.const 131068)))
      (func (export "past_end") (result i32) (i32.load (i32.const 131069))))"#;
    let out = assert_same(
        wat,
        &[
            ("past_end", vec![]),
            ("store_after_grow", vec![]),
            ("past_end", vec![]),
        ],
    );
    assert!(out[0].contains("MemoryOutOfBounds"), "{out:?}");
    assert!(out[1].ends_with("= I32(305419896)"), "{out:?}");
    assert!(out[2].contains("MemoryOutOfBounds"), "{out:?}");
}

/// An offset past the guard region makes the JIT check a guarded memory's
/// bounds explicitly; the length it checks against must be read after a
/// `memory.grow` in the same function, not reused from before it (a
/// read-only load of the length was merged with the earlier one, and the
/// access to the new page trapped).
#[test]
fn an_explicit_check_after_memory_grow_reads_the_new_length() {
    // 2 GiB (the guard region) plus one page, then one more.
    let wat = r#"(module
      (memory 32769)
      (func (export "f") (result i32)
        (i32.store offset=0x80000000 (i32.const 0) (i32.const 5))
        (drop (memory.grow (i32.const 1)))
        (i32.store offset=0x80000000 (i32.const 65536) (i32.const 7))
        (i32.add
          (i32.load offset=0x80000000 (i32.const 0))
          (i32.load offset=0x80000000 (i32.const 65536)))))"#;
    let engine = engine(Tier::Jit);
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let f = instance.get_typed_func::<(), i32>(&store, "f").unwrap();
    assert_eq!(f.call(&mut store, ()).unwrap(), 12);
}

#[test]
fn deep_recursion_is_a_stack_overflow_trap_not_a_crash() {
    let wat = r#"(module
      (func $runaway (export "runaway") (param i64) (result i64)
        (i64.add (call $runaway (i64.add (local.get 0) (i64.const 1))) (i64.const 1)))
      (func $depth (export "depth") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0))
          (then (i32.const 0))
          (else (i32.add (call $depth (i32.sub (local.get 0) (i32.const 1))) (i32.const 1))))))"#;
    let engine = engine(Tier::Jit);
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let runaway = instance
        .get_typed_func::<i64, i64>(&store, "runaway")
        .unwrap();
    let err = runaway.call(&mut store, 0).unwrap_err();
    let trap = err.as_trap().expect("a trap");
    assert_eq!(trap.code(), TrapCode::StackOverflow);
    assert_eq!(trap.backtrace().len(), 64);
    assert!(trap.elided_frames() > 0);
    // The store is still usable, and moderate recursion works.
    let depth = instance
        .get_typed_func::<i32, i32>(&store, "depth")
        .unwrap();
    assert_eq!(depth.call(&mut store, 1000).unwrap(), 1000);
    assert_eq!(
        runaway.call(&mut store, 0).unwrap_err().trap_code(),
        Some(TrapCode::StackOverflow)
    );
}

#[test]
fn an_error_inside_a_host_call_unwinds_unchanged() {
    #[derive(Debug)]
    struct Custom;
    impl std::fmt::Display for Custom {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("custom")
        }
    }
    impl std::error::Error for Custom {}
    let wat = r#"(module
      (import "env" "boom" (func $boom (param i32)))
      (func $inner (param i32) (call $boom (local.get 0)))
      (func (export "run") (param i32) (result i32)
        (call $inner (local.get 0)) (i32.const 7)))"#;
    let engine = engine(Tier::Jit);
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let boom = Func::wrap(&mut store, |x: i32| -> petrel::Result<()> {
        match x {
            0 => Ok(()),
            1 => Err(Error::host(Custom)),
            _ => Err(TrapCode::Unreachable.into()),
        }
    });
    let instance = Instance::new(&mut store, &module, &[boom.into()]).unwrap();
    let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, 0).unwrap(), 7);
    let err = run.call(&mut store, 1).unwrap_err();
    assert!(err.downcast_ref::<Custom>().is_some(), "{err}");
    let err = run.call(&mut store, 2).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::Unreachable));
    assert_eq!(run.call(&mut store, 0).unwrap(), 7);
}

#[test]
fn a_trap_in_wasm_called_from_a_host_function_reaches_the_outer_caller() {
    let wat = r#"(module
      (import "host" "call_back" (func $call_back (param i32) (result i32)))
      (memory (export "mem") 1)
      (func (export "callback") (param i32) (result i32)
        (if (i32.eq (local.get 0) (i32.const 13)) (then unreachable))
        (i32.load (local.get 0)))
      (func (export "outer") (param i32) (result i32)
        (i32.add (call $call_back (local.get 0)) (i32.const 100))))"#;
    let calls = vec![
        ("outer", i32s(&[0])),
        ("outer", i32s(&[13])),
        ("outer", i32s(&[65536])),
        ("outer", i32s(&[4])),
    ];
    let out = assert_same(wat, &calls);
    assert!(out[0].ends_with("= I32(101)"), "{out:?}");
    assert!(out[1].contains("Unreachable"), "{out:?}");
    assert!(out[2].contains("MemoryOutOfBounds"), "{out:?}");
    assert!(out[3].ends_with("= I32(101)"), "{out:?}");
}

#[test]
fn traps_carry_a_backtrace_with_names() {
    let wat = r#"(module $m
      (func $leaf (unreachable))
      (func $middle (call $leaf))
      (func (export "top") (call $middle)))"#;
    let engine = engine(Tier::Jit);
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let top = instance.get_typed_func::<(), ()>(&store, "top").unwrap();
    let err = top.call(&mut store, ()).unwrap_err();
    let trap = err.as_trap().unwrap();
    let names: Vec<_> = trap
        .backtrace()
        .iter()
        .map(|f| f.func_name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names, ["leaf", "middle", ""]);
    assert_eq!(trap.backtrace()[0].module_name.as_deref(), Some("m"));
}

#[test]
fn a_start_function_and_shared_tables_work_across_instances() {
    let engine = engine(Tier::Jit);
    let mut store = Store::new(&engine, ());
    let a = Module::new(
        &engine,
        r#"(module
          (table (export "t") 2 funcref)
          (global (export "g") (mut i32) (i32.const 0))
          (func $seven (result i32) (i32.const 7))
          (elem (i32.const 0) $seven)
          (func (export "call") (param i32) (result i32)
            (call_indirect (result i32) (local.get 0))))"#,
    )
    .unwrap();
    let b = Module::new(
        &engine,
        r#"(module
          (import "a" "t" (table 2 funcref))
          (import "a" "g" (global $g (mut i32)))
          (func $nine (result i32) (i32.const 9))
          (elem (i32.const 1) $nine)
          (func $start (global.set $g (i32.const 42)))
          (start $start))"#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    let ia = linker.instantiate(&mut store, &a).unwrap();
    linker.instance(&mut store, "a", ia).unwrap();
    linker.instantiate(&mut store, &b).unwrap();
    let call = ia.get_typed_func::<i32, i32>(&store, "call").unwrap();
    assert_eq!(call.call(&mut store, 0).unwrap(), 7);
    assert_eq!(call.call(&mut store, 1).unwrap(), 9);
    let g = ia.get_global(&store, "g").unwrap();
    assert_eq!(g.get(&store).i32(), Some(42));
}

#[test]
fn a_host_panic_unwinds_through_compiled_code_to_the_caller() {
    let wat = r#"(module
      (import "env" "maybe_panic" (func $p (param i32)))
      (func (export "run") (param i32) (result i32) (call $p (local.get 0)) (i32.const 1)))"#;
    let engine = engine(Tier::Jit);
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let p = Func::wrap(&mut store, |x: i32| {
        if x != 0 {
            panic!("host panic");
        }
    });
    let instance = Instance::new(&mut store, &module, &[p.into()]).unwrap();
    let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run.call(&mut store, 1)));
    assert!(caught.is_err());
    assert_eq!(run.call(&mut store, 0).unwrap(), 1);
}

/// The JIT skips a bounds check already proven for the same address in the
/// same straight-line code; a wider access through the same address must
/// still be checked.
#[test]
fn a_proven_bounds_check_does_not_cover_a_wider_access() {
    let wat = r#"(module
      (memory (export "mem") 1 1)
      (func (export "narrow_then_wide") (param i32) (result i32)
        (i32.add (i32.load8_u (local.get 0)) (i32.load offset=2 (local.get 0))))
      (func (export "wide_then_narrow") (param i32) (result i32)
        (i32.store offset=4 (local.get 0) (i32.const 7))
        (i32.load8_u offset=1 (local.get 0)))
      (func (export "after_branch") (param i32 i32) (result i32)
        (if (local.get 1) (then (drop (i32.load8_u (local.get 0)))))
        (i32.load (local.get 0))))"#;
    let calls = vec![
        ("narrow_then_wide", i32s(&[65530])),
        ("narrow_then_wide", i32s(&[65531])),
        ("wide_then_narrow", i32s(&[65528])),
        ("wide_then_narrow", i32s(&[65529])),
        ("after_branch", i32s(&[65535, 1])),
        ("after_branch", i32s(&[65532, 1])),
    ];
    let out = assert_same(wat, &calls);
    let traps: Vec<bool> = out
        .iter()
        .map(|l| l.contains("MemoryOutOfBounds"))
        .collect();
    assert_eq!(
        traps[..6],
        [false, true, false, true, true, false],
        "{out:?}"
    );
}

/// Recursion that goes through a host function at every level grows the
/// native stack by Rust frames too; the stack limit still stops it.
#[test]
fn recursion_through_a_host_function_is_a_stack_overflow_trap() {
    let wat = r#"(module
      (import "host" "call_back" (func $call_back (param i32) (result i32)))
      (func (export "callback") (param i32) (result i32)
        (call $call_back (i32.add (local.get 0) (i32.const 1)))))"#;
    let engine = engine(Tier::Jit);
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, Vec::new());
    let instance = linker(&engine).instantiate(&mut store, &module).unwrap();
    let f = instance
        .get_typed_func::<i32, i32>(&store, "callback")
        .unwrap();
    let err = f.call(&mut store, 0).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::StackOverflow), "{err}");
}

/// A function with `n` `v128` values live at once (a frame of about
/// `16 * n` bytes of spill slots), a recursive function that reaches it
/// near the stack limit, and a function with no frame to speak of.
fn big_frame_module(n: u32) -> String {
    let mut body = String::new();
    for k in 0..n {
        body += &format!("(v128.load offset={k} (i32.const 0))\n");
    }
    for _ in 1..n {
        body += "i8x16.add\n";
    }
    format!(
        r#"(module (memory 1)
          (func $big (export "big") (result i32) (call $spilled (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4)))
          (func $spilled (param i32 i32 i32 i32) (result i32)
            {body} i8x16.extract_lane_s 0
            (i32.add (local.get 0)) (i32.add (local.get 1)) (i32.add (local.get 2)) (i32.add (local.get 3)))
          (func $deep (export "deep") (param i32) (result i32)
            (if (result i32) (local.get 0)
              (then (call $deep (i32.sub (local.get 0) (i32.const 1))))
              (else (call $big))))
          (func (export "small") (result i32) (i32.const 7)))"#
    )
}

/// Calls `export` of the big-frame module on a thread with `stack` bytes
/// of stack (the module is compiled, and called once, on the caller's
/// thread).
fn call_on_small_stack(
    config: Config,
    values: u32,
    stack: usize,
    export: &'static str,
    arg: Option<i32>,
) -> Result<i32, Error> {
    let engine = Engine::new(&config);
    let module = Module::new(&engine, big_frame_module(values)).unwrap();
    // A first call here compiles the entry trampoline, which takes more
    // stack than the small thread has.
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let small = instance.get_typed_func::<(), i32>(&store, "small").unwrap();
    assert_eq!(small.call(&mut store, ()).unwrap(), 7);
    std::thread::Builder::new()
        .stack_size(stack)
        .spawn(move || {
            let mut store = Store::new(&engine, ());
            let instance = Instance::new(&mut store, &module, &[]).unwrap();
            match arg {
                Some(n) => instance
                    .get_typed_func::<i32, i32>(&store, export)
                    .unwrap()
                    .call(&mut store, n),
                None => instance
                    .get_typed_func::<(), i32>(&store, export)
                    .unwrap()
                    .call(&mut store, ()),
            }
        })
        .unwrap()
        .join()
        .unwrap()
}

/// The stack check runs before a function allocates its frame: a frame
/// larger than what is left of the thread's stack is a stack-overflow trap.
/// (The check used to sit in the function's body, after the prologue had
/// written the saved registers at the bottom of the new frame: 64 KiB
/// below a 48 KiB stack.)
#[test]
fn a_frame_larger_than_the_stack_left_is_a_stack_overflow_trap() {
    let mut config = Config::new();
    config.tier(Tier::Jit).max_native_stack(8 << 10);
    let small = call_on_small_stack(config.clone(), 4000, 48 << 10, "small", None);
    assert_eq!(small.unwrap(), 7);
    let err = call_on_small_stack(config.clone(), 4000, 48 << 10, "big", None).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::StackOverflow), "{err}");
    // With room, the same function runs. (Room to spare: riscv64 spills
    // these vectors into a frame several times larger than x86-64's.)
    config.max_native_stack(1 << 20);
    assert_eq!(
        call_on_small_stack(config, 4000, 4 << 20, "big", None).unwrap(),
        10
    );
}

/// With explicit checks the body's check is the graceful trap, so a frame
/// within `EXPLICIT_FRAME_SLACK` (256 KiB) overflows as a trap wherever it
/// is entered, directly or at the end of a recursion, as long as the thread
/// has that slack below the budget.
#[test]
fn explicit_checks_trap_a_big_frame_past_the_limit() {
    let mut config = Config::new();
    config
        .tier(Tier::Jit)
        .signals_based_traps(false)
        .max_native_stack(8 << 10);
    // About 16 KiB of frame, twice the budget.
    let err = call_on_small_stack(config.clone(), 1000, 512 << 10, "big", None).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::StackOverflow), "{err}");
    // A budget the frame fits in (riscv64's is several times x86-64's),
    // with the slack below it on the thread.
    config.max_native_stack(512 << 10);
    let err =
        call_on_small_stack(config.clone(), 1000, 2 << 20, "deep", Some(1_000_000)).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::StackOverflow), "{err}");
    assert_eq!(
        call_on_small_stack(config, 1000, 2 << 20, "deep", Some(10)).unwrap(),
        10
    );
}

/// 6,000 `v128` values live at once: past what the backtracking
/// register allocator is given (40,000 took it 71 s), so the
/// function is compiled with the single-pass allocator, and must still
/// compute the interpreter's answer in both trap modes.
#[test]
fn a_function_with_huge_register_pressure_compiles_and_runs() {
    let n = 6_000u32;
    let mut body = String::new();
    for k in 0..n {
        body += &format!("(v128.load offset={k} (i32.const 0))\n");
    }
    for _ in 1..n {
        body += "i8x16.add\n";
    }
    let wat = format!(
        r#"(module (memory 1)
          (func (export "init")
            (local $i i32)
            (loop $fill
              (i32.store8 (local.get $i)
                (i32.add (i32.mul (local.get $i) (i32.const 7)) (i32.const 3)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $fill (i32.lt_u (local.get $i) (i32.const 65536)))))
          (func (export "big") (result i32) {body} i8x16.extract_lane_s 0))"#
    );
    // Lane 0 of the load at offset k is byte k.
    let expected = (0..n).fold(0u8, |acc, k| acc.wrapping_add((k * 7 + 3) as u8)) as i8 as i32;
    for (tier, signals) in [
        (Tier::Interpreter, true),
        (Tier::Jit, true),
        (Tier::Jit, false),
    ] {
        let wat = wat.clone();
        let got = std::thread::Builder::new()
            .stack_size(16 << 20)
            .spawn(move || {
                let mut config = Config::new();
                config
                    .tier(tier)
                    .signals_based_traps(signals)
                    .max_native_stack(4 << 20);
                let engine = Engine::new(&config);
                let module = Module::new(&engine, &wat).unwrap();
                let mut store = Store::new(&engine, ());
                let instance = Instance::new(&mut store, &module, &[]).unwrap();
                let init = instance.get_typed_func::<(), ()>(&store, "init").unwrap();
                init.call(&mut store, ()).unwrap();
                let big = instance.get_typed_func::<(), i32>(&store, "big").unwrap();
                big.call(&mut store, ()).unwrap()
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(got, expected, "{tier:?}, signals: {signals}");
    }
}

/// A bounds check proven on one path must not excuse an access on a path
/// that merges with it.
#[test]
fn a_bounds_check_on_one_path_does_not_cover_another() {
    let wat = r#"(module
      (memory (export "mem") 1)
      (func (export "then_only") (param i32 i32) (result i32)
        (if (local.get 1) (then (drop (i32.load8_u (local.get 0)))))
        (i32.load8_u (local.get 0)))
      (func (export "else_only") (param i32 i32) (result i32)
        (if (local.get 1)
          (then (nop))
          (else (drop (i32.load8_u (local.get 0)))))
        (i32.load8_u (local.get 0)))
      (func (export "block_exit") (param i32 i32) (result i32)
        (block $b
          (br_if $b (local.get 1))
          (drop (i32.load8_u (local.get 0))))
        (i32.load8_u (local.get 0)))
      (func (export "before_loop") (param i32) (result i32) (local $n i32)
        (drop (i32.load8_u (local.get 0)))
        (loop $l
          (local.set $n (i32.add (local.get $n) (i32.load8_u (local.get 0))))
          (br_if $l (i32.lt_u (local.get $n) (i32.const 0))))
        (local.get $n)))"#;
    let calls = vec![
        ("then_only", i32s(&[65536, 0])),
        ("then_only", i32s(&[65535, 1])),
        ("else_only", i32s(&[65536, 1])),
        ("block_exit", i32s(&[65536, 1])),
        ("before_loop", i32s(&[65535])),
        ("before_loop", i32s(&[65536])),
    ];
    let out = assert_same(wat, &calls);
    let traps: Vec<bool> = out
        .iter()
        .map(|l| l.contains("MemoryOutOfBounds"))
        .collect();
    assert_eq!(
        traps[..6],
        [true, false, true, true, false, true],
        "{out:?}"
    );
}

/// Found by differential testing: a `br_table` whose targets all return
/// two values from the function, one of them a local, must return that
/// local through every entry.
#[test]
fn br_table_returning_a_local_and_a_constant_from_the_function() {
    let wat = r#"(module
      (func (export "f") (param f64 i32) (result i32 f64)
        (block
          (i32.const 7) (local.get 0) (local.get 1)
          (br_table 1 1))
        (i32.const 0) (f64.const 0)))"#;
    let calls = vec![
        ("f", vec![Val::F64(1.5f64.to_bits()), Val::I32(0)]),
        ("f", vec![Val::F64(2.5f64.to_bits()), Val::I32(1)]),
        ("f", vec![Val::F64(3.5f64.to_bits()), Val::I32(9)]),
    ];
    let out = assert_same(wat, &calls);
    assert!(
        out[2].ends_with(&format!("= I32(7), F64({})", 3.5f64.to_bits())),
        "{out:?}"
    );
}

/// A `v128` from its four `i32` lanes, lane 0 first.
fn i32x4(lanes: [i32; 4]) -> Val {
    Val::V128(
        lanes
            .iter()
            .rev()
            .fold(0u128, |acc, l| (acc << 32) | *l as u32 as u128),
    )
}

fn f32x4(lanes: [f32; 4]) -> Val {
    i32x4(lanes.map(|f| f.to_bits() as i32))
}

fn f64x2(lanes: [f64; 2]) -> Val {
    Val::V128(lanes[0].to_bits() as u128 | (lanes[1].to_bits() as u128) << 64)
}

/// Edge lanes for integer operators: every sign boundary of every lane
/// width shows up in one of these.
fn int_vectors() -> Vec<Val> {
    vec![
        Val::V128(0),
        Val::V128(u128::MAX),
        Val::V128(0x8080_8080_8080_8080_8080_8080_8080_8080),
        Val::V128(0x7f7f_7f7f_7f7f_7f7f_7f7f_7f7f_7f7f_7f7f),
        i32x4([i32::MIN, -1, 0, i32::MAX]),
        i32x4([
            0x7fff_8000,
            0x8000_7fffu32 as i32,
            0x0001_ffff,
            -0x0001_0000,
        ]),
        Val::V128(0x0f1e_2d3c_4b5a_6978_8796_a5b4_c3d2_e1f0),
    ]
}

#[test]
fn simd_integer_lanes_and_saturation_match() {
    let wat = r#"(module
      (func (export "sat") (param v128 v128) (result v128 v128 v128 v128 v128 v128)
        (i8x16.add_sat_s (local.get 0) (local.get 1))
        (i8x16.sub_sat_u (local.get 0) (local.get 1))
        (i16x8.q15mulr_sat_s (local.get 0) (local.get 1))
        (i8x16.narrow_i16x8_s (local.get 0) (local.get 1))
        (i16x8.narrow_i32x4_u (local.get 0) (local.get 1))
        (i16x8.sub_sat_s (local.get 0) (local.get 1)))
      (func (export "wide") (param v128 v128) (result v128 v128 v128 v128 v128 v128)
        (i32x4.dot_i16x8_s (local.get 0) (local.get 1))
        (i16x8.extadd_pairwise_i8x16_u (local.get 0))
        (i32x4.extadd_pairwise_i16x8_s (local.get 1))
        (i64x2.extmul_high_i32x4_s (local.get 0) (local.get 1))
        (i16x8.extmul_low_i8x16_u (local.get 0) (local.get 1))
        (i64x2.extend_high_i32x4_u (local.get 0)))
      (func (export "misc") (param v128 v128) (result v128 v128 v128 v128 v128 v128)
        (i8x16.avgr_u (local.get 0) (local.get 1))
        (i8x16.popcnt (local.get 0))
        (i64x2.mul (local.get 0) (local.get 1))
        (i8x16.abs (local.get 0))
        (i64x2.abs (local.get 1))
        (i32x4.min_u (local.get 0) (local.get 1)))
      (func (export "shifts") (param v128 i32) (result v128 v128 v128 v128 v128)
        (i8x16.shl (local.get 0) (local.get 1))
        (i8x16.shr_s (local.get 0) (local.get 1))
        (i16x8.shr_u (local.get 0) (local.get 1))
        (i32x4.shl (local.get 0) (local.get 1))
        (i64x2.shr_s (local.get 0) (local.get 1)))
      (func (export "lanes") (param v128 v128) (result v128 v128 i32 i32 i32 i32 i32 i32 i64)
        (i8x16.swizzle (local.get 0) (local.get 1))
        (i8x16.shuffle 31 0 16 15 1 30 2 29 14 17 3 28 13 18 4 27 (local.get 0) (local.get 1))
        (i8x16.extract_lane_s 15 (local.get 0))
        (i16x8.extract_lane_u 7 (local.get 1))
        (i8x16.bitmask (local.get 0))
        (i64x2.bitmask (local.get 1))
        (i16x8.all_true (local.get 0))
        (v128.any_true (local.get 1))
        (i64x2.extract_lane 1 (i64x2.replace_lane 0 (local.get 0) (i64.const -7)))))"#;
    let vs = int_vectors();
    let mut calls = Vec::new();
    for a in &vs {
        for b in &vs {
            for name in ["sat", "wide", "misc", "lanes"] {
                calls.push((name, vec![*a, *b]));
            }
        }
        for n in [0, 1, 7, 8, 9, 15, 16, 31, 32, 33, 63, 64, 65, -1] {
            calls.push(("shifts", vec![*a, Val::I32(n)]));
        }
    }
    // Swizzle indices past 15 (and with the high bit set) give zero lanes.
    calls.push((
        "lanes",
        vec![
            Val::V128(0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100),
            Val::V128(0xff80_7f20_1f11_1010_0f0e_0100_8110_f0ff),
        ],
    ));
    assert_same(wat, &calls);
}

#[test]
fn simd_floats_nans_and_conversions_match() {
    // NaN results are canonicalized in Wasm (a lane-wise `ne` mask and a
    // bitselect) because Wasm leaves a NaN's sign and payload to the
    // engine; every other lane must match bit for bit.
    let canon32 = |e: &str| {
        format!("(v128.bitselect (v128.const i32x4 0x7fc00000 0x7fc00000 0x7fc00000 0x7fc00000) (local.tee $t {e}) (f32x4.ne (local.get $t) (local.get $t)))")
    };
    let canon64 = |e: &str| {
        format!("(v128.bitselect (v128.const i64x2 0x7ff8000000000000 0x7ff8000000000000) (local.tee $t {e}) (f64x2.ne (local.get $t) (local.get $t)))")
    };
    let wat = format!(
        r#"(module
      (func (export "f32") (param v128 v128) (result v128 v128 v128 v128 v128 v128 v128 v128)
        (local $t v128)
        {} {} {} {} {} {}
        (f32x4.lt (local.get 0) (local.get 1))
        (f32x4.ne (local.get 0) (local.get 1)))
      (func (export "f64") (param v128 v128) (result v128 v128 v128 v128 v128 v128 v128)
        (local $t v128)
        {} {} {} {} {} {}
        (f64x2.ge (local.get 0) (local.get 1)))
      (func (export "conv") (param v128) (result v128 v128 v128 v128 v128 v128 v128 v128)
        (local $t v128)
        (i32x4.trunc_sat_f32x4_s (local.get 0))
        (i32x4.trunc_sat_f32x4_u (local.get 0))
        (i32x4.trunc_sat_f64x2_s_zero (local.get 0))
        (i32x4.trunc_sat_f64x2_u_zero (local.get 0))
        (f64x2.convert_low_i32x4_u (local.get 0))
        (f32x4.convert_i32x4_u (local.get 0))
        {} {}))"#,
        canon32("(f32x4.min (local.get 0) (local.get 1))"),
        canon32("(f32x4.max (local.get 0) (local.get 1))"),
        canon32("(f32x4.pmin (local.get 0) (local.get 1))"),
        canon32("(f32x4.pmax (local.get 0) (local.get 1))"),
        canon32("(f32x4.nearest (local.get 0))"),
        canon32("(f32x4.div (local.get 0) (local.get 1))"),
        canon64("(f64x2.min (local.get 0) (local.get 1))"),
        canon64("(f64x2.max (local.get 0) (local.get 1))"),
        canon64("(f64x2.pmin (local.get 0) (local.get 1))"),
        canon64("(f64x2.pmax (local.get 0) (local.get 1))"),
        canon64("(f64x2.sqrt (local.get 0))"),
        canon64("(f64x2.floor (local.get 0))"),
        canon32("(f32x4.demote_f64x2_zero (local.get 0))"),
        canon64("(f64x2.promote_low_f32x4 (local.get 0))"),
    );
    let vs = vec![
        f32x4([0.0, -0.0, f32::NAN, 1.0]),
        f32x4([-0.0, 0.0, 1.0, f32::NAN]),
        f32x4([2.5, -2.5, 3.5, -0.5]),
        f32x4([
            f32::INFINITY,
            f32::NEG_INFINITY,
            2147483648.0,
            -2147483904.0,
        ]),
        f32x4([4294967296.0, 4294967040.0, -1.0, -0.9]),
        f64x2([f64::NAN, -0.0]),
        f64x2([2147483647.9, -2147483648.9]),
        f64x2([4294967295.5, -1.0]),
        f64x2([1e300, f64::NEG_INFINITY]),
        i32x4([i32::MIN, -1, 0, i32::MAX]),
        Val::V128(0xffc0_0001_7f80_0001_fff8_0000_0000_0001),
    ];
    let mut calls = Vec::new();
    for a in &vs {
        for b in &vs {
            calls.push(("f32", vec![*a, *b]));
            calls.push(("f64", vec![*a, *b]));
        }
        calls.push(("conv", vec![*a]));
    }
    assert_same(&wat, &calls);
}

#[test]
fn simd_kernel_with_vector_loop_state_matches() {
    // A dot product and a saturating blend over memory: v128 locals live
    // across a loop, through a block result and a call_indirect, and into
    // a mutable v128 global.
    let wat = r#"(module
      (memory (export "mem") 1)
      (global $acc (mut v128) (v128.const i32x4 0 0 0 0))
      (type $vv (func (param v128 v128) (result v128)))
      (table 2 funcref)
      (elem (i32.const 0) $madd $blend)
      (func $madd (type $vv) (i32x4.add (local.get 0) (i32x4.dot_i16x8_s (local.get 1) (local.get 1))))
      (func $blend (type $vv) (i8x16.add_sat_u (local.get 0) (local.get 1)))
      (func (export "fill") (param $n i32)
        (local $i i32)
        (loop $l
          (i32.store16 (i32.shl (local.get $i) (i32.const 1))
            (i32.mul (local.get $i) (i32.const 2654435761)))
          (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))
      (func (export "run") (param $n i32) (param $which i32) (result v128 v128 i32)
        (local $i i32) (local $v v128)
        (local.set $v (global.get $acc))
        (block $done (result v128)
          (loop $l
            (local.set $v
              (call_indirect (type $vv) (local.get $v) (v128.load (local.get $i)) (local.get $which)))
            (v128.store offset=32768 (local.get $i) (local.get $v))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
          (local.get $v))
        (global.set $acc (local.get $v))
        (global.get $acc)
        (i32x4.extract_lane 3 (local.get $v))))"#;
    let calls = vec![
        ("fill", i32s(&[16384])),
        ("run", i32s(&[4096, 0])),
        ("run", i32s(&[4096, 0])),
        ("run", i32s(&[32768, 1])),
        ("run", i32s(&[16, 2])),
    ];
    let out = assert_same(wat, &calls);
    assert!(out[4].contains("TableOutOfBounds"), "{out:?}");
}

#[test]
fn v128_loads_and_stores_at_the_last_valid_byte_and_one_past() {
    let loads: &[(&str, u32)] = &[
        ("v128.load", 16),
        ("v128.load8x8_s", 8),
        ("v128.load16x4_u", 8),
        ("v128.load32x2_s", 8),
        ("v128.load8_splat", 1),
        ("v128.load16_splat", 2),
        ("v128.load32_splat", 4),
        ("v128.load64_splat", 8),
        ("v128.load32_zero", 4),
        ("v128.load64_zero", 8),
    ];
    let lanes: &[(&str, u32, u32)] = &[("8", 1, 15), ("16", 2, 7), ("32", 4, 3), ("64", 8, 1)];
    let offsets = [0u32, 1, 15, 4096, 65535];
    let mut wat = String::from(
        "(module (memory (export \"mem\") 1)\n\
         (data (i32.const 65520) \"\\01\\82\\03\\84\\05\\86\\07\\88\\09\\8a\\0b\\8c\\0d\\8e\\0f\\90\")\n",
    );
    let mut calls = Vec::new();
    let mut expect = Vec::new();
    let mut case = |name: String, size: u32, off: u32, calls: &mut Vec<_>| {
        if off + size <= 65536 {
            calls.push((name.clone(), i32s(&[(65536 - size - off) as i32])));
            expect.push(true);
        }
        let past = (65536 - size + 1) as i64 - off as i64;
        calls.push((name, i32s(&[past as i32])));
        expect.push(false);
    };
    for &off in &offsets {
        for (i, (op, size)) in loads.iter().enumerate() {
            let name = format!("l{i}_{off}");
            wat.push_str(&format!(
                "(func (export \"{name}\") (param i32) (result v128) ({op} offset={off} (local.get 0)))\n"
            ));
            case(name, *size, off, &mut calls);
        }
        for (bits, size, lane) in lanes {
            let name = format!("ll{bits}_{off}");
            wat.push_str(&format!(
                "(func (export \"{name}\") (param i32) (result v128) \
                 (v128.load{bits}_lane offset={off} {lane} (local.get 0) (v128.const i64x2 -1 -1)))\n"
            ));
            case(name, *size, off, &mut calls);
            let name = format!("sl{bits}_{off}");
            wat.push_str(&format!(
                "(func (export \"{name}\") (param i32) \
                 (v128.store{bits}_lane offset={off} {lane} (local.get 0) (v128.const i32x4 0x11223344 0x55667788 0x99aabbcc 0xddeeff00)))\n"
            ));
            case(name, *size, off, &mut calls);
        }
        let name = format!("s_{off}");
        wat.push_str(&format!(
            "(func (export \"{name}\") (param i32) (v128.store offset={off} (local.get 0) (v128.const i32x4 1 2 3 4)))\n"
        ));
        case(name, 16, off, &mut calls);
    }
    wat.push(')');
    let calls: Vec<(&str, Vec<Val>)> = calls.iter().map(|(n, a)| (n.as_str(), a.clone())).collect();
    let out = assert_same(&wat, &calls);
    for (line, ok) in out.iter().zip(&expect) {
        assert_eq!(
            line.contains("MemoryOutOfBounds"),
            !ok,
            "unexpected outcome: {line}"
        );
    }
}

#[test]
fn traps_carry_the_same_backtrace_in_both_trap_modes() {
    let wat = r#"(module $m
      (memory 1)
      (func $leaf (param i32) (result i32) (i32.load (local.get 0)))
      (func $middle (param i32) (result i32) (i32.add (call $leaf (local.get 0)) (i32.const 1)))
      (func (export "top") (param i32) (result i32) (call $middle (local.get 0))))"#;
    let mut backtraces = Vec::new();
    for engine in [engine(Tier::Interpreter), engine(Tier::Jit), explicit_jit()] {
        let module = Module::new(&engine, wat).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let top = instance.get_typed_func::<i32, i32>(&store, "top").unwrap();
        assert_eq!(top.call(&mut store, 65532).unwrap(), 1);
        let err = top.call(&mut store, -1).unwrap_err();
        let trap = err.as_trap().unwrap();
        assert_eq!(trap.code(), TrapCode::MemoryOutOfBounds);
        let names: Vec<_> = trap
            .backtrace()
            .iter()
            .map(|f| f.func_name.clone().unwrap_or_default())
            .collect();
        backtraces.push(names);
        // The store is usable after the trap.
        assert_eq!(top.call(&mut store, 0).unwrap(), 1);
    }
    assert_eq!(backtraces[0], ["leaf", "middle", ""]);
    assert_eq!(backtraces[1], backtraces[0]);
    assert_eq!(backtraces[2], backtraces[0]);
}

/// Small functions that call themselves have those calls inlined once on
/// the JIT (signal-based traps). A trap in the inlined copy, or in a
/// function it calls, must still show every Wasm frame: the same
/// backtrace as the interpreter's, at every depth, odd or even.
#[test]
fn traps_in_inlined_self_calls_keep_every_frame() {
    let wat = r#"(module
      (memory 1)
      (func $leaf (param i32) (result i32) (i32.load (local.get 0)))
      ;; Traps at depth 0 with `unreachable`; `addr` is loaded at the bottom.
      (func $down (export "down") (param $n i32) (param $addr i32) (result i32)
        (if (i32.eqz (local.get $n)) (then
          (if (i32.eqz (local.get $addr)) (then unreachable))
          (return (i32.load (local.get $addr)))))
        (i32.add (call $down (i32.sub (local.get $n) (i32.const 1)) (local.get $addr))
                 (i32.const 1)))
      ;; Stores at the bottom, through a call to another function first.
      (func $via (export "via") (param $n i32) (param $addr i32) (result i32)
        (if (result i32) (i32.eqz (local.get $n))
          (then (i32.store (local.get $addr) (call $leaf (local.get $addr)))
                (i32.const 7))
          (else (call $via (i32.sub (local.get $n) (i32.const 1)) (local.get $addr)))))
      ;; Two calls to itself, the naive fib, trapping when n hits -1.
      (func $fib (export "fib") (param $n i32) (result i32)
        (if (i32.eq (local.get $n) (i32.const -1)) (then unreachable))
        (if (result i32) (i32.lt_s (local.get $n) (i32.const 2))
          (then (local.get $n))
          (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                         (call $fib (i32.sub (local.get $n) (i32.const 2))))))))"#;
    let mut calls = Vec::new();
    for n in [0, 1, 2, 3, 4, 5, 30, 63, 64, 65, 200] {
        calls.push(("down", i32s(&[n, 0])));
        calls.push(("down", i32s(&[n, 65534])));
        calls.push(("down", i32s(&[n, 16])));
        calls.push(("via", i32s(&[n, -8])));
        calls.push(("via", i32s(&[n, 65533])));
        calls.push(("via", i32s(&[n, 64])));
    }
    calls.push(("fib", i32s(&[20])));
    calls.push(("fib", i32s(&[-1])));
    let transcript = assert_same(wat, &calls);
    assert!(transcript.iter().any(|t| t.contains("Unreachable")));
    assert!(transcript.iter().any(|t| t.contains("MemoryOutOfBounds")));

    // Beyond the 64 frames kept, the count of the others agrees too.
    let elided: Vec<usize> = [engine(Tier::Interpreter), engine(Tier::Jit), explicit_jit()]
        .into_iter()
        .map(|engine| {
            let module = Module::new(&engine, wat).unwrap();
            let mut store = Store::new(&engine, ());
            let instance = Instance::new(&mut store, &module, &[]).unwrap();
            let down = instance
                .get_typed_func::<(i32, i32), i32>(&store, "down")
                .unwrap();
            let err = down.call(&mut store, (101, 0)).unwrap_err();
            let trap = err.as_trap().unwrap();
            assert_eq!(trap.backtrace().len(), 64);
            trap.elided_frames()
        })
        .collect();
    assert_eq!(elided, [38, 38, 38]);
}

/// Small functions called by others are inlined into their callers on the
/// JIT (signal-based traps). A trap in an inlined body, or below a call it
/// makes, must show the inlined function's frame and its caller's, as
/// the interpreter does: loads and stores that fault, `unreachable`, a
/// host call from an inlined wrapper, a recursive caller, and a caller
/// that inlines two callees.
#[test]
fn traps_in_inlined_callees_keep_every_frame() {
    let wat = r#"(module
      (import "host" "add" (func $add (param i32 i32) (result i32)))
      (memory 1)
      (func $get (param i32) (result i32) (i32.load (local.get 0)))
      (func $put (param i32 i32) (i32.store (local.get 0) (local.get 1)))
      (func $boom (param i32) (result i32)
        (if (i32.eqz (local.get 0)) (then unreachable)) (local.get 0))
      (func $wrap (param i32) (result i32) (call $get (i32.add (local.get 0) (i32.const 4))))
      (func $logged (param i32) (result i32) (call $add (local.get 0) (i32.const 1)))
      (func (export "sum") (param i32) (result i32)
        (i32.add (call $get (local.get 0)) (call $wrap (local.get 0))))
      (func (export "store") (param i32 i32) (result i32)
        (call $put (local.get 0) (local.get 1))
        (call $get (local.get 0)))
      (func (export "boom") (param i32) (result i32)
        (i32.add (call $boom (local.get 0)) (call $logged (local.get 0))))
      (func $deep (export "deep") (param $n i32) (param $addr i32) (result i32)
        (if (result i32) (i32.eqz (local.get $n))
          (then (call $wrap (local.get $addr)))
          (else (i32.add (call $get (i32.const 0))
                         (call $deep (i32.sub (local.get $n) (i32.const 1)) (local.get $addr)))))))"#;
    let mut calls = Vec::new();
    for addr in [0, 16, 65528, 65532, 65536, -4] {
        calls.push(("sum", i32s(&[addr])));
        calls.push(("store", i32s(&[addr, 7])));
    }
    for x in [0, 1, 5] {
        calls.push(("boom", i32s(&[x])));
    }
    for n in [0, 1, 3, 40, 70] {
        calls.push(("deep", i32s(&[n, 16])));
        calls.push(("deep", i32s(&[n, 65532])));
    }
    let transcript = assert_same(wat, &calls);
    assert!(transcript.iter().any(|t| t.contains("Unreachable")));
    assert!(transcript.iter().any(|t| t.contains("MemoryOutOfBounds")));
}

/// A function inlined into itself that reinterprets floats and vectors:
/// Cranelift's `bitcast` carries memory flags (its lane order) that the
/// inlined copy must leave alone; marking them as a trap site made the IR
/// invalid (found by `instantiate_and_run`).
#[test]
fn inlined_self_calls_with_bitcasts_compile_and_agree() {
    let wat = r#"(module
      (func $f (export "f") (param i32 f32) (result i32)
        (if (result i32) (i32.eqz (local.get 0))
          (then (i32.reinterpret_f32 (local.get 1)))
          (else
            (i32.add
              (call $f
                (i32.sub (local.get 0) (i32.const 1))
                (f32.reinterpret_i32
                  (i32.add (i32.reinterpret_f32 (local.get 1)) (i32.const 1))))
              (i32x4.extract_lane 1 (i32x4.splat (local.get 0))))))))"#;
    let calls = [
        ("f", vec![Val::I32(0), Val::F32(1.5f32.to_bits())]),
        ("f", vec![Val::I32(7), Val::F32(1.5f32.to_bits())]),
    ];
    assert_same(wat, &calls);
}

#[test]
fn accesses_far_beyond_memory_trap_at_every_offset() {
    // With guard pages, an index near 4 GiB plus a large static offset
    // must land in the guard region or be checked explicitly, never reach
    // other memory.
    let mut wat = String::from("(module (memory 1)\n");
    let offsets = [0u32, 65536, 1 << 20, (1 << 31) - 16, 1 << 31, u32::MAX - 8];
    for (i, off) in offsets.iter().enumerate() {
        wat.push_str(&format!(
            "(func (export \"l{i}\") (param i32) (result i64) (i64.load offset={off} (local.get 0)))\n\
             (func (export \"s{i}\") (param i32) (i64.store offset={off} (local.get 0) (i64.const -1)))\n"
        ));
    }
    wat.push(')');
    let mut calls = Vec::new();
    let names: Vec<String> = (0..offsets.len())
        .flat_map(|i| [format!("l{i}"), format!("s{i}")])
        .collect();
    for name in &names {
        for index in [0, 65528, 65529, 1 << 30, i32::MAX, -8, -1] {
            calls.push((name.as_str(), i32s(&[index])));
        }
    }
    let out = assert_same(&wat, &calls);
    let in_bounds = out
        .iter()
        .filter(|l| l.contains("] = ") || l.ends_with("] = "))
        .count();
    // Only offset 0 with indices 0 and 65528 is in bounds, for the load
    // and the store.
    assert_eq!(in_bounds, 4, "{out:#?}");
}

/// Set in the child process of
/// `a_fault_outside_wasm_is_not_taken_for_a_trap`.
const FAULT_CHILD: &str = "PETREL_TEST_FAULT_CHILD";

#[test]
fn a_fault_outside_wasm_is_not_taken_for_a_trap() {
    if std::env::var_os(FAULT_CHILD).is_some() {
        // Run compiled code first, so Petrel's handler is installed and
        // has seen traps; then fault in host code.
        let engine = engine(Tier::Jit);
        let module = Module::new(&engine, "(module (func (export \"f\") unreachable))").unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let f = instance.get_typed_func::<(), ()>(&store, "f").unwrap();
        assert!(f.call(&mut store, ()).is_err());
        // SAFETY: none: this deliberately faults, in a child process.
        let v = unsafe { std::ptr::read_volatile(std::hint::black_box(16usize) as *const u8) };
        println!("read {v}: the fault was swallowed");
        std::process::exit(0);
    }
    let exe = std::env::current_exe().unwrap();
    // Under emulation (the cross-ISA runs set PETREL_TEST_RUNNER to
    // `qemu-aarch64 -L ...`) the child needs the emulator too.
    let runner = std::env::var("PETREL_TEST_RUNNER").unwrap_or_default();
    let mut runner = runner.split_whitespace();
    let mut command = match runner.next() {
        Some(program) => {
            let mut c = std::process::Command::new(program);
            c.args(runner).arg(&exe);
            c
        }
        None => std::process::Command::new(&exe),
    };
    let out = command
        .args([
            "--exact",
            "a_fault_outside_wasm_is_not_taken_for_a_trap",
            "--nocapture",
        ])
        .env(FAULT_CHILD, "1")
        .output()
        .unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        out.status.signal(),
        Some(11),
        "the child should die of SIGSEGV: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn traps_on_many_threads_while_modules_come_and_go() {
    // Each thread traps (out of bounds, unreachable, a host error) in its
    // own store while another thread keeps compiling and dropping modules,
    // so the trap-site registry is written while faults are handled.
    let engine = engine(Tier::Jit);
    let wat = r#"(module
      (import "host" "fail" (func $fail (param i32) (result i32)))
      (memory 1)
      (func (export "oob") (param i32) (result i32) (i32.load (local.get 0)))
      (func (export "unreachable") unreachable)
      (func (export "host") (param i32) (result i32) (call $fail (local.get 0))))"#;
    let module = Module::new(&engine, wat).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let churn = {
        let engine = engine.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let m = Module::new(&engine, "(module (func (export \"f\") unreachable))").unwrap();
                drop(m);
                n += 1;
            }
            n
        })
    };
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let engine = engine.clone();
            let module = module.clone();
            std::thread::spawn(move || {
                let mut store = Store::new(&engine, Vec::new());
                let instance = linker(&engine).instantiate(&mut store, &module).unwrap();
                let oob = instance.get_typed_func::<i32, i32>(&store, "oob").unwrap();
                let unreachable = instance
                    .get_typed_func::<(), ()>(&store, "unreachable")
                    .unwrap();
                let host = instance.get_typed_func::<i32, i32>(&store, "host").unwrap();
                for i in 0..300 {
                    let e = oob.call(&mut store, 65536 - (i % 4)).unwrap_err();
                    assert_eq!(e.as_trap().unwrap().code(), TrapCode::MemoryOutOfBounds);
                    assert_eq!(oob.call(&mut store, 65532).unwrap(), 0);
                    let e = unreachable.call(&mut store, ()).unwrap_err();
                    assert_eq!(e.as_trap().unwrap().code(), TrapCode::Unreachable);
                    assert!(host.call(&mut store, -1).unwrap_err().as_trap().is_none());
                    assert_eq!(host.call(&mut store, i).unwrap(), i * 2);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(churn.join().unwrap() > 0);
}

#[test]
fn wide_arithmetic_matches_and_keeps_both_halves_apart() {
    // Results stored to locals (which retarget the interpreter's ops),
    // constant operands, and operands that are the results' own slots.
    let wat = r#"(module
      (func (export "add128") (param i64 i64 i64 i64) (result i64 i64)
        (i64.add128 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
      (func (export "sub128") (param i64 i64 i64 i64) (result i64 i64)
        (i64.sub128 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
      (func (export "mul_s") (param i64 i64) (result i64 i64)
        (i64.mul_wide_s (local.get 0) (local.get 1)))
      (func (export "mul_u") (param i64 i64) (result i64 i64)
        (i64.mul_wide_u (local.get 0) (local.get 1)))
      (func (export "to_locals") (param i64 i64) (result i64 i64)
        (local $lo i64) (local $hi i64)
        (i64.mul_wide_u (local.get 0) (local.get 1))
        (local.set $hi)
        (local.set $lo)
        (local.get $hi) (local.get $lo))
      (func (export "in_place") (param i64 i64) (result i64 i64)
        ;; (p0, p1) += (p1, p0), written back over the operands.
        (i64.add128 (local.get 0) (local.get 1) (local.get 1) (local.get 0))
        (local.set 1)
        (local.set 0)
        (local.get 0) (local.get 1))
      (func (export "consts") (result i64 i64)
        (i64.sub128 (i64.const 0) (i64.const 0) (i64.const 1) (i64.const 0)))
      (func (export "square_high") (param i64) (result i64)
        ;; The high half of x*x, then dropped low half: a stack of two.
        (i64.mul_wide_s (local.get 0) (local.get 0))
        (local.set 0)
        (drop)
        (local.get 0)))"#;
    let i64s = |v: &[i64]| v.iter().map(|x| Val::I64(*x)).collect::<Vec<_>>();
    let (max, min) = (i64::MAX, i64::MIN);
    let calls = vec![
        ("add128", i64s(&[-1, 0, 1, 0])),
        ("add128", i64s(&[-1, -1, 1, 0])),
        ("add128", i64s(&[max, max, max, max])),
        ("sub128", i64s(&[0, 1, 1, 0])),
        ("sub128", i64s(&[0, 0, 1, 0])),
        ("mul_s", i64s(&[-1, 1])),
        ("mul_s", i64s(&[min, min])),
        ("mul_s", i64s(&[min, max])),
        ("mul_u", i64s(&[-1, -1])),
        ("mul_u", i64s(&[-1, 1])),
        ("to_locals", i64s(&[-1, -1])),
        ("in_place", i64s(&[-1, 5])),
        ("consts", vec![]),
        ("square_high", i64s(&[1 << 40])),
        ("square_high", i64s(&[-3])),
    ];
    let mut config = Config::new();
    config.wasm_wide_arithmetic(true);
    let out = assert_same_in(&config, wat, &calls);
    let expect = [
        "add128[I64(-1), I64(0), I64(1), I64(0)] = I64(0), I64(1)",
        "add128[I64(-1), I64(-1), I64(1), I64(0)] = I64(0), I64(0)",
        "add128[I64(9223372036854775807), I64(9223372036854775807), I64(9223372036854775807), I64(9223372036854775807)] = I64(-2), I64(-2)",
        "sub128[I64(0), I64(1), I64(1), I64(0)] = I64(-1), I64(0)",
        "sub128[I64(0), I64(0), I64(1), I64(0)] = I64(-1), I64(-1)",
        "mul_s[I64(-1), I64(1)] = I64(-1), I64(-1)",
        "mul_s[I64(-9223372036854775808), I64(-9223372036854775808)] = I64(0), I64(4611686018427387904)",
        "mul_s[I64(-9223372036854775808), I64(9223372036854775807)] = I64(-9223372036854775808), I64(-4611686018427387904)",
        "mul_u[I64(-1), I64(-1)] = I64(1), I64(-2)",
        "mul_u[I64(-1), I64(1)] = I64(-1), I64(0)",
        "to_locals[I64(-1), I64(-1)] = I64(-2), I64(1)",
        "in_place[I64(-1), I64(5)] = I64(4), I64(5)",
        "consts[] = I64(-1), I64(-1)",
        "square_high[I64(1099511627776)] = I64(65536)",
        "square_high[I64(-3)] = I64(0)",
    ];
    assert_eq!(out[..expect.len()], expect, "{out:#?}");

    // Off (the default), the operators do not validate.
    let mut store_engine = Config::new();
    store_engine.tier(Tier::Jit);
    let err = Module::new(&Engine::new(&store_engine), wat).unwrap_err();
    assert!(err.to_string().contains("wide arithmetic"), "{err}");
}

/// Engines with one-byte pages allowed (`Config::wasm_custom_page_sizes`).
fn custom_pages() -> Config {
    let mut config = Config::new();
    config.wasm_custom_page_sizes(true);
    config
}

/// Loads and stores of every width at the last byte of a memory of
/// one-byte pages and one past it, for lengths that end mid-way through an
/// OS page: the bytes after the end are mapped (the OS maps whole pages),
/// so only an explicit bounds check can catch them, on every tier.
#[test]
fn one_byte_pages_trap_one_byte_past_the_end_on_every_tier() {
    let accesses: &[(&str, u32, &str)] = &[
        ("i32.load8_u", 1, "i32"),
        ("i32.load16_u", 2, "i32"),
        ("i32.load", 4, "i32"),
        ("i64.load", 8, "i64"),
        ("f64.load", 8, "f64"),
        ("v128.load", 16, "v128"),
        ("v128.load32_zero", 4, "v128"),
        ("v128.load64_splat", 8, "v128"),
    ];
    let stores: &[(&str, u32, &str)] = &[
        ("i32.store8", 1, "(i32.const 0x41)"),
        ("i32.store16", 2, "(i32.const 0x4142)"),
        ("i32.store", 4, "(i32.const 0x41424344)"),
        ("i64.store", 8, "(i64.const -1)"),
        ("v128.store", 16, "(v128.const i64x2 -1 -1)"),
        ("v128.store64_lane 1", 8, "(v128.const i64x2 -1 -1)"),
    ];
    for len in [1u32, 17, 4095, 4097, 65535, 65537] {
        let mut wat = format!("(module (memory (export \"mem\") {len} (pagesize 1))\n");
        let mut calls = Vec::new();
        let mut expect = Vec::new();
        let mut offsets = vec![0u32, 1, len];
        offsets.dedup();
        for off in offsets {
            for (i, (op, size, ty)) in accesses.iter().enumerate() {
                let name = format!("l{i}_{off}");
                let result = if *ty == "v128" {
                    "(result i64)".to_string()
                } else {
                    format!("(result {ty})")
                };
                let body = format!("({op} offset={off} (local.get 0))");
                let body = if *ty == "v128" {
                    format!("(i64x2.extract_lane 0 {body})")
                } else {
                    body
                };
                wat.push_str(&format!(
                    "(func (export \"{name}\") (param i32) {result} {body})\n"
                ));
                if off + size <= len {
                    calls.push((name.clone(), i32s(&[(len - size - off) as i32])));
                    expect.push(true);
                }
                let past = len as i64 + 1 - *size as i64 - off as i64;
                calls.push((name.clone(), i32s(&[past as i32])));
                expect.push(false);
            }
            for (i, (op, size, value)) in stores.iter().enumerate() {
                let name = format!("s{i}_{off}");
                let (op, lane) = match op.split_once(' ') {
                    Some((op, lane)) => (op, format!(" {lane}")),
                    None => (*op, String::new()),
                };
                wat.push_str(&format!(
                    "(func (export \"{name}\") (param i32) ({op} offset={off}{lane} (local.get 0) {value}))\n"
                ));
                if off + size <= len {
                    calls.push((name.clone(), i32s(&[(len - size - off) as i32])));
                    expect.push(true);
                }
                let past = len as i64 + 1 - *size as i64 - off as i64;
                calls.push((name.clone(), i32s(&[past as i32])));
                expect.push(false);
            }
        }
        // After every failed store past the end: grow over those bytes;
        // they must read as zero (the stores wrote nothing there).
        wat.push_str(
            "(func (export \"grow_and_read\") (result i64)
               (drop (memory.grow (i32.const 64)))
               (i64.or (i64.load (i32.sub (memory.size) (i32.const 64)))
                 (i64.load (i32.sub (memory.size) (i32.const 56)))))
             (func (export \"size\") (result i32) (memory.size)))",
        );
        let mut calls: Vec<(&str, Vec<Val>)> =
            calls.iter().map(|(n, a)| (n.as_str(), a.clone())).collect();
        calls.push(("grow_and_read", vec![]));
        calls.push(("size", vec![]));
        let out = assert_same_in(&custom_pages(), &wat, &calls);
        for (line, ok) in out.iter().zip(&expect) {
            assert_eq!(
                line.contains("MemoryOutOfBounds"),
                !ok,
                "length {len}: unexpected outcome: {line}"
            );
        }
        let n = expect.len();
        assert_eq!(out[n], "grow_and_read[] = I64(0)", "length {len}");
        assert_eq!(
            out[n + 1],
            format!("size[] = I32({})", len + 64),
            "length {len}"
        );
    }
}

/// `memory.grow` of a memory of one-byte pages, by large counts: past its
/// maximum, past 4 GiB, past the engine's limit (which counts the same
/// bytes whatever the page size), by `-1` (`u32::MAX` bytes), and then by
/// small amounts, which still work; `memory.size` counts bytes.
#[test]
fn one_byte_pages_grow_by_large_counts_fails_cleanly() {
    let wat = r#"(module
      (memory (export "mem") 3 (pagesize 1))
      (memory $capped 0 100 (pagesize 1))
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
      (func (export "grow_capped") (param i32) (result i32) (memory.grow $capped (local.get 0)))
      (func (export "size") (result i32) (memory.size))
      (func (export "size_capped") (result i32) (memory.size $capped))
      (func (export "last") (result i32) (i32.load8_u (i32.sub (memory.size) (i32.const 1))))
      (func (export "touch_capped") (param i32) (result i32) (i32.load8_u $capped (local.get 0))))"#;
    let calls = vec![
        ("grow", i32s(&[-1])),
        ("grow", i32s(&[i32::MIN])),
        ("grow", i32s(&[i32::MAX])),
        // 64 MiB past the engine's limit, below.
        ("grow", i32s(&[(64 << 20) + 1])),
        ("size", vec![]),
        ("grow", i32s(&[5])),
        ("size", vec![]),
        ("last", vec![]),
        ("grow", i32s(&[(64 << 20) - 8])),
        ("size", vec![]),
        ("grow", i32s(&[1])),
        ("grow_capped", i32s(&[101])),
        ("grow_capped", i32s(&[100])),
        ("size_capped", vec![]),
        ("touch_capped", i32s(&[99])),
        ("touch_capped", i32s(&[100])),
        ("grow_capped", i32s(&[1])),
        ("grow_capped", i32s(&[0])),
    ];
    let mut config = custom_pages();
    // 64 MiB: 1,024 pages of 64 KiB, so 64 Mi one-byte pages.
    config.max_memory_pages(1024);
    let out = assert_same_in(&config, wat, &calls);
    let expect = [
        "grow[I32(-1)] = I32(-1)",
        "grow[I32(-2147483648)] = I32(-1)",
        "grow[I32(2147483647)] = I32(-1)",
        "grow[I32(67108865)] = I32(-1)",
        "size[] = I32(3)",
        "grow[I32(5)] = I32(3)",
        "size[] = I32(8)",
        "last[] = I32(0)",
        "grow[I32(67108856)] = I32(8)",
        "size[] = I32(67108864)",
        "grow[I32(1)] = I32(-1)",
        "grow_capped[I32(101)] = I32(-1)",
        "grow_capped[I32(100)] = I32(0)",
        "size_capped[] = I32(100)",
        "touch_capped[I32(99)] = I32(0)",
    ];
    assert_eq!(out[..expect.len()], expect, "{out:#?}");
    assert!(out[expect.len()].contains("MemoryOutOfBounds"), "{out:#?}");
    assert_eq!(out[expect.len() + 1], "grow_capped[I32(1)] = I32(-1)");
    assert_eq!(out[expect.len() + 2], "grow_capped[I32(0)] = I32(100)");
}

/// Memories of both page sizes in one module, either one memory 0: each
/// `memory.size` counts its own pages, and bulk operations and data
/// segments are bounded by each memory's exact length.
#[test]
fn memories_of_both_page_sizes_keep_their_own_units_and_bounds() {
    for small in [0, 1] {
        let decl = |i: u32| match i == small {
            true => "(memory $small 10 (pagesize 1))",
            false => "(memory $large 1)",
        };
        let wat = format!(
            r#"(module {} {}
              (export "small" (memory $small))
              (export "large" (memory $large))
              (data (memory $small) (i32.const 6) "\11\22\33\44")
              (func (export "sizes") (result i32 i32) (memory.size $small) (memory.size $large))
              (func (export "grow_small") (param i32) (result i32) (memory.grow $small (local.get 0)))
              (func (export "fill_small") (param i32 i32) (memory.fill $small (local.get 0) (i32.const 7) (local.get 1)))
              (func (export "copy_to_large") (param i32 i32 i32)
                (memory.copy $large $small (local.get 0) (local.get 1) (local.get 2)))
              (func (export "copy_to_small") (param i32 i32 i32)
                (memory.copy $small $large (local.get 0) (local.get 1) (local.get 2)))
              (func (export "small_at") (param i32) (result i32) (i32.load $small (local.get 0))))"#,
            decl(0),
            decl(1)
        );
        let calls = vec![
            ("sizes", vec![]),
            ("small_at", i32s(&[6])),
            ("small_at", i32s(&[7])),
            ("fill_small", i32s(&[8, 2])),
            ("fill_small", i32s(&[8, 3])),
            ("copy_to_large", i32s(&[65532, 6, 4])),
            ("copy_to_large", i32s(&[0, 7, 4])),
            ("copy_to_small", i32s(&[6, 65532, 4])),
            ("copy_to_small", i32s(&[7, 0, 4])),
            ("grow_small", i32s(&[65536])),
            ("sizes", vec![]),
            ("small_at", i32s(&[65542])),
            ("small_at", i32s(&[65543])),
        ];
        let out = assert_same_in(&custom_pages(), &wat, &calls);
        let what = format!("memory $small is {small}");
        assert_eq!(out[0], "sizes[] = I32(10), I32(1)", "{what}");
        assert_eq!(out[1], "small_at[I32(6)] = I32(1144201745)", "{what}");
        assert!(out[2].contains("MemoryOutOfBounds"), "{what}: {out:#?}");
        assert_eq!(out[3], "fill_small[I32(8), I32(2)] = ", "{what}");
        assert!(out[4].contains("MemoryOutOfBounds"), "{what}: {out:#?}");
        assert!(!out[5].contains("MemoryOutOfBounds"), "{what}: {out:#?}");
        assert!(out[6].contains("MemoryOutOfBounds"), "{what}: {out:#?}");
        assert!(!out[7].contains("MemoryOutOfBounds"), "{what}: {out:#?}");
        assert!(out[8].contains("MemoryOutOfBounds"), "{what}: {out:#?}");
        assert_eq!(out[9], "grow_small[I32(65536)] = I32(10)", "{what}");
        assert_eq!(out[10], "sizes[] = I32(65546), I32(1)", "{what}");
        assert!(!out[11].contains("MemoryOutOfBounds"), "{what}: {out:#?}");
        assert!(out[12].contains("MemoryOutOfBounds"), "{what}: {out:#?}");
    }
}

/// Every relaxed SIMD operator, as `(export name, operator, operand
/// count)`; each takes `v128`s and returns one.
const RELAXED: &[(&str, &str, usize)] = &[
    ("swizzle", "i8x16.relaxed_swizzle", 2),
    ("trunc_s", "i32x4.relaxed_trunc_f32x4_s", 1),
    ("trunc_u", "i32x4.relaxed_trunc_f32x4_u", 1),
    ("trunc_s_zero", "i32x4.relaxed_trunc_f64x2_s_zero", 1),
    ("trunc_u_zero", "i32x4.relaxed_trunc_f64x2_u_zero", 1),
    ("madd32", "f32x4.relaxed_madd", 3),
    ("nmadd32", "f32x4.relaxed_nmadd", 3),
    ("madd64", "f64x2.relaxed_madd", 3),
    ("nmadd64", "f64x2.relaxed_nmadd", 3),
    ("select8", "i8x16.relaxed_laneselect", 3),
    ("select16", "i16x8.relaxed_laneselect", 3),
    ("select32", "i32x4.relaxed_laneselect", 3),
    ("select64", "i64x2.relaxed_laneselect", 3),
    ("min32", "f32x4.relaxed_min", 2),
    ("max32", "f32x4.relaxed_max", 2),
    ("min64", "f64x2.relaxed_min", 2),
    ("max64", "f64x2.relaxed_max", 2),
    ("q15mulr", "i16x8.relaxed_q15mulr_s", 2),
    ("dot", "i16x8.relaxed_dot_i8x16_i7x16_s", 2),
    ("dot_add", "i32x4.relaxed_dot_i8x16_i7x16_add_s", 3),
];

fn relaxed_module() -> String {
    let mut wat = String::from("(module\n");
    for (name, op, n) in RELAXED {
        let params = vec!["v128"; *n].join(" ");
        let args: String = (0..*n).map(|i| format!(" (local.get {i})")).collect();
        wat.push_str(&format!(
            "(func (export \"{name}\") (param {params}) (result v128) ({op}{args}))\n"
        ));
    }
    wat.push(')');
    wat
}

/// Operands where the relaxed operators' results may differ between
/// machines: out-of-range swizzle indices and truncations, NaNs, signed
/// zeros, masks that are not whole lanes, `i16::MIN` squared, dot
/// products whose right operand is not `i7`, sums that round differently
/// fused.
fn relaxed_operands() -> Vec<Val> {
    vec![
        i32x4([0x0302_0100, 0x0706_0504, 0x0b0a_0908, 0x0f0e_0d0c]),
        i32x4([0x1f10_8011, 0x7f0f_ff01, -1, 0x4000_8000]),
        f32x4([f32::NAN, 3e9, -3e9, -0.9]),
        f32x4([-0.0, 0.0, f32::INFINITY, 2796203.5]),
        f32x4([0.0, -0.0, 1.0, 3.0]),
        f32x4([1.0, f32::NAN, -1.0, 8388611.0]),
        f64x2([f64::NAN, 5e9]),
        f64x2([-0.0, 1e300]),
        i32x4([i32::MIN; 4]),
        i32x4([0x0f0f_0f0f, 0x00ff_ff00, -0x7fff_ffff, 0x7fff_fffe]),
    ]
}

/// Every operator on every combination of [`relaxed_operands`] (less
/// those with a NaN lane, with `no_nans`).
fn relaxed_calls(no_nans: bool) -> Vec<(&'static str, Vec<Val>)> {
    let mut ops = relaxed_operands();
    if no_nans {
        let nan32 = |v: u128| (0..4).any(|i| f32::from_bits((v >> (32 * i)) as u32).is_nan());
        let nan64 = |v: u128| (0..2).any(|i| f64::from_bits((v >> (64 * i)) as u64).is_nan());
        ops.retain(|v| !nan32(v.v128().unwrap()) && !nan64(v.v128().unwrap()));
    }
    let mut calls = Vec::new();
    for (name, _, n) in RELAXED {
        for (i, &a) in ops.iter().enumerate() {
            for (j, &b) in ops.iter().enumerate() {
                match n {
                    1 if j == 0 => calls.push((*name, vec![a])),
                    2 => calls.push((*name, vec![a, b])),
                    3 => {
                        let c = ops[(i + j) % ops.len()];
                        calls.push((*name, vec![a, b, c]));
                    }
                    _ => {}
                }
            }
        }
    }
    calls
}

/// With `Config::relaxed_simd_deterministic`, the JIT gives the
/// interpreter's results bit for bit, in both trap modes, on inputs where
/// the machine's native forms differ. A NaN's bits are the same
/// everywhere only with `Config::nan_canonicalization` too (as for strict
/// SIMD: `relaxed_nmadd` of a NaN keeps its sign on x86-64's FMA), so
/// NaN operands run with it.
#[test]
fn relaxed_simd_is_the_same_on_every_tier_when_deterministic() {
    let mut config = Config::new();
    config.relaxed_simd_deterministic(true);
    let mut canonical = config.clone();
    canonical.nan_canonicalization(true);
    assert_same_in(&canonical, &relaxed_module(), &relaxed_calls(false));
    let mut calls = relaxed_calls(true);
    let (m, three, c) = (
        f32x4([2796203.5; 4]),
        f32x4([3.0; 4]),
        f32x4([8388611.0; 4]),
    );
    calls.push(("madd32", vec![m, three, c]));
    let out = assert_same_in(&config, &relaxed_module(), &calls);
    let result = |name: &str, args: Vec<Val>| {
        let call = format!("{name}{args:?} = ");
        let line = out.iter().find(|l| l.starts_with(&call)).unwrap();
        match line.strip_prefix(&call) {
            Some(v) => v.to_string(),
            None => line.clone(),
        }
    };
    let show = |v: Val| format!("{v:?}");
    // The strict operators' results, and a fused multiply-add.
    assert_eq!(
        result(
            "trunc_s",
            vec![f32x4([-0.0, 0.0, f32::INFINITY, 2796203.5])]
        ),
        show(i32x4([0, 0, i32::MAX, 2796203]))
    );
    assert_eq!(
        result("q15mulr", vec![i32x4([i32::MIN; 4]), i32x4([i32::MIN; 4])]),
        show(i32x4([0x7fff_0000; 4]))
    );
    assert_eq!(
        result("madd32", vec![m, three, c]),
        show(i32x4([0x4b80_0003; 4]))
    );
}

/// Without it, the JIT may use the machine's native forms, and does on
/// x86-64; every result is one the proposal allows.
#[test]
fn relaxed_simd_results_are_allowed_ones_by_default() {
    let engine = Engine::new(Config::new().tier(Tier::Jit));
    let module = Module::new(&engine, relaxed_module()).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let mut call = |name: &str, args: &[Val]| -> u128 {
        let f = instance.get_func(&store, name).unwrap();
        let mut out = [Val::V128(0)];
        f.call(&mut store, args, &mut out).unwrap();
        out[0].v128().unwrap()
    };
    let lanes32 = |v: u128| -> [u32; 4] { core::array::from_fn(|i| (v >> (32 * i)) as u32) };

    // A NaN and out-of-range lanes: saturated (0 for NaN) or `i32::MIN`.
    let t = lanes32(call("trunc_s", &[f32x4([f32::NAN, 3e9, -3e9, -0.9])]));
    assert!([0, 0x8000_0000].contains(&t[0]), "{t:x?}");
    assert!([0x7fff_ffff, 0x8000_0000].contains(&t[1]), "{t:x?}");
    assert_eq!(t[2..], [0x8000_0000, 0], "{t:x?}");
    // Index 0x11 of a swizzle: 0, or byte 1.
    let table = u128::from_le_bytes(core::array::from_fn(|i| 0x40 + i as u8));
    let s = call("swizzle", &[Val::V128(table), Val::V128(0x11)]).to_le_bytes();
    assert!([0, 0x41].contains(&s[0]), "{s:x?}");
    assert_eq!(s[1..], [0x40; 15]);
    // Fused or not.
    let m = lanes32(call(
        "madd32",
        &[
            f32x4([2796203.5; 4]),
            f32x4([3.0; 4]),
            f32x4([8388611.0; 4]),
        ],
    ));
    assert!(
        m.iter().all(|l| [0x4b80_0003, 0x4b80_0002].contains(l)),
        "{m:x?}"
    );
    // `i16::MIN` squared: saturated, or wrapped.
    let q = call("q15mulr", &[i32x4([i32::MIN; 4]), i32x4([i32::MIN; 4])]);
    let q = (q >> 16) as u16;
    assert!([0x7fff, 0x8000].contains(&q), "{q:x}");
    // Either zero for a pair of zeros.
    let z = lanes32(call("min32", &[f32x4([-0.0; 4]), f32x4([0.0; 4])]));
    assert!(z.iter().all(|l| [0, 0x8000_0000].contains(l)), "{z:x?}");

    // On x86-64 (with SSSE3, every CPU the JIT runs on there) the native
    // forms are used: `cvttps2dq` and `pmulhrsw` give `i32::MIN` and a
    // wrapped `i16::MIN`, `pshufb` byte 1.
    if cfg!(target_arch = "x86_64") {
        assert_eq!(t[..2], [0x8000_0000, 0x8000_0000], "{t:x?}");
        assert_eq!(q, 0x8000);
        assert_eq!(s[0], 0x41);
    }

    // Off, relaxed SIMD does not validate.
    let mut off = Config::new();
    off.wasm_relaxed_simd(false);
    assert!(Module::new(&Engine::new(&off), relaxed_module()).is_err());
}
