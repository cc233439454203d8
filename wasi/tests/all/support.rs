//! Shared by the WASI tests: running a module under a `WasiCtx`, building
//! the real guest programs (Rust with `wasm32-wasip1`, C with clang and
//! wasi-libc) once per test run, scratch directories, and snapshots of a
//! host tree to prove an attack left it untouched.

use petrel::{Config, Engine, Linker, Module, Store, Tier};
use petrel_wasi::{I32Exit, OutputBuffer, WasiCtx, WasiCtxBuilder};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// How a guest run ended, and what it printed.
#[derive(Debug)]
pub struct Outcome {
    /// `Some(code)` if it called `proc_exit`, `Some(0)` if `_start`
    /// returned.
    pub exit: Option<i32>,
    /// The error text if it ended in a trap or another error.
    pub error: Option<String>,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// Asserts a clean exit with status 0 and returns stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(self.exit, Some(0), "{self:#?}");
        &self.stdout
    }
}

pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(Engine::default)
}

/// Both tiers, for the tests that run real guests on each.
pub const TIERS: [Tier; 2] = [Tier::Interpreter, Tier::Jit];

/// The shared engine of `tier` (the interpreter's is [`engine`]).
pub fn engine_for(tier: Tier) -> &'static Engine {
    static JIT: OnceLock<Engine> = OnceLock::new();
    match tier {
        Tier::Jit => JIT.get_or_init(|| Engine::new(Config::new().tier(Tier::Jit))),
        _ => engine(),
    }
}

/// Runs `module`'s `_start` with the context `builder` describes, with
/// stdout and stderr captured (whatever the builder said about them).
pub fn run(module: &Module, builder: &mut WasiCtxBuilder) -> Outcome {
    let (stdout, stderr) = (OutputBuffer::new(), OutputBuffer::new());
    let ctx = builder
        .stdout_buffer(stdout.clone())
        .stderr_buffer(stderr.clone())
        .build()
        .expect("context builds");
    let mut linker = Linker::<WasiCtx>::new(module.engine());
    petrel_wasi::add_to_linker(&mut linker, |ctx| ctx).unwrap();
    let mut store = Store::new(module.engine(), ctx);
    let result = linker
        .instantiate(&mut store, module)
        .and_then(|instance| instance.get_typed_func::<(), ()>(&store, "_start"))
        .and_then(|start| start.call(&mut store, ()));
    let (exit, error) = match result {
        Ok(()) => (Some(0), None),
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => (Some(exit.0), None),
            None => (None, Some(e.to_string())),
        },
    };
    Outcome {
        exit,
        error,
        stdout: stdout.to_string_lossy(),
        stderr: stderr.to_string_lossy(),
    }
}

/// Compiles a module given as text.
pub fn wat(text: &str) -> Module {
    Module::new(engine(), text).expect("test module compiles")
}

/// A fresh, empty directory for one test.
pub fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("petrel-wasi")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Everything under `root`: each path with what it is and, for files,
/// contents; for symlinks, target. Compared before and after an attack.
pub fn snapshot(root: &Path) -> BTreeMap<PathBuf, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                out.insert(rel, format!("symlink -> {}", target.display()));
            } else if meta.is_dir() {
                out.insert(rel, "dir".into());
                walk(root, &path, out);
            } else {
                let data = std::fs::read(&path).unwrap();
                out.insert(rel, format!("file {:?}", String::from_utf8_lossy(&data)));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn workspace_target() -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp.
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The Rust guest (`tests/guests/rust`), built once per test run with
/// `cargo build --release --target wasm32-wasip1` into
/// `<target>/wasi-guests`.
pub fn rust_guest() -> &'static Module {
    static GUEST: OnceLock<Module> = OnceLock::new();
    GUEST.get_or_init(|| Module::from_binary(engine(), rust_guest_bytes()).unwrap())
}

/// The Rust guest compiled for `tier`.
pub fn rust_guest_on(tier: Tier) -> &'static Module {
    static JIT: OnceLock<Module> = OnceLock::new();
    match tier {
        Tier::Jit => JIT.get_or_init(|| {
            Module::from_binary(engine_for(Tier::Jit), rust_guest_bytes()).unwrap()
        }),
        _ => rust_guest(),
    }
}

fn rust_guest_bytes() -> &'static [u8] {
    static GUEST: OnceLock<Vec<u8>> = OnceLock::new();
    GUEST.get_or_init(|| {
        let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/guests/rust");
        let target_dir = workspace_target().join("wasi-guests");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--release", "--quiet", "--target", "wasm32-wasip1"])
            .current_dir(&project)
            .env("CARGO_TARGET_DIR", &target_dir)
            // Flags meant for the host build must not reach the guest's.
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("CARGO_BUILD_TARGET")
            .status()
            .expect("cargo runs");
        assert!(
            status.success(),
            "building the Rust guest failed (is the target installed? \
             `rustup target add wasm32-wasip1`)"
        );
        let wasm = target_dir.join("wasm32-wasip1/release/petrel-wasi-guest.wasm");
        std::fs::read(&wasm).unwrap()
    })
}

/// The unwinding Rust guest (`tests/guests/rust-exceptions`): panics
/// compiled to Wasm exception handling (the standardised `exnref` form),
/// built once per test run with the nightly toolchain, `-Z build-std`
/// (the prebuilt `std` for wasm32-wasip1 aborts on panic) and Debian's
/// wasi-libc, as wasi-sdk users build C++ or Rust with exceptions.
pub fn exceptions_guest_bytes() -> &'static [u8] {
    static GUEST: OnceLock<Vec<u8>> = OnceLock::new();
    GUEST.get_or_init(|| {
        let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/guests/rust-exceptions");
        let target_dir = workspace_target().join("wasi-guests-eh");
        // `std` links `-l unwind` for wasip1 with `panic=unwind`; the
        // guest defines the two functions it needs itself, so an empty
        // archive satisfies the linker.
        let stub = target_dir.join("stub");
        std::fs::create_dir_all(&stub).unwrap();
        std::fs::write(stub.join("libunwind.a"), b"!<arch>\n").unwrap();
        let libc = Path::new(wasi_sysroot()).join("lib/wasm32-wasi");
        let rustflags = [
            "-Cpanic=unwind".to_string(),
            "-Ctarget-feature=+exception-handling".into(),
            // The standardised form (`try_table`, `throw_ref`), not the
            // legacy `try`/`catch`/`delegate` LLVM still emits by default.
            "-Cllvm-args=-wasm-use-legacy-eh=false".into(),
            "-Clink-self-contained=no".into(),
            format!("-L{}", libc.display()),
            format!("-L{}", stub.display()),
            format!("-Clink-arg={}", libc.join("crt1-command.o").display()),
        ];
        let output = Command::new("rustup")
            .args(["run", "nightly", "cargo", "build", "--release", "--quiet"])
            .args(["-Zbuild-std=std,panic_unwind", "--target", "wasm32-wasip1"])
            .current_dir(&project)
            .env("CARGO_TARGET_DIR", &target_dir)
            .env("CARGO_ENCODED_RUSTFLAGS", rustflags.join("\u{1f}"))
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_BUILD_TARGET")
            .env_remove("RUSTUP_TOOLCHAIN")
            .env_remove("CARGO")
            .env_remove("RUSTC")
            .output()
            .expect("rustup runs");
        assert!(
            output.status.success(),
            "building the unwinding Rust guest failed (it needs the nightly \
             toolchain with rust-src: `rustup toolchain install nightly \
             --component rust-src`, and wasi-libc):\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let wasm = target_dir.join("wasm32-wasip1/release/petrel-exceptions-guest.wasm");
        std::fs::read(&wasm).unwrap()
    })
}

/// The wasi-libc sysroot: upstream's layout, or Debian's, which puts it
/// in `/usr` (`/usr/include/wasm32-wasi`, `/usr/lib/wasm32-wasi`).
fn wasi_sysroot() -> &'static str {
    if Path::new("/usr/share/wasi-sysroot").is_dir() {
        "/usr/share/wasi-sysroot"
    } else {
        "/usr"
    }
}

/// The C guest `tests/guests/c/<name>.c`, compiled once per test run with
/// clang and wasi-libc.
pub fn c_guest(name: &str) -> Module {
    c_guest_on(name, Tier::Interpreter)
}

/// The C guest `name` compiled for `tier`.
pub fn c_guest_on(name: &str, tier: Tier) -> Module {
    let bytes = c_guest_bytes(name);
    Module::from_binary(engine_for(tier), &bytes).unwrap()
}

fn c_guest_bytes(name: &str) -> Vec<u8> {
    static BUILT: OnceLock<std::sync::Mutex<BTreeMap<String, Vec<u8>>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().unwrap();
    if let Some(bytes) = built.get(name) {
        return bytes.clone();
    }
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/guests/c")
        .join(format!("{name}.c"));
    let out_dir = workspace_target().join("wasi-guests/c");
    std::fs::create_dir_all(&out_dir).unwrap();
    let wasm = out_dir.join(format!("{name}.wasm"));
    let output = Command::new("clang")
        .args(["--target=wasm32-wasi", "-O2", "-Wall", "-Werror"])
        .arg(format!("--sysroot={}", wasi_sysroot()))
        .arg(&source)
        .arg("-o")
        .arg(&wasm)
        .output()
        .expect(
            "clang runs (install it: `apt-get install clang lld wasi-libc \
             libclang-rt-dev-wasm32`)",
        );
    assert!(
        output.status.success(),
        "compiling {name}.c failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let bytes = std::fs::read(&wasm).unwrap();
    built.insert(name.to_string(), bytes.clone());
    bytes
}

/// Every preview1 function with its parameter types, written from the
/// witx definitions independently of the implementation, so a wrong
/// signature there fails to link here.
pub const SIGNATURES: &[(&str, &str, bool)] = &[
    ("args_get", "i32 i32", true),
    ("args_sizes_get", "i32 i32", true),
    ("environ_get", "i32 i32", true),
    ("environ_sizes_get", "i32 i32", true),
    ("clock_res_get", "i32 i32", true),
    ("clock_time_get", "i32 i64 i32", true),
    ("fd_advise", "i32 i64 i64 i32", true),
    ("fd_allocate", "i32 i64 i64", true),
    ("fd_close", "i32", true),
    ("fd_datasync", "i32", true),
    ("fd_fdstat_get", "i32 i32", true),
    ("fd_fdstat_set_flags", "i32 i32", true),
    ("fd_fdstat_set_rights", "i32 i64 i64", true),
    ("fd_filestat_get", "i32 i32", true),
    ("fd_filestat_set_size", "i32 i64", true),
    ("fd_filestat_set_times", "i32 i64 i64 i32", true),
    ("fd_pread", "i32 i32 i32 i64 i32", true),
    ("fd_prestat_get", "i32 i32", true),
    ("fd_prestat_dir_name", "i32 i32 i32", true),
    ("fd_pwrite", "i32 i32 i32 i64 i32", true),
    ("fd_read", "i32 i32 i32 i32", true),
    ("fd_readdir", "i32 i32 i32 i64 i32", true),
    ("fd_renumber", "i32 i32", true),
    ("fd_seek", "i32 i64 i32 i32", true),
    ("fd_sync", "i32", true),
    ("fd_tell", "i32 i32", true),
    ("fd_write", "i32 i32 i32 i32", true),
    ("path_create_directory", "i32 i32 i32", true),
    ("path_filestat_get", "i32 i32 i32 i32 i32", true),
    (
        "path_filestat_set_times",
        "i32 i32 i32 i32 i64 i64 i32",
        true,
    ),
    ("path_link", "i32 i32 i32 i32 i32 i32 i32", true),
    ("path_open", "i32 i32 i32 i32 i32 i64 i64 i32 i32", true),
    ("path_readlink", "i32 i32 i32 i32 i32 i32", true),
    ("path_remove_directory", "i32 i32 i32", true),
    ("path_rename", "i32 i32 i32 i32 i32 i32", true),
    ("path_symlink", "i32 i32 i32 i32 i32", true),
    ("path_unlink_file", "i32 i32 i32", true),
    ("poll_oneoff", "i32 i32 i32 i32", true),
    ("proc_exit", "i32", false),
    ("proc_raise", "i32", true),
    ("sched_yield", "", true),
    ("random_get", "i32 i32", true),
    ("sock_accept", "i32 i32 i32", true),
    ("sock_recv", "i32 i32 i32 i32 i32 i32", true),
    ("sock_send", "i32 i32 i32 i32 i32", true),
    ("sock_shutdown", "i32 i32", true),
];

/// A module that imports every preview1 function and exports a wrapper
/// of the same name for each (so that the host can call them *from the
/// guest*, with its memory), plus a one-page `memory` and `extra`.
pub fn all_functions_module(extra: &str) -> Module {
    let mut text = String::from("(module\n");
    for (name, params, returns) in SIGNATURES {
        let result = if *returns { "(result i32)" } else { "" };
        text.push_str(&format!(
            "  (import \"wasi_snapshot_preview1\" \"{name}\" (func ${name} (param {params}) {result}))\n"
        ));
    }
    for (name, params, returns) in SIGNATURES {
        let result = if *returns { "(result i32)" } else { "" };
        let gets: String = (0..params.split_whitespace().count())
            .map(|i| format!("local.get {i} "))
            .collect();
        text.push_str(&format!(
            "  (func (export \"{name}\") (param {params}) {result} {gets} call ${name})\n"
        ));
    }
    text.push_str("  (memory (export \"memory\") 1)\n");
    text.push_str(extra);
    text.push_str(")\n");
    wat(&text)
}

/// An instance of [`all_functions_module`] to call WASI functions on
/// directly, with stdout captured.
pub struct Guest {
    pub store: Store<WasiCtx>,
    pub instance: petrel::Instance,
    pub stdout: OutputBuffer,
}

/// Builds a preview1 call argument from an integer: i64 parameters take
/// the value as is, i32 ones its low 32 bits.
pub fn arg(value: i64, ty: &str) -> petrel::Val {
    match ty {
        "i64" => petrel::Val::I64(value),
        _ => petrel::Val::I32(value as i32),
    }
}

impl Guest {
    pub fn new(builder: &mut WasiCtxBuilder) -> Guest {
        Self::with_module(&all_functions_module(""), builder)
    }

    pub fn with_module(module: &Module, builder: &mut WasiCtxBuilder) -> Guest {
        let stdout = OutputBuffer::new();
        let ctx = builder.stdout_buffer(stdout.clone()).build().unwrap();
        let mut linker = Linker::<WasiCtx>::new(engine());
        petrel_wasi::add_to_linker(&mut linker, |ctx| ctx).unwrap();
        let mut store = Store::new(engine(), ctx);
        let instance = linker.instantiate(&mut store, module).unwrap();
        Guest {
            store,
            instance,
            stdout,
        }
    }

    /// Calls the preview1 function `name` (through the guest) and returns
    /// the errno.
    #[track_caller]
    pub fn call(&mut self, name: &str, args: &[i64]) -> i32 {
        let params = SIGNATURES
            .iter()
            .find(|(n, ..)| *n == name)
            .unwrap_or_else(|| panic!("no WASI function {name}"))
            .1;
        let types: Vec<&str> = params.split_whitespace().collect();
        assert_eq!(types.len(), args.len(), "arguments for {name}");
        let vals: Vec<petrel::Val> = args.iter().zip(&types).map(|(&v, t)| arg(v, t)).collect();
        let func = self
            .instance
            .get_func(&self.store, name)
            .expect("wrapper exported");
        let mut results = [petrel::Val::I32(0)];
        func.call(&mut self.store, &vals, &mut results)
            .unwrap_or_else(|e| panic!("{name} failed to run: {e}"));
        results[0].i32().unwrap()
    }

    pub fn memory(&self) -> petrel::Memory {
        self.instance
            .get_export(&self.store, "memory")
            .and_then(petrel::Extern::into_memory)
            .unwrap()
    }

    pub fn write(&mut self, ptr: u32, bytes: &[u8]) {
        let memory = self.memory();
        memory.write(&mut self.store, ptr as usize, bytes).unwrap();
    }

    pub fn read(&self, ptr: u32, len: usize) -> Vec<u8> {
        let mut buf = vec![0; len];
        self.memory()
            .read(&self.store, ptr as usize, &mut buf)
            .unwrap();
        buf
    }

    pub fn read_u32(&self, ptr: u32) -> u32 {
        u32::from_le_bytes(self.read(ptr, 4).try_into().unwrap())
    }

    pub fn read_u64(&self, ptr: u32) -> u64 {
        u64::from_le_bytes(self.read(ptr, 8).try_into().unwrap())
    }

    /// Writes `text` at `ptr` and returns `(ptr, len)` for a path argument.
    pub fn string(&mut self, ptr: u32, text: &str) -> (i64, i64) {
        self.write(ptr, text.as_bytes());
        (ptr as i64, text.len() as i64)
    }
}

/// Errno values the tests check for.
pub mod errno {
    pub const SUCCESS: i32 = 0;
    pub const BADF: i32 = 8;
    pub const FAULT: i32 = 21;
    pub const FBIG: i32 = 22;
    pub const ILSEQ: i32 = 25;
    pub const INVAL: i32 = 28;
    pub const ISDIR: i32 = 31;
    pub const NAMETOOLONG: i32 = 37;
    pub const NOSYS: i32 = 52;
    pub const NOTDIR: i32 = 54;
    pub const NOTSOCK: i32 = 57;
    pub const SPIPE: i32 = 70;
    pub const NOTCAPABLE: i32 = 76;
}

/// `path_open` rights asking for read, write, or read and write.
pub const RIGHTS_READ: i64 = 1 << 1;
pub const RIGHTS_WRITE: i64 = 1 << 6;
pub const RIGHTS_READ_WRITE: i64 = (1 << 1) | (1 << 6);
/// `oflags`.
pub const O_CREAT: i64 = 1;
pub const O_DIRECTORY: i64 = 2;
pub const O_TRUNC: i64 = 8;
