//! Petrel's integration tests: the embedding API exercised the way an
//! embedder uses it, one module per concern. They are one test binary
//! (as in wasmtime's `tests/all`) so the crate is linked once.
//!
//! Tests that document a known engine bug are `#[ignore = "bug: ..."]`;
//! run them with `cargo test -p petrel --test all -- --ignored`.

mod api;
mod artifacts;
mod branches;
mod call_hooks;
mod custom_page_sizes;
mod epoch;
mod exceptions;
mod externals;
mod fuel;
mod func_refs;
mod globals;
mod host;
mod lazy;
mod lazy_tables;
mod limits;
mod linker;
mod memory;
mod memory64;
mod memory_images;
mod multi_memory;
mod nan_canonicalization;
mod op_pairs;
mod pooling;
mod resumable;
mod shared_memory;
mod simd;
mod store_limits;
mod tail_call;
mod threads;
mod tier_up;
mod tier_up_functions;
mod traps;

use petrel::{Config, Engine, Error, Instance, Module, Store, Tier, TrapCode};

/// Compiles `wat` with `engine` and instantiates it, with no imports, in a
/// fresh store.
pub(crate) fn instantiate_in(engine: &Engine, wat: &str) -> (Store<()>, Instance) {
    let module = Module::new(engine, wat).expect("test module should compile");
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("test module should instantiate");
    (store, instance)
}

/// As [`instantiate_in`], with the default engine.
pub(crate) fn instantiate(wat: &str) -> (Store<()>, Instance) {
    instantiate_in(&Engine::default(), wat)
}

/// An engine with `configure` applied to the default settings.
pub(crate) fn engine_with(configure: impl FnOnce(&mut Config)) -> Engine {
    let mut config = Config::new();
    configure(&mut config);
    Engine::new(&config)
}

/// The trap code of `err`, failing the test if it is not a trap.
#[track_caller]
pub(crate) fn trap_code(err: &Error) -> TrapCode {
    match err {
        Error::Trap(trap) => trap.code(),
        other => panic!("expected a trap, got {other:?} ({other})"),
    }
}

/// An engine per tier, each with `configure` applied too: the
/// interpreter, the JIT with signal-based traps (guard pages), and the JIT
/// with explicit checks.
pub(crate) fn every_tier(configure: impl Fn(&mut Config)) -> Vec<(&'static str, Engine)> {
    type Tiering = fn(&mut Config);
    let tiers: [(&str, Tiering); 3] = [
        ("interp", |c| {
            c.tier(Tier::Interpreter);
        }),
        ("jit", |c| {
            c.tier(Tier::Jit);
        }),
        ("jit-explicit", |c| {
            c.tier(Tier::Jit).signals_based_traps(false);
        }),
    ];
    tiers
        .into_iter()
        .map(|(name, tier)| {
            (
                name,
                engine_with(|c| {
                    tier(c);
                    configure(c);
                }),
            )
        })
        .collect()
}
