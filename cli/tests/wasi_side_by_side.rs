//! Petrel side by side with wasmtime: the project's own WASI guest programs
//! (the Rust guest `wasi/tests/guests/rust` and the C guests in
//! `wasi/tests/guests/c`) run under `petrel run --tier interp`, `petrel
//! run --tier jit` and `wasmtime run` with the same arguments,
//! environment, stdin and preopened directories, each run in its own fresh
//! copy of a prepared tree. Their stdout, stderr (where the guest wrote
//! it), exit statuses and the resulting trees (names, kinds, contents,
//! symlink targets) must be the same.
//!
//! Every difference that remains is listed in [`EXPECTED_DIFFERENCES`]
//! with its reason; a test fails on a difference not listed, and on a
//! listed one that has gone (so the list only shrinks). The two Petrel
//! tiers must agree with each other exactly, stderr included.
//!
//! wasmtime is the pinned one `scripts/install-wasmtime` installs
//! (`benches/.peers/bin/wasmtime`), or `$PETREL_WASMTIME`.

mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use support::{build_wasip1, target_dir, workspace_root};

/// What can differ between two runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Aspect {
    Stdout,
    Stderr,
    Status,
    Tree,
}

/// The differences from wasmtime that remain, one entry per cause: the
/// scenarios and aspects it shows in, and why (a Petrel bug not yet fixed,
/// or a choice). Both tiers must show each; docs/wasi.md lists them too.
const EXPECTED_DIFFERENCES: &[(&[&str], &[Aspect], &str)] = &[
    (
        &["c_io"],
        &[Aspect::Stdout],
        "choice: Petrel implements the process CPU-time clock \
         (`clock_gettime(CLOCK_PROCESS_CPUTIME_ID)` succeeds); wasmtime 48's \
         preview1 returns an error for it",
    ),
    (
        &["rust_exit_126", "rust_exit_255"],
        &[Aspect::Stderr, Aspect::Status],
        "choice: `petrel run` exits with the low 8 bits of any `proc_exit` \
         status, as a Unix process does; wasmtime 48 refuses statuses outside \
         0..126 with an error and exits 1",
    ),
    (
        &["rust_readonly"],
        &[Aspect::Stdout, Aspect::Stderr, Aspect::Status, Aspect::Tree],
        "not comparable: wasmtime 48's CLI has no read-only preopen (its \
         `--dir` is always read-write; file modes cannot stand in, since tests \
         may run as root), so every change the guest tries succeeds there and \
         the guest, which expects each to be refused, fails",
    ),
];

/// The guest's stderr is compared exactly, or only for a line both must
/// contain (when the engine reports a trap after it, in its own words).
#[derive(Clone, Copy)]
enum Stderr {
    Exact,
    Contains(&'static str),
}

/// A preopened directory: the host directory (relative to the run's root),
/// its guest path, and whether Petrel gets it read-only (`--dir-ro`;
/// wasmtime 48's CLI has no read-only preopen, so it gets `--dir`).
struct Preopen {
    host: &'static str,
    guest: &'static str,
    read_only: bool,
}

const fn rw(host: &'static str, guest: &'static str) -> Preopen {
    Preopen {
        host,
        guest,
        read_only: false,
    }
}

const fn ro(host: &'static str, guest: &'static str) -> Preopen {
    Preopen {
        host,
        guest,
        read_only: true,
    }
}

/// One program run three ways.
struct Scenario<'a> {
    name: &'a str,
    /// `rust` for the Rust guest, else the C guest of that name.
    guest: &'a str,
    args: &'a [&'a str],
    env: &'a [&'a str],
    stdin: &'a [u8],
    dirs: &'a [Preopen],
    /// Prepares the tree beneath the run's root.
    set_up: fn(&Path),
    stderr: Stderr,
}

const SCENARIO: Scenario<'static> = Scenario {
    name: "",
    guest: "rust",
    args: &[],
    env: &[],
    stdin: b"",
    dirs: &[],
    set_up: |_| {},
    stderr: Stderr::Exact,
};

/// How a run ended and what it left.
#[derive(Debug, PartialEq)]
struct Outcome {
    status: Option<i32>,
    stdout: String,
    stderr: String,
    tree: BTreeMap<String, String>,
}

impl Outcome {
    /// One aspect as text, to compare with another runtime's.
    fn aspect(&self, aspect: Aspect, stderr: Stderr) -> String {
        match aspect {
            Aspect::Stdout => self.stdout.clone(),
            Aspect::Stderr => match stderr {
                Stderr::Contains(line) if self.stderr.contains(line) => {
                    format!("(contains {line:?})")
                }
                _ => self.stderr.clone(),
            },
            Aspect::Status => format!("{:?}", self.status),
            Aspect::Tree => self
                .tree
                .iter()
                .map(|(path, what)| format!("{path}: {what}\n"))
                .collect(),
        }
    }
}

/// The wasmtime to compare with; fails, saying how to install it, when
/// there is none.
fn wasmtime() -> &'static Path {
    static WASMTIME: OnceLock<PathBuf> = OnceLock::new();
    WASMTIME.get_or_init(|| {
        let path = match std::env::var_os("PETREL_WASMTIME") {
            Some(path) => PathBuf::from(path),
            None => workspace_root().join("benches/.peers/bin/wasmtime"),
        };
        assert!(
            path.is_file(),
            "the side-by-side WASI test needs wasmtime at {} (none there): \
             install it with `scripts/install-wasmtime` (what scripts/test \
             and benches/compare.sh do), or point PETREL_WASMTIME at one",
            path.display()
        );
        path
    })
}

/// A wasmtime cache configuration that keeps its compile cache in the
/// target directory, as `PETREL_CACHE_DIR` keeps Petrel's, not in the
/// user's home.
fn wasmtime_cache_config() -> &'static Path {
    static CONFIG: OnceLock<PathBuf> = OnceLock::new();
    CONFIG.get_or_init(|| {
        // Beside the cache, not in it: wasmtime's cache cleaner removes
        // files it does not know from its directory.
        let dir = target_dir().join("tmp/wasmtime-cache");
        std::fs::create_dir_all(&dir).unwrap();
        let config = target_dir().join("tmp/wasmtime-cache.toml");
        let text = format!("[cache]\ndirectory = {dir:?}\n");
        std::fs::write(&config, text).unwrap();
        config
    })
}

/// The guests' `.wasm` files, in one directory under short names
/// (`rust.wasm`, `io.wasm`, ...): `argv[0]` is the module's file name
/// under both runtimes.
fn modules_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = target_dir().join("wasi-guests/side-by-side");
        std::fs::create_dir_all(&dir).unwrap();
        let rust = build_rust_guest();
        std::fs::copy(rust, dir.join("rust.wasm")).unwrap();
        for name in ["fs", "io", "preopens", "tree"] {
            build_c_guest(name, &dir.join(format!("{name}.wasm")));
        }
        dir
    })
}

/// The Rust guest, built as `cli/tests/run_wasi.rs` and petrel-wasi's
/// tests build it (same command, same target directory).
fn build_rust_guest() -> PathBuf {
    build_wasip1(
        "wasi/tests/guests/rust",
        "wasi-guests",
        "the Rust WASI guest",
    )
    .join("petrel-wasi-guest.wasm")
}

/// A C guest, compiled as petrel-wasi's tests compile them.
fn build_c_guest(name: &str, wasm: &Path) {
    let source = workspace_root().join(format!("wasi/tests/guests/c/{name}.c"));
    support::compile_c_guest(&source, wasm);
}

/// Everything under `root`: each path with its kind and, for files,
/// contents; for symlinks, the target (with `root` itself written as
/// `<root>`, since each run has its own).
fn snapshot(root: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_symlink() {
                let target = std::fs::read_link(&path).unwrap().display().to_string();
                let target = target.replace(&root.display().to_string(), "<root>");
                out.insert(rel, format!("symlink -> {target}"));
            } else if meta.is_dir() {
                out.insert(rel, "dir".into());
                walk(root, &path, out);
            } else {
                let data = std::fs::read(&path).unwrap();
                out.insert(rel, format!("file {:?}", String::from_utf8_lossy(&data)));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// Runs `scenario` under `runtime` (`interp`, `jit` or `wasmtime`) in a
/// fresh copy of its tree.
fn run(scenario: &Scenario, runtime: &str) -> Outcome {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("wasi-side-by-side")
        .join(scenario.name)
        .join(runtime);
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    (scenario.set_up)(&root);
    let root = root.canonicalize().unwrap();

    let mut command = match runtime {
        "wasmtime" => Command::new(wasmtime()),
        _ => Command::new(env!("CARGO_BIN_EXE_petrel")),
    };
    command.arg("run");
    if runtime == "wasmtime" {
        command.arg(format!(
            "-Ccache-config={}",
            wasmtime_cache_config().display()
        ));
    } else {
        command.args(["--tier", runtime]);
    }
    for dir in scenario.dirs {
        let flag = if dir.read_only && runtime != "wasmtime" {
            "--dir-ro"
        } else {
            "--dir"
        };
        let spec = format!("{}::{}", root.join(dir.host).display(), dir.guest);
        command.args([flag, &spec]);
    }
    for var in scenario.env {
        command.args(["--env", var]);
    }
    command
        .arg(modules_dir().join(format!("{}.wasm", scenario.guest)))
        .args(scenario.args);
    let mut child = command
        // For `--env NAME`, which copies the variable from the runtime's own
        // environment; nothing else is inherited by either.
        .env("SIDE_BY_SIDE_FROM_HOST", "copied from the host")
        .env_remove("RUST_BACKTRACE")
        .env("PETREL_CACHE_DIR", target_dir().join("tmp/petrel-cache"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(scenario.stdin)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    // Each run has its own root: written as `<root>`, paths compare.
    let text = |bytes: &[u8]| {
        String::from_utf8_lossy(bytes).replace(&root.display().to_string(), "<root>")
    };
    Outcome {
        status: out.status.code(),
        stdout: text(&out.stdout),
        stderr: text(&out.stderr),
        tree: snapshot(&root),
    }
}

/// Runs `scenario` on both tiers and on wasmtime and checks every
/// difference against [`EXPECTED_DIFFERENCES`].
fn side_by_side(scenario: Scenario) {
    let wasmtime = run(&scenario, "wasmtime");
    let interp = run(&scenario, "interp");
    let jit = run(&scenario, "jit");
    assert_eq!(
        interp, jit,
        "{}: the interpreter and the JIT differ",
        scenario.name
    );
    let expected: BTreeMap<Aspect, &str> = EXPECTED_DIFFERENCES
        .iter()
        .filter(|(names, ..)| names.contains(&scenario.name))
        .flat_map(|&(_, aspects, reason)| aspects.iter().map(move |&a| (a, reason)))
        .collect();
    let mut failures = String::new();
    for aspect in [Aspect::Stdout, Aspect::Stderr, Aspect::Status, Aspect::Tree] {
        let theirs = wasmtime.aspect(aspect, scenario.stderr);
        let ours = interp.aspect(aspect, scenario.stderr);
        match (theirs == ours, expected.get(&aspect)) {
            (true, None) | (false, Some(_)) => {}
            (false, None) => {
                let _ = writeln!(
                    failures,
                    "{aspect:?} differs from wasmtime's (- wasmtime, + petrel):\n{}",
                    line_diff(&theirs, &ours)
                );
            }
            (true, Some(reason)) => {
                let _ = writeln!(
                    failures,
                    "{aspect:?} is now the same as wasmtime's: remove the expected \
                     difference ({reason:?}) from EXPECTED_DIFFERENCES\n"
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}:\n{failures}", scenario.name);
}

/// The lines of `a` missing from `b` (`- `) and of `b` missing from `a`
/// (`+ `), in order: enough to see a difference without reading both.
fn line_diff(a: &str, b: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let mut out = String::new();
    for line in a.iter().filter(|l| !b.contains(l)) {
        let _ = writeln!(out, "- {line}");
    }
    for line in b.iter().filter(|l| !a.contains(l)) {
        let _ = writeln!(out, "+ {line}");
    }
    if out.is_empty() {
        out = "(the same lines, in another order or number)\n".into();
    }
    out
}

// ---- Prepared trees ----------------------------------------------------

fn write(path: PathBuf, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// An empty directory `sandbox`, and `outside.txt` beside it.
fn empty_sandbox(root: &Path) {
    std::fs::create_dir(root.join("sandbox")).unwrap();
    write(root.join("outside.txt"), "outside\n");
}

/// The tree the C guest `tree` changes (see `tree.c`).
fn tree(root: &Path) {
    let t = root.join("tree");
    write(root.join("outside.txt"), "secret\n");
    write(t.join("keep.txt"), "keep\n");
    write(t.join("edit.txt"), "0123456789\n");
    write(t.join("old-name.txt"), "rename me\n");
    write(t.join("doomed.txt"), "delete me\n");
    write(t.join("append.txt"), "old append\n");
    write(t.join("sub/inner.txt"), "inner\n");
    write(t.join("sub/deep/leaf.txt"), "leaf\n");
    std::fs::create_dir(t.join("empty-dir")).unwrap();
    std::os::unix::fs::symlink("keep.txt", t.join("link-to-keep")).unwrap();
    std::os::unix::fs::symlink("../outside.txt", t.join("escape-link")).unwrap();
}

/// The tree the Rust guest's `attack` tries to escape (as petrel-wasi's
/// `attacks.rs` sets it up).
fn escape_tree(root: &Path) {
    let sandbox = root.join("sandbox");
    std::fs::create_dir_all(sandbox.join("sub")).unwrap();
    std::fs::create_dir(root.join("outside_dir")).unwrap();
    write(root.join("outside.txt"), "secret");
    write(sandbox.join("inside.txt"), "inside");
    let outside = root.join("outside.txt").canonicalize().unwrap();
    std::os::unix::fs::symlink(&outside, sandbox.join("abs_link")).unwrap();
    std::os::unix::fs::symlink("../outside.txt", sandbox.join("rel_link")).unwrap();
    std::os::unix::fs::symlink("..", sandbox.join("up_link")).unwrap();
    std::os::unix::fs::symlink("loop", sandbox.join("loop")).unwrap();
}

/// `ro/` (file.txt, dir/) and an empty `rw/`, for the Rust guest's
/// `readonly`.
fn read_only_tree(root: &Path) {
    write(root.join("ro/file.txt"), "precious");
    std::fs::create_dir(root.join("ro/dir")).unwrap();
    std::fs::create_dir(root.join("rw")).unwrap();
}

/// `data/` with a file to read and a subdirectory.
fn data_tree(root: &Path) {
    write(root.join("data/in.txt"), "from the host\n");
    write(root.join("data/nested/deeper.txt"), "deeper\n");
}

// ---- Scenarios: the Rust guest -----------------------------------------

#[test]
fn rust_args_with_dashes_spaces_and_empty() {
    side_by_side(Scenario {
        name: "rust_args",
        args: &["args", "-v", "--flag=1", "two words", "", "ünïcode"],
        ..SCENARIO
    });
}

#[test]
fn rust_env_set_copied_and_missing() {
    side_by_side(Scenario {
        name: "rust_env",
        args: &["env"],
        env: &[
            "ZED=last",
            "ALPHA=a=b c",
            "EMPTY=",
            "SIDE_BY_SIDE_FROM_HOST",
            "SIDE_BY_SIDE_SURELY_UNSET",
        ],
        ..SCENARIO
    });
}

#[test]
fn rust_exit_statuses() {
    for (name, code) in [
        ("rust_exit_0", "0"),
        ("rust_exit_1", "1"),
        ("rust_exit_42", "42"),
        ("rust_exit_125", "125"),
        ("rust_exit_126", "126"),
        ("rust_exit_255", "255"),
    ] {
        side_by_side(Scenario {
            name,
            args: &["exit", code],
            ..SCENARIO
        });
    }
}

#[test]
fn rust_stdin_to_stdout_and_stderr() {
    side_by_side(Scenario {
        name: "rust_stdio",
        args: &["stdio"],
        stdin: b"hello\nworld\n",
        ..SCENARIO
    });
}

#[test]
fn rust_empty_stdin() {
    side_by_side(Scenario {
        name: "rust_stdio_empty",
        args: &["stdio"],
        ..SCENARIO
    });
}

#[test]
fn rust_large_stdin_arrives_whole() {
    let input: Vec<u8> = (0..200_000u32)
        .map(|i| {
            if i % 80 == 79 {
                b'\n'
            } else {
                b'a' + (i % 26) as u8
            }
        })
        .collect();
    side_by_side(Scenario {
        name: "rust_stdio_large",
        args: &["stdio"],
        stdin: &input,
        ..SCENARIO
    });
}

#[test]
fn a_missing_preopen_is_an_error_before_the_guest_runs() {
    side_by_side(Scenario {
        name: "missing_dir",
        args: &["args"],
        dirs: &[rw("no-such-dir", "/x")],
        stderr: Stderr::Contains("No such file or directory"),
        ..SCENARIO
    });
}

#[test]
fn rust_abort_traps() {
    side_by_side(Scenario {
        name: "rust_trap",
        args: &["trap"],
        stderr: Stderr::Contains("unreachable"),
        ..SCENARIO
    });
}

#[test]
fn rust_panic_prints_and_traps() {
    side_by_side(Scenario {
        name: "rust_panic",
        args: &["panic"],
        stderr: Stderr::Contains("guest panicked on purpose"),
        ..SCENARIO
    });
}

#[test]
fn rust_clocks_sleep_and_random() {
    side_by_side(Scenario {
        name: "rust_time",
        args: &["time"],
        ..SCENARIO
    });
}

#[test]
fn rust_reads_through_a_read_only_preopen() {
    side_by_side(Scenario {
        name: "rust_cat_ro",
        args: &["cat", "/data/nested/../in.txt"],
        dirs: &[ro("data", "/data")],
        set_up: data_tree,
        ..SCENARIO
    });
}

#[test]
fn rust_writes_through_a_dot_preopen() {
    side_by_side(Scenario {
        name: "rust_write_dot",
        args: &["write", "nested/out.txt", "from the guest"],
        dirs: &[rw("data", ".")],
        set_up: data_tree,
        ..SCENARIO
    });
}

#[test]
fn rust_file_system_tour() {
    side_by_side(Scenario {
        name: "rust_fs",
        args: &["fs", "/sandbox"],
        dirs: &[rw("sandbox", "/sandbox")],
        set_up: empty_sandbox,
        ..SCENARIO
    });
}

#[test]
fn rust_escapes_are_refused() {
    side_by_side(Scenario {
        name: "rust_attack",
        args: &["attack"],
        dirs: &[rw("sandbox", "/sandbox")],
        set_up: escape_tree,
        ..SCENARIO
    });
}

#[test]
fn rust_escapes_from_a_read_only_preopen_are_refused() {
    side_by_side(Scenario {
        name: "rust_attack_ro",
        args: &["attack"],
        dirs: &[ro("sandbox", "/sandbox")],
        set_up: escape_tree,
        ..SCENARIO
    });
}

#[test]
fn rust_changes_beneath_a_read_only_preopen() {
    side_by_side(Scenario {
        name: "rust_readonly",
        args: &["readonly"],
        dirs: &[ro("ro", "/ro"), rw("rw", "/rw")],
        set_up: read_only_tree,
        ..SCENARIO
    });
}

// ---- Scenarios: the C guests -------------------------------------------

#[test]
fn c_preopens_are_numbered_in_command_line_order() {
    side_by_side(Scenario {
        name: "c_preopens",
        guest: "preopens",
        args: &["/a", "/b", "/c", "/d"],
        dirs: &[ro("a", "/a"), rw("b", "/b"), ro("c", "/c"), rw("d", "/d")],
        set_up: |root| {
            for name in ["a", "b", "c", "d"] {
                write(root.join(name).join("name.txt"), &format!("{name}\n"));
            }
        },
        ..SCENARIO
    });
}

#[test]
fn c_args_env_stdin_clocks_and_exit_status() {
    side_by_side(Scenario {
        name: "c_io",
        guest: "io",
        args: &["7", "-x"],
        env: &["GREETING=hi there"],
        stdin: b"abc\ndef\n",
        ..SCENARIO
    });
}

#[test]
fn c_file_system_tour() {
    side_by_side(Scenario {
        name: "c_fs",
        guest: "fs",
        args: &["/sandbox"],
        dirs: &[rw("sandbox", "/sandbox")],
        set_up: empty_sandbox,
        ..SCENARIO
    });
}

#[test]
fn c_changes_a_tree_and_exits_zero() {
    side_by_side(Scenario {
        name: "c_tree",
        guest: "tree",
        args: &["/tree"],
        dirs: &[rw("tree", "/tree")],
        set_up: tree,
        ..SCENARIO
    });
}

#[test]
fn c_changes_a_tree_then_proc_exit_3() {
    side_by_side(Scenario {
        name: "c_tree_exit_3",
        guest: "tree",
        args: &["/tree", "3"],
        dirs: &[rw("tree", "/tree")],
        set_up: tree,
        ..SCENARIO
    });
}

#[test]
fn c_tree_in_a_nested_guest_path() {
    side_by_side(Scenario {
        name: "c_tree_nested_guest_path",
        guest: "tree",
        args: &["/mnt/deep/tree"],
        dirs: &[rw("tree", "/mnt/deep/tree")],
        set_up: tree,
        ..SCENARIO
    });
}

#[test]
fn c_tree_preopened_as_the_root() {
    side_by_side(Scenario {
        name: "c_tree_root_guest_path",
        guest: "tree",
        args: &["/"],
        dirs: &[rw("tree", "/")],
        set_up: tree,
        ..SCENARIO
    });
}
