//! The read side: what the screens and the CLI show, read on a separate
//! read-only connection so readers never wait for the writer (WAL).

use std::collections::HashMap;

use chrono::NaiveDate;
use hallq_core::timing::{RECENT_HANDLING_WINDOW, mean_handling, wait_for};
use hallq_core::{Counter, CounterStatus, Hall, Millis, Service, Staff, Ticket};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use uuid::Uuid;

use crate::error::Result;
use crate::halls;
use crate::log::{self, StoredEvent};
use crate::pool::Pooled;
use crate::tickets;

/// A read-only view of the database.
pub struct Reader {
    pub(crate) conn: Pooled,
    /// The most threads a report may use.
    pub(crate) cores: usize,
}

/// A hall now: its queues and its counters.
#[derive(Debug, Clone, Serialize)]
pub struct HallStatus {
    /// The hall.
    pub hall: Hall,
    /// Its current business day.
    pub day: NaiveDate,
    /// Services in kiosk order with their queues.
    pub services: Vec<ServiceStatus>,
    /// Counters by number.
    pub counters: Vec<CounterNow>,
}

/// One service's queue now.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceStatus {
    /// The service.
    pub service: Service,
    /// Tickets waiting for it.
    pub waiting: u32,
    /// Open, staffed counters serving it.
    pub open_counters: u32,
    /// The wait a new normal ticket would be told.
    pub estimated_wait_ms: Option<Millis>,
    /// How long the longest-waiting ticket has waited.
    pub longest_wait_ms: Option<Millis>,
    /// The mean handling time its estimates use (core's
    /// [`hallq_core::timing::mean_handling`]), for the estimate of a ticket
    /// further up the queue.
    #[serde(skip)]
    pub mean_handling_ms: Millis,
}

/// One counter now.
#[derive(Debug, Clone, Serialize)]
pub struct CounterNow {
    /// The counter with its live state.
    pub counter: Counter,
    /// The name of the staff member logged in.
    pub staff_name: Option<String>,
    /// The ticket called to or served at it.
    pub current: Option<Ticket>,
}

impl Reader {
    /// Every hall in the database, by code.
    pub fn halls(&self) -> Result<Vec<Hall>> {
        Ok(halls::all(&self.conn)?.into_iter().map(|h| h.hall).collect())
    }

    /// A hall's queues and counters at `now`.
    pub fn status(&self, hall: Uuid, now: Millis) -> Result<HallStatus> {
        let row = halls::by_id(&self.conn, hall)?;
        let key = row.key;
        let services = crate::services::all(&self.conn, key)?;
        let counters = crate::counters::all(&self.conn, key)?;
        let staff: HashMap<String, String> =
            crate::staff::all(&self.conn, key)?.into_iter().map(|s| (s.number, s.name)).collect();
        let mut waiting: HashMap<String, (u32, Millis)> = HashMap::new();
        {
            let mut st = self.conn.prepare_cached(
                "SELECT service, count(*), min(issued_at) FROM tickets
                 WHERE hall = ?1 AND state = 'waiting' AND target_counter IS NULL GROUP BY service",
            )?;
            let mut rows = st.query([key])?;
            while let Some(r) = rows.next()? {
                waiting.insert(r.get(0)?, (r.get(1)?, r.get(2)?));
            }
        }
        let recent: HashMap<String, Vec<Millis>> =
            tickets::recent_handling(&self.conn, key, RECENT_HANDLING_WINDOW)?.into_iter().collect();
        let services = services
            .into_iter()
            .map(|s| {
                let (n, oldest) = waiting.get(&s.code).copied().unwrap_or((0, now));
                let open = counters
                    .iter()
                    .filter(|c| c.status == CounterStatus::Open && c.staff.is_some() && c.services.contains(&s.code))
                    .count() as u32;
                let mean = mean_handling(recent.get(&s.code).map_or(&[][..], Vec::as_slice), s.target_handling_ms());
                ServiceStatus {
                    waiting: n,
                    open_counters: open,
                    estimated_wait_ms: wait_for(n, mean, open),
                    mean_handling_ms: mean,
                    longest_wait_ms: (n > 0).then(|| (now - oldest).max(0)),
                    service: s,
                }
            })
            .collect();
        let mut out = Vec::new();
        for c in counters {
            let current = match c.current {
                Some(id) => self.ticket(id)?,
                None => None,
            };
            out.push(CounterNow {
                staff_name: c.staff.as_ref().and_then(|s| staff.get(s).cloned()),
                current,
                counter: c,
            });
        }
        Ok(HallStatus { hall: row.hall, day: row.day, services, counters: out })
    }

    /// [`Reader::status`] with the seq of the last event it reflects, read in
    /// one transaction so that the two agree even while the engine commits
    /// (the WebSocket stream's snapshot: events after that seq follow it).
    pub fn status_with_seq(&self, hall: Uuid, now: Millis) -> Result<(u64, HallStatus)> {
        // A deferred transaction takes its WAL snapshot at the first read.
        self.conn.execute_batch("BEGIN")?;
        let r = self.last_seq(hall).and_then(|seq| Ok((seq, self.status(hall, now)?)));
        // Never leave the connection inside a transaction: a reader kept for
        // reuse would see this snapshot forever and hold back checkpoints.
        let end = self.conn.execute_batch("COMMIT");
        if end.is_err() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        let r = r?;
        end?;
        Ok(r)
    }

    /// A hall's staff, by number.
    pub fn staff(&self, hall: Uuid) -> Result<Vec<Staff>> {
        let row = halls::by_id(&self.conn, hall)?;
        crate::staff::all(&self.conn, row.key)
    }

    /// Who is logged in at one counter: `Ok(None)` when nobody is, an
    /// unknown-counter error when there is no such counter.
    pub fn counter_staff(&self, hall: Uuid, counter: u32) -> Result<Option<String>> {
        let key = halls::key_of(&self.conn, hall)?;
        self.conn
            .prepare_cached("SELECT staff FROM counters WHERE hall = ?1 AND number = ?2")?
            .query_row(params![key, counter], |r| r.get::<_, Option<String>>(0))
            .optional()?
            .ok_or_else(|| hallq_core::CoreError::UnknownCounter(counter).into())
    }

    /// A hall's counters with their live state, by number.
    pub fn counters(&self, hall: Uuid) -> Result<Vec<Counter>> {
        let row = halls::by_id(&self.conn, hall)?;
        crate::counters::all(&self.conn, row.key)
    }

    /// A hall's open follow-ups of low ratings, soonest deadline first.
    pub fn open_follow_ups(&self, hall: Uuid) -> Result<Vec<hallq_core::FollowUp>> {
        let row = halls::by_id(&self.conn, hall)?;
        crate::follow_ups::open(&self.conn, row.key)
    }

    /// A hall's follow-ups of the low ratings given in a range of business
    /// days, open or closed, newest first.
    pub fn follow_ups(&self, hall: Uuid, from: NaiveDate, to: NaiveDate) -> Result<Vec<hallq_core::FollowUp>> {
        let row = halls::by_id(&self.conn, hall)?;
        crate::follow_ups::of_range(&self.conn, row.key, &from.to_string(), &to.to_string())
    }

    /// The live (not revoked, not expired) terminal holding this token.
    pub fn terminal_by_token(&self, token: &str, now: Millis) -> Result<Option<crate::Terminal>> {
        crate::terminals::by_token(&self.conn, token, now)
    }

    /// A hall's terminals, newest first.
    pub fn terminals(&self, hall: Uuid) -> Result<Vec<crate::Terminal>> {
        let row = halls::by_id(&self.conn, hall)?;
        crate::terminals::all(&self.conn, row.key)
    }

    /// A ticket by id.
    pub fn ticket(&self, id: Uuid) -> Result<Option<Ticket>> {
        let sql = format!("SELECT {} FROM tickets WHERE id = ?1", tickets::COLUMNS);
        Ok(self.conn.prepare_cached(&sql)?.query_row([id.as_bytes()], tickets::from_row).optional()?)
    }

    /// A hall's tickets of one business day, every leg, in issue order.
    pub fn tickets_of_day(&self, hall: Uuid, day: NaiveDate) -> Result<Vec<Ticket>> {
        let row = halls::by_id(&self.conn, hall)?;
        tickets::of_day(&self.conn, row.key, day)
    }

    /// A hall's events after `after_seq`, in order, at most `limit`.
    pub fn events_since(&self, hall: Uuid, after_seq: u64, limit: usize) -> Result<Vec<StoredEvent>> {
        let row = halls::by_id(&self.conn, hall)?;
        log::read(&self.conn, row.key, hall, after_seq, limit)
    }

    /// The seq of a hall's last event.
    pub fn last_seq(&self, hall: Uuid) -> Result<u64> {
        Ok(halls::by_id(&self.conn, hall)?.last_seq)
    }

    /// Runs SQLite's integrity check; `Ok(())` when the file is sound.
    pub fn check_integrity(&self) -> Result<()> {
        let r: String = self.conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        if r == "ok" { Ok(()) } else { Err(crate::StoreError::Corrupt(r)) }
    }

    /// The projection tables of a hall as canonical JSON lines, for comparing
    /// an incremental projection with a rebuild.
    pub fn projection_dump(&self, hall: Uuid) -> Result<Vec<String>> {
        let key = halls::by_id(&self.conn, hall)?.key;
        let mut out = Vec::new();
        for (table, order) in [
            ("halls", "key"),
            ("services", "code"),
            ("staff", "number"),
            ("counters", "number"),
            ("tickets", "id"),
            ("counter_sessions", "counter, opened_at"),
            ("staff_sessions", "staff, login_at"),
            ("follow_ups", "ticket"),
            ("case_types", "code"),
            ("cases", "id"),
            ("case_steps", "seq"),
        ] {
            let col = if table == "halls" { "key" } else { "hall" };
            let mut st = self.conn.prepare(&format!("SELECT * FROM {table} WHERE {col} = ?1 ORDER BY {order}"))?;
            let n = st.column_count();
            let mut rows = st.query(params![key])?;
            while let Some(r) = rows.next()? {
                let mut line = format!("{table}:");
                for i in 0..n {
                    line.push_str(&format!("{:?}|", r.get_ref(i)?));
                }
                out.push(line);
            }
        }
        Ok(out)
    }
}
