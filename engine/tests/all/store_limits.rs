//! The resource limiter (`Store::limiter`, `StoreLimits`) on every tier:
//! growth past a cap returns -1 (or traps, if asked), creation past a cap
//! fails with an error naming the limit, and nothing panics.

use crate::every_tier;
use petrel::{
    Engine, Instance, Limit, Linker, Memory, MemoryType, Module, Store, StoreLimits,
    StoreLimitsBuilder,
};

struct State {
    limits: StoreLimits,
}

fn limited(engine: &Engine, limits: StoreLimits) -> Store<State> {
    let mut store = Store::new(engine, State { limits });
    store.limiter(|s| &mut s.limits);
    store
}

const GROW: &str = r#"(module
  (memory (export "mem") 1)
  (table 1 funcref)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "grow_table") (param i32) (result i32)
    (table.grow (ref.null func) (local.get 0))))"#;

fn instance(store: &mut Store<State>, wat: &str) -> petrel::Result<Instance> {
    let module = Module::new(store.engine(), wat)?;
    Linker::new(store.engine()).instantiate(store, &module)
}

#[test]
fn growth_past_a_cap_returns_minus_one_on_every_tier() {
    for (tier, engine) in every_tier(|_| {}) {
        let limits = StoreLimitsBuilder::new()
            .memory_size(3 << 16)
            .table_elements(10)
            .build();
        let mut store = limited(&engine, limits);
        let instance = instance(&mut store, GROW).unwrap();
        let grow = instance.get_typed_func::<i32, i32>(&store, "grow").unwrap();
        let grow_table = instance
            .get_typed_func::<i32, i32>(&store, "grow_table")
            .unwrap();
        assert_eq!(grow.call(&mut store, 2).unwrap(), 1, "{tier}");
        assert_eq!(grow.call(&mut store, 1).unwrap(), -1, "{tier}");
        assert_eq!(grow.call(&mut store, 0).unwrap(), 3, "{tier}");
        assert_eq!(grow_table.call(&mut store, 9).unwrap(), 1, "{tier}");
        assert_eq!(grow_table.call(&mut store, 1).unwrap(), -1, "{tier}");
        // The embedding API obeys the same cap.
        let mem = instance.get_memory(&store, "mem").unwrap();
        assert!(mem.grow(&mut store, 1).is_err(), "{tier}");
        assert_eq!(mem.size(&store), 3, "{tier}");
    }
}

#[test]
fn growth_past_a_cap_traps_when_asked_to() {
    for (tier, engine) in every_tier(|_| {}) {
        let limits = StoreLimitsBuilder::new()
            .memory_size(2 << 16)
            .trap_on_grow_failure(true)
            .build();
        let mut store = limited(&engine, limits);
        let instance = instance(&mut store, GROW).unwrap();
        let grow = instance.get_typed_func::<i32, i32>(&store, "grow").unwrap();
        let err = grow.call(&mut store, 5).unwrap_err();
        assert!(
            err.to_string().contains("resource limit exceeded"),
            "{tier}: {err}"
        );
        assert_eq!(
            err.as_limit().map(|l| l.limit()),
            Some(Limit::StoreMemorySize),
            "{tier}: {err:?}"
        );
        // The store stays usable.
        assert_eq!(grow.call(&mut store, 1).unwrap(), 1, "{tier}");
    }
}

#[test]
fn instantiation_past_a_count_fails_naming_the_limit() {
    for (tier, engine) in every_tier(|_| {}) {
        let limits = StoreLimitsBuilder::new().instances(2).memories(3).build();
        let mut store = limited(&engine, limits);
        instance(&mut store, GROW).unwrap();
        instance(&mut store, GROW).unwrap();
        let err = instance(&mut store, GROW).unwrap_err();
        assert_eq!(
            err.as_limit().map(|l| l.limit()),
            Some(Limit::StoreInstances),
            "{tier}: {err:?}"
        );
        assert!(
            err.to_string().contains("at most 2 instances"),
            "{tier}: {err}"
        );

        let limits = StoreLimitsBuilder::new().memories(1).build();
        let mut store = limited(&engine, limits);
        Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
        let err = Memory::new(&mut store, MemoryType::new(1, None)).unwrap_err();
        assert_eq!(
            err.as_limit().map(|l| l.limit()),
            Some(Limit::StoreMemories),
            "{tier}: {err:?}"
        );
        assert!(
            err.to_string().contains("at most 1 memories"),
            "{tier}: {err}"
        );
        let err = instance(&mut store, GROW).unwrap_err();
        assert!(
            err.to_string().contains("at most 1 memories"),
            "{tier}: {err}"
        );
    }
}

#[test]
fn a_memory_whose_initial_size_is_over_the_cap_is_not_created() {
    for (tier, engine) in every_tier(|_| {}) {
        let limits = StoreLimitsBuilder::new().memory_size(1 << 16).build();
        let mut store = limited(&engine, limits);
        let err = instance(&mut store, "(module (memory 2))").unwrap_err();
        assert_eq!(
            err.as_limit().map(|l| l.limit()),
            Some(Limit::StoreMemorySize),
            "{tier}: {err:?}"
        );
        assert!(
            err.to_string().contains("memory of 131072 bytes"),
            "{tier}: {err}"
        );
        instance(&mut store, "(module (memory 1))").unwrap();
    }
}
