//! The HTTP side of `petrel serve`: HTTP/1.1 with hyper on a tokio
//! runtime (one worker thread per core), each request routed, its body
//! read, its CGI environment made, and its guest run on the runtime's
//! blocking pool (guest code is synchronous; at most `--max-instances` run
//! at once, the rest wait their turn). One log line per request; on
//! SIGINT or SIGTERM, no new connections, and the requests under way
//! finish.

use super::cgi_env::{self, RequestInfo};
use super::guest::{Failure, Function, Limits, Ran};
use super::routes::RouteTable;
use anyhow::{Context, Result};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use petrel::Engine;
use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, SignalKind};

/// Largest request body read, in bytes; a larger one is a 413.
pub const MAX_REQUEST_BODY: usize = 16 << 20;

/// How long a client may take to send a request's headers.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// A route: its function and its own environment variables.
pub struct Route {
    pub function: Function,
    pub env: Vec<(String, String)>,
}

/// Everything a request needs, shared by every connection and thread.
pub struct App {
    pub engine: Engine,
    pub routes: RouteTable<Arc<Route>>,
    pub limits: Limits,
}

/// How the server runs.
pub struct ServerOptions {
    pub addr: SocketAddr,
    /// Most guests running at once: the size of the blocking pool.
    pub max_instances: usize,
}

/// Serves `app` until SIGINT or SIGTERM.
pub fn serve(app: App, options: ServerOptions) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(options.max_instances)
        .thread_name("petrel-serve")
        .build()
        .context("failed to start the server's threads")?;
    let grace = app.limits.deadline + Duration::from_secs(5);
    runtime.block_on(accept_loop(Arc::new(app), options.addr, grace))?;
    // Guests still running (those of connections that outlived the
    // grace period) end with the process.
    runtime.shutdown_timeout(Duration::from_millis(100));
    Ok(())
}

async fn accept_loop(app: Arc<App>, addr: SocketAddr, grace: Duration) -> Result<()> {
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    announce(&app, local);

    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let graceful = GracefulShutdown::new();
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // Out of descriptors, or the client gave up before
                    // we took it: nothing to serve; the listener is fine.
                    log_line(format_args!("accept failed: {err}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            _ = interrupt.recv() => break,
            _ = terminate.recv() => break,
        };
        // Responses are written whole; Nagle would only delay them.
        let _ = stream.set_nodelay(true);
        let app = Arc::clone(&app);
        let service = hyper::service::service_fn(move |req| {
            let app = Arc::clone(&app);
            async move { Ok::<_, Infallible>(handle(app, remote, local, req).await) }
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A client that hangs up or sends garbage has only itself
            // to blame; hyper has answered what could be answered.
            let _ = connection.await;
        });
    }
    drop(listener);
    log_line(format_args!(
        "shutting down: finishing the requests under way (at most {})",
        crate::commands::show_duration(grace)
    ));
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(grace) => {
            log_line(format_args!("some connections did not finish in time; closing them"));
        }
    }
    Ok(())
}

/// Says where the server listens and what it serves.
fn announce(app: &App, local: SocketAddr) {
    let mut lines = format!("petrel serve: listening on http://{local}\n");
    for (prefix, route) in app.routes.iter() {
        lines.push_str(&format!("  {prefix} -> {}\n", route.function.argv0));
    }
    let _ = std::io::stderr().lock().write_all(lines.as_bytes());
}

/// One request, start to end: always a response.
async fn handle(
    app: Arc<App>,
    remote: SocketAddr,
    local: SocketAddr,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let target = parts.uri.path_and_query().map_or_else(
        || parts.uri.path().to_string(),
        |pq| pq.as_str().to_string(),
    );
    let log = |status: StatusCode, route: &str, guest: Option<Duration>, reason: &str| {
        let guest = guest.map_or_else(|| "-".to_string(), |d| d.as_micros().to_string());
        let reason = if reason.is_empty() {
            String::new()
        } else {
            format!(" reason=\"{reason}\"")
        };
        log_line(format_args!(
            "{} {} {} route={route} guest_us={guest}{reason}",
            parts.method,
            target,
            status.as_u16()
        ));
    };

    let Some(matched) = app.routes.find(parts.uri.path()) else {
        log(StatusCode::NOT_FOUND, "-", None, "");
        return text(StatusCode::NOT_FOUND, "no route for this path");
    };
    let prefix = matched.prefix.to_string();
    let route = Arc::clone(matched.target);

    let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) => {
            let (status, reason) = if err
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the request body is over {} bytes", MAX_REQUEST_BODY),
                )
            } else {
                (
                    StatusCode::BAD_REQUEST,
                    format!("the request body could not be read: {err}"),
                )
            };
            log(status, &prefix, None, &reason);
            return text(status, &reason);
        }
    };

    let info = RequestInfo {
        method: &parts.method,
        version: parts.version,
        target: &target,
        headers: &parts.headers,
        script_name: matched.script_name,
        path_info: &matched.path_info,
        query: parts.uri.query(),
        body_len: body.len(),
        remote,
        local,
    };
    let env = match cgi_env::environment(&info, &route.env) {
        Ok(env) => env,
        Err(bad) => {
            log(StatusCode::BAD_REQUEST, &prefix, None, &bad.0);
            return text(StatusCode::BAD_REQUEST, &bad.0);
        }
    };

    let run_app = Arc::clone(&app);
    let (send, ran) = tokio::sync::oneshot::channel();
    // Detached: the guest's thread sends what it did, then gives the
    // instance back to the pool while the response goes out.
    drop(tokio::task::spawn_blocking(move || {
        route.function.run(
            &run_app.engine,
            &run_app.limits,
            env,
            Vec::from(body),
            |ran| {
                let _ = send.send(ran);
            },
        )
    }));
    let Ran {
        outcome,
        guest_time,
    } = ran.await.unwrap_or_else(|_| Ran {
        // The host's code for this request panicked before it answered:
        // a bug, but one request's, and the server keeps serving.
        outcome: Err(Failure {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            reason: "internal error: the request's thread panicked".into(),
        }),
        guest_time: Duration::ZERO,
    });
    match outcome {
        Ok(response) => {
            log(response.status, &prefix, Some(guest_time), "");
            let mut builder = Response::builder().status(response.status);
            for (name, value) in response.headers {
                builder = builder.header(name, value);
            }
            builder
                .body(Full::new(Bytes::from(response.body)))
                .unwrap_or_else(|err| {
                    text(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        &format!("internal error: {err}"),
                    )
                })
        }
        Err(failure) => {
            log(failure.status, &prefix, Some(guest_time), &failure.reason);
            text(failure.status, &failure.reason)
        }
    }
}

/// A plain-text response of one line.
fn text(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(format!("{message}\n"))));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Writes one line to stderr, whole.
fn log_line(args: std::fmt::Arguments<'_>) {
    let line = format!("{args}\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// Moves the engine's epoch on every `tick`, on its own thread, for as
/// long as the process lives: each request's deadline is a number of
/// ticks. The epoch follows the clock: a late wake-up (a busy machine)
/// catches up on the ticks it missed, so deadlines do not stretch.
pub fn start_epoch_ticker(engine: &Engine, tick: Duration) -> Result<()> {
    let engine = engine.clone();
    let tick_ns = tick.as_nanos().max(1);
    std::thread::Builder::new()
        .name("petrel-epoch".into())
        .spawn(move || {
            let start = std::time::Instant::now();
            let mut ticked: u128 = 0;
            loop {
                let elapsed = start.elapsed().as_nanos();
                let to_next = tick_ns - elapsed % tick_ns;
                std::thread::sleep(Duration::from_nanos(
                    u64::try_from(to_next).unwrap_or(u64::MAX),
                ));
                let due = start.elapsed().as_nanos() / tick_ns;
                while ticked < due {
                    engine.increment_epoch();
                    ticked += 1;
                }
            }
        })
        .context("failed to start the epoch thread")?;
    Ok(())
}

/// The tick of the epoch for a deadline: a hundredth of it, between 1 ms
/// and 100 ms; and the deadline in ticks, rounded up and one more, since
/// a request starts anywhere within a tick. A guest is stopped between
/// the deadline and one tick after it.
pub fn epoch_tick(deadline: Duration) -> (Duration, u64) {
    let tick = (deadline / 100).clamp(Duration::from_millis(1), Duration::from_millis(100));
    let ticks = deadline.as_nanos().div_ceil(tick.as_nanos()) + 1;
    (tick, u64::try_from(ticks).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_become_ticks_rounded_up() {
        assert_eq!(
            epoch_tick(Duration::from_millis(300)),
            (Duration::from_millis(3), 101)
        );
        assert_eq!(
            epoch_tick(Duration::from_secs(30)),
            (Duration::from_millis(100), 301)
        );
        assert_eq!(
            epoch_tick(Duration::from_millis(10)),
            (Duration::from_millis(1), 11)
        );
        assert_eq!(
            epoch_tick(Duration::from_micros(1500)),
            (Duration::from_millis(1), 3)
        );
    }
}
