//! hallq-store's guards against guessing, on real database files: the PIN
//! lock holds against parallel guesses, unknown staff numbers look like
//! real ones, the hall PC keeps its own count, `unlock_staff` lifts a lock,
//! attempts per source are counted atomically and kept across a restart,
//! and an idempotency key answers only the request it was first sent with.

use std::sync::{Arc, Barrier, mpsc};
use std::time::{Duration, Instant};

use hallq_core::{Actor, Command, HallConfig, PriorityClass, Staff, StaffRole};
use hallq_store::{
    ATTEMPT_WINDOW_MS, AttemptKind, AttemptLimit, IdempotencyKey, ManualClock, Millis, PinCheck, PinOrigin, Store,
};
use uuid::Uuid;

const T: Millis = 1_793_500_000_000;
const PIN: &str = "2468";

fn new_hall() -> (tempfile::TempDir, Store, Uuid) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("hall.db")).unwrap();
    let id = Uuid::from_u128(0x1234);
    let mut cfg = HallConfig::default_supply_hall(id, "T1", "测试营业厅");
    for n in ["1001", "1002"] {
        cfg.staff.push(Staff {
            number: n.into(),
            name: "王芳".into(),
            role: StaffRole::Agent,
            active: true,
            team: None,
        });
    }
    store.create_hall(&cfg, T - 3_600_000).unwrap();
    store.set_staff_pin(id, "1001", PIN).unwrap();
    (dir, store, id)
}

/// Checks `pin` for `staff` from the LAN at `T`.
fn lan(store: &Store, hall: Uuid, staff: &str, pin: &str) -> PinCheck {
    store.check_staff_pin_from(hall, staff, pin, PinOrigin::Lan, T).unwrap()
}

#[test]
fn thirty_parallel_wrong_pins_verify_at_most_five_and_the_lock_holds() {
    let (_dir, store, hall) = new_hall();
    let start = Arc::new(Barrier::new(30));
    let answers: Vec<PinCheck> = (0..30)
        .map(|_| {
            let (store, start) = (store.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                lan(&store, hall, "1001", "0000")
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    let wrong = answers.iter().filter(|a| matches!(a, PinCheck::Wrong { .. })).count();
    let locked = answers.iter().filter(|a| matches!(a, PinCheck::Locked { .. })).count();
    // Four answered "wrong", the fifth verified guess set the lock, the
    // other 25 were refused before argon2 ran.
    assert_eq!((wrong, locked), (4, 26), "{answers:?}");
    let mut remaining: Vec<i64> = answers
        .iter()
        .filter_map(|a| if let PinCheck::Wrong { remaining } = a { Some(*remaining) } else { None })
        .collect();
    remaining.sort_unstable();
    assert_eq!(remaining, [1, 2, 3, 4], "each guess had its own place in the count");
    assert!(matches!(lan(&store, hall, "1001", PIN), PinCheck::Locked { .. }), "the lock holds for the right PIN");
}

#[test]
fn the_right_pin_sent_into_a_burst_of_wrong_ones_does_not_get_in() {
    let (_dir, store, hall) = new_hall();
    let (tx, rx) = mpsc::channel();
    let burst: Vec<_> = (0..60)
        .map(|_| {
            let (store, tx) = (store.clone(), tx.clone());
            std::thread::spawn(move || tx.send(lan(&store, hall, "1001", "0000")).unwrap())
        })
        .collect();
    // As soon as the burst has locked the number, the right PIN joins it.
    while !matches!(rx.recv().unwrap(), PinCheck::Locked { .. }) {}
    assert!(matches!(lan(&store, hall, "1001", PIN), PinCheck::Locked { .. }));
    for h in burst {
        h.join().unwrap();
    }
    assert!(matches!(lan(&store, hall, "1001", PIN), PinCheck::Locked { .. }));
}

#[test]
fn unknown_numbers_and_numbers_without_a_pin_answer_count_and_lock_like_real_ones() {
    let (_dir, store, hall) = new_hall();
    let seq = |staff: &str| (0..6).map(|_| lan(&store, hall, staff, "0000")).collect::<Vec<_>>();
    let real = seq("1001");
    assert_eq!(seq("9999"), real, "an unknown number");
    assert_eq!(seq("1002"), real, "a number without a PIN");
    assert_eq!(real[0], PinCheck::Wrong { remaining: 4 });
    assert!(matches!(real[5], PinCheck::Locked { .. }));
}

#[test]
fn an_unknown_number_takes_as_long_to_check_as_a_real_one() {
    let (_dir, store, hall) = new_hall();
    let time = |staff: &str, pin: &str| {
        let mut runs: Vec<Duration> = (0..3)
            .map(|_| {
                let t0 = Instant::now();
                store.check_staff_pin_from(hall, staff, pin, PinOrigin::Local, T).unwrap();
                t0.elapsed()
            })
            .collect();
        runs.sort();
        runs[1]
    };
    let real = time("1001", PIN);
    let unknown = time("9999", PIN);
    // Without a dummy argon2 run an unknown number answers in about a
    // hundredth of the time; noise on a shared machine stays well inside 4×.
    assert!(unknown * 4 > real && real * 4 > unknown, "real {real:?}, unknown {unknown:?}");
}

#[test]
fn a_lock_from_the_lan_leaves_the_hall_pc_its_own_count_and_unlock_lifts_it() {
    let (_dir, store, hall) = new_hall();
    for _ in 0..5 {
        lan(&store, hall, "1001", "0000");
    }
    assert!(matches!(lan(&store, hall, "1001", PIN), PinCheck::Locked { .. }));
    assert_eq!(store.check_staff_pin_from(hall, "1001", PIN, PinOrigin::Local, T).unwrap(), PinCheck::Ok);
    assert_eq!(store.check_staff_pin(hall, "1001", PIN, T).unwrap(), PinCheck::Ok, "the CLI and desktop app");
    assert!(store.unlock_staff(hall, "1001", T).unwrap(), "it was locked");
    assert_eq!(lan(&store, hall, "1001", PIN), PinCheck::Ok);
    assert!(!store.unlock_staff(hall, "1001", T).unwrap(), "nothing left to unlock");
    assert_eq!(store.unlock_staff(hall, "9999", T).unwrap_err().code(), "unknown_staff");
}

#[test]
fn attempts_per_source_are_counted_atomically_and_kept_across_a_restart() {
    let (dir, store, hall) = new_hall();
    let limit = AttemptLimit { per_source: 20, per_hall: 1_000 };
    let start = Arc::new(Barrier::new(200));
    let admitted = (0..200)
        .map(|_| {
            let (store, start) = (store.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                store.admit_attempt(hall, AttemptKind::Pairing, "10.0.0.7", limit, T).unwrap()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|ok| *ok)
        .count();
    assert_eq!(admitted, 20, "a burst gets exactly the limit");
    assert!(store.admit_attempt(hall, AttemptKind::Pairing, "10.0.0.8", limit, T).unwrap(), "another source");
    assert!(store.admit_attempt(hall, AttemptKind::Pin, "10.0.0.7", limit, T).unwrap(), "another kind");
    drop(store);
    let store = Store::open(&dir.path().join("hall.db")).unwrap();
    assert!(!store.admit_attempt(hall, AttemptKind::Pairing, "10.0.0.7", limit, T + 1_000).unwrap(), "kept");
    let next = T + ATTEMPT_WINDOW_MS;
    assert!(store.admit_attempt(hall, AttemptKind::Pairing, "10.0.0.7", limit, next).unwrap(), "a minute later");
}

#[test]
fn many_sources_together_meet_the_hall_wide_ceiling() {
    let (_dir, store, hall) = new_hall();
    let limit = AttemptLimit { per_source: 5, per_hall: 12 };
    let admitted = (0..10)
        .flat_map(|s| (0..2).map(move |_| format!("10.0.1.{s}")))
        .filter(|src| store.admit_attempt(hall, AttemptKind::Pairing, src, limit, T).unwrap())
        .count();
    assert_eq!(admitted, 12);
    // A source over its own limit does not use up the hall's.
    let (_dir, store, hall) = new_hall();
    for _ in 0..50 {
        store.admit_attempt(hall, AttemptKind::Pairing, "10.0.0.66", limit, T).unwrap();
    }
    assert!(store.admit_attempt(hall, AttemptKind::Pairing, "10.0.0.67", limit, T).unwrap());
}

#[test]
fn an_idempotency_key_answers_only_the_request_it_was_first_sent_with() {
    let (_dir, store, hall) = new_hall();
    let engine = store.engine(hall, Arc::new(ManualClock::new(T))).unwrap();
    let issue = |service: &str| Command::Issue {
        service: service.into(),
        priority: PriorityClass::Normal,
        priority_reason: None,
        appointment: None,
    };
    let key = |request: &str| Some(IdempotencyKey::new("kiosk-1:K", request));
    let first = engine.execute_keyed(Actor::Cli, issue("PAY"), key("POST /tickets PAY")).unwrap();
    let again = engine.execute_keyed(Actor::Cli, issue("PAY"), key("POST /tickets PAY")).unwrap();
    assert_eq!(again, first, "the same request again gets the first answer");
    let e = engine.execute_keyed(Actor::Cli, issue("CMP"), key("POST /tickets CMP")).unwrap_err();
    assert_eq!(e.code(), "idempotency_key_reused");
    let e = engine.execute_keyed(Actor::Cli, issue("PAY"), Some("kiosk-1:K".into())).unwrap_err();
    assert_eq!(e.code(), "idempotency_key_reused", "a key bound to a request is not answered without one");
    let next = engine.execute(Actor::Cli, issue("CMP")).unwrap();
    assert_eq!(next.seq, first.seq + 1, "the refused requests did nothing");
    engine.shutdown();
}
