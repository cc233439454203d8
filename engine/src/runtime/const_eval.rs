//! Evaluating constant expressions (global initialisers, segment offsets,
//! element items) for an instance being created.

use super::{InstanceEntity, StoreInner};
use crate::module::{ConstExpr, ConstOp};
use crate::semantics::scalar as num;
use alloc::vec::Vec;

/// Evaluates a constant expression for instance `inst`, as one raw slot
/// (every type but `v128`).
pub(crate) fn eval_const(inner: &StoreInner, inst: &InstanceEntity, expr: &ConstExpr) -> u64 {
    eval_const128(inner, inst, expr) as u64
}

/// Evaluates a constant expression for instance `inst`, 128 bits wide
/// (scalars zero-extended), as a global holds it. The expression was
/// validated, so its stack never underflows.
pub(crate) fn eval_const128(inner: &StoreInner, inst: &InstanceEntity, expr: &ConstExpr) -> u128 {
    // Most expressions are one operation: no stack for those.
    let ops = match expr {
        ConstExpr::Single(op) => return eval_one(inner, inst, op),
        ConstExpr::Ops(ops) => ops,
    };
    let mut stack: Vec<u128> = Vec::with_capacity(ops.len());
    for op in ops {
        let v = match *op {
            ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                let b = stack.pop().unwrap_or(0) as u32;
                let a = stack.pop().unwrap_or(0) as u32;
                (match op {
                    ConstOp::I32Add => num::i32_add(a, b),
                    ConstOp::I32Sub => num::i32_sub(a, b),
                    _ => num::i32_mul(a, b),
                }) as u128
            }
            ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                let b = stack.pop().unwrap_or(0) as u64;
                let a = stack.pop().unwrap_or(0) as u64;
                (match op {
                    ConstOp::I64Add => num::i64_add(a, b),
                    ConstOp::I64Sub => num::i64_sub(a, b),
                    _ => num::i64_mul(a, b),
                }) as u128
            }
            _ => eval_one(inner, inst, op),
        };
        stack.push(v);
    }
    stack.pop().unwrap_or(0)
}

/// The value of an operation that takes no operand (zero for the
/// arithmetic ones, which `eval_const128` computes).
fn eval_one(inner: &StoreInner, inst: &InstanceEntity, op: &ConstOp) -> u128 {
    match *op {
        ConstOp::I32(v) => v as u32 as u128,
        ConstOp::I64(v) => v as u64 as u128,
        ConstOp::F32(v) => v as u128,
        ConstOp::F64(v) => v as u128,
        ConstOp::V128(v) => v,
        ConstOp::RefNull => 0,
        ConstOp::RefFunc(f) => inst.funcs[f as usize] as u128 + 1,
        ConstOp::GlobalGet(g) => inner.globals[inst.globals[g as usize] as usize].get(),
        ConstOp::I32Add
        | ConstOp::I32Sub
        | ConstOp::I32Mul
        | ConstOp::I64Add
        | ConstOp::I64Sub
        | ConstOp::I64Mul => 0,
    }
}
