//! Module instances and instantiation: checking imports, creating the
//! instance's own functions, tables, memories and globals, then running
//! element and data segments. Linking the instance for its tier and
//! running `start` are the caller's.

use super::const_eval::{eval_const, eval_const128};
use super::pool::{Slot, SlotKind};
use super::table::Lazy;
use super::{
    EntityRef, FuncEntity, GlobalEntity, GlobalValues, MemoryEntity, ModuleShared, StoreInner,
    TableEntity, TagEntity,
};
use crate::error::{Error, Limit, LinkError, LinkErrorKind, Result, TrapCode};
use crate::module::{EntityIndex, SegmentMode};
use crate::types::{MemoryType, TableType};
use alloc::boxed::Box;
use alloc::string::ToString;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::Range;

/// An instance in a store. Its index spaces map the module's indices to
/// store indices.
pub(crate) struct InstanceEntity {
    pub module: Arc<ModuleShared>,
    pub funcs: Vec<u32>,
    pub tables: Vec<u32>,
    pub memories: Vec<u32>,
    pub globals: Vec<u32>,
    /// Each global's value, by module index: `globals`' values' addresses.
    pub global_values: GlobalValues,
    pub tags: Vec<u32>,
    /// Element segments as raw references; emptied by `elem.drop` (and
    /// after active or declared segments are applied).
    pub elems: Vec<Box<[u64]>>,
    /// Data segments as ranges of the module's bytes; emptied by
    /// `data.drop`.
    pub datas: Vec<Range<usize>>,
    /// The VM context compiled code runs with (JIT tier only).
    pub vm: Option<super::vm::InstanceVm>,
    /// Its place in the engine's pool, if the engine pools; held only to
    /// give it back when the instance is dropped.
    pub _slot: Option<Slot>,
}

/// Creates an instance of `module` in `inner` with `imports` (one per
/// import, in order, already known to belong to this store). Returns the
/// instance's index and the outcome of its active segments: a segment out
/// of bounds traps, but the instance exists (earlier segments' effects on
/// imported tables and memories stay observable), so the caller links it
/// before reporting the trap. Does not run the start function.
pub(crate) fn instantiate(
    inner: &mut StoreInner,
    data: *mut (),
    module: &Arc<ModuleShared>,
    imports: &[EntityRef],
) -> Result<(u32, Result<(), TrapCode>)> {
    let info = &module.info;
    if imports.len() != info.imports.len() {
        return Err(LinkError {
            module: "".into(),
            name: "".into(),
            kind: LinkErrorKind::WrongCount {
                expected: info.imports.len(),
                found: imports.len(),
            },
        }
        .into());
    }
    let slot = pool_slot(inner, SlotKind::Instance)?;
    let mut inst = InstanceEntity {
        _slot: slot,
        module: module.clone(),
        funcs: Vec::with_capacity(info.funcs.len()),
        tables: Vec::with_capacity(info.tables.len()),
        memories: Vec::with_capacity(info.memories.len()),
        globals: Vec::with_capacity(info.globals.len()),
        global_values: GlobalValues(Box::new([])),
        tags: Vec::with_capacity(info.tags.len()),
        elems: Vec::new(),
        datas: Vec::new(),
        vm: None,
    };

    for (import, &entity) in info.imports.iter().zip(imports) {
        let want = info.extern_type(import.index);
        let found = inner.entity_type(entity);
        if !found.matches(&want, &inner.engine.types) {
            return Err(LinkError {
                module: import.module.clone(),
                name: import.name.clone(),
                kind: LinkErrorKind::Incompatible {
                    expected: want.to_string(),
                    found: found.to_string(),
                },
            }
            .into());
        }
        match entity {
            EntityRef::Func(f) => inst.funcs.push(f),
            EntityRef::Table(t) => inst.tables.push(t),
            EntityRef::Memory(m) => inst.memories.push(m),
            EntityRef::Global(g) => inst.globals.push(g),
            EntityRef::Tag(t) => inst.tags.push(t),
        }
    }

    let defined_memories = info.memories.len() - info.num_imported_memories as usize;
    let defined_tables = info.tables.len() - info.num_imported_tables as usize;
    inner.check_counts(data, 1, defined_memories, defined_tables)?;

    let instance_index = inner.instances.len() as u32;
    let funcs_base = inner.funcs.len() as u32;
    for index in info.num_imported_funcs..info.funcs.len() as u32 {
        let ty = info.type_ids[info.funcs[index as usize] as usize];
        let f = inner.push_func(FuncEntity::Wasm {
            instance: instance_index,
            index,
            ty,
        });
        inst.funcs.push(f);
    }

    for &ty in &info.tags[info.num_imported_tags as usize..] {
        inner.tags.push(TagEntity {
            ty: info.type_ids[ty as usize],
            sig: info.func_type_at(ty).clone(),
        });
        inst.tags.push(inner.tags.len() as u32 - 1);
    }

    for (i, init) in info.global_inits.iter().enumerate() {
        let ty = info.globals[info.num_imported_globals as usize + i];
        let value = eval_const128(inner, &inst, init);
        inner.globals.push(GlobalEntity::new(ty, value));
        inst.globals.push(inner.globals.len() as u32 - 1);
    }
    inst.global_values = GlobalValues(
        inst.globals
            .iter()
            .map(|&g| inner.globals[g as usize].value_ptr())
            .collect(),
    );

    let max_table_elements = inner.engine.config.max_table_elements;
    for (i, init) in info.table_inits.iter().enumerate() {
        let ty = info.tables[info.num_imported_tables as usize + i];
        let init = init.as_ref().map_or(0, |e| eval_const(inner, &inst, e));
        let mut table = new_table(inner, data, ty, init, max_table_elements)?;
        if info.table_images[i].is_some() {
            table.set_lazy(Lazy {
                module: module.clone(),
                table: i as u32,
                funcs_base,
            });
        }
        inner.tables.push(table);
        inst.tables.push(inner.tables.len() as u32 - 1);
    }

    for ty in &info.memories[info.num_imported_memories as usize..] {
        let mem = new_memory(inner, data, *ty)?;
        inner.memories.push(mem);
        inst.memories.push(inner.memories.len() as u32 - 1);
    }
    // Memories with a copy-on-write image of their data (`memory::image`)
    // map it now; their segments are then not copied.
    let imaged = map_images(inner, &inst, module);

    // A segment in a table's image is applied when the table's elements
    // are made (`runtime::table`): its items are not evaluated here.
    let imaged_segment = |mode: &SegmentMode| match mode {
        SegmentMode::Active { index, .. } => (*index as usize)
            .checked_sub(info.num_imported_tables as usize)
            .is_some_and(|d| info.table_images[d].is_some()),
        _ => false,
    };
    for seg in &info.elems {
        let items: Box<[u64]> = if imaged_segment(&seg.mode) {
            Box::new([])
        } else {
            seg.items
                .iter()
                .map(|e| eval_const(inner, &inst, e))
                .collect()
        };
        inst.elems.push(items);
    }
    inst.datas = info.datas.iter().map(|d| d.bytes.clone()).collect();

    // Element segments, then data segments, in order; a segment out of
    // bounds traps, leaving earlier segments' effects in place (observable
    // through imported tables and memories).
    let mut result = Ok(());
    for (i, seg) in info.elems.iter().enumerate() {
        match &seg.mode {
            SegmentMode::Passive => continue,
            SegmentMode::Declared => {}
            SegmentMode::Active { .. } if imaged_segment(&seg.mode) => {}
            SegmentMode::Active { index, offset } => {
                let table = &mut inner.tables[inst.tables[*index as usize] as usize];
                // An `i64` offset for a table64, an `i32` one otherwise.
                let wide = table.ty.table64;
                let offset = eval_const(inner, &inst, offset);
                let offset = if wide { offset } else { offset as u32 as u64 };
                let table = &mut inner.tables[inst.tables[*index as usize] as usize];
                let items = &inst.elems[i];
                let end = offset.checked_add(items.len() as u64);
                match end {
                    Some(end) if end <= table.size() => {
                        table.elems_mut()[offset as usize..end as usize].copy_from_slice(items);
                    }
                    _ => {
                        result = Err(TrapCode::TableOutOfBounds);
                        break;
                    }
                }
            }
        }
        inst.elems[i] = Box::new([]);
    }
    if result.is_ok() {
        for (i, seg) in info.datas.iter().enumerate() {
            if let SegmentMode::Active { index, offset } = &seg.mode {
                let defined = (*index as usize).checked_sub(info.num_imported_memories as usize);
                if defined.is_some_and(|d| imaged.get(d) == Some(&true)) {
                    inst.datas[i] = 0..0;
                    continue;
                }
                let mem = &inner.memories[inst.memories[*index as usize] as usize];
                // An `i64` offset for a 64-bit memory, an `i32` one
                // otherwise; one past the address space is out of bounds.
                let wide = mem.ty.memory64;
                let offset = eval_const(inner, &inst, offset);
                let offset = if wide { offset } else { offset as u32 as u64 };
                let offset = usize::try_from(offset).unwrap_or(usize::MAX);
                let mem = &mut inner.memories[inst.memories[*index as usize] as usize];
                let bytes = &module.bytes[seg.bytes.clone()];
                match offset
                    .checked_add(bytes.len())
                    .and_then(|end| mem.bytes_mut().get_mut(offset..end))
                {
                    Some(dst) => dst.copy_from_slice(bytes),
                    None => {
                        result = Err(TrapCode::MemoryOutOfBounds);
                        break;
                    }
                }
                inst.datas[i] = 0..0;
            }
        }
    }
    inner.instances.push(inst);
    Ok((instance_index, result))
}

/// Maps the images of `module`'s defined memories (just created for
/// `inst`) where the engine's memories can map files; returns, by defined
/// memory, whether its image is mapped.
#[cfg(feature = "std")]
fn map_images(inner: &mut StoreInner, inst: &InstanceEntity, module: &ModuleShared) -> Vec<bool> {
    if inner.engine.memory == super::MemoryStrategy::Heap {
        return Vec::new();
    }
    let imported = module.info.num_imported_memories as usize;
    module
        .images()
        .iter()
        .enumerate()
        .map(|(d, image)| {
            let Some(image) = image else { return false };
            let mem = &mut inner.memories[inst.memories[imported + d] as usize];
            mem.map_image(image)
        })
        .collect()
}

#[cfg(not(feature = "std"))]
fn map_images(_: &mut StoreInner, _: &InstanceEntity, _: &ModuleShared) -> Vec<bool> {
    Vec::new()
}

/// The export `name` of instance `instance`.
pub(crate) fn export(inner: &StoreInner, instance: u32, name: &str) -> Option<EntityRef> {
    let inst = &inner.instances[instance as usize];
    Some(match *inst.module.info.exports.get(name)? {
        EntityIndex::Func(i) => EntityRef::Func(inst.funcs[i as usize]),
        EntityIndex::Table(i) => EntityRef::Table(inst.tables[i as usize]),
        EntityIndex::Memory(i) => EntityRef::Memory(inst.memories[i as usize]),
        EntityIndex::Global(i) => EntityRef::Global(inst.globals[i as usize]),
        EntityIndex::Tag(i) => EntityRef::Tag(inst.tags[i as usize]),
    })
}

/// A memory of type `ty`, if the engine's limit and the store's resource
/// limiter allow its initial size and it can be allocated.
pub(crate) fn new_memory(
    inner: &mut StoreInner,
    data: *mut (),
    ty: MemoryType,
) -> Result<MemoryEntity> {
    let bytes = ty.bytes_of(ty.limits.min);
    if let Some(bytes) = bytes {
        let maximum = ty.limits.max.and_then(|max| ty.bytes_of(max));
        if !inner.memory_growing(data, 0, bytes, maximum)? {
            return Err(Error::limit(
                Limit::StoreMemorySize,
                alloc::format!(
                    "resource limit exceeded: a memory of {bytes} bytes is over the store's \
                     limit (ResourceLimiter::memory_growing)"
                ),
            ));
        }
    }
    let slot = pool_slot(inner, SlotKind::Memory)?;
    if slot.is_some() && ty.limits.min > MemoryEntity::max_pages(&ty, &inner.engine) {
        return Err(Error::limit(
            Limit::PoolMemorySize,
            alloc::format!(
                "a memory of {} pages is over the pooling allocator's memory size \
                 (PoolingAllocationConfig::max_memory_size)",
                ty.limits.min
            ),
        ));
    }
    #[cfg(feature = "std")]
    if ty.shared {
        // A shared memory owns its storage: the pool's slot counts it, and
        // nothing is taken from the pool's warm storage.
        return crate::runtime::memory::shared::SharedMemoryData::new(ty, &inner.engine)
            .map(|shared| MemoryEntity::from_shared(shared, slot))
            .ok_or_else(|| {
                Error::limit(
                    Limit::MemorySize,
                    "shared memory size exceeds the engine's limit or could not be reserved",
                )
            });
    }
    MemoryEntity::new(ty, &inner.engine, slot).ok_or_else(|| {
        Error::limit(
            Limit::MemorySize,
            "memory size exceeds the engine's limit or could not be allocated",
        )
    })
}

/// A table of type `ty` filled with `init`, if the engine's limit and the
/// store's resource limiter allow its initial size.
pub(crate) fn new_table(
    inner: &mut StoreInner,
    data: *mut (),
    ty: TableType,
    init: u64,
    max_elements: u64,
) -> Result<TableEntity> {
    if let Ok(elements) = usize::try_from(ty.limits.min) {
        if !inner.table_growing(data, 0, elements, ty.limits.max)? {
            return Err(Error::limit(
                Limit::StoreTableSize,
                alloc::format!(
                    "resource limit exceeded: a table of {elements} elements is over the \
                     store's limit (ResourceLimiter::table_growing)"
                ),
            ));
        }
    }
    let slot = pool_slot(inner, SlotKind::Table)?;
    if let Some(slot) = &slot {
        let most = slot.pool().config.table_elements;
        if usize::try_from(ty.limits.min).map_or(true, |min| min > most) {
            return Err(Error::limit(
                Limit::PoolTableElements,
                alloc::format!(
                    "a table of {} elements is over the pooling allocator's {most} \
                     (PoolingAllocationConfig::table_elements)",
                    ty.limits.min
                ),
            ));
        }
    }
    TableEntity::new(ty, init, max_elements, slot)
        .ok_or_else(|| Error::limit(Limit::TableSize, "table size exceeds the engine's limit"))
}

/// A place for one more `kind` in the engine's pool; `None` if the engine
/// does not pool.
fn pool_slot(inner: &StoreInner, kind: SlotKind) -> Result<Option<Slot>> {
    match &inner.engine.pool {
        Some(pool) => pool.slot(kind).map(Some).map_err(Error::Limit),
        None => Ok(None),
    }
}
