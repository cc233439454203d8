//! Times a recursive fib and a loop-heavy function on both tiers and
//! prints the ratio. A quick check, not a benchmark (those live in
//! `benches/`): `cargo run --release -p petrel --example tier_timing`.

use petrel::{Config, Engine, Instance, Module, Store, Tier};
use std::time::Instant;

const WAT: &str = r#"
(module
  (func $fib (export "fib") (param i32) (result i32)
    local.get 0
    i32.const 2
    i32.lt_u
    if (result i32)
      local.get 0
    else
      local.get 0
      i32.const 1
      i32.sub
      call $fib
      local.get 0
      i32.const 2
      i32.sub
      call $fib
      i32.add
    end)
  (memory 1)
  ;; Sums a 16 KiB array of i32 `n` times, writing back as it goes.
  (func (export "loop") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (block $done
      (loop $outer
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $i (i32.const 0))
        (loop $inner
          (local.set $acc
            (i32.add (local.get $acc) (i32.load (local.get $i))))
          (i32.store (local.get $i) (i32.add (local.get $acc) (local.get $i)))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br_if $inner (i32.lt_u (local.get $i) (i32.const 16384))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $outer)))
    local.get $acc))
"#;

fn run(tier: Tier) -> (f64, f64) {
    let mut config = Config::new();
    config.tier(tier);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, WAT).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let fib = instance.get_typed_func::<i32, i32>(&store, "fib").unwrap();
    let looped = instance.get_typed_func::<i32, i32>(&store, "loop").unwrap();
    // Warm up: the first call builds the signature's entry trampoline.
    fib.call(&mut store, 1).unwrap();
    looped.call(&mut store, 1).unwrap();
    // The best of five runs: the machine may be shared.
    let mut fib_time = f64::MAX;
    let mut loop_time = f64::MAX;
    let mut r = 0;
    for _ in 0..5 {
        let t = Instant::now();
        assert_eq!(fib.call(&mut store, 30).unwrap(), 832_040);
        fib_time = fib_time.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        r = looped.call(&mut store, 2000).unwrap();
        loop_time = loop_time.min(t.elapsed().as_secs_f64());
    }
    println!("{tier:?}: fib(30) {fib_time:.4}s, loop {loop_time:.4}s (result {r})");
    (fib_time, loop_time)
}

fn main() {
    // `tier_timing jit` (or `interp`) runs one tier, e.g. under a profiler.
    match std::env::args().nth(1).as_deref() {
        Some("jit") => {
            run(Tier::Jit);
            return;
        }
        Some("interp") => {
            run(Tier::Interpreter);
            return;
        }
        _ => {}
    }
    let (fi, li) = run(Tier::Interpreter);
    let (fj, lj) = run(Tier::Jit);
    println!("JIT speed-up: fib {:.1}x, loop {:.1}x", fi / fj, li / lj);
}
