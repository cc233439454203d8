//! Linear memory: bounds of every load and store width at the edge of
//! memory, with and without static offsets; `memory.grow` and its limits;
//! and the host's `Memory` API.

use crate::{engine_with, instantiate, instantiate_in, trap_code};
use petrel::{
    Caller, Engine, Error, Instance, Linker, Memory, MemoryType, Module, Store, TrapCode, Val,
};

const PAGE: i64 = 65536;

/// `(name, width in bytes, result type)` of every load.
const LOADS: &[(&str, i64, &str)] = &[
    ("i32.load8_s", 1, "i32"),
    ("i32.load8_u", 1, "i32"),
    ("i32.load16_s", 2, "i32"),
    ("i32.load16_u", 2, "i32"),
    ("i32.load", 4, "i32"),
    ("i64.load8_s", 1, "i64"),
    ("i64.load8_u", 1, "i64"),
    ("i64.load16_s", 2, "i64"),
    ("i64.load16_u", 2, "i64"),
    ("i64.load32_s", 4, "i64"),
    ("i64.load32_u", 4, "i64"),
    ("i64.load", 8, "i64"),
    ("f32.load", 4, "f32"),
    ("f64.load", 8, "f64"),
];

/// `(name, width in bytes, operand type)` of every store.
const STORES: &[(&str, i64, &str)] = &[
    ("i32.store8", 1, "i32"),
    ("i32.store16", 2, "i32"),
    ("i32.store", 4, "i32"),
    ("i64.store8", 1, "i64"),
    ("i64.store16", 2, "i64"),
    ("i64.store32", 4, "i64"),
    ("i64.store", 8, "i64"),
    ("f32.store", 4, "f32"),
    ("f64.store", 8, "f64"),
];

const OFFSETS: &[i64] = &[0, 1, 100, 65535];

/// A one-page memory with an export `<op>@<offset>` for every load and
/// store at every offset in [`OFFSETS`].
fn access_module() -> String {
    let mut wat = String::from("(module (memory (export \"memory\") 1)\n");
    for &offset in OFFSETS {
        for (op, _, ty) in LOADS {
            wat.push_str(&format!(
                "(func (export \"{op}@{offset}\") (param i32) (result {ty}) \
                 (local.get 0) ({op} offset={offset}))\n"
            ));
        }
        for (op, _, ty) in STORES {
            wat.push_str(&format!(
                "(func (export \"{op}@{offset}\") (param i32 {ty}) \
                 (local.get 0) (local.get 1) ({op} offset={offset}))\n"
            ));
        }
    }
    wat.push(')');
    wat
}

fn zero_of(ty: &str) -> Val {
    match ty {
        "i32" => Val::I32(0),
        "i64" => Val::I64(0),
        "f32" => Val::F32(0),
        "f64" => Val::F64(0),
        _ => unreachable!(),
    }
}

/// The pointer that places an access of `width` bytes with `offset` at
/// its `end`-th byte (exclusive), as the i32 operand.
fn ptr_for(end: i64, width: i64, offset: i64) -> Option<i32> {
    let ptr = end - width - offset;
    (0..=u32::MAX as i64)
        .contains(&ptr)
        .then_some(ptr as u32 as i32)
}

#[test]
fn loads_at_the_last_byte_succeed_and_one_past_trap_for_every_width_and_offset() {
    let (mut store, instance) = instantiate(&access_module());
    for &offset in OFFSETS {
        for (op, width, ty) in LOADS {
            let f = instance
                .get_func(&store, &format!("{op}@{offset}"))
                .unwrap();
            let mut out = [zero_of(ty)];
            // Ends exactly at the end of memory (unreachable when the
            // offset alone is past that point).
            if let Some(ptr) = ptr_for(PAGE, *width, offset) {
                f.call(&mut store, &[Val::I32(ptr)], &mut out)
                    .unwrap_or_else(|e| panic!("{op} offset={offset} at {ptr}: {e}"));
            }
            // One byte further.
            if let Some(ptr) = ptr_for(PAGE + 1, *width, offset) {
                let err = f
                    .call(&mut store, &[Val::I32(ptr)], &mut out)
                    .expect_err(&format!("{op} offset={offset} at {ptr} should trap"));
                assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds);
            }
            // Far out, where pointer + offset would wrap in 32 bits.
            for ptr in [-1, -(*width as i32), i32::MIN] {
                let err = f
                    .call(&mut store, &[Val::I32(ptr)], &mut out)
                    .expect_err(&format!("{op} offset={offset} at {ptr} should trap"));
                assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds);
            }
        }
    }
}

#[test]
fn stores_at_the_last_byte_succeed_and_one_past_trap_without_writing() {
    let (mut store, instance) = instantiate(&access_module());
    let memory = instance.get_memory(&store, "memory").unwrap();
    for &offset in OFFSETS {
        for (op, width, ty) in STORES {
            let f = instance
                .get_func(&store, &format!("{op}@{offset}"))
                .unwrap();
            let value = match *ty {
                "i32" => Val::I32(-1),
                "i64" => Val::I64(-1),
                "f32" => Val::F32(u32::MAX),
                _ => Val::F64(u64::MAX),
            };
            if let Some(ptr) = ptr_for(PAGE, *width, offset) {
                memory.data_mut(&mut store).fill(0);
                f.call(&mut store, &[Val::I32(ptr), value], &mut [])
                    .unwrap_or_else(|e| panic!("{op} offset={offset} at {ptr}: {e}"));
                let data = memory.data(&store);
                let start = (PAGE - width) as usize;
                assert!(data[start..].iter().all(|&b| b == 0xff), "{op}@{offset}");
                assert_eq!(data[start - 1], 0, "{op}@{offset} wrote before its range");
            }

            memory.data_mut(&mut store).fill(0);
            let Some(ptr) = ptr_for(PAGE + 1, *width, offset) else {
                continue;
            };
            let err = f
                .call(&mut store, &[Val::I32(ptr), value], &mut [])
                .expect_err(&format!("{op} offset={offset} at {ptr} should trap"));
            assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds);
            // A store that is partly in bounds writes nothing.
            assert!(
                memory.data(&store).iter().all(|&b| b == 0),
                "{op}@{offset} partly wrote an out-of-bounds store"
            );
        }
    }
}

#[test]
fn loads_at_the_end_of_memory_read_the_right_bytes() {
    let (mut store, instance) = instantiate(&access_module());
    let memory = instance.get_memory(&store, "memory").unwrap();
    let tail: [u8; 8] = [0x01, 0x82, 0x03, 0x84, 0x05, 0x86, 0x07, 0x88];
    memory
        .write(&mut store, (PAGE - 8) as usize, &tail)
        .unwrap();
    let mut call = |name: &str, ptr: i64, ty: &str| {
        let f = instance.get_func(&store, name).unwrap();
        let mut out = [zero_of(ty)];
        f.call(&mut store, &[Val::I32(ptr as i32)], &mut out)
            .unwrap();
        out[0]
    };
    let last = |n: usize| -> &[u8] { &tail[8 - n..] };
    let b1 = last(1)[0];
    let b2: [u8; 2] = last(2).try_into().unwrap();
    let b4: [u8; 4] = last(4).try_into().unwrap();
    let b8: [u8; 8] = last(8).try_into().unwrap();
    assert_eq!(
        call("i32.load8_s@0", PAGE - 1, "i32"),
        Val::I32(b1 as i8 as i32)
    );
    assert_eq!(call("i32.load8_u@0", PAGE - 1, "i32"), Val::I32(b1 as i32));
    assert_eq!(
        call("i32.load16_s@0", PAGE - 2, "i32"),
        Val::I32(i16::from_le_bytes(b2) as i32)
    );
    assert_eq!(
        call("i32.load16_u@0", PAGE - 2, "i32"),
        Val::I32(u16::from_le_bytes(b2) as i32)
    );
    assert_eq!(
        call("i32.load@0", PAGE - 4, "i32"),
        Val::I32(i32::from_le_bytes(b4))
    );
    assert_eq!(
        call("i64.load8_s@0", PAGE - 1, "i64"),
        Val::I64(b1 as i8 as i64)
    );
    assert_eq!(call("i64.load8_u@0", PAGE - 1, "i64"), Val::I64(b1 as i64));
    assert_eq!(
        call("i64.load16_s@0", PAGE - 2, "i64"),
        Val::I64(i16::from_le_bytes(b2) as i64)
    );
    assert_eq!(
        call("i64.load16_u@0", PAGE - 2, "i64"),
        Val::I64(u16::from_le_bytes(b2) as i64)
    );
    assert_eq!(
        call("i64.load32_s@0", PAGE - 4, "i64"),
        Val::I64(i32::from_le_bytes(b4) as i64)
    );
    assert_eq!(
        call("i64.load32_u@0", PAGE - 4, "i64"),
        Val::I64(u32::from_le_bytes(b4) as i64)
    );
    assert_eq!(
        call("i64.load@0", PAGE - 8, "i64"),
        Val::I64(i64::from_le_bytes(b8))
    );
    assert_eq!(
        call("f32.load@0", PAGE - 4, "f32"),
        Val::F32(u32::from_le_bytes(b4))
    );
    assert_eq!(
        call("f64.load@0", PAGE - 8, "f64"),
        Val::F64(u64::from_le_bytes(b8))
    );
    // The same bytes through a static offset.
    assert_eq!(
        call("i64.load@100", PAGE - 108, "i64"),
        Val::I64(i64::from_le_bytes(b8))
    );
    assert_eq!(
        call("i32.load8_s@65535", 0, "i32"),
        Val::I32(b1 as i8 as i32)
    );
}

#[test]
fn unaligned_accesses_are_allowed() {
    let (mut store, instance) = instantiate(
        r#"(module
             (memory 1)
             (func (export "rt") (param i32 i64) (result i64)
               (i64.store align=1 (local.get 0) (local.get 1))
               (i64.load align=1 (local.get 0))))"#,
    );
    let rt = instance
        .get_typed_func::<(i32, i64), i64>(&store, "rt")
        .unwrap();
    for ptr in [1, 3, 7, 65527] {
        assert_eq!(
            rt.call(&mut store, (ptr, -0x0123_4567_89ab_cdef)).unwrap(),
            -0x0123_4567_89ab_cdef
        );
    }
}

const GROW: &str = r#"
    (module
      (memory (export "memory") 1 3)
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
      (func (export "size") (result i32) memory.size)
      (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
      (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))
"#;

#[test]
fn memory_grow_returns_old_size_and_new_page_is_usable() {
    let (mut store, instance) = instantiate(GROW);
    let grow = instance.get_typed_func::<i32, i32>(&store, "grow").unwrap();
    let size = instance.get_typed_func::<(), i32>(&store, "size").unwrap();
    let st = instance
        .get_typed_func::<(i32, i32), ()>(&store, "store")
        .unwrap();
    let ld = instance.get_typed_func::<i32, i32>(&store, "load").unwrap();

    let err = st.call(&mut store, (PAGE as i32, 1)).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds);

    assert_eq!(grow.call(&mut store, 1).unwrap(), 1);
    assert_eq!(size.call(&mut store, ()).unwrap(), 2);
    // The new page is zeroed and usable up to its last byte.
    assert_eq!(ld.call(&mut store, PAGE as i32).unwrap(), 0);
    st.call(&mut store, (2 * PAGE as i32 - 4, 0x0bad_f00d))
        .unwrap();
    assert_eq!(
        ld.call(&mut store, 2 * PAGE as i32 - 4).unwrap(),
        0x0bad_f00d
    );
    let err = ld.call(&mut store, 2 * PAGE as i32 - 3).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds);

    // Growing by zero reports the size and changes nothing.
    assert_eq!(grow.call(&mut store, 0).unwrap(), 2);
    let memory = instance.get_memory(&store, "memory").unwrap();
    assert_eq!(memory.size(&store), 2);
    assert_eq!(memory.data_size(&store), 2 * PAGE as usize);
}

#[test]
fn memory_grow_past_the_declared_maximum_returns_minus_one() {
    let (mut store, instance) = instantiate(GROW);
    let grow = instance.get_typed_func::<i32, i32>(&store, "grow").unwrap();
    let size = instance.get_typed_func::<(), i32>(&store, "size").unwrap();
    assert_eq!(grow.call(&mut store, 3).unwrap(), -1);
    assert_eq!(size.call(&mut store, ()).unwrap(), 1);
    assert_eq!(grow.call(&mut store, 2).unwrap(), 1);
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1);
    assert_eq!(grow.call(&mut store, -1).unwrap(), -1);
    assert_eq!(size.call(&mut store, ()).unwrap(), 3);
    // The last page is usable.
    let ld = instance.get_typed_func::<i32, i32>(&store, "load").unwrap();
    assert_eq!(ld.call(&mut store, 3 * PAGE as i32 - 4).unwrap(), 0);
}

#[test]
fn memory_grow_of_an_unbounded_memory_by_a_huge_delta_returns_minus_one() {
    let (mut store, instance) = instantiate(
        r#"(module
             (memory 0)
             (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#,
    );
    let grow = instance.get_typed_func::<i32, i32>(&store, "grow").unwrap();
    assert_eq!(grow.call(&mut store, 65537).unwrap(), -1);
    assert_eq!(grow.call(&mut store, -1).unwrap(), -1);
    assert_eq!(grow.call(&mut store, 1).unwrap(), 0);
}

#[test]
fn config_max_memory_pages_caps_growth() {
    let engine = engine_with(|c| {
        c.max_memory_pages(2);
    });
    let (mut store, instance) = instantiate_in(
        &engine,
        r#"(module
             (memory (export "memory") 1)
             (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#,
    );
    let grow = instance.get_typed_func::<i32, i32>(&store, "grow").unwrap();
    assert_eq!(grow.call(&mut store, 2).unwrap(), -1);
    assert_eq!(grow.call(&mut store, 1).unwrap(), 1);
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1);
    let memory = instance.get_memory(&store, "memory").unwrap();
    assert_eq!(memory.size(&store), 2);
    // The host is held to the same limit.
    assert!(memory.grow(&mut store, 1).is_err());
    assert_eq!(memory.size(&store), 2);
}

#[test]
fn memory_larger_than_config_max_fails_to_instantiate() {
    let engine = engine_with(|c| {
        c.max_memory_pages(2);
    });
    let module = Module::new(&engine, "(module (memory 3))").unwrap();
    let mut store = Store::new(&engine, ());
    assert!(Instance::new(&mut store, &module, &[]).is_err());
    assert!(Memory::new(&mut store, MemoryType::new(3, None)).is_err());
    assert!(Memory::new(&mut store, MemoryType::new(2, None)).is_ok());
}

#[test]
fn host_memory_read_write_and_data_agree() {
    let mut store = Store::new(&Engine::default(), ());
    let memory = Memory::new(&mut store, MemoryType::new(1, Some(2))).unwrap();
    assert_eq!(memory.size(&store), 1);
    assert_eq!(memory.data_size(&store), PAGE as usize);
    assert_eq!(memory.ty(&store), MemoryType::new(1, Some(2)));
    memory.write(&mut store, 10, b"petrel").unwrap();
    let mut buf = [0u8; 6];
    memory.read(&store, 10, &mut buf).unwrap();
    assert_eq!(&buf, b"petrel");
    assert_eq!(&memory.data(&store)[10..16], b"petrel");
    memory.data_mut(&mut store)[10] = b'P';
    memory.read(&store, 10, &mut buf).unwrap();
    assert_eq!(&buf, b"Petrel");
    // Empty accesses at the very end are fine.
    memory.read(&store, PAGE as usize, &mut []).unwrap();
    memory.write(&mut store, PAGE as usize, &[]).unwrap();
    // The last byte.
    memory.write(&mut store, PAGE as usize - 1, &[7]).unwrap();
    let mut one = [0u8];
    memory.read(&store, PAGE as usize - 1, &mut one).unwrap();
    assert_eq!(one, [7]);
}

#[test]
fn host_memory_access_out_of_bounds_is_an_error() {
    let mut store = Store::new(&Engine::default(), ());
    let memory = Memory::new(&mut store, MemoryType::new(1, Some(2))).unwrap();
    let mut buf = [0u8; 4];
    for offset in [
        PAGE as usize - 3,
        PAGE as usize,
        PAGE as usize + 1,
        usize::MAX - 1,
        usize::MAX,
    ] {
        assert!(
            memory.read(&store, offset, &mut buf).is_err(),
            "read {offset}"
        );
        assert!(
            memory.write(&mut store, offset, &buf).is_err(),
            "write {offset}"
        );
    }
    // A failed write changed nothing.
    assert!(memory.data(&store).iter().all(|&b| b == 0));
}

#[test]
fn host_memory_grow_returns_old_size_and_respects_maximum() {
    let mut store = Store::new(&Engine::default(), ());
    let memory = Memory::new(&mut store, MemoryType::new(1, Some(3))).unwrap();
    assert_eq!(memory.grow(&mut store, 1).unwrap(), 1);
    assert_eq!(memory.size(&store), 2);
    memory
        .write(&mut store, 2 * PAGE as usize - 1, &[1])
        .unwrap();
    assert!(memory.grow(&mut store, 2).is_err());
    assert_eq!(memory.size(&store), 2);
    assert_eq!(memory.grow(&mut store, 0).unwrap(), 2);
    assert_eq!(memory.grow(&mut store, 1).unwrap(), 2);
    assert!(memory.grow(&mut store, u64::MAX).is_err());
    assert_eq!(memory.ty(&store).minimum(), 3);
}

#[test]
fn memory_grown_by_the_host_during_a_call_is_seen_by_the_guest() {
    // The interpreter caches memory's base and length; a host function that
    // grows memory must not leave the guest with a stale view.
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "grow" (func $grow))
             (memory (export "memory") 1)
             (func (export "run") (result i32)
               (i32.store (i32.const 0) (i32.const 1))
               call $grow
               (i32.store (i32.const 131068) (i32.const 42))
               (i32.add (i32.load (i32.const 131068)) (memory.size))))"#,
    )
    .unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap(
            "host",
            "grow",
            |mut caller: Caller<'_, ()>| -> petrel::Result<()> {
                let memory = caller.get_export("memory").unwrap().into_memory().unwrap();
                memory.grow(&mut caller, 1)?;
                Ok(())
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 44);
}

#[test]
fn memory_grown_by_a_callee_is_seen_by_the_caller() {
    let (mut store, instance) = instantiate(
        r#"(module
             (memory 1)
             (func $grow (drop (memory.grow (i32.const 1))))
             (func (export "run") (result i32)
               call $grow
               (i32.store (i32.const 70000) (i32.const 5))
               (i32.load (i32.const 70000))))"#,
    );
    let run = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 5);
}

#[test]
fn bulk_memory_operations_are_bounds_checked() {
    let (mut store, instance) = instantiate(
        r#"(module
             (memory (export "memory") 1)
             (data $d "abcd")
             (func (export "fill") (param i32 i32 i32)
               (memory.fill (local.get 0) (local.get 1) (local.get 2)))
             (func (export "copy") (param i32 i32 i32)
               (memory.copy (local.get 0) (local.get 1) (local.get 2)))
             (func (export "init") (param i32 i32 i32)
               (memory.init $d (local.get 0) (local.get 1) (local.get 2))))"#,
    );
    let memory = instance.get_memory(&store, "memory").unwrap();
    let fill = instance
        .get_typed_func::<(i32, i32, i32), ()>(&store, "fill")
        .unwrap();
    let copy = instance
        .get_typed_func::<(i32, i32, i32), ()>(&store, "copy")
        .unwrap();
    let init = instance
        .get_typed_func::<(i32, i32, i32), ()>(&store, "init")
        .unwrap();
    let end = PAGE as i32;
    fill.call(&mut store, (end - 4, 0x55, 4)).unwrap();
    fill.call(&mut store, (end, 0x55, 0)).unwrap();
    let err = fill.call(&mut store, (end - 3, 0x66, 4)).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds);
    assert!(memory.data(&store)[PAGE as usize - 4..]
        .iter()
        .all(|&b| b == 0x55));
    copy.call(&mut store, (0, end - 4, 4)).unwrap();
    assert_eq!(&memory.data(&store)[..4], &[0x55; 4]);
    let err = copy.call(&mut store, (0, end - 3, 4)).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds);
    let err = copy.call(&mut store, (end - 3, 0, 4)).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds);
    init.call(&mut store, (end - 4, 0, 4)).unwrap();
    assert_eq!(&memory.data(&store)[PAGE as usize - 4..], b"abcd");
    let err = init.call(&mut store, (end - 3, 0, 4)).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds);
    let err = init.call(&mut store, (0, 1, 4)).unwrap_err();
    assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds);
}

#[test]
fn guest_writes_are_visible_through_host_memory_handle() {
    let (mut store, instance) = instantiate(
        r#"(module
             (memory (export "memory") 1)
             (func (export "put") (param i32 i64) (i64.store (local.get 0) (local.get 1))))"#,
    );
    let put = instance
        .get_typed_func::<(i32, i64), ()>(&store, "put")
        .unwrap();
    put.call(&mut store, (1000, 0x0807_0605_0403_0201)).unwrap();
    let memory = instance.get_memory(&store, "memory").unwrap();
    assert_eq!(&memory.data(&store)[1000..1008], &[1, 2, 3, 4, 5, 6, 7, 8]);
}

#[test]
fn module_without_memory_has_no_memory_export_for_the_host() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "f" (func $f (result i32)))
             (func (export "run") (result i32) call $f))"#,
    )
    .unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap(
            "host",
            "f",
            |caller: Caller<'_, ()>| -> petrel::Result<i32> {
                match caller.get_export("memory") {
                    Some(_) => Ok(1),
                    None => Err(Error::msg("no memory")),
                }
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
    let err = run.call(&mut store, ()).unwrap_err();
    assert_eq!(err.to_string(), "no memory");
}

#[test]
fn memory_grown_in_a_nested_activation_is_seen_by_the_outer_frame() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "reenter" (func $reenter))
             (memory (export "memory") 1)
             (func (export "grow") (drop (memory.grow (i32.const 2))))
             (func (export "run") (result i32)
               call $reenter
               (i32.store (i32.const 196604) (i32.const 9))
               (i32.add (i32.load (i32.const 196604)) (memory.size))))"#,
    )
    .unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap(
            "host",
            "reenter",
            |mut caller: Caller<'_, ()>| -> petrel::Result<()> {
                let grow = caller.get_export("grow").unwrap().into_func().unwrap();
                grow.call(&mut caller, &[], &mut [])
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 12);
}

/// A memory without guard pages (the interpreter's, and the JIT's with
/// explicit checks) that outgrows its address-space reservation moves to
/// a larger one, its pages moved by the kernel (or copied where they
/// cannot be): at every size, every byte written before is still there,
/// the new bytes read as zero, the last byte is accessible and the next
/// one traps, and the host sees the same bytes.
#[test]
fn a_memory_outgrowing_its_reservation_keeps_its_bytes_and_its_bounds() {
    let wat = r#"(module
      (memory (export "mem") 1)
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
      (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
      (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0))))"#;
    // A byte in each page, at a place and with a value of its own.
    let marker = |page: i64| (page * PAGE + (page * 97) % PAGE, (page * 7 + 1) % 255 + 1);
    for (tier, engine) in crate::every_tier(|_| {}) {
        let (mut store, instance) = instantiate_in(&engine, wat);
        let grow = instance.get_typed_func::<i32, i32>(&store, "grow").unwrap();
        let poke = instance
            .get_typed_func::<(i32, i32), ()>(&store, "store")
            .unwrap();
        let load = instance.get_typed_func::<i32, i32>(&store, "load").unwrap();
        let mem = instance.get_memory(&store, "mem").unwrap();
        let mut pages: i64 = 1;
        // Past the smallest reservation (1 MiB), then past each larger one.
        for target in [16_i64, 17, 40, 100, 300, 1000] {
            for page in 0..pages {
                let (at, value) = marker(page);
                poke.call(&mut store, (at as i32, value as i32)).unwrap();
            }
            let old = grow.call(&mut store, (target - pages) as i32).unwrap();
            assert_eq!(i64::from(old), pages, "{tier}: grow to {target}");
            for page in 0..target {
                let (at, value) = marker(page);
                let want = if page < pages { value } else { 0 };
                let got = load.call(&mut store, at as i32).unwrap();
                assert_eq!(i64::from(got), want, "{tier}: page {page} of {target}");
                assert_eq!(i64::from(mem.data(&store)[at as usize]), want, "{tier}");
            }
            let end = target * PAGE;
            assert_eq!(mem.data(&store).len() as i64, end, "{tier}");
            load.call(&mut store, (end - 1) as i32).unwrap();
            let err = load.call(&mut store, end as i32).unwrap_err();
            assert_eq!(
                trap_code(&err),
                TrapCode::MemoryOutOfBounds,
                "{tier}: {target}"
            );
            pages = target;
        }
    }
}

#[test]
fn a_memory_created_after_another_was_dropped_starts_zeroed_and_inaccessible_past_its_size() {
    // Dropped guarded memories keep their reservations for the next ones:
    // none of the old bytes, and none of the old accessible length, may
    // survive into a new memory.
    let wat = r#"(module
      (memory (export "mem") 1 4)
      (func (export "fill") (memory.fill (i32.const 0) (i32.const 0xAB) (i32.const 65536))
        (drop (memory.grow (i32.const 3)))
        (memory.fill (i32.const 65536) (i32.const 0xCD) (i32.const 196608)))
      (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0))))"#;
    for (tier, engine) in crate::every_tier(|_| {}) {
        for round in 0..20 {
            let (mut store, instance) = instantiate_in(&engine, wat);
            let mem = instance.get_memory(&store, "mem").unwrap();
            assert_eq!(mem.data(&store).len(), 65536, "{tier} round {round}");
            assert!(
                mem.data(&store).iter().all(|&b| b == 0),
                "{tier} round {round}: a new memory holds old bytes"
            );
            let load = instance.get_typed_func::<i32, i32>(&store, "load").unwrap();
            let err = load.call(&mut store, 70_000).unwrap_err();
            assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds, "{tier}");
            let fill = instance.get_typed_func::<(), ()>(&store, "fill").unwrap();
            fill.call(&mut store, ()).unwrap();
            assert_eq!(load.call(&mut store, 70_000).unwrap(), 0xCD, "{tier}");
        }
    }
}

/// A memory's reservation is recycled when its store is dropped: the next
/// memory must see only zeros and exactly its own size, whatever the one
/// before grew to and wrote (the first page is zeroed in place and kept
/// resident, the rest remapped), on every tier.
#[test]
fn a_recycled_memory_holds_nothing_of_the_last_one() {
    let wat = |pages: u32| {
        format!(
            r#"(module
              (memory (export "m") {pages})
              (func (export "dirty") (param $pages i32)
                (local $i i32)
                (drop (memory.grow (local.get $pages)))
                (memory.fill (i32.const 0) (i32.const 0xa5)
                  (i32.mul (memory.size) (i32.const 65536))))
              (func (export "sum") (result i64)
                (local $i i32) (local $s i64)
                (block $done (loop $next
                  (br_if $done (i32.ge_u (local.get $i)
                    (i32.mul (memory.size) (i32.const 65536))))
                  (local.set $s (i64.add (local.get $s)
                    (i64.load8_u (local.get $i))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br $next)))
                (local.get $s))
              (func (export "peek") (param i32) (result i32)
                (i32.load8_u (local.get 0))))"#
        )
    };
    for (tier, engine) in crate::every_tier(|_| {}) {
        // Sizes up and down: 1 page dirtied over 3, then 0, 2 and 1.
        for (pages, grow) in [(1, 2), (0, 1), (2, 0), (1, 0), (0, 0), (1, 3)] {
            let (mut store, instance) = instantiate_in(&engine, &wat(pages));
            let sum = instance
                .get_typed_func::<(), i64>(&store, "sum")
                .unwrap()
                .call(&mut store, ())
                .unwrap();
            assert_eq!(sum, 0, "{tier}: a fresh {pages}-page memory is all zero");
            let peek = instance.get_typed_func::<i32, i32>(&store, "peek").unwrap();
            let end = pages as i32 * 65536;
            let err = peek.call(&mut store, end).unwrap_err();
            assert_eq!(
                trap_code(&err),
                TrapCode::MemoryOutOfBounds,
                "{tier}: {pages} pages"
            );
            instance
                .get_typed_func::<i32, ()>(&store, "dirty")
                .unwrap()
                .call(&mut store, grow)
                .unwrap();
            if pages + grow as u32 > 0 {
                assert_eq!(peek.call(&mut store, 0).unwrap(), 0xa5);
            }
        }
    }
}

/// Stores of a constant value (the interpreter has ops that carry the
/// constant): every width, values that fit the op's immediate and values
/// that do not, at the last bytes of memory and one byte past.
#[test]
fn constant_stores_write_the_right_bytes_and_trap_past_the_end() {
    // (store, width, constant, the bytes it writes, little-endian)
    let cases: &[(&str, usize, &str, u64)] = &[
        ("i32.store8", 1, "i32.const -1", 0xff),
        ("i32.store8", 1, "i32.const 0x1234", 0x34),
        ("i64.store8", 1, "i64.const 0x1_0000_00ab", 0xab),
        ("i32.store16", 2, "i32.const -2", 0xfffe),
        ("i64.store16", 2, "i64.const 0x7_0000_beef", 0xbeef),
        ("i32.store", 4, "i32.const 0x80000000", 0x8000_0000),
        ("i64.store32", 4, "i64.const -1", 0xffff_ffff),
        ("f32.store", 4, "f32.const 1.5", 0x3fc0_0000),
        ("i64.store", 8, "i64.const -1", u64::MAX),
        (
            "i64.store",
            8,
            "i64.const -2147483648",
            0xffff_ffff_8000_0000,
        ),
        ("i64.store", 8, "i64.const 2147483648", 0x8000_0000),
        (
            "i64.store",
            8,
            "i64.const 0x123456789abcdef0",
            0x1234_5678_9abc_def0,
        ),
        ("f64.store", 8, "f64.const -0", 0x8000_0000_0000_0000),
        ("f64.store", 8, "f64.const 1", 0x3ff0_0000_0000_0000),
    ];
    let funcs: String = cases
        .iter()
        .enumerate()
        .map(|(i, (op, _, value, _))| {
            format!(
                "(func (export \"s{i}\") (param i32) (local.get 0) ({value}) ({op} offset=3))\n"
            )
        })
        .collect();
    let wat = format!("(module (memory (export \"memory\") 1)\n{funcs})");
    for (tier, engine) in crate::every_tier(|_| {}) {
        let (mut store, instance) = instantiate_in(&engine, &wat);
        let memory = instance.get_memory(&store, "memory").unwrap();
        for (i, (op, width, value, bytes)) in cases.iter().enumerate() {
            let f = instance.get_func(&store, &format!("s{i}")).unwrap();
            let end = PAGE as usize;
            let ptr = (end - width - 3) as i32;
            memory.data_mut(&mut store).fill(0);
            f.call(&mut store, &[Val::I32(ptr)], &mut [])
                .unwrap_or_else(|e| panic!("{tier}: {op} {value}: {e}"));
            let expect = bytes.to_le_bytes();
            assert_eq!(
                &memory.data(&store)[end - width..],
                &expect[..*width],
                "{tier}: {op} {value}"
            );
            assert_eq!(
                memory.data(&store)[end - width - 1],
                0,
                "{tier}: {op} {value}"
            );
            memory.data_mut(&mut store).fill(0);
            let err = f
                .call(&mut store, &[Val::I32(ptr + 1)], &mut [])
                .expect_err(&format!("{tier}: {op} {value} one past the end"));
            assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds, "{tier}");
            assert!(
                memory.data(&store).iter().all(|&b| b == 0),
                "{tier}: {op} {value} partly wrote past the end"
            );
        }
    }
}

/// An access whose address is an `i32.add` (which the interpreter folds
/// into the access, `Load*Add` and `Store*Add`): the sum wraps in 32 bits
/// before the offset is added, an access past the end traps, and a store
/// that traps writes nothing; on every tier, every width, a value from a
/// slot and a constant one.
#[test]
fn accesses_at_a_sum_wrap_in_32_bits_and_trap_past_the_end() {
    let mut wat = String::from("(module (memory (export \"memory\") 1)\n");
    for (op, _, ty) in LOADS {
        wat.push_str(&format!(
            "(func (export \"{op}\") (param i32 i32) (result {ty}) \
             (i32.add (local.get 0) (local.get 1)) ({op} offset=3))\n"
        ));
    }
    for (op, _, ty) in STORES {
        wat.push_str(&format!(
            "(func (export \"{op}\") (param i32 i32 {ty}) \
             (i32.add (local.get 0) (local.get 1)) (local.get 2) ({op} offset=3))\n"
        ));
        let one = if ty.starts_with('f') { "1.0" } else { "-1" };
        wat.push_str(&format!(
            "(func (export \"{op} const\") (param i32 i32) \
             (i32.add (local.get 0) (local.get 1)) ({ty}.const {one}) ({op} offset=3))\n"
        ));
    }
    wat.push(')');
    for (tier, engine) in crate::every_tier(|_| {}) {
        let (mut store, instance) = instantiate_in(&engine, &wat);
        let memory = instance.get_memory(&store, "memory").unwrap();
        for (op, width, ty) in LOADS {
            let f = instance.get_func(&store, op).unwrap();
            let mut out = [zero_of(ty)];
            // -16 + 29 wraps to 13; with the offset, byte 16.
            memory.data_mut(&mut store)[16..24].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 0x88]);
            f.call(&mut store, &[Val::I32(-16), Val::I32(29)], &mut out)
                .unwrap_or_else(|e| panic!("{tier}: {op} at a wrapped sum: {e}"));
            let bits = match out[0] {
                Val::I32(v) => v as u32 as u64,
                Val::I64(v) => v as u64,
                Val::F32(v) => v as u64,
                Val::F64(v) => v,
                _ => unreachable!(),
            };
            let expected: u64 = match (*op, *width) {
                ("i32.load8_s" | "i64.load8_s", _) => 1,
                ("i32.load16_s" | "i64.load16_s", _) => 0x0201,
                (_, 1) => 1,
                (_, 2) => 0x0201,
                (_, 4) => 0x0403_0201,
                _ => 0x8807_0605_0403_0201,
            };
            assert_eq!(bits, expected, "{tier}: {op}");
            // The last byte ends at the page's end; one further traps.
            for (sum, ok) in [(PAGE - width - 3, true), (PAGE - width - 2, false)] {
                let r = f.call(
                    &mut store,
                    &[Val::I32(sum as i32 - 5), Val::I32(5)],
                    &mut out,
                );
                match (ok, r) {
                    (true, Ok(())) => {}
                    (false, Err(e)) => assert_eq!(trap_code(&e), TrapCode::MemoryOutOfBounds),
                    (_, r) => panic!("{tier}: {op} at {sum}: {r:?}"),
                }
            }
        }
        for (op, width, ty) in STORES {
            let value = match *ty {
                "i32" => Val::I32(-1),
                "i64" => Val::I64(-1),
                "f32" => Val::F32(1.0f32.to_bits()),
                _ => Val::F64(1.0f64.to_bits()),
            };
            let pattern: Vec<u8> = match *ty {
                "f32" => 1.0f32.to_le_bytes().to_vec(),
                "f64" => 1.0f64.to_le_bytes().to_vec(),
                _ => vec![0xff; 8],
            };
            let pattern = &pattern[..*width as usize];
            for name in [op.to_string(), format!("{op} const")] {
                let f = instance.get_func(&store, &name).unwrap();
                let constant = name.ends_with("const");
                let args = |a: i32, b: i32| {
                    let mut args = vec![Val::I32(a), Val::I32(b)];
                    if !constant {
                        args.push(value);
                    }
                    args
                };
                memory.data_mut(&mut store).fill(0);
                f.call(&mut store, &args(-16, 29), &mut [])
                    .unwrap_or_else(|e| panic!("{tier}: {name} at a wrapped sum: {e}"));
                let data = memory.data(&store);
                assert_eq!(&data[16..16 + *width as usize], pattern, "{tier}: {name}");
                assert!(data[..16].iter().all(|&b| b == 0), "{tier}: {name}");
                // Past the end: a trap, and the last bytes still zero.
                memory.data_mut(&mut store).fill(0);
                let sum = PAGE - width - 2;
                let err = f
                    .call(&mut store, &args(sum as i32 - 5, 5), &mut [])
                    .expect_err(&format!("{tier}: {name} past the end"));
                assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds);
                let data = memory.data(&store);
                assert!(
                    data[PAGE as usize - 16..].iter().all(|&b| b == 0),
                    "{tier}: {name}"
                );
            }
        }
    }
}
