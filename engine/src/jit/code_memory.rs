//! Executable memory Petrel owns: functions are copied into one anonymous
//! mapping while it is writable, which is then made read + execute. The
//! code has no relocations, so the same bytes could be written to a file
//! and mapped back (the ahead-of-time issue).

use alloc::string::String;
use alloc::vec::Vec;
use memmap2::{Mmap, MmapMut};

/// Alignment of each function's entry.
const FUNC_ALIGN: usize = 16;

/// A read + execute mapping holding one or more functions.
pub(super) struct CodeMemory {
    map: Mmap,
    offsets: Vec<usize>,
}

impl CodeMemory {
    /// Lays `funcs` out one after another, each aligned, and makes them
    /// executable.
    pub(super) fn new(funcs: &[&[u8]]) -> Result<Self, String> {
        let mut offsets = Vec::with_capacity(funcs.len());
        let mut len = 0usize;
        for f in funcs {
            len = len.next_multiple_of(FUNC_ALIGN);
            offsets.push(len);
            len += f.len();
        }
        let mut map = MmapMut::map_anon(len.max(1))
            .map_err(|e| alloc::format!("cannot map code memory: {e}"))?;
        for (f, &off) in funcs.iter().zip(&offsets) {
            map[off..off + f.len()].copy_from_slice(f);
        }
        let map = map
            .make_exec()
            .map_err(|e| alloc::format!("cannot make code memory executable: {e}"))?;
        super::sys::flush_icache(map.as_ptr(), map.len());
        Ok(Self { map, offsets })
    }

    pub(super) fn base(&self) -> *const u8 {
        self.map.as_ptr()
    }

    pub(super) fn offsets(&self) -> &[usize] {
        &self.offsets
    }
}
