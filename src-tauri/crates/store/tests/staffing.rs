//! Staffing advice on hand-made logs: the observed figures worked out by
//! hand, and the advice checked against Erlang C computed here, separately,
//! by the textbook factorial sum.

use chrono::{NaiveDate, TimeZone};
use hallq_core::{Actor, Command, Counter, HallConfig, Millis, Resolution, RoutingPolicy, Staff, StaffRole, TicketRef};
use hallq_store::{BulkWriter, StaffingQuery, Store};
use uuid::Uuid;

const MIN: Millis = 60_000;

/// Local time in Shanghai.
fn at(day: u32, h: u32, m: u32) -> Millis {
    chrono_tz::Asia::Shanghai.with_ymd_and_hms(2026, 11, day, h, m, 0).unwrap().timestamp_millis()
}

fn date(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, day).unwrap()
}

/// The default supply hall with six counters that serve PAY (15-minute
/// target wait) and six clerks.
fn hall(dir: &tempfile::TempDir) -> (Store, Uuid) {
    let store = Store::open(&dir.path().join("hall.db")).unwrap();
    let id = Uuid::from_u128(0x5A);
    let mut cfg = HallConfig::default_supply_hall(id, "ST", "测试营业厅");
    cfg.counters[3].services = vec!["PAY".into()];
    for n in 5..=6 {
        cfg.counters.push(Counter::new(n, format!("{n}号窗口"), vec!["PAY".into()], RoutingPolicy::default()));
    }
    for n in 1..=6 {
        cfg.staff.push(Staff {
            number: format!("100{n}"),
            name: format!("柜员{n}"),
            role: StaffRole::Agent,
            active: true,
            team: None,
        });
    }
    store.create_hall(&cfg, at(1, 8, 0)).unwrap();
    (store, id)
}

fn run(w: &mut BulkWriter, cmd: Command, t: Millis) {
    w.execute(Actor::Cli, cmd, t).unwrap();
}

fn open(w: &mut BulkWriter, counter: u32, t: Millis) {
    run(w, Command::Login { counter, staff: format!("100{counter}") }, t);
    run(w, Command::OpenCounter { counter }, t);
}

fn issue(w: &mut BulkWriter, t: Millis) {
    let cmd = Command::Issue {
        service: "PAY".into(),
        priority: Default::default(),
        priority_reason: None,
        appointment: None,
    };
    run(w, cmd, t);
}

/// Counter `c` calls the one waiting ticket at `call`, starts at `start`,
/// finishes at `end`.
fn serve(w: &mut BulkWriter, c: u32, call: Millis, start: Millis, end: Millis) {
    run(w, Command::CallNext { counter: c }, call);
    run(w, Command::Start { counter: c }, start);
    run(w, Command::Finish { counter: c, resolution: Resolution::Completed }, end);
}

#[test]
fn a_small_log_gives_the_hand_computed_hours() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = hall(&dir);
    let mut w = store.bulk(id).unwrap();
    // Monday 2 Nov: counter 1 open 09:00–10:00, counter 2 09:30–10:00.
    open(&mut w, 1, at(2, 9, 0));
    issue(&mut w, at(2, 9, 5));
    serve(&mut w, 1, at(2, 9, 6), at(2, 9, 6), at(2, 9, 10)); // 4 min
    issue(&mut w, at(2, 9, 10));
    serve(&mut w, 1, at(2, 9, 10), at(2, 9, 11), at(2, 9, 17)); // 6 min
    issue(&mut w, at(2, 9, 20));
    open(&mut w, 2, at(2, 9, 30));
    serve(&mut w, 2, at(2, 9, 31), at(2, 9, 31), at(2, 9, 36)); // 5 min
    run(&mut w, Command::CloseCounter { counter: 1 }, at(2, 10, 0));
    run(&mut w, Command::CloseCounter { counter: 2 }, at(2, 10, 0));
    // Tuesday 3 Nov: nothing (the hall was not open). Monday 9 Nov: counter
    // 1 open 09:00–10:00, one customer, 10 min; one at 10:05 who gives up.
    open(&mut w, 1, at(9, 9, 0));
    issue(&mut w, at(9, 9, 15));
    serve(&mut w, 1, at(9, 9, 15), at(9, 9, 15), at(9, 9, 25)); // 10 min
    run(&mut w, Command::CloseCounter { counter: 1 }, at(9, 10, 0));
    issue(&mut w, at(9, 10, 5));
    run(&mut w, Command::Cancel { ticket: TicketRef::Number("A002".into()) }, at(9, 10, 10));
    w.commit().unwrap();
    drop(w);

    let r = store.reader().unwrap();
    let rep = r.staffing(&StaffingQuery { hall: Some(id), from: date(2), to: date(10), target_share: 0.8 }).unwrap();
    assert_eq!(rep.target_wait_ms, Some(15 * MIN));
    assert_eq!(rep.rows.len(), 2, "{:?}", rep.rows);
    let nine = &rep.rows[0];
    assert_eq!((nine.hall.as_str(), nine.weekday, nine.hour, nine.days), ("ST", 0, 9, 2));
    // (3 + 1) visits over 2 Mondays; handling (4 + 6 + 5 + 10) / 4 min;
    // open (60 + 30 + 60) counter-minutes over 2 hours.
    assert_eq!(nine.arrivals_per_hour, 2.0);
    assert_eq!(nine.handling_mean_ms, Some(6 * MIN + 15_000));
    assert_eq!(nine.open_counters, 1.25);
    assert_eq!(nine.advised_counters, Some(1));
    let ten = &rep.rows[1];
    assert_eq!((ten.weekday, ten.hour, ten.days), (0, 10, 2));
    // One visit over 2 Mondays, nobody handled in that hour (the hall's mean
    // stands in), no counter open.
    assert_eq!(ten.arrivals_per_hour, 0.5);
    assert_eq!(ten.handling_mean_ms, Some(6 * MIN + 15_000));
    assert_eq!(ten.open_counters, 0.0);
    assert_eq!(ten.within_target_at_open, Some(0.0));

    // The observed day for the what-if.
    let p = r.observed_profile(id, date(2), date(10)).unwrap();
    assert_eq!(p.days, 2);
    assert_eq!(p.arrivals_per_hour[9], 2.0);
    assert_eq!(p.arrivals_per_hour[10], 0.5);
    assert_eq!(p.arrivals_per_hour.iter().sum::<f64>(), 2.5);
    let mut h = p.handling_ms.clone();
    h.sort();
    assert_eq!(h, vec![4 * MIN, 5 * MIN, 6 * MIN, 10 * MIN]);
    assert_eq!(p.target_wait_ms, Some(15 * MIN));

    // A range with nothing in it, a reversed range, a bad share.
    let empty = r.staffing(&StaffingQuery { hall: Some(id), from: date(3), to: date(8), target_share: 0.8 }).unwrap();
    assert!(empty.rows.is_empty() && empty.target_wait_ms.is_none());
    let e = r.staffing(&StaffingQuery { hall: Some(id), from: date(9), to: date(2), target_share: 0.8 }).unwrap_err();
    assert_eq!(e.code(), "invalid_config");
    for share in [0.0, 1.0, f64::NAN, -0.5] {
        let q = StaffingQuery { hall: Some(id), from: date(2), to: date(10), target_share: share };
        assert_eq!(r.staffing(&q).unwrap_err().code(), "invalid_config");
    }
}

/// A day being worked on: counter 1 open since 08:30 and serving; the last
/// event at 10:05. The hour 10:00–11:00 is not over, so it is left out (not
/// read as 5 minutes of a counter = "0 open"); 08:00 and 09:00 are whole.
/// Once the counter closes at 10:40 the day's hours are all complete.
#[test]
fn the_hour_in_progress_is_left_out_while_a_counter_is_open() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = hall(&dir);
    let mut w = store.bulk(id).unwrap();
    open(&mut w, 1, at(2, 8, 30));
    issue(&mut w, at(2, 8, 50));
    serve(&mut w, 1, at(2, 8, 52), at(2, 8, 53), at(2, 9, 3));
    issue(&mut w, at(2, 9, 40));
    serve(&mut w, 1, at(2, 9, 41), at(2, 9, 42), at(2, 9, 50));
    issue(&mut w, at(2, 10, 2));
    run(&mut w, Command::CallNext { counter: 1 }, at(2, 10, 4));
    run(&mut w, Command::Start { counter: 1 }, at(2, 10, 5));
    w.commit().unwrap();
    let q = StaffingQuery { hall: Some(id), from: date(2), to: date(2), target_share: 0.8 };
    let rows = |store: &Store| -> Vec<(u8, u32, f64, f64)> {
        let rep = store.reader().unwrap().staffing(&q).unwrap();
        rep.rows.iter().map(|r| (r.hour, r.days, r.arrivals_per_hour, r.open_counters)).collect()
    };
    assert_eq!(rows(&store), [(8, 1, 1.0, 0.5), (9, 1, 1.0, 1.0)], "10:00 is in progress");

    run(&mut w, Command::Finish { counter: 1, resolution: Resolution::Completed }, at(2, 10, 20));
    run(&mut w, Command::CloseCounter { counter: 1 }, at(2, 10, 40));
    w.commit().unwrap();
    let done = rows(&store);
    assert_eq!(done.len(), 3, "{done:?}");
    assert_eq!((done[2].0, done[2].1, done[2].2), (10, 1, 1.0));
    assert!((done[2].3 - 40.0 / 60.0).abs() < 1e-9, "{done:?}");
}

/// C(c, a) by the textbook sum: (a^c/c!)(c/(c−a)) / (Σ_{k<c} a^k/k! + same).
fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        if k > 0 {
            term *= a / f64::from(k);
        }
        sum += term;
    }
    let top = term * a / f64::from(c) * f64::from(c) / (f64::from(c) - a);
    top / (sum + top)
}

/// Share within `t` minutes at c counters, a Erlangs, handling `h` minutes.
fn share(c: u32, a: f64, h: f64, t: f64) -> f64 {
    if f64::from(c) <= a {
        return 0.0;
    }
    1.0 - erlang_c(c, a) * (-(f64::from(c) - a) * t / h).exp()
}

#[test]
fn the_advice_is_the_erlang_c_answer() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = hall(&dir);
    let mut w = store.bulk(id).unwrap();
    // Monday 2 Nov, 09:00–10:00: 30 customers, one every 2 minutes, each
    // served for exactly 10 minutes by six counters in turn: a = 30/h × 10
    // min = 5 Erlangs.
    for c in 1..=6 {
        open(&mut w, c, at(2, 9, 0));
    }
    // In time order: (when, 0 = finish / 1 = arrive, customer).
    let mut steps: Vec<(Millis, u8, u32)> = Vec::new();
    for i in 0..30u32 {
        let t = at(2, 9, 0) + Millis::from(i) * 2 * MIN;
        steps.push((t, 1, i));
        steps.push((t + 10 * MIN, 0, i));
    }
    steps.sort();
    for (t, kind, i) in steps {
        let counter = i % 6 + 1;
        if kind == 1 {
            issue(&mut w, t);
            run(&mut w, Command::CallNext { counter }, t);
            run(&mut w, Command::Start { counter }, t);
        } else {
            run(&mut w, Command::Finish { counter, resolution: Resolution::Completed }, t);
        }
    }
    for c in 1..=6 {
        run(&mut w, Command::CloseCounter { counter: c }, at(2, 10, 10));
    }
    w.commit().unwrap();
    drop(w);

    let r = store.reader().unwrap();
    let (a, h, t) = (5.0, 10.0, 15.0);
    for target_share in [0.5, 0.8, 0.9, 0.99, 0.999] {
        let rep = r.staffing(&StaffingQuery { hall: None, from: date(2), to: date(2), target_share }).unwrap();
        let row = rep.rows.iter().find(|r| r.hour == 9).unwrap();
        assert_eq!(row.arrivals_per_hour, 30.0);
        assert_eq!(row.handling_mean_ms, Some(10 * MIN));
        assert_eq!(row.open_counters, 6.0);
        // The smallest count above the load that meets the share.
        let want = (6..100).find(|c| share(*c, a, h, t) >= target_share).unwrap();
        assert_eq!(row.advised_counters, Some(want), "share {target_share}");
        let at_open = row.within_target_at_open.unwrap();
        assert!((at_open - share(6, a, h, t)).abs() < 1e-9, "{at_open}");
        let at_advised = row.within_target_at_advised.unwrap();
        assert!((at_advised - share(want, a, h, t)).abs() < 1e-9);
        assert!(at_advised >= target_share);
    }
    // The figures themselves: at 6 counters 86.9 %, at 7 98.4 % (so 0.8
    // needs 6 and 0.9 a seventh).
    assert!((share(6, a, h, t) - 0.8689).abs() < 1e-4, "{}", share(6, a, h, t));
    assert!((share(7, a, h, t) - 0.9839).abs() < 1e-4, "{}", share(7, a, h, t));
    let rep = r.staffing(&StaffingQuery { hall: None, from: date(2), to: date(2), target_share: 0.9 }).unwrap();
    assert_eq!(rep.rows.iter().find(|r| r.hour == 9).unwrap().advised_counters, Some(7));
}
