//! The C programs (zlib, SQLite, Lua): a driver of ours in
//! `workloads/c-programs/NAME/` linked with a library whose C sources come
//! from the crate that bundles them. Each is built twice with the same
//! flags, by clang for wasm32-wasi (a WASI command) and for the host (the
//! native baseline); there is no import-free variant.
//!
//! The crates are listed, with pinned versions, in
//! `workloads/c-programs/Cargo.toml`, which is never built: `cargo
//! metadata` fetches them (the first time) and says where they are.

use crate::{benches_dir, run_tool, up_to_date, Built, CToolchain, Program, Workload};
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// How one C program is built.
struct CProgram {
    name: &'static str,
    /// The crate that carries the library's sources, and the folder in it.
    krate: &'static str,
    dir: &'static str,
    /// The library's files in that folder; empty for every `.c` file.
    files: &'static [&'static str],
    /// Flags for both targets; `{here}` is the program's own folder.
    flags: &'static [&'static str],
    /// A file of the program's folder compiled in as the bytes
    /// `bench_script` (length `bench_script_len`).
    embed: Option<&'static str>,
}

const PROGRAMS: &[CProgram] = &[
    CProgram {
        name: "zlib",
        krate: "libz-sys",
        dir: "src/zlib",
        files: &[
            "adler32.c",
            "compress.c",
            "crc32.c",
            "deflate.c",
            "infback.c",
            "inffast.c",
            "inflate.c",
            "inftrees.c",
            "trees.c",
            "uncompr.c",
            "zutil.c",
        ],
        flags: &[],
        embed: None,
    },
    CProgram {
        name: "sqlite",
        krate: "libsqlite3-sys",
        dir: "sqlite3",
        files: &["sqlite3.c"],
        // The driver supplies the VFS (SQLITE_OS_OTHER); no threads, no
        // extensions, temporary tables in memory; `long double` is plain
        // `double` on both targets (wasm's is a software 128-bit float), so
        // both format numbers alike.
        flags: &[
            "-DSQLITE_OS_OTHER=1",
            "-DSQLITE_THREADSAFE=0",
            "-DSQLITE_TEMP_STORE=3",
            "-DSQLITE_OMIT_LOAD_EXTENSION",
            "-DSQLITE_DEFAULT_MEMSTATUS=0",
            "-DLONGDOUBLE_TYPE=double",
        ],
        embed: None,
    },
    CProgram {
        name: "lua",
        krate: "lua-src",
        dir: "lua-5.4.8",
        files: &[],
        flags: &["-include", "{here}/config.h", "-I{here}/include"],
        embed: Some("bench.lua"),
    },
];

/// Whether `name` is one of the C programs built here.
#[cfg(test)]
pub(crate) fn is_c_program(name: &str) -> bool {
    PROGRAMS.iter().any(|p| p.name == name)
}

/// The folder of each package `cargo metadata` reports for
/// `workloads/c-programs/Cargo.toml`, by package name.
pub(crate) fn crate_dirs() -> Result<BTreeMap<String, PathBuf>> {
    let manifest = benches_dir().join("workloads/c-programs/Cargo.toml");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(&cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--manifest-path",
        ])
        .arg(&manifest)
        .output()
        .with_context(|| format!("cannot run {cargo}"))?;
    if !output.status.success() {
        bail!(
            "`cargo metadata` for {} failed: {}",
            manifest.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).context("`cargo metadata` printed no JSON")?;
    let mut dirs = BTreeMap::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let (Some(name), Some(path)) =
            (package["name"].as_str(), package["manifest_path"].as_str())
        else {
            continue;
        };
        if let Some(dir) = Path::new(path).parent() {
            dirs.insert(name.to_string(), dir.to_path_buf());
        }
    }
    Ok(dirs)
}

/// Builds one C program's WASI command and native program; what fails is
/// said in `skipped`.
pub(crate) fn build(
    tc: &CToolchain,
    out: &Path,
    w: &'static Workload,
    crates: std::result::Result<&BTreeMap<String, PathBuf>, &String>,
    skipped: &mut Vec<String>,
) -> Built {
    let mut built = Built {
        workload: w,
        kernel: None,
        simd_kernel: None,
        wasi: None,
        native: None,
    };
    let Some(program) = PROGRAMS.iter().find(|p| p.name == w.name) else {
        skipped.push(format!("{}: not a C program", w.name));
        return built;
    };
    let sources = match crates {
        Ok(dirs) => match inputs(program, dirs, out) {
            Ok(sources) => sources,
            Err(err) => {
                skipped.push(format!("{}: {err:#}", w.name));
                return built;
            }
        },
        Err(why) => {
            skipped.push(format!("{}: {why}", w.name));
            return built;
        }
    };
    let here = benches_dir()
        .join("workloads/c-programs")
        .join(program.name);
    let flags: Vec<String> = program
        .flags
        .iter()
        .map(|f| f.replace("{here}", &here.display().to_string()))
        .collect();
    let mut attempt = |what: &str, target: &[&str], libs: &[&str], output: PathBuf| {
        if !up_to_date(&output, &sources.inputs) {
            let mut cmd = Command::new(&tc.clang);
            cmd.args(target)
                .arg("-O2")
                .args(&flags)
                .arg(format!("-I{}", sources.library.display()))
                .args(&sources.compile)
                .args(libs)
                .arg("-o")
                .arg(&output);
            if let Err(err) = run_tool(&mut cmd) {
                skipped.push(format!("{} ({what}): {err:#}", w.name));
                return None;
            }
        }
        Some(Program {
            path: output,
            args: Vec::new(),
            takes_n: true,
        })
    };
    if tc.wasm.is_ok() {
        built.wasi = attempt(
            "WASI command",
            &["--target=wasm32-wasi"],
            &[],
            out.join(format!("{}.wasi.wasm", w.name)),
        );
    }
    if tc.native.is_ok() {
        // wasi-libc has libm in libc; glibc keeps it apart.
        built.native = attempt(
            "native",
            &[],
            &["-lm"],
            out.join(format!("{}.native", w.name)),
        );
    }
    built
}

/// What one program is compiled from.
struct Inputs {
    /// The library's folder (also an include directory).
    library: PathBuf,
    /// The C files on the command line.
    compile: Vec<PathBuf>,
    /// Every file the outputs depend on, for [`up_to_date`].
    inputs: Vec<PathBuf>,
}

fn inputs(program: &CProgram, dirs: &BTreeMap<String, PathBuf>, out: &Path) -> Result<Inputs> {
    let krate = dirs.get(program.krate).with_context(|| {
        format!(
            "`cargo metadata` does not list the crate {} (workloads/c-programs/Cargo.toml)",
            program.krate
        )
    })?;
    let library = krate.join(program.dir);
    let mut files: Vec<PathBuf> = if program.files.is_empty() {
        let entries = std::fs::read_dir(&library)
            .with_context(|| format!("cannot read {}", library.display()))?;
        let mut files = Vec::new();
        for entry in entries {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "c") {
                files.push(path);
            }
        }
        files.sort();
        files
    } else {
        program.files.iter().map(|f| library.join(f)).collect()
    };
    if let Some(missing) = files.iter().find(|f| !f.is_file()) {
        bail!("{} is missing", missing.display());
    }
    let here = benches_dir()
        .join("workloads/c-programs")
        .join(program.name);
    let mut inputs = Vec::new();
    files_under(&here, &mut inputs)?;
    inputs.extend(files.iter().cloned());
    let mut compile = vec![here.join("main.c")];
    compile.append(&mut files);
    if let Some(embed) = program.embed {
        let generated = embedded(&here.join(embed), out, program.name)?;
        inputs.push(generated.clone());
        compile.push(generated);
    }
    Ok(Inputs {
        library,
        compile,
        inputs,
    })
}

/// Every file in `dir` and its subfolders.
fn files_under(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            files_under(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

/// Writes a C file that holds `file`'s bytes as `bench_script` and their
/// count as `bench_script_len` (clang 14 has no `#embed`).
fn embedded(file: &Path, out: &Path, name: &str) -> Result<PathBuf> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut c = String::from("/* Generated by petrel-benches from ");
    c.push_str(&file.display().to_string());
    c.push_str(". */\nconst char bench_script[] = {");
    for (i, b) in bytes.iter().enumerate() {
        if i % 20 == 0 {
            c.push('\n');
        }
        c.push_str(&b.to_string());
        c.push(',');
    }
    c.push_str("0};\nconst unsigned long bench_script_len = ");
    c.push_str(&bytes.len().to_string());
    c.push_str(";\n");
    let path = out.join(format!("{name}-script.c"));
    // Rewritten only when it changes, so the programs stay up to date.
    if std::fs::read_to_string(&path).ok().as_deref() != Some(c.as_str()) {
        std::fs::write(&path, c).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(path)
}
