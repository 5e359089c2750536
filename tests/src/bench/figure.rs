//! A benchmark figure and its baseline, the sizes a run uses, timing helpers, and the
//! report (Markdown, SVG, JSON).

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Figure {
    /// What was measured.
    pub name: String,
    /// The measurement.
    pub measured: f64,
    /// What the baseline is.
    pub baseline_name: String,
    /// The baseline, measured in the same run.
    pub baseline: f64,
    /// The unit of both.
    pub unit: String,
    /// measured / baseline for rates, baseline / measured for times and sizes.
    pub ratio: f64,
    /// The target, in words.
    pub target: String,
    /// Whether the target is met.
    pub met: bool,
}

impl Figure {
    /// A rate (per second) against a baseline rate; a profile figure until
    /// [`Figure::target`] says otherwise.
    pub fn rate(name: String, measured: f64, baseline_name: String, baseline: f64) -> Figure {
        Figure {
            name,
            measured,
            baseline_name,
            baseline,
            unit: "per s".into(),
            ratio: measured / baseline,
            target: "profile only".into(),
            met: true,
        }
    }

    /// The target and whether it is met.
    pub fn target(mut self, target: &str, met: bool) -> Figure {
        self.target = target.into();
        self.met = met;
        self
    }

    /// Another unit than per second.
    pub fn unit(mut self, unit: &str) -> Figure {
        self.unit = unit.into();
        self
    }
}

/// How big each benchmark is.
pub struct Sizes {
    /// Time per rate figure.
    pub seconds: Duration,
    /// Requests issued by inkan and by `openssl ca`.
    pub requests: usize,
    /// Requests per `Ca::issue_many` batch.
    pub batch: usize,
    /// Revocations per CRL figure, smallest first.
    pub crl: Vec<usize>,
    /// Entries in the audit chain.
    pub audit: u64,
    /// An executable that measures a CRL's peak memory in a fresh process when run
    /// with `INKAN_BENCH_CRL_MEMORY=<entries>` (see [`crl_memory_child`](super::crl_memory_child)); without one
    /// memory is measured in this process, where freed memory the allocator kept from
    /// earlier benchmarks can hide part of the peak.
    pub isolate: Option<std::path::PathBuf>,
    /// Only the benchmark groups whose name contains this: issuance, hsm, openssl-ca,
    /// signer, relying-party, crl, audit, compile.
    pub only: Option<String>,
}

impl Sizes {
    /// The full benchmark, `seconds` per rate figure.
    pub fn full(seconds: f64) -> Sizes {
        Sizes {
            seconds: Duration::from_secs_f64(seconds),
            requests: 10_000,
            batch: 1_000,
            crl: vec![10_000, 100_000, 1_000_000],
            audit: 1_000_000,
            isolate: None,
            only: None,
        }
    }

    /// Tiny sizes: only checks that every benchmark runs.
    pub fn smoke() -> Sizes {
        Sizes {
            seconds: Duration::from_millis(20),
            requests: 12,
            batch: 5,
            crl: vec![50, 500],
            audit: 1_000,
            isolate: None,
            only: None,
        }
    }
}

/// Runs `f(i)` for at least `time` and `min` iterations; returns operations per second.
pub(super) fn rate(time: Duration, min: u64, mut f: impl FnMut(u64)) -> f64 {
    let start = Instant::now();
    let mut i = 0;
    while i < min || start.elapsed() < time {
        f(i);
        i += 1;
    }
    i as f64 / start.elapsed().as_secs_f64()
}

/// A measured rate and its baseline's, taken in `ROUNDS` alternated rounds of a third
/// of `time` each: on a machine whose speed drifts during a run (other tenants, clock
/// frequency), both see the same drift, where one long baseline run and one long
/// measured run could see different machines. `baseline` returns its rate over the
/// time it is given; `measured` returns how many items it finished and the time it
/// took (it runs at least one unit of work however short the time).
pub(super) fn alternated(
    time: Duration,
    mut baseline: impl FnMut(Duration) -> f64,
    mut measured: impl FnMut(Duration) -> (usize, Duration),
) -> (f64, f64) {
    const ROUNDS: u32 = 3;
    let slice = time / ROUNDS;
    let (mut rates, mut done, mut took) = (0.0, 0usize, Duration::ZERO);
    for _ in 0..ROUNDS {
        rates += baseline(slice);
        let (n, t) = measured(slice);
        done += n;
        took += t;
    }
    (done as f64 / took.as_secs_f64(), rates / f64::from(ROUNDS))
}

/// Seconds `f` takes.
pub(super) fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed().as_secs_f64())
}

pub(super) fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// The report as Markdown: `machine` first, then one row per figure.
pub fn markdown(figures: &[Figure], machine: &str) -> String {
    let mut md = String::from("# inkan benchmarks\n\n");
    let _ = writeln!(md, "{machine}\n");
    md.push_str("| figure | measured | baseline (same run) | ratio | target | met |\n|---|---|---|---|---|---|\n");
    for f in figures {
        let _ = writeln!(
            md,
            "| {} | {:.3} {} | {}: {:.3} {} | {:.3} | {} | {} |",
            f.name,
            f.measured,
            f.unit,
            f.baseline_name,
            f.baseline,
            f.unit,
            f.ratio,
            f.target,
            if f.met { "yes" } else { "**no**" }
        );
    }
    md
}

/// A horizontal bar per figure: its ratio against its baseline (1.0 marked).
pub fn svg(figures: &[Figure]) -> String {
    let (w, row, left) = (860.0, 28.0, 430.0);
    // The axis stops at 2.0 so ratios near 1 stay readable; longer bars are clipped
    // and keep their number.
    let cap = figures.iter().map(|f| f.ratio).fold(1.0, f64::max).min(2.0);
    let max = cap * 1.1;
    let scale = (w - left - 60.0) / max;
    let h = row * figures.len() as f64 + 40.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n"
    );
    for (i, f) in figures.iter().enumerate() {
        let y = 10.0 + row * i as f64;
        let colour = if f.met { "#3a7" } else { "#c44" };
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{left}\" y=\"{}\" width=\"{:.1}\" height=\"{}\" fill=\"{colour}\"/><text x=\"{:.1}\" y=\"{}\">{:.3}</text>",
            left - 8.0,
            y + 15.0,
            f.name.replace('&', "&amp;").replace('<', "&lt;"),
            y + 4.0,
            f.ratio.clamp(0.0, cap) * scale,
            row - 8.0,
            left + f.ratio.clamp(0.0, cap) * scale + 4.0,
            y + 15.0,
            f.ratio
        );
    }
    let one = left + scale;
    let _ = writeln!(
        s,
        "<line x1=\"{one:.1}\" y1=\"4\" x2=\"{one:.1}\" y2=\"{:.1}\" stroke=\"#333\" stroke-dasharray=\"4 3\"/><text x=\"{one:.1}\" y=\"{:.1}\" text-anchor=\"middle\">1.0 = baseline</text>\n</svg>",
        h - 22.0,
        h - 8.0
    );
    s
}

/// Writes report.md, report.json and ratios.svg into `dir`; returns the Markdown.
pub fn write_report(dir: &Path, figures: &[Figure], machine: &str) -> std::io::Result<String> {
    std::fs::create_dir_all(dir)?;
    let md = markdown(figures, machine);
    std::fs::write(dir.join("report.md"), &md)?;
    let json = serde_json::to_string_pretty(figures).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("report.json"), json + "\n")?;
    std::fs::write(dir.join("ratios.svg"), svg(figures))?;
    Ok(md)
}
