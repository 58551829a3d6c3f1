//! What several CLI test modules share: a hall initialised with a known
//! PIN, and the check that an error is the bilingual one-liner.

use hallq_e2e::Hall;

/// The admin PIN the tests set.
pub const PIN: &str = "246810";

/// `hallq init` with the default hall and [`PIN`]; returns its output.
pub fn init(hall: &Hall) -> String {
    hall.ok(&["init", "--non-interactive", "--pin", PIN])
}

/// Asserts that stderr is `错误 / error: <zh> / <en>`: both languages, no
/// panic, no backtrace.
pub fn assert_bilingual(stderr: &str) {
    assert!(stderr.starts_with("错误 / error: "), "not the bilingual error line:\n{stderr}");
    let first = stderr.lines().next().unwrap_or_default();
    let message = first.trim_start_matches("错误 / error: ");
    assert!(message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "no Chinese in the message:\n{stderr}");
    assert!(
        message.contains(" / ") && message.chars().filter(char::is_ascii_alphabetic).count() > 8,
        "no English in the message:\n{stderr}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "a panic is not an error message:\n{stderr}"
    );
}
