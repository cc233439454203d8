//! Defined types as the type section declares them: a composite type
//! (function, struct or array) with its finality and declared supertype,
//! grouped in recursion groups.

use super::{FuncType, TypeIndex, ValType};
use alloc::boxed::Box;

/// The structure of a defined type. Struct and array types (GC) take part
/// in the type system (canonicalisation, subtyping, signatures) but no
/// instruction creates their values yet, so a reference to one is null.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum CompositeType {
    Func(FuncType),
    Struct(Box<[FieldType]>),
    Array(FieldType),
}

/// A field of a struct, or an array's element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct FieldType {
    pub storage: StorageType,
    pub mutable: bool,
}

/// What a field stores: a value, or a packed integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum StorageType {
    I8,
    I16,
    Val(ValType),
}

impl FieldType {
    fn map_index(self, f: &mut impl FnMut(TypeIndex) -> TypeIndex) -> Self {
        FieldType {
            storage: match self.storage {
                StorageType::Val(t) => StorageType::Val(t.map_index(f)),
                packed => packed,
            },
            mutable: self.mutable,
        }
    }
}

/// A defined type: `(sub final? $super? composite)`. A type declared
/// without `sub` is final with no supertype.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct SubType {
    /// Whether no type may declare this one as its supertype.
    pub is_final: bool,
    /// The declared supertype, if any.
    pub supertype: Option<TypeIndex>,
    pub composite: CompositeType,
}

impl SubType {
    /// A final function type without a supertype (what `(type (func))`
    /// declares, and what a host function's type is).
    pub fn func(ty: FuncType) -> Self {
        SubType {
            is_final: true,
            supertype: None,
            composite: CompositeType::Func(ty),
        }
    }

    /// The function type, if this is one.
    pub fn as_func(&self) -> Option<&FuncType> {
        match &self.composite {
            CompositeType::Func(f) => Some(f),
            _ => None,
        }
    }

    /// `self` with every concrete type index replaced by `f` of it.
    pub fn map_index(&self, f: &mut impl FnMut(TypeIndex) -> TypeIndex) -> Self {
        SubType {
            is_final: self.is_final,
            supertype: self.supertype.map(&mut *f),
            composite: match &self.composite {
                CompositeType::Func(ty) => CompositeType::Func(ty.map_index(f)),
                CompositeType::Struct(fields) => {
                    CompositeType::Struct(fields.iter().map(|t| t.map_index(f)).collect())
                }
                CompositeType::Array(field) => CompositeType::Array(field.map_index(f)),
            },
        }
    }
}
