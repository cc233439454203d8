// 128-bit integer work, shared by the guest (`main.rs`) and the test that
// checks its output (`cli/tests/run_wasi.rs`, through `include!`), which
// computes the same lines natively.

/// The lines the guest prints for `seed`.
pub fn report(seed: u64) -> Vec<String> {
    let mut out = Vec::new();

    // Fibonacci in u128: additions whose low halves carry.
    let (mut a, mut b) = (0u128, 1u128);
    for _ in 0..180 {
        let next = a.wrapping_add(b);
        a = b;
        b = next;
    }
    out.push(format!("fib180 {a:#x}"));

    // Factorial in u128: full products of 64-bit halves.
    let mut f = 1u128;
    for k in 1..=34u128 {
        f = f.wrapping_mul(k);
    }
    out.push(format!("fact34 {f:#x}"));

    // A 128-bit linear congruential generator (PCG's multiplier).
    let mul = 0x2360_ed05_1fc6_5da4_4385_df64_9fcc_f645u128;
    let inc = 0x5851_f42d_4c95_7f2d_1405_7b7e_f767_814fu128;
    let mut x = seed as u128 | (seed as u128) << 64;
    let mut acc = 0u128;
    for _ in 0..1000 {
        x = x.wrapping_mul(mul).wrapping_add(inc);
        acc = acc.wrapping_sub(x >> 3);
    }
    out.push(format!("lcg {x:#x} {acc:#x}"));

    // Signed widening products of 64-bit values.
    let mut s = 0i128;
    let mut v = seed as i64;
    for k in 0..64 {
        v = v.rotate_left(7) ^ k;
        let w = (v as i128) * (k.wrapping_sub(v >> 3) as i128);
        s = s.wrapping_add(w);
    }
    out.push(format!("signed {s:#x}"));

    // Unsigned high halves, as a 64x64 -> 128 hash mixes them.
    let mut h = seed;
    for _ in 0..256 {
        let p = (h as u128) * 0x9e37_79b9_7f4a_7c15u128;
        h = (p >> 64) as u64 ^ p as u64;
    }
    out.push(format!("mix {h:#x}"));
    out
}
