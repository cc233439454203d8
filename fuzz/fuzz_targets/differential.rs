//! Differential fuzzing: Petrel against the `wasmi` interpreter.
//!
//! `wasm-smith` generates a valid module with no imports, every entity
//! exported, bounded memories and tables and canonical NaNs;
//! `ensure_termination` injects a fuel counter so every call ends.
//! [`petrel_fuzz::diff::check_input`] then runs it in both engines and
//! panics on any disagreement in results, traps, memories, globals or
//! tables.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = petrel_fuzz::diff::check_input(data);
});
