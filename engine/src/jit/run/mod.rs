//! Running compiled code: the executable memory it lives in
//! ([`code_memory`]), linking instances into the VM layout ([`link`]),
//! entering from the host ([`invoke`]), per-function tier-up's batches
//! of code and bridges into the interpreter ([`batches`], [`bridge`]),
//! the builtins it calls
//! ([`libcalls`]), the map `perf` reads to name them ([`perf_map`]) and the registry of trap sites with the per-thread
//! activations a trap returns to ([`traps`]).

mod batches;
mod bridge;
pub(crate) mod code_memory;
mod invoke;
mod libcalls;
mod link;
mod osr;
pub(crate) mod perf_map;
mod tier_up;
pub(crate) mod traps;

pub(crate) use invoke::invoke;
pub(crate) use link::link_instance;
pub(crate) use tier_up::tier_up_hooks;
