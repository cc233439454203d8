//! An artifact's header: everything the code inside depends on, as text,
//! one `key value` line each: the artifact format, Petrel's version, the
//! target, every Cranelift setting and CPU feature the code was compiled
//! with, and every `Config` setting that changes code or validation. An
//! engine loads an artifact only if its own header agrees.

use super::super::compile::isa;
use crate::error::Error;
use crate::jit::{engine_jit, signals_enabled};
use crate::module::features;
use crate::runtime::EngineShared;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

/// The version of the artifact layout (`super`), bumped whenever it
/// changes.
pub(super) const FORMAT_VERSION: u32 = 4;

/// The header of artifacts `engine` makes and accepts, built once per
/// engine (formatting every Cranelift setting is a measurable part of
/// loading a small artifact).
pub(crate) fn header(engine: &EngineShared) -> Result<&str, Error> {
    let jit = engine_jit(engine)?;
    if let Some(h) = jit.header.get() {
        return Ok(h);
    }
    let h = build(engine)?;
    Ok(jit.header.get_or_init(|| h))
}

fn build(engine: &EngineShared) -> Result<String, Error> {
    let isa = &engine_jit(engine)?.isas()?.normal;
    let config = &engine.config;
    let settings = config.code_settings();
    let mut h = String::new();
    // `write!` to a `String` cannot fail.
    let _ = writeln!(h, "format {FORMAT_VERSION}");
    let _ = writeln!(h, "petrel {}", env!("CARGO_PKG_VERSION"));
    // Sources and dependencies (`build.rs`): code from another build of
    // the same version may read another VM layout.
    let _ = writeln!(h, "build {}", env!("PETREL_BUILD_ID"));
    let _ = writeln!(h, "target {}", isa.triple());
    let _ = writeln!(h, "setting signals_based_traps={}", signals_enabled(config));
    let _ = writeln!(h, "setting consume_fuel={}", settings.fuel);
    let _ = writeln!(h, "setting epoch_interruption={}", settings.epoch);
    let _ = writeln!(
        h,
        "setting nan_canonicalization={}",
        settings.canonical_nans
    );
    let _ = writeln!(
        h,
        "setting relaxed_simd_deterministic={}",
        settings.relaxed_simd_deterministic
    );
    let names: Vec<&str> = features(config).iter_names().map(|(n, _)| n).collect();
    let _ = writeln!(h, "wasm-features {}", names.join(","));
    let _ = writeln!(h, "simd {}", isa::has_simd(isa));
    for flag in isa.flags().iter() {
        let _ = writeln!(h, "cranelift {flag}");
    }
    for flag in isa.isa_flags() {
        let _ = writeln!(h, "cpu {flag}");
    }
    Ok(h)
}

/// Checks an artifact's header against the loading engine's (`ours`).
/// Every line must match, except that a CPU feature the artifact's code
/// does not use (`cpu NAME=0`) may be present on this CPU; the error names
/// the first difference.
pub(crate) fn check(theirs: &str, ours: &str) -> Result<(), String> {
    // The usual case, an artifact made on this machine with these settings.
    if theirs == ours {
        return Ok(());
    }
    let parse = |h: &'_ str| -> BTreeMap<String, String> {
        h.lines()
            .map(|l| match l.split_once(' ') {
                Some((kind, rest)) => match rest.split_once('=') {
                    Some((name, value)) => (format!("{kind} {name}"), value.into()),
                    None => (kind.into(), rest.into()),
                },
                None => (l.into(), String::new()),
            })
            .collect()
    };
    let (theirs, ours) = (parse(theirs), parse(ours));
    // The format, Petrel's version and build first: past a change of any,
    // the other lines may not mean the same.
    for key in ["format", "petrel", "build"] {
        let (t, o) = (theirs.get(key), ours.get(key));
        if t != o {
            return Err(format!(
                "it was made by {}, this is {}",
                describe(key, t),
                describe(key, o)
            ));
        }
    }
    for (key, value) in &theirs {
        let ok = match ours.get(key) {
            Some(o) => o == value || (key.starts_with("cpu ") && value == "0"),
            None => false,
        };
        if !ok {
            return Err(mismatch(key, Some(value), ours.get(key)));
        }
    }
    if let Some((key, value)) = ours.iter().find(|(k, _)| !theirs.contains_key(*k)) {
        return Err(mismatch(key, None, Some(value)));
    }
    Ok(())
}

fn describe(key: &str, value: Option<&String>) -> String {
    match (key, value) {
        ("format", Some(v)) => format!("artifact format {v}"),
        ("petrel", Some(v)) => format!("Petrel {v}"),
        ("build", Some(v)) => format!("build {v} of Petrel"),
        (_, Some(v)) => format!("{key} {v}"),
        (_, None) => format!("an unknown {key}"),
    }
}

fn mismatch(key: &str, theirs: Option<&String>, ours: Option<&String>) -> String {
    let show = |v: Option<&String>| v.map_or("absent".into(), |v| format!("`{v}`"));
    if let Some(name) = key.strip_prefix("cpu ") {
        if theirs.is_some_and(|v| v == "1") {
            return format!("its code uses the CPU feature `{name}`, which this CPU lacks");
        }
    }
    let what = match key.split_once(' ') {
        Some(("setting", name)) => format!("the engine setting `{name}`"),
        Some(("cranelift", name)) => format!("the code generation setting `{name}`"),
        Some(("cpu", name)) => format!("the CPU setting `{name}`"),
        _ => format!("`{key}`"),
    };
    format!(
        "it was compiled with {what} {}, this engine has {}",
        show(theirs),
        show(ours)
    )
}

#[cfg(test)]
mod tests {
    use super::check;

    const OURS: &str = "format 1\npetrel 0.1.0\nbuild 00aa\ntarget x86_64\n\
                        setting consume_fuel=false\n\
                        cpu has_avx=1\ncpu has_avx512=1\n";

    #[test]
    fn the_same_header_passes() {
        assert_eq!(check(OURS, OURS), Ok(()));
    }

    #[test]
    fn an_unused_cpu_feature_may_be_present() {
        let theirs = OURS.replace("has_avx512=1", "has_avx512=0");
        assert_eq!(check(&theirs, OURS), Ok(()));
    }

    #[test]
    fn a_missing_cpu_feature_is_named() {
        let ours = OURS.replace("has_avx512=1", "has_avx512=0");
        let err = check(OURS, &ours).unwrap_err();
        assert!(err.contains("CPU feature `has_avx512`"), "{err}");
    }

    #[test]
    fn a_setting_or_version_difference_is_named() {
        let theirs = OURS.replace("consume_fuel=false", "consume_fuel=true");
        let err = check(&theirs, OURS).unwrap_err();
        assert!(err.contains("`consume_fuel` `true`"), "{err}");
        let theirs = OURS.replace("petrel 0.1.0", "petrel 0.0.9");
        let err = check(&theirs, OURS).unwrap_err();
        assert!(
            err.contains("made by Petrel 0.0.9, this is Petrel 0.1.0"),
            "{err}"
        );
        let theirs = OURS.replace("build 00aa", "build 00bb");
        let err = check(&theirs, OURS).unwrap_err();
        assert!(
            err.contains("made by build 00bb of Petrel, this is build 00aa"),
            "{err}"
        );
        let theirs = OURS.replace("target x86_64", "target aarch64");
        assert!(check(&theirs, OURS).unwrap_err().contains("aarch64"));
    }
}
