//! Echoes the request: every environment variable, sorted (the CGI ones,
//! the `HTTP_*` headers and the route's `--env`), then the body.

use std::io::{Read, Write};

fn main() {
    let mut body = Vec::new();
    std::io::stdin().read_to_end(&mut body).unwrap();
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    vars.sort();
    let mut out = std::io::stdout().lock();
    out.write_all(b"Content-Type: text/plain\nX-Echo: yes\n\n").unwrap();
    for (name, value) in vars {
        writeln!(out, "{name}={value}").unwrap();
    }
    writeln!(out, "body ({} bytes):", body.len()).unwrap();
    out.write_all(&body).unwrap();
}
