//! `petrel run`: instantiates a module with WASI preview1 linked in and
//! calls `_start` (a WASI command: the arguments after MODULE become its
//! `argv`) or, with `--invoke`, a named export (the arguments are parsed
//! by the export's parameter types).

use super::{parse_bool, show_duration, CodegenOpts, ProfileArg, TierArg, WasmOpts};
use crate::module_file::{self, ModuleFile};
use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use petrel::{
    Config, Engine, Extern, ExternType, Linker, MemoryType, Module, SharedMemory, Store,
    StoreLimits, StoreLimitsBuilder, TrapCode, Val, ValType,
};
use petrel_wasi::threads::{self, ProgramEnd, WasiThreads};
use petrel_wasi::{DirPerms, I32Exit, WasiCtx, WasiCtxBuilder};
use std::io::{self, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

const EXIT_CODES: &str = "\
Exit status:
  N    the program called WASI `proc_exit(N)` (the low 8 bits of N, as on
       any Unix); `_start` returning is 0
  0    the function returned; with `--invoke`, its results are printed one
       per line
  1    error: unreadable or invalid module, unknown import, no such export,
       bad arguments, a `--dir` that cannot be opened, a `-S tcplisten`
       address that cannot be bound
  2    malformed command line
  134  the program trapped (128 + SIGABRT, as wasmtime), or a limit stopped
       it (`-W fuel`: all fuel consumed, `-W timeout`: interrupted,
       timeout reached, also 1 s later for a guest blocked in a host
       call); the trap and its wasm backtrace are printed to stderr.
       Also a call of an import `-W unknown-imports-trap` stood in for;
       the error names the import
The guest's stdout and stderr are written through as it writes them, so
nothing is lost whichever way it ends.

Sandbox:
  The guest sees only what is passed: its arguments, the `--env`
  variables (all of petrel's with `-S inherit-env`), stdin/stdout/stderr,
  the `--dir`/`--dir-ro` directories, and the `-S tcplisten` listeners.
  Paths resolve beneath those directories; `..`, absolute paths and
  symlinks leading out are refused.

Descriptors:
  0-2 are stdin, stdout and stderr; then the `--dir` directories, the
  `--dir-ro` ones, and the `-S tcplisten` listeners, each in the order
  given, from 3 up. (Listeners come after the directories so that
  wasi-libc, which stops looking for preopened directories at the first
  descriptor that is not one, still finds them all.)

Examples:
  petrel run hello.wasm
  petrel run --dir . --env LANG=C grep.wasm -n pattern file.txt
  petrel run --dir-ro /srv/site::/site server.wasm
  petrel run fib.wat --invoke fib 20
  petrel run --invoke add math.wat -5 0x10
  petrel run math.wat --invoke sub -- -5 3
  petrel run -W timeout=2s -W max-memory-size=64M untrusted.wasm
  petrel run -S tcplisten=127.0.0.1:8080 --dir-ro site::/ server.wasm
  petrel run -S inherit-env --env HOME=/ --argv0 ls busybox.wasm -l
  petrel run -W unknown-imports-trap=y needs-more-than-wasi.wasm
  petrel compile app.wasm && petrel run --allow-precompiled app.cwasm

Compile cache:
  With `--tier jit` (or `auto -C tier-up-unit=module`), what the JIT
  compiles is kept in a cache
  directory (`$PETREL_CACHE_DIR`, else `$XDG_CACHE_HOME/petrel`, else
  `~/.cache/petrel`; at most 1 GiB, least recently used entries removed)
  and the next run of the same module with the same options loads it
  instead of compiling; `--tier auto` loads it too, once the module gets
  hot. `-C cache=n` turns it off.";

/// How long after `-W timeout` a guest that has not stopped (it is
/// blocked in a host call, where no epoch check runs) is ended with the
/// process.
const TIMEOUT_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// Runs a WebAssembly module.
///
/// Instantiates MODULE (binary `.wasm` or text `.wat`) with WASI preview1
/// (`wasi_snapshot_preview1`) available and calls its `_start` function,
/// passing ARGS to the program as `argv[1..]` (`argv[0]` is MODULE's file
/// name, or `--argv0`). With `--invoke`, calls the named exported function instead,
/// passing ARGS converted to its parameter types, and prints its results
/// one per line: integers as signed decimal, floats as `1.5`, `NaN`,
/// `inf`.
///
/// A module importing anything else fails to instantiate, naming the
/// import (unless `-W unknown-imports-trap=y`).
#[derive(Debug, Args)]
#[command(after_long_help = EXIT_CODES)]
pub struct RunArgs {
    /// Execution tier to run the module with [default: auto; jit for a
    /// precompiled artifact].
    #[arg(long, value_enum)]
    tier: Option<TierArg>,

    /// Tell a profiler where the JIT's code lies (`perfmap`: Linux perf's
    /// /tmp/perf-PID.map, for `perf record` then `perf report`).
    #[arg(long, value_enum, value_name = "PROFILER")]
    profile: Option<ProfileArg>,

    #[command(flatten)]
    wasm: WasmOpts,

    #[command(flatten)]
    codegen: CodegenOpts,

    #[command(flatten)]
    wasi: WasiOpts,

    /// Allow MODULE to be a precompiled artifact (`petrel compile`): its
    /// machine code is mapped and run without compiling or validating it,
    /// so run only artifacts you made or trust as you would a native
    /// program.
    #[arg(long)]
    allow_precompiled: bool,

    /// Call the exported function NAME instead of `_start`.
    #[arg(long, value_name = "NAME")]
    invoke: Option<String>,

    /// Deepest call nesting before the program traps with "call stack
    /// exhausted" [default: 10000].
    #[arg(long, value_name = "N")]
    max_stack_depth: Option<usize>,

    /// Most 64 KiB pages any linear memory may grow to; `memory.grow` past
    /// it returns -1 [default: 65536, i.e. 4 GiB].
    #[arg(long, value_name = "N")]
    max_memory_pages: Option<u64>,

    /// Give the guest the host directory HOST, read-write, as GUEST
    /// (default: HOST). Repeatable; the guest reaches nothing outside the
    /// directories it is given.
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,

    /// Like `--dir`, read-only: creating, writing, renaming, deleting or
    /// changing the times of anything beneath it fails with EPERM.
    #[arg(long = "dir-ro", value_name = "HOST[::GUEST]")]
    dirs_ro: Vec<String>,

    /// Every `--dir` and `--dir-ro`, in command-line order (see
    /// [`RunArgs::order_preopens`]).
    #[arg(skip)]
    preopens: Vec<(String, DirPerms)>,

    /// Set an environment variable for the guest; `--env NAME` copies it
    /// from petrel's own environment (if set). Repeatable; nothing is
    /// inherited unless asked for (`-S inherit-env` inherits everything,
    /// and `--env` then adds or overrides).
    #[arg(long = "env", value_name = "NAME[=VALUE]")]
    envs: Vec<String>,

    /// The program's `argv[0]`, instead of MODULE's file name (for
    /// programs that behave according to the name they are called by).
    #[arg(long, value_name = "NAME")]
    argv0: Option<String>,

    /// The module to run: a `.wasm` binary or a `.wat` text file.
    #[arg(value_name = "MODULE")]
    module: PathBuf,

    /// Arguments for the program (its `argv[1..]`), or with `--invoke` for
    /// the called function: i32/i64 as decimal or 0x hex (negative
    /// allowed), f32/f64 as decimal, `nan`, `inf` or `-inf`. Everything
    /// after MODULE belongs to the program, even words starting with `-`.
    #[arg(
        value_name = "ARGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    args: Vec<String>,
}

/// Runs `petrel run`.
pub fn run(args: RunArgs) -> Result<ExitCode> {
    let mut config = Config::new();
    let path = args.module.display();
    let precompiled = module_file::is_precompiled(&args.module)?;
    if precompiled {
        if !args.allow_precompiled {
            bail!(
                "{path} is a precompiled Petrel artifact, whose machine code would run \
                 unchecked; pass --allow-precompiled to run it if you made it or trust it"
            );
        }
        if let Some(tier @ (TierArg::Interp | TierArg::Auto)) = args.tier {
            bail!(
                "{path} is a precompiled artifact, which holds JIT code: run it without \
                 `--tier {}`, or run the .wasm it was compiled from",
                tier.name()
            );
        }
    }
    let tier = match (args.tier, precompiled) {
        (Some(tier), _) => tier,
        (None, true) => TierArg::Jit,
        // Both tiers: it starts as fast as the interpreter and runs hot
        // code as the JIT does (docs/performance.md, "Tier-up").
        (None, false) => TierArg::Auto,
    };
    tier.apply(&mut config)?;
    if let Some(profile) = args.profile {
        profile.apply(&mut config);
    }
    args.wasm.apply(&mut config)?;
    if args.wasi.threads() {
        // A thread that ends the program stops the others by the epoch.
        config.epoch_interruption(true);
    }
    args.codegen.apply(&mut config);
    if let Some(depth) = args.max_stack_depth {
        config.max_call_depth(depth);
    }
    if let Some(pages) = args.max_memory_pages {
        config.max_memory_pages(pages);
    }
    let engine = Engine::new(&config);
    let module = if precompiled {
        // SAFETY: the user vouched for the artifact with
        // `--allow-precompiled`; nothing here writes the file.
        unsafe { Module::deserialize_file(&engine, &args.module) }
            .with_context(|| format!("failed to load {path}"))?
    } else {
        ModuleFile::read(&args.module)?
            .compile(&engine)
            .with_context(|| format!("failed to compile {path}"))?
    };

    let wasi = wasi_context(&args)?;
    let limits = match args.wasm.max_memory_size() {
        Some(bytes) => StoreLimitsBuilder::new()
            .memory_size(usize::try_from(bytes).unwrap_or(usize::MAX))
            .build(),
        None => StoreLimits::default(),
    };
    if let Some(timeout) = args.wasm.timeout() {
        // One tick of the epoch ends the guest (every store has a
        // deadline of 1, `StoreSetup`): a timer thread gives it
        // after `timeout`, and the process exits with or without it.
        // Wasm code stops at its next epoch check; a guest blocked in a
        // host call (a read of stdin that never comes) checks nothing, so
        // the timer ends the process itself if it is still here
        // `TIMEOUT_GRACE` later.
        let engine = engine.clone();
        std::thread::spawn(move || {
            std::thread::sleep(timeout);
            engine.increment_epoch();
            std::thread::sleep(TIMEOUT_GRACE);
            eprintln!(
                "error: interrupted: timeout of {} reached, while the guest was blocked \
                 in a host call",
                show_duration(timeout)
            );
            std::process::exit(i32::from(crate::report::EXIT_TRAP));
        });
    }
    if args.wasi.threads() {
        return run_with_threads(&args, &engine, module, wasi, limits);
    }
    if let Some(import) = wasi_threads_import(&module) {
        bail!(
            "{path} imports {import}: it is built for WASI threads \
             (`wasm32-wasip1-threads`); run it with `-S threads`"
        );
    }
    let mut store = Store::new(&engine, Host { wasi, limits });
    StoreSetup::new(&args).configure(&mut store)?;
    let mut linker = Linker::<Host>::new(&engine);
    petrel_wasi::add_to_linker(&mut linker, |host| &mut host.wasi)?;
    if args.wasm.unknown_imports_trap() {
        linker.define_unknown_imports_as_traps(&module)?;
    }
    let instance = linker
        .instantiate(&mut store, &module)
        .map_err(explain_link_error)
        .with_context(|| format!("failed to instantiate {path}"))?;
    call_entry(&args, module, store, instance, || None)
}

/// `-S threads`: the WASI context is shared by the program's threads, the
/// shared memory the module imports is made here, and `thread-spawn`
/// starts threads whose stores are set up as the main one.
fn run_with_threads(
    args: &RunArgs,
    engine: &Engine,
    module: Module,
    wasi: WasiCtx,
    limits: StoreLimits,
) -> Result<ExitCode> {
    let path = args.module.display();
    let mut linker = Linker::<ThreadHost>::new(engine);
    petrel_wasi::add_to_linker_shared(&mut linker, |host| &*host.wasi)?;
    threads::add_to_linker(&mut linker, |host| &host.threads)?;
    for import in module.imports() {
        if let ExternType::Memory(ty) = import.ty() {
            if ty.is_shared() {
                // No store's limits govern a shared memory: its maximum
                // carries `-W max-memory-size` instead.
                let ty = capped(ty, args.wasm.max_memory_size()).with_context(|| {
                    format!(
                        "{path} imports a shared memory {}::{}",
                        import.module(),
                        import.name()
                    )
                })?;
                let memory = SharedMemory::new(engine, ty).with_context(|| {
                    format!(
                        "failed to create the shared memory {}::{} that {path} imports",
                        import.module(),
                        import.name()
                    )
                })?;
                linker.define(import.module(), import.name(), memory)?;
            }
        }
    }
    if args.wasm.unknown_imports_trap() {
        linker.define_unknown_imports_as_traps(&module)?;
    }
    let pre = linker
        .instantiate_pre(&module)
        .map_err(explain_link_error)
        .with_context(|| format!("failed to instantiate {path}"))?;
    // Each thread's store: its own limits, fuel and deadline, as the main
    // thread's.
    let setup = StoreSetup::new(args);
    let threads = Arc::new(WasiThreads::new(pre.clone(), move |store| {
        setup.configure(store)
    }));
    let host = ThreadHost {
        wasi: Arc::new(Mutex::new(wasi)),
        limits,
        threads: Arc::clone(&threads),
    };
    let mut store = Store::new(engine, host);
    setup.configure(&mut store)?;
    let instance = pre
        .instantiate(&mut store)
        .map_err(explain_link_error)
        .with_context(|| format!("failed to instantiate {path}"))?;
    call_entry(args, module, store, instance, || threads.program_end())
}

/// What `module` imports that only WASI threads provide (`wasi.thread-spawn`
/// or a shared memory), named for the error, if anything.
fn wasi_threads_import(module: &Module) -> Option<String> {
    module.imports().find_map(|import| {
        let named = || format!("`{}::{}`", import.module(), import.name());
        match import.ty() {
            ExternType::Memory(ty) if ty.is_shared() => {
                Some(format!("a shared memory {}", named()))
            }
            ExternType::Func(_)
                if import.module() == threads::MODULE && import.name() == "thread-spawn" =>
            {
                Some(named())
            }
            _ => None,
        }
    })
}

/// `ty` with its maximum lowered to `bytes` (`-W max-memory-size`), or an
/// error if even its minimum is larger.
fn capped(ty: MemoryType, bytes: Option<u64>) -> Result<MemoryType> {
    let Some(bytes) = bytes else {
        return Ok(ty);
    };
    let pages = bytes / ty.page_size();
    if ty.minimum() > pages {
        bail!(
            "its initial size, {} bytes, is over `-W max-memory-size` ({bytes} bytes)",
            ty.minimum().saturating_mul(ty.page_size())
        );
    }
    Ok(ty.with_maximum(ty.maximum().map_or(pages, |max| max.min(pages))))
}

/// How each store is set up: its memory limits (in its data), and the
/// fuel and epoch deadline the limits ask for. `Copy`, so each spawned
/// thread's store gets the same.
#[derive(Clone, Copy)]
struct StoreSetup {
    fuel: Option<u64>,
    deadline: bool,
}

impl StoreSetup {
    fn new(args: &RunArgs) -> Self {
        Self {
            fuel: args.wasm.fuel(),
            deadline: args.wasm.timeout().is_some() || args.wasi.threads(),
        }
    }

    fn configure<T: HasLimits + 'static>(self, store: &mut Store<T>) -> petrel::Result<()> {
        store.limiter(|host| host.limits());
        if let Some(fuel) = self.fuel {
            store.set_fuel(fuel)?;
        }
        if self.deadline {
            store.set_epoch_deadline(1);
        }
        Ok(())
    }
}

/// Calls `_start` (or the `--invoke` export) of `instance` and turns how
/// it ended into the exit status; `program_end` says whether another
/// thread ended the program first (which stopped this call).
fn call_entry<T>(
    args: &RunArgs,
    module: Module,
    mut store: Store<T>,
    instance: petrel::Instance,
    program_end: impl Fn() -> Option<ProgramEnd>,
) -> Result<ExitCode> {
    let path = args.module.display();
    let name = args.invoke.as_deref().unwrap_or("_start");
    let func = match instance.get_export(&store, name) {
        Some(Extern::Func(func)) => func,
        Some(other) => bail!(
            "export `{name}` is a {}, not a function{}",
            extern_kind(&other),
            list_functions(&module)
        ),
        None if args.invoke.is_none() => bail!(
            "{path} has no `_start` function; use `--invoke NAME` to call an \
             exported function{}",
            list_functions(&module)
        ),
        None => bail!(
            "{path} has no export named `{name}`{}",
            list_functions(&module)
        ),
    };

    let ty = func.ty(&store);
    // Without `--invoke` the arguments were the program's argv.
    let call_args: &[String] = if args.invoke.is_some() {
        &args.args
    } else {
        &[]
    };
    let param_types: Vec<ValType> = ty.params().collect();
    let params = parse_args(name, &param_types, call_args)?;
    let mut results = vec![Val::I32(0); ty.results().len()];
    // No context here: a trap's own text is the whole story, and a host
    // or usage error names its cause.
    let outcome = func.call(&mut store, &params, &mut results);
    match program_end() {
        Some(ProgramEnd::Exit(code)) => return Ok(ExitCode::from(code as u8)),
        Some(ProgramEnd::Failed { tid, error }) => {
            return Err(explain_trap(error, args).context(format!("thread {tid} failed")))
        }
        None => {}
    }
    if let Err(err) = outcome {
        if let Some(&I32Exit(code)) = err.downcast_ref::<I32Exit>() {
            // The guest's output was written through as it went; ours
            // (nothing yet) needs no flush. Unix keeps the low 8 bits.
            return Ok(ExitCode::from(code as u8));
        }
        if let Some(exn) = err.as_exception() {
            let payload: Vec<String> = exn.payload(&store).iter().map(format_val).collect();
            bail!(
                "uncaught WebAssembly exception (payload: {})",
                if payload.is_empty() {
                    "none".to_string()
                } else {
                    payload.join(", ")
                }
            );
        }
        return Err(explain_trap(err, args));
    }

    let mut out = io::stdout().lock();
    for result in &results {
        writeln!(out, "{}", format_val(result))?;
    }
    out.flush()?;
    // The process ends now: leave the store's memories and the module's
    // code to the kernel instead of resetting and unmapping them one by
    // one (WASI writes through, so nothing is left to flush).
    core::mem::forget(store);
    core::mem::forget(module);
    Ok(ExitCode::SUCCESS)
}

/// A failure of the guest, said with its cause when it is the
/// `-W timeout` deadline.
fn explain_trap(err: petrel::Error, args: &RunArgs) -> anyhow::Error {
    match (err.trap_code(), args.wasm.timeout()) {
        (Some(TrapCode::Interrupt), Some(timeout)) => anyhow::Error::new(err).context(format!(
            "interrupted: timeout of {} reached",
            show_duration(timeout)
        )),
        _ => err.into(),
    }
}

/// What a `petrel run` store holds: the guest's WASI context and the
/// limits of its resources.
struct Host {
    wasi: WasiCtx,
    limits: StoreLimits,
}

/// What each thread's store holds with `-S threads`: the WASI context all
/// threads share, the store's own limits, and the program's threads.
#[derive(Clone)]
struct ThreadHost {
    wasi: Arc<Mutex<WasiCtx>>,
    limits: StoreLimits,
    threads: Arc<WasiThreads<ThreadHost>>,
}

/// A store's data holding its limits.
trait HasLimits {
    fn limits(&mut self) -> &mut StoreLimits;
}

impl HasLimits for Host {
    fn limits(&mut self) -> &mut StoreLimits {
        &mut self.limits
    }
}

impl HasLimits for ThreadHost {
    fn limits(&mut self) -> &mut StoreLimits {
        &mut self.limits
    }
}

impl RunArgs {
    /// Notes the command-line order of the `--dir` and `--dir-ro` options
    /// from the parse that made these arguments, so that the guest's
    /// preopens are numbered in that order, as wasmtime numbers them.
    pub fn order_preopens(&mut self, matches: &clap::ArgMatches) {
        let at = |id: &str| -> Vec<usize> {
            matches
                .indices_of(id)
                .map(|i| i.collect())
                .unwrap_or_default()
        };
        let rw = self
            .dirs
            .iter()
            .zip(at("dirs"))
            .map(|(d, i)| (i, d, DirPerms::ReadWrite));
        let ro = self
            .dirs_ro
            .iter()
            .zip(at("dirs_ro"))
            .map(|(d, i)| (i, d, DirPerms::ReadOnly));
        let mut all: Vec<_> = rw.chain(ro).collect();
        all.sort_by_key(|&(i, ..)| i);
        self.preopens = all.into_iter().map(|(_, d, p)| (d.clone(), p)).collect();
    }

    /// The preopened directories in the order given (read-write ones
    /// first if that order was never noted).
    fn preopens(&self) -> Vec<(&String, DirPerms)> {
        if self.preopens.len() == self.dirs.len() + self.dirs_ro.len() {
            return self.preopens.iter().map(|(d, p)| (d, *p)).collect();
        }
        let rw = self.dirs.iter().map(|d| (d, DirPerms::ReadWrite));
        rw.chain(self.dirs_ro.iter().map(|d| (d, DirPerms::ReadOnly)))
            .collect()
    }
}

/// The guest's WASI context: host stdio, `argv` (`--argv0` or MODULE's
/// file name, then the arguments unless they are for `--invoke`), the
/// environment, then the preopens: the `--dir`/`--dir-ro` directories in
/// the order given, then the `-S tcplisten`
/// listeners, bound now.
fn wasi_context(args: &RunArgs) -> Result<WasiCtx> {
    let mut builder = WasiCtxBuilder::new();
    builder.inherit_stdio();
    match &args.argv0 {
        Some(argv0) => builder.arg(argv0),
        None => builder.arg(
            args.module
                .file_name()
                .unwrap_or(args.module.as_os_str())
                .to_string_lossy(),
        ),
    };
    if args.invoke.is_none() {
        builder.args(&args.args);
    }
    builder.envs(super::guest_env(&args.envs, args.wasi.inherit_env())?);
    for (spec, perms) in args.preopens() {
        let (host, guest) = spec.split_once("::").unwrap_or((spec, spec));
        builder.preopened_dir(Path::new(host), guest, perms)?;
    }
    for addr in args.wasi.tcplisten() {
        let listener = TcpListener::bind(addr)
            .with_context(|| format!("`-S tcplisten={addr}`: cannot listen on {addr}"))?;
        builder.preopened_socket(listener);
    }
    Ok(builder.build()?)
}

/// WASI options, as `-S NAME[=VALUE]` (wasmtime's spelling).
#[derive(Debug, Clone, Default, Args)]
struct WasiOpts {
    /// A WASI option; repeatable, or several separated by commas.
    /// `inherit-env[=y|n]`: the guest gets petrel's whole environment
    /// (`--env` still adds or overrides). `tcplisten=ADDR:PORT`: petrel
    /// listens on the TCP address and hands the listener to the guest as
    /// a preopened socket, on which it may `sock_accept` (descriptors
    /// after the preopened directories, in the order given; repeatable).
    /// `threads[=y|n]`: WASI threads, for programs built for
    /// `wasm32-wasip1-threads` (`wasi.thread-spawn` starts a host thread
    /// running a new instance over the shared memory; a trap or
    /// `proc_exit` in any thread ends the program).
    #[arg(
        short = 'S',
        value_name = "NAME[=VALUE]",
        value_delimiter = ',',
        value_parser = parse_wasi_opt
    )]
    wasi: Vec<WasiOpt>,
}

/// One `-S` option.
#[derive(Debug, Clone, PartialEq, Eq)]
enum WasiOpt {
    InheritEnv(bool),
    /// WASI threads (`wasi.thread-spawn`).
    Threads(bool),
    /// An address to listen on, as given (a host name is resolved when
    /// binding).
    TcpListen(String),
}

impl WasiOpts {
    /// The last value given of the yes/no option `pick` reads (default:
    /// off).
    fn last_flag(&self, pick: impl Fn(&WasiOpt) -> Option<bool>) -> bool {
        self.wasi.iter().rev().find_map(pick).unwrap_or(false)
    }

    /// `-S inherit-env`, the last one given (default: off).
    fn inherit_env(&self) -> bool {
        self.last_flag(|o| match o {
            WasiOpt::InheritEnv(on) => Some(*on),
            _ => None,
        })
    }

    /// `-S threads`, the last one given (default: off).
    fn threads(&self) -> bool {
        self.last_flag(|o| match o {
            WasiOpt::Threads(on) => Some(*on),
            _ => None,
        })
    }

    /// Every `-S tcplisten` address, in the order given.
    fn tcplisten(&self) -> impl Iterator<Item = &str> {
        self.wasi.iter().filter_map(|o| match o {
            WasiOpt::TcpListen(addr) => Some(addr.as_str()),
            _ => None,
        })
    }
}

/// Parses `NAME[=VALUE]`; an unknown name or a bad value is a usage error
/// naming what was expected.
fn parse_wasi_opt(opt: &str) -> Result<WasiOpt, String> {
    let (name, value) = match opt.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (opt, None),
    };
    match name {
        "inherit-env" => Ok(WasiOpt::InheritEnv(parse_bool(name, value.unwrap_or("y"))?)),
        "threads" => Ok(WasiOpt::Threads(parse_bool(name, value.unwrap_or("y"))?)),
        "tcplisten" => {
            let addr = value.ok_or("`-S tcplisten` needs an address: `tcplisten=ADDR:PORT`")?;
            // The host part is resolved when binding; the port must be
            // there and a number now.
            let port = addr
                .rsplit_once(':')
                .map(|(host, port)| (host, port.parse::<u16>()));
            match port {
                Some((host, Ok(_))) if !host.is_empty() => Ok(WasiOpt::TcpListen(addr.to_string())),
                _ => Err(format!(
                    "`-S tcplisten`: expected ADDR:PORT (for example `127.0.0.1:8080`), \
                     found `{addr}`"
                )),
            }
        }
        other => Err(format!(
            "unknown WASI option `{other}` (known: inherit-env, tcplisten, threads)"
        )),
    }
}

/// Adds a hint to a missing import from a WASI version Petrel does not
/// provide.
pub(super) fn explain_link_error(err: petrel::Error) -> anyhow::Error {
    if let petrel::Error::Link(link) = &err {
        if link.module.starts_with("wasi") && link.module != petrel_wasi::MODULE {
            let hint = format!(
                "{err}; petrel provides WASI preview1 (`{}`) only",
                petrel_wasi::MODULE
            );
            return anyhow!(hint);
        }
    }
    err.into()
}

fn extern_kind(ext: &Extern) -> &'static str {
    match ext {
        Extern::Func(_) => "function",
        Extern::Table(_) => "table",
        Extern::Memory(_) => "memory",
        Extern::Global(_) => "global",
        Extern::Tag(_) => "tag",
        _ => "export",
    }
}

/// "; exported functions: a, b" (or a note that there are none), to end
/// an error about a missing or unusable export.
fn list_functions(module: &Module) -> String {
    let names: Vec<&str> = module
        .exports()
        .filter(|e| e.ty().func().is_some())
        .map(|e| e.name())
        .collect();
    if names.is_empty() {
        " (the module exports no functions)".to_string()
    } else {
        format!(" (exported functions: {})", names.join(", "))
    }
}

/// Converts the command-line arguments to values of the types `params`.
fn parse_args(func: &str, params: &[ValType], args: &[String]) -> Result<Vec<Val>> {
    if params.len() != args.len() {
        let types: Vec<String> = params.iter().map(ValType::to_string).collect();
        bail!(
            "`{func}` takes {} argument{} ({}) but {} {} given",
            params.len(),
            if params.len() == 1 { "" } else { "s" },
            types.join(", "),
            args.len(),
            if args.len() == 1 { "was" } else { "were" },
        );
    }
    params
        .iter()
        .zip(args)
        .enumerate()
        .map(|(i, (ty, text))| {
            parse_val(text, ty)
                .map_err(|why| anyhow!("argument {} of `{func}` (`{text}`): {why}", i + 1))
        })
        .collect()
}

/// Parses one argument as a value of type `ty`; the error says what was
/// expected.
fn parse_val(text: &str, ty: &ValType) -> Result<Val, String> {
    match ty {
        ValType::I32 => parse_int(text, i32::MIN.into(), u32::MAX.into())
            .map(|v| Val::I32(v as u32 as i32))
            .ok_or_else(|| int_expected("i32")),
        ValType::I64 => parse_int(text, i64::MIN.into(), u64::MAX.into())
            .map(|v| Val::I64(v as u64 as i64))
            .ok_or_else(|| int_expected("i64")),
        ValType::F32 => text
            .parse::<f32>()
            .map(Val::from)
            .map_err(|_| float_expected("f32")),
        ValType::F64 => text
            .parse::<f64>()
            .map(Val::from)
            .map_err(|_| float_expected("f64")),
        _ => Err(format!(
            "parameters of type {ty} cannot be passed on the command line"
        )),
    }
}

fn int_expected(ty: &str) -> String {
    format!("expected an {ty}: a decimal or 0x-prefixed hex integer in range")
}

fn float_expected(ty: &str) -> String {
    format!("expected an {ty}: a decimal number, `nan`, `inf` or `-inf`")
}

/// Parses a decimal or `0x` hex integer with an optional sign, accepting
/// it if it lies in `min..=max`. The range spans both the signed and the
/// unsigned reading of the type, since Wasm integers have no sign.
fn parse_int(text: &str, min: i128, max: i128) -> Option<i128> {
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (digits, radix) = match unsigned
        .strip_prefix("0x")
        .or_else(|| unsigned.strip_prefix("0X"))
    {
        Some(hex) => (hex, 16),
        None => (unsigned, 10),
    };
    // `from_str_radix` would accept a second sign.
    if !digits.bytes().next()?.is_ascii_alphanumeric() {
        return None;
    }
    let magnitude = i128::try_from(u128::from_str_radix(digits, radix).ok()?).ok()?;
    let value = if negative { -magnitude } else { magnitude };
    (min..=max).contains(&value).then_some(value)
}

/// Formats a result: integers as signed decimal, floats with Rust's
/// `Display` (`1.5`, `NaN`, `inf`).
fn format_val(val: &Val) -> String {
    match *val {
        Val::I32(v) => v.to_string(),
        Val::I64(v) => v.to_string(),
        Val::F32(bits) => f32::from_bits(bits).to_string(),
        Val::F64(bits) => f64::from_bits(bits).to_string(),
        Val::V128(bits) => format!("{bits:#034x}"),
        Val::FuncRef(None) | Val::ExternRef(None) => "null".to_string(),
        Val::FuncRef(Some(_)) => "funcref".to_string(),
        Val::ExternRef(Some(_)) => "externref".to_string(),
        _ => "reference".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasi_options_take_wasmtimes_names_and_refuse_others() {
        assert_eq!(parse_wasi_opt("inherit-env"), Ok(WasiOpt::InheritEnv(true)));
        assert_eq!(
            parse_wasi_opt("inherit-env=n"),
            Ok(WasiOpt::InheritEnv(false))
        );
        assert!(parse_wasi_opt("inherit-env=perhaps").is_err());
        assert_eq!(
            parse_wasi_opt("tcplisten=127.0.0.1:8080"),
            Ok(WasiOpt::TcpListen("127.0.0.1:8080".into()))
        );
        assert_eq!(
            parse_wasi_opt("tcplisten=[::1]:0"),
            Ok(WasiOpt::TcpListen("[::1]:0".into()))
        );
        for bad in [
            "tcplisten",
            "tcplisten=",
            "tcplisten=8080",
            "tcplisten=:8080",
            "tcplisten=localhost:http",
            "tcplisten=127.0.0.1:70000",
        ] {
            let err = parse_wasi_opt(bad).unwrap_err();
            assert!(err.contains("tcplisten"), "{bad}: {err}");
        }
        let err = parse_wasi_opt("preview2=n").unwrap_err();
        assert!(
            err.contains("`preview2`") && err.contains("known:"),
            "{err}"
        );
    }

    fn i32_of(text: &str) -> Option<i32> {
        parse_val(text, &ValType::I32).ok()?.i32()
    }

    fn i64_of(text: &str) -> Option<i64> {
        parse_val(text, &ValType::I64).ok()?.i64()
    }

    #[test]
    fn integers_accept_decimal_hex_and_signs() {
        assert_eq!(i32_of("42"), Some(42));
        assert_eq!(i32_of("-5"), Some(-5));
        assert_eq!(i32_of("+7"), Some(7));
        assert_eq!(i32_of("0x10"), Some(16));
        assert_eq!(i32_of("-0x10"), Some(-16));
        assert_eq!(i32_of("0XfF"), Some(255));
        assert_eq!(i64_of("-9223372036854775808"), Some(i64::MIN));
    }

    #[test]
    fn integers_accept_the_unsigned_reading_of_the_bits() {
        assert_eq!(i32_of("0xffffffff"), Some(-1));
        assert_eq!(i32_of("4294967295"), Some(-1));
        assert_eq!(i64_of("0xffffffffffffffff"), Some(-1));
    }

    #[test]
    fn integers_reject_garbage_and_out_of_range() {
        for bad in [
            "",
            "-",
            "0x",
            "abc",
            "1.5",
            "--5",
            "+-5",
            "-+5",
            "0x-5",
            "1 ",
            "4294967296",
            "-2147483649",
            "0x100000000",
        ] {
            assert_eq!(i32_of(bad), None, "{bad:?} should be rejected");
        }
        assert_eq!(i64_of("18446744073709551616"), None);
    }

    #[test]
    fn floats_accept_decimal_nan_and_infinities() {
        let f32_of = |t: &str| parse_val(t, &ValType::F32).ok()?.f32();
        let f64_of = |t: &str| parse_val(t, &ValType::F64).ok()?.f64();
        assert_eq!(f32_of("1.5"), Some(1.5));
        assert_eq!(f32_of("-3"), Some(-3.0));
        assert!(f32_of("nan").is_some_and(f32::is_nan));
        assert_eq!(f64_of("inf"), Some(f64::INFINITY));
        assert_eq!(f64_of("-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(f64_of("x"), None);
    }

    #[test]
    fn results_print_signed_and_with_float_display() {
        assert_eq!(format_val(&Val::I32(-1)), "-1");
        assert_eq!(format_val(&Val::I64(i64::MIN)), "-9223372036854775808");
        assert_eq!(format_val(&Val::from(1.5f32)), "1.5");
        assert_eq!(format_val(&Val::from(f64::NAN)), "NaN");
        assert_eq!(format_val(&Val::from(f32::INFINITY)), "inf");
    }

    #[test]
    fn wrong_argument_count_names_the_expected_types() {
        let err = parse_args("add", &[ValType::I32, ValType::I64], &["1".into()]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`add` takes 2 arguments (i32, i64) but 1 was given"
        );
    }
}
