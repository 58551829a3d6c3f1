//! The forwarder: a tokio task started by `Server::run` (so `hallq serve`
//! and the desktop app's embedded server both have it) that pushes the
//! hall's event log to the bureau's centre when the hall has enrolled
//! (`hallq enrol`: the `central_link` row). No link, nothing runs.
//!
//! It reads the log with the store's `Reader` and never touches the engine:
//! the engine never waits for the centre. On start it asks the centre's
//! cursor (`GET /central/v1/cursor`: the centre is the truth about what it
//! holds), then pushes the events from there in gzip batches of at most
//! [`MAX_BATCH_EVENTS`] (`POST /central/v1/events`), woken by new events
//! (the engine's broadcast, after a short debounce) and by a periodic tick.
//! Each batch starts *at* the acknowledged seq, resending that one event, so
//! a hall restored from an older backup is caught by the centre the moment
//! it writes new events (409 `divergent_log`). The acknowledged seq is
//! recorded only from the centre's answer, which comes after its commit.
//!
//! A network failure, a 5xx or a 429 backs off (1 s doubling to 20 s, with
//! up to a quarter of jitter, so a hall is caught up within half a minute
//! of the WAN's return; `hallq serve --central-retry-max-s` changes the 20)
//! and asks the cursor again; any other refusal (`divergent_log`,
//! `key_revoked`, an unknown key, a 403 …) stops forwarding with the error
//! recorded for the board: retrying would only hammer the centre. A
//! restart of the server, or a new enrolment (`hallq enrol`, looked for
//! every [`RELINK_CHECK`] once stopped), tries again. A hall with no link
//! when the server starts forwards nothing until the server restarts.

use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use flate2::Compression;
use flate2::write::GzEncoder;
use hallq_store::{CentralFailure, CentralLink, Millis, StoredEvent};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

use crate::error::ErrorBody;
use crate::state::AppState;

/// Events one batch holds at most (the centre refuses more).
pub const MAX_BATCH_EVENTS: usize = 5_000;

/// How long new events are gathered before a push.
const DEBOUNCE: Duration = Duration::from_millis(200);

/// A push is tried this often even without a new event.
const TICK: Duration = Duration::from_secs(15);

/// The first wait after a failure; it doubles up to the server's
/// `Config::central_retry_max` (20 s by default).
const FIRST_BACKOFF: Duration = Duration::from_secs(1);

/// How often a stopped (or absent) forwarder looks for a new enrolment.
pub const RELINK_CHECK: Duration = Duration::from_secs(5);

/// The answer of a push and of the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledged {
    /// The hall's last seq the centre holds (0 when none).
    pub acknowledged_seq: u64,
}

/// Encodes events as a push's body: a gzip stream of JSON lines, one event
/// per line (the exchange file's event line with its hall id).
pub fn encode_batch(events: &[StoredEvent]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    for e in events {
        // Writing JSON into a Vec cannot fail: the events are plain data.
        serde_json::to_writer(&mut gz, e).expect("an event serialises");
        gz.write_all(b"\n").expect("a Vec takes every byte");
    }
    gz.finish().expect("a Vec takes every byte")
}

/// The centre's base URL as given to `hallq enrol`: http or https, no
/// query; the trailing `/` removed. Bad input is `(zh, en)`.
pub fn central_url(text: &str) -> Result<String, (String, String)> {
    let url = reqwest::Url::parse(text.trim()).map_err(|e| {
        (format!("中心地址 {text} 无效（{e}）"), format!("the centre's address {text} is not a URL ({e})"))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() || url.query().is_some() {
        return Err((
            format!("中心地址应为 http:// 或 https:// 开头的地址，例如 https://bureau.example:8791（收到 {text}）"),
            format!(
                "the centre's address must be an http:// or https:// URL, e.g. https://bureau.example:8791 (got {text})"
            ),
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// What the server knows about forwarding beyond the database's row:
/// whether it stopped, for which enrolment.
#[derive(Debug, Default)]
pub struct Forwarding {
    stopped_for: Mutex<Option<Millis>>,
}

impl Forwarding {
    /// Whether forwarding stopped for the link enrolled at `enrolled_at`.
    pub fn stopped(&self, enrolled_at: Millis) -> bool {
        *self.stopped_for.lock().unwrap_or_else(|p| p.into_inner()) == Some(enrolled_at)
    }

    fn stop(&self, enrolled_at: Millis) {
        *self.stopped_for.lock().unwrap_or_else(|p| p.into_inner()) = Some(enrolled_at);
    }
}

/// A failed call to the centre, and whether trying again can help.
#[derive(Debug)]
struct Failure {
    code: String,
    zh: String,
    en: String,
    /// Refused for good (`divergent_log`, `key_revoked` …): stop.
    fatal: bool,
}

impl Failure {
    fn unreachable(e: &reqwest::Error) -> Self {
        Self {
            code: "central_unreachable".into(),
            zh: format!("无法连接中心（{e}），稍后自动重试"),
            en: format!("the centre cannot be reached ({e}); retrying by itself"),
            fatal: false,
        }
    }

    /// The centre answered `status` with `body` (its `ErrorBody`, or not).
    fn refused(status: StatusCode, body: &[u8]) -> Self {
        let ErrorBody { code, message_zh, message_en } = serde_json::from_slice(body).unwrap_or_else(|_| ErrorBody {
            code: format!("http_{}", status.as_u16()),
            message_zh: format!("中心答复 HTTP {status}"),
            message_en: format!("the centre answered HTTP {status}"),
        });
        // A gap heals by asking the cursor again (the centre lost events it
        // had acknowledged: a centre restored from its own backup).
        let transient = status.is_server_error()
            || status == StatusCode::TOO_MANY_REQUESTS
            || status == StatusCode::REQUEST_TIMEOUT
            || code == "sequence_gap";
        let stopped = if transient { "" } else { "；已停止转发，重新注册或重启服务后再试" };
        let stopped_en =
            if transient { "" } else { "; forwarding stopped until the hall enrols again or the server restarts" };
        Self { zh: format!("{message_zh}{stopped}"), en: format!("{message_en}{stopped_en}"), code, fatal: !transient }
    }
}

/// The centre as the forwarder talks to it.
struct Centre {
    http: reqwest::Client,
    link: CentralLink,
}

impl Centre {
    fn new(link: CentralLink) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap_or_default();
        Self { http, link }
    }

    async fn answer(&self, request: reqwest::RequestBuilder) -> Result<u64, Failure> {
        let response = request.bearer_auth(&self.link.key).send().await.map_err(|e| Failure::unreachable(&e))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| Failure::unreachable(&e))?;
        if !status.is_success() {
            return Err(Failure::refused(status, &body));
        }
        serde_json::from_slice::<Acknowledged>(&body).map(|a| a.acknowledged_seq).map_err(|e| Failure {
            code: "central_bad_answer".into(),
            zh: format!("中心的答复无法理解（{e}）"),
            en: format!("the centre's answer cannot be understood ({e})"),
            fatal: false,
        })
    }

    async fn cursor(&self) -> Result<u64, Failure> {
        self.answer(self.http.get(format!("{}/central/v1/cursor", self.link.url))).await
    }

    async fn push(&self, batch: Vec<u8>) -> Result<u64, Failure> {
        let request = self
            .http
            .post(format!("{}/central/v1/events", self.link.url))
            .header(reqwest::header::CONTENT_TYPE, "application/gzip")
            .body(batch);
        self.answer(request).await
    }
}

/// Starts the forwarder; it ends when the server shuts down.
pub(crate) fn spawn(state: AppState) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut shutdown = state.shutdown_signal();
        let mut tried: Option<Millis> = None;
        loop {
            let link = match blocking(&state, |s| s.store().central_link(s.hall())).await {
                Ok(link) => link,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the link to the centre");
                    None
                }
            };
            match link {
                // A link not tried yet (at start, or a new enrolment).
                Some(link) if tried != Some(link.enrolled_at) => {
                    tried = Some(link.enrolled_at);
                    if forward(&state, link).await.is_none() {
                        return;
                    }
                }
                // No link at start: nothing runs.
                None if tried.is_none() => return,
                _ => {}
            }
            tokio::select! {
                () = stopping(&mut shutdown) => return,
                () = tokio::time::sleep(RELINK_CHECK) => {}
            }
        }
    })
}

/// Resolves when the server begins to stop.
async fn stopping(shutdown: &mut tokio::sync::watch::Receiver<bool>) {
    // The sender lives as long as the state: an error is never seen here.
    let _ = shutdown.wait_for(|s| *s).await;
}

/// Runs `f` on the state off the executor.
async fn blocking<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&AppState) -> hallq_store::Result<T> + Send + 'static,
) -> hallq_store::Result<T> {
    let s = state.clone();
    tokio::task::spawn_blocking(move || f(&s)).await.unwrap_or(Err(hallq_store::StoreError::EngineStopped))
}

/// Forwards for one link until it stops (`Some`) or the server shuts down
/// or the engine stops (`None`).
async fn forward(state: &AppState, link: CentralLink) -> Option<()> {
    let enrolled_at = link.enrolled_at;
    tracing::info!(url = %link.url, "forwarding the hall's log to the centre");
    let centre = Centre::new(link);
    let mut shutdown = state.shutdown_signal();
    let mut events = state.engine().subscribe();
    let mut backoff = FIRST_BACKOFF;
    // What the centre says it holds; asked again after every failure.
    let mut cursor: Option<u64> = None;
    // The hall's last seq the centre has confirmed holding as the hall has it.
    let mut confirmed = 0u64;
    loop {
        if *shutdown.borrow() {
            return None;
        }
        let round = async {
            let at = match cursor {
                Some(at) => at,
                None => {
                    let at = centre.cursor().await?;
                    acknowledged(state, enrolled_at, at).await;
                    at
                }
            };
            cursor = Some(at);
            let last = blocking(state, |s| s.store().reader()?.last_seq(s.hall())).await.unwrap_or(0);
            if last <= confirmed {
                return Ok(false);
            }
            // Resend the event at the cursor (or the hall's last, if the
            // centre holds more than the hall): the centre compares it.
            let from = at.min(last).max(1);
            let batch =
                blocking(state, move |s| s.store().reader()?.events_since(s.hall(), from - 1, MAX_BATCH_EVENTS))
                    .await
                    .map_err(|e| Failure {
                        code: "log_unreadable".into(),
                        zh: format!("无法读取本厅事件日志（{}）", e.message_zh()),
                        en: format!("the hall's log cannot be read ({})", e.message_en()),
                        fatal: false,
                    })?;
            let Some(sent) = batch.last().map(|e| e.seq) else { return Ok(false) };
            let body = tokio::task::spawn_blocking(move || encode_batch(&batch)).await.unwrap_or_default();
            let at = centre.push(body).await?;
            acknowledged(state, enrolled_at, at).await;
            cursor = Some(at);
            confirmed = sent;
            Ok::<bool, Failure>(sent < last)
        };
        // A push in flight when the server stops is dropped: its answer is
        // what would have moved the cursor, and the next start resends.
        let result = tokio::select! {
            () = stopping(&mut shutdown) => return None,
            result = round => result,
        };
        match result {
            // More to send: at once.
            Ok(true) => backoff = FIRST_BACKOFF,
            Ok(false) => {
                backoff = FIRST_BACKOFF;
                tokio::select! {
                    () = stopping(&mut shutdown) => return None,
                    received = events.recv() => {
                        if matches!(received, Err(RecvError::Closed)) {
                            return None;
                        }
                        tokio::time::sleep(DEBOUNCE).await;
                    }
                    () = tokio::time::sleep(TICK) => {}
                }
            }
            Err(failure) => {
                let fatal = failure.fatal;
                tracing::warn!(code = %failure.code, error = %failure.en, "forwarding to the centre failed");
                let record = CentralFailure { at: state.now(), code: failure.code, zh: failure.zh, en: failure.en };
                if let Err(e) = blocking(state, move |s| s.store().central_failed(s.hall(), enrolled_at, &record)).await
                {
                    tracing::warn!(error = %e, "cannot record the centre's failure");
                }
                if fatal {
                    state.forwarding().stop(enrolled_at);
                    return Some(());
                }
                cursor = None;
                tokio::select! {
                    () = stopping(&mut shutdown) => return None,
                    () = tokio::time::sleep(jittered(backoff.min(state.config().central_retry_max))) => {}
                }
                backoff = (backoff * 2).min(state.config().central_retry_max);
            }
        }
    }
}

/// Records the centre's answer (it holds the log up to `seq`).
async fn acknowledged(state: &AppState, enrolled_at: Millis, seq: u64) {
    let now = state.now();
    if let Err(e) = blocking(state, move |s| s.store().central_acknowledged(s.hall(), enrolled_at, seq, now)).await {
        tracing::warn!(error = %e, "cannot record the centre's acknowledgement");
    }
}

/// `wait` plus up to a quarter more, so halls cut off together do not
/// all come back at the same instant.
fn jittered(wait: Duration) -> Duration {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().subsec_nanos();
    wait + wait.mul_f64(f64::from(nanos % 1000) / 4000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_centre_is_an_http_or_https_url() {
        assert_eq!(central_url(" https://bureau.example:8791/ ").unwrap(), "https://bureau.example:8791");
        assert_eq!(central_url("http://127.0.0.1:8791").unwrap(), "http://127.0.0.1:8791");
        for bad in ["ftp://bureau.example", "bureau.example:8791", "", "https://b.example/?x=1"] {
            assert!(central_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refusals_stop_and_outages_retry() {
        let body = |code: &str| format!(r#"{{"code":"{code}","message_zh":"中","message_en":"en"}}"#).into_bytes();
        assert!(Failure::refused(StatusCode::CONFLICT, &body("divergent_log")).fatal);
        assert!(Failure::refused(StatusCode::UNAUTHORIZED, &body("key_revoked")).fatal);
        assert!(Failure::refused(StatusCode::FORBIDDEN, b"not json").fatal);
        assert!(!Failure::refused(StatusCode::CONFLICT, &body("sequence_gap")).fatal);
        assert!(!Failure::refused(StatusCode::INTERNAL_SERVER_ERROR, &body("internal")).fatal);
        assert!(!Failure::refused(StatusCode::TOO_MANY_REQUESTS, b"").fatal);
        let f = Failure::refused(StatusCode::CONFLICT, &body("divergent_log"));
        assert!(f.zh.starts_with("中") && f.en.starts_with("en") && f.en.contains("stopped"));
    }

    #[test]
    fn jitter_adds_at_most_a_quarter() {
        let j = jittered(Duration::from_secs(4));
        assert!(j >= Duration::from_secs(4) && j <= Duration::from_secs(5));
    }
}
