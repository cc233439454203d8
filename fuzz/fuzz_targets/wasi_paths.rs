//! WASI path sandboxing: generated sequences of path operations, run by a
//! Wasm guest against a read-write and a read-only preopen, must never
//! create, read or change anything outside them (see
//! [`petrel_fuzz::wasi_paths`] for the sandbox and every check).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = petrel_fuzz::wasi_paths::check(data);
});
