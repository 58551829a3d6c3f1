//! `/api/v1/stream`: the hall's events over a WebSocket, in order, exactly
//! once each.
//!
//! Without `since`, the first message is a snapshot of the hall with the seq
//! it reflects; with `since`, the events after it are replayed from the log.
//! Then every committed event follows. The order of steps is what makes it
//! gapless: subscribe to the engine's fan-out *before* reading the snapshot
//! or the log, so an event committed meanwhile is either read or received;
//! skip received events at or below the last seq sent; and whenever the
//! received seq jumps (the subscriber lagged behind the engine's buffer),
//! read the gap from the log. The log is the truth; the fan-out is only the
//! fast path.
//!
//! A stream lives no longer than its token: when its terminal is revoked
//! or its supervisor session ends (runs out, is logged out or revoked), it
//! is sent the bilingual error and closed at once, with close code
//! [`CLOSE_REVOKED`] (reason `terminal_revoked`: pair again) or
//! [`CLOSE_EXPIRED`] (reason `session_expired`: log in again); the page
//! shows why.

use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use hallq_store::StoredEvent;
use hallq_store::hallq_core::{Actor, EventData};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::Query;
use crate::routes::hall::StatusDto;
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(stream))
}

/// Events read from the log per query when catching up.
const CHUNK: usize = 1_000;
/// A client that does not take a message within this time is dropped (it
/// reconnects with `since` and misses nothing).
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Pings keep idle connections through NATs and find dead clients.
const PING_EVERY: Duration = Duration::from_secs(30);
/// How often a session's stream looks at the clock for its expiry.
const EXPIRY_CHECK: Duration = Duration::from_secs(1);
/// The close code of a stream whose terminal was revoked.
pub const CLOSE_REVOKED: u16 = 4001;
/// The close code of a stream whose session expired.
pub const CLOSE_EXPIRED: u16 = 4002;

/// Where the stream starts.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct StreamParams {
    /// Replay the events after this seq first (a reconnect); without it the
    /// stream starts with a snapshot.
    since: Option<u64>,
    /// The terminal's token (browsers cannot set headers on a WebSocket).
    #[expect(dead_code, reason = "the auth guard reads it from the query; declared here for the API document")]
    token: Option<String>,
}

/// The live event stream (WebSocket): JSON text messages, each a `StreamMessage`.
#[utoipa::path(
    get, path = "/api/v1/stream", tag = "stream",
    security(("token" = ["stream"])),
    params(StreamParams),
    responses(
        (status = 101, description = "WebSocket: a snapshot (or the replay after `since`), then every event in seq order; messages are `StreamMessage`. Closes with 4001 `terminal_revoked` when the terminal is revoked and 4002 `session_expired` when a supervisor session runs out or is ended, after an `error` message saying so"),
        (status = "4XX", body = ErrorBody),
    )
)]
async fn stream(
    State(state): State<AppState>,
    caller: Caller,
    Query(p): Query<StreamParams>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let ws = ws.map_err(|_| ApiError::NotWebSocket)?;
    Ok(ws.on_upgrade(move |socket| async move {
        let mut feed = Feed { state, caller, socket, last: 0 };
        if feed.run(p.since).await.is_err() {
            tracing::debug!("stream client gone");
        }
    }))
}

/// What to do with an event received live.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    /// Already sent (read from the log or the snapshot): skip it.
    Skip,
    /// The next one: send it.
    Send,
    /// Events between were lost (the subscriber lagged): read them from the log.
    Refill,
}

/// The rule that makes the stream exactly-once: `last` is the last seq sent.
fn step(last: u64, seq: u64) -> Step {
    if seq <= last {
        Step::Skip
    } else if seq == last + 1 {
        Step::Send
    } else {
        Step::Refill
    }
}

/// Resolves once the server begins to stop.
async fn stopped(mut signal: tokio::sync::watch::Receiver<bool>) {
    // An error means the state is gone: the server is stopping too.
    let _ = signal.wait_for(|stopping| *stopping).await;
}

/// Whether the database says the terminal was revoked (after notices were
/// missed). Owned arguments: a `&Feed` cannot be held across an await.
async fn revoked_in_log(state: AppState, id: uuid::Uuid) -> bool {
    let terminals = state.read(|r, hall| r.terminals(hall)).await;
    terminals.is_ok_and(|ts| ts.iter().any(|t| t.id == id && t.revoked_at.is_some()))
}

/// The client went away (or would not take messages).
struct Gone;

/// One client's stream: who it is for, the socket and the last seq it was sent.
struct Feed {
    state: AppState,
    caller: Caller,
    socket: WebSocket,
    last: u64,
}

impl Feed {
    async fn run(&mut self, since: Option<u64>) -> Result<(), Gone> {
        // Subscribe first: nothing committed (or revoked) from here on can be missed.
        let mut live = self.state.engine().subscribe();
        let mut revocations = self.state.revocations();
        if let Some(reason) = self.ended() {
            return self.end(reason).await;
        }
        let stopping = stopped(self.state.shutdown_signal());
        tokio::pin!(stopping);
        match since {
            None => {
                let now = self.state.now();
                let (seq, status) =
                    self.state.read(move |r, hall| r.status_with_seq(hall, now)).await.map_err(|_| Gone)?;
                self.send(&StreamMessage::Snapshot(SnapshotDto { seq, status: status.into() })).await?;
                self.last = seq;
            }
            Some(since) => {
                let last = self.state.read(|r, hall| r.last_seq(hall)).await.map_err(|_| Gone)?;
                if since > last {
                    let e = ApiError::invalid(
                        format!("since={since} 超出营业厅最新序号 {last}，请不带 since 重新连接"),
                        format!("since={since} is past the hall's last seq {last}; reconnect without `since`"),
                    );
                    self.send(&StreamMessage::Error(e.body())).await?;
                    return self.close(1008, "bad since").await;
                }
                self.last = since;
            }
        }
        self.catch_up().await?;
        let mut ping = tokio::time::interval(PING_EVERY);
        ping.tick().await;
        let mut expiry = tokio::time::interval(EXPIRY_CHECK);
        let expires = self.caller.expires_at.is_some();
        loop {
            tokio::select! {
                received = live.recv() => match received {
                    Err(RecvError::Closed) => return self.close(1001, "hall engine stopped").await,
                    // A revocation answered before this event was committed
                    // wins, whichever of the two the loop sees first.
                    Ok(_) if self.state.tokens().is_revoked(self.caller.terminal) => {
                        return self.end(self.revoked()).await;
                    }
                    Ok(e) => match step(self.last, e.seq) {
                        Step::Skip => {}
                        Step::Send => self.event(&e).await?,
                        Step::Refill => self.catch_up().await?,
                    },
                    Err(RecvError::Lagged(_)) => self.catch_up().await?,
                },
                incoming = self.socket.recv() => match incoming {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Err(Gone),
                    Some(Ok(_)) => {}
                },
                revoked = revocations.recv() => match revoked {
                    Ok(id) if id != self.caller.terminal => {}
                    Ok(_) => return self.end(self.revoked()).await,
                    Err(RecvError::Lagged(_)) => {
                        if revoked_in_log(self.state.clone(), self.caller.terminal).await {
                            return self.end(self.revoked()).await;
                        }
                    }
                    Err(RecvError::Closed) => return self.close(1001, "server stopping").await,
                },
                _ = expiry.tick(), if expires => {
                    if let Some(reason) = self.ended() {
                        return self.end(reason).await;
                    }
                }
                () = &mut stopping => return self.close(1001, "server stopping").await,
                _ = ping.tick() => self.deliver(Message::Ping(Vec::new().into())).await?,
            }
        }
    }

    /// Why this stream's token no longer works, if it does not: its
    /// terminal was revoked here, or its session ran out.
    fn ended(&self) -> Option<ApiError> {
        if self.state.tokens().is_revoked(self.caller.terminal) {
            return Some(self.revoked());
        }
        self.caller.expires_at.is_some_and(|e| e <= self.state.now()).then_some(ApiError::SessionExpired)
    }

    /// The reason a revoked token's stream ends: a paired terminal must be
    /// paired again; a supervisor session (logged out, or revoked in the
    /// terminals list) must log in again.
    fn revoked(&self) -> ApiError {
        if self.caller.role == Role::Supervisor { ApiError::SessionExpired } else { ApiError::TerminalRevoked }
    }

    /// Tells the client why its stream ends, then closes it.
    async fn end(&mut self, reason: ApiError) -> Result<(), Gone> {
        let code = if matches!(reason, ApiError::SessionExpired) { CLOSE_EXPIRED } else { CLOSE_REVOKED };
        tracing::info!(terminal = %self.caller.terminal, reason = reason.code(), "stream closed");
        self.send(&StreamMessage::Error(reason.body())).await?;
        self.close(code, reason.code()).await
    }

    /// Sends every logged event after the last one sent, until caught up.
    async fn catch_up(&mut self) -> Result<(), Gone> {
        loop {
            let after = self.last;
            let events = self.state.read(move |r, hall| r.events_since(hall, after, CHUNK)).await.map_err(|_| Gone)?;
            for e in &events {
                self.event(e).await?;
            }
            if events.len() < CHUNK {
                return Ok(());
            }
        }
    }

    async fn event(&mut self, e: &StoredEvent) -> Result<(), Gone> {
        self.send(&StreamMessage::Event(EventDto::from(e))).await?;
        self.last = e.seq;
        Ok(())
    }

    async fn send(&mut self, msg: &StreamMessage) -> Result<(), Gone> {
        let text = serde_json::to_string(msg).map_err(|_| Gone)?;
        self.deliver(Message::Text(text.into())).await
    }

    async fn deliver(&mut self, msg: Message) -> Result<(), Gone> {
        match tokio::time::timeout(SEND_TIMEOUT, self.socket.send(msg)).await {
            Ok(Ok(())) => Ok(()),
            _ => Err(Gone),
        }
    }

    async fn close(&mut self, code: u16, reason: &'static str) -> Result<(), Gone> {
        self.deliver(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await
    }
}

// ---------------------------------------------------------------- wire types

/// One event of the hall's log.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventDto {
    /// Per-hall sequence number, gapless from 1.
    pub seq: u64,
    /// UUIDv7.
    pub id: Uuid,
    /// UTC ms.
    pub at: i64,
    /// Event kind, e.g. `ticket_called`.
    pub kind: String,
    /// Who caused it, as in the log: `{"type": "staff", "id": "1001"}`.
    #[schema(value_type = Object)]
    pub actor: Actor,
    /// The event as the log stores it (`kind` plus its fields); the log's
    /// format is stable: kinds are only ever added.
    #[schema(value_type = Object)]
    pub data: EventData,
}

impl From<&StoredEvent> for EventDto {
    fn from(e: &StoredEvent) -> Self {
        Self {
            seq: e.seq,
            id: e.id,
            at: e.at,
            kind: e.data.kind().to_string(),
            actor: e.actor.clone(),
            data: e.data.clone(),
        }
    }
}

/// The hall at one seq: the stream's first message.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SnapshotDto {
    /// Events after this seq follow.
    pub seq: u64,
    /// The hall at that seq.
    pub status: StatusDto,
}

/// A message of `/api/v1/stream` (JSON text frames).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamMessage {
    /// First, without `since`: the hall now.
    Snapshot(SnapshotDto),
    /// Then every event, in seq order, once each.
    Event(EventDto),
    /// The stream cannot go on (a `since` from the future); it closes.
    Error(ErrorBody),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_messages_are_tagged_by_type() {
        let e = StoredEvent {
            id: Uuid::from_u128(9),
            hall_id: Uuid::from_u128(1),
            seq: 7,
            at: 100,
            actor: Actor::Staff("1001".into()),
            data: EventData::CounterOpened { counter: 3 },
        };
        let v = serde_json::to_value(StreamMessage::Event(EventDto::from(&e))).unwrap();
        assert_eq!(v["type"], "event");
        assert_eq!(v["seq"], 7);
        assert_eq!(v["kind"], "counter_opened");
        assert_eq!(v["data"]["counter"], 3);
        assert_eq!(v["actor"]["id"], "1001");
    }

    #[test]
    fn live_events_are_sent_once_each_and_a_gap_is_read_from_the_log() {
        assert_eq!(step(10, 9), Step::Skip, "already read from the log before going live");
        assert_eq!(step(10, 10), Step::Skip);
        assert_eq!(step(10, 11), Step::Send);
        assert_eq!(step(10, 13), Step::Refill, "11 and 12 were missed");
    }
}
