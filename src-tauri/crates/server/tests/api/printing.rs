//! Ticket printing through the API: a kiosk's ticket printed by the hall
//! server on a fake port-9100 printer and on a temp file standing in for
//! `/dev/usb/lp0`, decoded byte by byte; a printer out of paper keeps the
//! job pending while the ticket is issued, and the worker prints it by
//! itself once paper is loaded; reprints print the same ticket; jobs whose
//! ticket no longer waits are skipped; kiosk-page jobs; bad settings change
//! nothing; who may do what.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use hallq_printer::{Job, display_width, read_job};
use hallq_server::Config;
use serde_json::{Value, json};

use crate::support::Hall;

/// A port-9100 printer on 127.0.0.1:0 that accepts any number of
/// connections, answers `DLE EOT 1/2/4` with the bytes it is set to, and
/// keeps what each connection sent besides the status questions.
pub struct FakePrinter {
    /// `127.0.0.1:PORT`.
    pub addr: String,
    status: Arc<Mutex<[u8; 3]>>,
    /// Each connection's job with the order it was accepted in.
    jobs: Arc<Mutex<Vec<Received>>>,
}

/// A connection's job and the order it was accepted in.
type Received = (usize, Vec<u8>);

/// Online, cover closed, paper present (the fixed bits real printers send).
pub const READY: [u8; 3] = [0x12, 0x12, 0x12];
/// Paper out: offline, stopped by paper end, paper sensor empty.
pub const PAPER_OUT: [u8; 3] = [0x12 | 0x08, 0x12 | 0x20, 0x12 | 0x60];

impl FakePrinter {
    pub fn start(status: [u8; 3]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let status = Arc::new(Mutex::new(status));
        let jobs = Arc::new(Mutex::new(Vec::new()));
        let (st, js) = (status.clone(), jobs.clone());
        std::thread::spawn(move || {
            for (nth, stream) in listener.incoming().enumerate() {
                let Ok(mut stream) = stream else { return };
                let (st, js) = (st.clone(), js.clone());
                std::thread::spawn(move || {
                    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                    let mut received = Vec::new();
                    let mut job = Vec::new();
                    let mut buf = [0u8; 4096];
                    loop {
                        let n = match stream.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        received.extend_from_slice(&buf[..n]);
                        // Status questions are answered and left out of the job.
                        while !received.is_empty() {
                            if received.starts_with(&[0x10, 0x04]) {
                                if received.len() < 3 {
                                    break;
                                }
                                let answers = *st.lock().unwrap();
                                let answer = match received[2] {
                                    1 => answers[0],
                                    2 => answers[1],
                                    4 => answers[2],
                                    other => panic!("unexpected DLE EOT {other}"),
                                };
                                stream.write_all(&[answer]).unwrap();
                                received.drain(..3);
                            } else if received == [0x10] {
                                break;
                            } else {
                                job.push(received.remove(0));
                            }
                        }
                    }
                    if !job.is_empty() {
                        js.lock().unwrap().push((nth, job));
                    }
                });
            }
        });
        Self { addr, status, jobs }
    }

    pub fn set(&self, status: [u8; 3]) {
        *self.status.lock().unwrap() = status;
    }

    /// Waits (up to 10 s) until `n` jobs arrived, and returns them.
    pub async fn wait_jobs(&self, n: usize) -> Vec<Vec<u8>> {
        eventually(10, &format!("{n} jobs on the fake printer"), async || self.jobs().len() >= n).await;
        self.jobs()
    }

    /// The jobs received, in the order they were sent.
    pub fn jobs(&self) -> Vec<Vec<u8>> {
        let mut jobs = self.jobs.lock().unwrap().clone();
        jobs.sort_by_key(|j| j.0);
        jobs.into_iter().map(|j| j.1).collect()
    }
}

/// Reads a ticket job back; any byte a ticket should not contain fails.
pub fn decode(bytes: &[u8]) -> Job {
    read_job(bytes).unwrap_or_else(|e| panic!("{e}"))
}

/// Asserts the job is a well-formed ticket whose lines fit `paper` mm.
#[track_caller]
pub fn assert_fits(d: &Job, paper: usize) {
    assert!(d.chinese_mode_first(), "ESC @ then FS & before any Chinese text");
    assert!(d.ends_with_cut(), "the job ends with a cut");
    let cols = if paper == 58 { 34 } else { 48 };
    for line in &d.lines {
        let fits = display_width(&line.text) <= if line.double { cols / 2 } else { cols };
        assert!(fits, "{line:?} overflows {paper} mm");
    }
}

/// Polls `check` every 50 ms until it is true or `secs` pass.
pub async fn eventually(secs: u64, what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check().await {
        assert!(Instant::now() < deadline, "not within {secs} s: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

const PUBLIC: &str = "http://192.168.1.10:8080";

/// A hall whose worker polls every 200 ms, with a supervisor, a kiosk, and
/// the kiosk's terminal id.
async fn hall() -> (Hall, String, String, String) {
    let hall = Hall::start_with(Config { printer_poll: Duration::from_millis(200), ..Config::default() }).await;
    let sup = hall.supervisor().await;
    let kiosk = hall.pair(&sup, "kiosk", None).await;
    let me = hall.get(&kiosk, "/api/v1/me").await.expect(200);
    let id = me["terminal"].as_str().expect("the kiosk's terminal id").to_string();
    (hall, sup, kiosk, id)
}

/// Sets the hall's public URL through the settings, as the supervisor would.
async fn set_public_url(hall: &Hall, sup: &str, url: &str) -> crate::support::Answer {
    let h = hall.get(sup, "/api/v1/hall").await.expect(200)["hall"].clone();
    let body = json!({
        "code": h["code"], "name": h["name"], "time_zone": h["time_zone"],
        "rollover_hour": h["rollover_hour"], "max_recalls": h["max_recalls"], "public_url": url,
    });
    hall.put(sup, "/api/v1/settings/hall", body).await
}

async fn set_printer(hall: &Hall, sup: &str, kiosk: &str, body: Value) -> Value {
    hall.put(sup, &format!("/api/v1/printers/{kiosk}"), body).await.expect(200)
}

fn lines(d: &Job) -> Vec<&str> {
    d.texts()
}

#[tokio::test]
async fn a_kiosk_ticket_prints_on_the_network_printer_in_chinese_with_its_live_url_and_a_cut() {
    let (hall, sup, kiosk, kiosk_id) = hall().await;
    set_public_url(&hall, &sup, "ftp://x/y").await.expect_error(422, "invalid_config");
    set_public_url(&hall, &sup, &format!("{PUBLIC}/")).await.expect(200);
    let settings = hall.get(&sup, "/api/v1/settings").await.expect(200);
    assert_eq!(settings["hall"]["public_url"], PUBLIC, "stored without the trailing slash");

    let printers = hall.get(&sup, "/api/v1/printers").await.expect(200);
    assert_eq!(printers[0]["kiosk"], kiosk_id.as_str());
    assert_eq!(printers[0]["config"], json!({"kind": "html", "address": null, "baud": null, "paper": 80}));
    assert_eq!(printers[0]["status"]["state"], "not_checked");

    let fake = FakePrinter::start(READY);
    let p = set_printer(&hall, &sup, &kiosk_id, json!({"kind": "network", "address": fake.addr, "paper": 80})).await;
    assert_eq!(p["config"]["address"], fake.addr.as_str());

    let a = hall.post(&kiosk, "/api/v1/tickets", Some(json!({"service": "PAY"}))).await.expect(201);
    let ticket = a["ticket"]["id"].as_str().unwrap().to_string();
    let number = a["ticket"]["number"].as_str().unwrap().to_string();
    assert_eq!(a["print"]["fault"], Value::Null, "{a}");
    let job = &a["print"]["job"];
    assert_eq!(
        (job["state"].as_str(), job["deliver"].as_str(), job["attempts"].as_u64()),
        (Some("printed"), Some("server"), Some(1))
    );

    let printed = fake.wait_jobs(1).await;
    assert_eq!(printed.len(), 1, "one ticket on paper");
    let d = decode(&printed[0]);
    assert_fits(&d, 80);
    assert_eq!(
        lines(&d),
        [
            "测试营业厅",
            "交费",
            number.as_str(),
            "前面还有 0 人 / 0 ahead",
            "预计等待 暂无 / unknown",
            "取号时间 2026-11-27 09:00",
            "请留意叫号，过号请到柜台咨询 / Please listen for",
            "your number",
        ]
    );
    assert_eq!(d.lines.iter().filter(|l| l.double).map(|l| l.text.as_str()).collect::<Vec<_>>(), [number.as_str()]);
    assert_eq!(d.qr_text(), Some(format!("{PUBLIC}/t/{ticket}").as_str()), "the QR code is the live page");

    // The same bytes are what a kiosk's own printer would get.
    let id = job["id"].as_str().unwrap();
    let escpos = hall.get(&sup, &format!("/api/v1/print-jobs/{id}/escpos")).await.expect(200);
    let bytes = base64::engine::general_purpose::STANDARD.decode(escpos["bytes_base64"].as_str().unwrap()).unwrap();
    assert_eq!(bytes, printed[0]);

    let test = hall.post(&sup, "/api/v1/printers/test", Some(json!({"kind": "network", "address": fake.addr}))).await;
    let test = test.expect(200);
    assert_eq!((test["job"]["state"].as_str(), test["fault"].is_null()), (Some("printed"), true));
    let d = decode(&fake.wait_jobs(2).await[1]);
    assert!(lines(&d).contains(&"测试 TEST"), "{:?}", d.lines);
    hall.post(&sup, "/api/v1/printers/test", Some(json!({"kind": "html"})))
        .await
        .expect_error(422, "printer_test_on_kiosk");

    // The worker keeps watching the printer for the board, jobs or not.
    for (bytes, state) in
        [([0x12, 0x12, 0x12 | 0x0C], "paper_near_end"), ([0x12 | 0x08, 0x12 | 0x04, 0x12], "cover_open")]
    {
        fake.set(bytes);
        eventually(10, state, async || {
            let printers = hall.get(&sup, "/api/v1/printers").await.expect(200);
            printers[0]["status"]["state"] == state
        })
        .await;
    }
    let printers = hall.get(&sup, "/api/v1/printers").await.expect(200);
    assert!(printers[0]["status"]["message_zh"].as_str().unwrap().contains("盖"), "{printers}");
}

#[tokio::test]
async fn paper_out_keeps_the_ticket_issued_and_its_job_pending_until_paper_is_loaded_then_a_reprint_is_the_same() {
    let (hall, sup, kiosk, kiosk_id) = hall().await;
    set_public_url(&hall, &sup, PUBLIC).await.expect(200);
    let fake = FakePrinter::start(PAPER_OUT);
    set_printer(&hall, &sup, &kiosk_id, json!({"kind": "network", "address": fake.addr, "paper": 58})).await;

    let a = hall.post(&kiosk, "/api/v1/tickets", Some(json!({"service": "PAY"}))).await.expect(201);
    assert_eq!(a["print"]["fault"]["code"], "printer_paper_out", "{a}");
    assert!(a["print"]["fault"]["message_zh"].as_str().unwrap().contains("缺纸"), "{a}");
    assert_eq!(a["print"]["job"]["state"], "pending");
    let ticket = a["ticket"]["id"].as_str().unwrap().to_string();
    let number = a["ticket"]["number"].as_str().unwrap().to_string();
    hall.get(&sup, &format!("/api/v1/tickets/{ticket}")).await.expect(200);
    assert!(fake.jobs().is_empty(), "nothing is sent to a printer without paper");

    let printers = hall.get(&sup, "/api/v1/printers").await.expect(200);
    assert_eq!(
        (printers[0]["status"]["state"].as_str(), printers[0]["pending"].as_u64()),
        (Some("paper_out"), Some(1))
    );

    // A second ticket while the printer is known faulty: not waited for, also pending.
    hall.set_time(crate::support::at(9, 0, 5));
    let b = hall.post(&kiosk, "/api/v1/tickets", Some(json!({"service": "PAY"}))).await.expect(201);
    assert_eq!(b["print"]["job"]["state"], "pending");

    fake.set(READY);
    eventually(10, "the worker prints both pending jobs", async || {
        let printed = hall.get(&sup, "/api/v1/print-jobs?state=printed").await.expect(200);
        printed.as_array().unwrap().len() == 2
    })
    .await;
    let jobs = fake.wait_jobs(2).await;
    assert_eq!(jobs.len(), 2);
    let first = decode(&jobs[0]);
    assert_fits(&first, 58);
    assert_eq!(first.lines[2].text, number, "in issue order");
    assert_eq!(first.qr_text(), Some(format!("{PUBLIC}/t/{ticket}").as_str()));
    let printers = hall.get(&sup, "/api/v1/printers").await.expect(200);
    assert_eq!((printers[0]["status"]["state"].as_str(), printers[0]["pending"].as_u64()), (Some("ready"), Some(0)));

    // A counter reprints by number, later: the same ticket comes out.
    let counter = hall.pair(&sup, "counter", Some(1)).await;
    hall.set_time(crate::support::at(9, 30, 0));
    let r = hall.post(&counter, &format!("/api/v1/tickets/{number}/reprint"), None).await.expect(200);
    assert_eq!((r["job"]["reason"].as_str(), r["job"]["state"].as_str()), (Some("reprint"), Some("printed")), "{r}");
    let again = decode(&fake.wait_jobs(3).await[2]);
    assert_eq!(again, first, "a reprint prints the ticket as it was issued");
}

#[tokio::test]
async fn a_usb_device_file_gets_the_ticket_and_a_missing_one_is_retried_until_it_appears() {
    let (hall, sup, kiosk, kiosk_id) = hall().await;
    let dir = tempfile::tempdir().unwrap();
    let lp0 = dir.path().join("lp0");
    std::fs::write(&lp0, b"").unwrap();
    let lp0s = lp0.display().to_string();
    let p = set_printer(&hall, &sup, &kiosk_id, json!({"kind": "usb", "address": lp0s, "paper": 58})).await;
    assert_eq!(p["status"]["state"], "unknown", "a device file cannot report status");

    let a = hall.post(&kiosk, "/api/v1/tickets", Some(json!({"service": "PAY"}))).await.expect(201);
    assert_eq!(a["print"]["job"]["state"], "printed", "{a}");
    let d = decode(&std::fs::read(&lp0).unwrap());
    assert_fits(&d, 58);
    assert_eq!(d.qr_text(), None, "no public address: no QR code, the ticket still prints");
    assert_eq!(d.lines[0].text, "测试营业厅");

    let lp1 = dir.path().join("lp1");
    let lp1s = lp1.display().to_string();
    set_printer(&hall, &sup, &kiosk_id, json!({"kind": "usb", "address": lp1s, "paper": 80})).await;
    hall.set_time(crate::support::at(9, 0, 5));
    let b = hall.post(&kiosk, "/api/v1/tickets", Some(json!({"service": "PAY"}))).await.expect(201);
    assert_eq!(b["print"]["fault"]["code"], "printer_unreachable", "{b}");
    assert_eq!(b["print"]["job"]["state"], "pending");
    let printers = hall.get(&sup, "/api/v1/printers").await.expect(200);
    assert_eq!((printers[0]["status"]["state"].as_str(), printers[0]["pending"].as_u64()), (Some("offline"), Some(1)));
    std::fs::write(&lp1, b"").unwrap();
    eventually(10, "the worker prints once the device exists", async || {
        std::fs::metadata(&lp1).map(|m| m.len() > 0).unwrap_or(false)
    })
    .await;
    let d = decode(&std::fs::read(&lp1).unwrap());
    assert_fits(&d, 80);
    eventually(10, "the pending count drops", async || {
        let printers = hall.get(&sup, "/api/v1/printers").await.expect(200);
        printers[0]["pending"] == 0 && printers[0]["status"]["state"] == "unknown"
    })
    .await;
    assert_eq!(d.lines[2].text, b["ticket"]["number"].as_str().unwrap());
}

#[tokio::test]
async fn a_pending_job_whose_ticket_no_longer_waits_is_skipped_and_staff_cancel_jobs() {
    let (hall, sup, kiosk, kiosk_id) = hall().await;
    // A port nobody listens on: the printer is unreachable.
    let dead = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    set_printer(&hall, &sup, &kiosk_id, json!({"kind": "network", "address": dead})).await;
    let a = hall.post(&kiosk, "/api/v1/tickets", Some(json!({"service": "PAY"}))).await.expect(201);
    assert_eq!(a["print"]["fault"]["code"], "printer_unreachable", "{a}");
    let job_a = a["print"]["job"]["id"].as_str().unwrap().to_string();
    hall.set_time(crate::support::at(9, 0, 5));
    let b = hall.post(&kiosk, "/api/v1/tickets", Some(json!({"service": "PAY"}))).await.expect(201);
    let job_b = b["print"]["job"]["id"].as_str().unwrap().to_string();

    // The customer left: the ticket is cancelled, its paper is not wanted.
    let ticket_a = a["ticket"]["id"].as_str().unwrap();
    hall.post(&sup, &format!("/api/v1/tickets/{ticket_a}/cancel"), None).await.expect(200);
    eventually(10, "the worker skips the cancelled ticket's job", async || {
        let skipped = hall.get(&sup, "/api/v1/print-jobs?state=skipped").await.expect(200);
        skipped.as_array().unwrap().iter().any(|j| j["id"] == job_a.as_str())
    })
    .await;

    let board = hall.pair(&sup, "board", None).await;
    let counter = hall.pair(&sup, "counter", Some(1)).await;
    hall.post(&counter, &format!("/api/v1/print-jobs/{job_b}/cancel"), None).await.expect_error(403, "forbidden");
    let c = hall.post(&board, &format!("/api/v1/print-jobs/{job_b}/cancel"), None).await.expect(200);
    assert_eq!(c["state"], "cancelled");
    hall.post(&board, &format!("/api/v1/print-jobs/{job_a}/cancel"), None).await.expect_error(409, "print_job_closed");
    let pending = hall.get(&board, "/api/v1/print-jobs?state=pending").await.expect(200);
    assert_eq!(pending, json!([]));
}

#[tokio::test]
async fn an_html_kiosk_prints_on_its_page_and_reports_the_result_for_its_own_jobs_only() {
    let (hall, sup, kiosk, kiosk_id) = hall().await;
    let other = hall.pair(&sup, "kiosk", None).await;
    let a = hall.post(&kiosk, "/api/v1/tickets", Some(json!({"service": "PAY"}))).await.expect(201);
    let job = &a["print"]["job"];
    assert_eq!(
        (job["deliver"].as_str(), job["kind"].as_str(), job["state"].as_str()),
        (Some("page"), Some("html"), Some("pending"))
    );
    let id = job["id"].as_str().unwrap().to_string();

    let own = hall.get(&kiosk, "/api/v1/print-jobs?state=pending").await.expect(200);
    assert_eq!(own.as_array().unwrap().len(), 1);
    assert_eq!(hall.get(&other, "/api/v1/print-jobs").await.expect(200), json!([]), "another kiosk sees none");
    hall.get(&other, &format!("/api/v1/print-jobs/{id}/escpos")).await.expect_error(403, "not_your_print_job");
    let mine = hall.get(&other, "/api/v1/printers").await.expect(200);
    assert_eq!(mine.as_array().unwrap().len(), 1, "a kiosk sees only its own printer");
    assert_ne!(mine[0]["kiosk"], kiosk_id.as_str());

    let failed = json!({"ok": false, "code": "printer_paper_out", "message_zh": "缺纸", "message_en": "out of paper"});
    let r = hall.post(&kiosk, &format!("/api/v1/print-jobs/{id}/result"), Some(failed)).await.expect(200);
    assert_eq!(
        (r["state"].as_str(), r["attempts"].as_u64(), r["last_error"]["code"].as_str()),
        (Some("pending"), Some(1), Some("printer_paper_out"))
    );
    hall.post(&other, &format!("/api/v1/print-jobs/{id}/result"), Some(json!({"ok": true})))
        .await
        .expect_error(403, "not_your_print_job");
    let r = hall.post(&kiosk, &format!("/api/v1/print-jobs/{id}/result"), Some(json!({"ok": true}))).await.expect(200);
    assert_eq!(r["state"], "printed");

    // A kiosk set to print nothing gets no job; a supervisor's ticket has none.
    set_printer(&hall, &sup, &kiosk_id, json!({"kind": "none"})).await;
    hall.set_time(crate::support::at(9, 0, 5));
    let b = hall.post(&kiosk, "/api/v1/tickets", Some(json!({"service": "PAY"}))).await.expect(201);
    assert_eq!(b["print"], Value::Null);
    let c = hall.post(&sup, "/api/v1/tickets", Some(json!({"service": "PAY"}))).await.expect(201);
    assert_eq!(c["print"], Value::Null);
    let number = c["ticket"]["number"].as_str().unwrap();
    hall.post(&sup, &format!("/api/v1/tickets/{number}/reprint"), Some(json!({})))
        .await
        .expect_error(422, "reprint_needs_kiosk");
    hall.post(&sup, &format!("/api/v1/tickets/{number}/reprint"), Some(json!({"kiosk": kiosk_id})))
        .await
        .expect_error(422, "kiosk_prints_nothing");
    hall.post(&sup, "/api/v1/tickets/Z999/reprint", None).await.expect_error(404, "unknown_ticket");
}

#[tokio::test]
async fn bad_printer_settings_are_refused_bilingually_and_change_nothing() {
    let (hall, sup, kiosk, kiosk_id) = hall().await;
    let good = json!({"kind": "serial", "address": "/dev/ttyUSB0", "paper": 80});
    let set = set_printer(&hall, &sup, &kiosk_id, good).await;
    assert_eq!(set["config"]["baud"], 9600, "the default speed");
    for bad in [
        json!({"kind": "network", "address": "bad host name"}),
        json!({"kind": "network"}),
        json!({"kind": "network", "address": "10.0.0.1:0"}),
        json!({"kind": "serial", "address": "COM3", "baud": 1234}),
        json!({"kind": "usb", "address": "/dev/usb/lp0", "paper": 76}),
    ] {
        let a = hall.put(&sup, &format!("/api/v1/printers/{kiosk_id}"), bad.clone()).await;
        a.expect_error(422, "invalid_printer_config");
    }
    hall.put(&sup, &format!("/api/v1/printers/{kiosk_id}"), json!({"kind": "laser"}))
        .await
        .expect_error(422, "invalid_body");
    let printers = hall.get(&sup, "/api/v1/printers").await.expect(200);
    assert_eq!(printers[0]["config"], set["config"], "unchanged");

    let counter = hall.pair(&sup, "counter", Some(1)).await;
    let counter_id = hall.get(&counter, "/api/v1/me").await.expect(200)["terminal"].as_str().unwrap().to_string();
    for not_a_kiosk in [counter_id.as_str(), "00000000-0000-7000-8000-000000000000"] {
        hall.put(&sup, &format!("/api/v1/printers/{not_a_kiosk}"), json!({"kind": "html"}))
            .await
            .expect_error(404, "not_a_kiosk");
    }
    hall.put(&kiosk, &format!("/api/v1/printers/{kiosk_id}"), json!({"kind": "html"}))
        .await
        .expect_error(403, "forbidden");
    let display = hall.pair(&sup, "display", None).await;
    hall.get(&display, "/api/v1/printers").await.expect_error(403, "forbidden");
}
