//! Reading stored values back strictly. A row whose id, date, state or kind
//! does not parse was edited by hand or is damaged: reading it fails as
//! corruption (`database_corrupt`), never as a default that would quietly
//! change a ticket's priority, a day's figures or a printer's kind.

use chrono::NaiveDate;
use rusqlite::Row;
use rusqlite::types::Type;
use uuid::Uuid;

/// The error a damaged column gives (turned into
/// [`crate::StoreError::Corrupt`] by the store's error conversion).
pub(crate) fn damaged(column: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, Type::Text, format!("stored {what} is damaged").into())
}

/// A 16-byte id.
pub(crate) fn uuid(r: &Row<'_>, i: usize) -> rusqlite::Result<Uuid> {
    Uuid::from_slice(&r.get::<_, Vec<u8>>(i)?).map_err(|_| damaged(i, "id"))
}

/// A 16-byte id or NULL.
pub(crate) fn opt_uuid(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<Uuid>> {
    r.get::<_, Option<Vec<u8>>>(i)?.map(|b| Uuid::from_slice(&b).map_err(|_| damaged(i, "id"))).transpose()
}

/// A text column parsed by `parse` (an enum's stored name).
pub(crate) fn parsed<T>(
    r: &Row<'_>,
    i: usize,
    what: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    let text: String = r.get(i)?;
    parse(&text).ok_or_else(|| damaged(i, what))
}

/// A text column that may be NULL, parsed by `parse` when it is not.
pub(crate) fn opt_parsed<T>(
    r: &Row<'_>,
    i: usize,
    what: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> rusqlite::Result<Option<T>> {
    match r.get::<_, Option<String>>(i)? {
        Some(text) => parse(&text).map(Some).ok_or_else(|| damaged(i, what)),
        None => Ok(None),
    }
}

/// A business day, `YYYY-MM-DD`.
pub(crate) fn day(r: &Row<'_>, i: usize) -> rusqlite::Result<NaiveDate> {
    parsed(r, i, "date", |s| s.parse().ok())
}
