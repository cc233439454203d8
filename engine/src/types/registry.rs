//! The engine-wide registry of function types: every distinct function
//! type gets one [`TypeId`], shared by every module and store of the
//! engine, so `call_indirect` and import matching compare two integers
//! and a module's type ids are computed once, when it is compiled, not at
//! each instantiation.
//!
//! Equality is structural today (Wasm 2.0 function types). Wasm 3.0's
//! recursion groups canonicalise whole groups iso-recursively here, and
//! subtyping adds a supertype table beside the types.
//!
//! Ids are never reused: the registry grows with the number of distinct
//! signatures the engine has seen, which real programs keep small.

use super::FuncType;
use crate::sync::Mutex;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// An engine-wide function type id. Transparent, so compiled code reads
/// an array of them as `u32`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub(crate) struct TypeId(pub u32);

/// Interns function types for one engine.
#[derive(Debug, Default)]
pub(crate) struct TypeRegistry {
    inner: Mutex<Interned>,
}

#[derive(Debug, Default)]
struct Interned {
    types: Vec<FuncType>,
    ids: BTreeMap<FuncType, TypeId>,
}

impl TypeRegistry {
    /// The id of `ty`, registering it if it is new.
    pub fn intern(&self, ty: &FuncType) -> TypeId {
        let mut reg = self.inner.lock();
        if let Some(id) = reg.ids.get(ty) {
            return *id;
        }
        let id = TypeId(reg.types.len() as u32);
        reg.types.push(ty.clone());
        reg.ids.insert(ty.clone(), id);
        id
    }
}
