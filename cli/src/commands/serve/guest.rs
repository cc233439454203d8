//! One request in one fresh instance: a new store with the request's
//! WASI context (the CGI environment, the body on stdin, stdout captured
//! up to a limit), the route's preopens and the per-request limits; the
//! module instantiated from its `InstancePre`, `_start` called, and the
//! outcome sorted into a response or a failure with its status. The store
//! is dropped at the end: nothing of one request reaches the next.

use super::cgi_output::{self, GuestResponse};
use crate::commands::show_duration;
use hyper::StatusCode;
use petrel::{
    Engine, InstancePre, ResourceLimiter, Store, StoreLimits, StoreLimitsBuilder, TrapCode,
};
use petrel_wasi::{DirPerms, I32Exit, OutputBuffer, WasiCtx, WasiCtxBuilder};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What a request's store holds.
pub struct Host {
    wasi: WasiCtx,
    limits: CapWatch,
}

impl Host {
    /// The guest's WASI context, for the linker.
    pub fn wasi(&mut self) -> &mut WasiCtx {
        &mut self.wasi
    }
}

/// The store's limits, noting whether a memory was refused growth: a
/// guest that then traps is reported as having reached its cap.
struct CapWatch {
    limits: StoreLimits,
    refused: bool,
}

impl ResourceLimiter for CapWatch {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> petrel::Result<bool> {
        let allowed = self.limits.memory_growing(current, desired, maximum)?;
        self.refused |= !allowed;
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> petrel::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }
}

/// A directory a route's guests are handed.
#[derive(Debug, Clone)]
pub struct Preopen {
    pub host: PathBuf,
    pub guest: String,
    pub perms: DirPerms,
}

/// A route's function: the module with its imports resolved, and what
/// each of its instances is given besides the request.
pub struct Function {
    pub pre: InstancePre<Host>,
    /// The guest's `argv[0]`: the module's file name.
    pub argv0: String,
    pub preopens: Vec<Preopen>,
}

/// The limits every request runs under.
#[derive(Debug, Clone)]
pub struct Limits {
    pub deadline: Duration,
    /// The epoch ticks of the deadline (see `server::EpochTicker`).
    pub deadline_ticks: u64,
    pub fuel: Option<u64>,
    pub memory: usize,
    pub output: usize,
}

/// How a request's guest ended, when it gave no response.
#[derive(Debug)]
pub struct Failure {
    pub status: StatusCode,
    /// A short reason, sent as the body and logged.
    pub reason: String,
}

impl Failure {
    fn new(status: StatusCode, reason: impl Into<String>) -> Self {
        Self {
            status,
            reason: reason.into(),
        }
    }

    fn internal(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, reason)
    }
}

/// What one request's guest did, and how long it took (instantiation
/// and `_start`).
pub struct Ran {
    pub outcome: Result<GuestResponse, Failure>,
    pub guest_time: Duration,
}

impl Function {
    /// Runs the function once for a request with environment `env` and
    /// body `body`, on this thread, under `limits`, and hands what it did
    /// to `done`, before the store is dropped: the response can go out
    /// while the instance's memory is given back to the pool.
    pub fn run(
        &self,
        engine: &Engine,
        limits: &Limits,
        env: impl IntoIterator<Item = (String, String)>,
        body: Vec<u8>,
        done: impl FnOnce(Ran),
    ) {
        let stdout = OutputBuffer::with_limit(limits.output);
        let wasi = match self.wasi_context(env, body, stdout.clone()) {
            Ok(wasi) => wasi,
            Err(reason) => {
                return done(Ran {
                    outcome: Err(Failure::internal(reason)),
                    guest_time: Duration::ZERO,
                })
            }
        };
        let start = Instant::now();
        let host = Host {
            wasi,
            limits: CapWatch {
                limits: StoreLimitsBuilder::new().memory_size(limits.memory).build(),
                refused: false,
            },
        };
        let mut store = Store::new(engine, host);
        store.limiter(|host| &mut host.limits);
        store.set_epoch_deadline(limits.deadline_ticks);
        let result = self.call(&mut store, limits);
        let guest_time = start.elapsed();
        let refused = store.data().limits.refused;
        // Output past the limit ends the response whatever the guest did
        // next (a Rust guest panics on the failed write).
        let outcome = if stdout.overflowed() {
            Err(Failure::internal(format!(
                "the function wrote more than {} bytes",
                limits.output
            )))
        } else {
            match result {
                Ok(()) | Err(Ended::Exit(0)) => {
                    cgi_output::parse(stdout.take()).map_err(|malformed| {
                        Failure::internal(format!("malformed header block: {}", malformed.0))
                    })
                }
                Err(ended) => Err(ended.failure(limits, refused)),
            }
        };
        done(Ran {
            outcome,
            guest_time,
        });
        drop(store);
    }

    fn wasi_context(
        &self,
        env: impl IntoIterator<Item = (String, String)>,
        body: Vec<u8>,
        stdout: OutputBuffer,
    ) -> Result<WasiCtx, String> {
        let mut builder = WasiCtxBuilder::new();
        builder
            .arg(&self.argv0)
            .envs(env)
            .stdin_bytes(body)
            .stdout_buffer(stdout)
            .inherit_stderr();
        for p in &self.preopens {
            builder
                .preopened_dir(&p.host, &p.guest, p.perms)
                .map_err(|e| format!("{e}: {}", source_text(&e)))?;
        }
        builder.build().map_err(|e| e.to_string())
    }

    fn call(&self, store: &mut Store<Host>, limits: &Limits) -> Result<(), Ended> {
        if let Some(fuel) = limits.fuel {
            store.set_fuel(fuel).map_err(Ended::Error)?;
        }
        let instance = self.pre.instantiate(&mut *store).map_err(Ended::Error)?;
        let start = instance
            .get_typed_func::<(), ()>(&*store, "_start")
            .map_err(Ended::Error)?;
        start
            .call(&mut *store, ())
            .map_err(|err| match err.downcast_ref::<I32Exit>() {
                Some(&I32Exit(code)) => Ended::Exit(code),
                None => Ended::Error(err),
            })
    }
}

fn source_text(err: &dyn std::error::Error) -> String {
    err.source().map(|s| s.to_string()).unwrap_or_default()
}

/// How a call ended other than by returning.
enum Ended {
    Exit(i32),
    Error(petrel::Error),
}

impl Ended {
    fn failure(self, limits: &Limits, memory_refused: bool) -> Failure {
        let err = match self {
            Ended::Exit(code) => {
                return Failure::internal(format!("the function exited with status {code}"))
            }
            Ended::Error(err) => err,
        };
        match err.trap_code() {
            Some(TrapCode::Interrupt) => Failure::new(
                StatusCode::GATEWAY_TIMEOUT,
                format!(
                    "the function did not finish within its deadline of {}",
                    show_duration(limits.deadline)
                ),
            ),
            Some(TrapCode::OutOfFuel) => Failure::internal(format!(
                "the function used all its fuel ({})",
                limits.fuel.unwrap_or(0)
            )),
            Some(code) if memory_refused => Failure::internal(format!(
                "the function trapped ({code}) after its memory reached the cap of {} bytes",
                limits.memory
            )),
            Some(code) => Failure::internal(format!("the function trapped: {code}")),
            None => match err.as_limit().map(|l| l.limit()) {
                Some(
                    petrel::Limit::PoolInstances
                    | petrel::Limit::PoolMemories
                    | petrel::Limit::PoolTables,
                ) => Failure::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("server busy: {err}"),
                ),
                _ if err.as_exception().is_some() => {
                    Failure::internal("the function threw an exception nothing caught")
                }
                _ => Failure::internal(format!("the function failed: {err}")),
            },
        }
    }
}
