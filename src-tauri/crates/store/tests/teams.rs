//! Teams (班组) and the monthly team scorecard on a hand-built month: two
//! teams, a clerk moved from one to the other mid-month, known waits,
//! ratings, follow-ups and no-shows. Every figure asserted is worked out
//! by hand in the comments.

use chrono::TimeZone;
use hallq_core::{
    Actor, Command, HallConfig, LowScoreReason, Millis, PriorityClass, Resolution, Staff, StaffRole, TicketRef,
    TicketState,
};
use hallq_store::{BulkWriter, GroupBy, KpiQuery, Store, TeamQuery, TeamScorecard};
use uuid::Uuid;

const MIN: Millis = 60_000;

/// A local time in the hall's zone (Asia/Shanghai).
fn at(month: u32, day: u32, h: u32, m: u32) -> Millis {
    chrono_tz::Asia::Shanghai.with_ymd_and_hms(2026, month, day, h, m, 0).unwrap().timestamp_millis()
}

fn clerk(number: &str, name: &str, team: Option<&str>) -> Staff {
    Staff { number: number.into(), name: name.into(), role: StaffRole::Agent, active: true, team: None }
        .with_team(team.map(str::to_string))
}

/// How a leg ends after it is called.
enum End {
    /// Served; rated at this level (low ratings give "efficiency").
    Done(Option<u8>),
    /// Recalled this many times, then marked a no-show (by the clerk when
    /// fewer than the hall's 2 recalls, else by the recall past them).
    NoShow(u16),
}

/// Issues a ticket of `service` at `issued`, calls it at `counter` after
/// `wait` minutes, and ends it as told. Returns its id.
fn leg(w: &mut BulkWriter, issued: Millis, counter: u32, service: &str, wait: i64, end: End) -> Uuid {
    let issue = Command::Issue {
        service: service.into(),
        priority: PriorityClass::Normal,
        priority_reason: None,
        appointment: None,
    };
    let id = w.execute(Actor::Cli, issue, issued).unwrap().ticket.unwrap().id;
    let mut t = issued + wait * MIN;
    w.execute(Actor::Cli, Command::CallNext { counter }, t).unwrap();
    match end {
        End::Done(rating) => {
            w.execute(Actor::Cli, Command::Start { counter }, t + MIN).unwrap();
            t += 5 * MIN;
            w.execute(Actor::Cli, Command::Finish { counter, resolution: Resolution::Completed }, t).unwrap();
            if let Some(level) = rating {
                let reason = (level <= 2).then_some(LowScoreReason::Efficiency);
                w.execute(Actor::Cli, Command::Rate { ticket: TicketRef::Id(id), level, reason }, t + 1000).unwrap();
            }
        }
        End::NoShow(recalls) => {
            for _ in 0..recalls {
                t += MIN;
                w.execute(Actor::Cli, Command::Recall { counter }, t).unwrap();
            }
            let mark = if recalls >= 2 { Command::Recall { counter } } else { Command::NoShow { counter } };
            w.execute(Actor::Cli, mark, t + MIN).unwrap();
        }
    }
    assert_eq!(w.state().ticket(id).map(|t| t.called_at.is_some()), Some(true));
    id
}

fn open_day(w: &mut BulkWriter, start: Millis, clerks: &[(u32, &str)]) {
    w.tick(start).unwrap();
    for (counter, staff) in clerks {
        w.execute(Actor::Cli, Command::Login { counter: *counter, staff: staff.to_string() }, start).unwrap();
        w.execute(Actor::Cli, Command::OpenCounter { counter: *counter }, start).unwrap();
    }
}

/// The month. Teams: 1001 王芳 甲班, 1002 李强 乙班, 1003 张伟 甲班 until
/// he moves to 乙班 on 16 November; 1004 刘洋 in no team. PAY's target
/// wait is 15 minutes; the hall recalls twice before a no-show. Follow-ups
/// are due 15 working days after the rating.
///
/// 2 Nov (Mon), counters 1 (1001), 2 (1002), 3 (1003), 4 (1004):
///   a1 1001 wait 5, served, rated 5          (甲)
///   a2 1001 wait 20, served, rated 2 → F1    (甲)  F1 closed 3 Nov: in time
///   a3 1001 wait 10, no-show, 0 recalls      (甲)
///   c1 1003 wait 3, served, rated 4          (甲)
///   c2 1003 wait 16, served, rated 1 → F2    (甲)  due 23 Nov, closed 24 Nov: overdue
///   b1 1002 wait 5, served, not rated        (乙)
///   b2 1002 wait 5, no-show after 2 recalls  (乙)
///   d1 1004 wait 1, served, rated 5          (no team)
///   e1 a CMP ticket nobody calls             (not called; expires)
/// 16 Nov (Mon), 1003 now in 乙班:
///   c3 1003 wait 20, served, rated 5         (乙)
///   c4 1003 wait 2, served, rated 2 → F3     (乙)  still open, due 7 Dec
///   b3 1002 wait 4, served, rated 5          (乙)
///   b4 1002 wait 6, no-show after 1 recall   (乙)
///   a4 1001 wait 30, served, not rated       (甲)
/// 1 Dec: a5 1001 wait 1, served, rated 5 — another month, not counted.
struct Month {
    _dir: tempfile::TempDir,
    store: Store,
    hall: Uuid,
    f3: Uuid,
}

fn month() -> Month {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("hall.db")).unwrap();
    let hall = Uuid::from_u128(0x7ea3);
    let mut cfg = HallConfig::default_supply_hall(hall, "T1", "测试营业厅");
    cfg.staff.push(clerk("1001", "王芳", Some("甲班")));
    cfg.staff.push(clerk("1002", "李强", Some("乙班")));
    cfg.staff.push(clerk("1003", "张伟", Some("甲班")));
    cfg.staff.push(clerk("1004", "刘洋", None));
    store.create_hall(&cfg, at(11, 2, 7, 0)).unwrap();
    let mut w = store.bulk(hall).unwrap();
    use End::*;

    open_day(&mut w, at(11, 2, 8, 30), &[(1, "1001"), (2, "1002"), (3, "1003"), (4, "1004")]);
    let a2 = {
        leg(&mut w, at(11, 2, 9, 0), 1, "PAY", 5, Done(Some(5)));
        let a2 = leg(&mut w, at(11, 2, 9, 40), 1, "PAY", 20, Done(Some(2)));
        leg(&mut w, at(11, 2, 10, 20), 1, "PAY", 10, NoShow(0));
        a2
    };
    leg(&mut w, at(11, 2, 11, 0), 3, "PAY", 3, Done(Some(4)));
    let c2 = leg(&mut w, at(11, 2, 11, 40), 3, "PAY", 16, Done(Some(1)));
    leg(&mut w, at(11, 2, 12, 20), 2, "PAY", 5, Done(None));
    leg(&mut w, at(11, 2, 13, 0), 2, "PAY", 5, NoShow(2));
    leg(&mut w, at(11, 2, 13, 40), 4, "NEW", 1, Done(Some(5)));
    let e1 = Command::Issue {
        service: "CMP".into(),
        priority: PriorityClass::Normal,
        priority_reason: None,
        appointment: None,
    };
    w.execute(Actor::Cli, e1, at(11, 2, 14, 20)).unwrap();
    let due: Vec<String> = w.state().follow_ups().map(|f| f.deadline.to_string()).collect();
    assert_eq!(due, ["2026-11-23", "2026-11-23"], "15 working days after Monday 2 November");

    w.tick(at(11, 3, 9, 0)).unwrap();
    w.execute(Actor::Cli, Command::CloseFollowUp { ticket: a2, note: "已回访".into(), staff: None }, at(11, 3, 10, 0))
        .unwrap();

    w.tick(at(11, 16, 8, 0)).unwrap();
    w.execute(Actor::Cli, Command::DefineStaff { staff: clerk("1003", "张伟", Some("乙班")) }, at(11, 16, 8, 0))
        .unwrap();
    open_day(&mut w, at(11, 16, 8, 30), &[(1, "1001"), (2, "1002"), (3, "1003")]);
    leg(&mut w, at(11, 16, 9, 0), 3, "PAY", 20, Done(Some(5)));
    let f3 = leg(&mut w, at(11, 16, 9, 40), 3, "PAY", 2, Done(Some(2)));
    leg(&mut w, at(11, 16, 10, 20), 2, "PAY", 4, Done(Some(5)));
    leg(&mut w, at(11, 16, 11, 0), 2, "PAY", 6, NoShow(1));
    leg(&mut w, at(11, 16, 11, 40), 1, "PAY", 30, Done(None));
    let f3_due = w.state().follow_ups().find(|f| f.ticket == f3).unwrap().deadline;
    assert_eq!(f3_due.to_string(), "2026-12-07");

    w.tick(at(11, 24, 9, 0)).unwrap();
    w.execute(Actor::Cli, Command::CloseFollowUp { ticket: c2, note: "已整改".into(), staff: None }, at(11, 24, 10, 0))
        .unwrap();

    open_day(&mut w, at(12, 1, 8, 30), &[(1, "1001")]);
    leg(&mut w, at(12, 1, 9, 0), 1, "PAY", 1, Done(Some(5)));
    w.tick(at(12, 2, 9, 0)).unwrap();
    w.commit().unwrap();
    drop(w);
    Month { _dir: dir, store, hall, f3 }
}

fn scorecard(m: &Month, now: Millis) -> TeamScorecard {
    let q = TeamQuery { hall: Some(m.hall), home: None, month: "2026-11".parse().unwrap(), now };
    m.store.reader().unwrap().team_scorecard(&q).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn the_month_scorecard_matches_the_hand_computed_figures() {
    let m = month();
    // Judged on 20 December: F3 (due 7 December) is open past its deadline.
    let card = scorecard(&m, at(12, 20, 12, 0));
    assert_eq!((card.from.to_string(), card.to.to_string()), ("2026-11-01".into(), "2026-11-30".into()));
    assert_eq!(card.weights.as_array(), [0.30, 0.30, 0.15, 0.15, 0.10]);
    let names: Vec<&str> = card.teams.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(names, ["乙班", "甲班"], "only real teams, best first; no-team and uncalled legs are not scored");
    let (yi, jia) = (&card.teams[0], &card.teams[1]);

    // 乙班: b1 b2 b3 b4 (李强) and c3 c4 (张伟 after his move) = 6 legs, 2 staff.
    // Called within 15 min: all but c3 (20) = 5/6. Served: b1 c3 c4 b3 = 4.
    // Rated c3 5, c4 2, b3 5: satisfied 2/3, coverage 3/4.
    // Follow-ups: F3 open past 7 Dec = 1 of 1 overdue → 1 − 1/1 = 0.
    // No-shows: b2 (2 recalls: in full), b4 (1 recall) → 1/2.
    // Score = 100 × (0.3×5/6 + 0.3×2/3 + 0.15×0.75 + 0.15×0 + 0.1×0.5)
    //       = 100 × (0.25 + 0.2 + 0.1125 + 0 + 0.05) = 61.25.
    assert_eq!((yi.legs, yi.staff, yi.served), (6, 2, 4));
    assert!(close(yi.within_target_wait, 5.0 / 6.0), "{}", yi.within_target_wait);
    assert!(close(yi.satisfaction, 2.0 / 3.0) && close(yi.rating_coverage, 0.75));
    assert_eq!((yi.follow_ups, yi.overdue_follow_ups), (1, 1));
    assert!(close(yi.follow_up_score, 0.0));
    assert_eq!((yi.no_shows, yi.no_shows_recalled), (2, 1));
    assert!(close(yi.no_show_score, 0.5));
    assert!(close(yi.score, 61.25), "{}", yi.score);
    assert_eq!(yi.rank, 1);

    // 甲班: a1 a2 a3 a4 (王芳) and c1 c2 (张伟 before his move) = 6 legs, 2 staff.
    // Within 15 min: a1 (5), a3 (10), c1 (3); not a2 (20), c2 (16), a4 (30) = 3/6.
    // Served: a1 a2 c1 c2 a4 = 5. Rated a1 5, a2 2, c1 4, c2 1: satisfied 2/4,
    // coverage 4/5. Follow-ups F1 (closed in time), F2 (closed 24 Nov, due
    // 23 Nov): 1 − 1/2 = 0.5. No-shows: a3, marked without a recall: 0/1.
    // Score = 100 × (0.3×0.5 + 0.3×0.5 + 0.15×0.8 + 0.15×0.5 + 0.1×0)
    //       = 100 × (0.15 + 0.15 + 0.12 + 0.075) = 49.5.
    assert_eq!((jia.legs, jia.staff, jia.served), (6, 2, 5));
    assert!(close(jia.within_target_wait, 0.5) && close(jia.satisfaction, 0.5));
    assert!(close(jia.rating_coverage, 0.8));
    assert_eq!((jia.follow_ups, jia.overdue_follow_ups, jia.no_shows, jia.no_shows_recalled), (2, 1, 1, 0));
    assert!(close(jia.follow_up_score, 0.5) && close(jia.no_show_score, 0.0));
    assert!(close(jia.score, 49.5), "{}", jia.score);
    assert_eq!(jia.rank, 2);

    // Judged on 30 November, F3 is open but not yet due: 乙班's follow-up
    // part is 1, its score 61.25 + 15 = 76.25; 甲班's F2 was still closed late.
    let early = scorecard(&m, at(11, 30, 12, 0));
    assert!(close(early.teams[0].score, 76.25) && close(early.teams[1].score, 49.5));
    assert_eq!(early.teams[0].overdue_follow_ups, 0);
    let _ = m.f3;
}

#[test]
fn the_bureau_weights_change_the_score_and_ties_share_a_rank() {
    let m = month();
    // Only within target and rating coverage count, half each:
    // 乙班 0.5×5/6 + 0.5×0.75 = 0.791666…, 甲班 0.5×0.5 + 0.5×0.8 = 0.65.
    let mut w = m.store.bulk(m.hall).unwrap();
    let mut hall = w.state().hall().clone();
    hall.score_weights = hallq_core::ScoreWeights {
        within_target_wait: 0.5,
        satisfaction: 0.0,
        rating_coverage: 0.5,
        follow_ups: 0.0,
        no_shows: 0.0,
    };
    w.execute(Actor::Cli, Command::ConfigureHall { hall: hall.clone() }, at(12, 2, 10, 0)).unwrap();
    w.commit().unwrap();
    let card = scorecard(&m, at(12, 20, 12, 0));
    assert!(close(card.teams[0].score, 100.0 * (0.5 * 5.0 / 6.0 + 0.375)), "{}", card.teams[0].score);
    assert!(close(card.teams[1].score, 65.0), "{}", card.teams[1].score);
    // Follow-ups alone: both teams have one overdue of theirs, 乙班 1/1 → 0,
    // 甲班 1/2 → 0.5; no-shows alone: 乙班 0.5, 甲班 0. Half each: 25 and 25.
    hall.score_weights = hallq_core::ScoreWeights {
        within_target_wait: 0.0,
        satisfaction: 0.0,
        rating_coverage: 0.0,
        follow_ups: 0.5,
        no_shows: 0.5,
    };
    w.execute(Actor::Cli, Command::ConfigureHall { hall }, at(12, 2, 10, 1)).unwrap();
    w.commit().unwrap();
    let card = scorecard(&m, at(12, 20, 12, 0));
    let ranks: Vec<(&str, u32)> = card.teams.iter().map(|t| (t.key.as_str(), t.rank)).collect();
    assert_eq!(ranks, [("乙班", 1), ("甲班", 1)], "25 and 25 share first place");
    assert!(close(card.teams[0].score, 25.0) && close(card.teams[1].score, 25.0));
}

#[test]
fn the_team_report_credits_each_leg_to_the_team_of_its_time() {
    let m = month();
    let (from, to) = ("2026-11-01".parse().unwrap(), "2026-11-30".parse().unwrap());
    let r = m.store.reader().unwrap().kpis(&KpiQuery { hall: Some(m.hall), from, to, by: GroupBy::Team }).unwrap();
    let groups: Vec<(&str, &str, &str, u64)> =
        r.groups.iter().map(|g| (g.key.as_str(), g.label.as_str(), g.label_en.as_str(), g.kpis.legs)).collect();
    // e1 was never called; d1 was served by 1004, who is in no team.
    assert_eq!(
        groups,
        [
            ("~", "未叫号", "not called", 1),
            ("~-", "未分班组", "no team", 1),
            ("乙班", "乙班", "乙班", 6),
            ("甲班", "甲班", "甲班", 6)
        ]
    );
    // 张伟's four legs stay one staff group.
    let staff = m.store.reader().unwrap().kpis(&KpiQuery { hall: Some(m.hall), from, to, by: GroupBy::Staff }).unwrap();
    assert_eq!(staff.groups.iter().find(|g| g.key == "1003").map(|g| g.kpis.legs), Some(4));
    // Counter open time follows the team of the session's clerk: 甲班 had
    // counters 1 and 3 on 2 November and counter 1 on 16 November.
    let jia = r.groups.iter().find(|g| g.key == "甲班").unwrap();
    assert!(jia.kpis.utilisation.is_some());
}

#[test]
fn a_rebuild_credits_the_same_teams_as_the_live_hall() {
    let m = month();
    let teams = |s: &Store| -> Vec<(String, Option<String>)> {
        let conn = rusqlite::Connection::open(s.path()).unwrap();
        let mut st = conn.prepare("SELECT staff, team FROM tickets WHERE staff = '1003' ORDER BY issued_at").unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    };
    let live = teams(&m.store);
    let moved: Vec<Option<&str>> = live.iter().map(|(_, t)| t.as_deref()).collect();
    assert_eq!(moved, [Some("甲班"), Some("甲班"), Some("乙班"), Some("乙班")]);
    let before = m.store.reader().unwrap().projection_dump(m.hall).unwrap();
    m.store.rebuild(m.hall).unwrap();
    assert_eq!(m.store.reader().unwrap().projection_dump(m.hall).unwrap(), before);
    assert_eq!(teams(&m.store), live);
    let card = scorecard(&m, at(12, 20, 12, 0));
    assert!(close(card.teams[0].score, 61.25) && close(card.teams[1].score, 49.5));
    let st = m.store.reader().unwrap().tickets_of_day(m.hall, "2026-11-16".parse().unwrap()).unwrap();
    assert!(st.iter().any(|t| t.id == m.f3 && t.state == TicketState::Done));
}
