//! The ingest figures (ignored: run in release with `--ignored
//! --nocapture`): events/s into PostgreSQL for one hall catching up on 30
//! days, and for 100 halls pushing at once, through the real HTTP route
//! (the batches are encoded beforehand: what is timed is the centre; the
//! projection for reports included), then the report across those halls; and
//! the append's binary COPY against a multi-row INSERT of the same events
//! (`unnest` of arrays, the fastest INSERT form), which is why it copies.

use std::sync::Arc;
use std::time::Instant;

use chrono::NaiveDate;
use hallq_central::ingest::{self, encode_batch};
use hallq_central::report::{self, CentralQuery};
use hallq_store::{ExchangeHeader, StoredEvent};
use reqwest::StatusCode;
use uuid::Uuid;

use tokio_postgres::types::Json;

use crate::support::{Centre, DemoHall, push_to};

/// `events` as hall number `n`'s: its own hall id and event ids.
fn as_hall(header: &ExchangeHeader, events: &[StoredEvent], n: u128) -> (ExchangeHeader, Vec<StoredEvent>) {
    let mut header = header.clone();
    header.settings.hall.id = Uuid::from_u128(n + 1);
    header.settings.hall.code = format!("B{n:03}");
    let events = events
        .iter()
        .map(|e| StoredEvent {
            id: Uuid::from_u128(((n + 1) << 64) | u128::from(e.seq)),
            hall_id: header.settings.hall.id,
            ..e.clone()
        })
        .collect();
    (header, events)
}

async fn push_batches(centre: &Centre, key: &str, batches: &[Vec<u8>]) {
    for batch in batches {
        let (status, body) = push_to(&centre.http, &centre.base, key, batch.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: cargo test --release -p hallq-central --test central bench -- --ignored --nocapture"]
async fn bench_ingest_one_hall_and_a_hundred_at_once() {
    let hall = DemoHall::new("B000", 30, 1);
    let (header, events) = hall.log();

    // One hall, 30 days offline, catching up in batches of 5,000.
    let centre = Centre::start().await;
    let key = centre.enrol(&header).await;
    let batches: Vec<Vec<u8>> = events.chunks(5_000).map(encode_batch).collect();
    let started = Instant::now();
    for batch in &batches {
        ingest::decode_batch(batch, header.settings.hall.id).expect("a batch");
    }
    let decoding = started.elapsed();
    let started = Instant::now();
    push_batches(&centre, &key, &batches).await;
    let one = started.elapsed();
    println!(
        "one hall, 30 days: {} events in {:.2} s = {:.0} events/s ({} batches of ≤ 5,000)",
        events.len(),
        one.as_secs_f64(),
        events.len() as f64 / one.as_secs_f64(),
        batches.len()
    );
    println!(
        "  of which decoding (gunzip, JSON, the events' types): {:.2} s = {:.0} events/s on one core",
        decoding.as_secs_f64(),
        events.len() as f64 / decoding.as_secs_f64()
    );

    // 100 halls at once, 10,000 events each in batches of 2,500.
    let centre = Arc::new(Centre::start().await);
    let per_hall = 10_000.min(events.len());
    let mut work = Vec::new();
    for n in 0..100 {
        let (header, events) = as_hall(&header, &events[..per_hall], n);
        let key = centre.enrol(&header).await;
        work.push((key, events.chunks(2_500).map(encode_batch).collect::<Vec<_>>()));
    }
    let started = Instant::now();
    let tasks: Vec<_> = work
        .into_iter()
        .map(|(key, batches)| {
            let centre = centre.clone();
            tokio::spawn(async move { push_batches(&centre, &key, &batches).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("a hall's pushes");
    }
    let many = started.elapsed();
    let total = 100 * per_hall;
    println!(
        "100 halls at once: {total} events in {:.2} s = {:.0} events/s",
        many.as_secs_f64(),
        total as f64 / many.as_secs_f64()
    );
    let client = centre.pool.get().await.unwrap();
    let stored: i64 = client.query_one("SELECT count(*) FROM events", &[]).await.unwrap().get(0);
    assert_eq!(stored, total as i64);

    // The report across those 100 halls, from the projection.
    let legs: i64 = client.query_one("SELECT count(*) FROM tickets", &[]).await.unwrap().get(0);
    for by in ["hall", "service"] {
        let q = CentralQuery {
            from: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(),
            by: by.parse().unwrap(),
            county: None,
            hall: None,
        };
        let started = Instant::now();
        let report = report::kpis(&centre.pool, &q).await.expect("a report");
        println!(
            "report across the 100 halls by {by}: {legs} legs in {:.2} s ({} groups)",
            started.elapsed().as_secs_f64(),
            report.groups.len()
        );
    }
}

/// The same events stored by a multi-row INSERT, batch by batch.
async fn insert_rows(centre: &Centre, hall: Uuid, events: &[StoredEvent]) {
    let mut client = centre.pool.get().await.unwrap();
    for batch in events.chunks(5_000) {
        let tx = client.transaction().await.unwrap();
        let seqs: Vec<i64> = batch.iter().map(|e| e.seq as i64).collect();
        let ids: Vec<Uuid> = batch.iter().map(|e| e.id).collect();
        let ats: Vec<i64> = batch.iter().map(|e| e.at).collect();
        let kinds: Vec<&str> = batch.iter().map(|e| e.data.kind()).collect();
        let actors: Vec<_> = batch.iter().map(|e| Json(&e.actor)).collect();
        let data: Vec<_> = batch.iter().map(|e| Json(&e.data)).collect();
        tx.execute(
            "INSERT INTO events (hall_id, seq, id, at, kind, actor, data)
             SELECT $1, * FROM unnest($2::int8[], $3::uuid[], $4::int8[], $5::text[], $6::jsonb[], $7::jsonb[])",
            &[&hall, &seqs, &ids, &ats, &kinds, &actors, &data],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
}

/// The same events stored by the centre's append (binary COPY).
async fn copy_rows(centre: &Centre, hall: Uuid, events: &[StoredEvent]) {
    let mut client = centre.pool.get().await.unwrap();
    for batch in events.chunks(5_000) {
        let tx = client.transaction().await.unwrap();
        ingest::append(&tx, hall, batch).await.unwrap();
        tx.commit().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: cargo test --release -p hallq-central --test central bench -- --ignored --nocapture"]
async fn bench_copy_against_a_multi_row_insert() {
    let (header, events) = DemoHall::new("B000", 30, 1).log();
    for round in 0..2 {
        for how in ["binary COPY", "multi-row INSERT"] {
            let centre = Centre::start().await;
            let hall = header.settings.hall.id;
            centre.enrol(&header).await;
            let started = Instant::now();
            if how == "binary COPY" {
                copy_rows(&centre, hall, &events).await;
            } else {
                insert_rows(&centre, hall, &events).await;
            }
            let took = started.elapsed();
            println!(
                "round {round}, {how}: {} events in {:.2} s = {:.0} events/s",
                events.len(),
                took.as_secs_f64(),
                events.len() as f64 / took.as_secs_f64()
            );
        }
    }
}
