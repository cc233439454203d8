//! What several of the CLI's test binaries share: where the build puts
//! things, and building a Rust project for `wasm32-wasip1` the way every
//! WASI guest is built (release, the target directory's own
//! subdirectory, free of the outer build's flags). Each test binary
//! includes it with `mod support;` and uses what it needs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace's target directory.
pub fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR lies in the target directory")
        .to_path_buf()
}

/// The workspace's root.
pub fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the CLI crate lies in the workspace")
}

/// Builds the Rust project at `project` (relative to the workspace root)
/// for `wasm32-wasip1`, in release, into the target directory's
/// `subdir`; returns the directory holding its `.wasm` files. `what`
/// names it in the failure.
pub fn build_wasip1(project: &str, subdir: &str, what: &str) -> PathBuf {
    build_rust_guest(project, subdir, what, "wasm32-wasip1")
}

/// [`build_wasip1`] for another Wasm target (`wasm32-wasip1-threads`).
pub fn build_rust_guest(project: &str, subdir: &str, what: &str, wasm_target: &str) -> PathBuf {
    let target = target_dir().join(subdir);
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--release", "--quiet", "--target", wasm_target])
        .current_dir(workspace_root().join(project))
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .status()
        .expect("cargo should start");
    assert!(
        status.success(),
        "building {what} failed (`rustup target add {wasm_target}`?)"
    );
    target.join(wasm_target).join("release")
}

/// Copies the tree at `from` to `to` (files, directories, symlinks).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().unwrap();
        if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).unwrap(), &dst).unwrap();
        } else if kind.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// Compiles the C guest `source` for wasm32-wasi with clang and wasi-libc
/// (Debian's packages) into `wasm`.
pub fn compile_c_guest(source: &Path, wasm: &Path) {
    let sysroot = if Path::new("/usr/share/wasi-sysroot").is_dir() {
        "/usr/share/wasi-sysroot"
    } else {
        "/usr"
    };
    let output = Command::new("clang")
        .args(["--target=wasm32-wasi", "-O2", "-Wall", "-Werror"])
        .arg(format!("--sysroot={sysroot}"))
        .arg(source)
        .arg("-o")
        .arg(wasm)
        .output()
        .expect("clang runs (`apt-get install clang lld wasi-libc libclang-rt-dev-wasm32`)");
    assert!(
        output.status.success(),
        "compiling {} failed:\n{}",
        source.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `BIN ARGS`, where BIN is the `petrel` binary (the caller's
/// `env!("CARGO_BIN_EXE_petrel")`: only the CLI's own tests have it, and
/// the shim's tests include this file too), not yet started, its JIT
/// compile cache in the target directory (out of the user's home).
pub fn petrel_command_at(bin: &str, args: &[&str]) -> Command {
    let mut command = Command::new(bin);
    command.args(args).env(
        "PETREL_CACHE_DIR",
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("petrel-cache"),
    );
    command
}

/// Runs `command` (its stdio set up by the caller) to its end and returns
/// its output, or kills it once it has run for `limit`: `None` then, so
/// that a hang fails the test instead of stalling it.
pub fn output_within(
    command: &mut Command,
    limit: std::time::Duration,
) -> Option<std::process::Output> {
    let mut child = command.spawn().expect("petrel starts");
    let start = std::time::Instant::now();
    while child.try_wait().expect("waiting for petrel").is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Some(child.wait_with_output().expect("petrel's output"))
}
