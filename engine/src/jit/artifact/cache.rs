//! The JIT's compile cache (`Config::compile_cache`): a directory of
//! artifacts, one per module and code-relevant settings, named by the
//! SHA-256 of the artifact header and the module's bytes.
//!
//! Safe with concurrent processes: an entry is written to a temporary file
//! and renamed into place, so a reader sees a whole entry or none, and a
//! process still running an entry that another replaces keeps the old
//! file's pages. Size-bounded: after each write, the least recently used
//! entries go until the directory fits its limit. Best effort: any
//! failure (an unwritable directory, a damaged entry) means compiling, and
//! never an error of its own. The directory must belong to the user and
//! be writable by nobody else (entries are run as machine code), or it is
//! not used.

use super::Parts;
use crate::config::CompileCache;
use crate::error::Result;
use crate::jit::run::code_memory::CompiledModule;
use crate::runtime::{EngineShared, ModuleShared};
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use sha2::{Digest, Sha256};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// A temporary file older than this was left by a process that died.
const STALE_TEMP: Duration = Duration::from_secs(600);

/// The module for `binary` from the cache, or compiled by `compile` and
/// then stored in it.
pub(crate) fn module(
    engine: &EngineShared,
    cache: &CompileCache,
    binary: &[u8],
    compile: impl FnOnce() -> Result<ModuleShared>,
) -> Result<ModuleShared> {
    let Some((path, key)) = entry(engine, cache, binary) else {
        return compile();
    };
    if let Some((parts, code)) = load(engine, &path, binary) {
        return Ok(ModuleShared::new(parts.info, parts.wasm, Box::new(code))
            .with_images(parts.file_images));
    }
    let shared = compile()?;
    if let Ok(artifact) = super::serialize(engine, &shared) {
        keep(cache, &key, &artifact);
    }
    Ok(shared)
}

/// The JIT's code of `module`, which another tier runs (tier-up), from the
/// cache, or compiled by `compile` and then stored in it. The entry is the
/// one `module` would use under `Tier::Jit` with the same settings.
pub(crate) fn code(
    engine: &EngineShared,
    cache: &CompileCache,
    module: &ModuleShared,
    compile: impl FnOnce() -> Result<CompiledModule>,
) -> Result<CompiledModule> {
    let Some((path, key)) = entry(engine, cache, &module.bytes) else {
        return compile();
    };
    if let Some((_, code)) = load(engine, &path, &module.bytes) {
        return Ok(code);
    }
    let code = compile()?;
    if let Ok(artifact) = super::serialize_code(engine, &module.info, &module.bytes, &code) {
        keep(cache, &key, &artifact);
    }
    Ok(code)
}

/// The JIT's code of `module`, which another tier runs (per-function
/// tier-up), if the cache has the entry [`code`] would use: nothing is
/// compiled or stored.
pub(crate) fn code_if_cached(
    engine: &EngineShared,
    cache: &CompileCache,
    module: &ModuleShared,
) -> Option<CompiledModule> {
    let (path, _) = entry(engine, cache, &module.bytes)?;
    load(engine, &path, &module.bytes).map(|(_, code)| code)
}

/// Where the entry for `binary` under `engine`'s settings is, and its key;
/// `None` if the cache cannot be used.
fn entry(engine: &EngineShared, cache: &CompileCache, binary: &[u8]) -> Option<(PathBuf, String)> {
    let header = super::header(engine).ok()?;
    if !crate::sys::private_dir(&cache.dir) {
        return None;
    }
    let mut hash = Sha256::new();
    hash.update(header.as_bytes());
    hash.update(binary);
    let key: String = hash
        .finalize()
        .iter()
        .map(|b| alloc::format!("{b:02x}"))
        .collect();
    Some((cache.dir.join(&key), key))
}

/// The entry at `path`, if there is one, it loads, and it is of `binary`.
fn load(engine: &EngineShared, path: &Path, binary: &[u8]) -> Option<(Parts, CompiledModule)> {
    let file = fs::File::open(path).ok()?;
    // SAFETY: entries are artifacts this code wrote (the directory is the
    // user's own, writable by nobody else: `sys::private_dir`) and are never
    // modified in place, only replaced by renaming; damage is caught by
    // the artifact's own checks.
    let (parts, code) = unsafe { super::deserialize_file(engine, &file) }.ok()?;
    if *parts.wasm != *binary {
        return None;
    }
    // Recently used: eviction goes by modification time.
    let _ = file.set_modified(SystemTime::now());
    Some((parts, code))
}

/// Stores `artifact` as entry `key`, then trims the directory to its
/// limit.
fn keep(cache: &CompileCache, key: &str, artifact: &[u8]) {
    if store(&cache.dir, key, artifact).is_ok() {
        evict(&cache.dir, cache.limit);
    }
}

/// Writes `artifact` as entry `key`, whole or not at all.
fn store(dir: &Path, key: &str, artifact: &[u8]) -> std::io::Result<()> {
    // Unique among this process's threads too (tier-up compiles in the
    // background while an instance may compile the same module).
    static NEXT: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);
    let temp = dir.join(alloc::format!(
        ".tmp-{}-{}-{:x}",
        std::process::id(),
        NEXT.fetch_add(1, core::sync::atomic::Ordering::Relaxed),
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    let result = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(artifact)?;
        file.sync_data()?;
        fs::rename(&temp, dir.join(key))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Removes the least recently used entries until the directory holds at
/// most `limit` bytes, and temporary files left by dead processes.
fn evict(dir: &Path, limit: u64) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    let mut files: Vec<(SystemTime, u64, PathBuf)> = Vec::new();
    for entry in entries.flatten() {
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(".tmp-") {
            if now
                .duration_since(modified)
                .is_ok_and(|age| age > STALE_TEMP)
            {
                let _ = fs::remove_file(entry.path());
            }
            continue;
        }
        if name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit()) {
            files.push((modified, meta.len(), entry.path()));
        }
    }
    let mut total: u64 = files.iter().map(|f| f.1).sum();
    files.sort();
    for (_, size, path) in files {
        if total <= limit {
            break;
        }
        if fs::remove_file(&path).is_ok() {
            total -= size;
        }
    }
}
