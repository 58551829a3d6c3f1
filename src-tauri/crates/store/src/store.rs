//! `Store`: a handle to one HallQ database file, and the doors into it —
//! creating halls, the hall engine, the bulk writer, readers, PINs, kiosk
//! printers and print jobs, the link to the centre, backup, and rebuilding
//! projections from the log.

use std::path::Path;
use std::sync::Arc;

use hallq_core::{Actor, Command, EventData, Hall, HallConfig, HallState, Millis};
use rusqlite::ErrorCode;
use uuid::Uuid;

use crate::bulk::BulkWriter;
use crate::central::{self, CentralFailure, CentralLink};
use crate::clock::{Clock, Reading};
use crate::credentials::{self, PinCheck};
use crate::db;
use crate::engine::HallEngine;
use crate::error::{Result, StoreError};
use crate::halls;
use crate::log;
use crate::pool::Pool;
use crate::printing::{self, KioskPrinter, NewPrintJob, PrintJob, PrintJobFilter, PrintJobUpdate, PrinterConfig};
use crate::projection::{mark_position, project};
use crate::reader::Reader;
use crate::terminals::{self, PairingCode, Terminal};
use crate::writer::Writer;

/// A HallQ database file. Cheap to clone (clones share a pool of open
/// connections for the short reads and side writes of its methods).
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: Arc<Pool>,
}

impl Store {
    /// Opens the database, creating the file (and its folder) if missing, and
    /// brings its schema up to date. A file that is not a HallQ database is
    /// refused and left as it is.
    ///
    /// The file is looked at before anything touches it ([`db::inspect`]): a
    /// foreign, newer or damaged file is refused byte for byte unchanged
    /// (damage with the last good backup to restore from); a full disk or a
    /// read-only location is said in words.
    pub fn open(path: &Path) -> Result<Store> {
        let fail = |e: StoreError| crate::fault::explain_open_failure(path, corrupt_if_not_db(e));
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| fail(e.into()))?;
        }
        db::inspect(path)?;
        let mut conn = db::open_rw(path).map_err(fail)?;
        if conn.is_readonly(rusqlite::MAIN_DB).map_err(|e| fail(e.into()))? {
            return Err(StoreError::ReadOnly(path.to_path_buf()));
        }
        db::migrate(&mut conn).map_err(fail)?;
        Ok(Store { pool: Arc::new(Pool::new(path)) })
    }

    /// Opens an existing database; a missing file is an error, not created.
    pub fn open_existing(path: &Path) -> Result<Store> {
        if !path.is_file() {
            return Err(StoreError::NoDatabase(path.to_path_buf()));
        }
        Self::open(path)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        self.pool.path()
    }

    /// How many idle read-only connections to keep open for reuse (8 unless
    /// told; a hall server with many screens keeps more).
    pub fn keep_readers(&self, n: usize) {
        self.pool.keep_readers(n);
    }

    /// Creates a hall with its services, counters and staff, as events.
    pub fn create_hall(&self, cfg: &HallConfig, now: Millis) -> Result<()> {
        let conn = db::open_rw(self.path())?;
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let r = (|| {
            let key = halls::insert(&conn, &cfg.hall, now)?;
            Ok::<_, StoreError>(key)
        })();
        let key = match r {
            Ok(k) => k,
            Err(e) => {
                conn.execute_batch("ROLLBACK")?;
                return Err(e);
            }
        };
        let mut w = Writer::fresh(conn, key, HallState::new(cfg.hall.clone(), now));
        let mut cmds = vec![Command::ConfigureHall { hall: cfg.hall.clone() }];
        cmds.extend(cfg.services.iter().map(|s| Command::DefineService { service: s.clone() }));
        cmds.extend(cfg.counters.iter().map(|c| Command::DefineCounter { counter: c.config() }));
        cmds.extend(cfg.staff.iter().map(|s| Command::DefineStaff { staff: s.clone() }));
        cmds.extend(cfg.case_types.iter().map(|t| Command::DefineCaseType { case_type: t.clone() }));
        for cmd in &cmds {
            if let Err(e) = w.execute(Actor::Cli, cmd, Reading::steady(now)) {
                w.conn.execute_batch("ROLLBACK")?;
                return Err(e);
            }
        }
        w.commit()
    }

    /// Every hall, by code.
    pub fn halls(&self) -> Result<Vec<Hall>> {
        self.reader()?.halls()
    }

    /// The hall with this code (or id); with `None`, the only hall.
    pub fn resolve_hall(&self, code: Option<&str>) -> Result<Hall> {
        let halls = self.halls()?;
        match code {
            Some(c) => halls
                .into_iter()
                .find(|h| h.code == c || h.id.to_string() == c)
                .ok_or_else(|| StoreError::UnknownHall(c.to_string())),
            None => match halls.len() {
                0 => Err(StoreError::NoHall),
                1 => Ok(halls.into_iter().next().expect("one hall")),
                _ => {
                    Err(StoreError::SeveralHalls(halls.iter().map(|h| h.code.as_str()).collect::<Vec<_>>().join(", ")))
                }
            },
        }
    }

    /// Sets a staff member's PIN (4–12 digits), clearing any lock.
    pub fn set_staff_pin(&self, hall: Uuid, staff: &str, pin: &str) -> Result<()> {
        let conn = self.pool.write()?;
        let key = halls::by_id(&conn, hall)?.key;
        credentials::set(&conn, key, staff, pin)
    }

    /// Checks a staff PIN at `now`, counting wrong tries (five lock the staff
    /// number for five minutes).
    pub fn check_staff_pin(&self, hall: Uuid, staff: &str, pin: &str, now: Millis) -> Result<PinCheck> {
        let conn = self.pool.write()?;
        let key = halls::by_id(&conn, hall)?.key;
        credentials::check(&conn, key, staff, pin, now)
    }

    /// Checks a staff PIN now: `true` if right; a locked staff number is an error.
    pub fn verify_staff_pin(&self, hall: Uuid, staff: &str, pin: &str) -> Result<bool> {
        match self.check_staff_pin(hall, staff, pin, chrono::Utc::now().timestamp_millis())? {
            PinCheck::Ok => Ok(true),
            PinCheck::Wrong { .. } => Ok(false),
            PinCheck::Locked { until } => Err(StoreError::StaffLocked { staff: staff.to_string(), until }),
        }
    }

    /// Whether a staff member has a PIN (the first-run check: until the
    /// admin has one, the hall accepts the first-run call that sets it).
    pub fn has_pin(&self, hall: Uuid, staff: &str) -> Result<bool> {
        let conn = self.pool.read()?;
        let key = halls::by_id(&conn, hall)?.key;
        let n: i64 = conn.query_row(
            "SELECT count(*) FROM credentials WHERE hall = ?1 AND staff = ?2",
            rusqlite::params![key, staff],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    /// Hands out a 6-digit pairing code for a terminal of `role`, valid ten minutes.
    pub fn create_pairing_code(
        &self,
        hall: Uuid,
        role: &str,
        counter: Option<u32>,
        name: &str,
        now: Millis,
    ) -> Result<PairingCode> {
        let conn = self.pool.write()?;
        let key = halls::by_id(&conn, hall)?.key;
        terminals::create_code(&conn, key, role, counter, name, now)
    }

    /// Exchanges a pairing code, once, for a terminal and its token.
    pub fn redeem_pairing_code(&self, hall: Uuid, code: &str, now: Millis) -> Result<(Terminal, String)> {
        let mut conn = self.pool.write()?;
        let key = halls::by_id(&conn, hall)?.key;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let r = terminals::redeem_code(&tx, key, hall, code, now)?;
        tx.commit()?;
        Ok(r)
    }

    /// Creates a terminal without a code (a supervisor session that expires
    /// at `expires_at`, or the desktop app's own windows) and returns its token.
    pub fn create_terminal(
        &self,
        hall: Uuid,
        role: &str,
        counter: Option<u32>,
        name: &str,
        now: Millis,
        expires_at: Option<Millis>,
    ) -> Result<(Terminal, String)> {
        let conn = self.pool.write()?;
        let key = halls::by_id(&conn, hall)?.key;
        terminals::insert_terminal(&conn, key, hall, role, counter, name, now, expires_at)
    }

    /// The live (not revoked, not expired) terminal holding this token.
    pub fn terminal_by_token(&self, token: &str, now: Millis) -> Result<Option<Terminal>> {
        let conn = self.pool.read()?;
        terminals::by_token(&conn, token, now)
    }

    /// A hall's terminals, newest first.
    pub fn terminals(&self, hall: Uuid) -> Result<Vec<Terminal>> {
        let conn = self.pool.read()?;
        let key = halls::by_id(&conn, hall)?.key;
        terminals::all(&conn, key)
    }

    /// Revokes a terminal's token.
    pub fn revoke_terminal(&self, hall: Uuid, id: Uuid, now: Millis) -> Result<()> {
        let conn = self.pool.write()?;
        let key = halls::by_id(&conn, hall)?.key;
        terminals::revoke(&conn, key, id, now)
    }

    /// The hall's live kiosk terminals with their printers, by name (a kiosk
    /// never configured prints the HTML ticket on 80 mm paper).
    pub fn kiosk_printers(&self, hall: Uuid) -> Result<Vec<KioskPrinter>> {
        let conn = self.pool.read()?;
        let key = halls::by_id(&conn, hall)?.key;
        printing::kiosks(&conn, key)
    }

    /// One kiosk's printer; a terminal that is not a live kiosk of the hall
    /// is [`StoreError::NotAKiosk`].
    pub fn kiosk_printer(&self, hall: Uuid, kiosk: Uuid) -> Result<KioskPrinter> {
        let conn = self.pool.read()?;
        let key = halls::by_id(&conn, hall)?.key;
        printing::kiosk(&conn, key, kiosk)
    }

    /// Sets a kiosk's printer (validated and normalized: the stored form is
    /// returned) and points the kiosk's pending print jobs at it. This is
    /// also the desktop app's door: in a one-PC station whose wizard chose a
    /// local printer it sets the kiosk to kind `local`. Bad input is
    /// [`StoreError::InvalidPrinter`] and changes nothing.
    pub fn set_kiosk_printer(
        &self,
        hall: Uuid,
        kiosk: Uuid,
        config: &PrinterConfig,
        now: Millis,
    ) -> Result<PrinterConfig> {
        let config = config.normalized()?;
        let mut conn = self.pool.write()?;
        let key = halls::by_id(&conn, hall)?.key;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        printing::set(&tx, key, kiosk, &config, now)?;
        tx.commit()?;
        Ok(config)
    }

    /// Adds a pending print job.
    pub fn add_print_job(&self, hall: Uuid, job: &NewPrintJob, now: Millis) -> Result<PrintJob> {
        let conn = self.pool.write()?;
        let key = halls::by_id(&conn, hall)?.key;
        let id = printing::insert(&conn, key, job, now)?;
        printing::one(&conn, key, id)
    }

    /// One print job of the hall.
    pub fn print_job(&self, hall: Uuid, id: Uuid) -> Result<PrintJob> {
        let conn = self.pool.read()?;
        let key = halls::by_id(&conn, hall)?.key;
        printing::one(&conn, key, id)
    }

    /// The hall's print jobs matching `filter`, newest first.
    pub fn print_jobs(&self, hall: Uuid, filter: &PrintJobFilter) -> Result<Vec<PrintJob>> {
        let conn = self.pool.read()?;
        let key = halls::by_id(&conn, hall)?.key;
        printing::list(&conn, key, filter)
    }

    /// Every pending print job of the hall, any day, oldest first.
    pub fn pending_print_jobs(&self, hall: Uuid) -> Result<Vec<PrintJob>> {
        let conn = self.pool.read()?;
        let key = halls::by_id(&conn, hall)?.key;
        printing::pending(&conn, key)
    }

    /// The print jobs of these tickets (the legs of a visit), oldest first.
    pub fn print_jobs_of_tickets(&self, hall: Uuid, tickets: &[Uuid]) -> Result<Vec<PrintJob>> {
        let conn = self.pool.read()?;
        let key = halls::by_id(&conn, hall)?.key;
        printing::of_tickets(&conn, key, tickets)
    }

    /// Records what happened to a pending print job and returns it as it is
    /// now. A job already printed, skipped or cancelled does not change
    /// ([`StoreError::PrintJobClosed`]; repeating the same final update is
    /// answered with the job).
    pub fn update_print_job(&self, hall: Uuid, id: Uuid, what: &PrintJobUpdate, now: Millis) -> Result<PrintJob> {
        let mut conn = self.pool.write()?;
        let key = halls::by_id(&conn, hall)?.key;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        printing::update(&tx, key, id, what, now)?;
        let job = printing::one(&tx, key, id)?;
        tx.commit()?;
        Ok(job)
    }

    /// The number of pending print jobs of a business day, per kiosk.
    pub fn pending_print_counts(&self, hall: Uuid, day: chrono::NaiveDate) -> Result<Vec<(Uuid, u32)>> {
        let conn = self.pool.read()?;
        let key = halls::by_id(&conn, hall)?.key;
        printing::pending_per_kiosk(&conn, key, day)
    }

    /// The hall's link to the bureau's centre, if it enrolled.
    pub fn central_link(&self, hall: Uuid) -> Result<Option<CentralLink>> {
        let conn = self.pool.read()?;
        let key = halls::by_id(&conn, hall)?.key;
        central::get(&conn, key)
    }

    /// Records the hall's link to the centre (`hallq enrol`): a new
    /// enrolment replaces the old link, its cursor and its errors.
    pub fn set_central_link(&self, hall: Uuid, url: &str, key: &str, now: Millis) -> Result<()> {
        let conn = self.pool.write()?;
        let hall_key = halls::by_id(&conn, hall)?.key;
        central::set(&conn, hall_key, url, key, now)
    }

    /// Removes the hall's link to the centre; whether there was one.
    pub fn forget_central_link(&self, hall: Uuid) -> Result<bool> {
        let conn = self.pool.write()?;
        let key = halls::by_id(&conn, hall)?.key;
        central::forget(&conn, key)
    }

    /// Records the centre's answer for the link enrolled at `enrolled_at`:
    /// it holds the hall's log up to `seq` (clears the last error).
    pub fn central_acknowledged(&self, hall: Uuid, enrolled_at: Millis, seq: u64, now: Millis) -> Result<()> {
        let conn = self.pool.write()?;
        let key = halls::by_id(&conn, hall)?.key;
        central::acknowledged(&conn, key, enrolled_at, seq, now)
    }

    /// Records a failed attempt for the link enrolled at `enrolled_at`.
    pub fn central_failed(&self, hall: Uuid, enrolled_at: Millis, failure: &CentralFailure) -> Result<()> {
        let conn = self.pool.write()?;
        let key = halls::by_id(&conn, hall)?.key;
        central::failed(&conn, key, enrolled_at, failure)
    }

    /// Copies the database to `dest` with SQLite's online backup, while the
    /// hall keeps working, and checks the copy (full integrity check).
    /// `dest` must not exist.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        if dest.exists() {
            return Err(StoreError::Io(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} 已存在 / already exists", dest.display()),
            )));
        }
        crate::backup::copy_verified(self.path(), dest)
    }

    /// A read-only view.
    pub fn reader(&self) -> Result<Reader> {
        Ok(Reader { conn: self.pool.read()?, cores: crate::report::cores() })
    }

    /// Starts the hall's engine: the only writer of that hall while it runs.
    pub fn engine(&self, hall: Uuid, clock: Arc<dyn Clock>) -> Result<HallEngine> {
        let writer = Writer::open(db::open_rw(self.path())?, hall)?;
        HallEngine::start(writer, clock)
    }

    /// A bulk writer for the hall (no engine may run for it meanwhile).
    pub fn bulk(&self, hall: Uuid) -> Result<BulkWriter> {
        Ok(BulkWriter::new(Writer::open(db::open_rw(self.path())?, hall)?))
    }

    /// Deletes a hall's event log and keeps its projections — for `hallq
    /// bench` only, never on a real database: the hall can then no longer be
    /// rebuilt, exported or streamed. Reports read only the projections
    /// (tickets, counter sessions, follow-ups), so the bench can measure them
    /// over ten million tickets without the ~1.6 KB of log each ticket
    /// costs. No engine or bulk writer may run for the hall meanwhile.
    /// Returns the events deleted.
    #[doc(hidden)]
    pub fn discard_event_log_for_bench(&self, hall: Uuid) -> Result<u64> {
        let conn = db::open_rw(self.path())?;
        let row = halls::by_id(&conn, hall)?;
        db::immediate(&conn, || {
            // The log is append-only by trigger: lift it for this one
            // statement, in the same transaction.
            conn.execute_batch("DROP TRIGGER events_append_only_delete")?;
            let n = conn.execute("DELETE FROM events WHERE hall = ?1", [row.key])?;
            conn.execute_batch(
                "CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
                 BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;",
            )?;
            Ok(n as u64)
        })
    }

    /// Rebuilds a hall's projections by replaying its whole log through the
    /// domain. No engine may run for the hall meanwhile. Returns the number
    /// of events replayed.
    pub fn rebuild(&self, hall: Uuid) -> Result<u64> {
        let conn = db::open_rw(self.path())?;
        let row = halls::by_id(&conn, hall)?;
        db::immediate(&conn, || {
            for table in [
                "tickets",
                "counters",
                "services",
                "staff",
                "counter_sessions",
                "staff_sessions",
                "follow_ups",
                "case_types",
                "cases",
                "case_steps",
            ] {
                conn.execute(&format!("DELETE FROM {table} WHERE hall = ?1"), [row.key])?;
            }
            conn.execute("UPDATE halls SET last_seq = 0, last_at = 0 WHERE key = ?1", [row.key])?;
            let mut state: Option<HallState> = None;
            let mut after = 0;
            loop {
                let events = log::read(&conn, row.key, hall, after, 10_000)?;
                if events.is_empty() {
                    break;
                }
                for e in &events {
                    let st = state.get_or_insert_with(|| match &e.data {
                        EventData::HallConfigured { hall } => HallState::new(hall.clone(), e.at),
                        _ => HallState::new(row.hall.clone(), e.at),
                    });
                    let changes = st.apply(e.at, &e.data);
                    project(&conn, row.key, st, e, &changes)?;
                    after = e.seq;
                }
            }
            if let Some(st) = &state {
                mark_position(&conn, row.key, st, after)?;
            }
            Ok(after)
        })
    }
}

/// "file is not a database" and friends mean a damaged or foreign file.
fn corrupt_if_not_db(e: StoreError) -> StoreError {
    match &e {
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, msg))
            if matches!(f.code, ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) =>
        {
            StoreError::Corrupt(msg.clone().unwrap_or_else(|| f.to_string()))
        }
        _ => e,
    }
}
