//! The Wasm/host boundary in instructions, for callgrind: runs N calls
//! across the boundary on one engine and exits, so that
//! `benches/boundary-instructions.sh` can take the instruction counts of
//! two runs with different N and divide their difference by the extra
//! calls. Instruction counts do not move with the machine's load the way
//! criterion's times do on a shared VM, so they compare engines (and
//! commits) exactly; they do not weigh cache misses or branch mispredicts.
//!
//!   boundary_count ENGINE PATH N
//!
//! ENGINE is `interp` or `jit` (Petrel), or with `--features peers`
//! `wasmtime` or `wasmi`; PATH is `wasm-to-host` (one Wasm call that loops
//! N times over a host function `(Caller, i32) -> i32`) or `host-to-wasm`
//! (N typed calls of an export `(i32) -> i32`). The module and the host
//! function are criterion's `boundary` ones.

use std::hint::black_box;

/// `n` calls across the boundary: one Wasm call looping over the host
/// function, or `n` calls of the export. Every engine's typed calls have
/// the same shape (but not the same types), so one macro serves them all.
macro_rules! peer_run {
    ($setup:expr, $to_host:expr, $n:expr) => {{
        let (mut store, calls, inc) = $setup();
        if $to_host {
            calls.call(&mut store, black_box($n)).expect("call")
        } else {
            let mut acc = 0;
            for _ in 0..$n {
                acc = inc.call(&mut store, black_box(acc)).expect("call");
            }
            acc
        }
    }};
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [engine, path, n] = args.as_slice() else {
        eprintln!("usage: boundary_count interp|jit|wasmtime|wasmi wasm-to-host|host-to-wasm N");
        std::process::exit(2);
    };
    let n: i32 = n.parse().unwrap_or_else(|_| {
        eprintln!("boundary_count: N must be a number, not `{n}`");
        std::process::exit(2);
    });
    let to_host = match path.as_str() {
        "wasm-to-host" => true,
        "host-to-wasm" => false,
        other => {
            eprintln!("boundary_count: unknown path `{other}`");
            std::process::exit(2);
        }
    };
    let result = match engine.as_str() {
        "interp" => petrel_run(petrel::Tier::Interpreter, to_host, n),
        "jit" => petrel_run(petrel::Tier::Jit, to_host, n),
        #[cfg(feature = "peers")]
        "wasmtime" => peer_run!(petrel_benches::peers::wasmtime_boundary, to_host, n),
        #[cfg(feature = "peers")]
        "wasmi" => peer_run!(petrel_benches::peers::wasmi_boundary, to_host, n),
        other => {
            eprintln!("boundary_count: unknown engine `{other}` (wasmtime and wasmi need --features peers)");
            std::process::exit(2);
        }
    };
    println!("{result}");
}

fn petrel_run(tier: petrel::Tier, to_host: bool, n: i32) -> i32 {
    let mut config = petrel::Config::new();
    config.tier(tier);
    let engine = petrel::Engine::new(&config);
    peer_run!(|| petrel_benches::petrel_boundary(&engine), to_host, n)
}
