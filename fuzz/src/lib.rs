//! Shared pieces of Petrel's fuzz targets: the `wasm-smith` configurations
//! each target generates modules under ([`smith`]), and the values and
//! outcomes the differential target compares between Petrel's tiers and
//! the `wasmi` oracle ([`oracle`], [`diff`]), the `validate` check
//! ([`verdict`]), the WASI sandbox check ([`wasi_paths`]) and the damaged
//! artifact check ([`artifact`]).
//!
//! The targets themselves live in `fuzz_targets/`; see `docs/fuzzing.md`
//! for how to run them.

pub mod artifact;
pub mod diff;
pub mod oracle;
pub mod smith;
pub mod verdict;
pub mod wasi_paths;

/// The features Petrel validates under [`petrel_config`]: Wasm 2.0 (SIMD
/// included, on both tiers), the Wasm 3.0 proposals it implements
/// (multi-memory, extended constant expressions, tail calls, typed
/// function references, which come with `wasmparser`'s GC feature,
/// exception handling, relaxed SIMD, memory64, threads) and the later ones
/// it has, off by default and switched on there (wide arithmetic, custom
/// page sizes); `module/parse.rs` has the
/// engine's own list. The `validate` target holds Petrel's verdict to
/// `wasmparser`'s under exactly these, less the GC instructions Petrel
/// refuses (see `verdict::uses_gc_instructions`).
pub fn petrel_features() -> wasmparser::WasmFeatures {
    use wasmparser::WasmFeatures as F;
    F::WASM2
        | F::MULTI_MEMORY
        | F::EXTENDED_CONST
        | F::TAIL_CALL
        | F::FUNCTION_REFERENCES
        | F::GC
        | F::EXCEPTIONS
        | F::RELAXED_SIMD
        | F::MEMORY64
        | F::THREADS
        | F::WIDE_ARITHMETIC
        | F::CUSTOM_PAGE_SIZES
}

/// The configuration every target starts its engines from: the default
/// one with the proposals Petrel implements but leaves off by default (as
/// wasmtime does) switched on, so the fuzzers reach them too, and relaxed
/// SIMD deterministic, so the interpreter, the JIT and wasmi (whose one
/// set of relaxed results is the deterministic one) must agree on it.
pub fn petrel_config() -> petrel::Config {
    let mut config = petrel::Config::new();
    config
        .wasm_wide_arithmetic(true)
        .wasm_custom_page_sizes(true)
        .relaxed_simd_deterministic(true);
    config
}

/// Writes the module under test to the file named by `PETREL_FUZZ_DUMP`,
/// if set, so a crashing input can be turned into a `.wasm` reproducer:
/// `PETREL_FUZZ_DUMP=repro.wasm cargo +nightly fuzz run TARGET ARTIFACT`.
pub fn dump_module(wasm: &[u8]) {
    if let Some(path) = std::env::var_os("PETREL_FUZZ_DUMP") {
        std::fs::write(&path, wasm).expect("writing PETREL_FUZZ_DUMP");
    }
}
