//! Value types: numbers, vectors and references.

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

/// What a reference points at. Wasm 2.0 has the two abstract heap types
/// below; typed function references and GC add concrete and further
/// abstract ones here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum HeapType {
    Func,
    Extern,
}

impl RefType {
    /// `funcref`: `(ref null func)`.
    pub const FUNCREF: RefType = RefType {
        nullable: true,
        heap: HeapType::Func,
    };
    /// `externref`: `(ref null extern)`.
    pub const EXTERNREF: RefType = RefType {
        nullable: true,
        heap: HeapType::Extern,
    };

    /// The reference type `wasmparser` decoded, if Petrel supports it.
    pub fn from_wasmparser(r: wasmparser::RefType) -> Option<Self> {
        if r == wasmparser::RefType::FUNCREF {
            Some(RefType::FUNCREF)
        } else if r == wasmparser::RefType::EXTERNREF {
            Some(RefType::EXTERNREF)
        } else {
            None
        }
    }
}

impl ValType {
    /// `funcref`.
    pub const FUNCREF: ValType = ValType::Ref(RefType::FUNCREF);
    /// `externref`.
    pub const EXTERNREF: ValType = ValType::Ref(RefType::EXTERNREF);

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
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.nullable, self.heap) {
            (true, HeapType::Func) => f.write_str("funcref"),
            (true, HeapType::Extern) => f.write_str("externref"),
            (false, heap) => write!(f, "(ref {heap})"),
        }
    }
}

impl fmt::Display for HeapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HeapType::Func => "func",
            HeapType::Extern => "extern",
        })
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
