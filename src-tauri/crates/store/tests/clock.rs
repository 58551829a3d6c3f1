//! The hall's time across wall-clock steps, on a test clock whose wall and
//! monotonic readings move apart: durations stay true, the business day
//! follows the corrected clock, the log stays the truth (a rebuild equals
//! the live tables, an exchange file carries the same KPIs), and a clock
//! found behind the log at start is a step back from its last event.

use std::sync::Arc;

use chrono::NaiveDate;
use hallq_core::{Actor, Command, EventData, HallConfig, PriorityClass, Resolution, Ticket};
use hallq_store::{Clock, GroupBy, HallEngine, KpiQuery, ManualClock, Since, Store};
use uuid::Uuid;

#[allow(dead_code)] // only the test day's clock is needed here
mod common;
use common::{MIN, morning};

const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

fn nov(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

fn new_hall() -> (tempfile::TempDir, Store, Uuid) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("hall.db")).unwrap();
    let id = Uuid::from_u128(0xC10C);
    let mut cfg = HallConfig::default_supply_hall(id, "T1", "测试营业厅");
    for i in 1..=2 {
        cfg.staff.push(hallq_core::Staff {
            number: format!("100{i}"),
            name: format!("员工{i}"),
            role: hallq_core::StaffRole::Agent,
            active: true,
            team: None,
        });
    }
    store.create_hall(&cfg, morning(0) - HOUR).unwrap();
    (dir, store, id)
}

fn issue(engine: &HallEngine) -> Ticket {
    let cmd = Command::Issue {
        service: "PAY".into(),
        priority: PriorityClass::Normal,
        priority_reason: None,
        appointment: None,
    };
    engine.execute(Actor::Cli, cmd).unwrap().ticket.unwrap()
}

fn call_and_start(engine: &HallEngine, counter: u32) -> Uuid {
    let called = engine.execute(Actor::Cli, Command::CallNext { counter }).unwrap().ticket.unwrap();
    engine.execute(Actor::Cli, Command::Start { counter }).unwrap();
    called.id
}

fn finish(engine: &HallEngine, counter: u32) {
    engine.execute(Actor::Cli, Command::Finish { counter, resolution: Resolution::Completed }).unwrap();
}

fn report(store: &Store, hall: Uuid, day: NaiveDate) -> hallq_store::KpiReport {
    store.reader().unwrap().kpis(&KpiQuery { hall: Some(hall), from: day, to: day, by: GroupBy::Service }).unwrap()
}

#[test]
fn waits_and_handling_stay_exact_across_clock_steps_and_the_day_follows_the_corrected_clock() {
    let (dir, store, hall) = new_hall();
    let clock = ManualClock::new(morning(0)); // Mon 2026-11-02 08:30
    let engine = store.engine(hall, Arc::new(clock.clone())).unwrap();
    for c in 1..=2u32 {
        engine.execute(Actor::Cli, Command::Login { counter: c, staff: format!("100{c}") }).unwrap();
        engine.execute(Actor::Cli, Command::OpenCounter { counter: c }).unwrap();
    }
    let a = issue(&engine); // real 08:30
    clock.advance(5 * MIN);
    let b = issue(&engine); // real 08:35
    clock.advance(3 * MIN);

    // The PC's clock jumps two days ahead at real 08:38 ...
    clock.step(2 * DAY);
    clock.advance(4 * MIN);
    let stepped = engine.execute(Actor::Cli, Command::CallNext { counter: 1 }).unwrap();
    assert!(
        matches!(stepped.events[0].data, EventData::ClockStepped { day, .. } if day == nov(4)),
        "the step is logged first: {:?}",
        stepped.events[0].data
    );
    assert!(stepped.events.iter().all(|e| !matches!(e.data, EventData::DayClosed { .. })), "a step closes no day");
    assert_eq!(stepped.ticket.as_ref().unwrap().id, a.id, "A issued before the step is still waiting");
    engine.execute(Actor::Cli, Command::Start { counter: 1 }).unwrap(); // A called and started at real 08:42
    clock.advance(MIN);
    let c = issue(&engine); // real 08:43, on the wrong clock
    assert_eq!(c.number, "A003", "numbers go on");
    clock.advance(5 * MIN);

    // ... and is corrected at real 08:48.
    clock.step(-2 * DAY);
    clock.advance(2 * MIN);
    finish(&engine, 1); // A: real 08:50
    assert_eq!(call_and_start(&engine, 2), b.id); // B: real 08:50
    let status = store.reader().unwrap().status(hall, clock.now_ms()).unwrap();
    assert_eq!(status.day, nov(2), "the day follows the corrected clock");
    clock.advance(5 * MIN);

    // A step back of three hours at real 08:55 (same business day).
    clock.step(-3 * HOUR);
    clock.advance(7 * MIN);
    finish(&engine, 2); // B: real 09:02
    assert_eq!(call_and_start(&engine, 1), c.id); // C: real 09:02
    clock.advance(3 * MIN);
    finish(&engine, 1); // C: real 09:05
    engine.shutdown();

    let tickets = store.reader().unwrap().tickets_of_day(hall, nov(2)).unwrap();
    let get = |id: Uuid| tickets.iter().find(|t| t.id == id).unwrap();
    let (a, b, c) = (get(a.id), get(b.id), get(c.id));
    assert_eq!(
        (a.wait_ms(), a.handling_ms()),
        (Some(12 * MIN), Some(8 * MIN)),
        "A waited 08:30-08:42, served till 08:50"
    );
    assert_eq!(
        (b.wait_ms(), b.handling_ms()),
        (Some(15 * MIN), Some(12 * MIN)),
        "B waited 08:35-08:50, served till 09:02"
    );
    assert_eq!(
        (c.wait_ms(), c.handling_ms()),
        (Some(19 * MIN), Some(3 * MIN)),
        "C waited 08:43-09:02, served till 09:05"
    );
    assert_eq!(a.visit_ms(), Some(20 * MIN));
    // The whole day reads on the current clock, three hours behind.
    assert_eq!(a.issued_at, morning(0) - 3 * HOUR);
    assert_eq!(c.ended_at, Some(morning(0) + 35 * MIN - 3 * HOUR));

    let day = report(&store, hall, nov(2));
    assert_eq!(day.total.served, 3);
    assert_eq!(day.total.wait_max_ms, Some(19 * MIN));
    assert_eq!(day.total.wait_mean_ms, Some((12 + 15 + 19) * MIN / 3));
    assert_eq!(day.total.handling_mean_ms, Some((8 + 12 + 3) * MIN / 3));
    assert_eq!(report(&store, hall, nov(4)).total.issued, 0, "nothing stays on the wrong day");

    let events = store.reader().unwrap().events_since(hall, 0, 10_000).unwrap();
    let steps: Vec<_> = events
        .iter()
        .filter_map(|e| match e.data {
            EventData::ClockStepped { from, to, .. } => Some(to - from),
            _ => None,
        })
        .collect();
    assert_eq!(steps, [2 * DAY, -2 * DAY, -3 * HOUR], "each step logged once, measured exactly");
    assert!(!events.iter().any(|e| matches!(e.data, EventData::DayClosed { .. })));

    // The log is the truth: a rebuild gives the live tables ...
    let live = store.reader().unwrap().projection_dump(hall).unwrap();
    store.rebuild(hall).unwrap();
    assert_eq!(store.reader().unwrap().projection_dump(hall).unwrap(), live);

    // ... an exchange file gives a bureau the same KPIs ...
    let file = dir.path().join("t1.hallq");
    let out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    store.export_hall(hall, Since::Beginning, morning(1), out).unwrap();
    let bureau = Store::open(&dir.path().join("bureau.db")).unwrap();
    bureau.import_exchange(&file).unwrap();
    assert_eq!(bureau.reader().unwrap().projection_dump(hall).unwrap(), live);
    assert_eq!(
        serde_json::to_string(&report(&bureau, hall, nov(2))).unwrap(),
        serde_json::to_string(&report(&store, hall, nov(2))).unwrap()
    );

    // ... and a restarted hall goes on on the same clock, and rolls over to
    // the next day when the corrected clock gets there.
    let engine = store.engine(hall, Arc::new(clock.clone())).unwrap();
    clock.advance(MIN);
    let d = issue(&engine);
    assert_eq!((d.number.as_str(), d.business_day), ("A004", nov(2)));
    clock.advance(DAY);
    let e = issue(&engine);
    engine.shutdown();
    assert_eq!((e.number.as_str(), e.business_day), ("A001", nov(3)));
}

#[test]
fn a_clock_found_behind_the_log_at_start_is_a_step_back_from_the_last_event() {
    let (_dir, store, hall) = new_hall();
    let clock = ManualClock::new(morning(0));
    let engine = store.engine(hall, Arc::new(clock.clone())).unwrap();
    engine.execute(Actor::Cli, Command::Login { counter: 1, staff: "1001".into() }).unwrap();
    engine.execute(Actor::Cli, Command::OpenCounter { counter: 1 }).unwrap();
    let x = issue(&engine); // 08:30
    clock.advance(5 * MIN);
    issue(&engine); // 08:35, the last event
    engine.shutdown();

    // The PC comes back with its clock half an hour behind the log. No
    // monotonic time spans the restart: the hall takes it as a step back
    // from its last event (the time it was down counts as none) ...
    clock.step(-30 * MIN);
    let engine = store.engine(hall, Arc::new(clock.clone())).unwrap();
    clock.advance(2 * MIN);
    let called = engine.execute(Actor::Cli, Command::CallNext { counter: 1 }).unwrap();
    let EventData::ClockStepped { from, to, .. } = called.events[0].data else {
        panic!("the step is logged first: {:?}", called.events[0].data)
    };
    assert_eq!((from, to), (morning(0) + 5 * MIN, morning(0) - 23 * MIN));
    assert_eq!(called.ticket.as_ref().map(|t| t.id), Some(x.id));
    // ... so X's wait is what was measured: 5 minutes before, none while
    // down, and a step is logged once; then time counts on.
    assert_eq!(called.ticket.unwrap().wait_ms(), Some(5 * MIN));
    clock.advance(MIN);
    let started = engine.execute(Actor::Cli, Command::Start { counter: 1 }).unwrap();
    engine.shutdown();
    assert!(started.events.iter().all(|e| !matches!(e.data, EventData::ClockStepped { .. })), "logged once");
    assert_eq!(started.at - called.at, MIN);
    let events = store.reader().unwrap().events_since(hall, 0, 10_000).unwrap();
    for w in events.windows(2) {
        assert!(
            w[0].at <= w[1].at || matches!(w[1].data, EventData::ClockStepped { .. }),
            "time goes back only at a step"
        );
    }
}
