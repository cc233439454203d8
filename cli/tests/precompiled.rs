//! `petrel compile`, `petrel run --allow-precompiled` and the JIT's compile
//! cache, end to end: artifacts run like their modules, and every bad
//! artifact or flag is an error naming it, with exit status 1, never a
//! crash.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const MODULE: &str = r#"
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "\2a")
  (func (export "answer") (result i32) i32.const 0 i32.load8_u)
  (func (export "fib") (param i32) (result i32)
    local.get 0 i32.const 2 i32.lt_u
    if (result i32) local.get 0
    else
      local.get 0 i32.const 1 i32.sub call 1
      local.get 0 i32.const 2 i32.sub call 1
      i32.add
    end)
  (func (export "oob") (result i32) i32.const 70000 i32.load))
"#;

fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("petrel-precompiled")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `petrel` with its compile cache in `cache`.
fn petrel(cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_petrel"))
        .args(args)
        .env("PETREL_CACHE_DIR", cache)
        .output()
        .unwrap()
}

#[track_caller]
fn check(out: &Output, code: i32, stdout: &str, stderr_has: &str) {
    let (o, e) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(code), "stdout:\n{o}\nstderr:\n{e}");
    assert_eq!(o, stdout, "stderr:\n{e}");
    assert!(
        e.contains(stderr_has),
        "stderr should contain {stderr_has:?}:\n{e}"
    );
    assert!(!e.contains("panicked"), "{e}");
}

/// A scratch directory with the module written in it, and its cache.
fn setup(test: &str) -> (PathBuf, String, PathBuf) {
    let dir = scratch(test);
    let wat = dir.join("m.wat");
    std::fs::write(&wat, MODULE).unwrap();
    let cache = dir.join("cache");
    (dir, wat.to_str().unwrap().to_string(), cache)
}

#[test]
fn a_compiled_artifact_runs_like_its_module() {
    let (dir, wat, cache) = setup("runs");
    check(&petrel(&cache, &["compile", &wat]), 0, "", "");
    let artifact = dir.join("m.cwasm");
    let a = artifact.to_str().unwrap();
    let run = |args: &[&str]| petrel(&cache, &[&["run", "--allow-precompiled"], args].concat());
    check(&run(&["--invoke", "answer", a]), 0, "42\n", "");
    check(&run(&["--invoke", "fib", a, "20"]), 0, "6765\n", "");
    check(
        &run(&["--tier", "jit", "--invoke", "fib", a, "10"]),
        0,
        "55\n",
        "",
    );
    check(
        &run(&["--invoke", "oob", a]),
        134,
        "",
        "out of bounds memory access",
    );
    // `-o` names the output.
    let other = dir.join("other.bin");
    let o = other.to_str().unwrap();
    check(&petrel(&cache, &["compile", "-o", o, &wat]), 0, "", "");
    check(&run(&["--invoke", "answer", o]), 0, "42\n", "");
}

#[test]
fn running_an_artifact_needs_allow_precompiled_and_the_jit() {
    let (dir, wat, cache) = setup("flags");
    check(&petrel(&cache, &["compile", &wat]), 0, "", "");
    let a = dir.join("m.cwasm");
    let a = a.to_str().unwrap();
    let run = |args: &[&str]| petrel(&cache, &[&["run", "--allow-precompiled"], args].concat());
    let without = petrel(&cache, &["run", "--invoke", "answer", a]);
    check(&without, 1, "", "pass --allow-precompiled");
    let interp = run(&["--tier", "interp", "--invoke", "answer", a]);
    check(&interp, 1, "", "holds JIT code");
    // Code-changing options must be the same as at compile time.
    let fuel = run(&["-W", "fuel=1000", "--invoke", "answer", a]);
    check(&fuel, 1, "", "consume_fuel");
    let compile = petrel(&cache, &["compile", "-W", "fuel=1", "-o", a, &wat]);
    check(&compile, 0, "", "");
    let fuel = run(&["-W", "fuel=100000", "--invoke", "fib", a, "10"]);
    check(&fuel, 0, "55\n", "");
}

#[test]
fn damaged_or_missing_artifacts_are_errors_naming_them() {
    let (dir, wat, cache) = setup("damaged");
    check(&petrel(&cache, &["compile", &wat]), 0, "", "");
    let good = std::fs::read(dir.join("m.cwasm")).unwrap();
    let bad = dir.join("bad.cwasm");
    let b = bad.to_str().unwrap();
    let run = || {
        petrel(
            &cache,
            &["run", "--allow-precompiled", "--invoke", "answer", b],
        )
    };
    std::fs::write(&bad, &good[..good.len() / 2]).unwrap();
    check(&run(), 1, "", "truncated");
    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    std::fs::write(&bad, &flipped).unwrap();
    check(&run(), 1, "", "damaged");
    std::fs::write(&bad, &good[..12]).unwrap();
    check(&run(), 1, "", "recompile");
    let missing = dir.join("missing.cwasm");
    check(
        &petrel(
            &cache,
            &["run", "--allow-precompiled", missing.to_str().unwrap()],
        ),
        1,
        "",
        "missing.cwasm",
    );
    // Compiling an invalid module or to an unwritable place fails cleanly.
    let invalid = dir.join("invalid.wasm");
    std::fs::write(&invalid, b"\0asm\x01\0\0\0\x05").unwrap();
    check(
        &petrel(&cache, &["compile", invalid.to_str().unwrap()]),
        1,
        "",
        "failed to compile",
    );
    check(
        &petrel(&cache, &["compile", "-o", "/nonexistent/dir/x.cwasm", &wat]),
        1,
        "",
        "failed to write /nonexistent/dir/x.cwasm",
    );
}

#[test]
fn the_jit_caches_what_it_compiles_unless_told_not_to() {
    let (_dir, wat, cache) = setup("cache");
    let entries = |dir: &Path| std::fs::read_dir(dir).map_or(0, |d| d.count());
    let run = |extra: &[&str]| {
        petrel(
            &cache,
            &[
                &["run", "--tier", "jit"],
                extra,
                &["--invoke", "fib", &wat, "15"],
            ]
            .concat(),
        )
    };
    check(&run(&["-C", "cache=n"]), 0, "610\n", "");
    assert_eq!(entries(&cache), 0, "-C cache=n wrote nothing");
    check(&run(&[]), 0, "610\n", "");
    assert_eq!(entries(&cache), 1, "the first run stored its code");
    check(&run(&[]), 0, "610\n", "");
    assert_eq!(entries(&cache), 1, "the second run found it");
    // The interpreter does not use it.
    let interp = petrel(&cache, &["run", "--invoke", "fib", &wat, "15"]);
    check(&interp, 0, "610\n", "");
    assert_eq!(entries(&cache), 1);
    check(
        &petrel(&cache, &["run", "-C", "cache=maybe", &wat]),
        2,
        "",
        "cache",
    );
}
