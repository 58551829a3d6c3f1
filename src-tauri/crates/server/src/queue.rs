//! What the screens derive from a day's tickets: finding a ticket by id or
//! printed number, the queues in order, a ticket's estimated wait,
//! the last calls for the display, and the ticket a rating pad shows.
//!
//! Pure functions over `&[Ticket]`, so they are tested here without a
//! server. They read; the queue order, the people ahead and the estimate are
//! core's (`routing`, `timing`), asked here rather than restated.

use std::collections::BTreeMap;

use hallq_store::HallStatus;
use hallq_store::hallq_core::routing::{self, QueueOf};
use hallq_store::hallq_core::{CounterStatus, Millis, Ticket, TicketRef, TicketState, timing};
use uuid::Uuid;

/// How long after a finish the rating pad still offers that ticket.
pub const RATING_WINDOW_MS: Millis = 15 * 60_000;

/// A ticket named in a path: its id, or today's printed number (`a012` = `A012`).
pub fn ticket_ref(s: &str) -> TicketRef {
    match Uuid::parse_str(s.trim()) {
        Ok(id) => TicketRef::Id(id),
        Err(_) => TicketRef::Number(s.trim().to_ascii_uppercase()),
    }
}

/// The ticket a reference names: by id that leg, by number the visit's latest leg.
pub fn find<'a>(tickets: &'a [Ticket], r: &TicketRef) -> Option<&'a Ticket> {
    match r {
        TicketRef::Id(id) => tickets.iter().find(|t| t.id == *id),
        TicketRef::Number(n) => tickets.iter().filter(|t| t.number == *n).max_by_key(|t| t.leg),
    }
}

/// The waiting tickets, each queue in core's queue order.
#[derive(Debug, Default)]
pub struct Queues<'a> {
    /// Per service code.
    pub services: BTreeMap<String, Vec<&'a Ticket>>,
    /// Per named counter (tickets transferred to it).
    pub counters: BTreeMap<u32, Vec<&'a Ticket>>,
}

/// The waiting tickets per service and per named counter, each in the order
/// [`routing::queue_order`] gives (the one [`routing::people_ahead`] counts in).
pub fn queues(tickets: &[Ticket]) -> Queues<'_> {
    let mut q = Queues::default();
    for t in tickets.iter().filter(|t| t.state == TicketState::Waiting) {
        match routing::queue_of(t) {
            QueueOf::Counter(c) => q.counters.entry(c).or_default().push(t),
            QueueOf::Service(s) => q.services.entry(s.to_string()).or_default().push(t),
        }
    }
    for line in q.services.values_mut().chain(q.counters.values_mut()) {
        line.sort_by_key(|t| routing::queue_order(t));
    }
    q
}

/// The wait of a waiting ticket with `ahead` people before it in its queue:
/// core's estimate ([`timing::wait_for`]) with its service's mean handling
/// time and the counters that serve its queue (the service's open counters,
/// or the one counter it was sent to by name). `None` when none is open.
pub fn estimate(t: &Ticket, ahead: u32, status: &HallStatus) -> Option<Millis> {
    let service = status.services.iter().find(|s| s.service.code == t.service)?;
    let open =
        match routing::queue_of(t) {
            QueueOf::Service(_) => service.open_counters,
            QueueOf::Counter(n) => u32::from(status.counters.iter().any(|c| {
                c.counter.number == n && c.counter.status == CounterStatus::Open && c.counter.staff.is_some()
            })),
        };
    timing::wait_for(ahead, service.mean_handling_ms, open)
}

/// The `n` latest calls (by their latest call or recall), newest first.
pub fn last_calls(tickets: &[Ticket], n: usize) -> Vec<&Ticket> {
    let mut called: Vec<&Ticket> =
        tickets.iter().filter(|t| t.last_called_at.is_some() && t.counter.is_some()).collect();
    called.sort_by_key(|t| std::cmp::Reverse((t.last_called_at, t.id)));
    called.truncate(n);
    called
}

/// The ticket a counter's rating pad offers: the last one finished there,
/// if it is not rated yet and was finished within [`RATING_WINDOW_MS`].
pub fn awaiting_rating(tickets: &[Ticket], counter: u32, now: Millis) -> Option<&Ticket> {
    let last = tickets
        .iter()
        .filter(|t| t.state == TicketState::Done && t.counter == Some(counter))
        .max_by_key(|t| (t.ended_at, t.id))?;
    let recent = last.ended_at.is_some_and(|e| now - e <= RATING_WINDOW_MS);
    (last.rating.is_none() && recent).then_some(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use hallq_store::hallq_core::{Counter, Hall, PriorityClass, Rating, RoutingPolicy, Service};
    use hallq_store::{CounterNow, ServiceStatus};

    fn t(n: u128, number: &str, service: &str, at: Millis) -> Ticket {
        Ticket {
            id: Uuid::from_u128(n),
            visit_id: Uuid::from_u128(n),
            leg: 1,
            number: number.into(),
            service: service.into(),
            priority: PriorityClass::Normal,
            priority_reason: None,
            appointment: None,
            business_day: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
            visit_issued_at: at,
            issued_at: at,
            called_at: None,
            last_called_at: None,
            recalls: 0,
            started_at: None,
            ended_at: None,
            state: TicketState::Waiting,
            resolution: None,
            counter: None,
            staff: None,
            target_counter: None,
            transferred_to: None,
            rating: None,
            rating_reason: None,
            rated_at: None,
            people_ahead: 0,
            estimated_wait_ms: None,
            target_wait_ms: None,
            target_handling_ms: None,
        }
    }

    #[test]
    fn a_path_names_a_ticket_by_id_or_by_number_in_any_case() {
        assert_eq!(ticket_ref(" a012 "), TicketRef::Number("A012".into()));
        let id = Uuid::from_u128(5);
        assert_eq!(ticket_ref(&id.to_string()), TicketRef::Id(id));
        let mut leg2 = t(2, "A001", "ASK", 10);
        leg2.leg = 2;
        let tickets = [t(1, "A001", "PAY", 0), leg2];
        assert_eq!(find(&tickets, &ticket_ref("A001")).unwrap().id, Uuid::from_u128(2), "latest leg");
        assert!(find(&tickets, &ticket_ref("Z999")).is_none());
    }

    /// A waiting ticket's place in the lists the screens show is the number
    /// of people core says are ahead of it.
    fn assert_places_are_peoples_ahead(tickets: &[Ticket]) {
        let q = queues(tickets);
        for line in q.services.values().chain(q.counters.values()) {
            for (place, t) in line.iter().enumerate() {
                assert_eq!(routing::people_ahead(tickets, t) as usize, place, "{}", t.number);
            }
        }
    }

    #[test]
    fn priority_goes_first_then_the_oldest_visit() {
        let mut p = t(3, "A003", "PAY", 30);
        p.priority = PriorityClass::Priority;
        let mut called = t(4, "A004", "PAY", 5);
        called.state = TicketState::Called;
        let tickets = [t(1, "A001", "PAY", 10), t(2, "A002", "PAY", 20), p, called, t(5, "D001", "ASK", 0)];
        let q = queues(&tickets);
        let pay: Vec<&str> = q.services["PAY"].iter().map(|t| t.number.as_str()).collect();
        assert_eq!(pay, ["A003", "A001", "A002"]);
        assert!(q.counters.is_empty());
        assert_eq!(q.services["ASK"].len(), 1, "other services do not count");
        assert_places_are_peoples_ahead(&tickets);
    }

    #[test]
    fn a_ticket_sent_to_a_named_counter_waits_in_that_counters_queue() {
        let mut x = t(2, "B001", "NEW", 0);
        x.target_counter = Some(4);
        let tickets = [t(1, "B002", "NEW", 5), x];
        let q = queues(&tickets);
        assert_eq!(q.services["NEW"].len(), 1);
        assert_eq!(q.counters[&4][0].number, "B001");
        assert_places_are_peoples_ahead(&tickets);
    }

    #[test]
    fn the_estimate_divides_the_work_ahead_among_the_counters_serving_the_queue() {
        let svc = Service {
            code: "PAY".into(),
            prefix: 'A',
            name_zh: "交费".into(),
            name_en: "Pay".into(),
            target_wait_min: 15,
            target_handling_min: 4,
            enabled: true,
        };
        let s = ServiceStatus {
            service: svc,
            waiting: 4,
            open_counters: 2,
            estimated_wait_ms: Some(400_000),
            longest_wait_ms: None,
            mean_handling_ms: 200_000,
        };
        let mut counter = Counter::new(4, "4号窗口", vec!["PAY".into()], RoutingPolicy::default());
        let mut status = HallStatus {
            hall: Hall::new(Uuid::from_u128(9), "H1", "城关"),
            day: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
            services: vec![s],
            counters: vec![CounterNow { counter: counter.clone(), staff_name: None, current: None }],
        };
        let queued = t(1, "A001", "PAY", 0);
        assert_eq!(estimate(&queued, 3, &status), Some(300_000), "3 × 200 s over 2 counters");
        assert_eq!(estimate(&queued, 0, &status), Some(0));
        let mut sent = t(2, "A002", "PAY", 0);
        sent.target_counter = Some(4);
        assert_eq!(estimate(&sent, 1, &status), None, "counter 4 is closed");
        counter.status = CounterStatus::Open;
        counter.staff = Some("0001".into());
        status.counters[0].counter = counter;
        assert_eq!(estimate(&sent, 1, &status), Some(200_000), "only counter 4 serves its queue");
        status.services[0].open_counters = 0;
        assert_eq!(estimate(&queued, 1, &status), None, "no open counter: unknown");
    }

    #[test]
    fn the_display_shows_the_latest_calls_first() {
        let mut a = t(1, "A001", "PAY", 0);
        a.last_called_at = Some(100);
        a.counter = Some(1);
        let mut b = t(2, "A002", "PAY", 0);
        b.last_called_at = Some(300);
        b.counter = Some(2);
        let mut c = t(3, "A003", "PAY", 0);
        c.last_called_at = Some(200);
        c.counter = Some(1);
        let tickets = [a, b, c, t(4, "A004", "PAY", 0)];
        let calls: Vec<&str> = last_calls(&tickets, 2).iter().map(|t| t.number.as_str()).collect();
        assert_eq!(calls, ["A002", "A003"]);
    }

    #[test]
    fn the_rating_pad_offers_the_last_finished_unrated_ticket_for_a_while() {
        let done = |n: u128, end: Millis| {
            let mut x = t(n, &format!("A00{n}"), "PAY", 0);
            x.state = TicketState::Done;
            x.counter = Some(1);
            x.ended_at = Some(end);
            x
        };
        let mut tickets = vec![done(1, 1_000), done(2, 2_000)];
        assert_eq!(awaiting_rating(&tickets, 1, 3_000).unwrap().number, "A002");
        assert!(awaiting_rating(&tickets, 2, 3_000).is_none(), "another counter");
        assert!(awaiting_rating(&tickets, 1, 2_000 + RATING_WINDOW_MS + 1).is_none(), "too late");
        tickets[1].rating = Rating::new(5);
        assert!(awaiting_rating(&tickets, 1, 3_000).is_none(), "rated: not the older one either");
    }
}
