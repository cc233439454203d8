//! End-to-end tests of `petrel serve`: a real `petrel serve` on loopback
//! (any free port), a real HTTP client (`ureq`), and real guests: the
//! Rust functions of `tests/serve-guests/rust` (one binary each, built
//! for `wasm32-wasip1` at test time) and the C ones of
//! `tests/serve-guests/c` (clang and wasi-libc), on both tiers.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use support::{build_wasip1, target_dir, workspace_root};

const TIERS: [&str; 2] = ["interp", "jit"];

/// The Rust function `name` (a binary of the guest crate), built on
/// first use.
fn rust_guest(name: &str) -> String {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        build_wasip1(
            "cli/tests/serve-guests/rust",
            "serve-guests",
            "the serve guests",
        )
    });
    dir.join(format!("{name}.wasm")).display().to_string()
}

/// The C function `tests/serve-guests/c/<name>.c`, compiled on first use.
fn c_guest(name: &str) -> String {
    static BUILT: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let out_dir = target_dir().join("serve-guests/c");
    let wasm = out_dir.join(format!("{name}.wasm"));
    let mut built = BUILT.lock().unwrap();
    if !built.iter().any(|b| b == name) {
        std::fs::create_dir_all(&out_dir).unwrap();
        let source = workspace_root().join(format!("cli/tests/serve-guests/c/{name}.c"));
        support::compile_c_guest(&source, &wasm);
        built.push(name.to_string());
    }
    wasm.display().to_string()
}

fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("petrel-serve")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `petrel ARGS` with the compile cache in the target directory and a
/// variable of its own the guests must not see.
fn petrel(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_petrel"));
    command
        .args(args)
        .env(
            "PETREL_CACHE_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("petrel-cache"),
        )
        .env("PETREL_HOST_SECRET", "not for guests")
        .env("FROM_PETREL", "copied by --env");
    command
}

/// A response, read whole.
struct Reply {
    status: u16,
    headers: ureq::http::HeaderMap,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:?}", self.status, self.body)
    }
}

/// A running `petrel serve`, killed when dropped.
struct Server {
    child: Child,
    url: String,
    log: Arc<Mutex<String>>,
    agent: ureq::Agent,
}

impl Server {
    /// Starts `petrel serve --addr 127.0.0.1:0 ARGS` and waits until it
    /// listens; panics with its stderr if it does not.
    fn start(args: &[&str]) -> Server {
        let mut all = vec!["serve", "--addr", "127.0.0.1:0"];
        all.extend_from_slice(args);
        let mut child = petrel(&all)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let thread_log = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = line.strip_prefix("petrel serve: listening on ") {
                    let _ = tx.send(addr.to_string());
                }
                let mut log = thread_log.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        // JIT compilation of several modules on a busy machine may take
        // a while; a server that fails to start closes its stderr.
        let url = match rx.recv_timeout(Duration::from_secs(300)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                std::thread::sleep(Duration::from_millis(100));
                panic!(
                    "petrel serve {args:?} did not start:\n{}",
                    log.lock().unwrap()
                );
            }
        };
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        Server {
            child,
            url,
            log,
            agent,
        }
    }

    fn get(&self, path: &str) -> Reply {
        self.reply(self.agent.get(format!("{}{path}", self.url)).call())
    }

    fn post(&self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let mut req = self.agent.post(format!("{}{path}", self.url));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        self.reply(req.send(body))
    }

    fn put(&self, path: &str, body: &[u8]) -> Reply {
        self.reply(self.agent.put(format!("{}{path}", self.url)).send(body))
    }

    fn reply(&self, result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        let mut response =
            result.unwrap_or_else(|e| panic!("request failed: {e}\nserver log:\n{}", self.log()));
        Reply {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.body_mut().read_to_string().unwrap(),
        }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits until the log holds `text` (it is written as the response
    /// goes out, and read by another thread).
    fn wait_for_log(&self, text: &str) {
        let start = Instant::now();
        while !self.log().contains(text) {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the log never showed {text:?}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends SIGTERM and waits for the process to end.
    fn terminate(mut self) -> (ExitStatus, String) {
        signal(&self.child, libc::SIGTERM);
        let status = self.child.wait().unwrap();
        // The reader thread sees the end of stderr soon after.
        std::thread::sleep(Duration::from_millis(100));
        (status, self.log())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signal(child: &Child, sig: libc::c_int) {
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: kill(2) on our own child, which has not been waited for.
    assert_eq!(unsafe { libc::kill(pid, sig) }, 0);
}

#[test]
fn hello_in_rust_and_in_c_on_two_routes_on_both_tiers() {
    for tier in TIERS {
        let rust = format!("/rust={}", rust_guest("hello"));
        let c = format!("/c={}", c_guest("hello"));
        let server = Server::start(&["--tier", tier, "--route", &rust, "--route", &c]);
        let reply = server.get("/rust");
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (200, "hello from Rust\n"),
            "{tier}"
        );
        assert_eq!(reply.header("content-type"), Some("text/plain"));
        let reply = server.get("/c/anything/below?q=1");
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (200, "hello from C\n"),
            "{tier}"
        );
        let reply = server.get("/elsewhere");
        assert_eq!(reply.status, 404, "{tier}");
        assert_eq!(server.get("/rustacean").status, 404, "{tier}");
        server.wait_for_log("GET /rust 200 route=/rust guest_us=");
        server.wait_for_log("GET /c/anything/below?q=1 200 route=/c guest_us=");
        server.wait_for_log("GET /elsewhere 404 route=- guest_us=-");
    }
}

#[test]
fn the_echo_function_sees_the_request_as_cgi_variables_and_stdin() {
    let dir = scratch("echo");
    for tier in TIERS {
        let route = format!("/echo={}", rust_guest("echo"));
        let server = Server::start(&[
            "--tier",
            tier,
            "--env",
            "EVERY_ROUTE=yes",
            "--route",
            &route,
            "--env",
            "GREETING=hello=world",
            "--env",
            "FROM_PETREL",
            "--route",
            &format!("/other={}", rust_guest("echo")),
            "--env",
            "OTHER_ONLY=1",
        ]);
        let body = b"{\"name\": \"petrel\"}\nsecond line";
        let reply = server.post(
            "/echo/caf%C3%A9/x?a=1&b=%20",
            &[
                ("content-type", "application/json"),
                ("x-custom", "custom value"),
                ("proxy", "http://attacker"),
            ],
            body,
        );
        assert_eq!(reply.status, 200, "{tier}: {reply:?}");
        assert_eq!(reply.header("x-echo"), Some("yes"));
        let lines: Vec<&str> = reply.body.lines().collect();
        for expected in [
            "REQUEST_METHOD=POST",
            "SCRIPT_NAME=/echo",
            "PATH_INFO=/café/x",
            "QUERY_STRING=a=1&b=%20",
            "REQUEST_URI=/echo/caf%C3%A9/x?a=1&b=%20",
            "CONTENT_TYPE=application/json",
            &format!("CONTENT_LENGTH={}", body.len()),
            "HTTP_X_CUSTOM=custom value",
            "GATEWAY_INTERFACE=CGI/1.1",
            "SERVER_PROTOCOL=HTTP/1.1",
            "SERVER_NAME=127.0.0.1",
            "REMOTE_ADDR=127.0.0.1",
            "EVERY_ROUTE=yes",
            "GREETING=hello=world",
            "FROM_PETREL=copied by --env",
            "body (30 bytes):",
            "{\"name\": \"petrel\"}",
            "second line",
        ] {
            assert!(
                lines.contains(&expected),
                "{tier}: no {expected:?} in\n{}",
                reply.body
            );
        }
        for absent in ["PETREL_HOST_SECRET", "HTTP_PROXY", "OTHER_ONLY", "PATH="] {
            assert!(
                !lines.iter().any(|l| l.starts_with(absent)),
                "{tier}: {absent} leaked into\n{}",
                reply.body
            );
        }
        // The other route has its own variables and the global one.
        let reply = server.get("/other");
        assert!(reply.body.contains("OTHER_ONLY=1\n"), "{}", reply.body);
        assert!(reply.body.contains("EVERY_ROUTE=yes\n"), "{}", reply.body);
        assert!(!reply.body.contains("GREETING"), "{}", reply.body);
        assert!(reply.body.contains("PATH_INFO=\n"), "{}", reply.body);
    }
    drop(dir);
}

#[test]
fn a_global_counter_answers_1_every_time_and_memory_starts_clean() {
    for tier in TIERS {
        let rust = format!("/rust={}", rust_guest("counter"));
        let c = format!("/c={}", c_guest("counter"));
        let server = Server::start(&["--tier", tier, "--route", &rust, "--route", &c]);
        for i in 0..20 {
            let reply = server.get("/rust");
            assert_eq!(
                (reply.status, reply.body.as_str()),
                (200, "1 clean\n"),
                "{tier}, request {i}"
            );
            let reply = server.get(&format!("/c/n/{i}?x={i}"));
            assert_eq!(
                (reply.status, reply.body.as_str()),
                (200, format!("1 clean\nGET /c/n/{i} ?x={i}\n").as_str()),
                "{tier}, request {i}"
            );
            assert_eq!(reply.header("x-guest"), Some("c"));
        }
    }
}

#[test]
fn a_trap_is_a_500_without_the_partial_output_and_the_server_keeps_serving() {
    for tier in TIERS {
        let trap = format!("/trap={}", rust_guest("trap"));
        let hello = format!("/hello={}", rust_guest("hello"));
        let server = Server::start(&["--tier", tier, "--route", &trap, "--route", &hello]);
        for _ in 0..3 {
            let reply = server.get("/trap");
            assert_eq!(reply.status, 500, "{tier}");
            assert!(
                reply.body.contains("the function trapped"),
                "{tier}: {reply:?}"
            );
            assert!(!reply.body.contains("half"), "{tier}: {reply:?}");
            assert_eq!(server.get("/hello").status, 200, "{tier}");
        }
        server.wait_for_log("GET /trap 500 route=/trap guest_us=");
        // The guest's panic message went to petrel's stderr.
        server.wait_for_log("this function always fails");
    }
}

#[test]
fn a_spinning_guest_gets_a_504_at_its_deadline_while_others_are_served() {
    for tier in TIERS {
        let spin = format!("/spin={}", rust_guest("spin"));
        let hello = format!("/hello={}", c_guest("hello"));
        let server = Arc::new(Server::start(&[
            "--tier",
            tier,
            "-W",
            "timeout=2s",
            "--route",
            &spin,
            "--route",
            &hello,
        ]));
        let spinning = {
            let server = Arc::clone(&server);
            std::thread::spawn(move || {
                let start = Instant::now();
                (server.get("/spin"), start.elapsed())
            })
        };
        // While it spins, the others are served.
        std::thread::sleep(Duration::from_millis(200));
        for _ in 0..5 {
            assert_eq!(server.get("/hello").status, 200, "{tier}");
        }
        assert!(
            !spinning.is_finished(),
            "{tier}: the spin ended before its deadline"
        );
        let (reply, took) = spinning.join().unwrap();
        assert_eq!(reply.status, 504, "{tier}: {reply:?}");
        assert!(reply.body.contains("deadline of 2s"), "{tier}: {reply:?}");
        assert!(
            took >= Duration::from_secs(2),
            "{tier}: stopped early, after {took:?}"
        );
        assert_eq!(server.get("/hello").status, 200, "{tier}");
        server.wait_for_log("GET /spin 504 route=/spin");
    }
}

#[test]
fn a_guest_out_of_fuel_gets_a_500() {
    for tier in TIERS {
        let spin = format!("/spin={}", rust_guest("spin"));
        let hello = format!("/hello={}", rust_guest("hello"));
        let server = Server::start(&[
            "--tier",
            tier,
            "-W",
            "fuel=2000000",
            "--route",
            &spin,
            "--route",
            &hello,
        ]);
        let reply = server.get("/spin");
        assert_eq!(reply.status, 500, "{tier}");
        assert!(
            reply.body.contains("used all its fuel (2000000)"),
            "{tier}: {reply:?}"
        );
        // Every request gets its own fuel.
        for _ in 0..3 {
            assert_eq!(server.get("/hello").status, 200, "{tier}");
        }
    }
}

#[test]
fn a_guest_that_allocates_past_its_cap_gets_a_500_and_the_next_one_is_served() {
    for tier in TIERS {
        let alloc = format!("/alloc={}", rust_guest("alloc"));
        let server = Server::start(&[
            "--tier",
            tier,
            "-W",
            "max-memory-size=16M",
            "--route",
            &alloc,
        ]);
        let reply = server.get("/alloc?8");
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (200, "allocated 8 MiB\n"),
            "{tier}"
        );
        let reply = server.get("/alloc?64");
        assert_eq!(reply.status, 500, "{tier}");
        assert!(
            reply
                .body
                .contains("after its memory reached the cap of 16777216 bytes"),
            "{tier}: {reply:?}"
        );
        let reply = server.get("/alloc?8");
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (200, "allocated 8 MiB\n"),
            "{tier}"
        );
    }
}

#[test]
fn the_header_block_sets_status_and_headers_and_a_malformed_one_is_a_500() {
    let raw = format!("/raw={}", rust_guest("raw"));
    let server = Server::start(&["--route", &raw]);
    let post = |body: &str| server.post("/raw", &[], body.as_bytes());

    let reply = post("Status: 404 Not Here\nContent-Type: text/html\nX-Thing: 1\n\n<p>gone</p>");
    assert_eq!(reply.status, 404);
    assert_eq!(reply.header("content-type"), Some("text/html"));
    assert_eq!(reply.header("x-thing"), Some("1"));
    assert_eq!(reply.body, "<p>gone</p>");

    let reply = post("Location: /elsewhere\r\n\r\n");
    assert_eq!(reply.status, 302);
    assert_eq!(reply.header("location"), Some("/elsewhere"));

    // Framing is the server's: a lying Content-Length is dropped.
    let reply = post("Content-Length: 1000\nContent-Type: text/plain\n\nshort");
    assert_eq!((reply.status, reply.body.as_str()), (200, "short"));

    let reply = post("just a body, no headers\n");
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (200, "just a body, no headers\n")
    );
    assert_eq!(reply.header("content-type"), Some("text/plain"));

    for (output, reason) in [
        (
            "Content-Type: text/plain\nno blank line",
            "not ended by a blank line",
        ),
        ("Content-Type: text/plain\nnot a header\n\nbody", "line 2"),
        ("Status: 1000\n\n", "not a status"),
    ] {
        let reply = post(output);
        assert_eq!(reply.status, 500, "{output:?}");
        assert!(reply.body.contains("malformed header block"), "{reply:?}");
        assert!(reply.body.contains(reason), "{reply:?}");
    }

    let reply = server.post("/raw?exit=3", &[], b"Status: 200\n\nfine so far");
    assert_eq!(reply.status, 500);
    assert!(reply.body.contains("exited with status 3"), "{reply:?}");
    let reply = server.post("/raw?exit=0", &[], b"Status: 201\n\ndone");
    assert_eq!((reply.status, reply.body.as_str()), (201, "done"));
}

#[test]
fn a_guest_writing_past_the_output_limit_gets_a_500() {
    let flood = format!("/flood={}", rust_guest("flood"));
    let server = Server::start(&["--route", &flood]);
    let reply = server.get("/flood");
    assert_eq!(reply.status, 500);
    assert!(
        reply.body.contains("wrote more than 16777216 bytes"),
        "{reply:?}"
    );
}

#[test]
fn route_directories_are_preopened_read_only_or_read_write_and_nothing_else() {
    let dir = scratch("preopens");
    let (site, data) = (dir.join("site"), dir.join("data"));
    std::fs::create_dir_all(&site).unwrap();
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(site.join("index.html"), "<h1>home</h1>").unwrap();
    std::fs::write(dir.join("secret.txt"), "the secret").unwrap();
    let files = rust_guest("files");
    let ro = format!("{}::/site", site.display());
    let rw = format!("{}::/site", data.display());
    for tier in TIERS {
        let server = Server::start(&[
            "--tier",
            tier,
            "--route",
            &format!("/ro={files}"),
            "--dir-ro",
            &ro,
            "--route",
            &format!("/rw={files}"),
            "--dir",
            &rw,
            "--route",
            &format!("/none={files}"),
        ]);
        let reply = server.get("/ro/index.html");
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (200, "<h1>home</h1>"),
            "{tier}"
        );
        let reply = server.put("/ro/new.txt", b"nope");
        assert_eq!(reply.status, 403, "{tier}: {reply:?}");
        assert!(!site.join("new.txt").exists());
        let reply = server.put("/rw/new.txt", b"written by a guest");
        assert_eq!(reply.status, 201, "{tier}: {reply:?}");
        assert_eq!(
            std::fs::read_to_string(data.join("new.txt")).unwrap(),
            "written by a guest"
        );
        assert_eq!(server.get("/rw/new.txt").body, "written by a guest");
        // A route without the directory has no `/site`.
        assert_ne!(server.get("/none/index.html").status, 200, "{tier}");
        // Escapes: dot segments are resolved before routing, and an
        // encoded slash reaches the guest, whose WASI refuses to leave
        // its directory.
        assert_eq!(
            server.get("/ro/%2e%2e/%2e%2e/secret.txt").status,
            404,
            "{tier}"
        );
        for attack in ["/ro/..%2fsecret.txt", "/ro/%2e%2e%2fsecret.txt"] {
            let reply = server.get(attack);
            assert_ne!(reply.status, 200, "{tier}: {attack}: {reply:?}");
            assert!(!reply.body.contains("the secret"), "{tier}: {attack}");
        }
        std::fs::remove_file(data.join("new.txt")).unwrap();
    }
}

#[test]
fn many_concurrent_requests_on_several_routes_each_get_their_own_answer() {
    for tier in TIERS {
        let server = Arc::new(Server::start(&[
            "--tier",
            tier,
            "--max-instances",
            "8",
            "--route",
            &format!("/echo={}", rust_guest("echo")),
            "--route",
            &format!("/counter={}", rust_guest("counter")),
            "--route",
            &format!("/c={}", c_guest("counter")),
        ]));
        let clients: Vec<_> = (0..16)
            .map(|client| {
                let server = Arc::clone(&server);
                std::thread::spawn(move || {
                    for i in 0..15 {
                        let mark = format!("client {client} request {i}");
                        let reply = server.post("/echo", &[("x-mark", &mark)], mark.as_bytes());
                        assert_eq!(reply.status, 200, "{tier}: {reply:?}");
                        assert!(reply.body.contains(&format!("HTTP_X_MARK={mark}\n")));
                        assert!(
                            reply.body.ends_with(&format!("bytes):\n{mark}")),
                            "{reply:?}"
                        );
                        let reply = server.get("/counter");
                        assert_eq!(reply.body, "1 clean\n", "{tier}");
                        let reply = server.get(&format!("/c?{client}-{i}"));
                        assert_eq!(reply.body, format!("1 clean\nGET /c ?{client}-{i}\n"));
                    }
                })
            })
            .collect();
        for client in clients {
            client.join().unwrap();
        }
        // One log line per request (the last ones may still be on their
        // way through the pipe).
        let start = Instant::now();
        while server.log().matches(" 200 route=").count() < 16 * 15 * 3 {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "{tier}: lines missing"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(
            server.log().matches(" 200 route=").count(),
            16 * 15 * 3,
            "{tier}"
        );
    }
}

#[test]
fn sigterm_lets_the_request_under_way_finish_then_exits_0() {
    let spin = format!("/spin={}", rust_guest("spin"));
    let hello = format!("/hello={}", rust_guest("hello"));
    let server = Server::start(&["-W", "timeout=1s", "--route", &spin, "--route", &hello]);
    let url = server.url.clone();
    let agent = server.agent.clone();
    let spinning = std::thread::spawn(move || {
        let mut reply = agent.get(format!("{url}/spin")).call().unwrap();
        (
            reply.status().as_u16(),
            reply.body_mut().read_to_string().unwrap(),
        )
    });
    std::thread::sleep(Duration::from_millis(300));
    let url = server.url.clone();
    let (status, log) = server.terminate();
    assert!(status.success(), "{status:?}\n{log}");
    let (code, body) = spinning.join().unwrap();
    assert_eq!(code, 504, "{body}");
    assert!(log.contains("shutting down"), "{log}");
    assert!(log.contains("GET /spin 504"), "{log}");
    // Nothing listens any more.
    let addr = url.trim_start_matches("http://");
    assert!(std::net::TcpStream::connect(addr).is_err());
}

#[test]
fn a_precompiled_artifact_is_served_with_allow_precompiled() {
    let dir = scratch("artifact");
    let artifact = dir.join("hello.cwasm");
    // Without epoch checks (a timeout) the artifact cannot be served, and
    // the error says how to compile it.
    let plain = dir.join("plain.cwasm");
    let out = petrel(&[
        "compile",
        "-o",
        plain.to_str().unwrap(),
        &rust_guest("hello"),
    ])
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plain_route = format!("/={}", plain.display());
    let out = petrel(&["serve", "--allow-precompiled", "--route", &plain_route])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("-W timeout="));

    let out = petrel(&[
        "compile",
        "-W",
        "timeout=1s",
        "-o",
        artifact.to_str().unwrap(),
        &rust_guest("hello"),
    ])
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let route = format!("/={}", artifact.display());
    let server = Server::start(&["--allow-precompiled", "--route", &route]);
    let reply = server.get("/any/path");
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (200, "hello from Rust\n")
    );

    let out = petrel(&["serve", "--route", &route]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-precompiled"));
}

#[test]
fn bad_routes_and_modules_are_refused_at_start() {
    let dir = scratch("bad_routes");
    let library = dir.join("library.wat");
    std::fs::write(&library, "(module (func (export \"f\")))").unwrap();
    let hello = rust_guest("hello");
    let cases: [(Vec<String>, i32, &str); 5] = [
        (
            vec!["--route".into(), format!("hello={hello}")],
            2,
            "must start with `/`",
        ),
        (
            vec!["--route".into(), "/x=/no/such.wasm".into()],
            1,
            "/no/such.wasm",
        ),
        (
            vec!["--route".into(), format!("/x={}", library.display())],
            1,
            "no `_start` function",
        ),
        (
            vec![
                "--route".into(),
                format!("/x={hello}"),
                "--route".into(),
                format!("/x/={hello}"),
            ],
            1,
            "`/x` is given twice",
        ),
        (
            vec![
                "--route".into(),
                format!("/x={hello}"),
                "--dir".into(),
                "/no/such/dir".into(),
            ],
            1,
            "/no/such/dir",
        ),
    ];
    for (args, code, message) in cases {
        let mut all = vec!["serve".to_string(), "--addr".into(), "127.0.0.1:0".into()];
        all.extend(args);
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let out = petrel(&all).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{all:?}: {stderr}");
        assert!(stderr.contains(message), "{all:?}: {stderr}");
    }
}
