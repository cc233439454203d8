//! Copy-on-write images of linear memories' initial contents.
//!
//! When every active data segment of a memory the module defines has a
//! constant offset and fits in the memory's initial size, the bytes they
//! write can be laid out once, per module, in a file (an anonymous sealed
//! `memfd`, or a page-aligned range of the artifact the module was loaded
//! from) and each new instance maps that file copy-on-write over its
//! memory instead of copying the segments: instantiation costs one system
//! call whatever the data's size, untouched pages are never copied, and
//! every instance of the module shares the pages it only reads.
//!
//! Mapping the image before element segments are applied is
//! indistinguishable from copying the data after them: an image is only
//! made for a memory the module defines, which nothing outside the
//! instance can see if instantiation fails.

use super::PAGE_SIZE;
use crate::module::{ConstOp, ModuleInfo, SegmentMode};
use crate::sys::ImageSource;
use alloc::vec;
use alloc::vec::Vec;

/// Below this many bytes of data in all, a memory's segments are copied:
/// copying them costs less than the mapping and its page faults.
pub(crate) const MIN_IMAGE_BYTES: usize = 32 << 10;

/// Where a defined memory's image lies in the memory: whole Wasm pages
/// (so whole host pages on every host).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ImagePlan {
    /// The memory's index among the module's defined memories.
    pub defined: usize,
    pub offset: usize,
    pub len: usize,
}

/// One memory's image, ready to map.
pub(crate) struct MemoryImage {
    pub offset: usize,
    pub len: usize,
    pub source: ImageSource,
}

/// A module's images, by defined memory (`None` where its segments are
/// copied).
pub(crate) type Images = Vec<Option<MemoryImage>>;

/// The images `info`'s memories can have.
pub(crate) fn plan(info: &ModuleInfo) -> Vec<ImagePlan> {
    let imported = info.num_imported_memories as usize;
    let defined = &info.memories[imported..];
    // Per defined memory: the span written and the bytes written, or
    // `None` once a segment rules an image out.
    let mut spans: Vec<Option<(usize, usize, usize)>> =
        vec![Some((usize::MAX, 0, 0)); defined.len()];
    for seg in &info.datas {
        let SegmentMode::Active { index, offset } = &seg.mode else {
            continue;
        };
        let Some(d) = (*index as usize).checked_sub(imported) else {
            continue;
        };
        let Some(span) = spans.get_mut(d) else {
            continue;
        };
        let ty = &defined[d];
        // An image is whole 64 KiB pages, which a memory of smaller pages
        // need not span: its segments are copied.
        let initial = match ty.default_page_size() {
            true => ty.bytes_of(ty.limits.min),
            false => None,
        };
        let start = match offset.ops() {
            [ConstOp::I32(v)] if !ty.memory64 && !ty.shared => Some(*v as u32 as usize),
            _ => None,
        };
        let end = start.and_then(|s| s.checked_add(seg.bytes.len()));
        *span = match (*span, start, end, initial) {
            (Some((lo, hi, bytes)), Some(start), Some(end), Some(initial)) if end <= initial => {
                Some((lo.min(start), hi.max(end), bytes + seg.bytes.len()))
            }
            _ => None,
        };
    }
    spans
        .iter()
        .enumerate()
        .filter_map(|(defined, span)| {
            let (lo, hi, bytes) = (*span)?;
            if bytes < MIN_IMAGE_BYTES || hi <= lo {
                return None;
            }
            let offset = lo / PAGE_SIZE * PAGE_SIZE;
            // `hi` is at most the initial size, a whole number of pages.
            let len = (hi - offset).next_multiple_of(PAGE_SIZE);
            Some(ImagePlan {
                defined,
                offset,
                len,
            })
        })
        .collect()
}

/// The bytes of `plan`'s image: its memory's active segments written in
/// order over zeros, as instantiation would write them.
pub(crate) fn contents(plan: &ImagePlan, info: &ModuleInfo, bytes: &[u8]) -> Vec<u8> {
    let imported = info.num_imported_memories as usize;
    let mut image = vec![0; plan.len];
    for seg in &info.datas {
        if let SegmentMode::Active { index, offset } = &seg.mode {
            if *index as usize != imported + plan.defined {
                continue;
            }
            if let [ConstOp::I32(v)] = offset.ops() {
                // `plan` checked that every segment lies inside the image.
                let at = *v as u32 as usize - plan.offset;
                image[at..at + seg.bytes.len()].copy_from_slice(&bytes[seg.bytes.clone()]);
            }
        }
    }
    image
}

/// `info`'s images, each in an anonymous file (a memory whose image
/// cannot be made has its segments copied).
pub(crate) fn build(info: &ModuleInfo, bytes: &[u8]) -> Images {
    let imported = info.num_imported_memories as usize;
    let mut images: Images = (imported..info.memories.len()).map(|_| None).collect();
    for plan in plan(info) {
        let source = ImageSource::from_bytes(&contents(&plan, info, bytes));
        images[plan.defined] = source.map(|source| MemoryImage {
            offset: plan.offset,
            len: plan.len,
            source,
        });
    }
    images
}
