//! Codes of halls, services and staff (`T1`, `PAY`, `0001`): short, ASCII,
//! safe in URLs, file names and CSV. One rule in its own small module, so
//! `hall`, `service` and `staff` all depend on it and not on each other.

/// Whether `code` is a valid code: 1–16 ASCII letters, digits, `-` or `_`.
pub(crate) fn valid_code(code: &str) -> bool {
    (1..=16).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::valid_code;

    #[test]
    fn a_code_is_short_ascii_and_safe_in_urls_and_files() {
        for ok in ["T1", "PAY", "0001", "north-hall_2", "ABCDEFGHIJKLMNOP"] {
            assert!(valid_code(ok), "{ok}");
        }
        for bad in ["", "ABCDEFGHIJKLMNOPQ", "营业厅", "a b", "a/b", "a.b", "a\0b"] {
            assert!(!valid_code(bad), "{bad:?}");
        }
    }
}
