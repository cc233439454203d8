//! Per-signature stubs between the host's "array call" ABI (values in a
//! buffer of raw 64-bit slots, the encoding of `api::values`) and the Wasm
//! native ABI (`fn(callee_vmctx, caller_vmctx, params...) -> results`).
//!
//! - The array trampoline lets the host call compiled code:
//!   `extern "C" fn(code, callee_vmctx, caller_vmctx, values)` loads the
//!   arguments from `values`, calls `code`, stores the results back.
//! - The host stub lets compiled code call a host function: it has the
//!   Wasm native signature, spills the arguments to a stack buffer and calls
//!   the `host_call` libcall, then loads the results from the buffer.
//!
//! A `v128` takes two consecutive slots (low half first, so one
//! little-endian 16-byte access), which are only 8-byte aligned.

use super::abi::{
    from_slot_bits, ir_type, load_slot, slot_bits, slot_offsets, store_slot, wasm_signature,
};
use super::finish_function;
use crate::error::CompileError;
use crate::jit::run::code_memory::CompiledCode;
use crate::jit::run::traps::DYNAMIC;
use crate::runtime::vm::{host_regs_fit, VMHostFunc, HOST_REG_ARGS};
use crate::types::FuncType;
use alloc::vec::Vec;
use core::mem::offset_of;
use cranelift_codegen::ir::{
    self, types, AbiParam, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, UserFuncName,
};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

pub(crate) fn array_trampoline(
    isa: &OwnedTargetIsa,
    ty: &FuncType,
) -> Result<CompiledCode, CompileError> {
    let ptr = isa.pointer_type();
    let mut sig = ir::Signature::new(isa.default_call_conv());
    for _ in 0..4 {
        sig.params.push(AbiParam::new(ptr));
    }
    let mut func = ir::Function::with_name_signature(UserFuncName::user(1, 0), sig);
    let mut fb = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut fb);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let p = b.block_params(entry).to_vec();
    let (code, callee_vmctx, caller_vmctx, values) = (p[0], p[1], p[2], p[3]);
    let mut args = alloc::vec![callee_vmctx, caller_vmctx];
    let (param_offsets, _) = slot_offsets(ty.params());
    for (t, off) in ty.params().iter().zip(param_offsets) {
        let t = ir_type(*t)?;
        args.push(load_slot(&mut b, t, values, off));
    }
    let callee_sig = b.import_signature(wasm_signature(isa, ty)?);
    let call = b.ins().call_indirect(callee_sig, code, &args);
    let results = b.inst_results(call).to_vec();
    let (result_offsets, _) = slot_offsets(ty.results());
    for (r, off) in results.into_iter().zip(result_offsets) {
        store_slot(&mut b, r, values, off);
    }
    b.ins().return_(&[]);
    b.seal_all_blocks();
    b.finalize(isa.frontend_config());
    finish_function(isa, func)
}

/// `signals`: a failed host call traps (signal-based traps) instead of
/// returning with the trap code set.
pub(crate) fn host_stub(
    isa: &OwnedTargetIsa,
    ty: &FuncType,
    signals: bool,
) -> Result<CompiledCode, CompileError> {
    let ptr = isa.pointer_type();
    let sig = wasm_signature(isa, ty)?;
    let mut func = ir::Function::with_name_signature(UserFuncName::user(2, 0), sig);
    let mut fb = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut fb);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let p = b.block_params(entry).to_vec();
    let (callee_vmctx, caller_vmctx) = (p[0], p[1]);
    if host_regs_fit(ty) {
        host_stub_regs(isa, b, ty, signals, &p)?;
        return finish_function(isa, func);
    }
    let (param_offsets, param_slots) = slot_offsets(ty.params());
    let (result_offsets, result_slots) = slot_offsets(ty.results());
    let slots = param_slots.max(result_slots).max(1);
    let ss = b.create_sized_stack_slot(StackSlotData::new(
        StackSlotKind::ExplicitSlot,
        slots as u32 * 8,
        3,
    ));
    let buf = b.ins().stack_addr(ptr, ss, 0);
    for (v, off) in p[2..].iter().zip(param_offsets) {
        store_slot(&mut b, *v, buf, off);
    }
    // The callee's "vmctx" of a host function is its record: call its
    // entry with the record, the caller's context, the buffer and the
    // stub's frame (where an exception the host function throws is thrown
    // from).
    let ro = MemFlagsData::trusted().with_readonly();
    let entry_fn = b
        .ins()
        .load(ptr, ro, callee_vmctx, offset_of!(VMHostFunc, entry) as i32);
    let mut entry_sig = ir::Signature::new(isa.default_call_conv());
    entry_sig.params.extend([AbiParam::new(ptr); 4]);
    entry_sig.returns.push(AbiParam::new(types::I32));
    let call_sig = b.import_signature(entry_sig);
    let fp = b.ins().get_frame_pointer(ptr);
    let call = b
        .ins()
        .call_indirect(call_sig, entry_fn, &[callee_vmctx, caller_vmctx, buf, fp]);
    if signals {
        // The entry stored the trap code; the trap only unwinds.
        let status = b.inst_results(call)[0];
        b.ins().trapnz(status, ir::TrapCode::unwrap_user(DYNAMIC));
    }
    // Without signals, on a trap the results are garbage and the caller
    // checks the trap code.
    let mut results = Vec::new();
    for (t, off) in ty.results().iter().zip(result_offsets) {
        let t = ir_type(*t)?;
        results.push(load_slot(&mut b, t, buf, off));
    }
    b.ins().return_(&results);
    b.seal_all_blocks();
    b.finalize(isa.frontend_config());
    finish_function(isa, func)
}

/// The host stub of a signature that fits in registers (`host_regs_fit`):
/// the arguments go to the record's `entry_regs` as raw slots in
/// registers, the result comes back beside the status; nothing goes
/// through memory. `p` are the stub's parameters; `b` is finalized.
fn host_stub_regs(
    isa: &OwnedTargetIsa,
    mut b: FunctionBuilder<'_>,
    ty: &FuncType,
    signals: bool,
    p: &[ir::Value],
) -> Result<(), CompileError> {
    let ptr = isa.pointer_type();
    let (callee_vmctx, caller_vmctx) = (p[0], p[1]);
    let mut args = alloc::vec![callee_vmctx, caller_vmctx];
    for &v in &p[2..] {
        args.push(slot_bits(&mut b, v));
    }
    while args.len() < 2 + HOST_REG_ARGS {
        args.push(b.ins().iconst(types::I64, 0));
    }
    args.push(b.ins().get_frame_pointer(ptr));
    let ro = MemFlagsData::trusted().with_readonly();
    let entry_fn = b.ins().load(
        ptr,
        ro,
        callee_vmctx,
        offset_of!(VMHostFunc, entry_regs) as i32,
    );
    let mut entry_sig = ir::Signature::new(isa.default_call_conv());
    entry_sig.params.extend([AbiParam::new(ptr); 2]);
    entry_sig
        .params
        .extend([AbiParam::new(types::I64); HOST_REG_ARGS]);
    entry_sig.params.push(AbiParam::new(ptr));
    // `HostReturn { value, status }`.
    entry_sig.returns.extend([AbiParam::new(types::I64); 2]);
    let call_sig = b.import_signature(entry_sig);
    let call = b.ins().call_indirect(call_sig, entry_fn, &args);
    let (value, status) = {
        let r = b.inst_results(call);
        (r[0], r[1])
    };
    if signals {
        b.ins().trapnz(status, ir::TrapCode::unwrap_user(DYNAMIC));
    }
    let mut results = Vec::new();
    if let Some(&t) = ty.results().first() {
        let t = ir_type(t)?;
        results.push(from_slot_bits(&mut b, t, value));
    }
    b.ins().return_(&results);
    b.seal_all_blocks();
    b.finalize(isa.frontend_config());
    Ok(())
}
