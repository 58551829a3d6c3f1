//! `hallq central import`: an exchange file (`hallq export`) stored at the
//! centre under the push's exactly-once rules ([`crate::ingest::append`]),
//! for a station whose events travel on a USB stick.
//!
//! The whole file is checked first (format, count, SHA-256: the store's
//! `verify_exchange`), then stored in one transaction: all or nothing. A
//! hall the centre does not know is registered from the file's header,
//! without a key (and in the county the import names, if any); it can
//! enrol later and push on from where the file ended.

use std::path::{Path, PathBuf};

use deadpool_postgres::Pool;
use hallq_core::Millis;
use hallq_store::{ExchangeReader, HallSettings, StoredEvent, verify_exchange};
use uuid::Uuid;

use crate::error::{CentralError, Result};
use crate::ingest::{self, MAX_BATCH_EVENTS};

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Imported {
    /// The hall's id.
    pub hall_id: Uuid,
    /// The hall's code.
    pub hall_code: String,
    /// Whether the centre did not know the hall before.
    pub registered: bool,
    /// Events stored.
    pub new_events: u64,
    /// Events the centre already held (identical, skipped).
    pub already_present: u64,
    /// The hall's last seq at the centre afterwards.
    pub acknowledged_seq: u64,
}

/// Reads the next chunk of events off the executor (file reads block).
async fn next_chunk(mut reader: ExchangeReader) -> Result<(ExchangeReader, Vec<StoredEvent>)> {
    tokio::task::spawn_blocking(move || {
        let mut chunk = Vec::with_capacity(MAX_BATCH_EVENTS);
        while chunk.len() < MAX_BATCH_EVENTS {
            match reader.next_event()? {
                Some(e) => chunk.push(e),
                None => break,
            }
        }
        Ok((reader, chunk))
    })
    .await
    .map_err(|e| CentralError::Internal(format!("reading the exchange file: {e}")))?
}

/// Imports the exchange file at `path`; a hall without a county (one
/// registered by a file) is put in `county` when given.
pub async fn import_file(pool: &Pool, path: &Path, county: Option<&str>, now: Millis) -> Result<Imported> {
    let owned: PathBuf = path.to_path_buf();
    let reader = tokio::task::spawn_blocking(move || {
        verify_exchange(&owned)?;
        ExchangeReader::open(&owned)
    })
    .await
    .map_err(|e| CentralError::Internal(format!("checking the exchange file: {e}")))??;
    let header = reader.header().clone();
    let hall = &header.settings.hall;
    let settings = settings_json(&header.settings)?;

    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    if tx.query_opt("SELECT 1 FROM halls WHERE code = $1 AND hall_id <> $2", &[&hall.code, &hall.id]).await?.is_some() {
        return Err(CentralError::HallCodeTaken(hall.code.clone()));
    }
    let registered = tx
        .execute(
            "INSERT INTO halls (hall_id, code, name, settings, registered_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (hall_id) DO NOTHING",
            &[&hall.id, &hall.code, &hall.name, &settings, &now],
        )
        .await?
        == 1;
    if let Some(county) = county.map(str::trim).filter(|c| !c.is_empty()) {
        // An enrolment code's county stands: a file only fills a gap.
        tx.execute("UPDATE halls SET county = $2 WHERE hall_id = $1 AND county IS NULL", &[&hall.id, &county]).await?;
    }
    let (mut new_events, mut already_present) = (0, 0);
    let mut acknowledged_seq = ingest::cursor(&tx, hall.id).await?;
    let mut reader = reader;
    loop {
        let (back, chunk) = next_chunk(reader).await?;
        reader = back;
        if chunk.is_empty() {
            break;
        }
        let done = ingest::append(&tx, hall.id, &chunk).await?;
        new_events += done.new_events;
        already_present += done.already_present;
        acknowledged_seq = done.acknowledged_seq;
    }
    // The file's settings are the hall's newest when its log ends at the
    // centre's last seq.
    if header.last_seq >= acknowledged_seq {
        tx.execute("UPDATE halls SET name = $2, settings = $3 WHERE hall_id = $1", &[&hall.id, &hall.name, &settings])
            .await?;
    }
    tx.commit().await?;
    Ok(Imported {
        hall_id: hall.id,
        hall_code: hall.code.clone(),
        registered,
        new_events,
        already_present,
        acknowledged_seq,
    })
}

/// Refuses a county manager's import of `path` unless its hall is of
/// `county` or unknown to the centre (it will be registered in `county`).
pub async fn check_county(pool: &Pool, path: &Path, county: &str) -> Result<()> {
    let owned: PathBuf = path.to_path_buf();
    let hall =
        tokio::task::spawn_blocking(move || ExchangeReader::open(&owned).map(|r| r.header().settings.hall.clone()))
            .await
            .map_err(|e| CentralError::Internal(format!("reading the exchange file: {e}")))??;
    let client = pool.get().await?;
    let row = client.query_opt("SELECT county FROM halls WHERE hall_id = $1", &[&hall.id]).await?;
    match row.map(|r| r.get::<_, Option<String>>(0)) {
        None => Ok(()),
        Some(Some(c)) if c == county => Ok(()),
        Some(other) => Err(CentralError::ImportOtherCounty { hall: hall.code, county: other }),
    }
}

fn settings_json(settings: &HallSettings) -> Result<serde_json::Value> {
    serde_json::to_value(settings).map_err(|e| CentralError::Internal(format!("the hall's settings: {e}")))
}
