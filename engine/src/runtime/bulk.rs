//! Instructions that work on whole ranges or on the store's entities
//! rather than values: `memory.grow/fill/copy/init`, and every table
//! instruction. Shared by both tiers (the JIT calls them as libcalls).
//! They use safe, checked slice operations; none is hot enough to need
//! more. With fuel on, the range operations charge for their length
//! before they touch anything (`semantics::fuel`).

use crate::error::{Error, TrapCode};
use crate::runtime::StoreInner;
use crate::semantics::fuel;

/// The range `start..start + len` if it lies within `size`. Addresses
/// and lengths are 64-bit (a 32-bit memory's are zero-extended), so the
/// sum is checked: one past `u64::MAX` is out of bounds, never wrapped.
#[inline]
pub(crate) fn range(
    start: u64,
    len: u64,
    size: usize,
) -> Result<core::ops::Range<usize>, TrapCode> {
    match start.checked_add(len) {
        Some(end) if end <= size as u64 => Ok(start as usize..end as usize),
        _ => Err(TrapCode::MemoryOutOfBounds),
    }
}

/// The store index of memory `memory` of instance `instance`.
fn memory_index(inner: &StoreInner, instance: u32, memory: u32) -> usize {
    inner.instances[instance as usize].memories[memory as usize] as usize
}

fn table_index(inner: &StoreInner, instance: u32, table: u32) -> usize {
    inner.instances[instance as usize].tables[table as usize] as usize
}

fn table_range(start: u64, len: u64, size: usize) -> Result<core::ops::Range<usize>, TrapCode> {
    range(start, len, size).map_err(|_| TrapCode::TableOutOfBounds)
}

/// `memory.size` of memory `memory`, in pages.
pub(crate) fn memory_size_of(inner: &StoreInner, instance: u32, memory: u32) -> u64 {
    inner.memories[memory_index(inner, instance, memory)].pages()
}

/// `memory.grow` of memory 0: the old size in pages, or -1 when refused.
/// (Memory 0's entry points are separate so the interpreter's memory-0
/// ops call exactly what they called before multi-memory.) An error is the
/// resource limiter's, which fails the guest.
pub(crate) fn memory_grow(
    inner: &mut StoreInner,
    data: *mut (),
    instance: u32,
    delta: u32,
) -> Result<u32, Error> {
    Ok(memory_grow_of(inner, data, instance, 0, delta as u64)? as u32)
}

/// `memory.grow` of memory `memory`: the old size, or `u64::MAX` (-1)
/// when refused; a 32-bit memory's caller keeps the low 32 bits.
pub(crate) fn memory_grow_of(
    inner: &mut StoreInner,
    data: *mut (),
    instance: u32,
    memory: u32,
    delta: u64,
) -> Result<u64, Error> {
    let m = memory_index(inner, instance, memory);
    Ok(grow_memory(inner, data, m, delta)?.unwrap_or(u64::MAX))
}

/// Grows store memory `m` by `delta` pages, within its maximum, the
/// engine's limit and the store's resource limiter: the old size in
/// pages, `None` when refused, an error when the limiter fails it.
pub(crate) fn grow_memory(
    inner: &mut StoreInner,
    data: *mut (),
    m: usize,
    delta: u64,
) -> Result<Option<u64>, Error> {
    let mem = &inner.memories[m];
    let current = mem.len();
    let maximum = mem.ty.limits.max.and_then(|max| mem.page_bytes(max));
    let desired = match mem.pages().checked_add(delta) {
        Some(pages) if pages <= mem.max_pages => mem.page_bytes(pages),
        _ => None,
    };
    let Some(desired) = desired else {
        return Ok(None);
    };
    if delta > 0 && !inner.memory_growing(data, current, desired, maximum)? {
        return Ok(None);
    }
    Ok(inner.memories[m].grow(delta))
}

pub(crate) fn memory_fill(
    inner: &mut StoreInner,
    instance: u32,
    dst: u32,
    val: u8,
    len: u32,
) -> Result<(), TrapCode> {
    memory_fill_of(inner, instance, 0, dst as u64, val, len as u64)
}

pub(crate) fn memory_fill_of(
    inner: &mut StoreInner,
    instance: u32,
    memory: u32,
    dst: u64,
    val: u8,
    len: u64,
) -> Result<(), TrapCode> {
    inner.charge_bulk(fuel::bulk_memory_cost(len))?;
    let m = memory_index(inner, instance, memory);
    let data = inner.memories[m].bytes_mut();
    let r = range(dst, len, data.len())?;
    data[r].fill(val);
    Ok(())
}

/// `memory.copy` within memory 0.
pub(crate) fn memory_copy(
    inner: &mut StoreInner,
    instance: u32,
    dst: u32,
    src: u32,
    len: u32,
) -> Result<(), TrapCode> {
    inner.charge_bulk(fuel::bulk_memory_cost(len as u64))?;
    let m = memory_index(inner, instance, 0);
    let data = inner.memories[m].bytes_mut();
    let s = range(src as u64, len as u64, data.len())?;
    let d = range(dst as u64, len as u64, data.len())?;
    data.copy_within(s, d.start);
    Ok(())
}

/// `memory.copy` from memory `src_mem` to memory `dst_mem`: the same one
/// or two different ones (an instance may also import one memory twice).
#[allow(clippy::too_many_arguments)]
pub(crate) fn memory_copy_between(
    inner: &mut StoreInner,
    instance: u32,
    dst_mem: u32,
    src_mem: u32,
    dst: u64,
    src: u64,
    len: u64,
) -> Result<(), TrapCode> {
    inner.charge_bulk(fuel::bulk_memory_cost(len))?;
    let dm = memory_index(inner, instance, dst_mem);
    let sm = memory_index(inner, instance, src_mem);
    let s = range(src, len, inner.memories[sm].len())?;
    let d = range(dst, len, inner.memories[dm].len())?;
    if dm == sm {
        inner.memories[dm].bytes_mut().copy_within(s, d.start);
    } else {
        let (to, from) = if dm < sm {
            let (lo, hi) = inner.memories.split_at_mut(sm);
            (&mut lo[dm], &hi[0])
        } else {
            let (lo, hi) = inner.memories.split_at_mut(dm);
            (&mut hi[0], &lo[sm])
        };
        to.bytes_mut()[d].copy_from_slice(&from.bytes()[s]);
    }
    Ok(())
}

pub(crate) fn memory_init(
    inner: &mut StoreInner,
    instance: u32,
    seg: u32,
    dst: u32,
    src: u32,
    len: u32,
) -> Result<(), TrapCode> {
    memory_init_of(inner, instance, 0, seg, dst as u64, src, len)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn memory_init_of(
    inner: &mut StoreInner,
    instance: u32,
    memory: u32,
    seg: u32,
    dst: u64,
    src: u32,
    len: u32,
) -> Result<(), TrapCode> {
    inner.charge_bulk(fuel::bulk_memory_cost(len as u64))?;
    let m = memory_index(inner, instance, memory);
    let inst = &inner.instances[instance as usize];
    let seg_range = inst.datas[seg as usize].clone();
    let s = range(src as u64, len as u64, seg_range.len())?;
    let bytes = &inst.module.bytes[seg_range.start + s.start..seg_range.start + s.end];
    let data = inner.memories[m].bytes_mut();
    let d = range(dst, len as u64, data.len())?;
    data[d].copy_from_slice(bytes);
    Ok(())
}

pub(crate) fn table_get(
    inner: &StoreInner,
    instance: u32,
    table: u32,
    index: u32,
) -> Result<u64, TrapCode> {
    let t = table_index(inner, instance, table);
    inner.tables[t]
        .get(index as u64)
        .ok_or(TrapCode::TableOutOfBounds)
}

pub(crate) fn table_set(
    inner: &mut StoreInner,
    instance: u32,
    table: u32,
    index: u32,
    value: u64,
) -> Result<(), TrapCode> {
    let t = table_index(inner, instance, table);
    let slot = inner.tables[t]
        .elems_mut()
        .get_mut(index as usize)
        .ok_or(TrapCode::TableOutOfBounds)?;
    *slot = value;
    Ok(())
}

/// Makes the elements of a lazy table (`runtime::table`); compiled code
/// calls this when an index reaches past the table's bound.
pub(crate) fn table_materialise(inner: &mut StoreInner, instance: u32, table: u32) {
    let t = table_index(inner, instance, table);
    inner.tables[t].materialise();
}

pub(crate) fn table_size(inner: &StoreInner, instance: u32, table: u32) -> u64 {
    let t = table_index(inner, instance, table);
    inner.tables[t].size()
}

/// `table.grow`: the old size, or -1 when refused; an error is the
/// resource limiter's, which fails the guest.
pub(crate) fn table_grow(
    inner: &mut StoreInner,
    data: *mut (),
    instance: u32,
    table: u32,
    init: u64,
    delta: u32,
) -> Result<u32, Error> {
    let t = table_index(inner, instance, table);
    Ok(match grow_table(inner, data, t, delta as u64, init)? {
        Some(old) => old as u32,
        None => u32::MAX,
    })
}

/// Grows store table `t` by `delta` elements set to `init`, within its
/// maximum, the engine's limit and the store's resource limiter: the old
/// size, `None` when refused, an error when the limiter fails it.
pub(crate) fn grow_table(
    inner: &mut StoreInner,
    data: *mut (),
    t: usize,
    delta: u64,
    init: u64,
) -> Result<Option<u64>, Error> {
    let table = &inner.tables[t];
    let (current, maximum) = (table.size() as usize, table.ty.limits.max);
    let desired = match table.size().checked_add(delta) {
        Some(n) if n <= table.max => usize::try_from(n).ok(),
        _ => None,
    };
    let Some(desired) = desired else {
        return Ok(None);
    };
    if delta > 0 && !inner.table_growing(data, current, desired, maximum)? {
        return Ok(None);
    }
    Ok(inner.tables[t].grow(delta, init))
}

pub(crate) fn table_fill(
    inner: &mut StoreInner,
    instance: u32,
    table: u32,
    dst: u32,
    val: u64,
    len: u32,
) -> Result<(), TrapCode> {
    inner.charge_bulk(fuel::bulk_table_cost(len as u64))?;
    let t = table_index(inner, instance, table);
    let elems = inner.tables[t].elems_mut();
    let r = table_range(dst as u64, len as u64, elems.len())?;
    elems[r].fill(val);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn table_copy(
    inner: &mut StoreInner,
    instance: u32,
    dst_table: u32,
    src_table: u32,
    dst: u32,
    src: u32,
    len: u32,
) -> Result<(), TrapCode> {
    inner.charge_bulk(fuel::bulk_table_cost(len as u64))?;
    let dt = table_index(inner, instance, dst_table);
    let st = table_index(inner, instance, src_table);
    let s = table_range(src as u64, len as u64, inner.tables[st].size() as usize)?;
    let d = table_range(dst as u64, len as u64, inner.tables[dt].size() as usize)?;
    if dt == st {
        inner.tables[dt].elems_mut().copy_within(s, d.start);
    } else {
        let (a, b) = if dt < st {
            let (lo, hi) = inner.tables.split_at_mut(st);
            (&mut lo[dt], &mut hi[0])
        } else {
            let (lo, hi) = inner.tables.split_at_mut(dt);
            (&mut hi[0], &mut lo[st])
        };
        a.elems_mut()[d].copy_from_slice(&b.elems_mut()[s]);
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn table_init(
    inner: &mut StoreInner,
    instance: u32,
    table: u32,
    seg: u32,
    dst: u32,
    src: u32,
    len: u32,
) -> Result<(), TrapCode> {
    inner.charge_bulk(fuel::bulk_table_cost(len as u64))?;
    let t = table_index(inner, instance, table);
    let items = &inner.instances[instance as usize].elems[seg as usize];
    let s = table_range(src as u64, len as u64, items.len())?;
    let d = table_range(dst as u64, len as u64, inner.tables[t].size() as usize)?;
    let items = &inner.instances[instance as usize].elems[seg as usize][s];
    inner.tables[t].elems_mut()[d].copy_from_slice(items);
    Ok(())
}
