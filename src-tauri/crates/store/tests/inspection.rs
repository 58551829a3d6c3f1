//! Inspection days and consistency on a week worked out by hand: two staff
//! members over Monday to Thursday with Wednesday marked as an inspection
//! day, and a third who serves one customer on Saturday.

use std::sync::Arc;

use chrono::NaiveDate;
use hallq_core::{Actor, Command, PriorityClass, Resolution, TicketRef};
use hallq_store::{Inspection, InspectionQuery, InspectionRow, ManualClock, Store};
use uuid::Uuid;

#[allow(dead_code)] // the clock and a hall are needed here, not the traffic
mod common;
use common::{MIN, morning, new_hall};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

/// One customer of PAY (target wait 15 minutes): the counter that calls
/// them, minutes waited, minutes handled, the rating given (if any).
type Customer = (u32, i64, i64, Option<u8>);

/// Days after Monday 2026-11-02 and their customers, one after another
/// (each is issued 40 minutes after the one before, so every call takes
/// the only one waiting). Counter 1 is 1001 王芳, 2 is 1002 李强, 3 is 1003 张伟 (1004 刘洋
/// does not work this week).
const WEEK: [(i64, &[Customer]); 5] = [
    // Mon: 王芳 waits 10, 20 (one within 15), ratings 5, 2; 李强 5, 5, ratings 5, 4.
    (0, &[(1, 10, 4, Some(5)), (1, 20, 6, Some(2)), (2, 5, 3, Some(5)), (2, 5, 3, Some(4))]),
    // Tue: 王芳 20, 30 (none within), one rating 3; 李强 10, 10, ratings 5, 5.
    (1, &[(1, 20, 6, Some(3)), (1, 30, 6, None), (2, 10, 3, Some(5)), (2, 10, 3, Some(5))]),
    // Wed, the inspection: 王芳 5, 10 handled in 2, ratings 5, 5; 李强 5, 10, ratings 4, 3.
    (2, &[(1, 5, 2, Some(5)), (1, 10, 2, Some(5)), (2, 5, 3, Some(4)), (2, 10, 3, Some(3))]),
    // Thu: 王芳 20, 10, ratings 1, 4; 李强 5, 10, one rating 5.
    (3, &[(1, 20, 6, Some(1)), (1, 10, 4, Some(4)), (2, 5, 3, Some(5)), (2, 10, 3, None)]),
    // Sat (not a working day): 张伟 serves one, waited 20, unrated.
    (5, &[(3, 20, 5, None)]),
];

fn week() -> (tempfile::TempDir, Store, Uuid) {
    let (dir, store, id) = new_hall();
    let clock = ManualClock::new(morning(0));
    let engine = store.engine(id, Arc::new(clock.clone())).unwrap();
    for (d, customers) in WEEK {
        clock.set(morning(d));
        for c in 1..=3u32 {
            let _ = engine.execute(Actor::Cli, Command::Login { counter: c, staff: format!("100{c}") });
            let _ = engine.execute(Actor::Cli, Command::OpenCounter { counter: c });
        }
        for (i, &(counter, wait, handling, rating)) in customers.iter().enumerate() {
            let t = morning(d) + 1000 + i as i64 * 40 * MIN;
            clock.set(t);
            let issue = Command::Issue {
                service: "PAY".into(),
                priority: PriorityClass::Normal,
                priority_reason: None,
                appointment: None,
            };
            let ticket = engine.execute(Actor::Cli, issue).unwrap().ticket.unwrap().id;
            clock.set(t + wait * MIN);
            engine.execute(Actor::Cli, Command::CallNext { counter }).unwrap();
            engine.execute(Actor::Cli, Command::Start { counter }).unwrap();
            clock.set(t + (wait + handling) * MIN);
            engine.execute(Actor::Cli, Command::Finish { counter, resolution: Resolution::Completed }).unwrap();
            if let Some(level) = rating {
                let rate = Command::Rate { ticket: TicketRef::Id(ticket), level, reason: None };
                engine.execute(Actor::Cli, rate).unwrap();
            }
        }
    }
    // Wednesday's inspection is marked afterwards, as it is in a hall.
    let mut hall = store.reader().unwrap().halls().unwrap().remove(0);
    hall.inspection_days = vec![day(4)];
    engine.execute(Actor::Cli, Command::ConfigureHall { hall }).unwrap();
    engine.shutdown();
    (dir, store, id)
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

fn row<'a>(r: &'a Inspection, key: &str) -> &'a InspectionRow {
    let h = &r.halls[0];
    if h.hall.key == key { &h.hall } else { h.staff.iter().find(|s| s.key == key).unwrap() }
}

#[test]
fn a_hall_good_only_on_its_inspection_day_is_flagged_with_figures_worked_out_by_hand() {
    let (_dir, store, id) = week();
    let r = store.reader().unwrap();
    let rep = r.inspection(&InspectionQuery { hall: Some(id), from: day(1), to: day(30) }).unwrap();
    assert_eq!(rep.flag_points, 10.0);
    assert_eq!(rep.halls.len(), 1);
    assert_eq!(rep.halls[0].inspection_days, [day(4)]);
    assert!(rep.has_inspection_days() && rep.has_legs());

    // The hall. Daily within 15 min: Mon 3/4, Tue 2/4, Wed 4/4, Thu 3/4, Sat 0/1.
    // Daily satisfaction (4–5 of rated): Mon 3/4, Tue 2/3, Wed 3/4, Thu 2/3, Sat none.
    let h = row(&rep, "T1");
    assert_eq!((h.label.as_str(), h.days), ("测试营业厅", 5));
    // Wednesday: waits 5, 10, 5, 10 → 7.5 min; handling 2, 2, 3, 3 → 2.5 min; 4/4 within;
    // ratings 5, 5, 4, 3 → 3/4 satisfied; 4 rated of 4 served.
    assert_eq!((h.inspection.days, h.inspection.legs), (1, 4));
    assert_eq!(h.inspection.wait_mean_ms, Some(450 * 1000));
    assert_eq!(h.inspection.handling_mean_ms, Some(150 * 1000));
    assert!(close(h.inspection.within_target_wait, 1.0));
    assert!(close(h.inspection.satisfaction, 0.75));
    assert!(close(h.inspection.rating_coverage, 1.0));
    // Mon, Tue, Thu (Saturday is no working day): waits 40 + 70 + 45 = 155 min over 12
    // legs → 775 s; 3 + 2 + 3 = 8 of 12 within; handling 50 min / 12 → 250 s; 7 of 10
    // rated satisfied; 10 rated of 12 served.
    assert_eq!((h.other.days, h.other.legs), (3, 12));
    assert_eq!(h.other.wait_mean_ms, Some(775 * 1000));
    assert_eq!(h.other.handling_mean_ms, Some(250 * 1000));
    assert!(close(h.other.within_target_wait, 8.0 / 12.0));
    assert!(close(h.other.satisfaction, 0.7));
    assert!(close(h.other.rating_coverage, 10.0 / 12.0));
    // Differences: −325 s wait, +33.3 points within, −100 s handling, +5 points
    // satisfaction, +16.7 points coverage; 33.3 ≥ 10: flagged.
    assert_eq!(h.difference.wait_mean_ms, Some(-325 * 1000));
    assert_eq!(h.difference.handling_mean_ms, Some(-100 * 1000));
    assert!(close(h.difference.within_target_wait_pp, 100.0 / 3.0));
    assert!(close(h.difference.satisfaction_pp, 5.0));
    assert!(close(h.difference.rating_coverage_pp, 50.0 / 3.0));
    assert!(h.flag);
    // Consistency. Within: 75, 50, 100, 75, 0 → mean 60, squared deviations
    // 225 + 100 + 1600 + 225 + 3600 = 5750, ÷ 5 = 1150 → 33.91 points over 5 days.
    // Satisfaction (Saturday has no rating, left out): 75, 66.7, 75, 66.7 → mean 70.83,
    // every deviation ±4.17 → 25/6 points over 4 days.
    assert!(close(h.consistency.within_target_wait_sd_pp, 1150f64.sqrt()));
    assert_eq!(h.consistency.within_target_wait_days, 5);
    assert!(close(h.consistency.satisfaction_sd_pp, 25.0 / 6.0));
    assert_eq!(h.consistency.satisfaction_days, 4);

    // 王芳: Wednesday 5, 10 (7.5 min), handled 2, 2, both within, ratings 5, 5.
    // Other days: waits 10, 20, 20, 30, 20, 10 = 110 min / 6; 2 of 6 within; handling
    // 4, 6, 6, 6, 6, 4 = 32 min / 6 = 320 s; ratings 5, 2, 3, 1, 4 → 2 of 5; 5 rated of 6.
    let a = row(&rep, "1001");
    assert_eq!((a.label.as_str(), a.days), ("王芳", 4));
    assert_eq!(a.inspection.wait_mean_ms, Some(450 * 1000));
    assert_eq!(a.inspection.handling_mean_ms, Some(120 * 1000));
    assert!(close(a.inspection.within_target_wait, 1.0) && close(a.inspection.satisfaction, 1.0));
    assert_eq!((a.other.days, a.other.legs), (3, 6));
    assert_eq!(a.other.wait_mean_ms, Some(110 * MIN / 6));
    assert_eq!(a.other.handling_mean_ms, Some(320 * 1000));
    assert!(close(a.other.within_target_wait, 2.0 / 6.0));
    assert!(close(a.other.satisfaction, 0.4));
    assert!(close(a.other.rating_coverage, 5.0 / 6.0));
    assert!(close(a.difference.within_target_wait_pp, 200.0 / 3.0));
    assert!(close(a.difference.satisfaction_pp, 60.0));
    assert!(a.flag);
    // Daily within: 50, 0, 100, 50; satisfaction: 50, 0, 100, 50 → mean 50, squared
    // deviations 0 + 2500 + 2500 + 0 = 5000, ÷ 4 = 1250 → 35.36 points.
    assert!(close(a.consistency.within_target_wait_sd_pp, 1250f64.sqrt()));
    assert!(close(a.consistency.satisfaction_sd_pp, 1250f64.sqrt()));
    assert_eq!((a.consistency.within_target_wait_days, a.consistency.satisfaction_days), (4, 4));

    // 李强: always within (0 points apart); Wednesday's satisfaction 1/2 against 5/5 on
    // the other days: worse under inspection, not flagged.
    let b = row(&rep, "1002");
    assert!(close(b.inspection.within_target_wait, 1.0) && close(b.other.within_target_wait, 1.0));
    assert!(close(b.difference.within_target_wait_pp, 0.0));
    assert!(close(b.difference.satisfaction_pp, -50.0));
    assert_eq!(b.other.wait_mean_ms, Some(450 * 1000), "5, 5, 10, 10, 5, 10 → 7.5 min");
    assert!(!b.flag);
    // Within: 100 every day → 0. Satisfaction 100, 100, 50, 100 → mean 87.5, squared
    // deviations 3 × 156.25 + 1406.25 = 1875, ÷ 4 = 468.75 → 21.65 points.
    assert!(close(b.consistency.within_target_wait_sd_pp, 0.0));
    assert!(close(b.consistency.satisfaction_sd_pp, 468.75f64.sqrt()));

    // 张伟: one Saturday: neither an inspection day nor another working day; one day
    // is too few for a deviation, and no rating gives no satisfaction at all.
    let c = row(&rep, "1003");
    assert_eq!((c.days, c.inspection.legs, c.other.legs), (1, 0, 0));
    assert_eq!((c.inspection.within_target_wait, c.other.within_target_wait), (None, None));
    assert_eq!(c.consistency.within_target_wait_days, 1);
    assert_eq!((c.consistency.within_target_wait_sd_pp, c.consistency.satisfaction_sd_pp), (None, None));
    assert_eq!(c.consistency.satisfaction_days, 0);
    assert!(!c.flag);
    assert_eq!(rep.halls[0].staff.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(), ["1001", "1002", "1003"]);

    // Every hall of the database gives the same (there is one).
    let all = r.inspection(&InspectionQuery { hall: None, from: day(1), to: day(30) }).unwrap();
    assert_eq!(all, rep);
}

#[test]
fn a_range_without_inspection_days_has_an_empty_comparison_and_still_a_consistency() {
    let (_dir, store, id) = week();
    let r = store.reader().unwrap();
    // Monday and Tuesday only.
    let rep = r.inspection(&InspectionQuery { hall: Some(id), from: day(2), to: day(3) }).unwrap();
    assert!(!rep.has_inspection_days() && rep.has_legs());
    let h = row(&rep, "T1");
    assert_eq!((h.inspection.days, h.inspection.legs, h.inspection.wait_mean_ms), (0, 0, None));
    assert_eq!(h.difference, hallq_store::Difference::default());
    assert!(!h.flag);
    // Within 75 and 50 → 12.5 points.
    assert!(close(h.consistency.within_target_wait_sd_pp, 12.5));
    // A range without tickets.
    let empty = r.inspection(&InspectionQuery { hall: Some(id), from: day(20), to: day(21) }).unwrap();
    assert!(!empty.has_legs() && empty.halls[0].staff.is_empty());
    assert!(r.inspection(&InspectionQuery { hall: Some(id), from: day(3), to: day(2) }).is_err());
}
