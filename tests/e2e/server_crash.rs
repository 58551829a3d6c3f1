//! Crash safety of the real server: kiosks and counters work over HTTP
//! while `hallq serve` is SIGKILLed at random moments (a seeded rng) and
//! restarted on the same database, again and again. A power cut must lose
//! no answered command and leave no ticket in two states.
//!
//! Every command carries an idempotency key and is retried with the same
//! key until it gets an answer, as a terminal would after a timeout; so at
//! the end every command has exactly one known outcome, and the log must
//! hold exactly the acknowledged ones: the answered seq with the answered
//! ticket, nothing more, nothing twice. The projections must equal a
//! rebuild from the log, and each counter must be where its clerk left it.
//!
//! The load (kiosks, clerks, the acknowledgements) and the check of the
//! database are shared with the power-cut test (`server_power.rs`).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hallq_e2e::{Answer, Api, Hall, Server};
use hallq_store::hallq_core::{EventData, TicketState};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::server_support::{
    LiveHall, SERVICES, all_tickets, answered_ticket, assert_one_state_per_ticket, open_db, read_log,
};

/// SIGKILLs, each followed by a restart on the same database.
const KILLS: usize = 24;
const KIOSKS: usize = 2;
const COUNTERS: u32 = 4;
/// A bound on each kiosk's tickets (a day holds 999 per service).
const MAX_TICKETS_PER_KIOSK: usize = 600;
/// The most load between a restart and the next kill.
const MAX_UP_MS: u64 = 400;
/// A restarted server must be serving again within this time.
const RESTART_LIMIT: Duration = Duration::from_secs(10);
/// Everything must be done by then.
const LIMIT: Duration = Duration::from_secs(100);
/// The rng seed of the kill moments; `HALLQ_CRASH_SEED` replays another.
const SEED: u64 = 0x4a11_c0de;

/// A command that got a 2xx answer: the event it must have left in the log.
#[derive(Debug, Clone)]
pub(crate) struct Ack {
    pub(crate) kind: &'static str,
    pub(crate) seq: u64,
    pub(crate) ticket: Uuid,
    number: String,
    path: String,
    body: Option<Value>,
    token: String,
    key: String,
}

/// What the load generator shares: the client (which follows restarts),
/// the acknowledgements, answers nobody expected, and how many requests
/// got no answer at all (cut off by a kill).
#[derive(Clone)]
pub(crate) struct Load {
    pub(crate) api: Api,
    pub(crate) acks: Arc<Mutex<Vec<Ack>>>,
    pub(crate) unexpected: Arc<Mutex<Vec<String>>>,
    pub(crate) unanswered: Arc<AtomicUsize>,
    pub(crate) stop: Arc<AtomicBool>,
    deadline: Instant,
}

impl Load {
    /// A load through `api` that must be done within `limit`.
    pub(crate) fn new(api: Api, limit: Duration) -> Self {
        Self {
            api,
            acks: Arc::default(),
            unexpected: Arc::default(),
            unanswered: Arc::default(),
            stop: Arc::default(),
            deadline: Instant::now() + limit,
        }
    }

    /// POSTs a command until it gets an HTTP answer, retrying with the same
    /// idempotency key while the server is down or restarting.
    async fn command(&self, token: &str, path: &str, body: Option<&Value>, key: &str) -> Answer {
        loop {
            match self.api.try_send(Method::POST, path, Some(token), body, Some(key)).await {
                Ok(answer) => return answer,
                Err(_) => {
                    self.unanswered.fetch_add(1, Ordering::Relaxed);
                    assert!(Instant::now() < self.deadline, "no answer to {path} (key {key}) by the deadline");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        }
    }

    /// Records a 2xx answer as an acknowledgement of `kind` for the ticket
    /// in it; anything else as unexpected. Returns the ticket on success.
    fn record(
        &self,
        kind: &'static str,
        answer: &Answer,
        sent: (&str, Option<&Value>),
        token: &str,
        key: &str,
    ) -> Option<Uuid> {
        let (path, body) = sent;
        if !answer.is_success() {
            let what = format!("{path} (key {key}): {} {}", answer.status, answer.body);
            self.unexpected.lock().unwrap_or_else(|p| p.into_inner()).push(what);
            return None;
        }
        let (ticket, number) = answered_ticket(&answer.body);
        let seq = answer.body["seq"].as_u64().unwrap_or_else(|| panic!("no seq in {}", answer.body));
        let (path, body, token, key) = (path.into(), body.cloned(), token.into(), key.into());
        let ack = Ack { kind, seq, ticket, number, path, body, token, key };
        self.acks.lock().unwrap_or_else(|p| p.into_inner()).push(ack);
        Some(ticket)
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkilled_over_and_over_the_server_keeps_every_answered_command_and_one_state_per_ticket() {
    let seed = std::env::var("HALLQ_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(SEED);
    eprintln!("crash: seed {seed} (set HALLQ_CRASH_SEED to replay another)");
    let live = LiveHall::start().await;
    let work = Work::start(&live, LIMIT).await;
    let load = work.load.clone();
    let LiveHall { hall, server, .. } = live;

    let hall = Arc::new(hall);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut server = Some(server);
    let mut back_in = Vec::with_capacity(KILLS);
    let mut new_ports = 0;
    for kill in 0..KILLS {
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..=MAX_UP_MS))).await;
        let old = server.take().expect("a running server");
        let port = old.port();
        old.kill();
        let killed = Instant::now();
        let h = hall.clone();
        let restarted = tokio::task::spawn_blocking(move || restart(&h, port)).await.expect("the restart task");
        if restarted.port() != port {
            new_ports += 1;
            load.api.follow(restarted.base());
        }
        let health = load.api.send(Method::GET, "/api/v1/health", None, None).await;
        assert_eq!(health.status, 200, "after kill {kill}, the server answers: {}", health.body);
        let took = killed.elapsed();
        assert!(took < RESTART_LIMIT, "kill {kill}: the server took {took:?} to come back");
        back_in.push(took);
        server = Some(restarted);
    }
    let current = work.stop().await;
    let acks = load.acks.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let unexpected = load.unexpected.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let unanswered = load.unanswered.load(Ordering::Relaxed);
    let slowest = back_in.iter().max().copied().unwrap_or_default();
    eprintln!(
        "crash: {KILLS} kills ({new_ports} restarts on a new port), back in ≤ {slowest:?}; \
         {} commands acknowledged, {unanswered} requests unanswered (in flight at a kill or sent while down)",
        acks.len()
    );
    assert!(unexpected.is_empty(), "answers no retry should get:\n{}", unexpected.join("\n"));
    assert!(unanswered > 0, "the kills cut off commands in flight");

    // A retry after all the crashes still gets the first answer, not a second action.
    for ack in acks.iter().step_by(7) {
        let again = load.command(&ack.token, &ack.path, ack.body.as_ref(), &ack.key).await;
        assert_eq!(again.body["seq"].as_u64(), Some(ack.seq), "a retry of {ack:?} gets its first answer");
    }
    let last_server = server.take().expect("a running server");
    last_server.kill();
    let hall = Arc::into_inner(hall).expect("no restart is running");
    check_the_database(&hall, &acks, &current);
}

/// Kiosks issuing and clerks working at a live hall until stopped.
pub(crate) struct Work {
    pub(crate) load: Load,
    kiosks: Vec<JoinHandle<()>>,
    clerks: Vec<JoinHandle<At>>,
}

impl Work {
    /// Staffs [`COUNTERS`] counters and pairs [`KIOSKS`] kiosks at the
    /// hall, and sets them to work; everything must be done within `limit`.
    pub(crate) async fn start(live: &LiveHall, limit: Duration) -> Self {
        let counters = live.staffed_counters(COUNTERS).await;
        let kiosks = live.pair_many("kiosk", KIOSKS).await;
        let load = Load::new(live.api.clone(), limit);
        let kiosks = kiosks.into_iter().enumerate().map(|(k, token)| tokio::spawn(kiosk(load.clone(), token, k)));
        let clerks = counters.into_iter().zip(1..).map(|(token, c)| tokio::spawn(clerk(load.clone(), token, c)));
        Self { kiosks: kiosks.collect(), clerks: clerks.collect(), load }
    }

    /// Stops the load and waits for the last answers; where each counter
    /// was left.
    pub(crate) async fn stop(self) -> HashMap<u32, At> {
        self.load.stop.store(true, Ordering::SeqCst);
        let mut current = HashMap::new();
        for (task, counter) in self.clerks.into_iter().zip(1u32..) {
            current.insert(counter, task.await.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic())));
        }
        for task in self.kiosks {
            task.await.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        }
        current
    }
}

/// The same database on the same port; if the port was taken meanwhile
/// (by an outgoing connection), any free port, and the clients follow.
fn restart(hall: &Hall, port: u16) -> Server {
    for _ in 0..3 {
        match hall.serve(port, 0) {
            Ok(server) => return server,
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    hall.serve(0, 0).unwrap_or_else(|e| panic!("the server does not come back: {e}"))
}

/// A kiosk's customers, a ticket every few milliseconds, services in turn.
async fn kiosk(load: Load, token: String, index: usize) {
    for i in 0..MAX_TICKETS_PER_KIOSK {
        if load.stopping() {
            return;
        }
        assert!(Instant::now() < load.deadline, "kiosk {index} still issuing at the deadline");
        let body = json!({"service": SERVICES[(index + i) % SERVICES.len()]});
        let key = format!("kiosk{index}-{i}");
        let path = "/api/v1/tickets";
        let answer = load.command(&token, path, Some(&body), &key).await;
        load.record("ticket_issued", &answer, (path, Some(&body)), &token, &key);
        tokio::time::sleep(Duration::from_millis(12)).await;
    }
}

/// Where a counter is, as its clerk knows it from the answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum At {
    Idle,
    Called(Uuid),
    Serving(Uuid),
}

/// A clerk: call next, start, finish, until told to stop. Returns where
/// the counter was left.
async fn clerk(load: Load, token: String, counter: u32) -> At {
    let mut at = At::Idle;
    for n in 0u64.. {
        if load.stopping() {
            break;
        }
        assert!(Instant::now() < load.deadline, "counter {counter} still working at the deadline");
        let key = format!("counter{counter}-{n}");
        let (step, kind) = match at {
            At::Idle => ("call-next", "ticket_called"),
            At::Called(_) => ("start", "service_started"),
            At::Serving(_) => ("finish", "ticket_finished"),
        };
        let path = format!("/api/v1/counters/{counter}/{step}");
        let answer = load.command(&token, &path, None, &key).await;
        if at == At::Idle && answer.status == 409 && answer.code() == "queue_empty" {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        let Some(ticket) = load.record(kind, &answer, (&path, None), &token, &key) else {
            // Recorded as unexpected; the test fails at the end. Stop here.
            break;
        };
        at = match at {
            At::Idle => At::Called(ticket),
            At::Called(t) | At::Serving(t) => {
                assert_eq!(ticket, t, "counter {counter}: {step} answers for its own ticket");
                if matches!(at, At::Called(_)) { At::Serving(t) } else { At::Idle }
            }
        };
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    at
}

/// What must hold on the disk after the last kill.
pub(crate) fn check_the_database(hall: &Hall, acks: &[Ack], current: &HashMap<u32, At>) {
    let (store, hall_id) = open_db(hall);
    let reader = store.reader().expect("a reader");
    reader.check_integrity().expect("the database is sound after every kill");
    let log = read_log(&reader, hall_id);
    let by_seq: HashMap<u64, &EventData> = log.iter().map(|e| (e.seq, &e.data)).collect();

    // Every acknowledged command is in the log: its seq, its kind, its ticket.
    let mut acked_seqs = HashSet::new();
    for ack in acks {
        let e = by_seq.get(&ack.seq).unwrap_or_else(|| panic!("acknowledged {ack:?} is not in the log"));
        assert_eq!((e.kind(), e.subject()), (ack.kind, Some(ack.ticket)), "the event at {} is {ack:?}'s", ack.seq);
        if let EventData::TicketIssued { ticket } = e {
            assert_eq!(ticket.number, ack.number, "the logged ticket has the number the kiosk printed");
        }
        assert!(acked_seqs.insert(ack.seq), "two commands were answered with seq {}", ack.seq);
    }
    // And nothing else happened to a ticket: every command got its one
    // answer in the end, so the log's ticket events are exactly the acks.
    let ticket_events: HashSet<u64> = log
        .iter()
        .filter(|e| matches!(e.data.kind(), "ticket_issued" | "ticket_called" | "service_started" | "ticket_finished"))
        .map(|e| e.seq)
        .collect();
    assert_eq!(ticket_events, acked_seqs, "the log's ticket events are exactly the acknowledged commands");
    let mut called = HashSet::new();
    for e in &log {
        if let EventData::TicketCalled { ticket, .. } = &e.data {
            assert!(called.insert(*ticket), "ticket {ticket} was called twice");
        }
    }

    // Every printed ticket is in the projection, with its number.
    let tickets: HashMap<Uuid, _> = all_tickets(&reader, hall_id, &log).into_iter().map(|t| (t.id, t)).collect();
    let issued: Vec<&Ack> = acks.iter().filter(|a| a.kind == "ticket_issued").collect();
    assert_eq!(tickets.len(), issued.len(), "the tickets are exactly the ones the kiosks were answered with");
    for ack in issued {
        assert_eq!(tickets.get(&ack.ticket).map(|t| t.number.as_str()), Some(ack.number.as_str()));
    }

    // Each counter is where its clerk left it.
    for c in reader.counters(hall_id).expect("counters read").into_iter().filter(|c| c.number <= COUNTERS) {
        let state = c.current.map(|id| tickets[&id].state);
        let expected = match current[&c.number] {
            At::Idle => None,
            At::Called(t) => Some((t, TicketState::Called)),
            At::Serving(t) => Some((t, TicketState::Serving)),
        };
        assert_eq!(c.current.zip(state), expected, "counter {} is where its clerk left it", c.number);
    }
    assert_one_state_per_ticket(&reader, hall_id);

    // The projections are what the log says: a rebuild changes nothing.
    let before = reader.projection_dump(hall_id).expect("a dump");
    drop(reader);
    let replayed = store.rebuild(hall_id).expect("the log replays");
    assert_eq!(replayed, log.len() as u64);
    let after = store.reader().expect("a reader").projection_dump(hall_id).expect("a dump");
    if before != after {
        let differ: Vec<_> = before.iter().zip(&after).filter(|(b, a)| b != a).take(5).collect();
        panic!("the live projections differ from a rebuild ({} vs {} rows): {differ:#?}", before.len(), after.len());
    }
}
