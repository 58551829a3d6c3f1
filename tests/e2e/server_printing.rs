//! Printing with the real `hallq serve`: a kiosk's ticket meets a network
//! printer out of paper, the server is SIGKILLed right after answering, and
//! after a restart the pending job is printed by itself once paper is
//! loaded — an acknowledged ticket's paper is never lost. The printer is a
//! fake port-9100 printer on loopback.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hallq_e2e::{Api, Hall};
use hallq_printer::read_job;
use reqwest::Method;
use serde_json::{Value, json};

use crate::server_support::ADMIN_PIN;

const PUBLIC: &str = "http://192.168.1.10:7070";
const READY: [u8; 3] = [0x12, 0x12, 0x12];
const PAPER_OUT: [u8; 3] = [0x12 | 0x08, 0x12 | 0x20, 0x12 | 0x60];

/// A port-9100 printer answering `DLE EOT 1/2/4` with settable bytes and
/// keeping every job (the bytes besides the status questions).
struct FakePrinter {
    addr: String,
    status: Arc<Mutex<[u8; 3]>>,
    jobs: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl FakePrinter {
    fn start(status: [u8; 3]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let addr = listener.local_addr().expect("its address").to_string();
        let status = Arc::new(Mutex::new(status));
        let jobs = Arc::new(Mutex::new(Vec::new()));
        let (st, js) = (status.clone(), jobs.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let (mut got, mut job, mut buf) = (Vec::new(), Vec::new(), [0u8; 4096]);
                loop {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                    while !got.is_empty() {
                        if got.starts_with(&[0x10, 0x04]) && got.len() >= 3 {
                            let answers = *st.lock().expect("status");
                            let answer = answers[match got[2] {
                                1 => 0,
                                2 => 1,
                                _ => 2,
                            }];
                            let _ = stream.write_all(&[answer]);
                            got.drain(..3);
                        } else if got.starts_with(&[0x10]) && got.len() < 3 {
                            break;
                        } else {
                            job.push(got.remove(0));
                        }
                    }
                }
                if !job.is_empty() {
                    js.lock().expect("jobs").push(job);
                }
            }
        });
        Self { addr, status, jobs }
    }

    fn set(&self, status: [u8; 3]) {
        *self.status.lock().expect("status") = status;
    }

    fn jobs(&self) -> Vec<Vec<u8>> {
        self.jobs.lock().expect("jobs").clone()
    }
}

async fn login(api: &Api) -> String {
    let login = json!({"staff": "0001", "pin": ADMIN_PIN});
    let session = api.send(Method::POST, "/api/v1/session", None, Some(&login)).await.expect(201);
    session["token"].as_str().expect("a session token").to_string()
}

#[tokio::test]
async fn a_pending_print_survives_a_kill_and_prints_after_the_restart_when_paper_is_loaded() {
    let flags = ["--printer-poll-ms", "200", "--public-url", PUBLIC];
    let hall = Hall::new();
    hall.ok(&["init", "--non-interactive", "--pin", ADMIN_PIN]);
    let server = hall.serve_with(0, 0, &flags).unwrap_or_else(|e| panic!("{e}"));
    let api = Api::new(server.base());
    let sup = login(&api).await;
    let code = api.post(&sup, "/api/v1/pairing-codes", Some(json!({"role": "kiosk", "name": "取号机"}))).await;
    let code = code.expect(201);
    let pair = json!({"code": code["code"]});
    let kiosk = api.send(Method::POST, "/api/v1/pair", None, Some(&pair)).await.expect(201)["token"]
        .as_str()
        .expect("a kiosk token")
        .to_string();
    let kiosk_id = api.get(&kiosk, "/api/v1/me").await.expect(200)["terminal"].as_str().expect("an id").to_string();

    let fake = FakePrinter::start(PAPER_OUT);
    let printer = json!({"kind": "network", "address": fake.addr, "paper": 80});
    api.put(&sup, &format!("/api/v1/printers/{kiosk_id}"), printer).await.expect(200);
    let issued = api.post(&kiosk, "/api/v1/tickets", Some(json!({"service": "PAY"}))).await.expect(201);
    assert_eq!(issued["print"]["fault"]["code"], "printer_paper_out", "{issued}");
    assert_eq!(issued["print"]["job"]["state"], "pending");
    let ticket = issued["ticket"]["id"].as_str().expect("a ticket id").to_string();
    let number = issued["ticket"]["number"].as_str().expect("a number").to_string();

    // A power cut right after the answer.
    server.kill();
    let server = hall.serve_with(0, 0, &flags).unwrap_or_else(|e| panic!("{e}"));
    api.follow(server.base());
    let sup = login(&api).await;
    let pending = api.get(&sup, "/api/v1/print-jobs?state=pending").await.expect(200);
    assert_eq!(pending.as_array().map(Vec::len), Some(1), "the job survived: {pending}");
    assert!(fake.jobs().is_empty(), "nothing printed without paper");

    fake.set(READY);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let printed = api.get(&sup, "/api/v1/print-jobs?state=printed").await.expect(200);
        if printed.as_array().is_some_and(|a| a.len() == 1) {
            assert_eq!(printed[0]["ticket"], ticket.as_str());
            break;
        }
        assert!(Instant::now() < deadline, "the restarted server did not print the pending job");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while fake.jobs().is_empty() {
        assert!(Instant::now() < deadline, "the fake printer got nothing");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let jobs = fake.jobs();
    assert_eq!(jobs.len(), 1, "printed once");
    let job = read_job(&jobs[0]).unwrap_or_else(|why| panic!("{why}"));
    assert_eq!(job.qr_text(), Some(format!("{PUBLIC}/t/{ticket}").as_str()));
    assert!(
        job.lines.iter().any(|l| l.double && l.text.contains(&number)),
        "the number, double size: {:?}",
        job.texts()
    );
    assert!(job.chinese_mode_first() && job.ends_with_cut(), "ESC @ and Chinese mode first, the cut last");
    let printers: Value = api.get(&sup, "/api/v1/printers").await.expect(200);
    assert_eq!((printers[0]["status"]["state"].as_str(), printers[0]["pending"].as_u64()), (Some("ready"), Some(0)));
}
