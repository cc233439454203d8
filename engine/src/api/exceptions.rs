//! Exception handling at the API: tags ([`Tag`]), references to thrown
//! exceptions ([`ExnRef`]), and the exceptions that travel between Wasm
//! and the host as [`Error::Exception`]: one no Wasm handler caught, which
//! the host may inspect, or one a host function throws into Wasm by
//! returning it.

use super::store::{AsContext, AsContextMut};
use super::types::{FuncType, TagType};
use super::values::{Stored, Val};
use crate::error::{Error, Result, ThrownException};
use crate::runtime::{StoreInner, TagEntity};
use alloc::sync::Arc;
use alloc::vec::Vec;

/// An exception tag. Tags are compared by identity: exceptions thrown with
/// one are caught only by handlers of that very tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag(pub(crate) Stored);

impl Tag {
    /// A new tag of type `ty`; its type must have no results.
    pub fn new(mut store: impl AsContextMut, ty: &TagType) -> Result<Tag> {
        let inner = store.as_context_mut().inner;
        let f = ty.ty();
        if !Arc::ptr_eq(&f.engine, &inner.engine) {
            return Err(Error::usage("a tag type of another engine was used"));
        }
        if !f.ty.results().is_empty() {
            return Err(Error::usage("a tag's function type must have no results"));
        }
        inner.tags.push(TagEntity {
            ty: f.id,
            sig: f.ty.clone(),
        });
        Ok(Tag(Stored::new(inner.id, inner.tags.len() as u32 - 1)))
    }

    /// Its type.
    pub fn ty(&self, store: impl AsContext) -> TagType {
        let inner = store.as_context().inner;
        let tag = &inner.tags[self.0.index_in(inner) as usize];
        TagType(FuncType {
            engine: inner.engine.clone(),
            id: tag.ty,
            ty: tag.sig.clone(),
        })
    }
}

/// A reference to a thrown exception (`exnref`), as `catch_ref` gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExnRef(pub(crate) Stored);

impl ExnRef {
    /// The exception's tag.
    pub fn tag(&self, store: impl AsContext) -> Tag {
        let inner = store.as_context().inner;
        let exn = inner.exceptions.get(self.0.index_in(inner));
        Tag(Stored::new(inner.id, exn.tag))
    }

    /// The exception's payload.
    pub fn payload(&self, store: impl AsContext) -> Vec<Val> {
        let inner = store.as_context().inner;
        payload_of(inner, self.0.index_in(inner))
    }
}

/// The payload of exception `index`, as values of its tag's types.
fn payload_of(inner: &StoreInner, index: u32) -> Vec<Val> {
    let exn = inner.exceptions.get(index);
    let sig = &inner.tags[exn.tag as usize].sig;
    super::values::vals_from_slots(sig.params(), &exn.payload, inner.id, &inner.engine.types)
}

impl ThrownException {
    /// A new exception of `tag` with `payload` (values of the tag's
    /// parameter types), for a host function to throw into Wasm by
    /// returning it (`Err(exception.into())`).
    pub fn new(
        mut store: impl AsContextMut,
        tag: &Tag,
        payload: &[Val],
    ) -> Result<ThrownException> {
        let inner = store.as_context_mut().inner;
        let t = tag.0.index_in(inner);
        let sig = inner.tags[t as usize].sig.clone();
        let raw = super::func::encode_vals(inner, "payload values", payload, sig.params())?;
        let index = inner.exceptions.alloc(t, raw.into());
        // The host holds it until it is thrown.
        inner.exceptions.mark_referenced(index);
        Ok(ThrownException {
            store: inner.id.raw(),
            index,
            tag: t,
        })
    }

    /// The exception's tag.
    ///
    /// # Panics
    /// If the exception belongs to another store.
    pub fn tag(&self, store: impl AsContext) -> Tag {
        let inner = store.as_context().inner;
        Tag(Stored::new(inner.id, self.checked(inner).1))
    }

    /// The exception's payload.
    ///
    /// # Panics
    /// If the exception belongs to another store.
    pub fn payload(&self, store: impl AsContext) -> Vec<Val> {
        let inner = store.as_context().inner;
        payload_of(inner, self.checked(inner).0)
    }

    /// A reference to the exception, as Wasm's `catch_ref` would give.
    pub fn to_exnref(&self, store: impl AsContext) -> ExnRef {
        let inner = store.as_context().inner;
        ExnRef(Stored::new(inner.id, self.checked(inner).0))
    }

    /// Its index and tag in `inner`, after checking it belongs there.
    fn checked(&self, inner: &StoreInner) -> (u32, u32) {
        assert!(
            self.store == inner.id.raw(),
            "an exception from one store was used with another store"
        );
        (self.index, self.tag)
    }
}

impl From<ThrownException> for Error {
    fn from(e: ThrownException) -> Self {
        Error::Exception(e)
    }
}
