//! What instances are made of at run time, shared by every tier: the
//! store's entities (functions, memories, tables, globals, instances) and
//! instantiation.

pub(crate) mod bulk;
mod global;
pub(crate) mod instance;
mod memory;
mod store;
mod table;
pub(crate) mod vm;

pub(crate) use global::GlobalEntity;
pub(crate) use instance::InstanceEntity;
pub(crate) use memory::{MemoryEntity, PAGE_SIZE};
pub(crate) use store::{FuncEntity, HostContext, HostFn, StoreId, StoreInner};
pub(crate) use table::TableEntity;
