//! Decoding and validation: turns a binary module into one [`ModuleInfo`]
//! that every tier and the runtime read. Validation is done here, in full,
//! before anything else sees the module; nothing downstream runs
//! unvalidated code.

mod const_expr;
mod parse;

pub(crate) use const_expr::{ConstExpr, ConstOp};
pub(crate) use parse::{features, parse_and_validate};

use crate::types::{ExternType, FuncType, GlobalType, MemoryType, TableType};
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::ops::Range;

/// What kind of entity an index refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntityIndex {
    Func(u32),
    Table(u32),
    Memory(u32),
    Global(u32),
}

/// An import as declared; `index` is in the entity's own index space.
#[derive(Debug, Clone)]
pub(crate) struct Import {
    pub module: String,
    pub name: String,
    pub index: EntityIndex,
}

/// An element segment.
#[derive(Debug, Clone)]
pub(crate) struct ElemSegment {
    pub mode: SegmentMode,
    pub items: Box<[ConstExpr]>,
}

/// A data segment; `bytes` is the range of its contents in the module's
/// bytes.
#[derive(Debug, Clone)]
pub(crate) struct DataSegment {
    pub mode: SegmentMode,
    pub bytes: Range<usize>,
}

/// How a segment is used at instantiation.
#[derive(Debug, Clone)]
pub(crate) enum SegmentMode {
    Passive,
    Declared,
    Active { index: u32, offset: ConstExpr },
}

/// A function body's location in the module bytes.
#[derive(Debug, Clone)]
pub(crate) struct FuncBody {
    pub range: Range<usize>,
}

/// Everything the runtime and the tiers need to know about a module.
/// Index spaces (`funcs`, `tables`, `memories`, `globals`) include imports
/// first, as in the binary format.
#[derive(Debug, Default)]
pub(crate) struct ModuleInfo {
    pub types: Vec<FuncType>,
    pub imports: Vec<Import>,
    /// Type index of every function.
    pub funcs: Vec<u32>,
    pub num_imported_funcs: u32,
    pub tables: Vec<TableType>,
    /// Initialiser of each defined (not imported) table; `None` is null.
    pub table_inits: Vec<Option<ConstExpr>>,
    pub num_imported_tables: u32,
    pub memories: Vec<MemoryType>,
    pub num_imported_memories: u32,
    pub globals: Vec<GlobalType>,
    /// Initialiser of each defined global.
    pub global_inits: Vec<ConstExpr>,
    pub num_imported_globals: u32,
    pub exports: BTreeMap<String, EntityIndex>,
    /// Export names in declaration order.
    pub export_order: Vec<String>,
    pub start: Option<u32>,
    pub elems: Vec<ElemSegment>,
    pub datas: Vec<DataSegment>,
    /// Bodies of defined functions, in order.
    pub bodies: Vec<FuncBody>,
    pub func_names: BTreeMap<u32, String>,
    pub module_name: Option<String>,
}

impl ModuleInfo {
    pub fn func_type(&self, func_index: u32) -> &FuncType {
        &self.types[self.funcs[func_index as usize] as usize]
    }

    pub fn extern_type(&self, index: EntityIndex) -> ExternType {
        match index {
            EntityIndex::Func(i) => ExternType::Func(self.func_type(i).clone()),
            EntityIndex::Table(i) => ExternType::Table(self.tables[i as usize]),
            EntityIndex::Memory(i) => ExternType::Memory(self.memories[i as usize]),
            EntityIndex::Global(i) => ExternType::Global(self.globals[i as usize]),
        }
    }

    /// Index among defined functions, or `None` for an import.
    pub fn defined_func_index(&self, func_index: u32) -> Option<u32> {
        func_index.checked_sub(self.num_imported_funcs)
    }
}
