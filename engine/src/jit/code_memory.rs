//! Executable memory Petrel owns: functions are copied into one anonymous
//! mapping while it is writable, which is then made read + execute and
//! registered with its trap sites (see [`super::traps`]). The code has no
//! relocations, so the same bytes could be written to a file and mapped
//! back (the ahead-of-time issue).

use super::traps::{self, SiteCode};
use alloc::string::String;
use alloc::vec::Vec;
use memmap2::{Mmap, MmapMut};

/// Alignment of each function's entry.
const FUNC_ALIGN: usize = 16;

/// One compiled function: its machine code and its trap sites (offsets
/// within the code).
pub(super) struct CompiledCode {
    pub code: Vec<u8>,
    pub traps: Vec<(u32, SiteCode)>,
}

/// A read + execute mapping holding one or more functions.
pub(super) struct CodeMemory {
    map: Mmap,
    offsets: Vec<usize>,
}

impl CodeMemory {
    /// Lays `funcs` out one after another, each aligned, makes them
    /// executable and registers their trap sites. `wasm` says whether they
    /// are Wasm functions (which appear in backtraces) or stubs.
    pub(super) fn new(funcs: &[CompiledCode], wasm: bool) -> Result<Self, String> {
        let mut offsets = Vec::with_capacity(funcs.len());
        let mut len = 0usize;
        for f in funcs {
            len = len.next_multiple_of(FUNC_ALIGN);
            offsets.push(len);
            len += f.code.len();
        }
        let mut map = MmapMut::map_anon(len.max(1))
            .map_err(|e| alloc::format!("cannot map code memory: {e}"))?;
        let mut sites = Vec::new();
        for (f, &off) in funcs.iter().zip(&offsets) {
            map[off..off + f.code.len()].copy_from_slice(&f.code);
            sites.extend(f.traps.iter().map(|&(o, c)| (o + off as u32, c)));
        }
        let map = map
            .make_exec()
            .map_err(|e| alloc::format!("cannot make code memory executable: {e}"))?;
        crate::sys::flush_icache(map.as_ptr(), map.len());
        traps::register(map.as_ptr() as usize, map.len(), sites, wasm);
        Ok(Self { map, offsets })
    }

    pub(super) fn base(&self) -> *const u8 {
        self.map.as_ptr()
    }

    pub(super) fn len(&self) -> usize {
        self.map.len()
    }

    pub(super) fn offsets(&self) -> &[usize] {
        &self.offsets
    }
}

impl Drop for CodeMemory {
    fn drop(&mut self) {
        traps::unregister(self.map.as_ptr() as usize);
    }
}
