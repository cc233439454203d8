//! Table images: the initial elements of a defined table, worked out once
//! per module when its active element segments allow it, so that
//! instantiation can leave the table's elements to be made on first use
//! (`runtime::table`) instead of evaluating every segment item.
//!
//! A defined table has an image when its initialiser is null and every
//! active segment aimed at it is simple: an `i32.const` offset, items that
//! are each `ref.func` of a function the module defines or `ref.null`, and
//! an end within the table's initial size (so applying it could never
//! trap). Anything else (a `global.get` offset, an imported function, an
//! expression item, a segment that may not fit) and the table's segments
//! are applied at instantiation, as the spec describes.

use super::{ConstExpr, ConstOp, ModuleInfo, SegmentMode};
use alloc::boxed::Box;
use alloc::vec::Vec;

/// The images of `info`'s defined tables, by defined index: each element
/// is a defined function's index plus one, or 0 for null. `None` where a
/// table has no image (see the module docs), and where no segment fills
/// it.
pub(crate) fn build(info: &ModuleInfo) -> Vec<Option<Box<[u32]>>> {
    let imported = info.num_imported_tables as usize;
    let mut images: Vec<Option<Vec<u32>>> = info
        .table_inits
        .iter()
        .map(|init| init.is_none().then(Vec::new))
        .collect();
    for seg in &info.elems {
        let SegmentMode::Active { index, offset } = &seg.mode else {
            continue;
        };
        let Some(defined) = (*index as usize).checked_sub(imported) else {
            continue;
        };
        let Some(Some(image)) = images.get_mut(defined) else {
            continue;
        };
        let min = info.tables[*index as usize].limits.min;
        match place(info, offset, &seg.items, min) {
            Some((start, end)) => {
                if image.len() < end {
                    image.resize(end, 0);
                }
                for (slot, item) in image[start..end].iter_mut().zip(seg.items.iter()) {
                    *slot = entry(info, item).unwrap_or(0);
                }
            }
            None => images[defined] = None,
        }
    }
    images
        .into_iter()
        .map(|image| image.filter(|i| !i.is_empty()).map(Vec::into_boxed_slice))
        .collect()
}

/// Where a segment with `offset` and `items` lands in a table of `min`
/// elements, if it is simple (see the module docs).
fn place(
    info: &ModuleInfo,
    offset: &ConstExpr,
    items: &[ConstExpr],
    min: u64,
) -> Option<(usize, usize)> {
    let [ConstOp::I32(offset)] = offset.ops() else {
        return None;
    };
    let start = *offset as u32 as u64;
    let end = start.checked_add(items.len() as u64)?;
    if end > min || items.iter().any(|item| entry(info, item).is_none()) {
        return None;
    }
    Some((usize::try_from(start).ok()?, usize::try_from(end).ok()?))
}

/// An item's image entry (a defined function's index plus one, 0 for
/// null), if it is simple.
fn entry(info: &ModuleInfo, item: &ConstExpr) -> Option<u32> {
    match item.ops() {
        [ConstOp::RefNull] => Some(0),
        [ConstOp::RefFunc(f)] => {
            let defined = f.checked_sub(info.num_imported_funcs)?;
            defined.checked_add(1)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::build;
    use crate::module::{parse_and_validate, ModuleInfo};
    use crate::Config;
    use alloc::vec;

    fn info(wat: &str) -> ModuleInfo {
        let bytes = wat::parse_str(wat).expect("wat");
        parse_and_validate(&bytes, crate::module::features(&Config::default())).expect("valid")
    }

    #[test]
    fn later_segments_win_and_nulls_are_kept() {
        let images = build(&info(
            r#"(module
                (import "m" "f" (func))
                (func $a) (func $b)
                (table 8 funcref)
                (elem (i32.const 1) func $a $b $a)
                (elem (i32.const 2) funcref (ref.null func) (ref.func $b)))"#,
        ));
        assert_eq!(images, [Some(vec![0, 1, 0, 2].into_boxed_slice())]);
    }

    #[test]
    fn anything_not_simple_leaves_the_table_to_instantiation() {
        for wat in [
            // An imported function.
            r#"(module (import "m" "f" (func $f)) (table 4 funcref) (elem (i32.const 0) $f))"#,
            // An offset read from a global.
            r#"(module (global i32 (i32.const 0)) (func $f) (table 4 funcref)
                (elem (global.get 0) $f))"#,
            // A segment past the initial size (instantiation must trap).
            r#"(module (func $f) (table 1 funcref) (elem (i32.const 1) $f))"#,
            // A table with an initialiser.
            r#"(module (func $f) (table 4 funcref (ref.func $f)) (elem (i32.const 0) $f))"#,
            // No segment at all.
            r#"(module (table 4 funcref))"#,
        ] {
            assert_eq!(build(&info(wat)), [None], "{wat}");
        }
    }
}
