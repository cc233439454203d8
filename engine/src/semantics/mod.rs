//! Exact WebAssembly numeric semantics, as plain functions on Rust
//! scalars and `u128` vectors: what every instruction computes and when it
//! traps. The interpreter runs on them, constant evaluation computes with
//! them, and the fuzzers' oracles can compare against them. And the fuel
//! cost model, which both tiers charge by. Portable: no
//! `unsafe`, no target features, `no_std` (float primitives from `libm`).

pub(crate) mod atomic;
pub(crate) mod fuel;
pub(crate) mod scalar;
pub(crate) mod simd;
