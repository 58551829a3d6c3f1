//! This PC's own thermal printer (issue 7, contract §5): the kiosk page
//! hands the shell a finished ESC/POS job (rendered by the hall server) and
//! the shell sends it to the printer chosen in the wizard, status first;
//! the wizard's test print; the printer's status for the kiosk page; the
//! device files a kiosk PC offers as suggestions.
//!
//! The shell renders nothing of a real ticket and decides nothing about it:
//! the page reports the outcome to the hall server, which keeps the print
//! job pending until a print succeeds. Every call here blocks (files,
//! sockets, serial ports with timeouts): the commands run it on a blocking
//! thread, one job at a time so two tickets never interleave on the paper.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine;
use hallq_printer::{Paper, PrintError, Printer, PrinterStatus, TicketPrint};
use serde::Serialize;

use crate::config::{DEFAULT_BAUD, LocalPrinter, PrinterKind};

/// How long a printer may take to connect, take the bytes, or answer one
/// status question.
pub const TIMEOUT: Duration = Duration::from_secs(3);

/// The largest job the shell accepts (a ticket is a few kilobytes; a
/// raster logo would still fit).
pub const MAX_JOB_BYTES: usize = 1 << 20;

/// Why a print or status call failed, as the page receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrintFailure {
    /// Stable (`printer_paper_out`, `printer_unreachable`, …), for the page
    /// and the hall server's print job.
    pub code: &'static str,
    /// In Chinese.
    pub message_zh: String,
    /// In English.
    pub message_en: String,
}

impl PrintFailure {
    fn new(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self { code, message_zh: zh.into(), message_en: en.into() }
    }

    /// No printer is set up on this PC.
    pub fn not_configured() -> Self {
        Self::new(
            "printer_not_configured",
            "本机未设置打印机（请在设置向导中选择）",
            "no printer is set up on this PC (choose one in the set-up wizard)",
        )
    }

    /// A silent print of the HTML ticket failed (`html_print`).
    pub fn html(detail: String) -> Self {
        Self::new(
            "printer_html_failed",
            format!("系统打印机未能打印小票：{detail}"),
            format!("the system printer did not print the ticket: {detail}"),
        )
    }

    /// The system printer named (or a default printer) does not exist.
    pub fn no_system_printer() -> Self {
        Self::new(
            "printer_unreachable",
            "找不到系统打印机（请在系统设置中添加打印机，或在设置向导中选择）",
            "no such system printer (add a printer in the system settings, or choose one in the set-up wizard)",
        )
    }

    /// The HTML ticket cannot be printed silently on this system.
    pub fn html_unsupported() -> Self {
        Self::new(
            "printer_html_unsupported",
            "此系统上的桌面程序不能静默打印网页小票：请选择热敏打印机",
            "the desktop app cannot print the HTML ticket silently on this system: choose a thermal printer",
        )
    }

    fn from_print(error: &PrintError) -> Self {
        Self { code: error.code(), message_zh: error.message_zh(), message_en: error.message_en() }
    }
}

impl std::fmt::Display for PrintFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.message_zh, self.message_en)
    }
}

/// The printer's state as the kiosk page reads it (`PrinterStatusDto`'s
/// `state` and messages, contract §2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusAnswer {
    /// `ready`, `paper_near_end`, `paper_out`, `cover_open`, `offline`,
    /// `unknown` (the transport cannot tell, or the printer did not answer)
    /// or `not_checked` (no printer on this PC).
    pub state: &'static str,
    /// In Chinese.
    pub message_zh: String,
    /// In English.
    pub message_en: String,
}

impl StatusAnswer {
    fn new(state: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self { state, message_zh: zh.into(), message_en: en.into() }
    }
}

/// The printer a (validated) setting names; `None` for kind `none`.
pub fn printer_for(setting: &LocalPrinter) -> Option<Printer> {
    let address = setting.address.clone().unwrap_or_default();
    match setting.kind {
        PrinterKind::None | PrinterKind::System => None,
        PrinterKind::Usb => Some(Printer::Device(PathBuf::from(address))),
        PrinterKind::Serial => {
            Some(Printer::Serial { path: address, baud: setting.baud.unwrap_or(DEFAULT_BAUD), timeout: TIMEOUT })
        }
        PrinterKind::Network => Some(Printer::Network { addr: address, timeout: TIMEOUT }),
    }
}

/// The paper width of a (validated) setting.
pub fn paper(setting: &LocalPrinter) -> Paper {
    if setting.paper == 58 { Paper::Mm58 } else { Paper::Mm80 }
}

/// Decodes a job the page sends (standard base64, as the hall server's
/// `/escpos` route gives it).
pub fn decode(bytes_base64: &str) -> Result<Vec<u8>, PrintFailure> {
    let bad = |zh: &str, en: &str| PrintFailure::new("bad_print_data", zh, en);
    if bytes_base64.len() > MAX_JOB_BYTES / 3 * 4 + 4 {
        return Err(bad("打印数据过大", "the print job is too large"));
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(bytes_base64.trim()).map_err(|e| {
        bad(&format!("打印数据不是有效的 base64：{e}"), &format!("the print job is not valid base64: {e}"))
    })?;
    if bytes.is_empty() {
        return Err(bad("打印数据为空", "the print job is empty"));
    }
    Ok(bytes)
}

/// Serialises the jobs sent from this PC: one at a time.
#[derive(Default)]
pub struct PrintLock(Mutex<()>);

/// Sends one job to the printer `setting` names, status first
/// ([`Printer::print`]: refused with `printer_paper_out`,
/// `printer_cover_open` or `printer_offline` when the printer says it cannot
/// print). Blocks; call it on a blocking thread.
pub fn print(lock: &PrintLock, setting: &LocalPrinter, bytes: &[u8]) -> Result<(), PrintFailure> {
    let printer = printer_for(setting).ok_or_else(PrintFailure::not_configured)?;
    let _one_at_a_time = lock.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    printer.print(bytes).map_err(|e| PrintFailure::from_print(&e))
}

/// Asks the printer `setting` names for its state. Blocks.
pub fn status(setting: &LocalPrinter) -> StatusAnswer {
    if setting.kind == PrinterKind::System {
        return StatusAnswer::new(
            "unknown",
            "系统打印机由操作系统管理，打印时才知道结果",
            "the system printer is managed by the operating system; a print shows whether it works",
        );
    }
    let Some(printer) = printer_for(setting) else {
        return StatusAnswer::new("not_checked", "本机未设置打印机", "no printer is set up on this PC");
    };
    status_answer(&printer.target(), printer.status())
}

/// The answer for a status read (or its failure) from `target`.
pub fn status_answer(target: &str, read: Result<PrinterStatus, PrintError>) -> StatusAnswer {
    match read {
        Ok(status) => match status.state() {
            "cover_open" => StatusAnswer::new("cover_open", "打印机盖未合上", "the printer's cover is open"),
            "paper_out" => StatusAnswer::new("paper_out", "打印机缺纸", "the printer is out of paper"),
            "offline" => StatusAnswer::new("offline", "打印机离线", "the printer is offline"),
            "paper_near_end" => {
                StatusAnswer::new("paper_near_end", "打印纸即将用完", "the printer's paper is nearly finished")
            }
            _ => StatusAnswer::new("ready", "打印机就绪", "the printer is ready"),
        },
        Err(error @ PrintError::Connect { .. }) => StatusAnswer::new("offline", error.message_zh(), error.message_en()),
        Err(PrintError::StatusUnsupported { .. }) => StatusAnswer::new(
            "unknown",
            format!("此连接方式无法读取打印机状态（{target}），打印时才知道结果"),
            format!("the status of {target} cannot be read over this connection; a print shows whether it works"),
        ),
        Err(error) => StatusAnswer::new("unknown", error.message_zh(), error.message_en()),
    }
}

/// The wizard's test page: a sample ticket "测试 / TEST" on the chosen
/// paper, with `hall_name` and the time given, no QR code.
pub fn sample_ticket(hall_name: &str, issued_at: &str, paper: Paper) -> Vec<u8> {
    let ticket = TicketPrint {
        hall_name: if hall_name.trim().is_empty() { "HallQ".into() } else { hall_name.trim().into() },
        service_name: "测试打印 Test print".into(),
        number: "TEST".into(),
        people_ahead: 0,
        estimated_wait_minutes: Some(0),
        issued_at: issued_at.into(),
        ticket_url: String::new(),
        notice: "打印机设置正确 / the printer is set up".into(),
    };
    hallq_printer::render(&ticket, paper)
}

/// Device files a kiosk PC offers in the wizard.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Devices {
    /// USB printers (`/dev/usb/lp*` on Linux, `USB001` on Windows).
    pub usb: Vec<String>,
    /// Serial ports (`/dev/ttyUSB*`, `/dev/ttyACM*`, `/dev/ttyS0..3` on Linux;
    /// `COM1..COM9` on Windows).
    pub serial: Vec<String>,
}

/// The printer devices present on this PC, as suggestions (the wizard still
/// accepts any path): the printer crate's [`hallq_printer::device::ports`].
pub fn devices() -> Devices {
    let ports = hallq_printer::device::ports();
    Devices { usb: ports.usb, serial: ports.serial }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    use super::*;

    fn usb(path: &std::path::Path) -> LocalPrinter {
        LocalPrinter { kind: PrinterKind::Usb, address: Some(path.display().to_string()), baud: None, paper: 58 }
    }

    #[test]
    fn a_job_is_decoded_from_base64_and_bad_data_is_refused_in_both_languages() {
        assert_eq!(decode("G0AcJg==").unwrap(), [0x1b, 0x40, 0x1c, 0x26]);
        assert_eq!(decode(" G0AcJg==\n").unwrap(), [0x1b, 0x40, 0x1c, 0x26]);
        for bad in ["", "G0Ac*g==", "%%%", &"A".repeat(MAX_JOB_BYTES * 2)] {
            let e = decode(bad).unwrap_err();
            assert_eq!(e.code, "bad_print_data", "{bad:.20}");
            assert!(!e.message_zh.is_ascii() && e.message_en.is_ascii(), "{e}");
        }
    }

    #[test]
    fn a_job_reaches_a_usb_device_file_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let lp0 = dir.path().join("lp0");
        std::fs::write(&lp0, b"").unwrap();
        let job = decode("G0AcJrLiytQKHVYA").unwrap();
        print(&PrintLock::default(), &usb(&lp0), &job).unwrap();
        assert_eq!(std::fs::read(&lp0).unwrap(), job);
        let (text, _, _) = encoding_rs::GB18030.decode(&job[4..]);
        assert!(text.starts_with("测试"), "{text}");
    }

    #[test]
    fn a_missing_device_or_no_printer_is_a_coded_failure() {
        let dir = tempfile::tempdir().unwrap();
        let e = print(&PrintLock::default(), &usb(&dir.path().join("none").join("lp9")), b"x").unwrap_err();
        assert_eq!(e.code, "printer_unreachable");
        assert!(e.message_zh.contains("lp9") && e.message_en.contains("lp9"), "{e}");
        let e = print(&PrintLock::default(), &LocalPrinter::default(), b"x").unwrap_err();
        assert_eq!(e, PrintFailure::not_configured());
        assert_eq!(status(&LocalPrinter::default()).state, "not_checked");
        assert_eq!(status(&usb(&dir.path().join("lp0"))).state, "unknown");
    }

    /// A port-9100 printer on loopback for one connection: answers every
    /// `DLE EOT 4` with `paper` (and `DLE EOT` 1, 2 with "all fine") and
    /// records the other bytes it is sent.
    fn fake_network_printer(paper: u8) -> (String, std::thread::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let handle = std::thread::spawn(move || {
            let mut received = Vec::new();
            let (mut stream, _) = listener.accept().unwrap();
            stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = stream.read(&mut buf) {
                let mut i = 0;
                while i < n {
                    if i + 2 < n && buf[i] == 0x10 && buf[i + 1] == 0x04 {
                        let answer = if buf[i + 2] == 4 { 0x12 | paper } else { 0x12 };
                        stream.write_all(&[answer]).unwrap();
                        i += 3;
                    } else {
                        received.push(buf[i]);
                        i += 1;
                    }
                }
            }
            received
        });
        (addr, handle)
    }

    #[test]
    fn a_network_printer_out_of_paper_refuses_the_job_and_says_so() {
        let (addr, printer) = fake_network_printer(0x60);
        let setting = LocalPrinter { kind: PrinterKind::Network, address: Some(addr), baud: None, paper: 80 };
        let e = print(&PrintLock::default(), &setting, b"\x1b@ticket").unwrap_err();
        assert_eq!(e.code, "printer_paper_out", "{e}");
        assert!(printer.join().unwrap().is_empty(), "nothing printed");
    }

    #[test]
    fn a_ready_network_printer_gets_the_job() {
        let (addr, printer) = fake_network_printer(0);
        let setting = LocalPrinter { kind: PrinterKind::Network, address: Some(addr), baud: None, paper: 80 };
        print(&PrintLock::default(), &setting, b"\x1b@ticket").unwrap();
        assert_eq!(printer.join().unwrap(), b"\x1b@ticket");
    }

    #[test]
    fn statuses_map_to_the_states_the_kiosk_page_knows() {
        let s = |offline, cover_open, paper_out, paper_near_end| {
            let answer = status_answer("lp0", Ok(PrinterStatus { offline, cover_open, paper_out, paper_near_end }));
            assert!(!answer.message_zh.is_ascii() && answer.message_en.is_ascii(), "{answer:?}");
            answer.state
        };
        assert_eq!(s(false, false, false, false), "ready");
        assert_eq!(s(false, false, false, true), "paper_near_end");
        assert_eq!(s(true, false, true, true), "paper_out");
        assert_eq!(s(false, true, true, false), "cover_open");
        assert_eq!(s(true, false, false, false), "offline");
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let offline = status_answer("h:9100", Err(PrintError::Connect { target: "h:9100".into(), source: refused }));
        assert_eq!(offline.state, "offline");
        assert!(offline.message_en.contains("h:9100"));
    }

    #[test]
    fn the_sample_ticket_is_chinese_text_on_the_chosen_paper_with_a_cut() {
        let bytes = sample_ticket("城关供电所", "2026-11-27 09:31", Paper::Mm58);
        let (text, _, _) = encoding_rs::GB18030.decode(&bytes);
        assert!(text.contains("城关供电所") && text.contains("TEST") && text.contains("测试打印"), "{text}");
        assert!(bytes.starts_with(&[0x1b, 0x40]), "starts with ESC @");
        assert!(bytes.windows(2).any(|w| w == [0x1c, 0x26]), "FS & Chinese mode");
        assert!(bytes.windows(2).any(|w| w == [0x1d, 0x56]), "GS V cut");
        assert!(!bytes.windows(3).any(|w| w == [0x1d, 0x28, 0x6b]), "no QR code without a URL");
    }

    #[test]
    fn device_suggestions_are_usb_printer_files() {
        let found = devices();
        assert!(found.usb.iter().all(|p| p.starts_with("/dev/usb/lp")), "{found:?}");
    }
}
