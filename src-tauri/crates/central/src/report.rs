//! Reports across halls: the hall's KPI report (`hallq_store::KpiReport`,
//! the same JSON as `hallq report`) over every hall at the centre, or one
//! county's, or one hall, grouped by hall, county, service, counter,
//! staff, team, hour, day or weekday; the commitments report
//! (`hallq_store::CaseReport`, `hallq report --cases`'s JSON) of the same
//! halls ([`cases`]); and each hall's follow-ups of low ratings as the
//! hall's overview lists them ([`follow_ups`]).
//!
//! The rows come from the centre's projections ([`crate::projection`]) and
//! go through the hall's own feeding code (`hallq_store::HallFeed`): one
//! leg, one feeding function, so the centre's figures are the SQLite
//! bureau's value for value. With several halls, counters, staff and teams
//! are scoped by hall (`T1/003`), as in the bureau. By hall, halls are
//! ranked against the targets as `hallq report` ranks them. Cases go
//! through the hall's `CaseTally` and follow-ups through its
//! `FollowUpSummary` the same way.
//!
//! What it must not do: compute a KPI itself, or read a hall's log (only
//! the projections).

use std::str::FromStr;

use chrono::NaiveDate;
use deadpool_postgres::Pool;
use futures_util::{StreamExt, TryStreamExt};
use hallq_core::commitment::{Case, CaseType};
use hallq_core::{Counter, FollowUp, Hall, Millis, Service, Staff, TicketState};
use hallq_store::{
    CaseNames, CaseReport, CaseTally, FOLLOW_UP_ITEMS, FollowUpSummary, GroupBy, HallFeed, KpiReport, KpiTally, LegRow,
    OpenRow,
};
use tokio_postgres::GenericClient;
use tokio_postgres::types::Json;
use uuid::Uuid;

use crate::error::{CentralError, Result};

/// How a report across halls groups its legs: the hall's groupings, and
/// the county (centre only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CentralBy {
    /// One of the hall's groupings.
    Hall(GroupBy),
    /// Per county (halls without one under [`NO_COUNTY`]).
    County,
}

impl CentralBy {
    /// The name on the command line and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hall(by) => by.as_str(),
            Self::County => "county",
        }
    }
}

impl FromStr for CentralBy {
    type Err = CentralError;
    fn from_str(s: &str) -> Result<Self> {
        if s == "county" {
            return Ok(Self::County);
        }
        s.parse::<GroupBy>().map(Self::Hall).map_err(|_| CentralError::BadRequest {
            zh: format!("分组方式须为 total/hall/county/service/counter/staff/team/hour/day/weekday 之一（不是“{s}”）"),
            en: format!(
                "grouping must be one of total, hall, county, service, counter, staff, team, hour, day, weekday (got '{s}')"
            ),
        })
    }
}

/// The group key of halls with no county; sorts after the counties' names
/// written in ASCII.
pub const NO_COUNTY: &str = "~";

/// What to report on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CentralQuery {
    /// First business day, inclusive.
    pub from: NaiveDate,
    /// Last business day, inclusive.
    pub to: NaiveDate,
    /// Grouping.
    pub by: CentralBy,
    /// Only this county's halls.
    pub county: Option<String>,
    /// Only this hall (by code).
    pub hall: Option<String>,
}

/// A hall a report covers, as the centre projected it.
struct ReportHall {
    id: Uuid,
    hall: Hall,
    county: Option<String>,
    last_at: Millis,
}

/// The report: a `KpiReport` as `hallq report` writes it (by county its
/// `by` reads `hall` in the type: [`to_json`] writes `county`).
/// In total, by hall, by county and by service it merges the halls' KPI
/// parts ([`crate::parts`]); the other groupings feed every leg.
pub async fn kpis(pool: &Pool, q: &CentralQuery) -> Result<KpiReport> {
    kpis_from(pool, q, true).await
}

/// The same report fed from every leg, whatever the grouping: the way
/// every report went before the parts, kept as what they are checked and
/// measured against (the province bench).
pub async fn kpis_of_legs(pool: &Pool, q: &CentralQuery) -> Result<KpiReport> {
    kpis_from(pool, q, false).await
}

/// [`kpis`], from the parts where `parts` and the grouping allow.
async fn kpis_from(pool: &Pool, q: &CentralQuery, parts: bool) -> Result<KpiReport> {
    check_range(q)?;
    let halls = report_halls(pool, q).await?;
    let by = match q.by {
        CentralBy::Hall(by) => by,
        // A county's KPIs are its halls' legs under one key: fed by hall,
        // each hall named by its county.
        CentralBy::County => GroupBy::Hall,
    };
    let several = halls.len() > 1;
    let (from, to, county) = (q.from, q.to, q.by == CentralBy::County);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).max(1);
    let mut tallies = futures_util::stream::iter(halls)
        .map(|h| {
            let pool = pool.clone();
            let how = Feed { by, several, county, parts };
            tokio::spawn(async move { hall_tally(&pool, h, from, to, how).await })
        })
        .buffer_unordered(threads);
    let mut parts = Vec::new();
    while let Some(done) = tallies.next().await {
        parts.push(done.map_err(|e| CentralError::Internal(format!("a hall's report: {e}")))??);
    }
    if parts.is_empty() {
        parts.push(KpiTally::new(&[by]));
    }
    // Each group's halls are merged and finished on the finishing threads.
    let mut report =
        KpiTally::finish_parts(parts, from, to).pop().ok_or_else(|| CentralError::Internal("no report".into()))?;
    if county {
        for g in report.groups.iter_mut().filter(|g| g.key == NO_COUNTY) {
            "未填县".clone_into(&mut g.label);
            "no county".clone_into(&mut g.label_en);
        }
    }
    if by == GroupBy::Hall && !county {
        hallq_report::rank_halls(&mut report);
    }
    Ok(report)
}

/// Refuses a range the hall's reports refuse, with the hall's words.
fn check_range(q: &CentralQuery) -> Result<()> {
    hallq_store::check_range(q.from, q.to).map_err(|e| {
        let (zh, en) = match &e {
            hallq_store::StoreError::Core(hallq_core::CoreError::InvalidConfig { zh, en }) => (zh.clone(), en.clone()),
            other => (other.to_string(), other.to_string()),
        };
        CentralError::BadRange { zh, en }
    })
}

/// The commitments report of the cases opened on the query's business
/// days in its halls, judged at `now` (UTC ms): `hallq report --cases`'s
/// JSON, keys scoped by hall with several halls. The grouping asked for
/// changes nothing (the report has every grouping).
pub async fn cases(pool: &Pool, q: &CentralQuery, now: Millis) -> Result<CaseReport> {
    check_range(q)?;
    let halls = report_halls(pool, q).await?;
    let client = pool.get().await?;
    let mut tally = CaseTally::new(halls.len() > 1, now);
    for h in &halls {
        let types: Vec<CaseType> =
            json_rows(&**client, "SELECT case_type FROM case_types WHERE hall_id = $1 ORDER BY position, code", h.id)
                .await?;
        let staff: Vec<Staff> =
            json_rows(&**client, "SELECT staff FROM staff WHERE hall_id = $1 ORDER BY number", h.id).await?;
        let names = CaseNames::new(types, staff);
        let rows = client
            .query(
                "SELECT data, team FROM cases WHERE hall_id = $1 AND business_day BETWEEN $2 AND $3
                 ORDER BY accepted_at",
                &[&h.id, &q.from, &q.to],
            )
            .await?;
        for r in &rows {
            let Json(case): Json<Case> = r.try_get(0)?;
            tally.push(&h.hall, &names, &case, r.try_get(1)?);
        }
    }
    Ok(tally.finish(q.from, q.to))
}

/// The follow-ups of the query's halls, hall by hall.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FollowUpsReport {
    /// First business day.
    pub from: NaiveDate,
    /// Last business day, inclusive.
    pub to: NaiveDate,
    /// Each hall, by code.
    pub halls: Vec<HallFollowUps>,
}

/// One hall's follow-ups of low ratings given on the query's business
/// days, as the hall's overview shows them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HallFollowUps {
    /// The hall's code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its county, if the centre knows it.
    pub county: Option<String>,
    /// Done, overdue (on the hall's business day at `now`) and open, and
    /// the first of them: overdue, then open, then done.
    pub follow_ups: FollowUpSummary,
}

/// Each of the query's halls' follow-ups (by hall code), judged on the
/// hall's business day at `now`: the counts and the first `limit` (the
/// hall's overview lists [`FOLLOW_UP_ITEMS`]) in the order of the hall's
/// overview (the same ORDER BY as `hallq_store`'s
/// `follow_ups::summary_of_range`, numbers compared byte by byte as SQLite
/// does), as `Reader::follow_up_summary` answers for one hall.
pub async fn follow_ups(pool: &Pool, q: &CentralQuery, now: Millis, limit: usize) -> Result<FollowUpsReport> {
    check_range(q)?;
    let halls = report_halls(pool, q).await?;
    let client = pool.get().await?;
    let mut out = Vec::with_capacity(halls.len());
    for h in halls {
        let today = h.hall.business_day(now);
        let counts = client
            .query_one(
                "SELECT count(*) FILTER (WHERE closed_at IS NOT NULL),
                        count(*) FILTER (WHERE closed_at IS NULL AND deadline < $4),
                        count(*) FILTER (WHERE closed_at IS NULL AND deadline >= $4)
                 FROM follow_ups WHERE hall_id = $1 AND business_day BETWEEN $2 AND $3",
                &[&h.id, &q.from, &q.to, &today],
            )
            .await?;
        let count = |i: usize| counts.try_get::<_, i64>(i).map(|n| n as u64);
        let first: Vec<FollowUp> = client
            .query(
                "SELECT follow_up FROM follow_ups WHERE hall_id = $1 AND business_day BETWEEN $2 AND $3
                 ORDER BY CASE WHEN closed_at IS NOT NULL THEN 2 WHEN deadline < $4 THEN 0 ELSE 1 END,
                          deadline, follow_up ->> 'number' COLLATE \"C\", (follow_up ->> 'rated_at')::bigint DESC
                 LIMIT $5",
                &[&h.id, &q.from, &q.to, &today, &(limit.min(FOLLOW_UP_ITEMS) as i64)],
            )
            .await?
            .iter()
            .map(|r| r.try_get::<_, Json<FollowUp>>(0).map(|j| j.0))
            .collect::<std::result::Result<_, _>>()?;
        let mut follow_ups = FollowUpSummary::default();
        follow_ups.add_hall((count(0)?, count(1)?, count(2)?), first, today);
        follow_ups.finish();
        out.push(HallFollowUps { code: h.hall.code, name: h.hall.name, county: h.county, follow_ups });
    }
    Ok(FollowUpsReport { from: q.from, to: q.to, halls: out })
}

/// The report as JSON: `hallq report --format json`'s, with `by` the
/// grouping asked for (`county` included).
pub fn to_json(report: &KpiReport, by: CentralBy) -> serde_json::Value {
    let mut json = serde_json::to_value(report).unwrap_or_default();
    json["by"] = serde_json::Value::String(by.as_str().to_string());
    json
}

/// The halls of the query, by code; refuses a hall code or county the
/// centre does not know.
async fn report_halls(pool: &Pool, q: &CentralQuery) -> Result<Vec<ReportHall>> {
    let client = pool.get().await?;
    let rows = client
        .query(
            "SELECT h.hall_id, s.snapshot -> 'hall', h.county, s.last_at FROM halls h
             JOIN hall_states s ON s.hall_id = h.hall_id
             WHERE ($1::text IS NULL OR h.code = $1) AND ($2::text IS NULL OR h.county = $2)
             ORDER BY h.code",
            &[&q.hall, &q.county],
        )
        .await?;
    let mut halls = Vec::with_capacity(rows.len());
    for r in rows {
        let Json(hall): Json<Hall> = r.try_get(1)?;
        halls.push(ReportHall { id: r.get(0), hall, county: r.get(2), last_at: r.get(3) });
    }
    if halls.is_empty() {
        if let Some(code) = &q.hall {
            return Err(CentralError::UnknownHall(code.clone()));
        }
        if let Some(county) = &q.county {
            return Err(CentralError::BadRequest {
                zh: format!("中心没有属于“{county}”的营业厅"),
                en: format!("the centre has no hall in county '{county}'"),
            });
        }
    }
    Ok(halls)
}

/// How a report feeds each hall.
#[derive(Debug, Clone, Copy)]
struct Feed {
    by: GroupBy,
    /// Several halls: keys scoped by hall.
    several: bool,
    /// By county: the hall grouping keyed and named by county.
    county: bool,
    /// From the parts, where the grouping allows.
    parts: bool,
}

/// One hall's figures fed into a tally: its parts
/// ([`crate::parts`]) under the groupings they serve, its legs and counter
/// sessions under the others.
async fn hall_tally(pool: &Pool, h: ReportHall, from: NaiveDate, to: NaiveDate, how: Feed) -> Result<KpiTally> {
    let Feed { by, several, county, parts } = how;
    let client = pool.get().await?;
    let (services, staff, counters) = names(&**client, h.id).await?;
    let scope = several.then_some(h.hall.code.as_str());
    // By county, the hall grouping's key and label are the county's.
    let named = match (county, &h.county) {
        (false, _) => h.hall.clone(),
        (true, c) => {
            let name = c.clone().unwrap_or_else(|| NO_COUNTY.to_string());
            Hall { code: name.clone(), name, ..h.hall.clone() }
        }
    };
    let mut feed = HallFeed::new(&named, scope, from, to, services, staff, counters);
    let mut tally = KpiTally::new(&[by]);
    let sessions = if parts && by.from_parts() {
        crate::parts::feed(&**client, h.id, &mut feed, &mut tally).await?;
        // Closed sessions are in the parts; open ones end at the hall's
        // last event, which moves without them.
        Sessions::Open
    } else {
        for_each_leg(&**client, h.id, from, to, |leg| feed.leg(&mut tally, leg).map(drop)).await?;
        Sessions::All
    };
    for r in &counter_sessions(&**client, h.id, feed.span(), h.last_at, sessions).await? {
        feed.open_time(&mut tally, &open_row(r)?);
    }
    Ok(tally)
}

/// Streams `hall`'s legs of the business days `from..=to`, in business
/// day order, to `f` as the feeding code reads them.
pub(crate) async fn for_each_leg(
    client: &impl GenericClient,
    hall: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    mut f: impl FnMut(&LegRow<'_>) -> hallq_store::Result<()>,
) -> Result<()> {
    let legs = client
        .query_raw(
            "SELECT service, counter, staff, team, to_char(business_day, 'YYYY-MM-DD'), leg, state, issued_at,
                    called_at, started_at, ended_at, rating, rating_reason, target_wait_ms, target_handling_ms
             FROM tickets WHERE hall_id = $1 AND business_day BETWEEN $2 AND $3 ORDER BY business_day",
            [&hall as &(dyn tokio_postgres::types::ToSql + Sync), &from, &to],
        )
        .await?;
    let mut legs = std::pin::pin!(legs);
    while let Some(r) = legs.try_next().await? {
        let state: &str = r.try_get(6)?;
        let leg = LegRow {
            service: r.try_get(0)?,
            counter: r.try_get::<_, Option<i32>>(1)?.map(|c| c as u32),
            staff: r.try_get(2)?,
            team: r.try_get(3)?,
            business_day: r.try_get(4)?,
            leg: r.try_get::<_, i16>(5)? as u16,
            state: TicketState::parse(state)
                .ok_or_else(|| CentralError::Internal(format!("a leg's state '{state}' is not a ticket state")))?,
            issued_at: r.try_get(7)?,
            called_at: r.try_get(8)?,
            started_at: r.try_get(9)?,
            ended_at: r.try_get(10)?,
            rating: r.try_get::<_, Option<i16>>(11)?.map(|v| v as u8),
            rating_reason: r.try_get(12)?,
            target_wait_ms: r.try_get(13)?,
            target_handling_ms: r.try_get(14)?,
        };
        f(&leg)?;
    }
    Ok(())
}

/// Which of a hall's counter sessions to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sessions {
    /// Every one.
    All,
    /// Those still open (ending at the hall's last event).
    Open,
    /// Those closed.
    Closed,
}

/// `hall`'s counter sessions open in `span` (UTC ms), each ending at its
/// close or, still open, at `last_at` (the hall's last event): rows for
/// [`open_row`].
pub(crate) async fn counter_sessions(
    client: &impl GenericClient,
    hall: Uuid,
    (start, end): (Millis, Millis),
    last_at: Millis,
    which: Sessions,
) -> Result<Vec<tokio_postgres::Row>> {
    let only = match which {
        Sessions::All => "",
        Sessions::Open => " AND closed_at IS NULL",
        Sessions::Closed => " AND closed_at IS NOT NULL",
    };
    Ok(client
        .query(
            &format!(
                "SELECT counter, staff, team, opened_at, coalesce(closed_at, $4) FROM counter_sessions
                 WHERE hall_id = $1 AND opened_at < $3 AND coalesce(closed_at, $4) > $2{only}"
            ),
            &[&hall, &start, &end, &last_at],
        )
        .await?)
}

/// A row of [`counter_sessions`] as the feeding code reads it.
pub(crate) fn open_row(r: &tokio_postgres::Row) -> Result<OpenRow<'_>> {
    Ok(OpenRow {
        counter: r.try_get::<_, i32>(0)? as u32,
        staff: r.try_get(1)?,
        team: r.try_get(2)?,
        opened_at: r.try_get(3)?,
        closed_at: r.try_get(4)?,
    })
}

/// A hall's services (in kiosk order), staff and counters, as projected.
async fn names(client: &impl GenericClient, hall: Uuid) -> Result<(Vec<Service>, Vec<Staff>, Vec<Counter>)> {
    Ok((
        json_rows(client, "SELECT service FROM services WHERE hall_id = $1 ORDER BY position", hall).await?,
        json_rows(client, "SELECT staff FROM staff WHERE hall_id = $1 ORDER BY number", hall).await?,
        json_rows(client, "SELECT counter FROM counters WHERE hall_id = $1 ORDER BY number", hall).await?,
    ))
}

/// The one JSON column of `sql`'s rows for `hall`, each as a `T`.
pub(crate) async fn json_rows<T: serde::de::DeserializeOwned>(
    client: &impl GenericClient,
    sql: &str,
    hall: Uuid,
) -> Result<Vec<T>> {
    let rows = client.query(sql, &[&hall]).await?;
    Ok(rows.iter().map(|r| r.try_get::<_, Json<T>>(0).map(|j| j.0)).collect::<std::result::Result<_, _>>()?)
}
