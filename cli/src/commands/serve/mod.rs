//! `petrel serve`: an HTTP server whose routes are WASI preview1
//! programs, each request run in a fresh instance CGI-style, as WAGI did
//! (the contract is in docs/serve.md).
//!
//! This file reads the command line and sets everything up: the engine
//! (pooling allocator, epoch interruption for the deadlines), each
//! route's module compiled or loaded once and linked once
//! (`InstancePre`), and the per-request limits; `server.rs` then serves.
//! `routes.rs` matches paths to routes, `cgi_env.rs` makes a request's
//! environment, `guest.rs` runs one request, `cgi_output.rs` reads the
//! guest's answer.

mod cgi_env;
mod cgi_output;
mod guest;
mod routes;
mod server;

use super::{CodegenOpts, TierArg, WasmOpts};
use crate::module_file::{self, ModuleFile};
use anyhow::{bail, Context, Result};
use clap::Args;
use guest::{Function, Limits, Preopen};
use petrel::{Config, Engine, InstanceAllocationStrategy, Linker, Module, PoolingAllocationConfig};
use petrel_wasi::DirPerms;
use routes::{RouteArg, RouteTable};
use server::{App, Route, ServerOptions};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Every request's deadline unless `-W timeout` says otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Every request's memory cap unless `-W max-memory-size` says otherwise.
const DEFAULT_MEMORY_CAP: u64 = 128 << 20;
/// Most bytes a guest may write to stdout for one response.
const MAX_OUTPUT: usize = 16 << 20;

const HELP: &str = "\
The contract (see docs/serve.md):
  Each request runs MODULE's `_start` in a fresh instance. The request's
  method, path, query and headers are environment variables with their
  CGI meanings (REQUEST_METHOD; SCRIPT_NAME, the route; PATH_INFO, the
  rest of the path, decoded; QUERY_STRING; CONTENT_LENGTH, CONTENT_TYPE;
  HTTP_* for each header; SERVER_*, REMOTE_ADDR...), and the body is on
  stdin. The guest writes an optional header block (`Status: 404`,
  `Content-Type: text/html`, `Location: /x`, any other header), a blank
  line, then the body, to stdout; output whose first line is not a header
  is all body (200, text/plain). Its stderr goes to petrel's.

Routes and their options:
  A request goes to the route with the longest matching path prefix (at
  a `/` boundary; `/` catches everything else; no match is a 404).
  `--dir`, `--dir-ro` and `--env` given after a `--route` belong to that
  route; given before the first `--route`, to every route.

Limits, per request:
  a deadline (`-W timeout`, default 30s: then 504), a memory cap (`-W
  max-memory-size`, default 128M: `memory.grow` fails past it), fuel if
  `-W fuel` is given, at most 16 MiB of request body (413) and of output.
  A guest that traps, exits with a non-zero status, reaches a limit or
  writes a malformed header block gets a 500 (504 for the deadline) with
  a short reason; the server keeps serving.

Log:
  One line per request on stderr: method, target, status, route, the
  microseconds spent in the guest (instantiation and `_start`), and the
  reason of a failure.

Examples:
  petrel serve --route /hello=hello.wasm
  petrel serve --addr 0.0.0.0:8080 --tier jit -W timeout=2s,max-memory-size=32M \\
      --route /api=api.wasm --env DB=/data/db --dir-ro data::/data \\
      --route /=site.wasm --dir-ro public::/site
  petrel compile -W timeout=30s app.wasm && petrel serve --allow-precompiled --route /=app.cwasm";

/// Serves WASI programs over HTTP, a fresh instance per request.
///
/// Each `--route PATH=MODULE` maps the requests under PATH to MODULE, a
/// WASI command (`.wasm`, `.wat`, or with `--allow-precompiled` an
/// artifact of `petrel compile`), compiled once at start. Every request
/// runs a fresh instance of its route's module, CGI-style: the request
/// in environment variables and on stdin, the response from stdout.
#[derive(Debug, Args)]
#[command(after_long_help = HELP)]
pub struct ServeArgs {
    /// The address and port to listen on (port 0: any free port; the
    /// address chosen is printed).
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,

    /// Serve the requests whose path is PATH or lies under it with MODULE.
    /// Repeatable; the `--dir`, `--dir-ro` and `--env` after it are its
    /// own.
    #[arg(long = "route", value_name = "PATH=MODULE", required = true, value_parser = routes::parse_route)]
    routes: Vec<RouteArg>,

    /// Execution tier [default: interp; jit if a route's module is a
    /// precompiled artifact].
    #[arg(long, value_enum)]
    tier: Option<TierArg>,

    #[command(flatten)]
    wasm: WasmOpts,

    #[command(flatten)]
    codegen: CodegenOpts,

    /// Allow route modules to be precompiled artifacts (`petrel compile`),
    /// whose machine code runs unchecked: only artifacts you made or
    /// trust.
    #[arg(long)]
    allow_precompiled: bool,

    /// Most requests whose guests run at once, each in its own instance;
    /// more wait for one to finish. Their memory is at most this many
    /// times the memory cap.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    max_instances: u32,

    /// Give the route's guests the host directory HOST, read-write, as
    /// GUEST (default: HOST). Repeatable.
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,

    /// Like `--dir`, read-only.
    #[arg(long = "dir-ro", value_name = "HOST[::GUEST]")]
    dirs_ro: Vec<String>,

    /// Set an environment variable for the route's guests (`NAME` alone
    /// copies petrel's own); it wins over a CGI variable of the same name.
    /// Repeatable.
    #[arg(long = "env", value_name = "NAME[=VALUE]")]
    envs: Vec<String>,

    /// Each route's `--dir`, `--dir-ro` and `--env`, by where they stood
    /// on the command line (see [`ServeArgs::assign_route_options`]).
    #[arg(skip)]
    route_options: Vec<RouteOptions>,
}

/// What one route's guests are given besides the request.
#[derive(Debug, Clone, Default)]
struct RouteOptions {
    preopens: Vec<(String, DirPerms)>,
    envs: Vec<String>,
}

impl ServeArgs {
    /// Gives each `--dir`, `--dir-ro` and `--env` to the `--route` before
    /// it on the command line, or to every route if it stood before the
    /// first, keeping their order (preopens are numbered in it).
    pub fn assign_route_options(&mut self, matches: &clap::ArgMatches) {
        let at = |id: &str| -> Vec<usize> {
            matches
                .indices_of(id)
                .map(|i| i.collect())
                .unwrap_or_default()
        };
        let route_at = at("routes");
        // Which route an option at `index` belongs to: `None` for all.
        let owner = |index: usize| route_at.iter().rposition(|&r| r < index);
        let mut preopens: Vec<(usize, String, DirPerms)> = Vec::new();
        preopens.extend(
            self.dirs
                .iter()
                .zip(at("dirs"))
                .map(|(d, i)| (i, d.clone(), DirPerms::ReadWrite)),
        );
        preopens.extend(
            self.dirs_ro
                .iter()
                .zip(at("dirs_ro"))
                .map(|(d, i)| (i, d.clone(), DirPerms::ReadOnly)),
        );
        preopens.sort_by_key(|&(i, ..)| i);
        let mut envs: Vec<(usize, String)> = self
            .envs
            .iter()
            .cloned()
            .zip(at("envs"))
            .map(|(e, i)| (i, e))
            .collect();
        envs.sort_by_key(|&(i, _)| i);

        let mut options = vec![RouteOptions::default(); self.routes.len()];
        for (n, route) in options.iter_mut().enumerate() {
            let mine = |i: usize| owner(i).is_none_or(|o| o == n);
            route.preopens = preopens
                .iter()
                .filter(|(i, ..)| mine(*i))
                .map(|(_, d, p)| (d.clone(), *p))
                .collect();
            route.envs = envs
                .iter()
                .filter(|(i, _)| mine(*i))
                .map(|(_, e)| e.clone())
                .collect();
        }
        self.route_options = options;
    }
}

/// Runs `petrel serve`.
pub fn serve(args: ServeArgs) -> Result<ExitCode> {
    if args.route_options.len() != args.routes.len() {
        bail!("internal error: the routes' options were not assigned");
    }
    let mut precompiled = Vec::new();
    for route in &args.routes {
        let is = module_file::is_precompiled(&route.module)?;
        if is && !args.allow_precompiled {
            bail!(
                "{} is a precompiled Petrel artifact, whose machine code would run \
                 unchecked; pass --allow-precompiled to serve it if you made it or trust it",
                route.module.display()
            );
        }
        precompiled.push(is);
    }
    let any_precompiled = precompiled.iter().any(|&p| p);
    let tier = match args.tier {
        Some(tier @ (TierArg::Interp | TierArg::Auto)) if any_precompiled => bail!(
            "a route's module is a precompiled artifact, which holds JIT code: serve it \
             without `--tier {}`, or serve the .wasm it was compiled from",
            tier.name()
        ),
        Some(tier) => tier,
        None if any_precompiled => TierArg::Jit,
        None => TierArg::Interp,
    };

    let deadline = args.wasm.timeout().unwrap_or(DEFAULT_TIMEOUT);
    let (tick, deadline_ticks) = server::epoch_tick(deadline);
    let memory_cap = args.wasm.max_memory_size().unwrap_or(DEFAULT_MEMORY_CAP);
    let memory_cap = usize::try_from(memory_cap).unwrap_or(usize::MAX);
    let limits = Limits {
        deadline,
        deadline_ticks,
        fuel: args.wasm.fuel(),
        memory: memory_cap,
        output: MAX_OUTPUT,
    };

    let mut config = Config::new();
    tier.apply(&mut config)?;
    args.wasm.apply(&mut config)?;
    args.codegen.apply(&mut config);
    config.epoch_interruption(true);
    let instances = args.max_instances;
    let mut pool = PoolingAllocationConfig::default();
    pool.total_core_instances(instances)
        .total_memories(instances.saturating_mul(4))
        .total_tables(instances.saturating_mul(4))
        // The memory cap is the store limiter's (`guest.rs`), which notes
        // a refused growth; the pool's own bound stays the default 4 GiB.
        .max_unused_warm_slots(instances);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    let engine = Engine::new(&config);

    // A module served by several routes is compiled once.
    let mut modules: HashMap<PathBuf, Module> = HashMap::new();
    let mut routes = Vec::new();
    for ((route, options), is_precompiled) in args
        .routes
        .iter()
        .zip(&args.route_options)
        .zip(&precompiled)
    {
        let module = match modules.get(&route.module) {
            Some(module) => module.clone(),
            None => {
                let module = load(&engine, &route.module, *is_precompiled)?;
                modules.insert(route.module.clone(), module.clone());
                module
            }
        };
        let function = link(&engine, &module, route, options, &args.wasm)
            .with_context(|| format!("route {}", route.prefix))?;
        let env = super::guest_env(&options.envs, false)?;
        routes.push((route.prefix.clone(), Arc::new(Route { function, env })));
    }
    let routes = RouteTable::new(routes).map_err(anyhow::Error::msg)?;

    server::start_epoch_ticker(&engine, tick)?;
    server::serve(
        App {
            engine,
            routes,
            limits,
        },
        ServerOptions {
            addr: args.addr,
            max_instances: instances as usize,
        },
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Compiles (or, for an artifact, maps) a route's module.
fn load(engine: &Engine, path: &std::path::Path, precompiled: bool) -> Result<Module> {
    if precompiled {
        // SAFETY: the user vouched for the artifact with
        // `--allow-precompiled`; nothing here writes the file.
        unsafe { Module::deserialize_file(engine, path) }.with_context(|| {
            format!(
                "failed to load {} (`petrel serve` checks deadlines, so compile its \
                 artifacts with a timeout, any: `petrel compile -W timeout=30s`)",
                path.display()
            )
        })
    } else {
        ModuleFile::read(path)?
            .compile(engine)
            .with_context(|| format!("failed to compile {}", path.display()))
    }
}

/// Links WASI (and, with `-W unknown-imports-trap`, stand-ins for other
/// imports) for a route's module, once; checks that it is a command.
fn link(
    engine: &Engine,
    module: &Module,
    route: &RouteArg,
    options: &RouteOptions,
    wasm: &WasmOpts,
) -> Result<Function> {
    let path = route.module.display();
    let start = module.exports().find(|e| e.name() == "_start");
    match start
        .as_ref()
        .and_then(|e| e.ty().func().map(|f| (f.params().len(), f.results().len())))
    {
        Some((0, 0)) => {}
        Some(_) => bail!("{path}: `_start` takes parameters or returns results"),
        None => bail!(
            "{path} has no `_start` function: `petrel serve` runs WASI commands \
             (a `main`), not libraries"
        ),
    }
    let mut linker = Linker::new(engine);
    petrel_wasi::add_to_linker(&mut linker, |host: &mut guest::Host| host.wasi())?;
    if wasm.unknown_imports_trap() {
        linker.define_unknown_imports_as_traps(module)?;
    }
    let pre = linker
        .instantiate_pre(module)
        .map_err(super::run::explain_link_error)
        .with_context(|| format!("failed to link {path}"))?;
    let mut preopens = Vec::new();
    for (spec, perms) in &options.preopens {
        let (host, guest) = spec.split_once("::").unwrap_or((spec, spec));
        // Opened now so that a mistake shows at start, not per request.
        std::fs::read_dir(host).with_context(|| format!("cannot preopen directory `{host}`"))?;
        preopens.push(Preopen {
            host: PathBuf::from(host),
            guest: guest.to_string(),
            perms: *perms,
        });
    }
    let argv0 = route
        .module
        .file_name()
        .unwrap_or(route.module.as_os_str())
        .to_string_lossy()
        .into_owned();
    Ok(Function {
        pre,
        argv0,
        preopens,
    })
}
