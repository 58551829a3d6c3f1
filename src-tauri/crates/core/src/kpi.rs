//! KPIs over a set of tickets: the numbers a hall is measured by (DESIGN §4).
//!
//! [`KpiAccumulator`] takes one ticket leg at a time ([`TicketFacts`], a
//! compact copy of what the KPIs need) so the store can stream a year of a
//! county's tickets through it without holding them all as [`Ticket`]s.
//!
//! Definitions, so that every report means the same thing:
//! - *issued* counts visits (first legs); *served* counts legs that ended
//!   `done`; no-show and left-without-service (cancelled + expired) rates are
//!   per visit.
//! - A leg is judged by its service's targets in force when it was issued
//!   (recorded with the ticket), not by targets changed later.
//! - Waits are per leg (a transferred customer waits again). The share within
//!   target wait counts, over legs that were called plus legs that ended
//!   uncalled after waiting past the target, those called within the target.
//! - Handling is per leg that was started and ended (done, or transferred
//!   after starting).
//! - Peak queue is the most legs waiting at one instant.
//! - Arrivals per hour = visits ÷ clock hours in which at least one arrived.
//! - Utilisation = handling time ÷ counter open time (given by the caller);
//!   by hour, day or weekday both are counted in the clock hour they
//!   happened ([`KpiAccumulator::push_busy_apart`]).
//! - Satisfaction = (非常满意 + 满意) ÷ rated; coverage = rated ÷ served.

use std::collections::BTreeMap;

use rustc_hash::FxHashSet;

use serde::{Deserialize, Serialize};

use crate::Millis;
use crate::service::Service;
use crate::ticket::{LowScoreReason, Ticket, TicketState};

/// What the KPIs need of one ticket leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketFacts {
    /// 1 for the visit's first leg.
    pub leg: u16,
    /// Final or current state.
    pub state: TicketState,
    /// When the leg entered its queue.
    pub issued_at: Millis,
    /// First call.
    pub called_at: Option<Millis>,
    /// Service start.
    pub started_at: Option<Millis>,
    /// When it reached its final state.
    pub ended_at: Option<Millis>,
    /// The service's target wait.
    pub target_wait_ms: Millis,
    /// The service's target handling.
    pub target_handling_ms: Millis,
    /// Rating level 1..=5.
    pub rating: Option<u8>,
    /// Low-score reason.
    pub reason: Option<LowScoreReason>,
}

impl TicketFacts {
    /// The facts of a ticket of a service: judged by the targets recorded
    /// with it at issue, or the service's own for a leg without them.
    pub fn of(t: &Ticket, service: &Service) -> Self {
        Self {
            leg: t.leg,
            state: t.state,
            issued_at: t.issued_at,
            called_at: t.called_at,
            started_at: t.started_at,
            ended_at: t.ended_at,
            target_wait_ms: t.target_wait_ms.unwrap_or_else(|| service.target_wait_ms()),
            target_handling_ms: t.target_handling_ms.unwrap_or_else(|| service.target_handling_ms()),
            rating: t.rating.map(|r| r.level()),
            reason: t.rating_reason,
        }
    }
}

/// The KPIs of a set of tickets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = KpisDto))]
pub struct Kpis {
    /// Visits (first legs).
    pub issued: u64,
    /// Legs (visits plus transfers).
    pub legs: u64,
    /// Legs served to the end.
    pub served: u64,
    /// Visits that ended as no-shows.
    pub no_show: u64,
    /// Visits withdrawn while waiting.
    pub cancelled: u64,
    /// Visits still open at day end.
    pub expired: u64,
    /// Legs handed on to another service or counter.
    pub transferred: u64,
    /// Legs still open (only for ranges that include today).
    pub open: u64,
    /// no_show ÷ issued.
    pub no_show_rate: Option<f64>,
    /// (cancelled + expired) ÷ issued.
    pub left_without_service_rate: Option<f64>,
    /// Mean wait, ms.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub wait_mean_ms: Option<Millis>,
    /// Median wait, ms.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub wait_p50_ms: Option<Millis>,
    /// 90th percentile wait, ms.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub wait_p90_ms: Option<Millis>,
    /// Longest wait, ms.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub wait_max_ms: Option<Millis>,
    /// Share of legs called within the target wait.
    pub within_target_wait: Option<f64>,
    /// Mean handling, ms.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub handling_mean_ms: Option<Millis>,
    /// Median handling, ms.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub handling_p50_ms: Option<Millis>,
    /// 90th percentile handling, ms.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub handling_p90_ms: Option<Millis>,
    /// Share of handled legs within the target handling.
    pub within_target_handling: Option<f64>,
    /// Most legs waiting at one instant.
    pub peak_queue: u64,
    /// Visits per clock hour with arrivals.
    pub arrivals_per_hour: Option<f64>,
    /// Handling time ÷ counter open time.
    pub utilisation: Option<f64>,
    /// Rated legs.
    pub rated: u64,
    /// rated ÷ served.
    pub rating_coverage: Option<f64>,
    /// (非常满意 + 满意) ÷ rated.
    pub satisfaction: Option<f64>,
    /// Ratings per level, index 0 = level 1 (非常不满意) … 4 = level 5.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<u64>))]
    pub ratings_by_level: [u64; 5],
    /// Low-score reasons and how often each was given.
    pub low_score_reasons: BTreeMap<String, u64>,
}

/// Streams ticket legs into [`Kpis`].
#[derive(Debug, Clone, Default)]
pub struct KpiAccumulator {
    k: Kpis,
    /// Each called leg's wait, ms (4 bytes: a county-year holds ten
    /// million; a wait past 49 days would be counted as 49 days).
    waits: Vec<u32>,
    wait_judged: u64,
    wait_within: u64,
    /// Each handled leg's handling time, ms, likewise.
    handlings: Vec<u32>,
    handling_within: u64,
    /// When legs joined a queue, and when they left it (first call, or
    /// their end uncalled): the queue length at any instant is the joins
    /// so far minus the leaves so far.
    joins: Vec<Millis>,
    leaves: Vec<Millis>,
    /// (Fx-hashed: a year of a province's KPI parts inserts some ten
    /// million, where SipHash's flood resistance buys nothing.)
    arrival_hours: FxHashSet<i64>,
    /// The hour last inserted: visits come nearly in time order, so most
    /// inserts are the same hour again and can be skipped.
    last_hour: Option<i64>,
    open_ms: Millis,
    /// Handling time credited to utilisation: every pushed leg's, or, for
    /// legs pushed with [`KpiAccumulator::push_busy_apart`], what the
    /// caller adds by clock hour.
    busy_ms: Millis,
}

const HOUR_MS: Millis = 3_600_000;

impl KpiAccumulator {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one ticket leg.
    pub fn push(&mut self, t: &TicketFacts) {
        self.push_leg(t, true);
    }

    /// Adds one ticket leg whose handling time the caller credits to
    /// utilisation itself with [`KpiAccumulator::add_busy_ms`] — cut at
    /// clock hours, so that an hour's utilisation is the handling done in
    /// that hour over the counters' open time in that hour (the leg's other
    /// figures stay with the group it was pushed to, e.g. its issue hour).
    pub fn push_busy_apart(&mut self, t: &TicketFacts) {
        self.push_leg(t, false);
    }

    fn push_leg(&mut self, t: &TicketFacts, busy: bool) {
        let k = &mut self.k;
        k.legs += 1;
        if t.leg == 1 {
            k.issued += 1;
            let hour = t.issued_at.div_euclid(HOUR_MS);
            if self.last_hour != Some(hour) {
                self.arrival_hours.insert(hour);
                self.last_hour = Some(hour);
            }
        }
        match t.state {
            TicketState::Done => k.served += 1,
            TicketState::NoShow => k.no_show += 1,
            TicketState::Cancelled => k.cancelled += 1,
            TicketState::Expired => k.expired += 1,
            TicketState::Transferred => k.transferred += 1,
            TicketState::Waiting | TicketState::Called | TicketState::Serving => k.open += 1,
        }
        match t.called_at {
            Some(c) => {
                let w = (c - t.issued_at).max(0);
                self.waits.push(span(w));
                self.wait_judged += 1;
                if w <= t.target_wait_ms {
                    self.wait_within += 1;
                }
            }
            None => {
                if let Some(e) = t.ended_at
                    && e - t.issued_at > t.target_wait_ms
                {
                    self.wait_judged += 1;
                }
            }
        }
        if let (Some(s), Some(e)) = (t.started_at, t.ended_at) {
            let h = (e - s).max(0);
            if busy {
                self.busy_ms += h;
            }
            self.handlings.push(span(h));
            if h <= t.target_handling_ms {
                self.handling_within += 1;
            }
        }
        // The leg leaves the queue at its first call, or when it ended uncalled.
        self.joins.push(t.issued_at);
        if let Some(out) = t.called_at.or(t.ended_at) {
            self.leaves.push(out.max(t.issued_at));
        }
        if let Some(r) = t.rating.filter(|r| (1..=5).contains(r)) {
            k.rated += 1;
            k.ratings_by_level[usize::from(r - 1)] += 1;
            if let Some(reason) = t.reason {
                *k.low_score_reasons.entry(reason.as_str().to_string()).or_default() += 1;
            }
        }
    }

    /// Adds everything another accumulator collected (e.g. another hall's
    /// tickets, counted on another thread).
    pub fn merge(&mut self, other: KpiAccumulator) {
        let (a, b) = (&mut self.k, other.k);
        a.issued += b.issued;
        a.legs += b.legs;
        a.served += b.served;
        a.no_show += b.no_show;
        a.cancelled += b.cancelled;
        a.expired += b.expired;
        a.transferred += b.transferred;
        a.open += b.open;
        a.rated += b.rated;
        for (x, y) in a.ratings_by_level.iter_mut().zip(b.ratings_by_level) {
            *x += y;
        }
        for (reason, n) in b.low_score_reasons {
            *a.low_score_reasons.entry(reason).or_default() += n;
        }
        // Nothing depends on the order of these: move the larger side
        // instead of copying it (merging a year of one thread into another).
        append(&mut self.waits, other.waits);
        self.wait_judged += other.wait_judged;
        self.wait_within += other.wait_within;
        append(&mut self.handlings, other.handlings);
        self.handling_within += other.handling_within;
        append(&mut self.joins, other.joins);
        append(&mut self.leaves, other.leaves);
        if self.arrival_hours.len() < other.arrival_hours.len() {
            let mine = std::mem::replace(&mut self.arrival_hours, other.arrival_hours);
            self.arrival_hours.extend(mine);
        } else {
            self.arrival_hours.extend(other.arrival_hours);
        }
        self.open_ms += other.open_ms;
        self.busy_ms += other.busy_ms;
    }

    /// Adds counter open time (for utilisation).
    pub fn add_open_ms(&mut self, ms: Millis) {
        self.open_ms += ms.max(0);
    }

    /// Adds handling time done in this group's span (for utilisation), of a
    /// leg pushed with [`KpiAccumulator::push_busy_apart`].
    pub fn add_busy_ms(&mut self, ms: Millis) {
        self.busy_ms += ms.max(0);
    }

    /// The KPIs of everything pushed.
    pub fn finish(mut self) -> Kpis {
        let mut k = self.k;
        let ratio = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
        k.no_show_rate = ratio(k.no_show, k.issued);
        k.left_without_service_rate = ratio(k.cancelled + k.expired, k.issued);
        // Percentiles by selection, not a full sort: a county-year holds a
        // million waits.
        k.wait_mean_ms = mean(&self.waits);
        k.wait_p50_ms = select_percentile(&mut self.waits, 0.5);
        k.wait_p90_ms = select_percentile(&mut self.waits, 0.9);
        k.wait_max_ms = self.waits.iter().max().map(|w| Millis::from(*w));
        k.within_target_wait = ratio(self.wait_within, self.wait_judged);
        k.handling_mean_ms = mean(&self.handlings);
        k.handling_p50_ms = select_percentile(&mut self.handlings, 0.5);
        k.handling_p90_ms = select_percentile(&mut self.handlings, 0.9);
        k.within_target_handling = ratio(self.handling_within, self.handlings.len() as u64);
        // Joins and leaves arrive in time order per hall, but a group that
        // spans halls (the total, a service, an hour) holds a run per hall.
        // At equal instants leaves count first, so a call and an issue at
        // the same millisecond never add up.
        sort_instants(&mut self.joins);
        sort_instants(&mut self.leaves);
        // (A leg called the instant it was issued leaves "before" it joins:
        // the length dips below zero for that instant and is back at once.)
        let (mut len, mut out) = (0i64, 0usize);
        for &join in &self.joins {
            while out < self.leaves.len() && self.leaves[out] <= join {
                out += 1;
                len -= 1;
            }
            len += 1;
            k.peak_queue = k.peak_queue.max(u64::try_from(len).unwrap_or(0));
        }
        k.arrivals_per_hour = ratio(k.issued, self.arrival_hours.len() as u64);
        k.utilisation = (self.open_ms > 0).then(|| self.busy_ms as f64 / self.open_ms as f64);
        k.rating_coverage = ratio(k.rated, k.served);
        k.satisfaction = ratio(k.ratings_by_level[3] + k.ratings_by_level[4], k.rated);
        k
    }
}

/// A [`KpiAccumulator`]'s state as bytes ([`KpiAccumulator::to_part`]):
/// what a centre keeps per hall, business day and service so that a report
/// merges a few hundred thousand parts instead of feeding twelve million
/// legs. Nothing is lost: every wait and handling to the millisecond, every
/// join and leave of the queue to the millisecond, every arrival hour — the
/// KPIs of merged parts are those of feeding their legs.
///
/// Layout, little-endian: the version byte [`PART_VERSION`]; the counts
/// (issued, legs, served, no-show, cancelled, expired, transferred, open,
/// rated, the five rating levels, judged and within-target waits,
/// within-target handlings) as u64; open and busy ms as i64; the low-score
/// reasons (u32 count, then each as a u8 length, its UTF-8, a u64); the
/// arrival hours (u32 count, i64 each); the waits and the handlings (u32
/// count, u32 ms each); the joins and the leaves (u32 count each), a base
/// instant (i64) and a width byte (4 or 8), then every join and every leave
/// as its offset from the base in that many bytes (4 whenever they fit: a
/// part is one business day).
pub const PART_VERSION: u8 = 1;

/// Bytes that are not a [`KpiAccumulator::to_part`]'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadPart(&'static str);

impl std::fmt::Display for BadPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not a KPI part: {}", self.0)
    }
}

impl std::error::Error for BadPart {}

impl KpiAccumulator {
    /// Its state as bytes (see [`PART_VERSION`] for the layout), merged back
    /// by [`KpiAccumulator::merge_part`].
    pub fn to_part(&self) -> Vec<u8> {
        let k = &self.k;
        let mut out = Vec::with_capacity(
            200 + 4 * (self.waits.len() + self.handlings.len() + self.joins.len() + self.leaves.len()),
        );
        out.push(PART_VERSION);
        let counts = [
            k.issued,
            k.legs,
            k.served,
            k.no_show,
            k.cancelled,
            k.expired,
            k.transferred,
            k.open,
            k.rated,
            k.ratings_by_level[0],
            k.ratings_by_level[1],
            k.ratings_by_level[2],
            k.ratings_by_level[3],
            k.ratings_by_level[4],
            self.wait_judged,
            self.wait_within,
            self.handling_within,
        ];
        for n in counts {
            out.extend(n.to_le_bytes());
        }
        out.extend(self.open_ms.to_le_bytes());
        out.extend(self.busy_ms.to_le_bytes());
        out.extend((k.low_score_reasons.len() as u32).to_le_bytes());
        for (reason, n) in &k.low_score_reasons {
            let bytes = &reason.as_bytes()[..reason.len().min(255)];
            out.push(bytes.len() as u8);
            out.extend(bytes);
            out.extend(n.to_le_bytes());
        }
        let mut hours: Vec<i64> = self.arrival_hours.iter().copied().collect();
        hours.sort_unstable();
        out.extend((hours.len() as u32).to_le_bytes());
        hours.iter().for_each(|h| out.extend(h.to_le_bytes()));
        for spans in [&self.waits, &self.handlings] {
            out.extend((spans.len() as u32).to_le_bytes());
            spans.iter().for_each(|w| out.extend(w.to_le_bytes()));
        }
        out.extend((self.joins.len() as u32).to_le_bytes());
        out.extend((self.leaves.len() as u32).to_le_bytes());
        let instants = || self.joins.iter().chain(&self.leaves).copied();
        let base = instants().min().unwrap_or(0);
        let narrow = instants().all(|t| u32::try_from(t.wrapping_sub(base) as u64).is_ok());
        out.extend(base.to_le_bytes());
        out.push(if narrow { 4 } else { 8 });
        for t in instants() {
            let offset = t.wrapping_sub(base) as u64;
            if narrow {
                out.extend((offset as u32).to_le_bytes());
            } else {
                out.extend(offset.to_le_bytes());
            }
        }
        out
    }

    /// Adds the state of a [`KpiAccumulator::to_part`] (as
    /// [`KpiAccumulator::merge`] adds an accumulator's); refuses bytes that
    /// are not one, leaving the accumulator unchanged.
    pub fn merge_part(&mut self, bytes: &[u8]) -> Result<(), BadPart> {
        let mut part = Self::default();
        // Decoding into empty vectors then appending would copy every
        // span twice: the part is read straight into this accumulator's
        // vectors, and cut back if the bytes turn out short.
        let lens = (self.waits.len(), self.handlings.len(), self.joins.len(), self.leaves.len());
        let hours = match self.read_part(&mut part, bytes) {
            Ok(hours) => hours,
            Err(e) => {
                self.waits.truncate(lens.0);
                self.handlings.truncate(lens.1);
                self.joins.truncate(lens.2);
                self.leaves.truncate(lens.3);
                return Err(e);
            }
        };
        self.arrival_hours.extend(hours.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap_or_default())));
        self.merge(part);
        Ok(())
    }

    /// Reads `bytes` into `part` (counts, reasons, open and busy time),
    /// appends its spans and instants to `self`'s vectors, and answers its
    /// arrival hours' bytes.
    fn read_part<'a>(&mut self, part: &mut Self, bytes: &'a [u8]) -> Result<&'a [u8], BadPart> {
        let mut r = PartReader(bytes);
        if r.take(1)? != [PART_VERSION] {
            return Err(BadPart("unknown version"));
        }
        let k = &mut part.k;
        for n in [
            &mut k.issued,
            &mut k.legs,
            &mut k.served,
            &mut k.no_show,
            &mut k.cancelled,
            &mut k.expired,
            &mut k.transferred,
            &mut k.open,
            &mut k.rated,
        ] {
            *n = r.u64()?;
        }
        for n in &mut k.ratings_by_level {
            *n = r.u64()?;
        }
        (part.wait_judged, part.wait_within, part.handling_within) = (r.u64()?, r.u64()?, r.u64()?);
        (part.open_ms, part.busy_ms) = (r.u64()? as Millis, r.u64()? as Millis);
        for _ in 0..r.u32()? {
            let len = r.take(1)?[0];
            let reason =
                std::str::from_utf8(r.take(usize::from(len))?).map_err(|_| BadPart("a reason is not UTF-8"))?;
            k.low_score_reasons.insert(reason.to_string(), r.u64()?);
        }
        let hours = r.u32()? as usize;
        let hours = r.take(hours * 8)?;
        for spans in [&mut self.waits, &mut self.handlings] {
            let n = r.u32()? as usize;
            spans.extend(r.take(n * 4)?.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])));
        }
        let (joins, leaves) = (r.u32()? as usize, r.u32()? as usize);
        let base = r.u64()? as Millis;
        let width = usize::from(r.take(1)?[0]);
        if width != 4 && width != 8 {
            return Err(BadPart("an instant's width is neither 4 nor 8"));
        }
        for (instants, n) in [(&mut self.joins, joins), (&mut self.leaves, leaves)] {
            let bytes = r.take(n * width)?;
            if width == 4 {
                let offset = |c: &[u8]| Millis::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
                instants.extend(bytes.chunks_exact(4).map(|c| base.wrapping_add(offset(c))));
            } else {
                let offset = |c: &[u8]| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as Millis;
                instants.extend(bytes.chunks_exact(8).map(|c| base.wrapping_add(offset(c))));
            }
        }
        if !r.0.is_empty() {
            return Err(BadPart("bytes after the instants"));
        }
        Ok(hours)
    }
}

/// Reads a part's fields in order.
struct PartReader<'a>(&'a [u8]);

impl<'a> PartReader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], BadPart> {
        if self.0.len() < n {
            return Err(BadPart("too short"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, BadPart> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64, BadPart> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
    }
}

/// `a` gets `b`'s items; the longer of the two is kept, the shorter copied.
fn append<T>(a: &mut Vec<T>, mut b: Vec<T>) {
    if a.len() < b.len() {
        std::mem::swap(a, &mut b);
    }
    a.extend(b);
}

/// Sorts instants (a group's joins or leaves, up to tens of millions):
/// nothing to do when they already are in order (one hall's joins);
/// otherwise one pass spreads them over time buckets of about
/// [`PER_BUCKET`] instants each and each bucket is sorted on its own, in
/// cache. Half the time of an LSD radix sort on ten million instants,
/// which streams the whole array through memory once per byte of key.
fn sort_instants(v: &mut Vec<Millis>) {
    if v.is_sorted() {
        return;
    }
    let (lo, hi) = v.iter().fold((Millis::MAX, Millis::MIN), |(lo, hi), &t| (lo.min(t), hi.max(t)));
    // Offsets from `lo`, as u64: `hi - lo` may not fit an i64.
    let offset = |t: Millis| t.wrapping_sub(lo) as u64;
    let wanted = (v.len() / PER_BUCKET).max(1) as u64;
    let shift = (u64::BITS - (offset(hi) / wanted).leading_zeros()).min(63);
    let buckets = usize::try_from(offset(hi) >> shift).unwrap_or(usize::MAX - 1) + 1;
    // starts[b] = where bucket b begins in the sorted order.
    let mut starts = vec![0usize; buckets + 1];
    for &t in v.iter() {
        starts[(offset(t) >> shift) as usize + 1] += 1;
    }
    for b in 1..=buckets {
        starts[b] += starts[b - 1];
    }
    let mut next = starts.clone();
    let mut out = vec![0; v.len()];
    for &t in v.iter() {
        let b = (offset(t) >> shift) as usize;
        out[next[b]] = t;
        next[b] += 1;
    }
    for w in starts.windows(2) {
        out[w[0]..w[1]].sort_unstable();
    }
    *v = out;
}

/// About how many instants [`sort_instants`] puts in a bucket (measured:
/// 64 to 256 sort ten million instants equally fast).
const PER_BUCKET: usize = 128;

/// A non-negative duration as kept for percentiles (saturated at ~49 days).
fn span(ms: Millis) -> u32 {
    u32::try_from(ms.max(0)).unwrap_or(u32::MAX)
}

fn mean(v: &[u32]) -> Option<Millis> {
    (!v.is_empty())
        .then(|| Millis::try_from(v.iter().map(|x| u64::from(*x)).sum::<u64>() / v.len() as u64).unwrap_or(Millis::MAX))
}

/// Nearest-rank percentile of an unsorted slice (reordered in place).
fn select_percentile(v: &mut [u32], p: f64) -> Option<Millis> {
    if v.is_empty() {
        return None;
    }
    let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
    Some(Millis::from(*v.select_nth_unstable(rank - 1).1))
}

/// Nearest-rank percentile of a sorted slice.
pub fn percentile(sorted: &[Millis], p: f64) -> Option<Millis> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: Millis = 60_000;

    fn leg(
        state: TicketState,
        issued: Millis,
        called: Option<Millis>,
        started: Option<Millis>,
        ended: Option<Millis>,
    ) -> TicketFacts {
        TicketFacts {
            leg: 1,
            state,
            issued_at: issued,
            called_at: called,
            started_at: started,
            ended_at: ended,
            target_wait_ms: 15 * M,
            target_handling_ms: 10 * M,
            rating: None,
            reason: None,
        }
    }

    proptest::proptest! {
        /// Instants near each other, far apart, negative, at the ends of
        /// the range, sorted runs or not: sorted as `sort_unstable` does.
        #[test]
        fn instants_sort_like_the_standard_sort(
            runs in proptest::collection::vec(
                (proptest::prop_oneof![
                    proptest::num::i64::ANY,
                    1_700_000_000_000i64..1_800_000_000_000,
                    -5i64..5,
                ], proptest::collection::vec(0i64..100_000, 0..300), proptest::bool::ANY),
                0..6,
            )
        ) {
            let mut v: Vec<Millis> = Vec::new();
            for (start, steps, ascending) in runs {
                let mut t = start;
                for step in steps {
                    t = if ascending { t.saturating_add(step) } else { t.saturating_sub(step * 7 % 1_000) };
                    v.push(t);
                }
            }
            let mut expected = v.clone();
            expected.sort_unstable();
            sort_instants(&mut v);
            proptest::prop_assert_eq!(v, expected);
        }
    }

    #[test]
    fn instants_sort_at_the_extremes() {
        for mut v in [
            vec![],
            vec![3],
            vec![Millis::MAX, Millis::MIN, 0, Millis::MAX, Millis::MIN],
            vec![7; 1000],
            (0..1000).rev().collect(),
        ] {
            let mut expected = v.clone();
            expected.sort_unstable();
            sort_instants(&mut v);
            assert_eq!(v, expected);
        }
    }

    #[test]
    fn selected_percentiles_equal_sorted_ones() {
        let mut v: Vec<u32> = (0..1000).map(|i| (i * 7919) % 1009).collect();
        let mut sorted: Vec<Millis> = v.iter().map(|x| Millis::from(*x)).collect();
        sorted.sort_unstable();
        for p in [0.1, 0.5, 0.9, 0.99, 1.0] {
            assert_eq!(select_percentile(&mut v, p), percentile(&sorted, p), "p = {p}");
        }
        assert_eq!(select_percentile(&mut [], 0.5), None);
    }

    #[test]
    fn a_leg_called_as_another_arrives_does_not_raise_the_peak() {
        let mut acc = KpiAccumulator::new();
        acc.push(&leg(TicketState::Done, 0, Some(5 * M), Some(5 * M), Some(9 * M)));
        acc.push(&leg(TicketState::Done, 5 * M, Some(6 * M), Some(9 * M), Some(12 * M)));
        acc.push(&leg(TicketState::Waiting, 7 * M, None, None, None));
        acc.push(&leg(TicketState::Waiting, 8 * M, None, None, None));
        // Called the instant it was issued: never in the queue.
        acc.push(&leg(TicketState::Done, 8 * M, Some(8 * M), Some(8 * M), Some(10 * M)));
        // 0–5: 1; at 5 one leaves as one joins: 1; 7: 1; 8: 2.
        assert_eq!(acc.finish().peak_queue, 2);
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<Millis> = (1..=10).collect();
        assert_eq!(percentile(&v, 0.5), Some(5));
        assert_eq!(percentile(&v, 0.9), Some(9));
        assert_eq!(percentile(&v, 1.0), Some(10));
        assert_eq!(percentile(&[7], 0.9), Some(7));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn a_small_day_computed_by_hand() {
        let mut acc = KpiAccumulator::new();
        // Served: waits 5 and 20 minutes, handling 8 and 12 minutes.
        let mut a = leg(TicketState::Done, 0, Some(5 * M), Some(6 * M), Some(14 * M));
        a.rating = Some(5);
        let mut b = leg(TicketState::Done, M, Some(21 * M), Some(22 * M), Some(34 * M));
        b.rating = Some(2);
        b.reason = Some(LowScoreReason::Efficiency);
        acc.push(&a);
        acc.push(&b);
        // A no-show called after 10 minutes.
        acc.push(&leg(TicketState::NoShow, 2 * M, Some(12 * M), None, Some(13 * M)));
        // Cancelled after 30 minutes uncalled: counts against the wait target.
        acc.push(&leg(TicketState::Cancelled, 3 * M, None, None, Some(33 * M)));
        // Expired after 2 minutes uncalled: not judged.
        acc.push(&leg(TicketState::Expired, 4 * M, None, None, Some(6 * M)));
        acc.add_open_ms(40 * M);
        let k = acc.finish();
        assert_eq!((k.issued, k.served, k.no_show, k.cancelled, k.expired), (5, 2, 1, 1, 1));
        assert_eq!(k.no_show_rate, Some(0.2));
        assert_eq!(k.left_without_service_rate, Some(0.4));
        assert_eq!(k.wait_mean_ms, Some((5 + 20 + 10) * M / 3));
        assert_eq!(k.wait_p50_ms, Some(10 * M));
        assert_eq!(k.wait_p90_ms, Some(20 * M));
        assert_eq!(k.wait_max_ms, Some(20 * M));
        // Judged: 3 called (2 within 15 min) + 1 cancelled past target.
        assert_eq!(k.within_target_wait, Some(0.5));
        assert_eq!(k.handling_mean_ms, Some(10 * M));
        // Nearest rank of 8 and 12: the 1st of 2 is the median, the 2nd the 90th.
        assert_eq!((k.handling_p50_ms, k.handling_p90_ms), (Some(8 * M), Some(12 * M)));
        assert_eq!(k.within_target_handling, Some(0.5));
        assert_eq!(k.utilisation, Some(0.5));
        // At minute 4 all five legs wait.
        assert_eq!(k.peak_queue, 5);
        assert_eq!(k.arrivals_per_hour, Some(5.0));
        assert_eq!((k.rated, k.rating_coverage, k.satisfaction), (2, Some(1.0), Some(0.5)));
        assert_eq!(k.ratings_by_level, [0, 1, 0, 0, 1]);
        assert_eq!(k.low_score_reasons.get("efficiency"), Some(&1));
    }

    #[test]
    fn merging_two_halves_gives_the_kpis_of_the_whole() {
        let legs: Vec<TicketFacts> = (0..40)
            .map(|i| {
                let mut t = leg(
                    TicketState::Done,
                    i * M,
                    Some(i * M + (i % 7) * 4 * M),
                    Some((i + 30) * M),
                    Some((i + 30 + i % 5 * 3) * M),
                );
                t.rating = Some((i % 5 + 1) as u8);
                t.reason = (i % 5 < 2).then_some(LowScoreReason::Procedure);
                t
            })
            .collect();
        let mut whole = KpiAccumulator::new();
        let (mut a, mut b) = (KpiAccumulator::new(), KpiAccumulator::new());
        for (i, t) in legs.iter().enumerate() {
            whole.push(t);
            if i % 3 == 0 { a.push(t) } else { b.push(t) }
        }
        whole.add_open_ms(100 * M);
        a.add_open_ms(60 * M);
        b.add_open_ms(40 * M);
        a.merge(b);
        assert_eq!(a.finish(), whole.finish());
    }

    #[test]
    fn parts_merged_give_the_kpis_of_their_legs() {
        let legs: Vec<TicketFacts> = (0..60)
            .map(|i| {
                let state = [TicketState::Done, TicketState::NoShow, TicketState::Cancelled, TicketState::Waiting]
                    [(i % 4) as usize];
                let called = (i % 4 < 2).then_some(i * M + (i % 7) * 4 * M + i);
                let mut t = leg(state, i * M + 17, called, called.map(|c| c + 3), called.map(|c| c + (i % 5) * M));
                t.leg = 1 + (i % 3 == 0) as u16;
                t.rating = (i % 4 == 0).then_some((i % 5 + 1) as u8);
                t.reason = (i % 8 == 0).then_some(LowScoreReason::Procedure);
                t
            })
            .collect();
        let mut whole = KpiAccumulator::new();
        let mut thirds = [KpiAccumulator::new(), KpiAccumulator::new(), KpiAccumulator::new()];
        for (i, t) in legs.iter().enumerate() {
            whole.push(t);
            thirds[i % 3].push(t);
        }
        whole.add_open_ms(100 * M);
        thirds[1].add_open_ms(100 * M);
        // A part whose instants lie years apart keeps them in 8 bytes.
        let far = leg(TicketState::Done, -(60 * 24 * 400 * M), Some(5 * M), None, None);
        whole.push(&far);
        thirds[2].push(&far);
        let mut merged = KpiAccumulator::new();
        for part in &thirds {
            merged.merge_part(&part.to_part()).expect("a part");
        }
        assert_eq!(merged.finish(), whole.finish());
    }

    #[test]
    fn bytes_that_are_not_a_part_are_refused_and_change_nothing() {
        let mut acc = KpiAccumulator::new();
        acc.push(&leg(TicketState::Done, 0, Some(5 * M), Some(6 * M), Some(9 * M)));
        let part = acc.to_part();
        let before = acc.clone().finish();
        for bad in [&part[..part.len() - 1], &[], &[9, 0, 0]] {
            assert!(acc.merge_part(bad).is_err());
        }
        let mut longer = part.clone();
        longer.push(0);
        assert_eq!(acc.merge_part(&longer), Err(BadPart("bytes after the instants")));
        assert_eq!(acc.clone().finish(), before);
        acc.merge_part(&part).expect("a part");
        assert_eq!(acc.finish().legs, 2);
    }

    #[test]
    fn empty_set_has_no_ratios() {
        let k = KpiAccumulator::new().finish();
        assert_eq!(k.issued, 0);
        assert_eq!(k.wait_mean_ms, None);
        assert_eq!(k.satisfaction, None);
        assert_eq!(k.utilisation, None);
    }
}
