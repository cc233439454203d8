//! Subtyping (Wasm 3.0): when a value, reference or heap type may stand
//! in for another. Concrete types must be written as engine ids (a
//! registered module's types, entities, the API); declared subtyping
//! between them is the registry's.

use super::{CompositeType, HeapType, RefType, TypeIndex, TypeRegistry, ValType};

/// The four hierarchies of heap types; types of different ones are never
/// related.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hierarchy {
    Func,
    Extern,
    Any,
    Exn,
}

fn abstract_hierarchy(h: HeapType) -> Option<Hierarchy> {
    Some(match h {
        HeapType::Func | HeapType::NoFunc => Hierarchy::Func,
        HeapType::Extern | HeapType::NoExtern => Hierarchy::Extern,
        HeapType::Any
        | HeapType::Eq
        | HeapType::I31
        | HeapType::Struct
        | HeapType::Array
        | HeapType::None => Hierarchy::Any,
        HeapType::Exn | HeapType::NoExn => Hierarchy::Exn,
        HeapType::Concrete(_) => return None,
    })
}

/// Whether heap type `a` is a subtype of `b`, where `hierarchy` names a
/// concrete type's hierarchy and `sub` relates two concrete types.
fn heap_matches_by(
    a: HeapType,
    b: HeapType,
    hierarchy: impl Fn(HeapType) -> Hierarchy,
    sub: impl Fn(TypeIndex, TypeIndex) -> bool,
) -> bool {
    use HeapType as H;
    if a == b {
        return true;
    }
    match (a, b) {
        (H::Concrete(x), H::Concrete(y)) => sub(x, y),
        // A bottom type is below everything of its hierarchy.
        (H::NoFunc | H::NoExtern | H::None | H::NoExn, b) => hierarchy(a) == hierarchy(b),
        // Every concrete function type is below `func`.
        (H::Concrete(_), H::Func) => hierarchy(a) == Hierarchy::Func,
        (H::I31 | H::Struct | H::Array, H::Eq | H::Any) | (H::Eq, H::Any) => true,
        _ => false,
    }
}

/// Whether heap type `a` is a subtype of `b` when the concrete types among
/// them are function types and none is below another (what the public
/// API knows without its engine).
pub(crate) fn heap_matches_funcs(a: HeapType, b: HeapType) -> bool {
    heap_matches_by(
        a,
        b,
        |h| abstract_hierarchy(h).unwrap_or(Hierarchy::Func),
        |x, y| x == y,
    )
}

impl TypeRegistry {
    fn hierarchy(&self, h: HeapType) -> Hierarchy {
        if let Some(hierarchy) = abstract_hierarchy(h) {
            return hierarchy;
        }
        match h {
            HeapType::Concrete(TypeIndex::Engine(id)) => match self.get(id).composite {
                CompositeType::Func(_) => Hierarchy::Func,
            },
            // Only reached with a type not yet registered, a bug.
            _ => Hierarchy::Func,
        }
    }

    /// Whether heap type `a` is a subtype of `b`.
    pub fn heap_matches(&self, a: HeapType, b: HeapType) -> bool {
        heap_matches_by(
            a,
            b,
            |h| self.hierarchy(h),
            |x, y| match (x, y) {
                (TypeIndex::Engine(x), TypeIndex::Engine(y)) => self.is_subtype(x, y),
                _ => x == y,
            },
        )
    }

    /// Whether reference type `a` is a subtype of `b`.
    pub fn ref_matches(&self, a: RefType, b: RefType) -> bool {
        (b.nullable || !a.nullable) && self.heap_matches(a.heap, b.heap)
    }

    /// Whether value type `a` is a subtype of `b`.
    pub fn val_matches(&self, a: ValType, b: ValType) -> bool {
        match (a, b) {
            (ValType::Ref(a), ValType::Ref(b)) => self.ref_matches(a, b),
            _ => a == b,
        }
    }
}
