//! hallq-store against real database files in a temp folder: durability,
//! restore, rebuild, group commit under concurrency, rollover, PINs, backup
//! and KPI reports.

use std::collections::HashSet;
use std::sync::Arc;

use hallq_core::{Actor, Command, EventData, HallConfig, PriorityClass, Resolution, TicketState};
use hallq_store::{GroupBy, KpiQuery, ManualClock, PinCheck, Store};
use uuid::Uuid;

mod common;
use common::{Lcg, MIN, morning, new_hall, traffic};

/// Drives `days` of varied traffic through bulk writers — a fresh writer each
/// day, so the hall is restored from its projections in between — with one
/// commit per day; then rolls the last day over. Returns the accepted commands.
fn simulate(store: &Store, hall: Uuid, days: i64, seed: u64) -> usize {
    let mut rng = Lcg(seed);
    let mut ok = 0;
    for d in 0..days {
        let mut w = store.bulk(hall).unwrap();
        ok += traffic(&mut w, d, &mut rng);
        w.commit().unwrap();
    }
    let mut w = store.bulk(hall).unwrap();
    w.tick(morning(days)).unwrap();
    w.commit().unwrap();
    ok
}

#[test]
fn rebuild_from_the_log_reproduces_the_incremental_projections() {
    let (_dir, store, hall) = new_hall();
    let ok = simulate(&store, hall, 3, 42);
    assert!(ok > 500, "the simulation should do real work, did {ok}");
    let before = store.reader().unwrap().projection_dump(hall).unwrap();
    let n = store.rebuild(hall).unwrap();
    let after = store.reader().unwrap().projection_dump(hall).unwrap();
    assert!(n > 1000);
    assert_eq!(before.len(), after.len());
    for (a, b) in before.iter().zip(&after) {
        assert_eq!(a, b);
    }
}

#[test]
fn the_bench_can_discard_a_hall_log_and_its_reports_stay_the_same() {
    let (_dir, store, hall) = new_hall();
    simulate(&store, hall, 2, 5);
    let (from, to) =
        (chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(), chrono::NaiveDate::from_ymd_opt(2026, 11, 3).unwrap());
    let report = |s: &Store| {
        let r = s.reader().unwrap().kpis(&KpiQuery { hall: None, from, to, by: GroupBy::Service }).unwrap();
        serde_json::to_string(&r).unwrap()
    };
    let before = (report(&store), store.reader().unwrap().projection_dump(hall).unwrap());
    let logged = store.reader().unwrap().events_since(hall, 0, 1_000_000).unwrap().len() as u64;
    assert!(logged > 1000, "{logged}");
    assert_eq!(store.discard_event_log_for_bench(hall).unwrap(), logged);
    assert!(store.reader().unwrap().events_since(hall, 0, 10).unwrap().is_empty());
    assert_eq!((report(&store), store.reader().unwrap().projection_dump(hall).unwrap()), before);
    // The log is append-only again afterwards.
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    conn.execute("INSERT INTO events VALUES (1, 1, x'00', 0, 'k', '{}', '{}')", []).unwrap();
    assert!(conn.execute("DELETE FROM events", []).is_err());
}

#[test]
fn a_restarted_hall_continues_exactly_where_it_was() {
    let (_dir, store, hall) = new_hall();
    simulate(&store, hall, 1, 7);
    // A whole busy day in one writer, stopped mid-afternoon with tickets
    // waiting, called and being served, then the hall is reopened.
    let mut w = store.bulk(hall).unwrap();
    traffic(&mut w, 1, &mut Lcg(8));
    w.commit().unwrap();
    let live = w.state().clone();
    assert!(live.tickets().any(|t| t.state == TicketState::Waiting));
    assert!(live.tickets().any(|t| t.state == TicketState::Done));
    drop(w);
    let restored = store.bulk(hall).unwrap();
    assert_eq!(restored.state(), &live);
}

#[test]
fn uncommitted_bulk_work_is_not_kept() {
    let (_dir, store, hall) = new_hall();
    let mut w = store.bulk(hall).unwrap();
    let cmd = Command::Issue {
        service: "PAY".into(),
        priority: PriorityClass::Normal,
        priority_reason: None,
        appointment: None,
    };
    w.execute(Actor::Cli, cmd, morning(0)).unwrap();
    drop(w);
    let r = store.reader().unwrap();
    assert!(r.tickets_of_day(hall, chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap()).unwrap().is_empty());
}

#[test]
fn concurrent_submitters_each_get_one_durable_answer_and_numbers_stay_unique() {
    let (_dir, store, hall) = new_hall();
    let clock = ManualClock::new(morning(0));
    let engine = store.engine(hall, Arc::new(clock.clone())).unwrap();
    let services = ["PAY", "NEW", "CHG", "ASK"];
    let handles: Vec<_> = (0..32)
        .map(|i| {
            let engine = engine.clone();
            std::thread::spawn(move || {
                (0..25)
                    .map(|_| {
                        let cmd = Command::Issue {
                            service: services[i % services.len()].into(),
                            priority: PriorityClass::Normal,
                            priority_reason: None,
                            appointment: None,
                        };
                        engine.execute(Actor::Cli, cmd).unwrap()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let answers: Vec<_> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    engine.shutdown();
    assert_eq!(answers.len(), 800);
    let numbers: HashSet<_> = answers.iter().map(|a| a.ticket.as_ref().unwrap().number.clone()).collect();
    assert_eq!(numbers.len(), 800, "every ticket number is unique");
    let seqs: HashSet<_> = answers.iter().map(|a| a.seq).collect();
    assert_eq!(seqs.len(), 800, "every answer has its own event");
    // Every answered command is in the log, gapless, after reopening.
    let reopened = Store::open(store.path()).unwrap();
    let events = reopened.reader().unwrap().events_since(hall, 0, 100_000).unwrap();
    let issued = events.iter().filter(|e| matches!(e.data, EventData::TicketIssued { .. })).count();
    assert_eq!(issued, 800);
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.seq, i as u64 + 1);
    }
}

#[test]
fn counters_calling_at_the_same_instant_never_get_the_same_ticket() {
    let (_dir, store, hall) = new_hall();
    let clock = ManualClock::new(morning(0));
    let engine = store.engine(hall, Arc::new(clock.clone())).unwrap();
    for c in 1..=4u32 {
        engine.execute(Actor::Cli, Command::Login { counter: c, staff: format!("100{c}") }).unwrap();
        engine.execute(Actor::Cli, Command::OpenCounter { counter: c }).unwrap();
    }
    for _ in 0..200 {
        let cmd = Command::Issue {
            service: "PAY".into(),
            priority: PriorityClass::Normal,
            priority_reason: None,
            appointment: None,
        };
        engine.execute(Actor::Cli, cmd).unwrap();
    }
    clock.advance(MIN);
    let handles: Vec<_> = (1..=3u32)
        .map(|c| {
            let engine = engine.clone();
            std::thread::spawn(move || {
                let mut called = Vec::new();
                loop {
                    match engine.execute(Actor::Cli, Command::CallNext { counter: c }) {
                        Ok(x) => called.push(x.ticket.unwrap().id),
                        Err(e) => {
                            assert_eq!(e.code(), "queue_empty");
                            break;
                        }
                    }
                    engine.execute(Actor::Cli, Command::Start { counter: c }).unwrap();
                    engine
                        .execute(Actor::Cli, Command::Finish { counter: c, resolution: Resolution::Completed })
                        .unwrap();
                }
                called
            })
        })
        .collect();
    let called: Vec<Uuid> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    engine.shutdown();
    let unique: HashSet<_> = called.iter().collect();
    assert_eq!(called.len(), 200);
    assert_eq!(unique.len(), 200);
}

#[test]
fn a_rejected_command_writes_nothing() {
    let (_dir, store, hall) = new_hall();
    let engine = store.engine(hall, Arc::new(ManualClock::new(morning(0)))).unwrap();
    let before = store.reader().unwrap().last_seq(hall).unwrap();
    let e = engine.execute(Actor::Cli, Command::CallNext { counter: 1 }).unwrap_err();
    assert_eq!(e.code(), "counter_closed");
    assert!(!e.message_zh().is_empty() && !e.message_en().is_empty() && e.message_zh() != e.message_en());
    let e = engine
        .execute(
            Actor::Cli,
            Command::Issue {
                service: "NOPE".into(),
                priority: PriorityClass::Normal,
                priority_reason: None,
                appointment: None,
            },
        )
        .unwrap_err();
    assert_eq!(e.code(), "unknown_service");
    engine.shutdown();
    assert_eq!(store.reader().unwrap().last_seq(hall).unwrap(), before);
}

#[test]
fn the_day_rolls_over_expiring_open_tickets_and_restarting_numbers() {
    let (_dir, store, hall) = new_hall();
    let mut w = store.bulk(hall).unwrap();
    let issue = || Command::Issue {
        service: "PAY".into(),
        priority: PriorityClass::Normal,
        priority_reason: None,
        appointment: None,
    };
    let a = w.execute(Actor::Cli, issue(), morning(0)).unwrap().ticket.unwrap();
    assert_eq!(a.number, "A001");
    w.tick(morning(1)).unwrap();
    let b = w.execute(Actor::Cli, issue(), morning(1)).unwrap().ticket.unwrap();
    w.commit().unwrap();
    assert_eq!(b.number, "A001", "numbers restart each business day");
    let r = store.reader().unwrap();
    let old = r.ticket(a.id).unwrap().unwrap();
    assert_eq!(old.state, TicketState::Expired);
    let status = r.status(hall, morning(1)).unwrap();
    assert_eq!(status.day, chrono::NaiveDate::from_ymd_opt(2026, 11, 3).unwrap());
    assert_eq!(status.services[0].waiting, 1);
}

#[test]
fn five_wrong_pins_lock_a_staff_number_for_five_minutes() {
    let (_dir, store, hall) = new_hall();
    assert_eq!(store.set_staff_pin(hall, "1001", "12a4").unwrap_err().code(), "bad_pin");
    assert_eq!(store.set_staff_pin(hall, "9999", "1234").unwrap_err().code(), "unknown_staff");
    store.set_staff_pin(hall, "1001", "2468").unwrap();
    let t = morning(0);
    assert_eq!(store.check_staff_pin(hall, "1001", "2468", t).unwrap(), PinCheck::Ok);
    for i in 1..=4 {
        assert_eq!(store.check_staff_pin(hall, "1001", "0000", t).unwrap(), PinCheck::Wrong { remaining: 5 - i });
    }
    assert!(matches!(store.check_staff_pin(hall, "1001", "0000", t).unwrap(), PinCheck::Locked { .. }));
    assert!(
        matches!(store.check_staff_pin(hall, "1001", "2468", t + 4 * MIN).unwrap(), PinCheck::Locked { .. }),
        "locked even with the right PIN"
    );
    assert_eq!(store.check_staff_pin(hall, "1001", "2468", t + 5 * MIN + 1).unwrap(), PinCheck::Ok);
    assert_eq!(
        store.check_staff_pin(hall, "1002", "2468", t).unwrap(),
        PinCheck::Wrong { remaining: 4 },
        "a number without a PIN answers like a wrong PIN"
    );
}

#[test]
fn a_backup_is_a_complete_working_copy() {
    let (dir, store, hall) = new_hall();
    simulate(&store, hall, 1, 3);
    let dest = dir.path().join("backup.db");
    store.backup_to(&dest).unwrap();
    assert_eq!(store.backup_to(&dest).unwrap_err().code(), "io_error", "never overwrites");
    let copy = Store::open_existing(&dest).unwrap();
    assert_eq!(
        copy.reader().unwrap().projection_dump(hall).unwrap(),
        store.reader().unwrap().projection_dump(hall).unwrap()
    );
}

#[test]
fn a_file_that_is_not_a_hallq_database_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    std::fs::write(&path, "这不是数据库 / this is not a database, just some text that is long enough").unwrap();
    let before = std::fs::read(&path).unwrap();
    let e = Store::open(&path).unwrap_err();
    assert_eq!(e.code(), "database_corrupt");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(Store::open_existing(&dir.path().join("missing.db")).unwrap_err().code(), "no_database");
    assert!(!dir.path().join("missing.db").exists());
}

#[test]
fn report_groups_add_up_to_the_total() {
    let (_dir, store, hall) = new_hall();
    simulate(&store, hall, 4, 11);
    let r = store.reader().unwrap();
    let from = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
    let to = chrono::NaiveDate::from_ymd_opt(2026, 11, 5).unwrap();
    for by in GroupBy::ALL {
        let rep = r.kpis(&KpiQuery { hall: Some(hall), from, to, by }).unwrap();
        assert!(rep.total.issued > 300, "{by:?}: {}", rep.total.issued);
        if by != GroupBy::Total {
            let issued: u64 = rep.groups.iter().map(|g| g.kpis.issued).sum();
            let served: u64 = rep.groups.iter().map(|g| g.kpis.served).sum();
            assert_eq!(issued, rep.total.issued, "{by:?}");
            assert_eq!(served, rep.total.served, "{by:?}");
        }
        let u = rep.total.utilisation.unwrap();
        assert!(u > 0.0 && u <= 1.0, "{by:?}: utilisation {u}");
    }
    let by_day = r.kpis(&KpiQuery { hall: Some(hall), from, to, by: GroupBy::Day }).unwrap();
    assert_eq!(by_day.groups.len(), 4);
    let by_counter = r.kpis(&KpiQuery { hall: Some(hall), from, to, by: GroupBy::Counter }).unwrap();
    for g in by_counter.groups.iter().filter(|g| g.key != "~") {
        let u = g.kpis.utilisation.unwrap();
        assert!(u > 0.0 && u <= 1.0, "counter {}: {u}", g.key);
    }
    let bad = r.kpis(&KpiQuery { hall: Some(hall), from: to, to: from, by: GroupBy::Total }).unwrap_err();
    assert_eq!(bad.code(), "invalid_config");
}

#[test]
fn every_group_has_a_chinese_label_and_an_english_one() {
    let (_dir, store, hall) = new_hall();
    simulate(&store, hall, 7, 5);
    // Counter 2 loses its English name: English readers get "Counter 2".
    let mut w = store.bulk(hall).unwrap();
    let mut c2 = HallConfig::default_supply_hall(hall, "T1", "测试营业厅").counters[1].config();
    c2.name_en = String::new();
    w.execute(Actor::Cli, Command::DefineCounter { counter: c2 }, morning(7)).unwrap();
    w.commit().unwrap();
    let r = store.reader().unwrap();
    let (from, to) =
        (chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(), chrono::NaiveDate::from_ymd_opt(2026, 11, 8).unwrap());
    let labels = |by| -> Vec<(String, String, String)> {
        let rep = r.kpis(&KpiQuery { hall: Some(hall), from, to, by }).unwrap();
        rep.groups.into_iter().map(|g| (g.key, g.label, g.label_en)).collect()
    };
    let weekday = labels(GroupBy::Weekday);
    assert_eq!(weekday.first(), Some(&("1".into(), "周一".into(), "Mon".into())));
    assert_eq!(weekday.last(), Some(&("7".into(), "周日".into(), "Sun".into())));
    let service = labels(GroupBy::Service);
    assert!(service.contains(&("PAY".into(), "交费".into(), "Bill payment".into())), "{service:?}");
    let counter = labels(GroupBy::Counter);
    assert!(counter.contains(&("001".into(), "1号窗口 交费".into(), "Counter 1 Payments".into())), "{counter:?}");
    assert!(counter.contains(&("002".into(), "2号窗口 综合".into(), "Counter 2".into())), "{counter:?}");
    for by in [GroupBy::Counter, GroupBy::Staff] {
        let never = labels(by).into_iter().find(|g| g.0 == "~");
        assert_eq!(never, Some(("~".into(), "未叫号".into(), "not called".into())), "{by:?}");
    }
    // Names that have no English form read the same in both.
    for by in [GroupBy::Hall, GroupBy::Staff, GroupBy::Hour, GroupBy::Day] {
        for (key, zh, en) in labels(by).into_iter().filter(|g| g.0 != "~") {
            assert_eq!(zh, en, "{by:?} {key}");
            assert!(!zh.chars().any(|c| c.is_ascii_alphabetic()), "{by:?} {key}: {zh}");
        }
    }
    assert!(labels(GroupBy::Staff).iter().any(|g| g.1 == "王芳"));
}

/// One counter open 08:30–10:30 on the first morning; one customer issued
/// 09:50, called and started 09:55, finished 10:25: 5 minutes of handling
/// in 09:00–10:00 and 25 in 10:00–11:00.
#[test]
fn utilisation_by_hour_counts_handling_in_the_clock_hour_it_was_done() {
    let (_dir, store, hall) = new_hall();
    let clock = ManualClock::new(morning(0));
    let engine = store.engine(hall, Arc::new(clock.clone())).unwrap();
    engine.execute(Actor::Cli, Command::Login { counter: 1, staff: "1001".into() }).unwrap();
    engine.execute(Actor::Cli, Command::OpenCounter { counter: 1 }).unwrap();
    clock.set(morning(0) + 80 * MIN);
    let issue = Command::Issue {
        service: "PAY".into(),
        priority: PriorityClass::Normal,
        priority_reason: None,
        appointment: None,
    };
    engine.execute(Actor::Cli, issue).unwrap();
    clock.set(morning(0) + 85 * MIN);
    engine.execute(Actor::Cli, Command::CallNext { counter: 1 }).unwrap();
    engine.execute(Actor::Cli, Command::Start { counter: 1 }).unwrap();
    clock.set(morning(0) + 115 * MIN);
    engine.execute(Actor::Cli, Command::Finish { counter: 1, resolution: Resolution::Completed }).unwrap();
    clock.set(morning(0) + 120 * MIN);
    engine.execute(Actor::Cli, Command::CloseCounter { counter: 1 }).unwrap();
    engine.shutdown();

    let r = store.reader().unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
    let by_hour = r.kpis(&KpiQuery { hall: Some(hall), from: day, to: day, by: GroupBy::Hour }).unwrap();
    let hour = |h: &str| by_hour.groups.iter().find(|g| g.key == h).map(|g| g.kpis.clone()).unwrap();
    // 08:30–09:00: open 30 minutes, nothing handled.
    assert_eq!(hour("08").utilisation, Some(0.0));
    // 09:00–10:00: 5 of 60 minutes; the ticket (issued 09:50) is counted here.
    assert!((hour("09").utilisation.unwrap() - 5.0 / 60.0).abs() < 1e-9, "{:?}", hour("09").utilisation);
    assert_eq!((hour("09").issued, hour("09").served, hour("09").handling_mean_ms), (1, 1, Some(30 * MIN)));
    // 10:00–10:30: 25 of 30 minutes, with no ticket issued in the hour.
    assert!((hour("10").utilisation.unwrap() - 25.0 / 30.0).abs() < 1e-9, "{:?}", hour("10").utilisation);
    assert_eq!((hour("10").issued, hour("10").legs), (0, 0));
    // The day and the total are unchanged: 30 of 120 minutes.
    let total = r.kpis(&KpiQuery { hall: Some(hall), from: day, to: day, by: GroupBy::Day }).unwrap();
    assert!((total.total.utilisation.unwrap() - 0.25).abs() < 1e-9);
    assert!((total.groups[0].kpis.utilisation.unwrap() - 0.25).abs() < 1e-9);
}

/// PAY's target wait is 15 minutes until 10:00, then 5. Two customers
/// each wait 10 minutes, one issued before the change and one after: the
/// first met its target, the second did not — also after a rebuild.
#[test]
fn a_leg_is_judged_by_the_targets_in_force_when_it_was_issued() {
    let (_dir, store, hall) = new_hall();
    let clock = ManualClock::new(morning(0));
    let engine = store.engine(hall, Arc::new(clock.clone())).unwrap();
    let issue = || Command::Issue {
        service: "PAY".into(),
        priority: PriorityClass::Normal,
        priority_reason: None,
        appointment: None,
    };
    let mut pay = HallConfig::default_supply_hall(hall, "T1", "测试营业厅").services[0].clone();
    engine.execute(Actor::Cli, Command::Login { counter: 1, staff: "1001".into() }).unwrap();
    engine.execute(Actor::Cli, Command::OpenCounter { counter: 1 }).unwrap();
    let serve = |wait_from: i64| {
        clock.set(morning(0) + (wait_from + 10) * MIN);
        engine.execute(Actor::Cli, Command::CallNext { counter: 1 }).unwrap();
        engine.execute(Actor::Cli, Command::Start { counter: 1 }).unwrap();
        clock.set(morning(0) + (wait_from + 12) * MIN);
        engine.execute(Actor::Cli, Command::Finish { counter: 1, resolution: Resolution::Completed }).unwrap();
    };
    let first = engine.execute(Actor::Cli, issue()).unwrap().ticket.unwrap();
    assert_eq!((first.target_wait_ms, first.target_handling_ms), (Some(15 * MIN), Some(4 * MIN)));
    serve(0);
    clock.set(morning(0) + 90 * MIN);
    pay.target_wait_min = 5;
    engine.execute(Actor::Cli, Command::DefineService { service: pay }).unwrap();
    engine.execute(Actor::Cli, issue()).unwrap();
    serve(90);
    engine.shutdown();

    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
    let within = |store: &Store| {
        let r = store.reader().unwrap();
        let rep = r.kpis(&KpiQuery { hall: Some(hall), from: day, to: day, by: GroupBy::Total }).unwrap();
        (rep.total.wait_mean_ms, rep.total.within_target_wait)
    };
    assert_eq!(within(&store), (Some(10 * MIN), Some(0.5)), "the first within its 15, the second past its 5");
    store.rebuild(hall).unwrap();
    assert_eq!(within(&store), (Some(10 * MIN), Some(0.5)), "the same from the event log");
}

#[test]
fn the_same_idempotency_key_acts_once_and_returns_the_first_answer() {
    let (_dir, store, hall) = new_hall();
    let engine = store.engine(hall, Arc::new(ManualClock::new(morning(0)))).unwrap();
    let issue = || Command::Issue {
        service: "PAY".into(),
        priority: PriorityClass::Normal,
        priority_reason: None,
        appointment: None,
    };
    let a = engine.execute_keyed(Actor::Cli, issue(), Some("k-1".into())).unwrap();
    let b = engine.execute_keyed(Actor::Cli, issue(), Some("k-1".into())).unwrap();
    let c = engine.execute_keyed(Actor::Cli, issue(), Some("k-2".into())).unwrap();
    assert_eq!(a, b, "a double submit gets the first answer");
    assert_eq!(c.ticket.unwrap().number, "A002", "the repeat issued nothing");
    // A rejection is not remembered: once the cause is gone, the retry acts.
    let e = engine.execute_keyed(Actor::Cli, Command::OpenCounter { counter: 1 }, Some("k-3".into())).unwrap_err();
    assert_eq!(e.code(), "no_staff_at_counter");
    engine.execute(Actor::Cli, Command::Login { counter: 1, staff: "1001".into() }).unwrap();
    engine.execute_keyed(Actor::Cli, Command::OpenCounter { counter: 1 }, Some("k-3".into())).unwrap();
    assert_eq!(
        engine.execute_keyed(Actor::Cli, issue(), Some(String::new().into())).unwrap_err().code(),
        "bad_idempotency_key"
    );
    engine.shutdown();
    // Keys survive a restart.
    let engine = store.engine(hall, Arc::new(ManualClock::new(morning(0) + MIN))).unwrap();
    let again = engine.execute_keyed(Actor::Cli, issue(), Some("k-1".into())).unwrap();
    assert_eq!(again, a);
    engine.shutdown();
}

#[test]
fn subscribers_see_every_committed_event_once_in_order() {
    let (_dir, store, hall) = new_hall();
    let engine = store.engine(hall, Arc::new(ManualClock::new(morning(0)))).unwrap();
    let mut rx = engine.subscribe();
    let from = store.reader().unwrap().last_seq(hall).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let engine = engine.clone();
            std::thread::spawn(move || {
                for k in 0..50 {
                    let cmd = Command::Issue {
                        service: ["PAY", "ASK"][(i + k) % 2].into(),
                        priority: PriorityClass::Normal,
                        priority_reason: None,
                        appointment: None,
                    };
                    engine.execute_keyed(Actor::Cli, cmd.clone(), Some(format!("{i}-{k}").into())).unwrap();
                    // A retry of the same key must not be broadcast again.
                    engine.execute_keyed(Actor::Cli, cmd, Some(format!("{i}-{k}").into())).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    engine.shutdown();
    let mut seqs = Vec::new();
    while let Ok(e) = rx.try_recv() {
        seqs.push(e.seq);
    }
    let want: Vec<u64> = (from + 1..=from + 200).collect();
    assert_eq!(seqs, want);
}

#[test]
fn a_pairing_code_works_once_within_ten_minutes_and_tokens_can_be_revoked() {
    let (_dir, store, hall) = new_hall();
    let t = morning(0);
    let code = store.create_pairing_code(hall, "kiosk", None, "大厅取号机", t).unwrap();
    assert_eq!(code.code.len(), 6);
    assert_eq!(store.redeem_pairing_code(hall, "000000x", t).unwrap_err().code(), "bad_pairing_code");
    let (term, token) = store.redeem_pairing_code(hall, &code.code, t + 9 * MIN).unwrap();
    assert_eq!(
        store.redeem_pairing_code(hall, &code.code, t + 9 * MIN).unwrap_err().code(),
        "bad_pairing_code",
        "once"
    );
    let late = store.create_pairing_code(hall, "display", None, "电视", t).unwrap();
    assert_eq!(
        store.redeem_pairing_code(hall, &late.code, t + 10 * MIN).unwrap_err().code(),
        "bad_pairing_code",
        "expired"
    );
    assert_eq!(store.terminal_by_token(&token, t).unwrap().unwrap().id, term.id);
    assert!(store.terminal_by_token("not-a-token", t).unwrap().is_none());
    store.revoke_terminal(hall, term.id, t + 20 * MIN).unwrap();
    assert!(store.terminal_by_token(&token, t + 21 * MIN).unwrap().is_none());
    assert_eq!(store.terminals(hall).unwrap().len(), 1);
    let (_, session) = store.create_terminal(hall, "supervisor", None, "值班长", t, Some(t + 60 * MIN)).unwrap();
    assert!(store.terminal_by_token(&session, t + 59 * MIN).unwrap().is_some());
    assert!(store.terminal_by_token(&session, t + 60 * MIN).unwrap().is_none(), "sessions expire");
}

#[test]
fn a_status_snapshot_names_the_seq_it_reflects_and_staff_and_counters_are_listed() {
    let (_dir, store, hall) = new_hall();
    let engine = store.engine(hall, Arc::new(ManualClock::new(morning(0)))).unwrap();
    let issue = || Command::Issue {
        service: "PAY".into(),
        priority: PriorityClass::Normal,
        priority_reason: None,
        appointment: None,
    };
    engine.execute(Actor::Cli, issue()).unwrap();
    let reader = store.reader().unwrap();
    let (seq, status) = reader.status_with_seq(hall, morning(0)).unwrap();
    assert_eq!(seq, reader.last_seq(hall).unwrap());
    assert_eq!(status.services.iter().find(|s| s.service.code == "PAY").unwrap().waiting, 1);
    let done = engine.execute(Actor::Cli, issue()).unwrap();
    let (seq2, status2) = reader.status_with_seq(hall, morning(0)).unwrap();
    assert_eq!(seq2, done.seq);
    assert_eq!(status2.services.iter().find(|s| s.service.code == "PAY").unwrap().waiting, 2);
    let staff: Vec<String> = reader.staff(hall).unwrap().into_iter().map(|s| s.number).collect();
    assert_eq!(staff, ["0001", "1001", "1002", "1003", "1004"]);
    let counters: Vec<u32> = reader.counters(hall).unwrap().into_iter().map(|c| c.number).collect();
    assert_eq!(counters, [1, 2, 3, 4]);
    engine.shutdown();
}

/// A report pass reads a hall's range in parts of days on several threads:
/// the figures are those of one thread reading it whole — open time of a
/// session across days, and handling across a business day's end, included.
#[test]
fn a_report_is_the_same_on_any_number_of_threads() {
    let (_dir, store, hall) = new_hall();
    simulate(&store, hall, 5, 5);
    // A customer served in the night before the rollover (03:00): issued
    // 02:40, served 02:55–02:59 — the last minutes of business day 11-07,
    // with the counter open across the day's end.
    let night = morning(5) + (18 * 60 + 10) * MIN;
    let mut w = store.bulk(hall).unwrap();
    let _ = w.execute(Actor::Cli, Command::Login { counter: 1, staff: "1001".into() }, night - MIN);
    let _ = w.execute(Actor::Cli, Command::OpenCounter { counter: 1 }, night - MIN);
    let steps = [
        (
            Command::Issue {
                service: "PAY".into(),
                priority: PriorityClass::Normal,
                priority_reason: None,
                appointment: None,
            },
            0,
        ),
        (Command::CallNext { counter: 1 }, 10),
        (Command::Start { counter: 1 }, 15),
        (Command::Finish { counter: 1, resolution: Resolution::Completed }, 19),
    ];
    for (cmd, minute) in steps {
        w.execute(Actor::Staff("1001".into()), cmd, night + minute * MIN).unwrap();
    }
    w.commit().unwrap();
    let from = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
    let to = chrono::NaiveDate::from_ymd_opt(2026, 11, 7).unwrap();
    let report = |cores: usize| {
        let r = store.reader().unwrap().with_cores(cores);
        let mut all: Vec<serde_json::Value> = GroupBy::ALL
            .iter()
            .map(|&by| serde_json::to_value(r.kpis(&KpiQuery { hall: Some(hall), from, to, by }).unwrap()).unwrap())
            .collect();
        let q = hallq_store::OverviewQuery { hall: Some(hall), home: None, from, to, now: morning(7) };
        all.push(serde_json::to_value(r.overview(&q).unwrap()).unwrap());
        all
    };
    let whole = report(1);
    let by_hour = &whole[GroupBy::ALL.iter().position(|b| *b == GroupBy::Hour).unwrap()]["groups"];
    let night_hour = by_hour.as_array().unwrap().iter().find(|g| g["key"] == "02").cloned().unwrap();
    assert_eq!(night_hour["kpis"]["served"], 1, "{night_hour}");
    for cores in [2, 3, 8] {
        let parted = report(cores);
        for (a, b) in whole.iter().zip(&parted) {
            assert_eq!(a, b, "{cores} threads");
        }
    }
}
