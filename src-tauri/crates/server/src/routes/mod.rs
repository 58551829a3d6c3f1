//! The `/api/v1` routes, one module per area. Each module owns its paths
//! (written out in full in its `#[utoipa::path]` attributes, so a path seen
//! in a log can be found with grep) and its `router()`; handlers are thin
//! adapters over the hall engine and the store. A module's request and
//! response types (with their OpenAPI schemas and their mapping from the
//! store's types) follow its handlers, under "wire types"; the types more
//! than one area uses are in [`crate::wire`]. Every handler names its
//! permission in the `security` of its attribute: that is what the guard
//! enforces (see [`crate::auth`]).
//!
//! Read in this order: `tickets` (the kiosk), `serving` and `counters` (the
//! counter), `rating` (the pad), `hall` (display and board), `kpis`,
//! `settings`, `terminals` and `session` (the supervisor), `stream`, `meta`,
//! `voice` (the display's spoken calls), `reports`, `staffing` and
//! `inspection` (the reports page), `central` (the sync state with the
//! bureau's centre), `printing` (printers, print jobs,
//! reprint), `live` (the customer's live ticket), `cases` (commitments: the
//! cases opened at counters, the board's due list, the catalogue and the
//! calendar); `pages` serves the UI itself.

mod cases;
mod central;
pub(crate) mod counters;
pub(crate) mod follow_ups;
pub(crate) mod hall;
mod inspection;
pub(crate) mod kpis;
pub(crate) mod live;
pub(crate) mod meta;
pub mod pages;
pub(crate) mod printing;
pub(crate) mod rating;
pub(crate) mod reports;
pub(crate) mod serving;
pub(crate) mod session;
pub(crate) mod settings;
mod staffing;
pub(crate) mod stream;
pub(crate) mod teams;
pub(crate) mod terminals;
pub(crate) mod tickets;
mod voice;

use chrono::NaiveDate;
use hallq_store::hallq_core::{Command, Ticket};
use hallq_store::{Reader, StoreError};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::{IdempotencyKey, Json};
use crate::openapi::ApiDoc;
use crate::state::AppState;
use crate::wire::CommandAnswer;

/// Every route, with the document's frame.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(tickets::router())
        .merge(serving::router())
        .merge(counters::router())
        .merge(rating::router())
        .merge(hall::router())
        .merge(kpis::router())
        .merge(staffing::router())
        .merge(reports::router())
        .merge(inspection::router())
        .merge(teams::router())
        .merge(follow_ups::router())
        .merge(cases::router())
        .merge(settings::router())
        .merge(terminals::router())
        .merge(session::router())
        .merge(stream::router())
        .merge(meta::router())
        .merge(central::router())
        .merge(voice::router())
        .merge(printing::router())
        .merge(live::router())
}

/// A staff action at a counter: recorded as the staff member logged in
/// there (or the supervisor acting), executed, answered.
async fn staff_command(
    state: &AppState,
    caller: &Caller,
    counter: u32,
    cmd: Command,
    key: &IdempotencyKey,
) -> ApiResult<Json<CommandAnswer>> {
    let actor = state.staff_actor(caller, counter).await?;
    Ok(Json(state.execute(actor, cmd, key.scoped(caller)).await?.into()))
}

/// The hall's business day at `now`.
fn today(r: &Reader, hall: Uuid, now: i64) -> hallq_store::Result<NaiveDate> {
    let h = r.halls()?.into_iter().find(|h| h.id == hall).ok_or_else(|| StoreError::UnknownHall(hall.to_string()))?;
    Ok(h.business_day(now))
}

/// Today's tickets, every leg.
fn tickets_today(r: &Reader, hall: Uuid, now: i64) -> hallq_store::Result<Vec<Ticket>> {
    r.tickets_of_day(hall, today(r, hall, now)?)
}
