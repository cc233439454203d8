//! The `artifact` target's check over a few thousand deterministic inputs,
//! so every test run damages artifacts in many ways (the fuzzer goes on
//! from there).

#[test]
fn damaged_artifacts_are_refused_or_loaded_never_a_crash() {
    // A linear congruential generator: the same inputs on every run and ISA.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as u8
    };
    for _ in 0..3_000 {
        let len = 8 + next() as usize % 56;
        let input: Vec<u8> = (0..len).map(|_| next()).collect();
        let _ = petrel_fuzz::artifact::check(&input);
    }
}
