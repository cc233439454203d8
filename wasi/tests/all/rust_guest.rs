//! A real Rust `std` program built for `wasm32-wasip1`
//! (`tests/guests/rust`), run under Petrel: args, environment, stdio,
//! exit codes, clocks, sleep, randomness and a tour of the file system,
//! each checked against the output it must print.

use crate::support::*;
use petrel_wasi::{DirPerms, WasiCtxBuilder};

fn guest(args: &[&str]) -> WasiCtxBuilder {
    let mut builder = WasiCtxBuilder::new();
    builder.arg("guest.wasm").args(args);
    builder
}

#[test]
fn rust_args_arrive_in_order_even_with_dashes_and_spaces() {
    let out = run(
        rust_guest(),
        &mut guest(&["args", "-v", "--flag=1", "two words", ""]),
    );
    assert_eq!(
        out.ok(),
        "argv[0]=guest.wasm\nargv[1]=args\nargv[2]=-v\nargv[3]=--flag=1\n\
         argv[4]=two words\nargv[5]=\n"
    );
}

#[test]
fn rust_environment_is_exactly_what_was_given() {
    let out = run(
        rust_guest(),
        guest(&["env"]).env("ZED", "last").env("ALPHA", "a=b c"),
    );
    assert_eq!(out.ok(), "ALPHA=a=b c\nZED=last\n");
}

#[test]
fn rust_exit_codes_come_back_unchanged() {
    for code in [0, 1, 42, 255] {
        let out = run(rust_guest(), &mut guest(&["exit", &code.to_string()]));
        assert_eq!(out.exit, Some(code));
        assert_eq!(out.stdout, format!("exiting with {code}\n"));
    }
}

#[test]
fn rust_stdin_stdout_and_stderr_are_separate_streams_on_both_tiers() {
    for tier in TIERS {
        let out = run(
            rust_guest_on(tier),
            guest(&["stdio"]).stdin_bytes("hello\nworld\n"),
        );
        assert_eq!(out.ok(), "read 12 bytes: HELLO\nWORLD\n", "{tier:?}");
        assert_eq!(out.stderr, "this goes to stderr\n", "{tier:?}");
    }
}

#[test]
fn rust_abort_is_a_trap_with_output_kept_on_both_tiers() {
    for tier in TIERS {
        let out = run(rust_guest_on(tier), &mut guest(&["trap"]));
        assert_eq!(out.exit, None, "{tier:?}");
        assert!(out.error.unwrap().contains("unreachable"), "{tier:?}");
        assert_eq!(out.stdout, "about to abort\n", "{tier:?}");
    }
}

#[test]
fn rust_panic_prints_its_message_and_traps_on_both_tiers() {
    for tier in TIERS {
        let out = run(rust_guest_on(tier), &mut guest(&["panic"]));
        assert_eq!(out.exit, None, "{tier:?}");
        assert!(
            out.stderr.contains("guest panicked on purpose"),
            "{tier:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn rust_clocks_sleep_and_random() {
    let out = run(rust_guest(), &mut guest(&["time"]));
    assert_eq!(
        out.ok(),
        "after 2020: true\nslept at least 50ms: true\nmonotonic: true\n\
         random seeds differ: true\n"
    );
}

#[test]
fn rust_file_system_tour_on_the_interpreter() {
    file_system_tour(petrel::Tier::Interpreter);
}

#[test]
fn rust_file_system_tour_on_the_jit() {
    file_system_tour(petrel::Tier::Jit);
}

fn file_system_tour(tier: petrel::Tier) {
    let dir = scratch(&format!("rust_fs_tour_{tier:?}"));
    let out = run(
        rust_guest_on(tier),
        guest(&["fs", "/sandbox"])
            .preopened_dir(&dir, "/sandbox", DirPerms::ReadWrite)
            .unwrap(),
    );
    assert_eq!(
        out.ok(),
        "create_dir again: AlreadyExists\n\
         seek+read: world\n\
         position: 11\n\
         after overwrite: hello WORLD\n\
         len after truncate: 5\n\
         after append: hello!!\n\
         stat file: is_file=true len=7\n\
         stat dir: is_dir=true\n\
         stat missing: NotFound\n\
         mtime set: true\n\
         renamed: a exists=false b exists=true\n\
         dot-dot inside: hello!!\n\
         readdir: b.txt file, c.txt file, d dir, hard.txt file, link symlink\n\
         read_link: b.txt\n\
         through link: hello!!\n\
         symlink_metadata: is_symlink=true\n\
         hard link: hello!!\n\
         remove_dir non-empty: errno Some(55)\n\
         cleaned up: true\n\
         listed 300 entries\n"
    );
    assert!(
        snapshot(&dir).is_empty(),
        "the guest cleaned up after itself"
    );
}

#[test]
fn rust_reads_and_writes_host_files_through_a_preopen() {
    let dir = scratch("rust_cat_write");
    std::fs::write(dir.join("in.txt"), "from the host\n").unwrap();
    let out = run(
        rust_guest(),
        guest(&["cat", "/data/in.txt"])
            .preopened_dir(&dir, "/data", DirPerms::ReadOnly)
            .unwrap(),
    );
    assert_eq!(out.ok(), "from the host\n");
    let out = run(
        rust_guest(),
        guest(&["write", "out.txt", "from the guest"])
            .preopened_dir(&dir, ".", DirPerms::ReadWrite)
            .unwrap(),
    );
    out.ok();
    assert_eq!(
        std::fs::read_to_string(dir.join("out.txt")).unwrap(),
        "from the guest"
    );
}
