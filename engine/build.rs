//! Gives the engine a build id: a hash of its own sources and of the
//! workspace's lock file (when there is one), so that artifacts and
//! compile-cache entries name the exact build that made them. Petrel's
//! version alone does not: between releases the code generator and the VM
//! layout compiled code reads change without it, and loading code made
//! for another layout would crash.

use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let mut files = Vec::new();
    collect(&manifest.join("src"), &mut files);
    files.sort();
    let lock = manifest.join("../Cargo.lock");
    if lock.is_file() {
        files.push(lock.clone());
        println!("cargo:rerun-if-changed={}", lock.display());
    }
    println!("cargo:rerun-if-changed=src");
    // FNV-1a, 64 bits: collisions between two builds of one engine are
    // not a concern, and it needs no dependency.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for file in &files {
        let relative = file.strip_prefix(&manifest).unwrap_or(file);
        eat(relative.to_string_lossy().as_bytes());
        eat(&std::fs::read(file).unwrap_or_default());
    }
    println!("cargo:rustc-env=PETREL_BUILD_ID={hash:016x}");
    threaded_interpreter();
}

/// Enables the interpreter's threaded executor (`petrel_threaded`, see
/// `src/interp/exec/threaded.rs`) where its handlers' tail calls are
/// known to compile to jumps: optimised builds for x86-64, aarch64 and
/// riscv64. Unoptimised builds, other targets, sanitizer builds (the
/// fuzzers': their instrumentation keeps calls from becoming jumps, which
/// wasmi's tail-call dispatch met in our fuzzing), the op profile (which
/// counts in the loop) and the `interp-loop-match` feature keep the
/// portable `loop { match }` alone. So do builds with debug assertions
/// (the standard library's checks of raw-pointer reads take the address
/// of a stack temporary, after which LLVM cannot make the call a jump),
/// but that is checked in the code, `not(debug_assertions)`: assertions
/// switched on through `RUSTFLAGS`, as `cargo fuzz` does, are not visible
/// here.
fn threaded_interpreter() {
    println!("cargo::rustc-check-cfg=cfg(petrel_threaded)");
    let env = |name: &str| std::env::var(name).unwrap_or_default();
    let optimised = !matches!(env("OPT_LEVEL").as_str(), "" | "0");
    let arch_ok = matches!(
        env("CARGO_CFG_TARGET_ARCH").as_str(),
        "x86_64" | "aarch64" | "riscv64"
    );
    // A sanitizer switched on through `RUSTFLAGS` (as `cargo fuzz` does)
    // may not show as `CARGO_CFG_SANITIZE`; the flags themselves do.
    let sanitized = std::env::var_os("CARGO_CFG_SANITIZE").is_some()
        || env("CARGO_ENCODED_RUSTFLAGS").contains("sanitizer=");
    let chosen = !sanitized
        && std::env::var_os("CARGO_FEATURE_OP_PROFILE").is_none()
        && std::env::var_os("CARGO_FEATURE_INTERP_LOOP_MATCH").is_none();
    if optimised && arch_ok && chosen {
        println!("cargo::rustc-cfg=petrel_threaded");
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}
