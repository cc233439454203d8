//! Prints the results of 128-bit integer work (`work.rs`) for the seed
//! given as the first argument (default 12345).

mod work;

fn main() {
    let seed = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(12345u64);
    for line in work::report(std::hint::black_box(seed)) {
        println!("{line}");
    }
}
