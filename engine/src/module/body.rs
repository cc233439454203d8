//! Validating a function body: `wasmparser`'s validator, seeing every
//! operator through [`NoGc`], which refuses the GC instructions (Petrel has
//! GC's types, not its instructions; see `parse::features`) and atomic
//! accesses to 64-bit memories (both tiers' atomics take 32-bit
//! addresses).
//!
//! The wrapper is generated from `wasmparser`'s own operator list and
//! returns the validator's own result type, so each operator costs one
//! more inlined call: reading each operator into an `Operator` first and
//! validating that made decoding a 3.8 MB module 40% slower, and a wrapper
//! that converted every result to our error type 8%.

use crate::error::CompileError;
use crate::types::MemoryType;
use alloc::vec::Vec;
use wasmparser::{
    BinaryReader, FrameKind, FrameStack, FuncValidator, FunctionBody, ValidatorResources,
    VisitOperator, VisitSimdOperator,
};

/// Validates `body` with `v`, refusing GC instructions and atomics on the
/// 64-bit ones of the module's `memories`.
pub(super) fn validate_body(
    v: &mut FuncValidator<ValidatorResources>,
    body: &FunctionBody<'_>,
    memories: &[MemoryType],
) -> Result<(), CompileError> {
    let mut reader = body.get_binary_reader();
    v.read_locals(&mut reader)?;
    reader.set_features(*v.features());
    while !reader.eof() {
        let offset = reader.original_position();
        let mut visitor = NoGc {
            inner: v.visitor(offset),
            offset,
            memories,
            refused: None,
        };
        let result = reader.visit_operator(&mut visitor);
        if let Some(what) = visitor.refused {
            return Err(CompileError::new(
                alloc::format!("{what} are not supported yet"),
                Some(offset as usize),
            ));
        }
        result??;
    }
    reader.finish_expression(&v.visitor(reader.original_position()))?;
    Ok(())
}

/// A validator's visitor that refuses GC instructions and atomics on
/// 64-bit memories (it fails them and notes why in `refused`) and passes
/// every other operator on.
struct NoGc<'m, V> {
    inner: V,
    offset: u64,
    memories: &'m [MemoryType],
    refused: Option<&'static str>,
}

/// What an operator of the threads proposal takes: a memory argument, or
/// `atomic.fence`'s ordering.
trait AtomicArg {
    fn memory(&self) -> Option<u32>;
}

impl AtomicArg for wasmparser::MemArg {
    fn memory(&self) -> Option<u32> {
        match self.target {
            wasmparser::MemArgTarget::Memory(m) => Some(m),
            wasmparser::MemArgTarget::Array(_) => None,
        }
    }
}

impl AtomicArg for wasmparser::Ordering {
    fn memory(&self) -> Option<u32> {
        None
    }
}

impl<V> NoGc<'_, V> {
    /// Whether an atomic operator with `arg` accesses a 64-bit memory.
    fn on_memory64(&self, arg: &impl AtomicArg) -> bool {
        arg.memory()
            .and_then(|m| self.memories.get(m as usize))
            .is_some_and(|t| t.memory64)
    }

    /// Fails an operator Petrel does not run (`what`). The validator's
    /// error type has no public constructor: any error will do, `refused`
    /// says what it means.
    fn refuse(&mut self, what: &'static str) -> wasmparser::Result<()> {
        self.refused = Some(what);
        match BinaryReader::new(&[], self.offset).read_u8() {
            Err(e) => Err(e),
            Ok(_) => Ok(()),
        }
    }
}

impl<V: FrameStack> FrameStack for NoGc<'_, V> {
    fn current_frame(&self) -> Option<FrameKind> {
        self.inner.current_frame()
    }
}

macro_rules! forward_visit {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        $(
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                forward_visit!(@body $proposal self $visit ($($($arg),*)?))
            }
        )*
    };
    (@body gc $self:ident $visit:ident ($($arg:ident),*)) => {{
        $(let _ = $arg;)*
        $self.refuse("GC instructions")
    }};
    (@body threads $self:ident $visit:ident ($($arg:ident),*)) => {{
        $(if $self.on_memory64(&$arg) {
            return $self.refuse("atomic operations on 64-bit memories");
        })*
        $self.inner.$visit($($arg),*)
    }};
    (@body $other:ident $self:ident $visit:ident ($($arg:ident),*)) => {
        $self.inner.$visit($($arg),*)
    };
}

impl<'a, V> VisitOperator<'a> for NoGc<'_, V>
where
    V: VisitOperator<'a, Output = wasmparser::Result<()>>,
{
    type Output = wasmparser::Result<()>;

    fn simd_visitor(&mut self) -> Option<&mut dyn VisitSimdOperator<'a, Output = Self::Output>> {
        self.inner.simd_visitor()
    }

    wasmparser::for_each_visit_operator!(forward_visit);
}
