//! A WASI guest for petrel-wasi's tests: `guest COMMAND [ARGS...]`. Each
//! command exercises one area through Rust's `std` (as real programs do)
//! or, for attacks, through raw `wasi_snapshot_preview1` calls so the
//! exact errno is printed.

use std::fs::{self, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

mod raw {
    #[link(wasm_import_module = "wasi_snapshot_preview1")]
    extern "C" {
        pub fn path_open(
            fd: i32,
            dirflags: i32,
            path: *const u8,
            path_len: usize,
            oflags: i32,
            base: u64,
            inheriting: u64,
            fdflags: i32,
            opened: *mut i32,
        ) -> i32;
        pub fn path_create_directory(fd: i32, path: *const u8, len: usize) -> i32;
        pub fn path_remove_directory(fd: i32, path: *const u8, len: usize) -> i32;
        pub fn path_unlink_file(fd: i32, path: *const u8, len: usize) -> i32;
        pub fn path_filestat_get(
            fd: i32,
            flags: i32,
            path: *const u8,
            len: usize,
            buf: *mut u8,
        ) -> i32;
        pub fn path_filestat_set_times(
            fd: i32,
            flags: i32,
            path: *const u8,
            len: usize,
            atim: u64,
            mtim: u64,
            fst: i32,
        ) -> i32;
        pub fn path_readlink(
            fd: i32,
            path: *const u8,
            len: usize,
            buf: *mut u8,
            buf_len: usize,
            used: *mut usize,
        ) -> i32;
        pub fn path_symlink(
            old: *const u8,
            old_len: usize,
            fd: i32,
            new: *const u8,
            new_len: usize,
        ) -> i32;
        pub fn path_link(
            old_fd: i32,
            flags: i32,
            old: *const u8,
            old_len: usize,
            new_fd: i32,
            new: *const u8,
            new_len: usize,
        ) -> i32;
        pub fn path_rename(
            fd: i32,
            old: *const u8,
            old_len: usize,
            new_fd: i32,
            new: *const u8,
            new_len: usize,
        ) -> i32;
        pub fn fd_close(fd: i32) -> i32;
        pub fn fd_write(fd: i32, iovs: *const u32, iovs_len: usize, written: *mut usize) -> i32;
        pub fn fd_filestat_set_size(fd: i32, size: u64) -> i32;
        pub fn fd_filestat_set_times(fd: i32, atim: u64, mtim: u64, fst: i32) -> i32;
        pub fn fd_allocate(fd: i32, offset: u64, len: u64) -> i32;
    }

    pub const RIGHTS_READ: u64 = 1 << 1;
    pub const RIGHTS_WRITE: u64 = 1 << 6;
    pub const O_CREAT: i32 = 1;
    pub const O_DIRECTORY: i32 = 2;
    pub const O_TRUNC: i32 = 8;
    pub const FOLLOW: i32 = 1;

    /// `path_open`; the new fd or the errno as `Err`.
    pub fn open(dir: i32, path: &str, follow: bool, oflags: i32, rights: u64) -> Result<i32, i32> {
        let mut fd = -1;
        let flags = if follow { FOLLOW } else { 0 };
        match unsafe {
            path_open(
                dir,
                flags,
                path.as_ptr(),
                path.len(),
                oflags,
                rights,
                0,
                0,
                &mut fd,
            )
        } {
            0 => Ok(fd),
            e => Err(e),
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let command = args.get(1).map(String::as_str).unwrap_or("");
    let rest = &args[args.len().min(2)..];
    match command {
        "args" => {
            for (i, arg) in args.iter().enumerate() {
                println!("argv[{i}]={arg}");
            }
        }
        "env" => {
            let mut vars: Vec<(String, String)> = std::env::vars().collect();
            vars.sort();
            for (k, v) in vars {
                println!("{k}={v}");
            }
        }
        "exit" => {
            println!("exiting with {}", rest[0]);
            std::process::exit(rest[0].parse().unwrap());
        }
        "stdio" => {
            let mut input = String::new();
            std::io::stdin().read_to_string(&mut input).unwrap();
            println!(
                "read {} bytes: {}",
                input.len(),
                input.trim_end().to_uppercase()
            );
            eprintln!("this goes to stderr");
        }
        "wait-stdin" => {
            // Blocks in a host call: says so, then reads stdin to its end.
            println!("waiting");
            let mut input = Vec::new();
            std::io::stdin().read_to_end(&mut input).unwrap();
            println!("read {} bytes", input.len());
        }
        "cat" => print!("{}", fs::read_to_string(&rest[0]).unwrap()),
        "write" => fs::write(&rest[0], &rest[1]).unwrap(),
        "trap" => {
            println!("about to abort");
            std::process::abort();
        }
        "panic" => panic!("guest panicked on purpose"),
        "time" => time(),
        "fs" => filesystem(Path::new(&rest[0])),
        "attack" => attack(),
        "readonly" => readonly(),
        "serve" => serve(rest[0].parse().unwrap(), rest[1].parse().unwrap()),
        "spin" => {
            // A runaway guest: says it started, then loops forever doing
            // work the optimizer cannot drop.
            println!("spinning");
            let mut x: u64 = 1;
            loop {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
        }
        _ => {
            eprintln!("unknown command {command:?}");
            std::process::exit(2);
        }
    }
}

fn time() {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    println!("after 2020: {}", now.as_secs() > 1_577_836_800);
    let start = Instant::now();
    std::thread::sleep(Duration::from_millis(50));
    let slept = start.elapsed();
    println!(
        "slept at least 50ms: {}",
        slept >= Duration::from_millis(50)
    );
    println!("monotonic: {}", Instant::now() >= start + slept);
    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    // std's HashMap seeds come from random_get; read it through a file-less
    // route too: two RandomStates differ.
    use std::hash::{BuildHasher, RandomState};
    let (x, y) = (RandomState::new(), RandomState::new());
    a[0] = (x.hash_one(1u8) & 0xff) as u8;
    b[0] = (y.hash_one(1u8) & 0xff) as u8;
    let _ = (a, b);
    println!(
        "random seeds differ: {}",
        x.hash_one(7u64) != y.hash_one(7u64)
    );
}

/// A tour of the file system through `std`, printing what it sees.
fn filesystem(root: &Path) {
    let sub = root.join("sub");
    fs::create_dir(&sub).unwrap();
    println!(
        "create_dir again: {:?}",
        fs::create_dir(&sub).unwrap_err().kind()
    );
    let a = sub.join("a.txt");
    fs::write(&a, "hello world").unwrap();

    let mut f = OpenOptions::new().read(true).write(true).open(&a).unwrap();
    f.seek(SeekFrom::Start(6)).unwrap();
    let mut word = String::new();
    f.read_to_string(&mut word).unwrap();
    println!("seek+read: {word}");
    f.seek(SeekFrom::End(-5)).unwrap();
    f.write_all(b"WORLD").unwrap();
    println!("position: {}", f.stream_position().unwrap());
    drop(f);
    println!("after overwrite: {}", fs::read_to_string(&a).unwrap());

    let f = OpenOptions::new().write(true).open(&a).unwrap();
    f.set_len(5).unwrap();
    println!("len after truncate: {}", f.metadata().unwrap().len());
    drop(f);
    let mut f = OpenOptions::new().append(true).open(&a).unwrap();
    f.write_all(b"!!").unwrap();
    drop(f);
    println!("after append: {}", fs::read_to_string(&a).unwrap());

    let meta = fs::metadata(&a).unwrap();
    println!("stat file: is_file={} len={}", meta.is_file(), meta.len());
    println!("stat dir: is_dir={}", fs::metadata(&sub).unwrap().is_dir());
    println!(
        "stat missing: {:?}",
        fs::metadata(sub.join("nope")).unwrap_err().kind()
    );

    let f = fs::File::options().write(true).open(&a).unwrap();
    let when = UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    f.set_times(fs::FileTimes::new().set_modified(when))
        .unwrap();
    drop(f);
    println!(
        "mtime set: {}",
        fs::metadata(&a).unwrap().modified().unwrap() == when
    );

    let b = sub.join("b.txt");
    fs::rename(&a, &b).unwrap();
    println!("renamed: a exists={} b exists={}", a.exists(), b.exists());
    println!(
        "dot-dot inside: {}",
        fs::read_to_string(sub.join("../sub/b.txt")).unwrap()
    );

    fs::write(sub.join("c.txt"), "c").unwrap();
    fs::create_dir(sub.join("d")).unwrap();
    #[allow(deprecated)]
    fs::soft_link("b.txt", sub.join("link")).unwrap();
    fs::hard_link(&b, sub.join("hard.txt")).unwrap();

    let mut names: Vec<String> = fs::read_dir(&sub)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let ty = e.file_type().unwrap();
            let kind = if ty.is_symlink() {
                "symlink"
            } else if ty.is_dir() {
                "dir"
            } else {
                "file"
            };
            format!("{} {kind}", e.file_name().to_string_lossy())
        })
        .collect();
    names.sort();
    println!("readdir: {}", names.join(", "));

    println!(
        "read_link: {}",
        fs::read_link(sub.join("link")).unwrap().display()
    );
    println!(
        "through link: {}",
        fs::read_to_string(sub.join("link")).unwrap()
    );
    println!(
        "symlink_metadata: is_symlink={}",
        fs::symlink_metadata(sub.join("link"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    println!(
        "hard link: {}",
        fs::read_to_string(sub.join("hard.txt")).unwrap()
    );

    // Rust's wasip1 std has no kind for ENOTEMPTY: show the errno.
    println!(
        "remove_dir non-empty: errno {:?}",
        fs::remove_dir(&sub).unwrap_err().raw_os_error()
    );
    fs::remove_file(sub.join("link")).unwrap();
    fs::remove_file(sub.join("hard.txt")).unwrap();
    fs::remove_dir(sub.join("d")).unwrap();
    fs::remove_dir_all(&sub).unwrap();
    println!("cleaned up: {}", !sub.exists());

    // Many files: readdir must page through a small buffer correctly.
    let many = root.join("many");
    fs::create_dir(&many).unwrap();
    for i in 0..300 {
        fs::write(many.join(format!("file-with-a-longish-name-{i:03}")), "").unwrap();
    }
    println!("listed {} entries", fs::read_dir(&many).unwrap().count());
    fs::remove_dir_all(&many).unwrap();
}

/// Tries to get out of preopen 3 every way there is; prints each errno.
/// The host side sets up `outside.txt` next to the preopen, and inside it
/// `inside.txt`, `sub/`, and symlinks `abs_link` (absolute, to
/// outside.txt), `rel_link` (`../outside.txt`) and `up_link` (`..`).
fn attack() {
    use raw::*;
    let report = |name: &str, result: Result<i32, i32>| match result {
        Ok(fd) => {
            println!("{name}: ALLOWED");
            unsafe { fd_close(fd) };
        }
        Err(e) => println!("{name}: {e}"),
    };
    let code = |name: &str, errno: i32| {
        if errno == 0 {
            println!("{name}: ALLOWED");
        } else {
            println!("{name}: {errno}");
        }
    };
    let p = |s: &'static str| (s.as_ptr(), s.len());
    report(
        "open ../outside.txt",
        open(3, "../outside.txt", true, 0, RIGHTS_READ),
    );
    report(
        "open sub/../../outside.txt",
        open(3, "sub/../../outside.txt", true, 0, RIGHTS_READ),
    );
    report(
        "open /etc/passwd",
        open(3, "/etc/passwd", true, 0, RIGHTS_READ),
    );
    report("open abs_link", open(3, "abs_link", true, 0, RIGHTS_READ));
    report("open rel_link", open(3, "rel_link", true, 0, RIGHTS_READ));
    report(
        "open up_link/outside.txt",
        open(3, "up_link/outside.txt", true, 0, RIGHTS_READ),
    );
    report("open ..", open(3, "..", true, O_DIRECTORY, 0));
    report(
        "create ../created.txt",
        open(3, "../created.txt", true, O_CREAT, RIGHTS_WRITE),
    );
    report(
        "truncate rel_link",
        open(3, "rel_link", true, O_TRUNC, RIGHTS_WRITE),
    );
    report(
        "create through up_link",
        open(3, "up_link/created.txt", true, O_CREAT, RIGHTS_WRITE),
    );
    // `..` from a subdirectory's own descriptor: beneath *that* handle.
    let sub = open(3, "sub", true, O_DIRECTORY, 0).unwrap();
    report(
        "from sub: ../inside.txt",
        open(sub, "../inside.txt", true, 0, RIGHTS_READ),
    );
    report(
        "from sub: ../../outside.txt",
        open(sub, "../../outside.txt", true, 0, RIGHTS_READ),
    );
    unsafe {
        let (a, an) = p("../newdir");
        code("mkdir ../newdir", path_create_directory(3, a, an));
        let (a, an) = p("../outside_dir");
        code("rmdir ../outside_dir", path_remove_directory(3, a, an));
        let (a, an) = p("../outside.txt");
        code("unlink ../outside.txt", path_unlink_file(3, a, an));
        let mut stat = [0u8; 64];
        code(
            "stat ../outside.txt",
            path_filestat_get(3, FOLLOW, a, an, stat.as_mut_ptr()),
        );
        let (r, rn) = p("rel_link");
        code(
            "stat rel_link (follow)",
            path_filestat_get(3, FOLLOW, r, rn, stat.as_mut_ptr()),
        );
        code(
            "set times ../outside.txt",
            path_filestat_set_times(3, 0, a, an, 0, 0, 2 | 8),
        );
        code(
            "set times rel_link (follow)",
            path_filestat_set_times(3, FOLLOW, r, rn, 0, 0, 2 | 8),
        );
        let mut buf = [0u8; 64];
        let mut used = 0;
        let (u, un) = p("../up");
        code(
            "readlink ../up",
            path_readlink(3, u, un, buf.as_mut_ptr(), 64, &mut used),
        );
        let (t, tn) = p("/etc/passwd");
        let (e, en) = p("evil_abs");
        code(
            "symlink evil_abs -> /etc/passwd",
            path_symlink(t, tn, 3, e, en),
        );
        let (e, en) = p("../evil");
        let (t, tn) = p("inside.txt");
        code("symlink ../evil", path_symlink(t, tn, 3, e, en));
        let (h, hn) = p("hard_out");
        code(
            "link ../outside.txt -> hard_out",
            path_link(3, 0, a, an, 3, h, hn),
        );
        let (i, inn) = p("inside.txt");
        let (o, on) = p("../moved.txt");
        code(
            "link inside.txt -> ../moved.txt",
            path_link(3, 0, i, inn, 3, o, on),
        );
        code(
            "link rel_link (follow) -> hard_out",
            path_link(3, FOLLOW, r, rn, 3, h, hn),
        );
        code(
            "rename inside.txt -> ../moved.txt",
            path_rename(3, i, inn, 3, o, on),
        );
        let (s, sn) = p("stolen.txt");
        code(
            "rename ../outside.txt -> stolen.txt",
            path_rename(3, a, an, 3, s, sn),
        );
        let (d, dn) = p("up_link/moved.txt");
        code(
            "rename inside.txt -> up_link/moved.txt",
            path_rename(3, i, inn, 3, d, dn),
        );
    }
    let (l, ln) = ("loop", 4);
    let _ = ln;
    report("open loop", open(3, l, true, 0, RIGHTS_READ));
    println!(
        "inside.txt still readable: {}",
        fs::read_to_string("/sandbox/inside.txt").unwrap()
    );
}

/// Every change beneath read-only preopen 3 (`/ro`, holding `file.txt`
/// and `dir/`), plus a read, and moves from it into read-write preopen 4
/// (`/rw`); prints each errno.
fn readonly() {
    use raw::*;
    let report = |name: &str, result: Result<i32, i32>| match result {
        Ok(fd) => {
            println!("{name}: ALLOWED");
            unsafe { fd_close(fd) };
        }
        Err(e) => println!("{name}: {e}"),
    };
    let code = |name: &str, errno: i32| {
        println!(
            "{name}: {}",
            if errno == 0 {
                "ALLOWED".to_string()
            } else {
                errno.to_string()
            }
        )
    };
    let p = |s: &'static str| (s.as_ptr(), s.len());
    report(
        "open file.txt for reading",
        open(3, "file.txt", true, 0, RIGHTS_READ),
    );
    report(
        "open file.txt for writing",
        open(3, "file.txt", true, 0, RIGHTS_WRITE),
    );
    report(
        "create new.txt",
        open(3, "new.txt", true, O_CREAT, RIGHTS_WRITE),
    );
    report(
        "truncate file.txt",
        open(3, "file.txt", true, O_TRUNC, RIGHTS_READ),
    );
    println!(
        "std write: {:?}",
        fs::write("/ro/file.txt", "x").unwrap_err().kind()
    );
    println!(
        "std create_dir: {:?}",
        fs::create_dir("/ro/newdir").unwrap_err().kind()
    );
    let fd = open(3, "file.txt", true, 0, RIGHTS_READ).unwrap();
    unsafe {
        let data = b"x";
        let iov = [data.as_ptr() as u32, 1];
        let mut n = 0;
        code(
            "fd_write on read-only file",
            fd_write(fd, iov.as_ptr(), 1, &mut n),
        );
        code("fd_filestat_set_size", fd_filestat_set_size(fd, 0));
        code("fd_allocate", fd_allocate(fd, 0, 100));
        code(
            "fd_filestat_set_times",
            fd_filestat_set_times(fd, 0, 0, 2 | 8),
        );
        fd_close(fd);
        code(
            "fd_filestat_set_times on the dir",
            fd_filestat_set_times(3, 0, 0, 2 | 8),
        );
        let (f, fnn) = p("file.txt");
        let (d, dn) = p("dir");
        let (n, nn) = p("newdir");
        code("mkdir newdir", path_create_directory(3, n, nn));
        code("rmdir dir", path_remove_directory(3, d, dn));
        code("unlink file.txt", path_unlink_file(3, f, fnn));
        code(
            "set times file.txt",
            path_filestat_set_times(3, 0, f, fnn, 0, 0, 2 | 8),
        );
        let (t, tn) = p("file.txt");
        let (l, ln) = p("link");
        code("symlink link", path_symlink(t, tn, 3, l, ln));
        code(
            "rename file.txt -> moved.txt",
            path_rename(3, f, fnn, 3, l, ln),
        );
        code(
            "rename file.txt -> /rw/moved.txt",
            path_rename(3, f, fnn, 4, l, ln),
        );
        code(
            "link file.txt -> /rw/hard.txt",
            path_link(3, 0, f, fnn, 4, l, ln),
        );
        let mut stat = [0u8; 64];
        code(
            "stat file.txt",
            path_filestat_get(3, 0, f, fnn, stat.as_mut_ptr()),
        );
    }
    // A directory opened beneath the read-only preopen inherits it.
    // Every right but `fd_write`, which would ask to write the directory.
    let dir = open(3, "dir", true, O_DIRECTORY, u64::MAX & !RIGHTS_WRITE).unwrap();
    report(
        "beneath dir: create",
        open(dir, "new.txt", true, O_CREAT, RIGHTS_WRITE),
    );
    println!("read: {}", fs::read_to_string("/ro/file.txt").unwrap());
}

/// `serve FD N`: a tiny HTTP/1.0 server on the listening socket the host
/// preopened as FD (`petrel run -S tcplisten=...`). For each of N
/// connections it reads the request head, answers `200 OK` with the file
/// the path names if there is one (so it also shows the preopened
/// directories are still found) or else a line naming the path, closes,
/// and logs the request line to stdout; then it exits 0.
fn serve(fd: u32, requests: usize) {
    use std::net::{Shutdown, TcpListener};
    use std::os::fd::FromRawFd;

    // SAFETY: FD is the preopened listener, owned by nothing else here.
    let listener = unsafe { TcpListener::from_raw_fd(fd as i32) };
    for _ in 0..requests {
        let (mut stream, _) = listener.accept().unwrap();
        let mut head = Vec::new();
        let mut buf = [0u8; 512];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
        }
        let head = String::from_utf8_lossy(&head);
        let request_line = head.lines().next().unwrap_or("").to_string();
        let path = request_line.split(' ').nth(1).unwrap_or("/");
        let body = fs::read_to_string(path).unwrap_or_else(|_| format!("you asked for {path}\n"));
        write!(
            stream,
            "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        stream.shutdown(Shutdown::Write).unwrap();
        println!("served {request_line}");
    }
    println!("done after {requests} requests");
}
