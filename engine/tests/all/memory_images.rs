//! Copy-on-write memory images: a module whose data segments are large
//! enough maps them into each new instance instead of copying them (where
//! memories are reservations: the interpreter, and the JIT with guard
//! pages; the JIT with explicit checks copies). Whichever happens, every
//! instance sees exactly the data the spec says, and nothing one instance
//! writes reaches another, live at the same time or reusing its slot.

use crate::every_tier;
use petrel::{Engine, Instance, InstanceAllocationStrategy, Module, Store};

/// A module with two overlapping 40 KiB segments at unaligned offsets in
/// its second and third pages (so its image does not start at zero), and
/// functions to read, write and grow its memory.
fn wat() -> String {
    let a = "a".repeat(40 << 10);
    let b = "b".repeat(40 << 10);
    format!(
        r#"(module
          (memory (export "m") 4)
          (data (i32.const 70000) "{a}")
          (data (i32.const 100000) "{b}")
          (func (export "get") (param i32) (result i32) (i32.load8_u (local.get 0)))
          (func (export "set") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#
    )
}

struct Probe {
    store: Store<()>,
    instance: Instance,
}

impl Probe {
    fn new(engine: &Engine, module: &Module) -> Self {
        let mut store = Store::new(engine, ());
        let instance = Instance::new(&mut store, module, &[]).unwrap();
        Self { store, instance }
    }

    fn get(&mut self, at: i32) -> u8 {
        let f = self
            .instance
            .get_typed_func::<i32, i32>(&self.store, "get")
            .unwrap();
        f.call(&mut self.store, at).unwrap() as u8
    }

    fn set(&mut self, at: i32, v: u8) {
        let f = self
            .instance
            .get_typed_func::<(i32, i32), ()>(&self.store, "set")
            .unwrap();
        f.call(&mut self.store, (at, v as i32)).unwrap();
    }

    fn grow(&mut self, pages: i32) -> i32 {
        let f = self
            .instance
            .get_typed_func::<i32, i32>(&self.store, "grow")
            .unwrap();
        f.call(&mut self.store, pages).unwrap()
    }

    /// The whole memory, as the host sees it.
    fn bytes(&self) -> Vec<u8> {
        let m = self.instance.get_memory(&self.store, "m").unwrap();
        m.data(&self.store).to_vec()
    }
}

/// What the memory must hold after instantiation.
fn expected() -> Vec<u8> {
    let mut m = vec![0u8; 4 << 16];
    m[70_000..70_000 + (40 << 10)].fill(b'a');
    m[100_000..100_000 + (40 << 10)].fill(b'b');
    m
}

#[test]
fn every_instance_sees_the_data_and_only_its_own_writes() {
    for (tier, engine) in every_tier(|_| {}) {
        let module = Module::new(&engine, wat()).unwrap();
        let mut first = Probe::new(&engine, &module);
        assert!(first.bytes() == expected(), "{tier}: the data is in place");
        if tier != "jit-explicit" && cfg!(target_os = "linux") {
            // Reservations map the image rather than copying it.
            let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
            assert!(
                maps.contains("memfd:petrel-memory-image"),
                "{tier}: the image is mapped"
            );
        }
        // Writes inside and outside the image, then a second instance
        // alive at the same time.
        first.set(70_000, b'x');
        first.set(100_000 + (40 << 10) - 1, b'y');
        first.set(5, b'z');
        let mut second = Probe::new(&engine, &module);
        assert!(
            second.bytes() == expected(),
            "{tier}: no write crossed over"
        );
        assert_eq!(first.get(70_000), b'x', "{tier}");
        assert_eq!(first.get(5), b'z', "{tier}");
        // Growing keeps the data, and the new pages read as zero.
        assert_eq!(second.grow(2), 4, "{tier}");
        second.set(5 << 16, 1);
        let mut grown = expected();
        grown.resize(6 << 16, 0);
        grown[5 << 16] = 1;
        assert!(second.bytes() == grown, "{tier}: grown memory");
        drop(first);
        drop(second);
        let mut third = Probe::new(&engine, &module);
        assert!(
            third.bytes() == expected(),
            "{tier}: after the others dropped"
        );
        assert_eq!(third.get(70_000), b'a');
    }
}

/// A slot that held an imaged memory, reused by a module without data:
/// nothing of the image or of the writes over it survives.
#[test]
fn a_reused_slot_forgets_the_image() {
    for (tier, engine) in every_tier(|c| {
        c.allocation_strategy(InstanceAllocationStrategy::pooling());
    }) {
        let imaged = Module::new(&engine, wat()).unwrap();
        let plain = Module::new(
            &engine,
            r#"(module (memory (export "m") 4)
                 (func (export "get") (param i32) (result i32) (i32.load8_u (local.get 0)))
                 (func (export "set") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
                 (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#,
        )
        .unwrap();
        for _ in 0..3 {
            let mut p = Probe::new(&engine, &imaged);
            assert!(p.bytes() == expected(), "{tier}");
            p.set(70_001, b'w');
            drop(p);
            let p = Probe::new(&engine, &plain);
            assert!(
                p.bytes().iter().all(|&b| b == 0),
                "{tier}: a plain memory in a reused slot is all zero"
            );
        }
    }
}

/// Segments an image cannot hold (an offset from a global, one past the
/// initial size) are applied as the spec says, traps included.
#[test]
fn segments_without_an_image_still_apply_and_trap() {
    let big = "c".repeat(40 << 10);
    for (tier, engine) in every_tier(|_| {}) {
        let from_global = Module::new(
            &engine,
            format!(
                r#"(module
                  (global $at i32 (i32.const 65536))
                  (memory (export "m") 2)
                  (data (global.get $at) "{big}")
                  (func (export "get") (param i32) (result i32) (i32.load8_u (local.get 0)))
                  (func (export "set") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
                  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#
            ),
        )
        .unwrap();
        let mut p = Probe::new(&engine, &from_global);
        assert_eq!(p.get(65_536), b'c', "{tier}");
        assert_eq!(p.get(65_535), 0, "{tier}");

        let out_of_bounds = Module::new(
            &engine,
            format!(
                r#"(module (memory 1)
                  (data (i32.const 0) "{big}")
                  (data (i32.const 65000) "{big}"))"#
            ),
        )
        .unwrap();
        let mut store = Store::new(&engine, ());
        let err = Instance::new(&mut store, &out_of_bounds, &[])
            .err()
            .unwrap();
        assert_eq!(
            err.trap_code(),
            Some(petrel::TrapCode::MemoryOutOfBounds),
            "{tier}"
        );
    }
}

/// A module loaded from an artifact file maps its images straight from
/// the file (private: guest writes never reach the file).
#[cfg(feature = "jit")]
#[test]
fn an_artifact_file_is_the_image() {
    let engine = Engine::new(petrel::Config::new().tier(petrel::Tier::Jit));
    let module = Module::new(&engine, wat()).unwrap();
    let artifact = module.serialize().unwrap();
    let dir = std::env::temp_dir().join(format!("petrel-images-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("images.cwasm");
    std::fs::write(&path, &artifact).unwrap();
    // SAFETY: Petrel made the artifact just now; nothing writes the file.
    let loaded = unsafe { Module::deserialize_file(&engine, &path) }.unwrap();
    let mut p = Probe::new(&engine, &loaded);
    assert!(p.bytes() == expected());
    // Guard pages (and so images) where the JIT has signal-based traps.
    if cfg!(all(
        target_os = "linux",
        any(
            target_arch = "x86_64",
            target_arch = "aarch64",
            target_arch = "riscv64"
        )
    )) {
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        let name = path.to_string_lossy();
        assert!(
            maps.lines()
                .any(|l| l.contains(" rw-p ") && l.ends_with(name.as_ref())),
            "the image is mapped from the artifact:\n{maps}"
        );
    }
    p.set(70_000, b'q');
    let mut q = Probe::new(&engine, &loaded);
    assert_eq!(q.get(70_000), b'a', "the other instance keeps the data");
    assert_eq!(p.get(70_000), b'q');
    drop((p, q));
    assert!(
        std::fs::read(&path).unwrap() == artifact,
        "the file is untouched"
    );
    // In memory, the same artifact's images are made again (and match).
    // SAFETY: as above.
    let in_memory = unsafe { Module::deserialize(&engine, &artifact) }.unwrap();
    assert!(Probe::new(&engine, &in_memory).bytes() == expected());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A memory that outgrows its reservation (the interpreter reserves 1 MiB
/// for a small memory) moves, with its bytes, image included.
#[test]
fn growing_past_the_reservation_keeps_every_byte() {
    for (tier, engine) in every_tier(|_| {}) {
        let module = Module::new(&engine, wat()).unwrap();
        let mut p = Probe::new(&engine, &module);
        p.set(5, 7);
        // 4 pages to 44 (2.75 MiB), then to 100 (6.25 MiB).
        assert_eq!(p.grow(40), 4, "{tier}");
        p.set(43 << 16, 9);
        assert_eq!(p.grow(56), 44, "{tier}");
        let mut want = expected();
        want.resize(100 << 16, 0);
        want[5] = 7;
        want[43 << 16] = 9;
        assert!(p.bytes() == want, "{tier}: every byte moved");
        p.set((100 << 16) - 1, 3);
        assert_eq!(p.get((100 << 16) - 1), 3, "{tier}");
    }
}
