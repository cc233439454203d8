//! Custom page sizes (`Config::wasm_custom_page_sizes`): memories of
//! one-byte pages through the embedding API on every tier: their type and
//! size in bytes, `Memory::grow`, import matching by page size, and the
//! limits (resource limiter, engine limit, pool) counting the same bytes
//! as for 64 KiB pages; nothing of a pooled memory's last instance
//! survives past the exact end of the next one.

use crate::every_tier;
use petrel::{
    Config, Engine, Error, InstanceAllocationStrategy, Linker, Memory, MemoryType, Module,
    PoolingAllocationConfig, Store, StoreLimits, StoreLimitsBuilder,
};

fn on(c: &mut Config) {
    c.wasm_custom_page_sizes(true);
}

const BYTES: &str = r#"(module
  (memory (export "mem") 5 (pagesize 1))
  (data (i32.const 1) "\aa\bb\cc\dd")
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "fill") (param i32 i32) (memory.fill (i32.const 0) (local.get 0) (local.get 1)))
  (func (export "sum") (result i64)
    (local $i i32) (local $s i64)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (memory.size)))
      (local.set $s (i64.add (local.get $s) (i64.load8_u (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.get $s)))"#;

#[test]
fn off_by_default_a_one_byte_page_memory_is_refused() {
    let err = Module::new(&Engine::default(), BYTES).unwrap_err();
    assert!(matches!(err, Error::Compile(_)), "{err:?}");
    assert!(err.to_string().contains("custom page sizes"), "{err}");
    // Spelling out the default page size needs the proposal too.
    let err = Module::new(&Engine::default(), "(module (memory 1 (pagesize 65536)))");
    assert!(err.is_err());
}

#[test]
fn a_one_byte_page_memory_counts_bytes_through_the_api() {
    for (tier, engine) in every_tier(on) {
        let (mut store, instance) = crate::instantiate_in(&engine, BYTES);
        let mem = instance.get_memory(&store, "mem").unwrap();
        let ty = mem.ty(&store);
        assert_eq!((ty.page_size(), ty.page_size_log2()), (1, 0), "{tier}");
        assert_eq!(ty.to_string(), "(memory 5 (pagesize 1))", "{tier}");
        assert_eq!(mem.size(&store), 5, "{tier}");
        assert_eq!(mem.data(&store), &[0, 0xaa, 0xbb, 0xcc, 0xdd], "{tier}");
        // The API grows by bytes too, and the guest sees it.
        assert_eq!(mem.grow(&mut store, 3).unwrap(), 5, "{tier}");
        assert_eq!(mem.data_size(&store), 8, "{tier}");
        let size = instance.get_typed_func::<(), i32>(&store, "size").unwrap();
        assert_eq!(size.call(&mut store, ()).unwrap(), 8, "{tier}");
        let mut buf = [0u8; 4];
        assert!(mem.read(&store, 5, &mut buf).is_err(), "{tier}");
        mem.read(&store, 4, &mut buf).unwrap();
        assert_eq!(buf, [0xdd, 0, 0, 0], "{tier}");
        assert!(mem.write(&mut store, 6, &[1, 2, 3]).is_err(), "{tier}");
        // Without a declared maximum a 32-bit memory of one-byte pages
        // ends below 4 GiB; the engine's default limit is 4 GiB.
        assert!(mem.grow(&mut store, u64::from(u32::MAX)).is_err(), "{tier}");
        assert_eq!(mem.size(&store), 8, "{tier}");
        // A 64 KiB-page memory's type still says so.
        let big = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
        assert_eq!(big.ty(&store).page_size(), 65536, "{tier}");
    }
}

#[test]
fn imports_match_only_memories_of_the_same_page_size() {
    for (tier, engine) in every_tier(on) {
        let mut store = Store::new(&engine, ());
        let wide = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
        let import = |pagesize: u32| {
            Module::new(
                &engine,
                format!(r#"(module (import "env" "m" (memory 0 (pagesize {pagesize}))))"#),
            )
            .unwrap()
        };
        let mut linker = Linker::new(&engine);
        linker.define("env", "m", wide).unwrap();
        let err = linker
            .instantiate(&mut store, &import(1))
            .err()
            .unwrap_or_else(|| panic!("{tier}: a 64 KiB-page memory satisfied (pagesize 1)"));
        assert!(matches!(err, Error::Link(_)), "{tier}: {err:?}");
        linker.instantiate(&mut store, &import(65536)).unwrap();

        // An instance's one-byte-page memory satisfies exactly those.
        let (mut store, exporter) = {
            let module = Module::new(&engine, BYTES).unwrap();
            let mut store = Store::new(&engine, ());
            let i = linker.instantiate(&mut store, &module).unwrap();
            (store, i)
        };
        let small = exporter.get_memory(&store, "mem").unwrap();
        let mut linker = Linker::new(&engine);
        linker.define("env", "m", small).unwrap();
        assert!(
            linker.instantiate(&mut store, &import(65536)).is_err(),
            "{tier}"
        );
        linker.instantiate(&mut store, &import(1)).unwrap();
    }
}

struct Limited {
    limits: StoreLimits,
}

#[test]
fn the_resource_limiter_and_the_engine_limit_count_bytes() {
    for (tier, engine) in every_tier(|c| {
        on(c);
        // One 64 KiB page: 65,536 one-byte pages.
        c.max_memory_pages(1);
    }) {
        let module = Module::new(&engine, BYTES).unwrap();
        let mut store = Store::new(
            &engine,
            Limited {
                limits: StoreLimitsBuilder::new().memory_size(100).build(),
            },
        );
        store.limiter(|s| &mut s.limits);
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let grow = instance.get_typed_func::<i32, i32>(&store, "grow").unwrap();
        assert_eq!(grow.call(&mut store, 96).unwrap(), -1, "{tier}");
        assert_eq!(grow.call(&mut store, 95).unwrap(), 5, "{tier}");
        assert_eq!(grow.call(&mut store, 1).unwrap(), -1, "{tier}");

        // Without the store's cap, the engine's: 64 KiB in all.
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let grow = instance.get_typed_func::<i32, i32>(&store, "grow").unwrap();
        assert_eq!(grow.call(&mut store, 65532).unwrap(), -1, "{tier}");
        assert_eq!(grow.call(&mut store, 65531).unwrap(), 5, "{tier}");
        assert_eq!(grow.call(&mut store, 1).unwrap(), -1, "{tier}");
        let too_big = Module::new(&engine, "(module (memory 65537 (pagesize 1)))").unwrap();
        assert!(
            Linker::new(&engine)
                .instantiate(&mut Store::new(&engine, ()), &too_big)
                .is_err(),
            "{tier}"
        );
    }
}

/// A pooled memory of one-byte pages is dirtied to its end, released and
/// reused: the next instance grows over more bytes than the last one had,
/// and every byte reads zero.
#[test]
fn a_reused_pool_slot_reads_zero_past_the_last_instances_end() {
    for (tier, engine) in every_tier(|c| {
        on(c);
        let mut pool = PoolingAllocationConfig::default();
        pool.total_memories(1).max_memory_size(1 << 20);
        c.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }) {
        let module = Module::new(&engine, BYTES).unwrap();
        for round in 0..3 {
            let mut store = Store::new(&engine, ());
            let instance = Linker::new(&engine)
                .instantiate(&mut store, &module)
                .unwrap();
            let grow = instance.get_typed_func::<i32, i32>(&store, "grow").unwrap();
            let fill = instance
                .get_typed_func::<(i32, i32), ()>(&store, "fill")
                .unwrap();
            let sum = instance.get_typed_func::<(), i64>(&store, "sum").unwrap();
            // The data segment's bytes, and nothing else.
            assert_eq!(
                sum.call(&mut store, ()).unwrap(),
                0xaa + 0xbb + 0xcc + 0xdd,
                "{tier}, round {round}"
            );
            // Grow by more each round, over what the last round dirtied.
            let extra = 1000 + round * 70_001;
            assert_eq!(grow.call(&mut store, extra).unwrap(), 5, "{tier}");
            assert_eq!(
                sum.call(&mut store, ()).unwrap(),
                0xaa + 0xbb + 0xcc + 0xdd,
                "{tier}, round {round}: bytes survived from the last instance"
            );
            fill.call(&mut store, (0xff, 5 + extra)).unwrap();
            // Over the pool's memory size (1 MiB), in bytes.
            assert_eq!(grow.call(&mut store, 1 << 20).unwrap(), -1, "{tier}");
        }
    }
}
