//! The embedding API and the ABI's bookkeeping, with text-format guests:
//! linking, stdio capture, exit codes, descriptor numbering, preopens,
//! args/env, rights.

use crate::support::*;
use petrel::{Linker, Store};
use petrel_wasi::{DirPerms, WasiCtx, WasiCtxBuilder, FUNCTIONS};

const HELLO: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello, world\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 13))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (i32.load (i32.const 8)))))
"#;

#[test]
fn hello_world_is_captured_and_proc_exit_carries_the_code() {
    let outcome = run(&wat(HELLO), &mut WasiCtxBuilder::new());
    assert_eq!(outcome.stdout, "hello, world\n");
    // It exits with the byte count fd_write reported.
    assert_eq!(outcome.exit, Some(13));
}

#[test]
fn every_preview1_function_links_with_its_witx_signature() {
    let names: Vec<&str> = SIGNATURES.iter().map(|s| s.0).collect();
    assert_eq!(names, FUNCTIONS, "the list of functions");
    // Instantiating checks every import's type against the definition.
    let mut guest = Guest::new(&mut WasiCtxBuilder::new());
    assert_eq!(guest.call("sched_yield", &[]), errno::SUCCESS);
}

#[test]
fn proc_raise_is_enosys() {
    let mut guest = Guest::new(&mut WasiCtxBuilder::new());
    assert_eq!(guest.call("proc_raise", &[6]), errno::NOSYS);
}

#[test]
fn an_unknown_wasi_import_fails_to_link_naming_it() {
    let module = wat(r#"(module
        (import "wasi_snapshot_preview1" "fd_teleport" (func (param i32) (result i32)))
        (memory (export "memory") 1))"#);
    let mut linker = Linker::<WasiCtx>::new(engine());
    petrel_wasi::add_to_linker(&mut linker, |ctx| ctx).unwrap();
    let mut store = Store::new(engine(), WasiCtxBuilder::new().build().unwrap());
    let err = linker.instantiate(&mut store, &module).unwrap_err();
    assert!(
        err.to_string()
            .contains("wasi_snapshot_preview1::fd_teleport"),
        "{err}"
    );
}

#[test]
fn a_module_without_memory_gets_a_host_error_not_a_panic() {
    let module = wat(r#"(module
        (import "wasi_snapshot_preview1" "sched_yield" (func $y (result i32)))
        (func (export "_start") (drop (call $y))))"#);
    let outcome = run(&module, &mut WasiCtxBuilder::new());
    assert_eq!(outcome.exit, None);
    let error = outcome.error.unwrap();
    assert!(error.contains("no memory named `memory`"), "{error}");
}

#[test]
fn args_and_environment_are_nul_terminated_with_pointer_arrays() {
    let mut guest = Guest::new(
        WasiCtxBuilder::new()
            .args(["prog", "-x", ""])
            .env("A", "1")
            .env("EMPTY", ""),
    );
    assert_eq!(guest.call("args_sizes_get", &[0, 4]), errno::SUCCESS);
    assert_eq!((guest.read_u32(0), guest.read_u32(4)), (3, 9));
    assert_eq!(guest.call("args_get", &[100, 200]), errno::SUCCESS);
    assert_eq!(
        [
            guest.read_u32(100),
            guest.read_u32(104),
            guest.read_u32(108)
        ],
        [200, 205, 208]
    );
    assert_eq!(guest.read(200, 9), b"prog\0-x\0\0");
    assert_eq!(guest.call("environ_sizes_get", &[0, 4]), errno::SUCCESS);
    assert_eq!((guest.read_u32(0), guest.read_u32(4)), (2, 11));
    assert_eq!(guest.call("environ_get", &[100, 200]), errno::SUCCESS);
    assert_eq!(guest.read(200, 11), b"A=1\0EMPTY=\0");
}

#[test]
fn builder_rejects_nul_bytes_and_bad_variable_names() {
    assert!(WasiCtxBuilder::new().arg("a\0b").build().is_err());
    assert!(WasiCtxBuilder::new().env("A=B", "c").build().is_err());
    assert!(WasiCtxBuilder::new().env("", "c").build().is_err());
    assert!(WasiCtxBuilder::new()
        .preopened_dir("/definitely/not/here", "/x", DirPerms::ReadOnly)
        .is_err());
}

#[test]
fn preopens_follow_stdio_in_order_and_report_their_names() {
    let (a, b) = (scratch("preopen_a"), scratch("preopen_b"));
    let mut guest = Guest::new(
        WasiCtxBuilder::new()
            .preopened_dir(&a, "/a", DirPerms::ReadWrite)
            .unwrap()
            .preopened_dir(&b, "data", DirPerms::ReadOnly)
            .unwrap(),
    );
    assert_eq!(guest.call("fd_prestat_get", &[3, 0]), errno::SUCCESS);
    assert_eq!((guest.read(0, 1)[0], guest.read_u32(4)), (0, 2));
    assert_eq!(
        guest.call("fd_prestat_dir_name", &[3, 16, 2]),
        errno::SUCCESS
    );
    assert_eq!(guest.read(16, 2), b"/a");
    assert_eq!(guest.call("fd_prestat_get", &[4, 0]), errno::SUCCESS);
    assert_eq!(guest.read_u32(4), 4);
    assert_eq!(
        guest.call("fd_prestat_dir_name", &[4, 16, 3]),
        errno::NAMETOOLONG
    );
    // Past the preopens, and on stdio, there is no prestat.
    assert_eq!(guest.call("fd_prestat_get", &[5, 0]), errno::BADF);
    assert_eq!(guest.call("fd_prestat_get", &[1, 0]), errno::BADF);
}

#[test]
fn new_descriptors_take_the_lowest_free_number() {
    let dir = scratch("lowest_free");
    std::fs::write(dir.join("f"), "x").unwrap();
    let mut guest = Guest::new(
        WasiCtxBuilder::new()
            .preopened_dir(&dir, "/", DirPerms::ReadOnly)
            .unwrap(),
    );
    let (p, n) = guest.string(100, "f");
    let open = |guest: &mut Guest| {
        assert_eq!(
            guest.call("path_open", &[3, 0, p, n, 0, RIGHTS_READ, 0, 0, 0]),
            errno::SUCCESS
        );
        guest.read_u32(0)
    };
    assert_eq!(open(&mut guest), 4);
    assert_eq!(open(&mut guest), 5);
    assert_eq!(guest.call("fd_close", &[4]), errno::SUCCESS);
    assert_eq!(guest.call("fd_close", &[4]), errno::BADF);
    assert_eq!(open(&mut guest), 4);
    assert_eq!(guest.call("fd_close", &[0]), errno::SUCCESS);
    assert_eq!(open(&mut guest), 0);
    // Renumbering onto a closed number is refused; onto an open one
    // closes it.
    assert_eq!(guest.call("fd_renumber", &[5, 9]), errno::BADF);
    assert_eq!(guest.call("fd_renumber", &[5, 4]), errno::SUCCESS);
    assert_eq!(guest.call("fd_close", &[5]), errno::BADF);
    assert_eq!(guest.call("fd_close", &[4]), errno::SUCCESS);
}

#[test]
fn rights_can_be_dropped_but_never_regained() {
    let dir = scratch("rights_drop");
    let mut guest = Guest::new(
        WasiCtxBuilder::new()
            .preopened_dir(&dir, "/", DirPerms::ReadWrite)
            .unwrap(),
    );
    assert_eq!(guest.call("fd_fdstat_get", &[3, 0]), errno::SUCCESS);
    let base = guest.read_u64(8) as i64;
    let inheriting = guest.read_u64(16) as i64;
    assert_eq!(guest.read(0, 1)[0], 3, "a directory");
    let path_create_directory = 1 << 9;
    assert_ne!(base & path_create_directory, 0);
    let (p, n) = guest.string(100, "sub");
    let fewer = base & !path_create_directory;
    assert_eq!(
        guest.call("fd_fdstat_set_rights", &[3, fewer, inheriting]),
        errno::SUCCESS
    );
    assert_eq!(
        guest.call("path_create_directory", &[3, p, n]),
        errno::NOTCAPABLE
    );
    assert_eq!(
        guest.call("fd_fdstat_set_rights", &[3, base, inheriting]),
        errno::NOTCAPABLE
    );
    assert!(!dir.join("sub").exists());
}

#[test]
fn directories_opened_with_zero_rights_still_work() {
    let dir = scratch("zero_rights");
    std::fs::create_dir(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/f"), "data").unwrap();
    let mut guest = Guest::new(
        WasiCtxBuilder::new()
            .preopened_dir(&dir, "/", DirPerms::ReadWrite)
            .unwrap(),
    );
    let (p, n) = guest.string(100, "sub");
    assert_eq!(
        guest.call("path_open", &[3, 0, p, n, O_DIRECTORY, 0, 0, 0, 0]),
        errno::SUCCESS
    );
    let sub = guest.read_u32(0) as i64;
    // Listing and opening beneath it work although no right was asked for.
    assert_eq!(
        guest.call("fd_readdir", &[sub, 1000, 1000, 0, 8]),
        errno::SUCCESS
    );
    assert!(guest.read_u32(8) > 0);
    let (p, n) = guest.string(100, "f");
    assert_eq!(
        guest.call("path_open", &[sub, 0, p, n, 0, RIGHTS_READ, 0, 0, 0]),
        errno::SUCCESS
    );
}

#[test]
fn stdin_bytes_are_read_then_end_of_file() {
    let mut guest = Guest::new(WasiCtxBuilder::new().stdin_bytes("abc"));
    // iovec at 0: 2 bytes at 100; nread at 8.
    guest.write(0, &[100, 0, 0, 0, 2, 0, 0, 0]);
    assert_eq!(guest.call("fd_read", &[0, 0, 1, 8]), errno::SUCCESS);
    assert_eq!((guest.read_u32(8), guest.read(100, 2)), (2, b"ab".to_vec()));
    assert_eq!(guest.call("fd_read", &[0, 0, 1, 8]), errno::SUCCESS);
    assert_eq!((guest.read_u32(8), guest.read(100, 1)), (1, b"c".to_vec()));
    assert_eq!(guest.call("fd_read", &[0, 0, 1, 8]), errno::SUCCESS);
    assert_eq!(guest.read_u32(8), 0);
    // Writing to stdin, reading stdout, seeking a stream: refused.
    assert_eq!(guest.call("fd_write", &[0, 0, 1, 8]), errno::BADF);
    assert_eq!(guest.call("fd_read", &[1, 0, 1, 8]), errno::BADF);
    assert_eq!(guest.call("fd_seek", &[1, 0, 0, 8]), errno::SPIPE);
}

#[test]
fn gathering_writes_send_every_iovec() {
    let mut guest = Guest::new(&mut WasiCtxBuilder::new());
    guest.write(100, b"ab");
    guest.write(200, b"cde");
    guest.write(0, &[100, 0, 0, 0, 2, 0, 0, 0, 200, 0, 0, 0, 3, 0, 0, 0]);
    assert_eq!(guest.call("fd_write", &[1, 0, 2, 16]), errno::SUCCESS);
    assert_eq!(guest.read_u32(16), 5);
    assert_eq!(guest.stdout.to_string_lossy(), "abcde");
}

#[test]
fn a_bounded_output_buffer_refuses_a_write_past_its_limit() {
    let stderr = petrel_wasi::OutputBuffer::with_limit(4);
    let mut guest = Guest::new(WasiCtxBuilder::new().stderr_buffer(stderr.clone()));
    guest.write(100, b"abcde");
    // iovec at 0: 3 bytes, then 2 more, then 1 more.
    guest.write(0, &[100, 0, 0, 0, 3, 0, 0, 0]);
    assert_eq!(guest.call("fd_write", &[2, 0, 1, 16]), errno::SUCCESS);
    assert!(!stderr.overflowed());
    guest.write(0, &[103, 0, 0, 0, 2, 0, 0, 0]);
    assert_eq!(guest.call("fd_write", &[2, 0, 1, 16]), errno::FBIG);
    assert!(stderr.overflowed());
    // Nothing of the refused write was kept; what fits still does.
    guest.write(0, &[103, 0, 0, 0, 1, 0, 0, 0]);
    assert_eq!(guest.call("fd_write", &[2, 0, 1, 16]), errno::SUCCESS);
    assert_eq!(stderr.contents(), b"abcd");
}

#[test]
fn clocks_tick_and_unknown_clocks_are_einval() {
    let mut guest = Guest::new(&mut WasiCtxBuilder::new());
    for clock in 0..4 {
        assert_eq!(guest.call("clock_res_get", &[clock, 0]), errno::SUCCESS);
        assert!(guest.read_u64(0) > 0);
        assert_eq!(guest.call("clock_time_get", &[clock, 1, 0]), errno::SUCCESS);
    }
    assert_eq!(guest.call("clock_time_get", &[0, 1, 0]), errno::SUCCESS);
    let year_2020 = 1_577_836_800_000_000_000u64;
    assert!(guest.read_u64(0) > year_2020);
    assert_eq!(guest.call("clock_time_get", &[9, 1, 0]), errno::INVAL);
}

#[test]
fn poll_oneoff_sleeps_for_a_relative_clock() {
    let mut guest = Guest::new(&mut WasiCtxBuilder::new());
    // One subscription at 0: userdata 7, clock (tag 0), monotonic,
    // 30 ms, relative.
    let mut sub = [0u8; 48];
    sub[0] = 7;
    sub[16] = 1;
    sub[24..32].copy_from_slice(&30_000_000u64.to_le_bytes());
    guest.write(0, &sub);
    let start = std::time::Instant::now();
    assert_eq!(guest.call("poll_oneoff", &[0, 100, 1, 200]), errno::SUCCESS);
    assert!(start.elapsed() >= std::time::Duration::from_millis(30));
    assert_eq!(guest.read_u32(200), 1);
    assert_eq!(guest.read_u64(100), 7, "userdata");
    assert_eq!(guest.read(108, 3), [0, 0, 0], "no error, clock event");
    assert_eq!(guest.call("poll_oneoff", &[0, 100, 0, 200]), errno::INVAL);
}

#[test]
fn poll_oneoff_reports_ready_descriptors_without_waiting() {
    let mut guest = Guest::new(WasiCtxBuilder::new().stdin_bytes("xyz"));
    // A 10 s clock, stdin readable, stdout writable, fd 9 (closed).
    let mut subs = [0u8; 48 * 4];
    subs[0] = 1;
    subs[16] = 1;
    subs[24..32].copy_from_slice(&10_000_000_000u64.to_le_bytes());
    subs[48] = 2;
    subs[56] = 1; // fd_read
    subs[64] = 0; // stdin
    subs[96] = 3;
    subs[104] = 2; // fd_write
    subs[112] = 1; // stdout
    subs[144] = 4;
    subs[152] = 1;
    subs[160] = 9;
    guest.write(0, &subs);
    let start = std::time::Instant::now();
    assert_eq!(
        guest.call("poll_oneoff", &[0, 1000, 4, 2000]),
        errno::SUCCESS
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(guest.read_u32(2000), 3);
    let event = |i: u32| {
        let at = 1000 + 32 * i;
        (
            guest.read_u64(at),
            u16::from_le_bytes(guest.read(at + 8, 2).try_into().unwrap()),
            guest.read_u64(at + 16),
        )
    };
    assert_eq!(event(0), (2, 0, 3), "stdin has 3 bytes");
    assert_eq!(event(1), (3, 0, 0), "stdout writable");
    assert_eq!(event(2), (4, errno::BADF as u16, 0), "fd 9 is not open");
}

#[test]
fn random_get_fills_the_buffer() {
    let mut guest = Guest::new(&mut WasiCtxBuilder::new());
    assert_eq!(guest.call("random_get", &[0, 64]), errno::SUCCESS);
    let first = guest.read(0, 64);
    assert_eq!(guest.call("random_get", &[0, 64]), errno::SUCCESS);
    assert_ne!(first, guest.read(0, 64));
    assert_ne!(first, vec![0; 64]);
}

#[test]
fn path_calls_on_a_file_descriptor_are_enotdir() {
    let dir = scratch("notdir");
    std::fs::write(dir.join("f"), "x").unwrap();
    let mut guest = Guest::new(
        WasiCtxBuilder::new()
            .preopened_dir(&dir, "/", DirPerms::ReadWrite)
            .unwrap(),
    );
    let (p, n) = guest.string(100, "f");
    assert_eq!(
        guest.call("path_open", &[3, 0, p, n, 0, RIGHTS_READ, 0, 0, 0]),
        errno::SUCCESS
    );
    let file = guest.read_u32(0) as i64;
    assert_eq!(
        guest.call("path_open", &[file, 0, p, n, 0, RIGHTS_READ, 0, 0, 0]),
        errno::NOTDIR
    );
    assert_eq!(
        guest.call("path_create_directory", &[1, p, n]),
        errno::NOTDIR
    );
    assert_eq!(
        guest.call("path_create_directory", &[42, p, n]),
        errno::BADF
    );
    // Invalid UTF-8 in a path is EILSEQ.
    guest.write(100, b"\xff");
    assert_eq!(
        guest.call("path_create_directory", &[3, 100, 1]),
        errno::ILSEQ
    );
    // A file opened read-only cannot be written; a directory not read.
    guest.write(0, &[100, 0, 0, 0, 1, 0, 0, 0]);
    assert_eq!(guest.call("fd_write", &[file, 0, 1, 8]), errno::BADF);
    assert_eq!(guest.call("fd_read", &[3, 0, 1, 8]), errno::ISDIR);
    assert_eq!(guest.call("sock_shutdown", &[file, 3]), errno::NOTSOCK);
}

/// `fd_fdstat_get`'s base rights on a file opened with `rights`, and
/// whether `fd_read` on it works.
fn file_rights_and_read(guest: &mut Guest, rights: i64) -> (i64, i32) {
    let (p, n) = guest.string(100, "f.txt");
    assert_eq!(
        guest.call("path_open", &[3, 0, p, n, 0, rights, 0, 0, 0]),
        errno::SUCCESS
    );
    let fd = guest.read_u32(0) as i64;
    assert_eq!(guest.call("fd_fdstat_get", &[fd, 200]), errno::SUCCESS);
    let base = guest.read_u64(208) as i64;
    // iovec at 300: 4 bytes at 400; nread at 308.
    guest.write(300, &[144, 1, 0, 0, 4, 0, 0, 0]);
    let read = guest.call("fd_read", &[fd, 300, 1, 308]);
    assert_eq!(guest.call("fd_close", &[fd]), errno::SUCCESS);
    (base, read)
}

#[test]
fn a_files_reported_rights_match_the_mode_it_was_opened_in() {
    let dir = scratch("rights_of_mode");
    std::fs::write(dir.join("f.txt"), "data").unwrap();
    let mut guest = Guest::new(
        WasiCtxBuilder::new()
            .preopened_dir(&dir, "/", DirPerms::ReadWrite)
            .unwrap(),
    );
    let (read, write) = (RIGHTS_READ, RIGHTS_WRITE);
    let (base, result) = file_rights_and_read(&mut guest, RIGHTS_READ);
    assert_eq!(
        (base & read, base & write, result),
        (read, 0, errno::SUCCESS)
    );
    let (base, result) = file_rights_and_read(&mut guest, RIGHTS_WRITE);
    assert_eq!((base & read, base & write, result), (0, write, errno::BADF));
    let (base, result) = file_rights_and_read(&mut guest, RIGHTS_READ_WRITE);
    assert_eq!(
        (base & read, base & write, result),
        (read, write, errno::SUCCESS)
    );
}

#[test]
fn a_preopen_reopens_with_its_own_rights_but_a_directory_is_never_opened_for_writing() {
    let dir = scratch("reopen_preopen");
    std::fs::write(dir.join("f.txt"), "data").unwrap();
    let mut guest = Guest::new(
        WasiCtxBuilder::new()
            .preopened_dir(&dir, "/", DirPerms::ReadWrite)
            .unwrap(),
    );
    assert_eq!(guest.call("fd_fdstat_get", &[3, 200]), errno::SUCCESS);
    let (base, inheriting) = (guest.read_u64(208) as i64, guest.read_u64(216) as i64);
    let (dot, dot_len) = guest.string(100, ".");
    let mut open = |oflags: i64, rights: i64, inheriting: i64| {
        guest.call(
            "path_open",
            &[3, 0, dot, dot_len, oflags, rights, inheriting, 0, 0],
        )
    };
    // As the official suite's `path_open_preopen` asks, and wasmtime answers.
    assert_eq!(open(0, base, inheriting), errno::SUCCESS, "its own rights");
    assert_eq!(open(0, 0, 0), errno::SUCCESS, "no rights");
    assert_eq!(open(O_DIRECTORY, 0, 0), errno::SUCCESS, "O_DIRECTORY");
    assert_eq!(open(O_DIRECTORY, RIGHTS_READ, 0), errno::SUCCESS);
    assert_eq!(open(O_DIRECTORY, RIGHTS_READ_WRITE, 0), errno::ISDIR);
    assert_eq!(open(0, RIGHTS_READ_WRITE, 0), errno::ISDIR);
    assert_eq!(open(0, RIGHTS_WRITE, 0), errno::ISDIR);
    // A file asked for as a directory is still not one.
    let (p, n) = guest.string(100, "f.txt");
    assert_eq!(
        guest.call(
            "path_open",
            &[3, 0, p, n, O_DIRECTORY, RIGHTS_READ_WRITE, 0, 0, 0]
        ),
        errno::NOTDIR
    );
    assert_eq!(std::fs::read_to_string(dir.join("f.txt")).unwrap(), "data");
}
