//! How a failure reaches the user: one bilingual line on stderr,
//! `错误 / error: <zh> / <en>`, and an exit code — 2 when the command line or
//! the request was wrong (bad flag, bad date, unknown service, a command the
//! hall refuses in its current state), 1 when something else failed (a
//! database that cannot be opened, a disk that cannot be written).
//!
//! Nothing here panics or prints a backtrace: bad input is a normal outcome.

use std::fmt;
use std::process::ExitCode;

use hallq_store::StoreError;
use hallq_store::hallq_core::CoreError;

/// Exit code for bad arguments or bad input.
const EXIT_INPUT: u8 = 2;
/// Exit code for every other failure.
const EXIT_FAILURE: u8 = 1;

/// An error the CLI itself raises, in Chinese and English.
#[derive(Debug)]
pub struct CliError {
    input: bool,
    zh: String,
    en: String,
}

impl CliError {
    /// The user asked for something that cannot be done (exit 2).
    pub fn input(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self { input: true, zh: zh.into(), en: en.into() }
    }

    /// Something failed that the user did not get wrong (exit 1).
    pub fn failure(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self { input: false, zh: zh.into(), en: en.into() }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.zh, self.en)
    }
}

impl std::error::Error for CliError {}

/// Store errors whose code means the request was wrong rather than the
/// machine: the hall, staff or PIN named does not exist or does not fit.
fn store_error_is_input(e: &StoreError) -> bool {
    match e {
        StoreError::Core(_) => true,
        other => matches!(
            other.code(),
            "no_database"
                | "no_hall"
                | "unknown_hall"
                | "several_halls"
                | "hall_exists"
                | "bad_pin"
                | "staff_locked"
                | "bad_pairing_code"
                | "unknown_terminal"
                | "bad_idempotency_key"
        ),
    }
}

/// Prints `err` as the bilingual error line and returns its exit code.
pub fn report(err: &anyhow::Error) -> ExitCode {
    let (input, lines) = describe(err);
    let mut text = format!("错误 / error: {}", lines.first().map_or("", String::as_str));
    for cause in lines.iter().skip(1) {
        text.push_str(&format!("\n  原因 / cause: {cause}"));
    }
    eprintln!("{text}");
    ExitCode::from(if input { EXIT_INPUT } else { EXIT_FAILURE })
}

/// Whether `err` is bad input, and its messages from the outermost on.
fn describe(err: &anyhow::Error) -> (bool, Vec<String>) {
    let mut input = None;
    let mut lines = Vec::new();
    for cause in err.chain() {
        // A store or domain error's message already says everything its
        // sources would: the chain ends there.
        let mut last = false;
        let (text, is_input) = if let Some(e) = cause.downcast_ref::<CliError>() {
            (e.to_string(), Some(e.input))
        } else if let Some(e) = cause.downcast_ref::<StoreError>() {
            last = true;
            (format!("{} / {}", e.message_zh(), e.message_en()), Some(store_error_is_input(e)))
        } else if let Some(e) = cause.downcast_ref::<CoreError>() {
            last = true;
            (e.to_string(), Some(true))
        } else {
            (cause.to_string(), None)
        };
        input = input.or(is_input);
        lines.push(text);
        if last {
            break;
        }
    }
    (input.unwrap_or(false), lines)
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        Self { input: store_error_is_input(&e), zh: e.message_zh(), en: e.message_en() }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        Self::failure(format!("文件操作失败：{e}"), format!("file operation failed: {e}"))
    }
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        let (input, lines) = describe(&e);
        // Keep the outermost message bilingual; causes follow in English
        // form as they were (they are for the log and the curious).
        let (zh, en) = match lines.first().and_then(|l| l.split_once(" / ")) {
            Some((zh, en)) => (zh.to_string(), en.to_string()),
            None => (lines.join(": "), lines.join(": ")),
        };
        let rest = lines.iter().skip(1).cloned().collect::<Vec<_>>().join(": ");
        let en = if rest.is_empty() { en } else { format!("{en}: {rest}") };
        Self { input, zh, en }
    }
}

/// Handles a command line clap could not parse: help and version are printed
/// and succeed; anything else is a bilingual error with clap's explanation
/// (which names the bad flag or subcommand) and exit 2.
pub fn clap_exit(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            // Printing help can only fail on a closed stdout; nothing to add then.
            let _ = e.print();
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("错误 / error: 命令行参数有误 / invalid command line");
            let _ = e.print();
            ExitCode::from(EXIT_INPUT)
        }
    }
}
