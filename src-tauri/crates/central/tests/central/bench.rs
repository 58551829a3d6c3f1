//! The ingest figures (ignored: run in release with `--ignored
//! --nocapture`): events/s into PostgreSQL for one hall catching up on 30
//! days, and for 100 halls pushing at once, through the real HTTP route
//! (the batches are encoded beforehand: what is timed is the centre; the
//! projection for reports included), then the report across those halls; and
//! the append's binary COPY against a multi-row INSERT of the same events
//! (`unnest` of arrays, the fastest INSERT form), which is why it copies.
//! And the province: one demo hall's year imported through the real
//! pipeline, its projection cloned to 99 more halls in SQL (fair for a
//! report), then the reports a province asks for (a month and a year, by
//! hall and by service) from the KPI parts, against the same reports fed
//! from every leg.

use std::sync::Arc;
use std::time::Instant;

use chrono::NaiveDate;
use hallq_central::ingest::{self, encode_batch};
use hallq_central::parts;
use hallq_central::report::{self, CentralQuery};
use hallq_store::{ExchangeHeader, StoredEvent};
use reqwest::StatusCode;
use uuid::Uuid;

use tokio_postgres::types::Json;

use crate::support::{Centre, DemoHall, hallq, push_to};

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

/// What `df -h /` says (the bench's cluster grows to several GB).
fn disk() -> String {
    let out = std::process::Command::new("df").args(["-h", "/"]).output().expect("df");
    String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or_default().to_string()
}

/// The tables a report reads, cloned from one hall to the halls numbered
/// `first..=last` (hall ids `…0001`, codes `P001`…): each column as it is
/// but the hall's id (and, in `halls` and the snapshot, its code).
const CLONED: [&str; 8] =
    ["halls", "hall_states", "services", "staff", "counters", "counter_sessions", "kpi_parts", "tickets"];

async fn clone_hall(client: &tokio_postgres::Client, hall: Uuid, (first, last): (i32, i32)) {
    for table in CLONED {
        let columns: Vec<String> = client
            .query(
                "SELECT column_name::text FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position",
                &[&table],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        let values: Vec<String> = columns
            .iter()
            .map(|c| match (table, c.as_str()) {
                (_, "hall_id") => "('00000000-0000-0000-0000-' || lpad(to_hex(n), 12, '0'))::uuid".to_string(),
                ("halls", "code") => "'P' || lpad(n::text, 3, '0')".to_string(),
                ("halls", "key_hash") => "NULL".to_string(),
                ("hall_states", "snapshot") => {
                    "jsonb_set(snapshot, '{hall,code}', to_jsonb('P' || lpad(n::text, 3, '0')))".to_string()
                }
                _ => c.clone(),
            })
            .collect();
        let started = Instant::now();
        let n = client
            .execute(
                &format!(
                    "INSERT INTO {table} ({}) SELECT {} FROM {table}, generate_series($2::int, $3::int) n WHERE hall_id = $1",
                    columns.join(", "),
                    values.join(", ")
                ),
                &[&hall, &first, &last],
            )
            .await
            .unwrap();
        println!("  cloned {table}: {n} rows in {:.1} s", started.elapsed().as_secs_f64());
    }
    client.batch_execute("VACUUM ANALYZE").await.unwrap();
}

/// A report's time, answered with the report.
async fn timed(centre: &Centre, q: &CentralQuery, legs: bool) -> (f64, hallq_store::KpiReport) {
    let started = Instant::now();
    let report = if legs { report::kpis_of_legs(&centre.pool, q).await } else { report::kpis(&centre.pool, q).await };
    (started.elapsed().as_secs_f64(), report.expect("a report"))
}

/// The sizes and the report times of the centre's halls: a month and a
/// year by hall and by service from the parts, three runs each; from
/// every leg, the year by hall (and by service with `all_legs`), their
/// figures compared; by staff (the legs, as before).
async fn measure(centre: &Centre, all_legs: bool) {
    let client = centre.pool.get().await.unwrap();
    let count = |sql: &'static str| {
        let client = &client;
        async move { client.query_one(sql, &[]).await.unwrap().get::<_, i64>(0) }
    };
    let halls = count("SELECT count(*) FROM halls").await;
    let legs = count("SELECT count(*) FROM tickets").await;
    let visits = count("SELECT count(*) FROM tickets WHERE leg = 1").await;
    let rows = count("SELECT count(*) FROM kpi_parts").await;
    println!("{halls} halls: {legs} legs ({visits} visits), {rows} parts");
    for table in ["tickets", "kpi_parts", "counter_sessions"] {
        let size: i64 =
            client.query_one("SELECT pg_total_relation_size($1::text::regclass)", &[&table]).await.unwrap().get(0);
        println!("  {table}: {:.0} MB with its indexes and TOAST", size as f64 / 1e6);
    }
    println!("  disk with the cluster: {}", disk());
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let ranges = [("a month", day("2026-06-01"), day("2026-06-30")), ("a year", day("2025-12-01"), day("2026-11-30"))];
    for (name, from, to) in ranges {
        for by in ["hall", "service"] {
            let q = CentralQuery { from, to, by: by.parse().unwrap(), county: None, hall: None };
            let mut times = Vec::new();
            let mut report = None;
            for _ in 0..3 {
                let (took, r) = timed(centre, &q, false).await;
                times.push(format!("{took:.2} s"));
                report = Some(r);
            }
            let report = report.unwrap();
            println!(
                "  {name} by {by} from the parts: {} ({} groups, {} legs)",
                times.join(", "),
                report.groups.len(),
                report.total.legs
            );
            if name == "a year" && (by == "hall" || all_legs) {
                let (took, legs) = timed(centre, &q, true).await;
                println!("    the same from every leg: {took:.2} s, every figure equal");
                assert_eq!(report, legs, "{name} by {by}: the parts' figures are the legs'");
            }
        }
    }
    // Where a year by service's time goes: PostgreSQL sending the parts
    // (read on one connection, nothing decoded), the parts decoded into
    // the total and their services' accumulators, the KPIs finished.
    let (_, from, to) = ranges[1];
    let started = Instant::now();
    let rows = client
        .query("SELECT service, part FROM kpi_parts WHERE business_day BETWEEN $1 AND $2", &[&from, &to])
        .await
        .unwrap();
    let bytes: usize = rows.iter().map(|r| r.get::<_, &[u8]>(1).len()).sum();
    println!(
        "  where a year by service goes: reading its {} parts ({:.0} MB) on one connection {:.2} s,",
        rows.len(),
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let mut total = hallq_core::KpiAccumulator::new();
    let mut services = std::collections::BTreeMap::<String, hallq_core::KpiAccumulator>::new();
    for r in &rows {
        let part: &[u8] = r.get(1);
        total.merge_part(part).unwrap();
        services.entry(r.get(0)).or_default().merge_part(part).unwrap();
    }
    println!("    decoding them into the total and the services {:.2} s,", started.elapsed().as_secs_f64());
    let started = Instant::now();
    let _ = total.finish();
    let finished = started.elapsed().as_secs_f64();
    let started = Instant::now();
    services.into_values().for_each(|acc| drop(acc.finish()));
    println!(
        "    finishing the total {finished:.2} s and the services {:.2} s (on one core each)",
        started.elapsed().as_secs_f64()
    );
    drop(rows);
    for (name, from, to) in ranges {
        let q = CentralQuery { from, to, by: "staff".parse().unwrap(), county: None, hall: None };
        let (took, report) = timed(centre, &q, false).await;
        println!("  {name} by staff (from the legs): {took:.2} s ({} groups)", report.groups.len());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: cargo test --release -p hallq-central --test central bench -- --ignored --nocapture"]
async fn bench_province_reports_a_hundred_halls_a_year() {
    println!("disk before: {}", disk());
    let started = Instant::now();
    // The year before the demo's cut-off (it must end before today).
    let hall = DemoHall::empty("P000");
    hall.demo(365, 7, "2025-12-01");
    let file = hall.export("year.hqx");
    println!("one demo hall's year (hallq demo --days 365): {:.1} s", started.elapsed().as_secs_f64());

    let centre = Centre::start().await;
    let started = Instant::now();
    hallq(&["central", "--postgres", &centre.url, "import", file.to_str().unwrap()]);
    let imported = started.elapsed().as_secs_f64();
    let client = centre.pool.get().await.unwrap();
    let events: i64 = client.query_one("SELECT count(*) FROM events", &[]).await.unwrap().get(0);
    println!(
        "imported (hallq central import: append, projection and parts): {events} events in {imported:.1} s = {:.0} events/s",
        events as f64 / imported
    );
    let hall_id: Uuid = client.query_one("SELECT hall_id FROM halls", &[]).await.unwrap().get(0);
    client.execute("DELETE FROM kpi_parts", &[]).await.unwrap();
    let started = Instant::now();
    assert_eq!(parts::build_missing(&centre.pool).await.unwrap(), 1);
    println!(
        "one hall's parts built from its projection (a V4 centre at start): {:.2} s",
        started.elapsed().as_secs_f64()
    );

    // 100 halls, as the issue names them; then 178, the 12 million
    // legs (a demo hall's year is some 68,000).
    for (first, last, all_legs) in [(1, 99, false), (100, 177, true)] {
        println!("cloning the hall to {}:", last + 1);
        let started = Instant::now();
        clone_hall(&client, hall_id, (first, last)).await;
        println!("  in all {:.1} s", started.elapsed().as_secs_f64());
        measure(&centre, all_legs).await;
    }

    client.execute("DELETE FROM kpi_parts", &[]).await.unwrap();
    let started = Instant::now();
    let halls = parts::build_missing(&centre.pool).await.unwrap();
    println!(
        "the {halls} halls' parts built from their projection (a V4 centre at start): {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
