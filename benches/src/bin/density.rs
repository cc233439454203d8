//! `density`: how much memory idle instances cost. Creates N live
//! instances (default 10,000) of a small module with a one-page memory and
//! a data segment, each in its own store, on each tier, calls one export
//! of each (so every instance has run), and prints the process's resident
//! memory before and after, per instance.
//!
//! `cargo run --release -p petrel-benches --bin density [N]`

use petrel::{Config, Engine, Instance, Module, Store, Tier};

const MODULE: &str = r#"
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "an idle instance")
  (global $hits (mut i32) (i32.const 0))
  (func (export "touch") (result i32)
    global.get $hits i32.const 1 i32.add global.set $hits
    i32.const 0 i32.load8_u))
"#;

/// The process's resident set, in bytes (Linux's `/proc/self/statm`).
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    println!("| tier | instances | RSS before | RSS after | per instance |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (name, tier) in [("interpreter", Tier::Interpreter), ("JIT", Tier::Jit)] {
        let mut config = Config::new();
        config.tier(tier);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, MODULE).expect("compile");
        let before = rss();
        let mut live: Vec<(Store<()>, Instance)> = Vec::with_capacity(n);
        for _ in 0..n {
            let mut store = Store::new(&engine, ());
            let instance = Instance::new(&mut store, &module, &[]).expect("instantiate");
            let touch = instance
                .get_typed_func::<(), i32>(&store, "touch")
                .expect("touch");
            assert_eq!(touch.call(&mut store, ()).expect("call"), b'a' as i32);
            live.push((store, instance));
        }
        let after = rss();
        let per = after.saturating_sub(before) as f64 / n as f64 / 1024.0;
        println!(
            "| {name} | {n} | {:.1} MiB | {:.1} MiB | {per:.1} KiB |",
            before as f64 / (1 << 20) as f64,
            after as f64 / (1 << 20) as f64
        );
        drop(live);
    }
}
