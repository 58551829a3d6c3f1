//! Reading a ticket job back: the inverse of [`crate::render`], for checking
//! what a printer received (every test that looks at printed bytes uses it).
//!
//! It knows only the commands a ticket may contain and refuses anything else,
//! so a stray control byte or an unexpected command in a job is an error, not
//! something skipped.

use encoding_rs::GB18030;

/// One text line of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The line's text, decoded from GB18030.
    pub text: String,
    /// Printed double size (`GS ! 0x11` in force when the line started).
    pub double: bool,
}

/// What a ticket job holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Job {
    /// The text lines in print order (empty feeds left out).
    pub lines: Vec<Line>,
    /// The job starts with `ESC @`.
    pub starts_with_init: bool,
    /// Byte offset of the first `FS &` (Chinese mode).
    pub chinese_mode_at: Option<usize>,
    /// Byte offset of the first non-ASCII text byte.
    pub first_chinese_at: Option<usize>,
    /// QR functions seen, in order (0x41 model, 0x43 size, 0x45 level,
    /// 0x50 store, 0x51 print).
    pub qr_functions: Vec<u8>,
    /// The QR code's stored payload.
    pub qr_payload: Option<Vec<u8>>,
    /// Byte offset just past the last cut.
    pub cut_end: Option<usize>,
    /// The job's length in bytes.
    pub len: usize,
}

impl Job {
    /// The lines' texts.
    pub fn texts(&self) -> Vec<&str> {
        self.lines.iter().map(|l| l.text.as_str()).collect()
    }

    /// The QR payload as text (a URL), if there is one and it is UTF-8.
    pub fn qr_text(&self) -> Option<&str> {
        self.qr_payload.as_deref().and_then(|p| std::str::from_utf8(p).ok())
    }

    /// `ESC @` first, and Chinese mode on before any Chinese text.
    pub fn chinese_mode_first(&self) -> bool {
        self.starts_with_init
            && match (self.chinese_mode_at, self.first_chinese_at) {
                (Some(fs), Some(text)) => fs < text,
                (Some(_), None) => true,
                (None, _) => false,
            }
    }

    /// The job ends with a cut (nothing printed after it).
    pub fn ends_with_cut(&self) -> bool {
        self.cut_end == Some(self.len)
    }
}

/// Reads one job; `Err` names the first byte a ticket should not contain.
pub fn read_job(bytes: &[u8]) -> Result<Job, String> {
    let at = |i: usize| bytes.get(i).copied().ok_or_else(|| format!("job cut short at byte {i}"));
    let mut job = Job { starts_with_init: bytes.starts_with(&[0x1B, 0x40]), len: bytes.len(), ..Job::default() };
    let (mut text, mut double, mut line_double, mut i) = (Vec::new(), false, false, 0);
    while i < bytes.len() {
        match bytes[i] {
            0x1B => match at(i + 1)? {
                0x40 => i += 2,
                0x61 | 0x64 => i += 3,
                other => return Err(format!("unexpected ESC {other:#x} at byte {i}")),
            },
            0x1C => {
                if at(i + 1)? != 0x26 {
                    return Err(format!("unexpected FS command at byte {i}"));
                }
                job.chinese_mode_at.get_or_insert(i);
                i += 2;
            }
            0x1D => match at(i + 1)? {
                0x21 => {
                    double = at(i + 2)? == 0x11;
                    i += 3;
                }
                0x56 => {
                    i += if at(i + 2)? >= 0x41 { 4 } else { 3 };
                    job.cut_end = Some(i);
                }
                0x28 => {
                    if at(i + 2)? != 0x6B {
                        return Err(format!("only GS ( k expected at byte {i}"));
                    }
                    let len = usize::from(at(i + 3)?) + 256 * usize::from(at(i + 4)?);
                    let body =
                        bytes.get(i + 5..i + 5 + len).ok_or_else(|| format!("QR command cut short at byte {i}"))?;
                    if body.first() != Some(&0x31) || body.len() < 2 {
                        return Err(format!("not a QR code function at byte {i}"));
                    }
                    job.qr_functions.push(body[1]);
                    if body[1] == 0x50 {
                        job.qr_payload = Some(body.get(3..).unwrap_or_default().to_vec());
                    }
                    i += 5 + len;
                }
                other => return Err(format!("unexpected GS {other:#x} at byte {i}")),
            },
            0x0A => {
                let (line, _, bad) = GB18030.decode(&text);
                if bad {
                    return Err(format!("text before byte {i} is not GB18030"));
                }
                if !text.is_empty() {
                    job.lines.push(Line { text: line.into_owned(), double: line_double });
                }
                text.clear();
                i += 1;
            }
            b if b < 0x20 => return Err(format!("stray control byte {b:#x} at byte {i}")),
            b => {
                if text.is_empty() {
                    line_double = double;
                }
                if b >= 0x80 {
                    job.first_chinese_at.get_or_insert(i);
                }
                text.push(b);
                i += 1;
            }
        }
    }
    if !text.is_empty() {
        return Err("text left without a line feed".to_owned());
    }
    Ok(job)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Paper, TicketPrint, render};

    #[test]
    fn a_rendered_ticket_reads_back() {
        let ticket = TicketPrint {
            hall_name: "城东营业厅".to_owned(),
            service_name: "交费".to_owned(),
            number: "A001".to_owned(),
            people_ahead: 0,
            estimated_wait_minutes: None,
            issued_at: "2026-11-27 09:00".to_owned(),
            ticket_url: "http://192.168.1.2:7070/t/x".to_owned(),
            notice: "谢谢".to_owned(),
        };
        let job = read_job(&render(&ticket, Paper::Mm58)).unwrap();
        assert_eq!(job.texts()[..3], ["城东营业厅", "交费", "A001"]);
        assert!(job.lines[2].double && !job.lines[0].double);
        assert_eq!(job.qr_text(), Some("http://192.168.1.2:7070/t/x"));
        assert!(job.chinese_mode_first() && job.ends_with_cut());
    }

    #[test]
    fn anything_a_ticket_should_not_contain_is_refused() {
        assert!(read_job(&[0x1B, 0x40, 0x07, 0x0A]).unwrap_err().contains("stray control byte"));
        assert!(read_job(&[0x1B, 0x45, 0x01]).unwrap_err().contains("unexpected ESC"));
        assert!(read_job(&[0x1D, 0x28, 0x6B, 0x09, 0x00, 0x31]).unwrap_err().contains("cut short"));
        assert!(read_job(b"A001").unwrap_err().contains("without a line feed"));
        assert!(read_job(&[0x1D]).unwrap_err().contains("cut short"));
    }
}
