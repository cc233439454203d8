//! Executable memory Petrel owns: functions are copied into one anonymous
//! mapping while it is writable, which is then made read + execute and
//! registered with its trap sites (see [`super::traps`]). The code has no
//! relocations, so the same bytes are written to an artifact and mapped
//! back from it (`jit::artifact`).

use super::traps::{self, SiteCode};
use alloc::string::String;
use alloc::sync::Arc;
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
    /// in an inlined body, with the module function index of the function
    /// inlined there (the function itself, for its inlined copy of itself):
    /// the trap handler counts two frames there (see
    /// `translate::inline`).
    pub inlined: Vec<(u32, u32)>,
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

/// Where everything is in a laid-out code image, image-relative: each
/// function's entry, the trap sites, the inlined offsets and the exception
/// handlers, sorted as the trap handler looks them up. An artifact stores
/// it beside the image. Shared, not copied, by the trap registry, the
/// module and its code memory: a large module has hundreds of thousands of
/// entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CodeMetadata {
    pub offsets: Arc<[usize]>,
    pub sites: Arc<[(u32, SiteCode)]>,
    pub inlined: Arc<[(u32, u32)]>,
    pub handlers: Arc<[traps::HandlerSite]>,
}

impl CodeMetadata {
    /// Checks that everything lies inside an image of `len` bytes, in
    /// order, so that a damaged artifact is an error and not a wild jump.
    pub(crate) fn check(&self, len: usize) -> Result<(), String> {
        /// Whether `offsets` are sorted and all below `len`.
        fn fits(len: usize, offsets: impl Iterator<Item = usize>) -> bool {
            let mut last = 0;
            for o in offsets {
                if o < last || o >= len {
                    return false;
                }
                last = o;
            }
            true
        }
        let ok = fits(len, self.offsets.iter().copied())
            && fits(len, self.sites.iter().map(|s| s.0 as usize))
            && fits(len, self.inlined.iter().map(|&(o, _)| o as usize))
            && fits(len, self.handlers.iter().map(|h| h.ret_addr as usize))
            && self.handlers.iter().all(|h| (h.handler as usize) < len);
        if ok {
            Ok(())
        } else {
            Err("its code metadata points outside its code".into())
        }
    }
}

/// A read + execute mapping holding one or more functions.
pub(crate) struct CodeMemory {
    map: Mmap,
    offsets: Arc<[usize]>,
}

impl CodeMemory {
    /// Lays `funcs` out one after another, each aligned, makes them
    /// executable and registers their trap sites. `wasm` says whether they
    /// are Wasm functions (which appear in backtraces) or stubs. Returns
    /// the image's metadata too.
    pub(crate) fn new(funcs: &[CompiledCode], wasm: bool) -> Result<(Self, CodeMetadata), String> {
        let mut offsets = Vec::with_capacity(funcs.len());
        let mut len = 0usize;
        for f in funcs {
            len = len.next_multiple_of(FUNC_ALIGN);
            offsets.push(len);
            len += f.code.len();
        }
        let mut map = MmapMut::map_anon(len.max(1))
            .map_err(|e| alloc::format!("cannot map code memory: {e}"))?;
        let (mut sites, mut inlined, mut handlers) = (Vec::new(), Vec::new(), Vec::new());
        for (f, &off) in funcs.iter().zip(&offsets) {
            map[off..off + f.code.len()].copy_from_slice(&f.code);
            let off = off as u32;
            sites.extend(f.traps.iter().map(|&(o, c)| (o + off, c)));
            inlined.extend(f.inlined.iter().map(|&(o, func)| (o + off, func)));
            handlers.extend(f.handlers.iter().map(|h| traps::HandlerSite {
                ret_addr: h.ret_addr + off,
                handler: h.handler + off,
                frame_offset: h.frame_offset,
            }));
        }
        sites.sort_unstable();
        inlined.sort_unstable();
        handlers.sort_unstable_by_key(|h| h.ret_addr);
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
        let meta = CodeMetadata {
            offsets: offsets.into(),
            sites: sites.into(),
            inlined: inlined.into(),
            handlers: handlers.into(),
        };
        let map = map
            .make_exec()
            .map_err(|e| alloc::format!("cannot make code memory executable: {e}"))?;
        let code = Self::publish(map, &meta, wasm);
        Ok((code, meta))
    }

    /// Takes over `map`, a read + execute mapping of a laid-out image
    /// (an artifact's), with its `meta`data: registers its trap sites.
    /// `wasm` as for [`CodeMemory::new`].
    ///
    /// # Safety
    ///
    /// `map` must hold code Petrel laid out with exactly `meta`, for this
    /// host and engine settings (an artifact's header says so), and must
    /// not change while it is mapped: it is run as it is.
    pub(crate) unsafe fn from_image(
        map: Mmap,
        meta: &CodeMetadata,
        wasm: bool,
    ) -> Result<Self, String> {
        meta.check(map.len())?;
        Ok(Self::publish(map, meta, wasm))
    }

    /// Makes the executable `map` visible to instruction fetch and to the
    /// trap handler.
    fn publish(map: Mmap, meta: &CodeMetadata, wasm: bool) -> Self {
        crate::sys::flush_icache(map.as_ptr(), map.len());
        // `meta` is sorted: `new` sorts it, and `from_image`'s check
        // refuses it unsorted.
        traps::register(
            map.as_ptr() as usize,
            map.len(),
            Arc::clone(&meta.sites),
            Arc::clone(&meta.inlined),
            Arc::clone(&meta.handlers),
            wasm,
        );
        Self {
            map,
            offsets: Arc::clone(&meta.offsets),
        }
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

    /// The image's bytes (read + execute memory is readable).
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.map
    }
}

impl Drop for CodeMemory {
    fn drop(&mut self) {
        traps::unregister(self.map.as_ptr() as usize);
    }
}

/// A module's compiled code: every defined function, laid out in one
/// executable mapping freed when the module is dropped, and the image's
/// metadata, kept so the module can be saved as an artifact.
pub(crate) struct CompiledModule {
    code: CodeMemory,
    meta: CodeMetadata,
    /// Twins of its functions for on-stack replacement (`Tier::Auto`),
    /// each made on first need in an image of its own (`None`: it could
    /// not be compiled), by defined index.
    pub(super) twins: super::batches::Twins,
}

impl CompiledModule {
    pub(crate) fn new(code: CodeMemory, meta: CodeMetadata) -> Self {
        Self {
            code,
            meta,
            twins: Default::default(),
        }
    }

    /// The code image and its metadata, as an artifact stores them.
    pub(crate) fn image(&self) -> (&[u8], &CodeMetadata) {
        (self.code.bytes(), &self.meta)
    }

    /// The native entry of defined function `def`.
    pub(crate) fn func_ptr(&self, def: u32) -> *const u8 {
        // SAFETY: the offsets are offsets within the mapping.
        unsafe { self.code.base().add(self.code.offsets()[def as usize]) }
    }

    /// How many defined functions the image holds.
    pub(crate) fn num_funcs(&self) -> u32 {
        self.code.offsets().len() as u32
    }

    /// The address and length of defined function `def`'s code (up to the
    /// next function's entry, or the image's end).
    pub(crate) fn func_range(&self, def: u32) -> (usize, usize) {
        let offsets = self.code.offsets();
        let start = offsets[def as usize];
        let end = offsets
            .get(def as usize + 1)
            .copied()
            .unwrap_or(self.code.len());
        (self.code.base() as usize + start, end - start)
    }

    /// The module function inlined at address `pc` (a trap site or a
    /// return address minus one), if `pc` lies in an inlined body.
    pub(crate) fn inlined_at(&self, pc: usize) -> Option<u32> {
        let offset = u32::try_from(pc.checked_sub(self.code.base() as usize)?).ok()?;
        let i = self
            .meta
            .inlined
            .binary_search_by_key(&offset, |&(o, _)| o)
            .ok()?;
        Some(self.meta.inlined[i].1)
    }

    /// The defined function whose code holds address `pc` (in the image,
    /// or in one of its twins), if any.
    pub(crate) fn func_at(&self, pc: usize) -> Option<u32> {
        let Some(offset) = pc
            .checked_sub(self.code.base() as usize)
            .filter(|&o| o < self.code.len())
        else {
            return super::osr::twin_at(&self.twins, pc);
        };
        let def = self
            .code
            .offsets()
            .partition_point(|&o| o <= offset)
            .checked_sub(1)?;
        u32::try_from(def).ok()
    }
}
