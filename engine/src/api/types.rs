//! The types of values and of things a module imports and exports.

use alloc::sync::Arc;
use core::fmt;

/// The type of a WebAssembly value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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

    /// How many 64-bit slots a value of this type takes in the raw
    /// encoding: two for `v128`, one for everything else.
    pub(crate) fn slots(self) -> usize {
        if self == ValType::V128 {
            2
        } else {
            1
        }
    }

    pub(crate) fn from_wasmparser(ty: wasmparser::ValType) -> Option<Self> {
        use wasmparser::ValType as W;
        Some(match ty {
            W::I32 => ValType::I32,
            W::I64 => ValType::I64,
            W::F32 => ValType::F32,
            W::F64 => ValType::F64,
            W::V128 => ValType::V128,
            W::Ref(r) => Self::from_ref_type(r)?,
        })
    }

    pub(crate) fn from_ref_type(r: wasmparser::RefType) -> Option<Self> {
        if r == wasmparser::RefType::FUNCREF {
            Some(ValType::FuncRef)
        } else if r == wasmparser::RefType::EXTERNREF {
            Some(ValType::ExternRef)
        } else {
            None
        }
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::V128 => "v128",
            ValType::FuncRef => "funcref",
            ValType::ExternRef => "externref",
        })
    }
}

/// The signature of a function.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FuncType {
    /// Parameters then results, in one allocation shared by clones.
    types: Arc<[ValType]>,
    num_params: usize,
}

impl FuncType {
    /// A signature from its parameter and result types.
    pub fn new(
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> Self {
        let mut types: alloc::vec::Vec<ValType> = params.into_iter().collect();
        let num_params = types.len();
        types.extend(results);
        Self {
            types: types.into(),
            num_params,
        }
    }

    /// The parameter types.
    pub fn params(&self) -> &[ValType] {
        &self.types[..self.num_params]
    }

    /// The result types.
    pub fn results(&self) -> &[ValType] {
        &self.types[self.num_params..]
    }
}

impl fmt::Debug for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(func")?;
        if !self.params().is_empty() {
            f.write_str(" (param")?;
            for p in self.params() {
                write!(f, " {p}")?;
            }
            f.write_str(")")?;
        }
        if !self.results().is_empty() {
            f.write_str(" (result")?;
            for r in self.results() {
                write!(f, " {r}")?;
            }
            f.write_str(")")?;
        }
        f.write_str(")")
    }
}

/// Size limits of a memory or table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    /// Initial size (pages for memories, elements for tables).
    pub min: u64,
    /// Largest size it may grow to, if bounded.
    pub max: Option<u64>,
}

impl Limits {
    /// Whether something with limits `self` may stand in for an import
    /// declaring `wanted` (the spec's import subtyping).
    pub(crate) fn matches(&self, wanted: &Limits) -> bool {
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

/// The type of a linear memory; sizes are in 64 KiB pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MemoryType {
    /// Page limits.
    pub limits: Limits,
    /// Whether addresses are 64-bit (memory64).
    pub memory64: bool,
    /// Whether the memory is shared between threads.
    pub shared: bool,
}

impl MemoryType {
    /// A 32-bit, unshared memory type.
    pub fn new(min: u32, max: Option<u32>) -> Self {
        Self {
            limits: Limits {
                min: min.into(),
                max: max.map(Into::into),
            },
            memory64: false,
            shared: false,
        }
    }
}

impl fmt::Display for MemoryType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(memory {})", self.limits)
    }
}

/// The type of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TableType {
    /// The element type: `FuncRef` or `ExternRef`.
    pub element: ValType,
    /// Element-count limits.
    pub limits: Limits,
}

impl TableType {
    /// A table type.
    pub fn new(element: ValType, min: u32, max: Option<u32>) -> Self {
        Self {
            element,
            limits: Limits {
                min: min.into(),
                max: max.map(Into::into),
            },
        }
    }
}

impl fmt::Display for TableType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(table {} {})", self.limits, self.element)
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
pub struct GlobalType {
    /// The value type.
    pub content: ValType,
    /// Whether it can be written.
    pub mutability: Mutability,
}

impl GlobalType {
    /// A global type.
    pub fn new(content: ValType, mutability: Mutability) -> Self {
        Self {
            content,
            mutability,
        }
    }
}

impl fmt::Display for GlobalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mutability {
            Mutability::Const => write!(f, "(global {})", self.content),
            Mutability::Var => write!(f, "(global (mut {}))", self.content),
        }
    }
}

/// The type of an import or export.
#[derive(Debug, Clone, PartialEq, Eq)]
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
