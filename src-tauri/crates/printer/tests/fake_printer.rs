//! Prints tickets to fake printers and decodes what they received: a TCP
//! listener speaking as a port-9100 printer, and a temp file standing in for
//! `/dev/usb/lp0`. The decoder below knows only the ESC/POS commands a
//! ticket may contain and fails on anything else.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use hallq_printer::{Job, Paper, PrintError, Printer, TicketPrint, display_width, read_job, render};

const URL: &str = "http://192.168.1.20:8080/t/9f1c2a7e-5b0d-4c51-a3c9-0e6d4f2b8a11";

fn ticket(wait: Option<u32>) -> TicketPrint {
    TicketPrint {
        hall_name: "国网城东供电营业厅".to_owned(),
        service_name: "居民用电业务".to_owned(),
        number: "A023".to_owned(),
        people_ahead: 5,
        estimated_wait_minutes: wait,
        issued_at: "2026-11-27 09:05".to_owned(),
        ticket_url: URL.to_owned(),
        notice: "请留意叫号屏幕，过号需重新取号，谢谢合作。".to_owned(),
    }
}

/// A port-9100 printer on 127.0.0.1:0 that serves one connection: it records
/// every byte until the client closes, and answers each `DLE EOT n` with the
/// byte configured for n (1, 2 or 4).
fn fake_printer(answers: [u8; 3]) -> (String, JoinHandle<Vec<u8>>) {
    fake_printer_answering(Some(answers), None)
}

/// A fake printer that answers `DLE EOT` 1/2/4 only when `dle_eot` is given
/// and `GS r 1` only when `gs_r` is given; otherwise it stays silent like a
/// write-only printer. It records every byte until the client closes.
fn fake_printer_answering(dle_eot: Option<[u8; 3]>, gs_r: Option<u8>) -> (String, JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let handle = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut recorded = Vec::new();
        let mut scanned = 0;
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).unwrap();
            if n == 0 {
                return recorded;
            }
            recorded.extend_from_slice(&buf[..n]);
            while scanned + 3 <= recorded.len() {
                let request = &recorded[scanned..scanned + 3];
                let answer = match request {
                    [0x10, 0x04, n] => dle_eot.map(|a| match n {
                        1 => a[0],
                        2 => a[1],
                        4 => a[2],
                        other => panic!("unexpected DLE EOT {other}"),
                    }),
                    [0x1D, 0x72, 0x01] => gs_r,
                    _ => {
                        scanned += 1;
                        continue;
                    }
                };
                if let Some(byte) = answer {
                    stream.write_all(&[byte]).unwrap();
                }
                scanned += 3;
            }
        }
    });
    (addr, handle)
}

/// Reads a job back; any byte a ticket should not contain fails the test.
fn decode(bytes: &[u8]) -> Job {
    read_job(bytes).unwrap_or_else(|e| panic!("{e}"))
}

fn expected_lines_80() -> Vec<String> {
    [
        "国网城东供电营业厅",
        "居民用电业务",
        "A023",
        "前面还有 5 人 / 5 ahead",
        "预计等待 约12分钟 / ~12 min",
        "取号时间 2026-11-27 09:05",
        "请留意叫号屏幕，过号需重新取号，谢谢合作。",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn assert_well_formed(d: &Job, paper: Paper) {
    assert!(d.starts_with_init, "job must start with ESC @");
    let fs = d.chinese_mode_at.expect("FS & missing");
    assert!(fs < d.first_chinese_at.expect("no Chinese text"));
    assert_eq!(d.qr_payload.as_deref(), Some(URL.as_bytes()));
    assert_eq!(d.qr_functions, vec![0x41, 0x43, 0x45, 0x50, 0x51]);
    for line in &d.lines {
        let cols = if line.double { paper.columns() / 2 } else { paper.columns() };
        assert!(display_width(&line.text) <= cols, "{line:?} overflows {paper:?}");
    }
}

#[test]
fn network_printer_receives_the_ticket_in_gb18030_with_qr_and_cut() {
    let (addr, fake) = fake_printer([0x12, 0x12, 0x12]);
    let job = render(&ticket(Some(12)), Paper::Mm80);
    Printer::network(addr).send(&job).unwrap();
    let recorded = fake.join().unwrap();
    assert_eq!(recorded, job);

    let d = decode(&recorded);
    assert_well_formed(&d, Paper::Mm80);
    assert_eq!(d.texts(), expected_lines_80());
    let doubled: Vec<&str> = d.lines.iter().filter(|l| l.double).map(|l| l.text.as_str()).collect();
    assert_eq!(doubled, vec!["A023"], "only the number prints double size");
    assert_eq!(d.cut_end, Some(recorded.len()), "the cut ends the job");
}

#[test]
fn device_file_receives_a_58mm_ticket_wrapped_to_17_chinese_characters() {
    let dir = tempfile::tempdir().unwrap();
    let lp0 = dir.path().join("lp0");
    std::fs::write(&lp0, b"").unwrap();
    let job = render(&ticket(None), Paper::Mm58);
    Printer::Device(lp0.clone()).send(&job).unwrap();
    let recorded = std::fs::read(&lp0).unwrap();

    let d = decode(&recorded);
    assert_well_formed(&d, Paper::Mm58);
    assert_eq!(
        d.texts(),
        vec![
            "国网城东供电营业厅",
            "居民用电业务",
            "A023",
            "前面还有 5 人 / 5 ahead",
            "预计等待 暂无 / unknown",
            "取号时间 2026-11-27 09:05",
            "请留意叫号屏幕，过号需重新取号，谢",
            "谢合作。",
        ]
    );
    assert_eq!(d.cut_end, Some(recorded.len()));
}

#[test]
fn long_names_wrap_and_every_line_fits_both_papers() {
    let mut t = ticket(Some(125));
    t.hall_name = "国家电网某某省某某市某某区城东供电服务中心第一营业厅".to_owned();
    t.service_name = "Business account change and capacity increase 业务变更".to_owned();
    for paper in [Paper::Mm58, Paper::Mm80] {
        let d = decode(&render(&t, paper));
        assert_well_formed(&d, paper);
        let joined: String = d.texts().concat();
        assert!(joined.contains("第一营业厅"), "nothing is lost by wrapping");
    }
}

#[test]
fn status_paper_out_is_parsed_from_the_printer_answers() {
    // Paper sensor bits 5-6 set; offline cause bit 5 (stopped by paper end).
    let (addr, fake) = fake_printer([0x12 | 0x08, 0x12 | 0x20, 0x12 | 0x60]);
    let status = Printer::network(addr).status().unwrap();
    assert!(status.paper_out && status.offline && !status.cover_open);
    assert!(!status.can_print());
    assert_eq!(fake.join().unwrap(), vec![0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 4]);
}

#[test]
fn status_cover_open_is_parsed_from_the_printer_answers() {
    let (addr, fake) = fake_printer([0x12 | 0x08, 0x12 | 0x04, 0x12]);
    let status = Printer::network(addr).status().unwrap();
    assert!(status.cover_open && !status.paper_out);
    assert!(!status.can_print());
    fake.join().unwrap();
}

#[test]
fn status_online_with_paper_is_ready() {
    let (addr, fake) = fake_printer([0x12, 0x12, 0x12]);
    let status = Printer::network(addr).status().unwrap();
    assert_eq!(status, hallq_printer::PrinterStatus::default());
    assert!(status.can_print());
    fake.join().unwrap();
}

#[test]
fn refused_connection_gives_a_bilingual_error() {
    // Bind then drop: the port is free, so connecting is refused.
    let addr = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    let err = Printer::network(addr.clone()).send(b"x").unwrap_err();
    assert!(matches!(err, PrintError::Connect { .. }), "{err:?}");
    assert_eq!(err.code(), "printer_unreachable");
    assert_eq!(err.message_zh(), format!("无法连接打印机 {addr}"));
    assert_eq!(err.message_en(), format!("Cannot reach the printer {addr}"));
    let shown = err.to_string();
    assert!(shown.contains("无法连接打印机") && shown.contains("Cannot reach the printer"));
}

#[test]
fn a_printer_that_never_answers_status_gives_a_status_error() {
    // Accepts the connection, then stays silent until the client gives up.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let silent = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut sink = Vec::new();
        let _ = stream.read_to_end(&mut sink);
    });
    let printer = Printer::Network { addr, timeout: Duration::from_millis(300) };
    let err = printer.status().unwrap_err();
    assert_eq!(err.code(), "printer_status_failed", "{err:?}");
    assert!(err.to_string().contains("did not answer"));
    silent.join().unwrap();
}

#[test]
fn device_file_has_no_status_and_a_missing_device_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let missing = Printer::Device(dir.path().join("lp9"));
    let err = missing.send(b"x").unwrap_err();
    assert_eq!(err.code(), "printer_unreachable");
    let err = missing.status().unwrap_err();
    assert_eq!(err.code(), "printer_status_unsupported");
}

/// The status questions `Printer::print` asks before a job.
const DLE_EOT_1_2_4: [u8; 9] = [0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 4];

#[test]
fn print_asks_the_status_then_sends_the_job_on_the_same_connection() {
    let (addr, fake) = fake_printer([0x12, 0x12, 0x12]);
    let job = render(&ticket(Some(3)), Paper::Mm80);
    Printer::network(addr).print(&job).unwrap();
    let recorded = fake.join().unwrap();
    assert_eq!(recorded[..9], DLE_EOT_1_2_4);
    assert_eq!(recorded[9..], job[..], "the whole job follows the status questions");
}

#[test]
fn print_refuses_a_printer_out_of_paper_and_sends_nothing() {
    let (addr, fake) = fake_printer([0x12 | 0x08, 0x12 | 0x20, 0x12 | 0x60]);
    let job = render(&ticket(Some(3)), Paper::Mm80);
    let err = Printer::network(addr.clone()).print(&job).unwrap_err();
    assert_eq!(err.code(), "printer_paper_out", "{err:?}");
    assert_eq!(err.message_zh(), format!("打印机缺纸 {addr}"));
    assert_eq!(err.message_en(), format!("The printer is out of paper ({addr})"));
    assert_eq!(fake.join().unwrap(), DLE_EOT_1_2_4, "no job bytes reach a printer with no paper");

    let (addr, fake) = fake_printer([0x12 | 0x08, 0x12 | 0x04, 0x12]);
    let err = Printer::network(addr).print(&job).unwrap_err();
    assert_eq!(err.code(), "printer_cover_open");
    assert_eq!(fake.join().unwrap(), DLE_EOT_1_2_4);
}

#[test]
fn a_printer_answering_only_gs_r_reports_its_paper() {
    let (addr, fake) = fake_printer_answering(None, Some(0x0C));
    let status = Printer::network(addr.clone()).status().unwrap();
    assert!(status.paper_out && !status.can_print());
    let mut asked = vec![0x10, 0x04, 1];
    asked.extend_from_slice(&[0x1D, 0x72, 0x01]);
    assert_eq!(fake.join().unwrap(), asked, "GS r 1 only after DLE EOT went unanswered");

    let (addr, fake) = fake_printer_answering(None, Some(0x03));
    let job = render(&ticket(None), Paper::Mm58);
    Printer::network(addr).print(&job).unwrap();
    assert!(fake.join().unwrap().ends_with(&job), "paper near end still prints");
}

#[test]
fn a_write_only_printer_still_gets_the_job() {
    let (addr, fake) = fake_printer_answering(None, None);
    let job = render(&ticket(Some(1)), Paper::Mm80);
    Printer::network(addr).print(&job).unwrap();
    let recorded = fake.join().unwrap();
    assert!(recorded.ends_with(&job), "the job is sent after the unanswered questions");
    assert_eq!(recorded.len(), job.len() + 6);
}

#[cfg(unix)]
#[test]
fn serial_printer_gets_the_job_and_answers_status() {
    use serialport::{SerialPort, TTYPort};
    // A pseudo-terminal pair: the printer end is read here, the kiosk end is
    // opened by its path like a real /dev/ttyUSB0.
    let (mut printer_end, kiosk_end) = TTYPort::pair().unwrap();
    let path = kiosk_end.name().unwrap();
    printer_end.set_timeout(Duration::from_secs(10)).unwrap();
    let job = render(&ticket(Some(7)), Paper::Mm58);
    let expected = job.len() + 9;
    let fake = thread::spawn(move || {
        let mut recorded = Vec::new();
        let mut buf = [0u8; 1024];
        while recorded.len() < expected {
            let n = printer_end.read(&mut buf).unwrap();
            recorded.extend_from_slice(&buf[..n]);
            // Each question waits for its answer: answer as a ready printer.
            for q in 1..=3 {
                if recorded.len() == 3 * q && recorded[3 * (q - 1)..3 * q] == DLE_EOT_1_2_4[3 * (q - 1)..3 * q] {
                    printer_end.write_all(&[0x12]).unwrap();
                }
            }
        }
        recorded
    });
    Printer::serial(path, 9600).print(&job).unwrap();
    let recorded = fake.join().unwrap();
    drop(kiosk_end);
    assert_eq!(recorded[..9], DLE_EOT_1_2_4);
    let d = decode(&recorded[9..]);
    assert_well_formed(&d, Paper::Mm58);
    assert!(d.lines.iter().any(|l| l.text == "A023" && l.double));
}

#[test]
fn a_ticket_without_a_url_prints_without_a_qr_code() {
    let mut t = ticket(Some(12));
    t.ticket_url.clear();
    let job = render(&t, Paper::Mm80);
    let d = decode(&job);
    assert_eq!(d.qr_payload, None);
    assert!(d.qr_functions.is_empty());
    assert_eq!(d.texts(), expected_lines_80(), "every text line is still there");
    assert_eq!(d.cut_end, Some(job.len()));
}

#[test]
fn a_device_the_user_may_not_write_says_which_group_to_join() {
    // Built directly: the tests may run as root, where file modes are not
    // enforced; opening `/dev/usb/lp0` as a user outside lp fails this way.
    let err = PrintError::Connect {
        target: "/dev/usb/lp0".to_owned(),
        source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
    };
    assert_eq!(err.code(), "printer_permission_denied");
    assert!(err.message_zh().contains("lp 组"), "{}", err.message_zh());
    assert!(err.message_en().contains("lp group"), "{}", err.message_en());
    assert!(err.to_string().contains("lp 组") && err.to_string().contains("lp group"));
    let refused = PrintError::Connect {
        target: "/dev/usb/lp0".to_owned(),
        source: std::io::Error::from(std::io::ErrorKind::NotFound),
    };
    assert_eq!(refused.code(), "printer_unreachable");
}
