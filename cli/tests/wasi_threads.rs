//! `petrel run -S threads`: a real Rust program built for
//! `wasm32-wasip1-threads` (`tests/guests/threads`, `std::thread` over
//! `wasi.thread-spawn`), run on both tiers: threads sharing a lock, an
//! atomic and channels reach exact results; threads share the WASI
//! context (files in a preopen), and one waiting for stdin or sleeping
//! holds up nobody's WASI calls; a `proc_exit` or a trap in any thread
//! ends the program with its status while the others are blocked or
//! spinning; the main thread returning ends it with 0, and a deadline
//! (`-W timeout`) stops every thread. Every run must end
//! within a minute (a hang is a failure, not a stuck test).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use support::{build_rust_guest, output_within, petrel_command_at};

const TIERS: [&str; 2] = ["interp", "jit"];

fn petrel_command(args: &[&str]) -> std::process::Command {
    petrel_command_at(env!("CARGO_BIN_EXE_petrel"), args)
}

/// The guest's `.wasm`, built on first use.
fn guest() -> &'static str {
    static GUEST: OnceLock<PathBuf> = OnceLock::new();
    GUEST
        .get_or_init(|| {
            build_rust_guest(
                "cli/tests/guests/threads",
                "threads-guest",
                "the WASI threads guest",
                "wasm32-wasip1-threads",
            )
            .join("petrel-threads-guest.wasm")
        })
        .to_str()
        .expect("a UTF-8 target directory")
}

/// `petrel run --tier TIER -S threads GUEST SCENARIO EXTRA...`, killed
/// (and failed) if it runs over a minute.
fn run(tier: &str, options: &[&str], scenario: &[&str]) -> Output {
    run_with_stdin(tier, options, scenario, Stdio::null())
}

/// [`run`] with `stdin` as the program's standard input (a pipe stays
/// open, unwritten, until the program ends).
fn run_with_stdin(tier: &str, options: &[&str], scenario: &[&str], stdin: Stdio) -> Output {
    let mut args = vec!["run", "--tier", tier];
    args.extend_from_slice(options);
    args.push(guest());
    args.extend_from_slice(scenario);
    let mut command = petrel_command(&args);
    command
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    output_within(&mut command, Duration::from_secs(60))
        .unwrap_or_else(|| panic!("petrel {args:?} still ran after a minute"))
}

fn threads(tier: &str, scenario: &[&str]) -> Output {
    run(tier, &["-S", "threads"], scenario)
}

#[track_caller]
fn assert_status(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn threads_sharing_a_lock_and_an_atomic_reach_exact_totals() {
    for tier in TIERS {
        let out = threads(tier, &["count"]);
        assert_status(&out, 0);
        // 8 threads x 10,000 locked increments; the atomic sums
        // 0..10,000 per thread; the joined results sum i * t.
        assert_eq!(
            stdout(&out),
            "locked 80000\natomic 399960000\njoined 1399860000\n",
            "{tier}"
        );
    }
}

#[test]
fn threads_pass_values_through_channels() {
    for tier in TIERS {
        let out = threads(tier, &["pipeline"]);
        assert_status(&out, 0);
        let expected: u64 = (0..1000u64).map(|n| n * n + 1).sum();
        assert_eq!(stdout(&out), format!("pipeline {expected}\n"), "{tier}");
    }
}

#[test]
fn threads_share_the_preopened_directories() {
    for tier in TIERS {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("wasi-threads-files")
            .join(tier);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mapping = format!("{}::/data", dir.display());
        let out = run(
            tier,
            &["-S", "threads", "--dir", &mapping],
            &["files", "/data"],
        );
        assert_status(&out, 0);
        // Thread t wrote its line t + 1 times; each line has the words
        // "thread", t, "wrote", "this", "line".
        let expected = "0 1\n1 2\n2 3\n3 4\nline 10\nthis 10\nthread 10\nwrote 10\n";
        assert_eq!(stdout(&out), expected, "{tier}");
        for t in 0..4 {
            let text = std::fs::read_to_string(dir.join(format!("out-{t}.txt"))).unwrap();
            assert_eq!(text, format!("thread {t} wrote this line\n").repeat(t + 1));
        }
    }
}

#[test]
fn proc_exit_in_a_thread_ends_the_program_with_its_status() {
    for tier in TIERS {
        let out = threads(tier, &["exit-in-thread"]);
        assert_status(&out, 7);
        assert_eq!(stdout(&out), "thread exits\n", "{tier}");
    }
}

#[test]
fn a_trap_in_a_thread_ends_the_program_and_stops_the_spinning_ones() {
    for tier in TIERS {
        let out = threads(tier, &["trap-in-thread"]);
        assert_status(&out, 134);
        assert_eq!(stdout(&out), "thread traps\n", "{tier}");
        let err = stderr(&out);
        assert!(
            err.contains("thread") && err.contains("failed") && err.contains("unreachable"),
            "{tier}: {err}"
        );
        assert!(
            err.contains("wasi_thread_start"),
            "{tier}: the thread's backtrace: {err}"
        );
    }
}

#[test]
fn the_main_thread_returning_ends_the_program() {
    for tier in TIERS {
        let out = threads(tier, &["main-returns"]);
        assert_status(&out, 0);
        assert_eq!(stdout(&out), "main returns\n", "{tier}");
    }
}

#[test]
fn a_thread_waiting_on_stdin_does_not_hold_up_the_others() {
    // The reader waits for a line that never comes (stdin is a pipe kept
    // open); the main thread's writes go through and it returns, which
    // ends the program (the WASI context's lock is not held while a read
    // waits).
    for tier in TIERS {
        let out = run_with_stdin(tier, &["-S", "threads"], &["reader"], Stdio::piped());
        assert_status(&out, 0);
        assert_eq!(stdout(&out), "line 0\nline 1\nline 2\n", "{tier}");
    }
}

#[test]
fn a_sleeping_thread_does_not_hold_up_the_others() {
    // The sleeper sleeps a minute; the main thread's writes go through and
    // it returns long before (the WASI context's lock is not held during
    // a sleep).
    for tier in TIERS {
        let start = Instant::now();
        let out = threads(tier, &["sleeper"]);
        assert_status(&out, 0);
        assert_eq!(stdout(&out), "line 0\nline 1\nline 2\n", "{tier}");
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{tier}: {:?}",
            start.elapsed()
        );
    }
}

#[test]
fn a_deadline_stops_every_thread() {
    // Two threads spin forever and the main thread joins them: fuel is
    // per thread, but a deadline is the program's.
    for tier in TIERS {
        let out = run(tier, &["-S", "threads", "-W", "timeout=300ms"], &["spin"]);
        assert_status(&out, 134);
        assert_eq!(stdout(&out), "spinning\n", "{tier}");
        assert!(stderr(&out).contains("timeout"), "{tier}: {}", stderr(&out));
    }
}

#[test]
fn max_memory_size_caps_the_shared_memory() {
    for tier in TIERS {
        let out = threads(tier, &["alloc"]);
        assert_status(&out, 0);
        assert_eq!(
            stdout(&out),
            format!("allocated {}\n", 32u64 << 20),
            "{tier}"
        );
        // No store's limits govern a shared memory; its maximum does.
        let out = run(
            tier,
            &["-S", "threads", "-W", "max-memory-size=8M"],
            &["alloc"],
        );
        assert_status(&out, 134);
        assert!(
            stderr(&out).contains("memory allocation"),
            "{tier}: {}",
            stderr(&out)
        );
        // Less than the module's initial memory (17 pages): refused.
        let out = run(
            tier,
            &["-S", "threads", "-W", "max-memory-size=1M"],
            &["alloc"],
        );
        assert_status(&out, 1);
        assert!(
            stderr(&out).contains("max-memory-size"),
            "{tier}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn without_s_threads_the_error_says_how_to_run_it() {
    let out = run("interp", &[], &["count"]);
    assert_status(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("-S threads"), "{err}");
    assert!(err.contains("env::memory"), "{err}");
}
