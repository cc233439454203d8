//! The engine-wide registry of defined types: every distinct type gets
//! one [`TypeId`], shared by every module and store of the engine, so
//! `call_indirect` and import matching compare two integers and a
//! module's type ids are computed once, when it is compiled, not at each
//! instantiation.
//!
//! Types are registered a recursion group at a time and are equal when
//! their groups are (iso-recursive equivalence, the rule of Wasm 3.0): a
//! group's key writes references to its own members as indices within
//! the group ([`TypeIndex::RecGroup`]) and references to earlier types as
//! their engine ids, so two modules that declare the same group, however
//! their type sections differ around it, get the same ids for it. A type
//! declared alone (`(type (func))`) is a group of one, which makes the
//! Wasm 2.0 rule (structural equality of function types) a special case.
//!
//! Subtyping between defined types is declared (`sub $super`), so a type
//! is a subtype of another when the other is on its chain of declared
//! supertypes; [`TypeRegistry::is_subtype`] walks it. The heap type
//! lattice around it is in `subtyping.rs`.
//!
//! Ids are never reused: the registry grows with the number of distinct
//! types the engine has seen, which real programs keep small.

use super::{FuncType, SubType, TypeIndex};
use crate::sync::Mutex;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::ops::Range;

/// An engine-wide type id. Transparent, so compiled code reads an array
/// of them as `u32`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub(crate) struct TypeId(pub u32);

/// Interns defined types for one engine.
#[derive(Debug, Default)]
pub(crate) struct TypeRegistry {
    inner: Mutex<Interned>,
}

#[derive(Debug, Default)]
struct Interned {
    /// Every registered type by id, concrete types as engine ids.
    types: Vec<SubType>,
    /// Each distinct group's key (see the module docs) and the id of its
    /// first member; the others follow it.
    groups: BTreeMap<Vec<SubType>, TypeId>,
}

impl TypeRegistry {
    /// Registers a module's types: `types` in the order of its type
    /// section, concrete types written as module indices, partitioned in
    /// order by `groups` (its recursion groups). Returns each type's id.
    ///
    /// The types must be valid: a type refers only to earlier types and
    /// members of its own group.
    pub fn register(&self, types: &[SubType], groups: &[Range<u32>]) -> Vec<TypeId> {
        let mut reg = self.inner.lock();
        let mut ids: Vec<TypeId> = Vec::with_capacity(types.len());
        for group in groups {
            let start = group.start;
            let key: Vec<SubType> = types[start as usize..group.end as usize]
                .iter()
                .map(|t| {
                    t.map_index(&mut |i| match i {
                        TypeIndex::Module(m) if m >= start => TypeIndex::RecGroup(m - start),
                        TypeIndex::Module(m) => TypeIndex::Engine(ids[m as usize]),
                        other => other,
                    })
                })
                .collect();
            let first = reg.intern_group(key);
            ids.extend((0..group.end - start).map(|k| TypeId(first.0 + k)));
        }
        ids
    }

    /// The id of a final function type without a supertype (a host
    /// function's), concrete types in it written as engine ids.
    pub fn intern_func(&self, ty: &FuncType) -> TypeId {
        self.inner
            .lock()
            .intern_group(alloc::vec![SubType::func(ty.clone())])
    }

    /// Type `id`, concrete types in it as engine ids.
    pub fn get(&self, id: TypeId) -> SubType {
        self.inner.lock().types[id.0 as usize].clone()
    }

    /// Whether the type with id `sub` is `sup` or declares it, directly or
    /// through its supertypes, as a supertype.
    pub fn is_subtype(&self, sub: TypeId, sup: TypeId) -> bool {
        if sub == sup {
            return true;
        }
        let reg = self.inner.lock();
        let mut at = sub;
        loop {
            match reg.types[at.0 as usize].supertype {
                Some(TypeIndex::Engine(s)) if s == sup => return true,
                Some(TypeIndex::Engine(s)) => at = s,
                _ => return false,
            }
        }
    }
}

impl Interned {
    /// The id of the first member of the group with `key`, registering
    /// the group if it is new.
    fn intern_group(&mut self, key: Vec<SubType>) -> TypeId {
        if let Some(first) = self.groups.get(&key) {
            return *first;
        }
        let first = TypeId(self.types.len() as u32);
        for ty in &key {
            let ty = ty.map_index(&mut |i| match i {
                TypeIndex::RecGroup(k) => TypeIndex::Engine(TypeId(first.0 + k)),
                other => other,
            });
            self.types.push(ty);
        }
        self.groups.insert(key, first);
        first
    }
}
