//! The calling convention of compiled Wasm functions: the IR type of each
//! Wasm value type, the native signature every Wasm function has, the
//! prologue's stack-limit check, and the names of direct calls.

use super::super::run::traps::SiteCode;
use crate::error::{CompileError, TrapCode};
use crate::jit::codegen_error;
use crate::runtime::vm::{Builtin, BuiltinType, VMContext, VMStoreContext};
use crate::types::{FuncType, ValType};
use alloc::vec::Vec;
use core::mem::offset_of;
use cranelift_codegen::ir::{
    self, types, AbiParam, ConstantData, InstBuilder, MemFlagsData, Type, Value,
};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_frontend::FunctionBuilder;

/// The IR type of every `v128` value between operators (see
/// `translate::simd`).
pub(crate) const V128: Type = types::I8X16;

/// The IR type of a Wasm value type. References are raw 64-bit values
/// (0 = null, else a store index plus one); a `v128` is always [`V128`].
pub(crate) fn ir_type(t: ValType) -> Result<Type, CompileError> {
    Ok(match t {
        ValType::I32 => types::I32,
        ValType::I64 => types::I64,
        ValType::F32 => types::F32,
        ValType::F64 => types::F64,
        ValType::Ref(_) => types::I64,
        ValType::V128 => V128,
    })
}

/// The Wasm native signature: `(callee_vmctx, caller_vmctx, params...)
/// -> results` in Cranelift's `tail` calling convention, which every
/// Wasm-to-Wasm call uses. It is the platform's convention (the same
/// argument registers and callee-saved registers) except that a callee
/// pops its own stack arguments, which is what lets `return_call` replace
/// the caller's frame with a callee's of any signature (tail calls), and
/// that more results come back in registers. Only the trampolines at the
/// host boundary and the builtins use the platform's C convention.
pub(crate) fn wasm_signature(
    isa: &OwnedTargetIsa,
    ty: &FuncType,
) -> Result<ir::Signature, CompileError> {
    let ptr = isa.pointer_type();
    let mut sig = ir::Signature::new(CallConv::Tail);
    // The callee's context is marked as such so the prologue's stack-limit
    // check (`Function::stack_limit`) can load through it.
    sig.params
        .push(AbiParam::special(ptr, ir::ArgumentPurpose::VMContext));
    sig.params.push(AbiParam::new(ptr));
    for p in ty.params() {
        sig.params.push(AbiParam::new(ir_type(*p)?));
    }
    for r in ty.results() {
        sig.returns.push(AbiParam::new(ir_type(*r)?));
    }
    Ok(sig)
}

/// The native signature of `builtin`: the calling instance's context,
/// then the parameters the builtin list declares.
pub(crate) fn builtin_signature(isa: &OwnedTargetIsa, builtin: Builtin) -> ir::Signature {
    let ptr = isa.pointer_type();
    let ty = |t: BuiltinType| match t {
        BuiltinType::I32 => types::I32,
        BuiltinType::I64 => types::I64,
        BuiltinType::Ptr => ptr,
    };
    let mut sig = ir::Signature::new(isa.default_call_conv());
    sig.params.push(AbiParam::new(ptr));
    for p in builtin.params() {
        sig.params.push(AbiParam::new(ty(*p)));
    }
    if let Some(r) = builtin.result() {
        sig.returns.push(AbiParam::new(ty(r)));
    }
    sig
}

/// Makes the prologue of `func` check the stack before it allocates the
/// frame: Cranelift compares the stack pointer minus the whole frame size
/// with a limit loaded through the context (`vmctx->store->limit`) and
/// traps with `STACK_OVERFLOW` (a registered trap site) when it would go
/// below. Checking before the frame is allocated is what matters: a
/// function with a frame of megabytes (tens of thousands of spilled
/// values) would otherwise write its saved registers far below the stack
/// before any check in its body ran. Leaf functions without a frame are
/// left unchecked by Cranelift: their caller's check covered them.
///
/// With signals the prologue check is the stack-overflow trap (the body's
/// own check, see `translate`, then never fires). Without, a trap
/// instruction would kill the process, so the graceful trap is the body's
/// check against `stack_limit` and the prologue checks `stack_hard_limit`,
/// `EXPLICIT_FRAME_SLACK` lower: only a frame larger than the slack,
/// entered near the limit, reaches it, and that aborts the process rather
/// than write beyond the stack.
pub(super) fn install_stack_limit(
    func: &mut ir::Function,
    ptr: Type,
    signals: bool,
) -> Result<(), CompileError> {
    let flags = func
        .dfg
        .mem_flags
        .insert(MemFlagsData::trusted())
        .map_err(|_| codegen_error("too many memory flag sets"))?;
    let vmctx = func.create_global_value(ir::GlobalValueData::VMContext);
    let store = func.create_global_value(ir::GlobalValueData::Load {
        base: vmctx,
        offset: (offset_of!(VMContext, store) as i32).into(),
        global_type: ptr,
        flags,
    });
    let field = if signals {
        offset_of!(VMStoreContext, stack_limit)
    } else {
        offset_of!(VMStoreContext, stack_hard_limit)
    };
    let limit = func.create_global_value(ir::GlobalValueData::Load {
        base: store,
        offset: (field as i32).into(),
        global_type: ptr,
        flags,
    });
    func.stack_limit = Some(limit);
    Ok(())
}

/// The `UserExternalName` namespace of a module's defined functions (the
/// index is the defined-function index): the targets of direct calls.
pub(crate) const DEFINED_FUNCS: u32 = 0;

/// The Cranelift trap code for a Wasm trap.
pub(crate) fn clif_trap(code: TrapCode) -> ir::TrapCode {
    ir::TrapCode::unwrap_user(code.bits() as u8)
}

/// The trap-table code for a trap site Cranelift recorded.
pub(crate) fn site_code(code: ir::TrapCode) -> SiteCode {
    let bits = match code {
        ir::TrapCode::STACK_OVERFLOW => TrapCode::StackOverflow.bits(),
        ir::TrapCode::INTEGER_OVERFLOW => TrapCode::IntegerOverflow.bits(),
        ir::TrapCode::HEAP_OUT_OF_BOUNDS => TrapCode::MemoryOutOfBounds.bits(),
        ir::TrapCode::INTEGER_DIVISION_BY_ZERO => TrapCode::IntegerDivideByZero.bits(),
        ir::TrapCode::BAD_CONVERSION_TO_INTEGER => TrapCode::BadConversionToInteger.bits(),
        user => return user.as_raw().get(),
    };
    bits as SiteCode
}

/// The zero value of IR type `ty` (a new local's value; what a frame that
/// trapped returns).
pub(crate) fn zero(b: &mut FunctionBuilder<'_>, ty: Type) -> Value {
    match ty {
        types::F32 => b.ins().f32const(0.0),
        types::F64 => b.ins().f64const(0.0),
        ty if ty.is_vector() => {
            let c = b
                .func
                .dfg
                .constants
                .insert(ConstantData::from(&[0u8; 16][..]));
            b.ins().vconst(ty, c)
        }
        _ => b.ins().iconst(ty, 0),
    }
}

// ---- the array-call slot encoding ------------------------------------
//
// Values crossing the host boundary (and exception payloads) are raw
// 8-byte slots: `i32`/`f32` in the low half, a `v128` in two consecutive
// slots (low half first, so one little-endian 16-byte access), which are
// only 8-byte aligned.

/// Flags for a slot access of type `ty`: a `v128` in two 8-byte slots
/// is not 16-byte aligned, and must not be declared so.
pub(crate) fn slot_flags(ty: Type) -> MemFlagsData {
    if ty.is_vector() {
        MemFlagsData::new().with_notrap()
    } else {
        MemFlagsData::trusted()
    }
}

/// The byte offset of each value's first slot, and the slots they take.
pub(crate) fn slot_offsets(tys: &[ValType]) -> (Vec<i32>, usize) {
    let mut at = 0;
    let offsets = tys
        .iter()
        .map(|t| {
            let off = at as i32 * 8;
            at += t.slots();
            off
        })
        .collect();
    (offsets, at)
}

/// Loads a raw slot as a value of type `ty`.
pub(crate) fn load_slot(b: &mut FunctionBuilder<'_>, ty: Type, ptr: Value, offset: i32) -> Value {
    b.ins().load(ty, slot_flags(ty), ptr, offset)
}

/// Stores `v` as a raw slot (`i32`/`f32` in the low half; the high half
/// zeroed).
pub(crate) fn store_slot(b: &mut FunctionBuilder<'_>, v: Value, ptr: Value, offset: i32) {
    let ty = b.func.dfg.value_type(v);
    let v = if ty.is_vector() { v } else { slot_bits(b, v) };
    b.ins().store(slot_flags(ty), v, ptr, offset);
}

/// A scalar or reference `v` as the `i64` of its raw slot (`i32`/`f32` in
/// the low half, the high half zeroed).
pub(crate) fn slot_bits(b: &mut FunctionBuilder<'_>, v: Value) -> Value {
    match b.func.dfg.value_type(v) {
        types::I32 => b.ins().uextend(types::I64, v),
        types::F32 => {
            let bits = b.ins().bitcast(types::I32, MemFlagsData::new(), v);
            b.ins().uextend(types::I64, bits)
        }
        types::F64 => b.ins().bitcast(types::I64, MemFlagsData::new(), v),
        _ => v,
    }
}

/// The value of type `ty` (a scalar or reference) whose raw slot is the
/// `i64` `bits`: the inverse of [`slot_bits`].
pub(crate) fn from_slot_bits(b: &mut FunctionBuilder<'_>, ty: Type, bits: Value) -> Value {
    match ty {
        types::I32 => b.ins().ireduce(types::I32, bits),
        types::F32 => {
            let low = b.ins().ireduce(types::I32, bits);
            b.ins().bitcast(types::F32, MemFlagsData::new(), low)
        }
        types::F64 => b.ins().bitcast(types::F64, MemFlagsData::new(), bits),
        _ => bits,
    }
}
