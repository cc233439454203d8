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

/// What a concrete type is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Func,
    Struct,
    Array,
}

impl Kind {
    fn hierarchy(self) -> Hierarchy {
        match self {
            Kind::Func => Hierarchy::Func,
            Kind::Struct | Kind::Array => Hierarchy::Any,
        }
    }
}

/// Whether heap type `a` is a subtype of `b`, where `kind` says what a
/// concrete type is and `sub` relates two concrete types.
fn heap_matches_by(
    a: HeapType,
    b: HeapType,
    kind: impl Fn(TypeIndex) -> Kind,
    sub: impl Fn(TypeIndex, TypeIndex) -> bool,
) -> bool {
    use HeapType as H;
    if a == b {
        return true;
    }
    let hierarchy = |h: HeapType| match h {
        H::Concrete(i) => kind(i).hierarchy(),
        h => abstract_hierarchy(h).unwrap_or(Hierarchy::Func),
    };
    match (a, b) {
        (H::Concrete(x), H::Concrete(y)) => sub(x, y),
        // A bottom type is below everything of its hierarchy.
        (H::NoFunc | H::NoExtern | H::None | H::NoExn, b) => hierarchy(a) == hierarchy(b),
        // A concrete type is below the abstract type of its kind, and
        // structs and arrays below `eq` and `any`.
        (H::Concrete(x), b) => matches!(
            (kind(x), b),
            (Kind::Func, H::Func)
                | (Kind::Struct, H::Struct | H::Eq | H::Any)
                | (Kind::Array, H::Array | H::Eq | H::Any)
        ),
        (H::I31 | H::Struct | H::Array, H::Eq | H::Any) | (H::Eq, H::Any) => true,
        _ => false,
    }
}

/// Whether heap type `a` is a subtype of `b` when the concrete types among
/// them are function types and none is below another (what the public
/// API knows without its engine).
pub(crate) fn heap_matches_funcs(a: HeapType, b: HeapType) -> bool {
    heap_matches_by(a, b, |_| Kind::Func, |x, y| x == y)
}

impl TypeRegistry {
    fn kind(&self, i: TypeIndex) -> Kind {
        match i {
            TypeIndex::Engine(id) => match self.get(id).composite {
                CompositeType::Func(_) => Kind::Func,
                CompositeType::Struct(_) => Kind::Struct,
                CompositeType::Array(_) => Kind::Array,
            },
            // Only reached with a type not yet registered, a bug.
            _ => Kind::Func,
        }
    }

    /// Whether heap type `a` is a subtype of `b`.
    pub fn heap_matches(&self, a: HeapType, b: HeapType) -> bool {
        heap_matches_by(
            a,
            b,
            |i| self.kind(i),
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
