//! Bad guest pointers and lengths: every one is `EFAULT` (never a trap
//! or a host panic), and nothing happens on the host before the check.

use crate::support::*;
use petrel_wasi::{DirPerms, WasiCtxBuilder};

/// Just past the guest's one-page memory.
const END: i64 = 65536;
/// A pointer whose `ptr + len` overflows 32 bits.
const WRAP: i64 = 0xFFFF_FFF0;

fn guest_with_dir(test: &str) -> (Guest, std::path::PathBuf) {
    let dir = scratch(test);
    std::fs::write(dir.join("file"), "contents").unwrap();
    let guest = Guest::new(
        WasiCtxBuilder::new()
            .args(["prog", "arg"])
            .env("K", "V")
            .stdin_bytes("input")
            .preopened_dir(&dir, "/", DirPerms::ReadWrite)
            .unwrap(),
    );
    (guest, dir)
}

#[test]
fn out_of_bounds_pointers_are_efault_for_every_kind_of_argument() {
    let (mut g, _dir) = guest_with_dir("efault_all");
    let (p, n) = g.string(100, "file");
    // A valid iovec at 200 (8 bytes at 300); iovecs out of bounds at 208.
    g.write(200, &[44, 1, 0, 0, 8, 0, 0, 0]);
    g.write(208, &[0xF0, 0xFF, 0xFF, 0xFF, 0x20, 0, 0, 0]);
    let cases: &[(&str, &[i64])] = &[
        ("args_sizes_get", &[END, 0]),
        ("args_sizes_get", &[0, END - 2]),
        ("args_get", &[END - 4, 0]),
        ("args_get", &[0, END - 3]),
        ("environ_sizes_get", &[WRAP, 0]),
        ("environ_get", &[0, END]),
        ("clock_res_get", &[0, END - 7]),
        ("clock_time_get", &[1, 0, WRAP]),
        ("random_get", &[END - 8, 16]),
        ("random_get", &[WRAP, 32]),
        ("fd_write", &[1, END, 1, 0]),
        ("fd_write", &[1, 200, 1, END]),
        ("fd_write", &[1, 208, 1, 0]),
        ("fd_write", &[1, 200, 0x2000_0000, 0]),
        ("fd_read", &[0, 208, 1, 0]),
        ("fd_read", &[0, 200, 1, WRAP]),
        ("fd_pread", &[3, 208, 1, 0, 0]),
        ("fd_pwrite", &[3, 208, 1, 0, 0]),
        ("fd_fdstat_get", &[1, END - 23]),
        ("fd_filestat_get", &[3, END - 63]),
        ("fd_prestat_get", &[3, END - 7]),
        ("fd_prestat_dir_name", &[3, END, 1]),
        ("fd_readdir", &[3, END - 10, 100, 0, 0]),
        ("fd_readdir", &[3, 400, 100, 0, WRAP]),
        ("fd_seek", &[3, 0, 0, END - 4]),
        ("fd_tell", &[3, WRAP]),
        ("path_open", &[3, 0, END - 2, 4, 0, RIGHTS_READ, 0, 0, 0]),
        ("path_open", &[3, 0, p, n, 0, RIGHTS_READ, 0, 0, END]),
        ("path_filestat_get", &[3, 0, p, n, END - 8]),
        ("path_filestat_get", &[3, 0, WRAP, 100, 0]),
        ("path_create_directory", &[3, END - 1, 2]),
        ("path_readlink", &[3, p, n, END - 4, 8, 0]),
        ("path_rename", &[3, p, n, 3, WRAP, 20]),
        ("path_symlink", &[WRAP, 20, 3, p, n]),
        ("path_link", &[3, 0, p, n, 3, END, 1]),
        ("path_unlink_file", &[3, END - 1, 4]),
        ("path_remove_directory", &[3, WRAP, 100]),
        ("path_filestat_set_times", &[3, 0, END, 1, 0, 0, 2]),
        ("poll_oneoff", &[END - 40, 0, 1, 100]),
        ("poll_oneoff", &[0, END - 20, 1, 100]),
        ("poll_oneoff", &[0, 100, 1, END]),
        ("poll_oneoff", &[0, 100, 0x1000_0000, 300]),
        ("sock_accept", &[3, 0, END]),
    ];
    for (name, args) in cases {
        assert_eq!(g.call(name, args), errno::FAULT, "{name}{args:?}");
    }
}

#[test]
fn path_open_with_a_bad_result_pointer_creates_nothing() {
    let (mut g, dir) = guest_with_dir("efault_no_side_effect");
    let before = snapshot(&dir);
    let (p, n) = g.string(100, "created");
    assert_eq!(
        g.call(
            "path_open",
            &[
                3,
                0,
                p,
                n,
                O_CREAT | O_TRUNC,
                RIGHTS_READ_WRITE,
                0,
                0,
                END - 2
            ]
        ),
        errno::FAULT
    );
    assert_eq!(snapshot(&dir), before);
    // Nothing was opened either: the next open gets fd 4.
    assert_eq!(
        g.call("path_open", &[3, 0, p, n, O_CREAT, RIGHTS_READ, 0, 0, 0]),
        errno::SUCCESS
    );
    assert_eq!(g.read_u32(0), 4);
}

#[test]
fn a_read_into_a_bad_buffer_consumes_no_input() {
    let (mut g, _dir) = guest_with_dir("efault_read_consumes_nothing");
    g.write(200, &[0xF0, 0xFF, 0, 0, 0x20, 0, 0, 0]);
    assert_eq!(g.call("fd_read", &[0, 200, 1, 0]), errno::FAULT);
    g.write(200, &[44, 1, 0, 0, 8, 0, 0, 0]);
    assert_eq!(g.call("fd_read", &[0, 200, 1, 0]), errno::SUCCESS);
    assert_eq!(g.read(300, 5), b"input");
}

#[test]
fn a_zero_length_buffer_at_the_end_of_memory_is_fine() {
    let (mut g, _dir) = guest_with_dir("zero_len_at_end");
    assert_eq!(g.call("random_get", &[END, 0]), errno::SUCCESS);
    assert_eq!(g.call("random_get", &[END + 1, 0]), errno::FAULT);
}
