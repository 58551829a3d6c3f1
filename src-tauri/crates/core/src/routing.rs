//! Call-next routing: which waiting ticket a counter calls.
//!
//! Tiers, in order: priority classes (but at most `max_priority_in_row` in a
//! row while normal tickets wait), then normal tickets already past their
//! service's target wait (oldest first, so nobody starves), then the rest by
//! the counter's order (`fifo`: the oldest across its services; `ordered`:
//! its first service before its second). Tickets transferred to this counter
//! by name count as its first "service". Queues are ordered by the visit's
//! original issue time, so a transferred customer keeps their place.
//!
//! [`pick`] is the fast version over ordered sets; [`pick_reference`] states
//! the rule plainly over a list and is what the property tests compare with.
//!
//! What a customer is told comes from here too: a waiting ticket's queue
//! ([`queue_of`]), its place in the queue's order ([`queue_order`]: priority
//! classes first, then the visit's first issue time) and the people ahead of
//! it ([`people_ahead`]), so the hall server's screens and the estimate given
//! at issue count the same people.

use std::collections::BTreeSet;

use uuid::Uuid;

use crate::Millis;
use crate::counter::{Counter, RoutingOrder};
use crate::ticket::{Ticket, TicketState};

/// Queue order: the visit's first issue time, then the ticket id.
pub(crate) type Key = (Millis, Uuid);

/// The queue a waiting ticket stands in: the counter it was sent to by
/// name, else its service's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum QueueOf<'a> {
    /// A service's queue, by code.
    Service(&'a str),
    /// The queue of one named counter (tickets transferred to it).
    Counter(u32),
}

/// The queue `t` waits in.
pub fn queue_of(t: &Ticket) -> QueueOf<'_> {
    match t.target_counter {
        Some(c) => QueueOf::Counter(c),
        None => QueueOf::Service(&t.service),
    }
}

/// A ticket's place in its queue's order, smallest first: priority classes
/// before normal tickets, then the visit's first issue time (a transferred
/// customer keeps their place), then the id. [`Queue`] keeps this order.
pub fn queue_order(t: &Ticket) -> (bool, Millis, Uuid) {
    (!t.is_priority(), t.visit_issued_at, t.id)
}

/// The waiting tickets ahead of `t` in its queue's order: what the customer
/// is told (a counter may still call an overdue ticket first; see the tiers
/// above). `tickets` may hold any tickets; only the waiting ones of `t`'s
/// queue count.
pub fn people_ahead<'a>(tickets: impl IntoIterator<Item = &'a Ticket>, t: &Ticket) -> u32 {
    let (queue, me) = (queue_of(t), queue_order(t));
    let n = tickets
        .into_iter()
        .filter(|o| o.state == TicketState::Waiting && queue_of(o) == queue && queue_order(o) < me)
        .count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The waiting tickets of one service (or of one named counter).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Queue {
    pub(crate) priority: BTreeSet<Key>,
    pub(crate) normal: BTreeSet<Key>,
}

impl Queue {
    pub(crate) fn insert(&mut self, t: &Ticket) {
        let key = (t.visit_issued_at, t.id);
        if t.is_priority() {
            self.priority.insert(key)
        } else {
            self.normal.insert(key)
        };
    }

    pub(crate) fn remove(&mut self, t: &Ticket) {
        let key = (t.visit_issued_at, t.id);
        self.priority.remove(&key);
        self.normal.remove(&key);
    }

    pub(crate) fn len(&self) -> usize {
        self.priority.len() + self.normal.len()
    }

    /// The people ahead of a new ticket of this class: all of a normal
    /// ticket's queue, only the priority tickets for a priority one (the
    /// count [`people_ahead`] gives once it is in the queue).
    pub(crate) fn ahead_of_new(&self, priority: bool) -> usize {
        if priority { self.priority.len() } else { self.len() }
    }
}

/// One queue a counter draws from, with its rank in the counter's order
/// (0 = tickets transferred to it by name, then its services in order).
pub(crate) struct Source<'a> {
    pub(crate) rank: usize,
    pub(crate) queue: &'a Queue,
    /// The service's target wait; `None` for the named-counter queue, whose
    /// tickets carry different services.
    pub(crate) target_wait: Option<Millis>,
}

/// The fast pick. `ticket` looks up a waiting ticket; `target_wait` gives a
/// service's target wait. Returns the ticket and whether it is priority.
pub(crate) fn pick(
    counter: &Counter,
    sources: &[Source<'_>],
    now: Millis,
    ticket: &dyn Fn(Uuid) -> Option<(Millis, Millis)>,
) -> Option<Uuid> {
    let normal_waiting = sources.iter().any(|s| !s.queue.normal.is_empty());
    let priority_waiting = sources.iter().any(|s| !s.queue.priority.is_empty());
    let mix_blocks =
        matches!(counter.policy.max_priority_in_row, Some(k) if counter.priority_streak >= k) && normal_waiting;

    let best_by_order = |sets: &mut dyn Iterator<Item = (usize, Key)>| -> Option<Key> {
        match counter.policy.order {
            RoutingOrder::Fifo => sets.map(|(_, k)| k).min(),
            RoutingOrder::Ordered => sets.min().map(|(_, k)| k),
        }
    };

    if priority_waiting && !mix_blocks {
        let mut firsts = sources.iter().filter_map(|s| s.queue.priority.first().map(|k| (s.rank, *k)));
        return best_by_order(&mut firsts).map(|k| k.1);
    }

    // Overdue normal tickets: `ticket(id)` gives (issued_at, target_wait).
    let mut overdue: Option<Key> = None;
    for s in sources {
        for key in &s.queue.normal {
            if let Some(tw) = s.target_wait {
                // Later keys have later visits, and a leg is never issued
                // before its visit: nothing further can be overdue.
                if now - key.0 <= tw {
                    break;
                }
            }
            if let Some((issued_at, tw)) = ticket(key.1)
                && now - issued_at > tw
                && overdue.is_none_or(|o| *key < o)
            {
                overdue = Some(*key);
            }
        }
    }
    if let Some(k) = overdue {
        return Some(k.1);
    }
    let mut firsts = sources.iter().filter_map(|s| s.queue.normal.first().map(|k| (s.rank, *k)));
    best_by_order(&mut firsts).map(|k| k.1)
}

/// The routing rule stated plainly: `waiting` are all tickets this counter may
/// call; `target_wait` gives each service's target. Used by tests as the
/// specification of [`pick`].
pub fn pick_reference(
    counter: &Counter,
    waiting: &[&Ticket],
    now: Millis,
    target_wait: &dyn Fn(&str) -> Millis,
) -> Option<Uuid> {
    let rank = |t: &Ticket| -> usize {
        if t.target_counter == Some(counter.number) {
            0
        } else {
            1 + counter.services.iter().position(|s| *s == t.service).unwrap_or(usize::MAX - 1)
        }
    };
    let by_order = |ts: Vec<&&Ticket>| -> Option<Uuid> {
        match counter.policy.order {
            RoutingOrder::Fifo => ts.into_iter().min_by_key(|t| (t.visit_issued_at, t.id)),
            RoutingOrder::Ordered => ts.into_iter().min_by_key(|t| (rank(t), t.visit_issued_at, t.id)),
        }
        .map(|t| t.id)
    };
    let priority: Vec<_> = waiting.iter().filter(|t| t.is_priority()).collect();
    let normal: Vec<_> = waiting.iter().filter(|t| !t.is_priority()).collect();
    let mix_blocks =
        matches!(counter.policy.max_priority_in_row, Some(k) if counter.priority_streak >= k) && !normal.is_empty();
    if !priority.is_empty() && !mix_blocks {
        return by_order(priority);
    }
    let overdue =
        normal.iter().filter(|t| now - t.issued_at > target_wait(&t.service)).min_by_key(|t| (t.visit_issued_at, t.id));
    if let Some(t) = overdue {
        return Some(t.id);
    }
    by_order(normal)
}
