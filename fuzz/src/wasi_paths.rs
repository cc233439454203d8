//! The `wasi_paths` target's check, shared with the regression tests: a
//! generated sequence of WASI path operations, run by a Wasm guest against
//! two fresh preopens, must never reach anything outside them.
//!
//! Each input builds a sandbox in a temporary directory:
//!
//! ```text
//! BASE/                     one per process (only `case` is ever in it)
//!   case/
//!     zqsecret-root.txt     outside
//!     outside/              outside: files, a subdirectory, a symlink
//!     pre/                  preopened read-write as fd 3 (files, a
//!                           subdirectory, symlinks leading out: relative,
//!                           absolute, through `..`, and a loop)
//!     ro/                   preopened read-only as fd 4 (the same)
//! ```
//!
//! then runs a guest: a Wasm module (generated once from [`CALLS`]) that
//! imports the WASI functions and executes an operation list from its own
//! memory, so every call takes the real ABI path: the linker's glue, the
//! `memory` export lookup and every guest-pointer check. The operations
//! are `path_open` (create, truncate, exclusive, directory flags and
//! rights), `path_create_directory`, `path_symlink`, `path_rename`,
//! `path_link`, `path_unlink_file`, `path_remove_directory`,
//! `path_filestat_get`/`set_times`, `path_readlink`, `fd_readdir`, reads,
//! writes, seeks, sizes, closes and renumbers, on paths made of `..`,
//! `.`, empty, long and symlinked components, absolute host paths, and
//! raw bytes, with valid and invalid pointers.
//!
//! After the run, nothing outside `pre/` may have been created, read or
//! changed, and nothing in `ro/` changed:
//!
//! - every outside entry's inode, mode, link count, size, mtime and ctime
//!   are unchanged, and so is its atime (the tree is created with its
//!   atimes and mtimes set far in the past, so under `relatime` the first
//!   read or listing moves the atime forward);
//! - every outside file holds its original bytes, every outside symlink
//!   its original target, and every outside directory exactly its
//!   original entries;
//! - outside files hold a marker ([`SECRET`]) that must never appear in
//!   guest memory, and no `filestat` or directory entry the guest was
//!   given names an outside inode;
//! - the guest's call returns normally (no trap, no host error) and
//!   nothing panics.

use arbitrary::{Result, Unstructured};
use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

/// The bytes every outside file holds; finding them in guest memory means
/// an outside file was read.
pub const SECRET: &[u8] = b"PETREL-OUTSIDE-SECRET-7f3a9c41";

/// Where the guest's operation list starts, in its memory; everything
/// below is the data area (paths, buffers, iovecs).
const OPS_AT: u32 = 0x1_8000;
/// The guest's memory size: two pages.
const MEMORY_SIZE: u32 = 0x2_0000;
/// One operation: the function's index (`i32`), its errno as the guest
/// got it (`i32`), then up to ten arguments, each in an 8-byte slot.
const OP_SIZE: u32 = 8 + 10 * 8;
/// The most operations in one sequence.
const MAX_OPS: usize = 64;
/// Times set on every outside entry before the guest runs: 2001-09-09.
const OLD_TIME: Duration = Duration::from_secs(1_000_000_000);

/// How each argument of a WASI function is generated (and checked).
#[derive(Debug, Clone, Copy)]
enum Arg {
    /// A descriptor number: mostly a preopen or an opened one.
    Fd,
    /// `lookupflags`.
    Lookup,
    /// A path: `(ptr, len)`.
    Path,
    /// `oflags`.
    OFlags,
    /// Rights (`i64`).
    Rights,
    /// `fdflags`.
    FdFlags,
    /// A pointer to `n` bytes of output.
    Out(u32),
    /// A pointer to a `filestat` (64 bytes), checked for outside inodes.
    Filestat,
    /// An output buffer: `(ptr, len)`.
    Buf,
    /// `fd_readdir`'s buffer, `(ptr, len)`, followed by a cookie and a
    /// `bufused` out-pointer; its entries are checked for outside inodes.
    DirBuf,
    /// An iovec array `(ptr, count)`; `true` for data to write.
    Iovs(bool),
    /// A 64-bit size, offset, cookie or timestamp.
    U64,
    /// `whence`.
    Whence,
    /// `fstflags`.
    FstFlags,
}

impl Arg {
    fn params(self) -> &'static [&'static str] {
        match self {
            Arg::Path | Arg::Buf | Arg::DirBuf | Arg::Iovs(_) => &["i32", "i32"],
            Arg::Rights | Arg::U64 => &["i64"],
            _ => &["i32"],
        }
    }
}

/// Every WASI function the guest can call, with its arguments in the
/// witx order; an operation's index in the guest is its index here.
/// [`WEIGHTS`] says how often each is generated.
const CALLS: &[(&str, &[Arg])] = {
    use Arg::*;
    &[
        (
            "path_open",
            &[Fd, Lookup, Path, OFlags, Rights, Rights, FdFlags, Out(4)],
        ),
        ("path_create_directory", &[Fd, Path]),
        ("path_symlink", &[Path, Fd, Path]),
        ("path_rename", &[Fd, Path, Fd, Path]),
        ("path_link", &[Fd, Lookup, Path, Fd, Path]),
        ("path_unlink_file", &[Fd, Path]),
        ("path_remove_directory", &[Fd, Path]),
        ("path_filestat_get", &[Fd, Lookup, Path, Filestat]),
        (
            "path_filestat_set_times",
            &[Fd, Lookup, Path, U64, U64, FstFlags],
        ),
        ("path_readlink", &[Fd, Path, Buf, Out(4)]),
        ("fd_readdir", &[Fd, DirBuf, U64, Out(4)]),
        ("fd_read", &[Fd, Iovs(false), Out(4)]),
        ("fd_write", &[Fd, Iovs(true), Out(4)]),
        ("fd_pread", &[Fd, Iovs(false), U64, Out(4)]),
        ("fd_pwrite", &[Fd, Iovs(true), U64, Out(4)]),
        ("fd_seek", &[Fd, U64, Whence, Out(8)]),
        ("fd_filestat_get", &[Fd, Filestat]),
        ("fd_filestat_set_size", &[Fd, U64]),
        ("fd_allocate", &[Fd, U64, U64]),
        ("fd_close", &[Fd]),
        ("fd_renumber", &[Fd, Fd]),
        ("fd_prestat_dir_name", &[Fd, Buf]),
        ("fd_fdstat_get", &[Fd, Out(24)]),
    ]
};

/// How often each of [`CALLS`] is generated, relative to the others: path
/// operations most, and the two that take descriptors away (`fd_close`,
/// `fd_renumber`) least, or most sequences would lose their preopens early.
const WEIGHTS: &[u32] = &[
    8, 4, 4, 4, 2, 3, 3, 3, 2, 2, 3, // path_*, fd_readdir
    3, 3, 2, 2, 2, 2, 2, 1, // reads, writes, seeks, sizes
    1, 1, 1, 1, // close, renumber, prestat, fdstat
];

/// The guest, in the text format: one import per entry of [`CALLS`], and
/// `run(ops, count)`, which calls each operation's function with the
/// arguments in its slots and stores the errno back into the operation.
fn guest_wat() -> String {
    let mut imports = String::new();
    let mut blocks = String::new();
    let mut bodies = String::new();
    for (i, (name, args)) in CALLS.iter().enumerate() {
        let params: Vec<&str> = args
            .iter()
            .flat_map(|a| a.params().iter().copied())
            .collect();
        imports.push_str(&format!(
            "  (import \"wasi_snapshot_preview1\" \"{name}\" (func $f{i} (param {}) (result i32)))\n",
            params.join(" ")
        ));
        // Opened outermost-first, so `$op0` is the innermost block and
        // the body after its end is `f0`'s.
        blocks.insert_str(0, &format!("(block $op{i} "));
        let loads: Vec<String> = params
            .iter()
            .enumerate()
            .map(|(slot, ty)| format!("({ty}.load offset={} (local.get $p))", 8 + 8 * slot))
            .collect();
        bodies.push_str(&format!(
            "    ) (local.set $r (call $f{i} {})) (br $end)\n",
            loads.join(" ")
        ));
    }
    let targets: Vec<String> = (0..CALLS.len()).map(|i| format!("$op{i}")).collect();
    format!(
        "(module\n{imports}  (memory (export \"memory\") {pages} {pages})\n\
         (func (export \"run\") (param $ops i32) (param $n i32) (local $i i32) (local $p i32) (local $r i32)\n\
         (block $done (loop $next\n\
           (br_if $done (i32.ge_u (local.get $i) (local.get $n)))\n\
           (local.set $p (i32.add (local.get $ops) (i32.mul (local.get $i) (i32.const {OP_SIZE}))))\n\
           (local.set $r (i32.const -1))\n\
           (block $end {blocks}\n\
             (br_table {} $end (i32.load (local.get $p)))\n\
         {bodies}  )\n\
           (i32.store offset=4 (local.get $p) (local.get $r))\n\
           (local.set $i (i32.add (local.get $i) (i32.const 1)))\n\
           (br $next)))))\n",
        targets.join(" "),
        pages = MEMORY_SIZE / 0x1_0000,
    )
}

/// The guest compiled once per tier.
fn guest(jit: bool) -> &'static (petrel::Engine, petrel::Module) {
    static INTERP: OnceLock<(petrel::Engine, petrel::Module)> = OnceLock::new();
    static JIT: OnceLock<(petrel::Engine, petrel::Module)> = OnceLock::new();
    let (cell, tier) = if jit {
        (&JIT, petrel::Tier::Jit)
    } else {
        (&INTERP, petrel::Tier::Interpreter)
    };
    cell.get_or_init(|| {
        let engine = petrel::Engine::new(petrel::Config::new().tier(tier));
        let module = petrel::Module::new(&engine, guest_wat())
            .unwrap_or_else(|e| panic!("the wasi_paths guest does not compile on {tier:?}: {e}"));
        (engine, module)
    })
}

/// A check to make on the guest's memory after the run, if the operation
/// succeeded.
#[derive(Debug)]
enum Post {
    /// A `filestat` was written here.
    Filestat { op: usize, at: u32 },
    /// Directory entries were written to `buf` (at most `len` bytes; how
    /// many is at `used`).
    Dirents {
        op: usize,
        buf: u32,
        len: u32,
        used: u32,
    },
}

/// The guest's memory while the operations are generated: the data area
/// filled from the bottom, the operations from [`OPS_AT`].
struct Image {
    mem: Vec<u8>,
    top: u32,
    ops: Vec<[u64; 10]>,
    codes: Vec<u32>,
    posts: Vec<Post>,
    /// Absolute host paths into the sandbox, for absolute-path attacks.
    abs: Vec<Vec<u8>>,
}

impl Image {
    /// Room for `len` bytes in the data area, or `None` when it is full.
    fn alloc(&mut self, len: u32) -> Option<u32> {
        let at = self.top;
        let end = at.checked_add(len)?;
        if end > OPS_AT {
            return None;
        }
        self.top = end;
        Some(at)
    }

    fn put(&mut self, bytes: &[u8]) -> Option<u32> {
        let len = u32::try_from(bytes.len()).ok()?;
        let at = self.alloc(len)?;
        self.mem[at as usize..(at + len) as usize].copy_from_slice(bytes);
        Some(at)
    }
}

/// A pointer no WASI function may touch: past or across the end of
/// memory.
fn bad_pointer(u: &mut Unstructured<'_>) -> Result<u32> {
    Ok(*u.choose(&[
        MEMORY_SIZE,
        MEMORY_SIZE - 1,
        MEMORY_SIZE - 3,
        u32::MAX,
        u32::MAX - 7,
        0x8000_0000,
    ])?)
}

const COMPONENTS: &[&str] = &[
    ".",
    "..",
    "",
    "a",
    "b",
    "d",
    "file.txt",
    "sub",
    "inner.txt",
    "esc",
    "esc_dir",
    "esc_file",
    "abs",
    "loop",
    "dangling",
    "pre",
    "ro",
    "outside",
    "zqsecret.txt",
    "zqsecret-root.txt",
    "dir",
    "case",
];

/// A path: mostly components of [`COMPONENTS`] (names in the sandbox,
/// `.`, `..`, empty), sometimes absolute, a host path into the sandbox,
/// too long, or raw bytes.
fn gen_path(u: &mut Unstructured<'_>, abs: &[Vec<u8>]) -> Result<Vec<u8>> {
    Ok(match u.int_in_range(0..=15)? {
        0 => u.choose(abs)?.clone(),
        1 => {
            // One component longer than NAME_MAX, or a path longer than
            // PATH_MAX.
            let n = *u.choose(&[255usize, 256, 1000, 4097])?;
            let unit: &[u8] = if u.arbitrary()? { b"a" } else { b"../" };
            unit.iter().copied().cycle().take(n).collect()
        }
        2 => Vec::new(),
        3 => {
            let n = u.int_in_range(0..=24)?;
            u.bytes(n)?.to_vec()
        }
        _ => {
            let mut p = Vec::new();
            if u.ratio(1, 8)? {
                p.push(b'/');
            }
            let n = u.int_in_range(1..=6)?;
            for i in 0..n {
                if i > 0 {
                    p.push(b'/');
                }
                p.extend_from_slice(u.choose(COMPONENTS)?.as_bytes());
            }
            if u.ratio(1, 8)? {
                p.push(b'/');
            }
            p
        }
    })
}

fn gen_fd(u: &mut Unstructured<'_>) -> Result<u32> {
    Ok(match u.int_in_range(0..=15)? {
        0..=6 => 3,
        7..=10 => 4,
        11..=13 => u.int_in_range(5..=7)?,
        14 => u.int_in_range(0..=2)?,
        _ => u.arbitrary()?,
    })
}

fn gen_u64(u: &mut Unstructured<'_>) -> Result<u64> {
    Ok(match u.int_in_range(0..=3)? {
        0 => *u.choose(&[0, 1, 2, 7, 24, 4096, 65_536, 1 << 20])?,
        1 => *u.choose(&[u64::MAX, i64::MAX as u64, 1 << 40, 1 << 63])?,
        _ => u64::from(u.arbitrary::<u16>()?),
    })
}

/// Generates one operation's arguments into `img`; `false` when the data
/// area is full.
fn gen_op(u: &mut Unstructured<'_>, img: &mut Image) -> Result<bool> {
    let mut pick = u.int_in_range(0..=WEIGHTS.iter().sum::<u32>() - 1)?;
    let mut code = 0;
    while pick >= WEIGHTS[code] {
        pick -= WEIGHTS[code];
        code += 1;
    }
    let op = img.ops.len();
    let mut slots = Vec::new();
    let mut dirbuf: Option<(u32, u32)> = None;
    for arg in CALLS[code].1 {
        match *arg {
            Arg::Fd => slots.push(u64::from(gen_fd(u)?)),
            Arg::Lookup => slots.push(match u.int_in_range(0..=7)? {
                0..=3 => 0,
                4..=6 => 1,
                _ => u64::from(u.arbitrary::<u32>()?),
            }),
            Arg::Path => {
                let path = gen_path(u, &img.abs)?;
                let (ptr, len) = if u.ratio(1, 16)? {
                    (bad_pointer(u)?, path.len() as u32)
                } else if u.ratio(1, 32)? {
                    (0, u32::MAX)
                } else {
                    let Some(at) = img.put(&path) else {
                        return Ok(false);
                    };
                    (at, path.len() as u32)
                };
                slots.push(u64::from(ptr));
                slots.push(u64::from(len));
            }
            Arg::OFlags => slots.push(if u.ratio(1, 16)? {
                u64::from(u.arbitrary::<u32>()?)
            } else {
                u64::from(u.int_in_range(0..=15u32)?)
            }),
            Arg::Rights => slots.push(match u.int_in_range(0..=3)? {
                0 => u64::MAX,
                1 => 0,
                _ => u.arbitrary()?,
            }),
            Arg::FdFlags => slots.push(if u.ratio(1, 16)? {
                u64::from(u.arbitrary::<u32>()?)
            } else {
                u64::from(u.int_in_range(0..=31u32)? & if u.arbitrary()? { 1 } else { 31 })
            }),
            Arg::Out(_) | Arg::Filestat if u.ratio(1, 16)? => {
                slots.push(u64::from(bad_pointer(u)?));
            }
            Arg::Out(n) => {
                let Some(at) = img.alloc(n) else {
                    return Ok(false);
                };
                slots.push(u64::from(at));
                if let Some((buf, len)) = dirbuf.take() {
                    img.posts.push(Post::Dirents {
                        op,
                        buf,
                        len,
                        used: at,
                    });
                }
            }
            Arg::Filestat => {
                let Some(at) = img.alloc(64) else {
                    return Ok(false);
                };
                slots.push(u64::from(at));
                img.posts.push(Post::Filestat { op, at });
            }
            Arg::Buf | Arg::DirBuf => {
                let len = *u.choose(&[0u32, 1, 16, 23, 24, 25, 100, 512, 2048])?;
                let (ptr, len) = if u.ratio(1, 16)? {
                    (bad_pointer(u)?, len)
                } else if u.ratio(1, 32)? {
                    (0, u32::MAX)
                } else {
                    let Some(at) = img.alloc(len) else {
                        return Ok(false);
                    };
                    if matches!(arg, Arg::DirBuf) {
                        dirbuf = Some((at, len));
                    }
                    (at, len)
                };
                slots.push(u64::from(ptr));
                slots.push(u64::from(len));
            }
            Arg::Iovs(write) => {
                let count = u.int_in_range(0..=3u32)?;
                let mut iovs = Vec::new();
                for _ in 0..count {
                    let len = u.int_in_range(0..=64u32)?;
                    let ptr = if u.ratio(1, 16)? {
                        bad_pointer(u)?
                    } else if write {
                        let data: Vec<u8> =
                            (0..len).map(|i| b"inside-data:"[i as usize % 12]).collect();
                        let Some(at) = img.put(&data) else {
                            return Ok(false);
                        };
                        at
                    } else {
                        let Some(at) = img.alloc(len) else {
                            return Ok(false);
                        };
                        at
                    };
                    iovs.extend_from_slice(&ptr.to_le_bytes());
                    iovs.extend_from_slice(&len.to_le_bytes());
                }
                let ptr = if u.ratio(1, 16)? {
                    bad_pointer(u)?
                } else {
                    let Some(at) = img.put(&iovs) else {
                        return Ok(false);
                    };
                    at
                };
                let count = if u.ratio(1, 32)? { u32::MAX } else { count };
                slots.push(u64::from(ptr));
                slots.push(u64::from(count));
            }
            Arg::U64 => slots.push(gen_u64(u)?),
            Arg::Whence => slots.push(u64::from(u.int_in_range(0..=3u32)?)),
            Arg::FstFlags => slots.push(u64::from(u.int_in_range(0..=16u32)?)),
        }
    }
    let mut record = [0u64; 10];
    record[..slots.len()].copy_from_slice(&slots);
    img.ops.push(record);
    img.codes.push(code as u32);
    Ok(true)
}

/// One entry of the sandbox that the guest must leave alone.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Dir,
    File(&'static [u8]),
    Symlink,
}

/// What is known of one entry before the run, to compare after it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Meta {
    ino: u64,
    mode: u32,
    nlink: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
    atime: (i64, i64),
}

fn meta(path: &Path) -> Meta {
    let m = fs::symlink_metadata(path)
        .unwrap_or_else(|e| panic!("{} is gone after the run: {e}", path.display()));
    Meta {
        ino: m.ino(),
        mode: m.mode(),
        nlink: m.nlink(),
        size: m.size(),
        mtime: (m.mtime(), m.mtime_nsec()),
        ctime: (m.ctime(), m.ctime_nsec()),
        atime: (m.atime(), m.atime_nsec()),
    }
}

/// The sandbox for one input.
struct Sandbox {
    base: PathBuf,
    case: PathBuf,
    /// Every entry the guest must not change, relative to `case` (`""`
    /// is `case` itself), with whether reading it is allowed (`ro/`).
    guarded: Vec<(String, Kind, bool)>,
    before: Vec<Meta>,
    /// (device, inode) of everything outside both preopens.
    outside_inodes: BTreeSet<(u64, u64)>,
    outside_inos: BTreeSet<u64>,
}

/// The per-process base directory: in `/dev/shm` when there is one (the
/// target creates and removes a small tree per input), else the system's
/// temporary directory.
fn base_dir() -> &'static Path {
    static BASE: OnceLock<PathBuf> = OnceLock::new();
    BASE.get_or_init(|| {
        let root = match std::env::var_os("PETREL_FUZZ_TMP") {
            Some(dir) => PathBuf::from(dir),
            None if Path::new("/dev/shm").is_dir() => PathBuf::from("/dev/shm"),
            None => std::env::temp_dir(),
        };
        let base = root.join(format!("petrel-wasi-paths-{}", std::process::id()));
        let _ = fs::remove_dir_all(&base);
        fs::create_dir_all(&base).expect("creating the wasi_paths base directory");
        base
    })
}

impl Sandbox {
    fn create() -> Sandbox {
        let base = base_dir().to_path_buf();
        let case = base.join("case");
        let _ = fs::remove_dir_all(&case);
        let secret_file: &'static [u8] = SECRET;
        let outside_abs = case.join("outside/zqsecret.txt");
        let layout: Vec<(&str, Kind, bool)> = vec![
            ("", Kind::Dir, false),
            ("zqsecret-root.txt", Kind::File(secret_file), false),
            ("outside", Kind::Dir, false),
            ("outside/zqsecret.txt", Kind::File(secret_file), false),
            ("outside/dir", Kind::Dir, false),
            ("outside/dir/zqsecret.txt", Kind::File(secret_file), false),
            ("outside/link", Kind::Symlink, false),
            ("ro", Kind::Dir, true),
            ("ro/file.txt", Kind::File(b"read-only file\n"), true),
            ("ro/sub", Kind::Dir, true),
            ("ro/sub/inner.txt", Kind::File(b"read-only inner\n"), true),
            ("ro/esc", Kind::Symlink, true),
            ("ro/esc_file", Kind::Symlink, true),
            ("ro/abs", Kind::Symlink, true),
        ];
        let links: Vec<(&str, PathBuf)> = vec![
            ("outside/link", PathBuf::from("zqsecret.txt")),
            ("ro/esc", PathBuf::from("../outside")),
            ("ro/esc_file", PathBuf::from("../outside/zqsecret.txt")),
            ("ro/abs", outside_abs.clone()),
            ("pre/esc", PathBuf::from("..")),
            ("pre/esc_dir", PathBuf::from("../outside")),
            ("pre/esc_file", PathBuf::from("../outside/zqsecret.txt")),
            ("pre/abs", outside_abs.clone()),
            ("pre/loop", PathBuf::from("loop")),
            ("pre/dangling", PathBuf::from("../outside/new-file")),
        ];
        // Sandbox setup failing is the machine's problem, not a finding.
        let setup = |r: std::io::Result<()>| r.expect("setting up the wasi_paths sandbox");
        for (rel, kind, _) in &layout {
            let p = case.join(rel);
            match kind {
                Kind::Dir => setup(fs::create_dir(&p)),
                Kind::File(data) => setup(fs::write(&p, data)),
                Kind::Symlink => {}
            }
        }
        setup(fs::create_dir(case.join("pre")));
        setup(fs::create_dir(case.join("pre/sub")));
        setup(fs::write(case.join("pre/file.txt"), b"read-write file\n"));
        setup(fs::write(
            case.join("pre/sub/inner.txt"),
            b"read-write inner\n",
        ));
        for (link, target) in &links {
            setup(std::os::unix::fs::symlink(target, case.join(link)));
        }
        // Old times on everything guarded, deepest first so setting a
        // file's times does not move its directory's.
        let old = SystemTime::UNIX_EPOCH + OLD_TIME;
        let times = fs::FileTimes::new().set_accessed(old).set_modified(old);
        for (rel, kind, _) in layout.iter().rev() {
            if *kind != Kind::Symlink {
                setup(fs::File::open(case.join(rel)).and_then(|f| f.set_times(times)));
            }
        }
        let guarded: Vec<(String, Kind, bool)> = layout
            .iter()
            .map(|(rel, kind, readable)| (rel.to_string(), *kind, *readable))
            .collect();
        let before = guarded
            .iter()
            .map(|(rel, ..)| meta(&case.join(rel)))
            .collect();
        let mut outside_inodes = BTreeSet::new();
        let mut outside_inos = BTreeSet::new();
        let mut note = |p: &Path| {
            let m = fs::symlink_metadata(p).expect("stat of the sandbox");
            outside_inodes.insert((m.dev(), m.ino()));
            outside_inos.insert(m.ino());
        };
        note(&base);
        for (rel, _, readable) in &guarded {
            if !readable {
                note(&case.join(rel));
            }
        }
        Sandbox {
            base,
            case,
            guarded,
            before,
            outside_inodes,
            outside_inos,
        }
    }

    /// Absolute host paths into the sandbox, for the guest to try.
    fn absolute_paths(&self) -> Vec<Vec<u8>> {
        use std::os::unix::ffi::OsStrExt;
        [
            "",
            "outside",
            "outside/zqsecret.txt",
            "pre",
            "pre/file.txt",
            "ro/file.txt",
            "zz-new",
        ]
        .iter()
        .map(|rel| self.case.join(rel).as_os_str().as_bytes().to_vec())
        .chain([b"/".to_vec(), b"/tmp".to_vec()])
        .collect()
    }

    /// Panics unless everything guarded is as it was.
    fn check_unchanged(&self) {
        // Metadata first: reading contents and listings below moves
        // atimes.
        for ((rel, _, readable), before) in self.guarded.iter().zip(&self.before) {
            let after = meta(&self.case.join(rel));
            let (before, after) = if *readable {
                (
                    Meta {
                        atime: (0, 0),
                        ..*before
                    },
                    Meta {
                        atime: (0, 0),
                        ..after
                    },
                )
            } else {
                (*before, after)
            };
            assert_eq!(
                before, after,
                "`case/{rel}` was read or changed by the guest (metadata before vs after)"
            );
        }
        for (rel, kind, _) in &self.guarded {
            let p = self.case.join(rel);
            match kind {
                Kind::File(data) => {
                    let now = fs::read(&p).expect("reading a guarded file");
                    assert!(now == *data, "`case/{rel}` was changed by the guest");
                }
                Kind::Dir => {
                    let mut names: Vec<String> = fs::read_dir(&p)
                        .expect("listing a guarded directory")
                        .map(|e| {
                            let e = e.expect("listing a guarded directory");
                            e.file_name().to_string_lossy().into_owned()
                        })
                        .collect();
                    names.sort();
                    let mut expected: Vec<String> = self
                        .guarded
                        .iter()
                        .filter_map(|(r, ..)| {
                            let (parent, name) = match r.rsplit_once('/') {
                                Some((parent, name)) => (parent, name),
                                None if !r.is_empty() => ("", r.as_str()),
                                None => return None,
                            };
                            (parent == rel).then(|| name.to_string())
                        })
                        .collect();
                    if rel.is_empty() {
                        expected.push("pre".into());
                    }
                    expected.sort();
                    assert_eq!(names, expected, "entries of `case/{rel}` changed");
                }
                Kind::Symlink => {}
            }
        }
        let base: Vec<_> = fs::read_dir(&self.base)
            .expect("listing the base directory")
            .map(|e| e.map(|e| e.file_name()))
            .collect::<std::io::Result<_>>()
            .expect("listing the base directory");
        assert_eq!(
            base,
            vec![std::ffi::OsString::from("case")],
            "entries of BASE changed"
        );
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // Kept after a panic, for a look at what the guest did.
        if !std::thread::panicking() {
            let _ = fs::remove_dir_all(&self.case);
        }
    }
}

/// Prints each operation, its arguments and its errno (with
/// `PETREL_FUZZ_TRACE` set), to read what a reproducer does.
fn trace(img: &Image, mem: &[u8]) {
    for (i, (code, slots)) in img.codes.iter().zip(&img.ops).enumerate() {
        let (name, args) = CALLS[*code as usize];
        let at = (OPS_AT + i as u32 * OP_SIZE + 4) as usize;
        let errno = i32::from_le_bytes(mem[at..at + 4].try_into().expect("4 bytes"));
        let mut shown = Vec::new();
        let mut slot = slots.iter();
        for arg in args {
            let first = slot.next().copied().unwrap_or_default();
            match arg {
                Arg::Path => {
                    let len = slot.next().copied().unwrap_or_default();
                    let (start, end) = (first as usize, first.saturating_add(len) as usize);
                    match img.mem.get(start..end) {
                        Some(p) => shown.push(format!("{:?}", String::from_utf8_lossy(p))),
                        None => shown.push(format!("<bad {first:#x}+{len}>")),
                    }
                }
                Arg::Buf | Arg::DirBuf | Arg::Iovs(_) => {
                    let len = slot.next().copied().unwrap_or_default();
                    shown.push(format!("{first:#x}+{len}"));
                }
                _ => shown.push(format!("{first:#x}")),
            }
        }
        eprintln!("{i:2}: {name}({}) = {errno}", shown.join(", "));
    }
}

/// Runs one input; panics if the guest reached outside its preopens, got
/// anything but an errno back, or anything panicked.
pub fn check(data: &[u8]) -> Result<()> {
    let mut u = Unstructured::new(data);
    let jit = u.arbitrary::<bool>()?;
    let read_only_first = u.arbitrary::<bool>()?;
    let sandbox = Sandbox::create();
    let mut img = Image {
        mem: vec![0; MEMORY_SIZE as usize],
        // Keep address 0 unused, so a zero pointer is never a buffer.
        top: 16,
        ops: Vec::new(),
        codes: Vec::new(),
        posts: Vec::new(),
        abs: sandbox.absolute_paths(),
    };
    // Generation stops when the input runs out (mid-operation too: that
    // operation is dropped) or the data area is full.
    while img.ops.len() < MAX_OPS && !u.is_empty() {
        if !matches!(gen_op(&mut u, &mut img), Ok(true)) {
            break;
        }
    }
    run_guest(&sandbox, img, jit, read_only_first);
    Ok(())
}

fn run_guest(sandbox: &Sandbox, mut img: Image, jit: bool, read_only_first: bool) {
    for (i, (code, slots)) in img.codes.iter().zip(&img.ops).enumerate() {
        let at = (OPS_AT + i as u32 * OP_SIZE) as usize;
        img.mem[at..at + 4].copy_from_slice(&code.to_le_bytes());
        for (j, slot) in slots.iter().enumerate() {
            let s = at + 8 + 8 * j;
            img.mem[s..s + 8].copy_from_slice(&slot.to_le_bytes());
        }
    }

    let (engine, module) = guest(jit);
    let mut builder = petrel_wasi::WasiCtxBuilder::new();
    let pre = sandbox.case.join("pre");
    let ro = sandbox.case.join("ro");
    // fd 3 and 4; which one is read-only varies, so both orders of
    // descriptor numbers are covered.
    let preopens = if read_only_first {
        [
            (ro, "/ro", petrel_wasi::DirPerms::ReadOnly),
            (pre, "/pre", petrel_wasi::DirPerms::ReadWrite),
        ]
    } else {
        [
            (pre, "/pre", petrel_wasi::DirPerms::ReadWrite),
            (ro, "/ro", petrel_wasi::DirPerms::ReadOnly),
        ]
    };
    for (host, guest_path, perms) in preopens {
        builder
            .preopened_dir(host, guest_path, perms)
            .expect("preopening a sandbox directory");
    }
    let ctx = builder.build().expect("building the WASI context");
    let mut store = petrel::Store::new(engine, ctx);
    let mut linker = petrel::Linker::new(engine);
    petrel_wasi::add_to_linker(&mut linker, |ctx| ctx).expect("defining WASI");
    let instance = linker
        .instantiate(&mut store, module)
        .unwrap_or_else(|e| panic!("instantiating the guest: {e}"));
    let memory = instance
        .get_memory(&store, "memory")
        .expect("the guest exports its memory");
    memory.data_mut(&mut store).copy_from_slice(&img.mem);
    let run = instance
        .get_typed_func::<(i32, i32), ()>(&store, "run")
        .expect("the guest exports run");
    let result = run.call(&mut store, (OPS_AT as i32, img.ops.len() as i32));
    if let Err(e) = result {
        panic!("the guest's run ended with an error, not errnos: {e}");
    }

    let mem = memory.data(&store);
    if std::env::var_os("PETREL_FUZZ_TRACE").is_some() {
        trace(&img, mem);
    }
    // By hand rather than `windows(..).position(|w| w == SECRET)`: under
    // libFuzzer every slice comparison is an intercepted `bcmp`, and 128 Ki
    // of them dominated the target's run time.
    let found = (0..mem.len().saturating_sub(SECRET.len()))
        .find(|&at| mem[at] == SECRET[0] && SECRET.iter().zip(&mem[at..]).all(|(a, b)| a == b));
    if let Some(at) = found {
        panic!("an outside file's contents reached guest memory at {at:#x}");
    }
    let errno = |op: usize| {
        let at = (OPS_AT + op as u32 * OP_SIZE + 4) as usize;
        u32::from_le_bytes(mem[at..at + 4].try_into().expect("4 bytes"))
    };
    let u64_at = |at: usize| u64::from_le_bytes(mem[at..at + 8].try_into().expect("8 bytes"));
    for post in &img.posts {
        match *post {
            Post::Filestat { op, at } if errno(op) == 0 => {
                let (dev, ino) = (u64_at(at as usize), u64_at(at as usize + 8));
                assert!(
                    !sandbox.outside_inodes.contains(&(dev, ino)),
                    "operation {op} ({}) returned the filestat of an outside entry (inode {ino})",
                    CALLS[img.codes[op] as usize].0
                );
            }
            Post::Dirents { op, buf, len, used } if errno(op) == 0 => {
                let used = u32::from_le_bytes(
                    mem[used as usize..used as usize + 4]
                        .try_into()
                        .expect("4 bytes"),
                );
                let end = (buf + used.min(len)) as usize;
                let mut at = buf as usize;
                while at + 24 <= end {
                    let ino = u64_at(at + 8);
                    let namlen =
                        u32::from_le_bytes(mem[at + 16..at + 20].try_into().expect("4 bytes"));
                    assert!(
                        !sandbox.outside_inos.contains(&ino),
                        "operation {op} (fd_readdir) listed an outside entry (inode {ino})"
                    );
                    at += 24 + namlen as usize;
                }
            }
            _ => {}
        }
    }
    drop(store);
    sandbox.check_unchanged();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_call_has_a_weight() {
        assert_eq!(CALLS.len(), WEIGHTS.len());
    }

    fn must_panic(what: &str, f: impl FnOnce() + std::panic::UnwindSafe) {
        assert!(std::panic::catch_unwind(f).is_err(), "not detected: {what}");
    }

    // The detectors themselves, on this machine's file system: each
    // test does from the host what a sandbox escape would do, and the
    // check must notice. Each uses its own process-wide base, so they run
    // one at a time.
    #[test]
    fn detects_escapes() {
        type Escape = (&'static str, fn(&Path));
        let cases: [Escape; 5] = [
            ("a read of an outside file", |case| {
                fs::read(case.join("outside/zqsecret.txt"))
                    .map(drop)
                    .unwrap()
            }),
            ("a listing of an outside directory", |case| {
                fs::read_dir(case.join("outside/dir"))
                    .unwrap()
                    .for_each(drop)
            }),
            ("a file created outside", |case| {
                fs::write(case.join("outside/new"), b"").unwrap()
            }),
            ("an outside file rewritten with the same length", |case| {
                fs::write(case.join("zqsecret-root.txt"), vec![b'x'; SECRET.len()]).unwrap()
            }),
            ("a file created in the read-only preopen", |case| {
                fs::write(case.join("ro/new"), b"").unwrap()
            }),
        ];
        for (what, escape) in cases {
            let sandbox = Sandbox::create();
            escape(&sandbox.case);
            let s = std::panic::AssertUnwindSafe(&sandbox);
            must_panic(what, move || s.check_unchanged());
        }
        // And a clean run is not flagged, reads of `ro/` included.
        let sandbox = Sandbox::create();
        fs::read(sandbox.case.join("ro/file.txt")).unwrap();
        fs::write(sandbox.case.join("pre/new"), b"").unwrap();
        sandbox.check_unchanged();
    }
}
