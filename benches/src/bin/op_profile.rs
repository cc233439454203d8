//! The interpreter's op profile of a real program: runs a WASI command on
//! Petrel's interpreter with every dispatch counted (the engine's
//! `op-profile` feature) and prints how often each op kind ran and the
//! most frequent pairs of ops in a row. Pick fused ops and operand-kind
//! variants from this, and check afterwards that the counts moved.
//!
//!   cargo run --release -p petrel-benches --features op-profile --bin op_profile -- \
//!       [--top N] MODULE.wasm [ARGS...]
//!
//! The program's stdout and stderr are the terminal's; the tables go to
//! stderr after it exits. Counting makes the interpreter several times
//! slower: give it a small input.

use anyhow::{bail, Context, Result};
use petrel::{Config, Engine, Linker, Module, Store, Tier};
use petrel_wasi::{I32Exit, WasiCtx, WasiCtxBuilder};

fn main() -> Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut top = 40;
    if args.first().map(String::as_str) == Some("--top") {
        let n = args.get(1).context("--top needs a number")?;
        top = n
            .parse()
            .with_context(|| format!("--top: `{n}` is not a number"))?;
        args.drain(..2);
    }
    let Some(path) = args.first().cloned() else {
        bail!("usage: op_profile [--top N] MODULE.wasm [ARGS...]");
    };
    let mut config = Config::new();
    config.tier(Tier::Interpreter);
    let engine = Engine::new(&config);
    let bytes = std::fs::read(&path).with_context(|| format!("reading {path}"))?;
    let module = Module::new(&engine, &bytes).with_context(|| format!("compiling {path}"))?;
    let mut linker = Linker::<WasiCtx>::new(&engine);
    petrel_wasi::add_to_linker(&mut linker, |ctx| ctx)?;
    let ctx = WasiCtxBuilder::new().args(&args).inherit_stdio().build()?;
    let mut store = Store::new(&engine, ctx);
    let instance = linker.instantiate(&mut store, &module)?;
    let start = instance.get_typed_func::<(), ()>(&store, "_start")?;
    petrel::take_op_profile();
    let status = match start.call(&mut store, ()) {
        Ok(()) => 0,
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => exit.0,
            None => return Err(anyhow::Error::new(e).context(format!("running {path}"))),
        },
    };
    let profile = petrel::take_op_profile();
    let total: u64 = profile.ops.iter().map(|(_, n)| n).sum();
    let share = |n: u64| 100.0 * n as f64 / total.max(1) as f64;
    eprintln!("\n{path}: exit status {status}, {total} ops dispatched\n");
    eprintln!("| op | count | share |\n| --- | ---: | ---: |");
    for (name, n) in profile.ops.iter().take(top) {
        eprintln!("| {name} | {n} | {:.2}% |", share(*n));
    }
    eprintln!("\n| op, then op | count | share |\n| --- | ---: | ---: |");
    for ((a, b), n) in profile.pairs.iter().take(top) {
        eprintln!("| {a}, {b} | {n} | {:.2}% |", share(*n));
    }
    Ok(())
}
