//! End-to-end tests of the `petrel` binary: each runs the built command on
//! small modules written to a scratch directory and checks its output and
//! exit status.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch directory of its own for each test, so tests can run in
/// parallel.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("petrel-cli")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// `petrel ARGS`, not yet started.
fn petrel_command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_petrel"));
    command
        .args(args)
        // The JIT's compile cache stays out of the user's home.
        .env(
            "PETREL_CACHE_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("petrel-cache"),
        );
    command
}

fn petrel(args: &[&str]) -> Output {
    petrel_command(args).output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts the exit status, showing the output when it is not the one
/// expected.
#[track_caller]
fn assert_status(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
}

#[track_caller]
fn assert_no_panic(out: &Output) {
    let err = stderr(out);
    assert!(!err.contains("panicked"), "panic: {err}");
}

const MATH: &str = r#"
(module
  (func (export "add") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.add)
  (func (export "sub64") (param i64 i64) (result i64)
    local.get 0 local.get 1 i64.sub)
  (func (export "half") (param f32) (result f32)
    local.get 0 f32.const 2 f32.div)
  (func (export "pair") (param f64) (result f64 f64)
    local.get 0 local.get 0 f64.neg)
  (func (export "takes_ref") (param externref))
  (func (export "boom") unreachable)
  (memory (export "mem") 1))
"#;

/// Writes `MATH` to a scratch directory and returns its path.
fn math(test: &str) -> String {
    let path = write(&scratch(test), "math.wat", MATH);
    path.to_str().unwrap().to_string()
}

#[test]
fn invoke_i32_with_negative_and_hex_args() {
    let m = math("invoke_i32");
    let out = petrel(&["run", &m, "--invoke", "add", "--", "-5", "0x10"]);
    assert_status(&out, 0);
    assert_eq!(stdout(&out), "11\n");
}

#[test]
fn invoke_may_come_before_the_module_and_negative_args_need_no_separator() {
    let m = math("invoke_first");
    let out = petrel(&["run", "--invoke", "add", &m, "-5", "-7"]);
    assert_status(&out, 0);
    assert_eq!(stdout(&out), "-12\n");
}

#[test]
fn invoke_i64_prints_signed_and_accepts_unsigned_hex() {
    let m = math("invoke_i64");
    let out = petrel(&["run", &m, "--invoke", "sub64", "0xffffffffffffffff", "1"]);
    assert_status(&out, 0);
    assert_eq!(stdout(&out), "-2\n");
}

#[test]
fn invoke_f32_prints_with_float_display() {
    let m = math("invoke_f32");
    for (arg, want) in [("3", "1.5\n"), ("nan", "NaN\n"), ("-inf", "-inf\n")] {
        let out = petrel(&["run", &m, "--invoke", "half", arg]);
        assert_status(&out, 0);
        assert_eq!(stdout(&out), want, "half({arg})");
    }
}

#[test]
fn invoke_f64_prints_each_result_on_its_own_line() {
    let m = math("invoke_f64");
    let out = petrel(&["run", &m, "--invoke", "pair", "2.25"]);
    assert_status(&out, 0);
    assert_eq!(stdout(&out), "2.25\n-2.25\n");
}

#[test]
fn run_without_invoke_calls_start() {
    let dir = scratch("start");
    let m = write(
        &dir,
        "start.wat",
        r#"(module
             (global $ran (mut i32) (i32.const 0))
             (func (export "_start") (global.set $ran (i32.const 1))))"#,
    );
    let out = petrel(&["run", m.to_str().unwrap()]);
    assert_status(&out, 0);
    assert_eq!(stdout(&out), "");
}

#[test]
fn run_without_start_or_invoke_says_how_to_pick_a_function() {
    let m = math("no_start");
    let out = petrel(&["run", &m]);
    assert_status(&out, 1);
    let err = stderr(&out);
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        err.contains("no `_start`") && err.contains("--invoke"),
        "{err}"
    );
    assert!(err.contains("add"), "should list the exports: {err}");
}

#[test]
fn invoking_a_missing_export_or_a_non_function_fails() {
    let m = math("bad_export");
    let out = petrel(&["run", &m, "--invoke", "nope"]);
    assert_status(&out, 1);
    assert!(stderr(&out).contains("no export named `nope`"));
    let out = petrel(&["run", &m, "--invoke", "mem"]);
    assert_status(&out, 1);
    assert!(stderr(&out).contains("`mem` is a memory"));
}

#[test]
fn trap_exits_134_and_names_the_trap() {
    let m = math("trap");
    let out = petrel(&["run", &m, "--invoke", "boom"]);
    assert_status(&out, 134);
    let err = stderr(&out);
    assert!(err.starts_with("error: wasm trap: unreachable"), "{err}");
    assert!(err.contains("wasm backtrace:"), "{err}");
}

#[test]
fn trap_in_start_function_exits_134() {
    let dir = scratch("start_trap");
    let m = write(
        &dir,
        "t.wat",
        "(module (func $s unreachable) (start $s) (func (export \"_start\")))",
    );
    let out = petrel(&["run", m.to_str().unwrap()]);
    assert_status(&out, 134);
    assert!(stderr(&out).contains("unreachable"));
}

#[test]
fn deep_recursion_traps_and_the_backtrace_is_cut_short() {
    let dir = scratch("recursion");
    let m = write(&dir, "r.wat", "(module (func $r (export \"r\") call $r))");
    let out = petrel(&["run", m.to_str().unwrap(), "--invoke", "r"]);
    assert_status(&out, 134);
    let err = stderr(&out);
    assert!(err.contains("call stack exhausted"), "{err}");
    assert!(err.contains("more frames"), "{err}");
    assert!(err.lines().count() < 30, "{err}");
}

#[test]
fn max_stack_depth_limits_recursion() {
    let dir = scratch("max_stack_depth");
    let m = write(
        &dir,
        "d.wat",
        r#"(module
             (func $down (export "down") (param i32)
               (if (local.get 0)
                 (then (call $down (i32.sub (local.get 0) (i32.const 1)))))))"#,
    );
    let m = m.to_str().unwrap();
    let out = petrel(&["run", m, "--invoke", "down", "500"]);
    assert_status(&out, 0);
    let out = petrel(&[
        "run",
        "--max-stack-depth",
        "100",
        m,
        "--invoke",
        "down",
        "500",
    ]);
    assert_status(&out, 134);
    assert!(stderr(&out).contains("call stack exhausted"));
}

#[test]
fn max_memory_pages_caps_memory_grow() {
    let dir = scratch("max_memory_pages");
    let m = write(
        &dir,
        "g.wat",
        r#"(module (memory 1)
             (func (export "grow") (param i32) (result i32)
               (memory.grow (local.get 0))))"#,
    );
    let m = m.to_str().unwrap();
    let out = petrel(&["run", "--max-memory-pages", "4", m, "--invoke", "grow", "3"]);
    assert_status(&out, 0);
    assert_eq!(stdout(&out), "1\n");
    let out = petrel(&["run", "--max-memory-pages", "4", m, "--invoke", "grow", "4"]);
    assert_status(&out, 0);
    assert_eq!(stdout(&out), "-1\n");
}

#[test]
fn missing_import_fails_naming_the_import() {
    let dir = scratch("missing_import");
    let m = write(
        &dir,
        "imp.wat",
        r#"(module (import "env" "log" (func (param i32))) (func (export "_start")))"#,
    );
    let out = petrel(&["run", m.to_str().unwrap()]);
    assert_status(&out, 1);
    let err = stderr(&out);
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains("env::log"), "{err}");
}

#[test]
fn garbage_bytes_are_an_error_not_a_panic() {
    let dir = scratch("garbage");
    let cases: [(&str, &[u8]); 4] = [
        ("garbage.wasm", &[0x87, 0x97, 0xce, 0x58, 0x01, 0xff]),
        ("empty.wasm", &[]),
        ("truncated.wasm", b"\0asm\x01\0\0\0\x01\x05"),
        ("noext", &[0xff, 0xfe, 0x00, 0x01]),
    ];
    for (name, bytes) in cases {
        let m = write(&dir, name, bytes);
        for cmd in ["run", "validate"] {
            let out = petrel(&[cmd, m.to_str().unwrap()]);
            assert_status(&out, 1);
            assert_no_panic(&out);
        }
        let out = petrel(&["run", m.to_str().unwrap()]);
        let err = stderr(&out);
        assert!(err.starts_with("error: "), "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: one line wanted: {err}");
    }
}

#[test]
fn unreadable_module_is_an_error() {
    let dir = scratch("unreadable");
    let missing = dir.join("missing.wasm");
    let out = petrel(&["run", missing.to_str().unwrap()]);
    assert_status(&out, 1);
    assert!(stderr(&out).contains("failed to read"));
}

#[test]
fn wrong_argument_count_is_an_error() {
    let m = math("arg_count");
    let out = petrel(&["run", &m, "--invoke", "add", "1"]);
    assert_status(&out, 1);
    assert!(
        stderr(&out).contains("takes 2 arguments (i32, i32) but 1 was given"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_argument_names_its_index_and_type() {
    let m = math("arg_type");
    let out = petrel(&["run", &m, "--invoke", "add", "1", "1.5"]);
    assert_status(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("argument 2") && err.contains("i32"), "{err}");

    let out = petrel(&["run", &m, "--invoke", "half", "x"]);
    assert_status(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("argument 1") && err.contains("f32"), "{err}");

    let out = petrel(&["run", &m, "--invoke", "add", "1", "4294967296"]);
    assert_status(&out, 1);
}

#[test]
fn reference_parameters_cannot_be_passed() {
    let m = math("ref_arg");
    let out = petrel(&["run", &m, "--invoke", "takes_ref", "0"]);
    assert_status(&out, 1);
    assert!(stderr(&out).contains("externref"), "{}", stderr(&out));
}

#[test]
fn jit_tier_gives_the_interpreters_result() {
    let m = math("jit");
    let jit = petrel(&["run", "--tier", "jit", &m, "--invoke", "add", "1", "2"]);
    assert_status(&jit, 0);
    let interp = petrel(&["run", "--tier", "interp", &m, "--invoke", "add", "1", "2"]);
    assert_status(&interp, 0);
    assert_eq!(jit.stdout, interp.stdout);
}

#[test]
fn usage_errors_exit_2() {
    assert_status(&petrel(&["run"]), 2);
    assert_status(&petrel(&["run", "--tier", "fast", "m.wasm"]), 2);
    assert_status(&petrel(&["frobnicate"]), 2);
}

#[test]
fn validate_reports_each_file() {
    let dir = scratch("validate");
    let good = write(&dir, "good.wat", MATH);
    let bad = write(&dir, "bad.wat", "(module (func (result i32) i64.const 1))");
    let syntax = write(&dir, "syntax.wat", "(module\n  (func oops))");
    let (good, bad, syntax) = (
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
        syntax.to_str().unwrap(),
    );

    let out = petrel(&["validate", good]);
    assert_status(&out, 0);
    assert_eq!(stdout(&out), format!("{good}: ok\n"));

    let out = petrel(&["validate", good, bad, syntax]);
    assert_status(&out, 1);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0], format!("{good}: ok"));
    assert!(lines[1].starts_with(&format!(
        "{bad}: invalid module in function 0 at byte offset"
    )));
    assert!(lines[1].contains("type mismatch"), "{text}");
    assert!(lines[2].contains("line 2, column 9"), "{text}");
}

#[test]
fn validate_binary_module() {
    let dir = scratch("validate_binary");
    // The empty module: magic and version only.
    let good = write(&dir, "empty.wasm", b"\0asm\x01\0\0\0");
    let out = petrel(&["validate", good.to_str().unwrap()]);
    assert_status(&out, 0);
    assert!(stdout(&out).ends_with(": ok\n"));
}

#[test]
fn wast_counts_directives_and_lists_failures() {
    let dir = scratch("wast");
    let script = write(
        &dir,
        "s.wast",
        r#"(module (func (export "add") (param i32 i32) (result i32)
             local.get 0 local.get 1 i32.add))
           (assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
           (assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 4))"#,
    );
    let passing = write(&dir, "ok.wast", "(module)");
    let missing = dir.join("missing.wast");
    let (script, passing, missing) = (
        script.to_str().unwrap(),
        passing.to_str().unwrap(),
        missing.to_str().unwrap(),
    );

    let out = petrel(&["wast", passing]);
    assert_status(&out, 0);
    assert_eq!(
        stdout(&out),
        format!("{passing}: 1 passed, 0 failed\n1 passed, 0 failed\n")
    );

    let out = petrel(&["wast", script, passing, missing]);
    assert_status(&out, 1);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], format!("{script}: 2 passed, 1 failed"));
    assert!(lines[1].starts_with(&format!("  {script}:4:")), "{text}");
    assert!(
        text.contains(&format!("{missing}: 0 passed, 1 failed")),
        "{text}"
    );
    assert_eq!(lines.last(), Some(&"3 passed, 2 failed"));
}

#[test]
fn wast_caps_failures_listed_per_file() {
    let dir = scratch("wast_cap");
    let mut source = String::from("(module (func (export \"one\") (result i32) i32.const 1))\n");
    for _ in 0..25 {
        source.push_str("(assert_return (invoke \"one\") (i32.const 2))\n");
    }
    let script = write(&dir, "many.wast", source);
    let out = petrel(&["wast", script.to_str().unwrap()]);
    assert_status(&out, 1);
    let text = stdout(&out);
    assert!(text.contains("  ... 5 more\n"), "{text}");
    assert_eq!(text.lines().last(), Some("1 passed, 25 failed"));
}

#[test]
fn help_lists_the_commands_and_documents_run() {
    let out = petrel(&["--help"]);
    assert_status(&out, 0);
    let text = stdout(&out);
    for cmd in ["run", "validate", "wast"] {
        assert!(text.contains(cmd), "{cmd} missing from:\n{text}");
    }
    let out = petrel(&["run", "--help"]);
    assert_status(&out, 0);
    let text = stdout(&out);
    for flag in [
        "--tier",
        "--invoke",
        "--max-stack-depth",
        "--max-memory-pages",
        "--argv0",
        "-S",
        "inherit-env",
        "tcplisten",
        "unknown-imports-trap",
        "134",
    ] {
        assert!(text.contains(flag), "{flag} missing from:\n{text}");
    }
}

#[test]
fn fib_example_computes_fib_20() {
    let fib = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/fib.wat");
    let out = petrel(&["run", fib, "--invoke", "fib", "20"]);
    assert_status(&out, 0);
    assert_eq!(stdout(&out), "6765\n");
}

#[test]
fn wasm_feature_flags_switch_multi_memory_and_refuse_unknown_ones() {
    let dir = scratch("wasm_features");
    let two = write(&dir, "two.wat", "(module (memory 1) (memory 1))");
    let two = two.to_str().unwrap();

    let out = petrel(&["validate", two]);
    assert_status(&out, 0);
    let out = petrel(&["validate", "-W", "multi-memory=n", two]);
    assert_status(&out, 1);
    assert!(
        stdout(&out).contains("multiple memories"),
        "{}",
        stdout(&out)
    );

    let out = petrel(&["validate", "-W", "gc=y", two]);
    assert_status(&out, 2);
    assert!(
        stderr(&out).contains("unknown WebAssembly feature"),
        "{}",
        stderr(&out)
    );
    assert_no_panic(&out);
    let out = petrel(&["validate", "-W", "multi-memory=maybe", two]);
    assert_status(&out, 2);
    assert_no_panic(&out);
}

#[test]
fn w_custom_page_sizes_runs_one_byte_pages_on_both_tiers_and_is_off_by_default() {
    let dir = scratch("custom_page_sizes");
    let wat = write(
        &dir,
        "bytes.wat",
        r#"(module
          (memory 3 (pagesize 1))
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
          (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0))))"#,
    );
    let wat = wat.to_str().unwrap();
    let out = petrel(&["validate", wat]);
    assert_status(&out, 1);
    assert!(
        stdout(&out).contains("custom page sizes"),
        "{}",
        stdout(&out)
    );
    for tier in ["interp", "jit"] {
        let flags = ["run", "--tier", tier, "-W", "custom-page-sizes=y"];
        let out = petrel(&[&flags[..], &["--invoke", "grow", wat, "5"]].concat());
        assert_status(&out, 0);
        assert_eq!(stdout(&out).trim(), "3", "{tier}");
        let out = petrel(&[&flags[..], &["--invoke", "load", wat, "2"]].concat());
        assert_status(&out, 0);
        let out = petrel(&[&flags[..], &["--invoke", "load", wat, "3"]].concat());
        assert_status(&out, 134);
        assert!(
            stderr(&out).contains("out of bounds"),
            "{tier}: {}",
            stderr(&out)
        );
        assert_no_panic(&out);
    }
}

#[test]
fn memory64_runs_by_default_and_w_memory64_n_refuses_it() {
    let dir = scratch("memory64");
    let wat = write(
        &dir,
        "mem64.wat",
        r#"(module
          (memory i64 1)
          (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
          (func (export "load") (param i64) (result i32) (i32.load8_u (local.get 0))))"#,
    );
    let wat = wat.to_str().unwrap();
    let out = petrel(&["validate", "-W", "memory64=n", wat]);
    assert_status(&out, 1);
    assert_no_panic(&out);
    for tier in ["interp", "jit"] {
        let flags = ["run", "--tier", tier, "-W", "memory64=y"];
        let out = petrel(&[&flags[..], &["--invoke", "grow", wat, "2"]].concat());
        assert_status(&out, 0);
        assert_eq!(stdout(&out).trim(), "1", "{tier}");
        // 2^32: in bounds if truncated to 32 bits.
        let out = petrel(&["run", "--tier", tier, "--invoke", "load", wat, "4294967296"]);
        assert_status(&out, 134);
        assert!(
            stderr(&out).contains("out of bounds"),
            "{tier}: {}",
            stderr(&out)
        );
        assert_no_panic(&out);
    }
}

#[test]
fn tail_calls_run_on_both_tiers_and_w_tail_call_n_refuses_them() {
    let dir = scratch("tail_call");
    let wat = write(
        &dir,
        "count.wat",
        r#"(module
          (func $count (export "count") (param i64 i64) (result i64)
            (if (result i64) (i64.eqz (local.get 0))
              (then (local.get 1))
              (else (return_call $count
                (i64.sub (local.get 0) (i64.const 1))
                (i64.add (local.get 1) (i64.const 1)))))))"#,
    );
    let wat = wat.to_str().unwrap();
    for tier in ["interp", "jit"] {
        let out = petrel(&[
            "run", "--tier", tier, "--invoke", "count", wat, "5000000", "0",
        ]);
        assert_status(&out, 0);
        assert_eq!(stdout(&out).trim(), "5000000", "{tier}");
    }
    let out = petrel(&["validate", "-W", "tail-call=n", wat]);
    assert_status(&out, 1);
    assert!(stdout(&out).contains("tail call"), "{}", stdout(&out));
    assert_no_panic(&out);
}

#[test]
fn an_uncaught_exception_ends_run_with_its_payload_and_w_exceptions_n_refuses_it() {
    let dir = scratch("exceptions");
    let wat = write(
        &dir,
        "throw.wat",
        r#"(module
          (tag $e (param i32 i64))
          (func (export "go") (param i32) (result i32)
            (block $h (result i32 i64)
              (try_table (catch $e $h)
                (if (local.get 0) (then (throw $e (i32.const 7) (i64.const 8)))))
              (return (i32.const 0)))
            (drop))
          (func (export "boom") (throw $e (i32.const 1) (i64.const 2))))"#,
    );
    let wat = wat.to_str().unwrap();
    for tier in ["interp", "jit"] {
        let out = petrel(&["run", "--tier", tier, "--invoke", "go", wat, "1"]);
        assert_status(&out, 0);
        assert_eq!(stdout(&out).trim(), "7", "{tier}");
        let out = petrel(&["run", "--tier", tier, "--invoke", "boom", wat]);
        assert_status(&out, 1);
        assert!(
            stderr(&out).contains("uncaught WebAssembly exception (payload: 1, 2)"),
            "{tier}: {}",
            stderr(&out)
        );
        assert_no_panic(&out);
    }
    let out = petrel(&["validate", "-W", "exceptions=n", wat]);
    assert_status(&out, 1);
    assert_no_panic(&out);
}

#[test]
fn w_limits_stop_a_spinning_guest_and_cap_memory_growth() {
    let dir = scratch("w_limits");
    let wat = write(
        &dir,
        "spin.wat",
        r#"(module
             (memory 1)
             (func (export "spin") (loop br 0))
             (func (export "tree") (param i32)
               (if (local.get 0) (then
                 (call 1 (i32.sub (local.get 0) (i32.const 1)))
                 (call 1 (i32.sub (local.get 0) (i32.const 1))))))
             (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#,
    );
    let wat = wat.to_str().unwrap();
    for tier in ["interp", "jit"] {
        let out = petrel(&[
            "run",
            "--tier",
            tier,
            "-W",
            "timeout=200ms",
            "--invoke",
            "spin",
            wat,
        ]);
        assert_status(&out, 134);
        assert!(
            stderr(&out).contains("interrupted: timeout of 200ms reached"),
            "{tier}"
        );
        let out = petrel(&[
            "run",
            "--tier",
            tier,
            "-W",
            "timeout=200ms",
            "--invoke",
            "tree",
            wat,
            "100",
        ]);
        assert_status(&out, 134);
        let out = petrel(&[
            "run",
            "--tier",
            tier,
            "-W",
            "fuel=1000",
            "--invoke",
            "spin",
            wat,
        ]);
        assert_status(&out, 134);
        assert!(stderr(&out).contains("all fuel consumed"), "{tier}");
        let out = petrel(&[
            "run",
            "--tier",
            tier,
            "-W",
            "max-memory-size=128K",
            "--invoke",
            "grow",
            wat,
            "2",
        ]);
        assert_status(&out, 0);
        assert_eq!(stdout(&out), "-1\n", "{tier}");
        let out = petrel(&[
            "run",
            "--tier",
            tier,
            "-W",
            "max-memory-size=128K",
            "--invoke",
            "grow",
            wat,
            "1",
        ]);
        assert_eq!(stdout(&out), "1\n", "{tier}");
        let out = petrel(&[
            "run",
            "--tier",
            tier,
            "-W",
            "max-wasm-stack=64K",
            "--invoke",
            "tree",
            wat,
            "100000",
        ]);
        assert_status(&out, 134);
        assert_no_panic(&out);
    }
    for bad in ["timeout=2", "fuel", "max-memory-size=lots", "nonsense=1"] {
        let out = petrel(&["run", "-W", bad, "--invoke", "spin", wat]);
        assert_status(&out, 2);
        assert_no_panic(&out);
    }
}

#[test]
fn unknown_imports_trap_defines_missing_functions_that_trap_when_called_on_both_tiers() {
    let dir = scratch("unknown_imports_trap");
    let m = write(
        &dir,
        "m.wat",
        r#"(module
             (import "env" "log" (func $log (param i32)))
             (func (export "_start"))
             (func (export "calls_log") i32.const 1 call $log))"#,
    );
    let m = m.to_str().unwrap();
    for tier in ["interp", "jit"] {
        let flag = ["-W", "unknown-imports-trap=y", "--tier", tier];
        // Never called: the program runs to the end.
        let out = petrel(&[&["run"], &flag[..], &[m]].concat());
        assert_status(&out, 0);
        // Called: it stops as a trap does, naming the import.
        let out = petrel(&[&["run"], &flag[..], &[m, "--invoke", "calls_log"]].concat());
        assert_status(&out, 134);
        let err = stderr(&out);
        assert!(err.contains("unknown import `env::log`"), "{tier}: {err}");
        assert_no_panic(&out);
    }
    // Off (the default, or `=n`), the missing import fails instantiation.
    let out = petrel(&["run", "-W", "unknown-imports-trap=n", m]);
    assert_status(&out, 1);
    assert!(stderr(&out).contains("env::log"), "{}", stderr(&out));
}

#[test]
fn s_and_w_options_refuse_unknown_names_and_bad_values_naming_the_flag() {
    let dir = scratch("s_w_usage");
    let m = write(&dir, "m.wat", r#"(module (func (export "_start")))"#);
    let m = m.to_str().unwrap();
    for (flag, value, named) in [
        ("-S", "frobnicate", "`frobnicate`"),
        ("-S", "inherit-env=maybe", "inherit-env"),
        ("-S", "tcplisten", "tcplisten"),
        ("-S", "tcplisten=8080", "tcplisten"),
        ("-S", "tcplisten=localhost:port", "tcplisten"),
        ("-W", "unknown-imports-trap=maybe", "unknown-imports-trap"),
        ("-W", "unknown-imports-trapp", "`unknown-imports-trapp`"),
    ] {
        let out = petrel(&["run", flag, value, m]);
        assert_status(&out, 2);
        let err = stderr(&out);
        assert!(err.contains(named), "{flag} {value}: {err}");
        assert!(
            err.contains("-S") || err.contains("-W"),
            "{flag} {value}: {err}"
        );
        assert_no_panic(&out);
    }
    // As in wasmtime, options may be joined with commas or attached.
    let out = petrel(&["run", "-Winherit-env", m]);
    assert_status(&out, 2);
    let out = petrel(&[
        "run",
        "-Sinherit-env,inherit-env=n",
        "-W",
        "fuel=1000,unknown-imports-trap",
        m,
    ]);
    assert_status(&out, 0);
}

/// Runs `petrel ARGS`, and reads (then removes) the perf map it wrote.
fn with_perf_map(args: &[&str]) -> (std::process::Output, String) {
    let child = petrel_command(args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let map = PathBuf::from(format!("/tmp/perf-{}.map", child.id()));
    let out = child.wait_with_output().unwrap();
    let text = std::fs::read_to_string(&map).unwrap_or_default();
    let _ = std::fs::remove_file(&map);
    (out, text)
}

#[test]
fn profile_perfmap_names_each_jit_function_in_perfs_map() {
    let dir = scratch("perfmap");
    let wat = write(
        &dir,
        "named.wat",
        r#"(module
             (func $helper_for_perf (param i32) (result i32) local.get 0 i32.const 1 i32.add)
             (func (export "main") (result i32) i32.const 41 call $helper_for_perf))"#,
    );
    let wat = wat.to_str().unwrap();
    let (out, text) = with_perf_map(&[
        "run",
        "--tier",
        "jit",
        "--profile",
        "perfmap",
        "--invoke",
        "main",
        wat,
    ]);
    assert_status(&out, 0);
    assert_eq!(stdout(&out).trim(), "42");
    // `START SIZE NAME`, hexadecimal, a line per function, named by the
    // name section.
    let line = text
        .lines()
        .find(|l| l.ends_with("::function[0]::helper_for_perf"))
        .unwrap_or_else(|| panic!("no line for the helper in the map:\n{text}"));
    let mut fields = line.split(' ');
    let start = u64::from_str_radix(fields.next().unwrap(), 16).unwrap();
    let size = u64::from_str_radix(fields.next().unwrap(), 16).unwrap();
    assert!(start != 0 && size != 0, "{line}");
    assert!(text.lines().any(|l| l.ends_with("::function[1]")), "{text}");
    // The interpreter has no code to name: no map.
    let out = petrel(&[
        "run",
        "--tier",
        "interp",
        "--profile",
        "perfmap",
        "--invoke",
        "main",
        wat,
    ]);
    assert_status(&out, 0);

    // Under `--tier auto`, the function's code once it is hot, and the
    // twin a frame in a hot loop moves into. The threshold is reached at a
    // look at tier-up inside the loop (the second, at 2,048 iterations),
    // so the frame is in the loop when the code is ready, however fast the
    // compile: with a threshold of 1 the call itself may find the code
    // ready, and run all of it compiled (as a loaded machine showed).
    // `auto` is `run`'s default: the same without `--tier`.
    let spin = write(
        &dir,
        "spin.wat",
        r#"(module
             (func $spin_for_perf (export "main") (result i32) (local i32)
               (loop $l
                 (local.set 0 (i32.add (local.get 0) (i32.const 1)))
                 (br_if $l (i32.lt_u (local.get 0) (i32.const 100000000))))
               local.get 0))"#,
    );
    for tier in [&["--tier", "auto"][..], &[]] {
        let mut args = vec!["run"];
        args.extend_from_slice(tier);
        args.extend_from_slice(&[
            "-C",
            "tier-up-threshold=2000",
            "-C",
            "cache=n",
            "--profile",
            "perfmap",
            "--invoke",
            "main",
            spin.to_str().unwrap(),
        ]);
        let (out, text) = with_perf_map(&args);
        assert_status(&out, 0);
        assert_eq!(stdout(&out).trim(), "100000000");
        for name in [
            "::function[0]::spin_for_perf",
            "::function[0]::spin_for_perf (osr)",
        ] {
            assert!(
                text.lines().any(|l| l.ends_with(name)),
                "{tier:?}: no {name} in {text}"
            );
        }
    }
}
