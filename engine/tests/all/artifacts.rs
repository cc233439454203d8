//! Precompiled artifacts (`Module::serialize`, `Module::deserialize`,
//! `Module::deserialize_file`): a module loaded back runs as the one
//! compiled (calls, data, traps with their backtraces, exceptions), and
//! every way an artifact can be wrong (not one, truncated, damaged, made
//! with other settings or for another tier) is a clear
//! [`Error::Artifact`], never a crash.
#![cfg(feature = "jit")]

use crate::engine_with;
use petrel::{Config, Engine, Error, Instance, Module, Store, Tier, TrapCode, Val};

const WAT: &str = r#"
(module
  (memory (export "mem") 1)
  (data (i32.const 16) "artifact")
  (table 2 funcref)
  (elem (i32.const 0) $double $fib)
  (global $g (mut i32) (i32.const 7))
  (tag $boom (param i32))
  (type $unary (func (param i32) (result i32)))
  (func $double (export "double") (param i32) (result i32)
    local.get 0 i32.const 2 i32.mul)
  (func $fib (export "fib") (param i32) (result i32)
    local.get 0 i32.const 2 i32.lt_u
    if (result i32) local.get 0
    else
      local.get 0 i32.const 1 i32.sub call $fib
      local.get 0 i32.const 2 i32.sub call $fib
      i32.add
    end)
  (func (export "indirect") (param i32 i32) (result i32)
    local.get 1 local.get 0 call_indirect (type $unary))
  (func (export "load") (param i32) (result i32)
    local.get 0 i32.load8_u)
  (func (export "bump") (result i32)
    global.get $g i32.const 1 i32.add global.set $g global.get $g)
  (func $thrower (param i32) local.get 0 throw $boom)
  (func (export "catch") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $boom $h) local.get 0 call $thrower)
      i32.const -1))
)"#;

fn jit(configure: impl FnOnce(&mut Config)) -> Engine {
    engine_with(|c| {
        c.tier(Tier::Jit);
        configure(c);
    })
}

fn call(
    store: &mut Store<()>,
    instance: &Instance,
    name: &str,
    args: &[Val],
) -> Result<i32, Error> {
    let func = instance.get_func(&mut *store, name).expect("export");
    let mut out = [Val::I32(0)];
    func.call(&mut *store, args, &mut out)?;
    Ok(out[0].i32().expect("an i32 result"))
}

/// Runs the module's checks on `module`.
fn exercise(engine: &Engine, module: &Module) {
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, module, &[]).expect("instantiate");
    assert_eq!(
        call(&mut store, &instance, "double", &[Val::I32(21)]).unwrap(),
        42
    );
    assert_eq!(
        call(&mut store, &instance, "fib", &[Val::I32(20)]).unwrap(),
        6765
    );
    let args = [Val::I32(1), Val::I32(10)];
    assert_eq!(call(&mut store, &instance, "indirect", &args).unwrap(), 55);
    assert_eq!(
        call(&mut store, &instance, "load", &[Val::I32(16)]).unwrap(),
        b'a' as i32
    );
    assert_eq!(call(&mut store, &instance, "bump", &[]).unwrap(), 8);
    assert_eq!(
        call(&mut store, &instance, "catch", &[Val::I32(5)]).unwrap(),
        5
    );
    // A trap at a registered trap site, with its backtrace.
    let err = call(&mut store, &instance, "load", &[Val::I32(70_000)]).unwrap_err();
    let trap = err.as_trap().expect("a trap");
    assert_eq!(trap.code(), TrapCode::MemoryOutOfBounds);
    assert!(!trap.backtrace().is_empty(), "the trap has a backtrace");
    let err = call(
        &mut store,
        &instance,
        "indirect",
        &[Val::I32(5), Val::I32(1)],
    )
    .unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::TableOutOfBounds));
}

#[test]
fn a_deserialized_module_runs_as_the_compiled_one() {
    for signals in [true, false] {
        let engine = jit(|c| {
            c.signals_based_traps(signals);
        });
        let module = Module::new(&engine, WAT).unwrap();
        exercise(&engine, &module);
        let artifact = module.serialize().unwrap();
        assert!(Engine::is_precompiled(&artifact));
        assert!(!Engine::is_precompiled(b"\0asm\x01\0\0\0"));
        // SAFETY: Petrel made the artifact just now.
        let loaded = unsafe { Module::deserialize(&engine, &artifact) }.unwrap();
        exercise(&engine, &loaded);
        assert_eq!(
            loaded
                .exports()
                .map(|e| e.name().to_string())
                .collect::<Vec<_>>(),
            module
                .exports()
                .map(|e| e.name().to_string())
                .collect::<Vec<_>>()
        );

        let dir = tempdir();
        let path = dir.join("module.pwasm");
        std::fs::write(&path, &artifact).unwrap();
        // Another engine with the same settings loads it too.
        let other = jit(|c| {
            c.signals_based_traps(signals);
        });
        // SAFETY: as above; nothing writes the file while it is mapped.
        let mapped = unsafe { Module::deserialize_file(&other, &path) }.unwrap();
        exercise(&other, &mapped);
        // Serializing a loaded module gives the same artifact.
        assert_eq!(mapped.serialize().unwrap(), artifact);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn an_artifact_brings_its_stubs_to_a_fresh_engine() {
    // The artifact carries the array trampolines of its exports and the
    // host stubs of its imports; a fresh engine calls through them
    // (without them it would compile its own: the results are the same).
    const WAT: &str = r#"(module
      (import "host" "twice" (func $twice (param i32) (result i32)))
      (import "host" "pair" (func $pair (param i64 f64) (result f64 i64)))
      (func (export "run") (param i32) (result i32)
        (call $twice (call $twice (local.get 0))))
      (func (export "swap") (param i64 f64) (result f64 i64)
        (call $pair (local.get 0) (local.get 1))))"#;
    for signals in [true, false] {
        let settings = |c: &mut Config| {
            c.signals_based_traps(signals);
        };
        let artifact = jit(settings).precompile_module(WAT.as_bytes()).unwrap();
        let fresh = jit(settings);
        // SAFETY: Petrel made it.
        let module = unsafe { Module::deserialize(&fresh, &artifact) }.unwrap();
        let mut linker = petrel::Linker::<()>::new(&fresh);
        linker.func_wrap("host", "twice", |x: i32| x * 2).unwrap();
        linker
            .func_wrap("host", "pair", |a: i64, b: f64| (b + 1.0, a - 1))
            .unwrap();
        let mut store = Store::new(&fresh, ());
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
        assert_eq!(run.call(&mut store, 5).unwrap(), 20);
        let swap = instance
            .get_typed_func::<(i64, f64), (f64, i64)>(&store, "swap")
            .unwrap();
        assert_eq!(swap.call(&mut store, (10, 2.5)).unwrap(), (3.5, 9));
    }
}

#[test]
fn a_module_without_functions_round_trips() {
    let engine = jit(|_| {});
    let module = Module::new(&engine, "(module (memory (export \"m\") 1))").unwrap();
    let artifact = module.serialize().unwrap();
    // SAFETY: Petrel made it.
    let loaded = unsafe { Module::deserialize(&engine, &artifact) }.unwrap();
    let mut store = Store::new(&engine, ());
    Instance::new(&mut store, &loaded, &[]).unwrap();
}

/// The error loading `bytes` gives, which must be an artifact error.
#[track_caller]
fn refused(engine: &Engine, bytes: &[u8]) -> String {
    // SAFETY: the loaders check before they run anything; these bytes are
    // refused before any code is mapped.
    match unsafe { Module::deserialize(engine, bytes) } {
        Err(Error::Artifact(e)) => {
            let text = Error::Artifact(e).to_string();
            assert!(text.contains("recompile"), "{text}");
            text
        }
        Err(other) => panic!("expected an artifact error, got {other}"),
        Ok(_) => panic!("a bad artifact was loaded"),
    }
}

#[test]
fn truncated_damaged_and_foreign_files_are_refused() {
    let engine = jit(|_| {});
    let artifact = Module::new(&engine, WAT).unwrap().serialize().unwrap();

    assert!(refused(&engine, b"").contains("not a Petrel artifact"));
    assert!(refused(&engine, &wat::parse_str(WAT).unwrap()).contains("not a Petrel artifact"));
    assert!(refused(&engine, b"#!/bin/sh\necho hi\n").contains("not a Petrel artifact"));
    for len in [
        8,
        12,
        40,
        79,
        80,
        200,
        artifact.len() / 2,
        artifact.len() - 1,
    ] {
        let text = refused(&engine, &artifact[..len]);
        assert!(
            text.contains("truncated") || text.contains("damaged"),
            "cut at {len}: {text}"
        );
    }
    let mut longer = artifact.clone();
    longer.push(0);
    assert!(refused(&engine, &longer).contains("truncated or extended"));
    // A flipped bit anywhere past the checksum: in the lengths, the header,
    // the module, the metadata, the padding, the code.
    for at in [20, 40, 90, 300, 5_000, 65_546, artifact.len() - 1] {
        let mut damaged = artifact.clone();
        damaged[at] ^= 0x10;
        let text = refused(&engine, &damaged);
        // (Byte 20 is in the length field, so it reads as a truncation.)
        assert!(
            text.contains("damaged") || text.contains("truncated"),
            "byte {at}: {text}"
        );
    }
    let mut other_format = artifact.clone();
    other_format[8] = 99;
    assert!(refused(&engine, &other_format).contains("artifact format 99"));
}

#[test]
fn an_engine_with_other_code_settings_refuses_it() {
    let made = jit(|_| {});
    let artifact = Module::new(&made, WAT).unwrap().serialize().unwrap();
    for (setting, engine) in [
        (
            "consume_fuel",
            jit(|c| {
                c.consume_fuel(true);
            }),
        ),
        (
            "epoch_interruption",
            jit(|c| {
                c.epoch_interruption(true);
            }),
        ),
        (
            "signals_based_traps",
            jit(|c| {
                c.signals_based_traps(false);
            }),
        ),
        (
            "nan_canonicalization",
            jit(|c| {
                c.nan_canonicalization(true);
            }),
        ),
        (
            "wasm-features",
            jit(|c| {
                c.wasm_tail_call(false);
            }),
        ),
    ] {
        let text = refused(&engine, &artifact);
        assert!(text.contains(setting), "{setting}: {text}");
        // A cache keyed by the compatibility hash never hands it over.
        assert_ne!(
            compatibility(&engine),
            compatibility(&made),
            "{setting} changes the compatibility hash"
        );
    }
    // Settings that do not change code do not matter.
    let engine = jit(|c| {
        c.max_call_depth(77).max_memory_pages(3);
    });
    // SAFETY: Petrel made it.
    unsafe { Module::deserialize(&engine, &artifact) }.unwrap();
    assert_eq!(compatibility(&engine), compatibility(&made));
}

/// `engine`'s `precompile_compatibility_hash`, hashed.
fn compatibility(engine: &Engine) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut hasher = DefaultHasher::new();
    engine
        .precompile_compatibility_hash()
        .expect("a JIT engine has one")
        .hash(&mut hasher);
    hasher.finish()
}

#[test]
fn the_interpreter_neither_makes_nor_loads_artifacts() {
    let interp = engine_with(|c| {
        c.tier(Tier::Interpreter);
    });
    let module = Module::new(&interp, WAT).unwrap();
    assert!(matches!(module.serialize(), Err(Error::Usage(_))));
    let artifact = Module::new(&jit(|_| {}), WAT).unwrap().serialize().unwrap();
    // SAFETY: refused before anything runs.
    let err = unsafe { Module::deserialize(&interp, &artifact) }.unwrap_err();
    assert!(err.to_string().contains("Tier::Jit"), "{err}");
    assert!(matches!(
        interp.precompile_compatibility_hash().map(|_| ()),
        Err(Error::Usage(_))
    ));
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let engine = jit(|_| {});
    // SAFETY: there is no file to run.
    let err = unsafe { Module::deserialize_file(&engine, "/nonexistent/x.pwasm") }.unwrap_err();
    assert!(err.to_string().contains("/nonexistent/x.pwasm"), "{err}");
}

/// A fresh directory under the system's temporary directory.
fn tempdir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "petrel-artifacts-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

mod cache {
    use super::{call, engine_with, exercise, jit, tempdir, WAT};
    use petrel::{Engine, Instance, Module, Store, Tier, Val, DEFAULT_COMPILE_CACHE_LIMIT};
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::path::Path;
    use std::time::{Duration, SystemTime};

    fn entries(dir: &Path) -> Vec<std::path::PathBuf> {
        let mut v: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_second_module_new_loads_the_cached_code() {
        let dir = tempdir().join("cache");
        let engine = jit(|c| {
            c.compile_cache(&dir, petrel::DEFAULT_COMPILE_CACHE_LIMIT);
        });
        let module = Module::new(&engine, WAT).unwrap();
        exercise(&engine, &module);
        let files = entries(&dir);
        assert_eq!(files.len(), 1, "one entry: {files:?}");
        let entry = &files[0];
        let mode = std::fs::metadata(&dir).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o700, "the cache directory is private");
        // Make the entry look old; a hit marks it used and does not rewrite
        // it (same inode), a miss would rename a new file into place.
        let file = std::fs::File::options().write(true).open(entry).unwrap();
        let old = SystemTime::now() - Duration::from_secs(3600);
        file.set_modified(old).unwrap();
        let inode = std::fs::metadata(entry).unwrap().ino();

        let engine2 = jit(|c| {
            c.compile_cache(&dir, petrel::DEFAULT_COMPILE_CACHE_LIMIT);
        });
        let again = Module::new(&engine2, WAT).unwrap();
        exercise(&engine2, &again);
        let meta = std::fs::metadata(entry).unwrap();
        assert_eq!(meta.ino(), inode, "the entry was loaded, not rewritten");
        assert!(meta.modified().unwrap() > old + Duration::from_secs(1800));
        assert_eq!(entries(&dir).len(), 1);

        // Other code-changing settings are another entry.
        let fuel = jit(|c| {
            c.compile_cache(&dir, petrel::DEFAULT_COMPILE_CACHE_LIMIT)
                .consume_fuel(true);
        });
        Module::new(&fuel, WAT).unwrap();
        assert_eq!(entries(&dir).len(), 2);
        std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_damaged_entry_is_compiled_again_and_replaced() {
        let dir = tempdir().join("cache");
        let engine = jit(|c| {
            c.compile_cache(&dir, petrel::DEFAULT_COMPILE_CACHE_LIMIT);
        });
        let good = Module::new(&engine, WAT).unwrap().serialize().unwrap();
        let entry = entries(&dir).remove(0);
        for damage in [&good[..100], b"garbage".as_slice(), &[]] {
            std::fs::write(&entry, damage).unwrap();
            let module = Module::new(&engine, WAT).unwrap();
            exercise(&engine, &module);
            assert_eq!(
                std::fs::read(&entry).unwrap(),
                good,
                "the entry was replaced"
            );
        }
        std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }

    #[test]
    fn the_least_recently_used_entries_go_past_the_limit() {
        let dir = tempdir().join("cache");
        let size = {
            let engine = jit(|_| {});
            Module::new(&engine, WAT)
                .unwrap()
                .serialize()
                .unwrap()
                .len() as u64
        };
        // Room for one entry of this size and a bit.
        let engine = jit(|c| {
            c.compile_cache(&dir, size + size / 2);
        });
        Module::new(&engine, WAT).unwrap();
        let first = entries(&dir);
        let old = SystemTime::now() - Duration::from_secs(60);
        let file = std::fs::File::options()
            .write(true)
            .open(&first[0])
            .unwrap();
        file.set_modified(old).unwrap();
        let other = WAT.replace("i32.const 7", "i32.const 8");
        Module::new(&engine, &other).unwrap();
        let now = entries(&dir);
        assert_eq!(now.len(), 1, "{now:?}");
        assert_ne!(now, first, "the older entry went");
        std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_directory_others_may_write_is_not_used() {
        let dir = tempdir().join("cache");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        let engine = jit(|c| {
            c.compile_cache(&dir, petrel::DEFAULT_COMPILE_CACHE_LIMIT);
        });
        let module = Module::new(&engine, WAT).unwrap();
        exercise(&engine, &module);
        assert!(entries(&dir).is_empty(), "nothing was cached");
        std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }

    #[test]
    fn tier_up_keeps_its_code_in_the_cache_and_loads_it_next_time() {
        let dir = tempdir().join("cache");
        let auto = |threshold: u32| {
            engine_with(|c| {
                c.tier(Tier::Auto)
                    .tier_up_per_function(false)
                    .tier_up_threshold(threshold)
                    .tier_up_in_background(false)
                    .compile_cache(&dir, DEFAULT_COMPILE_CACHE_LIMIT);
            })
        };
        // Whether the store moved to compiled code.
        let run = |engine: &Engine| {
            let module = Module::new(engine, WAT).unwrap();
            exercise(engine, &module);
            let mut store = Store::new(engine, ());
            let instance = Instance::new(&mut store, &module, &[]).unwrap();
            assert_eq!(
                call(&mut store, &instance, "fib", &[Val::I32(15)]).unwrap(),
                610
            );
            store.tier_up_stats().compiled
        };
        // A module that never gets hot is not compiled, nor cached.
        assert!(!run(&auto(u32::MAX)));
        assert!(!dir.exists() || entries(&dir).is_empty());

        assert!(run(&auto(1)));
        let files = entries(&dir);
        assert_eq!(files.len(), 1, "one entry: {files:?}");
        let entry = &files[0];
        let file = std::fs::File::options().write(true).open(entry).unwrap();
        let old = SystemTime::now() - Duration::from_secs(3600);
        file.set_modified(old).unwrap();
        let inode = std::fs::metadata(entry).unwrap().ino();

        // Another engine's tier-up loads it rather than compiling.
        assert!(run(&auto(1)));
        let meta = std::fs::metadata(entry).unwrap();
        assert_eq!(meta.ino(), inode, "the entry was loaded, not rewritten");
        assert!(meta.modified().unwrap() > old + Duration::from_secs(1800));

        // It is the entry of the JIT tier with the same settings (relaxed
        // SIMD deterministic, as it always is under `Auto`).
        let engine = jit(|c| {
            c.compile_cache(&dir, DEFAULT_COMPILE_CACHE_LIMIT)
                .relaxed_simd_deterministic(true);
        });
        exercise(&engine, &Module::new(&engine, WAT).unwrap());
        assert_eq!(entries(&dir), files);
        assert_eq!(std::fs::metadata(entry).unwrap().ino(), inode);

        // Per function, the first hot function gets the whole module's
        // code from the entry; nothing is written.
        let per_function = |threshold: u32| {
            engine_with(|c| {
                c.tier(Tier::Auto)
                    .tier_up_per_function(true)
                    .tier_up_threshold(threshold)
                    .tier_up_in_background(false)
                    .compile_cache(&dir, DEFAULT_COMPILE_CACHE_LIMIT);
            })
        };
        let engine = per_function(1);
        let module = Module::new(&engine, WAT).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        assert_eq!(
            call(&mut store, &instance, "double", &[Val::I32(4)]).unwrap(),
            8
        );
        let all = store.tier_up_stats().functions_compiled;
        assert!(all > 2, "every function, from the entry: {all}");
        assert_eq!(
            call(&mut store, &instance, "fib", &[Val::I32(15)]).unwrap(),
            610
        );
        assert_eq!(entries(&dir), files);
        assert_eq!(std::fs::metadata(entry).unwrap().ino(), inode);
        // Without an entry, only what is hot.
        std::fs::remove_file(entry).unwrap();
        let engine = per_function(1);
        let module = Module::new(&engine, WAT).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        call(&mut store, &instance, "double", &[Val::I32(4)]).unwrap();
        assert_eq!(store.tier_up_stats().functions_compiled, 1);
        assert!(entries(&dir).is_empty(), "per function writes no entry");

        // A damaged entry: tier-up compiles, and the entry is replaced.
        assert!(run(&auto(1)));
        let entry = &entries(&dir)[0];
        std::fs::write(entry, b"garbage").unwrap();
        assert!(run(&auto(1)));
        assert_ne!(std::fs::read(entry).unwrap(), b"garbage");
        assert_eq!(entries(&dir).len(), 1);
        // Per function, it is ignored.
        std::fs::write(entry, b"garbage").unwrap();
        let engine = per_function(1);
        let module = Module::new(&engine, WAT).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        call(&mut store, &instance, "double", &[Val::I32(4)]).unwrap();
        assert_eq!(store.tier_up_stats().functions_compiled, 1);
        std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }
}
