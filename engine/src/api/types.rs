//! The public types of values and of what a module imports and exports,
//! shaped like wasmtime's. Each wraps the internal type of the same name
//! (`crate::types`), so the internal type system can grow with Wasm 3.0
//! while these keep their shape; the enums are `#[non_exhaustive]` for the
//! variants it will add.

use crate::types as internal;
use core::fmt;

/// The type of a WebAssembly value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit IEEE float.
    F32,
    /// 64-bit IEEE float.
    F64,
    /// 128-bit vector.
    V128,
    /// A nullable reference to a function.
    FuncRef,
    /// A nullable reference to a host value.
    ExternRef,
}

impl ValType {
    /// Whether this is a reference type.
    pub fn is_ref(self) -> bool {
        matches!(self, ValType::FuncRef | ValType::ExternRef)
    }

    /// Raw slots a value of this type takes (two for `v128`).
    pub(crate) fn slots(self) -> usize {
        self.to_internal().slots()
    }

    pub(crate) fn to_internal(self) -> internal::ValType {
        match self {
            ValType::I32 => internal::ValType::I32,
            ValType::I64 => internal::ValType::I64,
            ValType::F32 => internal::ValType::F32,
            ValType::F64 => internal::ValType::F64,
            ValType::V128 => internal::ValType::V128,
            ValType::FuncRef => internal::ValType::FUNCREF,
            ValType::ExternRef => internal::ValType::EXTERNREF,
        }
    }

    pub(crate) fn from_internal(ty: internal::ValType) -> Self {
        match ty {
            internal::ValType::I32 => ValType::I32,
            internal::ValType::I64 => ValType::I64,
            internal::ValType::F32 => ValType::F32,
            internal::ValType::F64 => ValType::F64,
            internal::ValType::V128 => ValType::V128,
            internal::ValType::Ref(r) => Self::from_ref(r),
        }
    }

    fn from_ref(r: internal::RefType) -> Self {
        match r.heap {
            internal::HeapType::Func => ValType::FuncRef,
            internal::HeapType::Extern => ValType::ExternRef,
        }
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_internal().fmt(f)
    }
}

/// The signature of a function.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FuncType(pub(crate) internal::FuncType);

impl FuncType {
    /// A signature from its parameter and result types.
    pub fn new(
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> Self {
        FuncType(internal::FuncType::new(
            params.into_iter().map(ValType::to_internal),
            results.into_iter().map(ValType::to_internal),
        ))
    }

    /// The parameter types.
    pub fn params(&self) -> impl ExactSizeIterator<Item = ValType> + '_ {
        self.0.params().iter().map(|t| ValType::from_internal(*t))
    }

    /// The result types.
    pub fn results(&self) -> impl ExactSizeIterator<Item = ValType> + '_ {
        self.0.results().iter().map(|t| ValType::from_internal(*t))
    }
}

impl fmt::Debug for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// The type of a linear memory; sizes are in 64 KiB pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MemoryType(pub(crate) internal::MemoryType);

impl MemoryType {
    /// A 32-bit, unshared memory type.
    pub fn new(min: u32, max: Option<u32>) -> Self {
        MemoryType(internal::MemoryType {
            limits: internal::Limits {
                min: min.into(),
                max: max.map(Into::into),
            },
            memory64: false,
            shared: false,
        })
    }

    /// The initial size in pages (for a live memory: its current size).
    pub fn minimum(&self) -> u64 {
        self.0.limits.min
    }

    /// The size it may grow to, if bounded.
    pub fn maximum(&self) -> Option<u64> {
        self.0.limits.max
    }

    /// Whether addresses are 64-bit (memory64).
    pub fn is_64(&self) -> bool {
        self.0.memory64
    }

    /// Whether the memory is shared between threads.
    pub fn is_shared(&self) -> bool {
        self.0.shared
    }
}

impl fmt::Display for MemoryType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The type of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TableType(pub(crate) internal::TableType);

impl TableType {
    /// A table type.
    ///
    /// # Panics
    /// If `element` is not a reference type.
    pub fn new(element: ValType, min: u32, max: Option<u32>) -> Self {
        let internal::ValType::Ref(element) = element.to_internal() else {
            panic!("a table's element type must be a reference type, not {element}");
        };
        TableType(internal::TableType {
            element,
            limits: internal::Limits {
                min: min.into(),
                max: max.map(Into::into),
            },
        })
    }

    /// The element type.
    pub fn element(&self) -> ValType {
        ValType::from_ref(self.0.element)
    }

    /// The initial size in elements (for a live table: its current size).
    pub fn minimum(&self) -> u64 {
        self.0.limits.min
    }

    /// The size it may grow to, if bounded.
    pub fn maximum(&self) -> Option<u64> {
        self.0.limits.max
    }
}

impl fmt::Display for TableType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Whether a global can be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mutability {
    /// Immutable.
    Const,
    /// Mutable.
    Var,
}

/// The type of a global.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GlobalType(pub(crate) internal::GlobalType);

impl GlobalType {
    /// A global type.
    pub fn new(content: ValType, mutability: Mutability) -> Self {
        GlobalType(internal::GlobalType {
            content: content.to_internal(),
            mutability: match mutability {
                Mutability::Const => internal::Mutability::Const,
                Mutability::Var => internal::Mutability::Var,
            },
        })
    }

    /// The value type.
    pub fn content(&self) -> ValType {
        ValType::from_internal(self.0.content)
    }

    /// Whether it can be written.
    pub fn mutability(&self) -> Mutability {
        match self.0.mutability {
            internal::Mutability::Const => Mutability::Const,
            internal::Mutability::Var => Mutability::Var,
        }
    }
}

impl fmt::Display for GlobalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The type of an import or export.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExternType {
    /// A function.
    Func(FuncType),
    /// A table.
    Table(TableType),
    /// A linear memory.
    Memory(MemoryType),
    /// A global.
    Global(GlobalType),
}

impl ExternType {
    /// The function type, if this is a function.
    pub fn func(&self) -> Option<&FuncType> {
        match self {
            ExternType::Func(f) => Some(f),
            _ => None,
        }
    }

    /// The memory type, if this is a memory.
    pub fn memory(&self) -> Option<&MemoryType> {
        match self {
            ExternType::Memory(m) => Some(m),
            _ => None,
        }
    }

    /// The table type, if this is a table.
    pub fn table(&self) -> Option<&TableType> {
        match self {
            ExternType::Table(t) => Some(t),
            _ => None,
        }
    }

    /// The global type, if this is a global.
    pub fn global(&self) -> Option<&GlobalType> {
        match self {
            ExternType::Global(g) => Some(g),
            _ => None,
        }
    }

    pub(crate) fn from_internal(ty: internal::ExternType) -> Self {
        match ty {
            internal::ExternType::Func(f) => ExternType::Func(FuncType(f)),
            internal::ExternType::Table(t) => ExternType::Table(TableType(t)),
            internal::ExternType::Memory(m) => ExternType::Memory(MemoryType(m)),
            internal::ExternType::Global(g) => ExternType::Global(GlobalType(g)),
        }
    }
}

impl fmt::Display for ExternType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExternType::Func(t) => t.fmt(f),
            ExternType::Table(t) => t.fmt(f),
            ExternType::Memory(t) => t.fmt(f),
            ExternType::Global(t) => t.fmt(f),
        }
    }
}

/// One import of a module.
#[derive(Debug, Clone)]
pub struct ImportType<'m> {
    pub(crate) module: &'m str,
    pub(crate) name: &'m str,
    pub(crate) ty: ExternType,
}

impl<'m> ImportType<'m> {
    /// The module name the import is looked up in.
    pub fn module(&self) -> &'m str {
        self.module
    }

    /// The field name within that module.
    pub fn name(&self) -> &'m str {
        self.name
    }

    /// What is expected.
    pub fn ty(&self) -> ExternType {
        self.ty.clone()
    }
}

/// One export of a module.
#[derive(Debug, Clone)]
pub struct ExportType<'m> {
    pub(crate) name: &'m str,
    pub(crate) ty: ExternType,
}

impl<'m> ExportType<'m> {
    /// The export's name.
    pub fn name(&self) -> &'m str {
        self.name
    }

    /// What is exported.
    pub fn ty(&self) -> ExternType {
        self.ty.clone()
    }
}
