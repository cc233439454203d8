//! Differential fuzzing: Petrel against the `wasmi` interpreter.
//!
//! `wasm-smith` generates a valid module with no imports, every entity
//! exported, bounded memories and tables and canonical NaNs;
//! `ensure_termination` injects a fuel counter so every call ends.
//! [`petrel_fuzz::diff::compare`] then runs it in both engines and panics
//! on any disagreement in results, traps, memories, globals or tables.

#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use petrel_fuzz::{diff, dump_module, smith, verdict};

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});

fn run(data: &[u8]) -> Result<()> {
    let mut u = Unstructured::new(data);
    let config = smith::differential(&mut u)?;
    let mut module = wasm_smith::Module::new(config.clone(), &mut u)?;
    let fuel = *u.choose(&[100u32, 1_000, 10_000])?;
    module
        .ensure_termination(fuel)
        .expect("wasm-smith generated every body, so fuel can be injected");
    let wasm = module.to_bytes();
    if verdict::uses_gc_instructions(&wasm) {
        return Ok(());
    }
    dump_module(&wasm);
    // wasmi has no typed function references and no exception handling.
    diff::compare(
        &wasm,
        &mut u,
        !config.gc_enabled && !config.exceptions_enabled,
    )
}
