//! Epoch interruption (`Config::epoch_interruption`) on every tier:
//! another thread stops a guest spinning in a loop, in a call tree without
//! loops, or under a host call, and the store stays usable.

use crate::{every_tier, instantiate_in, trap_code};
use petrel::{Caller, Engine, Linker, Module, Store, TrapCode};
use std::time::Duration;

fn epoch_engines() -> Vec<(&'static str, Engine)> {
    every_tier(|c| {
        c.epoch_interruption(true);
    })
}

/// Increments `engine`'s epoch every few milliseconds until dropped.
struct Ticker {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Ticker {
    fn start(engine: &Engine) -> Self {
        let engine = engine.clone();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(5));
                engine.increment_epoch();
            }
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

const WAT: &str = r#"(module
  (func (export "spin") (loop br 0))
  (func $tree (export "tree") (param i32)
    (if (local.get 0)
      (then
        (call $tree (i32.sub (local.get 0) (i32.const 1)))
        (call $tree (i32.sub (local.get 0) (i32.const 1))))))
  (func (export "one") (result i32) i32.const 1))"#;

#[test]
fn a_spinning_loop_is_interrupted_and_the_store_stays_usable() {
    for (tier, engine) in epoch_engines() {
        let (mut store, instance) = instantiate_in(&engine, WAT);
        let _ticker = Ticker::start(&engine);
        store.set_epoch_deadline(2);
        let spin = instance.get_typed_func::<(), ()>(&store, "spin").unwrap();
        let err = spin.call(&mut store, ()).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::Interrupt, "{tier}");
        store.set_epoch_deadline(1_000_000);
        let one = instance.get_typed_func::<(), i32>(&store, "one").unwrap();
        assert_eq!(one.call(&mut store, ()).unwrap(), 1, "{tier}");
    }
}

#[test]
fn an_exponential_call_tree_without_loops_is_interrupted() {
    for (tier, engine) in epoch_engines() {
        let (mut store, instance) = instantiate_in(&engine, WAT);
        let _ticker = Ticker::start(&engine);
        store.set_epoch_deadline(2);
        let tree = instance.get_typed_func::<i32, ()>(&store, "tree").unwrap();
        let err = tree.call(&mut store, 60).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::Interrupt, "{tier}");
    }
}

#[test]
fn a_guest_spinning_under_a_host_call_is_interrupted() {
    let wat = r#"(module
      (import "host" "call_back" (func $call_back))
      (func (export "start") call $call_back)
      (func (export "spin") (loop br 0)))"#;
    for (tier, engine) in epoch_engines() {
        let module = Module::new(&engine, wat).unwrap();
        let mut linker = Linker::<()>::new(&engine);
        linker
            .func_wrap("host", "call_back", |mut caller: Caller<'_, ()>| {
                let spin = caller.get_export("spin").unwrap().into_func().unwrap();
                spin.call(&mut caller, &[], &mut [])
            })
            .unwrap();
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let _ticker = Ticker::start(&engine);
        store.set_epoch_deadline(2);
        let start = instance.get_typed_func::<(), ()>(&store, "start").unwrap();
        let err = start.call(&mut store, ()).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::Interrupt, "{tier}");
    }
}

#[test]
fn a_deadline_not_reached_lets_the_guest_finish() {
    for (tier, engine) in epoch_engines() {
        let (mut store, instance) = instantiate_in(&engine, WAT);
        store.set_epoch_deadline(1);
        let tree = instance.get_typed_func::<i32, ()>(&store, "tree").unwrap();
        tree.call(&mut store, 10).unwrap();
        // Reached before the call: the entry check traps at once.
        engine.increment_epoch();
        let err = tree.call(&mut store, 10).unwrap_err();
        assert_eq!(trap_code(&err), TrapCode::Interrupt, "{tier}");
    }
}
