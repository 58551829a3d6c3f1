//! The hall under load over HTTP: twenty counters pressing Call next at once
//! while four kiosks issue a thousand tickets. Serialising commands in the
//! hall's one engine is what keeps two counters from calling the same
//! customer; this test checks it from outside, against the real server and
//! then its database.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hallq_store::hallq_core::{EventData, TicketState};
use uuid::Uuid;

use crate::server_support::{
    LiveHall, all_tickets, assert_one_state_per_ticket, issue_tickets, open_db, read_log, serve_until_empty,
    staff_number,
};

const KIOSKS: usize = 4;
const COUNTERS: u32 = 20;
const TICKETS: usize = 1_000;
/// The whole load must be done by then (it takes a few seconds in debug).
const LIMIT: Duration = Duration::from_secs(90);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_counters_calling_while_four_kiosks_issue_call_every_ticket_once_and_lose_none() {
    let live = LiveHall::start().await;
    let counters = live.staffed_counters(COUNTERS).await;
    let kiosks = live.pair_many("kiosk", KIOSKS).await;
    let deadline = Instant::now() + LIMIT;
    let issuing_done = Arc::new(AtomicBool::new(false));
    let started = Instant::now();

    let kiosk_tasks: Vec<_> = kiosks
        .into_iter()
        .enumerate()
        .map(|(k, token)| tokio::spawn(issue_tickets(live.api.clone(), token, k, TICKETS / KIOSKS)))
        .collect();
    let counter_tasks: Vec<_> = counters
        .into_iter()
        .zip(1..)
        .map(|(token, counter)| {
            tokio::spawn(serve_until_empty(live.api.clone(), token, counter, issuing_done.clone(), deadline))
        })
        .collect();

    let mut issued = Vec::with_capacity(TICKETS);
    let mut kiosk_failure = None;
    for task in kiosk_tasks {
        match task.await {
            Ok(tickets) => issued.extend(tickets),
            Err(e) => kiosk_failure = Some(e),
        }
    }
    // Counters stop once the queue is empty, even if a kiosk failed.
    issuing_done.store(true, Ordering::SeqCst);
    if let Some(e) = kiosk_failure {
        std::panic::resume_unwind(e.into_panic());
    }
    let issue_time = started.elapsed();
    let mut called_by: HashMap<Uuid, u32> = HashMap::new();
    for (task, counter) in counter_tasks.into_iter().zip(1u32..) {
        for id in task.await.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic())) {
            if let Some(other) = called_by.insert(id, counter) {
                panic!("ticket {id} was called by counter {other} and by counter {counter}");
            }
        }
    }
    eprintln!(
        "load: {} tickets issued in {issue_time:?}, all served by {COUNTERS} counters in {:?}",
        issued.len(),
        started.elapsed()
    );

    // What the kiosks were told: a thousand distinct tickets, numbers unique per service.
    assert_eq!(issued.len(), TICKETS);
    let ids: HashSet<Uuid> = issued.iter().map(|t| t.0).collect();
    let numbers: HashSet<(&str, &str)> = issued.iter().map(|t| (t.2.as_str(), t.1.as_str())).collect();
    assert_eq!((ids.len(), numbers.len()), (TICKETS, TICKETS), "every answer is a new ticket with a new number");
    // Every ticket was called, and each by one counter only (checked above).
    let called: HashSet<Uuid> = called_by.keys().copied().collect();
    assert_eq!(called, ids, "the counters called exactly the tickets the kiosks issued");
    let served: Vec<u32> = (1..=COUNTERS).map(|c| called_by.values().filter(|&&n| n == c).count() as u32).collect();
    assert!(served.iter().filter(|&&n| n > 0).count() > 1, "the load was shared between counters: {served:?}");

    // The database agrees: nothing lost, nothing extra, nothing called twice.
    let LiveHall { hall, server, .. } = live;
    server.kill();
    let (store, hall_id) = open_db(&hall);
    let reader = store.reader().expect("a reader");
    let log = read_log(&reader, hall_id);
    let in_db: HashMap<Uuid, _> = all_tickets(&reader, hall_id, &log).into_iter().map(|t| (t.id, t)).collect();
    let answered: HashMap<Uuid, &str> = issued.iter().map(|t| (t.0, t.1.as_str())).collect();
    let stored: HashMap<Uuid, &str> = in_db.values().map(|t| (t.id, t.number.as_str())).collect();
    assert_eq!(stored, answered, "the database holds exactly the tickets the kiosks were answered with");
    for t in in_db.values() {
        let counter = called_by[&t.id];
        assert_eq!(
            (t.state, t.counter, t.staff.clone()),
            (TicketState::Done, Some(counter), Some(staff_number(counter))),
            "{} ends served at the counter that called it",
            t.number
        );
    }
    let mut calls: HashMap<Uuid, Vec<u32>> = HashMap::new();
    for e in &log {
        if let EventData::TicketCalled { ticket, counter, .. } = &e.data {
            calls.entry(*ticket).or_default().push(*counter);
        }
    }
    for (id, counters) in &calls {
        assert_eq!(counters, &[called_by[id]], "ticket {id} has one call in the log, by the counter that was answered");
    }
    assert_eq!(calls.len(), TICKETS);
    assert_one_state_per_ticket(&reader, hall_id);
}
