//! The centre killed with SIGKILL in the middle of ingest: the real
//! `hallq central`, four halls pushing from their own tasks. Every seq that
//! was acknowledged is stored (the commit comes before the answer), what is
//! stored is a gapless prefix of each hall's log, and after a restart on the
//! same PostgreSQL the halls complete their logs with nothing duplicated.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hallq_central::ingest::encode_batch;
use hallq_store::StoredEvent;
use reqwest::StatusCode;

use crate::support::{Centre, DemoHall, acknowledged, assert_log, push_to, start_centre, stored};

/// Pushes `events` in batches of `size` until done or refused; records the
/// highest acknowledged seq.
async fn push_until_refused(
    base: String,
    key: String,
    events: Arc<Vec<StoredEvent>>,
    size: usize,
    acked: Arc<AtomicU64>,
) {
    let http = reqwest::Client::new();
    for batch in events.chunks(size) {
        let response =
            http.post(format!("{base}/central/v1/events")).bearer_auth(&key).body(encode_batch(batch)).send().await;
        let Ok(response) = response else { return };
        if response.status() != StatusCode::OK {
            return;
        }
        let Ok(body) = response.json::<serde_json::Value>().await else { return };
        acked.fetch_max(acknowledged(&body), Ordering::SeqCst);
    }
}

#[tokio::test]
async fn the_centre_killed_mid_ingest_loses_nothing_it_acknowledged() {
    let halls: Vec<DemoHall> = (0..4).map(|i| DemoHall::new(&format!("TS0{i}"), 3, 10 + i)).collect();
    let logs: Vec<_> = halls.iter().map(DemoHall::log).collect();
    let total: usize = logs.iter().map(|(_, e)| e.len()).sum();
    // Enrolment through a centre in this process, on the database the
    // real one then serves.
    let centre = Centre::start().await;
    let mut keys = Vec::new();
    for (header, _) in &logs {
        keys.push(centre.enrol(header).await);
    }

    let (mut child, base) = start_centre(&centre.url, &[]);
    let acked: Vec<Arc<AtomicU64>> = logs.iter().map(|_| Arc::new(AtomicU64::new(0))).collect();
    let mut tasks = Vec::new();
    for ((_, events), (key, acked)) in logs.iter().zip(keys.iter().zip(&acked)) {
        let events = Arc::new(events.clone());
        tasks.push(tokio::spawn(push_until_refused(base.clone(), key.clone(), events, 100, acked.clone())));
    }
    // Kill it once about a quarter is in: mid-ingest, batches in flight.
    let started = Instant::now();
    while acked.iter().map(|a| a.load(Ordering::SeqCst)).sum::<u64>() < total as u64 / 4 {
        assert!(started.elapsed() < Duration::from_secs(120), "the pushes never got going");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    child.kill().expect("SIGKILL the centre");
    child.wait().expect("reap it");
    for task in tasks {
        task.await.expect("a push task");
    }
    let acked: Vec<u64> = acked.iter().map(|a| a.load(Ordering::SeqCst)).collect();
    assert!(acked.iter().sum::<u64>() < total as u64, "killed before the end: {acked:?} of {total}");
    // A COMMIT the killed centre had sent still lands: PostgreSQL finishes
    // it after its client is gone (stored, never acknowledged — the hall
    // resends it and it is skipped). Read the logs once that has settled.
    let mut counts = Vec::new();
    for _ in 0..100 {
        let mut now = Vec::new();
        for (header, _) in &logs {
            now.push(stored(&centre.pool, header.settings.hall.id).await.len());
        }
        if now == counts {
            break;
        }
        counts = now;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    for ((header, events), &acked) in logs.iter().zip(&acked) {
        let log = stored(&centre.pool, header.settings.hall.id).await;
        assert!(
            log.len() as u64 >= acked,
            "{}: stored {} < acknowledged {acked}",
            header.settings.hall.code,
            log.len()
        );
        assert_log(&centre.pool, header.settings.hall.id, &events[..log.len()]).await;
    }

    // Restarted on the same PostgreSQL: each hall reads its cursor and
    // pushes on (repeating the batch before it: nothing is stored twice).
    let (mut child, base) = start_centre(&centre.url, &[]);
    let http = reqwest::Client::new();
    for (((header, events), key), &acked) in logs.iter().zip(&keys).zip(&acked) {
        let response = http.get(format!("{base}/central/v1/cursor")).bearer_auth(key).send().await.unwrap();
        let cursor = acknowledged(&response.json().await.unwrap());
        assert!(cursor >= acked, "{}: cursor {cursor} < acknowledged {acked}", header.settings.hall.code);
        let from = (cursor as usize).saturating_sub(100);
        for batch in events[from..].chunks(1000) {
            let (status, body) = push_to(&http, &base, key, encode_batch(batch)).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        assert_log(&centre.pool, header.settings.hall.id, events).await;
    }
    child.kill().expect("stop the centre");
    child.wait().expect("reap it");
}
