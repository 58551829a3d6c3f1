//! The reports page's overview of a range of business days: the headline
//! KPIs against the period before it, like with like ([`previous_period`]:
//! a month against the previous calendar month, a week against the week
//! before, a day against the same weekday a week earlier), every day's KPIs,
//! the wait distribution, the hour × weekday heat map, the queue length
//! through the day, counters and staff with the load balance (max/mean and
//! Gini of served legs — the uneven workload the field study found), the
//! longest waits with their tickets, and the follow-ups of low ratings.
//!
//! One streamed pass over the range's ticket rows gives both the KPI parts
//! (the same accumulators and definitions as every other report, by day,
//! counter and staff) and the shapes that are not KPIs ([`Shapes`], fed
//! each leg through a [`LegSink`]), per hall on its own read-only
//! connection, merged; the previous period gives its headline KPIs only. A
//! long wait's ticket (id, number, service, counter) is looked up by row
//! only while it is among the longest so far. Nothing holds a year of
//! tickets: per leg only a few numbers (inside the KPI accumulators) and a
//! few counters are kept.
//!
//! Definitions:
//! - wait histogram: called legs' waits (first call − issue) in 2-minute
//!   buckets, 0–2 … 58–60, then 60+;
//! - heat map: the business day's weekday × the local hour of issue;
//!   arrivals = visits in the cell ÷ the number of that weekday's days in
//!   the range; mean wait over the cell's called legs;
//! - queue by time: legs waiting (issued, not yet called or ended) at every
//!   15th minute of the business day (counted from its rollover hour); mean
//!   over the days of the range on which tickets were issued, and max;
//!   with several halls, the halls' queues add up;
//! - staff share of load: the staff member's served legs ÷ all staff's.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use chrono::{Datelike, Duration, Months, NaiveDate};
use hallq_core::{FollowUp, KpiAccumulator, Kpis, Millis, Targets};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::halls::HallRow;
use crate::reader::Reader;
use crate::report::{GroupBy, HourOf, KpiGroup, Leg, LegSink, check_range, day_start};
use crate::rows;

/// What the overview covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverviewQuery {
    /// One hall, or `None` for every hall in the database.
    pub hall: Option<Uuid>,
    /// The hall whose targets apply when every hall is reported (the
    /// bureau's own); `None` = the first hall by code.
    pub home: Option<Uuid>,
    /// First business day, inclusive.
    pub from: NaiveDate,
    /// Last business day, inclusive.
    pub to: NaiveDate,
    /// Now, UTC ms: follow-ups are judged overdue against the hall's
    /// business day at this instant.
    pub now: Millis,
}

/// The overview of a range (see the module docs for each part).
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    /// First business day.
    pub from: NaiveDate,
    /// Last business day.
    pub to: NaiveDate,
    /// The period of the same length just before: (from, to).
    pub previous: (NaiveDate, NaiveDate),
    /// The halls covered: (id, name), by code.
    pub halls: Vec<(Uuid, String)>,
    /// The targets marked.
    pub targets: Targets,
    /// The whole range.
    pub total: Kpis,
    /// The previous period.
    pub previous_total: Kpis,
    /// Every day of the range, in order (empty days included).
    pub daily: Vec<(NaiveDate, Kpis)>,
    /// Called legs per 2-minute wait bucket.
    pub wait_histogram: Vec<WaitBucket>,
    /// Cells with arrivals or waits, by weekday then hour.
    pub heatmap: Vec<HeatCell>,
    /// Queue length every 15 minutes, by minute of day.
    pub queue_by_time: Vec<QueuePoint>,
    /// Counters (with utilisation), by number.
    pub counters: Vec<KpiGroup>,
    /// Staff with their share of the load.
    pub staff: StaffLoad,
    /// The 20 longest waits, longest first.
    pub longest_waits: Vec<LongWait>,
    /// Follow-ups of the range's low ratings.
    pub follow_ups: FollowUpSummary,
}

/// One bucket of the wait histogram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WaitBucket {
    /// Lower bound, minutes, inclusive.
    pub from_min: u32,
    /// Upper bound, minutes, exclusive; `None` for the last (60+).
    pub to_min: Option<u32>,
    /// Called legs.
    pub count: u64,
}

/// One cell of the hour × weekday heat map.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HeatCell {
    /// 0 = Monday … 6 = Sunday (of the business day).
    pub weekday: u8,
    /// Local hour of issue.
    pub hour: u8,
    /// Mean visits in this hour on such a weekday of the range.
    pub arrivals: f64,
    /// Mean wait of the legs issued in it that were called.
    pub mean_wait_ms: Option<Millis>,
}

/// The queue at one time of day.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct QueuePoint {
    /// Local minute of the day (0 = midnight).
    pub minute: u32,
    /// Mean legs waiting at that minute over the days with tickets.
    pub mean_queue: f64,
    /// Most legs waiting at that minute on one day.
    pub max_queue: u64,
}

/// One staff member's row.
#[derive(Debug, Clone, Serialize)]
pub struct StaffRow {
    /// Staff number, name and KPIs.
    pub group: KpiGroup,
    /// Served legs ÷ all staff's served legs.
    pub share_of_load: Option<f64>,
}

/// The staff table with its load balance.
#[derive(Debug, Clone, Serialize)]
pub struct StaffLoad {
    /// By staff number.
    pub rows: Vec<StaffRow>,
    /// Most served ÷ mean served; `None` with fewer than two staff.
    pub max_over_mean: Option<f64>,
    /// Gini coefficient of served legs; `None` with fewer than two staff.
    pub gini: Option<f64>,
}

/// One of the longest waits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LongWait {
    /// The ticket leg.
    pub ticket: Uuid,
    /// Its number.
    pub number: String,
    /// Service code.
    pub service: String,
    /// Service name.
    pub service_name: String,
    /// Service's English name.
    pub service_name_en: String,
    /// Business day.
    pub day: NaiveDate,
    /// When the leg joined its queue.
    pub issued_at: Millis,
    /// First call − issue.
    pub wait_ms: Millis,
    /// The counter that called it.
    pub counter: Option<u32>,
}

/// A follow-up's state on the day it is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = FollowUpStateDto))]
pub enum FollowUpState {
    /// Not yet closed, deadline not passed.
    Open,
    /// Closed.
    Done,
    /// Not closed after its deadline.
    Overdue,
}

/// One follow-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowUpItem {
    /// The rated ticket leg.
    pub ticket: Uuid,
    /// Its number.
    pub number: String,
    /// Rating level, 1 or 2.
    pub rating: u8,
    /// The reason given.
    pub reason: Option<String>,
    /// Deadline.
    pub due: NaiveDate,
    /// State.
    pub state: FollowUpState,
}

/// The follow-ups of a range's low ratings.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FollowUpSummary {
    /// Open, deadline not passed.
    pub open: u64,
    /// Closed.
    pub done: u64,
    /// Open past the deadline.
    pub overdue: u64,
    /// Overdue first, then open, then done; each by deadline; at most
    /// [`FOLLOW_UP_ITEMS`].
    pub items: Vec<FollowUpItem>,
}

impl FollowUpSummary {
    /// Adds a hall's counts (done, overdue, open) and its first follow-ups
    /// (in `follow_ups::summary_of_range`'s order: overdue, open, done;
    /// each by deadline, number, newest rating), judged on its business
    /// day `today`. The bureau's centre feeds its halls' rows here too.
    pub fn add_hall(&mut self, (done, overdue, open): (u64, u64, u64), first: Vec<FollowUp>, today: NaiveDate) {
        self.done += done;
        self.overdue += overdue;
        self.open += open;
        for f in first {
            let state = if f.closed_at.is_some() {
                FollowUpState::Done
            } else if f.is_overdue(today) {
                FollowUpState::Overdue
            } else {
                FollowUpState::Open
            };
            self.items.push(FollowUpItem {
                ticket: f.ticket,
                number: f.number,
                rating: f.level,
                reason: f.reason.map(|r| r.as_str().to_string()),
                due: f.deadline,
                state,
            });
        }
    }

    /// Orders the items of every hall added (each hall's first items come
    /// in this order; across halls, stable) and keeps the first
    /// [`FOLLOW_UP_ITEMS`].
    pub fn finish(&mut self) {
        let rank = |s: FollowUpState| match s {
            FollowUpState::Overdue => 0,
            FollowUpState::Open => 1,
            FollowUpState::Done => 2,
        };
        self.items.sort_by(|a, b| (rank(a.state), a.due, &a.number).cmp(&(rank(b.state), b.due, &b.number)));
        self.items.truncate(FOLLOW_UP_ITEMS);
    }
}

/// Most follow-up items an overview lists (the counts count them all).
pub const FOLLOW_UP_ITEMS: usize = 200;
/// Longest waits an overview lists.
pub const LONGEST_WAITS: usize = 20;
/// Wait histogram bucket width, minutes.
pub const BUCKET_MIN: u32 = 2;
/// Buckets below 60 minutes; one more holds 60+.
const BUCKETS: usize = 30;
/// Queue samples per business day (every 15 minutes).
const SLOTS: usize = 96;
const SLOT_MS: Millis = 15 * 60_000;

/// The period a range is compared with, like with like:
/// - calendar months (the 1st to a month's last day): the same number of
///   months before (November against October, a quarter against the one
///   before);
/// - a month so far (the 1st to a day of the same month): the same days of
///   the previous month (1–5 December against 1–5 November; cut at the
///   previous month's end);
/// - one day: the same weekday a week earlier (a Monday against a Monday);
/// - any other range (a week, a custom span): the same number of days just
///   before it.
pub fn previous_period(from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate) {
    let last_of_month =
        |d: NaiveDate| d.checked_add_months(Months::new(1)).and_then(|n| n.with_day(1)).map(|n| n.pred_opt());
    let month_start = |d: NaiveDate| d.with_day(1).unwrap_or(d);
    if from.day() == 1 && from <= to {
        if last_of_month(to).flatten() == Some(to) {
            let months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32 + 1;
            if let Some(start) = from.checked_sub_months(Months::new(months as u32)) {
                return (start, from.pred_opt().unwrap_or(from));
            }
        } else if (to.year(), to.month()) == (from.year(), from.month())
            && let Some(start) = from.checked_sub_months(Months::new(1))
        {
            let end = start.with_day(to.day()).unwrap_or_else(|| from.pred_opt().unwrap_or(from));
            return (month_start(start), end);
        }
    }
    if from == to {
        let week_before = from - Duration::days(7);
        return (week_before, week_before);
    }
    let days = (to - from).num_days() + 1;
    (from - Duration::days(days), from - Duration::days(1))
}

impl Reader {
    /// The overview of a range of business days.
    pub fn overview(&self, q: &OverviewQuery) -> Result<Overview> {
        check_range(q.from, q.to)?;
        let rows = self.report_halls(q.hall)?;
        let targets = match q.hall.or(q.home) {
            Some(id) => crate::halls::by_id(&self.conn, id)?.hall.targets,
            None => rows.first().map(|r| r.hall.targets).unwrap_or_default(),
        };
        let previous = previous_period(q.from, q.to);

        // One pass over the range: KPIs by day, counter and staff, and the shapes.
        let bys = [GroupBy::Day, GroupBy::Counter, GroupBy::Staff];
        let (mut reports, shapes) = self.kpis_pass(&rows, q.from, q.to, &bys, || ShapeSink::new(q.from, q.to))?;
        let shapes = shapes.shapes;
        let (staff, counters, by_day) = (reports.pop(), reports.pop(), reports.pop());
        let (Some(staff), Some(counters), Some(by_day)) = (staff, counters, by_day) else {
            return Err(StoreError::Corrupt("missing report part".into()));
        };
        let previous_total = self.kpis_pass(&rows, previous.0, previous.1, &[GroupBy::Total], || ())?.0;
        let previous_total = previous_total.into_iter().next().map(|r| r.total).unwrap_or_default();

        let mut by_day: HashMap<String, Kpis> = by_day.groups.into_iter().map(|g| (g.key, g.kpis)).collect();
        let daily = q
            .from
            .iter_days()
            .take_while(|d| *d <= q.to)
            .map(|d| (d, by_day.remove(&d.to_string()).unwrap_or_else(|| KpiAccumulator::new().finish())))
            .collect();

        let mut follow_ups = FollowUpSummary::default();
        let (from, to) = (q.from.to_string(), q.to.to_string());
        for row in &rows {
            let today = row.hall.business_day(q.now);
            let (counts, first) = crate::follow_ups::summary_of_range(
                &self.conn,
                row.key,
                &from,
                &to,
                &today.to_string(),
                FOLLOW_UP_ITEMS,
            )?;
            follow_ups.add_hall(counts, first, today);
        }
        follow_ups.finish();

        let weekdays_in_range = weekday_counts(q.from, q.to);
        Ok(Overview {
            from: q.from,
            to: q.to,
            previous,
            halls: rows.iter().map(|r| (r.hall.id, r.hall.name.clone())).collect(),
            targets,
            total: counters.total.clone(),
            previous_total,
            daily,
            wait_histogram: shapes.histogram(),
            heatmap: shapes.heatmap(&weekdays_in_range),
            queue_by_time: shapes.queue_by_time(rows.first().map_or(3, |r| r.hall.rollover_hour)),
            counters: counters.groups.into_iter().filter(|g| !g.key.ends_with('~')).collect(),
            staff: staff_load(staff.groups.into_iter().filter(|g| !g.key.ends_with('~')).collect()),
            longest_waits: shapes.longest(),
            follow_ups,
        })
    }
}

/// The shapes of one thread's halls, fed leg by leg from the KPI pass.
struct ShapeSink {
    shapes: Shapes,
    /// The current hall's service names (Chinese, English), for its long waits.
    names: HashMap<String, (String, String)>,
    /// Day starts are the same for every leg of a day: the last one.
    cached: Option<(String, NaiveDate, Millis)>,
    /// The local hour of the last leg's issue.
    hours: HourOf,
}

impl ShapeSink {
    fn new(from: NaiveDate, to: NaiveDate) -> Self {
        Self { shapes: Shapes::new(from, to), names: HashMap::new(), cached: None, hours: HourOf::new() }
    }
}

impl LegSink for ShapeSink {
    // Every shape adds up (counts, slots by day, the longest waits).
    const SPLITS: bool = true;

    fn hall(&mut self, reader: &Reader, row: &HallRow) -> Result<()> {
        self.names = crate::services::all(&reader.conn, row.key)?
            .into_iter()
            .map(|x| (x.code, (x.name_zh, x.name_en)))
            .collect();
        self.cached = None;
        self.hours = HourOf::new();
        Ok(())
    }

    fn leg(&mut self, reader: &Reader, row: &HallRow, leg: &Leg<'_>) -> Result<()> {
        let (day, start) = match &self.cached {
            Some((text, day, start)) if text == leg.day => (*day, *start),
            _ => {
                let day: NaiveDate =
                    leg.day.parse().map_err(|e: chrono::ParseError| StoreError::Corrupt(e.to_string()))?;
                let start = day_start(&row.hall, day);
                self.cached = Some((leg.day.to_string(), day, start));
                (day, start)
            }
        };
        let issued = leg.issued_at;
        let wait = leg.called_at.map(|c| (c - issued).max(0));
        let left = leg.called_at.or(leg.ended_at).unwrap_or(row.last_at);
        let hour = self.hours.of(&row.hall, issued).1 as u8;
        self.shapes.leg(hour, day, start, leg.leg, issued, wait, left);
        if let Some(w) = wait
            && self.shapes.is_long(w, issued)
        {
            // Among the longest so far (a few hundred legs a hall-year):
            // only now read its ticket.
            let mut st =
                reader.conn.prepare_cached("SELECT id, number, service, counter FROM tickets WHERE rowid = ?1")?;
            let (id, number, service, counter) = st.query_row([leg.rowid], |r| {
                Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get(3)?))
            })?;
            let (service_name, service_name_en) =
                self.names.get(&service).cloned().unwrap_or_else(|| (service.clone(), service.clone()));
            self.shapes.push_long(LongWait {
                ticket: Uuid::from_slice(&id).map_err(|_| rows::damaged(0, "id"))?,
                number,
                service_name,
                service_name_en,
                service,
                day,
                issued_at: issued,
                wait_ms: w,
                counter,
            });
        }
        Ok(())
    }

    fn merge(&mut self, other: Self) {
        self.shapes.merge(other.shapes);
    }
}

/// How many of each weekday (0 = Monday) the range holds.
fn weekday_counts(from: NaiveDate, to: NaiveDate) -> [u32; 7] {
    let mut n = [0; 7];
    for d in from.iter_days().take_while(|d| *d <= to) {
        n[d.weekday().num_days_from_monday() as usize] += 1;
    }
    n
}

/// The staff rows with their shares, max/mean and Gini of served legs.
fn staff_load(groups: Vec<KpiGroup>) -> StaffLoad {
    let served: Vec<f64> = groups.iter().map(|g| g.kpis.served as f64).collect();
    let sum: f64 = served.iter().sum();
    let (max_over_mean, gini) = load_balance(&served);
    let rows = groups
        .into_iter()
        .map(|g| StaffRow { share_of_load: (sum > 0.0).then(|| g.kpis.served as f64 / sum), group: g })
        .collect();
    StaffLoad { rows, max_over_mean, gini }
}

/// Max ÷ mean and the Gini coefficient (Σᵢ Σⱼ |xᵢ − xⱼ| ÷ 2n²·mean) of a
/// load; `None` with fewer than two values or nothing served.
pub fn load_balance(x: &[f64]) -> (Option<f64>, Option<f64>) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    if x.len() < 2 || mean <= 0.0 {
        return (None, None);
    }
    let max = x.iter().copied().fold(f64::MIN, f64::max);
    let diffs: f64 = x.iter().map(|a| x.iter().map(|b| (a - b).abs()).sum::<f64>()).sum();
    (Some(max / mean), Some(diffs / (2.0 * n * n * mean)))
}

/// A heat map cell's sums: legs, visits, called legs, the sum of their waits.
type HeatSums = (u64, u64, u64, i128);

/// What the overview needs beyond the KPIs, for one or several halls.
struct Shapes {
    from: NaiveDate,
    buckets: [u64; BUCKETS + 1],
    /// [weekday][hour] → its sums.
    heat: Box<[[HeatSums; 24]; 7]>,
    /// Per day of the range (index from `from`), legs waiting at each slot.
    queue: Vec<[u32; SLOTS]>,
    /// Days with tickets.
    active: Vec<bool>,
    /// The longest waits: a min-heap of (wait, earlier issue first).
    longest: BinaryHeap<Reverse<(Millis, Reverse<Millis>, LongWaitKey)>>,
}

/// A long wait in the heap, ordered (after wait and issue time) by its
/// ticket id alone, so the order is total.
#[derive(Debug, Clone)]
struct LongWaitKey(Uuid, Box<LongWait>);

impl PartialEq for LongWaitKey {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for LongWaitKey {}

impl PartialOrd for LongWaitKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for LongWaitKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

impl Shapes {
    fn new(from: NaiveDate, to: NaiveDate) -> Self {
        let days = usize::try_from((to - from).num_days() + 1).unwrap_or(0);
        Self {
            from,
            buckets: [0; BUCKETS + 1],
            heat: Box::new([[(0, 0, 0, 0); 24]; 7]),
            queue: vec![[0; SLOTS]; days],
            active: vec![false; days],
            longest: BinaryHeap::new(),
        }
    }

    /// Adds one leg: its day, when its day started, when it joined its
    /// queue, its wait if called, and when it left the queue.
    #[allow(clippy::too_many_arguments)]
    fn leg(
        &mut self,
        hour: u8,
        day: NaiveDate,
        day_start: Millis,
        leg: u16,
        issued: Millis,
        wait: Option<Millis>,
        left: Millis,
    ) {
        let weekday = day.weekday().num_days_from_monday() as usize;
        let cell = &mut self.heat[weekday][usize::from(hour).min(23)];
        cell.0 += 1;
        if leg == 1 {
            cell.1 += 1;
        }
        if let Some(w) = wait {
            cell.2 += 1;
            cell.3 += i128::from(w);
            let b = usize::try_from(w / (i64::from(BUCKET_MIN) * 60_000)).unwrap_or(BUCKETS).min(BUCKETS);
            self.buckets[b] += 1;
        }
        let Ok(i) = usize::try_from((day - self.from).num_days()) else { return };
        let (Some(slots), Some(active)) = (self.queue.get_mut(i), self.active.get_mut(i)) else { return };
        if leg == 1 {
            *active = true;
        }
        // Slots k with issued ≤ start + k·15 min < left.
        let mut k = ((issued - day_start).max(0) + SLOT_MS - 1) / SLOT_MS;
        while k < SLOTS as i64 && day_start + k * SLOT_MS < left {
            slots[k as usize] += 1;
            k += 1;
        }
    }

    fn is_long(&self, wait: Millis, issued: Millis) -> bool {
        self.longest.len() < LONGEST_WAITS
            || self
                .longest
                .peek()
                .is_some_and(|Reverse((w, Reverse(i), _))| (wait, Reverse(issued)) > (*w, Reverse(*i)))
    }

    fn push_long(&mut self, l: LongWait) {
        self.longest.push(Reverse((l.wait_ms, Reverse(l.issued_at), LongWaitKey(l.ticket, Box::new(l)))));
        if self.longest.len() > LONGEST_WAITS {
            self.longest.pop();
        }
    }

    fn merge(&mut self, other: Shapes) {
        for (a, b) in self.buckets.iter_mut().zip(other.buckets) {
            *a += b;
        }
        for (mine, theirs) in self.heat.iter_mut().flatten().zip(other.heat.iter().flatten()) {
            mine.0 += theirs.0;
            mine.1 += theirs.1;
            mine.2 += theirs.2;
            mine.3 += theirs.3;
        }
        for (a, b) in self.queue.iter_mut().zip(other.queue) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
        for (a, b) in self.active.iter_mut().zip(other.active) {
            *a |= b;
        }
        for Reverse((_, _, LongWaitKey(_, l))) in other.longest {
            if self.is_long(l.wait_ms, l.issued_at) {
                self.push_long(*l);
            }
        }
    }

    fn histogram(&self) -> Vec<WaitBucket> {
        self.buckets
            .iter()
            .enumerate()
            .map(|(i, &count)| {
                let from_min = i as u32 * BUCKET_MIN;
                WaitBucket { from_min, to_min: (i < BUCKETS).then_some(from_min + BUCKET_MIN), count }
            })
            .collect()
    }

    fn heatmap(&self, weekdays: &[u32; 7]) -> Vec<HeatCell> {
        (0..7u8)
            .flat_map(|weekday| (0..24u8).map(move |hour| (weekday, hour)))
            .map(|(weekday, hour)| (weekday, hour, self.heat[usize::from(weekday)][usize::from(hour)]))
            .filter(|(.., (legs, ..))| *legs > 0)
            .map(|(weekday, hour, (_, visits, called, waits))| HeatCell {
                weekday,
                hour,
                arrivals: visits as f64 / f64::from(weekdays[usize::from(weekday)].max(1)),
                mean_wait_ms: (called > 0).then(|| (waits / i128::from(called)) as Millis),
            })
            .collect()
    }

    /// Mean and max per slot, by local minute of day, trimmed to the span
    /// with a queue.
    fn queue_by_time(&self, rollover_hour: u8) -> Vec<QueuePoint> {
        let days = self.active.iter().filter(|a| **a).count();
        let mut points: Vec<QueuePoint> = (0..SLOTS)
            .map(|k| {
                let (sum, max) = self
                    .queue
                    .iter()
                    .zip(&self.active)
                    .filter(|(_, a)| **a)
                    .fold((0u64, 0u64), |(s, m), (q, _)| (s + u64::from(q[k]), m.max(u64::from(q[k]))));
                QueuePoint {
                    minute: (u32::from(rollover_hour) * 60 + k as u32 * 15) % 1440,
                    mean_queue: if days > 0 { sum as f64 / days as f64 } else { 0.0 },
                    max_queue: max,
                }
            })
            .collect();
        points.sort_by_key(|p| p.minute);
        let busy = |p: &QueuePoint| p.max_queue > 0;
        match (points.iter().position(busy), points.iter().rposition(busy)) {
            (Some(a), Some(b)) => points[a..=b].to_vec(),
            _ => Vec::new(),
        }
    }

    fn longest(&self) -> Vec<LongWait> {
        let mut v: Vec<(Millis, Millis, LongWait)> =
            self.longest.iter().map(|Reverse((w, Reverse(i), LongWaitKey(_, l)))| (*w, *i, (**l).clone())).collect();
        v.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.ticket.cmp(&b.2.ticket)));
        v.into_iter().map(|(_, _, l)| l).collect()
    }
}

/// The traffic generator of the store's integration tests.
#[cfg(test)]
#[path = "../tests/common/mod.rs"]
#[allow(dead_code)]
mod test_common;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;
    use hallq_core::Hall;

    const M: Millis = 60_000;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default()
    }

    use super::test_common as common;

    /// The overview's figures as they were computed before the single
    /// pass: the KPIs from `kpis_many`, then a second pass over the rows
    /// for the shapes (the code as it was, kept as the test's oracle).
    fn two_pass(r: &Reader, q: &OverviewQuery) -> serde_json::Value {
        let rows = r.report_halls(q.hall).unwrap();
        let previous = previous_period(q.from, q.to);
        let mut reports = r.kpis_many(q.hall, q.from, q.to, &[GroupBy::Day, GroupBy::Counter, GroupBy::Staff]).unwrap();
        let (staff, counters, by_day) = (reports.pop().unwrap(), reports.pop().unwrap(), reports.pop().unwrap());
        let previous_total = r.kpis_many(q.hall, previous.0, previous.1, &[GroupBy::Total]).unwrap().remove(0).total;
        let mut by_day: HashMap<String, Kpis> = by_day.groups.into_iter().map(|g| (g.key, g.kpis)).collect();
        let daily: Vec<(NaiveDate, Kpis)> = q
            .from
            .iter_days()
            .take_while(|d| *d <= q.to)
            .map(|d| (d, by_day.remove(&d.to_string()).unwrap_or_else(|| KpiAccumulator::new().finish())))
            .collect();
        let mut shapes = Shapes::new(q.from, q.to);
        for part in
            r.in_parallel(&rows, || Shapes::new(q.from, q.to), |reader, row, s| old_shapes_into(reader, row, q.to, s))
        {
            shapes.merge(part.unwrap());
        }
        // Follow-ups the plain way: every one read, classified, sorted.
        let (mut counts, mut items) = ([0u64; 3], Vec::new());
        for row in &rows {
            let today = row.hall.business_day(q.now);
            for f in crate::follow_ups::of_range(&r.conn, row.key, &q.from.to_string(), &q.to.to_string()).unwrap() {
                let state = if f.closed_at.is_some() {
                    FollowUpState::Done
                } else if f.is_overdue(today) {
                    FollowUpState::Overdue
                } else {
                    FollowUpState::Open
                };
                let rank = match state {
                    FollowUpState::Overdue => 0,
                    FollowUpState::Open => 1,
                    FollowUpState::Done => 2,
                };
                counts[rank] += 1;
                items.push((rank, f.deadline, f.number.clone(), f.ticket, state));
            }
        }
        items.sort_by_key(|(rank, due, number, ..)| (*rank, *due, number.clone()));
        items.truncate(FOLLOW_UP_ITEMS);
        serde_json::json!({
            "follow_ups": {
                "overdue": counts[0], "open": counts[1], "done": counts[2],
                "items": items.iter().map(|(_, due, number, ticket, state)| (ticket, number, due, state)).collect::<Vec<_>>(),
            },
            "total": counters.total,
            "previous_total": previous_total,
            "daily": daily,
            "wait_histogram": shapes.histogram(),
            "heatmap": shapes.heatmap(&weekday_counts(q.from, q.to)),
            "queue_by_time": shapes.queue_by_time(rows[0].hall.rollover_hour),
            "counters": counters.groups.into_iter().filter(|g| !g.key.ends_with('~')).collect::<Vec<_>>(),
            "staff": staff_load(staff.groups.into_iter().filter(|g| !g.key.ends_with('~')).collect()),
            "longest_waits": shapes.longest(),
        })
    }

    /// A leg into the shapes, its hour of issue looked up the plain way.
    #[allow(clippy::too_many_arguments)]
    fn push(
        s: &mut Shapes,
        hall: &Hall,
        day: NaiveDate,
        start: Millis,
        leg: u16,
        issued: Millis,
        wait: Option<Millis>,
        left: Millis,
    ) {
        s.leg(hall.local(issued).hour() as u8, day, start, leg, issued, wait, left);
    }

    fn old_shapes_into(r: &Reader, row: &HallRow, to: NaiveDate, s: &mut Shapes) -> Result<()> {
        let names: HashMap<String, (String, String)> =
            crate::services::all(&r.conn, row.key)?.into_iter().map(|x| (x.code, (x.name_zh, x.name_en))).collect();
        let mut st = r.conn.prepare_cached(
            "SELECT business_day, leg, issued_at, called_at, ended_at, id, number, service, counter
             FROM tickets WHERE hall = ?1 AND business_day BETWEEN ?2 AND ?3",
        )?;
        let mut rs = st.query(rusqlite::params![row.key, s.from.to_string(), to.to_string()])?;
        while let Some(r) = rs.next()? {
            let day: NaiveDate = r.get::<_, String>(0)?.parse().unwrap();
            let start = day_start(&row.hall, day);
            let leg: u16 = r.get(1)?;
            let issued: Millis = r.get(2)?;
            let called: Option<Millis> = r.get(3)?;
            let ended: Option<Millis> = r.get(4)?;
            let wait = called.map(|c| (c - issued).max(0));
            push(s, &row.hall, day, start, leg, issued, wait, called.or(ended).unwrap_or(row.last_at));
            if let Some(w) = wait
                && s.is_long(w, issued)
            {
                let service: String = r.get(7)?;
                let (service_name, service_name_en) =
                    names.get(&service).cloned().unwrap_or_else(|| (service.clone(), service.clone()));
                s.push_long(LongWait {
                    ticket: rows::uuid(r, 5)?,
                    number: r.get(6)?,
                    service_name,
                    service_name_en,
                    service,
                    day,
                    issued_at: issued,
                    wait_ms: w,
                    counter: r.get(8)?,
                });
            }
        }
        Ok(())
    }

    #[test]
    fn a_range_is_compared_with_its_like() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let cases = [
            // A month: the previous calendar month, whatever their lengths.
            ((d(2026, 11, 1), d(2026, 11, 30)), (d(2026, 10, 1), d(2026, 10, 31))),
            ((d(2026, 3, 1), d(2026, 3, 31)), (d(2026, 2, 1), d(2026, 2, 28))),
            ((d(2026, 1, 1), d(2026, 1, 31)), (d(2025, 12, 1), d(2025, 12, 31))),
            // A quarter: the quarter before.
            ((d(2026, 4, 1), d(2026, 6, 30)), (d(2026, 1, 1), d(2026, 3, 31))),
            // A month so far: the same days of the previous month, cut at its end.
            ((d(2026, 12, 1), d(2026, 12, 5)), (d(2026, 11, 1), d(2026, 11, 5))),
            ((d(2026, 3, 1), d(2026, 3, 30)), (d(2026, 2, 1), d(2026, 2, 28))),
            // A day: the same weekday a week earlier (Friday 27 → Friday 20).
            ((d(2026, 11, 27), d(2026, 11, 27)), (d(2026, 11, 20), d(2026, 11, 20))),
            // A week, and any other span: the days just before.
            ((d(2026, 11, 23), d(2026, 11, 29)), (d(2026, 11, 16), d(2026, 11, 22))),
            ((d(2026, 11, 5), d(2026, 12, 4)), (d(2026, 10, 6), d(2026, 11, 4))),
        ];
        for ((from, to), want) in cases {
            assert_eq!(previous_period(from, to), want, "{from} – {to}");
        }
        assert_eq!(previous_period(d(2026, 11, 27), d(2026, 11, 27)).0.weekday(), chrono::Weekday::Fri);
    }

    #[test]
    fn the_single_pass_overview_equals_the_two_pass_figures() {
        use hallq_core::HallConfig;
        let dir = tempfile::tempdir().unwrap();
        let store = crate::Store::open(&dir.path().join("bureau.db")).unwrap();
        let mut ids = Vec::new();
        for (k, code) in ["T1", "T2", "T3"].iter().enumerate() {
            let id = Uuid::from_u128(0x100 + k as u128);
            let mut cfg = HallConfig::default_supply_hall(id, code, &format!("测试营业厅{k}"));
            for i in 1..=4 {
                cfg.staff.push(hallq_core::Staff {
                    number: format!("100{i}"),
                    name: format!("员工{i}"),
                    role: hallq_core::StaffRole::Agent,
                    active: true,
                    team: None,
                });
            }
            store.create_hall(&cfg, common::morning(0) - 60 * common::MIN).unwrap();
            // Four days: the first two are the previous period of the last two.
            let mut rng = common::Lcg(7 + k as u64);
            for d in 0..4 {
                let mut w = store.bulk(id).unwrap();
                common::traffic(&mut w, d, &mut rng);
                w.commit().unwrap();
            }
            ids.push(id);
        }
        // Some follow-ups closed; later, the open ones are overdue.
        for id in &ids {
            let mut w = store.bulk(*id).unwrap();
            let open: Vec<Uuid> = w.state().follow_ups().map(|f| f.ticket).collect();
            assert!(open.len() > 4, "{}", open.len());
            for ticket in open.into_iter().step_by(3) {
                let cmd = hallq_core::Command::CloseFollowUp { ticket, note: "已回访".into(), staff: None };
                w.execute(hallq_core::Actor::Cli, cmd, common::morning(3) + 9 * 60 * common::MIN).unwrap();
            }
            w.commit().unwrap();
        }
        let r = store.reader().unwrap();
        for (hall, now) in [(None, common::morning(5)), (Some(ids[1]), common::morning(5)), (None, common::morning(40))]
        {
            let q = OverviewQuery { hall, home: None, from: day(4), to: day(5), now };
            let o = r.overview(&q).unwrap();
            assert!(o.total.legs > 300 && o.previous_total.legs > 300, "{} {}", o.total.legs, o.previous_total.legs);
            assert!(o.longest_waits.len() == LONGEST_WAITS && o.heatmap.len() > 10);
            // Each hall's first items as SQLite orders them, at any limit,
            // are the plain way's.
            for row in r.report_halls(hall).unwrap() {
                let today = row.hall.business_day(now);
                let (from, to) = (q.from.to_string(), q.to.to_string());
                let mut plain: Vec<_> = crate::follow_ups::of_range(&r.conn, row.key, &from, &to).unwrap();
                let rank = |f: &hallq_core::FollowUp| (f.closed_at.is_some(), !f.is_overdue(today));
                plain.sort_by(|a, b| (rank(a), a.deadline, &a.number).cmp(&(rank(b), b.deadline, &b.number)));
                for limit in [1, 7, 1000] {
                    let (counts, first) =
                        crate::follow_ups::summary_of_range(&r.conn, row.key, &from, &to, &today.to_string(), limit)
                            .unwrap();
                    let ids = |v: &[hallq_core::FollowUp]| v.iter().map(|f| f.ticket).collect::<Vec<_>>();
                    assert_eq!(ids(&first), ids(&plain[..limit.min(plain.len())]), "limit {limit}");
                    assert_eq!(counts.0 + counts.1 + counts.2, plain.len() as u64);
                }
            }
            let fu = &o.follow_ups;
            let all = fu.done + fu.open + fu.overdue;
            assert!(fu.done > 0 && fu.open + fu.overdue > 0, "{fu:?}");
            assert_eq!(fu.items.len() as u64, all.min(FOLLOW_UP_ITEMS as u64));
            if now == common::morning(40) {
                assert!(fu.open == 0 && fu.overdue > 0, "{fu:?}");
            }
            let new = serde_json::json!({
                "follow_ups": {
                    "overdue": fu.overdue, "open": fu.open, "done": fu.done,
                    "items": fu.items.iter().map(|i| (i.ticket, &i.number, i.due, i.state)).collect::<Vec<_>>(),
                },
                "total": o.total,
                "previous_total": o.previous_total,
                "daily": o.daily,
                "wait_histogram": o.wait_histogram,
                "heatmap": o.heatmap,
                "queue_by_time": o.queue_by_time,
                "counters": o.counters,
                "staff": o.staff,
                "longest_waits": o.longest_waits,
            });
            assert_eq!(new, two_pass(&r, &q), "hall {hall:?}");
        }
    }

    #[test]
    fn gini_and_max_over_mean_by_hand() {
        // Served 10, 20, 30: mean 20; Σ|xi − xj| over ordered pairs = 2·(10 + 20 + 10) = 80;
        // Gini = 80 / (2 · 9 · 20) = 2/9.
        let (m, g) = load_balance(&[10.0, 20.0, 30.0]);
        assert_eq!(m, Some(1.5));
        assert!((g.unwrap() - 2.0 / 9.0).abs() < 1e-12, "{g:?}");
        assert_eq!(load_balance(&[5.0, 5.0, 5.0, 5.0]), (Some(1.0), Some(0.0)));
        // One person doing everything among four: Gini = (n − 1)/n.
        assert_eq!(load_balance(&[0.0, 0.0, 0.0, 8.0]).1, Some(0.75));
        assert_eq!(load_balance(&[7.0]), (None, None));
        assert_eq!(load_balance(&[0.0, 0.0]), (None, None));
    }

    /// A tiny log by hand: the business day starts at 03:00 Shanghai; legs
    /// are (day, leg, issued, wait, left) in minutes after the day's start.
    #[test]
    fn histogram_heat_map_and_queue_by_time_by_hand() {
        let hall = Hall::new(Uuid::nil(), "T", "测试厅");
        // Mon 2026-11-02 and Tue 2026-11-03; the range also holds Wed 11-04 (no tickets).
        let mut s = Shapes::new(day(2), day(4));
        let start2 = day_start(&hall, day(2));
        let start3 = day_start(&hall, day(3));
        let m = |start: Millis, min: i64| start + min * M;
        // Mon 09:00 (360 min after 03:00): A waits 1 min; B waits 3; C (a transfer leg of B) waits 61.
        push(&mut s, &hall, day(2), start2, 1, m(start2, 360), Some(M), m(start2, 361));
        push(&mut s, &hall, day(2), start2, 1, m(start2, 360), Some(3 * M), m(start2, 363));
        push(&mut s, &hall, day(2), start2, 2, m(start2, 370), Some(61 * M), m(start2, 431));
        // Mon 10:05 a cancelled visit, never called, left at 10:40.
        push(&mut s, &hall, day(2), start2, 1, m(start2, 425), None, m(start2, 460));
        // Tue 09:10, waits 2 min exactly (bucket 2–4).
        push(&mut s, &hall, day(3), start3, 1, m(start3, 370), Some(2 * M), m(start3, 372));

        let h = s.histogram();
        assert_eq!(h.len(), 31);
        assert_eq!((h[0].from_min, h[0].to_min, h[0].count), (0, Some(2), 1));
        assert_eq!((h[1].from_min, h[1].to_min, h[1].count), (2, Some(4), 2));
        assert_eq!((h[30].from_min, h[30].to_min, h[30].count), (60, None, 1));
        assert_eq!(h.iter().map(|b| b.count).sum::<u64>(), 4);

        // One Monday, one Tuesday, one Wednesday in the range.
        let cells = s.heatmap(&weekday_counts(day(2), day(4)));
        let cell = |w, hr| cells.iter().find(|c| c.weekday == w && c.hour == hr).copied();
        // Mon 09h: 2 visits (the transfer leg is no arrival), waits 1, 3, 61 → mean 65/3 min.
        assert_eq!(cell(0, 9).map(|c| c.arrivals), Some(2.0));
        assert_eq!(cell(0, 9).and_then(|c| c.mean_wait_ms), Some(65 * M / 3));
        // Mon 10h: one visit, never called.
        assert_eq!(cell(0, 10).map(|c| (c.arrivals, c.mean_wait_ms)), Some((1.0, None)));
        assert_eq!(cell(1, 9).map(|c| (c.arrivals, c.mean_wait_ms)), Some((1.0, Some(2 * M))));
        assert_eq!(cells.len(), 3);

        // Queue at every 15 minutes: Mon 09:00 A and B (issued exactly then) wait: 2;
        // 09:15 C (09:10–10:11): 1; 09:30, 09:45, 10:00: 1; 10:15 and 10:30 the
        // cancelled one (10:05–10:40): 1; 10:45: 0.
        // Tue 09:15: nobody (09:10–09:12). Mean over the two days with tickets.
        let q = s.queue_by_time(hall.rollover_hour);
        let at = |min: u32| q.iter().find(|p| p.minute == min).map(|p| (p.mean_queue, p.max_queue));
        assert_eq!(q.first().map(|p| p.minute), Some(9 * 60));
        assert_eq!(q.last().map(|p| p.minute), Some(10 * 60 + 30));
        assert_eq!(at(540), Some((1.0, 2)));
        assert_eq!(at(555), Some((0.5, 1)));
        assert_eq!(at(600), Some((0.5, 1)));
        assert_eq!(at(615), Some((0.5, 1)));
        assert_eq!(at(630), Some((0.5, 1)));
        assert_eq!(q.len(), 7);
    }

    #[test]
    fn longest_waits_keep_the_top_twenty_longest_first_across_merges() {
        let mk = |i: i64| LongWait {
            ticket: Uuid::from_u128(i as u128),
            number: format!("A{i:03}"),
            service: "PAY".into(),
            service_name: "交费".into(),
            service_name_en: "Bill payment".into(),
            day: day(2),
            issued_at: i,
            wait_ms: (i % 50) * M,
            counter: Some(1),
        };
        let (mut a, mut b) = (Shapes::new(day(2), day(2)), Shapes::new(day(2), day(2)));
        for i in 0..100 {
            let s = if i % 2 == 0 { &mut a } else { &mut b };
            if s.is_long((i % 50) * M, i) {
                s.push_long(mk(i));
            }
        }
        a.merge(b);
        let top: Vec<(Millis, Millis)> = a.longest().iter().map(|l| (l.wait_ms / M, l.issued_at)).collect();
        // Waits 49 (issued 49, 99), 48 (48, 98) … 40 (40, 90): earlier issue first on ties.
        let want: Vec<(Millis, Millis)> = (40..50).rev().flat_map(|w| [(w, w), (w, w + 50)]).collect();
        assert_eq!(top, want);
    }
}
