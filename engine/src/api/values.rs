//! [`Val`], the boxed form of a WebAssembly value used at the API edge,
//! and its conversion to and from the raw 64-bit slot encoding the
//! interpreter runs on.
//!
//! Raw encoding: `i32`/`f32` in the low 32 bits (the high bits are not
//! significant), `i64`/`f64` in all 64; references are 0 for null, else a
//! store index plus one. A `v128` takes two slots, low half first; in a
//! list of raw values (arguments, results) each value takes
//! [`ValType::slots`] consecutive slots.

use super::exceptions::ExnRef;
use super::func::Func;
use super::store::AsContextMut;
use super::types::ValType;
use crate::runtime::{StoreId, StoreInner};
use crate::types::{self as internal, CompositeType, HeapType, TypeIndex, TypeRegistry};
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::any::Any;

/// A handle to something owned by a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Stored {
    pub store: StoreId,
    pub index: u32,
}

impl Stored {
    pub(crate) fn new(store: StoreId, index: u32) -> Self {
        Self { store, index }
    }

    /// The index, after checking the handle belongs to `inner`.
    pub(crate) fn index_in(&self, inner: &StoreInner) -> u32 {
        assert!(
            self.store == inner.id,
            "a handle from one store was used with another store"
        );
        self.index
    }
}

/// A reference to a host value, created with [`ExternRef::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExternRef(pub(crate) Stored);

impl ExternRef {
    /// Moves `value` into the store and returns a reference to it.
    pub fn new<T: Any + Send + Sync>(mut store: impl AsContextMut, value: T) -> Self {
        let inner = store.as_context_mut().inner;
        inner.externrefs.push(Box::new(value));
        ExternRef(Stored::new(inner.id, inner.externrefs.len() as u32 - 1))
    }

    /// The host value this refers to.
    pub fn data<'a, T: 'a>(
        &self,
        store: impl Into<super::store::StoreContext<'a, T>>,
    ) -> &'a (dyn Any + Send + Sync) {
        let inner = store.into().inner;
        &*inner.externrefs[self.0.index_in(inner) as usize]
    }

    /// Whether two references point to the same host value.
    pub fn ptr_eq(a: &ExternRef, b: &ExternRef) -> bool {
        a == b
    }
}

/// A reference of the `any` hierarchy (`anyref`, `eqref`, `i31ref`,
/// `structref`, `arrayref`). Petrel has no GC instructions yet, so no such
/// reference but null exists: this type has no values, and the only
/// [`Val::AnyRef`] is `Val::AnyRef(None)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnyRef {}

/// A WebAssembly value.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Val {
    /// A 32-bit integer.
    I32(i32),
    /// A 64-bit integer.
    I64(i64),
    /// A 32-bit float, as its bits (so NaN payloads survive).
    F32(u32),
    /// A 64-bit float, as its bits.
    F64(u64),
    /// A 128-bit vector.
    V128(u128),
    /// A function reference, or null.
    FuncRef(Option<Func>),
    /// An external reference, or null.
    ExternRef(Option<ExternRef>),
    /// A reference of the `any` hierarchy: only null (see [`AnyRef`]).
    AnyRef(Option<AnyRef>),
    /// A reference to a thrown exception, or null.
    ExnRef(Option<ExnRef>),
}

/// Which kind of [`Val`] holds references of a heap type.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RefKind {
    Func,
    Extern,
    Any,
    Exn,
}

fn ref_kind(heap: HeapType, types: &TypeRegistry) -> RefKind {
    match heap {
        HeapType::Concrete(TypeIndex::Engine(id)) => match types.get(id).composite {
            CompositeType::Func(_) => RefKind::Func,
            CompositeType::Struct(_) | CompositeType::Array(_) => RefKind::Any,
        },
        HeapType::Func | HeapType::Concrete(_) | HeapType::NoFunc => RefKind::Func,
        HeapType::Extern | HeapType::NoExtern => RefKind::Extern,
        HeapType::Exn | HeapType::NoExn => RefKind::Exn,
        _ => RefKind::Any,
    }
}

impl Val {
    /// The value's type.
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::FuncRef(_) => ValType::FUNCREF,
            Val::ExternRef(_) => ValType::EXTERNREF,
            Val::AnyRef(_) => ValType::ANYREF,
            Val::ExnRef(_) => ValType::EXNREF,
        }
    }

    /// The zero value (or null) of `ty`; for a non-nullable reference type
    /// (which has no default) the null of its hierarchy all the same.
    pub fn default_for(ty: &ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(0),
            ValType::Ref(r) => match r.heap_type() {
                super::types::HeapType::ConcreteFunc(f) => {
                    Val::null_of(r.heap_type().to_internal(), &f.engine.types)
                }
                // Abstract: no registry needed.
                _ => Val::null_of(r.heap_type().to_internal(), &TypeRegistry::default()),
            },
        }
    }

    /// The null reference of `heap`'s hierarchy.
    fn null_of(heap: HeapType, types: &TypeRegistry) -> Val {
        match ref_kind(heap, types) {
            RefKind::Func => Val::FuncRef(None),
            RefKind::Extern => Val::ExternRef(None),
            RefKind::Any => Val::AnyRef(None),
            RefKind::Exn => Val::ExnRef(None),
        }
    }

    /// Whether this is a null reference.
    pub fn is_null(&self) -> bool {
        matches!(
            self,
            Val::FuncRef(None) | Val::ExternRef(None) | Val::AnyRef(None) | Val::ExnRef(None)
        )
    }

    /// Whether the value is of type `ty` in `inner` (references must belong
    /// to it too): a function of a subtype of a concrete type, null only
    /// where the type is nullable.
    pub(crate) fn matches(&self, inner: &StoreInner, ty: internal::ValType) -> bool {
        use internal::ValType as T;
        let want = match (self, ty) {
            (Val::I32(_), T::I32)
            | (Val::I64(_), T::I64)
            | (Val::F32(_), T::F32)
            | (Val::F64(_), T::F64)
            | (Val::V128(_), T::V128) => return true,
            (_, T::Ref(r)) => r,
            _ => return false,
        };
        match self {
            _ if self.is_null() => {
                want.nullable && ref_kind(want.heap, &inner.engine.types) == Val::kind_of(self)
            }
            Val::FuncRef(Some(f)) => {
                let Some(entity) = inner.funcs.get(f.0.index as usize) else {
                    return false;
                };
                let have = HeapType::Concrete(TypeIndex::Engine(entity.type_id()));
                inner.engine.types.heap_matches(have, want.heap)
            }
            Val::ExternRef(Some(_)) => want.heap == HeapType::Extern,
            Val::ExnRef(Some(_)) => want.heap == HeapType::Exn,
            _ => false,
        }
    }

    fn kind_of(v: &Val) -> RefKind {
        match v {
            Val::ExternRef(_) => RefKind::Extern,
            Val::AnyRef(_) => RefKind::Any,
            Val::ExnRef(_) => RefKind::Exn,
            _ => RefKind::Func,
        }
    }

    /// The `i32`, if this is one.
    pub fn i32(&self) -> Option<i32> {
        match self {
            Val::I32(v) => Some(*v),
            _ => None,
        }
    }

    /// The `i64`, if this is one.
    pub fn i64(&self) -> Option<i64> {
        match self {
            Val::I64(v) => Some(*v),
            _ => None,
        }
    }

    /// The `f32`, if this is one.
    pub fn f32(&self) -> Option<f32> {
        match self {
            Val::F32(v) => Some(f32::from_bits(*v)),
            _ => None,
        }
    }

    /// The `f64`, if this is one.
    pub fn f64(&self) -> Option<f64> {
        match self {
            Val::F64(v) => Some(f64::from_bits(*v)),
            _ => None,
        }
    }

    /// The `v128`, if this is one.
    pub fn v128(&self) -> Option<u128> {
        match self {
            Val::V128(v) => Some(*v),
            _ => None,
        }
    }

    /// Whether the value can be used in `inner` (references must belong to
    /// it).
    pub(crate) fn belongs_to(&self, inner: &StoreInner) -> bool {
        match self {
            Val::FuncRef(Some(f)) => f.0.store == inner.id,
            Val::ExternRef(Some(r)) => r.0.store == inner.id,
            Val::AnyRef(Some(r)) => match *r {},
            Val::ExnRef(Some(r)) => r.0.store == inner.id,
            _ => true,
        }
    }

    /// The raw slot encoding of a one-slot value (any type but `v128`).
    /// The caller has checked [`Val::belongs_to`].
    pub(crate) fn to_raw(self) -> u64 {
        match self {
            Val::I32(v) => v as u32 as u64,
            Val::I64(v) => v as u64,
            Val::F32(v) => v as u64,
            Val::F64(v) => v,
            // Two slots: callers that may see a `v128` use `to_raw128` or
            // `write_slots`.
            Val::V128(v) => v as u64,
            Val::FuncRef(f) => f.map_or(0, |f| f.0.index as u64 + 1),
            Val::ExternRef(r) => r.map_or(0, |r| r.0.index as u64 + 1),
            Val::AnyRef(r) => r.map_or(0, |r| match r {}),
            Val::ExnRef(r) => r.map_or(0, |r| r.0.index as u64 + 1),
        }
    }

    /// The raw encoding widened to 128 bits (how a global holds it):
    /// a `v128` whole, every other value zero-extended from its slot.
    pub(crate) fn to_raw128(self) -> u128 {
        match self {
            Val::V128(v) => v,
            other => other.to_raw() as u128,
        }
    }

    /// Decodes a raw one-slot value of type `ty` (not `v128`) from store
    /// `store`.
    pub(crate) fn from_raw(
        raw: u64,
        ty: internal::ValType,
        store: StoreId,
        types: &TypeRegistry,
    ) -> Val {
        use internal::ValType as T;
        let stored = |raw: u64| Stored::new(store, (raw - 1) as u32);
        match ty {
            T::I32 => Val::I32(raw as u32 as i32),
            T::I64 => Val::I64(raw as i64),
            T::F32 => Val::F32(raw as u32),
            T::F64 => Val::F64(raw),
            T::V128 => Val::V128(raw as u128),
            T::Ref(r) => match ref_kind(r.heap, types) {
                RefKind::Func => Val::FuncRef((raw != 0).then(|| Func(stored(raw)))),
                RefKind::Extern => Val::ExternRef((raw != 0).then(|| ExternRef(stored(raw)))),
                // Nothing but null exists (see `AnyRef`).
                RefKind::Any => Val::AnyRef(None),
                RefKind::Exn => Val::ExnRef((raw != 0).then(|| ExnRef(stored(raw)))),
            },
        }
    }

    /// Decodes a raw value of type `ty` widened to 128 bits.
    pub(crate) fn from_raw128(
        raw: u128,
        ty: internal::ValType,
        store: StoreId,
        types: &TypeRegistry,
    ) -> Val {
        match ty {
            internal::ValType::V128 => Val::V128(raw),
            _ => Val::from_raw(raw as u64, ty, store, types),
        }
    }

    /// Writes the value's [`ValType::slots`] raw slots at the start of
    /// `out` and returns how many that was.
    pub(crate) fn write_slots(self, out: &mut [u64]) -> usize {
        match self {
            Val::V128(v) => {
                out[0] = v as u64;
                out[1] = (v >> 64) as u64;
                2
            }
            other => {
                out[0] = other.to_raw();
                1
            }
        }
    }

    /// Decodes a value of type `ty` from the raw slots at the start of
    /// `slots`.
    pub(crate) fn from_slots(
        slots: &[u64],
        ty: internal::ValType,
        store: StoreId,
        types: &TypeRegistry,
    ) -> Val {
        match ty {
            internal::ValType::V128 => Val::V128(slots[0] as u128 | (slots[1] as u128) << 64),
            _ => Val::from_raw(slots[0], ty, store, types),
        }
    }
}

/// Decodes values of `types` from consecutive raw slots.
pub(crate) fn vals_from_slots(
    types: &[internal::ValType],
    slots: &[u64],
    store: StoreId,
    registry: &TypeRegistry,
) -> Vec<Val> {
    let mut at = 0;
    types
        .iter()
        .map(|&t| {
            let v = Val::from_slots(&slots[at..], t, store, registry);
            at += t.slots();
            v
        })
        .collect()
}

impl From<i32> for Val {
    fn from(v: i32) -> Val {
        Val::I32(v)
    }
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::I64(v)
    }
}

impl From<f32> for Val {
    fn from(v: f32) -> Val {
        Val::F32(v.to_bits())
    }
}

impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::F64(v.to_bits())
    }
}

impl From<u128> for Val {
    fn from(v: u128) -> Val {
        Val::V128(v)
    }
}

/// One raw value slot, as host functions made with
/// [`Func::new_unchecked`](crate::Func::new_unchecked) read their
/// arguments and write their results: the engine's own encoding, with no
/// type attached. A number takes one slot; a `v128` takes two, low half
/// first; a reference is a handle of the store it lives in (null is 0).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct ValRaw(u64);

impl ValRaw {
    /// An `i32`.
    pub fn i32(v: i32) -> Self {
        ValRaw(v as u32 as u64)
    }

    /// An `i64`.
    pub fn i64(v: i64) -> Self {
        ValRaw(v as u64)
    }

    /// An `f32`, by its bits.
    pub fn f32(bits: u32) -> Self {
        ValRaw(bits as u64)
    }

    /// An `f64`, by its bits.
    pub fn f64(bits: u64) -> Self {
        ValRaw(bits)
    }

    /// A `v128`'s two slots, low half first.
    pub fn v128(v: u128) -> [Self; 2] {
        [ValRaw(v as u64), ValRaw((v >> 64) as u64)]
    }

    /// A `funcref` (null for `None`). It must belong to the store the
    /// value goes to.
    pub fn funcref(f: Option<Func>) -> Self {
        ValRaw(f.map_or(0, |f| f.0.index as u64 + 1))
    }

    /// An `externref` (null for `None`). It must belong to the store the
    /// value goes to.
    pub fn externref(r: Option<ExternRef>) -> Self {
        ValRaw(r.map_or(0, |r| r.0.index as u64 + 1))
    }

    /// The slot read as an `i32`.
    pub fn get_i32(self) -> i32 {
        self.0 as u32 as i32
    }

    /// The slot read as an `i64`.
    pub fn get_i64(self) -> i64 {
        self.0 as i64
    }

    /// The slot read as an `f32`'s bits.
    pub fn get_f32(self) -> u32 {
        self.0 as u32
    }

    /// The slot read as an `f64`'s bits.
    pub fn get_f64(self) -> u64 {
        self.0
    }

    /// A `v128` from its two slots, low half first.
    pub fn get_v128(lo: Self, hi: Self) -> u128 {
        lo.0 as u128 | (hi.0 as u128) << 64
    }

    /// The slot read as a `funcref` of `store`'s (`None` if null).
    pub fn get_funcref(self, store: impl super::store::AsContext) -> Option<Func> {
        let id = store.as_context().inner.id;
        (self.0 != 0).then(|| Func(Stored::new(id, (self.0 - 1) as u32)))
    }

    /// The slot read as an `externref` of `store`'s (`None` if null).
    pub fn get_externref(self, store: impl super::store::AsContext) -> Option<ExternRef> {
        let id = store.as_context().inner.id;
        (self.0 != 0).then(|| ExternRef(Stored::new(id, (self.0 - 1) as u32)))
    }
}
