//! Ingest: a hall's events stored at the centre exactly once, in its seq
//! order — the batch format halls push and the append both the push and
//! the exchange-file import use.
//!
//! # The batch (`POST /central/v1/events`)
//! A gzip stream of JSON lines, one event per line, in seq order:
//! `{"seq","id","at","actor","data","hall_id"}` — the exchange file's event
//! line with its hall's id (the store's [`StoredEvent`] as serde writes it),
//! so a line of another hall is refused rather than stored under the key's
//! hall. At most [`MAX_BATCH_EVENTS`] events and [`MAX_BATCH_BYTES`]
//! uncompressed.
//!
//! # The rules (the exchange import's, `hallq_store::exchange`)
//! In one transaction, under a lock on the hall's row (so two batches of a
//! hall are applied one after the other): events whose seq the centre holds
//! must be identical (same id, time, actor and data) and are skipped; the
//! others must follow the centre's last seq without a gap, with ids new to
//! the hall's log and times that never go back (except at a clock step). A
//! refusal stores nothing of the batch. The transaction commits before the
//! answer, so an acknowledged seq is on the centre's disk.

use std::io::Read;
use std::pin::pin;

use flate2::read::GzDecoder;
use hallq_core::{Actor, EventData, Millis};
use hallq_store::StoredEvent;
use tokio_postgres::Transaction;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{Json, Type};
use uuid::Uuid;

use crate::error::{CentralError, Result};

/// Events one batch may hold at most.
pub use hallq_server::forward::MAX_BATCH_EVENTS;
/// Encodes events as a batch: the hall's forwarder's own encoder.
pub use hallq_server::forward::encode_batch;

/// Bytes one batch may hold at most, uncompressed.
pub const MAX_BATCH_BYTES: usize = 8 << 20;

/// What one append did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// Events stored.
    pub new_events: u64,
    /// Events the centre already held (identical, skipped).
    pub already_present: u64,
    /// The hall's last seq at the centre afterwards.
    pub acknowledged_seq: u64,
}

/// Decodes a batch pushed with `hall`'s key: gzip, the size limits, one
/// known event per line, every line of `hall`, seqs consecutive.
pub fn decode_batch(body: &[u8], hall: Uuid) -> Result<Vec<StoredEvent>> {
    if body.get(..2) != Some(&[0x1f, 0x8b]) {
        return Err(CentralError::bad_batch("不是 gzip 压缩数据", "not gzip-compressed"));
    }
    let mut text = Vec::new();
    GzDecoder::new(body)
        .take(MAX_BATCH_BYTES as u64 + 1)
        .read_to_end(&mut text)
        .map_err(|e| CentralError::bad_batch(format!("gzip 数据无效（{e}）"), format!("invalid gzip data ({e})")))?;
    if text.len() > MAX_BATCH_BYTES {
        return Err(CentralError::BatchTooLarge);
    }
    let lines: Vec<&[u8]> = text.split(|b| *b == b'\n').filter(|l| !l.is_empty()).collect();
    if lines.len() > MAX_BATCH_EVENTS {
        return Err(CentralError::BatchTooLarge);
    }
    let mut events = Vec::with_capacity(lines.len());
    for (n, line) in lines.iter().enumerate() {
        let e: StoredEvent = serde_json::from_slice(line).map_err(|err| {
            CentralError::bad_batch(
                format!("第 {} 行不是有效的事件（{err}）", n + 1),
                format!("line {} is not a valid event ({err})", n + 1),
            )
        })?;
        if e.hall_id != hall {
            return Err(CentralError::ForeignHall { seq: e.seq });
        }
        events.push(e);
    }
    check_order(&events)?;
    Ok(events)
}

/// Seqs from 1, each one more than the one before.
fn check_order(events: &[StoredEvent]) -> Result<()> {
    let Some(first) = events.first() else { return Ok(()) };
    if first.seq == 0 {
        return Err(CentralError::bad_batch("事件序号从 1 开始", "event seqs start at 1"));
    }
    for (i, e) in events.iter().enumerate() {
        if e.seq != first.seq + i as u64 {
            return Err(CentralError::bad_batch(
                format!("事件序号不连续：应为 {}，却是 {}", first.seq + i as u64, e.seq),
                format!("the events are not in seq order: expected {}, found {}", first.seq + i as u64, e.seq),
            ));
        }
    }
    Ok(())
}

/// The hall's last seq at the centre (0 when it holds none).
pub async fn cursor(client: &impl deadpool_postgres::GenericClient, hall: Uuid) -> Result<u64> {
    let row = client.query_one("SELECT coalesce(max(seq), 0) FROM events WHERE hall_id = $1", &[&hall]).await?;
    Ok(row.get::<_, i64>(0) as u64)
}

/// Appends `events` (consecutive seqs of `hall`, whose row exists) inside
/// the caller's transaction, by the rules above. The caller commits.
pub async fn append(tx: &Transaction<'_>, hall: Uuid, events: &[StoredEvent]) -> Result<Appended> {
    check_order(events)?;
    // One batch of a hall at a time: the row lock is held to the commit.
    tx.query_one("SELECT 1 FROM halls WHERE hall_id = $1 FOR UPDATE", &[&hall]).await?;
    let last =
        tx.query_opt("SELECT seq, at FROM events WHERE hall_id = $1 ORDER BY seq DESC LIMIT 1", &[&hall]).await?;
    let (held, mut last_at) = last.map_or((0, Millis::MIN), |r| (r.get::<_, i64>(0) as u64, r.get::<_, Millis>(1)));
    let Some(first) = events.first() else {
        return Ok(Appended { new_events: 0, already_present: 0, acknowledged_seq: held });
    };
    if first.seq > held + 1 {
        return Err(CentralError::SequenceGap { expected: held + 1, found: first.seq });
    }
    let overlap = events.iter().take_while(|e| e.seq <= held).count();
    if overlap > 0 {
        compare_held(tx, hall, &events[..overlap], held).await?;
    }
    let new = &events[overlap..];
    for e in new {
        // Time goes back only at a clock step.
        if e.at < last_at && !matches!(e.data, EventData::ClockStepped { .. }) {
            return Err(CentralError::bad_batch(
                format!("事件 {} 的时间早于前一事件", e.seq),
                format!("event {} is earlier than the one before it", e.seq),
            ));
        }
        last_at = e.at;
    }
    if !new.is_empty() {
        copy_in(tx, hall, new).await?;
        // What reports read, in the same transaction: a stored event is a
        // projected event.
        crate::projection::project(tx, hall, new).await?;
    }
    Ok(Appended {
        new_events: new.len() as u64,
        already_present: overlap as u64,
        acknowledged_seq: held.max(events[events.len() - 1].seq),
    })
}

/// The held events of the batch's overlap must be the batch's.
async fn compare_held(tx: &Transaction<'_>, hall: Uuid, events: &[StoredEvent], held: u64) -> Result<()> {
    let (from, to) = (events[0].seq as i64, events[events.len() - 1].seq as i64);
    let rows = tx
        .query(
            "SELECT seq, id, at, actor, data FROM events WHERE hall_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq",
            &[&hall, &from, &to],
        )
        .await?;
    for (e, row) in events.iter().zip(rows.iter().map(Some).chain(std::iter::repeat(None))) {
        let same = row.is_some_and(|r| {
            r.get::<_, i64>(0) as u64 == e.seq
                && r.get::<_, Uuid>(1) == e.id
                && r.get::<_, Millis>(2) == e.at
                && r.try_get::<_, Json<Actor>>(3).is_ok_and(|Json(a)| a == e.actor)
                && r.try_get::<_, Json<EventData>>(4).is_ok_and(|Json(d)| d == e.data)
        });
        if !same {
            return Err(CentralError::DivergentLog { seq: e.seq, held });
        }
    }
    Ok(())
}

/// Binary COPY of new events into the log.
async fn copy_in(tx: &Transaction<'_>, hall: Uuid, events: &[StoredEvent]) -> Result<()> {
    let sink = tx.copy_in("COPY events (hall_id, seq, id, at, kind, actor, data) FROM STDIN BINARY").await?;
    let types = [Type::UUID, Type::INT8, Type::UUID, Type::INT8, Type::TEXT, Type::JSONB, Type::JSONB];
    let mut writer = pin!(BinaryCopyInWriter::new(sink, &types));
    let written = async {
        for e in events {
            let seq = e.seq as i64;
            writer
                .as_mut()
                .write(&[&hall, &seq, &e.id, &e.at, &e.data.kind(), &Json(&e.actor), &Json(&e.data)])
                .await?;
        }
        writer.as_mut().finish().await
    }
    .await;
    match written {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
            Err(CentralError::DuplicateEventId { seq: duplicate_seq(events, &e) })
        }
        Err(e) => Err(e.into()),
    }
}

/// Which new event's id was already in the log, from PostgreSQL's detail
/// (`Key (hall_id, id)=(…, <id>) already exists.`); the first new seq when
/// the detail does not say.
fn duplicate_seq(events: &[StoredEvent], error: &tokio_postgres::Error) -> u64 {
    let detail = error.as_db_error().and_then(|d| d.detail()).unwrap_or_default();
    events.iter().find(|e| detail.contains(&e.id.to_string())).unwrap_or(&events[0]).seq
}
