//! The write path's failure rules on a real database file: a kiosk's ticket
//! and its print job are one commit (a ticket never exists without its job,
//! a replayed issue answers the same job); a batch whose write fails answers
//! every command in it with an error, keeps none of it, and the engine goes
//! on from what is on disk; a damaged row reads as corruption, never as a
//! default.

use std::sync::{Arc, Barrier};

use hallq_core::{Actor, Command, HallConfig, PriorityClass};
use hallq_store::{
    HallEngine, IdempotencyKey, ManualClock, PrintDelivery, PrintJobState, PrintOrder, PrinterConfig, PrinterKind,
    Store, StoreError,
};
use rusqlite::Connection;
use serde_json::json;
use uuid::Uuid;

#[allow(dead_code)] // only the test day's clock is needed here
mod common;
use common::{MIN, morning};

const HALL: Uuid = Uuid::from_u128(0x5150);

fn hall() -> (tempfile::TempDir, Store, HallEngine) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("hall.db")).unwrap();
    store.create_hall(&HallConfig::default_supply_hall(HALL, "T1", "测试营业厅"), morning(0) - 60 * MIN).unwrap();
    let engine = store.engine(HALL, Arc::new(ManualClock::new(morning(0)))).unwrap();
    (dir, store, engine)
}

fn issue(service: &str) -> Command {
    Command::Issue {
        service: service.into(),
        priority: PriorityClass::Normal,
        priority_reason: None,
        appointment: None,
    }
}

fn order(kiosk: Uuid) -> PrintOrder {
    PrintOrder {
        kiosk,
        content: Box::new(|hall, service, t| json!({"hall": hall.name, "service": service, "number": t.number})),
    }
}

fn ticket_count(store: &Store) -> i64 {
    let conn = Connection::open(store.path()).unwrap();
    conn.query_row("SELECT count(*) FROM tickets", [], |r| r.get(0)).unwrap()
}

#[test]
fn a_kiosk_ticket_and_its_print_job_are_one_commit() {
    let (_dir, store, engine) = hall();
    let (kiosk, _) = store.create_terminal(HALL, "kiosk", None, "取号机", morning(0), None).unwrap();

    let done = engine.execute_printed(Actor::Cli, issue("PAY"), None, Some(order(kiosk.id))).unwrap();
    let ticket = done.ticket.clone().unwrap();
    let job = done.print.clone().expect("a kiosk's ticket comes with its print job");
    assert_eq!((job.ticket, job.number.as_str(), job.kiosk), (ticket.id, ticket.number.as_str(), Some(kiosk.id)));
    assert_eq!((job.state, job.deliver, job.attempts), (PrintJobState::Pending, PrintDelivery::Page, 0));
    assert_eq!(job.content, json!({"hall": "测试营业厅", "service": "交费", "number": ticket.number}));
    assert_eq!(
        store.print_jobs_of_tickets(HALL, &[ticket.id]).unwrap(),
        std::slice::from_ref(&job),
        "stored as answered"
    );

    // The same request again (a double tap): the same ticket and job, nothing new.
    let key = IdempotencyKey::new("tap-1", "POST /api/v1/tickets PAY");
    let first = engine.execute_printed(Actor::Cli, issue("CHG"), Some(key.clone()), Some(order(kiosk.id))).unwrap();
    let again = engine.execute_printed(Actor::Cli, issue("CHG"), Some(key), Some(order(kiosk.id))).unwrap();
    assert_eq!(again.ticket.as_ref().map(|t| t.id), first.ticket.as_ref().map(|t| t.id));
    assert_eq!(again.print, first.print);
    assert_eq!(ticket_count(&store), 2);

    // A kiosk set to print nothing, and a terminal that is no kiosk (any
    // more): the ticket stands, no job.
    let none = PrinterConfig { kind: PrinterKind::None, address: None, baud: None, paper: 80 };
    store.set_kiosk_printer(HALL, kiosk.id, &none, morning(0)).unwrap();
    let quiet = engine.execute_printed(Actor::Cli, issue("PAY"), None, Some(order(kiosk.id))).unwrap();
    assert!(quiet.ticket.is_some() && quiet.print.is_none());
    let stranger = engine.execute_printed(Actor::Cli, issue("PAY"), None, Some(order(Uuid::now_v7()))).unwrap();
    assert!(stranger.ticket.is_some() && stranger.print.is_none());
    // Without an order (a counter, the CLI) nothing is printed either.
    assert!(engine.execute(Actor::Cli, issue("PAY")).unwrap().print.is_none());
    let jobs: i64 =
        Connection::open(store.path()).unwrap().query_row("SELECT count(*) FROM print_jobs", [], |r| r.get(0)).unwrap();
    assert_eq!(jobs, 2);
}

#[test]
fn a_ticket_whose_print_job_cannot_be_written_is_not_issued() {
    let (_dir, store, engine) = hall();
    let (kiosk, _) = store.create_terminal(HALL, "kiosk", None, "取号机", morning(0), None).unwrap();
    let ok = engine.execute_printed(Actor::Cli, issue("PAY"), None, Some(order(kiosk.id))).unwrap();
    assert_eq!(ok.ticket.unwrap().number, "A001");

    // An injected write failure of the print job's row.
    let conn = Connection::open(store.path()).unwrap();
    conn.execute_batch(
        "CREATE TRIGGER no_jobs BEFORE INSERT ON print_jobs BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
    )
    .unwrap();
    let e = engine.execute_printed(Actor::Cli, issue("PAY"), None, Some(order(kiosk.id))).unwrap_err();
    assert_eq!(e.code(), "aborted", "{e}");
    assert_eq!(ticket_count(&store), 1, "no ticket without its job");

    conn.execute_batch("DROP TRIGGER no_jobs").unwrap();
    let next = engine.execute_printed(Actor::Cli, issue("PAY"), None, Some(order(kiosk.id))).unwrap();
    assert_eq!(next.ticket.unwrap().number, "A002", "the failed ticket's number was never handed out");
}

/// Twenty kiosks press at once while the write of one ticket fails: every
/// command of the failed batch gets an error and none of it is kept; every
/// command answered with success is on disk; numbers continue without a gap
/// or a repeat from what is on disk.
#[test]
fn a_failed_batch_answers_every_command_with_an_error_and_keeps_nothing() {
    let (_dir, store, engine) = hall();
    for _ in 0..3 {
        engine.execute(Actor::Cli, issue("PAY")).unwrap();
    }
    let conn = Connection::open(store.path()).unwrap();
    // The 10th PAY ticket's row fails to write, wherever its batch is.
    conn.execute_batch(
        "CREATE TRIGGER fail_a010 BEFORE INSERT ON tickets WHEN NEW.number = 'A010'
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
    )
    .unwrap();
    let start = Arc::new(Barrier::new(20));
    let answers: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..20)
            .map(|_| {
                let (engine, start) = (engine.clone(), start.clone());
                s.spawn(move || {
                    start.wait();
                    engine.execute(Actor::Cli, issue("PAY"))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let failed: Vec<&StoreError> = answers.iter().filter_map(|a| a.as_ref().err()).collect();
    assert!(!failed.is_empty(), "the injected failure failed a batch");
    assert!(failed.iter().all(|e| e.code() == "aborted"), "{failed:?}");
    let answered: Vec<String> =
        answers.iter().filter_map(|a| a.as_ref().ok()).map(|d| d.ticket.clone().unwrap().number).collect();

    let reader = store.reader().unwrap();
    let day = reader.status(HALL, morning(0)).unwrap().day;
    let on_disk: Vec<String> = reader.tickets_of_day(HALL, day).unwrap().into_iter().map(|t| t.number).collect();
    for n in &answered {
        assert!(on_disk.contains(n), "{n} was answered but is not on disk");
    }
    assert_eq!(on_disk.len(), 3 + answered.len(), "nothing of a failed batch is kept");

    // The engine goes on from the disk: the next number follows the last kept one.
    conn.execute_batch("DROP TRIGGER fail_a010").unwrap();
    let next = engine.execute(Actor::Cli, issue("PAY")).unwrap().ticket.unwrap().number;
    assert_eq!(next, format!("A{:03}", on_disk.len() + 1));
}

#[test]
fn damaged_rows_read_as_corruption_not_as_defaults() {
    let (_dir, store, engine) = hall();
    let (kiosk, _) = store.create_terminal(HALL, "kiosk", None, "取号机", morning(0), None).unwrap();
    let done = engine.execute_printed(Actor::Cli, issue("PAY"), None, Some(order(kiosk.id))).unwrap();
    let ticket = done.ticket.unwrap();
    let job = done.print.unwrap();
    engine.shutdown();
    let day = store.reader().unwrap().status(HALL, morning(0)).unwrap().day;
    let conn = Connection::open(store.path()).unwrap();

    // Each damage, and the statement that undoes it.
    let damages = [
        ("UPDATE tickets SET priority = 'royal'", "UPDATE tickets SET priority = 'normal'"),
        ("UPDATE tickets SET state = 'lost'", "UPDATE tickets SET state = 'waiting'"),
        ("UPDATE tickets SET priority_reason = 'rich'", "UPDATE tickets SET priority_reason = NULL"),
        ("UPDATE tickets SET visit_id = x'0102'", "UPDATE tickets SET visit_id = id"),
    ];
    for (damage, undo) in damages {
        conn.execute_batch(damage).unwrap();
        let e = store.reader().unwrap().tickets_of_day(HALL, day).unwrap_err();
        assert_eq!(e.code(), "database_corrupt", "{damage}: {e}");
        conn.execute_batch(undo).unwrap();
    }
    assert_eq!(store.reader().unwrap().tickets_of_day(HALL, day).unwrap(), [ticket], "sound again");

    let damages = [
        ("UPDATE print_jobs SET kind = 'laser'", "UPDATE print_jobs SET kind = 'html'"),
        ("UPDATE print_jobs SET state = 'maybe'", "UPDATE print_jobs SET state = 'pending'"),
    ];
    for (damage, undo) in damages {
        conn.execute_batch(damage).unwrap();
        let e = store.print_job(HALL, job.id).unwrap_err();
        assert_eq!(e.code(), "database_corrupt", "{damage}: {e}");
        conn.execute_batch(undo).unwrap();
    }
    assert_eq!(store.print_job(HALL, job.id).unwrap(), job, "sound again");
    // Staff are read with the hall's state: an engine is not started on a damaged row.
    conn.execute_batch("UPDATE staff SET role = 'boss' WHERE number = '0001'").unwrap();
    let refused = store.engine(HALL, Arc::new(ManualClock::new(morning(0)))).err();
    assert_eq!(refused.map(|e| e.code()), Some("database_corrupt"));
}
