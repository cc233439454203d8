//! Multi-memory: several memories in one instance, defined and imported,
//! on every tier: exports and the `Memory` API, data segments, loads and
//! stores at the edges of a memory other than memory 0, `memory.size` and
//! `grow`, and the bulk ops across two memories.

use crate::{every_tier, trap_code};
use petrel::{Engine, Instance, Linker, Memory, MemoryType, Module, Store, TrapCode};

const PAGE: i32 = 65536;

fn engines() -> Vec<(&'static str, Engine)> {
    every_tier(|_| {})
}

/// Three memories of 1, 2 and 1 pages; memory 1 has a data segment at its
/// last bytes. Accessors for memory 1 and copies between the memories.
const THREE: &str = r#"(module
  (memory $a (export "a") 1)
  (memory $b (export "b") 2 3)
  (memory $c (export "c") 1)
  (data (memory $b) (i32.const 131070) "\aa\bb")
  (func (export "load8_b") (param i32) (result i32) (i32.load8_u $b (local.get 0)))
  (func (export "load_b") (param i32) (result i32) (i32.load $b (local.get 0)))
  (func (export "load_b_off") (param i32) (result i64) (i64.load $b offset=8 (local.get 0)))
  (func (export "store_b") (param i32 i32) (i32.store $b (local.get 0) (local.get 1)))
  (func (export "store16_b") (param i32 i32) (i32.store16 $b (local.get 0) (local.get 1)))
  (func (export "load_a") (param i32) (result i32) (i32.load $a (local.get 0)))
  (func (export "store_a") (param i32 i32) (i32.store $a (local.get 0) (local.get 1)))
  (func (export "sizes") (result i32 i32 i32)
    (memory.size $a) (memory.size $b) (memory.size $c))
  (func (export "grow_b") (param i32) (result i32) (memory.grow $b (local.get 0)))
  (func (export "copy_b_to_a") (param i32 i32 i32)
    (memory.copy $a $b (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_a_to_c") (param i32 i32 i32)
    (memory.copy $c $a (local.get 0) (local.get 1) (local.get 2)))
  (func (export "fill_c") (param i32 i32 i32)
    (memory.fill $c (local.get 0) (local.get 1) (local.get 2)))
)"#;

fn three(engine: &Engine) -> (Store<()>, Instance) {
    crate::instantiate_in(engine, THREE)
}

fn mem(store: &Store<()>, instance: &Instance, name: &str) -> Memory {
    instance.get_memory(store, name).unwrap()
}

#[test]
fn each_memory_is_exported_with_its_own_size_and_data_segment() {
    for (tier, engine) in engines() {
        let (mut store, instance) = three(&engine);
        let (a, b, c) = (
            mem(&store, &instance, "a"),
            mem(&store, &instance, "b"),
            mem(&store, &instance, "c"),
        );
        assert_eq!([a.size(&store), b.size(&store), c.size(&store)], [1, 2, 1]);
        assert_eq!(b.ty(&store).maximum(), Some(3), "{tier}");
        assert_eq!(&b.data(&store)[131070..], &[0xaa, 0xbb], "{tier}");
        assert!(a.data(&store).iter().all(|&x| x == 0), "{tier}");
        let sizes = instance
            .get_typed_func::<(), (i32, i32, i32)>(&store, "sizes")
            .unwrap();
        assert_eq!(sizes.call(&mut store, ()).unwrap(), (1, 2, 1), "{tier}");
    }
}

#[test]
fn loads_and_stores_on_a_second_memory_leave_memory_0_alone() {
    for (tier, engine) in engines() {
        let (mut store, instance) = three(&engine);
        let store_b = instance
            .get_typed_func::<(i32, i32), ()>(&store, "store_b")
            .unwrap();
        let load_b = instance
            .get_typed_func::<i32, i32>(&store, "load_b")
            .unwrap();
        let load_a = instance
            .get_typed_func::<i32, i32>(&store, "load_a")
            .unwrap();
        store_b.call(&mut store, (16, 0x1234_5678)).unwrap();
        assert_eq!(load_b.call(&mut store, 16).unwrap(), 0x1234_5678, "{tier}");
        assert_eq!(load_a.call(&mut store, 16).unwrap(), 0, "{tier}");
        let b = mem(&store, &instance, "b");
        assert_eq!(&b.data(&store)[16..20], &0x1234_5678i32.to_le_bytes());
    }
}

#[test]
fn out_of_bounds_on_a_second_memory_traps_at_its_own_edge() {
    for (tier, engine) in engines() {
        let (mut store, instance) = three(&engine);
        let load8 = instance
            .get_typed_func::<i32, i32>(&store, "load8_b")
            .unwrap();
        let load = instance
            .get_typed_func::<i32, i32>(&store, "load_b")
            .unwrap();
        let load_off = instance
            .get_typed_func::<i32, i64>(&store, "load_b_off")
            .unwrap();
        let store16 = instance
            .get_typed_func::<(i32, i32), ()>(&store, "store16_b")
            .unwrap();
        let end = 2 * PAGE;
        // The last bytes of memory 1 (two pages), past memory 0's one page.
        assert_eq!(load8.call(&mut store, end - 1).unwrap(), 0xbb, "{tier}");
        load.call(&mut store, end - 4).unwrap();
        load_off.call(&mut store, end - 16).unwrap();
        store16.call(&mut store, (end - 2, 0x0102)).unwrap();
        // One byte further, and far out.
        for ptr in [end, end - 3, -1, i32::MIN] {
            let err = load.call(&mut store, ptr).unwrap_err();
            assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds, "{tier} {ptr}");
        }
        let err = load8.call(&mut store, end).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds, "{tier}");
        let err = load_off.call(&mut store, end - 15).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds, "{tier}");
        let err = store16.call(&mut store, (end - 1, 0)).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds, "{tier}");
        // The partly out-of-bounds store wrote nothing.
        let b = mem(&store, &instance, "b");
        assert_eq!(&b.data(&store)[131070..], &[0x02, 0x01], "{tier}");

        // After growing, the new edge is memory 1's new size.
        let grow = instance
            .get_typed_func::<i32, i32>(&store, "grow_b")
            .unwrap();
        assert_eq!(grow.call(&mut store, 1).unwrap(), 2, "{tier}");
        assert_eq!(
            grow.call(&mut store, 1).unwrap(),
            -1,
            "{tier}: over the maximum"
        );
        load.call(&mut store, 3 * PAGE - 4).unwrap();
        let err = load.call(&mut store, 3 * PAGE - 3).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds, "{tier}");
        assert_eq!(mem(&store, &instance, "a").size(&store), 1, "{tier}");
    }
}

#[test]
fn memory_copy_and_fill_work_across_memories_and_check_both_bounds() {
    for (tier, engine) in engines() {
        let (mut store, instance) = three(&engine);
        let copy_b_to_a = instance
            .get_typed_func::<(i32, i32, i32), ()>(&store, "copy_b_to_a")
            .unwrap();
        let copy_a_to_c = instance
            .get_typed_func::<(i32, i32, i32), ()>(&store, "copy_a_to_c")
            .unwrap();
        let fill_c = instance
            .get_typed_func::<(i32, i32, i32), ()>(&store, "fill_c")
            .unwrap();
        let (a, b, c) = (
            mem(&store, &instance, "a"),
            mem(&store, &instance, "b"),
            mem(&store, &instance, "c"),
        );
        // From memory 1's data segment (beyond memory 0's size) into 0.
        copy_b_to_a.call(&mut store, (10, 131070, 2)).unwrap();
        assert_eq!(&a.data(&store)[10..12], &[0xaa, 0xbb], "{tier}");
        assert!(b.data(&store)[10..12].iter().all(|&x| x == 0), "{tier}");
        // From memory 0 to memory 2.
        copy_a_to_c.call(&mut store, (PAGE - 2, 10, 2)).unwrap();
        assert_eq!(
            &c.data(&store)[PAGE as usize - 2..],
            &[0xaa, 0xbb],
            "{tier}"
        );
        fill_c.call(&mut store, (0, 7, 3)).unwrap();
        assert_eq!(&c.data(&store)[..4], &[7, 7, 7, 0], "{tier}");

        // The source range is checked against the source memory, the
        // destination against the destination; a failed copy writes nothing.
        let err = copy_b_to_a
            .call(&mut store, (0, 2 * PAGE - 1, 2))
            .unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds, "{tier}");
        let err = copy_b_to_a.call(&mut store, (PAGE - 1, 0, 2)).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds, "{tier}");
        // In bounds for memory 1, out of bounds for memory 0.
        let err = copy_b_to_a.call(&mut store, (PAGE, PAGE, 1)).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds, "{tier}");
        let err = fill_c.call(&mut store, (PAGE, 0, 1)).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds, "{tier}");
        assert_eq!(&a.data(&store)[..2], &[0, 0], "{tier}");
    }
}

#[test]
fn an_imported_memory_at_index_1_is_shared_with_the_host() {
    for (tier, engine) in engines() {
        let module = Module::new(
            &engine,
            r#"(module
                 (import "env" "first" (memory $m0 1))
                 (import "env" "second" (memory $m1 1 4))
                 (memory $own (export "own") 1)
                 (data (memory $m1) (i32.const 4) "\2a")
                 (func (export "read1") (param i32) (result i32)
                   (i32.load8_u $m1 (local.get 0)))
                 (func (export "write1") (param i32 i32)
                   (i32.store8 $m1 (local.get 0) (local.get 1)))
                 (func (export "grow1") (param i32) (result i32)
                   (memory.grow $m1 (local.get 0)))
                 (func (export "size1") (result i32) (memory.size $m1))
                 (func (export "init_own") (memory.init $own 1 (i32.const 0) (i32.const 0) (i32.const 3)))
                 (data "xyz"))"#,
        )
        .unwrap();
        let mut store = Store::new(&engine, ());
        let first = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
        let second = Memory::new(&mut store, MemoryType::new(1, Some(4))).unwrap();
        let mut linker = Linker::<()>::new(&engine);
        linker.define("env", "first", first).unwrap();
        linker.define("env", "second", second).unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();

        // The active data segment went to the imported memory 1.
        assert_eq!(second.data(&store)[4], 0x2a, "{tier}");
        assert_eq!(first.data(&store)[4], 0, "{tier}");
        let read1 = instance
            .get_typed_func::<i32, i32>(&store, "read1")
            .unwrap();
        let write1 = instance
            .get_typed_func::<(i32, i32), ()>(&store, "write1")
            .unwrap();
        // The host writes, the guest reads; and back.
        second.write(&mut store, 100, &[9]).unwrap();
        assert_eq!(read1.call(&mut store, 100).unwrap(), 9, "{tier}");
        write1.call(&mut store, (200, 5)).unwrap();
        assert_eq!(second.data(&store)[200], 5, "{tier}");

        // Growth from either side is seen by the other, and moves the edge.
        let grow1 = instance
            .get_typed_func::<i32, i32>(&store, "grow1")
            .unwrap();
        let size1 = instance.get_typed_func::<(), i32>(&store, "size1").unwrap();
        assert_eq!(grow1.call(&mut store, 1).unwrap(), 1, "{tier}");
        assert_eq!(second.size(&store), 2, "{tier}");
        second.grow(&mut store, 1).unwrap();
        assert_eq!(size1.call(&mut store, ()).unwrap(), 3, "{tier}");
        write1.call(&mut store, (3 * PAGE - 1, 1)).unwrap();
        let err = write1.call(&mut store, (3 * PAGE, 1)).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds, "{tier}");
        assert_eq!(first.size(&store), 1, "{tier}");

        // memory.init into the module's own memory, index 2.
        let init = instance
            .get_typed_func::<(), ()>(&store, "init_own")
            .unwrap();
        init.call(&mut store, ()).unwrap();
        let own = instance.get_memory(&store, "own").unwrap();
        assert_eq!(&own.data(&store)[..3], b"xyz", "{tier}");
    }
}

#[test]
fn one_memory_imported_twice_is_one_memory() {
    for (tier, engine) in engines() {
        let module = Module::new(
            &engine,
            r#"(module
                 (import "env" "m" (memory $x 1))
                 (import "env" "m" (memory $y 1))
                 (func (export "store_x_load_y") (param i32) (result i32)
                   (i32.store $x (local.get 0) (i32.const 77))
                   (i32.load $y (local.get 0)))
                 (func (export "grow_y_size_x") (result i32)
                   (drop (memory.grow $y (i32.const 1)))
                   (i32.store $x (i32.const 65536) (i32.const 1))
                   (memory.size $x))
                 (func (export "copy") (memory.copy $y $x (i32.const 8) (i32.const 0) (i32.const 4))))"#,
        )
        .unwrap();
        let mut store = Store::new(&engine, ());
        let m = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
        let mut linker = Linker::<()>::new(&engine);
        linker.define("env", "m", m).unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let f = instance
            .get_typed_func::<i32, i32>(&store, "store_x_load_y")
            .unwrap();
        assert_eq!(f.call(&mut store, 0).unwrap(), 77, "{tier}");
        // Growing through one index grows what the other sees too.
        let g = instance
            .get_typed_func::<(), i32>(&store, "grow_y_size_x")
            .unwrap();
        assert_eq!(g.call(&mut store, ()).unwrap(), 2, "{tier}");
        let copy = instance.get_typed_func::<(), ()>(&store, "copy").unwrap();
        copy.call(&mut store, ()).unwrap();
        assert_eq!(&m.data(&store)[8..12], &77i32.to_le_bytes(), "{tier}");
    }
}

#[test]
fn vector_loads_and_stores_on_a_second_memory_run_next_to_memory_0_ones() {
    // Consecutive vector ops on different memories: the interpreter runs
    // straight-line vector code in one batch, which must not carry one
    // op's memory over to the next.
    let wat = r#"(module
      (memory $a (export "a") 1)
      (memory $b (export "b") 1)
      (func (export "run") (result i64)
        (v128.store $a (i32.const 32) (v128.load $b (i32.const 0)))
        (v128.store $b (i32.const 64) (v128.load $a (i32.const 32)))
        (v128.store $a (i32.const 100)
          (v128.load8_lane $b 0 (i32.const 5) (v128.const i64x2 0 0)))
        (v128.store8_lane $b 1 (i32.const 200) (v128.load $a (i32.const 32)))
        (i64x2.extract_lane 0 (v128.load $b (i32.const 64))))
      (func (export "edge") (param i32) (result i32)
        (i32x4.extract_lane 0 (v128.load $b (local.get 0)))))"#;
    for (tier, engine) in engines() {
        let Ok(module) = Module::new(&engine, wat) else {
            // The JIT does not compile `v128` yet.
            assert_ne!(tier, "interp");
            continue;
        };
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let (a, b) = (mem(&store, &instance, "a"), mem(&store, &instance, "b"));
        let bytes: Vec<u8> = (1..=16).collect();
        b.write(&mut store, 0, &bytes).unwrap();
        let run = instance.get_typed_func::<(), i64>(&store, "run").unwrap();
        let low = i64::from_le_bytes(bytes[..8].try_into().unwrap());
        assert_eq!(run.call(&mut store, ()).unwrap(), low, "{tier}");
        assert_eq!(&a.data(&store)[32..48], &bytes[..], "{tier}");
        assert_eq!(&b.data(&store)[64..80], &bytes[..], "{tier}");
        assert_eq!(a.data(&store)[100], 6, "{tier}");
        assert_eq!(b.data(&store)[200], 2, "{tier}");
        let edge = instance.get_typed_func::<i32, i32>(&store, "edge").unwrap();
        edge.call(&mut store, PAGE - 16).unwrap();
        let err = edge.call(&mut store, PAGE - 15).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::MemoryOutOfBounds, "{tier}");
    }
}

/// `local.set x` from an op on another memory (behind the interpreter's
/// `OnMemory` prefix) while the old `x` is still on the stack: the old
/// value is kept and the new one written, every op staying with its
/// prefix. (The differential fuzzer found the interpreter splitting a
/// prefix from its op here.)
#[test]
fn a_local_set_from_another_memorys_op_keeps_the_old_value_on_the_stack() {
    let wat = r#"(module
      (memory 1)
      (memory $b 3)
      (func (export "f") (param $x i32) (result i32)
        (local.get $x)
        (local.set $x (memory.size $b))
        ;; old x * 100 + new x
        (i32.add (i32.mul (i32.const 100)) (local.get $x)))
      (func (export "g") (param $x i32) (result i32)
        (local.get $x)
        (local.set $x (i32.load8_u $b (i32.const 0)))
        (i32.add (i32.mul (i32.const 100)) (local.get $x)))
      (data (memory $b) (i32.const 0) "\07"))"#;
    for (tier, engine) in engines() {
        let (mut store, instance) = crate::instantiate_in(&engine, wat);
        let f = instance.get_typed_func::<i32, i32>(&store, "f").unwrap();
        assert_eq!(f.call(&mut store, 5).unwrap(), 503, "{tier}: memory.size");
        let g = instance.get_typed_func::<i32, i32>(&store, "g").unwrap();
        assert_eq!(g.call(&mut store, 5).unwrap(), 507, "{tier}: load");
    }
}
