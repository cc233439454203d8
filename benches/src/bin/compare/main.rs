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
use report::Report;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod report;

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
