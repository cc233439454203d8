//! Module instances and instantiation: resolving imports, creating the
//! instance's own functions, tables, memories and globals, running element
//! and data segments, then the start function.

use super::{FuncEntity, GlobalEntity, MemoryEntity, StoreInner, TableEntity};
use crate::api::externals::Extern;
use crate::api::module::Module;
use crate::api::types::ExternType;
use crate::error::{Error, LinkError, LinkErrorKind, Result, TrapCode};
use crate::module::{ConstExpr, ConstOp, EntityIndex, SegmentMode};
use alloc::boxed::Box;
use alloc::string::ToString;
use alloc::vec::Vec;
use core::ops::Range;

/// An instance in a store. Its index spaces map the module's indices to
/// store indices.
pub(crate) struct InstanceEntity {
    pub module: Module,
    pub funcs: Vec<u32>,
    pub tables: Vec<u32>,
    pub memories: Vec<u32>,
    pub globals: Vec<u32>,
    /// Module type index to store-interned type id.
    pub type_ids: Vec<u32>,
    /// Element segments as raw references; emptied by `elem.drop` (and
    /// after active or declared segments are applied).
    pub elems: Vec<Box<[u64]>>,
    /// Data segments as ranges of the module's bytes; emptied by
    /// `data.drop`.
    pub datas: Vec<Range<usize>>,
    /// The VM context compiled code runs with (JIT tier only).
    #[cfg_attr(not(feature = "jit"), allow(dead_code))]
    pub vm: Option<super::vm::InstanceVm>,
}

/// Checks that `ext`, provided for an import of type `want`, matches it.
fn check_import(inner: &StoreInner, ext: &Extern, want: &ExternType) -> Result<(), LinkErrorKind> {
    let found = ext.ty_in(inner);
    let ok = match (&found, want) {
        (ExternType::Func(a), ExternType::Func(b)) => a == b,
        (ExternType::Table(a), ExternType::Table(b)) => {
            a.element == b.element && a.limits.matches(&b.limits)
        }
        (ExternType::Memory(a), ExternType::Memory(b)) => {
            a.memory64 == b.memory64 && a.shared == b.shared && a.limits.matches(&b.limits)
        }
        (ExternType::Global(a), ExternType::Global(b)) => a == b,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(LinkErrorKind::Incompatible {
            expected: want.to_string(),
            found: found.to_string(),
        })
    }
}

/// Evaluates a constant expression for instance `inst`, as one raw slot
/// (every type but `v128`).
pub(crate) fn eval_const(inner: &StoreInner, inst: &InstanceEntity, expr: &ConstExpr) -> u64 {
    eval_const128(inner, inst, expr) as u64
}

/// Evaluates a constant expression for instance `inst`, 128 bits wide
/// (scalars zero-extended), as a global holds it.
pub(crate) fn eval_const128(inner: &StoreInner, inst: &InstanceEntity, expr: &ConstExpr) -> u128 {
    let mut stack: Vec<u128> = Vec::new();
    for op in expr.ops() {
        let v = match *op {
            ConstOp::I32(v) => v as u32 as u128,
            ConstOp::I64(v) => v as u64 as u128,
            ConstOp::F32(v) => v as u128,
            ConstOp::F64(v) => v as u128,
            ConstOp::V128(v) => v,
            ConstOp::RefNull(_) => 0,
            ConstOp::RefFunc(f) => inst.funcs[f as usize] as u128 + 1,
            ConstOp::GlobalGet(g) => inner.globals[inst.globals[g as usize] as usize].get(),
            ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                let b = stack.pop().unwrap_or(0) as u32;
                let a = stack.pop().unwrap_or(0) as u32;
                (match op {
                    ConstOp::I32Add => a.wrapping_add(b),
                    ConstOp::I32Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                }) as u128
            }
            ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                let b = stack.pop().unwrap_or(0) as u64;
                let a = stack.pop().unwrap_or(0) as u64;
                (match op {
                    ConstOp::I64Add => a.wrapping_add(b),
                    ConstOp::I64Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                }) as u128
            }
        };
        stack.push(v);
    }
    stack.pop().unwrap_or(0)
}

/// Creates an instance of `module` in `inner` with `imports` (one per
/// import, in order). Returns the instance index. Does not run the start
/// function; the caller does, so it can pass the store's data.
pub(crate) fn instantiate(
    inner: &mut StoreInner,
    module: &Module,
    imports: &[Extern],
) -> Result<u32> {
    let info = &module.inner.info;
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
    let mut inst = InstanceEntity {
        module: module.clone(),
        funcs: Vec::with_capacity(info.funcs.len()),
        tables: Vec::with_capacity(info.tables.len()),
        memories: Vec::with_capacity(info.memories.len()),
        globals: Vec::with_capacity(info.globals.len()),
        type_ids: info.types.iter().map(|t| inner.types.intern(t)).collect(),
        elems: Vec::new(),
        datas: Vec::new(),
        vm: None,
    };

    for (import, ext) in info.imports.iter().zip(imports) {
        if ext.store_id() != inner.id {
            return Err(Error::usage("an import from another store was used"));
        }
        let want = info.extern_type(import.index);
        check_import(inner, ext, &want).map_err(|kind| LinkError {
            module: import.module.clone(),
            name: import.name.clone(),
            kind,
        })?;
        match ext {
            Extern::Func(f) => inst.funcs.push(f.0.index),
            Extern::Table(t) => inst.tables.push(t.0.index),
            Extern::Memory(m) => inst.memories.push(m.0.index),
            Extern::Global(g) => inst.globals.push(g.0.index),
        }
    }

    let instance_index = inner.instances.len() as u32;
    for index in info.num_imported_funcs..info.funcs.len() as u32 {
        let ty = inst.type_ids[info.funcs[index as usize] as usize];
        let f = inner.push_func(FuncEntity::Wasm {
            instance: instance_index,
            index,
            ty,
        });
        inst.funcs.push(f);
    }

    let config = inner.engine.config().clone();
    for (i, init) in info.global_inits.iter().enumerate() {
        let ty = info.globals[info.num_imported_globals as usize + i];
        let value = eval_const128(inner, &inst, init);
        inner.globals.push(GlobalEntity::new(ty, value));
        inst.globals.push(inner.globals.len() as u32 - 1);
    }

    for (i, init) in info.table_inits.iter().enumerate() {
        let ty = info.tables[info.num_imported_tables as usize + i];
        let init = init.as_ref().map_or(0, |e| eval_const(inner, &inst, e));
        let table = TableEntity::new(ty, init, config.max_table_elements)
            .ok_or_else(|| Error::usage("table size exceeds the engine's limit"))?;
        inner.tables.push(table);
        inst.tables.push(inner.tables.len() as u32 - 1);
    }

    for ty in &info.memories[info.num_imported_memories as usize..] {
        let mem = MemoryEntity::new(*ty, &config).ok_or_else(|| {
            Error::usage("memory size exceeds the engine's limit or could not be allocated")
        })?;
        inner.memories.push(mem);
        inst.memories.push(inner.memories.len() as u32 - 1);
    }

    for seg in &info.elems {
        let items: Box<[u64]> = seg
            .items
            .iter()
            .map(|e| eval_const(inner, &inst, e))
            .collect();
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
            SegmentMode::Active { index, offset } => {
                let offset = eval_const(inner, &inst, offset) as u32 as u64;
                let table = &mut inner.tables[inst.tables[*index as usize] as usize];
                let items = &inst.elems[i];
                let end = offset.checked_add(items.len() as u64);
                match end {
                    Some(end) if end <= table.size() => {
                        table.elems[offset as usize..end as usize].copy_from_slice(items);
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
                let offset = eval_const(inner, &inst, offset) as u32 as usize;
                let mem = &mut inner.memories[inst.memories[*index as usize] as usize];
                let bytes = &module.inner.bytes[seg.bytes.clone()];
                match offset
                    .checked_add(bytes.len())
                    .and_then(|end| mem.data.get_mut(offset..end))
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
    #[cfg(feature = "jit")]
    if inner.engine.config().tier == crate::api::engine::Tier::Jit {
        crate::jit::link_instance(inner, instance_index)?;
    }
    result?;
    Ok(instance_index)
}

/// The export `name` of instance `instance`, as an API handle.
pub(crate) fn export(inner: &StoreInner, instance: u32, name: &str) -> Option<Extern> {
    use crate::api::externals::{Global, Memory, Table};
    use crate::api::func::Func;
    use crate::api::values::Stored;
    let inst = &inner.instances[instance as usize];
    let stored = |i: u32| Stored::new(inner.id, i);
    Some(match *inst.module.inner.info.exports.get(name)? {
        EntityIndex::Func(i) => Extern::Func(Func(stored(inst.funcs[i as usize]))),
        EntityIndex::Table(i) => Extern::Table(Table(stored(inst.tables[i as usize]))),
        EntityIndex::Memory(i) => Extern::Memory(Memory(stored(inst.memories[i as usize]))),
        EntityIndex::Global(i) => Extern::Global(Global(stored(inst.globals[i as usize]))),
    })
}
