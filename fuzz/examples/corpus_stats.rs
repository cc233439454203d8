//! What a `differential` corpus exercises: how many of its inputs turn on
//! each proposal in the generator's configuration, and how many of the
//! modules they make really use the newest ones (a shared memory, an
//! atomic instruction, a relaxed SIMD instruction). Short inputs run out
//! of bytes before the last draws and make small modules, so a corpus can
//! look large and still reach little of a new feature.
//!
//! ```sh
//! cd fuzz && cargo run --example corpus_stats --no-default-features -- corpus/differential
//! ```

use arbitrary::Unstructured;
use wasmparser::{Parser, Payload};

#[derive(Default)]
struct Counts {
    inputs: usize,
    simd: usize,
    threads: usize,
    relaxed: usize,
    memory64: usize,
    shared_memory: usize,
    atomics: usize,
    relaxed_ops: usize,
}

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: corpus_stats CORPUS_DIR");
        std::process::exit(2);
    };
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("reading {dir}: {e}"));
    let mut counts = Counts::default();
    let mut lengths = Vec::new();
    for entry in entries.flatten() {
        let Ok(data) = std::fs::read(entry.path()) else {
            continue;
        };
        counts.inputs += 1;
        lengths.push(data.len());
        let mut u = Unstructured::new(&data);
        let Ok(config) = petrel_fuzz::smith::differential(&mut u) else {
            continue;
        };
        counts.simd += usize::from(config.simd_enabled);
        counts.threads += usize::from(config.threads_enabled);
        counts.relaxed += usize::from(config.relaxed_simd_enabled);
        counts.memory64 += usize::from(config.memory64_enabled);
        let Ok(module) = wasm_smith::Module::new(config, &mut u) else {
            continue;
        };
        let (mut shared, mut atomics, mut relaxed) = (false, false, false);
        for payload in Parser::new(0).parse_all(&module.to_bytes()).flatten() {
            match payload {
                Payload::MemorySection(s) => shared |= s.into_iter().flatten().any(|m| m.shared),
                Payload::CodeSectionEntry(body) => {
                    for op in body.get_operators_reader().into_iter().flatten().flatten() {
                        let name = format!("{op:?}");
                        atomics |= name.contains("Atomic");
                        relaxed |= name.contains("Relaxed");
                    }
                }
                _ => {}
            }
        }
        counts.shared_memory += usize::from(shared);
        counts.atomics += usize::from(atomics);
        counts.relaxed_ops += usize::from(relaxed);
    }
    lengths.sort_unstable();
    let median = lengths.get(lengths.len() / 2).copied().unwrap_or(0);
    let c = &counts;
    println!("{} inputs, median length {median} bytes", c.inputs);
    println!(
        "configurations with: SIMD {}, threads {}, relaxed SIMD {}, memory64 {}",
        c.simd, c.threads, c.relaxed, c.memory64
    );
    println!(
        "modules with: a shared memory {}, an atomic instruction {}, a relaxed SIMD instruction {}",
        c.shared_memory, c.atomics, c.relaxed_ops
    );
}
