//! Value types: numbers, vectors and references, with Wasm 3.0's heap
//! types (abstract and concrete).

use super::TypeId;
use core::fmt;

/// The type of a WebAssembly value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum ValType {
    I32,
    I64,
    F32,
    F64,
    V128,
    Ref(RefType),
}

/// A reference type: a heap type and whether null is a value of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct RefType {
    pub nullable: bool,
    pub heap: HeapType,
}

/// What a reference points at: an abstract heap type, or a concrete type
/// defined in a type section.
///
/// The abstract types form four hierarchies, each with a bottom type
/// below every other type of it (see `types::subtyping`): `func` (above
/// every concrete function type) with `nofunc`; `extern` with
/// `noextern`; `any` above `eq`, above `i31`, `struct` and `array` (and
/// the concrete struct and array types of GC, which Petrel does not have
/// yet) with `none`; and `exn` with `noexn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum HeapType {
    Func,
    NoFunc,
    Extern,
    NoExtern,
    Any,
    Eq,
    I31,
    Struct,
    Array,
    None,
    Exn,
    NoExn,
    /// A type defined in a type section.
    Concrete(TypeIndex),
}

/// How a concrete heap type names its type, which depends on where the
/// type is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum TypeIndex {
    /// An index into the module's type section: only in a module's types
    /// between decoding and registration (`ModuleInfo::register_types`).
    Module(u32),
    /// The engine-wide id: everywhere else (a registered module's types,
    /// entities, the registry's types, the public API).
    Engine(TypeId),
    /// An index within the type's own recursion group: only in the
    /// registry's keys, which makes equal groups of different modules
    /// equal (iso-recursive type equivalence).
    RecGroup(u32),
}

impl RefType {
    /// The reference type `wasmparser` decoded (concrete types by module
    /// type index), if Petrel supports it.
    pub fn from_wasmparser(r: wasmparser::RefType) -> Option<Self> {
        Some(RefType {
            nullable: r.is_nullable(),
            heap: HeapType::from_wasmparser(r.heap_type())?,
        })
    }

    /// `self` with every concrete type index replaced by `f` of it.
    pub fn map_index(self, f: &mut impl FnMut(TypeIndex) -> TypeIndex) -> Self {
        RefType {
            nullable: self.nullable,
            heap: self.heap.map_index(f),
        }
    }
}

impl HeapType {
    /// The heap type `wasmparser` decoded, if Petrel supports it: every
    /// unshared one but the exact types of the custom-descriptors
    /// proposal.
    pub fn from_wasmparser(h: wasmparser::HeapType) -> Option<Self> {
        use wasmparser::AbstractHeapType as A;
        Some(match h {
            wasmparser::HeapType::Abstract { shared: false, ty } => match ty {
                A::Func => HeapType::Func,
                A::NoFunc => HeapType::NoFunc,
                A::Extern => HeapType::Extern,
                A::NoExtern => HeapType::NoExtern,
                A::Any => HeapType::Any,
                A::Eq => HeapType::Eq,
                A::I31 => HeapType::I31,
                A::Struct => HeapType::Struct,
                A::Array => HeapType::Array,
                A::None => HeapType::None,
                A::Exn => HeapType::Exn,
                A::NoExn => HeapType::NoExn,
                A::Cont | A::NoCont => return None,
            },
            wasmparser::HeapType::Concrete(index) => {
                HeapType::Concrete(TypeIndex::Module(index.as_module_index()?))
            }
            _ => return None,
        })
    }

    /// `self` with a concrete type index replaced by `f` of it.
    pub fn map_index(self, f: &mut impl FnMut(TypeIndex) -> TypeIndex) -> Self {
        match self {
            HeapType::Concrete(i) => HeapType::Concrete(f(i)),
            other => other,
        }
    }
}

impl ValType {
    /// How many 64-bit slots a value of this type takes in the raw
    /// encoding every tier and the host boundary share: two for `v128`,
    /// one for everything else.
    pub const fn slots(self) -> usize {
        match self {
            ValType::V128 => 2,
            _ => 1,
        }
    }

    /// The value type `wasmparser` decoded, if Petrel supports it.
    pub fn from_wasmparser(ty: wasmparser::ValType) -> Option<Self> {
        use wasmparser::ValType as W;
        Some(match ty {
            W::I32 => ValType::I32,
            W::I64 => ValType::I64,
            W::F32 => ValType::F32,
            W::F64 => ValType::F64,
            W::V128 => ValType::V128,
            W::Ref(r) => ValType::Ref(RefType::from_wasmparser(r)?),
        })
    }

    /// `self` with every concrete type index replaced by `f` of it.
    pub fn map_index(self, f: &mut impl FnMut(TypeIndex) -> TypeIndex) -> Self {
        match self {
            ValType::Ref(r) => ValType::Ref(r.map_index(f)),
            other => other,
        }
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let short = match self.heap {
            HeapType::Func => "funcref",
            HeapType::NoFunc => "nullfuncref",
            HeapType::Extern => "externref",
            HeapType::NoExtern => "nullexternref",
            HeapType::Any => "anyref",
            HeapType::Eq => "eqref",
            HeapType::I31 => "i31ref",
            HeapType::Struct => "structref",
            HeapType::Array => "arrayref",
            HeapType::None => "nullref",
            HeapType::Exn => "exnref",
            HeapType::NoExn => "nullexnref",
            HeapType::Concrete(_) => "",
        };
        match (self.nullable, short) {
            (true, "") => write!(f, "(ref null {})", self.heap),
            (true, short) => f.write_str(short),
            (false, _) => write!(f, "(ref {})", self.heap),
        }
    }
}

impl fmt::Display for HeapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HeapType::Func => "func",
            HeapType::NoFunc => "nofunc",
            HeapType::Extern => "extern",
            HeapType::NoExtern => "noextern",
            HeapType::Any => "any",
            HeapType::Eq => "eq",
            HeapType::I31 => "i31",
            HeapType::Struct => "struct",
            HeapType::Array => "array",
            HeapType::None => "none",
            HeapType::Exn => "exn",
            HeapType::NoExn => "noexn",
            HeapType::Concrete(i) => return i.fmt(f),
        })
    }
}

impl fmt::Display for TypeIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeIndex::Module(i) => write!(f, "{i}"),
            TypeIndex::Engine(id) => write!(f, "$type{}", id.0),
            TypeIndex::RecGroup(i) => write!(f, "(rec {i})"),
        }
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValType::I32 => f.write_str("i32"),
            ValType::I64 => f.write_str("i64"),
            ValType::F32 => f.write_str("f32"),
            ValType::F64 => f.write_str("f64"),
            ValType::V128 => f.write_str("v128"),
            ValType::Ref(r) => r.fmt(f),
        }
    }
}
