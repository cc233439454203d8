//! Real C programs compiled with clang and wasi-libc
//! (`tests/guests/c/*.c`), run under Petrel, each checked against the
//! output it must print.

use crate::support::*;
use petrel_wasi::{DirPerms, WasiCtxBuilder};

#[test]
fn c_file_system_tour_on_the_interpreter() {
    file_system_tour(petrel::Tier::Interpreter);
}

#[test]
fn c_file_system_tour_on_the_jit() {
    file_system_tour(petrel::Tier::Jit);
}

fn file_system_tour(tier: petrel::Tier) {
    let root = scratch(&format!("c_fs_tour_{tier:?}"));
    let sandbox = root.join("sandbox");
    std::fs::create_dir(&sandbox).unwrap();
    let out = run(
        &c_guest_on("fs", tier),
        WasiCtxBuilder::new()
            .args(["fs.wasm", "/sandbox"])
            .preopened_dir(&sandbox, "/sandbox", DirPerms::ReadWrite)
            .unwrap(),
    );
    assert_eq!(
        out.ok(),
        "mkdir again: File exists\n\
         pread-ish: 3 one\n\
         tell: 8\n\
         end: 18\n\
         pwrite: 4\n\
         pread: 8 LINE one\n\
         ftruncate: 0\n\
         fstat: size=4 regular=1\n\
         stat dir: 1\n\
         stat missing: No such file or directory\n\
         open missing: No such file or directory\n\
         O_EXCL on existing: File exists\n\
         rename: 0\n\
         symlink: 0\n\
         readlink: 11 renamed.txt\n\
         lstat is link: 1\n\
         through link: LINE\n\
         link: 0\n\
         nlink: 2\n\
         readdir: . .. hard link renamed.txt\n\
         rmdir non-empty: Directory not empty\n\
         rmdir: 0\n\
         escape: Operation not permitted\n"
    );
    assert!(snapshot(&sandbox).is_empty());
    assert!(!root.join("escape.txt").exists());
}

#[test]
fn c_stdio_args_env_clocks_random_and_exit_status() {
    let out = run(
        &c_guest("io"),
        WasiCtxBuilder::new()
            .args(["io.wasm", "7", "-x"])
            .env("GREETING", "hi there")
            .stdin_bytes("abc\ndef\n"),
    );
    assert_eq!(out.exit, Some(7), "{out:#?}");
    assert_eq!(
        out.stdout,
        "argv[0]=io.wasm\nargv[1]=7\nargv[2]=-x\n\
         GREETING=hi there\nHOME=(unset)\n\
         poll stdin: 1 readable=1\n\
         ABC\nDEF\n\
         realtime after 2020: 1\n\
         monotonic resolution ok: 1\n\
         slept >= 30ms: 1\n\
         cputime ok: 1\n\
         entropy differs: 1\n"
    );
    assert_eq!(out.stderr, "to stderr\n");
}

#[test]
fn c_open_with_truncate_and_append_truncates_then_appends() {
    let dir = scratch("c_trunc_append");
    std::fs::write(dir.join("old.txt"), "0123456789").unwrap();
    let out = run(
        &c_guest("append"),
        WasiCtxBuilder::new()
            .args(["append.wasm", "/sandbox"])
            .preopened_dir(&dir, "/sandbox", DirPerms::ReadWrite)
            .unwrap(),
    );
    let writes = "write: 2\n\
                  seek to 0: 0\n\
                  write: 2\n\
                  offset: 4\n\
                  pwrite: 3\n\
                  offset after pwrite: 4\n\
                  end: 7\n";
    assert_eq!(
        out.ok(),
        format!("open old.txt: ok\n{writes}open new.txt: ok\n{writes}")
    );
    for file in ["old.txt", "new.txt"] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        assert_eq!(text, "abcdXYZ", "{file}");
    }
}

#[test]
fn c_opening_to_change_a_file_beneath_a_read_only_preopen_fails_at_open() {
    let root = scratch("c_readonly_open");
    let ro = root.join("ro");
    std::fs::create_dir_all(ro.join("dir")).unwrap();
    std::fs::write(ro.join("file.txt"), "precious").unwrap();
    std::fs::write(ro.join("dir/inner.txt"), "inner").unwrap();
    let before = snapshot(&root);
    let out = run(
        &c_guest("readonly"),
        WasiCtxBuilder::new()
            .args(["readonly.wasm", "/ro"])
            .preopened_dir(&ro, "/ro", DirPerms::ReadOnly)
            .unwrap(),
    );
    assert_eq!(
        out.ok(),
        "O_WRONLY: Operation not permitted\n\
         O_RDWR: Operation not permitted\n\
         O_WRONLY|O_APPEND: Operation not permitted\n\
         O_RDONLY|O_TRUNC: Operation not permitted\n\
         O_WRONLY|O_TRUNC: Operation not permitted\n\
         O_RDONLY|O_CREAT existing: Operation not permitted\n\
         O_WRONLY|O_CREAT new: Operation not permitted\n\
         O_WRONLY beneath a subdirectory: Operation not permitted\n\
         fopen w: Operation not permitted\n\
         fopen a: Operation not permitted\n\
         fopen r+: Operation not permitted\n\
         O_RDONLY read: 8 precious\n\
         write to it: -1 Bad file descriptor\n"
    );
    assert_eq!(snapshot(&root), before, "the host tree changed");
}
