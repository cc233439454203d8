//! Sets `cfg(petrel_jit)` when the engine's `Tier` enum has a `Jit`
//! variant, so the benchmarks cover the JIT tier from the moment it lands
//! without breaking the build before it does.

use std::fs;

fn main() {
    let engine_rs = "../engine/src/api/engine.rs";
    println!("cargo::rerun-if-changed={engine_rs}");
    println!("cargo::rustc-check-cfg=cfg(petrel_jit)");
    let source = fs::read_to_string(engine_rs).unwrap_or_default();
    if tier_has_jit(&source) {
        println!("cargo::rustc-cfg=petrel_jit");
    }
}

/// Whether `enum Tier { ... }` in `source` declares a `Jit` variant.
fn tier_has_jit(source: &str) -> bool {
    let Some(start) = source.find("pub enum Tier") else {
        return false;
    };
    let body = &source[start..];
    let body = &body[..body.find('}').unwrap_or(body.len())];
    body.lines()
        .map(str::trim)
        .filter(|line| !line.starts_with("//") && !line.starts_with('#'))
        .any(|line| line.trim_end_matches(',').split(['(', '{', ' ']).next() == Some("Jit"))
}
