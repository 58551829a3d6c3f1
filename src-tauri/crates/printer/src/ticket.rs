//! What a printed ticket says, and its rendering as ESC/POS bytes.
//!
//! Rendering is pure: no IO, no clock. Every text line is wrapped to the
//! paper's width counted in display columns (a Chinese character takes two),
//! so nothing is cut off or pushed onto a stray line by the printer itself.

use encoding_rs::GB18030;

use crate::command;

/// What a printed ticket says, as it was at issue, already formatted by the
/// caller. A print job stores exactly this (as JSON, with the `serde`
/// feature) and the API shows it (`TicketPrintDto`, with `openapi`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TicketPrintDto))]
pub struct TicketPrint {
    /// The hall's name, printed first.
    pub hall_name: String,
    /// The service the ticket was taken for.
    pub service_name: String,
    /// The ticket number shown and called, printed double size (e.g. `A023`).
    pub number: String,
    /// Customers waiting before this ticket when it was issued.
    pub people_ahead: u32,
    /// Estimated wait in minutes (rounded up), or `null` when the hall
    /// cannot estimate it.
    pub estimated_wait_minutes: Option<u32>,
    /// The issue time as it should be printed, local `YYYY-MM-DD HH:MM` (the
    /// caller owns the clock).
    pub issued_at: String,
    /// URL of the ticket's live page on the hall LAN, printed as a QR code;
    /// `""` when the hall has no LAN address (then no QR code).
    pub ticket_url: String,
    /// One notice line at the bottom (e.g. "过号请重新取号").
    pub notice: String,
}

/// Thermal paper width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// 58 mm roll: 34 columns, 17 Chinese characters a line.
    Mm58,
    /// 80 mm roll: 48 columns, 24 Chinese characters a line.
    Mm80,
}

impl Paper {
    /// Display columns in one line of normal-size text.
    pub fn columns(self) -> usize {
        match self {
            Paper::Mm58 => 34,
            Paper::Mm80 => 48,
        }
    }

    /// QR module size in dots: smaller on the narrow roll so the code fits.
    fn qr_module_dots(self) -> u8 {
        match self {
            Paper::Mm58 => 4,
            Paper::Mm80 => 6,
        }
    }
}

/// Display width of `text` in printer columns: ASCII takes one, anything else
/// (Chinese characters, full-width punctuation) takes two.
pub fn display_width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    if c.is_ascii() { 1 } else { 2 }
}

/// The text lines of a ticket before the QR code, in print order, wrapped to
/// `columns` (the number line is wrapped to half, since it prints double).
fn header_lines(ticket: &TicketPrint, paper: Paper) -> Vec<String> {
    let cols = paper.columns();
    let mut lines = wrap(&ticket.hall_name, cols);
    lines.extend(wrap(&ticket.service_name, cols));
    lines.extend(wrap(&ticket.number, cols / 2));
    lines.extend(detail_lines(ticket, paper));
    lines
}

/// The people-ahead, wait and issue-time lines, wrapped to the paper.
fn detail_lines(ticket: &TicketPrint, paper: Paper) -> Vec<String> {
    let cols = paper.columns();
    let wait = match ticket.estimated_wait_minutes {
        Some(minutes) => format!("预计等待 约{minutes}分钟 / ~{minutes} min"),
        None => "预计等待 暂无 / unknown".to_owned(),
    };
    let ahead = ticket.people_ahead;
    let mut lines = wrap(&format!("前面还有 {ahead} 人 / {ahead} ahead"), cols);
    lines.extend(wrap(&wait, cols));
    lines.extend(wrap(&format!("取号时间 {}", ticket.issued_at), cols));
    lines
}

/// Every text line of a ticket in print order (the QR code sits between the
/// issue time and the notice).
pub fn text_lines(ticket: &TicketPrint, paper: Paper) -> Vec<String> {
    let mut lines = header_lines(ticket, paper);
    lines.extend(wrap(&ticket.notice, paper.columns()));
    lines
}

/// Renders a ticket as one ESC/POS job: init, Chinese mode, centred hall and
/// service, the number double size, the details, the QR code of the ticket
/// URL, the notice, feed and cut.
pub fn render(ticket: &TicketPrint, paper: Paper) -> Vec<u8> {
    let cols = paper.columns();
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(command::INIT);
    // Many Chinese firmware builds start in single-byte mode; without FS &
    // the GB18030 bytes print as Latin-1 garbage.
    out.extend_from_slice(command::CHINESE_MODE);
    out.extend_from_slice(command::ALIGN_CENTER);
    push_lines(&mut out, &wrap(&ticket.hall_name, cols));
    push_lines(&mut out, &wrap(&ticket.service_name, cols));
    out.extend_from_slice(command::SIZE_DOUBLE);
    push_lines(&mut out, &wrap(&ticket.number, cols / 2));
    out.extend_from_slice(command::SIZE_NORMAL);
    out.extend_from_slice(command::ALIGN_LEFT);
    push_lines(&mut out, &detail_lines(ticket, paper));
    out.extend_from_slice(command::ALIGN_CENTER);
    // No LAN address known (a one-PC station on loopback): no QR code that a
    // phone could not open anyway.
    if !ticket.ticket_url.is_empty() {
        out.extend_from_slice(command::QR_MODEL_2);
        out.extend_from_slice(&command::qr_module_size(paper.qr_module_dots()));
        out.extend_from_slice(command::QR_ERROR_M);
        out.extend_from_slice(&command::qr_store(ticket.ticket_url.as_bytes()));
        out.extend_from_slice(command::QR_PRINT);
        out.push(command::LF);
    }
    push_lines(&mut out, &wrap(&ticket.notice, cols));
    out.extend_from_slice(command::FEED_LINES);
    out.extend_from_slice(command::CUT);
    out
}

fn push_lines(out: &mut Vec<u8>, lines: &[String]) {
    for line in lines {
        // GB18030 encodes every Unicode scalar value, so nothing is replaced.
        let (bytes, _, _) = GB18030.encode(line);
        out.extend_from_slice(&bytes);
        out.push(command::LF);
    }
}

/// Greedy wrap by display width; an English word that overflows moves whole
/// to the next line when the line has a space to break at. Control characters
/// are dropped so the text can never smuggle an ESC/POS command onto paper.
fn wrap(text: &str, columns: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for c in text.chars().filter(|c| !c.is_control()) {
        if display_width(&line) + char_width(c) > columns && !line.is_empty() {
            let carry = match line.rfind(' ') {
                Some(at) if at > 0 && c.is_ascii_alphanumeric() && line[at + 1..].is_ascii() => {
                    let word = line[at + 1..].to_owned();
                    line.truncate(at);
                    word
                }
                _ => String::new(),
            };
            lines.push(std::mem::replace(&mut line, carry));
        }
        if !(line.is_empty() && c == ' ' && !lines.is_empty()) {
            line.push(c);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_counts_chinese_as_two_columns() {
        let text = "国".repeat(30);
        let lines = wrap(&text, Paper::Mm80.columns());
        assert_eq!(lines[0].chars().count(), 24);
        let lines = wrap(&text, Paper::Mm58.columns());
        assert_eq!(lines[0].chars().count(), 17);
        assert!(lines.iter().all(|l| display_width(l) <= 34));
    }

    #[test]
    fn wrap_drops_control_characters() {
        assert_eq!(wrap("A\u{1b}@B\n", 10), vec!["A@B".to_owned()]);
    }

    proptest::proptest! {
        #[test]
        fn wrapped_lines_fit_and_lose_no_visible_character(
            text in "[a-z 国网供电营业厅，。0-9]{0,80}",
            columns in 2usize..50,
        ) {
            let lines = wrap(&text, columns);
            for line in &lines {
                proptest::prop_assert!(display_width(line) <= columns, "{:?}", line);
            }
            let kept: String = lines.concat().chars().filter(|c| *c != ' ').collect();
            let given: String = text.chars().filter(|c| *c != ' ').collect();
            proptest::prop_assert_eq!(kept, given);
        }
    }

    #[test]
    fn wrap_moves_an_overflowing_english_word_whole() {
        assert_eq!(wrap("预计 abc defg", 9), vec!["预计 abc", "defg"]);
    }
}
