//! Constant expressions (global initialisers, segment offsets, element
//! items), decoded once into a small list of operations evaluated at
//! instantiation.

use crate::error::CompileError;
use crate::types::HeapType;
use alloc::vec::Vec;

/// One operation of a constant expression. The arithmetic forms are the
/// extended-const proposal's; they cost nothing to support here.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ConstOp {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    /// A null reference, of any type (every null is 0 in the raw
    /// encoding).
    RefNull,
    RefFunc(u32),
    GlobalGet(u32),
    I32Add,
    I32Sub,
    I32Mul,
    I64Add,
    I64Sub,
    I64Mul,
}

/// A decoded constant expression. Most are a single operation, kept
/// inline.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ConstExpr {
    Single(ConstOp),
    Ops(Vec<ConstOp>),
}

impl ConstExpr {
    pub fn ops(&self) -> &[ConstOp] {
        match self {
            ConstExpr::Single(op) => core::slice::from_ref(op),
            ConstExpr::Ops(ops) => ops,
        }
    }

    /// Decodes an already validated constant expression.
    pub fn decode(expr: &wasmparser::ConstExpr<'_>) -> Result<Self, CompileError> {
        use wasmparser::Operator as O;
        let mut reader = expr.get_operators_reader();
        let mut ops = Vec::new();
        loop {
            let offset = reader.original_position();
            let op = reader.read()?;
            ops.push(match op {
                O::End => break,
                O::I32Const { value } => ConstOp::I32(value),
                O::I64Const { value } => ConstOp::I64(value),
                O::F32Const { value } => ConstOp::F32(value.bits()),
                O::F64Const { value } => ConstOp::F64(value.bits()),
                O::V128Const { value } => ConstOp::V128(value.i128() as u128),
                O::RefNull { hty } => {
                    HeapType::from_wasmparser(hty).ok_or_else(|| {
                        CompileError::new(
                            "unsupported reference type in constant expression",
                            Some(offset as usize),
                        )
                    })?;
                    ConstOp::RefNull
                }
                O::RefFunc { function_index } => ConstOp::RefFunc(function_index),
                O::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
                O::I32Add => ConstOp::I32Add,
                O::I32Sub => ConstOp::I32Sub,
                O::I32Mul => ConstOp::I32Mul,
                O::I64Add => ConstOp::I64Add,
                O::I64Sub => ConstOp::I64Sub,
                O::I64Mul => ConstOp::I64Mul,
                _ => {
                    return Err(CompileError::new(
                        "unsupported operator in constant expression",
                        Some(offset as usize),
                    ))
                }
            });
        }
        Ok(if ops.len() == 1 {
            ConstExpr::Single(ops[0])
        } else {
            ConstExpr::Ops(ops)
        })
    }
}
