//! Writes without end: the server must cut it off at its output limit,
//! not hold everything in memory.

use std::io::Write;

fn main() {
    let chunk = vec![b'x'; 1 << 20];
    let mut out = std::io::stdout().lock();
    out.write_all(b"Content-Type: text/plain\n\n").unwrap();
    loop {
        out.write_all(&chunk).unwrap();
    }
}
