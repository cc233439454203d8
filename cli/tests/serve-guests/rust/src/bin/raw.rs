//! Writes its request body to stdout as it is, so a test can make it
//! answer anything: a header block with any status and headers, a
//! malformed one, or no header block at all. With `exit=N` as the query
//! string it then exits with status N.

use std::io::{Read, Write};

fn main() {
    let mut body = Vec::new();
    std::io::stdin().read_to_end(&mut body).unwrap();
    std::io::stdout().write_all(&body).unwrap();
    std::io::stdout().flush().unwrap();
    let query = std::env::var("QUERY_STRING").unwrap_or_default();
    if let Some(code) = query.strip_prefix("exit=") {
        std::process::exit(code.parse().unwrap());
    }
}
