//! The centre's projection: what reports across halls read (ticket legs,
//! counter sessions, services, staff, counters, follow-ups, the commitment
//! catalogue, cases, staff sessions and each hall's position), written from a hall's events in the transaction that stores
//! them, exactly as the hall's own store projects them
//! (`hallq_store::projection`): the same `hallq_core::HallState::apply`,
//! the same rows.
//!
//! A hall's live state is kept between batches as its `HallSnapshot` in
//! `hall_states` (JSON), so a batch is applied without replaying the log.
//! Rows are written once per batch, not once per event: a leg changes four
//! to six times in a batch and only its last form is written (binary COPY
//! into a temporary table, then one `INSERT … ON CONFLICT DO UPDATE`).
//! A centre upgraded from V1 (events, no projections) or V3 (projections
//! without cases: V4 empties them) catches up at start ([`catch_up`]) and
//! on a hall's next batch.
//!
//! What it must not do: decide anything (only `apply`, as the store's
//! rebuild does), or read another hall's rows.

use std::collections::{BTreeMap, HashMap};
use std::pin::pin;

use chrono::NaiveDate;
use deadpool_postgres::Pool;
use hallq_core::commitment::{Case, CaseType};
use hallq_core::state::HallSnapshot;
use hallq_core::{Counter, EventData, FollowUp, Hall, HallState, Millis, Service, Staff, Ticket};
use hallq_store::StoredEvent;
use tokio_postgres::Transaction;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{Json, ToSql, Type};
use uuid::Uuid;

use crate::error::{CentralError, Result};
use crate::ingest::MAX_BATCH_EVENTS;

/// Projects `events` (the hall's next events after those stored before
/// them, already appended to its log in `tx`) into the hall's rows. When
/// the projection lags the log (a centre upgraded from V1), the events in
/// between are read back and projected first.
pub async fn project(tx: &Transaction<'_>, hall: Uuid, events: &[StoredEvent]) -> Result<()> {
    let Some(first) = events.first() else { return Ok(()) };
    let mut p = Projection::load(tx, hall).await?;
    p.replay(tx, first.seq - 1).await?;
    for e in events {
        p.apply(e.seq, e.at, &e.data)?;
    }
    p.write(tx).await
}

/// Events projected between two writes when catching up: a batch's worth,
/// as if the log came again in batches.
const CATCH_UP_SLICE: u64 = MAX_BATCH_EVENTS as u64;

/// Projects every hall whose projection lags its log (a centre upgraded
/// from V1, whose events came before its projections); answers how many
/// events it projected.
pub async fn catch_up(pool: &Pool) -> Result<u64> {
    let client = pool.get().await?;
    let lagging: Vec<(Uuid, i64)> = client
        .query(
            "SELECT h.hall_id, e.last FROM halls h
             CROSS JOIN LATERAL (SELECT coalesce(max(seq), 0) AS last FROM events WHERE hall_id = h.hall_id) e
             LEFT JOIN hall_states s ON s.hall_id = h.hall_id
             WHERE e.last > coalesce(s.last_seq, 0)",
            &[],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    drop(client);
    let mut projected = 0;
    for (hall, _) in lagging {
        let mut client = pool.get().await?;
        let tx = client.transaction().await?;
        // One writer per hall: the same lock a batch takes.
        tx.query_one("SELECT 1 FROM halls WHERE hall_id = $1 FOR UPDATE", &[&hall]).await?;
        let last: i64 =
            tx.query_one("SELECT coalesce(max(seq), 0) FROM events WHERE hall_id = $1", &[&hall]).await?.get(0);
        // A year of a hall's log is written a slice at a time, so the
        // rows kept in memory stay those of one slice.
        loop {
            let mut p = Projection::load(&tx, hall).await?;
            let before = p.last_seq;
            if before >= last as u64 {
                break;
            }
            p.replay(&tx, (last as u64).min(before + CATCH_UP_SLICE)).await?;
            projected += p.last_seq - before;
            p.write(&tx).await?;
        }
        tx.commit().await?;
    }
    Ok(projected)
}

/// A counter session as the hall's `counter_sessions` row holds it.
#[derive(Debug, Clone)]
struct Session {
    counter: u32,
    staff: Option<String>,
    team: Option<String>,
    opened_at: Millis,
    closed_at: Option<Millis>,
}

/// A staff member's login at a counter, as the hall's `staff_sessions`
/// row holds it.
#[derive(Debug, Clone)]
struct StaffSession {
    staff: String,
    counter: u32,
    login_at: Millis,
    logout_at: Option<Millis>,
}

/// A case as the hall's `cases` row holds it: the case, its staff
/// member's team as of its last change, and the business day it was
/// accepted on (fixed when first written, as the hall's upsert keeps it).
#[derive(Debug, Clone)]
struct CaseRow {
    case: Case,
    team: Option<String>,
    business_day: NaiveDate,
}

/// One hall's projection while a batch is applied: its live state and the
/// rows the batch changed, each in its last form.
struct Projection {
    hall: Uuid,
    /// The hall as registered (its first state when its log does not
    /// start with its configuration).
    registered: Hall,
    state: Option<HallState>,
    last_seq: u64,
    /// Legs by id, each with the team credited to it.
    tickets: HashMap<Uuid, (Ticket, Option<String>)>,
    counters: BTreeMap<u32, Counter>,
    services: BTreeMap<String, Service>,
    staff: BTreeMap<String, Staff>,
    follow_ups: HashMap<Uuid, FollowUp>,
    /// Sessions by the seq that opened them: the open ones held, and the
    /// batch's.
    sessions: BTreeMap<i64, Session>,
    /// Case types in the order the batch first changed them.
    case_types: Vec<CaseType>,
    cases: HashMap<Uuid, CaseRow>,
    /// Staff logins by the seq that logged in: the open ones held, and the
    /// batch's.
    staff_sessions: BTreeMap<i64, StaffSession>,
}

impl Projection {
    async fn load(tx: &Transaction<'_>, hall: Uuid) -> Result<Self> {
        let row = tx.query_one("SELECT code, name, settings FROM halls WHERE hall_id = $1", &[&hall]).await?;
        let registered = row
            .get::<_, Json<serde_json::Value>>(2)
            .0
            .get("hall")
            .and_then(|h| serde_json::from_value::<Hall>(h.clone()).ok())
            .unwrap_or_else(|| Hall::new(hall, row.get::<_, String>(0), row.get::<_, String>(1)));
        let (state, last_seq) =
            match tx.query_opt("SELECT last_seq, snapshot FROM hall_states WHERE hall_id = $1", &[&hall]).await? {
                Some(r) => {
                    let Json(snap): Json<HallSnapshot> = r.try_get(1)?;
                    let state = HallState::restore(snap)
                        .ok_or_else(|| CentralError::Internal(format!("hall {hall}'s snapshot has no hall")))?;
                    (Some(state), r.get::<_, i64>(0) as u64)
                }
                None => (None, 0),
            };
        let sessions = tx
            .query(
                "SELECT seq, counter, staff, team, opened_at FROM counter_sessions
                 WHERE hall_id = $1 AND closed_at IS NULL",
                &[&hall],
            )
            .await?
            .iter()
            .map(|r| {
                let session = Session {
                    counter: r.get::<_, i32>(1) as u32,
                    staff: r.get(2),
                    team: r.get(3),
                    opened_at: r.get(4),
                    closed_at: None,
                };
                (r.get::<_, i64>(0), session)
            })
            .collect();
        let staff_sessions = tx
            .query(
                "SELECT seq, staff, counter, login_at FROM staff_sessions WHERE hall_id = $1 AND logout_at IS NULL",
                &[&hall],
            )
            .await?
            .iter()
            .map(|r| {
                let session = StaffSession {
                    staff: r.get(1),
                    counter: r.get::<_, i32>(2) as u32,
                    login_at: r.get(3),
                    logout_at: None,
                };
                (r.get::<_, i64>(0), session)
            })
            .collect();
        Ok(Self {
            hall,
            registered,
            state,
            last_seq,
            tickets: HashMap::new(),
            counters: BTreeMap::new(),
            services: BTreeMap::new(),
            staff: BTreeMap::new(),
            follow_ups: HashMap::new(),
            sessions,
            case_types: Vec::new(),
            cases: HashMap::new(),
            staff_sessions,
        })
    }

    /// Projects the hall's stored events after the projection's last seq
    /// up to `to`, a batch at a time.
    async fn replay(&mut self, tx: &Transaction<'_>, to: u64) -> Result<()> {
        while self.last_seq < to {
            let rows = tx
                .query(
                    "SELECT seq, at, data FROM events WHERE hall_id = $1 AND seq > $2 AND seq <= $3
                     ORDER BY seq LIMIT $4",
                    &[&self.hall, &(self.last_seq as i64), &(to as i64), &(MAX_BATCH_EVENTS as i64)],
                )
                .await?;
            if rows.is_empty() {
                return Err(CentralError::Internal(format!("hall {}'s log ends before seq {to}", self.hall)));
            }
            for r in rows {
                let Json(data): Json<EventData> = r.try_get(2)?;
                self.apply(r.get::<_, i64>(0) as u64, r.get(1), &data)?;
            }
        }
        Ok(())
    }

    /// Applies one event and keeps what it changed (the hall's
    /// `projection::project`, row for row).
    fn apply(&mut self, seq: u64, at: Millis, data: &EventData) -> Result<()> {
        use EventData as E;
        if seq != self.last_seq + 1 {
            return Err(CentralError::Internal(format!(
                "hall {}'s projection is at seq {}, not {}",
                self.hall,
                self.last_seq,
                seq - 1
            )));
        }
        let registered = &self.registered;
        let st = self.state.get_or_insert_with(|| match data {
            E::HallConfigured { hall } => HallState::new(hall.clone(), at),
            _ => HallState::new(registered.clone(), at),
        });
        let ch = st.apply(at, data);
        match data {
            E::ServiceDefined { service } => {
                self.services.insert(service.code.clone(), service.clone());
            }
            E::StaffDefined { staff } => {
                self.staff.insert(staff.number.clone(), staff.clone());
            }
            E::CounterOpened { counter } | E::CounterResumed { counter } => {
                let staff = st.counter(*counter).and_then(|c| c.staff.clone());
                let team = team_of(st, staff.as_deref()).map(str::to_string);
                let session = Session { counter: *counter, staff, team, opened_at: at, closed_at: None };
                self.sessions.insert(seq as i64, session);
            }
            E::CounterPaused { counter, .. } | E::CounterClosed { counter } => {
                for s in self.sessions.values_mut().filter(|s| s.counter == *counter && s.closed_at.is_none()) {
                    s.closed_at = Some(at);
                }
            }
            E::StaffLoggedIn { counter, staff } => {
                let session = StaffSession { staff: staff.clone(), counter: *counter, login_at: at, logout_at: None };
                self.staff_sessions.insert(seq as i64, session);
            }
            E::StaffLoggedOut { counter, staff } => {
                for s in self
                    .staff_sessions
                    .values_mut()
                    .filter(|s| s.staff == *staff && s.counter == *counter && s.logout_at.is_none())
                {
                    s.logout_at = Some(at);
                }
            }
            E::ClockStepped { from, to, .. } => {
                // Sessions still open move with the clock, as in the hall.
                for s in self.sessions.values_mut().filter(|s| s.closed_at.is_none()) {
                    s.opened_at += to - from;
                }
                for s in self.staff_sessions.values_mut().filter(|s| s.logout_at.is_none()) {
                    s.login_at += to - from;
                }
            }
            _ => {}
        }
        for t in ch.tickets {
            // The team is the one of the staff member when first recorded
            // on the leg (or when it changed), as the hall's upsert keeps it.
            let team = match self.tickets.get(&t.id) {
                Some((held, team)) if held.staff == t.staff => team.clone(),
                _ => team_of(st, t.staff.as_deref()).map(str::to_string),
            };
            self.tickets.insert(t.id, (t, team));
        }
        for c in ch.counters {
            self.counters.insert(c.number, c);
        }
        for f in ch.follow_ups {
            self.follow_ups.insert(f.ticket, f);
        }
        for t in ch.case_types {
            match self.case_types.iter_mut().find(|held| held.code == t.code) {
                Some(held) => *held = t,
                None => self.case_types.push(t),
            }
        }
        for c in ch.cases {
            let team = team_of(st, Some(&c.staff)).map(str::to_string);
            let business_day = match self.cases.get(&c.id) {
                Some(held) => held.business_day,
                None => st.hall().business_day(c.accepted_at),
            };
            self.cases.insert(c.id, CaseRow { case: c, team, business_day });
        }
        self.last_seq = seq;
        Ok(())
    }

    /// Writes every changed row once, then the hall's state and position.
    async fn write(self, tx: &Transaction<'_>) -> Result<()> {
        let Some(state) = &self.state else { return Ok(()) };
        let hall = &self.hall;
        write_tickets(tx, *hall, self.tickets.values()).await?;
        let closed = self.sessions.values().filter_map(|s| s.closed_at.map(|c| (s.opened_at, c)));
        let days = crate::parts::touched(state.hall(), self.tickets.values().map(|(t, _)| t.business_day), closed);
        if !self.services.is_empty() {
            let st = tx
                .prepare(
                    "INSERT INTO services (hall_id, code, position, service) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (hall_id, code) DO UPDATE SET position = $3, service = $4",
                )
                .await?;
            for s in self.services.values() {
                let position = state.services().iter().position(|x| x.code == s.code).unwrap_or(0) as i32;
                tx.execute(&st, &[hall, &s.code, &position, &Json(s)]).await?;
            }
        }
        if !self.staff.is_empty() {
            let st = tx
                .prepare(
                    "INSERT INTO staff (hall_id, number, name, team, staff) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (hall_id, number) DO UPDATE SET name = $3, team = $4, staff = $5",
                )
                .await?;
            for s in self.staff.values() {
                tx.execute(&st, &[hall, &s.number, &s.name, &s.team, &Json(s)]).await?;
            }
        }
        if !self.counters.is_empty() {
            let st = tx
                .prepare(
                    "INSERT INTO counters (hall_id, number, counter) VALUES ($1, $2, $3)
                     ON CONFLICT (hall_id, number) DO UPDATE SET counter = $3",
                )
                .await?;
            for c in self.counters.values() {
                tx.execute(&st, &[hall, &(c.number as i32), &Json(c)]).await?;
            }
        }
        if !self.follow_ups.is_empty() {
            let st = tx
                .prepare(
                    "INSERT INTO follow_ups (hall_id, ticket, business_day, deadline, closed_at, follow_up)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (hall_id, ticket) DO UPDATE SET closed_at = $5, follow_up = $6",
                )
                .await?;
            for f in self.follow_ups.values() {
                tx.execute(&st, &[hall, &f.ticket, &f.business_day, &f.deadline, &f.closed_at, &Json(f)]).await?;
            }
        }
        if !self.sessions.is_empty() {
            let st = tx
                .prepare(
                    "INSERT INTO counter_sessions (hall_id, seq, counter, staff, team, opened_at, closed_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (hall_id, seq) DO UPDATE SET opened_at = $6, closed_at = $7",
                )
                .await?;
            for (seq, s) in &self.sessions {
                let counter = s.counter as i32;
                tx.execute(&st, &[hall, seq, &counter, &s.staff, &s.team, &s.opened_at, &s.closed_at]).await?;
            }
        }
        write_cases(tx, *hall, &self.case_types, self.cases.values()).await?;
        if !self.staff_sessions.is_empty() {
            let st = tx
                .prepare(
                    "INSERT INTO staff_sessions (hall_id, seq, staff, counter, login_at, logout_at)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (hall_id, seq) DO UPDATE SET login_at = $5, logout_at = $6",
                )
                .await?;
            for (seq, s) in &self.staff_sessions {
                let counter = s.counter as i32;
                tx.execute(&st, &[hall, seq, &s.staff, &counter, &s.login_at, &s.logout_at]).await?;
            }
        }
        // After the legs and sessions they are made of, in the same
        // transaction: never ahead of them or behind.
        if let Some(days) = days {
            crate::parts::rewrite(tx, *hall, state.hall(), state.services().to_vec(), days).await?;
        }
        tx.execute(
            "INSERT INTO hall_states (hall_id, last_seq, day, last_at, snapshot) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (hall_id) DO UPDATE SET last_seq = $2, day = $3, last_at = $4, snapshot = $5",
            &[hall, &(self.last_seq as i64), &state.day(), &state.last_at(), &Json(state.snapshot())],
        )
        .await?;
        Ok(())
    }
}

/// Writes the batch's case types (a new one after the hall's others, as
/// the hall numbers their positions) and cases, each in its last form.
async fn write_cases<'a>(
    tx: &Transaction<'_>,
    hall: Uuid,
    types: &[CaseType],
    cases: impl ExactSizeIterator<Item = &'a CaseRow>,
) -> Result<()> {
    if !types.is_empty() {
        let st = tx
            .prepare(
                "INSERT INTO case_types (hall_id, code, position, case_type)
                 VALUES ($1, $2, (SELECT count(*) FROM case_types WHERE hall_id = $1)::integer, $3)
                 ON CONFLICT (hall_id, code) DO UPDATE SET case_type = $3",
            )
            .await?;
        for t in types {
            tx.execute(&st, &[&hall, &t.code, &Json(t)]).await?;
        }
    }
    if cases.len() == 0 {
        return Ok(());
    }
    let st = tx
        .prepare(
            "INSERT INTO cases (hall_id, id, number, case_type, business_day, staff, team, received_at, accepted_at,
                                due_at, state, closed_at, outcome, data)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             ON CONFLICT (hall_id, id) DO UPDATE SET staff = $6, team = $7, due_at = $10, state = $11,
                                                     closed_at = $12, outcome = $13, data = $14",
        )
        .await?;
    for CaseRow { case: c, team, business_day } in cases {
        tx.execute(
            &st,
            &[
                &hall,
                &c.id,
                &c.number,
                &c.case_type,
                business_day,
                &c.staff,
                team,
                &c.received_at,
                &c.accepted_at,
                &c.due_at,
                &c.state.as_str(),
                &c.closed_at,
                &c.outcome.map(|o| o.as_str()),
                &Json(c),
            ],
        )
        .await?;
    }
    Ok(())
}

/// The team a staff member is in as of this event (the state after it).
fn team_of<'a>(state: &'a HallState, staff: Option<&str>) -> Option<&'a str> {
    staff.and_then(|s| state.staff_member(s)).and_then(|s| s.team.as_deref())
}

/// The `tickets` columns, in the order the COPY writes them.
const TICKET_COLUMNS: [(&str, Type); 27] = [
    ("hall_id", Type::UUID),
    ("id", Type::UUID),
    ("visit_id", Type::UUID),
    ("leg", Type::INT2),
    ("number", Type::TEXT),
    ("service", Type::TEXT),
    ("priority", Type::TEXT),
    ("business_day", Type::DATE),
    ("visit_issued_at", Type::INT8),
    ("issued_at", Type::INT8),
    ("called_at", Type::INT8),
    ("last_called_at", Type::INT8),
    ("recalls", Type::INT4),
    ("started_at", Type::INT8),
    ("ended_at", Type::INT8),
    ("state", Type::TEXT),
    ("resolution", Type::TEXT),
    ("counter", Type::INT4),
    ("staff", Type::TEXT),
    ("team", Type::TEXT),
    ("target_counter", Type::INT4),
    ("transferred_to", Type::UUID),
    ("rating", Type::INT2),
    ("rating_reason", Type::TEXT),
    ("rated_at", Type::INT8),
    ("target_wait_ms", Type::INT8),
    ("target_handling_ms", Type::INT8),
];

/// Binary COPY of the batch's legs into a temporary table, then one upsert.
async fn write_tickets<'a>(
    tx: &Transaction<'_>,
    hall: Uuid,
    tickets: impl ExactSizeIterator<Item = &'a (Ticket, Option<String>)>,
) -> Result<()> {
    if tickets.len() == 0 {
        return Ok(());
    }
    // Per connection, emptied at each commit (and before each use, for an
    // import that projects several chunks in one transaction).
    tx.batch_execute(
        "CREATE TEMP TABLE IF NOT EXISTS tickets_in (LIKE tickets) ON COMMIT DELETE ROWS; TRUNCATE tickets_in",
    )
    .await?;
    let columns: Vec<&str> = TICKET_COLUMNS.iter().map(|(c, _)| *c).collect();
    let columns = columns.join(", ");
    let types: Vec<Type> = TICKET_COLUMNS.iter().map(|(_, t)| t.clone()).collect();
    let sink = tx.copy_in(&format!("COPY tickets_in ({columns}) FROM STDIN BINARY")).await?;
    let mut writer = pin!(BinaryCopyInWriter::new(sink, &types));
    for (t, team) in tickets {
        let leg = t.leg as i16;
        let recalls = i32::from(t.recalls);
        let counter = t.counter.map(|c| c as i32);
        let target_counter = t.target_counter.map(|c| c as i32);
        let rating = t.rating.map(|r| i16::from(r.level()));
        let row: [&(dyn ToSql + Sync); 27] = [
            &hall,
            &t.id,
            &t.visit_id,
            &leg,
            &t.number,
            &t.service,
            &t.priority.as_str(),
            &t.business_day,
            &t.visit_issued_at,
            &t.issued_at,
            &t.called_at,
            &t.last_called_at,
            &recalls,
            &t.started_at,
            &t.ended_at,
            &t.state.as_str(),
            &t.resolution.map(|r| r.as_str()),
            &counter,
            &t.staff,
            team,
            &target_counter,
            &t.transferred_to,
            &rating,
            &t.rating_reason.map(|r| r.as_str()),
            &t.rated_at,
            &t.target_wait_ms,
            &t.target_handling_ms,
        ];
        writer.as_mut().write(&row).await?;
    }
    writer.as_mut().finish().await?;
    let updates: Vec<String> = TICKET_COLUMNS
        .iter()
        .skip(2)
        .filter(|(c, _)| *c != "team")
        .map(|(c, _)| format!("{c} = EXCLUDED.{c}"))
        .collect();
    // The leg keeps its team while its staff member stays the same.
    tx.execute(
        &format!(
            "INSERT INTO tickets ({columns}) SELECT {columns} FROM tickets_in
             ON CONFLICT (hall_id, id) DO UPDATE SET {},
                 team = CASE WHEN tickets.staff IS NOT DISTINCT FROM EXCLUDED.staff THEN tickets.team ELSE EXCLUDED.team END",
            updates.join(", ")
        ),
        &[],
    )
    .await?;
    Ok(())
}
