//! Validating a function body: `wasmparser`'s validator, seeing every
//! operator through [`NoGc`], which refuses the GC instructions (Petrel has
//! GC's types, not its instructions; see `parse::features`).
//!
//! The wrapper is generated from `wasmparser`'s own operator list and
//! returns the validator's own result type, so each operator costs one
//! more inlined call: reading each operator into an `Operator` first and
//! validating that made decoding a 3.8 MB module 40% slower, and a wrapper
//! that converted every result to our error type 8%.

use crate::error::CompileError;
use alloc::vec::Vec;
use wasmparser::{
    BinaryReader, FrameKind, FrameStack, FuncValidator, FunctionBody, ValidatorResources,
    VisitOperator, VisitSimdOperator,
};

/// Validates `body` with `v`, refusing GC instructions.
pub(super) fn validate_body(
    v: &mut FuncValidator<ValidatorResources>,
    body: &FunctionBody<'_>,
) -> Result<(), CompileError> {
    let mut reader = body.get_binary_reader();
    v.read_locals(&mut reader)?;
    reader.set_features(*v.features());
    while !reader.eof() {
        let offset = reader.original_position();
        let mut visitor = NoGc {
            inner: v.visitor(offset),
            offset,
            refused: false,
        };
        let result = reader.visit_operator(&mut visitor);
        if visitor.refused {
            return Err(CompileError::new(
                "GC instructions are not supported yet",
                Some(offset as usize),
            ));
        }
        result??;
    }
    reader.finish_expression(&v.visitor(reader.original_position()))?;
    Ok(())
}

/// A validator's visitor that refuses GC instructions (it fails them and
/// notes why in `refused`) and passes every other operator on.
struct NoGc<V> {
    inner: V,
    offset: u64,
    refused: bool,
}

impl<V> NoGc<V> {
    /// Fails a GC instruction. The validator's error type has no public
    /// constructor: any error will do, `refused` says what it means.
    fn refuse(&mut self) -> wasmparser::Result<()> {
        self.refused = true;
        match BinaryReader::new(&[], self.offset).read_u8() {
            Err(e) => Err(e),
            Ok(_) => Ok(()),
        }
    }
}

impl<V: FrameStack> FrameStack for NoGc<V> {
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
        $self.refuse()
    }};
    (@body $other:ident $self:ident $visit:ident ($($arg:ident),*)) => {
        $self.inner.$visit($($arg),*)
    };
}

impl<'a, V> VisitOperator<'a> for NoGc<V>
where
    V: VisitOperator<'a, Output = wasmparser::Result<()>>,
{
    type Output = wasmparser::Result<()>;

    fn simd_visitor(&mut self) -> Option<&mut dyn VisitSimdOperator<'a, Output = Self::Output>> {
        self.inner.simd_visitor()
    }

    wasmparser::for_each_visit_operator!(forward_visit);
}
