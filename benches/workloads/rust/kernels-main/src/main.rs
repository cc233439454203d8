//! `kernels-main NAME N`: runs one Rust kernel and prints its checksum as
//! a signed decimal, the way engines print an i64 result.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = || -> ! {
        eprintln!("usage: kernels-main hashmap|vm N");
        std::process::exit(2)
    };
    let [_, name, n] = args.as_slice() else {
        usage()
    };
    let Ok(n) = n.parse::<u32>() else { usage() };
    let Some((_, kernel)) = kernels::KERNELS.iter().find(|(k, _)| k == name) else {
        usage()
    };
    println!("{}", kernel(n) as i64);
}
