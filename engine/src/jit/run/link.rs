//! Linking an instance into the VM layout: its `VMContext` (pointers to
//! its memories, tables, globals and functions) and the store's function
//! references, which compiled code calls through.

use super::batches::ModuleCode;
use super::bridge::bridge_ref;
use super::libcalls::BUILTINS;
use crate::error::Error;
use crate::jit::engine_jit;
use crate::runtime::vm::{InstanceVm, VMContext, VMFuncRef, VMHostFunc};
use crate::runtime::{FuncEntity, StoreInner};
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// The reference compiled code uses to call store function `f`. The
/// function's instance, if any, must already be linked. A host function's
/// reference points at a new record of it ([`VMHostFunc`]), kept by the
/// store.
fn func_ref(inner: &mut StoreInner, f: u32) -> Result<VMFuncRef, Error> {
    Ok(match &inner.funcs[f as usize] {
        FuncEntity::Wasm {
            instance,
            index,
            ty,
            ..
        } => {
            let inst = &inner.instances[*instance as usize];
            let vm = inst
                .vm
                .as_ref()
                .ok_or_else(|| Error::usage("a function's instance has no compiled code"))?;
            // The instance's own entry: its code, or a bridge to the
            // interpreter (per-function tier-up).
            VMFuncRef {
                type_id: ty.0,
                store_index: f,
                ..vm.funcs[*index as usize]
            }
        }
        FuncEntity::Host {
            ty,
            sig,
            slots,
            func,
        } => {
            let signals = crate::jit::signals_enabled(&inner.engine.config);
            let stub = engine_jit(&inner.engine)?.host_stub(*ty, sig, signals)?;
            let (entry, entry_regs) =
                crate::runtime::jit_entry_for(&**func, inner.call_hook.is_some());
            let record = Box::new(VMHostFunc {
                entry,
                entry_regs,
                func: Arc::as_ptr(func),
                slots: *slots,
                index: f,
            });
            let r = VMFuncRef {
                code: stub as *const u8,
                vmctx: &*record as *const VMHostFunc as *mut u8,
                type_id: ty.0,
                store_index: f,
            };
            inner.vm.host_funcs.push(record);
            r
        }
    })
}

/// Extends the store's function references to every store function: on
/// every entry into compiled code, so the check that there is nothing to
/// do is inline.
#[inline]
pub(crate) fn sync_funcrefs(inner: &mut StoreInner) -> Result<(), Error> {
    if inner.vm.funcrefs.len() == inner.funcs.len() {
        return Ok(());
    }
    sync_funcrefs_to(inner, inner.funcs.len())
}

/// Extends the store's function references to the first `end` store
/// functions.
#[inline(never)]
fn sync_funcrefs_to(inner: &mut StoreInner, end: usize) -> Result<(), Error> {
    let have = inner.vm.funcrefs.len();
    if have >= end {
        return Ok(());
    }
    for f in have..end {
        let r = func_ref(inner, f as u32)?;
        inner.vm.funcrefs.push(r);
    }
    inner.vm.ctx.funcrefs = inner.vm.funcrefs.as_ptr();
    inner.vm.ctx.funcrefs_len = inner.vm.funcrefs.len();
    Ok(())
}

/// Builds instance `index`'s VM context (after `instantiate` has created
/// its entities) and the store references to its functions.
pub(crate) fn link_instance(inner: &mut StoreInner, index: u32) -> Result<(), Error> {
    link_only(inner, index)?;
    sync_funcrefs(inner)
}

/// Links every instance of the store that is not linked yet, in order
/// (each one's imports are the functions before its own), then the
/// store's function references: `Tier::Auto` moving a store to compiled
/// code, whose modules all have it by then.
pub(crate) fn link_store(inner: &mut StoreInner) -> Result<(), Error> {
    for index in 0..inner.instances.len() {
        if inner.instances[index].vm.is_none() {
            link_only(inner, index as u32)?;
        }
    }
    sync_funcrefs(inner)
}

/// [`link_instance`] up to the instance's own function references: the
/// store's later functions (a later instance's) may not be linkable yet.
fn link_only(inner: &mut StoreInner, index: u32) -> Result<(), Error> {
    inner.vm.ctx.builtins = &BUILTINS;
    let store_ctx = &mut *inner.vm.ctx as *mut _;
    let inst = &inner.instances[index as usize];
    let module = inst.module.clone();
    let code = ModuleCode::of(&module);
    // Per-function tier-up links a module with no code yet: every
    // function then starts behind a bridge.
    let per_function = inner.tier_up.mode == crate::runtime::tier_up::Mode::Functions;
    if code.is_none() && !per_function {
        return Err(Error::usage("the module was not compiled by the JIT"));
    }
    let memories: Box<[_]> = inst
        .memories
        .iter()
        .map(|&m| inner.memories[m as usize].vm_ptr())
        .collect();
    let globals = inst.global_values.0.clone();
    let tables: Box<[_]> = inst
        .tables
        .iter()
        .map(|&t| &mut *inner.tables[t as usize].vm as *mut _)
        .collect();
    // The module's engine-wide type ids (`TypeId` is a transparent `u32`).
    let type_ids: *const u32 = module.info.type_ids.as_ptr().cast();
    let mem0_base = match memories.first() {
        // SAFETY: the pointers point at the `VMMemory` of memories the
        // store owns (and keeps for as long as this instance).
        Some(&m) => unsafe { (*m).base },
        None => core::ptr::null_mut(),
    };
    let mut ctx = Box::new(VMContext {
        store: store_ctx,
        mem0_base,
        memories: memories.as_ptr(),
        globals: globals.as_ptr(),
        tables: tables.as_ptr(),
        funcs: core::ptr::null(),
        type_ids,
        instance: index,
    });
    let vmctx = &mut *ctx as *mut VMContext as *mut u8;
    let num_imported = module.info.num_imported_funcs as usize;
    // Every function before the instance's own has its store reference
    // (its instance was linked before this one was made); imports copy
    // theirs.
    let own = inst
        .funcs
        .get(num_imported)
        .map_or(inner.funcs.len(), |&f| f as usize);
    let inst_funcs = core::mem::take(&mut inner.instances[index as usize].funcs);
    let synced = sync_funcrefs_to(inner, own);
    let mut funcs = Vec::with_capacity(inst_funcs.len());
    let mut made = synced;
    if made.is_ok() {
        for (i, &f) in inst_funcs.iter().enumerate() {
            let entry = code.and_then(|c| c.entry((i - num_imported.min(i)) as u32));
            funcs.push(match entry {
                _ if i < num_imported => inner.vm.funcrefs[f as usize],
                Some(code) => VMFuncRef {
                    code,
                    vmctx,
                    type_id: inner.funcs[f as usize].type_id().0,
                    store_index: f,
                },
                None if per_function => match bridge_ref(inner, f) {
                    Ok(r) => r,
                    Err(e) => {
                        made = Err(e);
                        break;
                    }
                },
                None => {
                    made = Err(Error::usage("a function has no compiled code"));
                    break;
                }
            });
        }
    }
    inner.instances[index as usize].funcs = inst_funcs;
    made?;
    let funcs: Box<[VMFuncRef]> = funcs.into_boxed_slice();
    ctx.funcs = funcs.as_ptr();
    // The instance's own functions are the store's last ones: their
    // references are the ones just made.
    if inner.vm.funcrefs.len() == own {
        inner.vm.funcrefs.extend_from_slice(&funcs[num_imported..]);
        inner.vm.ctx.funcrefs = inner.vm.funcrefs.as_ptr();
        inner.vm.ctx.funcrefs_len = inner.vm.funcrefs.len();
    }
    inner.instances[index as usize].vm = Some(InstanceVm {
        ctx,
        memories,
        globals,
        tables,
        funcs,
    });
    Ok(())
}

/// Per-function tier-up: re-points every linked instance's entries, and
/// the store's function references, at the code their functions have now
/// (bridges stay for the rest), then every import at its function's
/// reference.
pub(crate) fn refresh_store(inner: &mut StoreInner) -> Result<(), Error> {
    for index in 0..inner.instances.len() {
        let inst = &mut inner.instances[index];
        let module = inst.module.clone();
        let Some(code) = ModuleCode::of(&module) else {
            continue;
        };
        let Some(vm) = inst.vm.as_mut() else {
            continue;
        };
        let vmctx = &*vm.ctx as *const VMContext as *mut u8;
        let num_imported = module.info.num_imported_funcs as usize;
        for (i, entry) in vm.funcs.iter_mut().enumerate().skip(num_imported) {
            if entry.vmctx == vmctx {
                continue;
            }
            let Some(ptr) = code.entry((i - num_imported) as u32) else {
                continue;
            };
            // Code and context change together; compiled code reads both
            // afresh at each call (`translate::calls`).
            entry.code = ptr;
            entry.vmctx = vmctx;
            if let Some(r) = inner.vm.funcrefs.get_mut(entry.store_index as usize) {
                *r = *entry;
            }
        }
    }
    for inst in &mut inner.instances {
        let num_imported = inst.module.info.num_imported_funcs as usize;
        let Some(vm) = inst.vm.as_mut() else {
            continue;
        };
        for entry in vm.funcs.iter_mut().take(num_imported) {
            if let Some(r) = inner.vm.funcrefs.get(entry.store_index as usize) {
                *entry = *r;
            }
        }
    }
    Ok(())
}
