//! The official WASI testsuite's preview1 tests
//! (<https://github.com/WebAssembly/wasi-testsuite>, vendored in
//! `wasi/tests/official`, whose README says from which commits and how to
//! update it) run under `petrel run --tier interp` and `--tier jit`: the
//! prebuilt C and AssemblyScript modules as they are, the Rust tests built
//! from their sources for wasm32-wasip1 first.
//!
//! Each test's `.json` spec is read as the suite's Python runner
//! (`test-runner/wasi_test_runner`) reads it: `args` follow the module,
//! each `env` entry is an `--env NAME=VALUE`, `root` (a fixture directory
//! beside the spec) is preopened as `/` (here a fresh copy of it for every
//! run, where the runner deletes the `*.cleanup` files tests leave),
//! the exit status must be `exit_code` (0 by default), and stdout (stderr)
//! must begin with `stdout` (`stderr`): the runner reads as many
//! characters as it expects and compares those. stdin is a pipe closed at
//! once, as the runner's `communicate()` closes it. Any other key, or the
//! newer `operations` form (which no preview1 test uses), fails the test,
//! so a spec this does not understand cannot pass unnoticed.
//!
//! Tests that fail are listed in [`KNOWN_FAILURES`] with a reason each; a
//! test fails on a failure not listed, and on a listed one that passes (so
//! the list only shrinks). Each tier's tally goes to stderr, uncaptured.

mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use support::{build_wasip1, copy_tree};

/// The tests that fail today, as `suite/test` with the tiers they fail on
/// and why. Empty: all 72 pass on both tiers.
const KNOWN_FAILURES: &[(&str, &[&str], &str)] = &[];

/// A run that takes longer than this fails (the slowest test takes well
/// under a second).
const TIMEOUT: Duration = Duration::from_secs(60);

fn official_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../wasi/tests/official")
}

/// One test: its suite (`c`, `assemblyscript`, `rust`), name, module and
/// spec (the `.json` beside it; none means the defaults).
struct Case {
    suite: &'static str,
    name: String,
    module: PathBuf,
    spec: PathBuf,
}

impl Case {
    fn id(&self) -> String {
        format!("{}/{}", self.suite, self.name)
    }
}

/// The names of the files in `dir` ending in `.ext`, without it, sorted.
fn stems(dir: &Path, ext: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .map(|p| p.file_stem().unwrap().to_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

/// Every test of the three suites, the Rust ones built on first use (both
/// tiers' tests share them).
fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| {
        let mut cases = Vec::new();
        for suite in ["c", "assemblyscript"] {
            let dir = official_dir().join(suite);
            check_manifest(&dir);
            for name in stems(&dir, "wasm") {
                cases.push(Case {
                    suite,
                    module: dir.join(format!("{name}.wasm")),
                    spec: dir.join(format!("{name}.json")),
                    name,
                });
            }
        }
        let bin = official_dir().join("rust/src/bin");
        let modules = build_rust_tests();
        for name in stems(&bin, "rs") {
            cases.push(Case {
                suite: "rust",
                module: modules.join(format!("{name}.wasm")),
                spec: bin.join(format!("{name}.json")),
                name,
            });
        }
        cases
    })
}

/// A suite's `manifest.json` names no WASI version but preview1 (the Rust
/// one's names none: the runner's default, preview1).
fn check_manifest(dir: &Path) {
    let manifest = read_json(&dir.join("manifest.json"));
    if let Some(version) = manifest.get("version") {
        assert_eq!(version, "wasm32-wasip1", "{}", dir.display());
    }
}

fn read_json(path: &Path) -> serde_json::Map<String, serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match serde_json::from_str(&text) {
        Ok(serde_json::Value::Object(map)) => map,
        other => panic!("{}: not a JSON object: {other:?}", path.display()),
    }
}

/// The Rust tests, built once (as the other WASI guests are: release,
/// the target directory's `official-wasi`); returns their directory.
fn build_rust_tests() -> PathBuf {
    build_wasip1(
        "wasi/tests/official/rust",
        "official-wasi",
        "the official Rust WASI tests",
    )
}

/// A spec, read as the runner reads the legacy form.
#[derive(Default)]
struct Spec {
    args: Vec<String>,
    env: Vec<(String, String)>,
    root: Option<PathBuf>,
    exit_code: i32,
    stdout: Option<String>,
    stderr: Option<String>,
}

fn parse_spec(path: &Path) -> Result<Spec, String> {
    let mut spec = Spec::default();
    if !path.exists() {
        return Ok(spec);
    }
    let string = |v: &serde_json::Value, what: &str| {
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("`{what}` is not a string: {v}"))
    };
    for (key, value) in read_json(path) {
        match key.as_str() {
            "args" => {
                let list = value.as_array().ok_or("`args` is not a list")?;
                spec.args = list
                    .iter()
                    .map(|a| string(a, "args"))
                    .collect::<Result<_, _>>()?;
            }
            "env" => {
                let map = value.as_object().ok_or("`env` is not an object")?;
                for (name, v) in map {
                    spec.env.push((name.clone(), string(v, "env")?));
                }
            }
            "root" => spec.root = Some(path.parent().unwrap().join(string(&value, "root")?)),
            "exit_code" => {
                spec.exit_code = value
                    .as_i64()
                    .and_then(|c| i32::try_from(c).ok())
                    .ok_or_else(|| format!("`exit_code` is not an exit status: {value}"))?;
            }
            "stdout" => spec.stdout = Some(string(&value, "stdout")?),
            "stderr" => spec.stderr = Some(string(&value, "stderr")?),
            _ => return Err(format!("spec key `{key}` not understood by this runner")),
        }
    }
    Ok(spec)
}

/// Runs `case` on `tier`: `Ok` if it passes, else what went wrong.
fn run(case: &Case, tier: &str) -> Result<(), String> {
    let spec = parse_spec(&case.spec)?;
    let mut command = Command::new(env!("CARGO_BIN_EXE_petrel"));
    command.args(["run", "--tier", tier]);
    for (name, value) in &spec.env {
        command.args(["--env", &format!("{name}={value}")]);
    }
    if let Some(fixture) = &spec.root {
        // A fresh copy for every run: tests write beneath their root.
        let root = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("official-wasi")
            .join(tier)
            .join(case.suite)
            .join(&case.name);
        let _ = std::fs::remove_dir_all(&root);
        copy_tree(fixture, &root);
        command.args(["--dir", &format!("{}::/", root.display())]);
    }
    command.arg(&case.module).args(&spec.args);
    let mut child = command
        .env(
            "PETREL_CACHE_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("petrel-cache"),
        )
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdin.take());
    // Read both pipes on threads, so a guest that fills one cannot block.
    let pipe = |mut reader: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            reader.read_to_end(&mut bytes).unwrap();
            // The runner reads text: universal newlines.
            String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
        })
    };
    let stdout = pipe(Box::new(child.stdout.take().unwrap()));
    let stderr = pipe(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());

    let mut failures = Vec::new();
    match status {
        None => failures.push(format!("timed out after {TIMEOUT:?}")),
        Some(status) if status.code() != Some(spec.exit_code) => {
            failures.push(format!("{status}, expected exit status {}", spec.exit_code))
        }
        Some(_) => {}
    }
    for (name, expected, got) in [
        ("stdout", &spec.stdout, &stdout),
        ("stderr", &spec.stderr, &stderr),
    ] {
        if let Some(expected) = expected {
            if !got.starts_with(expected.as_str()) {
                failures.push(format!("{name} does not begin with {expected:?}"));
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\n== stdout ==\n{stdout}\n== stderr ==\n{stderr}",
            failures.join("; ")
        ))
    }
}

/// Runs every test on `tier`, checks the outcomes against
/// [`KNOWN_FAILURES`] and reports the tally.
fn official_suite(tier: &str) {
    let cases = cases();
    for (id, tiers, _) in KNOWN_FAILURES {
        assert!(
            cases.iter().any(|c| c.id() == *id),
            "KNOWN_FAILURES lists {id}, which is no test"
        );
        assert!(
            tiers.iter().all(|t| ["interp", "jit"].contains(t)),
            "KNOWN_FAILURES: {id}: tiers are `interp` and `jit`"
        );
    }
    let known = |id: &str| {
        KNOWN_FAILURES
            .iter()
            .find(|(name, tiers, _)| *name == id && tiers.contains(&tier))
            .map(|&(_, _, reason)| reason)
    };

    let mut problems = String::new();
    // suite -> (passed, total)
    let mut tally: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for case in cases {
        let id = case.id();
        let result = run(case, tier);
        let entry = tally.entry(case.suite).or_default();
        entry.1 += 1;
        if result.is_ok() {
            entry.0 += 1;
        }
        match (result, known(&id)) {
            (Ok(()), None) | (Err(_), Some(_)) => {}
            (Err(why), None) => {
                let _ = writeln!(problems, "{id} fails on {tier}: {why}\n");
            }
            (Ok(()), Some(reason)) => {
                let _ = writeln!(
                    problems,
                    "{id} passes on {tier}: remove it from KNOWN_FAILURES ({reason:?})\n"
                );
            }
        }
    }

    let (passed, total) = tally
        .values()
        .fold((0, 0), |(p, t), &(sp, st)| (p + sp, t + st));
    let by_suite: Vec<String> = tally
        .iter()
        .map(|(suite, (p, t))| format!("{suite} {p}/{t}"))
        .collect();
    // Straight to stderr, past libtest's capture, so the tally shows in
    // every run.
    let _ = writeln!(
        std::io::stderr().lock(),
        "official WASI testsuite (preview1), --tier {tier}: {passed}/{total} passed ({})",
        by_suite.join(", ")
    );
    assert!(
        tally.len() == 3 && tally.values().all(|&(_, t)| t > 0),
        "a suite has no tests: {tally:?}"
    );
    assert!(problems.is_empty(), "{problems}");
}

#[test]
fn official_wasi_testsuite_on_the_interpreter() {
    official_suite("interp");
}

#[test]
fn official_wasi_testsuite_on_the_jit() {
    official_suite("jit");
}
