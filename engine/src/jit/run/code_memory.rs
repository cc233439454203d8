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

/// One compiled function: its machine code, its trap sites and its
/// direct calls (offsets within the code).
pub(crate) struct CompiledCode {
    pub code: Vec<u8>,
    pub traps: Vec<(u32, SiteCode)>,
    pub calls: Vec<CallSite>,
    /// Sorted offsets (trap sites, and return addresses minus one) that lie
    /// in an inlined copy of the function: the trap handler counts two
    /// frames there (see `translate::inline`).
    pub inlined: Vec<u32>,
    /// The exception handlers of its calls inside a `try_table`.
    pub handlers: Vec<traps::HandlerSite>,
}

/// A direct call to another function of the same image: the relocation at
/// `offset`, resolved to `callee`'s entry plus `addend` by the
/// architecture's `sys::patch_direct_call`.
pub(crate) struct CallSite {
    pub offset: u32,
    /// Index of the callee among the functions of the same `CodeMemory`.
    pub callee: u32,
    pub addend: i64,
}

/// A read + execute mapping holding one or more functions.
pub(crate) struct CodeMemory {
    map: Mmap,
    offsets: Vec<usize>,
}

impl CodeMemory {
    /// Lays `funcs` out one after another, each aligned, makes them
    /// executable and registers their trap sites. `wasm` says whether they
    /// are Wasm functions (which appear in backtraces) or stubs.
    pub(crate) fn new(funcs: &[CompiledCode], wasm: bool) -> Result<Self, String> {
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
        let mut inlined = Vec::new();
        let mut handlers = Vec::new();
        for (f, &off) in funcs.iter().zip(&offsets) {
            map[off..off + f.code.len()].copy_from_slice(&f.code);
            let off = off as u32;
            sites.extend(f.traps.iter().map(|&(o, c)| (o + off, c)));
            inlined.extend(f.inlined.iter().map(|&o| o + off));
            handlers.extend(f.handlers.iter().map(|h| traps::HandlerSite {
                ret_addr: h.ret_addr + off,
                handler: h.handler + off,
                frame_offset: h.frame_offset,
            }));
        }
        // Resolve direct calls relative to the image, so it stays
        // position-independent.
        for (f, &off) in funcs.iter().zip(&offsets) {
            for call in &f.calls {
                let target = offsets
                    .get(call.callee as usize)
                    .ok_or_else(|| alloc::format!("a call to unknown function {}", call.callee))?;
                let at = off + call.offset as usize;
                crate::sys::patch_direct_call(&mut map, at, *target, call.addend)
                    .map_err(String::from)?;
            }
        }
        let map = map
            .make_exec()
            .map_err(|e| alloc::format!("cannot make code memory executable: {e}"))?;
        crate::sys::flush_icache(map.as_ptr(), map.len());
        traps::register(
            map.as_ptr() as usize,
            map.len(),
            sites,
            inlined,
            handlers,
            wasm,
        );
        Ok(Self { map, offsets })
    }

    pub(crate) fn base(&self) -> *const u8 {
        self.map.as_ptr()
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    pub(crate) fn offsets(&self) -> &[usize] {
        &self.offsets
    }
}

impl Drop for CodeMemory {
    fn drop(&mut self) {
        traps::unregister(self.map.as_ptr() as usize);
    }
}

/// A module's compiled code: every defined function, laid out in one
/// executable mapping freed when the module is dropped.
pub(crate) struct CompiledModule {
    code: CodeMemory,
}

impl CompiledModule {
    pub(crate) fn new(code: CodeMemory) -> Self {
        Self { code }
    }

    /// The native entry of defined function `def`.
    pub(crate) fn func_ptr(&self, def: u32) -> *const u8 {
        // SAFETY: the offsets are offsets within the mapping.
        unsafe { self.code.base().add(self.code.offsets()[def as usize]) }
    }

    /// The defined function whose code holds address `pc`, if any.
    pub(crate) fn func_at(&self, pc: usize) -> Option<u32> {
        let offset = pc.checked_sub(self.code.base() as usize)?;
        if offset >= self.code.len() {
            return None;
        }
        let def = self
            .code
            .offsets()
            .partition_point(|&o| o <= offset)
            .checked_sub(1)?;
        u32::try_from(def).ok()
    }
}
