//! The pooling allocator (`Config::allocation_strategy`): its totals and
//! sizes are enforced at instantiation and growth, a released slot is
//! reused, and nothing of one instance survives into the next one that
//! reuses its memory or table, on every tier.

use crate::every_tier;
use petrel::{
    Engine, Error, Instance, InstanceAllocationStrategy, Limit, Module, PoolingAllocationConfig,
    Store, Val,
};

fn pooling(configure: impl Fn(&mut PoolingAllocationConfig)) -> impl Fn(&mut petrel::Config) {
    move |c| {
        let mut pool = PoolingAllocationConfig::default();
        configure(&mut pool);
        c.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
}

/// A module that can dirty its memory and table and report what they hold.
const WAT: &str = r#"
(module
  (memory (export "m") 1)
  (table (export "t") 4 funcref)
  (func $f)
  (elem declare func $f)
  (func (export "dirty") (param $pages i32)
    (drop (memory.grow (local.get $pages)))
    (memory.fill (i32.const 0) (i32.const 0x5a)
      (i32.mul (memory.size) (i32.const 65536)))
    (table.fill (i32.const 0) (ref.func $f) (i32.const 4)))
  (func (export "sum") (result i64)
    (local $i i32) (local $s i64)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i)
        (i32.mul (memory.size) (i32.const 65536))))
      (local.set $s (i64.add (local.get $s) (i64.load8_u (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.get $s))
  (func (export "nulls") (result i32)
    (i32.add
      (i32.add (ref.is_null (table.get (i32.const 0))) (ref.is_null (table.get (i32.const 1))))
      (i32.add (ref.is_null (table.get (i32.const 2))) (ref.is_null (table.get (i32.const 3)))))))
"#;

fn call<P: petrel::WasmParams, R: petrel::WasmResults>(
    store: &mut Store<()>,
    instance: &Instance,
    name: &str,
    args: P,
) -> R {
    instance
        .get_typed_func::<P, R>(&*store, name)
        .unwrap()
        .call(&mut *store, args)
        .unwrap()
}

/// The message of `err`, which must be a limit error of kind `limit`.
fn limit_message(err: Error, limit: Limit) -> String {
    match err {
        Error::Limit(e) if e.limit() == limit => e.message().to_string(),
        other => panic!("expected a {limit:?} limit error, got {other:?}"),
    }
}

#[test]
fn a_reused_slot_holds_nothing_of_the_last_instance() {
    for (tier, engine) in every_tier(pooling(|p| {
        p.max_unused_warm_slots(4);
    })) {
        let module = Module::new(&engine, WAT).unwrap();
        let mut bases = Vec::new();
        // Grow past what is kept resident (and not at all), dirty
        // everything, and check the next instance sees none of it.
        for grow in [3, 0, 1, 0] {
            let mut store = Store::new(&engine, ());
            let instance = Instance::new(&mut store, &module, &[]).unwrap();
            let memory = instance.get_memory(&store, "m").unwrap();
            bases.push(memory.data(&store).as_ptr() as usize);
            assert_eq!(
                memory.size(&store),
                1,
                "{tier}: a fresh memory has its own size"
            );
            assert_eq!(
                call::<(), i64>(&mut store, &instance, "sum", ()),
                0,
                "{tier}"
            );
            assert_eq!(
                call::<(), i32>(&mut store, &instance, "nulls", ()),
                4,
                "{tier}"
            );
            call::<i32, ()>(&mut store, &instance, "dirty", grow);
            assert_eq!(call::<(), i32>(&mut store, &instance, "nulls", ()), 0);
            assert_eq!(
                call::<(), i64>(&mut store, &instance, "sum", ()),
                0x5a * 65536 * (1 + grow as i64)
            );
        }
        if tier != "jit-explicit" {
            // Reserved memories come back to the same warm slot (a heap
            // memory's allocation is reused too, but the allocator may
            // place it anywhere).
            assert!(
                bases.windows(2).all(|w| w[0] == w[1]),
                "{tier}: the slot was reused: {bases:x?}"
            );
        }
    }
}

#[test]
fn the_totals_bound_live_instances_memories_and_tables() {
    for (tier, engine) in every_tier(pooling(|p| {
        p.total_core_instances(2).total_memories(3).total_tables(3);
    })) {
        let module = Module::new(&engine, WAT).unwrap();
        let mut store = Store::new(&engine, ());
        let a = Instance::new(&mut store, &module, &[]).unwrap();
        let _b = Instance::new(&mut store, &module, &[]).unwrap();
        let err = Instance::new(&mut store, &module, &[]).err().unwrap();
        let message = limit_message(err, Limit::PoolInstances);
        assert!(
            message.contains("total_core_instances"),
            "{tier}: {message}"
        );
        // Instances are released with their store.
        drop(store);
        let mut store = Store::new(&engine, ());
        let _c = Instance::new(&mut store, &module, &[]).unwrap();
        let _ = a;
        // Memories made by the host count too: one is left, then none.
        petrel::Memory::new(&mut store, petrel::MemoryType::new(1, None)).unwrap();
        petrel::Memory::new(&mut store, petrel::MemoryType::new(1, None)).unwrap();
        let err = petrel::Memory::new(&mut store, petrel::MemoryType::new(1, None)).unwrap_err();
        assert!(
            limit_message(err, Limit::PoolMemories).contains("total_memories"),
            "{tier}"
        );
        let ty = petrel::TableType::new(petrel::RefType::FUNCREF, 1, None);
        petrel::Table::new(&mut store, ty.clone(), Val::FuncRef(None)).unwrap();
        petrel::Table::new(&mut store, ty.clone(), Val::FuncRef(None)).unwrap();
        let err = petrel::Table::new(&mut store, ty, Val::FuncRef(None)).unwrap_err();
        assert!(
            limit_message(err, Limit::PoolTables).contains("total_tables"),
            "{tier}"
        );
    }
}

#[test]
fn sizes_over_the_pool_fail_instantiation_and_growth() {
    for (tier, engine) in every_tier(pooling(|p| {
        p.max_memory_size(2 << 16).table_elements(8);
    })) {
        let mut store = Store::new(&engine, ());
        let big_memory = Module::new(&engine, "(module (memory 3))").unwrap();
        let err = Instance::new(&mut store, &big_memory, &[]).err().unwrap();
        assert!(
            limit_message(err, Limit::PoolMemorySize).contains("max_memory_size"),
            "{tier}"
        );
        let big_table = Module::new(&engine, "(module (table 9 funcref))").unwrap();
        let err = Instance::new(&mut store, &big_table, &[]).err().unwrap();
        assert!(
            limit_message(err, Limit::PoolTableElements).contains("table_elements"),
            "{tier}"
        );

        let grows = Module::new(
            &engine,
            r#"(module (memory 1) (table 1 funcref)
                 (func (export "mem") (param i32) (result i32)
                   (memory.grow (local.get 0)))
                 (func (export "table") (param i32) (result i32)
                   (table.grow (ref.null func) (local.get 0))))"#,
        )
        .unwrap();
        let instance = Instance::new(&mut store, &grows, &[]).unwrap();
        assert_eq!(
            call::<i32, i32>(&mut store, &instance, "mem", 2),
            -1,
            "{tier}"
        );
        assert_eq!(
            call::<i32, i32>(&mut store, &instance, "mem", 1),
            1,
            "{tier}"
        );
        assert_eq!(
            call::<i32, i32>(&mut store, &instance, "table", 8),
            -1,
            "{tier}"
        );
        assert_eq!(
            call::<i32, i32>(&mut store, &instance, "table", 7),
            1,
            "{tier}"
        );
    }
}

/// Stores on several threads share one pool: the totals hold under
/// contention and every slot is given back.
#[test]
fn threads_share_the_pool() {
    let engine = Engine::new(
        petrel::Config::new()
            .tier(petrel::Tier::Jit)
            .allocation_strategy(InstanceAllocationStrategy::pooling()),
    );
    let module = Module::new(&engine, WAT).unwrap();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..200 {
                    let mut store = Store::new(&engine, ());
                    let instance = Instance::new(&mut store, &module, &[]).unwrap();
                    assert_eq!(call::<(), i64>(&mut store, &instance, "sum", ()), 0);
                    call::<i32, ()>(&mut store, &instance, "dirty", 0);
                }
            });
        }
    });
}
