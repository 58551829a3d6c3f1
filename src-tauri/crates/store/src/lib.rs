//! hallq-store: HallQ's SQLite storage and the hall engine.
//!
//! It owns the schema (numbered migrations), the append-only event log, the
//! projections of current state (tickets, counters, sessions), the one
//! writer per hall (group commit, durable answers), read-only queries for the
//! screens, KPI reports, staff PINs, kiosk printers and print jobs, and
//! backups. It must not know about HTTP, the UI or the command line; and it
//! never decides a queue question itself: [`hallq_core`] does.
//!
//! Read in this order: [`Store`] (the doors), `writer` (the write path),
//! [`HallEngine`] (the thread and group commit), `projection` (what each
//! event writes), [`Reader`] and `report` (the read side).

// The store's unit tests share the integration tests' traffic generator,
// which names this crate.
#[cfg(test)]
extern crate self as hallq_store;

mod attempts;
mod backup;
mod bulk;
mod cases;
mod central;
mod clock;
mod counters;
mod credentials;
mod db;
mod engine;
mod error;
mod exchange;
mod fault;
mod follow_ups;
mod halls;
mod idempotency;
mod inspection;
mod log;
mod overview;
mod pool;
mod printing;
mod projection;
mod reader;
mod report;
mod rows;
mod services;
mod staff;
mod staffing;
mod store;
mod teams;
mod terminals;
mod tickets;
mod writer;

pub use attempts::{ATTEMPT_WINDOW_MS, AttemptKind, AttemptLimit};
pub use backup::{
    BackupRecord, Damage, KEEP_DAILY, KEEP_WEEKLY, ServerLock, default_backup_dir, last_good_backup,
    record_good_backup, rotation_keeps,
};
pub use bulk::BulkWriter;
pub use cases::{CaseFilter, CaseGroup, CaseNames, CaseReport, CaseStep, CaseTally};
pub use central::{CentralFailure, CentralLink};
pub use clock::{Clock, ManualClock, Reading, STEP_TOLERANCE_MS, SystemClock};
pub use credentials::{LOCK_MS, MAX_FAILED_PINS, PinCheck, PinOrigin, valid_pin};
pub use engine::HallEngine;
pub use error::{Result, StoreError};
pub use exchange::{
    ExchangeHeader, ExchangeReader, ExchangeWriter, ExportSummary, HallSettings, ImportSummary, Since, verify_exchange,
};
pub use fault::{Fault, Faults};
pub use hallq_core;
pub use hallq_core::Millis;
pub use idempotency::IdempotencyKey;
pub use inspection::{
    Consistency, DayFigures, Difference, FLAG_POINTS, Inspection, InspectionHall, InspectionQuery, InspectionRow,
    MIN_DAYS,
};
pub use log::StoredEvent;
pub use overview::{
    FOLLOW_UP_ITEMS, FollowUpItem, FollowUpState, FollowUpSummary, HeatCell, LongWait, Overview, OverviewQuery,
    QueuePoint, StaffLoad, StaffRow, WaitBucket, load_balance,
};
pub use printing::{
    BAUD_RATES, DEFAULT_BAUD, DEFAULT_PRINTER_PORT, KioskPrinter, NewPrintJob, PrintContent, PrintDelivery, PrintFault,
    PrintJob, PrintJobFilter, PrintJobState, PrintJobUpdate, PrintOrder, PrintReason, PrinterConfig, PrinterKind,
};
pub use reader::{CounterNow, HallStatus, Reader, ServiceStatus};
pub use report::{GroupBy, HallFeed, KpiGroup, KpiQuery, KpiReport, KpiTally, LegRow, OpenRow, check_range, day_start};
pub use staffing::{MAX_ADVISED_COUNTERS, ObservedProfile, StaffingQuery, StaffingReport, StaffingRow};
pub use store::Store;
pub use teams::{Month, TeamQuery, TeamScore, TeamScorecard};
pub use terminals::{PAIRING_CODE_MS, PairingCode, Terminal};
pub use writer::Executed;
