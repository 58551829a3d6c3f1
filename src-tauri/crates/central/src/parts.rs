//! The centre's KPI parts (`kpi_parts`, V5): per hall, business day and
//! service, the KPI accumulator's whole state for that service's legs of
//! that day (`hallq_core::KpiAccumulator::to_part`), and per hall and day
//! (service `''`) the counters' open time of that day from closed
//! sessions. Reports in total, by hall, by service and by county merge
//! these (a year of 100 halls: some 200,000 parts) instead of feeding
//! every leg (some 12 million); the others still read the legs.
//!
//! A part is made by the one feeding function (`hallq_store::HallFeed`):
//! its legs go through `HallFeed::leg` under the service grouping, its
//! open time through `HallFeed::open_time` narrowed to its day, and a
//! report adds it back through `HallFeed::part`. Nothing is rounded, so the
//! figures are those of the legs (the equality test compares them).
//!
//! Parts are rewritten for the days a batch touched ([`rewrite`], from
//! the projection's write, in the batch's transaction), and built at
//! start for a centre upgraded from V4 ([`build_missing`]).
//!
//! What it must not do: compute a KPI itself, or hold a part of open
//! sessions (their end is the hall's last event, which moves without them).

use chrono::{Duration, NaiveDate};
use deadpool_postgres::Pool;
use futures_util::TryStreamExt;
use hallq_core::{Hall, Millis, Service};
use hallq_store::{GroupBy, HallFeed, KpiTally, StoreError};
use tokio_postgres::GenericClient;
use tokio_postgres::types::Json;
use uuid::Uuid;

use crate::error::Result;
use crate::report::{Sessions, counter_sessions, for_each_leg, json_rows, open_row};

/// The parts of the days a feed reads (`HallFeed::days`) added to `tally`
/// through `feed`.
pub(crate) async fn feed(
    client: &impl GenericClient,
    hall: Uuid,
    feed: &mut HallFeed<'_>,
    tally: &mut KpiTally,
) -> Result<()> {
    let (from, to) = feed.days();
    let rows = client
        .query_raw(
            "SELECT service, part FROM kpi_parts WHERE hall_id = $1 AND business_day BETWEEN $2 AND $3",
            [&hall as &(dyn tokio_postgres::types::ToSql + Sync), &from, &to],
        )
        .await?;
    let mut rows = std::pin::pin!(rows);
    while let Some(r) = rows.try_next().await? {
        let service: &str = r.try_get(0)?;
        feed.part(tally, Some(service).filter(|s| !s.is_empty()), r.try_get(1)?)?;
    }
    Ok(())
}

/// The parts to write: a day, a service (`''`: open time), the bytes.
#[derive(Default)]
struct Parts {
    days: Vec<NaiveDate>,
    services: Vec<String>,
    parts: Vec<Vec<u8>>,
}

impl Parts {
    /// A day's legs fed under the service grouping: one part per service.
    fn legs(&mut self, day: &str, tally: KpiTally) -> hallq_store::Result<()> {
        let day: NaiveDate =
            day.parse().map_err(|e| StoreError::Corrupt(format!("a leg's business day '{day}': {e}")))?;
        for (service, acc) in tally.into_accumulators().1.into_iter().flatten() {
            self.days.push(day);
            self.services.push(service);
            self.parts.push(acc.to_part());
        }
        Ok(())
    }
}

/// Rewrites `hall_id`'s parts of the business days `from..=to` from its
/// projected legs and closed counter sessions (`services` for the
/// targets of legs issued before targets were recorded).
pub async fn rewrite(
    client: &impl GenericClient,
    hall_id: Uuid,
    hall: &Hall,
    services: Vec<Service>,
    (from, to): (NaiveDate, NaiveDate),
) -> Result<()> {
    let mut feed = HallFeed::new(hall, None, from, to, services, Vec::new(), Vec::new());
    let mut parts = Parts::default();
    let mut day: Option<(String, KpiTally)> = None;
    for_each_leg(client, hall_id, from, to, |leg| {
        if day.as_ref().is_some_and(|(d, _)| d != leg.business_day)
            && let Some((d, tally)) = day.take()
        {
            parts.legs(&d, tally)?;
        }
        let (_, tally) = day.get_or_insert_with(|| (leg.business_day.to_string(), KpiTally::new(&[GroupBy::Service])));
        feed.leg(tally, leg).map(drop)
    })
    .await?;
    if let Some((d, tally)) = day.take() {
        parts.legs(&d, tally)?;
    }
    // The open time of closed sessions, cut day by day as a report cuts
    // it at its range's ends: the days' parts add up to any range's.
    let span = feed.span();
    // (Closed sessions end at their close: the last event's time, which
    // open ones would end at, is not asked for.)
    let sessions = counter_sessions(client, hall_id, span, span.1, Sessions::Closed).await?;
    let sessions = sessions.iter().map(open_row).collect::<Result<Vec<_>>>()?;
    let mut d = from;
    while d <= to {
        feed.narrow(d, d);
        let (a, b) = feed.span();
        let mut tally = KpiTally::new(&[]);
        let mut any = false;
        for s in sessions.iter().filter(|s| s.opened_at < b && s.closed_at > a) {
            feed.open_time(&mut tally, s);
            any = true;
        }
        if any {
            parts.days.push(d);
            parts.services.push(String::new());
            parts.parts.push(tally.into_accumulators().0.to_part());
        }
        d += Duration::days(1);
    }
    client
        .execute("DELETE FROM kpi_parts WHERE hall_id = $1 AND business_day BETWEEN $2 AND $3", &[&hall_id, &from, &to])
        .await?;
    client
        .execute(
            "INSERT INTO kpi_parts (hall_id, business_day, service, part)
             SELECT $1, * FROM unnest($2::date[], $3::text[], $4::bytea[])",
            &[&hall_id, &parts.days, &parts.services, &parts.parts],
        )
        .await?;
    Ok(())
}

/// The business days a batch's parts are rewritten for: from the first
/// to the last day of its legs and of the closed sessions it wrote
/// (`None` when it wrote neither).
pub fn touched(
    hall: &Hall,
    leg_days: impl Iterator<Item = NaiveDate>,
    closed_sessions: impl Iterator<Item = (Millis, Millis)>,
) -> Option<(NaiveDate, NaiveDate)> {
    let session_days = closed_sessions.flat_map(|(a, b)| [hall.business_day(a), hall.business_day(b)]);
    leg_days.chain(session_days).fold(None, |span, d| match span {
        None => Some((d, d)),
        Some((a, b)) => Some((a.min(d), b.max(d))),
    })
}

/// Builds the parts of every hall that has legs or closed sessions but no
/// parts (a centre upgraded from V4), one hall per transaction under the
/// lock a batch takes; answers how many halls it built.
pub async fn build_missing(pool: &Pool) -> Result<usize> {
    let client = pool.get().await?;
    let halls: Vec<Uuid> = client
        .query(
            "SELECT s.hall_id FROM hall_states s
             WHERE NOT EXISTS (SELECT 1 FROM kpi_parts p WHERE p.hall_id = s.hall_id)
               AND (EXISTS (SELECT 1 FROM tickets t WHERE t.hall_id = s.hall_id)
                    OR EXISTS (SELECT 1 FROM counter_sessions c WHERE c.hall_id = s.hall_id AND c.closed_at IS NOT NULL))",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    drop(client);
    for hall_id in &halls {
        let mut client = pool.get().await?;
        let tx = client.transaction().await?;
        tx.query_one("SELECT 1 FROM halls WHERE hall_id = $1 FOR UPDATE", &[hall_id]).await?;
        let r = tx
            .query_one(
                "SELECT s.snapshot -> 'hall',
                        (SELECT min(business_day) FROM tickets WHERE hall_id = $1),
                        (SELECT max(business_day) FROM tickets WHERE hall_id = $1),
                        (SELECT min(opened_at) FROM counter_sessions WHERE hall_id = $1 AND closed_at IS NOT NULL),
                        (SELECT max(closed_at) FROM counter_sessions WHERE hall_id = $1)
                 FROM hall_states s WHERE s.hall_id = $1",
                &[hall_id],
            )
            .await?;
        let Json(hall): Json<Hall> = r.try_get(0)?;
        let legs = [r.try_get::<_, Option<NaiveDate>>(1)?, r.try_get(2)?].into_iter().flatten();
        let sessions = r.try_get::<_, Option<Millis>>(3)?.zip(r.try_get::<_, Option<Millis>>(4)?);
        let services: Vec<Service> =
            json_rows(&*tx, "SELECT service FROM services WHERE hall_id = $1 ORDER BY position", *hall_id).await?;
        if let Some(days) = touched(&hall, legs, sessions.into_iter()) {
            rewrite(&*tx, *hall_id, &hall, services, days).await?;
        }
        tx.commit().await?;
    }
    Ok(halls.len())
}
