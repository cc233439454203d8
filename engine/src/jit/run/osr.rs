//! On-stack replacement, the run side (`Tier::Auto`): an interpreter frame
//! running a loop of a function whose module has compiled code moves into
//! the function's *twin* (`compile::translate::osr`), compiled on first
//! need, and the twin runs the rest of the function.

use super::batches::{ModuleCode, Twins};
use super::code_memory::CodeMemory;
use super::invoke::{enter_compiled, trampoline_for};
use crate::runtime::tier_up::Crossed;
use crate::runtime::vm::VMContext;
use crate::runtime::StoreInner;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// A function's twin: its code, in an image of its own, and the loops
/// (ordinals among the body's `loop` operators) it can be entered at.
pub(crate) struct Twin {
    pub(super) code: CodeMemory,
    entries: Vec<u32>,
}

/// Runs the rest of defined function `def` of `instance` in compiled
/// code, from loop `ordinal`'s header, with the locals of the interpreter
/// frame at `slots`; `values` (at least two slots, and as many as the
/// function's results take) receives its results. `Ok(false)` if the
/// function has no entry at that loop (the interpreter goes on).
///
/// The store must have moved to compiled code (every instance linked).
pub(crate) fn enter_loop(
    inner: &mut StoreInner,
    data: *mut (),
    instance: u32,
    def: u32,
    ordinal: u32,
    slots: *const u64,
    values: &mut [u64],
) -> Result<bool, Crossed> {
    let module = inner.instances[instance as usize].module.clone();
    let Some(code) = ModuleCode::of(&module) else {
        return Ok(false);
    };
    let Some(twin) = twin(inner, &module, code.twins(), def) else {
        return Ok(false);
    };
    if !twin.entries.contains(&ordinal) {
        return Ok(false);
    }
    let Some(vm) = inner.instances[instance as usize].vm.as_ref() else {
        return Ok(false);
    };
    let vmctx = &*vm.ctx as *const VMContext as *mut u8;
    let func_index = module.info.num_imported_funcs + def;
    let ty = crate::jit::compile::osr_type(module.info.func_type(func_index));
    let id = inner.engine.types.intern_func(&ty);
    let trampoline = trampoline_for(inner, id, Some(&ty), 0)?;
    // The twin's `call_indirect` reads the store's references unchecked:
    // they must cover every function the store has now (the host may have
    // made some since compiled code last ran).
    super::link::sync_funcrefs(inner).map_err(Crossed::Error)?;
    values[0] = slots as u64;
    values[1] = u64::from(ordinal);
    let code = twin.code.base();
    // SAFETY: the twin's code lives as long as the module (kept by the
    // instance), `vmctx` is the instance's context, the trampoline was
    // compiled for the twin's type, and `values` holds its two arguments
    // and room for its results. The twin reads the frame's slots at
    // entry, before anything can move the interpreter's stack.
    unsafe { enter_compiled(inner, data, code, vmctx, trampoline, values)? };
    Ok(true)
}

/// The twin of `def`, compiled now if no one has asked for it yet.
fn twin(
    inner: &StoreInner,
    module: &crate::runtime::ModuleShared,
    twins: &Twins,
    def: u32,
) -> Option<Arc<Twin>> {
    let mut twins = twins.lock().unwrap_or_else(|p| p.into_inner());
    twins
        .entry(def)
        .or_insert_with(|| {
            // A twin that cannot be made (or a compiler panic) leaves the
            // frame in the interpreter: nothing is lost but speed.
            let made = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                crate::jit::compile::compile_osr(&inner.engine, &module.info, &module.bytes, def)
            }));
            let (code, entries) = made.ok()?.ok()?;
            let (code, _) = CodeMemory::new(&[code], true).ok()?;
            if inner.engine.config.profiler == crate::config::ProfilingStrategy::PerfMap {
                super::perf_map::announce_twin(module, def, code.base() as usize, code.len());
            }
            Some(Arc::new(Twin { code, entries }))
        })
        .clone()
}

/// The function whose twin among `twins` holds address `pc`, if any.
pub(super) fn twin_at(twins: &Twins, pc: usize) -> Option<u32> {
    // A poisoned lock (a panic while compiling a twin) still holds the
    // twins made before.
    let twins = twins.lock().unwrap_or_else(|p| p.into_inner());
    twins.iter().find_map(|(&def, twin)| {
        let code = &twin.as_ref()?.code;
        let start = code.base() as usize;
        (start..start + code.len()).contains(&pc).then_some(def)
    })
}
