//! What the hall-server tests share: a hall created by `hallq init`, served
//! by a real `hallq serve` and set up through the API as its supervisor
//! would (session, counters, staff and PINs, paired terminals), and the
//! checks run on its database once the server is gone.
//!
//! Everything a test does to the hall goes over HTTP; the database is only
//! opened (through `hallq-store`) to read what the server left behind. A
//! hall's folder can be a small tmpfs of its own ([`Mount`]) for the disk
//! faults.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::future::join_all;
use hallq_e2e::{Api, Hall, Server};
use hallq_store::hallq_core::{EventData, Ticket, TicketState};
use hallq_store::{Reader, Store, StoredEvent};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

/// The admin's (staff 0001) PIN, set by `hallq init`.
pub const ADMIN_PIN: &str = "246810";
/// The PIN every agent gets.
pub const AGENT_PIN: &str = "1357";
/// The services of `hallq init`'s default supply hall, in kiosk order.
pub const SERVICES: [&str; 8] = ["PAY", "NEW", "CHG", "ASK", "MTR", "FLT", "CMP", "DER"];

/// A hall on disk, its running server, an API client and a supervisor session.
pub struct LiveHall {
    /// The `hallq serve` process (killed when dropped, before its database goes).
    pub server: Server,
    /// The database and its temporary directory.
    pub hall: Hall,
    /// A client of that server.
    pub api: Api,
    /// The supervisor session's token (admin 0001).
    pub sup: String,
}

impl LiveHall {
    /// `hallq init` with [`ADMIN_PIN`], `hallq serve` on a free port with the
    /// kiosk flood guard off (load tests issue back to back), and a
    /// supervisor session.
    pub async fn start() -> Self {
        Self::start_with(Hall::new(), |hall| hall.serve(0, 0)).await
    }

    /// [`LiveHall::start`] on a given (not yet initialised) hall, its server
    /// started by `serve` (other flags, another environment).
    pub async fn start_with(hall: Hall, serve: impl FnOnce(&Hall) -> Result<Server, String>) -> Self {
        hall.ok(&["init", "--non-interactive", "--pin", ADMIN_PIN]);
        let server = serve(&hall).unwrap_or_else(|e| panic!("{e}"));
        let api = Api::new(server.base());
        let login = json!({"staff": "0001", "pin": ADMIN_PIN});
        let session = api.send(Method::POST, "/api/v1/session", None, Some(&login)).await.expect(201);
        let sup = session["token"].as_str().expect("a session token").to_string();
        let live = Self { server, hall, api, sup };
        live.keep_the_business_day().await;
        live
    }

    /// Moves the day rollover an hour later when it is less than an hour
    /// away, so that a test never sees its tickets expire at the rollover
    /// (a test that ran at 02:59 in Shanghai would). The business day now
    /// stays the same either way.
    async fn keep_the_business_day(&self) {
        let settings = self.api.get(&self.sup, "/api/v1/settings").await.expect(200);
        let mut hall = settings["hall"].clone();
        let rollover = hall["rollover_hour"].as_u64().expect("a rollover hour");
        // Shanghai has no daylight saving: UTC+8 all year.
        let now_s = SystemTime::now().duration_since(UNIX_EPOCH).expect("a clock after 1970").as_secs();
        let local_minute = (now_s / 60 + 8 * 60) % (24 * 60);
        let minutes_to_rollover = (rollover * 60 + 24 * 60 - local_minute) % (24 * 60);
        assert_eq!(hall["time_zone"], "Asia/Shanghai", "a new hall keeps the default zone");
        if minutes_to_rollover < 60 {
            hall.as_object_mut().expect("the hall is an object").remove("id");
            hall["rollover_hour"] = json!((rollover + 1) % 24);
            self.api.put(&self.sup, "/api/v1/settings/hall", hall).await.expect(200);
        }
    }

    /// Pairs a terminal (role, counter) through a pairing code; its token.
    pub async fn pair(&self, role: &str, counter: Option<u32>) -> String {
        let name = match counter {
            Some(n) => format!("{role} {n}"),
            None => role.to_string(),
        };
        let request = json!({"role": role, "counter": counter, "name": name});
        let code = self.api.post(&self.sup, "/api/v1/pairing-codes", Some(request)).await.expect(201);
        let pair = json!({"code": code["code"]});
        let token = self.api.send(Method::POST, "/api/v1/pair", None, Some(&pair)).await.expect(201);
        token["token"].as_str().expect("a terminal token").to_string()
    }

    /// Pairs `n` terminals of a role without a counter (kiosks, displays).
    pub async fn pair_many(&self, role: &str, n: usize) -> Vec<String> {
        join_all((0..n).map(|_| self.pair(role, None))).await
    }

    /// Counters 1..=`n`, each serving every service (in a rotated order,
    /// policies alternating fifo and ordered) with agent `1000 + i` logged in
    /// with [`AGENT_PIN`] at a paired counter terminal, and open. Returns the
    /// counter terminals' tokens: index `i` is counter `i + 1`.
    pub async fn staffed_counters(&self, n: u32) -> Vec<String> {
        join_all((1..=n).map(|c| self.staffed_counter(c))).await
    }

    async fn staffed_counter(&self, counter: u32) -> String {
        let (api, sup) = (&self.api, self.sup.as_str());
        let shift = counter as usize % SERVICES.len();
        let services: Vec<&str> = SERVICES.iter().cycle().skip(shift).take(SERVICES.len()).copied().collect();
        let order = if counter.is_multiple_of(2) { "fifo" } else { "ordered" };
        let config = json!({
            "name": format!("{counter}号窗口"),
            "services": services,
            "routing": {"order": order, "max_priority_in_row": 2},
        });
        api.put(sup, &format!("/api/v1/settings/counters/{counter}"), config).await.expect(200);
        let staff = staff_number(counter);
        let agent = json!({"name": format!("营业员{counter}"), "role": "agent"});
        api.put(sup, &format!("/api/v1/settings/staff/{staff}"), agent).await.expect(200);
        api.put(sup, &format!("/api/v1/settings/staff/{staff}/pin"), json!({"pin": AGENT_PIN})).await.expect(204);
        let token = self.pair("counter", Some(counter)).await;
        let login = json!({"staff": staff, "pin": AGENT_PIN});
        api.post(&token, &format!("/api/v1/counters/{counter}/login"), Some(login)).await.expect(200);
        api.post(&token, &format!("/api/v1/counters/{counter}/open"), None).await.expect(200);
        token
    }

    /// The seq of the hall's last event, as the server reports it.
    pub async fn last_seq(&self) -> u64 {
        self.api.get(&self.sup, "/api/v1/hall").await.expect(200)["seq"].as_u64().expect("a seq")
    }
}

/// A kiosk's customers: `n` tickets back to back, the services in turn
/// (starting at the kiosk's own), every tenth for an elderly customer so
/// that priority routing runs too. Returns each answer's ticket id, number
/// and service.
pub async fn issue_tickets(api: Api, kiosk: String, index: usize, n: usize) -> Vec<(Uuid, String, String)> {
    let mut issued = Vec::with_capacity(n);
    for i in 0..n {
        let service = SERVICES[(index + i) % SERVICES.len()];
        let body = if i % 10 == 3 {
            json!({"service": service, "priority": "priority", "priority_reason": "elderly"})
        } else {
            json!({"service": service})
        };
        let answer = api.post(&kiosk, "/api/v1/tickets", Some(body)).await.expect(201);
        let (id, number) = answered_ticket(&answer);
        assert_eq!(answer["ticket"]["service"], service, "{answer}");
        issued.push((id, number, service.to_string()));
    }
    issued
}

/// How long an idle counter waits before pressing Call next again.
const IDLE: Duration = Duration::from_millis(20);

/// A clerk at `counter`: call next, start, finish, again and again, until
/// the kiosks are done and the queue is empty. Returns the tickets called,
/// in order.
///
/// # Panics
///
/// On any answer but success or an empty queue, or when still busy at `deadline`.
pub async fn serve_until_empty(
    api: Api,
    token: String,
    counter: u32,
    issuing_done: Arc<AtomicBool>,
    deadline: Instant,
) -> Vec<Uuid> {
    let path = |what: &str| format!("/api/v1/counters/{counter}/{what}");
    let mut called = Vec::new();
    loop {
        assert!(Instant::now() < deadline, "counter {counter} still busy at the deadline");
        // Read before calling: an empty queue after the last ticket was
        // answered is empty for good.
        let done = issuing_done.load(Ordering::SeqCst);
        let answer = api.post(&token, &path("call-next"), None).await;
        if answer.status == 409 && answer.code() == "queue_empty" {
            if done {
                return called;
            }
            tokio::time::sleep(IDLE).await;
            continue;
        }
        let answer = answer.expect(200);
        let (id, _) = answered_ticket(&answer);
        let t = &answer["ticket"];
        assert_eq!((t["counter"].as_u64(), t["state"].as_str()), (Some(u64::from(counter)), Some("called")), "{t}");
        called.push(id);
        let started = api.post(&token, &path("start"), None).await.expect(200);
        assert_eq!(answered_ticket(&started).0, id, "service starts for the ticket just called");
        let finished = api.post(&token, &path("finish"), None).await.expect(200);
        assert_eq!((answered_ticket(&finished).0, finished["ticket"]["state"].as_str()), (id, Some("done")));
    }
}

/// The staff member who works at a counter in these tests.
pub fn staff_number(counter: u32) -> String {
    format!("{}", 1000 + counter)
}

/// The hall's database, opened after (or beside) its server, and the hall's id.
pub fn open_db(hall: &Hall) -> (Store, Uuid) {
    let store = Store::open_existing(hall.db()).expect("the hall database opens");
    let id = store.resolve_hall(None).expect("the database holds one hall").id;
    (store, id)
}

/// The whole event log of a hall, in seq order.
pub fn read_log(reader: &Reader, hall: Uuid) -> Vec<StoredEvent> {
    let mut all: Vec<StoredEvent> = Vec::new();
    loop {
        let after = all.last().map_or(0, |e| e.seq);
        let chunk = reader.events_since(hall, after, 10_000).expect("the log reads");
        if chunk.is_empty() {
            return all;
        }
        all.extend(chunk);
    }
}

/// Every ticket leg of every business day the log issued tickets on.
pub fn all_tickets(reader: &Reader, hall: Uuid, log: &[StoredEvent]) -> Vec<Ticket> {
    let days: BTreeSet<_> = log
        .iter()
        .filter_map(|e| match &e.data {
            EventData::TicketIssued { ticket } => Some(ticket.business_day),
            _ => None,
        })
        .collect();
    days.into_iter().flat_map(|d| reader.tickets_of_day(hall, d).expect("tickets read")).collect()
}

/// The invariants that no load and no crash may break, checked on the
/// database: the log is gapless from 1; each counter's current ticket is
/// called or being served and names that counter; every called or serving
/// ticket is current at exactly its own counter; ticket numbers are unique
/// per service per business day.
pub fn assert_one_state_per_ticket(reader: &Reader, hall: Uuid) {
    let log = read_log(reader, hall);
    let seqs: Vec<u64> = log.iter().map(|e| e.seq).collect();
    let last = reader.last_seq(hall).expect("the last seq reads");
    assert!(seqs.iter().copied().eq(1..=last), "the log is gapless from 1 to {last}");

    let tickets: HashMap<Uuid, Ticket> = all_tickets(reader, hall, &log).into_iter().map(|t| (t.id, t)).collect();
    let mut current_at: HashMap<Uuid, Vec<u32>> = HashMap::new();
    for c in reader.counters(hall).expect("counters read") {
        let Some(id) = c.current else { continue };
        current_at.entry(id).or_default().push(c.number);
        let t = tickets.get(&id).unwrap_or_else(|| panic!("counter {} is at an unknown ticket {id}", c.number));
        assert!(
            matches!(t.state, TicketState::Called | TicketState::Serving),
            "counter {}'s current ticket {} is {:?}",
            c.number,
            t.number,
            t.state
        );
        assert_eq!(
            t.counter,
            Some(c.number),
            "ticket {} is current at counter {} but names another",
            t.number,
            c.number
        );
    }
    for t in tickets.values().filter(|t| matches!(t.state, TicketState::Called | TicketState::Serving)) {
        let at = current_at.get(&t.id).map(Vec::as_slice).unwrap_or_default();
        assert_eq!(
            at,
            [t.counter.expect("a called ticket has a counter")],
            "{} ({:?}) is current at {at:?}",
            t.number,
            t.state
        );
    }
    let mut numbers = HashMap::new();
    for t in tickets.values().filter(|t| t.leg == 1) {
        if let Some(other) = numbers.insert((t.business_day, t.service.clone(), t.number.clone()), t.id) {
            panic!("{} {} was issued twice on {}: {other} and {}", t.service, t.number, t.business_day, t.id);
        }
    }
}

/// The ticket (id and number) inside a command's answer.
pub fn answered_ticket(answer: &Value) -> (Uuid, String) {
    let t = &answer["ticket"];
    let id = t["id"].as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no ticket id in {answer}"));
    (id, t["number"].as_str().unwrap_or_else(|| panic!("no ticket number in {answer}")).to_string())
}

/// A tmpfs of a given size mounted on a folder (a hall's, before `init`),
/// so a test can fill it or make it read-only; unmounted when dropped. The
/// tests run as root.
pub struct Mount(PathBuf);

impl Mount {
    /// Mounts a tmpfs of `size` (`mount`'s syntax: `6m`) on `dir`.
    ///
    /// # Panics
    ///
    /// If it cannot be mounted.
    pub fn tmpfs(dir: &Path, size: &str) -> Self {
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output()
            .expect("run mount");
        assert!(
            out.status.success(),
            "this test needs to mount a small tmpfs (run as root): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self(dir.to_path_buf())
    }

    /// Remounts it with `how` (`ro`, `rw`).
    ///
    /// # Panics
    ///
    /// If the remount fails.
    pub fn remount(&self, how: &str) {
        let out = Command::new("mount").args(["-o", &format!("remount,{how}")]).arg(&self.0).output().expect("mount");
        assert!(out.status.success(), "remount {how}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        // The folder under the mount is empty: remove it, in case its hall
        // was dropped first (a failed test) and could not remove a mount point.
        let _ = std::fs::remove_dir(&self.0);
    }
}
