//! `/api/v1/reports/staffing` and `/api/v1/reports/simulate`: the counters
//! each hour of the week needed by Erlang C beside those actually open, and
//! the what-if simulation of a staffing through the real queue logic
//! (hallq-core's `simulation`), both for supervisors and the bureau board.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::State;
use chrono::NaiveDate;
use hallq_store::hallq_core::simulation::{ManyDays, OverDays, Scenario};
use hallq_store::hallq_core::{CoreError, Kpis};
use hallq_store::{StaffingQuery, StaffingReport, StaffingRow, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::kpis::check_range;
use super::today;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, Query};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(staffing)).routes(routes!(simulate))
}

/// The range, halls and target of a staffing advice.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct StaffingParams {
    /// First business day, `YYYY-MM-DD` (default 27 days before `to`).
    from: Option<NaiveDate>,
    /// Last business day, inclusive (default today).
    to: Option<NaiveDate>,
    /// A hall's code or id, or `all` for every hall (default this hall).
    hall: Option<String>,
    /// Share of customers to call within the target wait, above 0 and below 1 (default 0.8).
    target_share: Option<f64>,
}

/// Staffing advice per hour of the week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StaffingDto {
    /// First business day.
    pub from: NaiveDate,
    /// Last business day.
    pub to: NaiveDate,
    /// The share to call within the target wait.
    pub target_share: f64,
    /// The services' target wait weighted by their tickets, ms (null without tickets).
    pub target_wait_ms: Option<i64>,
    /// One row per hall and hour of the week with arrivals.
    pub rows: Vec<StaffingRowDto>,
}

/// One hour of the week of one hall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StaffingRowDto {
    /// The hall's code.
    pub hall: String,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u8,
    /// Local hour of day, 0–23.
    pub hour: u8,
    /// Open days of this weekday averaged over.
    pub days: u32,
    /// Mean visits in this hour.
    pub arrivals_per_hour: f64,
    /// Mean handling, ms.
    pub handling_mean_ms: Option<i64>,
    /// Mean counters open in this hour.
    pub open_counters: f64,
    /// Counters Erlang C advises (null: no handling known, or too many).
    pub advised_counters: Option<u32>,
    /// Predicted share within the target wait at the open counters.
    pub within_target_at_open: Option<f64>,
    /// Predicted share within the target wait at the advised counters.
    pub within_target_at_advised: Option<f64>,
}

impl From<StaffingRow> for StaffingRowDto {
    fn from(r: StaffingRow) -> Self {
        Self {
            hall: r.hall,
            weekday: r.weekday,
            hour: r.hour,
            days: r.days,
            arrivals_per_hour: r.arrivals_per_hour,
            handling_mean_ms: r.handling_mean_ms,
            open_counters: r.open_counters,
            advised_counters: r.advised_counters,
            within_target_at_open: r.within_target_at_open,
            within_target_at_advised: r.within_target_at_advised,
        }
    }
}

impl From<StaffingReport> for StaffingDto {
    fn from(r: StaffingReport) -> Self {
        Self {
            from: r.from,
            to: r.to,
            target_share: r.target_share,
            target_wait_ms: r.target_wait_ms,
            rows: r.rows.into_iter().map(Into::into).collect(),
        }
    }
}

/// A what-if: days of Poisson arrivals at some counters.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulateRequest {
    /// Mean arrivals per hour, 0–2000.
    pub arrivals_per_hour: f64,
    /// Mean handling, minutes (exponential), above 0 and at most 240.
    pub handling_minutes: f64,
    /// Counters open, 1–64.
    pub counters: u32,
    /// Hours of arrivals, 1–24 (arrivals × hours at most 20,000).
    pub hours: u32,
    /// Random seed (default 1): the same request gives the same day.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Target wait, minutes, 1–240 (default 15).
    #[serde(default)]
    pub target_wait_minutes: Option<u32>,
    /// Independent simulated days, 1–2000 (default 100): one day is noisy,
    /// the mean over many has a tight interval.
    #[serde(default)]
    pub days: Option<u32>,
}

/// The days simulated by default: enough for an interval of a few percent.
pub const DEFAULT_DAYS: u32 = 100;

/// What Erlang C predicts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErlangCDto {
    /// Mean wait, ms.
    pub mean_wait_ms: i64,
    /// Share called within the target wait.
    pub within_target_wait: f64,
}

/// One day's figure over the simulated days.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OverDaysDto {
    /// Days that have the figure (days without customers have no wait).
    pub days: u32,
    /// The mean of the days' figures: the what-if's answer.
    pub mean: f64,
    /// Its 95 % confidence interval (mean ± t·s/√n); null for one day.
    pub ci95: Option<RangeDto>,
    /// A typical day: the 10th–90th percentile of the days' figures
    /// (nearest rank); about 8 days in 10 lie within.
    pub typical_day: RangeDto,
}

/// A range of a figure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RangeDto {
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

impl OverDaysDto {
    /// The figure as numbers (ms as a number of ms).
    fn of<T: Copy>(f: &OverDays<T>, num: impl Fn(T) -> f64) -> Self {
        Self {
            days: f.days,
            mean: num(f.mean),
            ci95: f.ci95.map(|c| RangeDto { low: num(c.low), high: num(c.high) }),
            typical_day: RangeDto { low: num(f.typical_day.p10), high: num(f.typical_day.p90) },
        }
    }
}

/// The simulated days' KPIs beside Erlang C.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SimulateDto {
    /// Days simulated.
    pub days: u32,
    /// Customers who came, all days together.
    pub customers: u64,
    /// The KPIs of all the days' customers together (peak queue: the
    /// busiest day's).
    pub kpis: Kpis,
    /// Erlang C's prediction; null when the load is unstable (arrivals ≥ counters × service rate).
    pub erlang_c: Option<ErlangCDto>,
    /// Each day's mean wait (ms) over the days.
    pub wait_mean_ms: Option<OverDaysDto>,
    /// Each day's share called within the target wait over the days.
    pub within_target_wait: Option<OverDaysDto>,
    /// Each day's utilisation over the days.
    pub utilisation: Option<OverDaysDto>,
}

impl From<ManyDays> for SimulateDto {
    fn from(o: ManyDays) -> Self {
        let share = |f: &OverDays<f64>| OverDaysDto::of(f, |x| x);
        Self {
            days: o.days,
            customers: o.customers,
            kpis: o.kpis,
            erlang_c: o
                .erlang_c
                .map(|e| ErlangCDto { mean_wait_ms: e.mean_wait_ms, within_target_wait: e.within_target_wait }),
            wait_mean_ms: o.wait_mean_ms.as_ref().map(|f| OverDaysDto::of(f, |ms| ms as f64)),
            within_target_wait: o.within_target_wait.as_ref().map(share),
            utilisation: o.utilisation.as_ref().map(share),
        }
    }
}

/// A bad parameter as a 422 with its own message (not "invalid configuration").
fn invalid(e: CoreError) -> ApiError {
    match e {
        CoreError::InvalidConfig { zh, en } => ApiError::invalid(zh, en),
        other => ApiError::from(StoreError::Core(other)),
    }
}

/// For each hour of the week: mean arrivals and handling, counters open,
/// and the counters Erlang C advises for the target share within the
/// ticket-weighted target wait.
#[utoipa::path(
    get, path = "/api/v1/reports/staffing", tag = "kpis",
    security(("token" = ["read_kpis"])),
    params(StaffingParams),
    responses((status = 200, body = StaffingDto), (status = "4XX", body = ErrorBody))
)]
async fn staffing(State(state): State<AppState>, Query(p): Query<StaffingParams>) -> ApiResult<Json<StaffingDto>> {
    let target_share = p.target_share.unwrap_or(0.8);
    if !(target_share.is_finite() && target_share > 0.0 && target_share < 1.0) {
        return Err(ApiError::invalid(
            format!("目标比例须大于 0 且小于 1（收到 {target_share}）"),
            format!("target_share must be above 0 and below 1 (got {target_share})"),
        ));
    }
    let now = state.now();
    let to = match p.to {
        Some(d) => d,
        None => state.read(move |r, hall| today(r, hall, now)).await?,
    };
    let from = p.from.unwrap_or_else(|| to.checked_sub_days(chrono::Days::new(27)).unwrap_or(to));
    check_range(from, to)?;
    let hall = super::reports::resolve_hall(&state, p.hall).await?;
    let report = state.read(move |r, _| r.staffing(&StaffingQuery { hall, from, to, target_share })).await?;
    Ok(Json(report.into()))
}

/// What a staffing would give: independent simulated days (default 100)
/// through the real queue logic — the mean over the days with its 95 %
/// interval and a typical day — with Erlang C's prediction beside it.
#[utoipa::path(
    post, path = "/api/v1/reports/simulate", tag = "kpis",
    security(("token" = ["read_kpis"])),
    request_body = SimulateRequest,
    responses((status = 200, body = SimulateDto), (status = "4XX", body = ErrorBody))
)]
async fn simulate(State(state): State<AppState>, Json(req): Json<SimulateRequest>) -> ApiResult<Json<SimulateDto>> {
    let mut s =
        Scenario::steady(req.arrivals_per_hour, req.handling_minutes, req.counters, req.hours, req.seed.unwrap_or(1))
            .map_err(invalid)?;
    if let Some(t) = req.target_wait_minutes {
        s.target_wait_min = t;
        s.validate().map_err(invalid)?;
    }
    let days = req.days.unwrap_or(DEFAULT_DAYS);
    s.validate_days(days).map_err(invalid)?;
    // One at a time per hall: a second waits a moment, then is told to retry.
    let slot = state.simulation_slot().clone();
    let limits = &state.config().limits;
    let (wait, budget) = (limits.simulation_queue_wait, limits.simulation_work);
    let permit = match tokio::time::timeout(wait, slot.acquire_owned()).await {
        Ok(Ok(permit)) => permit,
        _ => {
            return Err(ApiError::Busy {
                code: "simulation_busy",
                zh: "本营业厅已有一个模拟在运行，请稍后再试".into(),
                en: "a simulation is already running for this hall; try again shortly".into(),
                retry_after_s: 5,
            });
        }
    };
    // CPU work, off the executor. The flag stops it when this request is
    // dropped (the client went away) or the server stops; the slot is
    // only freed when the work has really ended.
    let cancel = CancelOnDrop(Arc::new(AtomicBool::new(false)));
    let flag = cancel.0.clone();
    let work = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        s.simulate_days(days, &flag, budget)
    });
    let mut stopping = state.shutdown_signal();
    let outcome = tokio::select! {
        done = work => done.map_err(|e| ApiError::Internal(format!("simulation task failed: {e}")))?.map_err(invalid)?,
        _ = stopping.wait_for(|s| *s) => None,
    };
    // Cancelled only by the server stopping (a gone client reads no answer).
    let outcome = outcome.ok_or(ApiError::Store(StoreError::EngineStopped))?;
    Ok(Json(outcome.into()))
}

/// Sets the flag when dropped: the request's future is dropped when its
/// client goes away, and the simulation sees the flag within milliseconds.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}
