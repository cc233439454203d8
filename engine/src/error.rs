//! Every error the embedding API returns: decoding and validation
//! ([`CompileError`]), linking ([`LinkError`]), guest traps ([`Trap`]) and
//! errors raised by host functions.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// The most frames a trap's backtrace records, on every tier; deeper
/// ones are counted ([`Trap::elided_frames`]).
pub(crate) const MAX_BACKTRACE: usize = 64;

/// The result type of the embedding API.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Anything that can go wrong between bytes and results.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The module is malformed or invalid. (Boxed, as is `Link`: an
    /// `Error` travels in every `Result` of the call paths, and the big
    /// variants made every one of them 96 bytes.)
    #[error(transparent)]
    Compile(Box<CompileError>),
    /// An import could not be satisfied.
    #[error(transparent)]
    Link(Box<LinkError>),
    /// Guest code trapped (or instantiation did, for example on an
    /// out-of-bounds data segment).
    #[error(transparent)]
    Trap(#[from] Trap),
    /// A host function returned an error; it unwound through the guest
    /// unchanged.
    #[error("{0}")]
    Host(Box<dyn core::error::Error + Send + Sync>),
    /// A precompiled artifact cannot be used here: not an artifact,
    /// truncated or damaged, or made by another Petrel, for another CPU or
    /// with other code-changing settings. Recompile it.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// A limit was reached: the store's [`ResourceLimiter`](crate::ResourceLimiter),
    /// a bound of the pooling allocator, or the most the engine can
    /// allocate. [`LimitError::limit`] says which.
    #[error(transparent)]
    Limit(#[from] LimitError),
    /// The embedder used the API wrongly: wrong number or types of
    /// arguments, a handle from another store, ...
    #[error("{0}")]
    Usage(String),
    /// A Wasm exception no handler caught (or one a host function throws
    /// into Wasm): its tag and payload are read through the store
    /// ([`ThrownException::tag`], [`ThrownException::payload`]).
    #[error("{0}")]
    Exception(ThrownException),
}

/// A Wasm exception in flight between Wasm and the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrownException {
    /// The store's id (see `runtime::StoreId`).
    pub(crate) store: usize,
    /// The exception's index in its store.
    pub(crate) index: u32,
    /// The store index of its tag, for the message.
    pub(crate) tag: u32,
}

impl fmt::Display for ThrownException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "uncaught wasm exception (tag {} of its store)", self.tag)
    }
}

impl From<CompileError> for Error {
    fn from(e: CompileError) -> Self {
        Error::Compile(Box::new(e))
    }
}

impl From<LinkError> for Error {
    fn from(e: LinkError) -> Self {
        Error::Link(Box::new(e))
    }
}

impl Error {
    /// Wraps any error, for host functions to return.
    pub fn host(err: impl core::error::Error + Send + Sync + 'static) -> Self {
        Error::Host(Box::new(err))
    }

    /// An error carrying only a message, for host functions to return.
    pub fn msg(message: impl Into<String>) -> Self {
        Error::Host(Box::new(Message(message.into())))
    }

    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Error::Usage(message.into())
    }

    pub(crate) fn limit(limit: Limit, message: impl Into<String>) -> Self {
        Error::Limit(LimitError::new(limit, message))
    }

    /// The limit reached, if this error is one.
    pub fn as_limit(&self) -> Option<&LimitError> {
        match self {
            Error::Limit(l) => Some(l),
            _ => None,
        }
    }

    /// The exception, if this error is an uncaught Wasm exception.
    pub fn as_exception(&self) -> Option<&ThrownException> {
        match self {
            Error::Exception(e) => Some(e),
            _ => None,
        }
    }

    /// The trap, if this error is one.
    pub fn as_trap(&self) -> Option<&Trap> {
        match self {
            Error::Trap(t) => Some(t),
            _ => None,
        }
    }

    /// The trap code, if this error is a trap.
    pub fn trap_code(&self) -> Option<TrapCode> {
        self.as_trap().map(|t| t.code)
    }

    /// The host error, downcast to `E`, if this error came from a host
    /// function and is an `E`.
    pub fn downcast_ref<E: core::error::Error + 'static>(&self) -> Option<&E> {
        match self {
            Error::Host(e) => e.downcast_ref::<E>(),
            _ => None,
        }
    }
}

/// Which limit an [`Error::Limit`] reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// The store's resource limiter allows no more instances
    /// ([`ResourceLimiter::instances`](crate::ResourceLimiter::instances)).
    StoreInstances,
    /// ... no more memories ([`ResourceLimiter::memories`](crate::ResourceLimiter::memories)).
    StoreMemories,
    /// ... no more tables ([`ResourceLimiter::tables`](crate::ResourceLimiter::tables)).
    StoreTables,
    /// The store's resource limiter refused a memory of that size
    /// ([`ResourceLimiter::memory_growing`](crate::ResourceLimiter::memory_growing)):
    /// a new memory's initial size, or growth with
    /// [`StoreLimitsBuilder::trap_on_grow_failure`](crate::StoreLimitsBuilder::trap_on_grow_failure).
    StoreMemorySize,
    /// ... a table of that size
    /// ([`ResourceLimiter::table_growing`](crate::ResourceLimiter::table_growing)).
    StoreTableSize,
    /// The pooling allocator's instances are all live
    /// ([`PoolingAllocationConfig::total_core_instances`](crate::PoolingAllocationConfig::total_core_instances)).
    PoolInstances,
    /// ... its memories ([`PoolingAllocationConfig::total_memories`](crate::PoolingAllocationConfig::total_memories)).
    PoolMemories,
    /// ... its tables ([`PoolingAllocationConfig::total_tables`](crate::PoolingAllocationConfig::total_tables)).
    PoolTables,
    /// A memory is larger than the pooling allocator's slots
    /// ([`PoolingAllocationConfig::max_memory_size`](crate::PoolingAllocationConfig::max_memory_size)).
    PoolMemorySize,
    /// A table is larger than the pooling allocator's slots
    /// ([`PoolingAllocationConfig::table_elements`](crate::PoolingAllocationConfig::table_elements)).
    PoolTableElements,
    /// A memory cannot have the size asked: larger than the engine can
    /// hold, the host had no memory (or address space) for it, or (from
    /// [`Memory::grow`](crate::Memory::grow)) over its maximum or refused by
    /// the store's limiter.
    MemorySize,
    /// A table cannot have the size asked: larger than the engine can hold,
    /// or (from [`Table::grow`](crate::Table::grow)) over its maximum or
    /// refused by the store's limiter.
    TableSize,
}

/// A limit reached: which one, and a message naming the setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitError {
    limit: Limit,
    message: String,
}

impl LimitError {
    pub(crate) fn new(limit: Limit, message: impl Into<String>) -> Self {
        Self {
            limit,
            message: message.into(),
        }
    }

    /// Which limit was reached.
    pub fn limit(&self) -> Limit {
        self.limit
    }

    /// What was asked and what the limit allows.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl core::error::Error for LimitError {}

/// Why a precompiled artifact cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactError {
    message: String,
}

impl ArtifactError {
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// What is wrong with it, without the advice to recompile.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ArtifactError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot use this precompiled module: {}; recompile it from its .wasm \
             (`petrel compile`)",
            self.message
        )
    }
}

impl core::error::Error for ArtifactError {}

#[derive(Debug)]
struct Message(String);

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl core::error::Error for Message {}

/// A module failed to decode or validate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    message: String,
    offset: Option<usize>,
    func_index: Option<u32>,
}

impl CompileError {
    pub(crate) fn new(message: impl Into<String>, offset: Option<usize>) -> Self {
        Self {
            message: message.into(),
            offset,
            func_index: None,
        }
    }

    pub(crate) fn in_func(mut self, func_index: u32) -> Self {
        self.func_index = Some(func_index);
        self
    }

    /// What is wrong, as `wasmparser` or the translator described it.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The byte offset in the binary where the problem was found.
    pub fn offset(&self) -> Option<usize> {
        self.offset
    }

    /// The index of the function whose body is at fault, if any.
    pub fn func_index(&self) -> Option<u32> {
        self.func_index
    }
}

impl From<wasmparser::BinaryReaderError> for CompileError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        CompileError::new(e.message(), Some(e.offset() as usize))
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid module")?;
        if let Some(func) = self.func_index {
            write!(f, " in function {func}")?;
        }
        if let Some(offset) = self.offset {
            write!(f, " at byte offset {offset:#x}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl core::error::Error for CompileError {}

/// An import could not be resolved while instantiating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkError {
    /// The import's module name.
    pub module: String,
    /// The import's field name.
    pub name: String,
    /// What went wrong.
    pub kind: LinkErrorKind,
}

/// Why an import could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkErrorKind {
    /// Nothing is defined under that name.
    Missing {
        /// The type the module asked for.
        expected: String,
    },
    /// Something is defined but its type does not match.
    Incompatible {
        /// The type the module asked for.
        expected: String,
        /// The type of what was provided.
        found: String,
    },
    /// The number of imports given to `Instance::new` does not match.
    WrongCount {
        /// Imports declared by the module.
        expected: usize,
        /// Imports given.
        found: usize,
    },
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            LinkErrorKind::Missing { expected } => write!(
                f,
                "unknown import: `{}::{}` ({expected}) has not been defined",
                self.module, self.name
            ),
            LinkErrorKind::Incompatible { expected, found } => write!(
                f,
                "incompatible import type for `{}::{}`: expected {expected}, found {found}",
                self.module, self.name
            ),
            LinkErrorKind::WrongCount { expected, found } => write!(
                f,
                "module declares {expected} imports but {found} were given"
            ),
        }
    }
}

impl core::error::Error for LinkError {}

/// What a function import stood in for by
/// [`Linker::define_unknown_imports_as_traps`](crate::Linker::define_unknown_imports_as_traps)
/// returns when the guest calls it: the guest stops, and the error names
/// the import. Find it with [`Error::downcast_ref`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("called unknown import `{module}::{name}`: nothing defines it")]
pub struct UnknownImportError {
    /// The import's module name.
    pub module: String,
    /// The import's field name.
    pub name: String,
}

/// Why guest code stopped.
///
/// The `Display` text of each code contains the phrase the WebAssembly
/// specification's test suite uses for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[repr(u32)]
pub enum TrapCode {
    /// `unreachable` was executed.
    Unreachable = 1,
    /// Integer division or remainder by zero.
    IntegerDivideByZero,
    /// Integer overflow (`i32.div_s` of `MIN / -1`, trapping float to int
    /// conversion out of range).
    IntegerOverflow,
    /// Trapping float-to-int conversion of a NaN.
    BadConversionToInteger,
    /// Linear memory accessed out of bounds.
    MemoryOutOfBounds,
    /// A table accessed out of bounds (including `call_indirect` with an
    /// index past the end of the table).
    TableOutOfBounds,
    /// `call_indirect` reached a null table entry.
    IndirectCallToNull,
    /// `call_indirect` reached a function of the wrong type.
    BadSignature,
    /// The call stack or value stack limit was reached.
    StackOverflow,
    /// The store ran out of fuel (`Config::consume_fuel`).
    OutOfFuel,
    /// The engine's epoch reached the store's deadline
    /// (`Config::epoch_interruption`).
    Interrupt,
    /// A null reference was used where a non-null one is needed:
    /// `ref.as_non_null`, or `call_ref` of null.
    NullReference,
    /// An atomic access whose address is not a multiple of its size.
    HeapMisaligned,
    /// `memory.atomic.wait32/64` on a memory that is not shared.
    AtomicWaitNonSharedMemory,
}

/// Every trap code, in the order of their bits (see [`TrapCode::bits`]).
#[cfg_attr(not(feature = "jit"), allow(dead_code))]
const ALL_TRAP_CODES: [TrapCode; 14] = [
    TrapCode::Unreachable,
    TrapCode::IntegerDivideByZero,
    TrapCode::IntegerOverflow,
    TrapCode::BadConversionToInteger,
    TrapCode::MemoryOutOfBounds,
    TrapCode::TableOutOfBounds,
    TrapCode::IndirectCallToNull,
    TrapCode::BadSignature,
    TrapCode::StackOverflow,
    TrapCode::OutOfFuel,
    TrapCode::Interrupt,
    TrapCode::NullReference,
    TrapCode::HeapMisaligned,
    TrapCode::AtomicWaitNonSharedMemory,
];

#[cfg_attr(not(feature = "jit"), allow(dead_code))]
impl TrapCode {
    /// The code as a small non-zero integer: how compiled code reports it
    /// (0 means "no trap"), and the low byte of a Cranelift user trap code.
    pub(crate) const fn bits(self) -> u32 {
        self as u32
    }

    /// The code whose [`TrapCode::bits`] are `bits`.
    pub(crate) fn from_bits(bits: u32) -> Option<TrapCode> {
        let code = *ALL_TRAP_CODES.get((bits as usize).checked_sub(1)?)?;
        debug_assert_eq!(code.bits(), bits);
        Some(code)
    }

    /// The canonical message, as used by the specification's tests.
    pub fn message(self) -> &'static str {
        match self {
            TrapCode::Unreachable => "unreachable executed",
            TrapCode::IntegerDivideByZero => "integer divide by zero",
            TrapCode::IntegerOverflow => "integer overflow",
            TrapCode::BadConversionToInteger => "invalid conversion to integer",
            TrapCode::MemoryOutOfBounds => "out of bounds memory access",
            TrapCode::TableOutOfBounds => "out of bounds table access",
            TrapCode::IndirectCallToNull => "uninitialized element (indirect call to null)",
            TrapCode::BadSignature => "indirect call type mismatch",
            TrapCode::StackOverflow => "call stack exhausted",
            TrapCode::OutOfFuel => "all fuel consumed by WebAssembly",
            TrapCode::Interrupt => "interrupt",
            TrapCode::NullReference => "null reference",
            TrapCode::HeapMisaligned => "unaligned atomic",
            TrapCode::AtomicWaitNonSharedMemory => "expected shared memory",
        }
    }
}

impl fmt::Display for TrapCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// One frame of a Wasm backtrace, innermost first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameInfo {
    /// The function's index in its module's function index space.
    pub func_index: u32,
    /// The function's name from the module's name section, if any.
    pub func_name: Option<String>,
    /// The module's name from its name section, if any.
    pub module_name: Option<String>,
}

impl fmt::Display for FrameInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(m) = &self.module_name {
            write!(f, "{m}!")?;
        }
        match &self.func_name {
            Some(name) => write!(f, "{name} (func {})", self.func_index),
            None => write!(f, "func {}", self.func_index),
        }
    }
}

/// Guest code trapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trap {
    code: TrapCode,
    backtrace: Vec<FrameInfo>,
    elided_frames: usize,
}

impl Trap {
    /// A trap with no backtrace.
    pub fn new(code: TrapCode) -> Self {
        Self {
            code,
            backtrace: Vec::new(),
            elided_frames: 0,
        }
    }

    /// Adds `frames`, the callers of the trap's last frame (outward), and
    /// `elided` more beyond them, up to [`MAX_BACKTRACE`] frames in all.
    pub(crate) fn add_callers(&mut self, frames: Vec<FrameInfo>, elided: usize) {
        let room = MAX_BACKTRACE.saturating_sub(self.backtrace.len());
        let kept = frames.len().min(room);
        self.elided_frames += frames.len() - kept + elided;
        self.backtrace.extend(frames.into_iter().take(kept));
    }

    /// A trap with `backtrace` (compiled code's, gathered all at once).
    #[cfg_attr(not(feature = "jit"), allow(dead_code))]
    pub(crate) fn with_backtrace(
        code: TrapCode,
        backtrace: Vec<FrameInfo>,
        elided_frames: usize,
    ) -> Self {
        Self {
            code,
            backtrace,
            elided_frames,
        }
    }

    /// Why the guest stopped.
    pub fn code(&self) -> TrapCode {
        self.code
    }

    /// The Wasm frames that were live when the trap happened, innermost
    /// first (at most 64; see [`Trap::elided_frames`]).
    pub fn backtrace(&self) -> &[FrameInfo] {
        &self.backtrace
    }

    /// How many outer frames were live but not recorded in the backtrace
    /// (deep recursion).
    pub fn elided_frames(&self) -> usize {
        self.elided_frames
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wasm trap: {}", self.code)?;
        if !self.backtrace.is_empty() {
            f.write_str("\nwasm backtrace:")?;
            for (i, frame) in self.backtrace.iter().enumerate() {
                write!(f, "\n  {i}: {frame}")?;
            }
            if self.elided_frames > 0 {
                write!(f, "\n  ... {} more frames", self.elided_frames)?;
            }
        }
        Ok(())
    }
}

impl core::error::Error for Trap {}

impl From<TrapCode> for Trap {
    fn from(code: TrapCode) -> Self {
        Trap::new(code)
    }
}

impl From<TrapCode> for Error {
    fn from(code: TrapCode) -> Self {
        Error::Trap(Trap::new(code))
    }
}
