//! Modules with imports, satisfied by generated host definitions, run to
//! the end of every export.
//!
//! `wasm-smith` generates a module importing functions, memories, tables
//! and globals; the target defines each import with a host entity of the
//! requested type (sometimes of the wrong type, or not at all), then calls
//! every export. Host functions return generated values (non-null
//! references included), fail with a host error, trap, return a value of
//! the wrong type, or call back into the guest. Nothing may panic or crash,
//! and every failure must be an `Error` of the kind its cause explains:
//! `Trap`, `Host` or `Link` (and `Usage` only after a host function broke
//! its own signature). Each input runs on one tier, the interpreter or
//! the JIT.

#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use petrel::{
    Caller, Engine, Error, Extern, ExternRef, ExternType, Func, FuncType, Global, Instance, Linker,
    Memory, Module, Store, Table, Tag, TrapCode, Val, ValType,
};
use petrel_fuzz::oracle::Value;
use petrel_fuzz::{dump_module, smith};
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});

/// How deep host functions may call back into the guest. Each level is a
/// native re-entry into the executor, so this is kept small.
const MAX_CALLBACK_DEPTH: u32 = 4;

#[derive(Default)]
struct HostState {
    /// Host-to-guest calls currently on the native stack.
    depth: u32,
    /// Whether some host function returned a value of the wrong type, which
    /// the embedder is told about with `Error::Usage`.
    broke_signature: bool,
}

/// What a generated host function does when called.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Behavior {
    /// Returns the values it was generated with.
    Return,
    /// Fails with a host error.
    Fail,
    /// Returns a trap, as a host function may.
    Trap,
    /// Returns a value of the wrong type in its first result.
    WrongType,
    /// Calls the calling instance's export with this index (modulo the
    /// number of exported functions), with default arguments.
    CallBack(u8),
}

fn run(data: &[u8]) -> Result<()> {
    let mut u = Unstructured::new(data);
    let config = smith::with_imports(&mut u)?;
    let mut module = wasm_smith::Module::new(config, &mut u)?;
    let fuel = *u.choose(&[100u32, 1_000, 10_000])?;
    module
        .ensure_termination(fuel)
        .expect("wasm-smith generated every body, so fuel can be injected");
    let wasm = module.to_bytes();
    if petrel_fuzz::verdict::may_wait_forever(&wasm) {
        return Ok(());
    }
    dump_module(&wasm);

    let tier = if u.arbitrary()? {
        petrel::Tier::Jit
    } else {
        petrel::Tier::Interpreter
    };
    let mut config = petrel_fuzz::petrel_config();
    config
        .tier(tier)
        .max_memory_pages(smith::MAX_PAGES * 16)
        .max_table_elements(100_000)
        .lazy_translation(u.arbitrary()?);
    let engine = Engine::new(&config);
    let module = Module::from_binary(&engine, &wasm)
        .unwrap_or_else(|e| panic!("Petrel rejected a valid module: {e}"));
    let mut store = Store::new(&engine, HostState::default());

    let func_exports: Arc<Vec<String>> = Arc::new(
        module
            .exports()
            .filter(|e| e.ty().func().is_some())
            .map(|e| e.name().to_string())
            .collect(),
    );
    // A host function to hand out as a non-null `funcref`.
    let some_func = Func::wrap(&mut store, || {});

    let mut imports = Vec::new();
    let mut linker = Linker::<HostState>::new(&engine);
    linker.allow_shadowing(true);
    for import in module.imports() {
        let ty = import.ty();
        // Now and then, something of a different type than asked for.
        let ty = if u.ratio(1, 32)? {
            other_type(&mut u, &engine, &ty)?
        } else {
            ty
        };
        let Some(ext) = host_extern(&mut u, &mut store, &ty, some_func, &func_exports)? else {
            return Ok(());
        };
        // Now and then, an import left undefined.
        if u.ratio(1, 64)? {
            continue;
        }
        imports.push(ext.clone());
        linker
            .define(import.module(), import.name(), ext)
            .expect("shadowing is allowed");
    }

    let instance = if u.arbitrary()? {
        Instance::new(&mut store, &module, &imports)
    } else {
        linker.instantiate(&mut store, &module)
    };
    let instance = match instance {
        Ok(instance) => instance,
        Err(e) => {
            check_error(&store, "instantiation", &e);
            return Ok(());
        }
    };

    for name in func_exports.iter() {
        let func = instance.get_func(&store, name).expect("exported function");
        let ty = func.ty(&store);
        let args = ty
            .params()
            .map(|t| arbitrary_val(&mut u, &mut store, &t, some_func))
            .collect::<Result<Vec<_>>>()?;
        let mut results: Vec<Val> = ty.results().map(|t| Val::default_for(&t)).collect();
        if let Err(e) = func.call(&mut store, &args, &mut results) {
            check_error(&store, &format!("call to `{name}`"), &e);
        } else {
            for (r, t) in results.iter().zip(ty.results()) {
                assert_eq!(r.ty(), t, "`{name}` returned a value of the wrong type");
            }
        }
    }

    // Read back everything exported, through the embedding API.
    for (name, ext) in instance.exports(&store) {
        match ext {
            Extern::Memory(m) => {
                // Pages of 64 KiB, or of one byte (custom page sizes).
                let page = m.ty(&store).page_size();
                assert_eq!(m.data(&store).len() as u64, m.size(&store) * page, "{name}")
            }
            Extern::Global(g) => assert_eq!(&g.get(&store).ty(), g.ty(&store).content(), "{name}"),
            Extern::Table(t) => {
                for i in 0..t.size(&store) {
                    assert!(t.get(&store, i).is_some(), "`{name}`[{i}] is in bounds");
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Asserts that a failure is of a kind its cause can explain.
fn check_error(store: &Store<HostState>, what: &str, e: &Error) {
    match e {
        // An exception no handler caught (with exception handling on).
        Error::Trap(_) | Error::Host(_) | Error::Link(_) | Error::Exception(_) => {}
        Error::Usage(_) if store.data().broke_signature => {}
        // A module asking for more memory or table than the engine holds.
        Error::Limit(_) => {}
        _ => panic!("{what} failed with an unexpected kind of error: {e:?}"),
    }
}

/// A host entity of type `ty`; `None` if the store refused to make one
/// (over the engine's limits), which ends this input.
fn host_extern(
    u: &mut Unstructured<'_>,
    store: &mut Store<HostState>,
    ty: &ExternType,
    some_func: Func,
    func_exports: &Arc<Vec<String>>,
) -> Result<Option<Extern>> {
    Ok(Some(match ty {
        ExternType::Func(ft) => host_func(u, store, ft.clone(), some_func, func_exports)?.into(),
        // A shared memory (threads) is its own kind of host entity.
        ExternType::Memory(mt) if mt.is_shared() => {
            match petrel::SharedMemory::new(store.engine(), *mt) {
                Ok(m) => m.into(),
                Err(_) => return Ok(None),
            }
        }
        ExternType::Memory(mt) => match Memory::new(&mut *store, *mt) {
            Ok(m) => m.into(),
            Err(_) => return Ok(None),
        },
        ExternType::Table(tt) => {
            let element = ValType::Ref(tt.element().clone());
            let init = arbitrary_val(u, store, &element, some_func)?;
            match Table::new(&mut *store, tt.clone(), init) {
                Ok(t) => t.into(),
                Err(_) => return Ok(None),
            }
        }
        ExternType::Global(gt) => {
            let init = arbitrary_val(u, store, gt.content(), some_func)?;
            Global::new(&mut *store, gt.clone(), init)
                .expect("the value has the global's type")
                .into()
        }
        ExternType::Tag(tt) => match Tag::new(&mut *store, tt) {
            Ok(t) => t.into(),
            Err(_) => return Ok(None),
        },
        // A kind of import this harness cannot make yet: leave it out.
        _ => return Ok(None),
    }))
}

fn host_func(
    u: &mut Unstructured<'_>,
    store: &mut Store<HostState>,
    ty: FuncType,
    some_func: Func,
    func_exports: &Arc<Vec<String>>,
) -> Result<Func> {
    let behavior: Behavior = u.arbitrary()?;
    let values = ty
        .results()
        .map(|t| arbitrary_val(u, store, &t, some_func))
        .collect::<Result<Vec<_>>>()?;
    let exports = func_exports.clone();
    Ok(Func::new(
        &mut *store,
        ty,
        move |mut caller: Caller<'_, HostState>, _args: &[Val], results: &mut [Val]| {
            results.copy_from_slice(&values);
            match behavior {
                Behavior::Return => Ok(()),
                Behavior::Fail => Err(Error::msg("the host function failed on purpose")),
                Behavior::Trap => Err(TrapCode::Unreachable.into()),
                Behavior::WrongType => {
                    if let Some(first) = results.first_mut() {
                        *first = match first.ty() {
                            ValType::I32 => Val::I64(0),
                            _ => Val::I32(0),
                        };
                        caller.data_mut().broke_signature = true;
                    }
                    Ok(())
                }
                Behavior::CallBack(k) => {
                    if exports.is_empty() || caller.data().depth >= MAX_CALLBACK_DEPTH {
                        return Ok(());
                    }
                    let name = &exports[k as usize % exports.len()];
                    let Some(func) = caller.get_export(name).and_then(Extern::into_func) else {
                        return Ok(());
                    };
                    let fty = func.ty(&caller);
                    let args: Vec<Val> = fty.params().map(|t| Val::default_for(&t)).collect();
                    let mut res: Vec<Val> = fty.results().map(|t| Val::default_for(&t)).collect();
                    caller.data_mut().depth += 1;
                    let r = func.call(&mut caller, &args, &mut res);
                    caller.data_mut().depth -= 1;
                    r
                }
            }
        },
    ))
}

/// An arbitrary value of type `ty`; references are null, or `some_func`,
/// or a fresh host `externref`.
fn arbitrary_val(
    u: &mut Unstructured<'_>,
    store: &mut Store<HostState>,
    ty: &ValType,
    some_func: Func,
) -> Result<Val> {
    Ok(match ty {
        t if t.is_funcref() => Val::FuncRef(u.arbitrary::<bool>()?.then_some(some_func)),
        t if t.is_externref() => Val::ExternRef(
            u.arbitrary::<bool>()?
                .then(|| ExternRef::new(&mut *store, 7u32)),
        ),
        _ => Value::arbitrary_of(u, ty)?.to_petrel(),
    })
}

/// A type other than `ty`, for an import that does not match.
fn other_type(u: &mut Unstructured<'_>, engine: &Engine, ty: &ExternType) -> Result<ExternType> {
    use petrel::{GlobalType, MemoryType, Mutability, TableType};
    Ok(match u.int_in_range(0..=3)? {
        0 => ExternType::Func(FuncType::new(engine, [ValType::I64], [ValType::F32])),
        1 => ExternType::Memory(MemoryType::new(u.int_in_range(0..=2)?, Some(2))),
        2 => ExternType::Table(TableType::new(petrel::RefType::EXTERNREF, 1, None)),
        _ => match ty {
            ExternType::Global(g) => ExternType::Global(GlobalType::new(
                g.content().clone(),
                match g.mutability() {
                    Mutability::Const => Mutability::Var,
                    Mutability::Var => Mutability::Const,
                },
            )),
            _ => ExternType::Global(GlobalType::new(ValType::F64, Mutability::Const)),
        },
    })
}
