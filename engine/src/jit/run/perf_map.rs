//! Linux `perf`'s map of JIT code (`Config::profiler(PerfMap)`): `perf`
//! reads `/tmp/perf-PID.map`, one line per function (`START SIZE NAME`,
//! hexadecimal), to name samples that fall in anonymous or artifact
//! mappings. Lines are appended when a module's code is mapped; a module
//! dropped later leaves its lines (perf maps have no removal, and `perf
//! report` reads the file after the process has exited).

use super::code_memory::CompiledModule;
use crate::runtime::ModuleShared;
use alloc::format;
use alloc::string::String;
use core::fmt::Write as _;
use std::io::Write as _;
use std::sync::Mutex;

/// Keeps two modules mapped at once from interleaving their lines.
static FILE_LOCK: Mutex<()> = Mutex::new(());

/// Appends a line for each function of `module`'s code. A profiling aid:
/// a map that cannot be written is not the module's failure, so errors are
/// ignored.
pub(crate) fn announce(module: &ModuleShared) {
    if let Some(compiled) = module.code_or_upper::<CompiledModule>() {
        announce_code(module, compiled);
    }
}

/// [`announce`] for `compiled`, the JIT's code of `module` (which may run
/// in the interpreter until it is hot: `Tier::Auto`).
pub(crate) fn announce_code(module: &ModuleShared, compiled: &CompiledModule) {
    let mut lines = String::new();
    for def in 0..compiled.num_funcs() {
        let (start, len) = compiled.func_range(def);
        line(&mut lines, module, def, start, len, "");
    }
    append(&lines);
}

/// Appends a line for each function of a batch of per-function tier-up:
/// the `i`-th function of `code` is defined function `defs[i]`.
pub(crate) fn announce_batch(module: &ModuleShared, code: &CompiledModule, defs: &[u32]) {
    let mut lines = String::new();
    for (i, &def) in defs.iter().enumerate() {
        let (start, len) = code.func_range(i as u32);
        line(&mut lines, module, def, start, len, "");
    }
    append(&lines);
}

/// Appends the line of the twin of defined function `def` of `module`
/// (on-stack replacement), `len` bytes at `start`.
pub(crate) fn announce_twin(module: &ModuleShared, def: u32, start: usize, len: usize) {
    let mut lines = String::new();
    line(&mut lines, module, def, start, len, " (osr)");
    append(&lines);
}

/// Writes the map line of defined function `def`'s code at `start`.
fn line(lines: &mut String, module: &ModuleShared, def: u32, start: usize, len: usize, what: &str) {
    let info = &module.info;
    let module_name = info.module_name.as_deref().unwrap_or("module");
    let index = info.num_imported_funcs + def;
    let name = info.func_names.get(&module.bytes, index);
    // Writing to a `String` cannot fail.
    let _ = match name {
        Some(name) => writeln!(
            lines,
            "{start:x} {len:x} wasm[{module_name}]::function[{index}]::{name}{what}"
        ),
        None => writeln!(
            lines,
            "{start:x} {len:x} wasm[{module_name}]::function[{index}]{what}"
        ),
    };
}

/// Appends `lines` to this process's map.
fn append(lines: &str) {
    let path = format!("/tmp/perf-{}.map", std::process::id());
    let _guard = FILE_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = file.write_all(lines.as_bytes());
    }
}
