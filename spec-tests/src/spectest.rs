//! The `spectest` module every script may import: print functions that
//! do nothing, globals holding 666, a table of 10..20 funcrefs and a memory
//! of 1..2 pages, and a shared memory of 1..2 pages.

use petrel::{
    Global, GlobalType, Linker, Memory, MemoryType, Mutability, RefType, SharedMemory, Store,
    Table, TableType, Val, ValType,
};

pub(crate) fn define(store: &mut Store<()>, linker: &mut Linker<()>) {
    // These definitions cannot fail: the names are fresh and the types
    // are built right here.
    let _ = define_all(store, linker);
}

fn define_all(store: &mut Store<()>, linker: &mut Linker<()>) -> petrel::Result<()> {
    linker.func_wrap("spectest", "print", || {})?;
    linker.func_wrap("spectest", "print_i32", |_: i32| {})?;
    linker.func_wrap("spectest", "print_i64", |_: i64| {})?;
    linker.func_wrap("spectest", "print_f32", |_: f32| {})?;
    linker.func_wrap("spectest", "print_f64", |_: f64| {})?;
    linker.func_wrap("spectest", "print_i32_f32", |_: i32, _: f32| {})?;
    linker.func_wrap("spectest", "print_f64_f64", |_: f64, _: f64| {})?;

    let global = |store: &mut Store<()>, ty, val| {
        Global::new(store, GlobalType::new(ty, Mutability::Const), val)
    };
    let g = global(store, ValType::I32, Val::I32(666))?;
    linker.define("spectest", "global_i32", g)?;
    let g = global(store, ValType::I64, Val::I64(666))?;
    linker.define("spectest", "global_i64", g)?;
    let g = global(store, ValType::F32, Val::from(666.6f32))?;
    linker.define("spectest", "global_f32", g)?;
    let g = global(store, ValType::F64, Val::from(666.6f64))?;
    linker.define("spectest", "global_f64", g)?;

    let table = Table::new(
        &mut *store,
        TableType::new(RefType::FUNCREF, 10, Some(20)),
        Val::FuncRef(None),
    )?;
    linker.define("spectest", "table", table)?;
    let memory = Memory::new(&mut *store, MemoryType::new(1, Some(2)))?;
    linker.define("spectest", "memory", memory)?;
    let shared = SharedMemory::new(store.engine(), MemoryType::shared(1, 2))?;
    linker.define("spectest", "shared_memory", shared)?;
    Ok(())
}
