//! `cargo xtask bench [args]`: setup, then builds `hallq` in release and runs
//! `hallq bench [args]`, passing every argument through unchanged.
//!
//! Benchmarks are only meaningful on an optimised build, hence release; the
//! benchmark itself (what it loads, what it measures) belongs to `hallq bench`.

use std::process::Command;

use crate::workspace::Workspace;
use crate::{run, setup, shell};

/// Runs setup, builds release `hallq` and runs `hallq bench` with `args`.
pub fn run(ws: &Workspace, args: &[String]) -> anyhow::Result<()> {
    setup::run(ws)?;
    let hallq = run::build_release_hallq(ws)?;
    shell::run(Command::new(hallq).arg("bench").args(args))
}
