//! `/api/v1/live/{ticket}`: the live ticket page's data, for a customer's
//! phone that scanned the QR code — public, no token, by the ticket's full
//! id only (a number such as A012 is 404, so tickets cannot be walked) —
//! and its WebSocket `/stream`, which sends the view at once and again
//! whenever it changes, following the visit across transfers, and closes
//! after the visit ends. The streams are capped in total and per source
//! address (`connections::Bounds::open_live_stream`): beyond, a bilingual
//! 429 `live_streams_full`, and the page polls instead.

use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use hallq_store::hallq_core::{CoreError, TicketState, routing};
use hallq_store::{Reader, StoreError};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::connections::Peer;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::queue;
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(live)).routes(routes!(live_stream))
}

/// A client that does not take a message within this time is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Pings keep a phone's idle connection open through the Wi-Fi's NAT.
const PING_EVERY: Duration = Duration::from_secs(30);

/// A ticket as its customer sees it now (public; the full ticket id only).
#[utoipa::path(
    get, path = "/api/v1/live/{ticket}", tag = "live",
    security(()),
    params(("ticket" = String, Path, description = "the ticket's id (a UUID; numbers are not accepted)")),
    responses((status = 200, body = LiveTicketDto), (status = "4XX", body = ErrorBody))
)]
async fn live(State(state): State<AppState>, Path(ticket): Path<String>) -> ApiResult<Json<LiveTicketDto>> {
    let id = ticket_id(&ticket)?;
    Ok(Json(view(&state, id).await?))
}

/// The live ticket as a WebSocket: a `LiveTicketDto` text message at once,
/// again whenever it changes, and a last one when the visit ends.
#[utoipa::path(
    get, path = "/api/v1/live/{ticket}/stream", tag = "live",
    security(()),
    params(("ticket" = String, Path, description = "the ticket's id (a UUID)")),
    responses(
        (status = 101, description = "WebSocket: `LiveTicketDto` messages; closes after the visit ends"),
        (status = "4XX", body = ErrorBody, description = "429 `live_streams_full`: too many live streams (in all, or from this address); poll instead"),
    )
)]
async fn live_stream(
    State(state): State<AppState>,
    Path(ticket): Path<String>,
    Peer(peer): Peer,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let id = ticket_id(&ticket)?;
    let ws = ws.map_err(|_| ApiError::NotWebSocket)?;
    // Refuse an unknown ticket before upgrading, with a 404 the page can show.
    view(&state, id).await?;
    let place = state.bounds().open_live_stream(peer)?;
    Ok(ws.on_upgrade(move |socket| async move {
        let _place = place;
        if follow(state, id, socket).await.is_err() {
            tracing::debug!("live ticket client gone");
        }
    }))
}

fn ticket_id(s: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(s.trim()).map_err(|_| CoreError::UnknownTicket(s.to_string()).into())
}

async fn view(state: &AppState, id: Uuid) -> ApiResult<LiveTicketDto> {
    let now = state.now();
    state
        .read(move |r, hall| live_view(r, hall, id, now))
        .await?
        .ok_or_else(|| CoreError::UnknownTicket(id.to_string()).into())
}

/// The view of the visit `id` belongs to, from its newest leg.
fn live_view(r: &Reader, hall: Uuid, id: Uuid, now: i64) -> hallq_store::Result<Option<LiveTicketDto>> {
    let Some(t) = r.ticket(id)? else { return Ok(None) };
    let h = r.halls()?.into_iter().find(|h| h.id == hall).ok_or_else(|| StoreError::UnknownHall(hall.to_string()))?;
    let tickets = r.tickets_of_day(hall, t.business_day)?;
    // A ticket of another hall in the same database is not this hall's.
    if !tickets.iter().any(|o| o.id == id) {
        return Ok(None);
    }
    let newest = tickets.iter().filter(|o| o.visit_id == t.visit_id).max_by_key(|o| o.leg).unwrap_or(&t);
    let status = r.status(hall, now)?;
    let service = status.services.iter().find(|s| s.service.code == newest.service);
    let waiting = newest.state == TicketState::Waiting && t.business_day == h.business_day(now);
    let ahead = waiting.then(|| routing::people_ahead(&tickets, newest));
    let counter = newest.counter.and_then(|c| status.counters.iter().find(|n| n.counter.number == c));
    Ok(Some(LiveTicketDto {
        ticket: id,
        number: newest.number.clone(),
        service: newest.service.clone(),
        service_name: service.map_or_else(|| newest.service.clone(), |s| s.service.name_zh.clone()),
        service_name_en: service.map_or_else(|| newest.service.clone(), |s| s.service.name_en.clone()),
        hall_name: h.name.clone(),
        state: newest.state,
        people_ahead: ahead,
        estimated_wait_ms: ahead.and_then(|a| queue::estimate(newest, a, &status)),
        counter: newest.counter,
        counter_name: counter.map(|n| n.counter.name.clone()),
        counter_name_en: counter.map(|n| n.counter.english_name()),
        issued_at: newest.visit_issued_at,
        called_at: newest.last_called_at,
        seq: r.last_seq(hall)?,
    }))
}

/// Whether the visit is over: nothing more will change for the customer.
fn ended(v: &LiveTicketDto) -> bool {
    use hallq_store::hallq_core::TicketState as S;
    matches!(v.state, S::Done | S::NoShow | S::Cancelled | S::Expired)
}

/// The same view but for the seq: any event moves the seq, only some move
/// the customer's ticket.
fn same(a: &LiveTicketDto, b: &LiveTicketDto) -> bool {
    LiveTicketDto { seq: 0, ..a.clone() } == LiveTicketDto { seq: 0, ..b.clone() }
}

struct Gone;

async fn follow(state: AppState, id: Uuid, mut socket: WebSocket) -> Result<(), Gone> {
    // Subscribe before the first read: no change can slip between them.
    let mut live = state.engine().subscribe();
    let mut signal = state.shutdown_signal();
    let stopping = async move {
        let _ = signal.wait_for(|s| *s).await;
    };
    tokio::pin!(stopping);
    let mut last = view(&state, id).await.map_err(|_| Gone)?;
    send(&mut socket, &last).await?;
    if ended(&last) {
        return close(&mut socket, 1000, "visit ended").await;
    }
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            received = live.recv() => match received {
                Err(RecvError::Closed) => return close(&mut socket, 1001, "hall engine stopped").await,
                Ok(_) | Err(RecvError::Lagged(_)) => {
                    // Events come in bursts (a batch commit): read the view once for all.
                    while !matches!(live.try_recv(), Err(TryRecvError::Empty | TryRecvError::Closed)) {}
                    let now = view(&state, id).await.map_err(|_| Gone)?;
                    if !same(&now, &last) {
                        send(&mut socket, &now).await?;
                        last = now;
                        if ended(&last) {
                            return close(&mut socket, 1000, "visit ended").await;
                        }
                    }
                }
            },
            incoming = socket.recv() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Err(Gone),
                Some(Ok(_)) => {}
            },
            () = &mut stopping => return close(&mut socket, 1001, "server stopping").await,
            _ = ping.tick() => deliver(&mut socket, Message::Ping(Vec::new().into())).await?,
        }
    }
}

async fn send(socket: &mut WebSocket, v: &LiveTicketDto) -> Result<(), Gone> {
    let text = serde_json::to_string(v).map_err(|_| Gone)?;
    deliver(socket, Message::Text(text.into())).await
}

async fn deliver(socket: &mut WebSocket, msg: Message) -> Result<(), Gone> {
    match tokio::time::timeout(SEND_TIMEOUT, socket.send(msg)).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(Gone),
    }
}

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) -> Result<(), Gone> {
    deliver(socket, Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await
}

// ---------------------------------------------------------------- wire types

/// A ticket as its customer's phone shows it (the live ticket page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LiveTicketDto {
    /// The ticket id named (the visit's first or any leg).
    pub ticket: Uuid,
    /// The number now.
    pub number: String,
    /// The service code now.
    pub service: String,
    /// The service's name.
    pub service_name: String,
    /// The service's English name.
    pub service_name_en: String,
    /// The hall's name.
    pub hall_name: String,
    /// The visit's state now (its newest leg).
    pub state: TicketState,
    /// Customers ahead while waiting.
    pub people_ahead: Option<u32>,
    /// Estimated wait while waiting, ms.
    pub estimated_wait_ms: Option<i64>,
    /// The counter it is called to or served at.
    pub counter: Option<u32>,
    /// That counter's name.
    pub counter_name: Option<String>,
    /// That counter's English name (“Counter 3” when it has none).
    pub counter_name_en: Option<String>,
    /// When the visit began, UTC ms.
    pub issued_at: i64,
    /// When this leg was last called.
    pub called_at: Option<i64>,
    /// The hall's seq this view reflects.
    pub seq: u64,
}
