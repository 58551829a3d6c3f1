//! Exchange files: one hall's event log and settings in a self-describing,
//! checksummed file (`hallq export`), merged into another database, usually
//! a county bureau's (`hallq import`). This is how a station with no
//! network reports: it carries a file.
//!
//! # The format (`hallq-exchange`, version 1)
//! A gzip stream of UTF-8 JSON lines:
//! 1. a header ([`ExchangeHeader`]): the format name and version, the
//!    producer, the hall's settings (hall, services, counters, staff — never
//!    PIN hashes or terminal tokens, which are not events either) and the
//!    seq range of the events that follow;
//! 2. one line per event, in seq order: `{"seq","id","at","actor","data"}`
//!    (the [`StoredEvent`] without its hall id, which the header gives);
//! 3. a trailer: `{"trailer":{"events":N,"sha256":"…"}}`, the SHA-256 of
//!    every byte before the trailer line (header and events).
//!
//! A reader refuses a file whose format name it does not know or whose
//! version is newer than [`VERSION`]. gzip's CRC catches most damage, the
//! trailer's count catches truncation, the SHA-256 catches the rest (it is
//! an integrity check, not a signature).
//!
//! # Import
//! One transaction: events whose seq the database already holds for the
//! hall must be the same events (same id, time, actor and data); the others
//! must follow on without a gap and with ids new to the database. New events
//! are appended to the log and projected by the store's own code (the
//! domain's `apply`, then [`project`]), from the hall's state restored from
//! its projections, exactly as a restarted engine continues, so the
//! imported hall's projections equal the hall's own. Any refusal rolls the
//! whole import back.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use chrono::NaiveDate;
use flate2::Compression;
use flate2::bufread::GzDecoder;
use flate2::write::GzEncoder;
use hallq_core::counter::CounterConfig;
use hallq_core::{Actor, EventData, Hall, HallState, Millis, Service, Staff};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::halls::{self, HallRow};
use crate::log::{self, StoredEvent};
use crate::projection::{mark_position, project};
use crate::{Store, db};

/// The format name every exchange file's header carries.
pub const FORMAT: &str = "hallq-exchange";
/// The format version this program writes, and the newest it reads.
pub const VERSION: u32 = 1;

/// A hall's settings: what `hallq init` configures, as its projections hold
/// them at the export's last event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HallSettings {
    /// The hall (id, code, name, time zone, targets …).
    pub hall: Hall,
    /// Its services, in kiosk order.
    pub services: Vec<Service>,
    /// Its counters' configuration.
    pub counters: Vec<CounterConfig>,
    /// Its staff (no PINs).
    pub staff: Vec<Staff>,
}

/// The first line of an exchange file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeHeader {
    /// Always [`FORMAT`].
    pub format: String,
    /// The format version, [`VERSION`] when written by this program.
    pub version: u32,
    /// What wrote it, e.g. `hallq 0.1.0`.
    pub producer: String,
    /// When it was written, UTC ms.
    pub exported_at: Millis,
    /// The seq of the first event in the file.
    pub first_seq: u64,
    /// The seq of the last event in the file (`first_seq - 1` when empty);
    /// the hall's log ended there when it was exported.
    pub last_seq: u64,
    /// The hall's settings at `last_seq`.
    pub settings: HallSettings,
}

impl ExchangeHeader {
    /// How many events the file holds.
    pub fn events(&self) -> u64 {
        (self.last_seq + 1).saturating_sub(self.first_seq)
    }
}

/// Where an export starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// The hall's first event.
    Beginning,
    /// This seq (a seq after the last event gives an empty export).
    Seq(u64),
    /// The first event of this business day or later.
    Day(NaiveDate),
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    /// The hall.
    pub hall: Hall,
    /// First seq written.
    pub first_seq: u64,
    /// Last seq written (`first_seq - 1` when none).
    pub last_seq: u64,
    /// Events written.
    pub events: u64,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    /// The hall, as the file describes it.
    pub hall: Hall,
    /// Whether the hall was new to the database.
    pub created: bool,
    /// Events appended.
    pub new_events: u64,
    /// Events the database already held (identical).
    pub already_present: u64,
    /// The file's seq range.
    pub first_seq: u64,
    /// The file's last seq.
    pub last_seq: u64,
}

fn refuse(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> StoreError {
    StoreError::Exchange { code, zh: zh.into(), en: en.into() }
}

fn foreign(detail: &str) -> StoreError {
    refuse(
        "exchange_foreign_format",
        format!("不是 HallQ 交换文件（{detail}）"),
        format!("not a HallQ exchange file ({detail})"),
    )
}

fn damaged(zh: impl std::fmt::Display, en: impl std::fmt::Display) -> StoreError {
    refuse(
        "exchange_damaged",
        format!("交换文件损坏、被截断或被改动：{zh}"),
        format!("the exchange file is damaged, truncated or altered: {en}"),
    )
}

fn read_failed(e: &std::io::Error) -> StoreError {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => damaged("文件不完整", "it ends too early"),
        std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData => {
            damaged(format!("压缩数据无效（{e}）"), format!("invalid compressed data ({e})"))
        }
        _ => StoreError::Io(std::io::Error::new(e.kind(), e.to_string())),
    }
}

/// One event line as written.
#[derive(Serialize)]
struct EventLineOut<'a> {
    seq: u64,
    id: Uuid,
    at: Millis,
    actor: &'a Actor,
    data: &'a EventData,
}

/// One event line as read.
#[derive(Deserialize)]
struct EventLineIn {
    seq: u64,
    id: Uuid,
    at: Millis,
    actor: Actor,
    data: EventData,
}

#[derive(Serialize, Deserialize)]
struct Trailer {
    trailer: TrailerBody,
}

#[derive(Serialize, Deserialize)]
struct TrailerBody {
    events: u64,
    sha256: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes an exchange file: the header, the events in order, the trailer.
/// It does not check that the events fit the header; [`verify_exchange`]
/// and the import do.
pub struct ExchangeWriter<W: Write> {
    gz: GzEncoder<W>,
    hasher: Sha256,
    events: u64,
    line: Vec<u8>,
}

impl<W: Write> ExchangeWriter<W> {
    /// Starts a file on `out` with its header.
    pub fn new(out: W, header: &ExchangeHeader) -> Result<Self> {
        let mut w = Self {
            gz: GzEncoder::new(out, Compression::default()),
            hasher: Sha256::new(),
            events: 0,
            line: Vec::new(),
        };
        serde_json::to_writer(&mut w.line, header)?;
        w.put_line()?;
        Ok(w)
    }

    /// Writes one event of the hall.
    pub fn event(&mut self, e: &StoredEvent) -> Result<()> {
        serde_json::to_writer(
            &mut self.line,
            &EventLineOut { seq: e.seq, id: e.id, at: e.at, actor: &e.actor, data: &e.data },
        )?;
        self.put_line()?;
        self.events += 1;
        Ok(())
    }

    /// Writes the trailer, ends the gzip stream and returns the output.
    pub fn finish(mut self) -> Result<W> {
        let digest = std::mem::take(&mut self.hasher).finalize();
        let trailer = Trailer { trailer: TrailerBody { events: self.events, sha256: hex(&digest) } };
        serde_json::to_writer(&mut self.line, &trailer)?;
        self.line.push(b'\n');
        self.gz.write_all(&self.line)?;
        let mut out = self.gz.finish()?;
        out.flush()?;
        Ok(out)
    }

    fn put_line(&mut self) -> Result<()> {
        self.line.push(b'\n');
        self.hasher.update(&self.line);
        self.gz.write_all(&self.line)?;
        self.line.clear();
        Ok(())
    }
}

/// Reads an exchange file line by line (without checking its checksum:
/// see [`verify_exchange`]).
pub struct ExchangeReader {
    lines: BufReader<GzDecoder<BufReader<File>>>,
    header: ExchangeHeader,
    remaining: u64,
    line: Vec<u8>,
}

impl ExchangeReader {
    /// Opens `path` and reads its header, refusing a foreign format or a
    /// newer version.
    pub fn open(path: &Path) -> Result<Self> {
        let mut file = BufReader::new(File::open(path)?);
        if file.fill_buf()?.get(..2) != Some(&[0x1f, 0x8b]) {
            return Err(foreign("不是 gzip 压缩 / not gzip-compressed"));
        }
        let mut lines = BufReader::new(GzDecoder::new(file));
        let mut line = Vec::new();
        lines.read_until(b'\n', &mut line).map_err(|e| read_failed(&e))?;
        let value: serde_json::Value =
            serde_json::from_slice(&line).map_err(|_| foreign("首行不是 JSON / the first line is not JSON"))?;
        match value.get("format").and_then(|f| f.as_str()) {
            Some(FORMAT) => {}
            Some(other) => return Err(foreign(&format!("格式 / format “{other}”"))),
            None => return Err(foreign("没有格式名 / no format name")),
        }
        let version = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
        if version > u64::from(VERSION) {
            return Err(refuse(
                "exchange_newer_version",
                format!("交换文件格式版本 {version} 比本程序支持的 {VERSION} 新，请升级 HallQ"),
                format!(
                    "the exchange file is format version {version}, newer than {VERSION} that this program reads; upgrade HallQ"
                ),
            ));
        }
        if version == 0 {
            return Err(foreign("没有版本号 / no version"));
        }
        let header: ExchangeHeader = serde_json::from_value(value)
            .map_err(|e| damaged(format!("文件头无效（{e}）"), format!("invalid header ({e})")))?;
        if header.first_seq == 0 || header.last_seq + 1 < header.first_seq {
            return Err(damaged("文件头的序号范围无效", "the header's seq range is invalid"));
        }
        let remaining = header.events();
        Ok(Self { lines, header, remaining, line })
    }

    /// The header.
    pub fn header(&self) -> &ExchangeHeader {
        &self.header
    }

    /// The next event, or `None` after the last one the header announces.
    pub fn next_event(&mut self) -> Result<Option<StoredEvent>> {
        if self.remaining == 0 {
            return Ok(None);
        }
        self.line.clear();
        let n = self.lines.read_until(b'\n', &mut self.line).map_err(|e| read_failed(&e))?;
        if n == 0 {
            return Err(damaged("事件少于文件头所述", "fewer events than the header says"));
        }
        let e: EventLineIn = serde_json::from_slice(&self.line)
            .map_err(|err| damaged(format!("事件行无效（{err}）"), format!("an invalid event line ({err})")))?;
        self.remaining -= 1;
        Ok(Some(StoredEvent {
            id: e.id,
            hall_id: self.header.settings.hall.id,
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            data: e.data,
        }))
    }
}

/// Checks a whole exchange file without touching any database: known
/// format and version, every line present, the trailer's count and SHA-256,
/// nothing after the compressed stream. Returns its header.
pub fn verify_exchange(path: &Path) -> Result<ExchangeHeader> {
    let mut r = ExchangeReader::open(path)?;
    let mut hasher = Sha256::new();
    // The header line is still in `r.line`.
    hasher.update(&r.line);
    let mut prev = Vec::new();
    let mut cur = Vec::new();
    let mut lines: u64 = 0;
    loop {
        cur.clear();
        if r.lines.read_until(b'\n', &mut cur).map_err(|e| read_failed(&e))? == 0 {
            break;
        }
        if lines > 0 {
            hasher.update(&prev);
        }
        std::mem::swap(&mut prev, &mut cur);
        lines += 1;
    }
    if lines == 0 || !prev.ends_with(b"\n") {
        return Err(damaged("缺少结尾校验行", "the trailer is missing"));
    }
    let trailer: Trailer =
        serde_json::from_slice(&prev).map_err(|_| damaged("缺少结尾校验行", "the trailer is missing"))?;
    let events = lines - 1;
    if trailer.trailer.events != events || events != r.header.events() {
        return Err(damaged(
            format!("事件数不符（文件头 {}，结尾 {}，实际 {events}）", r.header.events(), trailer.trailer.events),
            format!(
                "the event count does not match (header {}, trailer {}, found {events})",
                r.header.events(),
                trailer.trailer.events
            ),
        ));
    }
    if hex(&hasher.finalize()) != trailer.trailer.sha256 {
        return Err(damaged("SHA-256 校验和不符", "the SHA-256 checksum does not match"));
    }
    let mut file = r.lines.into_inner().into_inner();
    if !file.fill_buf()?.is_empty() {
        return Err(damaged("压缩数据后还有多余内容", "there are extra bytes after the compressed data"));
    }
    Ok(r.header)
}

/// The first seq of a hall whose event is at or after `start` (the log's
/// times never decrease, so a binary search over seqs finds it);
/// `last_seq + 1` when none is.
fn first_seq_at(conn: &Connection, hall_key: i64, last_seq: u64, start: Millis) -> Result<u64> {
    let mut st = conn.prepare_cached("SELECT at FROM events WHERE hall = ?1 AND seq = ?2")?;
    let (mut lo, mut hi) = (1, last_seq + 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let at: Millis = st.query_row(params![hall_key, mid as i64], |r| r.get(0))?;
        if at >= start {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Ok(lo)
}

fn settings(conn: &Connection, row: &HallRow) -> Result<HallSettings> {
    Ok(HallSettings {
        hall: row.hall.clone(),
        services: crate::services::all(conn, row.key)?,
        counters: crate::counters::all(conn, row.key)?.iter().map(|c| c.config()).collect(),
        staff: crate::staff::all(conn, row.key)?,
    })
}

impl Store {
    /// A hall's settings as an exchange file's header holds them (what a
    /// hall sends the centre when it enrols).
    pub fn hall_settings(&self, hall: Uuid) -> Result<HallSettings> {
        let conn = self.pool.read()?;
        settings(&conn, &halls::by_id(&conn, hall)?)
    }

    /// Writes a hall's events from `since` on, with its settings, as an
    /// exchange file to `out`. Settings and events are read in one read
    /// transaction, so they agree even while the hall keeps working.
    pub fn export_hall(&self, hall: Uuid, since: Since, now: Millis, out: impl Write) -> Result<ExportSummary> {
        let conn = db::open_ro(self.path())?;
        conn.execute_batch("BEGIN")?;
        let row = halls::by_id(&conn, hall)?;
        let first_seq = match since {
            Since::Beginning => 1,
            Since::Seq(s) => s.clamp(1, row.last_seq + 1),
            Since::Day(d) => first_seq_at(&conn, row.key, row.last_seq, crate::report::day_start(&row.hall, d))?,
        };
        let header = ExchangeHeader {
            format: FORMAT.to_string(),
            version: VERSION,
            producer: format!("hallq {}", env!("CARGO_PKG_VERSION")),
            exported_at: now,
            first_seq,
            last_seq: row.last_seq,
            settings: settings(&conn, &row)?,
        };
        let mut w = ExchangeWriter::new(out, &header)?;
        let mut after = first_seq - 1;
        while after < row.last_seq {
            let events = log::read(&conn, row.key, hall, after, 4096)?;
            let Some(last) = events.last() else { break };
            after = last.seq;
            for e in events.iter().filter(|e| e.seq <= row.last_seq) {
                w.event(e)?;
            }
        }
        w.finish()?;
        conn.execute_batch("COMMIT")?;
        Ok(ExportSummary { hall: row.hall, first_seq, last_seq: row.last_seq, events: header.events() })
    }

    /// Merges an exchange file into this database: checks it whole first
    /// ([`verify_exchange`]), then imports it in one transaction — all or
    /// nothing, idempotent by event id. No engine may run for the hall in
    /// this database meanwhile; and since the transaction holds the
    /// database's write lock throughout (seconds for a hall-year, a few
    /// milliseconds for a day), a large file is best imported when no hall
    /// server writes to the same database.
    pub fn import_exchange(&self, path: &Path) -> Result<ImportSummary> {
        verify_exchange(path)?;
        let mut reader = ExchangeReader::open(path)?;
        let conn = db::open_rw(self.path())?;
        db::immediate(&conn, || merge(&conn, &mut reader))
    }
}

/// The import itself, inside the caller's transaction.
fn merge(conn: &Connection, reader: &mut ExchangeReader) -> Result<ImportSummary> {
    let header = reader.header().clone();
    let hall = header.settings.hall.clone();
    let taken: Option<String> = conn
        .query_row("SELECT id FROM halls WHERE code = ?1 AND id != ?2", params![hall.code, hall.id.to_string()], |r| {
            r.get(0)
        })
        .optional()?;
    if taken.is_some() {
        return Err(refuse(
            "exchange_hall_code_taken",
            format!("数据库中已有另一个编码为“{}”的营业厅", hall.code),
            format!("the database already holds another hall with code '{}'", hall.code),
        ));
    }
    let existing = match halls::by_id(conn, hall.id) {
        Ok(row) => Some(row),
        Err(StoreError::UnknownHall(_)) => None,
        Err(e) => return Err(e),
    };
    let held = existing.as_ref().map_or(0, |r| r.last_seq);
    if header.first_seq > held + 1 {
        return Err(refuse(
            "exchange_gap",
            format!(
                "营业厅 {} 的数据不连续：本库已有到序号 {held}，文件从 {} 开始；请从序号 {} 起导出",
                hall.code,
                header.first_seq,
                held + 1
            ),
            format!(
                "a gap in hall {}'s log: this database holds up to seq {held} and the file starts at {}; export from seq {}",
                hall.code,
                header.first_seq,
                held + 1
            ),
        ));
    }
    let created = existing.is_none();
    let mut key = existing.as_ref().map(|r| r.key);
    let mut state: Option<HallState> = match &existing {
        Some(row) => Some(halls::restore(conn, row)?),
        None => None,
    };
    let mut held_events: VecDeque<StoredEvent> = VecDeque::new();
    let (mut new_events, mut present) = (0u64, 0u64);
    let mut expected = header.first_seq;
    let mut last_at = state.as_ref().map_or(Millis::MIN, HallState::last_at);
    while let Some(e) = reader.next_event()? {
        if e.seq != expected {
            return Err(damaged(
                format!("事件序号应为 {expected}，却是 {}", e.seq),
                format!("expected event seq {expected}, found {}", e.seq),
            ));
        }
        expected += 1;
        if e.seq <= held {
            let k = key.ok_or(StoreError::NoHall)?;
            if held_events.is_empty() {
                held_events.extend(log::read(conn, k, hall.id, e.seq - 1, 4096)?);
            }
            match held_events.pop_front() {
                Some(mine) if mine == e => present += 1,
                mine => return Err(conflict(&hall, &e, mine.as_ref())),
            }
            continue;
        }
        let known: Option<(i64, i64)> = conn
            .prepare_cached("SELECT hall, seq FROM events WHERE id = ?1")?
            .query_row([e.id.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if known.is_some() {
            return Err(conflict(&hall, &e, None));
        }
        // Time goes back only at a clock step.
        if e.at < last_at && !matches!(e.data, EventData::ClockStepped { .. }) {
            return Err(damaged(
                format!("事件 {} 的时间早于前一事件", e.seq),
                format!("event {} is earlier than the one before it", e.seq),
            ));
        }
        last_at = e.at;
        let k = match key {
            Some(k) => k,
            None => {
                let k = halls::insert(conn, &hall, e.at)?;
                key = Some(k);
                k
            }
        };
        let st = state.get_or_insert_with(|| match &e.data {
            EventData::HallConfigured { hall } => HallState::new(hall.clone(), e.at),
            _ => HallState::new(hall.clone(), e.at),
        });
        log::append(conn, k, &e)?;
        let changes = st.apply(e.at, &e.data);
        project(conn, k, st, &e, &changes)?;
        new_events += 1;
    }
    if let (Some(k), Some(st)) = (key, &state)
        && new_events > 0
    {
        mark_position(conn, k, st, expected - 1)?;
    }
    // The events carry every change of settings; when this file is the
    // newest the database has of the hall, the settings they projected
    // must be the ones the file states.
    if let Some(k) = key
        && header.last_seq >= held
    {
        let row = halls::by_id(conn, hall.id)?;
        debug_assert_eq!(row.key, k);
        if settings(conn, &row)? != header.settings {
            return Err(damaged("文件头中的设置与事件不符", "the settings in the header do not match the events"));
        }
    }
    Ok(ImportSummary {
        hall,
        created,
        new_events,
        already_present: present,
        first_seq: header.first_seq,
        last_seq: header.last_seq,
    })
}

fn conflict(hall: &Hall, e: &StoredEvent, mine: Option<&StoredEvent>) -> StoreError {
    let what_zh = match mine {
        Some(m) if m.id == e.id => "同一事件编号，内容不同".to_string(),
        Some(m) => format!("本库该序号是另一事件 {}", m.id),
        None => "该事件编号已用于本库的另一事件".to_string(),
    };
    let what_en = match mine {
        Some(m) if m.id == e.id => "the same event id with different content".to_string(),
        Some(m) => format!("this database holds another event {} at that seq", m.id),
        None => "that event id is already used by another event in this database".to_string(),
    };
    refuse(
        "exchange_conflict",
        format!("营业厅 {} 的事件 {}（序号 {}）与本库不一致：{what_zh}", hall.code, e.id, e.seq),
        format!("hall {}'s event {} (seq {}) disagrees with this database: {what_en}", hall.code, e.id, e.seq),
    )
}
