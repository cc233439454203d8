//! The engine's layering, checked: every `crate::` (and `$crate::`) path
//! and every `super::` chain that climbs to the crate root in
//! `engine/src` names only a module the file's own layer may use. Arrows
//! point down only: `api` -> `interp`, `jit` -> `runtime` -> `module` ->
//! `types`, `config`, `error`, `semantics`, `sys`; the two tiers never
//! name each other, and of `api/` only `api/backend.rs` (the tier seam)
//! names a tier. There is no exceptions list: a new arrow is a change to
//! `LAYERS` below and to `docs/ARCHITECTURE.md`, made on purpose.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Each top-level module and the modules it may name. The crate root
/// (`lib.rs`) may name anything.
const LAYERS: &[(&str, &[&str])] = &[
    ("config", &[]),
    ("error", &[]),
    ("sync", &[]),
    ("sys", &[]),
    ("types", &["sync"]),
    ("semantics", &["error"]),
    ("module", &["types", "config", "error", "sync"]),
    (
        "runtime",
        &[
            "module",
            "types",
            "config",
            "error",
            "semantics",
            "sync",
            "sys",
        ],
    ),
    (
        "interp",
        &[
            "runtime",
            "module",
            "types",
            "config",
            "error",
            "semantics",
            "sync",
        ],
    ),
    (
        "jit",
        &[
            "runtime",
            "module",
            "types",
            "config",
            "error",
            "semantics",
            "sys",
        ],
    ),
    (
        "api",
        &[
            "runtime",
            "module",
            "types",
            "config",
            "error",
            "semantics",
            "sync",
        ],
    ),
];

/// Names the crate root re-exports from a module other than `api` (the
/// root's `pub use` lines); any other name used through `crate::Name` is
/// taken to be the public API's.
const ROOT_EXPORTS: &[(&str, &str)] = &[
    ("Config", "config"),
    ("Tier", "config"),
    ("CompileError", "error"),
    ("Error", "error"),
    ("FrameInfo", "error"),
    ("LinkError", "error"),
    ("LinkErrorKind", "error"),
    ("Result", "error"),
    ("Trap", "error"),
    ("TrapCode", "error"),
];

/// The one file of `api/` that may name the tiers.
const TIER_SEAM: &str = "api/backend.rs";
const TIERS: &[&str] = &["interp", "jit"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("engine/src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without comments (line, doc and block comments) and without
/// the contents of string literals, so prose never counts as a path.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

/// The module path of a file (`runtime/vm/mod.rs` is `[runtime, vm]`).
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_string());
    }
    parts
}

/// Every top-level module a file names: through `crate::` or `$crate::`,
/// or through a `super::` chain that climbs to the crate root.
fn named_modules(code: &str, path: &[String]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in code.match_indices("crate::") {
        let before = code[..i].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        found.insert(ident(&code[i + "crate::".len()..]));
    }
    for (i, _) in code.match_indices("super::") {
        let before = code[..i].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let mut depth = path.len();
        let mut rest = &code[i..];
        while let Some(r) = rest.strip_prefix("super::") {
            depth = depth.saturating_sub(1);
            rest = r;
        }
        if depth == 0 {
            found.insert(ident(rest));
        }
    }
    found.retain(|m| !m.is_empty());
    // `crate::Name`: something the root re-exports.
    found
        .into_iter()
        .map(|m| {
            if m.starts_with(|c: char| c.is_ascii_uppercase()) {
                ROOT_EXPORTS
                    .iter()
                    .find(|(name, _)| *name == m)
                    .map_or("api", |(_, module)| module)
                    .to_string()
            } else {
                m
            }
        })
        .collect()
}

#[test]
fn lower_layers_never_name_higher_ones() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(files.len() > 50, "found only {} files", files.len());
    let tops: BTreeSet<&str> = LAYERS.iter().map(|(m, _)| *m).collect();
    let mut violations = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).expect("under src");
        let rel_str = rel.to_string_lossy().replace('\\', "/");
        let path = module_path(rel);
        let Some(top) = path.first() else {
            continue; // lib.rs, the crate root
        };
        let allowed = LAYERS
            .iter()
            .find(|(m, _)| m == top)
            .map(|(_, a)| *a)
            .unwrap_or_else(|| panic!("{rel_str}: `{top}` is not in LAYERS"));
        let code = code_only(&std::fs::read_to_string(file).expect("readable"));
        for named in named_modules(&code, &path) {
            if named == *top || !tops.contains(named.as_str()) {
                continue; // its own layer, or not one of the engine's modules
            }
            let seam = rel_str == TIER_SEAM && TIERS.contains(&named.as_str());
            if !allowed.contains(&named.as_str()) && !seam {
                violations.push(format!("{rel_str} names `{named}`"));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "imports that break the layering (see docs/ARCHITECTURE.md):\n  {}",
        violations.join("\n  ")
    );
}

#[test]
fn the_checker_sees_paths_and_super_chains() {
    let path = vec!["runtime".to_string(), "vm".to_string()];
    let code = code_only(
        "use crate::api::Engine; // crate::jit\nuse super::super::interp::X;\nlet s = \"crate::sys\";",
    );
    let named = named_modules(&code, &path);
    assert!(named.contains("api"));
    assert!(named.contains("interp"), "{named:?} in {code:?}");
    assert!(!named.contains("jit"), "comments do not count");
    assert!(!named.contains("sys"), "strings do not count");
    let named = named_modules("let e: crate::Engine; let t: crate::TrapCode;", &path);
    assert!(
        named.contains("api"),
        "root re-exports of the API count as the API"
    );
    assert!(named.contains("error"));
}
