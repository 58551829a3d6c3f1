//! The bench's guard: a run's figures compared with a committed baseline
//! (`--baseline FILE`, which `cargo xtask bench` passes by default), every
//! figure more than 20 % worse printed in a clear line. It warns; it never
//! fails the run, because timings move with the machine and its load.
//! `--save-baseline FILE` writes the run's figures as the new baseline.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Load, ReportBench};
use crate::error::CliError;

/// How much worse than the baseline a figure may be before it is called out.
const TOLERANCE: f64 = 0.20;

/// A baseline file.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Baseline {
    /// Where and when the figures were measured.
    note: String,
    /// Figure name → value (ops/s: higher is better; ms and s: lower).
    figures: BTreeMap<String, f64>,
}

/// One measured figure.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Figure {
    name: String,
    value: f64,
}

impl Figure {
    fn new(name: String, value: f64) -> Self {
        Self { name, value }
    }

    /// Rates are better higher; times (ms, s) lower.
    fn higher_is_better(name: &str) -> bool {
        name.ends_with("ops/s")
    }
}

/// Every figure of a run, by a stable name.
pub(super) fn figures(loads: &[Load], http: &[Load], report: Option<&ReportBench>) -> Vec<Figure> {
    let mut out = Vec::new();
    for l in loads.iter().chain(http) {
        let at = format!("{} {} clients", l.what, l.clients);
        out.push(Figure::new(format!("{at} ops/s"), l.per_second));
        out.push(Figure::new(format!("{at} p50 ms"), l.p50_ms));
        out.push(Figure::new(format!("{at} p99 ms"), l.p99_ms));
    }
    if let Some(r) = report {
        let halls = r.halls;
        for (what, s) in [
            ("by hall", r.by_hall_seconds),
            ("by service", r.by_service_seconds),
            ("by staff", r.by_staff_seconds),
            ("by hour", r.by_hour_seconds),
            ("overview", r.overview_seconds),
            ("xlsx of every grouping", r.xlsx_all_groupings_seconds),
        ] {
            out.push(Figure::new(format!("report {halls} halls {what} s"), s));
        }
    }
    out
}

/// Writes the figures as a baseline file.
pub(super) fn save(path: &Path, figures: &[Figure]) -> Result<(), CliError> {
    let baseline = Baseline {
        note: format!(
            "hallq bench {} on {} ({} cores), {}",
            env!("CARGO_PKG_VERSION"),
            std::env::consts::ARCH,
            std::thread::available_parallelism().map_or(0, std::num::NonZero::get),
            chrono::Utc::now().format("%Y-%m-%d")
        ),
        figures: figures.iter().map(|f| (f.name.clone(), f.value)).collect(),
    };
    let text = serde_json::to_string_pretty(&baseline)
        .map_err(|e| CliError::input(format!("无法写基线：{e}"), format!("cannot write the baseline: {e}")))?;
    std::fs::write(path, text + "\n").map_err(|e| {
        CliError::input(
            format!("无法写基线文件 {}：{e}", path.display()),
            format!("cannot write the baseline file {}: {e}", path.display()),
        )
    })
}

/// A figure worse than its baseline by more than the tolerance.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Regression {
    name: String,
    now: f64,
    then: f64,
}

impl Regression {
    /// How much worse, as a fraction (0.25 = 25 % worse).
    fn worse_by(&self) -> f64 {
        if Figure::higher_is_better(&self.name) { 1.0 - self.now / self.then } else { self.now / self.then - 1.0 }
    }
}

impl std::fmt::Display for Regression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "变差 / WORSE than baseline by {:.0} %: {} = {:.3} (baseline {:.3})",
            self.worse_by() * 100.0,
            self.name,
            self.now,
            self.then
        )
    }
}

/// The figures more than [`TOLERANCE`] worse than the baseline's (figures
/// the baseline lacks, or a baseline of zero, are not compared).
pub(super) fn regressions(baseline: &BTreeMap<String, f64>, figures: &[Figure]) -> Vec<Regression> {
    figures
        .iter()
        .filter_map(|f| {
            let then = *baseline.get(&f.name)?;
            let r = Regression { name: f.name.clone(), now: f.value, then };
            (then > 0.0 && r.worse_by() > TOLERANCE).then_some(r)
        })
        .collect()
}

/// Reads a baseline file (before the run, so a bad one is told at once).
pub(super) fn load(path: &Path) -> Result<Baseline, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::input(
            format!("无法读取基线文件 {}：{e}", path.display()),
            format!("cannot read the baseline file {}: {e}", path.display()),
        )
    })?;
    serde_json::from_str(&text).map_err(|e| {
        CliError::input(
            format!("基线文件 {} 格式不对：{e}", path.display()),
            format!("the baseline file {} is not valid: {e}", path.display()),
        )
    })
}

/// Prints how the run compares with the baseline read from `path`.
pub(super) fn compare(path: &Path, baseline: &Baseline, figures: &[Figure]) {
    let worse = regressions(&baseline.figures, figures);
    let compared = figures.iter().filter(|f| baseline.figures.contains_key(&f.name)).count();
    eprintln!();
    eprintln!("与基线比较 / compared with the baseline {} ({}):", path.display(), baseline.note);
    if worse.is_empty() {
        eprintln!("  {compared} 项均未变差超过 20% / none of {compared} figures is more than 20 % worse");
    }
    for r in &worse {
        eprintln!("  {r}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baseline(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
        pairs.iter().map(|(k, v)| ((*k).to_string(), *v)).collect()
    }

    #[test]
    fn a_figure_more_than_a_fifth_worse_is_called_out_in_its_direction() {
        let then = baseline(&[
            ("http_issue 32 clients ops/s", 19_000.0),
            ("http_issue 1 clients p50 ms", 0.5),
            ("issue 1 clients ops/s", 2_000.0),
            ("report 8 halls by hall s", 1.0),
        ]);
        let now = [
            Figure::new("http_issue 32 clients ops/s".into(), 277.0),
            Figure::new("http_issue 1 clients p50 ms".into(), 0.59),
            Figure::new("issue 1 clients ops/s".into(), 2_600.0),
            Figure::new("report 8 halls by hall s".into(), 1.3),
            Figure::new("new figure ops/s".into(), 1.0),
        ];
        let worse = regressions(&then, &now);
        let names: Vec<_> = worse.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["http_issue 32 clients ops/s", "report 8 halls by hall s"]);
        assert!((worse[0].worse_by() - (1.0 - 277.0 / 19_000.0)).abs() < 1e-9);
        assert!(worse[0].to_string().contains("WORSE than baseline by 99 %"), "{}", worse[0]);
    }
}
