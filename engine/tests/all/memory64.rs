//! memory64 (`Config::wasm_memory64`, on by default): 64-bit memories and
//! tables on every tier. A memory past 4 GiB (reserved, its untouched
//! pages never committed) stores and loads at 5 GiB without touching what
//! is 4 GiB below; the attacks: addresses whose low 32 bits are in bounds,
//! `address + offset` passing 2^64, bulk lengths that wrap, table indices
//! of 2^32 and more, huge growth. Each must trap or fail cleanly.

use crate::{every_tier, instantiate_in, trap_code};
use petrel::{Config, Engine, Error, Memory, MemoryType, Module, Store, TrapCode};

const GIB: u64 = 1 << 30;
const PAGE: u64 = 1 << 16;

/// A 64-bit memory and the operations the tests drive, each on `i64`
/// addresses.
const MEMORY: &str = r#"(module
  (memory (export "mem") i64 1)
  (memory $small 1)
  (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
  (func (export "size") (result i64) (memory.size))
  (func (export "load") (param i64) (result i64) (i64.load (local.get 0)))
  (func (export "store") (param i64 i64) (i64.store (local.get 0) (local.get 1)))
  (func (export "load8") (param i64) (result i32) (i32.load8_u (local.get 0)))
  ;; Offsets of 5 GiB and of 2^64 - 8.
  (func (export "load_off5g") (param i64) (result i64)
    (i64.load offset=0x140000000 (local.get 0)))
  (func (export "load_off_max") (param i64) (result i64)
    (i64.load offset=0xfffffffffffffff8 (local.get 0)))
  (func (export "store_off_max") (param i64)
    (i64.store offset=0xfffffffffffffff8 (local.get 0) (i64.const -1)))
  (func (export "load8_off1") (param i64) (result i32)
    (i32.load8_u offset=1 (local.get 0)))
  (func (export "v128_load") (param i64) (result i64)
    (i64x2.extract_lane 0 (v128.load offset=8 (local.get 0))))
  (func (export "fill") (param i64 i32 i64)
    (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy") (param i64 i64 i64)
    (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  ;; From the 64-bit memory into the 32-bit one: the length is an i32.
  (func (export "copy_to_small") (param i32 i64 i32)
    (memory.copy $small 0 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "small_load8") (param i32) (result i32)
    (i32.load8_u $small (local.get 0))))"#;

/// With room for 6 GiB (the default limit is 4 GiB).
fn six_gib(c: &mut Config) {
    c.max_memory_pages(6 * GIB / PAGE);
}

fn call<P: petrel::WasmParams, R: petrel::WasmResults>(
    store: &mut Store<()>,
    instance: &petrel::Instance,
    name: &str,
    params: P,
) -> Result<R, Error> {
    instance
        .get_typed_func::<P, R>(&*store, name)
        .unwrap()
        .call(store, params)
}

#[test]
fn a_memory_past_4_gib_stores_and_loads_at_5_gib() {
    for (tier, engine) in every_tier(six_gib) {
        let (mut store, instance) = instantiate_in(&engine, MEMORY);
        let mem = instance.get_memory(&store, "mem").unwrap();
        assert!(mem.ty(&store).is_64(), "{tier}");
        // One step from 64 KiB to 5 GiB and a page: the move to a bigger
        // reservation copies one page; the rest is reserved, not touched.
        let pages = 5 * GIB / PAGE + 1;
        let old: i64 = call(&mut store, &instance, "grow", (pages as i64 - 1,)).unwrap();
        if old == -1 {
            // A machine that cannot reserve 8 GiB refuses the growth
            // cleanly, and the memory is as it was.
            assert_eq!(mem.size(&store), 1, "{tier}");
            continue;
        }
        assert_eq!(old, 1, "{tier}");
        assert_eq!(mem.size(&store), pages, "{tier}");
        assert_eq!(mem.data_size(&store) as u64, pages * PAGE, "{tier}");
        let size: i64 = call(&mut store, &instance, "size", ()).unwrap();
        assert_eq!(size as u64, pages, "{tier}");

        let at = 5 * GIB;
        let v = 0x0123_4567_89ab_cdef_i64;
        call::<_, ()>(&mut store, &instance, "store", (at as i64, v)).unwrap();
        let back: i64 = call(&mut store, &instance, "load", (at as i64,)).unwrap();
        assert_eq!(back, v, "{tier}");
        // The same low 32 bits, 4 GiB below: untouched (no address was
        // truncated to 32 bits).
        let low: i64 = call(&mut store, &instance, "load", ((at - 4 * GIB) as i64,)).unwrap();
        assert_eq!(low, 0, "{tier}");
        // An offset of 5 GiB reaches the same bytes from address 0.
        let off: i64 = call(&mut store, &instance, "load_off5g", (0i64,)).unwrap();
        assert_eq!(off, v, "{tier}");
        let simd: i64 = call(&mut store, &instance, "v128_load", ((at - 8) as i64,)).unwrap();
        assert_eq!(simd, v, "{tier}");
        // The host sees it where the guest put it.
        assert_eq!(
            mem.data(&store)[at as usize..at as usize + 8],
            v.to_le_bytes(),
            "{tier}"
        );
        // The last byte is in bounds, the one after it is not.
        let end = (pages * PAGE) as i64;
        let last: i32 = call(&mut store, &instance, "load8", (end - 1,)).unwrap();
        assert_eq!(last, 0, "{tier}");
        let err = call::<_, i32>(&mut store, &instance, "load8", (end,)).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds, "{tier}");
        // Bulk operations past 4 GiB: copy the value up 16 bytes, fill
        // between.
        call::<_, ()>(
            &mut store,
            &instance,
            "copy",
            ((at + 16) as i64, at as i64, 8i64),
        )
        .unwrap();
        let copied: i64 = call(&mut store, &instance, "load", ((at + 16) as i64,)).unwrap();
        assert_eq!(copied, v, "{tier}");
        call::<_, ()>(&mut store, &instance, "fill", ((at + 8) as i64, 0x5a, 8i64)).unwrap();
        let filled: i64 = call(&mut store, &instance, "load", ((at + 8) as i64,)).unwrap();
        assert_eq!(filled, 0x5a5a_5a5a_5a5a_5a5a, "{tier}");
        // Into the 32-bit memory, from past 4 GiB.
        call::<_, ()>(
            &mut store,
            &instance,
            "copy_to_small",
            (16i32, at as i64, 1i32),
        )
        .unwrap();
        let byte: i32 = call(&mut store, &instance, "small_load8", (16i32,)).unwrap();
        assert_eq!(byte, 0xef, "{tier}");
    }
}

#[test]
fn addresses_near_2_pow_64_trap_and_never_wrap() {
    for (tier, engine) in every_tier(|_| {}) {
        let (mut store, instance) = instantiate_in(&engine, MEMORY);
        let mem = instance.get_memory(&store, "mem").unwrap();
        call::<_, ()>(&mut store, &instance, "store", (0i64, 0x77i64)).unwrap();
        let oob = |r: Result<(), Error>, what: &str| {
            let err = r.expect_err(what);
            assert_eq!(
                trap_code(&err),
                TrapCode::MemoryOutOfBounds,
                "{tier}: {what}"
            );
        };
        let mut load = |name: &str, addr: u64| {
            call::<_, i64>(&mut store, &instance, name, (addr as i64,)).map(drop)
        };
        // Whose low 32 bits are in bounds: 2^32, 2^32 + 8, 2^63.
        oob(load("load", 1 << 32), "load at 2^32");
        oob(load("load", (1 << 32) + 8), "load at 2^32 + 8");
        oob(load("load", 1 << 63), "load at 2^63");
        // `address + offset` is 2^64 exactly, or just past: wrapped, 0 or
        // 8, which is in bounds.
        oob(load("load_off_max", 8), "address 8 + offset 2^64 - 8");
        oob(load("load_off_max", 16), "address 16 + offset 2^64 - 8");
        oob(
            load("load_off_max", 0),
            "offset 2^64 - 8, 8 bytes: ends at 2^64",
        );
        oob(
            load("load_off5g", u64::MAX - (5 * GIB) + 1),
            "offset 5 GiB, wrapped to 0",
        );
        oob(load("load", u64::MAX - 7), "load ending at 2^64");
        oob(load("load", u64::MAX), "load at 2^64 - 1");
        oob(load("v128_load", u64::MAX - 7), "v128 load wrapping to 0");
        oob(load("v128_load", (1 << 32) - 8), "v128 load at 2^32");
        oob(
            call::<_, i32>(&mut store, &instance, "load8_off1", (u64::MAX as i64,)).map(drop),
            "1 + (2^64 - 1)",
        );
        oob(
            call::<_, ()>(&mut store, &instance, "store_off_max", (8i64,)),
            "store wrapping to 0",
        );
        // Bulk: lengths and addresses that wrap past 2^64 to in bounds.
        oob(
            call::<_, ()>(&mut store, &instance, "fill", (-1i64, 0xff, 2i64)),
            "fill at 2^64 - 1, 2 bytes",
        );
        oob(
            call::<_, ()>(&mut store, &instance, "fill", (8i64, 0xff, -8i64)),
            "fill of 2^64 - 8 bytes",
        );
        oob(
            call::<_, ()>(&mut store, &instance, "copy", (0i64, -8i64, 16i64)),
            "copy from 2^64 - 8",
        );
        oob(
            call::<_, ()>(
                &mut store,
                &instance,
                "copy_to_small",
                (0i32, 1i64 << 32, 1i32),
            ),
            "copy from 2^32 into the 32-bit memory",
        );
        // Nothing was written by any of them.
        let data = mem.data(&store);
        assert_eq!(data[0], 0x77, "{tier}");
        assert!(data[1..].iter().all(|&b| b == 0), "{tier}");
    }
}

#[test]
fn huge_growth_fails_cleanly() {
    let wat = r#"(module
      (memory (export "mem") i64 1 0x1000000000000)
      (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0))))"#;
    for (tier, engine) in every_tier(|_| {}) {
        let (mut store, instance) = instantiate_in(&engine, wat);
        let mem = instance.get_memory(&store, "mem").unwrap();
        assert_eq!(mem.ty(&store).maximum(), Some(1 << 48), "{tier}");
        for delta in [1i64 << 47, (1 << 48) - 1, 1 << 48, i64::MAX, -1] {
            let r: i64 = call(&mut store, &instance, "grow", (delta,)).unwrap();
            assert_eq!(r, -1, "{tier}: grow by {delta}");
        }
        assert_eq!(mem.size(&store), 1, "{tier}");
        // Through the API too.
        assert!(mem.grow(&mut store, 1 << 47).is_err(), "{tier}");
        assert_eq!(mem.grow(&mut store, 1).unwrap(), 1, "{tier}");
    }
}

#[test]
fn a_64_bit_memory_through_the_api() {
    for (tier, engine) in every_tier(|_| {}) {
        let mut store = Store::new(&engine, ());
        let ty = MemoryType::new64(2, Some(1 << 40));
        assert!(ty.is_64(), "{tier}");
        assert_eq!(ty.to_string(), "(memory i64 2 1099511627776)", "{tier}");
        let mem = Memory::new(&mut store, ty).unwrap();
        assert_eq!(mem.size(&store), 2, "{tier}");
        mem.write(&mut store, PAGE as usize, &[9]).unwrap();
        // Imported by a module that wants a 64-bit memory, refused by one
        // that wants a 32-bit one.
        let module = Module::new(
            &engine,
            r#"(module (import "" "m" (memory i64 1))
                 (func (export "get") (param i64) (result i32) (i32.load8_u (local.get 0))))"#,
        )
        .unwrap();
        let instance = petrel::Instance::new(&mut store, &module, &[mem.into()]).unwrap();
        let get: i32 = call(&mut store, &instance, "get", (PAGE as i64,)).unwrap();
        assert_eq!(get, 9, "{tier}");
        let narrow = Module::new(&engine, r#"(module (import "" "m" (memory 1)))"#).unwrap();
        assert!(
            petrel::Instance::new(&mut store, &narrow, &[mem.into()]).is_err(),
            "{tier}"
        );
    }
}

#[test]
fn table64_indices_of_2_pow_32_and_more_are_out_of_bounds() {
    let wat = r#"(module
      (type $t (func (result i32)))
      (table $tab (export "tab") i64 2 10 funcref)
      (elem (table $tab) (i64.const 0) func $seven $eight)
      (func $seven (result i32) (i32.const 7))
      (func $eight (result i32) (i32.const 8))
      (func (export "call") (param i64) (result i32)
        (call_indirect $tab (type $t) (local.get 0)))
      (func (export "is_null") (param i64) (result i32)
        (ref.is_null (table.get $tab (local.get 0))))
      (func (export "set_null") (param i64)
        (table.set $tab (local.get 0) (ref.null func)))
      (func (export "size") (result i64) (table.size $tab))
      (func (export "grow") (param i64) (result i64)
        (table.grow $tab (ref.null func) (local.get 0)))
      (func (export "fill") (param i64 i64)
        (table.fill $tab (local.get 0) (ref.null func) (local.get 1)))
      ;; Between a table64 and a 32-bit table: the length is an i32.
      (table $small 2 funcref)
      (func (export "copy_to_small") (param i32 i64 i32)
        (table.copy $small $tab (local.get 0) (local.get 1) (local.get 2)))
      (func (export "small_call") (param i32) (result i32)
        (call_indirect $small (type $t) (local.get 0)))
      (elem $passive func $eight)
      (func (export "init") (param i64 i32 i32)
        (table.init $tab $passive (local.get 0) (local.get 1) (local.get 2))))"#;
    for (tier, engine) in every_tier(|_| {}) {
        let (mut store, instance) = instantiate_in(&engine, wat);
        assert!(
            instance
                .get_table(&store, "tab")
                .unwrap()
                .ty(&store)
                .is_64(),
            "{tier}"
        );
        let r: i32 = call(&mut store, &instance, "call", (1i64,)).unwrap();
        assert_eq!(r, 8, "{tier}");
        let table_oob = |r: Result<(), Error>, what: &str| {
            let err = r.expect_err(what);
            assert_eq!(
                trap_code(&err),
                TrapCode::TableOutOfBounds,
                "{tier}: {what}"
            );
        };
        // Low 32 bits 0 or 1: in bounds if truncated.
        for index in [1i64 << 32, (1 << 32) + 1, i64::MIN, -1] {
            table_oob(
                call::<_, i32>(&mut store, &instance, "call", (index,)).map(drop),
                "call_indirect",
            );
            table_oob(
                call::<_, i32>(&mut store, &instance, "is_null", (index,)).map(drop),
                "table.get",
            );
            table_oob(
                call(&mut store, &instance, "set_null", (index,)),
                "table.set",
            );
            table_oob(
                call(&mut store, &instance, "fill", (index, 1i64)),
                "table.fill dst",
            );
        }
        table_oob(
            call(&mut store, &instance, "fill", (1i64, -1i64)),
            "table.fill len",
        );
        table_oob(
            call(
                &mut store,
                &instance,
                "copy_to_small",
                (0i32, 1i64 << 32, 1i32),
            ),
            "table.copy from 2^32",
        );
        table_oob(
            call(&mut store, &instance, "init", (1i64 << 32, 0i32, 1i32)),
            "table.init at 2^32",
        );
        call::<_, ()>(&mut store, &instance, "copy_to_small", (1i32, 0i64, 1i32)).unwrap();
        let r: i32 = call(&mut store, &instance, "small_call", (1i32,)).unwrap();
        assert_eq!(r, 7, "{tier}");
        // Both elements survived; `table.init` at an i64 index works.
        let r: i32 = call(&mut store, &instance, "call", (0i64,)).unwrap();
        assert_eq!(r, 7, "{tier}");
        call::<_, ()>(&mut store, &instance, "init", (0i64, 0i32, 1i32)).unwrap();
        let r: i32 = call(&mut store, &instance, "call", (0i64,)).unwrap();
        assert_eq!(r, 8, "{tier}");
        let size: i64 = call(&mut store, &instance, "size", ()).unwrap();
        assert_eq!(size, 2, "{tier}");
        // Growth past the maximum, or by 2^32 + 1 (1 if truncated): -1 as
        // an i64.
        for delta in [9i64, (1 << 32) + 1, i64::MAX] {
            let r: i64 = call(&mut store, &instance, "grow", (delta,)).unwrap();
            assert_eq!(r, -1, "{tier}: grow by {delta}");
        }
        let r: i64 = call(&mut store, &instance, "grow", (8i64,)).unwrap();
        assert_eq!(r, 2, "{tier}");
    }
}

#[test]
fn memory64_off_refuses_64_bit_memories_and_tables() {
    let mut config = Config::new();
    config.wasm_memory64(false);
    let engine = Engine::new(&config);
    for wat in ["(module (memory i64 1))", "(module (table i64 1 funcref))"] {
        let err = Module::new(&engine, wat).unwrap_err();
        assert!(matches!(err, Error::Compile(_)), "{wat}: {err:?}");
    }
    assert!(Module::new(&Engine::default(), "(module (memory i64 1))").is_ok());
}
