//! The `validate` target's check, shared with the regression tests: a
//! module's bytes through `Module::validate`, `Module::from_binary` (with
//! eager translation) and, when it is safe to, `Instance::new`. Petrel
//! must not panic, and its verdict must equal `wasmparser`'s under the
//! features Petrel implements ([`crate::petrel_features`]).

use crate::{petrel_features, smith};
use std::sync::OnceLock;

/// Whether to skip inputs that hit a bug already reported (see
/// [`known_bug`]): the fuzz target does, so it keeps finding new ones;
/// the regression tests do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnownBugs {
    /// Return early on a known bug.
    Skip,
    /// Treat it like any other disagreement.
    Report,
}

fn engine() -> &'static petrel::Engine {
    static ENGINE: OnceLock<petrel::Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = petrel::Config::new();
        config
            .lazy_translation(false)
            .max_memory_pages(smith::MAX_PAGES * 16)
            .max_table_elements(100_000);
        petrel::Engine::new(&config)
    })
}

/// Checks one module; panics on a disagreement or an unexpected error.
pub fn check(wasm: &[u8], known_bugs: KnownBugs) {
    let expected = wasmparser::Validator::new_with_features(petrel_features())
        .validate_all(wasm)
        .map(drop);
    let engine = engine();

    let validated = petrel::Module::validate(engine, wasm);
    if known_bugs == KnownBugs::Skip && validated.is_ok() && known_bug(&expected) {
        return;
    }
    assert_eq!(
        validated.is_ok(),
        expected.is_ok(),
        "Module::validate and wasmparser disagree\n  petrel:     {validated:?}\n  wasmparser: {expected:?}"
    );
    if let Err(e) = &validated {
        assert!(
            matches!(e, petrel::Error::Compile(_)),
            "validate failed with {e:?}"
        );
    }

    let module = match petrel::Module::from_binary(engine, wasm) {
        Ok(module) => module,
        Err(e) => {
            assert!(
                validated.is_err(),
                "Module::validate accepted what Module::from_binary rejected: {e}"
            );
            assert!(
                matches!(e, petrel::Error::Compile(_)),
                "from_binary failed with {e:?}"
            );
            return;
        }
    };
    assert!(
        validated.is_ok(),
        "Module::from_binary accepted what Module::validate rejected"
    );

    if module.imports().len() == 0 && !has_start(wasm) {
        let mut store = petrel::Store::new(engine, ());
        // Any error is fine (a segment out of bounds, a memory over the
        // engine's limit); only a panic or crash is a bug.
        let _ = petrel::Instance::new(&mut store, &module, &[]);
    }
}

/// Rejections by `wasmparser` that Petrel is known to miss, filtered so the
/// target keeps finding new bugs. Each has a reproducer in
/// `fuzz/regressions/` and is listed in `docs/fuzzing.md`; delete its line
/// here when the engine is fixed.
///
/// None is open. (The last, the compact-imports encoding accepted because
/// Petrel's `Parser` read with every feature on, was fixed in session 1;
/// its reproducer is `regressions/validate-compact-imports.wasm`.)
pub fn known_bug(_expected: &Result<(), wasmparser::BinaryReaderError>) -> bool {
    false
}

/// Whether the (valid) module has a start function, which could run
/// forever: this target has no fuel to stop it.
fn has_start(wasm: &[u8]) -> bool {
    wasmparser::Parser::new(0)
        .parse_all(wasm)
        .any(|p| matches!(p, Ok(wasmparser::Payload::StartSection { .. })))
}
