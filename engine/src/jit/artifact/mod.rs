//! Precompiled artifacts: a JIT module saved to bytes (or a file) and
//! loaded back without compiling or validating its code again.
//!
//! Layout (integers little-endian):
//!
//! | offset | size | what |
//! | ---: | ---: | --- |
//! | 0 | 8 | [`MAGIC`] |
//! | 8 | 4 | [`header::FORMAT_VERSION`] |
//! | 12 | 4 | CRC-32 of every byte from offset 16 to the end |
//! | 16 | 8 | the artifact's length |
//! | 24 | 4 | the header's length |
//! | 28 | 4 | zero |
//! | 32 | 80 | offset and length (8 bytes each) of the Wasm module, the code metadata, the stubs, the code image and the memory images |
//! | 112 | | the header ([`header`]: text naming everything the code depends on) |
//! | | | the Wasm module's bytes (data segments, names, the module's structure) |
//! | | | the code metadata: function entries, trap sites, inlined offsets, exception handlers |
//! | | | the per-signature stubs the module needs (array trampolines for its exports, host stubs for its imports), each with its metadata, so loading compiles nothing |
//! | | | padding to a multiple of [`CODE_ALIGN`], then the code image, position-independent |
//!
//! The code image is aligned so that a file can be mapped executable in
//! place ([`deserialize_file`]), sharing the page cache between processes;
//! the memory images, so that instances of a module loaded from a file map
//! its data copy-on-write straight from the file.
//! Everything before it is checked before any of it is used: the length
//! (a truncated file), the CRC (a damaged one), the header against the
//! loading engine's (another Petrel, CPU or setting), and every offset.
//! What cannot be checked is that the code is Petrel's: an artifact is
//! trusted code, which is why the API's loaders are `unsafe`.

mod cache;
mod header;

pub(crate) use cache::{code as cached_code, code_if_cached, module as cached_module};
pub(crate) use header::header;

use super::engine::StubKind;
use super::run::code_memory::{CodeMemory, CodeMetadata, CompiledCode, CompiledModule};
use super::run::traps::HandlerSite;
use crate::error::{ArtifactError, Error};
use crate::jit::{engine_jit, signals_enabled};
use crate::module::EntityIndex;
use crate::module::{features, parse_validated, ModuleInfo};
use crate::runtime::image::{self, ImagePlan, Images, MemoryImage};
use crate::runtime::{EngineShared, ModuleBytes, ModuleShared};
use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use memmap2::{Mmap, MmapMut, MmapOptions};
use std::sync::Arc;

/// The first bytes of every artifact: a NUL (so it is no text file and no
/// Wasm binary), a name, and a CR LF and a SUB that a text-mode transfer
/// would damage, as PNG's signature does.
pub(crate) const MAGIC: [u8; 8] = *b"\0ptrl\r\n\x1a";

/// The code image's alignment in the file: a multiple of every page size
/// of the supported hosts (4, 16 or 64 KiB).
const CODE_ALIGN: usize = 64 << 10;

/// The fixed part before the header.
const PREFIX: usize = 112;

/// Whether `bytes` starts like an artifact.
pub(crate) fn is_artifact(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

/// Saves `module`, compiled by `engine`'s JIT, as an artifact.
pub(crate) fn serialize(engine: &EngineShared, module: &ModuleShared) -> Result<Vec<u8>, Error> {
    let compiled = module
        .code::<CompiledModule>()
        .ok_or_else(|| Error::usage("only modules compiled by the JIT can be serialized"))?;
    serialize_code(engine, &module.info, &module.bytes, compiled)
}

/// Saves `compiled`, the JIT's code of the module of `info` and `bytes`
/// (which may run in another tier: tier-up's compiles), as an artifact.
pub(crate) fn serialize_code(
    engine: &EngineShared,
    info: &ModuleInfo,
    bytes: &[u8],
    compiled: &CompiledModule,
) -> Result<Vec<u8>, Error> {
    let header = header(engine)?;
    let (image, meta) = compiled.image();
    let meta = encode_meta(meta);
    let stubs = encode_stubs(engine, info)?;

    let wasm_off = PREFIX + header.len();
    let meta_off = wasm_off + bytes.len();
    let stubs_off = meta_off + meta.len();
    let code_off = (stubs_off + stubs.len()).next_multiple_of(CODE_ALIGN);
    let plans = image::plan(info);
    let images_off = (code_off + image.len()).next_multiple_of(CODE_ALIGN);
    let images_len: usize = plans.iter().map(|p| p.len).sum();
    let total = if images_len == 0 {
        code_off + image.len()
    } else {
        images_off + images_len
    };
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&header::FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // the CRC, below
    out.extend_from_slice(&(total as u64).to_le_bytes());
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    for (off, len) in [
        (wasm_off, bytes.len()),
        (meta_off, meta.len()),
        (stubs_off, stubs.len()),
        (code_off, image.len()),
        (if images_len == 0 { total } else { images_off }, images_len),
    ] {
        out.extend_from_slice(&(off as u64).to_le_bytes());
        out.extend_from_slice(&(len as u64).to_le_bytes());
    }
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(bytes);
    out.extend_from_slice(&meta);
    out.extend_from_slice(&stubs);
    out.resize(code_off, 0);
    out.extend_from_slice(image);
    if images_len != 0 {
        out.resize(images_off, 0);
        for plan in &plans {
            out.extend_from_slice(&image::contents(plan, info, bytes));
        }
    }
    let crc = crc32fast::hash(&out[16..]);
    out[12..16].copy_from_slice(&crc.to_le_bytes());
    Ok(out)
}

/// A checked artifact's parts: the module's bytes, its decoded
/// structure, the code metadata, and where the code image is.
pub(crate) struct Parts {
    /// The module's bytes, set by the loader (copied or mapped).
    pub wasm: ModuleBytes,
    wasm_range: core::ops::Range<usize>,
    /// Where the memory images are, and what each is.
    images: core::ops::Range<usize>,
    plans: Vec<ImagePlan>,
    /// The memory images, when they are mapped from the artifact's file.
    pub file_images: Option<Images>,
    pub info: ModuleInfo,
    meta: CodeMetadata,
    stubs: Vec<StubImage>,
    code: core::ops::Range<usize>,
}

/// One per-signature stub an artifact carries.
struct StubImage {
    kind: StubKind,
    /// The engine's id of its function type.
    id: crate::types::TypeId,
    code: Vec<u8>,
    meta: CodeMetadata,
}

/// Checks `bytes`, a whole artifact, for `engine`, and decodes everything
/// but the code.
pub(crate) fn check(engine: &EngineShared, bytes: &[u8]) -> Result<Parts, Error> {
    let bad = |m: String| Error::from(ArtifactError::new(m));
    if !is_artifact(bytes) {
        return Err(bad(
            "it is not a Petrel artifact (wrong magic number)".into()
        ));
    }
    let mut prefix = Reader::new(bytes.get(..PREFIX).ok_or_else(|| bad(truncated()))?);
    prefix.take(8).map_err(bad)?;
    let version = prefix.u32().map_err(bad)?;
    if version != header::FORMAT_VERSION {
        return Err(bad(format!(
            "it has artifact format {version}, this Petrel reads format {}",
            header::FORMAT_VERSION
        )));
    }
    let crc = prefix.u32().map_err(bad)?;
    let total = prefix.u64().map_err(bad)?;
    if total != bytes.len() as u64 {
        return Err(bad(format!(
            "it is {} bytes long but says it is {total}: truncated or extended",
            bytes.len()
        )));
    }
    if crc32fast::hash(&bytes[16..]) != crc {
        return Err(bad(
            "its checksum does not match: the file is damaged".into()
        ));
    }
    let header_len = prefix.u32().map_err(bad)? as usize;
    prefix.u32().map_err(bad)?;
    let mut section = || -> Result<core::ops::Range<usize>, Error> {
        let off = prefix.u64().map_err(bad)?;
        let len = prefix.u64().map_err(bad)?;
        let end = off.checked_add(len).ok_or_else(|| bad(corrupt()))?;
        if end > total {
            return Err(bad(corrupt()));
        }
        Ok(off as usize..end as usize)
    };
    let (wasm, meta, stubs, code) = (section()?, section()?, section()?, section()?);
    let images = section()?;
    if code.start % CODE_ALIGN != 0 || (!images.is_empty() && images.start % CODE_ALIGN != 0) {
        return Err(bad(corrupt()));
    }
    let theirs = bytes
        .get(PREFIX..PREFIX + header_len)
        .and_then(|h| core::str::from_utf8(h).ok())
        .ok_or_else(|| bad(corrupt()))?;
    header::check(theirs, header(engine)?).map_err(bad)?;

    let meta = decode_meta(&bytes[meta]).map_err(bad)?;
    meta.check(code.len()).map_err(bad)?;
    let mut info = parse_validated(&bytes[wasm.clone()], features(&engine.config))
        .map_err(|e| bad(format!("its module does not decode ({e})")))?;
    if info.bodies.len() != meta.offsets.len() {
        return Err(bad(corrupt()));
    }
    info.register_types(&engine.types);
    let stubs = decode_stubs(&bytes[stubs], &info).map_err(bad)?;
    // The images must be the ones the module's data makes, in order.
    let plans = image::plan(&info);
    if images.len() != plans.iter().map(|p| p.len).sum::<usize>() {
        return Err(bad(corrupt()));
    }
    Ok(Parts {
        wasm: ModuleBytes::Owned(Box::default()),
        wasm_range: wasm,
        images,
        plans,
        file_images: None,
        info,
        meta,
        stubs,
        code,
    })
}

/// Loads an artifact from memory: checks it and copies its code into
/// fresh executable memory.
///
/// # Safety
///
/// The artifact's code runs as it is: it must be one Petrel made (by
/// [`serialize`]), not crafted, whatever its header says.
pub(crate) unsafe fn deserialize(
    engine: &EngineShared,
    bytes: &[u8],
) -> Result<(Parts, CompiledModule), Error> {
    let mut parts = check(engine, bytes)?;
    parts.wasm = ModuleBytes::Owned(bytes[parts.wasm_range.clone()].into());
    let image = &bytes[parts.code.clone()];
    let mut map = MmapMut::map_anon(image.len().max(1)).map_err(|e| io(&e))?;
    map[..image.len()].copy_from_slice(image);
    let map = map.make_exec().map_err(|e| io(&e))?;
    // SAFETY: the image is an artifact's, which the caller vouches for,
    // and `check` matched its metadata and header to this engine.
    let code =
        unsafe { CodeMemory::from_image(map, &parts.meta, true) }.map_err(ArtifactError::new)?;
    // The metadata moves into the module: on a large one it is hundreds of
    // thousands of entries, not worth copying at start-up.
    let compiled = CompiledModule::new(code, core::mem::take(&mut parts.meta));
    // SAFETY: the stubs come from the same vouched-for artifact.
    unsafe { install_stubs(engine, &parts.stubs)? };
    Ok((parts, compiled))
}

/// Loads the artifact in `file`: maps it, checks it, and maps its code
/// executable in place (not copied: processes running the same artifact
/// share its pages).
///
/// # Safety
///
/// As for [`deserialize`], and the file must not change while the module
/// is alive: its code is run from the file's pages.
pub(crate) unsafe fn deserialize_file(
    engine: &EngineShared,
    file: &std::fs::File,
) -> Result<(Parts, CompiledModule), Error> {
    // SAFETY: the caller promises the file does not change while mapped.
    let whole = unsafe { Mmap::map(file) }.map_err(|e| io(&e))?;
    let mut parts = check(engine, &whole)?;
    // The module's bytes stay in the mapping (the file's pages, shared and
    // not copied); the rest of it is not touched again.
    parts.wasm = ModuleBytes::Shared(Box::new(MappedRange {
        map: whole,
        range: parts.wasm_range.clone(),
    }));
    // Instances map their memories' images from the file (each starts at a
    // multiple of `CODE_ALIGN`: the images section does, and every image
    // is a whole number of Wasm pages).
    if !parts.plans.is_empty() {
        let mut at = parts.images.start as u64;
        let mut images: Images = (parts.info.num_imported_memories as usize
            ..parts.info.memories.len())
            .map(|_| None)
            .collect();
        for plan in &parts.plans {
            images[plan.defined] =
                crate::sys::ImageSource::from_file(file, at).map(|source| MemoryImage {
                    offset: plan.offset,
                    len: plan.len,
                    source,
                });
            at += plan.len as u64;
        }
        parts.file_images = Some(images);
    }
    let code = if parts.code.is_empty() {
        MmapMut::map_anon(1).and_then(MmapMut::make_exec)
    } else {
        // SAFETY: as above; the range was checked to lie inside the file,
        // page-aligned.
        unsafe {
            MmapOptions::new()
                .offset(parts.code.start as u64)
                .len(parts.code.len())
                .map_exec(file)
        }
    }
    .map_err(|e| io(&e))?;
    // SAFETY: as in `deserialize`.
    let code =
        unsafe { CodeMemory::from_image(code, &parts.meta, true) }.map_err(ArtifactError::new)?;
    let compiled = CompiledModule::new(code, core::mem::take(&mut parts.meta));
    // SAFETY: as above.
    unsafe { install_stubs(engine, &parts.stubs)? };
    Ok((parts, compiled))
}

/// A range of a mapped artifact, as the bytes of the module loaded from it.
struct MappedRange {
    map: Mmap,
    range: core::ops::Range<usize>,
}

impl AsRef<[u8]> for MappedRange {
    fn as_ref(&self) -> &[u8] {
        &self.map[self.range.clone()]
    }
}

fn io(e: &std::io::Error) -> Error {
    ArtifactError::new(format!("it cannot be mapped: {e}")).into()
}

fn truncated() -> String {
    "it is truncated".into()
}

fn corrupt() -> String {
    "its layout is inconsistent: the file is damaged".into()
}

/// The stubs the module of `info` needs, for an artifact: an array trampoline per
/// function type of its exported functions (the host calls in through
/// them) and a host stub per function type of its imports.
fn encode_stubs(engine: &EngineShared, info: &ModuleInfo) -> Result<Vec<u8>, Error> {
    let jit = engine_jit(engine)?;
    let signals = signals_enabled(&engine.config);
    let mut wanted: Vec<(StubKind, u32)> = Vec::new();
    for name in &info.export_order {
        if let Some(&EntityIndex::Func(f)) = info.exports.get(name.as_str()) {
            wanted.push((StubKind::ArrayTrampoline, info.funcs[f as usize]));
        }
    }
    for import in &info.imports {
        if let EntityIndex::Func(f) = import.index {
            wanted.push((StubKind::HostStub, info.funcs[f as usize]));
        }
    }
    wanted.sort_unstable_by_key(|&(k, t)| (k as u8, t));
    wanted.dedup();
    let mut out = Vec::new();
    out.extend_from_slice(&(wanted.len() as u32).to_le_bytes());
    for (kind, ty) in wanted {
        let id = info.type_ids[ty as usize];
        let (code, meta) = jit.stub_image(kind, id, info.func_type_at(ty), signals)?;
        let meta = encode_meta(&meta);
        out.push(kind as u8);
        for n in [ty, code.len() as u32, meta.len() as u32] {
            out.extend_from_slice(&n.to_le_bytes());
        }
        out.extend_from_slice(&code);
        out.extend_from_slice(&meta);
    }
    Ok(out)
}

fn decode_stubs(bytes: &[u8], info: &ModuleInfo) -> Result<Vec<StubImage>, String> {
    let mut r = Reader::new(bytes);
    let n = r.count(13)?;
    let mut stubs = Vec::with_capacity(n);
    for _ in 0..n {
        let kind = match r.take(1)?[0] {
            0 => StubKind::ArrayTrampoline,
            1 => StubKind::HostStub,
            _ => return Err(corrupt()),
        };
        let ty = r.u32()? as usize;
        let code_len = r.u32()? as usize;
        let meta_len = r.u32()? as usize;
        if info.types.get(ty).and_then(|t| t.as_func()).is_none() {
            return Err(corrupt());
        }
        let code = r.take(code_len)?.to_vec();
        let meta = decode_meta(r.take(meta_len)?)?;
        meta.check(code.len())?;
        stubs.push(StubImage {
            kind,
            id: info.type_ids[ty],
            code,
            meta,
        });
    }
    if r.rest() != 0 {
        return Err(corrupt());
    }
    Ok(stubs)
}

/// Gives the engine the artifact's stubs it does not have yet.
///
/// # Safety
///
/// The stubs' code runs as it is: they must come from an artifact the
/// caller vouches for.
unsafe fn install_stubs(engine: &EngineShared, stubs: &[StubImage]) -> Result<(), Error> {
    let jit = engine_jit(engine)?;
    let missing: Vec<&StubImage> = stubs
        .iter()
        .filter(|s| !jit.has_stub(s.kind, s.id))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    // One mapping for all of them: a mapping per stub cost two system
    // calls each, a measurable part of starting a small program.
    let funcs: Vec<CompiledCode> = missing
        .iter()
        .map(|s| CompiledCode {
            code: s.code.clone(),
            traps: s.meta.sites.to_vec(),
            calls: Vec::new(),
            inlined: s.meta.inlined.to_vec(),
            handlers: s.meta.handlers.to_vec(),
        })
        .collect();
    // SAFETY (of running it later): the caller vouches for the stubs' code,
    // each laid out with exactly its metadata, which `CodeMemory::new`
    // rebases as it copies them.
    let (code, meta) = CodeMemory::new(&funcs, false).map_err(ArtifactError::new)?;
    let code = Arc::new(code);
    for (stub, &start) in missing.iter().zip(meta.offsets.iter()) {
        let range = start..start + stub.code.len();
        jit.install_stub(stub.kind, stub.id, &code, range, stub.meta.clone());
    }
    Ok(())
}

fn encode_meta(meta: &CodeMetadata) -> Vec<u8> {
    let mut out = Vec::new();
    let u32s = |out: &mut Vec<u8>, v: u32| out.extend_from_slice(&v.to_le_bytes());
    u32s(&mut out, meta.offsets.len() as u32);
    for &o in meta.offsets.iter() {
        out.extend_from_slice(&(o as u64).to_le_bytes());
    }
    u32s(&mut out, meta.sites.len() as u32);
    for &(o, code) in meta.sites.iter() {
        u32s(&mut out, o);
        out.push(code);
    }
    u32s(&mut out, meta.inlined.len() as u32);
    for &(o, func) in meta.inlined.iter() {
        u32s(&mut out, o);
        u32s(&mut out, func);
    }
    u32s(&mut out, meta.handlers.len() as u32);
    for h in meta.handlers.iter() {
        for v in [h.ret_addr, h.handler, h.frame_offset] {
            u32s(&mut out, v);
        }
    }
    out
}

fn decode_meta(bytes: &[u8]) -> Result<CodeMetadata, String> {
    /// The next `count` records of `size` bytes each, decoded by `f`.
    /// Counts are checked against what is left, so a damaged count cannot
    /// make a huge allocation.
    fn records<T>(
        r: &mut Reader<'_>,
        size: usize,
        f: impl Fn(&[u8]) -> T,
    ) -> Result<Arc<[T]>, String> {
        let n = r.count(size)?;
        let bytes = r.take(n * size)?;
        Ok(bytes.chunks_exact(size).map(f).collect())
    }
    let u32_at = |c: &[u8], i: usize| u32::from_le_bytes([c[i], c[i + 1], c[i + 2], c[i + 3]]);
    let mut r = Reader::new(bytes);
    let offsets = records(&mut r, 8, |c| {
        let mut b = [0; 8];
        b.copy_from_slice(c);
        // An offset past the address space cannot pass `CodeMetadata::check`.
        usize::try_from(u64::from_le_bytes(b)).unwrap_or(usize::MAX)
    })?;
    let sites = records(&mut r, 5, |c| (u32_at(c, 0), c[4]))?;
    let inlined = records(&mut r, 8, |c| (u32_at(c, 0), u32_at(c, 4)))?;
    let handlers = records(&mut r, 12, |c| HandlerSite {
        ret_addr: u32_at(c, 0),
        handler: u32_at(c, 4),
        frame_offset: u32_at(c, 8),
    })?;
    if r.rest() != 0 {
        return Err(corrupt());
    }
    Ok(CodeMetadata {
        offsets,
        sites,
        inlined,
        handlers,
    })
}

/// Reads little-endian integers, failing (never panicking) past the end.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.bytes.len() {
            return Err(corrupt());
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64, String> {
        let lo = self.u32()? as u64;
        let hi = self.u32()? as u64;
        Ok(lo | hi << 32)
    }

    /// A count of items of `size` bytes each, no more than are left.
    fn count(&mut self, size: usize) -> Result<usize, String> {
        let n = self.u32()? as usize;
        if n.saturating_mul(size) > self.bytes.len() {
            return Err(corrupt());
        }
        Ok(n)
    }

    fn rest(&self) -> usize {
        self.bytes.len()
    }
}
