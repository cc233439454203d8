//! Criterion benchmarks of every stage a Petrel user pays for:
//!
//! - `decode_validate`: `Module::validate` on the large module (MB/s);
//! - `compile`: `Module::new` per tier on the large module (MB/s); for the
//!   interpreter with `lazy_translation(false)` so every function is
//!   translated up front, and lazily for comparison;
//! - `instantiate`: a fresh `Store` plus instance of a small kernel and of
//!   the large module (its WASI imports stubbed);
//! - `per_request`: what a server pays per request: a new `Store`, an
//!   instance of a small module (one-page memory, a table, globals, a host
//!   import, data and element segments; on the JIT loaded from an
//!   artifact), one call of an export, and dropping the store, with the
//!   on-demand and the pooling allocator (and, with `--features peers`,
//!   wasmtime's same path with each of its allocators);
//! - `call_overhead`: a `TypedFunc` call from the host of an empty function
//!   and of one taking four arguments;
//! - `boundary`: Wasm calling a host function `(Caller, i32) -> i32` in a
//!   loop, and the host calling a typed export `(i32) -> i32` (with
//!   `--features peers`, wasmtime and wasmi too);
//! - `execute/<tier>/<workload>`: each kernel's `run(n)` on a fresh
//!   instance, checked against the native checksum before timing; a
//!   workload with a `-msimd128` build also runs as
//!   `execute/<tier>/<workload>-simd`, so the two builds' ratio is what
//!   SIMD is worth on that tier.
//!
//! Run with `cargo bench -p petrel-benches` (filter: `-- execute/interp`).
//! The workloads are built first (clang, cargo); those whose toolchain is
//! missing are skipped with a note.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use petrel::{Config, Engine, InstanceAllocationStrategy, Linker, Module, Store, Tier};
use petrel_benches::{build_all, native_checksum, Suite};
use std::hint::black_box;
use std::sync::OnceLock;
use std::time::Duration;

/// The tiers the engine has.
fn tiers() -> Vec<(&'static str, Tier)> {
    vec![("interp", Tier::Interpreter), ("jit", Tier::Jit)]
}

fn engine(tier: Tier, lazy: bool) -> Engine {
    let mut config = Config::new();
    config.tier(tier).lazy_translation(lazy);
    Engine::new(&config)
}

fn suite() -> &'static Suite {
    static SUITE: OnceLock<Suite> = OnceLock::new();
    SUITE.get_or_init(|| {
        let suite = build_all();
        for note in &suite.skipped {
            eprintln!("petrel-benches: skipped: {note}");
        }
        suite
    })
}

/// The large module's bytes, if it could be built.
fn big_module() -> Option<Vec<u8>> {
    let path = &suite().get("big")?.wasi.as_ref()?.path;
    std::fs::read(path).ok()
}

/// Instantiates `module` with every function import defined as a stub
/// that traps, so modules that import WASI can be instantiated (but not
/// run).
fn instantiate_stubbed(engine: &Engine, module: &Module) -> (Store<()>, petrel::Instance) {
    let mut linker = Linker::<()>::new(engine);
    for import in module.imports() {
        if let Some(ty) = import.ty().func() {
            linker
                .func_new(import.module(), import.name(), ty.clone(), |_, _, _| {
                    Err(petrel::Error::msg("stub import called"))
                })
                .expect("define stub");
        }
    }
    let mut store = Store::new(engine, ());
    let instance = linker.instantiate(&mut store, module).expect("instantiate");
    (store, instance)
}

fn decode_validate(c: &mut Criterion) {
    let Some(bytes) = big_module() else { return };
    let engine = Engine::default();
    let mut group = c.benchmark_group("decode_validate");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.sample_size(10);
    group.bench_function("big", |b| {
        b.iter(|| Module::validate(&engine, black_box(&bytes)).expect("valid"))
    });
    group.finish();
}

fn compile(c: &mut Criterion) {
    let Some(bytes) = big_module() else { return };
    let mut group = c.benchmark_group("compile");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.sample_size(10);
    for (name, tier) in tiers() {
        let eager = engine(tier, false);
        group.bench_function(format!("{name}/big"), |b| {
            b.iter(|| Module::from_binary(&eager, black_box(&bytes)).expect("compile"))
        });
    }
    let lazy = engine(Tier::Interpreter, true);
    group.bench_function("interp-lazy/big", |b| {
        b.iter(|| Module::from_binary(&lazy, black_box(&bytes)).expect("compile"))
    });
    group.finish();
}

fn instantiate(c: &mut Criterion) {
    let mut group = c.benchmark_group("instantiate");
    for (name, tier) in tiers() {
        let engine = engine(tier, true);
        if let Some(kernel) = suite().get("sha256").and_then(|b| b.kernel.as_ref()) {
            let bytes = std::fs::read(&kernel.module).expect("read module");
            let module = Module::from_binary(&engine, &bytes).expect("compile");
            group.bench_function(format!("{name}/sha256"), |b| {
                b.iter(|| instantiate_stubbed(&engine, &module))
            });
        }
        if let Some(bytes) = big_module() {
            let module = Module::from_binary(&engine, &bytes).expect("compile");
            group.bench_function(format!("{name}/big"), |b| {
                b.iter(|| instantiate_stubbed(&engine, &module))
            });
        }
    }
    group.finish();
}

/// The per-request module: one page of memory with a data segment, a
/// table with an element segment, globals, one host import, and an export
/// that uses them all.
const REQUEST_WAT: &str = r#"
(module
  (import "host" "log" (func $log (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "hello, request")
  (table 4 funcref)
  (elem (i32.const 0) $a $b)
  (global $count (mut i32) (i32.const 0))
  (global $base i32 (i32.const 16))
  (type $t (func (param i32) (result i32)))
  (func $a (param i32) (result i32) local.get 0 i32.const 1 i32.add)
  (func $b (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
  (func (export "handle") (param i32) (result i32)
    global.get $count i32.const 1 i32.add global.set $count
    global.get $base local.get 0 i32.store
    (call_indirect (type $t) (i32.load8_u (i32.const 0)) (i32.const 1))
    call $log))
"#;

fn per_request(c: &mut Criterion) {
    let mut group = c.benchmark_group("per_request");
    for (name, tier) in tiers() {
        for pooling in [false, true] {
            let mut config = Config::new();
            config.tier(tier);
            if pooling {
                config.allocation_strategy(InstanceAllocationStrategy::pooling());
            }
            let engine = Engine::new(&config);
            let module = match tier {
                // The JIT's module comes from an artifact, as a server's
                // would.
                Tier::Jit => {
                    let artifact = engine
                        .precompile_module(REQUEST_WAT.as_bytes())
                        .expect("precompile");
                    // SAFETY: Petrel made the artifact just now.
                    unsafe { Module::deserialize(&engine, &artifact) }.expect("deserialize")
                }
                _ => Module::new(&engine, REQUEST_WAT).expect("compile"),
            };
            let mut linker = Linker::<()>::new(&engine);
            linker
                .func_wrap("host", "log", |x: i32| x + 1)
                .expect("define");
            // Names resolved once, as a server would (and as wasmtime's
            // column below does).
            let pre = linker.instantiate_pre(&module).expect("instantiate_pre");
            let strategy = if pooling { "pooling" } else { "on-demand" };
            group.bench_function(format!("{name}/{strategy}"), |b| {
                b.iter(|| {
                    let mut store = Store::new(&engine, ());
                    let instance = pre.instantiate(&mut store).expect("instantiate");
                    let handle = instance
                        .get_typed_func::<i32, i32>(&store, "handle")
                        .expect("handle");
                    black_box(handle.call(&mut store, black_box(7)).expect("call"))
                })
            });
        }
    }
    #[cfg(feature = "peers")]
    peers::wasmtime_per_request(&mut group);
    group.finish();
}

/// wasmtime and wasmi in the same process, for the benches that compare
/// embeddings (`--features peers`).
#[cfg(feature = "peers")]
mod peers {
    use super::{black_box, BOUNDARY_CALLS, REQUEST_WAT};
    use criterion::{measurement::WallTime, BenchmarkGroup};

    /// `boundary` on wasmtime (its defaults: Cranelift, compiled ahead of
    /// the loop).
    pub fn wasmtime_boundary(group: &mut BenchmarkGroup<'_, WallTime>) {
        let (mut store, calls, inc) = petrel_benches::peers::wasmtime_boundary();
        group.bench_function(format!("wasmtime/wasm-to-host-x{BOUNDARY_CALLS}"), |b| {
            b.iter(|| {
                calls
                    .call(&mut store, black_box(BOUNDARY_CALLS))
                    .expect("call")
            })
        });
        group.bench_function("wasmtime/host-to-wasm", |b| {
            b.iter(|| inc.call(&mut store, black_box(7)).expect("call"))
        });
    }

    /// `boundary` on wasmi (its defaults).
    pub fn wasmi_boundary(group: &mut BenchmarkGroup<'_, WallTime>) {
        let (mut store, calls, inc) = petrel_benches::peers::wasmi_boundary();
        group.bench_function(format!("wasmi/wasm-to-host-x{BOUNDARY_CALLS}"), |b| {
            b.iter(|| {
                calls
                    .call(&mut store, black_box(BOUNDARY_CALLS))
                    .expect("call")
            })
        });
        group.bench_function("wasmi/host-to-wasm", |b| {
            b.iter(|| inc.call(&mut store, black_box(7)).expect("call"))
        });
    }

    /// wasmtime's per-request path, the same module precompiled, with its
    /// on-demand and its pooling allocator.
    pub fn wasmtime_per_request(group: &mut BenchmarkGroup<'_, WallTime>) {
        use wasmtime::{
            Config, Engine, InstanceAllocationStrategy, Linker, Module, PoolingAllocationConfig,
            Store,
        };
        for pooling in [false, true] {
            let mut config = Config::new();
            if pooling {
                config.allocation_strategy(InstanceAllocationStrategy::Pooling(
                    PoolingAllocationConfig::default(),
                ));
            }
            let engine = Engine::new(&config).expect("wasmtime engine");
            let artifact = engine
                .precompile_module(REQUEST_WAT.as_bytes())
                .expect("precompile");
            // SAFETY: wasmtime made the artifact just now.
            let module = unsafe { Module::deserialize(&engine, &artifact) }.expect("deserialize");
            let mut linker = Linker::<()>::new(&engine);
            linker
                .func_wrap("host", "log", |x: i32| x + 1)
                .expect("define");
            let pre = linker.instantiate_pre(&module).expect("instantiate_pre");
            let strategy = if pooling { "pooling" } else { "on-demand" };
            group.bench_function(format!("wasmtime/{strategy}"), |b| {
                b.iter(|| {
                    let mut store = Store::new(&engine, ());
                    let instance = pre.instantiate(&mut store).expect("instantiate");
                    let handle = instance
                        .get_typed_func::<i32, i32>(&mut store, "handle")
                        .expect("handle");
                    black_box(handle.call(&mut store, black_box(7)).expect("call"))
                })
            });
        }
    }
}

const CALLS_WAT: &str = r#"
(module
  (func (export "empty"))
  (func (export "add4") (param i32 i32 i32 i32) (result i32)
    (i32.add (i32.add (local.get 0) (local.get 1))
             (i32.add (local.get 2) (local.get 3)))))
"#;

fn call_overhead(c: &mut Criterion) {
    let mut group = c.benchmark_group("call_overhead");
    for (name, tier) in tiers() {
        let engine = engine(tier, true);
        let module = Module::new(&engine, CALLS_WAT).expect("compile");
        let (mut store, instance) = instantiate_stubbed(&engine, &module);
        let empty = instance
            .get_typed_func::<(), ()>(&store, "empty")
            .expect("empty");
        let add4 = instance
            .get_typed_func::<(i32, i32, i32, i32), i32>(&store, "add4")
            .expect("add4");
        group.bench_function(format!("{name}/empty"), |b| {
            b.iter(|| empty.call(&mut store, ()).expect("call"))
        });
        group.bench_function(format!("{name}/add4"), |b| {
            b.iter(|| {
                add4.call(&mut store, black_box((1, 2, 3, 4)))
                    .expect("call")
            })
        });
    }
    group.finish();
}

/// Host calls per iteration of `boundary/*/wasm-to-host`.
const BOUNDARY_CALLS: i32 = 1000;

/// The Wasm/host boundary (`BOUNDARY_WAT`): a Wasm loop calling a host
/// function `(Caller, i32) -> i32` [`BOUNDARY_CALLS`] times, and the host
/// calling a typed export `(i32) -> i32` once; with `--features peers`,
/// wasmtime and wasmi on the same module beside Petrel's tiers.
fn boundary(c: &mut Criterion) {
    let mut group = c.benchmark_group("boundary");
    for (name, tier) in tiers() {
        let engine = engine(tier, true);
        let (mut store, calls, inc) = petrel_benches::petrel_boundary(&engine);
        group.bench_function(format!("{name}/wasm-to-host-x{BOUNDARY_CALLS}"), |b| {
            b.iter(|| {
                calls
                    .call(&mut store, black_box(BOUNDARY_CALLS))
                    .expect("call")
            })
        });
        group.bench_function(format!("{name}/host-to-wasm"), |b| {
            b.iter(|| inc.call(&mut store, black_box(7)).expect("call"))
        });
    }
    #[cfg(feature = "peers")]
    {
        peers::wasmtime_boundary(&mut group);
        peers::wasmi_boundary(&mut group);
    }
    group.finish();
}

fn execute(c: &mut Criterion) {
    let mut group = c.benchmark_group("execute");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    for built in &suite().built {
        let workload = built.workload;
        let Some(kernel) = &built.kernel else {
            continue;
        };
        if workload.bench_n == 0 {
            continue; // start-up workloads: the comparison times those
        }
        let n = workload.bench_n;
        let expected = built
            .native
            .as_ref()
            .and_then(|native| native_checksum(native, n).ok());
        let variants = [(workload.name.to_string(), kernel)].into_iter().chain(
            built
                .simd_kernel
                .as_ref()
                .map(|k| (format!("{}-simd", workload.name), k)),
        );
        for ((name, tier), (label, kernel)) in
            variants.flat_map(|v| tiers().into_iter().map(move |t| (t, v.clone())))
        {
            let bytes = std::fs::read(&kernel.module).expect("read module");
            let engine = engine(tier, true);
            let module = Module::from_binary(&engine, &bytes).expect("compile");
            // One checked run: a wrong answer must not be benchmarked.
            let run = |engine: &Engine| {
                let (mut store, instance) = instantiate_stubbed(engine, &module);
                let func = instance
                    .get_typed_func::<i32, i64>(&store, &kernel.export)
                    .expect("kernel export");
                func.call(&mut store, n as i32).expect("run")
            };
            let got = run(&engine).to_string();
            if let Some(expected) = &expected {
                assert_eq!(&got, expected, "{label} on {name} disagrees with native");
            }
            group.bench_function(format!("{name}/{label}"), |b| {
                b.iter_batched(
                    || {
                        let (store, instance) = instantiate_stubbed(&engine, &module);
                        let func = instance
                            .get_typed_func::<i32, i64>(&store, &kernel.export)
                            .expect("kernel export");
                        (store, func)
                    },
                    // The store is returned, so criterion drops it (and
                    // unmaps its memory) outside the timed region.
                    |(mut store, func)| {
                        let r = func.call(&mut store, black_box(n as i32)).expect("run");
                        (store, r)
                    },
                    BatchSize::PerIteration,
                )
            });
        }
    }
    group.finish();
}

criterion_group!(
    benches,
    decode_validate,
    compile,
    instantiate,
    per_request,
    call_overhead,
    boundary,
    execute
);
criterion_main!(benches);
