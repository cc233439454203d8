//! Prints the results of 128-bit integer work (`work.rs`) and of relaxed
//! SIMD kernels (`relaxed.rs`) for the seed given as the first argument
//! (default 12345).

mod relaxed;
mod work;

fn main() {
    let seed = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(12345u64);
    let seed = std::hint::black_box(seed);
    for line in work::report(seed).into_iter().chain(relaxed::report(seed)) {
        println!("{line}");
    }
}
