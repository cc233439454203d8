//! The internal type system: value and reference types (with Wasm 3.0's
//! heap types), function types, defined types and their recursion groups,
//! the types of memories, tables and globals, subtyping, and the
//! engine-wide registry that gives every distinct defined type one small
//! id.
//!
//! Every layer reads these; none of them depends on anything above this
//! folder. The public API (`api::types`) wraps them in the shapes
//! embedders know from wasmtime, so the internal types can grow with the
//! Wasm 3.0 type system (concrete heap types, recursion groups, subtyping)
//! without breaking embedders.

mod entity;
mod func;
mod registry;
mod sub;
mod subtyping;
mod val;

pub(crate) use entity::{
    ExternType, GlobalType, Limits, MemoryType, Mutability, TableType, DEFAULT_PAGE_SIZE_LOG2,
};
pub(crate) use func::FuncType;
pub(crate) use registry::{TypeId, TypeRegistry};
pub(crate) use sub::{CompositeType, FieldType, StorageType, SubType};
pub(crate) use subtyping::heap_matches_funcs;
pub(crate) use val::{HeapType, RefType, TypeIndex, ValType};
