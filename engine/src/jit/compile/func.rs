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
use alloc::vec::Vec;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{self, ExternalName, UserFuncName};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::{Context, FinalizedRelocTarget};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use wasmparser::{BinaryReader, FunctionBody};

/// Compiles a finished IR function to position-independent machine code.
pub(crate) fn finish_function(
    isa: &OwnedTargetIsa,
    func: ir::Function,
) -> Result<CompiledCode, CompileError> {
    let mut ctx = Context::for_function(func);
    compile_context(isa, &mut ctx)
}

fn compile_context(isa: &OwnedTargetIsa, ctx: &mut Context) -> Result<CompiledCode, CompileError> {
    let code = ctx
        .compile(&**isa, &mut ControlPlane::default())
        .map_err(|e| codegen_error(alloc::format!("{:?}", e.inner)))?;
    // The only relocations allowed are direct calls to functions of the
    // same module, which `CodeMemory` resolves relative to the image (so it
    // stays position-independent); anything else (a libcall the host ISA
    // cannot lower inline?) is refused.
    let relocs = code.buffer.relocs().to_vec();
    let mut inlined = Vec::new();
    let traps = code
        .buffer
        .traps()
        .iter()
        .map(|t| {
            let (code, in_copy) = translate::split_inlined_site(site_code(t.code));
            if in_copy {
                inlined.push(t.offset);
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
                    inlined.push(crate::sys::direct_call_site(r.offset));
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
        }
    }

    /// Machine code for defined function `def`.
    pub(crate) fn compile(
        &mut self,
        info: &ModuleInfo,
        bytes: &[u8],
        def: u32,
    ) -> Result<CompiledCode, CompileError> {
        let func_index = info.num_imported_funcs + def;
        let ty = info.func_type(func_index);
        let sig = wasm_signature(&self.isa, ty)?;
        self.ctx.clear();
        self.ctx.func = ir::Function::with_name_signature(UserFuncName::user(0, func_index), sig);
        let range = info.bodies[def as usize].range.clone();
        let body = FunctionBody::new(BinaryReader::new(&bytes[range.clone()], range.start as u64));
        let b = FunctionBuilder::new(&mut self.ctx.func, &mut self.fb);
        let translated = translate::translate(
            b,
            info,
            &self.isa,
            func_index,
            self.signals,
            self.checks,
            &body,
        )
        .map(|(b, pressure, exceptions)| {
            b.finalize(self.isa.frontend_config());
            (pressure, exceptions)
        });
        let (pressure, exceptions) = match translated {
            Ok(translated) => translated,
            Err(e) => {
                // A translation that stopped half-way leaves the builder
                // context dirty, and the next function would assert on it.
                self.fb = FunctionBuilderContext::new();
                return Err(e);
            }
        };
        // Inlining would copy calls with exception handlers and frames the
        // unwinder must see: functions with exceptions keep their calls.
        if self.signals && !exceptions {
            translate::inline_self_calls(&mut self.ctx, def)?;
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
        compile_context(isa, &mut self.ctx)
    }
}
