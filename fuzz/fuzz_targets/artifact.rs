//! Damaged precompiled artifacts: refused with a clear error, never a
//! crash (see `petrel_fuzz::artifact`).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = petrel_fuzz::artifact::check(data);
});
