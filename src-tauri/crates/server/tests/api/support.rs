//! The harness: a real hall server on 127.0.0.1:0 over a temporary database
//! and a manual clock, and a small HTTP client that returns status and JSON.

use std::sync::Arc;

use chrono::TimeZone;
use hallq_server::{AppState, Config, Server};
use hallq_store::hallq_core::{HallConfig, Staff, StaffRole};
use hallq_store::{ManualClock, Millis, Store};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

/// One minute, ms.
pub const MIN: Millis = 60_000;
/// The admin PIN every test hall is set up with.
pub const ADMIN_PIN: &str = "246810";
/// The PIN of the agents 1001 and 1002, once a test sets it.
pub const AGENT_PIN: &str = "1357";

/// A local time on 2026-11-27 (a Friday) in the hall's zone.
pub fn at(h: u32, m: u32, s: u32) -> Millis {
    chrono_tz::Asia::Shanghai.with_ymd_and_hms(2026, 11, 27, h, m, s).unwrap().timestamp_millis()
}

/// The tokens of a two-counter hall's terminals ([`Hall::terminals`]).
pub struct Terminals {
    pub kiosk: String,
    pub c1: String,
    pub c2: String,
    pub pad1: String,
    pub pad2: String,
    pub board: String,
}

/// A running server and its hall.
pub struct Hall {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The server's clock.
    pub clock: ManualClock,
    /// The server's state (for reading the log directly).
    pub state: AppState,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

/// An answer: status and JSON body (`Null` when empty).
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The body.
    pub body: Value,
    /// The `Cache-Control` header, if any.
    pub cache_control: Option<String>,
}

impl Answer {
    /// The error code of an error answer.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// Asserts a status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.body);
        self.body
    }

    /// Asserts an error with this status and code, bilingual.
    #[track_caller]
    pub fn expect_error(self, status: u16, code: &str) {
        assert_eq!((self.status, self.code()), (status, code), "{}", self.body);
        let (zh, en) = (self.body["message_zh"].as_str().unwrap(), self.body["message_en"].as_str().unwrap());
        assert!(!zh.is_empty() && !en.is_empty() && zh != en, "bilingual: {}", self.body);
    }
}

impl Hall {
    /// A default supply hall with agents 1001 and 1002, at 09:00 on the test day.
    pub async fn start() -> Self {
        Self::start_with(Config::default()).await
    }

    /// [`Hall::start`] with a configuration.
    pub async fn start_with(config: Config) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("hall.db")).unwrap();
        let id = Uuid::from_u128(0x4a11);
        let mut cfg = HallConfig::default_supply_hall(id, "T1", "测试营业厅");
        for (n, name) in [("1001", "王芳"), ("1002", "李强")] {
            cfg.staff.push(Staff {
                number: n.into(),
                name: name.into(),
                role: StaffRole::Agent,
                active: true,
                team: None,
            });
        }
        store.create_hall(&cfg, at(8, 0, 0)).unwrap();
        let clock = ManualClock::new(at(9, 0, 0));
        let engine = store.engine(id, Arc::new(clock.clone())).unwrap();
        let state = AppState::new(store, id, engine, Arc::new(clock.clone()), config);
        let server = Server::with_state(state.clone(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
        let base = format!("http://{}", server.local_addr());
        tokio::spawn(server.run(std::future::pending()));
        Self { base, clock, state, http: reqwest::Client::new(), _dir: dir }
    }

    /// Sends a request; `body` is sent as JSON.
    pub async fn send(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
        self.send_with(method, path, token, body, &[]).await
    }

    /// [`Hall::send`] with extra headers.
    pub async fn send_with(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let cache_control =
            res.headers().get(reqwest::header::CACHE_CONTROL).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let text = res.text().await.unwrap();
        let body =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        Answer { status, body, cache_control }
    }

    /// GET.
    pub async fn get(&self, token: &str, path: &str) -> Answer {
        self.send(Method::GET, path, Some(token), None).await
    }

    /// POST with a JSON body, or none.
    pub async fn post(&self, token: &str, path: &str, body: Option<Value>) -> Answer {
        self.send(Method::POST, path, Some(token), body).await
    }

    /// PUT with a JSON body.
    pub async fn put(&self, token: &str, path: &str, body: Value) -> Answer {
        self.send(Method::PUT, path, Some(token), Some(body)).await
    }

    /// The first-run setup: the admin PIN, and a supervisor session token.
    pub async fn supervisor(&self) -> String {
        let a = self.send(Method::POST, "/api/v1/setup", None, Some(json!({"pin": ADMIN_PIN}))).await;
        a.expect(201)["token"].as_str().unwrap().to_string()
    }

    /// Pairs a terminal through a code and returns its token.
    pub async fn pair(&self, supervisor: &str, role: &str, counter: Option<u32>) -> String {
        let code = self
            .post(supervisor, "/api/v1/pairing-codes", Some(json!({"role": role, "counter": counter, "name": role})))
            .await
            .expect(201);
        let code = code["code"].as_str().unwrap();
        let a = self.send(Method::POST, "/api/v1/pair", None, Some(json!({"code": code}))).await;
        a.expect(201)["token"].as_str().unwrap().to_string()
    }

    /// The terminals of a two-counter hall day, each paired.
    pub async fn terminals(&self, supervisor: &str) -> Terminals {
        Terminals {
            kiosk: self.pair(supervisor, "kiosk", None).await,
            c1: self.pair(supervisor, "counter", Some(1)).await,
            c2: self.pair(supervisor, "counter", Some(2)).await,
            pad1: self.pair(supervisor, "rating_pad", Some(1)).await,
            pad2: self.pair(supervisor, "rating_pad", Some(2)).await,
            board: self.pair(supervisor, "board", None).await,
        }
    }

    /// Sets the agents' PIN (1001 and 1002).
    pub async fn agent_pins(&self, supervisor: &str) {
        for n in ["1001", "1002"] {
            self.put(supervisor, &format!("/api/v1/settings/staff/{n}/pin"), json!({"pin": AGENT_PIN}))
                .await
                .expect(204);
        }
    }

    /// Logs `staff` in at `counter` and opens it.
    pub async fn open_counter(&self, token: &str, counter: u32, staff: &str) {
        self.post(token, &format!("/api/v1/counters/{counter}/login"), Some(json!({"staff": staff, "pin": AGENT_PIN})))
            .await
            .expect(200);
        self.post(token, &format!("/api/v1/counters/{counter}/open"), None).await.expect(200);
    }

    /// Issues a ticket for a service and returns it.
    pub async fn issue(&self, kiosk: &str, service: &str) -> Value {
        let a = self.post(kiosk, "/api/v1/tickets", Some(json!({"service": service}))).await;
        a.expect(201)["ticket"].clone()
    }

    /// Sets the server's clock.
    pub fn set_time(&self, ms: Millis) {
        self.clock.set(ms);
    }
}
