//! Decoding and validation: turns a binary module into one [`ModuleInfo`]
//! that every tier and the runtime read. Validation is done here, in full,
//! before anything else sees the module; nothing downstream runs
//! unvalidated code.

mod body;
mod const_expr;
mod parse;
mod table_image;

pub(crate) use const_expr::{ConstExpr, ConstOp};
#[cfg(feature = "jit")]
pub(crate) use parse::parse_validated;
pub(crate) use parse::{features, parse_and_validate};

use crate::types::{
    ExternType, FuncType, GlobalType, MemoryType, SubType, TableType, TypeId, TypeIndex,
    TypeRegistry,
};
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
    Tag(u32),
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
///
/// Concrete types are module type indices as decoded, and engine ids once
/// [`ModuleInfo::register_types`] has run, which `Module` does before
/// anything else reads the module.
#[derive(Debug, Default)]
pub(crate) struct ModuleInfo {
    /// The type section's defined types.
    pub types: Vec<SubType>,
    /// The recursion groups, in order, as ranges of `types`.
    pub rec_groups: Vec<Range<u32>>,
    /// Each defined type's engine-wide id (empty until registered).
    pub type_ids: Vec<TypeId>,
    pub imports: Vec<Import>,
    /// Type index of every function.
    pub funcs: Vec<u32>,
    pub num_imported_funcs: u32,
    pub tables: Vec<TableType>,
    /// Initialiser of each defined (not imported) table; `None` is null.
    pub table_inits: Vec<Option<ConstExpr>>,
    /// Each defined table's image, if its segments allow one
    /// (`table_image`): its initial elements as defined function indices
    /// plus one (0 null).
    pub table_images: Vec<Option<Box<[u32]>>>,
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
    /// Type index of every exception tag (imports first).
    pub tags: Vec<u32>,
    pub num_imported_tags: u32,
    /// Function names from the name section, decoded on first use.
    pub func_names: FuncNames,
    pub module_name: Option<String>,
}

/// The function names of a module's name section, for backtraces. Only
/// where they lie is noted when the module is decoded: a large module
/// names tens of thousands of functions, and a program that never traps
/// should not pay for them at start-up. The first lookup decodes them all.
#[derive(Debug, Default)]
pub(crate) struct FuncNames {
    /// The name section's contents, as a range of the module's bytes.
    section: Option<core::ops::Range<usize>>,
    decoded: crate::sync::Mutex<Option<BTreeMap<u32, String>>>,
}

impl FuncNames {
    pub(crate) fn new(section: core::ops::Range<usize>) -> Self {
        Self {
            section: Some(section),
            decoded: Default::default(),
        }
    }

    /// The name of function `index`, looked up in `bytes`, the module's
    /// bytes.
    pub(crate) fn get(&self, bytes: &[u8], index: u32) -> Option<String> {
        let section = self.section.clone()?;
        let mut decoded = self.decoded.lock();
        let names = decoded.get_or_insert_with(|| {
            let mut names = BTreeMap::new();
            if let Some(data) = bytes.get(section.clone()) {
                let reader = wasmparser::BinaryReader::new(data, section.start as u64);
                // A malformed name section is not an error (the spec says
                // custom sections never invalidate a module): the names
                // before the damage are kept.
                'subsections: for name in wasmparser::NameSectionReader::new(reader) {
                    match name {
                        Ok(wasmparser::Name::Function(map)) => {
                            for naming in map {
                                let Ok(naming) = naming else {
                                    break 'subsections;
                                };
                                names.insert(naming.index, String::from(naming.name));
                            }
                        }
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
            }
            names
        });
        names.get(&index).cloned()
    }
}

impl ModuleInfo {
    /// Registers the module's types with `registry` and rewrites every
    /// type the module holds (its defined types, tables, globals) with
    /// concrete types as engine ids.
    pub fn register_types(&mut self, registry: &TypeRegistry) {
        let ids = registry.register(&self.types, &self.rec_groups);
        let mut to_engine = |i: TypeIndex| match i {
            TypeIndex::Module(m) => TypeIndex::Engine(ids[m as usize]),
            other => other,
        };
        for ty in &mut self.types {
            *ty = ty.map_index(&mut to_engine);
        }
        for table in &mut self.tables {
            table.element = table.element.map_index(&mut to_engine);
        }
        for global in &mut self.globals {
            global.content = global.content.map_index(&mut to_engine);
        }
        self.type_ids = ids;
    }

    /// The function type at type index `type_index` (validation made sure
    /// it is one).
    pub fn func_type_at(&self, type_index: u32) -> &FuncType {
        match self.types[type_index as usize].as_func() {
            Some(f) => f,
            None => unreachable!("type {type_index} is not a function type"),
        }
    }

    pub fn func_type(&self, func_index: u32) -> &FuncType {
        self.func_type_at(self.funcs[func_index as usize])
    }

    pub fn extern_type(&self, index: EntityIndex) -> ExternType {
        match index {
            EntityIndex::Func(i) => {
                let ty = self.funcs[i as usize];
                ExternType::Func(self.type_ids[ty as usize], self.func_type_at(ty).clone())
            }
            EntityIndex::Table(i) => ExternType::Table(self.tables[i as usize]),
            EntityIndex::Memory(i) => ExternType::Memory(self.memories[i as usize]),
            EntityIndex::Global(i) => ExternType::Global(self.globals[i as usize]),
            EntityIndex::Tag(i) => {
                let ty = self.tags[i as usize];
                ExternType::Tag(self.type_ids[ty as usize], self.func_type_at(ty).clone())
            }
        }
    }

    /// Index among defined functions, or `None` for an import.
    pub fn defined_func_index(&self, func_index: u32) -> Option<u32> {
        func_index.checked_sub(self.num_imported_funcs)
    }
}
