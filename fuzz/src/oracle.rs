//! Values and outcomes in a form both Petrel and the `wasmi` oracle can be
//! converted to, so the differential target compares like with like.
//!
//! Floats are kept as bits and compared bit for bit, except that any two
//! NaNs are equal: the generated modules canonicalize NaNs produced by
//! arithmetic, but a NaN's sign and payload are still allowed to differ
//! where the specification leaves them nondeterministic. References are
//! compared only by whether they are null: handles of two engines have
//! nothing else in common.

use arbitrary::{Result, Unstructured};
use std::fmt;

/// A Wasm value as either engine reports it.
#[derive(Debug, Clone, Copy)]
pub enum Value {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f32`, as bits.
    F32(u32),
    /// An `f64`, as bits.
    F64(u64),
    /// A `funcref`: whether it is null.
    FuncRef { null: bool },
    /// An `externref`: whether it is null.
    ExternRef { null: bool },
    /// A reference of the `any` hierarchy (Petrel only: always null).
    AnyRef { null: bool },
    /// An `exnref` (Petrel only): whether it is null.
    ExnRef { null: bool },
    /// A `v128`, as bits. Compared bit for bit: `wasm-smith` canonicalizes
    /// the NaN lanes of vector float results too.
    V128(u128),
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        use Value::*;
        match (*self, *other) {
            (I32(a), I32(b)) => a == b,
            (I64(a), I64(b)) => a == b,
            (F32(a), F32(b)) => {
                a == b || (f32::from_bits(a).is_nan() && f32::from_bits(b).is_nan())
            }
            (F64(a), F64(b)) => {
                a == b || (f64::from_bits(a).is_nan() && f64::from_bits(b).is_nan())
            }
            (FuncRef { null: a }, FuncRef { null: b }) => a == b,
            (ExternRef { null: a }, ExternRef { null: b }) => a == b,
            (AnyRef { null: a }, AnyRef { null: b }) => a == b,
            (ExnRef { null: a }, ExnRef { null: b }) => a == b,
            (V128(a), V128(b)) => a == b,
            _ => false,
        }
    }
}

impl Value {
    /// An arbitrary value of type `ty`. Arguments of reference type are
    /// always null: a non-null reference of one engine has no counterpart
    /// in the other.
    pub fn arbitrary_of(u: &mut Unstructured<'_>, ty: &petrel::ValType) -> Result<Value> {
        Ok(match ty {
            petrel::ValType::I32 => Value::I32(u.arbitrary()?),
            petrel::ValType::I64 => Value::I64(u.arbitrary()?),
            petrel::ValType::F32 => Value::F32(u.arbitrary()?),
            petrel::ValType::F64 => Value::F64(u.arbitrary()?),
            // The null of the type's hierarchy (the caller skips
            // non-nullable reference parameters: no value crosses).
            petrel::ValType::Ref(r) => match r.heap_type() {
                petrel::HeapType::Func
                | petrel::HeapType::NoFunc
                | petrel::HeapType::ConcreteFunc(_) => Value::FuncRef { null: true },
                petrel::HeapType::Extern | petrel::HeapType::NoExtern => {
                    Value::ExternRef { null: true }
                }
                petrel::HeapType::Exn | petrel::HeapType::NoExn => Value::ExnRef { null: true },
                _ => Value::AnyRef { null: true },
            },
            petrel::ValType::V128 => Value::V128(u.arbitrary()?),
            // A value type the oracle has not learned yet: a finding, so
            // that it is taught before the generator makes such modules.
            other => panic!("the oracle has no values of type {other}"),
        })
    }

    /// The value from Petrel.
    pub fn from_petrel(v: &petrel::Val) -> Value {
        match *v {
            petrel::Val::I32(x) => Value::I32(x),
            petrel::Val::I64(x) => Value::I64(x),
            petrel::Val::F32(x) => Value::F32(x),
            petrel::Val::F64(x) => Value::F64(x),
            petrel::Val::FuncRef(f) => Value::FuncRef { null: f.is_none() },
            petrel::Val::ExternRef(r) => Value::ExternRef { null: r.is_none() },
            petrel::Val::AnyRef(r) => Value::AnyRef { null: r.is_none() },
            petrel::Val::ExnRef(r) => Value::ExnRef { null: r.is_none() },
            petrel::Val::V128(x) => Value::V128(x),
            other => panic!("the oracle has no counterpart of {other:?}"),
        }
    }

    /// The value from wasmi.
    pub fn from_wasmi(v: &wasmi::Val) -> Value {
        match v {
            wasmi::Val::I32(x) => Value::I32(*x),
            wasmi::Val::I64(x) => Value::I64(*x),
            wasmi::Val::F32(x) => Value::F32(x.to_bits()),
            wasmi::Val::F64(x) => Value::F64(x.to_bits()),
            wasmi::Val::FuncRef(f) => Value::FuncRef { null: f.is_null() },
            wasmi::Val::ExternRef(r) => Value::ExternRef { null: r.is_null() },
            wasmi::Val::V128(x) => Value::V128(x.as_u128()),
        }
    }

    /// The value for Petrel. Only null references can be converted.
    pub fn to_petrel(self) -> petrel::Val {
        match self {
            Value::I32(x) => petrel::Val::I32(x),
            Value::I64(x) => petrel::Val::I64(x),
            Value::F32(x) => petrel::Val::F32(x),
            Value::F64(x) => petrel::Val::F64(x),
            Value::V128(x) => petrel::Val::V128(x),
            Value::FuncRef { null: true } => petrel::Val::FuncRef(None),
            Value::ExternRef { null: true } => petrel::Val::ExternRef(None),
            Value::AnyRef { null: true } => petrel::Val::AnyRef(None),
            Value::ExnRef { null: true } => petrel::Val::ExnRef(None),
            Value::FuncRef { null: false }
            | Value::ExternRef { null: false }
            | Value::AnyRef { null: false }
            | Value::ExnRef { null: false } => {
                panic!("a non-null reference cannot cross engines")
            }
        }
    }

    /// The value for wasmi. Only null references can be converted.
    pub fn to_wasmi(self) -> wasmi::Val {
        match self {
            Value::I32(x) => wasmi::Val::I32(x),
            Value::I64(x) => wasmi::Val::I64(x),
            Value::F32(x) => wasmi::Val::F32(wasmi::F32::from_bits(x)),
            Value::F64(x) => wasmi::Val::F64(wasmi::F64::from_bits(x)),
            Value::V128(x) => wasmi::Val::V128(wasmi::V128::from(x)),
            Value::FuncRef { null: true } => wasmi::Val::FuncRef(wasmi::Nullable::Null),
            Value::ExternRef { null: true } => wasmi::Val::ExternRef(wasmi::Nullable::Null),
            Value::FuncRef { null: false }
            | Value::ExternRef { null: false }
            | Value::AnyRef { .. }
            | Value::ExnRef { .. } => panic!("wasmi has no counterpart of {self:?}"),
        }
    }
}

/// A zero value (or null) of `ty` for wasmi, to size result buffers.
pub fn wasmi_default(ty: wasmi::ValType) -> wasmi::Val {
    match ty {
        wasmi::ValType::I32 => wasmi::Val::I32(0),
        wasmi::ValType::I64 => wasmi::Val::I64(0),
        wasmi::ValType::F32 => wasmi::Val::F32(wasmi::F32::from_bits(0)),
        wasmi::ValType::F64 => wasmi::Val::F64(wasmi::F64::from_bits(0)),
        wasmi::ValType::FuncRef => wasmi::Val::FuncRef(wasmi::Nullable::Null),
        wasmi::ValType::ExternRef => wasmi::Val::ExternRef(wasmi::Nullable::Null),
        wasmi::ValType::V128 => wasmi::Val::V128(wasmi::V128::from(0u128)),
    }
}

/// Petrel's trap code for a wasmi trap code, or `None` for the codes
/// that have no Petrel counterpart (fuel, resource limits), which the
/// differential target never provokes.
pub fn trap_from_wasmi(code: wasmi::TrapCode) -> Option<petrel::TrapCode> {
    use petrel::TrapCode as P;
    use wasmi::TrapCode as W;
    Some(match code {
        W::UnreachableCodeReached => P::Unreachable,
        W::MemoryOutOfBounds => P::MemoryOutOfBounds,
        W::TableOutOfBounds => P::TableOutOfBounds,
        W::IndirectCallToNull => P::IndirectCallToNull,
        W::IntegerDivisionByZero => P::IntegerDivideByZero,
        W::IntegerOverflow => P::IntegerOverflow,
        W::BadConversionToInteger => P::BadConversionToInteger,
        W::StackOverflow => P::StackOverflow,
        W::BadSignature => P::BadSignature,
        W::OutOfFuel | W::GrowthOperationLimited | W::OutOfSystemMemory => return None,
    })
}

/// How a call (or an instantiation) ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// It returned these values.
    Returned(Vec<Value>),
    /// It trapped with this code.
    Trapped(petrel::TrapCode),
    /// It failed in some way that is not a Wasm trap; the text says how.
    Failed(String),
    /// An exception no handler caught left it, with this payload.
    Threw(Vec<Value>),
}

impl Outcome {
    /// Whether the call ran out of stack. Engines differ in how deep they
    /// let Wasm recurse, so such an outcome is not compared.
    pub fn is_stack_overflow(&self) -> bool {
        *self == Outcome::Trapped(petrel::TrapCode::StackOverflow)
    }

    /// The outcome of a Petrel call or instantiation.
    pub fn from_petrel<T>(r: &petrel::Result<T>, results: &[petrel::Val]) -> Outcome {
        match r {
            Ok(_) => Outcome::Returned(results.iter().map(Value::from_petrel).collect()),
            Err(e) => match e.trap_code() {
                Some(code) => Outcome::Trapped(code),
                None => Outcome::Failed(e.to_string()),
            },
        }
    }

    /// The outcome of a wasmi call or instantiation.
    pub fn from_wasmi<T>(
        r: &std::result::Result<T, wasmi::Error>,
        results: &[wasmi::Val],
    ) -> Outcome {
        match r {
            Ok(_) => Outcome::Returned(results.iter().map(Value::from_wasmi).collect()),
            Err(e) => match e.as_trap_code().and_then(trap_from_wasmi) {
                Some(code) => Outcome::Trapped(code),
                // wasmi reports an active element segment out of its
                // table's bounds as an instantiation error; the
                // specification (and Petrel) as a trap.
                None if matches!(
                    e.kind(),
                    wasmi::errors::ErrorKind::Instantiation(
                        wasmi::errors::InstantiationError::ElementSegmentDoesNotFit { .. }
                    )
                ) =>
                {
                    Outcome::Trapped(petrel::TrapCode::TableOutOfBounds)
                }
                None => Outcome::Failed(e.to_string()),
            },
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Returned(vals) => write!(f, "returned {vals:?}"),
            Outcome::Trapped(code) => write!(f, "trapped: {code}"),
            Outcome::Failed(msg) => write!(f, "failed: {msg}"),
            Outcome::Threw(payload) => write!(f, "threw {payload:?}"),
        }
    }
}
