//! WASI integration tests, one test binary: the embedding API and ABI
//! edge cases with small text-format modules, real Rust and C programs
//! built at test time, and attacks on the sandbox.

mod api;
mod attacks;
mod c_guest;
mod exceptions_guest;
mod memory_faults;
mod rust_guest;
mod sockets;
mod support;
