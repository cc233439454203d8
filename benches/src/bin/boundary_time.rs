//! The Wasm/host boundary in time, every engine interleaved in one
//! process: each round times a batch of calls on each engine in turn (the
//! order rotating from round to round), so a machine that speeds up or
//! slows down during the run moves every engine alike, and each round's
//! ratios compare engines measured seconds apart. Reports the median time
//! per call of each engine and the median of the rounds' ratios (Petrel's
//! JIT against wasmtime, its interpreter against wasmi). criterion's
//! `boundary` group measures the same calls one engine after another.
//!
//!   cargo run --release -p petrel-benches --features peers --bin boundary_time [ROUNDS]

use std::hint::black_box;
use std::time::Instant;

/// Calls per batch: long enough that the clock's cost vanishes, short
/// enough that a round takes a fraction of a second.
const BATCH: i32 = 200_000;

/// One engine's two paths, each running `n` calls.
struct Engine {
    name: &'static str,
    to_host: Box<dyn FnMut(i32) -> i32>,
    to_wasm: Box<dyn FnMut(i32) -> i32>,
}

/// An engine's closures over its store: one Wasm call looping `n` times
/// over the host function, or `n` typed calls of the export.
macro_rules! engine {
    ($name:expr, $setup:expr) => {{
        let (store, calls, inc) = $setup;
        let store = std::rc::Rc::new(std::cell::RefCell::new(store));
        let s = store.clone();
        Engine {
            name: $name,
            to_host: Box::new(move |n| {
                calls
                    .call(&mut *s.borrow_mut(), black_box(n))
                    .expect("call")
            }),
            to_wasm: Box::new(move |n| {
                let mut store = store.borrow_mut();
                let mut acc = 0;
                for _ in 0..n {
                    acc = inc.call(&mut *store, black_box(acc)).expect("call");
                }
                acc
            }),
        }
    }};
}

fn petrel(tier: petrel::Tier) -> Engine {
    let mut config = petrel::Config::new();
    config.tier(tier);
    let engine = petrel::Engine::new(&config);
    let name = match tier {
        petrel::Tier::Interpreter => "Petrel interp",
        _ => "Petrel JIT",
    };
    engine!(name, petrel_benches::petrel_boundary(&engine))
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let rounds: usize = match std::env::args().nth(1) {
        None => 21,
        Some(r) => r.parse().unwrap_or_else(|_| {
            eprintln!("boundary_time: ROUNDS must be a number, not `{r}`");
            std::process::exit(2);
        }),
    };
    let mut engines = [
        petrel(petrel::Tier::Interpreter),
        petrel(petrel::Tier::Jit),
        engine!("wasmtime", petrel_benches::peers::wasmtime_boundary()),
        engine!("wasmi", petrel_benches::peers::wasmi_boundary()),
    ];
    // ns per call: [path][engine][round]
    let mut times = vec![vec![Vec::new(); engines.len()]; 2];
    for round in 0..=rounds {
        for k in 0..engines.len() {
            let e = (round + k) % engines.len();
            for (path, times) in times.iter_mut().enumerate() {
                let run = if path == 0 {
                    &mut engines[e].to_host
                } else {
                    &mut engines[e].to_wasm
                };
                let start = Instant::now();
                black_box(run(BATCH));
                let ns = start.elapsed().as_nanos() as f64 / BATCH as f64;
                // Round 0 warms up (first calls, caches, lazy translation).
                if round > 0 {
                    times[e].push(ns);
                }
            }
        }
    }
    println!("{rounds} interleaved rounds of {BATCH} calls per engine and path; medians:");
    println!();
    let names: Vec<&str> = engines.iter().map(|e| e.name).collect();
    println!(
        "| per call | {} | interp / wasmi | JIT / wasmtime |",
        names.join(" | ")
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (path, name) in ["Wasm → host", "host → Wasm"].iter().enumerate() {
        let t = &times[path];
        let ratio = |a: usize, b: usize| median((0..rounds).map(|r| t[a][r] / t[b][r]).collect());
        println!(
            "| {name} | {:.2} ns | {:.2} ns | {:.2} ns | {:.2} ns | {:.2}× | {:.2}× |",
            median(t[0].clone()),
            median(t[1].clone()),
            median(t[2].clone()),
            median(t[3].clone()),
            ratio(0, 3),
            ratio(1, 2),
        );
    }
}
