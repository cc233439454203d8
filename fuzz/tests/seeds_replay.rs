//! The same results on every ISA: replays every committed seed of the
//! differential target (`fuzz/seeds/differential/`) through its whole check
//! ([`diff::check_input`]: Petrel's interpreter, its JIT and wasmi must
//! agree on this machine), and holds the interpreter's transcript of each
//! (every call's arguments and outcome, traps included, then the exported
//! memories, globals and tables) to the digest recorded on x86-64 in
//! `fuzz/seeds/differential.digests`. Since the JIT agrees with the
//! interpreter on every ISA, and the interpreter's transcript is the
//! x86-64 one, all three tiers give the same results, traps and final
//! memories on x86-64, aarch64 and riscv64 (`scripts/test-cross` runs
//! this test under qemu).
//!
//! After a change to the seeds or to how modules are generated, re-record
//! on x86-64 with `PETREL_BLESS=1 cargo test --test seeds_replay`.

use petrel_fuzz::diff;
use std::collections::BTreeMap;
use std::path::Path;

const DIGESTS: &str = "seeds/differential.digests";

/// Each seed's digest: the transcript's FNV-1a hash, `skipped` for a seed
/// that makes no module to compare, `short` for one too short to make a
/// whole module.
fn digest(data: &[u8]) -> std::thread::Result<String> {
    let data = data.to_vec();
    std::panic::catch_unwind(move || match diff::check_input(&data) {
        Ok(Some(transcript)) => format!("{:016x}", diff::fnv1a(transcript.as_bytes())),
        Ok(None) => "skipped".to_string(),
        Err(_) => "short".to_string(),
    })
}

#[test]
fn committed_seeds_give_the_x86_64_results_on_this_isa() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds: Vec<_> = std::fs::read_dir(root.join("seeds/differential"))
        .expect("fuzz/seeds/differential")
        .map(|e| e.expect("seed entry").path())
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "no committed differential seeds");

    let mut got = BTreeMap::new();
    let mut disagreements = Vec::new();
    for path in &seeds {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("seed names are ASCII")
            .to_string();
        let data = std::fs::read(path).expect("reading a seed");
        match digest(&data) {
            Ok(d) => {
                got.insert(name, d);
            }
            Err(_) => disagreements.push(name),
        }
    }
    assert!(
        disagreements.is_empty(),
        "the engines disagreed on this ISA on seeds {disagreements:?} (the panics above say how)"
    );

    let file = root.join(DIGESTS);
    let render = |m: &BTreeMap<String, String>| {
        let mut text = String::from(
            "# Digests of the interpreter's transcript of each differential seed,\n\
             # recorded on x86-64 (fuzz/tests/seeds_replay.rs).\n",
        );
        for (seed, d) in m {
            text.push_str(&format!("{seed} {d}\n"));
        }
        text
    };
    if std::env::var_os("PETREL_BLESS").is_some() {
        if !cfg!(target_arch = "x86_64") {
            panic!("record the digests on x86-64, the reference ISA");
        }
        std::fs::write(&file, render(&got)).expect("writing the digests");
        return;
    }
    let recorded: BTreeMap<String, String> = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{}: {e}; record with PETREL_BLESS=1", file.display()))
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once(' '))
        .map(|(s, d)| (s.to_string(), d.to_string()))
        .collect();
    let differ: Vec<String> = got
        .iter()
        .filter(|(s, d)| recorded.get(*s) != Some(*d))
        .map(|(s, d)| format!("{s}: {d}, x86-64 recorded {:?}", recorded.get(s)))
        .chain(
            recorded
                .keys()
                .filter(|s| !got.contains_key(*s))
                .map(|s| format!("{s}: recorded but no longer a seed")),
        )
        .collect();
    let compared = got.values().filter(|d| d.len() == 16).count();
    println!(
        "{} seeds, {compared} compared, {} differ",
        got.len(),
        differ.len()
    );
    assert!(
        differ.is_empty(),
        "transcripts differ from x86-64's (re-record with PETREL_BLESS=1 on \
         x86-64 only if the seeds or the module generation changed):\n{}",
        differ.join("\n")
    );
}
