//! Wasm function bodies to Cranelift IR, then to machine code.
//!
//! Locals are `cranelift_frontend::Variable`s (SSA comes from the
//! frontend); the operand stack is a stack of IR values; each control
//! frame remembers the block its `end` continues in. Bodies were validated
//! when the module was created, so the translator trusts them.
//!
//! Traps come in two modes (`Config::signals_based_traps`). With signals,
//! every trap is a Cranelift trap instruction or a faulting heap access
//! whose site is recorded, and linear memories are reservations with guard
//! pages, so most accesses need no bounds check at all (see
//! `runtime::memory`); a trap leaves through the signal handler and the
//! recovery point of `jit::traps`. Without, every trap is an explicit
//! check that stores a trap code and returns, and every caller checks the
//! code after each call.
//!
//! SECURITY-CRITICAL: the checks emitted here (linear-memory and table
//! bounds, division, float-to-int conversion, indirect-call signatures,
//! the stack limit) and the guard-region arithmetic in `mem_addr` are what
//! keep compiled code inside its sandbox. Get two reviews on any
//! substantive change.

use super::code_memory::{CallSite, CompiledCode};
use super::isa::HostIsas;
use super::libcalls::Libcalls;
use super::traps::{SiteCode, DYNAMIC};
use super::{codegen_error, unsupported};
use crate::error::{CompileError, TrapCode};
use crate::module::ModuleInfo;
use crate::runtime::vm::{VMContext, VMFuncRef, VMMemory, VMStoreContext, VMTable};
use crate::runtime::GUARD_BYTES;
use crate::types::{FuncType, Mutability, ValType};
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::mem::{offset_of, size_of};
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    self, types, AbiParam, AliasRegion, AliasRegionData, Block, BlockArg, Endianness, ExtFuncData,
    ExternalName, FuncRef, InstBuilder, JumpTableData, MemFlagsData, SigRef, Type,
    UserExternalName, UserFuncName, Value,
};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::Context;
use cranelift_codegen::FinalizedRelocTarget;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use wasmparser::{BinaryReader, BlockType, FunctionBody, MemArg, Operator};

mod inline;
mod simd;

/// The IR type of a Wasm value type. References are raw 64-bit values
/// (0 = null, else a store index plus one); a `v128` is always `i8x16`
/// (see [`simd`]).
pub(super) fn ir_type(t: ValType) -> Result<Type, CompileError> {
    Ok(match t {
        ValType::I32 => types::I32,
        ValType::I64 => types::I64,
        ValType::F32 => types::F32,
        ValType::F64 => types::F64,
        ValType::Ref(_) => types::I64,
        ValType::V128 => simd::V128,
    })
}

/// The Wasm native signature: `(callee_vmctx, caller_vmctx, params...)
/// -> results` in the ISA's default calling convention.
pub(super) fn wasm_signature(
    isa: &OwnedTargetIsa,
    ty: &FuncType,
) -> Result<ir::Signature, CompileError> {
    let ptr = isa.pointer_type();
    let mut sig = ir::Signature::new(isa.default_call_conv());
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
fn install_stack_limit(
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
const DEFINED_FUNCS: u32 = 0;

/// The Cranelift trap code for a Wasm trap.
pub(super) fn clif_trap(code: TrapCode) -> ir::TrapCode {
    ir::TrapCode::unwrap_user(code.bits() as u8)
}

/// The trap-table code for a trap site Cranelift recorded.
fn site_code(code: ir::TrapCode) -> SiteCode {
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

/// Compiles a finished IR function to position-independent machine code.
pub(super) fn finish_function(
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
            let (code, in_copy) = inline::split_site(site_code(t.code));
            if in_copy {
                inlined.push(t.offset);
            }
            (t.offset, code)
        })
        .collect();
    let bytes = code.code_buffer().to_vec();
    let mut calls = Vec::new();
    for r in &relocs {
        let callee = match (&r.kind, &r.target) {
            (kind, FinalizedRelocTarget::ExternalName(ExternalName::User(name)))
                if crate::sys::is_direct_call(*kind) =>
            {
                let name = &ctx.func.params.user_named_funcs()[*name];
                if name.namespace == inline::DEFINED_FUNCS_INLINED {
                    inlined.push(crate::sys::direct_call_site(r.offset));
                }
                (name.namespace == DEFINED_FUNCS || name.namespace == inline::DEFINED_FUNCS_INLINED)
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
    })
}

/// Past this many locals plus operand-stack slots, a function is compiled
/// with the single-pass register allocator (see `FuncCompiler::compile`).
/// Compiled C, C++ and Rust stay far below it: their operand stacks are a
/// few values deep, and 4,096 locals is a very large function.
const MAX_PRESSURE: usize = 4096;

/// Compiles function bodies, reusing its allocations from one function to
/// the next. One per thread.
pub(super) struct FuncCompiler {
    isa: OwnedTargetIsa,
    /// The same ISA with the single-pass register allocator, for
    /// functions past `MAX_PRESSURE`.
    big_isa: OwnedTargetIsa,
    signals: bool,
    ctx: Context,
    fb: FunctionBuilderContext,
}

impl FuncCompiler {
    /// A compiler for `isas`; `signals` selects signal-based traps and
    /// guarded memories (see the module docs).
    pub(super) fn new(isas: &HostIsas, signals: bool) -> Self {
        Self {
            isa: isas.normal.clone(),
            big_isa: isas.big.clone(),
            signals,
            ctx: Context::new(),
            fb: FunctionBuilderContext::new(),
        }
    }

    /// Machine code for defined function `def`.
    pub(super) fn compile(
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
        let translated =
            Translator::new(b, info, &self.isa, func_index, self.signals).and_then(|mut t| {
                t.translate(&body)?;
                t.b.finalize(self.isa.frontend_config());
                Ok(t.locals.len() + t.max_height)
            });
        let pressure = match translated {
            Ok(pressure) => pressure,
            Err(e) => {
                // A translation that stopped half-way leaves the builder
                // context dirty, and the next function would assert on it.
                self.fb = FunctionBuilderContext::new();
                return Err(e);
            }
        };
        if self.signals {
            inline::inline_self_calls(&mut self.ctx, def)?;
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

#[derive(Debug, Clone, Copy)]
enum FrameKind {
    Block,
    Loop {
        header: Block,
    },
    If {
        else_block: Block,
        has_else: bool,
    },
    /// A construct opened in unreachable code: only its nesting matters.
    Dummy,
}

#[derive(Debug, Clone, Copy)]
struct Frame {
    kind: FrameKind,
    /// Where `end` continues; its parameters are the frame's results.
    dest: Block,
    num_params: usize,
    num_results: usize,
    /// Operand-stack height below the frame's parameters.
    height: usize,
    /// Whether `dest` has a predecessor (so code after `end` is reachable).
    branched_to: bool,
    /// How many proven bounds facts held where the frame was entered:
    /// those still hold in its `else` and after its `end`.
    checked_len: usize,
}

/// Alias regions: accesses in different regions never alias, which lets
/// Cranelift keep VM fields in registers across guest memory stores.
struct Regions {
    vm: AliasRegion,
    heap: AliasRegion,
    table: AliasRegion,
    global: AliasRegion,
}

struct Translator<'a, 'f> {
    b: FunctionBuilder<'f>,
    info: &'a ModuleInfo,
    isa: &'a OwnedTargetIsa,
    ptr: Type,
    func_index: u32,
    /// Signal-based traps and guarded memories (see the module docs).
    signals: bool,
    results: Vec<Type>,
    locals: Vec<Variable>,
    stack: Vec<Value>,
    control: Vec<Frame>,
    reachable: bool,
    vmctx: Value,
    vmstore: Value,
    /// Each memory's `VMMemory`, loaded once in the entry block, and
    /// whether the memory can never grow (its maximum is its minimum), so
    /// its base and length are constant for the instance's lifetime.
    mems: Vec<(Value, bool)>,
    /// Bounds proven at a point dominating the current one: a memory, an
    /// index value and the end (offset + size) proven in bounds for it.
    /// Memories never shrink, so a passed check stays true everywhere it
    /// dominates; facts proven inside a control frame are dropped at its
    /// `else` and `end`.
    checked: Vec<(u32, Value, u64)>,
    regions: Regions,
    trap_blocks: Vec<(u32, Block)>,
    dyn_trap_block: Option<Block>,
    unwind_block: Option<Block>,
    sigs: BTreeMap<u32, SigRef>,
    libcall_sigs: BTreeMap<usize, SigRef>,
    /// Defined functions this one calls directly, by defined index.
    direct: BTreeMap<u32, FuncRef>,
    /// The operand stack's greatest height.
    max_height: usize,
}

/// Pops `$n` values (in order) off the operand stack.
macro_rules! pop {
    ($t:expr) => {
        $t.stack.pop().expect("validated: operand stack underflow")
    };
}

impl<'a, 'f> Translator<'a, 'f> {
    fn new(
        mut b: FunctionBuilder<'f>,
        info: &'a ModuleInfo,
        isa: &'a OwnedTargetIsa,
        func_index: u32,
        signals: bool,
    ) -> Result<Self, CompileError> {
        let mut region = |id: u32, name: &'static str| {
            b.func.dfg.alias_regions.insert(AliasRegionData {
                user_id: id,
                description: name.into(),
            })
        };
        let regions = Regions {
            vm: region(1, "vm"),
            heap: region(2, "heap"),
            table: region(3, "table"),
            global: region(4, "global"),
        };
        let results = info
            .func_type(func_index)
            .results()
            .iter()
            .map(|t| ir_type(*t))
            .collect::<Result<Vec<_>, _>>()?;
        install_stack_limit(b.func, isa.pointer_type(), signals)?;
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let vmctx = b.block_params(entry)[0];
        Ok(Self {
            b,
            info,
            isa,
            ptr: isa.pointer_type(),
            func_index,
            signals,
            results,
            locals: Vec::new(),
            stack: Vec::new(),
            control: Vec::new(),
            reachable: true,
            vmctx,
            vmstore: vmctx,
            mems: Vec::new(),
            checked: Vec::new(),
            regions,
            trap_blocks: Vec::new(),
            dyn_trap_block: None,
            unwind_block: None,
            sigs: BTreeMap::new(),
            libcall_sigs: BTreeMap::new(),
            direct: BTreeMap::new(),
            max_height: 0,
        })
    }

    // ---- memory flags -------------------------------------------------

    /// A VM field that never changes while the instance lives.
    fn ro(&self) -> MemFlagsData {
        MemFlagsData::trusted()
            .with_readonly()
            .with_can_move()
            .with_alias_region(Some(self.regions.vm))
    }

    /// A VM field that may change across calls (memory base and length,
    /// the trap code, ...).
    fn vm(&self) -> MemFlagsData {
        MemFlagsData::trusted().with_alias_region(Some(self.regions.vm))
    }

    /// Guest linear memory: possibly unaligned; little-endian. With
    /// guarded memories an access may fault in the guard region, which is
    /// the out-of-bounds trap; otherwise it was bounds-checked before and
    /// cannot fault.
    fn heap(&self) -> MemFlagsData {
        let f = MemFlagsData::new()
            .with_endianness(Endianness::Little)
            .with_alias_region(Some(self.regions.heap));
        if self.signals {
            f.with_trap_code(Some(ir::TrapCode::HEAP_OUT_OF_BOUNDS))
        } else {
            f.with_notrap()
        }
    }

    fn table_flags(&self) -> MemFlagsData {
        MemFlagsData::trusted().with_alias_region(Some(self.regions.table))
    }

    fn global_flags(&self, mutable: bool) -> MemFlagsData {
        // Not `aligned`: a `v128` global is only 8-byte aligned, and x86
        // faults on an aligned vector access that is not 16-byte aligned.
        let f = MemFlagsData::new()
            .with_notrap()
            .with_alias_region(Some(self.regions.global));
        if mutable {
            f
        } else {
            f.with_readonly()
        }
    }

    fn load_ptr(&mut self, base: Value, offset: usize, flags: MemFlagsData) -> Value {
        self.b.ins().load(self.ptr, flags, base, offset as i32)
    }

    // ---- traps --------------------------------------------------------

    /// The shared cold block that records this frame and returns.
    fn unwind_block(&mut self) -> Block {
        if let Some(b) = self.unwind_block {
            return b;
        }
        let b = self.b.create_block();
        self.b.set_cold_block(b);
        self.unwind_block = Some(b);
        b
    }

    /// The cold block that raises `code`.
    fn trap_block(&mut self, code: TrapCode) -> Block {
        let bits = code.bits();
        if let Some((_, b)) = self.trap_blocks.iter().find(|(c, _)| *c == bits) {
            return *b;
        }
        self.unwind_block();
        let b = self.b.create_block();
        self.b.set_cold_block(b);
        self.trap_blocks.push((bits, b));
        b
    }

    /// The cold block that raises the trap code passed as its parameter.
    fn dyn_trap_block(&mut self) -> Block {
        if let Some(b) = self.dyn_trap_block {
            return b;
        }
        if !self.signals {
            self.unwind_block();
        }
        let b = self.b.create_block();
        self.b.append_block_param(b, types::I32);
        self.b.set_cold_block(b);
        self.dyn_trap_block = Some(b);
        b
    }

    /// Continues in a fresh block when `cond` is false; traps otherwise.
    fn trap_if(&mut self, cond: Value, code: TrapCode) {
        if self.signals {
            self.b.ins().trapnz(cond, clif_trap(code));
            return;
        }
        let trap = self.trap_block(code);
        let cont = self.b.create_block();
        self.b.ins().brif(cond, trap, &[], cont, &[]);
        self.b.seal_block(cont);
        self.b.switch_to_block(cont);
    }

    /// Traps with the (non-zero) status a libcall returned.
    fn trap_if_status(&mut self, status: Value) {
        let trap = self.dyn_trap_block();
        let cont = self.b.create_block();
        self.b
            .ins()
            .brif(status, trap, &[BlockArg::Value(status)], cont, &[]);
        self.b.seal_block(cont);
        self.b.switch_to_block(cont);
    }

    /// After a call: returns early if the callee trapped (explicit mode
    /// only; with signals a trap never returns).
    fn check_trap_after_call(&mut self) {
        if self.signals {
            return;
        }
        let flags = self.vm();
        let code = self.b.ins().load(
            types::I32,
            flags,
            self.vmstore,
            offset_of!(VMStoreContext, trap_code) as i32,
        );
        let unwind = self.unwind_block();
        let cont = self.b.create_block();
        self.b.ins().brif(code, unwind, &[], cont, &[]);
        self.b.seal_block(cont);
        self.b.switch_to_block(cont);
    }

    fn zero(&mut self, ty: Type) -> Value {
        match ty {
            types::F32 => self.b.ins().f32const(0.0),
            types::F64 => self.b.ins().f64const(0.0),
            simd::V128 => self.v128_zero(),
            _ => self.b.ins().iconst(ty, 0),
        }
    }

    /// Fills the trap and unwind blocks, once the body is done.
    fn finish_trap_blocks(&mut self) {
        let vm = self.vm();
        let trap_code_off = offset_of!(VMStoreContext, trap_code) as i32;
        if self.signals {
            if let Some(block) = self.dyn_trap_block {
                self.b.switch_to_block(block);
                let c = self.b.block_params(block)[0];
                self.b.ins().store(vm, c, self.vmstore, trap_code_off);
                self.b.ins().trap(ir::TrapCode::unwrap_user(DYNAMIC));
            }
            return;
        }
        let Some(unwind) = self.unwind_block else {
            return;
        };
        for (bits, block) in core::mem::take(&mut self.trap_blocks) {
            self.b.switch_to_block(block);
            let c = self.b.ins().iconst(types::I32, bits as i64);
            self.b.ins().store(vm, c, self.vmstore, trap_code_off);
            self.b.ins().jump(unwind, &[]);
        }
        if let Some(block) = self.dyn_trap_block {
            self.b.switch_to_block(block);
            let c = self.b.block_params(block)[0];
            self.b.ins().store(vm, c, self.vmstore, trap_code_off);
            self.b.ins().jump(unwind, &[]);
        }
        self.b.switch_to_block(unwind);
        let f = self.b.ins().iconst(types::I32, self.func_index as i64);
        self.libcall(
            offset_of!(Libcalls, record_frame),
            &[types::I32],
            None,
            &[f],
        );
        let zeros: Vec<Value> = self
            .results
            .clone()
            .into_iter()
            .map(|t| self.zero(t))
            .collect();
        self.b.ins().return_(&zeros);
    }

    // ---- calls --------------------------------------------------------

    /// Calls a runtime function through the libcall table.
    fn libcall(
        &mut self,
        offset: usize,
        params: &[Type],
        ret: Option<Type>,
        args: &[Value],
    ) -> Option<Value> {
        let sig = match self.libcall_sigs.get(&offset) {
            Some(s) => *s,
            None => {
                let mut sig = ir::Signature::new(self.isa.default_call_conv());
                sig.params.push(AbiParam::new(self.ptr));
                for p in params {
                    sig.params.push(AbiParam::new(*p));
                }
                if let Some(r) = ret {
                    sig.returns.push(AbiParam::new(r));
                }
                let s = self.b.import_signature(sig);
                self.libcall_sigs.insert(offset, s);
                s
            }
        };
        let ro = self.ro();
        let table = self.load_ptr(self.vmstore, offset_of!(VMStoreContext, libcalls), ro);
        let f = self.load_ptr(table, offset, ro);
        let mut call_args = Vec::with_capacity(args.len() + 1);
        call_args.push(self.vmctx);
        call_args.extend_from_slice(args);
        let call = self.b.ins().call_indirect(sig, f, &call_args);
        self.b.inst_results(call).first().copied()
    }

    /// A libcall that returns a trap status.
    fn libcall_checked(&mut self, offset: usize, params: &[Type], args: &[Value]) {
        let status = self
            .libcall(offset, params, Some(types::I32), args)
            .expect("libcall returns a status");
        self.trap_if_status(status);
    }

    fn sig_for_type(&mut self, type_index: u32) -> Result<SigRef, CompileError> {
        if let Some(s) = self.sigs.get(&type_index) {
            return Ok(*s);
        }
        let sig = wasm_signature(self.isa, &self.info.types[type_index as usize])?;
        let s = self.b.import_signature(sig);
        self.sigs.insert(type_index, s);
        Ok(s)
    }

    /// Pops `n` call arguments.
    fn pop_args(&mut self, n: usize) -> Vec<Value> {
        let at = self.stack.len() - n;
        self.stack.split_off(at)
    }

    fn call_and_push(&mut self, sig: SigRef, code: Value, callee_vmctx: Value, args: Vec<Value>) {
        let mut call_args = Vec::with_capacity(args.len() + 2);
        call_args.push(callee_vmctx);
        call_args.push(self.vmctx);
        call_args.extend(args);
        let call = self.b.ins().call_indirect(sig, code, &call_args);
        let results = self.b.inst_results(call).to_vec();
        self.check_trap_after_call();
        self.stack.extend(results);
    }

    fn call(&mut self, f: u32) -> Result<(), CompileError> {
        let sig = self.sig_for_type(self.info.funcs[f as usize])?;
        let n = self.info.func_type(f).params().len();
        let args = self.pop_args(n);
        if let Some(def) = f.checked_sub(self.info.num_imported_funcs) {
            // A function of this module: a direct, pc-relative call with
            // this instance's context.
            let callee = match self.direct.get(&def) {
                Some(r) => *r,
                None => {
                    let name = self
                        .b
                        .func
                        .declare_imported_user_function(UserExternalName::new(DEFINED_FUNCS, def));
                    let r = self.b.import_function(ExtFuncData {
                        name: ExternalName::user(name),
                        signature: sig,
                        colocated: true,
                        patchable: false,
                    });
                    self.direct.insert(def, r);
                    r
                }
            };
            let mut call_args = Vec::with_capacity(args.len() + 2);
            call_args.push(self.vmctx);
            call_args.push(self.vmctx);
            call_args.extend(args);
            let call = self.b.ins().call(callee, &call_args);
            let results = self.b.inst_results(call).to_vec();
            self.check_trap_after_call();
            self.stack.extend(results);
            return Ok(());
        }
        let ro = self.ro();
        let funcs = self.load_ptr(self.vmctx, offset_of!(VMContext, funcs), ro);
        let entry = f as usize * size_of::<VMFuncRef>();
        let code = self.load_ptr(funcs, entry + offset_of!(VMFuncRef, code), ro);
        let callee_vmctx = if f >= self.info.num_imported_funcs {
            self.vmctx
        } else {
            self.load_ptr(funcs, entry + offset_of!(VMFuncRef, vmctx), ro)
        };
        self.call_and_push(sig, code, callee_vmctx, args);
        Ok(())
    }

    /// The `VMTable` of table `t`.
    fn table_ptr(&mut self, t: u32) -> Value {
        let ro = self.ro();
        let tables = self.load_ptr(self.vmctx, offset_of!(VMContext, tables), ro);
        self.load_ptr(tables, t as usize * size_of::<usize>(), ro)
    }

    /// The address of element `index` of table `t`, after the bounds
    /// check.
    fn table_elem_addr(&mut self, t: u32, index: Value) -> Value {
        let table = self.table_ptr(t);
        let vm = self.vm();
        let len = self.load_ptr(table, offset_of!(VMTable, len), vm);
        let index = self.b.ins().uextend(types::I64, index);
        let oob = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        self.trap_if(oob, TrapCode::TableOutOfBounds);
        let base = self.load_ptr(table, offset_of!(VMTable, base), vm);
        let scaled = self.b.ins().ishl_imm_s(index, 3);
        self.b.ins().iadd(base, scaled)
    }

    fn call_indirect(&mut self, type_index: u32, table: u32) -> Result<(), CompileError> {
        let sig = self.sig_for_type(type_index)?;
        let index = pop!(self);
        let n = self.info.types[type_index as usize].params().len();
        let args = self.pop_args(n);
        let addr = self.table_elem_addr(table, index);
        let tf = self.table_flags();
        let elem = self.b.ins().load(types::I64, tf, addr, 0);
        let is_null = self.b.ins().icmp_imm_s(IntCC::Equal, elem, 0);
        self.trap_if(is_null, TrapCode::IndirectCallToNull);
        let vm = self.vm();
        let ro = self.ro();
        let funcrefs = self.load_ptr(self.vmstore, offset_of!(VMStoreContext, funcrefs), vm);
        let f = self.b.ins().iadd_imm_s(elem, -1);
        let scaled = self.b.ins().imul_imm_s(f, size_of::<VMFuncRef>() as i64);
        let fr = self.b.ins().iadd(funcrefs, scaled);
        let actual = self
            .b
            .ins()
            .load(types::I32, vm, fr, offset_of!(VMFuncRef, type_id) as i32);
        let type_ids = self.load_ptr(self.vmctx, offset_of!(VMContext, type_ids), ro);
        let expected = self
            .b
            .ins()
            .load(types::I32, ro, type_ids, (type_index * 4) as i32);
        let mismatch = self.b.ins().icmp(IntCC::NotEqual, actual, expected);
        self.trap_if(mismatch, TrapCode::BadSignature);
        let code = self.load_ptr(fr, offset_of!(VMFuncRef, code), vm);
        let callee_vmctx = self.load_ptr(fr, offset_of!(VMFuncRef, vmctx), vm);
        self.call_and_push(sig, code, callee_vmctx, args);
        Ok(())
    }

    // ---- memory -------------------------------------------------------

    /// The `VMMemory` of memory `memory`.
    fn mem(&mut self, memory: u32) -> Result<Value, CompileError> {
        self.mems
            .get(memory as usize)
            .map(|&(m, _)| m)
            .ok_or_else(|| unsupported("memory access without a memory"))
    }

    /// Whether memory `memory` can never grow.
    fn mem_fixed(&self, memory: u32) -> bool {
        self.mems
            .get(memory as usize)
            .is_some_and(|&(_, fixed)| fixed)
    }

    /// Pops the address operand and returns the native address and the
    /// constant offset to add, after checking that `size` bytes at the
    /// effective address are in bounds.
    fn mem_addr(&mut self, arg: &MemArg, size: u32) -> Result<(Value, i32), CompileError> {
        let memory = match arg.target {
            wasmparser::MemArgTarget::Memory(m) => m,
            wasmparser::MemArgTarget::Array(_) => return Err(unsupported("GC arrays")),
        };
        let mem = self.mem(memory)?;
        let index = pop!(self);
        // A guarded memory never moves; a fixed-size one never changes.
        let flags = if self.mem_fixed(memory) || self.signals {
            self.ro()
        } else {
            self.vm()
        };
        let end = arg.offset + size as u64;
        // Guarded: index < 2^32 and offset + size <= GUARD_BYTES, so the
        // access lies in the memory's 4 GiB or the guard region after it.
        let guarded = self.signals && end <= GUARD_BYTES;
        let known = guarded
            || self
                .checked
                .iter()
                .any(|&(m, v, checked_end)| m == memory && v == index && checked_end >= end);
        let index64 = self.b.ins().uextend(types::I64, index);
        if !known {
            let len = self.load_ptr(mem, offset_of!(VMMemory, len), flags);
            // index < 2^32 and offset < 2^32: no overflow in 64 bits.
            let last = self.b.ins().iadd_imm_s(index64, end as i64);
            let oob = self.b.ins().icmp(IntCC::UnsignedGreaterThan, last, len);
            self.trap_if(oob, TrapCode::MemoryOutOfBounds);
            self.checked.push((memory, index, end));
        }
        let base = self.load_ptr(mem, offset_of!(VMMemory, base), flags);
        let addr = self.b.ins().iadd(base, index64);
        Ok(match i32::try_from(arg.offset) {
            Ok(off) => (addr, off),
            Err(_) => (self.b.ins().iadd_imm_s(addr, arg.offset as i64), 0),
        })
    }

    fn load(
        &mut self,
        arg: &MemArg,
        ty: Type,
        size: u32,
        ext: Option<bool>,
    ) -> Result<(), CompileError> {
        let (addr, off) = self.mem_addr(arg, size)?;
        let f = self.heap();
        let ins = self.b.ins();
        let v = match (size, ext) {
            (_, None) => ins.load(ty, f, addr, off),
            (1, Some(true)) => ins.sload8(ty, f, addr, off),
            (1, Some(false)) => ins.uload8(ty, f, addr, off),
            (2, Some(true)) => ins.sload16(ty, f, addr, off),
            (2, Some(false)) => ins.uload16(ty, f, addr, off),
            (4, Some(true)) => ins.sload32(f, addr, off),
            (_, Some(_)) => ins.uload32(f, addr, off),
        };
        self.stack.push(v);
        Ok(())
    }

    fn store(&mut self, arg: &MemArg, size: u32) -> Result<(), CompileError> {
        let value = pop!(self);
        let (addr, off) = self.mem_addr(arg, size)?;
        let f = self.heap();
        let value_size = self.b.func.dfg.value_type(value).bytes();
        let ins = self.b.ins();
        match size {
            s if s == value_size => ins.store(f, value, addr, off),
            1 => ins.istore8(f, value, addr, off),
            2 => ins.istore16(f, value, addr, off),
            _ => ins.istore32(f, value, addr, off),
        };
        Ok(())
    }

    // ---- numeric helpers ---------------------------------------------

    fn binary(&mut self, op: impl FnOnce(&mut FunctionBuilder<'f>, Value, Value) -> Value) {
        let y = pop!(self);
        let x = pop!(self);
        let v = op(&mut self.b, x, y);
        self.stack.push(v);
    }

    fn unary(&mut self, op: impl FnOnce(&mut FunctionBuilder<'f>, Value) -> Value) {
        let x = pop!(self);
        let v = op(&mut self.b, x);
        self.stack.push(v);
    }

    fn icmp(&mut self, cc: IntCC) {
        self.binary(|b, x, y| {
            let c = b.ins().icmp(cc, x, y);
            b.ins().uextend(types::I32, c)
        });
    }

    fn fcmp(&mut self, cc: FloatCC) {
        self.binary(|b, x, y| {
            let c = b.ins().fcmp(cc, x, y);
            b.ins().uextend(types::I32, c)
        });
    }

    fn eqz(&mut self) {
        self.unary(|b, x| {
            let c = b.ins().icmp_imm_s(IntCC::Equal, x, 0);
            b.ins().uextend(types::I32, c)
        });
    }

    /// Integer division and remainder, with the traps checked first so the
    /// machine instruction never faults.
    fn div(&mut self, signed: bool, rem: bool) {
        let y = pop!(self);
        let x = pop!(self);
        let ty = self.b.func.dfg.value_type(x);
        let zero = self.b.ins().icmp_imm_s(IntCC::Equal, y, 0);
        self.trap_if(zero, TrapCode::IntegerDivideByZero);
        let v = match (signed, rem) {
            (false, false) => self.b.ins().udiv(x, y),
            (false, true) => self.b.ins().urem(x, y),
            (true, false) => {
                let min = if ty == types::I32 {
                    i32::MIN as i64
                } else {
                    i64::MIN
                };
                let x_min = self.b.ins().icmp_imm_s(IntCC::Equal, x, min);
                let y_neg1 = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                let overflow = self.b.ins().band(x_min, y_neg1);
                self.trap_if(overflow, TrapCode::IntegerOverflow);
                self.b.ins().sdiv(x, y)
            }
            (true, true) => {
                // x rem -1 is 0; x rem 1 is too, without the overflow case.
                let y_neg1 = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                let one = self.b.ins().iconst(ty, 1);
                let y = self.b.ins().select(y_neg1, one, y);
                self.b.ins().srem(x, y)
            }
        };
        self.stack.push(v);
    }

    fn fconst(&mut self, ty: Type, v: f64) -> Value {
        if ty == types::F32 {
            self.b.ins().f32const(v as f32)
        } else {
            self.b.ins().f64const(v)
        }
    }

    /// Trapping float-to-int conversion: NaN and out-of-range inputs trap
    /// before the (saturating, never faulting) conversion runs.
    fn trunc(&mut self, to: Type, signed: bool) {
        let x = pop!(self);
        let fty = self.b.func.dfg.value_type(x);
        let nan = self.b.ins().fcmp(FloatCC::Unordered, x, x);
        self.trap_if(nan, TrapCode::BadConversionToInteger);
        let bits = to.bits() as i32;
        // Out of range below: `x <= lo` or `x < lo`, with `lo` exact in
        // the float type.
        let (lo, lo_cc) = if !signed {
            (-1.0, FloatCC::LessThanOrEqual)
        } else if to == types::I32 && fty == types::F64 {
            (-2147483649.0, FloatCC::LessThanOrEqual)
        } else {
            (-(2f64.powi(bits - 1)), FloatCC::LessThan)
        };
        let hi = if signed {
            2f64.powi(bits - 1)
        } else {
            2f64.powi(bits)
        };
        let lo = self.fconst(fty, lo);
        let hi = self.fconst(fty, hi);
        let below = self.b.ins().fcmp(lo_cc, x, lo);
        let above = self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, x, hi);
        let out = self.b.ins().bor(below, above);
        self.trap_if(out, TrapCode::IntegerOverflow);
        let v = if signed {
            self.b.ins().fcvt_to_sint_sat(to, x)
        } else {
            self.b.ins().fcvt_to_uint_sat(to, x)
        };
        self.stack.push(v);
    }

    fn sign_extend(&mut self, ty: Type, from: Type) {
        self.unary(|b, x| {
            let narrow = b.ins().ireduce(from, x);
            b.ins().sextend(ty, narrow)
        });
    }

    // ---- control ------------------------------------------------------

    fn block_types(&self, ty: BlockType) -> Result<(Vec<Type>, Vec<Type>), CompileError> {
        Ok(match ty {
            BlockType::Empty => (Vec::new(), Vec::new()),
            BlockType::Type(t) => {
                let t =
                    ValType::from_wasmparser(t).ok_or_else(|| unsupported("this block type"))?;
                (Vec::new(), alloc::vec![ir_type(t)?])
            }
            BlockType::FuncType(i) => {
                let ft = &self.info.types[i as usize];
                (
                    ft.params()
                        .iter()
                        .map(|t| ir_type(*t))
                        .collect::<Result<_, _>>()?,
                    ft.results()
                        .iter()
                        .map(|t| ir_type(*t))
                        .collect::<Result<_, _>>()?,
                )
            }
        })
    }

    /// Starts emitting into `block`, which the first `keep` proven bounds
    /// facts dominate (the others were proven on paths that may not reach
    /// it).
    fn switch_to(&mut self, block: Block, keep: usize) {
        self.checked.truncate(keep);
        self.b.switch_to_block(block);
    }

    fn block_with_params(&mut self, tys: &[Type]) -> Block {
        let b = self.b.create_block();
        for t in tys {
            self.b.append_block_param(b, *t);
        }
        b
    }

    fn top(&self, n: usize) -> Vec<BlockArg> {
        self.stack[self.stack.len() - n..]
            .iter()
            .map(|v| BlockArg::Value(*v))
            .collect()
    }

    fn frame_at(&mut self, depth: u32) -> &mut Frame {
        let i = self.control.len() - 1 - depth as usize;
        &mut self.control[i]
    }

    /// The block a branch to `depth` jumps to and how many values it
    /// carries; marks the frame as branched to.
    fn branch_target(&mut self, depth: u32) -> (Block, usize) {
        let frame = self.frame_at(depth);
        match frame.kind {
            FrameKind::Loop { header } => (header, frame.num_params),
            _ => {
                frame.branched_to = true;
                (frame.dest, frame.num_results)
            }
        }
    }

    fn br(&mut self, depth: u32) {
        let (target, n) = self.branch_target(depth);
        let args = self.top(n);
        self.b.ins().jump(target, &args);
        self.reachable = false;
    }

    fn br_if(&mut self, depth: u32) {
        let cond = pop!(self);
        let (target, n) = self.branch_target(depth);
        let args = self.top(n);
        let cont = self.b.create_block();
        self.b.ins().brif(cond, target, &args, cont, &[]);
        self.b.seal_block(cont);
        self.b.switch_to_block(cont);
    }

    fn br_table(&mut self, targets: &wasmparser::BrTable<'_>) -> Result<(), CompileError> {
        let index = pop!(self);
        let depths = targets.targets().collect::<Result<Vec<u32>, _>>()?;
        let default = targets.default();
        let (_, n) = self.branch_target(default);
        let args = self.top(n);
        let mut edges: BTreeMap<u32, Block> = BTreeMap::new();
        let mut block_for = |t: &mut Self, depth: u32| -> Block {
            let (target, _) = t.branch_target(depth);
            if n == 0 {
                return target;
            }
            *edges.entry(depth).or_insert_with(|| t.b.create_block())
        };
        let def_block = block_for(self, default);
        let def_call = self.b.func.dfg.block_call(def_block, &[]);
        let mut calls = Vec::with_capacity(depths.len());
        for d in &depths {
            let blk = block_for(self, *d);
            calls.push(self.b.func.dfg.block_call(blk, &[]));
        }
        let jt = self
            .b
            .create_jump_table(JumpTableData::new(def_call, &calls));
        self.b.ins().br_table(index, jt);
        for (depth, edge) in edges {
            let (target, _) = self.branch_target(depth);
            self.b.seal_block(edge);
            self.b.switch_to_block(edge);
            self.b.ins().jump(target, &args);
        }
        self.reachable = false;
        Ok(())
    }

    fn push_frame(&mut self, kind: FrameKind, dest: Block, params: usize, results: usize) {
        self.control.push(Frame {
            kind,
            dest,
            num_params: params,
            num_results: results,
            height: self.stack.len() - params,
            branched_to: false,
            checked_len: self.checked.len(),
        });
    }

    fn dummy_frame(&mut self) {
        let dest = self.b.create_block();
        self.control.push(Frame {
            kind: FrameKind::Dummy,
            dest,
            num_params: 0,
            num_results: 0,
            height: self.stack.len(),
            branched_to: false,
            checked_len: self.checked.len(),
        });
    }

    fn block(&mut self, ty: BlockType) -> Result<(), CompileError> {
        let (params, results) = self.block_types(ty)?;
        let dest = self.block_with_params(&results);
        self.push_frame(FrameKind::Block, dest, params.len(), results.len());
        Ok(())
    }

    fn loop_(&mut self, ty: BlockType) -> Result<(), CompileError> {
        let (params, results) = self.block_types(ty)?;
        let header = self.block_with_params(&params);
        let dest = self.block_with_params(&results);
        let args = self.top(params.len());
        self.b.ins().jump(header, &args);
        let at = self.stack.len() - params.len();
        self.stack.truncate(at);
        self.stack.extend_from_slice(self.b.block_params(header));
        self.b.switch_to_block(header);
        self.push_frame(
            FrameKind::Loop { header },
            dest,
            params.len(),
            results.len(),
        );
        Ok(())
    }

    fn if_(&mut self, ty: BlockType) -> Result<(), CompileError> {
        let cond = pop!(self);
        let (params, results) = self.block_types(ty)?;
        let then_block = self.block_with_params(&params);
        let else_block = self.block_with_params(&params);
        let dest = self.block_with_params(&results);
        let args = self.top(params.len());
        self.b
            .ins()
            .brif(cond, then_block, &args, else_block, &args);
        self.b.seal_block(then_block);
        self.b.seal_block(else_block);
        self.b.switch_to_block(then_block);
        let at = self.stack.len() - params.len();
        self.stack.truncate(at);
        self.stack
            .extend_from_slice(self.b.block_params(then_block));
        self.push_frame(
            FrameKind::If {
                else_block,
                has_else: false,
            },
            dest,
            params.len(),
            results.len(),
        );
        Ok(())
    }

    fn else_(&mut self) {
        let reachable = self.reachable;
        let top = self.control.len() - 1;
        let frame = self.control[top];
        let FrameKind::If { else_block, .. } = frame.kind else {
            // A dummy `if` in unreachable code.
            return;
        };
        if reachable {
            let args = self.top(frame.num_results);
            self.b.ins().jump(frame.dest, &args);
            self.control[top].branched_to = true;
        }
        self.control[top].kind = FrameKind::If {
            else_block,
            has_else: true,
        };
        self.stack.truncate(frame.height);
        self.stack
            .extend_from_slice(self.b.block_params(else_block));
        self.switch_to(else_block, frame.checked_len);
        self.reachable = true;
    }

    fn end(&mut self) {
        let mut frame = self.control.pop().expect("validated: balanced end");
        if let FrameKind::Dummy = frame.kind {
            return;
        }
        if self.reachable {
            let args = self.top(frame.num_results);
            self.b.ins().jump(frame.dest, &args);
            frame.branched_to = true;
        }
        match frame.kind {
            FrameKind::If {
                else_block,
                has_else: false,
            } => {
                self.switch_to(else_block, frame.checked_len);
                let args: Vec<BlockArg> = self
                    .b
                    .block_params(else_block)
                    .iter()
                    .map(|v| BlockArg::Value(*v))
                    .collect();
                self.b.ins().jump(frame.dest, &args);
                frame.branched_to = true;
            }
            FrameKind::Loop { header } => self.b.seal_block(header),
            _ => {}
        }
        self.switch_to(frame.dest, frame.checked_len);
        self.b.seal_block(frame.dest);
        self.stack.truncate(frame.height);
        self.stack
            .extend_from_slice(self.b.block_params(frame.dest));
        self.reachable = frame.branched_to;
        if self.control.is_empty() {
            let results = self.b.block_params(frame.dest).to_vec();
            self.b.ins().return_(&results);
        }
    }

    // ---- the function -------------------------------------------------

    fn translate(&mut self, body: &FunctionBody<'_>) -> Result<(), CompileError> {
        let entry = self.b.current_block().expect("entry block");
        let params = self.b.block_params(entry).to_vec();
        let ty = self.info.func_type(self.func_index).clone();
        for (p, t) in params[2..].iter().zip(ty.params()) {
            let var = self.b.declare_var(ir_type(*t)?);
            self.b.def_var(var, *p);
            self.locals.push(var);
        }
        for local in body.get_locals_reader()? {
            let (count, t) = local?;
            let t = ValType::from_wasmparser(t).ok_or_else(|| unsupported("this local type"))?;
            let t = ir_type(t)?;
            for _ in 0..count {
                let var = self.b.declare_var(t);
                let z = self.zero(t);
                self.b.def_var(var, z);
                self.locals.push(var);
            }
        }
        let ro = self.ro();
        self.vmstore = self.load_ptr(self.vmctx, offset_of!(VMContext, store), ro);
        {
            // Stack overflow: a check of the stack pointer against the
            // store's limit at the start of the body, after the prologue's
            // own check (see `install_stack_limit`). Without signals it is
            // the graceful trap. With signals it can never fire: the
            // prologue checked the same limit with the frame included. It
            // stays because Cranelift's register allocator makes better
            // choices with it than without: without it the Rust `vm`
            // workload's dispatch loop spilled a value it reloads 30 times
            // and ran 2.2x slower (464 ms against 209 ms), while `fib`
            // shows no cost for it.
            let sp = self.b.ins().get_stack_pointer(self.ptr);
            let vm = self.vm();
            let limit = self.load_ptr(self.vmstore, offset_of!(VMStoreContext, stack_limit), vm);
            let overflow = self.b.ins().icmp(IntCC::UnsignedLessThan, sp, limit);
            self.trap_if(overflow, TrapCode::StackOverflow);
        }
        if !self.info.memories.is_empty() {
            // Every memory's `VMMemory` pointer, at its fixed place in the
            // context's array. These loads are pure (read-only, cannot
            // trap), so Cranelift drops those of memories the function
            // never touches.
            let mems = self.load_ptr(self.vmctx, offset_of!(VMContext, memories), ro);
            for (i, ty) in self.info.memories.iter().enumerate() {
                let m = self.load_ptr(mems, i * size_of::<*mut VMMemory>(), ro);
                let fixed = ty.limits.max == Some(ty.limits.min);
                self.mems.push((m, fixed));
            }
        }
        let exit = self.block_with_params(&self.results.clone());
        self.push_frame(FrameKind::Block, exit, 0, self.results.len());

        let mut reader = body.get_operators_reader()?;
        while !reader.eof() {
            let offset = reader.original_position();
            let op = reader.read()?;
            self.operator(&op)
                .map_err(|e| CompileError::new(e.message(), Some(offset as usize)))?;
            self.max_height = self.max_height.max(self.stack.len());
        }
        self.finish_trap_blocks();
        self.b.seal_all_blocks();
        Ok(())
    }

    fn global(&mut self, g: u32) -> (Value, Type, bool) {
        let ro = self.ro();
        let globals = self.load_ptr(self.vmctx, offset_of!(VMContext, globals), ro);
        let ptr = self.load_ptr(globals, g as usize * size_of::<usize>(), ro);
        let ty = self.info.globals[g as usize];
        let mutable = ty.mutability == Mutability::Var;
        (ptr, ir_type(ty.content).unwrap_or(types::I64), mutable)
    }

    #[allow(clippy::too_many_lines)]
    fn operator(&mut self, op: &Operator<'_>) -> Result<(), CompileError> {
        use Operator as O;
        if !self.reachable {
            match op {
                O::Block { .. } | O::Loop { .. } | O::If { .. } => self.dummy_frame(),
                O::Else => self.else_(),
                O::End => self.end(),
                _ => {}
            }
            return Ok(());
        }
        let i32t = types::I32;
        let i64t = types::I64;
        match op {
            O::Unreachable => {
                if self.signals {
                    self.b.ins().trap(clif_trap(TrapCode::Unreachable));
                } else {
                    let trap = self.trap_block(TrapCode::Unreachable);
                    self.b.ins().jump(trap, &[]);
                }
                self.reachable = false;
            }
            O::Nop => {}
            O::Block { blockty } => self.block(*blockty)?,
            O::Loop { blockty } => self.loop_(*blockty)?,
            O::If { blockty } => self.if_(*blockty)?,
            O::Else => self.else_(),
            O::End => self.end(),
            O::Br { relative_depth } => self.br(*relative_depth),
            O::BrIf { relative_depth } => self.br_if(*relative_depth),
            O::BrTable { targets } => self.br_table(targets)?,
            O::Return => self.br(self.control.len() as u32 - 1),
            O::Call { function_index } => self.call(*function_index)?,
            O::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(*type_index, *table_index)?,
            O::Drop => {
                pop!(self);
            }
            O::Select | O::TypedSelect { .. } => {
                let c = pop!(self);
                self.binary(|b, x, y| b.ins().select(c, x, y));
            }
            O::LocalGet { local_index } => {
                let v = self.b.use_var(self.locals[*local_index as usize]);
                self.stack.push(v);
            }
            O::LocalSet { local_index } => {
                let v = pop!(self);
                self.b.def_var(self.locals[*local_index as usize], v);
            }
            O::LocalTee { local_index } => {
                let v = *self.stack.last().expect("validated");
                self.b.def_var(self.locals[*local_index as usize], v);
            }
            O::GlobalGet { global_index } => {
                let (ptr, ty, mutable) = self.global(*global_index);
                let f = self.global_flags(mutable);
                let v = self.b.ins().load(ty, f, ptr, 0);
                self.stack.push(v);
            }
            O::GlobalSet { global_index } => {
                let v = pop!(self);
                let (ptr, _, _) = self.global(*global_index);
                let f = self.global_flags(true);
                self.b.ins().store(f, v, ptr, 0);
            }

            O::I32Load { memarg } => self.load(memarg, i32t, 4, None)?,
            O::I64Load { memarg } => self.load(memarg, i64t, 8, None)?,
            O::F32Load { memarg } => self.load(memarg, types::F32, 4, None)?,
            O::F64Load { memarg } => self.load(memarg, types::F64, 8, None)?,
            O::I32Load8S { memarg } => self.load(memarg, i32t, 1, Some(true))?,
            O::I32Load8U { memarg } => self.load(memarg, i32t, 1, Some(false))?,
            O::I32Load16S { memarg } => self.load(memarg, i32t, 2, Some(true))?,
            O::I32Load16U { memarg } => self.load(memarg, i32t, 2, Some(false))?,
            O::I64Load8S { memarg } => self.load(memarg, i64t, 1, Some(true))?,
            O::I64Load8U { memarg } => self.load(memarg, i64t, 1, Some(false))?,
            O::I64Load16S { memarg } => self.load(memarg, i64t, 2, Some(true))?,
            O::I64Load16U { memarg } => self.load(memarg, i64t, 2, Some(false))?,
            O::I64Load32S { memarg } => self.load(memarg, i64t, 4, Some(true))?,
            O::I64Load32U { memarg } => self.load(memarg, i64t, 4, Some(false))?,
            O::I32Store { memarg } | O::F32Store { memarg } => self.store(memarg, 4)?,
            O::I64Store { memarg } | O::F64Store { memarg } => self.store(memarg, 8)?,
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => self.store(memarg, 1)?,
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => self.store(memarg, 2)?,
            O::I64Store32 { memarg } => self.store(memarg, 4)?,
            O::MemorySize { mem } => {
                let m = self.mem(*mem)?;
                let vm = self.vm();
                let len = self.load_ptr(m, offset_of!(VMMemory, len), vm);
                let pages = self.b.ins().ushr_imm_s(len, 16);
                let pages = self.b.ins().ireduce(i32t, pages);
                self.stack.push(pages);
            }
            O::MemoryGrow { mem } => {
                self.mem(*mem)?;
                let delta = pop!(self);
                let m = self.b.ins().iconst(i32t, *mem as i64);
                let r = self
                    .libcall(
                        offset_of!(Libcalls, memory_grow),
                        &[i32t, i32t],
                        Some(i32t),
                        &[m, delta],
                    )
                    .expect("returns");
                self.stack.push(r);
            }
            O::MemoryFill { mem } => {
                let len = pop!(self);
                let val = pop!(self);
                let dst = pop!(self);
                let m = self.b.ins().iconst(i32t, *mem as i64);
                self.libcall_checked(
                    offset_of!(Libcalls, memory_fill),
                    &[i32t; 4],
                    &[m, dst, val, len],
                );
            }
            O::MemoryCopy { dst_mem, src_mem } => {
                let len = pop!(self);
                let src = pop!(self);
                let dst = pop!(self);
                let dm = self.b.ins().iconst(i32t, *dst_mem as i64);
                let sm = self.b.ins().iconst(i32t, *src_mem as i64);
                self.libcall_checked(
                    offset_of!(Libcalls, memory_copy),
                    &[i32t; 5],
                    &[dm, sm, dst, src, len],
                );
            }
            O::MemoryInit { data_index, mem } => {
                self.mem(*mem)?;
                let len = pop!(self);
                let src = pop!(self);
                let dst = pop!(self);
                let m = self.b.ins().iconst(i32t, *mem as i64);
                let seg = self.b.ins().iconst(i32t, *data_index as i64);
                self.libcall_checked(
                    offset_of!(Libcalls, memory_init),
                    &[i32t; 5],
                    &[m, seg, dst, src, len],
                );
            }
            O::DataDrop { data_index } => {
                let seg = self.b.ins().iconst(i32t, *data_index as i64);
                self.libcall(offset_of!(Libcalls, data_drop), &[i32t], None, &[seg]);
            }

            O::TableGet { table } => {
                let index = pop!(self);
                let addr = self.table_elem_addr(*table, index);
                let f = self.table_flags();
                let v = self.b.ins().load(i64t, f, addr, 0);
                self.stack.push(v);
            }
            O::TableSet { table } => {
                let value = pop!(self);
                let index = pop!(self);
                let addr = self.table_elem_addr(*table, index);
                let f = self.table_flags();
                self.b.ins().store(f, value, addr, 0);
            }
            O::TableSize { table } => {
                let t = self.table_ptr(*table);
                let vm = self.vm();
                let len = self.load_ptr(t, offset_of!(VMTable, len), vm);
                let len = self.b.ins().ireduce(i32t, len);
                self.stack.push(len);
            }
            O::TableGrow { table } => {
                let delta = pop!(self);
                let init = pop!(self);
                let t = self.b.ins().iconst(i32t, *table as i64);
                let r = self
                    .libcall(
                        offset_of!(Libcalls, table_grow),
                        &[i32t, i64t, i32t],
                        Some(i32t),
                        &[t, init, delta],
                    )
                    .expect("returns");
                self.stack.push(r);
            }
            O::TableFill { table } => {
                let len = pop!(self);
                let val = pop!(self);
                let dst = pop!(self);
                let t = self.b.ins().iconst(i32t, *table as i64);
                self.libcall_checked(
                    offset_of!(Libcalls, table_fill),
                    &[i32t, i32t, i64t, i32t],
                    &[t, dst, val, len],
                );
            }
            O::TableCopy {
                dst_table,
                src_table,
            } => {
                let len = pop!(self);
                let src = pop!(self);
                let dst = pop!(self);
                let dt = self.b.ins().iconst(i32t, *dst_table as i64);
                let st = self.b.ins().iconst(i32t, *src_table as i64);
                self.libcall_checked(
                    offset_of!(Libcalls, table_copy),
                    &[i32t; 5],
                    &[dt, st, dst, src, len],
                );
            }
            O::TableInit { elem_index, table } => {
                let len = pop!(self);
                let src = pop!(self);
                let dst = pop!(self);
                let t = self.b.ins().iconst(i32t, *table as i64);
                let seg = self.b.ins().iconst(i32t, *elem_index as i64);
                self.libcall_checked(
                    offset_of!(Libcalls, table_init),
                    &[i32t; 5],
                    &[t, seg, dst, src, len],
                );
            }
            O::ElemDrop { elem_index } => {
                let seg = self.b.ins().iconst(i32t, *elem_index as i64);
                self.libcall(offset_of!(Libcalls, elem_drop), &[i32t], None, &[seg]);
            }
            O::RefNull { .. } => {
                let v = self.b.ins().iconst(i64t, 0);
                self.stack.push(v);
            }
            O::RefIsNull => self.eqz(),
            O::RefFunc { function_index } => {
                let ro = self.ro();
                let funcs = self.load_ptr(self.vmctx, offset_of!(VMContext, funcs), ro);
                let off = *function_index as usize * size_of::<VMFuncRef>()
                    + offset_of!(VMFuncRef, store_index);
                let idx = self.b.ins().load(i32t, ro, funcs, off as i32);
                let idx = self.b.ins().uextend(i64t, idx);
                let v = self.b.ins().iadd_imm_s(idx, 1);
                self.stack.push(v);
            }

            O::I32Const { value } => {
                let v = self.b.ins().iconst(i32t, *value as i64);
                self.stack.push(v);
            }
            O::I64Const { value } => {
                let v = self.b.ins().iconst(i64t, *value);
                self.stack.push(v);
            }
            O::F32Const { value } => {
                let v = self
                    .b
                    .ins()
                    .f32const(ir::immediates::Ieee32::with_bits(value.bits()));
                self.stack.push(v);
            }
            O::F64Const { value } => {
                let v = self
                    .b
                    .ins()
                    .f64const(ir::immediates::Ieee64::with_bits(value.bits()));
                self.stack.push(v);
            }

            O::I32Eqz | O::I64Eqz => self.eqz(),
            O::I32Eq | O::I64Eq => self.icmp(IntCC::Equal),
            O::I32Ne | O::I64Ne => self.icmp(IntCC::NotEqual),
            O::I32LtS | O::I64LtS => self.icmp(IntCC::SignedLessThan),
            O::I32LtU | O::I64LtU => self.icmp(IntCC::UnsignedLessThan),
            O::I32GtS | O::I64GtS => self.icmp(IntCC::SignedGreaterThan),
            O::I32GtU | O::I64GtU => self.icmp(IntCC::UnsignedGreaterThan),
            O::I32LeS | O::I64LeS => self.icmp(IntCC::SignedLessThanOrEqual),
            O::I32LeU | O::I64LeU => self.icmp(IntCC::UnsignedLessThanOrEqual),
            O::I32GeS | O::I64GeS => self.icmp(IntCC::SignedGreaterThanOrEqual),
            O::I32GeU | O::I64GeU => self.icmp(IntCC::UnsignedGreaterThanOrEqual),
            O::I32Clz | O::I64Clz => self.unary(|b, x| b.ins().clz(x)),
            O::I32Ctz | O::I64Ctz => self.unary(|b, x| b.ins().ctz(x)),
            O::I32Popcnt | O::I64Popcnt => self.unary(|b, x| b.ins().popcnt(x)),
            O::I32Add | O::I64Add => self.binary(|b, x, y| b.ins().iadd(x, y)),
            O::I32Sub | O::I64Sub => self.binary(|b, x, y| b.ins().isub(x, y)),
            O::I32Mul | O::I64Mul => self.binary(|b, x, y| b.ins().imul(x, y)),
            O::I32DivS | O::I64DivS => self.div(true, false),
            O::I32DivU | O::I64DivU => self.div(false, false),
            O::I32RemS | O::I64RemS => self.div(true, true),
            O::I32RemU | O::I64RemU => self.div(false, true),
            O::I32And | O::I64And => self.binary(|b, x, y| b.ins().band(x, y)),
            O::I32Or | O::I64Or => self.binary(|b, x, y| b.ins().bor(x, y)),
            O::I32Xor | O::I64Xor => self.binary(|b, x, y| b.ins().bxor(x, y)),
            O::I32Shl | O::I64Shl => self.binary(|b, x, y| b.ins().ishl(x, y)),
            O::I32ShrS | O::I64ShrS => self.binary(|b, x, y| b.ins().sshr(x, y)),
            O::I32ShrU | O::I64ShrU => self.binary(|b, x, y| b.ins().ushr(x, y)),
            O::I32Rotl | O::I64Rotl => self.binary(|b, x, y| b.ins().rotl(x, y)),
            O::I32Rotr | O::I64Rotr => self.binary(|b, x, y| b.ins().rotr(x, y)),

            O::F32Eq | O::F64Eq => self.fcmp(FloatCC::Equal),
            O::F32Ne | O::F64Ne => self.fcmp(FloatCC::NotEqual),
            O::F32Lt | O::F64Lt => self.fcmp(FloatCC::LessThan),
            O::F32Gt | O::F64Gt => self.fcmp(FloatCC::GreaterThan),
            O::F32Le | O::F64Le => self.fcmp(FloatCC::LessThanOrEqual),
            O::F32Ge | O::F64Ge => self.fcmp(FloatCC::GreaterThanOrEqual),
            O::F32Abs | O::F64Abs => self.unary(|b, x| b.ins().fabs(x)),
            O::F32Neg | O::F64Neg => self.unary(|b, x| b.ins().fneg(x)),
            O::F32Ceil | O::F64Ceil => self.unary(|b, x| b.ins().ceil(x)),
            O::F32Floor | O::F64Floor => self.unary(|b, x| b.ins().floor(x)),
            O::F32Trunc | O::F64Trunc => self.unary(|b, x| b.ins().trunc(x)),
            O::F32Nearest | O::F64Nearest => self.unary(|b, x| b.ins().nearest(x)),
            O::F32Sqrt | O::F64Sqrt => self.unary(|b, x| b.ins().sqrt(x)),
            O::F32Add | O::F64Add => self.binary(|b, x, y| b.ins().fadd(x, y)),
            O::F32Sub | O::F64Sub => self.binary(|b, x, y| b.ins().fsub(x, y)),
            O::F32Mul | O::F64Mul => self.binary(|b, x, y| b.ins().fmul(x, y)),
            O::F32Div | O::F64Div => self.binary(|b, x, y| b.ins().fdiv(x, y)),
            O::F32Min | O::F64Min => self.binary(|b, x, y| b.ins().fmin(x, y)),
            O::F32Max | O::F64Max => self.binary(|b, x, y| b.ins().fmax(x, y)),
            O::F32Copysign | O::F64Copysign => self.binary(|b, x, y| b.ins().fcopysign(x, y)),

            O::I32WrapI64 => self.unary(|b, x| b.ins().ireduce(types::I32, x)),
            O::I64ExtendI32S => self.unary(|b, x| b.ins().sextend(types::I64, x)),
            O::I64ExtendI32U => self.unary(|b, x| b.ins().uextend(types::I64, x)),
            O::I32TruncF32S | O::I32TruncF64S => self.trunc(i32t, true),
            O::I32TruncF32U | O::I32TruncF64U => self.trunc(i32t, false),
            O::I64TruncF32S | O::I64TruncF64S => self.trunc(i64t, true),
            O::I64TruncF32U | O::I64TruncF64U => self.trunc(i64t, false),
            O::I32TruncSatF32S | O::I32TruncSatF64S => {
                self.unary(|b, x| b.ins().fcvt_to_sint_sat(types::I32, x))
            }
            O::I32TruncSatF32U | O::I32TruncSatF64U => {
                self.unary(|b, x| b.ins().fcvt_to_uint_sat(types::I32, x))
            }
            O::I64TruncSatF32S | O::I64TruncSatF64S => {
                self.unary(|b, x| b.ins().fcvt_to_sint_sat(types::I64, x))
            }
            O::I64TruncSatF32U | O::I64TruncSatF64U => {
                self.unary(|b, x| b.ins().fcvt_to_uint_sat(types::I64, x))
            }
            O::F32ConvertI32S | O::F32ConvertI64S => {
                self.unary(|b, x| b.ins().fcvt_from_sint(types::F32, x))
            }
            O::F32ConvertI32U | O::F32ConvertI64U => {
                self.unary(|b, x| b.ins().fcvt_from_uint(types::F32, x))
            }
            O::F64ConvertI32S | O::F64ConvertI64S => {
                self.unary(|b, x| b.ins().fcvt_from_sint(types::F64, x))
            }
            O::F64ConvertI32U | O::F64ConvertI64U => {
                self.unary(|b, x| b.ins().fcvt_from_uint(types::F64, x))
            }
            O::F32DemoteF64 => self.unary(|b, x| b.ins().fdemote(types::F32, x)),
            O::F64PromoteF32 => self.unary(|b, x| b.ins().fpromote(types::F64, x)),
            O::I32ReinterpretF32 => {
                self.unary(|b, x| b.ins().bitcast(types::I32, MemFlagsData::new(), x))
            }
            O::I64ReinterpretF64 => {
                self.unary(|b, x| b.ins().bitcast(types::I64, MemFlagsData::new(), x))
            }
            O::F32ReinterpretI32 => {
                self.unary(|b, x| b.ins().bitcast(types::F32, MemFlagsData::new(), x))
            }
            O::F64ReinterpretI64 => {
                self.unary(|b, x| b.ins().bitcast(types::F64, MemFlagsData::new(), x))
            }
            O::I32Extend8S => self.sign_extend(i32t, types::I8),
            O::I32Extend16S => self.sign_extend(i32t, types::I16),
            O::I64Extend8S => self.sign_extend(i64t, types::I8),
            O::I64Extend16S => self.sign_extend(i64t, types::I16),
            O::I64Extend32S => self.sign_extend(i64t, types::I32),

            other if crate::module::is_simd_operator(other) => self.simd_operator(other)?,
            other => {
                return Err(unsupported(alloc::format!("the operator {other:?}")));
            }
        }
        Ok(())
    }
}
