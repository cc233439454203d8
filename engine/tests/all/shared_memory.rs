//! Shared memories and atomics (the threads proposal) across host
//! threads: one `SharedMemory` imported into a store per thread, on every
//! tier and with tiers mixed; wait and notify; traps.

use super::{engine_with, every_tier, trap_code};
use petrel::{
    Engine, Extern, Linker, MemoryType, Module, SharedMemory, Store, Tier, TrapCode, TypedFunc,
    WaitResult,
};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

const COUNTER: &str = r#"
    (module
      (import "env" "mem" (memory 1 4 shared))
      (func (export "bump") (param $n i32)
        (loop $l
          (drop (i32.atomic.rmw.add (i32.const 64) (i32.const 1)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br_if $l (local.get $n))))
      (func (export "get") (result i32) (i32.atomic.load (i32.const 64))))
"#;

/// An instance of `wat` in a new store of `engine`, importing `mem` as
/// `env.mem`.
fn instantiate_with(
    engine: &Engine,
    wat: &str,
    mem: &SharedMemory,
) -> (Store<()>, petrel::Instance) {
    let module = Module::new(engine, wat).expect("module compiles");
    let mut store = Store::new(engine, ());
    let mut linker = Linker::new(engine);
    linker.define("env", "mem", mem.clone()).expect("defined");
    let instance = linker
        .instantiate(&mut store, &module)
        .expect("instantiates");
    (store, instance)
}

/// Runs `bump(per_thread)` on one thread per engine of `engines`, each in
/// its own store over `mem`, all at once.
fn bump_from_threads(engines: &[Engine], mem: &SharedMemory, per_thread: i32) {
    let start = Arc::new(std::sync::Barrier::new(engines.len()));
    let handles: Vec<_> = engines
        .iter()
        .map(|engine| {
            let (engine, mem, start) = (engine.clone(), mem.clone(), start.clone());
            thread::spawn(move || {
                let (mut store, instance) = instantiate_with(&engine, COUNTER, &mem);
                let bump: TypedFunc<i32, ()> = instance.get_typed_func(&store, "bump").unwrap();
                start.wait();
                bump.call(&mut store, per_thread).expect("bump runs");
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread finished");
    }
}

fn counter(mem: &SharedMemory) -> u32 {
    let cells = &mem.data()[64..68];
    // SAFETY: the four cells are live memory of `mem`; every thread that
    // wrote them has been joined.
    u32::from_le_bytes(std::array::from_fn(|i| unsafe { *cells[i].get() }))
}

#[test]
fn threads_incrementing_one_counter_reach_the_exact_total_on_every_tier() {
    const THREADS: usize = 4;
    const PER_THREAD: i32 = 20_000;
    for (tier, engine) in every_tier(|_| {}) {
        let mem = SharedMemory::new(&engine, MemoryType::shared(1, 4)).unwrap();
        bump_from_threads(&vec![engine.clone(); THREADS], &mem, PER_THREAD);
        assert_eq!(counter(&mem), THREADS as u32 * PER_THREAD as u32, "{tier}");
        // And the guest reads the same total.
        let (mut store, instance) = instantiate_with(&engine, COUNTER, &mem);
        let get: TypedFunc<(), i32> = instance.get_typed_func(&store, "get").unwrap();
        assert_eq!(
            get.call(&mut store, ()).unwrap(),
            THREADS as i32 * PER_THREAD,
            "{tier}"
        );
    }
}

#[test]
fn interpreter_and_jit_stores_share_one_memory() {
    let interp = engine_with(|c| {
        c.tier(Tier::Interpreter);
    });
    let jit = engine_with(|c| {
        c.tier(Tier::Jit);
    });
    let explicit = engine_with(|c| {
        c.tier(Tier::Jit).signals_based_traps(false);
    });
    // Made by the guarded engine, so every engine can import it.
    let mem = SharedMemory::new(&jit, MemoryType::shared(1, 4)).unwrap();
    let engines = [interp.clone(), jit, explicit.clone(), interp.clone()];
    bump_from_threads(&engines, &mem, 20_000);
    assert_eq!(counter(&mem), 80_000);

    // A memory without guard pages cannot go to an engine that needs them.
    let plain = SharedMemory::new(&interp, MemoryType::shared(1, 4)).unwrap();
    let jit = engine_with(|c| {
        c.tier(Tier::Jit);
    });
    let module = Module::new(&jit, COUNTER).unwrap();
    let mut store = Store::new(&jit, ());
    let err = petrel::Instance::new(&mut store, &module, &[plain.clone().into()]).unwrap_err();
    assert!(err.to_string().contains("guard pages"), "{err}");
    // But the explicit-checks JIT takes it.
    bump_from_threads(&[explicit, interp], &plain, 1_000);
    assert_eq!(counter(&plain), 2_000);
}

const PING_PONG: &str = r#"
    (module
      (import "env" "mem" (memory 1 1 shared))
      ;; Player $me waits for its turn (the word at 0 equal to $me), counts
      ;; a round at 4, hands the turn over and notifies, $rounds times. A
      ;; wait that times out (10 s) traps: the test fails, it never hangs.
      (func (export "play") (param $me i32) (param $rounds i32) (result i32)
        (loop $round
          (block $ready
            (loop $wait
              (br_if $ready (i32.eq (i32.atomic.load (i32.const 0)) (local.get $me)))
              (if (i32.eq (i32.const 2)
                    (memory.atomic.wait32 (i32.const 0)
                      (i32.sub (i32.const 1) (local.get $me)) (i64.const 10000000000)))
                (then unreachable))
              (br $wait)))
          (drop (i32.atomic.rmw.add (i32.const 4) (i32.const 1)))
          (i32.atomic.store (i32.const 0) (i32.sub (i32.const 1) (local.get $me)))
          (drop (memory.atomic.notify (i32.const 0) (i32.const 1)))
          (local.set $rounds (i32.sub (local.get $rounds) (i32.const 1)))
          (br_if $round (local.get $rounds)))
        (i32.atomic.load (i32.const 4)))
      (func (export "wait") (param $expected i32) (param $ns i64) (result i32)
        (memory.atomic.wait32 (i32.const 8) (local.get $expected) (local.get $ns)))
      (func (export "wait64") (param $expected i64) (param $ns i64) (result i32)
        (memory.atomic.wait64 (i32.const 16) (local.get $expected) (local.get $ns)))
      (func (export "notify") (param $count i32) (result i32)
        (memory.atomic.notify (i32.const 8) (local.get $count))))
"#;

#[test]
fn wait_and_notify_ping_pong_between_two_threads() {
    const ROUNDS: i32 = 500;
    for (tier, engine) in every_tier(|_| {}) {
        let mem = SharedMemory::new(&engine, MemoryType::shared(1, 1)).unwrap();
        let players: Vec<_> = (0..2)
            .map(|me| {
                let (engine, mem) = (engine.clone(), mem.clone());
                thread::spawn(move || {
                    let (mut store, instance) = instantiate_with(&engine, PING_PONG, &mem);
                    let play: TypedFunc<(i32, i32), i32> =
                        instance.get_typed_func(&store, "play").unwrap();
                    play.call(&mut store, (me, ROUNDS))
                })
            })
            .collect();
        for p in players {
            let total = p.join().unwrap().unwrap_or_else(|e| panic!("{tier}: {e}"));
            // Each player saw at least its own rounds counted.
            assert!(total >= ROUNDS, "{tier}: {total}");
        }
        assert_eq!(counter_at(&mem, 4), 2 * ROUNDS as u32, "{tier}");
    }
}

fn counter_at(mem: &SharedMemory, at: usize) -> u32 {
    let cells = &mem.data()[at..at + 4];
    // SAFETY: live cells of `mem`, whose writers have been joined.
    u32::from_le_bytes(std::array::from_fn(|i| unsafe { *cells[i].get() }))
}

#[test]
fn a_wait_times_out_and_a_notify_wakes_a_waiter() {
    for (tier, engine) in every_tier(|_| {}) {
        let mem = SharedMemory::new(&engine, MemoryType::shared(1, 1)).unwrap();
        let (mut store, instance) = instantiate_with(&engine, PING_PONG, &mem);
        let wait: TypedFunc<(i32, i64), i32> = instance.get_typed_func(&store, "wait").unwrap();
        let wait64: TypedFunc<(i64, i64), i32> = instance.get_typed_func(&store, "wait64").unwrap();
        // Not the value there: "not-equal" at once.
        assert_eq!(wait.call(&mut store, (7, -1)).unwrap(), 1, "{tier}");
        assert_eq!(wait64.call(&mut store, (7, -1)).unwrap(), 1, "{tier}");
        // The value there, nobody notifies: "timed-out" after the timeout.
        let started = Instant::now();
        assert_eq!(wait.call(&mut store, (0, 30_000_000)).unwrap(), 2, "{tier}");
        assert!(started.elapsed() >= Duration::from_millis(30), "{tier}");
        assert_eq!(
            wait64.call(&mut store, (0, 1_000_000)).unwrap(),
            2,
            "{tier}"
        );
        // Nobody waits: notify wakes none.
        let notify: TypedFunc<i32, i32> = instance.get_typed_func(&store, "notify").unwrap();
        assert_eq!(notify.call(&mut store, 5).unwrap(), 0, "{tier}");

        // A waiter with no timeout, woken by the host's notify.
        let waiter = {
            let (engine, mem) = (engine.clone(), mem.clone());
            thread::spawn(move || {
                let (mut store, instance) = instantiate_with(&engine, PING_PONG, &mem);
                let wait: TypedFunc<(i32, i64), i32> =
                    instance.get_typed_func(&store, "wait").unwrap();
                wait.call(&mut store, (0, -1)).unwrap()
            })
        };
        let mut woken = 0;
        let deadline = Instant::now() + Duration::from_secs(10);
        while woken == 0 && Instant::now() < deadline {
            woken = mem.atomic_notify(8, 1).unwrap();
            thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(woken, 1, "{tier}: the waiter was never parked");
        assert_eq!(waiter.join().unwrap(), 0, "{tier}");
    }
}

#[test]
fn host_waits_on_a_shared_memory() {
    let engine = Engine::default();
    let mem = SharedMemory::new(&engine, MemoryType::shared(1, 1)).unwrap();
    assert_eq!(mem.atomic_wait32(0, 1, None).unwrap(), WaitResult::Mismatch);
    assert_eq!(
        mem.atomic_wait64(0, 0, Some(Duration::from_millis(1)))
            .unwrap(),
        WaitResult::TimedOut
    );
    assert_eq!(
        mem.atomic_wait32(2, 0, None).unwrap_err().code(),
        TrapCode::HeapMisaligned
    );
    assert_eq!(
        mem.atomic_notify(65_536, 1).unwrap_err().code(),
        TrapCode::MemoryOutOfBounds
    );
}

#[test]
fn a_wait_ends_at_the_epoch_deadline() {
    for (tier, engine) in every_tier(|c| {
        c.epoch_interruption(true);
    }) {
        let mem = SharedMemory::new(&engine, MemoryType::shared(1, 1)).unwrap();
        let (mut store, instance) = instantiate_with(&engine, PING_PONG, &mem);
        store.set_epoch_deadline(1);
        let wait: TypedFunc<(i32, i64), i32> = instance.get_typed_func(&store, "wait").unwrap();
        let ticker = {
            let engine = engine.clone();
            thread::spawn(move || {
                thread::sleep(Duration::from_millis(20));
                engine.increment_epoch();
            })
        };
        // Would wait forever; the deadline ends it.
        let err = wait.call(&mut store, (0, -1)).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::Interrupt, "{tier}");
        ticker.join().unwrap();
    }
}

const ATOMICS: &str = r#"
    (module
      (memory (export "mem") 1 2 shared)
      (func (export "add32") (param i32 i32) (result i32)
        (i32.atomic.rmw.add (local.get 0) (local.get 1)))
      (func (export "load64") (param i32) (result i64) (i64.atomic.load (local.get 0)))
      (func (export "cmpxchg8") (param i32 i32 i32) (result i32)
        (i32.atomic.rmw8.cmpxchg_u (local.get 0) (local.get 1) (local.get 2)))
      (func (export "size") (result i32) (memory.size))
      ;; Spins until another thread grows the memory to 2 pages (at most
      ;; about a billion rounds: -1), then stores past the first page with
      ;; a plain store and reads it back.
      (func (export "spin_then_store") (result i32) (local $n i32)
        (local.set $n (i32.const 1000000000))
        (block $grown
          (loop $spin
            (br_if $grown (i32.eq (memory.size) (i32.const 2)))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br_if $spin (local.get $n))
            (return (i32.const -1))))
        (i32.store (i32.const 65540) (i32.const 77))
        (i32.load (i32.const 65540)))
      (func (export "fence") (atomic.fence)))
"#;

#[test]
fn unaligned_and_out_of_bounds_atomics_trap() {
    for (tier, engine) in every_tier(|_| {}) {
        let (mut store, instance) = super::instantiate_in(&engine, ATOMICS);
        let add: TypedFunc<(i32, i32), i32> = instance.get_typed_func(&store, "add32").unwrap();
        let load: TypedFunc<i32, i64> = instance.get_typed_func(&store, "load64").unwrap();
        for addr in [1, 2, 3, 65_533] {
            let err = add.call(&mut store, (addr, 1)).unwrap_err();
            assert_eq!(trap_code(&err), TrapCode::HeapMisaligned, "{tier} {addr}");
        }
        let err = load.call(&mut store, 4).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::HeapMisaligned, "{tier}");
        assert!(err.to_string().contains("unaligned atomic"), "{tier}");
        for addr in [65_536, -4] {
            let err = add.call(&mut store, (addr, 1)).unwrap_err();
            assert_eq!(
                trap_code(&err),
                TrapCode::MemoryOutOfBounds,
                "{tier} {addr}"
            );
        }
        // The last aligned word works, and the value was not touched by
        // the trapping ones.
        assert_eq!(add.call(&mut store, (65_532, 5)).unwrap(), 0, "{tier}");
        assert_eq!(add.call(&mut store, (65_532, 0)).unwrap(), 5, "{tier}");
        let cas: TypedFunc<(i32, i32, i32), i32> =
            instance.get_typed_func(&store, "cmpxchg8").unwrap();
        assert_eq!(
            cas.call(&mut store, (65_532, 5, 0x1_07)).unwrap(),
            5,
            "{tier}"
        );
        assert_eq!(add.call(&mut store, (65_532, 0)).unwrap(), 7, "{tier}");
        let fence: TypedFunc<(), ()> = instance.get_typed_func(&store, "fence").unwrap();
        fence.call(&mut store, ()).unwrap();
        // The export is a shared memory.
        let Some(Extern::SharedMemory(mem)) = instance.get_export(&store, "mem") else {
            panic!("{tier}: the export is not a shared memory");
        };
        assert!(mem.ty().is_shared());
    }
}

#[test]
fn wait_on_an_unshared_memory_traps_and_notify_returns_zero() {
    let wat = r#"
        (module
          (memory 1 1)
          (func (export "wait") (result i32)
            (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const -1)))
          (func (export "notify") (result i32)
            (memory.atomic.notify (i32.const 0) (i32.const 1)))
          (func (export "add") (result i32)
            (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 3)))
            (i32.atomic.rmw.add (i32.const 0) (i32.const 3))))
    "#;
    for (tier, engine) in every_tier(|_| {}) {
        let (mut store, instance) = super::instantiate_in(&engine, wat);
        let wait: TypedFunc<(), i32> = instance.get_typed_func(&store, "wait").unwrap();
        let err = wait.call(&mut store, ()).unwrap_err();
        assert_eq!(
            trap_code(&err),
            TrapCode::AtomicWaitNonSharedMemory,
            "{tier}"
        );
        let notify: TypedFunc<(), i32> = instance.get_typed_func(&store, "notify").unwrap();
        assert_eq!(notify.call(&mut store, ()).unwrap(), 0, "{tier}");
        let add: TypedFunc<(), i32> = instance.get_typed_func(&store, "add").unwrap();
        assert_eq!(add.call(&mut store, ()).unwrap(), 3, "{tier}");
    }
}

#[test]
fn growth_in_one_thread_is_seen_by_the_others() {
    for (tier, engine) in every_tier(|_| {}) {
        let (mut store, instance) = super::instantiate_in(&engine, ATOMICS);
        let Some(Extern::SharedMemory(mem)) = instance.get_export(&store, "mem") else {
            panic!("{tier}: no shared memory");
        };
        let base = mem.data().as_ptr();
        // Grown from another thread, through the API.
        let grower = mem.clone();
        assert_eq!(
            thread::spawn(move || grower.grow(1).unwrap())
                .join()
                .unwrap(),
            1
        );
        assert_eq!(mem.data().as_ptr(), base, "{tier}: the memory moved");
        let size: TypedFunc<(), i32> = instance.get_typed_func(&store, "size").unwrap();
        assert_eq!(size.call(&mut store, ()).unwrap(), 2, "{tier}");
        let add: TypedFunc<(i32, i32), i32> = instance.get_typed_func(&store, "add32").unwrap();
        assert_eq!(add.call(&mut store, (65_536, 1)).unwrap(), 0, "{tier}");
        // Past the maximum: refused.
        assert!(mem.grow(1).is_err(), "{tier}");
        assert_eq!(mem.size(), 2);

        // A function already running sees the growth at its next
        // `memory.size`, and its plain accesses reach the new page.
        let (mut store, instance) = super::instantiate_in(&engine, ATOMICS);
        let Some(Extern::SharedMemory(mem)) = instance.get_export(&store, "mem") else {
            panic!("{tier}: no shared memory");
        };
        let spin: TypedFunc<(), i32> = instance.get_typed_func(&store, "spin_then_store").unwrap();
        let grower = thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            mem.grow(1).unwrap()
        });
        assert_eq!(spin.call(&mut store, ()).unwrap(), 77, "{tier}");
        grower.join().unwrap();
    }
}

/// A running function whose only memory accesses are plain loads and
/// stores (no `memory.size` in between) reaches a page another thread
/// added: on the interpreter, such accesses were checked against the
/// length cached when the call began, and trapped although in bounds.
#[test]
fn plain_accesses_reach_a_page_another_thread_added() {
    const WAT: &str = r#"
        (module
          (memory (export "mem") 1 2 shared)
          (func (export "wait_then_use_page_1") (result i32)
            ;; Until the host sets the flag at 0, after growing.
            (loop $l (br_if $l (i32.eqz (i32.atomic.load (i32.const 0)))))
            (i32.store (i32.const 70000) (i32.const 77))
            (i32.load (i32.const 70000))))
    "#;
    for (tier, engine) in every_tier(|_| {}) {
        let (mut store, instance) = super::instantiate_in(&engine, WAT);
        let Some(Extern::SharedMemory(mem)) = instance.get_export(&store, "mem") else {
            panic!("{tier}: no shared memory");
        };
        let run: TypedFunc<(), i32> = instance
            .get_typed_func(&store, "wait_then_use_page_1")
            .unwrap();
        let grower = thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            mem.grow(1).unwrap();
            let flag = mem.data()[0].get();
            // SAFETY: the cell is live memory of `mem`, aligned for an
            // `AtomicU32` (address 0 of a page-aligned memory), and the
            // guest reads it only atomically.
            unsafe { std::sync::atomic::AtomicU32::from_ptr(flag.cast()) }
                .store(1, std::sync::atomic::Ordering::SeqCst);
        });
        assert_eq!(run.call(&mut store, ()).unwrap(), 77, "{tier}");
        grower.join().unwrap();
    }
}

#[test]
fn shared_memory_needs_a_maximum_and_threads_can_be_turned_off() {
    let engine = Engine::default();
    assert!(Module::new(&engine, "(module (memory 1 shared))").is_err());
    assert!(SharedMemory::new(&engine, MemoryType::new(1, Some(2))).is_err());
    let off = engine_with(|c| {
        c.wasm_threads(false);
    });
    assert!(Module::new(&off, ATOMICS).is_err());
}
