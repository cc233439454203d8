//! Serves the files of the directory the route preopens as `/site`:
//! `GET /route/NAME` answers the file, `PUT /route/NAME` writes the
//! request body to it. Errors answer with the status they deserve and
//! the error's kind, so a test sees what WASI refused.

use std::io::{ErrorKind, Read};

fn main() {
    let path = format!("/site{}", std::env::var("PATH_INFO").unwrap_or_default());
    let method = std::env::var("REQUEST_METHOD").unwrap_or_default();
    let result = match method.as_str() {
        "GET" => std::fs::read(&path).map(|data| {
            print!("Content-Type: application/octet-stream\n\n");
            use std::io::Write;
            std::io::stdout().write_all(&data).unwrap();
        }),
        "PUT" => {
            let mut body = Vec::new();
            std::io::stdin().read_to_end(&mut body).unwrap();
            std::fs::write(&path, &body).map(|()| print!("Status: 201\n\n"))
        }
        _ => {
            print!("Status: 405\n\n");
            Ok(())
        }
    };
    if let Err(err) = result {
        let status = match err.kind() {
            ErrorKind::NotFound => 404,
            ErrorKind::PermissionDenied => 403,
            _ => 500,
        };
        print!("Status: {status}\nContent-Type: text/plain\n\n{:?}\n", err.kind());
    }
}
