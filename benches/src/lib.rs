//! Petrel's benchmark workloads: the catalogue of programs, and building
//! them from the sources in `benches/workloads/` at bench time.
//!
//! Every compute kernel exists three ways, built from one source:
//!
//! - a wasm module with **no imports** exporting a `run`-style function
//!   `(i32) -> i64` that returns a checksum (any engine can call it with
//!   `--invoke`, WASI or not);
//! - a **WASI command** that prints the same checksum;
//! - a **native** executable (`clang -O2`, or rustc for the host) that prints
//!   it too, the baseline every engine's answer is compared with.
//!
//! The real programs (a compression library, SQLite, a Lua interpreter,
//! a regex engine, a JSON library, a Rust parser, a PNG codec, an FFT)
//! are built two ways only: a WASI command that takes N and prints a
//! checksum, and the same program built natively. The C ones come from
//! `c-programs` (see [`c_programs`]), the Rust ones are packages of the
//! `workloads/rust` workspace.
//!
//! A C workload marked [`Workload::simd`] is also built a second time as an
//! import-free module with `-msimd128` (clang's auto-vectorizer then emits
//! Wasm SIMD): the criterion benches run both builds on each tier, which
//! measures what the tier's SIMD support is worth.
//!
//! The criterion benches (`benches/engine.rs`) and the comparison
//! (`src/bin/compare.rs`) both start from [`build_all`].

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

mod c_programs;

/// Where a workload's source lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `workloads/c/NAME.c`, with `run(n)` and the shared `driver.c`.
    C,
    /// A kernel of the `kernels` crate in `workloads/rust`.
    Rust,
    /// The large Rust program `workloads/rust/big` (WASI command only).
    Big,
    /// A C program: our driver `workloads/c-programs/NAME/main.c` and a
    /// library's C sources from a crate (WASI command and native only).
    CProgram,
    /// A Rust program: the package `NAME-bench` in `workloads/rust/NAME`
    /// (WASI command and native only).
    RustProgram,
}

/// One benchmark program.
#[derive(Debug)]
pub struct Workload {
    pub name: &'static str,
    /// What it stresses, in a few words, for the report.
    pub profile: &'static str,
    pub source: Source,
    /// The argument for the whole-process comparison: large enough that
    /// the native program runs for at least half a second, so start-up
    /// does not hide the quality of an engine's code.
    pub n: u32,
    /// The argument for the criterion benches: small, for many samples
    /// (0 where there is no import-free module to bench).
    pub bench_n: u32,
    /// Whether the import-free module is also built with `-msimd128`
    /// (C workloads only).
    pub simd: bool,
}

/// The boundary benchmarks' module (criterion's `boundary` and
/// `boundary_count`): `calls(n)` calls the host's `inc` `(i32) -> i32`
/// n times in a loop; `inc` is an export for the host to call.
pub const BOUNDARY_WAT: &str = r#"
(module
  (import "host" "inc" (func $inc (param i32) (result i32)))
  (func (export "calls") (param $n i32) (result i32)
    (local $acc i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $acc (call $inc (local.get $acc)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $acc))
  (func (export "inc") (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 1))))
"#;

/// The boundary module instantiated on Petrel's `engine`, with the host
/// function the peers get too (`inc`: counts its calls in the store's
/// data, returns `x + 1`): the store and the `calls` and `inc` exports.
pub fn petrel_boundary(
    engine: &petrel::Engine,
) -> (
    petrel::Store<u64>,
    petrel::TypedFunc<i32, i32>,
    petrel::TypedFunc<i32, i32>,
) {
    use petrel::{Caller, Linker, Module, Store};
    let module = Module::new(engine, BOUNDARY_WAT).expect("compile");
    let mut linker = Linker::<u64>::new(engine);
    linker
        .func_wrap("host", "inc", |mut caller: Caller<'_, u64>, x: i32| {
            *caller.data_mut() += 1;
            x + 1
        })
        .expect("define");
    let mut store = Store::new(engine, 0u64);
    let instance = linker
        .instantiate(&mut store, &module)
        .expect("instantiate");
    let calls = instance
        .get_typed_func::<i32, i32>(&store, "calls")
        .expect("calls");
    let inc = instance
        .get_typed_func::<i32, i32>(&store, "inc")
        .expect("inc");
    (store, calls, inc)
}

/// The boundary module instantiated on the peer engines, with criterion's
/// host function (`inc`: counts its calls in the store's data, returns
/// `x + 1`): each returns the store and the `calls` and `inc` exports.
/// Shared by the criterion `boundary` bench and `boundary_count`.
#[cfg(feature = "peers")]
pub mod peers {
    use super::BOUNDARY_WAT;

    /// On wasmtime (its defaults: Cranelift, compiled ahead).
    pub fn wasmtime_boundary() -> (
        wasmtime::Store<u64>,
        wasmtime::TypedFunc<i32, i32>,
        wasmtime::TypedFunc<i32, i32>,
    ) {
        use wasmtime::{Caller, Engine, Linker, Module, Store};
        let engine = Engine::default();
        let module = Module::new(&engine, BOUNDARY_WAT).expect("compile");
        let mut linker = Linker::<u64>::new(&engine);
        linker
            .func_wrap("host", "inc", |mut caller: Caller<'_, u64>, x: i32| {
                *caller.data_mut() += 1;
                x + 1
            })
            .expect("define");
        let mut store = Store::new(&engine, 0u64);
        let instance = linker
            .instantiate(&mut store, &module)
            .expect("instantiate");
        let calls = instance
            .get_typed_func::<i32, i32>(&mut store, "calls")
            .expect("calls");
        let inc = instance
            .get_typed_func::<i32, i32>(&mut store, "inc")
            .expect("inc");
        (store, calls, inc)
    }

    /// On wasmi (its defaults).
    pub fn wasmi_boundary() -> (
        wasmi::Store<u64>,
        wasmi::TypedFunc<i32, i32>,
        wasmi::TypedFunc<i32, i32>,
    ) {
        use wasmi::{Caller, Engine, Linker, Module, Store};
        let engine = Engine::default();
        let wasm = wat::parse_str(BOUNDARY_WAT).expect("wat");
        let module = Module::new(&engine, &wasm[..]).expect("compile");
        let mut linker = Linker::<u64>::new(&engine);
        linker
            .func_wrap("host", "inc", |mut caller: Caller<'_, u64>, x: i32| {
                *caller.data_mut() += 1;
                x + 1
            })
            .expect("define");
        let mut store = Store::new(&engine, 0u64);
        let instance = linker
            .instantiate_and_start(&mut store, &module)
            .expect("instantiate");
        let calls = instance
            .get_typed_func::<i32, i32>(&store, "calls")
            .expect("calls");
        let inc = instance
            .get_typed_func::<i32, i32>(&store, "inc")
            .expect("inc");
        (store, calls, inc)
    }
}

/// The suite, in report order.
pub const WORKLOADS: &[Workload] = &[
    Workload {
        name: "fib",
        profile: "recursive calls",
        source: Source::C,
        n: 41,
        bench_n: 22,
        simd: false,
    },
    Workload {
        name: "sieve",
        profile: "integer loops, byte stores",
        source: Source::C,
        n: 21,
        bench_n: 1,
        simd: false,
    },
    Workload {
        name: "nbody",
        profile: "f64 arithmetic, sqrt",
        source: Source::C,
        n: 9_000_000,
        bench_n: 20_000,
        simd: false,
    },
    Workload {
        name: "matmul",
        profile: "f64 loads, stores, multiply-add",
        source: Source::C,
        n: 400,
        bench_n: 1,
        simd: false,
    },
    Workload {
        name: "conv",
        profile: "8-bit image filter, widening multiply-adds",
        source: Source::C,
        n: 4400,
        bench_n: 2,
        simd: true,
    },
    Workload {
        name: "sha256",
        profile: "32-bit rotates and adds",
        source: Source::C,
        n: 110,
        bench_n: 1,
        simd: false,
    },
    Workload {
        name: "memops",
        profile: "memcpy/memmove, strided copies",
        source: Source::C,
        n: 760,
        bench_n: 1,
        simd: false,
    },
    Workload {
        name: "hashmap",
        profile: "hashbrown inserts, lookups, removals",
        source: Source::Rust,
        n: 440,
        bench_n: 2,
        simd: false,
    },
    Workload {
        name: "vm",
        profile: "bytecode-interpreter dispatch loop",
        source: Source::Rust,
        n: 300,
        bench_n: 5,
        simd: false,
    },
    Workload {
        name: "zlib",
        profile: "zlib 1.3 deflate and inflate (C)",
        source: Source::CProgram,
        n: 6,
        bench_n: 0,
        simd: false,
    },
    Workload {
        name: "sqlite",
        profile: "SQLite 3.50 in memory: inserts, indexes, joins (C)",
        source: Source::CProgram,
        n: 3,
        bench_n: 0,
        simd: false,
    },
    Workload {
        name: "lua",
        profile: "Lua 5.4 interpreter running a script (C)",
        source: Source::CProgram,
        n: 11,
        bench_n: 0,
        simd: false,
    },
    Workload {
        name: "regex",
        profile: "regex crate: log search, captures, replace",
        source: Source::RustProgram,
        n: 11,
        bench_n: 0,
        simd: false,
    },
    Workload {
        name: "json",
        profile: "serde_json: parse and print, typed and untyped",
        source: Source::RustProgram,
        n: 8,
        bench_n: 0,
        simd: false,
    },
    Workload {
        name: "syn",
        profile: "compiler front end: syn parses Rust, prettyplease prints",
        source: Source::RustProgram,
        n: 4,
        bench_n: 0,
        simd: false,
    },
    Workload {
        name: "png",
        profile: "png crate: encode, decode, filter an image",
        source: Source::RustProgram,
        n: 9,
        bench_n: 0,
        simd: false,
    },
    Workload {
        name: "fft",
        profile: "rustfft: short-time spectra of audio, filtered",
        source: Source::RustProgram,
        n: 15,
        bench_n: 0,
        simd: false,
    },
    Workload {
        name: "hello",
        profile: "start-up: load, instantiate, print",
        source: Source::C,
        n: 0,
        bench_n: 0,
        simd: false,
    },
    Workload {
        name: "big",
        profile: "start-up of a 3.8 MB Rust program",
        source: Source::Big,
        n: 0,
        bench_n: 0,
        simd: false,
    },
];

impl Workload {
    /// Whether the workload measures start-up rather than execution (it
    /// is left out of the execution geomeans).
    pub fn is_startup(&self) -> bool {
        self.n == 0
    }

    /// The import-free module's result when the native program cannot
    /// supply it: `hello`'s native `main` prints a greeting, while its
    /// `run(0)` returns 1.
    pub fn fixed_kernel_result(&self) -> Option<&'static str> {
        (self.name == "hello").then_some("1")
    }
}

/// Looks a workload up by name.
pub fn workload(name: &str) -> Option<&'static Workload> {
    WORKLOADS.iter().find(|w| w.name == name)
}

/// An import-free module and the export that runs the kernel.
#[derive(Debug, Clone)]
pub struct Kernel {
    pub module: PathBuf,
    pub export: String,
}

/// A command-line program (WASI module or native executable) and the
/// arguments that come before `n`.
#[derive(Debug, Clone)]
pub struct Program {
    pub path: PathBuf,
    pub args: Vec<String>,
    /// Whether `n` is passed as the last argument (kernels) or not at all
    /// (`hello`, `big`).
    pub takes_n: bool,
}

impl Program {
    /// The full argument list for a run with argument `n`.
    pub fn args_for(&self, n: u32) -> Vec<String> {
        let mut args = self.args.clone();
        if self.takes_n {
            args.push(n.to_string());
        }
        args
    }
}

/// A workload as built on this machine; a variant is `None` when its
/// toolchain is missing (the reason is in [`Suite::skipped`]).
#[derive(Debug)]
pub struct Built {
    pub workload: &'static Workload,
    pub kernel: Option<Kernel>,
    /// The import-free module built with `-msimd128`, for workloads with
    /// [`Workload::simd`].
    pub simd_kernel: Option<Kernel>,
    pub wasi: Option<Program>,
    pub native: Option<Program>,
}

/// Everything [`build_all`] produced.
#[derive(Debug)]
pub struct Suite {
    pub built: Vec<Built>,
    /// One line per toolchain problem, saying what to install.
    pub skipped: Vec<String>,
}

impl Suite {
    pub fn get(&self, name: &str) -> Option<&Built> {
        self.built.iter().find(|b| b.workload.name == name)
    }
}

/// `benches/` in the source tree.
pub fn benches_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where built workloads go: `target/petrel-benches/` (or under
/// `$CARGO_TARGET_DIR`).
pub fn out_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| benches_dir().join("../target"));
    target.join("petrel-benches")
}

/// Builds every workload that this machine's toolchains can build into
/// [`out_dir`]: C with clang (wasm32-wasi and native), Rust with cargo
/// (wasm32-wasip1 and the host). Up-to-date outputs are reused; the first
/// build takes several minutes (SQLite's amalgamation, twice).
pub fn build_all() -> Suite {
    let out = out_dir();
    let mut suite = Suite {
        built: Vec::new(),
        skipped: Vec::new(),
    };
    if let Err(err) = std::fs::create_dir_all(&out) {
        suite
            .skipped
            .push(format!("cannot create {}: {err}", out.display()));
        return suite;
    }
    let c = CToolchain::check(&out);
    let rust = build_rust(&out);
    let crates = c_programs::crate_dirs().map_err(|e| format!("{e:#}"));
    if let Err(why) = &c.wasm {
        suite.skipped.push(format!("C to wasm: {why}"));
    }
    if let Err(why) = &c.native {
        suite.skipped.push(format!("C to native: {why}"));
    }
    if let Err(why) = &rust {
        suite.skipped.push(format!("Rust workloads: {why:#}"));
    }
    for workload in WORKLOADS {
        let built = match workload.source {
            Source::C => build_c(&c, &out, workload, &mut suite.skipped),
            Source::CProgram => {
                c_programs::build(&c, &out, workload, crates.as_ref(), &mut suite.skipped)
            }
            Source::Rust | Source::Big | Source::RustProgram => {
                rust_outputs(rust.as_ref().ok(), workload)
            }
        };
        suite.built.push(built);
    }
    suite
}

/// Runs `cmd`, failing with its stderr if it does not succeed.
pub(crate) fn run_tool(cmd: &mut Command) -> Result<()> {
    let output = cmd
        .output()
        .with_context(|| format!("cannot run {:?}", cmd.get_program()))?;
    if !output.status.success() {
        bail!(
            "{:?} failed ({}): {}",
            cmd.get_program(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// Whether `output` exists and is newer than every one of `inputs`.
pub(crate) fn up_to_date(output: &Path, inputs: &[PathBuf]) -> bool {
    let Ok(built) = output.metadata().and_then(|m| m.modified()) else {
        return false;
    };
    inputs.iter().all(|input| {
        input
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t <= built)
    })
}

/// clang, checked once for each of the two targets.
pub(crate) struct CToolchain {
    pub(crate) clang: String,
    pub(crate) wasm: std::result::Result<(), String>,
    pub(crate) native: std::result::Result<(), String>,
}

impl CToolchain {
    fn check(out: &Path) -> Self {
        let clang = std::env::var("CLANG").unwrap_or_else(|_| "clang".to_string());
        let probe = out.join("probe.c");
        let _ = std::fs::write(
            &probe,
            "#include <stdio.h>\nint main(void) { puts(\"\"); }\n",
        );
        let try_build = |extra: &[&str], output: &str| {
            run_tool(
                Command::new(&clang)
                    .args(extra)
                    .arg("-O2")
                    .arg(&probe)
                    .arg("-o")
                    .arg(out.join(output)),
            )
            .map_err(|e| format!("{e:#}"))
        };
        let wasm = try_build(&["--target=wasm32-wasi"], "probe.wasm").map_err(|e| {
            format!(
                "`clang --target=wasm32-wasi` cannot build a C program ({e}); on Debian: \
                 apt-get install clang lld wasi-libc libclang-rt-dev-wasm32"
            )
        });
        let native = try_build(&[], "probe.native")
            .map_err(|e| format!("`clang` cannot build a native C program ({e})"));
        Self {
            clang,
            wasm,
            native,
        }
    }
}

/// Builds one C workload's three variants.
fn build_c(tc: &CToolchain, out: &Path, w: &'static Workload, skipped: &mut Vec<String>) -> Built {
    let src = benches_dir().join("workloads/c");
    let kernel_src = src.join(format!("{}.c", w.name));
    let header = src.join("kernel.h");
    let driver = src.join("driver.c");
    let freestanding = src.join("freestanding.c");
    let is_hello = w.name == "hello";
    let mut built = Built {
        workload: w,
        kernel: None,
        simd_kernel: None,
        wasi: None,
        native: None,
    };
    let mut attempt = |what: &str, output: PathBuf, inputs: Vec<PathBuf>, args: Vec<String>| {
        if up_to_date(&output, &inputs) {
            return Some(output);
        }
        let mut cmd = Command::new(&tc.clang);
        cmd.args(&args).arg("-o").arg(&output);
        match run_tool(&mut cmd) {
            Ok(()) => Some(output),
            Err(err) => {
                skipped.push(format!("{} ({what}): {err:#}", w.name));
                None
            }
        }
    };
    let path = |p: &Path| p.display().to_string();
    // With a `main` of its own, `hello` needs no driver.
    let (main_define, main_inputs): (Vec<String>, Vec<PathBuf>) = if is_hello {
        (
            vec!["-DPETREL_BENCH_HELLO_MAIN".into()],
            vec![kernel_src.clone()],
        )
    } else {
        (Vec::new(), vec![kernel_src.clone(), driver.clone()])
    };
    let main_sources: Vec<String> = main_inputs.iter().map(|p| path(p)).collect();

    if tc.wasm.is_ok() {
        let import_free = |simd: bool| -> Vec<String> {
            [
                "--target=wasm32-wasi",
                "-O2",
                "-nostdlib",
                "-Wl,--no-entry",
                "-Wl,--export=run",
            ]
            .map(String::from)
            .into_iter()
            .chain(simd.then(|| "-msimd128".to_string()))
            .chain([
                path(&kernel_src),
                path(&freestanding_object(tc, out, &freestanding)),
            ])
            .collect()
        };
        let inputs = vec![kernel_src.clone(), header.clone(), freestanding.clone()];
        let module = out.join(format!("{}.wasm", w.name));
        built.kernel = attempt(
            "import-free module",
            module,
            inputs.clone(),
            import_free(false),
        )
        .map(|module| Kernel {
            module,
            export: "run".to_string(),
        });
        if w.simd {
            let module = out.join(format!("{}.simd.wasm", w.name));
            built.simd_kernel = attempt(
                "import-free module, -msimd128",
                module,
                inputs,
                import_free(true),
            )
            .map(|module| Kernel {
                module,
                export: "run".to_string(),
            });
        }

        let command = out.join(format!("{}.wasi.wasm", w.name));
        let args = ["--target=wasm32-wasi".to_string(), "-O2".to_string()]
            .into_iter()
            .chain(main_define.iter().cloned())
            .chain(main_sources.iter().cloned())
            .collect();
        let mut inputs = main_inputs.clone();
        inputs.push(header.clone());
        built.wasi = attempt("WASI command", command, inputs, args).map(|path| Program {
            path,
            args: Vec::new(),
            takes_n: !is_hello,
        });
    }
    if tc.native.is_ok() {
        let exe = out.join(format!("{}.native", w.name));
        let args = ["-O2".to_string()]
            .into_iter()
            .chain(main_define.iter().cloned())
            .chain(main_sources.iter().cloned())
            .chain(["-lm".to_string()])
            .collect();
        let mut inputs = main_inputs.clone();
        inputs.push(header.clone());
        built.native = attempt("native", exe, inputs, args).map(|path| Program {
            path,
            args: Vec::new(),
            takes_n: !is_hello,
        });
    }
    built
}

/// Compiles `freestanding.c` (memcpy and friends for the import-free
/// modules) once, with `-fno-builtin` so that its loops are not turned back
/// into calls to themselves.
fn freestanding_object(tc: &CToolchain, out: &Path, source: &Path) -> PathBuf {
    let object = out.join("freestanding.o");
    if !up_to_date(&object, &[source.to_path_buf()]) {
        // A failure shows up when the module that needs it fails to link.
        let _ = run_tool(
            Command::new(&tc.clang)
                .args(["--target=wasm32-wasi", "-O2", "-fno-builtin", "-c"])
                .arg(source)
                .arg("-o")
                .arg(&object),
        );
    }
    object
}

/// The Rust workloads' build outputs.
struct RustOutputs {
    /// `kernels_run.wasm`: import-free, exports `run_<kernel>`.
    kernels_module: PathBuf,
    /// `kernels-main.wasm`: WASI command `kernels-main NAME N`.
    kernels_wasi: PathBuf,
    kernels_native: PathBuf,
    big_wasi: PathBuf,
    big_native: PathBuf,
    /// Where the programs (`NAME-bench.wasm`, `NAME-bench`) are.
    wasm_dir: PathBuf,
    host_dir: PathBuf,
}

/// Builds the Rust workspace in `workloads/rust` for wasm32-wasip1 and for
/// the host. Cargo decides what is up to date.
fn build_rust(out: &Path) -> Result<RustOutputs> {
    let manifest = benches_dir().join("workloads/rust/Cargo.toml");
    let target_dir = out.join("rust");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let cargo_build = |extra: &[&str]| {
        let mut cmd = Command::new(&cargo);
        cmd.args(["build", "--release", "--quiet", "--manifest-path"])
            .arg(&manifest)
            .arg("--target-dir")
            .arg(&target_dir)
            .args(extra);
        // Flags meant for Petrel's own build (from `cargo bench`, say)
        // must not leak into the workloads'.
        for var in [
            "RUSTFLAGS",
            "CARGO_ENCODED_RUSTFLAGS",
            "CARGO_BUILD_RUSTFLAGS",
            "CARGO_TARGET_DIR",
            "CARGO_BUILD_TARGET",
            "RUSTC_WRAPPER",
            "CARGO_MAKEFLAGS",
            "CARGO_PROFILE_RELEASE_DEBUG",
        ] {
            cmd.env_remove(var);
        }
        run_tool(&mut cmd)
    };
    cargo_build(&["--target", "wasm32-wasip1"]).context(
        "cannot build for wasm32-wasip1 (is the target installed? \
         `rustup target add wasm32-wasip1`)",
    )?;
    let mut host = vec!["-p", "kernels-main", "-p", "big"];
    let packages: Vec<String> = WORKLOADS
        .iter()
        .filter(|w| w.source == Source::RustProgram)
        .map(|w| format!("{}-bench", w.name))
        .collect();
    for package in &packages {
        host.extend(["-p", package.as_str()]);
    }
    cargo_build(&host).context("cannot build for the host")?;
    let wasm = target_dir.join("wasm32-wasip1/release");
    let host = target_dir.join("release");
    Ok(RustOutputs {
        kernels_module: wasm.join("kernels_run.wasm"),
        kernels_wasi: wasm.join("kernels-main.wasm"),
        kernels_native: host.join("kernels-main"),
        big_wasi: wasm.join("big.wasm"),
        big_native: host.join("big"),
        wasm_dir: wasm,
        host_dir: host,
    })
}

fn rust_outputs(rust: Option<&RustOutputs>, w: &'static Workload) -> Built {
    let mut built = Built {
        workload: w,
        kernel: None,
        simd_kernel: None,
        wasi: None,
        native: None,
    };
    let Some(rust) = rust else { return built };
    if w.source == Source::RustProgram {
        let program = |path: PathBuf| Program {
            path,
            args: Vec::new(),
            takes_n: true,
        };
        built.wasi = Some(program(
            rust.wasm_dir.join(format!("{}-bench.wasm", w.name)),
        ));
        built.native = Some(program(rust.host_dir.join(format!("{}-bench", w.name))));
    } else if w.source == Source::Big {
        let program = |path: &Path| Program {
            path: path.to_path_buf(),
            args: Vec::new(),
            takes_n: false,
        };
        built.wasi = Some(program(&rust.big_wasi));
        built.native = Some(program(&rust.big_native));
    } else {
        let program = |path: &Path| Program {
            path: path.to_path_buf(),
            args: vec![w.name.to_string()],
            takes_n: true,
        };
        built.kernel = Some(Kernel {
            module: rust.kernels_module.clone(),
            export: format!("run_{}", w.name),
        });
        built.wasi = Some(program(&rust.kernels_wasi));
        built.native = Some(program(&rust.kernels_native));
    }
    built
}

/// Runs a native program with argument `n` and returns its checksum (the
/// last line it prints).
pub fn native_checksum(program: &Program, n: u32) -> Result<String> {
    let output = Command::new(&program.path)
        .args(program.args_for(n))
        .output()
        .with_context(|| format!("cannot run {}", program.path.display()))?;
    if !output.status.success() {
        bail!("{} failed: {}", program.path.display(), output.status);
    }
    Ok(last_line(&String::from_utf8_lossy(&output.stdout)).to_string())
}

/// The last non-empty line of `text`, trimmed: where every program and
/// engine prints its checksum.
pub fn last_line(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        // wasmi's CLI reports the fuel it used on stdout, after a WASI
        // program's own output.
        .rfind(|l| !l.is_empty() && !l.starts_with("fuel consumed:"))
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workload_names_are_unique_and_sources_exist() {
        for (i, w) in WORKLOADS.iter().enumerate() {
            assert!(
                WORKLOADS[..i].iter().all(|o| o.name != w.name),
                "{}",
                w.name
            );
            let source = match w.source {
                Source::C => benches_dir().join(format!("workloads/c/{}.c", w.name)),
                Source::Rust => benches_dir().join("workloads/rust/kernels/src/lib.rs"),
                Source::Big => benches_dir().join("workloads/rust/big/src/main.rs"),
                Source::CProgram => {
                    assert!(
                        c_programs::is_c_program(w.name),
                        "{} has no build recipe",
                        w.name
                    );
                    benches_dir().join(format!("workloads/c-programs/{}/main.c", w.name))
                }
                Source::RustProgram => {
                    benches_dir().join(format!("workloads/rust/{}/src/main.rs", w.name))
                }
            };
            assert!(
                source.is_file(),
                "{} has no source at {}",
                w.name,
                source.display()
            );
        }
    }

    #[test]
    fn last_line_skips_trailing_blank_lines() {
        assert_eq!(last_line("warning\n42\n\n"), "42");
        assert_eq!(last_line(""), "");
    }
}
