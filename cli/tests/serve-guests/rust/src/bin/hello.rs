//! The smallest function: a header block, a blank line, a body.

fn main() {
    print!("Content-Type: text/plain\n\nhello from Rust\n");
}
