//! The types of what a module imports and exports: memories, tables,
//! globals, and functions among them.

use super::{FuncType, RefType, TypeId, TypeRegistry, ValType};
use core::fmt;

/// Size limits of a memory (in pages) or table (in elements).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Limits {
    pub min: u64,
    pub max: Option<u64>,
}

impl Limits {
    /// Whether something with limits `self` may stand in for an import
    /// declaring `wanted` (the spec's import subtyping).
    pub fn matches(&self, wanted: &Limits) -> bool {
        self.min >= wanted.min
            && match (self.max, wanted.max) {
                (_, None) => true,
                (Some(have), Some(want)) => have <= want,
                (None, Some(_)) => false,
            }
    }
}

impl fmt::Display for Limits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.min)?;
        if let Some(max) = self.max {
            write!(f, " {max}")?;
        }
        Ok(())
    }
}

/// The type of a linear memory; sizes are in pages of
/// `1 << page_size_log2` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct MemoryType {
    pub limits: Limits,
    /// Whether addresses are 64-bit (memory64).
    pub memory64: bool,
    /// Whether the memory is shared between threads.
    pub shared: bool,
    /// The page size's log2: [`DEFAULT_PAGE_SIZE_LOG2`] (64 KiB), or, with
    /// the custom-page-sizes proposal, 0 (one byte), the only other size
    /// validation accepts.
    pub page_size_log2: u8,
}

/// The log2 of Wasm's default page size, 64 KiB.
pub(crate) const DEFAULT_PAGE_SIZE_LOG2: u8 = 16;

impl MemoryType {
    /// Whether a memory of type `self` may stand in for an import of type
    /// `wanted`: page sizes must be equal.
    pub fn matches(&self, wanted: &MemoryType) -> bool {
        self.memory64 == wanted.memory64
            && self.shared == wanted.shared
            && self.page_size_log2 == wanted.page_size_log2
            && self.limits.matches(&wanted.limits)
    }

    /// The page size in bytes.
    pub fn page_size(&self) -> u64 {
        1 << self.page_size_log2
    }

    /// Whether pages are Wasm's default 64 KiB.
    pub fn default_page_size(&self) -> bool {
        self.page_size_log2 == DEFAULT_PAGE_SIZE_LOG2
    }

    /// The bytes of `pages` pages, if they fit in a `usize`.
    pub fn bytes_of(&self, pages: u64) -> Option<usize> {
        let bytes = pages.checked_mul(self.page_size())?;
        usize::try_from(bytes).ok()
    }

    /// The most pages a 32-bit memory of this page size may have, as
    /// validation bounds them: 4 GiB in 64 KiB pages (65,536), or
    /// `u32::MAX` one-byte pages (so `memory.size` fits in an `i32`).
    pub fn max_pages_32(&self) -> u64 {
        ((1u64 << 32) >> self.page_size_log2).min(u32::MAX as u64)
    }

    /// The most pages a memory of this type may have, as validation
    /// bounds them: [`Self::max_pages_32`] for a 32-bit memory; for a
    /// 64-bit one, 2^64 bytes in pages (2^48 pages of 64 KiB), less one so
    /// `memory.size` fits in an `i64`.
    pub fn max_pages_absolute(&self) -> u64 {
        if self.memory64 {
            (u64::MAX >> self.page_size_log2).min(i64::MAX as u64)
        } else {
            self.max_pages_32()
        }
    }
}

impl fmt::Display for MemoryType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(memory ")?;
        if self.memory64 {
            f.write_str("i64 ")?;
        }
        write!(f, "{}", self.limits)?;
        if self.shared {
            f.write_str(" shared")?;
        }
        if !self.default_page_size() {
            write!(f, " (pagesize {})", self.page_size())?;
        }
        f.write_str(")")
    }
}

/// The type of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct TableType {
    pub element: RefType,
    pub limits: Limits,
    /// Whether indices are 64-bit (table64, part of memory64).
    pub table64: bool,
}

impl TableType {
    /// Whether a table of type `self` may stand in for an import of type
    /// `wanted`: the element types must be equal (a table is written and
    /// read), which for registered types is plain equality.
    pub fn matches(&self, wanted: &TableType) -> bool {
        self.element == wanted.element
            && self.table64 == wanted.table64
            && self.limits.matches(&wanted.limits)
    }
}

impl fmt::Display for TableType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let index = if self.table64 { "i64 " } else { "" };
        write!(f, "(table {index}{} {})", self.limits, self.element)
    }
}

/// Whether a global can be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Mutability {
    Const,
    Var,
}

/// The type of a global.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct GlobalType {
    pub content: ValType,
    pub mutability: Mutability,
}

impl fmt::Display for GlobalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mutability {
            Mutability::Const => write!(f, "(global {})", self.content),
            Mutability::Var => write!(f, "(global (mut {}))", self.content),
        }
    }
}

impl GlobalType {
    /// Whether a global of type `self` may stand in for an import of type
    /// `wanted`: an immutable one may hold a subtype of what is wanted; a
    /// mutable one (written through the import too) exactly it.
    pub fn matches(&self, wanted: &GlobalType, types: &TypeRegistry) -> bool {
        match (self.mutability, wanted.mutability) {
            (Mutability::Const, Mutability::Const) => {
                types.val_matches(self.content, wanted.content)
            }
            (Mutability::Var, Mutability::Var) => self.content == wanted.content,
            _ => false,
        }
    }
}

/// The type of an import or export. Concrete types are engine ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ExternType {
    /// A function: its type's id, and the type.
    Func(TypeId, FuncType),
    /// An exception tag: the id of its type (a function type whose
    /// parameters are the payload), and the type.
    Tag(TypeId, FuncType),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
}

impl ExternType {
    /// Whether something of type `self` may stand in for an import of
    /// type `wanted` (the spec's import subtyping).
    pub fn matches(&self, wanted: &ExternType, types: &TypeRegistry) -> bool {
        match (self, wanted) {
            (ExternType::Func(a, _), ExternType::Func(b, _)) => types.is_subtype(*a, *b),
            (ExternType::Table(a), ExternType::Table(b)) => a.matches(b),
            (ExternType::Memory(a), ExternType::Memory(b)) => a.matches(b),
            (ExternType::Global(a), ExternType::Global(b)) => a.matches(b, types),
            // Tags are matched by type equality (they are read and
            // written: thrown and caught).
            (ExternType::Tag(a, _), ExternType::Tag(b, _)) => a == b,
            _ => false,
        }
    }
}

impl fmt::Display for ExternType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExternType::Func(_, t) => t.fmt(f),
            ExternType::Tag(_, t) => write!(f, "(tag {t})"),
            ExternType::Table(t) => t.fmt(f),
            ExternType::Memory(t) => t.fmt(f),
            ExternType::Global(t) => t.fmt(f),
        }
    }
}
