//! Defined types as the type section declares them: a composite type
//! (a function type; GC adds struct and array types here) with its
//! finality and declared supertype, grouped in recursion groups.

use super::{FuncType, TypeIndex};

/// The structure of a defined type. Only function types exist until
/// Petrel has GC; its struct and array types become variants here, and
/// everything that walks types (`map_index`, subtyping) matches on it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum CompositeType {
    Func(FuncType),
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
        }
    }

    /// `self` with every concrete type index replaced by `f` of it.
    pub fn map_index(&self, f: &mut impl FnMut(TypeIndex) -> TypeIndex) -> Self {
        SubType {
            is_final: self.is_final,
            supertype: self.supertype.map(&mut *f),
            composite: match &self.composite {
                CompositeType::Func(ty) => CompositeType::Func(ty.map_index(f)),
            },
        }
    }
}
