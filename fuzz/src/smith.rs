//! The `wasm-smith` configurations the targets generate modules under.
//!
//! Every configuration starts from [`supported`]: exactly the proposals
//! Petrel implements (Wasm 2.0, multi-memory, tail calls, extended
//! constant expressions), with SIMD on for half the inputs, two or three
//! memories for a quarter of them, and tail calls and extended constants
//! for half each. Each target then
//! narrows it: no imports and bounded memories for the differential
//! target, imports for `instantiate_and_run`.

use arbitrary::{Result, Unstructured};
use wasm_smith::Config;

/// Bytes in a 64 KiB Wasm page.
pub const PAGE: u64 = 65_536;

/// The most pages a memory in a generated module may start with or grow
/// to: enough to reach every bounds-checking path, small enough that two
/// engines' copies cost nothing to compare.
pub const MAX_PAGES: u64 = 10;

/// The most elements a generated table may have.
pub const MAX_TABLE_ELEMENTS: u64 = 1_000;

/// The proposals Petrel implements: those of Wasm 2.0 (SIMD for half the
/// inputs) and, each for part of the inputs, the Wasm 3.0 ones it has
/// (multi-memory, tail calls, extended constant expressions, exceptions,
/// memory64, threads, relaxed SIMD) and later ones (wide arithmetic,
/// custom page sizes); every other one
/// off. Limits on the module's size are picked from `u` (swarm
/// testing: some inputs make modules of many small functions, others a few
/// large ones).
pub fn supported(u: &mut Unstructured<'_>) -> Result<Config> {
    let mut c = Config {
        // Wasm 2.0.
        bulk_memory_enabled: true,
        reference_types_enabled: true,
        multi_value_enabled: true,
        saturating_float_to_int_enabled: true,
        sign_extension_ops_enabled: true,

        // Set below, after the shape, so older corpus entries keep their
        // shape.
        simd_enabled: false,
        tail_call_enabled: false,
        extended_const_enabled: false,

        exceptions_enabled: false,

        // Set below.
        relaxed_simd_enabled: false,
        threads_enabled: false,
        // Not (yet) in Petrel.
        shared_everything_threads_enabled: false,
        gc_enabled: false,
        // Set below.
        memory64_enabled: false,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        custom_descriptors_enabled: false,
        compact_imports_enabled: false,
        max_memories: 1,

        // Shape.
        max_types: u.int_in_range(1..=30)?,
        max_funcs: u.int_in_range(1..=30)?,
        max_instructions: u.int_in_range(1..=200)?,
        max_globals: u.int_in_range(0..=20)?,
        max_tables: u.int_in_range(0..=3)?,
        max_data_segments: u.int_in_range(0..=10)?,
        max_element_segments: u.int_in_range(0..=10)?,
        max_elements: u.int_in_range(0..=50)?,
        max_table_elements: MAX_TABLE_ELEMENTS,
        max_memory32_bytes: MAX_PAGES * PAGE,
        max_memory64_bytes: u128::from(MAX_PAGES * PAGE),
        disallow_traps: u.ratio(1, 4)?,
        allow_floats: u.ratio(7, 8)?,
        min_uleb_size: u.int_in_range(0..=5)?,

        ..Config::default()
    };
    c.simd_enabled = u.arbitrary()?;
    // Multi-memory (Wasm 3.0, on in both engines) for a quarter of the
    // inputs. Drawn last, and so that a byte string that has run out
    // keeps one memory: older corpus entries keep their modules.
    if u.arbitrary::<u8>()? >= 192 {
        c.max_memories = u.int_in_range(2..=3)?;
    }
    // Tail calls and extended constants for half the inputs each, drawn
    // after everything older for the same reason.
    c.tail_call_enabled = u.arbitrary()?;
    c.extended_const_enabled = u.arbitrary()?;
    // The 3.0 type system (typed function references, recursion groups,
    // subtypes, the GC heap types) for a quarter: `wasm-smith` has it only
    // with GC, whose struct and array instructions are left out here; a
    // module that still uses a GC instruction (`ref.i31`, a cast) is
    // skipped by the targets (`verdict::uses_gc_instructions`).
    let gc = u.arbitrary::<u8>()? >= 192;
    // Exception handling (tags, `throw`, `throw_ref`, `try_table`,
    // `exnref`) for a quarter, drawn last.
    c.exceptions_enabled = u.arbitrary::<u8>()? >= 192;
    // Wide arithmetic and custom page sizes (off by default in Petrel, on
    // in the targets' engines, `petrel_config`) for a quarter each, drawn
    // last.
    c.wide_arithmetic_enabled = u.arbitrary::<u8>()? >= 192;
    c.custom_page_sizes_enabled = u.arbitrary::<u8>()? >= 192;
    // memory64 (64-bit memories and tables; on in Petrel and wasmi) for a
    // quarter, drawn last.
    c.memory64_enabled = u.arbitrary::<u8>()? >= 192;
    // Threads (shared memories, atomics, wait and notify) and relaxed SIMD
    // for a quarter each, drawn last. Relaxed SIMD needs SIMD; Petrel runs
    // it deterministically here (`petrel_config`), so every voice agrees.
    c.threads_enabled = u.arbitrary::<u8>()? >= 192;
    c.relaxed_simd_enabled = c.simd_enabled && u.arbitrary::<u8>()? >= 192;
    // Petrel refuses shared 64-bit memories and atomics on 64-bit
    // memories (`verdict::has_shared_memory64`), so not both.
    if c.threads_enabled {
        c.memory64_enabled = false;
    }
    if gc {
        c.gc_enabled = true;
        use wasm_smith::InstructionKind as K;
        c.allowed_instructions = wasm_smith::InstructionKinds::new(&[
            K::Numeric,
            K::Vector,
            K::Reference,
            K::Parametric,
            K::Variable,
            K::Table,
            K::Memory,
            K::Control,
        ]);
    }
    Ok(c)
}

/// Modules for the differential target: no imports, every entity exported,
/// memories and tables with a maximum, NaNs canonicalized so both engines
/// must produce the same bits.
pub fn differential(u: &mut Unstructured<'_>) -> Result<Config> {
    let mut c = supported(u)?;
    c.min_imports = 0;
    c.max_imports = 0;
    c.export_everything = true;
    c.canonicalize_nans = true;
    c.memory_max_size_required = true;
    c.table_max_size_required = true;
    Ok(c)
}

/// Modules for `instantiate_and_run`: imports of every kind (satisfied by
/// the target with host definitions), every entity exported, memories and
/// tables with or without a maximum.
pub fn with_imports(u: &mut Unstructured<'_>) -> Result<Config> {
    let mut c = supported(u)?;
    c.max_imports = u.int_in_range(0..=12)?;
    c.min_imports = u.int_in_range(0..=c.max_imports.min(3))?;
    c.export_everything = true;
    c.memory_max_size_required = u.arbitrary()?;
    c.table_max_size_required = u.arbitrary()?;
    // Not the 3.0 type system: the host definitions of the imports are
    // made from `funcref`/`externref` values only, and a typed import
    // (`(ref $t)`) would need a function of exactly its type.
    c.gc_enabled = false;
    c.allowed_instructions = wasm_smith::InstructionKinds::all();
    Ok(c)
}

/// Modules for the `validate` target: wasm-smith's own swarm
/// configuration, proposals beyond Wasm 2.0 included (Petrel must reject
/// exactly those modules `wasmparser` rejects), with its size limits
/// capped so generation stays fast.
pub fn any(u: &mut Unstructured<'_>) -> Result<Config> {
    let mut c: Config = u.arbitrary()?;
    c.max_types = c.max_types.min(30);
    c.max_imports = c.max_imports.min(20);
    c.max_funcs = c.max_funcs.min(30);
    c.max_instructions = c.max_instructions.min(200);
    c.max_globals = c.max_globals.min(30);
    c.max_exports = c.max_exports.min(30);
    c.max_data_segments = c.max_data_segments.min(10);
    c.max_element_segments = c.max_element_segments.min(10);
    c.max_elements = c.max_elements.min(50);
    c.max_tags = c.max_tags.min(10);
    c.max_memories = c.max_memories.min(4);
    c.max_tables = c.max_tables.min(4);
    c.max_aliases = c.max_aliases.min(10);
    c.generate_custom_sections = u.arbitrary()?;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts the memories the differential configuration gives modules
    /// generated from simple pseudo-random inputs: some must have more than
    /// one, some a shared one, some must use atomics and some relaxed SIMD,
    /// and every one must validate under Petrel's features.
    #[test]
    fn some_differential_modules_have_several_memories() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let (mut multi, mut shared, mut atomics, mut relaxed) = (0, 0, 0, 0);
        for _ in 0..200 {
            let bytes: Vec<u8> = (0..2048)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            let mut u = Unstructured::new(&bytes);
            let Ok(config) = differential(&mut u) else {
                continue;
            };
            let Ok(module) = wasm_smith::Module::new(config, &mut u) else {
                continue;
            };
            let wasm = module.to_bytes();
            wasmparser::Validator::new_with_features(crate::petrel_features())
                .validate_all(&wasm)
                .expect("generated modules are valid under Petrel's features");
            let memories = wasmparser::Parser::new(0)
                .parse_all(&wasm)
                .filter_map(|p| match p {
                    Ok(wasmparser::Payload::MemorySection(s)) => Some(s.count()),
                    _ => None,
                })
                .sum::<u32>();
            if memories > 1 {
                multi += 1;
            }
            let (mut has_shared, mut ops) = (false, Vec::new());
            for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
                match payload {
                    Ok(wasmparser::Payload::MemorySection(s)) => {
                        has_shared |= s.into_iter().any(|m| m.is_ok_and(|m| m.shared));
                    }
                    Ok(wasmparser::Payload::CodeSectionEntry(body)) => {
                        let reader = body.get_operators_reader().expect("valid body");
                        ops.extend(reader.into_iter().flatten().map(|op| format!("{op:?}")));
                    }
                    _ => {}
                }
            }
            shared += usize::from(has_shared);
            atomics += usize::from(ops.iter().any(|op| op.contains("Atomic")));
            relaxed += usize::from(ops.iter().any(|op| op.contains("Relaxed")));
        }
        assert!(multi > 0, "no module with more than one memory");
        assert!(shared > 0, "no module with a shared memory");
        assert!(atomics > 0, "no module with an atomic instruction");
        assert!(relaxed > 0, "no module with a relaxed SIMD instruction");
    }
}
