//! `read-escpos`: a ticket's ESC/POS job (standard input) read back by
//! hallq-printer's `read_job`, printed as one JSON object — the one decoder
//! of printed bytes for every suite: the Rust tests call `read_job`
//! directly, the JavaScript suites (tests/browser/fake-printer.mjs,
//! tests/desktop) run this binary, built beside `hallq`.
//!
//! Output: `{"lines": [{"text", "double"}], "qr": <URL or null>,
//! "chinese_mode_first", "ends_with_cut", "len"}`. A job holding a byte a
//! ticket should not (a stray control byte, an unknown command, text that
//! is not GB18030) is refused: the reason on stderr, exit status 1.

use std::io::Read;
use std::process::ExitCode;

use serde_json::json;

fn main() -> ExitCode {
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
        eprintln!("read-escpos: 无法读取标准输入 / cannot read standard input: {e}");
        return ExitCode::FAILURE;
    }
    match hallq_printer::read_job(&bytes) {
        Ok(job) => {
            let lines: Vec<_> = job.lines.iter().map(|l| json!({ "text": l.text, "double": l.double })).collect();
            let answer = json!({
                "lines": lines,
                "qr": job.qr_text(),
                "chinese_mode_first": job.chinese_mode_first(),
                "ends_with_cut": job.ends_with_cut(),
                "len": job.len,
            });
            println!("{answer}");
            ExitCode::SUCCESS
        }
        Err(why) => {
            eprintln!("read-escpos: 不是有效的号票打印数据 / not a valid ticket job: {why}");
            ExitCode::FAILURE
        }
    }
}
