//! One module per subcommand, plus the options several of them share.

pub mod compile;
pub mod run;
pub mod serve;
pub mod validate;
pub mod wast;

use anyhow::{anyhow, Result};
use clap::{Args, ValueEnum};
use std::time::Duration;

/// The execution tier named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TierArg {
    /// The register-bytecode interpreter: starts instantly, runs everywhere.
    Interp,
    /// The optimising JIT compiler (Cranelift; x86-64, aarch64 and riscv64 hosts).
    Jit,
    /// Start in the interpreter; compile hot functions with the JIT in
    /// the background and run their code when it is ready (`petrel run`'s
    /// default).
    Auto,
}

impl TierArg {
    /// The tier's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            TierArg::Interp => "interp",
            TierArg::Jit => "jit",
            TierArg::Auto => "auto",
        }
    }

    /// Selects this tier in `config`, or says why it cannot be used.
    pub fn apply(self, config: &mut petrel::Config) -> Result<()> {
        match self {
            TierArg::Interp => {
                config.tier(petrel::Tier::Interpreter);
                Ok(())
            }
            TierArg::Jit => {
                config.tier(petrel::Tier::Jit);
                Ok(())
            }
            TierArg::Auto => {
                config.tier(petrel::Tier::Auto);
                Ok(())
            }
        }
    }
}

/// The profiler `--profile` tells where JIT code lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileArg {
    /// Linux perf's map file, /tmp/perf-PID.map: `perf record` then `perf
    /// report` name each Wasm function.
    Perfmap,
}

impl ProfileArg {
    /// Sets this profiler in `config`.
    pub fn apply(self, config: &mut petrel::Config) {
        match self {
            ProfileArg::Perfmap => config.profiler(petrel::ProfilingStrategy::PerfMap),
        };
    }
}

/// WebAssembly options, as `-W NAME=VALUE` (wasmtime's spelling): features,
/// the limits of a guest's resources, and what `run` does with imports
/// nothing provides.
#[derive(Debug, Clone, Default, Args)]
pub struct WasmOpts {
    /// A WebAssembly option; repeatable, or several separated by commas
    /// (`-W fuel=10000,timeout=2s`). Features, on or off (`NAME=y|n`;
    /// a bare `NAME` means on), on by default: `multi-memory`,
    /// `extended-const`, `tail-call`, `function-references`, `exceptions`,
    /// `relaxed-simd` (all off validates exactly Wasm 2.0), `threads`
    /// (shared memories and atomics); off by default, as in wasmtime:
    /// `wide-arithmetic`, `custom-page-sizes`.
    /// Limits: `fuel=N` (the guest may consume N units of fuel, then traps;
    /// see docs/embedding.md for the costs), `timeout=DURATION` (the guest
    /// traps after that long, e.g. `500ms`, `2s`, `1m`),
    /// `max-memory-size=BYTES` (no linear memory grows past it;
    /// `memory.grow` returns -1; suffixes K, M, G), `max-wasm-stack=BYTES`
    /// (the stack a guest may use before it traps).
    /// Determinism: `nan-canonicalization=y` (every NaN a float operation
    /// produces is the canonical one, so results are bit-identical on
    /// every ISA), `relaxed-simd-deterministic=y` (relaxed SIMD gives
    /// the same results on every ISA and tier).
    /// Imports (`petrel run` only): `unknown-imports-trap=y` (a function
    /// import nothing provides is defined as one that stops the guest when
    /// called, naming the import, instead of failing instantiation).
    #[arg(
        short = 'W',
        value_name = "NAME=VALUE",
        value_delimiter = ',',
        value_parser = parse_wasm_opt
    )]
    wasm: Vec<WasmOpt>,
}

/// One `-W` option.
#[derive(Debug, Clone, Copy, PartialEq)]
enum WasmOpt {
    Feature(Feature, bool),
    Fuel(u64),
    Timeout(Duration),
    MaxMemorySize(u64),
    MaxWasmStack(usize),
    NanCanonicalization(bool),
    RelaxedSimdDeterministic(bool),
    UnknownImportsTrap(bool),
}

/// A WebAssembly feature `-W` switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Feature {
    MultiMemory,
    Memory64,
    ExtendedConst,
    TailCall,
    FunctionReferences,
    Exceptions,
    RelaxedSimd,
    WideArithmetic,
    CustomPageSizes,
    Threads,
    ReferenceTypes,
}

impl Feature {
    /// Every feature, by its `-W` name (wasmtime's).
    const ALL: [(&'static str, Feature); 11] = [
        ("multi-memory", Feature::MultiMemory),
        ("memory64", Feature::Memory64),
        ("extended-const", Feature::ExtendedConst),
        ("tail-call", Feature::TailCall),
        ("function-references", Feature::FunctionReferences),
        ("exceptions", Feature::Exceptions),
        ("relaxed-simd", Feature::RelaxedSimd),
        ("wide-arithmetic", Feature::WideArithmetic),
        ("custom-page-sizes", Feature::CustomPageSizes),
        ("threads", Feature::Threads),
        ("reference-types", Feature::ReferenceTypes),
    ];

    fn apply(self, config: &mut petrel::Config, on: bool) {
        match self {
            Feature::MultiMemory => config.wasm_multi_memory(on),
            Feature::Memory64 => config.wasm_memory64(on),
            Feature::ExtendedConst => config.wasm_extended_const(on),
            Feature::TailCall => config.wasm_tail_call(on),
            Feature::FunctionReferences => config.wasm_function_references(on),
            Feature::Exceptions => config.wasm_exceptions(on),
            Feature::RelaxedSimd => config.wasm_relaxed_simd(on),
            Feature::WideArithmetic => config.wasm_wide_arithmetic(on),
            Feature::CustomPageSizes => config.wasm_custom_page_sizes(on),
            Feature::Threads => config.wasm_threads(on),
            Feature::ReferenceTypes => config.wasm_reference_types(on),
        };
    }
}

/// The options `-W` knows, for error messages.
const KNOWN: &str = "multi-memory, memory64, extended-const, tail-call, function-references, \
                     exceptions, relaxed-simd, wide-arithmetic, custom-page-sizes, threads, \
                     reference-types, fuel, \
                     timeout, \
                     max-memory-size, max-wasm-stack, nan-canonicalization, \
                     relaxed-simd-deterministic, unknown-imports-trap";

/// Parses `NAME[=VALUE]` (a bare feature name means on); an unknown name
/// or a bad value is a usage error naming what was expected.
fn parse_wasm_opt(opt: &str) -> Result<WasmOpt, String> {
    let (name, value) = match opt.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (opt, None),
    };
    let needs =
        |what: &str| value.ok_or_else(|| format!("`-W {name}` needs a value: `{name}={what}`"));
    if let Some((_, feature)) = Feature::ALL.iter().find(|(n, _)| *n == name) {
        return Ok(WasmOpt::Feature(
            *feature,
            parse_bool(name, value.unwrap_or("y"))?,
        ));
    }
    Ok(match name {
        "nan-canonicalization" => {
            WasmOpt::NanCanonicalization(parse_bool(name, value.unwrap_or("y"))?)
        }
        "relaxed-simd-deterministic" => {
            WasmOpt::RelaxedSimdDeterministic(parse_bool(name, value.unwrap_or("y"))?)
        }
        "unknown-imports-trap" => {
            WasmOpt::UnknownImportsTrap(parse_bool(name, value.unwrap_or("y"))?)
        }
        "fuel" => WasmOpt::Fuel(parse_size(name, needs("N")?, false)?),
        "timeout" => WasmOpt::Timeout(
            parse_duration(needs("DURATION")?)
                .map_err(|e| format!("`-W timeout`: {e} (for example `500ms`, `2s`, `1m`)"))?,
        ),
        "max-memory-size" => WasmOpt::MaxMemorySize(parse_size(name, needs("BYTES")?, true)?),
        "max-wasm-stack" => {
            let bytes = parse_size(name, needs("BYTES")?, true)?;
            WasmOpt::MaxWasmStack(
                usize::try_from(bytes).map_err(|_| format!("`-W {name}`: too large"))?,
            )
        }
        other => {
            return Err(format!(
                "unknown WebAssembly feature or option `{other}` (known: {KNOWN})"
            ))
        }
    })
}

fn parse_bool(name: &str, value: &str) -> Result<bool, String> {
    match value {
        "y" | "yes" | "true" => Ok(true),
        "n" | "no" | "false" => Ok(false),
        other => Err(format!("expected y or n after `{name}=`, found `{other}`")),
    }
}

/// A decimal count, with a binary suffix (`K`, `M`, `G`) if `suffixes`.
fn parse_size(name: &str, value: &str, suffixes: bool) -> Result<u64, String> {
    let (digits, scale) = match value.as_bytes().last() {
        Some(b'K' | b'k') if suffixes => (&value[..value.len() - 1], 1u64 << 10),
        Some(b'M' | b'm') if suffixes => (&value[..value.len() - 1], 1 << 20),
        Some(b'G' | b'g') if suffixes => (&value[..value.len() - 1], 1 << 30),
        _ => (value, 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| {
            let what = if suffixes {
                "a whole number of bytes, optionally with K, M or G"
            } else {
                "a whole number"
            };
            format!("`-W {name}`: expected {what}, found `{value}`")
        })
}

/// A duration such as `500ms`, `2s`, `1.5s`, `1m`, `1h` (units: ns, us,
/// ms, s, m, h).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("`{text}` has no unit"))?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` does not start with a number"))?;
    let seconds = match unit {
        "ns" => 1e-9,
        "us" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        other => return Err(format!("unknown unit `{other}` in `{text}`")),
    };
    Duration::try_from_secs_f64(number * seconds).map_err(|_| format!("`{text}` is out of range"))
}

/// Shows a duration the way a user would write it back.
pub fn show_duration(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else if d.as_nanos().is_multiple_of(1_000_000) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:?}", d)
    }
}

/// Code generation options, as `-C NAME=VALUE` (wasmtime's spelling).
#[derive(Debug, Clone, Default, Args)]
pub struct CodegenOpts {
    /// A code generation option; repeatable. `cache=y|n`: keep what the
    /// JIT compiles in the compile cache and reuse it on the next run (on
    /// by default; the directory is `$PETREL_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/petrel`, else `~/.cache/petrel`, bounded to 1 GiB).
    /// `tier-up-threshold=N` (with `--tier auto`): calls into a function
    /// (or loop iterations) before the JIT compiles it (default 300 per
    /// function, 10000 per module); `tier-up-unit=function|module` (with
    /// `--tier auto`): compile hot functions, in batches (the default), or
    /// whole hot modules.
    #[arg(short = 'C', value_name = "NAME=VALUE", value_parser = parse_codegen_opt)]
    codegen: Vec<CodegenOpt>,
}

/// One `-C` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CodegenOpt {
    Cache(bool),
    TierUpThreshold(u32),
    /// `true`: per function.
    TierUpUnit(bool),
}

fn parse_codegen_opt(opt: &str) -> Result<CodegenOpt, String> {
    let (name, value) = match opt.split_once('=') {
        Some((name, value)) => (name, value),
        None => (opt, "y"),
    };
    match name {
        "cache" => Ok(CodegenOpt::Cache(parse_bool(name, value)?)),
        "tier-up-threshold" => value.parse().map(CodegenOpt::TierUpThreshold).map_err(|_| {
            format!(
                "`-C tier-up-threshold` takes a number of calls (0 to 4294967295), not `{value}`"
            )
        }),
        "tier-up-unit" => match value {
            "function" => Ok(CodegenOpt::TierUpUnit(true)),
            "module" => Ok(CodegenOpt::TierUpUnit(false)),
            _ => Err(format!(
                "`-C tier-up-unit` is `function` or `module`, not `{value}`"
            )),
        },
        other => Err(format!(
            "unknown code generation option `{other}` (known: cache, tier-up-threshold, \
             tier-up-unit)"
        )),
    }
}

impl CodegenOpts {
    /// Turns the compile cache on in `config` unless `-C cache=n` (or no
    /// cache directory can be named), and sets the tier-up threshold if
    /// given (the last of each option counts).
    pub fn apply(&self, config: &mut petrel::Config) {
        let mut on = true;
        for opt in &self.codegen {
            match *opt {
                CodegenOpt::Cache(cache) => on = cache,
                CodegenOpt::TierUpThreshold(calls) => {
                    config.tier_up_threshold(calls);
                }
                CodegenOpt::TierUpUnit(per_function) => {
                    config.tier_up_per_function(per_function);
                }
            }
        }
        if let Some(dir) = on.then(cache_dir).flatten() {
            config.compile_cache(dir, petrel::DEFAULT_COMPILE_CACHE_LIMIT);
        }
    }
}

/// The compile cache's directory: `$PETREL_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/petrel`, else `$HOME/.cache/petrel`.
fn cache_dir() -> Option<std::path::PathBuf> {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("PETREL_CACHE_DIR") {
        return Some(dir.into());
    }
    if let Some(dir) = var("XDG_CACHE_HOME") {
        return Some(std::path::PathBuf::from(dir).join("petrel"));
    }
    var("HOME").map(|home| std::path::PathBuf::from(home).join(".cache/petrel"))
}

impl WasmOpts {
    /// Applies the engine-wide options to `config` (features, the stack,
    /// and fuel or epochs if a limit needs them).
    pub fn apply(&self, config: &mut petrel::Config) -> Result<()> {
        for opt in &self.wasm {
            match *opt {
                WasmOpt::Feature(feature, on) => feature.apply(config, on),
                WasmOpt::Fuel(_) => {
                    config.consume_fuel(true);
                }
                WasmOpt::Timeout(_) => {
                    config.epoch_interruption(true);
                }
                WasmOpt::MaxWasmStack(bytes) => {
                    config.max_wasm_stack(bytes);
                }
                WasmOpt::NanCanonicalization(on) => {
                    config.nan_canonicalization(on);
                }
                WasmOpt::RelaxedSimdDeterministic(on) => {
                    config.relaxed_simd_deterministic(on);
                }
                // For the store and the linker, not the engine.
                WasmOpt::MaxMemorySize(_) | WasmOpt::UnknownImportsTrap(_) => {}
            }
        }
        Ok(())
    }

    /// `-W fuel`, the last one given.
    pub fn fuel(&self) -> Option<u64> {
        self.wasm.iter().rev().find_map(|o| match o {
            WasmOpt::Fuel(n) => Some(*n),
            _ => None,
        })
    }

    /// `-W timeout`, the last one given.
    pub fn timeout(&self) -> Option<Duration> {
        self.wasm.iter().rev().find_map(|o| match o {
            WasmOpt::Timeout(d) => Some(*d),
            _ => None,
        })
    }

    /// `-W unknown-imports-trap`, the last one given (default: off).
    pub fn unknown_imports_trap(&self) -> bool {
        self.wasm
            .iter()
            .rev()
            .find_map(|o| match o {
                WasmOpt::UnknownImportsTrap(on) => Some(*on),
                _ => None,
            })
            .unwrap_or(false)
    }

    /// `-W max-memory-size`, the last one given.
    pub fn max_memory_size(&self) -> Option<u64> {
        self.wasm.iter().rev().find_map(|o| match o {
            WasmOpt::MaxMemorySize(n) => Some(*n),
            _ => None,
        })
    }
}

/// A guest's environment: petrel's own if `inherit` (`-S inherit-env`),
/// then each `--env` in `envs` added or, for a name already there, replacing its value in
/// place (so no name appears twice).
pub fn guest_env(envs: &[String], inherit: bool) -> Result<Vec<(String, String)>> {
    let mut env: Vec<(String, String)> = Vec::new();
    if inherit {
        for (name, value) in std::env::vars_os() {
            let name = name.into_string().map_err(|name| {
                anyhow!("`-S inherit-env`: environment variable name {name:?} is not UTF-8")
            })?;
            let value = value.into_string().map_err(|value| {
                anyhow!("`-S inherit-env`: environment variable {name} = {value:?} is not UTF-8")
            })?;
            env.push((name, value));
        }
    }
    for var in envs {
        let (name, value) = match var.split_once('=') {
            Some((name, value)) => (name, value.to_string()),
            None => match std::env::var(var) {
                Ok(value) => (var.as_str(), value),
                Err(_) => continue,
            },
        };
        match env.iter_mut().find(|(n, _)| n == name) {
            Some(existing) => existing.1 = value,
            None => env.push((name.to_string(), value)),
        }
    }
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_a_unit() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert!(parse_duration("2").is_err());
        assert!(parse_duration("2 weeks").is_err());
        assert!(parse_duration("s").is_err());
        assert_eq!(show_duration(Duration::from_secs(2)), "2s");
        assert_eq!(show_duration(Duration::from_millis(500)), "500ms");
    }

    #[test]
    fn sizes_take_binary_suffixes_and_refuse_nonsense() {
        assert_eq!(parse_size("x", "65536", true), Ok(65536));
        assert_eq!(parse_size("x", "64K", true), Ok(65536));
        assert_eq!(parse_size("x", "2M", true), Ok(2 << 20));
        assert!(parse_size("x", "2M", false).is_err());
        assert!(parse_size("x", "-1", true).is_err());
        assert!(parse_size("x", "99999999999G", true).is_err());
    }

    #[test]
    fn unknown_options_and_missing_values_are_usage_errors() {
        assert!(parse_wasm_opt("bogus=1").unwrap_err().contains("known:"));
        assert!(parse_wasm_opt("fuel").unwrap_err().contains("fuel=N"));
        assert_eq!(
            parse_wasm_opt("multi-memory"),
            Ok(WasmOpt::Feature(Feature::MultiMemory, true))
        );
        assert_eq!(
            parse_wasm_opt("tail-call=n"),
            Ok(WasmOpt::Feature(Feature::TailCall, false))
        );
        assert!(parse_wasm_opt("tail-call=maybe").is_err());
        assert_eq!(parse_wasm_opt("fuel=10"), Ok(WasmOpt::Fuel(10)));
        assert_eq!(
            parse_wasm_opt("unknown-imports-trap=y"),
            Ok(WasmOpt::UnknownImportsTrap(true))
        );
        assert!(parse_wasm_opt("unknown-imports-trap=1").is_err());
        assert_eq!(
            parse_wasm_opt("relaxed-simd-deterministic"),
            Ok(WasmOpt::RelaxedSimdDeterministic(true))
        );
        for (name, feature) in [
            ("relaxed-simd", Feature::RelaxedSimd),
            ("wide-arithmetic", Feature::WideArithmetic),
            ("custom-page-sizes", Feature::CustomPageSizes),
            ("threads", Feature::Threads),
        ] {
            assert_eq!(
                parse_wasm_opt(&format!("{name}=n")),
                Ok(WasmOpt::Feature(feature, false))
            );
            assert!(KNOWN.contains(name), "{name}");
        }
    }

    #[test]
    fn codegen_options_parse_and_refuse_nonsense() {
        assert_eq!(parse_codegen_opt("cache=n"), Ok(CodegenOpt::Cache(false)));
        assert_eq!(
            parse_codegen_opt("tier-up-threshold=7"),
            Ok(CodegenOpt::TierUpThreshold(7))
        );
        assert_eq!(
            parse_codegen_opt("tier-up-unit=function"),
            Ok(CodegenOpt::TierUpUnit(true))
        );
        assert_eq!(
            parse_codegen_opt("tier-up-unit=module"),
            Ok(CodegenOpt::TierUpUnit(false))
        );
        let err = parse_codegen_opt("tier-up-unit=loop").unwrap_err();
        assert!(err.contains("`function` or `module`"), "{err}");
        let err = parse_codegen_opt("tier-up-threshold=-1").unwrap_err();
        assert!(err.contains("number of calls"), "{err}");
        let err = parse_codegen_opt("speed=max").unwrap_err();
        assert!(err.contains("tier-up-unit"), "{err}");
    }
}
