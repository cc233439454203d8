//! [`Memory`], [`Table`] and [`Global`] handles, and [`Extern`], the sum
//! of everything an instance imports or exports.

use super::exceptions::Tag;
use super::func::{check_raw_val, Func};
use super::store::{AsContext, AsContextMut, StoreContext, StoreContextMut};
use super::types::{ExternType, GlobalType, HeapType, MemoryType, Mutability, TableType, ValType};
use super::values::{Stored, Val};
use crate::error::{Error, Limit, Result, TrapCode};
use crate::runtime::{
    bulk, instance, EntityRef, GlobalEntity, MemoryEntity, StoreId, StoreInner, TableEntity,
};
use alloc::sync::Arc;

/// Anything an instance can import or export.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A table.
    Table(Table),
    /// A linear memory.
    Memory(Memory),
    /// A global.
    Global(Global),
    /// An exception tag.
    Tag(Tag),
    /// A shared linear memory (the threads proposal): not tied to a
    /// store, so it can be imported in any store of its engine.
    #[cfg(feature = "std")]
    SharedMemory(super::shared_memory::SharedMemory),
}

impl Extern {
    /// The function, if this is one.
    pub fn into_func(self) -> Option<Func> {
        match self {
            Extern::Func(f) => Some(f),
            _ => None,
        }
    }

    /// The memory, if this is one.
    pub fn into_memory(self) -> Option<Memory> {
        match self {
            Extern::Memory(m) => Some(m),
            _ => None,
        }
    }

    /// The table, if this is one.
    pub fn into_table(self) -> Option<Table> {
        match self {
            Extern::Table(t) => Some(t),
            _ => None,
        }
    }

    /// The global, if this is one.
    pub fn into_global(self) -> Option<Global> {
        match self {
            Extern::Global(g) => Some(g),
            _ => None,
        }
    }

    /// The shared memory, if this is one.
    #[cfg(feature = "std")]
    pub fn into_shared_memory(self) -> Option<super::shared_memory::SharedMemory> {
        match self {
            Extern::SharedMemory(m) => Some(m),
            _ => None,
        }
    }

    /// The tag, if this is one.
    pub fn into_tag(self) -> Option<Tag> {
        match self {
            Extern::Tag(t) => Some(t),
            _ => None,
        }
    }

    /// Its type.
    pub fn ty(&self, store: impl AsContext) -> ExternType {
        let ctx = store.as_context();
        self.ty_in(ctx.inner)
    }

    pub(crate) fn ty_in(&self, inner: &StoreInner) -> ExternType {
        let entity = match self {
            Extern::Func(f) => EntityRef::Func(f.0.index_in(inner)),
            Extern::Table(t) => EntityRef::Table(t.0.index_in(inner)),
            Extern::Memory(m) => EntityRef::Memory(m.0.index_in(inner)),
            Extern::Global(g) => EntityRef::Global(g.0.index_in(inner)),
            Extern::Tag(t) => EntityRef::Tag(t.0.index_in(inner)),
            #[cfg(feature = "std")]
            Extern::SharedMemory(m) => {
                return ExternType::from_internal(
                    crate::types::ExternType::Memory(m.ty().0),
                    &inner.engine,
                )
            }
        };
        ExternType::from_internal(inner.entity_type(entity), &inner.engine)
    }

    /// The store entity behind the handle in `inner` (its store is not
    /// checked): for a shared memory, the store's entity for it, made on
    /// its first use in this store.
    pub(crate) fn to_entity(&self, inner: &mut StoreInner) -> Result<EntityRef> {
        #[cfg(not(feature = "std"))]
        let _ = inner;
        Ok(match self {
            Extern::Func(x) => EntityRef::Func(x.0.index),
            Extern::Table(x) => EntityRef::Table(x.0.index),
            Extern::Memory(x) => EntityRef::Memory(x.0.index),
            Extern::Global(x) => EntityRef::Global(x.0.index),
            Extern::Tag(x) => EntityRef::Tag(x.0.index),
            #[cfg(feature = "std")]
            Extern::SharedMemory(m) => {
                // Another engine's memory will do unless this engine's
                // compiled code leans on guard pages the memory lacks.
                if inner.engine.memory == crate::runtime::MemoryStrategy::Guarded && !m.0.guarded {
                    return Err(Error::usage(
                        "this shared memory has no guard pages, which this engine's compiled \
                         code needs: create it with an engine of the same settings",
                    ));
                }
                let known = inner
                    .memories
                    .iter()
                    .position(|e| e.shared().is_some_and(|s| Arc::ptr_eq(s, &m.0)));
                let index = match known {
                    Some(i) => i,
                    None => {
                        inner
                            .memories
                            .push(MemoryEntity::from_shared(m.0.clone(), None));
                        inner.memories.len() - 1
                    }
                };
                EntityRef::Memory(index as u32)
            }
        })
    }

    /// A handle to entity `entity` of store `inner`: a shared memory's
    /// entity comes back as [`Extern::SharedMemory`].
    pub(crate) fn from_entity_in(inner: &StoreInner, entity: EntityRef) -> Extern {
        #[cfg(feature = "std")]
        if let EntityRef::Memory(i) = entity {
            if let Some(shared) = inner.memories[i as usize].shared() {
                return Extern::SharedMemory(super::shared_memory::SharedMemory(shared.clone()));
            }
        }
        Self::from_entity(inner.id, entity)
    }

    /// A handle to entity `entity` of store `store`.
    pub(crate) fn from_entity(store: StoreId, entity: EntityRef) -> Extern {
        match entity {
            EntityRef::Func(i) => Extern::Func(Func(Stored::new(store, i))),
            EntityRef::Table(i) => Extern::Table(Table(Stored::new(store, i))),
            EntityRef::Memory(i) => Extern::Memory(Memory(Stored::new(store, i))),
            EntityRef::Global(i) => Extern::Global(Global(Stored::new(store, i))),
            EntityRef::Tag(i) => Extern::Tag(Tag(Stored::new(store, i))),
        }
    }

    /// The store the handle belongs to; `None` for a shared memory, which
    /// belongs to none.
    pub(crate) fn store_id(&self) -> Option<StoreId> {
        Some(match self {
            Extern::Func(x) => x.0.store,
            Extern::Table(x) => x.0.store,
            Extern::Memory(x) => x.0.store,
            Extern::Global(x) => x.0.store,
            Extern::Tag(x) => x.0.store,
            #[cfg(feature = "std")]
            Extern::SharedMemory(_) => return None,
        })
    }
}

impl From<Func> for Extern {
    fn from(f: Func) -> Self {
        Extern::Func(f)
    }
}

impl From<Tag> for Extern {
    fn from(t: Tag) -> Self {
        Extern::Tag(t)
    }
}
impl From<Memory> for Extern {
    fn from(m: Memory) -> Self {
        Extern::Memory(m)
    }
}
impl From<Table> for Extern {
    fn from(t: Table) -> Self {
        Extern::Table(t)
    }
}
impl From<Global> for Extern {
    fn from(g: Global) -> Self {
        Extern::Global(g)
    }
}
#[cfg(feature = "std")]
impl From<super::shared_memory::SharedMemory> for Extern {
    fn from(m: super::shared_memory::SharedMemory) -> Self {
        Extern::SharedMemory(m)
    }
}

/// A linear memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Memory(pub(crate) Stored);

impl Memory {
    /// Creates a memory in the store.
    pub fn new(mut store: impl AsContextMut, ty: MemoryType) -> Result<Memory> {
        if ty.0.shared {
            return Err(Error::usage(
                "a shared memory belongs to no store: use SharedMemory::new",
            ));
        }
        let ctx = store.as_context_mut();
        let data = ctx.data as *mut _ as *mut ();
        let inner = ctx.inner;
        inner.check_counts(data, 0, 1, 0)?;
        let mem = instance::new_memory(inner, data, ty.0)?;
        inner.memories.push(mem);
        Ok(Memory(Stored::new(
            inner.id,
            inner.memories.len() as u32 - 1,
        )))
    }

    fn entity<'a>(&self, inner: &'a StoreInner) -> &'a MemoryEntity {
        &inner.memories[self.0.index_in(inner) as usize]
    }

    fn entity_mut<'a>(&self, inner: &'a mut StoreInner) -> &'a mut MemoryEntity {
        let i = self.0.index_in(inner) as usize;
        &mut inner.memories[i]
    }

    /// Its type, with the current size as the minimum.
    pub fn ty(&self, store: impl AsContext) -> MemoryType {
        MemoryType(self.entity(store.as_context().inner).current_ty())
    }

    /// Current size in pages (of 64 KiB unless the module declared another
    /// [`page_size`](MemoryType::page_size)).
    pub fn size(&self, store: impl AsContext) -> u64 {
        self.entity(store.as_context().inner).pages()
    }

    /// Current size in bytes.
    pub fn data_size(&self, store: impl AsContext) -> usize {
        self.entity(store.as_context().inner).len()
    }

    /// The memory's bytes.
    pub fn data<'a, T: 'a>(&self, store: impl Into<StoreContext<'a, T>>) -> &'a [u8] {
        let ctx = store.into();
        self.entity(ctx.inner).bytes()
    }

    /// The memory's bytes, mutably.
    pub fn data_mut<'a, T: 'a>(&self, store: impl Into<StoreContextMut<'a, T>>) -> &'a mut [u8] {
        let ctx = store.into();
        self.entity_mut(ctx.inner).bytes_mut()
    }

    /// The memory's bytes and the store's data, both mutably: what a host
    /// function needs to read guest memory while updating its own state.
    pub fn data_and_store_mut<'a, T: 'a>(
        &self,
        store: impl Into<StoreContextMut<'a, T>>,
    ) -> (&'a mut [u8], &'a mut T) {
        let ctx = store.into();
        (self.entity_mut(ctx.inner).bytes_mut(), ctx.data)
    }

    /// Copies `buf.len()` bytes at `offset` into `buf`.
    pub fn read(&self, store: impl AsContext, offset: usize, buf: &mut [u8]) -> Result<()> {
        let ctx = store.as_context();
        let data = self.entity(ctx.inner).bytes();
        let src = offset
            .checked_add(buf.len())
            .and_then(|end| data.get(offset..end))
            .ok_or(TrapCode::MemoryOutOfBounds)?;
        buf.copy_from_slice(src);
        Ok(())
    }

    /// Copies `buf` into the memory at `offset`.
    pub fn write(&self, mut store: impl AsContextMut, offset: usize, buf: &[u8]) -> Result<()> {
        let ctx = store.as_context_mut();
        let data = self.entity_mut(ctx.inner).bytes_mut();
        let dst = offset
            .checked_add(buf.len())
            .and_then(|end| data.get_mut(offset..end))
            .ok_or(TrapCode::MemoryOutOfBounds)?;
        dst.copy_from_slice(buf);
        Ok(())
    }

    /// Grows by `delta` pages (of its page size) and returns the old size
    /// in pages.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64) -> Result<u64> {
        let ctx = store.as_context_mut();
        let data = ctx.data as *mut _ as *mut ();
        let inner = ctx.inner;
        let m = self.0.index_in(inner) as usize;
        bulk::grow_memory(inner, data, m, delta)?.ok_or_else(|| {
            Error::limit(
                Limit::MemorySize,
                "memory could not grow: over its maximum, the store's limit, or out of host memory",
            )
        })
    }
}

/// A table of references.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table(pub(crate) Stored);

impl Table {
    /// Creates a table filled with `init`.
    pub fn new(mut store: impl AsContextMut, ty: TableType, init: Val) -> Result<Table> {
        let ctx = store.as_context_mut();
        let data = ctx.data as *mut _ as *mut ();
        let inner = ctx.inner;
        check_engine(inner, ty.element().heap_type())?;
        check_val(inner, &init, &ValType::Ref(ty.element().clone()))?;
        inner.check_counts(data, 0, 0, 1)?;
        let max = inner.engine.config.max_table_elements;
        let table = instance::new_table(inner, data, ty.ty, init.to_raw(), max)?;
        inner.tables.push(table);
        Ok(Table(Stored::new(inner.id, inner.tables.len() as u32 - 1)))
    }

    fn entity<'a>(&self, inner: &'a StoreInner) -> &'a TableEntity {
        &inner.tables[self.0.index_in(inner) as usize]
    }

    /// Its element type.
    fn element(inner: &StoreInner, i: usize) -> ValType {
        ValType::from_internal(
            crate::types::ValType::Ref(inner.tables[i].ty.element),
            &inner.engine,
        )
    }

    /// Its element type, as the raw encoding knows it.
    fn raw_element(inner: &StoreInner, i: usize) -> crate::types::ValType {
        crate::types::ValType::Ref(inner.tables[i].ty.element)
    }

    /// Its type, with the current size as the minimum.
    pub fn ty(&self, store: impl AsContext) -> TableType {
        let inner = store.as_context().inner;
        TableType::from_internal(self.entity(inner).ty, &inner.engine)
    }

    /// Current number of elements.
    pub fn size(&self, store: impl AsContext) -> u64 {
        self.entity(store.as_context().inner).size()
    }

    /// The element at `index`, or `None` when out of bounds.
    pub fn get(&self, store: impl AsContext, index: u64) -> Option<Val> {
        let inner = store.as_context().inner;
        let i = self.0.index_in(inner) as usize;
        let raw = inner.tables[i].get(index)?;
        Some(Val::from_raw(
            raw,
            Self::raw_element(inner, i),
            inner.id,
            &inner.engine.types,
        ))
    }

    /// Sets the element at `index`.
    pub fn set(&self, mut store: impl AsContextMut, index: u64, val: Val) -> Result<()> {
        let inner = store.as_context_mut().inner;
        let i = self.0.index_in(inner) as usize;
        check_val(inner, &val, &Self::element(inner, i))?;
        let slot = usize::try_from(index)
            .ok()
            .and_then(|index| inner.tables[i].elems_mut().get_mut(index))
            .ok_or(TrapCode::TableOutOfBounds)?;
        *slot = val.to_raw();
        Ok(())
    }

    /// Grows by `delta` elements set to `init`; returns the old size.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64, init: Val) -> Result<u64> {
        let ctx = store.as_context_mut();
        let data = ctx.data as *mut _ as *mut ();
        let inner = ctx.inner;
        let i = self.0.index_in(inner) as usize;
        check_val(inner, &init, &Self::element(inner, i))?;
        bulk::grow_table(inner, data, i, delta, init.to_raw())?.ok_or_else(|| {
            Error::limit(
                Limit::TableSize,
                "table could not grow past its maximum or the store's limit",
            )
        })
    }
}

/// A global variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Global(pub(crate) Stored);

impl Global {
    /// Creates a global holding `val`.
    pub fn new(mut store: impl AsContextMut, ty: GlobalType, val: Val) -> Result<Global> {
        let inner = store.as_context_mut().inner;
        if let ValType::Ref(r) = ty.content() {
            check_engine(inner, r.heap_type())?;
        }
        check_val(inner, &val, ty.content())?;
        inner
            .globals
            .push(GlobalEntity::new(ty.ty, val.to_raw128()));
        Ok(Global(Stored::new(
            inner.id,
            inner.globals.len() as u32 - 1,
        )))
    }

    /// Its type.
    pub fn ty(&self, store: impl AsContext) -> GlobalType {
        let inner = store.as_context().inner;
        GlobalType::from_internal(
            inner.globals[self.0.index_in(inner) as usize].ty,
            &inner.engine,
        )
    }

    /// Its current value.
    pub fn get(&self, store: impl AsContext) -> Val {
        let inner = store.as_context().inner;
        let g = &inner.globals[self.0.index_in(inner) as usize];
        Val::from_raw128(g.get(), g.ty.content, inner.id, &inner.engine.types)
    }

    /// Sets its value; fails if it is immutable or `val` has the wrong
    /// type.
    pub fn set(&self, mut store: impl AsContextMut, val: Val) -> Result<()> {
        let inner = store.as_context_mut().inner;
        let i = self.0.index_in(inner) as usize;
        let ty = GlobalType::from_internal(inner.globals[i].ty, &inner.engine);
        if ty.mutability() != Mutability::Var {
            return Err(Error::usage("cannot set an immutable global"));
        }
        check_val(inner, &val, ty.content())?;
        inner.globals[i].set(val.to_raw128());
        Ok(())
    }
}

/// Checks that `val` is of type `ty` (a subtype of it, for references)
/// and belongs to the store. This is the gate through which every value
/// from the host enters guest state, so a typed function reference the
/// guest calls without a signature check (`call_ref`) is of its type.
pub(crate) fn check_val(inner: &StoreInner, val: &Val, ty: &ValType) -> Result<()> {
    check_raw_val(inner, val, ty.to_internal())
}

/// Fails if `heap` is a concrete type of another engine than the store's.
fn check_engine(inner: &StoreInner, heap: &HeapType) -> Result<()> {
    match heap {
        HeapType::ConcreteFunc(f) if !Arc::ptr_eq(&f.engine, &inner.engine) => {
            Err(Error::usage("a type of another engine was used"))
        }
        _ => Ok(()),
    }
}
