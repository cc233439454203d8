//! Hostile bytes through decoding, validation, translation and
//! instantiation.
//!
//! Half the inputs are raw bytes; the other half are `wasm-smith` modules
//! (any proposal, so Petrel must also refuse what it does not implement)
//! with a few bytes mutated, which gets past the magic number and section
//! framing far more often than random bytes do. Petrel must never panic,
//! hang or crash, and its verdict must equal `wasmparser`'s under the
//! features Petrel implements. Valid modules are translated eagerly (so
//! every body reaches the translator) and, when they have no imports and
//! no start function, instantiated.

#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use petrel_fuzz::verdict::{self, KnownBugs};
use petrel_fuzz::{dump_module, smith};

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});

fn run(data: &[u8]) -> Result<()> {
    let mut u = Unstructured::new(data);
    let wasm = if u.arbitrary()? {
        u.take_rest().to_vec()
    } else {
        let config = smith::any(&mut u)?;
        let module = wasm_smith::Module::new(config, &mut u)?;
        let mut wasm = module.to_bytes();
        mutate(&mut u, &mut wasm)?;
        wasm
    };
    dump_module(&wasm);
    verdict::check(&wasm, KnownBugs::Skip);
    Ok(())
}

/// Applies a few byte-level mutations: overwrite, bit flip, insert,
/// remove, truncate.
fn mutate(u: &mut Unstructured<'_>, wasm: &mut Vec<u8>) -> Result<()> {
    for _ in 0..u.int_in_range(0..=4)? {
        if wasm.is_empty() {
            break;
        }
        let at = u.choose_index(wasm.len())?;
        match u.int_in_range(0..=4)? {
            0 => wasm[at] = u.arbitrary()?,
            1 => wasm[at] ^= 1 << u.int_in_range(0..=7)?,
            2 => wasm.insert(at, u.arbitrary()?),
            3 => {
                wasm.remove(at);
            }
            _ => wasm.truncate(at),
        }
    }
    Ok(())
}
