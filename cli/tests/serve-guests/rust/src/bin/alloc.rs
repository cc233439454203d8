//! Allocates `MiB` mebibytes (the query string, default 256), touching
//! every page, then answers how much it got. Past the memory cap the
//! allocation fails and the function aborts.

fn main() {
    let mib: usize = std::env::var("QUERY_STRING")
        .ok()
        .and_then(|q| q.parse().ok())
        .unwrap_or(256);
    let mut blocks = Vec::new();
    for _ in 0..mib {
        let block = vec![1u8; 1 << 20];
        blocks.push(std::hint::black_box(block));
    }
    print!("Content-Type: text/plain\n\nallocated {} MiB\n", blocks.len());
}
