//! A closed standard output — `hallq report … | head`, `hallq export | less`
//! quit early: the command stops writing and exits quietly with status 0,
//! with no panic, no backtrace and no error line, as `cat` would.

use std::process::Output;

use hallq_e2e::Hall;

const RANGE: [&str; 4] = ["--from", "2026-01-05", "--to", "2026-01-11"];

/// A demo hall with two weeks of traffic: its exchange file is several times
/// a pipe's 64 KiB buffer, so an export is still writing when the reader
/// leaves.
fn two_weeks_of_traffic() -> Hall {
    let hall = Hall::new();
    hall.ok(&["demo", "--days", "14", "--seed", "3", "--start", "2026-01-05"]);
    hall
}

fn assert_quiet_success(args: &[&str], out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "`hallq {}` panicked on a closed pipe:\n{stderr}",
        args.join(" ")
    );
    assert!(!stderr.contains("错误 / error"), "`hallq {}` called a closed pipe an error:\n{stderr}", args.join(" "));
    assert_eq!(out.status.code(), Some(0), "`hallq {}` on a closed pipe: {}\n{stderr}", args.join(" "), out.status);
}

#[test]
fn an_export_whose_reader_leaves_after_a_few_bytes_ends_quietly() {
    let hall = two_weeks_of_traffic();
    let whole = hall.run(&["export"]);
    assert!(whole.status.success(), "{}", String::from_utf8_lossy(&whole.stderr));
    assert!(
        whole.stdout.len() > 4 * 65_536,
        "the export is only {} bytes: too small to fill the pipe",
        whole.stdout.len()
    );

    let (out, head) = hall.run_into_closed_pipe(&["export"], 16);
    // The gzip header (magic, method, flags, no mtime, level, OS) is the
    // same in every export; what follows is not: the header line inside
    // holds the moment of the export (`exported_at`).
    assert_eq!(head.len(), 16, "the reader got its 16 bytes");
    assert_eq!(head[..10], whole.stdout[..10], "the first bytes are an export's gzip header");
    assert_quiet_success(&["export"], &out);
}

#[test]
fn reports_and_status_into_a_closed_pipe_end_quietly() {
    let hall = two_weeks_of_traffic();
    let commands: [&[&str]; 5] = [
        &[&["report", "--by", "day"][..], &RANGE].concat(),
        &[&["report", "--by", "hour", "--format", "json"][..], &RANGE].concat(),
        &[&["report", "--by", "staff", "--format", "csv"][..], &RANGE].concat(),
        &["staffing", "--from", "2026-01-05", "--to", "2026-01-11"],
        &["status"],
    ];
    for args in commands {
        // Closed before the first write: every write the command makes fails.
        let (out, _) = hall.run_into_closed_pipe(args, 0);
        assert_quiet_success(args, &out);
    }
}
