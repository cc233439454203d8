//! The native side of `benches/serve.sh`: the CGI contract `petrel serve`
//! keeps, on the same stack (HTTP/1.1 from hyper on a multi-threaded
//! tokio runtime, each request's handler on the blocking pool), with the
//! function native instead of a Wasm guest:
//!
//! - `inproc`: the hello function as a Rust function in the server's
//!   process: the CGI environment built, the output written to a buffer
//!   and its header block parsed, with no isolation at all. The floor a
//!   sandbox per request is measured against.
//! - `process PROGRAM`: PROGRAM (a native build of the same hello) run
//!   as a process per request, as classic CGI does: fork and exec, the
//!   environment, stdout read to the end.
//!
//! `serve_native --addr 127.0.0.1:8081 inproc`
//! `serve_native --addr 127.0.0.1:8081 process ./hello-native`

use anyhow::{bail, Context, Result};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

enum Mode {
    InProcess,
    Process(PathBuf),
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (addr, rest) = match args.as_slice() {
        [flag, addr, rest @ ..] if flag == "--addr" => (addr.parse::<SocketAddr>()?, rest),
        _ => bail!("usage: serve_native --addr IP:PORT (inproc | process PROGRAM)"),
    };
    let mode = match rest {
        [m] if m == "inproc" => Mode::InProcess,
        [m, program] if m == "process" => Mode::Process(program.into()),
        _ => bail!("usage: serve_native --addr IP:PORT (inproc | process PROGRAM)"),
    };
    let mode = Arc::new(mode);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async move {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr}"))?;
            eprintln!(
                "serve_native: listening on http://{}",
                listener.local_addr()?
            );
            loop {
                let (stream, remote) = listener.accept().await?;
                let _ = stream.set_nodelay(true);
                let mode = Arc::clone(&mode);
                let service = hyper::service::service_fn(move |req| {
                    let mode = Arc::clone(&mode);
                    async move { Ok::<_, Infallible>(handle(mode, remote, req).await) }
                });
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        })
}

async fn handle(
    mode: Arc<Mode>,
    remote: SocketAddr,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    // The variables `petrel serve` sets, so that both build as much.
    let mut env = BTreeMap::new();
    env.insert("GATEWAY_INTERFACE".to_string(), "CGI/1.1".to_string());
    env.insert("SERVER_PROTOCOL".into(), "HTTP/1.1".into());
    env.insert("REQUEST_METHOD".into(), parts.method.to_string());
    env.insert("REQUEST_URI".into(), parts.uri.to_string());
    env.insert("SCRIPT_NAME".into(), "/hello".into());
    env.insert("PATH_INFO".into(), String::new());
    env.insert(
        "QUERY_STRING".into(),
        parts.uri.query().unwrap_or("").into(),
    );
    env.insert("REMOTE_ADDR".into(), remote.ip().to_string());
    env.insert("REMOTE_PORT".into(), remote.port().to_string());
    for (name, value) in &parts.headers {
        if let Ok(value) = value.to_str() {
            let var = format!(
                "HTTP_{}",
                name.as_str().to_ascii_uppercase().replace('-', "_")
            );
            env.insert(var, value.to_string());
        }
    }
    let output = tokio::task::spawn_blocking(move || match &*mode {
        Mode::InProcess => Ok(hello(&env, &body)),
        Mode::Process(program) => std::process::Command::new(program)
            .env_clear()
            .envs(&env)
            .stdin(std::process::Stdio::null())
            .output()
            .map(|out| out.stdout),
    })
    .await;
    match output {
        Ok(Ok(output)) => respond(output),
        _ => {
            let mut r = Response::new(Full::new(Bytes::from_static(b"failed\n")));
            *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            r
        }
    }
}

/// The hello function, native: what `cli/tests/serve-guests/c/hello.c`
/// prints, written to a buffer as a guest's stdout is.
fn hello(env: &BTreeMap<String, String>, _body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = std::hint::black_box(env.len());
    out.extend_from_slice(b"Content-Type: text/plain\n\nhello from C\n");
    out
}

/// The header block and the body, as `petrel serve` reads them.
fn respond(output: Vec<u8>) -> Response<Full<Bytes>> {
    let split = output.windows(2).position(|w| w == b"\n\n");
    let (head, body) = match split {
        Some(i) => (&output[..i], output[i + 2..].to_vec()),
        None => (&output[..0], output.clone()),
    };
    let mut response = Response::builder();
    for line in head.split(|&b| b == b'\n') {
        let text = String::from_utf8_lossy(line);
        if let Some((name, value)) = text.split_once(':') {
            response = response.header(name.trim(), value.trim());
        }
    }
    response
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}
