//! The public embedding API, shaped like wasmtime's.

mod backend;
pub(crate) mod engine;
pub(crate) mod exceptions;
pub(crate) mod externals;
pub(crate) mod func;
pub(crate) mod instance;
mod instance_pre;
mod limits;
pub(crate) mod linker;
pub(crate) mod module;
pub(crate) mod resumable;
#[cfg(feature = "std")]
pub(crate) mod shared_memory;
pub(crate) mod store;
pub(crate) mod types;
pub(crate) mod values;

pub use crate::runtime::CallHook;
pub use engine::Engine;
pub use exceptions::{ExnRef, Tag};
pub use externals::{Extern, Global, Memory, Table};
pub use func::{Func, IntoFunc, TypedFunc, WasmParams, WasmResults, WasmRet, WasmTy};
pub use instance::Instance;
pub use instance_pre::InstancePre;
pub use limits::{
    ResourceLimiter, StoreLimits, StoreLimitsBuilder, DEFAULT_INSTANCE_LIMIT, DEFAULT_MEMORY_LIMIT,
    DEFAULT_TABLE_LIMIT,
};
pub use linker::Linker;
pub use module::Module;
pub use resumable::{ResumableCall, ResumableCallHostTrap, ResumableCallOutOfFuel};
#[cfg(feature = "std")]
pub use shared_memory::{SharedMemory, WaitResult};
pub use store::{
    AsContext, AsContextMut, Caller, Store, StoreContext, StoreContextMut, TierUpStats,
};
pub use types::{
    ExportType, ExternType, FuncType, GlobalType, HeapType, ImportType, MemoryType, Mutability,
    RefType, TableType, TagType, ValType,
};
pub use values::{AnyRef, ExternRef, Val, ValRaw};
