//! Inlining, in two kinds, each keeping backtraces exact.
//!
//! **Small functions that call themselves.** A recursive function such as
//! `fib` spends most of its time in calls. Inlining its calls to itself
//! once (the same idea as GCC's recursive inlining and HotSpot's
//! one-level recursive inlining) halves the calls it makes and lets
//! Cranelift optimise across them.
//!
//! The inlined body is a copy of the function in which every trap site
//! carries its code plus [`INLINED_OFFSET`] and every direct call names
//! its callee in the [`DEFINED_FUNCS_INLINED`] namespace. When the
//! function is compiled, these mark the code offsets that lie in the
//! inlined copy: its trap sites, and the return addresses of its calls.
//! The trap handler records a second frame of the same function for each
//! of those addresses, so a trap in inlined code, or below a call made
//! from it, shows every Wasm frame the interpreter would show.
//!
//! Not every function can be inlined this way. A function that makes a
//! tail call keeps its calls (the tail call would leave the caller's frame
//! from inside the copy). A function whose copy
//! could trap or call anywhere the marks cannot reach keeps its calls:
//! indirect calls (host functions, libcalls, `call_indirect`: their
//! return addresses carry no mark), or instructions whose trap Cranelift
//! raises with a code of its own (integer division, trapping float
//! conversions).
//!
//! **Small functions called directly by others** ([`prepare_callee`],
//! [`inline_small_callees`]): getters, wrappers such as
//! `__rust_alloc` -> `__rdl_alloc` -> `malloc`, one level deep. Their
//! trap sites are marked the same way, and their calls and trapping
//! instructions carry Cranelift debug tags naming the callee, which
//! Cranelift places at code offsets; the compiled caller maps each marked
//! site and each tagged return address to the function inlined there,
//! and the trap handler records that function's frame before its
//! caller's. A function that inlines
//! other functions is not also inlined into itself, so a mark always
//! means one kind.
//!
//! Only signal-based traps use either kind. With explicit checks every
//! trap path already calls the `record_frame` libcall, so no function
//! qualifies; fuel and epoch checks (whose traps are conditional) keep
//! callees out too.

use crate::error::CompileError;
use crate::jit::codegen_error;
use crate::jit::compile::abi::{site_code, DEFINED_FUNCS};
use crate::jit::run::traps::SiteCode;
use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use cranelift_codegen::inline::{Inline, InlineCommand};
use cranelift_codegen::ir::{self, ExternalName, UserExternalName};
use cranelift_codegen::Context;

/// The `UserExternalName` namespace of direct calls made from an inlined
/// copy (same indices as [`DEFINED_FUNCS`]).
pub(crate) const DEFINED_FUNCS_INLINED: u32 = 1;

/// Added to a trap site's code in an inlined copy. Every site code is
/// below it (see `traps::SiteCode`).
pub(crate) const INLINED_OFFSET: SiteCode = 100;

/// The largest function (in IR instructions) whose calls to itself are
/// inlined, and the most such calls it may make: the body grows by that
/// many copies.
const MAX_INSTS: usize = 80;
const MAX_SELF_CALLS: usize = 2;

/// Splits a recorded trap code into the site code and whether the site
/// lies in an inlined copy.
pub(crate) fn split_site(code: SiteCode) -> (SiteCode, bool) {
    if code > INLINED_OFFSET && code < 2 * INLINED_OFFSET {
        (code - INLINED_OFFSET, true)
    } else {
        (code, false)
    }
}

/// Inlines, once, the calls the function in `ctx` (defined function
/// `def`) makes to itself, if it is small and its copy can be marked.
pub(crate) fn inline_self_calls(ctx: &mut Context, def: u32) -> Result<(), CompileError> {
    let func = &ctx.func;
    let mut insts = 0;
    let mut self_calls = 0;
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            insts += 1;
            match func.dfg.insts[inst].opcode() {
                // A tail call leaves the frame an inlined copy would share.
                ir::Opcode::ReturnCall | ir::Opcode::ReturnCallIndirect => return Ok(()),
                ir::Opcode::Call => {}
                _ => continue,
            }
            if let ir::InstructionData::Call { func_ref, .. } = func.dfg.insts[inst] {
                if callee_def(func, func_ref) == Some(def) {
                    self_calls += 1;
                }
            }
        }
    }
    if self_calls == 0 || self_calls > MAX_SELF_CALLS || insts > MAX_INSTS {
        return Ok(());
    }
    let Some(copy) = marked_copy(func)? else {
        return Ok(());
    };
    ctx.inline(SelfCalls { copy, def })
        .map_err(|e| codegen_error(alloc::format!("inlining: {e:?}")))?;
    Ok(())
}

/// The defined-function index a direct call targets, if it is one.
fn callee_def(func: &ir::Function, func_ref: ir::FuncRef) -> Option<u32> {
    match &func.dfg.ext_funcs[func_ref].name {
        ExternalName::User(name) => {
            let name = &func.params.user_named_funcs()[*name];
            (name.namespace == DEFINED_FUNCS).then_some(name.index)
        }
        _ => None,
    }
}

/// A copy of `func` with every trap site's code and every direct call's
/// namespace marked as inlined, or `None` if some instruction could trap
/// or call without a mark.
fn marked_copy(func: &ir::Function) -> Result<Option<ir::Function>, CompileError> {
    let mut copy = func.clone();
    let insts: Vec<ir::Inst> = func
        .layout
        .blocks()
        .flat_map(|b| func.layout.block_insts(b))
        .collect();
    for inst in insts {
        let data = copy.dfg.insts[inst];
        let opcode = data.opcode();
        // Memory accesses only: `bitcast` carries flags too (its lane
        // order), which must stay as they are.
        let access = opcode.can_load() || opcode.can_store();
        if let Some(flags) = data.memflags().filter(|_| access) {
            let flags = copy.dfg.mem_flags[flags];
            if let Some(code) = flags.trap_code() {
                let marked = copy
                    .dfg
                    .mem_flags
                    .insert(flags.with_trap_code(Some(marked_trap(code))))
                    .map_err(|_| codegen_error("too many memory flag sets"))?;
                if let Some(f) = copy.dfg.insts[inst].memflags_mut() {
                    *f = marked;
                }
            }
        } else if let Some(code) = copy.dfg.insts[inst].trap_code_mut() {
            *code = marked_trap(*code);
        } else if opcode == ir::Opcode::Call {
            // Marked through its name, below.
        } else if opcode.can_trap() || opcode.is_call() {
            return Ok(None);
        }
    }
    let names: Vec<_> = copy
        .params
        .user_named_funcs()
        .iter()
        .filter(|(_, name)| name.namespace == DEFINED_FUNCS)
        .map(|(r, name)| (r, name.index))
        .collect();
    for (r, index) in names {
        copy.params
            .reset_user_func_name(r, UserExternalName::new(DEFINED_FUNCS_INLINED, index));
    }
    Ok(Some(copy))
}

/// `code` as it reads in an inlined copy.
fn marked_trap(code: ir::TrapCode) -> ir::TrapCode {
    ir::TrapCode::unwrap_user(site_code(code) + INLINED_OFFSET)
}

/// Inlines the calls a function makes to itself, with its marked copy.
struct SelfCalls {
    copy: ir::Function,
    def: u32,
}

impl Inline for SelfCalls {
    fn inline(
        &mut self,
        caller: &ir::Function,
        _inst: ir::Inst,
        opcode: ir::Opcode,
        callee: ir::FuncRef,
        _args: &[ir::Value],
    ) -> InlineCommand<'_> {
        if opcode == ir::Opcode::Call && callee_def(caller, callee) == Some(self.def) {
            InlineCommand::Inline {
                callee: Cow::Borrowed(&self.copy),
                visit_callee: false,
            }
        } else {
            InlineCommand::KeepCall
        }
    }
}

/// The largest callee body (in IR instructions) inlined into its callers,
/// and the most instructions inlining may add to one caller.
const MAX_CALLEE_INSTS: usize = 24;
const MAX_GROWTH: usize = 200;

/// The body of defined function `def` (module function `func_index`),
/// translated to IR, made ready to be inlined into other functions, or
/// `None` if it is too big or could trap where the marks cannot say in
/// which function.
///
/// Every call of it carries a debug tag naming `func_index`
/// (`DebugTag::User`), and so does a sequence point just before every
/// instruction of it that can trap ([`tag_before`]); Cranelift keeps them
/// on the inlined copies and places them at code offsets (after a call,
/// where its return address is; at the trapping instruction), and its trap sites
/// are marked as inlined ([`INLINED_OFFSET`]), so that the compiled caller
/// can tell which of its trap sites and calls lie in whose inlined body
/// (see `func.rs`). Only traps raised by the trapping instruction itself
/// qualify (guarded memory accesses, `unreachable`): a conditional trap
/// jumps to an island whose address carries no tag.
pub(crate) fn prepare_callee(mut func: ir::Function, func_index: u32) -> Option<ir::Function> {
    let insts: Vec<ir::Inst> = func
        .layout
        .blocks()
        .flat_map(|b| func.layout.block_insts(b))
        .collect();
    if insts.len() > MAX_CALLEE_INSTS {
        return None;
    }
    let tag = [ir::DebugTag::User(func_index)];
    for inst in insts {
        let data = func.dfg.insts[inst];
        let opcode = data.opcode();
        match opcode {
            ir::Opcode::Call | ir::Opcode::CallIndirect => {
                func.debug_tags.set(inst, tag.iter().cloned());
                continue;
            }
            // Tail calls, and calls with exception handlers.
            _ if opcode.is_call() => return None,
            _ => {}
        }
        if opcode.can_load() || opcode.can_store() {
            let flags = func.dfg.mem_flags[data.memflags()?];
            if let Some(code) = flags.trap_code() {
                let marked = func
                    .dfg
                    .mem_flags
                    .insert(flags.with_trap_code(Some(marked_trap(code))))
                    .ok()?;
                if let Some(f) = func.dfg.insts[inst].memflags_mut() {
                    *f = marked;
                }
                tag_before(&mut func, inst, &tag);
            }
        } else if opcode == ir::Opcode::Trap {
            if let Some(code) = func.dfg.insts[inst].trap_code_mut() {
                *code = marked_trap(*code);
            }
            tag_before(&mut func, inst, &tag);
        } else if opcode.can_trap() || data.trap_code().is_some() {
            return None;
        }
    }
    Some(func)
}

/// Puts `tag` just before `inst`, on a `sequence_point` (Cranelift takes
/// debug tags only on calls and sequence points): an immovable marker that
/// emits no code, so its tag lands at the offset of the next instruction
/// with a side effect, `inst` (a trapping one: nothing with a side effect
/// moves between the two).
fn tag_before(func: &mut ir::Function, inst: ir::Inst, tag: &[ir::DebugTag]) {
    let marker = func.dfg.make_inst(ir::InstructionData::NullAry {
        opcode: ir::Opcode::SequencePoint,
    });
    func.layout.insert_inst(marker, inst);
    func.debug_tags.set(marker, tag.iter().cloned());
}

/// Inlines into the function in `ctx` (defined function `def`) its direct
/// calls to the small functions of `callees` (by defined index; see
/// [`prepare_callee`]), up to [`MAX_GROWTH`] instructions. Returns whether
/// it inlined any.
pub(crate) fn inline_small_callees(
    ctx: &mut Context,
    def: u32,
    callees: &BTreeMap<u32, Option<ir::Function>>,
) -> Result<bool, CompileError> {
    ctx.inline(SmallCallees {
        callees,
        def,
        budget: MAX_GROWTH,
    })
    .map_err(|e| codegen_error(alloc::format!("inlining: {e:?}")))
}

/// The defined functions the function in `ctx` calls directly, itself
/// excepted: the candidates [`inline_small_callees`] looks up.
pub(crate) fn direct_callees(ctx: &Context, def: u32) -> Vec<u32> {
    let func = &ctx.func;
    let mut out: Vec<u32> = func
        .dfg
        .ext_funcs
        .keys()
        .filter_map(|r| callee_def(func, r))
        .filter(|&d| d != def)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Inlines direct calls to other functions small enough and prepared.
struct SmallCallees<'a> {
    callees: &'a BTreeMap<u32, Option<ir::Function>>,
    def: u32,
    budget: usize,
}

impl Inline for SmallCallees<'_> {
    fn inline(
        &mut self,
        caller: &ir::Function,
        _inst: ir::Inst,
        opcode: ir::Opcode,
        callee: ir::FuncRef,
        _args: &[ir::Value],
    ) -> InlineCommand<'_> {
        let body = match callee_def(caller, callee) {
            Some(d) if opcode == ir::Opcode::Call && d != self.def => self.callees.get(&d),
            _ => None,
        };
        let Some(Some(body)) = body else {
            return InlineCommand::KeepCall;
        };
        let size = body.dfg.num_insts();
        if size > self.budget {
            return InlineCommand::KeepCall;
        }
        self.budget -= size;
        InlineCommand::Inline {
            callee: Cow::Borrowed(body),
            visit_callee: false,
        }
    }
}

// Every site code must stay below the mark, and a marked code must stay a
// user trap code (Cranelift reserves the top five).
const _: () = assert!(crate::jit::run::traps::DYNAMIC < INLINED_OFFSET);
const _: () = assert!((2 * INLINED_OFFSET as u32) < 251);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::TrapCode;

    #[test]
    fn marked_codes_split_back_to_their_site_code() {
        for code in 1..INLINED_OFFSET {
            assert_eq!(split_site(code), (code, false));
            assert_eq!(split_site(code + INLINED_OFFSET), (code, true));
        }
        assert!(TrapCode::StackOverflow.bits() < u32::from(INLINED_OFFSET));
        let marked = marked_trap(ir::TrapCode::HEAP_OUT_OF_BOUNDS);
        assert_eq!(
            split_site(site_code(marked)),
            (TrapCode::MemoryOutOfBounds.bits() as SiteCode, true)
        );
    }
}
