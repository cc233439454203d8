//! The function environment: how compiled code reaches the VM. It holds
//! the values and caches the translator needs to address the instance's
//! context, the store context, memories, tables, globals and builtins,
//! the alias regions and memory flags of every VM access, and the trap
//! blocks of both trap modes; the translator asks it and never computes a
//! VM offset itself. Every offset comes from `runtime::vm`'s `#[repr(C)]`
//! declarations.
//!
//! SECURITY-CRITICAL: the trap paths and memory flags declared here decide
//! which accesses may fault and what a failed check does.

use crate::config::CodeSettings;
use crate::error::{CompileError, TrapCode};
use crate::jit::compile::abi::{
    builtin_signature, clif_trap, install_stack_limit, ir_type, wasm_signature, zero, DEFINED_FUNCS,
};
use crate::jit::run::traps::DYNAMIC;
use crate::jit::{unsupported, TRAP_HOST_ERROR};
use crate::module::ModuleInfo;
use crate::runtime::vm::{Builtin, VMContext, VMMemory, VMStoreContext};
use crate::runtime::GUARD_BYTES;
use crate::types::{Mutability, DEFAULT_PAGE_SIZE_LOG2};
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::mem::{offset_of, size_of};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    self, types, AliasRegion, AliasRegionData, Block, BlockArg, Endianness, ExtFuncData,
    ExternalName, FuncRef, InstBuilder, MemFlagsData, SigRef, Type, UserExternalName, Value,
};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_frontend::{FunctionBuilder, Variable};

/// Alias regions: accesses in different regions never alias, which lets
/// Cranelift keep VM fields in registers across guest memory stores.
struct Regions {
    vm: AliasRegion,
    heap: AliasRegion,
    table: AliasRegion,
    global: AliasRegion,
}

/// A memory as the function sees it.
struct MemInfo {
    /// Its `VMMemory`.
    vm: Value,
    /// Its base, for memory 0 when it never moves (`VMContext::mem0_base`).
    base: Option<Value>,
    /// Whether its base never moves: it is guarded (a 32-bit memory with
    /// signal-based traps) or fixed-size.
    never_moves: bool,
    /// Whether it can never grow (its maximum is its minimum), so its base
    /// and length are constant for the instance's lifetime.
    fixed: bool,
    /// Whether its pages are 64 KiB (so its length is a whole number of
    /// OS pages).
    default_pages: bool,
    page_size_log2: u8,
    /// Whether its addresses are 64-bit: every access is checked, and its
    /// base may move when it grows (it is never guarded).
    memory64: bool,
}

pub(super) struct FuncEnv<'a> {
    pub info: &'a ModuleInfo,
    pub isa: &'a OwnedTargetIsa,
    pub ptr: Type,
    pub func_index: u32,
    /// Signal-based traps and guarded memories (see the module docs).
    pub signals: bool,
    /// The fuel and epoch checks the function carries.
    pub checks: CodeSettings,
    /// Whether the ISA compiles `v128` operations (`isa::has_simd`).
    pub simd: bool,
    /// The fuel left, in a variable while the function runs: stored to
    /// the store context before every call and return, and reloaded after
    /// a call (with `checks.fuel`).
    fuel: Option<Variable>,
    /// With epoch checks: the address of the engine's epoch counter
    /// (loaded once, at entry) and the store's deadline, in a variable
    /// reloaded after every call (only host code moves it), so a loop's
    /// check is one atomic load, a compare and a branch.
    epoch: Option<(Value, Variable)>,
    /// The cold block that stores the fuel passed to it and raises
    /// `OutOfFuel`.
    out_of_fuel_block: Option<Block>,
    pub results: Vec<Type>,
    /// The instance's context (the function's first parameter).
    pub vmctx: Value,
    /// The store context, loaded once at entry.
    pub vmstore: Value,
    /// Each memory's `VMMemory`, loaded once in the entry block, and what
    /// the code compiled for it depends on.
    mems: Vec<MemInfo>,
    regions: Regions,
    trap_blocks: Vec<(u32, Block)>,
    dyn_trap_block: Option<Block>,
    unwind_block: Option<Block>,
    sigs: BTreeMap<u32, SigRef>,
    builtin_sigs: BTreeMap<Builtin, SigRef>,
    /// Defined functions this one calls directly, by defined index.
    direct: BTreeMap<u32, FuncRef>,
}

impl<'a> FuncEnv<'a> {
    /// The environment of function `func_index`, whose entry block it
    /// creates in `b`.
    pub fn new(
        b: &mut FunctionBuilder<'_>,
        info: &'a ModuleInfo,
        isa: &'a OwnedTargetIsa,
        func_index: u32,
        signals: bool,
        checks: CodeSettings,
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
            info,
            isa,
            ptr: isa.pointer_type(),
            func_index,
            signals,
            checks,
            simd: crate::jit::compile::isa::has_simd(isa),
            fuel: None,
            epoch: None,
            out_of_fuel_block: None,
            results,
            vmctx,
            vmstore: vmctx,
            mems: Vec::new(),
            regions,
            trap_blocks: Vec::new(),
            dyn_trap_block: None,
            unwind_block: None,
            sigs: BTreeMap::new(),
            builtin_sigs: BTreeMap::new(),
            direct: BTreeMap::new(),
        })
    }

    /// Emits what every body starts with, after its locals: the store
    /// context, the stack check and the memories' `VMMemory` pointers.
    pub fn enter(&mut self, b: &mut FunctionBuilder<'_>) {
        let ro = self.ro();
        self.vmstore = self.load_ptr(b, self.vmctx, offset_of!(VMContext, store), ro);
        {
            // Stack overflow without signals: a check of the stack pointer
            // against the store's limit at the start of the body, after the
            // prologue's own check (see `install_stack_limit`), is the
            // graceful trap. With signals the prologue checked the same
            // limit with the frame included, so this one could never fire
            // and is not emitted. (It was kept once for its effect on
            // register allocation: the Rust `vm` workload's dispatch loop
            // spilled a value without it. With Cranelift 0.135 the loop
            // runs 3.1% fewer instructions without it, by callgrind:
            // 770.8 M against 746.8 M for `vm 30`.)
            if !self.signals {
                let sp = b.ins().get_stack_pointer(self.ptr);
                let vm = self.vm();
                let limit =
                    self.load_ptr(b, self.vmstore, offset_of!(VMStoreContext, stack_limit), vm);
                let overflow = b.ins().icmp(IntCC::UnsignedLessThan, sp, limit);
                self.trap_if(b, overflow, TrapCode::StackOverflow);
            }
        }
        if self.checks.fuel {
            let vm = self.vm();
            let var = b.declare_var(types::I64);
            let fuel = b.ins().load(
                types::I64,
                vm,
                self.vmstore,
                offset_of!(VMStoreContext, fuel) as i32,
            );
            b.def_var(var, fuel);
            self.fuel = Some(var);
        }
        if self.checks.epoch {
            let ro = self.ro();
            let counter = self.load_ptr(b, self.vmstore, offset_of!(VMStoreContext, epoch), ro);
            let var = b.declare_var(self.ptr);
            self.epoch = Some((counter, var));
            self.reload_deadline(b);
        }
        if !self.info.memories.is_empty() {
            // Every memory's `VMMemory` pointer, at its fixed place in the
            // context's array. These loads are pure (read-only, cannot
            // trap), so Cranelift drops those of memories the function
            // never touches.
            let mems = self.load_ptr(b, self.vmctx, offset_of!(VMContext, memories), ro);
            for (i, ty) in self.info.memories.iter().enumerate() {
                let m = self.load_ptr(b, mems, i * size_of::<*mut VMMemory>(), ro);
                let fixed = ty.limits.max == Some(ty.limits.min);
                let never_moves = fixed || (self.signals && !ty.memory64);
                // Memory 0's base, straight from the context when it never
                // moves.
                let base = (i == 0 && never_moves)
                    .then(|| self.load_ptr(b, self.vmctx, offset_of!(VMContext, mem0_base), ro));
                self.mems.push(MemInfo {
                    vm: m,
                    base,
                    never_moves,
                    fixed,
                    default_pages: ty.default_page_size(),
                    page_size_log2: ty.page_size_log2,
                    memory64: ty.memory64,
                });
            }
        }
    }

    // ---- fuel and epochs ------------------------------------------------

    /// Entering a segment (`semantics::fuel`): charges `cost` (with fuel
    /// on) and, at a function entry or loop header (`check`), traps with
    /// `OutOfFuel` if that leaves less than none (the fuel as it was
    /// before the charge is stored first, as the interpreter leaves it),
    /// and with `Interrupt` if the epoch reached the deadline.
    pub fn enter_segment(&mut self, b: &mut FunctionBuilder<'_>, cost: Option<u64>, check: bool) {
        if let (Some(var), Some(cost)) = (self.fuel, cost) {
            if cost > 0 || check {
                let fuel = b.use_var(var);
                let left = b.ins().iadd_imm_s(fuel, (cost as i64).wrapping_neg());
                if check {
                    let out = b.ins().icmp_imm_s(IntCC::SignedLessThan, left, 0);
                    let trap = self.out_of_fuel_block(b);
                    let cont = b.create_block();
                    b.ins().brif(out, trap, &[BlockArg::Value(fuel)], cont, &[]);
                    b.seal_block(cont);
                    b.switch_to_block(cont);
                }
                b.def_var(var, left);
            }
        }
        if let (Some((counter, deadline)), true) = (self.epoch, check) {
            // An atomic load: a plain one would be folded with the last one
            // in a loop that stores nothing, and never see the epoch move.
            let now = b
                .ins()
                .atomic_load(self.ptr, MemFlagsData::trusted(), counter);
            let deadline = b.use_var(deadline);
            let reached = b
                .ins()
                .icmp(IntCC::UnsignedGreaterThanOrEqual, now, deadline);
            self.trap_if(b, reached, TrapCode::Interrupt);
        }
    }

    /// Reads the store's epoch deadline into its variable (at entry, and
    /// after calls, which may run host code that moves it).
    fn reload_deadline(&mut self, b: &mut FunctionBuilder<'_>) {
        if let Some((_, var)) = self.epoch {
            let vm = self.vm();
            let deadline = b.ins().load(
                self.ptr,
                vm,
                self.vmstore,
                offset_of!(VMStoreContext, epoch_deadline) as i32,
            );
            b.def_var(var, deadline);
        }
    }

    /// The cold block that raises `OutOfFuel` with the fuel it is passed
    /// stored.
    fn out_of_fuel_block(&mut self, b: &mut FunctionBuilder<'_>) -> Block {
        if let Some(blk) = self.out_of_fuel_block {
            return blk;
        }
        let blk = b.create_block();
        b.append_block_param(blk, types::I64);
        b.set_cold_block(blk);
        self.out_of_fuel_block = Some(blk);
        blk
    }

    /// Stores the fuel variable to the store context (before a call or a
    /// return), with fuel on.
    pub fn flush_fuel(&mut self, b: &mut FunctionBuilder<'_>) {
        if let Some(var) = self.fuel {
            let vm = self.vm();
            let fuel = b.use_var(var);
            b.ins().store(
                vm,
                fuel,
                self.vmstore,
                offset_of!(VMStoreContext, fuel) as i32,
            );
        }
    }

    /// Reloads the fuel variable from the store context (after a call).
    /// After a call to Wasm or host code: reloads the fuel the callee
    /// left and the deadline host code may have moved.
    pub fn reload_after_call(&mut self, b: &mut FunctionBuilder<'_>) {
        self.reload_fuel(b);
        self.reload_deadline(b);
    }

    /// Reloads the fuel from the store (after a call that charged it).
    fn reload_fuel(&mut self, b: &mut FunctionBuilder<'_>) {
        if let Some(var) = self.fuel {
            let vm = self.vm();
            let fuel = b.ins().load(
                types::I64,
                vm,
                self.vmstore,
                offset_of!(VMStoreContext, fuel) as i32,
            );
            b.def_var(var, fuel);
        }
    }

    // ---- memory flags -------------------------------------------------

    /// A VM field that never changes while the instance lives.
    pub fn ro(&self) -> MemFlagsData {
        MemFlagsData::trusted()
            .with_readonly()
            .with_can_move()
            .with_alias_region(Some(self.regions.vm))
    }

    /// A VM field that may change across calls (memory base and length,
    /// the trap code, ...).
    pub fn vm(&self) -> MemFlagsData {
        MemFlagsData::trusted().with_alias_region(Some(self.regions.vm))
    }

    /// Guest linear memory: possibly unaligned; little-endian. With
    /// guarded memories an access may fault in the guard region, which is
    /// the out-of-bounds trap; otherwise it was bounds-checked before and
    /// cannot fault.
    pub fn heap(&self) -> MemFlagsData {
        let f = MemFlagsData::new()
            .with_endianness(Endianness::Little)
            .with_alias_region(Some(self.regions.heap));
        if self.signals {
            f.with_trap_code(Some(ir::TrapCode::HEAP_OUT_OF_BOUNDS))
        } else {
            f.with_notrap()
        }
    }

    pub fn table_flags(&self) -> MemFlagsData {
        MemFlagsData::trusted().with_alias_region(Some(self.regions.table))
    }

    pub fn global_flags(&self, mutable: bool) -> MemFlagsData {
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

    pub fn load_ptr(
        &mut self,
        b: &mut FunctionBuilder<'_>,
        base: Value,
        offset: usize,
        flags: MemFlagsData,
    ) -> Value {
        b.ins().load(self.ptr, flags, base, offset as i32)
    }

    /// The shared cold block that records this frame and returns.
    pub fn unwind_block(&mut self, b: &mut FunctionBuilder<'_>) -> Block {
        if let Some(blk) = self.unwind_block {
            return blk;
        }
        let blk = b.create_block();
        b.set_cold_block(blk);
        self.unwind_block = Some(blk);
        blk
    }

    /// The cold block that raises `code`.
    pub fn trap_block(&mut self, b: &mut FunctionBuilder<'_>, code: TrapCode) -> Block {
        let bits = code.bits();
        if let Some((_, blk)) = self.trap_blocks.iter().find(|(c, _)| *c == bits) {
            return *blk;
        }
        self.unwind_block(b);
        let blk = b.create_block();
        b.set_cold_block(blk);
        self.trap_blocks.push((bits, blk));
        blk
    }

    /// The cold block that raises the trap code passed as its parameter.
    pub fn dyn_trap_block(&mut self, b: &mut FunctionBuilder<'_>) -> Block {
        if let Some(blk) = self.dyn_trap_block {
            return blk;
        }
        if !self.signals {
            self.unwind_block(b);
        }
        let blk = b.create_block();
        b.append_block_param(blk, types::I32);
        b.set_cold_block(blk);
        self.dyn_trap_block = Some(blk);
        blk
    }

    /// Continues in a fresh block when `cond` is false; traps otherwise.
    pub fn trap_if(&mut self, b: &mut FunctionBuilder<'_>, cond: Value, code: TrapCode) {
        if self.signals {
            b.ins().trapnz(cond, clif_trap(code));
            return;
        }
        let trap = self.trap_block(b, code);
        let cont = b.create_block();
        b.ins().brif(cond, trap, &[], cont, &[]);
        b.seal_block(cont);
        b.switch_to_block(cont);
    }

    /// Traps with the (non-zero) status a libcall returned.
    pub fn trap_if_status(&mut self, b: &mut FunctionBuilder<'_>, status: Value) {
        let trap = self.dyn_trap_block(b);
        let cont = b.create_block();
        b.ins()
            .brif(status, trap, &[BlockArg::Value(status)], cont, &[]);
        b.seal_block(cont);
        b.switch_to_block(cont);
    }

    /// After a call: returns early if the callee trapped (explicit mode
    /// only; with signals a trap never returns).
    pub fn check_trap_after_call(&mut self, b: &mut FunctionBuilder<'_>) {
        if self.signals {
            return;
        }
        let flags = self.vm();
        let code = b.ins().load(
            types::I32,
            flags,
            self.vmstore,
            offset_of!(VMStoreContext, trap_code) as i32,
        );
        let unwind = self.unwind_block(b);
        let cont = b.create_block();
        b.ins().brif(code, unwind, &[], cont, &[]);
        b.seal_block(cont);
        b.switch_to_block(cont);
    }

    /// Fills the trap and unwind blocks, once the body is done.
    pub fn finish_trap_blocks(&mut self, b: &mut FunctionBuilder<'_>) {
        let vm = self.vm();
        if let Some(block) = self.out_of_fuel_block {
            b.switch_to_block(block);
            let fuel = b.block_params(block)[0];
            b.ins().store(
                vm,
                fuel,
                self.vmstore,
                offset_of!(VMStoreContext, fuel) as i32,
            );
            if self.signals {
                b.ins().trap(clif_trap(TrapCode::OutOfFuel));
            } else {
                let trap = self.trap_block(b, TrapCode::OutOfFuel);
                b.ins().jump(trap, &[]);
            }
        }
        let trap_code_off = offset_of!(VMStoreContext, trap_code) as i32;
        if self.signals {
            if let Some(block) = self.dyn_trap_block {
                b.switch_to_block(block);
                let c = b.block_params(block)[0];
                b.ins().store(vm, c, self.vmstore, trap_code_off);
                b.ins().trap(ir::TrapCode::unwrap_user(DYNAMIC));
            }
            return;
        }
        let Some(unwind) = self.unwind_block else {
            return;
        };
        for (bits, block) in core::mem::take(&mut self.trap_blocks) {
            b.switch_to_block(block);
            let c = b.ins().iconst(types::I32, bits as i64);
            b.ins().store(vm, c, self.vmstore, trap_code_off);
            b.ins().jump(unwind, &[]);
        }
        if let Some(block) = self.dyn_trap_block {
            b.switch_to_block(block);
            let c = b.block_params(block)[0];
            b.ins().store(vm, c, self.vmstore, trap_code_off);
            b.ins().jump(unwind, &[]);
        }
        b.switch_to_block(unwind);
        let f = b.ins().iconst(types::I32, self.func_index as i64);
        self.builtin(b, Builtin::RecordFrame, &[f]);
        let zeros: Vec<Value> = self
            .results
            .clone()
            .into_iter()
            .map(|t| zero(b, t))
            .collect();
        b.ins().return_(&zeros);
    }

    /// Calls `builtin` with `args` (after the context), through the store
    /// context's builtin table; returns its result, if it has one.
    pub fn builtin(
        &mut self,
        b: &mut FunctionBuilder<'_>,
        builtin: Builtin,
        args: &[Value],
    ) -> Option<Value> {
        let sig = match self.builtin_sigs.get(&builtin) {
            Some(s) => *s,
            None => {
                let s = b.import_signature(builtin_signature(self.isa, builtin));
                self.builtin_sigs.insert(builtin, s);
                s
            }
        };
        let ro = self.ro();
        let table = self.load_ptr(b, self.vmstore, offset_of!(VMStoreContext, builtins), ro);
        let f = self.load_ptr(b, table, builtin.offset(), ro);
        let mut call_args = Vec::with_capacity(args.len() + 1);
        call_args.push(self.vmctx);
        call_args.extend_from_slice(args);
        self.flush_fuel(b);
        let call = b.ins().call_indirect(sig, f, &call_args);
        let result = b.inst_results(call).first().copied();
        self.reload_fuel(b);
        result
    }

    /// The result of a `grow` builtin's `i64` one (its low half as an
    /// `i32` unless `wide`), after trapping if it is `i64::MIN` (the
    /// store's resource limiter failed the guest; its error is pending,
    /// reported as a host error).
    pub fn grown(&mut self, b: &mut FunctionBuilder<'_>, r: Value, wide: bool) -> Value {
        let failed = b.ins().icmp_imm_s(IntCC::Equal, r, i64::MIN);
        let host_error = b.ins().iconst(types::I32, TRAP_HOST_ERROR as i64);
        let ok = b.ins().iconst(types::I32, 0);
        let status = b.ins().select(failed, host_error, ok);
        self.trap_if_status(b, status);
        if wide {
            r
        } else {
            b.ins().ireduce(types::I32, r)
        }
    }

    /// Calls a builtin that returns a trap status, and traps with it.
    pub fn builtin_checked(
        &mut self,
        b: &mut FunctionBuilder<'_>,
        builtin: Builtin,
        args: &[Value],
    ) {
        let status = self
            .builtin(b, builtin, args)
            .expect("the builtin returns a status");
        self.trap_if_status(b, status);
    }

    pub fn sig_for_type(
        &mut self,
        b: &mut FunctionBuilder<'_>,
        type_index: u32,
    ) -> Result<SigRef, CompileError> {
        if let Some(s) = self.sigs.get(&type_index) {
            return Ok(*s);
        }
        let sig = wasm_signature(self.isa, self.info.func_type_at(type_index))?;
        let s = b.import_signature(sig);
        self.sigs.insert(type_index, s);
        Ok(s)
    }

    /// The `VMMemory` of memory `memory`.
    pub fn mem(&mut self, memory: u32) -> Result<Value, CompileError> {
        self.mems
            .get(memory as usize)
            .map(|m| m.vm)
            .ok_or_else(|| unsupported("memory access without a memory"))
    }

    /// Memory `memory`'s base: the one the context holds for a memory 0
    /// that never moves, else loaded from its `VMMemory` (read-only when it
    /// never moves).
    pub fn mem_base(
        &mut self,
        b: &mut FunctionBuilder<'_>,
        memory: u32,
    ) -> Result<Value, CompileError> {
        let info = self
            .mems
            .get(memory as usize)
            .ok_or_else(|| unsupported("memory access without a memory"))?;
        if let Some(base) = info.base {
            return Ok(base);
        }
        let vm = info.vm;
        let flags = if info.never_moves {
            self.ro()
        } else {
            self.vm()
        };
        Ok(self.load_ptr(b, vm, offset_of!(VMMemory, base), flags))
    }

    /// Whether memory `memory` can never grow.
    pub fn mem_fixed(&self, memory: u32) -> bool {
        self.mems.get(memory as usize).is_some_and(|m| m.fixed)
    }

    /// Whether the guard region may stand in for the bounds check of an
    /// access to memory `memory` that ends `end` bytes past its index:
    /// with signal-based traps, for a memory of 64 KiB pages (whose length
    /// is a whole number of OS pages, so the first byte past it faults),
    /// when `end` stays inside the guard region. A memory of one-byte
    /// pages ends mid-page: every access to it is checked.
    pub fn guard_covers(&self, memory: u32, end: u64) -> bool {
        self.signals
            && end <= GUARD_BYTES
            && self
                .mems
                .get(memory as usize)
                .is_some_and(|m| m.default_pages && !m.memory64)
    }

    /// Whether memory `memory` has 64-bit addresses. Such a memory is
    /// never guarded: a 64-bit index spans more than any reservation, so
    /// every access is checked, and its base moves when it outgrows its
    /// reservation, as a checked memory's does.
    pub fn mem_64(&self, memory: u32) -> bool {
        self.mems.get(memory as usize).is_some_and(|m| m.memory64)
    }

    /// The log2 of memory `memory`'s page size (16 unless it has custom
    /// pages).
    pub fn mem_page_size_log2(&self, memory: u32) -> u8 {
        self.mems
            .get(memory as usize)
            .map_or(DEFAULT_PAGE_SIZE_LOG2, |m| m.page_size_log2)
    }

    pub fn global(&mut self, b: &mut FunctionBuilder<'_>, g: u32) -> (Value, Type, bool) {
        let ro = self.ro();
        let globals = self.load_ptr(b, self.vmctx, offset_of!(VMContext, globals), ro);
        let ptr = self.load_ptr(b, globals, g as usize * size_of::<usize>(), ro);
        let ty = self.info.globals[g as usize];
        let mutable = ty.mutability == Mutability::Var;
        (ptr, ir_type(ty.content).unwrap_or(types::I64), mutable)
    }

    /// The `VMTable` of table `t`.
    pub fn table_ptr(&mut self, b: &mut FunctionBuilder<'_>, t: u32) -> Value {
        let ro = self.ro();
        let tables = self.load_ptr(b, self.vmctx, offset_of!(VMContext, tables), ro);
        self.load_ptr(b, tables, t as usize * size_of::<usize>(), ro)
    }

    /// The instance's `VMFuncRef` array (module function index space).
    pub fn funcs(&mut self, b: &mut FunctionBuilder<'_>) -> Value {
        let ro = self.ro();
        self.load_ptr(b, self.vmctx, offset_of!(VMContext, funcs), ro)
    }

    /// The callee of a direct call to defined function `def` of this
    /// module, with signature `sig`.
    pub fn direct_callee(&mut self, b: &mut FunctionBuilder<'_>, def: u32, sig: SigRef) -> FuncRef {
        if let Some(r) = self.direct.get(&def) {
            return *r;
        }
        let name = b
            .func
            .declare_imported_user_function(UserExternalName::new(DEFINED_FUNCS, def));
        let r = b.import_function(ExtFuncData {
            name: ExternalName::user(name),
            signature: sig,
            colocated: true,
            patchable: false,
        });
        self.direct.insert(def, r);
        r
    }
}
