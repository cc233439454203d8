//! Compiling one function: Wasm body to Cranelift IR ([`translate`]), the
//! choice of register allocator, then machine code with its trap sites
//! and direct calls ([`CompiledCode`]). `compile_module` (in `jit`)
//! drives it over a module's functions.

use super::abi::{site_code, wasm_signature, DEFINED_FUNCS};
use super::isa::HostIsas;
use super::translate;
use crate::config::CodeSettings;
use crate::error::CompileError;
use crate::jit::codegen_error;
use crate::jit::run::code_memory::{CallSite, CompiledCode};
use crate::jit::run::traps::HandlerSite;
use crate::module::ModuleInfo;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{self, ExternalName, UserFuncName};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::{Context, FinalizedRelocTarget, MachDebugTagPos};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use wasmparser::{BinaryReader, FunctionBody};

/// Compiles a finished IR function to position-independent machine code.
pub(crate) fn finish_function(
    isa: &OwnedTargetIsa,
    func: ir::Function,
) -> Result<CompiledCode, CompileError> {
    let mut ctx = Context::for_function(func);
    // Stubs inline nothing: the index is never recorded.
    compile_context(isa, &mut ctx, u32::MAX)
}

/// Compiles the function in `ctx` (module function `func_index`).
fn compile_context(
    isa: &OwnedTargetIsa,
    ctx: &mut Context,
    func_index: u32,
) -> Result<CompiledCode, CompileError> {
    let code = ctx
        .compile(&**isa, &mut ControlPlane::default())
        .map_err(|e| codegen_error(alloc::format!("{:?}", e.inner)))?;
    // Where other functions were inlined (see `translate::inline`): the
    // debug tags name the inlined function at each trap site (before the
    // instruction) and each return address (after the call) of its body.
    let mut tags_before = Vec::new();
    let mut inlined = Vec::new();
    for list in code.buffer.debug_tags() {
        let Some(callee) = list.tags.iter().rev().find_map(|t| match t {
            ir::DebugTag::User(f) => Some(*f),
            _ => None,
        }) else {
            continue;
        };
        match list.pos {
            MachDebugTagPos::Pre => tags_before.push((list.offset, callee)),
            // The frame walk records a return address minus one.
            MachDebugTagPos::Post => inlined.push((list.offset - 1, callee)),
        }
    }
    let cross = !tags_before.is_empty() || !inlined.is_empty();
    // The only relocations allowed are direct calls to functions of the
    // same module, which `CodeMemory` resolves relative to the image (so it
    // stays position-independent); anything else (a libcall the host ISA
    // cannot lower inline?) is refused.
    let relocs = code.buffer.relocs().to_vec();
    let traps = code
        .buffer
        .traps()
        .iter()
        .map(|t| {
            let (code, in_copy) = translate::split_inlined_site(site_code(t.code));
            if in_copy {
                // A marked site lies in an inlined body: the function's own
                // copy, or (when it inlined others) the body whose tag is
                // the last one placed at or before it, the trapping
                // instruction's own (only instructions that trap where
                // they stand are marked in inlined callees).
                let inner = if cross {
                    let i = tags_before.partition_point(|&(o, _)| o <= t.offset);
                    let tag = i.checked_sub(1).map(|i| tags_before[i].1);
                    debug_assert!(tag.is_some(), "an inlined trap site without its tag");
                    tag.unwrap_or(func_index)
                } else {
                    func_index
                };
                inlined.push((t.offset, inner));
            }
            (t.offset, code)
        })
        .collect();
    let bytes = code.code_buffer().to_vec();
    let handlers = handler_sites(&code.buffer)?;
    let mut calls = Vec::new();
    for r in &relocs {
        let callee = match (&r.kind, &r.target) {
            (kind, FinalizedRelocTarget::ExternalName(ExternalName::User(name)))
                if crate::sys::is_direct_call(*kind) =>
            {
                let name = &ctx.func.params.user_named_funcs()[*name];
                if name.namespace == translate::DEFINED_FUNCS_INLINED {
                    inlined.push((crate::sys::direct_call_site(r.offset), func_index));
                }
                (name.namespace == DEFINED_FUNCS
                    || name.namespace == translate::DEFINED_FUNCS_INLINED)
                    .then_some(name.index)
            }
            _ => None,
        };
        let Some(callee) = callee else {
            return Err(codegen_error(alloc::format!(
                "Cranelift emitted an unexpected relocation ({:?}); compiled code must be \
                 position-independent",
                r.kind
            )));
        };
        calls.push(CallSite {
            offset: r.offset,
            callee,
            addend: r.addend,
        });
    }
    inlined.sort_unstable();
    inlined.dedup_by_key(|&mut (o, _)| o);
    Ok(CompiledCode {
        code: bytes,
        traps,
        calls,
        inlined,
        handlers,
    })
}

/// The exception handlers of the calls inside a `try_table`: each such
/// call has one catch-all handler (the `try_table`'s dispatch block, which
/// matches tags itself), and the frame offset that restores its frame.
fn handler_sites(
    buffer: &cranelift_codegen::MachBufferFinalized<cranelift_codegen::Final>,
) -> Result<Vec<HandlerSite>, CompileError> {
    use cranelift_codegen::FinalizedMachExceptionHandler as H;
    let mut sites = Vec::new();
    for call in buffer.call_sites() {
        let mut handlers = call.exception_handlers.iter();
        let Some(first) = handlers.next() else {
            continue;
        };
        let (H::Default(handler), None, Some(frame_offset)) =
            (first, handlers.next(), call.frame_offset)
        else {
            return Err(codegen_error(alloc::format!(
                "Cranelift emitted an unexpected exception table ({:?})",
                call.exception_handlers
            )));
        };
        sites.push(HandlerSite {
            ret_addr: call.ret_addr,
            handler: *handler,
            frame_offset,
        });
    }
    Ok(sites)
}

/// Past this many locals plus operand-stack slots, a function is compiled
/// with the single-pass register allocator (see `FuncCompiler::compile`).
/// Compiled C, C++ and Rust stay far below it: their operand stacks are a
/// few values deep, and 4,096 locals is a very large function.
const MAX_PRESSURE: usize = 4096;

/// Compiles function bodies, reusing its allocations from one function to
/// the next. One per thread.
pub(crate) struct FuncCompiler {
    isa: OwnedTargetIsa,
    /// The same ISA with the single-pass register allocator, for
    /// functions past `MAX_PRESSURE`.
    big_isa: OwnedTargetIsa,
    signals: bool,
    checks: CodeSettings,
    ctx: Context,
    fb: FunctionBuilderContext,
    /// Small functions of the module being compiled, translated and
    /// prepared for inlining into their callers (`None`: not inlinable),
    /// by defined index.
    callees: BTreeMap<u32, Option<ir::Function>>,
    callee_fb: FunctionBuilderContext,
    /// The defined functions of the image being compiled, when it is a
    /// batch of tier-up (`None`: the whole module; see
    /// `translate::Translator::members`).
    members: Option<alloc::sync::Arc<[bool]>>,
}

impl FuncCompiler {
    /// A compiler for `isas`; `signals` selects signal-based traps and
    /// guarded memories (see the module docs).
    pub(crate) fn new(isas: &HostIsas, signals: bool, checks: CodeSettings) -> Self {
        Self {
            isa: isas.normal.clone(),
            big_isa: isas.big.clone(),
            signals,
            checks,
            ctx: Context::new(),
            fb: FunctionBuilderContext::new(),
            callees: BTreeMap::new(),
            callee_fb: FunctionBuilderContext::new(),
            members: None,
        }
    }

    /// This compiler, for the functions of a batch of tier-up: its calls
    /// to defined functions not in `members` go through the instance's
    /// function references.
    pub(crate) fn with_members(mut self, members: Option<alloc::sync::Arc<[bool]>>) -> Self {
        self.members = members;
        self
    }

    /// Machine code for defined function `def`.
    pub(crate) fn compile(
        &mut self,
        info: &ModuleInfo,
        bytes: &[u8],
        def: u32,
    ) -> Result<CompiledCode, CompileError> {
        let func_index = info.num_imported_funcs + def;
        self.ctx.clear();
        let (func, translated) = self.translate(info, bytes, def, false, false)?;
        let (pressure, exceptions) = (translated.pressure, translated.exceptions);
        self.ctx.func = func;
        // Inlining would copy calls with exception handlers and frames the
        // unwinder must see: functions with exceptions keep their calls.
        // Fuel and epoch checks trap conditionally, where no mark reaches.
        if self.signals && !exceptions {
            let mut inlined = false;
            if !self.checks.fuel && !self.checks.epoch {
                for callee in translate::direct_callees(&self.ctx, def) {
                    if !self.callees.contains_key(&callee) {
                        let prepared = self.prepare_callee(info, bytes, callee);
                        self.callees.insert(callee, prepared);
                    }
                }
                inlined = translate::inline_small_callees(&mut self.ctx, def, &self.callees)?;
            }
            // One kind of inlining per function: a mark means one thing.
            if !inlined {
                translate::inline_self_calls(&mut self.ctx, def)?;
            }
        }
        // The backtracking register allocator takes time that grows much
        // faster than linearly with the values live at once: 40,000 live
        // `v128`s took it 71 s. Past `MAX_PRESSURE` (locals plus operand
        // stack height, which bound those values from above for all a
        // compiler emits), the single-pass allocator compiles the same
        // function in a fraction of a second, with more spills.
        let isa = if pressure > MAX_PRESSURE {
            &self.big_isa
        } else {
            &self.isa
        };
        compile_context(isa, &mut self.ctx, func_index)
    }

    /// Machine code for the twin of defined function `def` that
    /// interpreter frames running its loops move into (on-stack
    /// replacement, `translate::osr`), and the loops it can be entered at.
    /// Nothing is inlined into it, and the IR is verified first: a twin is
    /// the one kind of function whose blocks Wasm's structure alone does
    /// not order.
    pub(crate) fn compile_osr(
        &mut self,
        info: &ModuleInfo,
        bytes: &[u8],
        def: u32,
    ) -> Result<(CompiledCode, Vec<u32>), CompileError> {
        let func_index = info.num_imported_funcs + def;
        self.ctx.clear();
        let (func, translated) = self.translate(info, bytes, def, false, true)?;
        self.ctx.func = func;
        cranelift_codegen::verifier::verify_function(&self.ctx.func, &*self.isa)
            .map_err(|e| codegen_error(alloc::format!("on-stack replacement entry: {e}")))?;
        let isa = if translated.pressure > MAX_PRESSURE {
            &self.big_isa
        } else {
            &self.isa
        };
        let code = compile_context(isa, &mut self.ctx, func_index)?;
        Ok((code, translated.osr_entries))
    }

    /// The IR of defined function `def`, translated with the main builder
    /// context or (`callee`) the one of callees, or (`osr`) its twin, and
    /// what translating it found.
    fn translate(
        &mut self,
        info: &ModuleInfo,
        bytes: &[u8],
        def: u32,
        callee: bool,
        osr: bool,
    ) -> Result<(ir::Function, translate::Translated), CompileError> {
        let func_index = info.num_imported_funcs + def;
        let ty = info.func_type(func_index);
        let sig = if osr {
            osr_signature(&self.isa, ty)?
        } else {
            wasm_signature(&self.isa, ty)?
        };
        let mut func = ir::Function::with_name_signature(UserFuncName::user(0, func_index), sig);
        let range = info.bodies[def as usize].range.clone();
        let body = FunctionBody::new(BinaryReader::new(&bytes[range.clone()], range.start as u64));
        let fb = if callee {
            &mut self.callee_fb
        } else {
            &mut self.fb
        };
        let b = FunctionBuilder::new(&mut func, fb);
        match translate::translate(
            b,
            info,
            &self.isa,
            func_index,
            self.signals,
            self.checks,
            &body,
            osr,
            self.members.as_deref(),
        ) {
            Ok((b, translated)) => {
                b.finalize(self.isa.frontend_config());
                Ok((func, translated))
            }
            Err(e) => {
                // A translation that stopped half-way leaves the builder
                // context dirty, and the next function would assert on it.
                *fb = FunctionBuilderContext::new();
                Err(e)
            }
        }
    }

    /// Defined function `def` translated and prepared for inlining, if it
    /// is small enough and qualifies (`translate::prepare_callee`). A
    /// function that fails to translate is not inlined (its own
    /// compilation reports why).
    fn prepare_callee(
        &mut self,
        info: &ModuleInfo,
        bytes: &[u8],
        def: u32,
    ) -> Option<ir::Function> {
        let range = info.bodies.get(def as usize)?.range.clone();
        // A body this long holds more instructions than any inlined one.
        if range.len() > MAX_CALLEE_BYTES {
            return None;
        }
        let (func, translated) = self.translate(info, bytes, def, true, false).ok()?;
        if translated.exceptions {
            return None;
        }
        let func_index = info.num_imported_funcs + def;
        translate::prepare_callee(func, func_index)
    }
}

/// The signature of a twin of a function of type `ty` (see
/// `translate::osr`): the frame's slots and the loop's ordinal, then the
/// function's results.
pub(crate) fn osr_signature(
    isa: &OwnedTargetIsa,
    ty: &crate::types::FuncType,
) -> Result<ir::Signature, CompileError> {
    wasm_signature(isa, &osr_type(ty))
}

/// The Wasm type a twin of a function of type `ty` has: `(i64, i32) ->
/// results` (the slots' address as an `i64`, 64-bit hosts only).
pub(crate) fn osr_type(ty: &crate::types::FuncType) -> crate::types::FuncType {
    use crate::types::ValType;
    crate::types::FuncType::new([ValType::I64, ValType::I32], ty.results().iter().copied())
}

/// The longest function body (in bytes of Wasm) considered for inlining
/// into its callers.
pub(super) const MAX_CALLEE_BYTES: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::jit::EngineJit;
    use crate::module::{features, parse_and_validate};
    use crate::types::TypeRegistry;

    /// Defined function `def` of `wat`, compiled with signal-based traps.
    fn compile(wat: &str, def: u32) -> CompiledCode {
        let bytes = wat::parse_str(wat).unwrap();
        let config = Config::new();
        let mut info = parse_and_validate(&bytes, features(&config)).unwrap();
        info.register_types(&TypeRegistry::default());
        let jit = EngineJit::new(config.code_settings());
        let mut compiler = FuncCompiler::new(jit.isas().unwrap(), true, config.code_settings());
        compiler.compile(&info, &bytes, def).unwrap()
    }

    #[test]
    fn small_callees_are_inlined_with_their_sites_named() {
        let wat = r#"(module (memory 1)
          (func $get (param i32) (result i32) (i32.load (local.get 0)))
          (func $wrap (param i32) (result i32) (call $get (i32.add (local.get 0) (i32.const 4))))
          (func $caller (param i32) (result i32)
            (i32.add (call $get (local.get 0)) (call $wrap (local.get 0)))))"#;
        // `$caller` inlines both: `$get`'s load is a trap site of `$get`,
        // and `$wrap`'s call to `$get` stays a call, whose return address
        // names `$wrap`.
        let code = compile(wat, 2);
        assert!(
            code.inlined.iter().any(|&(_, f)| f == 0),
            "{:?}",
            code.inlined
        );
        assert!(
            code.inlined.iter().any(|&(_, f)| f == 1),
            "{:?}",
            code.inlined
        );
        assert_eq!(code.calls.len(), 1, "only `$wrap`'s call to `$get` is left");
        assert!(code.inlined.iter().all(|&(_, f)| f != 2));
        // A function that inlines nothing has no such sites.
        assert!(compile(wat, 0).inlined.is_empty());
    }

    #[test]
    fn callees_that_trap_conditionally_stay_calls() {
        // Division traps through a check whose trap lies apart from it.
        let wat = r#"(module
          (func $div (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
          (func $caller (param i32) (result i32) (call $div (local.get 0) (i32.const 3))))"#;
        let code = compile(wat, 1);
        assert!(code.inlined.is_empty());
        assert_eq!(code.calls.len(), 1);
    }
}
