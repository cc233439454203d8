//! A real program that unwinds: Rust panics compiled to Wasm exception
//! handling (`tests/guests/rust-exceptions`), run on both tiers. Caught
//! panics, the destructors of every unwound frame, a panic resumed from
//! inside another catch, a throw-catch loop, and an uncaught panic that
//! ends the program with Rust's exit status.

use crate::support::{engine_for, exceptions_guest_bytes, run, TIERS};
use petrel::{Config, Engine, Module};
use petrel_wasi::WasiCtxBuilder;

#[test]
fn rust_panics_unwind_as_wasm_exceptions_on_both_tiers() {
    let bytes = exceptions_guest_bytes();
    // The program really uses exception handling: without it, it is
    // refused.
    let no_eh = Engine::new(Config::new().wasm_exceptions(false));
    let err = Module::from_binary(&no_eh, bytes).unwrap_err();
    assert!(err.to_string().contains("exceptions"), "{err}");
    for tier in TIERS {
        let module = Module::from_binary(engine_for(tier), bytes).unwrap();
        let out = run(&module, WasiCtxBuilder::new().arg("guest"));
        assert_eq!(
            out.ok(),
            "caught 3 of 10, sum 74, last: multiple of three: 9\n\
             deep: u32 1000, drops 21\n\
             resumed: multiple of three: 6\n\
             loop caught 20000\n",
            "{tier:?}"
        );

        let out = run(&module, WasiCtxBuilder::new().args(["guest", "uncaught"]));
        assert_eq!(out.exit, Some(101), "{tier:?}: {out:#?}");
        assert!(out.stderr.contains("panicked"), "{tier:?}: {out:#?}");
    }
}
