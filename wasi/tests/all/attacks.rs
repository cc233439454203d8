//! Attacks on the sandbox by a real guest: `..` past the root, absolute
//! paths, symlinks (absolute and relative) pointing out, hard links and
//! renames across the boundary, and every change beneath a read-only
//! preopen. Each must be refused, and the host tree must be exactly as it
//! was.

use crate::support::*;
use petrel_wasi::{DirPerms, WasiCtxBuilder};
use std::path::Path;

const PERM: &str = "63";
const LOOP: &str = "32";
const INVAL: &str = "28";

/// The guest's lines as `name -> result`.
fn results(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter_map(|l| l.rsplit_once(": "))
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn set_up_escape_tree(root: &Path) {
    let sandbox = root.join("sandbox");
    std::fs::create_dir_all(sandbox.join("sub")).unwrap();
    std::fs::create_dir(root.join("outside_dir")).unwrap();
    std::fs::write(root.join("outside.txt"), "secret").unwrap();
    std::fs::write(sandbox.join("inside.txt"), "inside").unwrap();
    let outside = root.join("outside.txt").canonicalize().unwrap();
    std::os::unix::fs::symlink(&outside, sandbox.join("abs_link")).unwrap();
    std::os::unix::fs::symlink("../outside.txt", sandbox.join("rel_link")).unwrap();
    std::os::unix::fs::symlink("..", sandbox.join("up_link")).unwrap();
    std::os::unix::fs::symlink("loop", sandbox.join("loop")).unwrap();
}

#[test]
fn every_escape_from_a_preopen_is_refused_and_the_host_is_untouched() {
    let root = scratch("attack_escape");
    set_up_escape_tree(&root);
    let before = snapshot(&root);
    let out = run(
        rust_guest(),
        WasiCtxBuilder::new()
            .args(["guest.wasm", "attack"])
            .preopened_dir(root.join("sandbox"), "/sandbox", DirPerms::ReadWrite)
            .unwrap(),
    );
    let stdout = out.ok();
    let results = results(stdout);
    assert_eq!(results.len(), 30, "{stdout}");
    for (name, result) in &results {
        if name == "inside.txt still readable" {
            assert_eq!(result, "inside");
            continue;
        }
        assert_ne!(result, "ALLOWED", "{name} was allowed:\n{stdout}");
        let expected = match name.as_str() {
            "open loop" => LOOP,
            "link rel_link (follow) -> hard_out" => INVAL,
            _ => PERM,
        };
        assert_eq!(result, expected, "{name}:\n{stdout}");
    }
    assert_eq!(snapshot(&root), before, "the host tree changed");
}

#[test]
fn nothing_beneath_a_read_only_preopen_can_change() {
    let root = scratch("attack_readonly");
    let (ro, rw) = (root.join("ro"), root.join("rw"));
    std::fs::create_dir_all(ro.join("dir")).unwrap();
    std::fs::create_dir(&rw).unwrap();
    std::fs::write(ro.join("file.txt"), "precious").unwrap();
    let before = snapshot(&root);
    let out = run(
        rust_guest(),
        WasiCtxBuilder::new()
            .args(["guest.wasm", "readonly"])
            .preopened_dir(&ro, "/ro", DirPerms::ReadOnly)
            .unwrap()
            .preopened_dir(&rw, "/rw", DirPerms::ReadWrite)
            .unwrap(),
    );
    let stdout = out.ok();
    let results = results(stdout);
    let allowed = [
        ("open file.txt for reading", "ALLOWED"),
        ("stat file.txt", "ALLOWED"),
        ("read", "precious"),
    ];
    let bad_fd = [
        ("fd_write on read-only file", "8"),
        ("fd_filestat_set_size", "8"),
        ("fd_allocate", "8"),
    ];
    assert_eq!(results.len(), 22, "{stdout}");
    for (name, result) in &results {
        if let Some((_, want)) = allowed.iter().chain(&bad_fd).find(|(n, _)| n == name) {
            assert_eq!(result, want, "{name}:\n{stdout}");
        } else if name.starts_with("std ") {
            assert_eq!(result, "PermissionDenied", "{name}:\n{stdout}");
        } else {
            assert_eq!(result, PERM, "{name}:\n{stdout}");
        }
    }
    assert_eq!(snapshot(&root), before, "the host tree changed");
}
