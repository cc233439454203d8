//! End-to-end tests of `petrel run` with WASI programs: argv (and
//! `--argv0`), `--env` (and `-S inherit-env`), `--dir`/`--dir-ro`,
//! stdin/stdout/stderr, exit statuses, traps, link errors, and a guest
//! serving HTTP to a real client on a `-S tcplisten` socket. The guest is the Rust program petrel-wasi's tests use
//! (`wasi/tests/guests/rust`), built once with the same command and
//! target directory, so whichever test binary builds it first does the
//! work.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use support::{build_wasip1, output_within};

/// The Rust guest's `.wasm`, built on first use.
fn guest() -> &'static Path {
    static GUEST: OnceLock<PathBuf> = OnceLock::new();
    GUEST.get_or_init(|| {
        build_wasip1("wasi/tests/guests/rust", "wasi-guests", "the WASI guest")
            .join("petrel-wasi-guest.wasm")
    })
}

fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("petrel-cli-wasi")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `petrel ARGS`, its compile cache in the target directory and two
/// variables of its own set.
fn petrel_command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_petrel"));
    command
        .args(args)
        // The JIT's compile cache stays out of the user's home.
        .env(
            "PETREL_CACHE_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("petrel-cache"),
        )
        .env("PETREL_TEST_VAR", "from the host")
        .env("PETREL_OTHER_VAR", "also from the host");
    command
}

fn petrel(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = petrel_command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[track_caller]
fn assert_status(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

fn guest_str() -> &'static str {
    guest().to_str().unwrap()
}

#[test]
fn words_after_the_module_are_the_guests_argv_even_with_dashes() {
    let out = petrel(&["run", guest_str(), "args", "-v", "--invoke", "a b"], b"");
    assert_status(&out, 0);
    assert_eq!(
        text(&out.stdout),
        "argv[0]=petrel-wasi-guest.wasm\nargv[1]=args\nargv[2]=-v\n\
         argv[3]=--invoke\nargv[4]=a b\n"
    );
}

#[test]
fn env_sets_or_copies_variables_and_inherits_nothing_else() {
    let out = petrel(
        &[
            "run",
            "--env",
            "GREETING=hello=world",
            "--env",
            "PETREL_TEST_VAR",
            "--env",
            "PETREL_SURELY_UNSET_VAR",
            guest_str(),
            "env",
        ],
        b"",
    );
    assert_status(&out, 0);
    assert_eq!(
        text(&out.stdout),
        "GREETING=hello=world\nPETREL_TEST_VAR=from the host\n"
    );
}

#[test]
fn the_guests_exit_code_is_petrels_exit_status() {
    for code in ["0", "3", "42", "255"] {
        let out = petrel(&["run", guest_str(), "exit", code], b"");
        assert_status(&out, code.parse().unwrap());
        assert_eq!(text(&out.stdout), format!("exiting with {code}\n"));
    }
}

#[test]
fn a_trap_prints_the_backtrace_exits_134_and_keeps_earlier_output() {
    let out = petrel(&["run", guest_str(), "trap"], b"");
    assert_status(&out, 134);
    assert_eq!(text(&out.stdout), "about to abort\n");
    let err = text(&out.stderr);
    assert!(err.contains("wasm trap: unreachable"), "{err}");
    assert!(err.contains("wasm backtrace:"), "{err}");
}

#[test]
fn stdin_stdout_and_stderr_are_the_hosts() {
    let out = petrel(&["run", guest_str(), "stdio"], b"piped in\n");
    assert_status(&out, 0);
    assert_eq!(text(&out.stdout), "read 9 bytes: PIPED IN\n");
    assert_eq!(text(&out.stderr), "this goes to stderr\n");
}

#[test]
fn dir_maps_host_to_guest_paths_read_write() {
    let dir = scratch("dir_rw");
    std::fs::write(dir.join("in.txt"), "hello from the host\n").unwrap();
    let spec = format!("{}::/data", dir.display());
    let out = petrel(
        &["run", "--dir", &spec, guest_str(), "cat", "/data/in.txt"],
        b"",
    );
    assert_status(&out, 0);
    assert_eq!(text(&out.stdout), "hello from the host\n");
    let out = petrel(
        &[
            "run",
            "--dir",
            &spec,
            guest_str(),
            "write",
            "/data/out.txt",
            "written",
        ],
        b"",
    );
    assert_status(&out, 0);
    assert_eq!(
        std::fs::read_to_string(dir.join("out.txt")).unwrap(),
        "written"
    );
}

#[test]
fn dir_without_a_guest_path_uses_the_host_path() {
    let dir = scratch("dir_same_path");
    std::fs::write(dir.join("f.txt"), "same").unwrap();
    let host = dir.to_str().unwrap();
    let file = format!("{host}/f.txt");
    let out = petrel(&["run", "--dir-ro", host, guest_str(), "cat", &file], b"");
    assert_status(&out, 0);
    assert_eq!(text(&out.stdout), "same");
}

#[test]
fn dir_ro_refuses_writes_and_leaves_the_file_alone() {
    let dir = scratch("dir_ro");
    std::fs::write(dir.join("keep.txt"), "original").unwrap();
    let spec = format!("{}::/ro", dir.display());
    let out = petrel(
        &[
            "run",
            "--dir-ro",
            &spec,
            guest_str(),
            "write",
            "/ro/keep.txt",
            "overwritten",
        ],
        b"",
    );
    // The guest's `unwrap` panics on EPERM: a trap.
    assert_status(&out, 134);
    assert!(
        text(&out.stderr).contains("PermissionDenied"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("keep.txt")).unwrap(),
        "original"
    );
}

#[test]
fn a_missing_dir_is_an_error_naming_it() {
    let out = petrel(
        &["run", "--dir", "/no/such/dir::/x", guest_str(), "args"],
        b"",
    );
    assert_status(&out, 1);
    assert!(
        text(&out.stderr).contains("/no/such/dir"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_import_petrel_does_not_provide_is_named() {
    let dir = scratch("unknown_import");
    let module = dir.join("m.wat");
    std::fs::write(
        &module,
        r#"(module (import "env" "frobnicate" (func)) (func (export "_start")))"#,
    )
    .unwrap();
    let out = petrel(&["run", module.to_str().unwrap()], b"");
    assert_status(&out, 1);
    assert!(
        text(&out.stderr).contains("`env::frobnicate`"),
        "{}",
        text(&out.stderr)
    );

    std::fs::write(
        &module,
        r#"(module (import "wasi_unstable" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
           (func (export "_start")))"#,
    )
    .unwrap();
    let out = petrel(&["run", module.to_str().unwrap()], b"");
    assert_status(&out, 1);
    let err = text(&out.stderr);
    assert!(err.contains("`wasi_unstable::fd_write`"), "{err}");
    assert!(err.contains("WASI preview1"), "{err}");
}

#[test]
fn invoke_still_calls_an_export_of_a_wasi_module() {
    let dir = scratch("invoke_wasi");
    let module = dir.join("m.wat");
    std::fs::write(
        &module,
        r#"(module
             (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (memory (export "memory") 1)
             (func (export "double") (param i32) (result i32)
               local.get 0 i32.const 2 i32.mul)
             (func (export "quit") (param i32) local.get 0 call $exit))"#,
    )
    .unwrap();
    let path = module.to_str().unwrap();
    let out = petrel(&["run", path, "--invoke", "double", "21"], b"");
    assert_status(&out, 0);
    assert_eq!(text(&out.stdout), "42\n");
    let out = petrel(&["run", "--invoke", "quit", path, "9"], b"");
    assert_status(&out, 9);
}

#[test]
fn a_guest_blocked_in_a_host_call_is_stopped_by_the_timeout() {
    // Its stdin stays open and empty: the guest waits in `fd_read`, where
    // no epoch check runs; the process ends a second after the deadline.
    for tier in ["interp", "jit"] {
        let mut command = petrel_command(&[
            "run",
            "--tier",
            tier,
            "-W",
            "timeout=300ms",
            guest_str(),
            "wait-stdin",
        ]);
        // The pipe stays open (and empty) while the command runs.
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let out = output_within(&mut command, Duration::from_secs(30))
            .unwrap_or_else(|| panic!("{tier}: still blocked 30 s after the deadline"));
        assert_status(&out, 134);
        assert_eq!(text(&out.stdout), "waiting\n", "{tier}");
        assert!(
            text(&out.stderr).contains("timeout of 300ms reached, while the guest was blocked"),
            "{tier}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn a_runaway_guest_is_stopped_by_the_timeout_on_both_tiers() {
    for tier in ["interp", "jit"] {
        let start = std::time::Instant::now();
        let out = petrel(
            &[
                "run",
                "--tier",
                tier,
                "-W",
                "timeout=300ms",
                guest_str(),
                "spin",
            ],
            b"",
        );
        assert_status(&out, 134);
        assert_eq!(text(&out.stdout), "spinning\n", "{tier}");
        assert!(
            text(&out.stderr).contains("interrupted: timeout of 300ms reached"),
            "{tier}: {}",
            text(&out.stderr)
        );
        // Stopped by the timer, not by anything else: well under the
        // minute a stuck test would take.
        assert!(start.elapsed() < std::time::Duration::from_secs(30));
    }
}

#[test]
fn a_runaway_guest_runs_out_of_fuel_on_both_tiers() {
    for tier in ["interp", "jit"] {
        let out = petrel(
            &[
                "run",
                "--tier",
                tier,
                "-W",
                "fuel=5000000",
                guest_str(),
                "spin",
            ],
            b"",
        );
        assert_status(&out, 134);
        assert!(
            text(&out.stderr).contains("all fuel consumed"),
            "{tier}: {}",
            text(&out.stderr)
        );
    }
}

/// The 128-bit work and the relaxed SIMD kernels the proposals guest
/// runs, compiled natively here for the expected output.
mod proposals_work {
    pub mod work {
        include!("guests/proposals/src/work.rs");
    }
    pub mod relaxed {
        include!("guests/proposals/src/relaxed.rs");
    }
}

/// The proposals guest (`tests/guests/proposals`): 128-bit arithmetic
/// and relaxed SIMD kernels, on both tiers. Relaxed SIMD is on by default
/// and the kernels' inputs have one allowed result each, so the JIT's
/// native forms must give the native lines too.
#[test]
fn a_rust_program_using_wide_arithmetic_and_relaxed_simd_runs_on_both_tiers() {
    let dir = build_wasip1(
        "cli/tests/guests/proposals",
        "proposals-guest",
        "the proposals guest",
    );
    let wasm = dir.join("petrel-proposals-guest.wasm");
    let wasm = wasm.to_str().unwrap();
    // Off by default (as in wasmtime): the program does not validate, so
    // it really uses the proposal's instructions.
    let out = petrel(&["validate", wasm], b"");
    assert_status(&out, 1);
    assert!(
        text(&out.stdout).contains("wide arithmetic"),
        "{}",
        text(&out.stdout)
    );
    // Relaxed SIMD off: refused too.
    let out = petrel(
        &[
            "validate",
            "-W",
            "wide-arithmetic",
            "-W",
            "relaxed-simd=n",
            wasm,
        ],
        b"",
    );
    assert_status(&out, 1);
    for seed in [12345u64, u64::MAX - 6] {
        let lines = proposals_work::work::report(seed)
            .into_iter()
            .chain(proposals_work::relaxed::report(seed));
        let mut expected = lines.collect::<Vec<_>>().join("\n");
        expected.push('\n');
        let seed = seed.to_string();
        let deterministic = "wide-arithmetic,relaxed-simd-deterministic";
        for (tier, w) in [
            ("interp", "wide-arithmetic=y"),
            ("jit", "wide-arithmetic=y"),
            ("jit", deterministic),
        ] {
            let out = petrel(&["run", "--tier", tier, "-W", w, wasm, &seed], b"");
            assert_status(&out, 0);
            assert_eq!(text(&out.stdout), expected, "{tier} -W {w}, seed {seed}");
        }
    }
}

#[test]
fn argv0_replaces_the_modules_file_name() {
    let out = petrel(
        &["run", "--argv0", "busybox", guest_str(), "args", "x"],
        b"",
    );
    assert_status(&out, 0);
    assert_eq!(
        text(&out.stdout),
        "argv[0]=busybox\nargv[1]=args\nargv[2]=x\n"
    );
}

#[test]
fn inherit_env_passes_the_whole_environment_and_env_overrides_it() {
    let out = petrel(
        &[
            "run",
            "-S",
            "inherit-env",
            "--env",
            "PETREL_TEST_VAR=overridden",
            "--env",
            "GREETING=hi",
            guest_str(),
            "env",
        ],
        b"",
    );
    assert_status(&out, 0);
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.contains(&"PETREL_TEST_VAR=overridden"), "{stdout}");
    assert!(
        lines.contains(&"PETREL_OTHER_VAR=also from the host"),
        "{stdout}"
    );
    assert!(lines.contains(&"GREETING=hi"), "{stdout}");
    // Everything else petrel was given, each name once.
    for (name, value) in std::env::vars() {
        if name.starts_with("PETREL_") || name == "GREETING" || value.contains('\n') {
            continue;
        }
        assert!(
            lines.contains(&format!("{name}={value}").as_str()),
            "{name} missing: {stdout}"
        );
    }
    let mut names: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.split_once('='))
        .map(|(n, _)| n)
        .collect();
    let count = names.len();
    names.dedup();
    assert_eq!(names.len(), count, "a name appears twice: {stdout}");

    // `-S inherit-env=n` is the default: nothing inherited.
    let out = petrel(
        &[
            "run",
            "-S",
            "inherit-env=n",
            "--env",
            "A=1",
            guest_str(),
            "env",
        ],
        b"",
    );
    assert_status(&out, 0);
    assert_eq!(text(&out.stdout), "A=1\n");
}

/// A port on the loopback interface that was free a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.0 GET of `path` from `port`, retried while petrel is still
/// starting (connection refused); `None` if petrel exited or never
/// listened in time.
fn http_get(petrel: &mut Child, port: u16, path: &str, deadline: Instant) -> Option<String> {
    loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(mut stream) => {
                stream
                    .set_read_timeout(Some(Duration::from_secs(60)))
                    .unwrap();
                write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
                let mut response = String::new();
                stream.read_to_string(&mut response).unwrap();
                return Some(response);
            }
            Err(_) if Instant::now() > deadline => return None,
            Err(_) if petrel.try_wait().unwrap().is_some() => return None,
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Runs the guest's HTTP server with `petrel run ARGS -S tcplisten=...
/// GUEST serve FD N`, fetches each of `paths` with a real client, and
/// returns the responses and petrel's output. A port another process took
/// between `free_port` and petrel's bind makes petrel fail to listen; then
/// it is tried again with another.
fn serve(args: &[&str], fd: u32, paths: &[&str]) -> (Vec<String>, Output) {
    for _attempt in 0..5 {
        let port = free_port();
        let listen = format!("tcplisten=127.0.0.1:{port}");
        let count = paths.len().to_string();
        let fd = fd.to_string();
        let mut argv = vec!["run"];
        argv.extend_from_slice(args);
        argv.extend_from_slice(&["-S", &listen, guest_str(), "serve", &fd, &count]);
        let mut child = petrel_command(&argv)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut responses = Vec::new();
        for path in paths {
            match http_get(&mut child, port, path, deadline) {
                Some(response) => responses.push(response),
                None => break,
            }
        }
        if responses.len() < paths.len() {
            // Never listened: if petrel could not bind, try another port.
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            if text(&out.stderr).contains("cannot listen") {
                continue;
            }
            panic!("petrel never served: {}", text(&out.stderr));
        }
        // The guest exits by itself after the last request.
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("petrel did not exit after serving {count} requests");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        return (responses, child.wait_with_output().unwrap());
    }
    panic!("no free port found in 5 attempts");
}

#[test]
fn a_guest_serves_http_to_a_real_client_on_a_tcplisten_socket_on_both_tiers() {
    for tier in ["interp", "jit"] {
        // No directories: the listener is descriptor 3.
        let (responses, out) = serve(&["--tier", tier], 3, &["/hello", "/again"]);
        assert_status(&out, 0);
        for (response, path) in responses.iter().zip(["/hello", "/again"]) {
            let body = format!("you asked for {path}\n");
            assert_eq!(
                *response,
                format!(
                    "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                ),
                "{tier}"
            );
        }
        assert_eq!(
            text(&out.stdout),
            "served GET /hello HTTP/1.0\nserved GET /again HTTP/1.0\ndone after 2 requests\n",
            "{tier}"
        );
    }
}

#[test]
fn tcplisten_sockets_come_after_the_preopened_directories() {
    let dir = scratch("tcplisten_with_dir");
    std::fs::write(dir.join("page.txt"), "a page from the preopened dir\n").unwrap();
    let spec = format!("{}::/site", dir.display());
    // The directory is descriptor 3, so the listener is 4, and wasi-libc
    // (which stops at the first descriptor that is not a directory) still
    // finds the directory to open the page from.
    let (responses, out) = serve(&["--dir-ro", &spec], 4, &["/site/page.txt"]);
    assert_status(&out, 0);
    assert!(
        responses[0].starts_with("HTTP/1.0 200 OK\r\n")
            && responses[0].ends_with("\r\n\r\na page from the preopened dir\n"),
        "{}",
        responses[0]
    );
}

#[test]
fn a_tcplisten_address_that_cannot_be_bound_is_an_error_naming_it() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let listen = format!("tcplisten={addr}");
    let out = petrel(&["run", "-S", &listen, guest_str(), "serve", "3", "1"], b"");
    assert_status(&out, 1);
    let err = text(&out.stderr);
    assert!(err.contains(&format!("tcplisten={addr}")), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
