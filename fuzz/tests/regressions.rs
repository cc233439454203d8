//! Replays every reproducer in `fuzz/regressions/` through the check of
//! the target that found it, chosen by the file name's prefix:
//!
//! - `validate-*`: Petrel's verdict must equal `wasmparser`'s, with no
//!   panic ([`verdict::check`]);
//! - `differential-*`: Petrel's interpreter, its JIT and wasmi must agree
//!   on every export called with zero arguments ([`diff::compare`]);
//! - `wasi_paths-*.bin`: the raw fuzz input, replayed through
//!   [`wasi_paths::check`].
//!
//! Module files may be `.wasm` or `.wat`. A reproducer of a bug that is still
//! open is listed in `regressions/KNOWN-OPEN.txt` and must still fail:
//! when a fix makes it pass, this test fails until the line is removed,
//! so the list only shrinks (the same ratchet as the spec tests').
//!
//! Run with `cargo test` in `fuzz/` (stable is enough).

use arbitrary::Unstructured;
use petrel_fuzz::verdict::{self, KnownBugs};
use petrel_fuzz::{diff, wasi_paths};
use std::path::Path;

fn replay(path: &Path) -> std::thread::Result<()> {
    let name = path.file_name().unwrap().to_str().unwrap().to_string();
    let bytes = std::fs::read(path).unwrap();
    let wasm = if name.ends_with(".wat") {
        wat::parse_bytes(&bytes).unwrap().into_owned()
    } else {
        bytes
    };
    std::panic::catch_unwind(move || {
        if name.starts_with("validate-") {
            verdict::check(&wasm, KnownBugs::Report);
        } else if name.starts_with("differential-") {
            let _ = diff::compare(&wasm, &mut Unstructured::new(&[]), true);
        } else if name.starts_with("wasi_paths-") {
            let _ = wasi_paths::check(&wasm);
        } else {
            panic!("{name}: no target prefix (validate-, differential- or wasi_paths-)");
        }
    })
}

#[test]
fn every_regression_replays() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions");
    let known_open: Vec<String> = std::fs::read_to_string(dir.join("KNOWN-OPEN.txt"))
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("wasm" | "wat" | "bin")
            )
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no reproducers in {}", dir.display());

    let mut problems = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_str().unwrap();
        let open = known_open.iter().any(|k| k == name);
        match (replay(path).is_ok(), open) {
            (true, false) | (false, true) => {}
            (false, false) => problems.push(format!("{name}: fails (a regression)")),
            (true, true) => problems.push(format!(
                "{name}: passes now; remove it from regressions/KNOWN-OPEN.txt"
            )),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The `wasi_paths` harness itself works: its guest compiles on both
/// tiers, and inputs from a fixed pseudo-random stream (both tiers, both
/// preopen orders) run without tripping any check. Catches a harness that
/// broke before a fuzzing run would.
#[test]
fn wasi_paths_harness_runs_clean_inputs() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for i in 0..64u32 {
        let mut input = vec![(i & 1) as u8, (i >> 1 & 1) as u8];
        for _ in 0..(i * 37 % 2000) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            input.push(state as u8);
        }
        wasi_paths::check(&input).ok();
    }
}
