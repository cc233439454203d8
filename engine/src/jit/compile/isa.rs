//! The host ISA: everything the JIT knows about the machine it compiles for.
//! The rest of the JIT takes the ISA as a parameter (pointer type, calling
//! convention, flags all come from the `TargetIsa` built here).
//!
//! Supported hosts: x86-64, aarch64 and riscv64 (`sys::JIT_SUPPORTED`).

use alloc::string::{String, ToString};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};

/// The host's ISA twice, with Petrel's code generation settings: once
/// with Cranelift's default (backtracking) register allocator, and once
/// with its single-pass allocator, for functions so large that the
/// backtracking one would take seconds to minutes (see
/// `translate::MAX_PRESSURE`).
pub(crate) struct HostIsas {
    pub normal: OwnedTargetIsa,
    pub big: OwnedTargetIsa,
}

/// The host's ISAs, or why the host cannot run the JIT. With
/// `canonical_nans`, Cranelift rewrites every float operation that may
/// produce a NaN to produce the canonical one (`Config::nan_canonicalization`).
pub(crate) fn host_isas(canonical_nans: bool) -> Result<HostIsas, String> {
    Ok(HostIsas {
        normal: host_isa("backtracking", canonical_nans)?,
        big: host_isa("single_pass", canonical_nans)?,
    })
}

/// Whether `isa` can compile Wasm's `v128` operations: every x86-64 and
/// aarch64 host can; a riscv64 host needs the vector extension (V).
/// Whether the ISA's boolean setting `name` (a CPU feature, as
/// `has_fma`) is on.
pub(crate) fn has_flag(isa: &OwnedTargetIsa, name: &str) -> bool {
    isa.isa_flags()
        .iter()
        .any(|f| f.name == name && f.as_bool() == Some(true))
}

pub(crate) fn has_simd(isa: &OwnedTargetIsa) -> bool {
    if isa.name() != "riscv64" {
        return true;
    }
    isa.isa_flags()
        .iter()
        .any(|f| f.name == "has_v" && f.as_bool() == Some(true))
}

/// The host's ISA with Petrel's code generation settings and register
/// allocator `regalloc`, or why the host cannot run the JIT.
fn host_isa(regalloc: &str, canonical_nans: bool) -> Result<OwnedTargetIsa, String> {
    if !crate::sys::JIT_SUPPORTED {
        return Err(
            "the JIT tier supports x86-64, aarch64 and riscv64 hosts only; use \
             Tier::Interpreter"
                .into(),
        );
    }
    let mut flags = settings::builder();
    let set = |flags: &mut settings::Builder, name: &str, value: &str| {
        flags
            .set(name, value)
            .map_err(|e| alloc::format!("cranelift setting {name}={value}: {e}"))
    };
    set(&mut flags, "opt_level", "speed")?;
    set(&mut flags, "regalloc_algorithm", regalloc)?;
    // Stack overflow is a check against the store's stack limit in every
    // function's prologue (`translate::install_stack_limit`), before the
    // frame is allocated; there are no guard-page probes.
    set(&mut flags, "enable_probestack", "false")?;
    // Functions returning more values than fit in registers.
    set(&mut flags, "enable_multi_ret_implicit_sret", "true")?;
    set(&mut flags, "preserve_frame_pointers", "true")?;
    let canonical_nans = if canonical_nans { "true" } else { "false" };
    set(&mut flags, "enable_nan_canonicalization", canonical_nans)?;
    set(
        &mut flags,
        "enable_verifier",
        if cfg!(debug_assertions) {
            "true"
        } else {
            "false"
        },
    )?;
    // Host features (SSE4.1 and up): float rounding must lower to inline
    // instructions, never to a libcall (which would need a relocation).
    let isa = cranelift_native::builder()
        .map_err(|e| alloc::format!("the host is not supported by Cranelift: {e}"))?;
    let isa = isa
        .finish(settings::Flags::new(flags))
        .map_err(|e| e.to_string())?;
    if isa.pointer_bytes() != 8 {
        return Err("the JIT tier needs a 64-bit host".into());
    }
    Ok(isa)
}
