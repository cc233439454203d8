//! What instances are made of at run time, shared by every tier and
//! knowing none: the store's entities (functions, memories, tables,
//! globals, tags, exceptions, instances) addressed by store index, instantiation, constant
//! evaluation, the bulk memory and table operations, host calls, and the
//! `#[repr(C)]` VM layout compiled code reads.
//!
//! Built without the JIT, the parts only compiled code reads (the VM
//! layout, guarded memories, the builtins) are unused; the default build
//! checks them.
#![cfg_attr(not(feature = "jit"), allow(dead_code, unused_imports, unused_macros))]

pub(crate) mod atomic;
pub(crate) mod bulk;
mod const_eval;
mod engine;
mod exception;
mod func;
mod global;
mod hooks;
pub(crate) mod instance;
mod limits;
pub(crate) mod memory;
mod module;
mod pool;
mod stack;
mod store;
mod table;
pub(crate) mod tier_up;
pub(crate) mod vm;

pub(crate) use engine::EngineShared;
pub(crate) use exception::{Exceptions, TagEntity};
pub(crate) use func::{
    call_host, call_host_at, call_host_fn, invoke_host, with_slots, FuncEntity, HostContext, HostFn,
};
#[cfg(feature = "jit")]
pub(crate) use func::{jit_entry_for, HostOutcome};
pub(crate) use global::{GlobalEntity, GlobalValues};
pub use hooks::CallHook;
pub(crate) use instance::InstanceEntity;
pub(crate) use limits::{LimitQuery, Limiter};
#[cfg(feature = "std")]
pub(crate) use memory::image;
pub(crate) use memory::{MemoryEntity, MemoryStrategy, GUARD_BYTES, PAGE_SIZE};
pub(crate) use module::{ModuleBytes, ModuleShared};
pub(crate) use pool::Pool;
pub(crate) use stack::Frame;
pub(crate) use store::{EntityRef, StoreId, StoreInner};
pub(crate) use table::TableEntity;
