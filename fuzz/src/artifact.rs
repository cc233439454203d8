//! The `artifact` target's check: a damaged precompiled artifact is
//! refused with `Error::Artifact`, or, when the damage is in bytes no check
//! can judge (the code, the padding, a data segment's contents), loaded;
//! never a panic, a crash or another kind of error.
//!
//! The input damages a real artifact: it chooses one of a few, flips bytes
//! at offsets it chooses, may cut or extend the file, and may recompute the
//! CRC so the damage gets past the checksum to the header, layout and
//! metadata checks behind it. Half the inputs load from a file, as `petrel
//! run` does (the code and memory images are then mapped from it). The loaded module is never run: an
//! artifact's code is trusted by contract, and that is what damage to it
//! breaks.

use arbitrary::{Result, Unstructured};
use std::sync::OnceLock;

/// Modules whose artifacts are damaged: one with every kind of entity,
/// exception handlers and trap sites, one with no functions, and one with
/// enough data for a copy-on-write memory image (`{image}` is replaced by
/// 32 KiB of data).
const MODULES: [&str; 3] = [
    r#"(module
      (import "host" "f" (func $f (param i32) (result i32)))
      (memory (export "m") 1 2)
      (data (i32.const 8) "petrel artifact")
      (table 4 funcref)
      (elem (i32.const 0) $f $g)
      (global (export "g") (mut i64) (i64.const 5))
      (tag $e (param i32))
      (func $g (export "run") (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $e $h)
            (if (local.get 0) (then (throw $e (i32.load (local.get 0))))))
          (call_indirect (param i32) (result i32)
            (local.get 0) (i32.const 0)))))"#,
    r#"(module (memory 0) (global i32 (i32.const 1)))"#,
    r#"(module (memory 2) (data (i32.const 70000) "{image}") (data (i32.const 9) "x"))"#,
];

fn engine() -> &'static petrel::Engine {
    static ENGINE: OnceLock<petrel::Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = petrel::Config::new();
        config.tier(petrel::Tier::Jit);
        petrel::Engine::new(&config)
    })
}

fn artifacts() -> &'static [Vec<u8>] {
    static ARTIFACTS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    ARTIFACTS.get_or_init(|| {
        MODULES
            .iter()
            .map(|m| {
                let m = m.replace("{image}", &"i".repeat(32 << 10));
                engine()
                    .precompile_module(m.as_bytes())
                    .expect("the base modules compile")
            })
            .collect()
    })
}

/// Damages an artifact as `data` says and loads it; panics on a panic
/// inside, or on an error that is not an artifact error.
pub fn check(data: &[u8]) -> Result<()> {
    let mut u = Unstructured::new(data);
    let base = u.choose(artifacts())?;
    let mut bytes = base.clone();
    let flips = u.int_in_range(0..=8)?;
    for _ in 0..flips {
        // Most damage in the first few KiB, where the header, layout and
        // metadata are; some anywhere.
        let limit = if u.arbitrary()? {
            4096.min(bytes.len())
        } else {
            bytes.len()
        };
        if limit == 0 {
            break;
        }
        let at = u.choose_index(limit)?;
        bytes[at] ^= u.int_in_range(1..=255)?;
    }
    match u.int_in_range(0..=9)? {
        0 => bytes.truncate(u.choose_index(bytes.len() + 1)?),
        1 => {
            let n = u.int_in_range(1..=64)?;
            bytes.extend_from_slice(u.bytes(n)?);
        }
        _ => {}
    }
    let fix_crc: bool = u.arbitrary()?;
    if fix_crc && bytes.len() >= 16 {
        let crc = crc32fast::hash(&bytes[16..]);
        bytes[12..16].copy_from_slice(&crc.to_le_bytes());
    }
    let from_file: bool = u.arbitrary()?;
    // SAFETY: the module is never instantiated or run; loading only checks
    // and maps the bytes, which is what this target tests. The file is this
    // process's own and nothing else writes it.
    let loaded = if from_file {
        let path =
            std::env::temp_dir().join(format!("petrel-fuzz-artifact-{}", std::process::id()));
        std::fs::write(&path, &bytes).expect("a temporary file");
        let loaded = unsafe { petrel::Module::deserialize_file(engine(), &path) };
        let _ = std::fs::remove_file(&path);
        loaded
    } else {
        unsafe { petrel::Module::deserialize(engine(), &bytes) }
    };
    match loaded {
        Ok(_) => {}
        Err(petrel::Error::Artifact(_)) => {}
        Err(other) => panic!("a damaged artifact gave a non-artifact error: {other}"),
    }
    Ok(())
}
