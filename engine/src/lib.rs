//! # Petrel
//!
//! A WebAssembly engine. Modules are decoded and validated with
//! `wasmparser`, then run by Petrel's register-bytecode interpreter or,
//! with [`Tier::Jit`], compiled to machine code with Cranelift. The
//! embedding API is shaped like wasmtime's: an [`Engine`] compiles
//! [`Module`]s that are instantiated into a [`Store`], whose [`Linker`]
//! supplies host functions.
//!
//! ```
//! # #[cfg(feature = "wat")] {
//! use petrel::{Engine, Linker, Module, Store};
//!
//! let engine = Engine::default();
//! let module = Module::new(&engine, r#"
//!     (module
//!       (import "host" "double" (func $double (param i32) (result i32)))
//!       (func (export "run") (param i32) (result i32)
//!         local.get 0
//!         call $double
//!         i32.const 1
//!         i32.add))
//! "#).unwrap();
//! let mut linker = Linker::<()>::new(&engine);
//! linker.func_wrap("host", "double", |x: i32| x * 2).unwrap();
//! let mut store = Store::new(&engine, ());
//! let instance = linker.instantiate(&mut store, &module).unwrap();
//! let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
//! assert_eq!(run.call(&mut store, 20).unwrap(), 41);
//! # }
//! ```
//!
//! Without the default `std` feature the crate is `no_std` + `alloc`.

#![no_std]
#![warn(missing_docs)]
// Every unsafe operation sits in an `unsafe` block that says why it holds,
// even inside an `unsafe fn`.
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod api;
mod config;
mod error;
mod interp;
#[cfg(feature = "jit")]
mod jit;
mod module;
mod runtime;
mod semantics;
mod sync;
#[cfg(feature = "std")]
mod sys;
mod types;

pub use api::*;
#[cfg(feature = "std")]
pub use config::DEFAULT_COMPILE_CACHE_LIMIT;
pub use config::{
    Config, InstanceAllocationStrategy, PoolingAllocationConfig, ProfilingStrategy, Tier,
};
pub use error::{
    ArtifactError, CompileError, Error, FrameInfo, Limit, LimitError, LinkError, LinkErrorKind,
    Result, ThrownException, Trap, TrapCode, UnknownImportError,
};
#[cfg(feature = "op-profile")]
pub use interp::{take_op_profile, OpProfile};

/// The embedding guide's examples, compiled and run as doc tests so the
/// guide stays true.
#[cfg(doctest)]
#[doc = include_str!("../../docs/embedding.md")]
struct EmbeddingGuide;
