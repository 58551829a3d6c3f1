//! Timing: the estimated wait told to a new customer.
//!
//! The durations themselves (wait, walk-up, handling, visit) are methods of
//! [`crate::Ticket`]; they are whole milliseconds and never negative.

use crate::Millis;

/// How many recent handling times per service feed the estimate.
pub const RECENT_HANDLING_WINDOW: usize = 20;

/// Estimated wait = people ahead × mean recent handling ÷ open counters.
///
/// `recent` are the latest handling times of the service (the service's
/// target handling stands in when there are none yet). `None` when no open
/// counter serves the service: the honest answer then is "unknown".
pub fn estimate_wait(
    people_ahead: u32,
    recent: &[Millis],
    target_handling: Millis,
    open_counters: u32,
) -> Option<Millis> {
    wait_for(people_ahead, mean_handling(recent, target_handling), open_counters)
}

/// The mean of a service's `recent` handling times; its target handling
/// before it has any.
pub fn mean_handling(recent: &[Millis], target_handling: Millis) -> Millis {
    if recent.is_empty() { target_handling } else { recent.iter().sum::<Millis>() / recent.len() as Millis }
}

/// People ahead × the mean handling ÷ open counters: [`estimate_wait`] once
/// the mean is known (the hall server keeps it per service). `None` without
/// an open counter.
pub fn wait_for(people_ahead: u32, mean_handling: Millis, open_counters: u32) -> Option<Millis> {
    (open_counters > 0).then(|| Millis::from(people_ahead) * mean_handling / Millis::from(open_counters))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimate_divides_work_ahead_among_open_counters() {
        assert_eq!(estimate_wait(6, &[240_000, 360_000], 600_000, 2), Some(900_000));
        assert_eq!(estimate_wait(0, &[240_000], 600_000, 1), Some(0));
    }

    #[test]
    fn estimate_uses_the_target_before_any_history() {
        assert_eq!(estimate_wait(3, &[], 300_000, 1), Some(900_000));
    }

    #[test]
    fn estimate_is_unknown_with_no_open_counter() {
        assert_eq!(estimate_wait(3, &[300_000], 300_000, 0), None);
    }
}
