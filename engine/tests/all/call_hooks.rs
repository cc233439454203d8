//! `Store::call_hook`: the hook sees every crossing between the host and
//! Wasm, in order, on every tier, with the store's data; an error from it
//! fails the crossing without breaking the store.

use crate::every_tier;
use petrel::{CallHook, Caller, Error, Func, Linker, Module, Store, Val};

/// `outer` calls the host's `host.f`, which calls `inner` back; `inner`
/// calls nothing. `loop` calls `inner` 3 times (Wasm to Wasm: no
/// crossing).
const WAT: &str = r#"(module
  (import "host" "f" (func $f (param i32) (result i32)))
  (func $inner (export "inner") (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 1)))
  (func (export "outer") (param i32) (result i32)
    (call $f (local.get 0)))
  (func (export "loop") (result i32)
    (i32.add (call $inner (i32.const 0))
      (i32.add (call $inner (i32.const 1)) (call $inner (i32.const 2))))))"#;

#[derive(Default)]
struct Log {
    seen: Vec<CallHook>,
    /// Fail at this crossing (its index in `seen`), once.
    fail_at: Option<usize>,
}

fn setup(engine: &petrel::Engine) -> (Store<Log>, petrel::Instance) {
    let module = Module::new(engine, WAT).unwrap();
    let mut store = Store::new(engine, Log::default());
    store.call_hook(|mut ctx, kind| {
        let log = ctx.data_mut();
        log.seen.push(kind);
        if log.fail_at == Some(log.seen.len() - 1) {
            log.fail_at = None;
            return Err(Error::msg(format!("hook refused {kind:?}")));
        }
        Ok(())
    });
    let mut linker = Linker::new(engine);
    linker
        .func_wrap("host", "f", |mut caller: Caller<'_, Log>, x: i32| {
            let inner = caller
                .get_export("inner")
                .and_then(|e| e.into_func())
                .expect("inner");
            let mut out = [Val::I32(0)];
            inner.call(&mut caller, &[Val::I32(x * 10)], &mut out)?;
            out[0]
                .i32()
                .ok_or_else(|| Error::msg("inner returned no i32"))
        })
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance)
}

use CallHook::*;

#[test]
fn the_hook_sees_every_crossing_in_order() {
    for (tier, engine) in every_tier(|_| {}) {
        let (mut store, instance) = setup(&engine);
        let outer = instance
            .get_typed_func::<i32, i32>(&store, "outer")
            .unwrap();
        assert_eq!(outer.call(&mut store, 4).unwrap(), 41, "{tier}");
        assert_eq!(
            store.data().seen,
            [
                CallingWasm,
                CallingHost,
                CallingWasm,
                ReturningFromWasm,
                ReturningFromHost,
                ReturningFromWasm
            ],
            "{tier}"
        );
        // Wasm calling Wasm crosses nothing.
        store.data_mut().seen.clear();
        let lp = instance.get_typed_func::<(), i32>(&store, "loop").unwrap();
        assert_eq!(lp.call(&mut store, ()).unwrap(), 6, "{tier}");
        assert_eq!(
            store.data().seen,
            [CallingWasm, ReturningFromWasm],
            "{tier}"
        );
        // The host calling a host function directly crosses into the host.
        store.data_mut().seen.clear();
        let f = Func::wrap(&mut store, |x: i32| x);
        let mut out = [Val::I32(0)];
        f.call(&mut store, &[Val::I32(3)], &mut out).unwrap();
        assert!(
            store.data().seen.contains(&CallingHost)
                && store.data().seen.contains(&ReturningFromHost),
            "{tier}: {:?}",
            store.data().seen
        );
        assert!(CallingWasm.entering_wasm() && ReturningFromHost.entering_wasm());
        assert!(CallingHost.exiting_wasm() && ReturningFromWasm.exiting_wasm());
    }
}

#[test]
fn an_error_from_the_hook_fails_the_crossing_and_the_store_goes_on() {
    for (tier, engine) in every_tier(|_| {}) {
        let (mut store, instance) = setup(&engine);
        let outer = instance
            .get_typed_func::<i32, i32>(&store, "outer")
            .unwrap();
        // Every crossing of one `outer` call in turn: the call fails with
        // the hook's error, and the next call works.
        for at in 0..6 {
            store.data_mut().seen.clear();
            store.data_mut().fail_at = Some(at);
            let err = outer.call(&mut store, 4).unwrap_err();
            assert!(
                err.to_string().contains("hook refused"),
                "{tier}, crossing {at}: {err}"
            );
            // Refusing the first entry means no Wasm ran at all.
            if at == 0 {
                assert_eq!(store.data().seen, [CallingWasm], "{tier}");
            }
            store.data_mut().seen.clear();
            assert_eq!(outer.call(&mut store, 4).unwrap(), 41, "{tier}, after {at}");
        }
    }
}

#[test]
fn a_hook_accounts_per_store() {
    // Per-tenant accounting: each store counts its own guest entries.
    for (tier, engine) in every_tier(|_| {}) {
        let module = Module::new(&engine, WAT).unwrap();
        let mut stores: Vec<Store<u32>> = (0..2)
            .map(|_| {
                let mut store = Store::new(&engine, 0u32);
                store.call_hook(|mut ctx, kind| {
                    if kind == CallingWasm {
                        *ctx.data_mut() += 1;
                    }
                    Ok(())
                });
                store
            })
            .collect();
        for (n, store) in stores.iter_mut().enumerate() {
            let mut linker = Linker::new(&engine);
            linker.func_wrap("host", "f", |x: i32| x).unwrap();
            let instance = linker.instantiate(&mut *store, &module).unwrap();
            let lp = instance.get_typed_func::<(), i32>(&*store, "loop").unwrap();
            for _ in 0..=n {
                lp.call(&mut *store, ()).unwrap();
            }
        }
        assert_eq!(*stores[0].data(), 1, "{tier}");
        assert_eq!(*stores[1].data(), 2, "{tier}");
    }
}

#[test]
fn a_hook_installed_after_calls_sees_wasm_calling_the_host() {
    // The JIT makes its entries into host functions when it links them;
    // a hook installed later must still see every crossing through them.
    for (tier, engine) in every_tier(|_| {}) {
        let module = Module::new(&engine, WAT).unwrap();
        let mut store = Store::new(&engine, Log::default());
        let mut linker = Linker::new(&engine);
        linker.func_wrap("host", "f", |x: i32| x + 100).unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let outer = instance
            .get_typed_func::<i32, i32>(&store, "outer")
            .unwrap();
        assert_eq!(outer.call(&mut store, 1).unwrap(), 101, "{tier}");
        assert!(store.data().seen.is_empty(), "{tier}");
        store.call_hook(|mut ctx, kind| {
            ctx.data_mut().seen.push(kind);
            Ok(())
        });
        assert_eq!(outer.call(&mut store, 2).unwrap(), 102, "{tier}");
        assert_eq!(
            store.data().seen,
            [
                CallingWasm,
                CallingHost,
                ReturningFromHost,
                ReturningFromWasm
            ],
            "{tier}"
        );
    }
}
