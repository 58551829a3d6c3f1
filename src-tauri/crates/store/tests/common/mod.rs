//! What the store's integration tests share: the test day's clock, a small
//! deterministic random source, a test hall, and a day of varied hall traffic.

use chrono::TimeZone;
use hallq_core::{Actor, Command, Millis, PriorityClass, Resolution, TicketRef, TicketState, TransferTarget};
use hallq_store::{BulkWriter, Store};
use uuid::Uuid;

/// One minute.
pub const MIN: Millis = 60_000;

/// 2026-11-02 08:30 in Shanghai (a Monday), plus `day_offset` days.
pub fn morning(day_offset: i64) -> Millis {
    chrono_tz::Asia::Shanghai.with_ymd_and_hms(2026, 11, 2, 8, 30, 0).unwrap().timestamp_millis()
        + day_offset * 24 * 60 * MIN
}

/// A default supply hall `T1` with the agents 1001 王芳, 1002 李强, 1003 张伟
/// and 1004 刘洋, in a database in a temp folder (kept while the first value lives).
#[allow(dead_code)] // not every test file needs a hall of its own
pub fn new_hall() -> (tempfile::TempDir, Store, Uuid) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("hall.db")).unwrap();
    let id = Uuid::from_u128(0x1234);
    let mut cfg = hallq_core::HallConfig::default_supply_hall(id, "T1", "测试营业厅");
    for (i, name) in ["王芳", "李强", "张伟", "刘洋"].iter().enumerate() {
        cfg.staff.push(hallq_core::Staff {
            number: format!("100{}", i + 1),
            name: name.to_string(),
            role: hallq_core::StaffRole::Agent,
            active: true,
            team: None,
        });
    }
    store.create_hall(&cfg, morning(0) - 60 * MIN).unwrap();
    (dir, store, id)
}

/// A small deterministic random source (no dependency needed for tests).
pub struct Lcg(pub u64);
impl Lcg {
    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One day of varied traffic: logins, opens, issues of every class, calls,
/// recalls, no-shows, transfers, pauses, cancels, ratings.
pub fn traffic(w: &mut BulkWriter, d: i64, rng: &mut Lcg) -> usize {
    let services: Vec<String> = w.state().services().iter().map(|s| s.code.clone()).collect();
    let mut ok = 0;
    let t0 = morning(d);
    for c in 1..=4u32 {
        let staff = format!("100{c}");
        let _ = w.execute(Actor::Cli, Command::Login { counter: c, staff }, t0);
        let _ = w.execute(Actor::Cli, Command::OpenCounter { counter: c }, t0);
    }
    // Cases draw from their own source, so the queue's traffic is the same
    // as before cases existed.
    let mut cases_rng = Lcg(0xCA5E + d as u64);
    for minute in 0..(8 * 60) {
        let now = t0 + minute * MIN + 1000;
        if rng.below(3) == 0 {
            let service = services[rng.below(services.len() as u64) as usize].clone();
            let priority = match rng.below(12) {
                0 => PriorityClass::Priority,
                1 => PriorityClass::Appointment,
                _ => PriorityClass::Normal,
            };
            let cmd = Command::Issue { service, priority, priority_reason: None, appointment: None };
            ok += usize::from(w.execute(Actor::Terminal("kiosk".into()), cmd, now).is_ok());
        }
        for c in 1..=4u32 {
            let cmd = match rng.below(10) {
                0 => Command::CallNext { counter: c },
                1 => Command::Recall { counter: c },
                2 => Command::Start { counter: c },
                3 | 4 => Command::Finish { counter: c, resolution: Resolution::Completed },
                5 if rng.below(8) == 0 => Command::Transfer {
                    counter: c,
                    to: if rng.below(2) == 0 {
                        TransferTarget::Service(services[rng.below(services.len() as u64) as usize].clone())
                    } else {
                        TransferTarget::Counter(1 + (c % 4))
                    },
                },
                6 if rng.below(20) == 0 => Command::PauseCounter { counter: c, reason: "午休".into() },
                7 => Command::ResumeCounter { counter: c },
                8 if rng.below(30) == 0 => Command::NoShow { counter: c },
                _ => Command::CallNext { counter: c },
            };
            ok += usize::from(w.execute(Actor::Staff(format!("100{c}")), cmd, now + i64::from(c)).is_ok());
        }
        if rng.below(40) == 0 {
            let n = format!("A{:03}", 1 + rng.below(20));
            ok +=
                usize::from(w.execute(Actor::Cli, Command::Cancel { ticket: TicketRef::Number(n) }, now + 10).is_ok());
        }
        ok += cases(w, now, &mut cases_rng);
        if rng.below(4) == 0 {
            let done = w
                .state()
                .tickets()
                .find(|t| t.state == TicketState::Done && t.rating.is_none())
                .map(|t| t.number.clone());
            if let Some(n) = done {
                let level = 1 + rng.below(5) as u8;
                let reason = (level <= 2).then_some(hallq_core::LowScoreReason::Attitude);
                let cmd = Command::Rate { ticket: TicketRef::Number(n), level, reason };
                ok += usize::from(w.execute(Actor::Terminal("pad".into()), cmd, now + 20).is_ok());
            }
        }
    }
    ok
}

/// Now and then a case is opened (received up to two hours before), or one
/// of the open cases gets a stage done, a hold, a resume, a transfer or a
/// close. Returns the accepted commands.
fn cases(w: &mut BulkWriter, now: Millis, rng: &mut Lcg) -> usize {
    use hallq_core::commitment::{CaseOutcome, CaseState};
    let staff = |rng: &mut Lcg| format!("100{}", 1 + rng.below(4));
    let cmd = if rng.below(40) == 0 {
        let kinds = ["RES_CONN", "LV_CONN", "METER_TEST", "COMPLAINT"];
        Command::OpenCase {
            case_type: kinds[rng.below(4) as usize].to_string(),
            received_at: Some(now - rng.below(120) as i64 * MIN),
            ticket: None,
            customer_ref: Some(format!("33{:08}", rng.below(100_000_000))),
            note: None,
            staff: staff(rng),
        }
    } else if rng.below(30) == 0 {
        let open: Vec<_> = w.state().cases().map(|c| (c.id, c.state, c.next_stage().map(|s| s.code.clone()))).collect();
        if open.is_empty() {
            return 0;
        }
        let (case, state, stage) = open[rng.below(open.len() as u64) as usize].clone();
        let by = staff(rng);
        match (rng.below(5), state, stage) {
            (_, CaseState::OnHold, _) if rng.below(2) == 0 => Command::ResumeCase { case, staff: by },
            (0, CaseState::Open, Some(stage)) => Command::CompleteCaseStage { case, stage, staff: by },
            (1, CaseState::Open, _) => Command::HoldCase { case, reason: "等客户补充材料".into(), staff: by },
            (2, _, _) => Command::TransferCase { case, to: staff(rng), staff: by },
            _ => Command::CloseCase { case, outcome: CaseOutcome::Resolved, note: None, staff: by },
        }
    } else {
        return 0;
    };
    usize::from(w.execute(Actor::Cli, cmd, now + 30).is_ok())
}
