//! What the screens derive from a day's tickets: finding a ticket by id or
//! printed number, the queues in order, a ticket's place and estimated wait,
//! the last calls for the display, and the ticket a rating pad shows.
//!
//! Pure functions over `&[Ticket]`, so they are tested here without a
//! server. They read; deciding who is called next is the domain's routing.

use std::collections::BTreeMap;

use hallq_store::ServiceStatus;
use hallq_store::hallq_core::{Millis, Ticket, TicketRef, TicketState};
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

/// Display order of a queue: priority classes first, then the visit's
/// first issue time (a transferred customer keeps their place).
fn queue_key(t: &Ticket) -> (bool, Millis, Uuid) {
    (!t.is_priority(), t.visit_issued_at, t.id)
}

/// Which queue a waiting ticket is in: its named counter's, else its service's.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum QueueOf<'a> {
    Service(&'a str),
    Counter(u32),
}

fn queue_of(t: &Ticket) -> QueueOf<'_> {
    match t.target_counter {
        Some(c) => QueueOf::Counter(c),
        None => QueueOf::Service(&t.service),
    }
}

/// The waiting tickets, each queue in display order.
#[derive(Debug, Default)]
pub struct Queues<'a> {
    /// Per service code.
    pub services: BTreeMap<String, Vec<&'a Ticket>>,
    /// Per named counter (tickets transferred to it).
    pub counters: BTreeMap<u32, Vec<&'a Ticket>>,
}

/// The waiting tickets per service and per named counter, each in order.
pub fn queues(tickets: &[Ticket]) -> Queues<'_> {
    let mut q = Queues::default();
    for t in tickets.iter().filter(|t| t.state == TicketState::Waiting) {
        match queue_of(t) {
            QueueOf::Counter(c) => q.counters.entry(c).or_default().push(t),
            QueueOf::Service(s) => q.services.entry(s.to_string()).or_default().push(t),
        }
    }
    for line in q.services.values_mut().chain(q.counters.values_mut()) {
        line.sort_by_key(|t| queue_key(t));
    }
    q
}

/// People ahead of a waiting ticket in its queue, in display order. (The
/// counters' routing may still call an overdue ticket or mix priorities
/// differently; this is what the customer is told, not a promise.)
pub fn people_ahead(tickets: &[Ticket], t: &Ticket) -> u32 {
    let me = queue_key(t);
    let n = tickets
        .iter()
        .filter(|o| o.state == TicketState::Waiting && queue_of(o) == queue_of(t) && queue_key(o) < me)
        .count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The wait of `ahead` people in a service's queue now: the service's
/// estimate for its whole queue, scaled. `None` when no open counter serves
/// it, or for a queue the service estimate does not cover.
pub fn estimate(ahead: u32, s: &ServiceStatus) -> Option<Millis> {
    let whole = s.estimated_wait_ms?;
    match (s.waiting, ahead) {
        (_, 0) => Some(0),
        (0, _) => None,
        (n, a) => Some(whole * Millis::from(a) / Millis::from(n)),
    }
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
    use hallq_store::hallq_core::{PriorityClass, Rating, Service};

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
        assert_eq!(people_ahead(&tickets, &tickets[1]), 2, "the priority ticket and A001");
        assert_eq!(people_ahead(&tickets, &tickets[2]), 0);
        assert_eq!(people_ahead(&tickets, &tickets[4]), 0, "other services do not count");
    }

    #[test]
    fn a_ticket_sent_to_a_named_counter_waits_in_that_counters_queue() {
        let mut x = t(2, "B001", "NEW", 0);
        x.target_counter = Some(4);
        let tickets = [t(1, "B002", "NEW", 5), x];
        let q = queues(&tickets);
        assert_eq!(q.services["NEW"].len(), 1);
        assert_eq!(q.counters[&4][0].number, "B001");
        assert_eq!(people_ahead(&tickets, &tickets[0]), 0, "B001 is not in the NEW queue");
    }

    #[test]
    fn the_estimate_scales_the_services_estimate_by_people_ahead() {
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
            open_counters: 1,
            estimated_wait_ms: Some(800_000),
            longest_wait_ms: None,
        };
        assert_eq!(estimate(1, &s), Some(200_000));
        assert_eq!(estimate(0, &s), Some(0));
        let closed = ServiceStatus { estimated_wait_ms: None, ..s };
        assert_eq!(estimate(1, &closed), None);
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
