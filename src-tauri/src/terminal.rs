//! Terminal mode: this PC's screens come from a hall server elsewhere on the
//! LAN. Pairs each screen with the supervisor's 6-digit code (once; the token
//! is kept in the config), checks the supervisor PIN with the server, and
//! watches the server: when it cannot be reached every screen shows the
//! shell's "cannot reach the hall server" page, and returns to its page by
//! itself as soon as the server answers again.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Deserialize;
use tauri::{AppHandle, Manager, Runtime, Url};
use tokio::sync::Notify;

use crate::windows;

/// How often the server is checked, and how long one check may take.
const PERIOD: Duration = Duration::from_secs(2);
const TIMEOUT: Duration = Duration::from_secs(2);

/// Pairing or a PIN check against the hall server failed.
#[derive(Debug, thiserror::Error)]
pub enum TerminalError {
    /// The server did not answer.
    #[error("无法连接营业厅服务器 {0} / cannot reach the hall server {0}")]
    Unreachable(String),
    /// The server refused (a wrong or used code, a wrong PIN).
    #[error("{0}")]
    Refused(String),
}

/// An HTTP client with short timeouts (a LAN answers fast or not at all).
fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(TIMEOUT * 3).build().expect("an HTTP client")
}

#[derive(Deserialize)]
struct Paired {
    token: String,
}

#[derive(Deserialize)]
struct Refusal {
    message_zh: String,
    message_en: String,
}

/// Redeems a pairing code at the hall server; returns the terminal's token.
pub async fn pair(server: &str, code: &str) -> Result<String, TerminalError> {
    let body = serde_json::json!({ "code": code });
    Ok(post(server, "/api/v1/pair", body).await?.json::<Paired>().await.map_err(|e| refused(&e))?.token)
}

/// Whether `pin` is the supervisor's, asked of the server (which counts
/// wrong tries and locks like for every PIN).
pub async fn check_pin(server: &str, pin: &str) -> Result<bool, TerminalError> {
    let body = serde_json::json!({ "staff": crate::embedded_server::SUPERVISOR, "pin": pin });
    match post(server, "/api/v1/session", body).await {
        Ok(_) => Ok(true),
        Err(TerminalError::Refused(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

async fn post(server: &str, path: &str, body: serde_json::Value) -> Result<reqwest::Response, TerminalError> {
    let url = format!("{}{path}", server.trim_end_matches('/'));
    let response =
        client().post(&url).json(&body).send().await.map_err(|_| TerminalError::Unreachable(server.to_string()))?;
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status();
    Err(match response.json::<Refusal>().await {
        Ok(r) => TerminalError::Refused(format!("{} / {}", r.message_zh, r.message_en)),
        Err(_) => TerminalError::Refused(format!("HTTP {status}")),
    })
}

fn refused(e: &reqwest::Error) -> TerminalError {
    TerminalError::Refused(e.to_string())
}

/// Whether the hall server answers its health check now.
pub async fn reachable(server: &str) -> bool {
    let url = format!("{}/api/v1/health", server.trim_end_matches('/'));
    let check = reqwest::Client::builder().timeout(TIMEOUT).build().expect("an HTTP client").get(url).send();
    matches!(check.await, Ok(r) if r.status().is_success())
}

/// The watchdog's state, managed by the app: whether the server was reached
/// at the last check, and a way to ask for a check now (the page's Retry).
#[derive(Debug, Default)]
pub struct Reachability {
    up: AtomicBool,
    retry: Notify,
}

impl Reachability {
    /// Whether the server answered at the last check.
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::SeqCst)
    }

    /// Checks again now rather than at the next period.
    pub fn retry(&self) {
        self.retry.notify_one();
    }
}

/// Watches `server` for as long as the app runs. `screens` pairs each window
/// label with its page URL; on a change of state each window goes to the
/// unreachable page, or back to its page.
pub fn watch<R: Runtime>(app: AppHandle<R>, server: String, screens: Vec<(String, Url)>, up: bool) {
    let state = app.state::<Arc<Reachability>>().inner().clone();
    state.up.store(up, Ordering::SeqCst);
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::select! {
                () = tokio::time::sleep(PERIOD) => {}
                () = state.retry.notified() => {}
            }
            let now_up = reachable(&server).await;
            if now_up == state.up.swap(now_up, Ordering::SeqCst) {
                continue;
            }
            tracing::info!(server = %server, up = now_up, "hall server reachability changed");
            for (label, page) in &screens {
                let Some(window) = app.get_webview_window(label) else { continue };
                let target = if now_up { page.clone() } else { unreachable_page(&server) };
                if let Err(error) = window.navigate(target) {
                    tracing::warn!(%error, label, "could not switch the window");
                }
            }
        }
    });
}

/// The shell's "cannot reach the hall server" page, naming the server.
pub fn unreachable_page(server: &str) -> Url {
    let mut url = windows::local_page("unreachable.html");
    url.query_pairs_mut().append_pair("server", server);
    url
}
