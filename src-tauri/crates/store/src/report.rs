//! KPI reports: a range of business days, grouped by hall, service, counter,
//! staff, team, hour of day, day or weekday.
//!
//! Ticket rows are streamed through [`KpiAccumulator`]s (one per group plus
//! the total) straight from the `tickets_by_day` index, without building
//! `Ticket`s; counter open time for utilisation comes from
//! `counter_sessions`, cut at hour boundaries where the grouping needs it.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::str::FromStr;

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Timelike};
use hallq_core::{
    Counter, Hall, KpiAccumulator, Kpis, LowScoreReason, Millis, Service, Staff, TicketFacts, TicketState,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::halls::{self, HallRow};
use crate::reader::Reader;
use crate::rows;

/// How a report groups tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = GroupByDto))]
pub enum GroupBy {
    /// One group: the total.
    #[default]
    Total,
    /// Per hall.
    Hall,
    /// Per service.
    Service,
    /// Per counter.
    Counter,
    /// Per staff member.
    Staff,
    /// Per team (班组): each leg under the team its staff member was in
    /// when it was served.
    Team,
    /// Per hour of the day (local), by issue time.
    Hour,
    /// Per business day.
    Day,
    /// Per weekday of the business day.
    Weekday,
}

impl GroupBy {
    /// All groupings.
    pub const ALL: [GroupBy; 9] = [
        Self::Total,
        Self::Hall,
        Self::Service,
        Self::Counter,
        Self::Staff,
        Self::Team,
        Self::Hour,
        Self::Day,
        Self::Weekday,
    ];

    /// Whether parts kept per hall, business day and service (each a
    /// [`KpiAccumulator::to_part`], added by [`HallFeed::part`]) serve this
    /// grouping: the total, by hall, by service. The others cut handling
    /// by the clock or group by what a service's day mixes (counter,
    /// staff, team).
    pub fn from_parts(self) -> bool {
        matches!(self, Self::Total | Self::Hall | Self::Service)
    }

    /// The name used on the command line and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Total => "total",
            Self::Hall => "hall",
            Self::Service => "service",
            Self::Counter => "counter",
            Self::Staff => "staff",
            Self::Team => "team",
            Self::Hour => "hour",
            Self::Day => "day",
            Self::Weekday => "weekday",
        }
    }
}

impl FromStr for GroupBy {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Self::ALL.into_iter().find(|g| g.as_str() == s).ok_or_else(|| {
            format!(
                "分组方式须为 total/hall/service/counter/staff/team/hour/day/weekday 之一 / grouping must be one of total, hall, service, counter, staff, team, hour, day, weekday (got '{s}')"
            )
        })
    }
}

/// What to report on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KpiQuery {
    /// One hall, or `None` for every hall in the database.
    pub hall: Option<Uuid>,
    /// First business day, inclusive.
    pub from: NaiveDate,
    /// Last business day, inclusive.
    pub to: NaiveDate,
    /// Grouping.
    pub by: GroupBy,
}

/// A report: the total and one row per group, in group order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = KpiReportDto))]
pub struct KpiReport {
    /// First business day.
    pub from: NaiveDate,
    /// Last business day.
    pub to: NaiveDate,
    /// Grouping.
    pub by: GroupBy,
    /// All tickets of the range.
    pub total: Kpis,
    /// Per group.
    pub groups: Vec<KpiGroup>,
}

/// One group's KPIs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = KpiGroupDto))]
pub struct KpiGroup {
    /// Sortable key (service code, counter number, hour "09", date ...).
    pub key: String,
    /// What people read in Chinese (service name, staff name,
    /// "09:00–10:00", "周一" ...).
    pub label: String,
    /// The same in English ("Bill payment", "Counter 3", "Mon" ...); the
    /// same as `label` where a name has no English form (a hall's, a
    /// staff member's, a day).
    pub label_en: String,
    /// The KPIs.
    pub kpis: Kpis,
}

/// FNV-1a: group keys and service codes are a few bytes, hashed once or
/// twice per ticket row; SipHash's flood resistance buys nothing here.
#[derive(Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

/// A group's label in Chinese and in English.
#[derive(Debug, Clone)]
struct Label {
    zh: String,
    en: String,
}

impl Label {
    /// A label read the same in both languages (a date, an hour, a name).
    fn same(s: String) -> Self {
        Self { en: s.clone(), zh: s }
    }
}

#[derive(Default)]
struct Groups {
    index: FastMap<String, usize>,
    rows: Vec<(String, Label, KpiAccumulator)>,
    last: Option<usize>,
}

impl Groups {
    fn merge(&mut self, other: Groups) {
        for (key, label, acc) in other.rows {
            self.get(&key, || label).merge(acc);
        }
    }

    fn get(&mut self, key: &str, label: impl FnOnce() -> Label) -> &mut KpiAccumulator {
        // Rows come by hall and day: the group of the last row is the
        // likeliest, and checking it first skips a hash per row.
        if let Some(i) = self.last
            && same_key(&self.rows[i].0, key)
        {
            return &mut self.rows[i].2;
        }
        let i = match self.index.get(key) {
            Some(i) => *i,
            None => {
                self.rows.push((key.to_string(), label(), KpiAccumulator::new()));
                self.index.insert(key.to_string(), self.rows.len() - 1);
                self.rows.len() - 1
            }
        };
        self.last = Some(i);
        &mut self.rows[i].2
    }
}

/// Whether two group keys are equal: a key is a few bytes, compared
/// inline rather than through a `memcmp` call once per ticket row.
fn same_key(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && if a.len() <= 16 { a.iter().zip(b).all(|(x, y)| x == y) } else { a == b }
}

/// Writes `n` in decimal with at least `width` digits (a counter's `007`,
/// an hour's `09`): once per row and grouping, so not through `fmt`.
fn push_number(key: &mut String, n: u32, width: usize) {
    let mut digits = [b'0'; 10];
    let (mut n, mut i) = (n, digits.len());
    while n > 0 || digits.len() - i < width.max(1) {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    key.extend(digits[i..].iter().map(|d| char::from(*d)));
}

/// The local clock hour of instants that come nearly in time order (the
/// ticket rows of a hall): the hour last looked up is kept, so most
/// lookups skip the time zone.
/// One per hall: a new hall may be in another zone.
pub(crate) struct HourOf {
    /// The start of the hour last looked up (UTC ms), `Millis::MAX` before.
    start: Millis,
    hour: u32,
}

impl HourOf {
    pub(crate) fn new() -> Self {
        Self { start: Millis::MAX, hour: 0 }
    }

    /// The local hour `t` falls in, in `hall`'s zone: its start (UTC ms)
    /// and its number.
    pub(crate) fn of(&mut self, hall: &Hall, t: Millis) -> (Millis, u32) {
        if !(self.start..self.start.saturating_add(HOUR_MS)).contains(&t) {
            let local = hall.local(t);
            (self.start, self.hour) = (hour_start(t, &local), local.hour());
        }
        (self.start, self.hour)
    }
}

/// A ticket leg as a report pass hands it to a [`LegSink`] beside its KPIs.
pub(crate) struct Leg<'a> {
    /// The row, to look up its other columns (rarely: a long wait's ticket).
    pub(crate) rowid: i64,
    /// Business day, `YYYY-MM-DD`.
    pub(crate) day: &'a str,
    /// 1 for a visit's first leg.
    pub(crate) leg: u16,
    /// When the leg joined its queue.
    pub(crate) issued_at: Millis,
    /// First call.
    pub(crate) called_at: Option<Millis>,
    /// End.
    pub(crate) ended_at: Option<Millis>,
    /// Everything the KPIs take of it (for sinks that keep KPIs of their
    /// own); how it ended is `facts.state`.
    pub(crate) facts: &'a TicketFacts,
    /// Times it was recalled.
    pub(crate) recalls: u16,
    /// The staff member who called it; `None` if never called.
    pub(crate) staff: Option<&'a str>,
    /// Their team when they called it.
    pub(crate) team: Option<&'a str>,
}

/// What a report pass feeds every ticket leg to besides the KPI
/// accumulators (the overview's shapes), so that one pass over the rows
/// serves both: one per thread, merged at the end.
pub(crate) trait LegSink: Send + Sized {
    /// Whether it wants the legs at all (`()` does not).
    const WANTS_LEGS: bool = true;
    /// Whether a hall's range may be fed in parts (consecutive days; a
    /// thread announces the hall with [`LegSink::hall`] when it moves to it)
    /// on several threads: its `merge` adds up what parts of the same hall
    /// collected.
    const SPLITS: bool = false;
    /// Before a hall's legs.
    fn hall(&mut self, _reader: &Reader, _row: &HallRow) -> Result<()> {
        Ok(())
    }
    /// One leg of the hall last announced.
    fn leg(&mut self, _reader: &Reader, _row: &HallRow, _leg: &Leg<'_>) -> Result<()> {
        Ok(())
    }
    /// Adds what another thread collected.
    fn merge(&mut self, _other: Self) {}
}

/// No sink: the KPIs alone.
impl LegSink for () {
    const WANTS_LEGS: bool = false;
    const SPLITS: bool = true;
}

/// The group key of tickets never called (no counter, no staff); sorts last.
/// With several halls, counter and staff keys start with the hall's code:
/// `T1/003`, `T1/1001`, `T1/~`.
pub(crate) const NOT_CALLED: char = '~';

/// The team key of legs served by staff in no team (also legs served
/// before teams existed); sorts after the not-called key.
pub(crate) const NO_TEAM: &str = "~-";

/// A leg's team group key (after its hall's code and `/` with several
/// halls): its team, [`NO_TEAM`], or [`NOT_CALLED`] when no staff called it.
pub(crate) fn team_key(staff: Option<&str>, team: Option<&str>, key: &mut String) {
    match (staff, team) {
        (None, _) => key.push(NOT_CALLED),
        (Some(_), None) => key.push_str(NO_TEAM),
        (Some(_), Some(t)) => key.push_str(t),
    }
}

/// A team group's label from its own key (without the hall's code).
fn team_label(own: &str) -> Label {
    match own {
        NO_TEAM => Label { zh: "未分班组".into(), en: "no team".into() },
        _ if own.chars().eq([NOT_CALLED]) => Label { zh: "未叫号".into(), en: "not called".into() },
        team => Label::same(team.to_string()),
    }
}

const WEEKDAYS: [(&str, &str); 7] = [
    ("周一", "Mon"),
    ("周二", "Tue"),
    ("周三", "Wed"),
    ("周四", "Thu"),
    ("周五", "Fri"),
    ("周六", "Sat"),
    ("周日", "Sun"),
];

/// Monday = 1 … Sunday = 7 (a weekday group's key) as a label.
fn weekday_label(n: usize) -> Label {
    let (zh, en) = WEEKDAYS[n.clamp(1, 7) - 1];
    Label { zh: zh.to_string(), en: en.to_string() }
}

/// The key of the group a piece of clock time (an hour of a business day)
/// falls in under an hour, day or weekday grouping, written into `key`.
fn clock_key(by: GroupBy, hour: u32, day: NaiveDate, key: &mut String) {
    let _ = match by {
        GroupBy::Hour => write!(key, "{hour:02}"),
        GroupBy::Weekday => write!(key, "{}", day.weekday().num_days_from_monday() + 1),
        _ => write!(key, "{day}"),
    };
}

/// That group's label.
fn clock_label(by: GroupBy, hour: u32, day: NaiveDate) -> Label {
    match by {
        GroupBy::Hour => hour_label(hour),
        GroupBy::Weekday => weekday_label(day.weekday().num_days_from_monday() as usize + 1),
        _ => Label::same(day.to_string()),
    }
}

/// An hour group's label, the same in both languages.
fn hour_label(h: u32) -> Label {
    Label::same(format!("{h:02}:00–{:02}:00", h + 1))
}

/// A hall's service and counter names in both languages, and its staff's
/// names, for the labels of its groups.
struct HallNames {
    /// Code → (target wait, target handling, Chinese name, English name).
    services: FastMap<String, (Millis, Millis, String, String)>,
    staff: HashMap<String, String>,
    counters: HashMap<u32, Label>,
}

impl HallNames {
    fn new(services: Vec<Service>, staff: Vec<Staff>, counters: Vec<Counter>) -> Self {
        Self {
            services: services
                .into_iter()
                .map(|s| (s.code.clone(), (s.target_wait_ms(), s.target_handling_ms(), s.name_zh, s.name_en)))
                .collect(),
            staff: staff.into_iter().map(|s| (s.number, s.name)).collect(),
            counters: counters.into_iter().map(|c| (c.number, Label { en: c.english_name(), zh: c.name })).collect(),
        }
    }

    fn service(&self, code: &str) -> Label {
        self.services
            .get(code)
            .map_or_else(|| Label::same(code.to_string()), |s| Label { zh: s.2.clone(), en: s.3.clone() })
    }

    fn counter(&self, number: u32) -> Label {
        self.counters.get(&number).cloned().unwrap_or_else(|| Label {
            zh: format!("{number} 号窗口"),
            en: hallq_core::counter::english_name(number, ""),
        })
    }

    fn staff(&self, number: &str) -> Label {
        Label::same(self.staff.get(number).cloned().unwrap_or_else(|| number.to_string()))
    }
}

/// A ticket leg as a store reads it for a report: the columns the KPIs and
/// the groupings take, borrowed from the row (no copy, no allocation).
/// Both stores (the hall's SQLite, the centre's PostgreSQL) hand their rows
/// to [`HallFeed::leg`], the one function that turns a leg into KPIs.
#[derive(Debug, Clone, Copy)]
pub struct LegRow<'a> {
    /// Service code.
    pub service: &'a str,
    /// The counter that called it (`None`: never called, or not read).
    pub counter: Option<u32>,
    /// The staff member who called it (`None`: never called, or not read).
    pub staff: Option<&'a str>,
    /// Their team when they called it.
    pub team: Option<&'a str>,
    /// Business day, `YYYY-MM-DD` (may be empty when no grouping by day,
    /// weekday or the clock asked for it).
    pub business_day: &'a str,
    /// 1 for a visit's first leg.
    pub leg: u16,
    /// Final or current state.
    pub state: TicketState,
    /// When the leg joined its queue.
    pub issued_at: Millis,
    /// First call.
    pub called_at: Option<Millis>,
    /// Service start.
    pub started_at: Option<Millis>,
    /// End.
    pub ended_at: Option<Millis>,
    /// Rating level 1..=5.
    pub rating: Option<u8>,
    /// The low-score reason as stored (`LowScoreReason::as_str`); read only
    /// with a rating.
    pub rating_reason: Option<&'a str>,
    /// The target wait recorded at issue (`None`: the service's own).
    pub target_wait_ms: Option<Millis>,
    /// The target handling recorded at issue (`None`: the service's own).
    pub target_handling_ms: Option<Millis>,
}

/// A counter session as a store reads it for a report (open time, for
/// utilisation), handed to [`HallFeed::open_time`].
#[derive(Debug, Clone, Copy)]
pub struct OpenRow<'a> {
    /// The counter.
    pub counter: u32,
    /// Who opened it.
    pub staff: Option<&'a str>,
    /// Their team then.
    pub team: Option<&'a str>,
    /// When it opened.
    pub opened_at: Millis,
    /// When it closed; the hall's last event time while it is still open.
    pub closed_at: Millis,
}

/// A report pass's accumulators: the total and, per grouping, its groups.
/// One per thread (or per hall), merged, then finished into reports.
pub struct KpiTally {
    bys: Vec<GroupBy>,
    total: KpiAccumulator,
    groups: Vec<Groups>,
}

impl KpiTally {
    /// Empty accumulators for these groupings.
    pub fn new(bys: &[GroupBy]) -> Self {
        Self {
            bys: bys.to_vec(),
            total: KpiAccumulator::new(),
            groups: bys.iter().map(|_| Groups::default()).collect(),
        }
    }

    /// Adds what another tally (of the same groupings) collected.
    pub fn merge(&mut self, other: KpiTally) {
        self.total.merge(other.total);
        for (a, b) in self.groups.iter_mut().zip(other.groups) {
            a.merge(b);
        }
    }

    /// The accumulators: the total's and, per grouping, each group's by
    /// key, unfinished (to keep as parts, [`KpiAccumulator::to_part`]).
    pub fn into_accumulators(self) -> (KpiAccumulator, Vec<Vec<(String, KpiAccumulator)>>) {
        let groups = self.groups.into_iter().map(|g| g.rows.into_iter().map(|(key, _, acc)| (key, acc)).collect());
        (self.total, groups.collect())
    }

    /// The reports, one per grouping in the order given, groups in key order.
    pub fn finish(self, from: NaiveDate, to: NaiveDate) -> Vec<KpiReport> {
        Self::finish_parts(vec![self], from, to)
    }

    /// The reports of tallies of the same groupings (one per thread), as
    /// if merged first: each group's parts are merged and finished together
    /// on the finishing threads, so that neither the merge (a copy of every
    /// leg's times) nor the percentiles and the peak queue's sorts are a
    /// serial tail.
    pub fn finish_parts(parts: Vec<KpiTally>, from: NaiveDate, to: NaiveDate) -> Vec<KpiReport> {
        let bys = parts.first().map(|p| p.bys.clone()).unwrap_or_default();
        // Job 0 is the total (the largest: it goes first); then every group
        // of every grouping, as first met.
        let mut jobs: Vec<Vec<KpiAccumulator>> = vec![Vec::new()];
        let mut named: Vec<Vec<(String, Label, usize)>> = bys.iter().map(|_| Vec::new()).collect();
        let mut index: Vec<FastMap<String, usize>> = bys.iter().map(|_| FastMap::default()).collect();
        for part in parts {
            jobs[0].push(part.total);
            for ((groups, named), index) in part.groups.into_iter().zip(&mut named).zip(&mut index) {
                for (key, label, acc) in groups.rows {
                    match index.get(&key) {
                        Some(&job) => jobs[job].push(acc),
                        None => {
                            index.insert(key.clone(), jobs.len());
                            named.push((key, label, jobs.len()));
                            jobs.push(vec![acc]);
                        }
                    }
                }
            }
        }
        let mut kpis: Vec<Option<Kpis>> = finish_all(jobs).into_iter().map(Some).collect();
        let total = kpis.first_mut().and_then(Option::take).unwrap_or_default();
        bys.iter()
            .zip(named)
            .map(|(by, named)| {
                let mut out: Vec<KpiGroup> = named
                    .into_iter()
                    .map(|(key, label, job)| KpiGroup {
                        key,
                        label: label.zh,
                        label_en: label.en,
                        kpis: kpis.get_mut(job).and_then(Option::take).unwrap_or_default(),
                    })
                    .collect();
                out.sort_by(|a, b| a.key.cmp(&b.key));
                KpiReport { from, to, by: *by, total: total.clone(), groups: out }
            })
            .collect()
    }
}

/// One hall's legs and open time fed into a [`KpiTally`]: the KPI
/// definitions' only entry from stored rows, so the hall's report and the
/// centre's cannot drift. Keeps what nearly every row repeats (its hall's
/// names, the hour and day last looked up) between rows.
pub struct HallFeed<'a> {
    hall: &'a Hall,
    names: HallNames,
    /// With several halls, counters, staff and teams are per hall: `T1/003`.
    scope: Option<&'a str>,
    /// The range's first and last business days.
    range: (NaiveDate, NaiveDate),
    /// The days being read: the range, or the part of it given to
    /// [`HallFeed::narrow`].
    days: (NaiveDate, NaiveDate),
    /// The range's start and end, UTC ms: a leg's handling is cut there.
    range_span: (Millis, Millis),
    /// The start and end of the days being read (the range, or the part of
    /// it given to [`HallFeed::narrow`]): open time is cut there, so the
    /// parts of a range add up to the whole.
    read_span: (Millis, Millis),
    key: String,
    piece_key: String,
    /// The last business day's text and weekday.
    weekday: Option<(String, u32)>,
    issue_hours: HourOf,
    start_hours: HourOf,
    /// The business day of the last row and its span, for handling by day.
    day_span: Option<(String, NaiveDate, Millis, Millis)>,
}

impl<'a> HallFeed<'a> {
    /// A feed for `hall`'s rows of the range `from..=to`, with its
    /// services, staff and counters (for targets and labels); `scope` is
    /// the hall's code when a report covers several halls.
    pub fn new(
        hall: &'a Hall,
        scope: Option<&'a str>,
        from: NaiveDate,
        to: NaiveDate,
        services: Vec<Service>,
        staff: Vec<Staff>,
        counters: Vec<Counter>,
    ) -> Self {
        Self {
            hall,
            names: HallNames::new(services, staff, counters),
            scope,
            range: (from, to),
            days: (from, to),
            range_span: (day_start(hall, from), day_start(hall, to + Duration::days(1))),
            read_span: (day_start(hall, from), day_start(hall, to + Duration::days(1))),
            key: String::new(),
            piece_key: String::new(),
            weekday: None,
            issue_hours: HourOf::new(),
            start_hours: HourOf::new(),
            day_span: None,
        }
    }

    /// Narrows what the feed reads to the days `from..=to` of its range
    /// (days outside it are ignored; a later call narrows the whole range
    /// again): the legs of those days and the open time of their span,
    /// while a leg's handling is still cut at the whole range's ends only —
    /// so feeding every part of a range, in any order, on any thread, gives
    /// the figures of the whole.
    pub fn narrow(&mut self, from: NaiveDate, to: NaiveDate) {
        let (from, to) = (from.max(self.range.0), to.min(self.range.1));
        self.days = (from, to);
        self.read_span = (day_start(self.hall, from), day_start(self.hall, to + Duration::days(1)));
    }

    /// The first and last business days to read (the legs).
    pub fn days(&self) -> (NaiveDate, NaiveDate) {
        self.days
    }

    /// The start and end, UTC ms, of the open time to read.
    pub fn span(&self) -> (Millis, Millis) {
        self.read_span
    }

    /// Feeds one leg into the total and every grouping; answers what the
    /// KPIs took of it.
    pub fn leg(&mut self, tally: &mut KpiTally, row: &LegRow<'_>) -> Result<TicketFacts> {
        let Self {
            hall,
            names,
            scope,
            range_span: span,
            key,
            piece_key,
            weekday,
            issue_hours,
            start_hours,
            day_span,
            ..
        } = self;
        let (hall, scope, span) = (*hall, *scope, *span);
        let service = row.service;
        // The targets in force at issue; the service's own for legs
        // issued before they were recorded.
        let (tw, th) = match (row.target_wait_ms, row.target_handling_ms) {
            (Some(tw), Some(th)) => (tw, th),
            (tw, th) => {
                let (a, b) = names.services.get(service).map_or((Millis::MAX, Millis::MAX), |(a, b, _, _)| (*a, *b));
                (tw.unwrap_or(a), th.unwrap_or(b))
            }
        };
        let facts = TicketFacts {
            leg: row.leg,
            state: row.state,
            issued_at: row.issued_at,
            called_at: row.called_at,
            started_at: row.started_at,
            ended_at: row.ended_at,
            target_wait_ms: tw,
            target_handling_ms: th,
            rating: row.rating,
            // A reason comes only with a rating: unrated legs skip it.
            reason: match row.rating {
                Some(_) => row.rating_reason.and_then(LowScoreReason::parse),
                None => None,
            },
        };
        tally.total.push(&facts);
        let mut issue_hour = 0;
        for (by, groups) in tally.bys.iter().zip(tally.groups.iter_mut()) {
            key.clear();
            if let (Some(code), GroupBy::Counter | GroupBy::Staff | GroupBy::Team) = (scope, by) {
                key.push_str(code);
                key.push('/');
            }
            let own = key.len();
            match by {
                GroupBy::Total => continue,
                GroupBy::Hall => key.push_str(&hall.code),
                GroupBy::Service => key.push_str(service),
                GroupBy::Counter => match row.counter {
                    Some(c) => push_number(key, c, 3),
                    None => key.push(NOT_CALLED),
                },
                GroupBy::Staff => key.push_str(row.staff.unwrap_or("~")),
                GroupBy::Team => team_key(row.staff, row.team, key),
                GroupBy::Hour => {
                    issue_hour = issue_hours.of(hall, facts.issued_at).1;
                    push_number(key, issue_hour, 2);
                }
                GroupBy::Day => key.push_str(row.business_day),
                GroupBy::Weekday => {
                    // Rows come day by day: the last day's weekday.
                    let text = row.business_day;
                    if weekday.as_ref().is_none_or(|(t, _)| !same_key(t, text)) {
                        let d = parse_day(text)?;
                        *weekday = Some((text.to_string(), d.weekday().number_from_monday()));
                    }
                    push_number(key, weekday.as_ref().map_or(1, |(_, n)| *n), 1);
                }
            }
            // The label is made once per group, not once per ticket.
            let label = || match by {
                GroupBy::Hall => Label::same(hall.name.clone()),
                GroupBy::Service => names.service(service),
                GroupBy::Counter | GroupBy::Staff if key[own..].starts_with(NOT_CALLED) => {
                    scoped(scope, hall, Label { zh: "未叫号".into(), en: "not called".into() })
                }
                GroupBy::Counter => scoped(scope, hall, names.counter(key[own..].parse().unwrap_or_default())),
                GroupBy::Staff => scoped(scope, hall, names.staff(&key[own..])),
                GroupBy::Team => scoped(scope, hall, team_label(&key[own..])),
                GroupBy::Hour => hour_label(key.parse().unwrap_or_default()),
                GroupBy::Weekday => weekday_label(key.parse().unwrap_or(1)),
                GroupBy::Day | GroupBy::Total => Label::same(key.clone()),
            };
            if !matches!(by, GroupBy::Hour | GroupBy::Day | GroupBy::Weekday) {
                groups.get(key, label).push(&facts);
                continue;
            }
            // By the clock: the handling is credited to the hours it
            // was done in, like the counters' open time (and cut, like
            // it, at the range's ends).
            groups.get(key, label).push_busy_apart(&facts);
            let Some((s, e)) = facts.started_at.zip(facts.ended_at) else { continue };
            let (s, e) = (s.max(span.0), e.min(span.1));
            if e <= s {
                continue;
            }
            // Nearly every leg is handled within one piece: its business
            // day (known from the row) or one clock hour. Only the rare
            // leg across a boundary is cut piece by piece.
            let one = match by {
                GroupBy::Hour => {
                    let (start, hour) = start_hours.of(hall, s);
                    (e <= start + HOUR_MS).then_some((hour, NaiveDate::MIN))
                }
                _ => {
                    let text = row.business_day;
                    if day_span.as_ref().is_none_or(|(t, ..)| t != text) {
                        let d = parse_day(text)?;
                        let (a, b) = (day_start(hall, d), day_start(hall, d + Duration::days(1)));
                        *day_span = Some((text.to_string(), d, a, b));
                    }
                    day_span.as_ref().and_then(|(_, d, a, b)| (*a <= s && e <= *b).then_some((0, *d)))
                }
            };
            // Mostly that piece is the leg's own group (its day, or the
            // hour it was issued in): credited under the key at hand.
            let own = match (by, one) {
                (GroupBy::Hour, Some((hour, _))) => hour == issue_hour,
                (_, Some(_)) => true,
                (_, None) => false,
            };
            if own {
                groups.get(key, || Label::same(String::new())).add_busy_ms(e - s);
                continue;
            }
            let mut credit = |hour: u32, day: NaiveDate, ms: Millis| {
                piece_key.clear();
                clock_key(*by, hour, day, piece_key);
                groups.get(piece_key, || clock_label(*by, hour, day)).add_busy_ms(ms);
            };
            match one {
                Some((hour, day)) => credit(hour, day, e - s),
                None => {
                    for (t, piece_end, hour, day) in hour_pieces(hall, s, e) {
                        credit(hour, day, piece_end - t);
                    }
                }
            }
        }
        Ok(facts)
    }

    /// Adds a part kept for this hall (a [`KpiAccumulator::to_part`]) to the
    /// total and every grouping, which must be ones [`GroupBy::from_parts`]
    /// serves: `service`'s part is what [`HallFeed::leg`] fed its group of
    /// one business day under [`GroupBy::Service`]; a part of no service is
    /// the open time [`HallFeed::open_time`] fed the total of one business
    /// day (narrowed to it), as every grouping but service takes it.
    pub fn part(&mut self, tally: &mut KpiTally, service: Option<&str>, bytes: &[u8]) -> Result<()> {
        let (hall, names) = (self.hall, &self.names);
        let bad = |e: hallq_core::BadPart| StoreError::Corrupt(e.to_string());
        tally.total.merge_part(bytes).map_err(bad)?;
        for (by, groups) in tally.bys.iter().zip(tally.groups.iter_mut()) {
            match (by, service) {
                (GroupBy::Total, _) | (GroupBy::Service, None) => {}
                (GroupBy::Hall, _) => {
                    groups.get(&hall.code, || Label::same(hall.name.clone())).merge_part(bytes).map_err(bad)?
                }
                (GroupBy::Service, Some(code)) => {
                    groups.get(code, || names.service(code)).merge_part(bytes).map_err(bad)?
                }
                (other, _) => {
                    return Err(StoreError::Corrupt(format!("no part serves the grouping by {}", other.as_str())));
                }
            }
        }
        Ok(())
    }

    /// Feeds one counter session's open time, cut to the range, into the
    /// total and every grouping but service.
    pub fn open_time(&mut self, tally: &mut KpiTally, row: &OpenRow<'_>) {
        let (hall, scope, names) = (self.hall, self.scope, &self.names);
        let (a, b) = (row.opened_at.max(self.read_span.0), row.closed_at.min(self.read_span.1));
        if b <= a {
            return;
        }
        let counter = row.counter;
        tally.total.add_open_ms(b - a);
        for (by, groups) in tally.bys.iter().zip(tally.groups.iter_mut()) {
            match by {
                GroupBy::Total | GroupBy::Service => {}
                GroupBy::Hall => groups.get(&hall.code, || Label::same(hall.name.clone())).add_open_ms(b - a),
                GroupBy::Counter => {
                    let key = scope.map_or_else(|| format!("{counter:03}"), |c| format!("{c}/{counter:03}"));
                    let label = || scoped(scope, hall, names.counter(counter));
                    groups.get(&key, label).add_open_ms(b - a)
                }
                GroupBy::Staff => {
                    if let Some(s) = row.staff {
                        let key = scope.map_or_else(|| s.to_string(), |c| format!("{c}/{s}"));
                        groups.get(&key, || scoped(scope, hall, names.staff(s))).add_open_ms(b - a);
                    }
                }
                GroupBy::Team => {
                    if row.staff.is_some() {
                        let mut key = scope.map_or_else(String::new, |c| format!("{c}/"));
                        let own = key.len();
                        team_key(row.staff, row.team, &mut key);
                        groups.get(&key, || scoped(scope, hall, team_label(&key[own..]))).add_open_ms(b - a);
                    }
                }
                GroupBy::Hour | GroupBy::Day | GroupBy::Weekday => {
                    let mut key = String::new();
                    for (t, piece_end, hour, day) in hour_pieces(hall, a, b) {
                        key.clear();
                        clock_key(*by, hour, day, &mut key);
                        groups.get(&key, || clock_label(*by, hour, day)).add_open_ms(piece_end - t);
                    }
                }
            }
        }
    }
}

/// A business day's `YYYY-MM-DD`.
fn parse_day(text: &str) -> Result<NaiveDate> {
    text.parse().map_err(|e: chrono::ParseError| StoreError::Corrupt(format!("business day '{text}': {e}")))
}

impl Reader {
    /// At most `cores` threads for this reader's reports (at least one):
    /// a hall server may keep cores for the hall, and a report's figures
    /// are the same on any number.
    pub fn with_cores(mut self, cores: usize) -> Self {
        self.cores = cores.max(1);
        self
    }

    /// The KPIs of a range of business days, grouped. Halls are read in
    /// parallel, each on its own read-only connection, and merged.
    pub fn kpis(&self, q: &KpiQuery) -> Result<KpiReport> {
        let mut reports = self.kpis_many(q.hall, q.from, q.to, &[q.by])?;
        reports.pop().ok_or_else(|| StoreError::Corrupt("no report".into()))
    }

    /// The KPIs of a range under several groupings at once, from one pass
    /// over the tickets (an XLSX export's sheets, the overview's parts).
    pub fn kpis_many(
        &self,
        hall: Option<Uuid>,
        from: NaiveDate,
        to: NaiveDate,
        bys: &[GroupBy],
    ) -> Result<Vec<KpiReport>> {
        check_range(from, to)?;
        let rows = self.report_halls(hall)?;
        Ok(self.kpis_pass(&rows, from, to, bys, || ())?.0)
    }

    /// [`Reader::kpis_many`] over these halls, also feeding every leg to a
    /// sink (one per thread, from `new_sink`, merged): one pass over the
    /// ticket rows for the KPIs and whatever else the caller collects.
    pub(crate) fn kpis_pass<S: LegSink>(
        &self,
        rows: &[HallRow],
        from: NaiveDate,
        to: NaiveDate,
        bys: &[GroupBy],
        new_sink: impl Fn() -> S + Sync,
    ) -> Result<(Vec<KpiReport>, S)> {
        check_range(from, to)?;
        // With several halls, counters and staff are per hall: `T1/003`.
        let several = rows.len() > 1;
        let work = parts_of(rows, from, to, if S::SPLITS { self.cores } else { 1 });
        let parts = self.in_parallel(
            &work,
            || (KpiTally::new(bys), new_sink(), None::<(i64, HallFeed<'_>)>),
            |reader, &(row, (part_from, part_to)), (tally, sink, last)| {
                // A thread's next part is mostly of the same hall: its feed
                // (names, targets, caches) serves again.
                let feed = match last {
                    Some((key, feed)) if *key == row.key => feed,
                    _ => {
                        let scope = several.then_some(row.hall.code.as_str());
                        sink.hall(reader, row)?;
                        let feed = HallFeed::new(
                            &row.hall,
                            scope,
                            from,
                            to,
                            crate::services::all(&reader.conn, row.key)?,
                            crate::staff::all(&reader.conn, row.key)?,
                            crate::counters::all(&reader.conn, row.key)?,
                        );
                        &mut last.insert((row.key, feed)).1
                    }
                };
                feed.narrow(part_from, part_to);
                reader.tickets_into(row, feed, tally, sink)?;
                reader.open_time_into(row, feed, tally)
            },
        );
        let mut tallies = Vec::with_capacity(parts.len());
        let mut sink = new_sink();
        for part in parts {
            let (t, s, _) = part?;
            tallies.push(t);
            sink.merge(s);
        }
        if tallies.is_empty() {
            tallies.push(KpiTally::new(bys));
        }
        Ok((KpiTally::finish_parts(tallies, from, to), sink))
    }

    /// The halls a report covers: one, or every hall in the database.
    pub(crate) fn report_halls(&self, hall: Option<Uuid>) -> Result<Vec<HallRow>> {
        let rows = halls::all(&self.conn)?;
        Ok(match hall {
            Some(id) => vec![
                rows.into_iter().find(|h| h.hall.id == id).ok_or_else(|| StoreError::UnknownHall(id.to_string()))?,
            ],
            None => rows,
        })
    }

    /// Runs `each` over the items (halls, or parts of halls' ranges) on as
    /// many threads as there are cores, each thread with its own read-only
    /// connection (or on this connection, for one thread or an in-memory
    /// database) and its own state from `init`, and returns each thread's
    /// state. Threads take the next item when they finish one, so items of
    /// different sizes still keep every core busy.
    pub(crate) fn in_parallel<I: Sync, T: Send>(
        &self,
        items: &[I],
        init: impl Fn() -> T + Sync,
        each: impl Fn(&Reader, &I, &mut T) -> Result<()> + Sync,
    ) -> Vec<Result<T>> {
        let threads = self.cores.min(items.len()).max(1);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let run = |reader: &Reader| -> Result<T> {
            let mut state = init();
            while let Some(item) = items.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                each(reader, item, &mut state)?;
            }
            Ok(state)
        };
        if threads < 2 {
            return vec![run(self)];
        }
        // The threads' connections come from the pool and go back to it
        // (their memory maps kept for the next report a little while).
        let mut conns = Vec::with_capacity(threads);
        for _ in 0..threads {
            match self.conn.report_sibling() {
                Ok(Some(conn)) => conns.push(conn),
                Ok(None) => return vec![run(self)],
                Err(e) => return vec![Err(e)],
            }
        }
        std::thread::scope(|scope| {
            let run = &run;
            let handles: Vec<_> =
                conns.into_iter().map(|conn| scope.spawn(move || run(&Reader { conn, cores: 1 }))).collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(StoreError::ReportThreadFailed))).collect()
        })
    }

    /// Streams the hall's legs of the feed's range from the
    /// `tickets_by_day` index into the feed (and the sink).
    fn tickets_into<S: LegSink>(
        &self,
        row: &HallRow,
        feed: &mut HallFeed<'_>,
        tally: &mut KpiTally,
        sink: &mut S,
    ) -> Result<()> {
        let bys = &tally.bys;
        // Columns no grouping or sink reads are selected as NULL, so SQLite
        // does not decode them (a quarter of a row's columns, by hall), and
        // are not even asked for (each costs a few calls into SQLite, a
        // million rows over).
        let wants = |yes: bool, column: &'static str| if yes { column } else { "NULL" };
        let by_clock = bys.iter().any(|b| matches!(b, GroupBy::Day | GroupBy::Weekday));
        let by_team = bys.contains(&GroupBy::Team);
        let want_counter = bys.contains(&GroupBy::Counter);
        let want_staff = bys.contains(&GroupBy::Staff) || by_team || S::WANTS_LEGS;
        let want_day = by_clock || S::WANTS_LEGS;
        let want_team = by_team || S::WANTS_LEGS;
        let sql = format!(
            "SELECT service, {}, {}, {}, leg, state, issued_at, called_at, started_at, ended_at,
                    rating, rating_reason, {}, target_wait_ms, target_handling_ms, {}, {}
             FROM tickets WHERE hall = ?1 AND business_day BETWEEN ?2 AND ?3",
            wants(want_counter, "counter"),
            wants(want_staff, "staff"),
            wants(want_day, "business_day"),
            wants(S::WANTS_LEGS, "rowid"),
            wants(want_team, "team"),
            wants(S::WANTS_LEGS, "recalls"),
        );
        let (from, to) = feed.days();
        let mut st = self.conn.prepare_cached(&sql)?;
        let mut rs = st.query(rusqlite::params![row.key, from.to_string(), to.to_string()])?;
        while let Some(r) = rs.next()? {
            let rating = r.get(10)?;
            let leg = LegRow {
                service: r.get_ref(0)?.as_str()?,
                counter: if want_counter { r.get(1)? } else { None },
                staff: if want_staff { r.get_ref(2)?.as_str_or_null()? } else { None },
                team: if want_team { r.get_ref(15)?.as_str_or_null()? } else { None },
                business_day: if want_day { r.get_ref(3)?.as_str_or_null()?.unwrap_or_default() } else { "" },
                leg: r.get(4)?,
                state: TicketState::parse(r.get_ref(5)?.as_str()?).ok_or_else(|| rows::damaged(5, "ticket state"))?,
                issued_at: r.get(6)?,
                called_at: r.get(7)?,
                started_at: r.get(8)?,
                ended_at: r.get(9)?,
                rating,
                // A reason comes only with a rating: unrated legs skip it.
                rating_reason: if rating.is_some() { r.get_ref(11)?.as_str_or_null()? } else { None },
                target_wait_ms: r.get(13)?,
                target_handling_ms: r.get(14)?,
            };
            let facts = feed.leg(tally, &leg)?;
            if S::WANTS_LEGS {
                let leg = Leg {
                    rowid: r.get(12)?,
                    day: leg.business_day,
                    leg: facts.leg,
                    issued_at: facts.issued_at,
                    called_at: facts.called_at,
                    ended_at: facts.ended_at,
                    facts: &facts,
                    recalls: r.get(16)?,
                    staff: leg.staff,
                    team: leg.team,
                };
                sink.leg(self, row, &leg)?;
            }
        }
        Ok(())
    }

    /// Feeds the hall's counter sessions overlapping the feed's range.
    fn open_time_into(&self, row: &HallRow, feed: &mut HallFeed<'_>, tally: &mut KpiTally) -> Result<()> {
        let (start, end) = feed.span();
        let mut st = self.conn.prepare_cached(
            "SELECT counter, staff, opened_at, coalesce(closed_at, ?4), team FROM counter_sessions
             WHERE hall = ?1 AND opened_at < ?3 AND coalesce(closed_at, ?4) > ?2",
        )?;
        let mut rs = st.query(rusqlite::params![row.key, start, end, row.last_at])?;
        while let Some(r) = rs.next()? {
            let open = OpenRow {
                counter: r.get(0)?,
                staff: r.get_ref(1)?.as_str_or_null()?,
                team: r.get_ref(4)?.as_str_or_null()?,
                opened_at: r.get(2)?,
                closed_at: r.get(3)?,
            };
            feed.open_time(tally, &open);
        }
        Ok(())
    }
}

/// The cores a report may use.
pub(crate) fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Parts per core a split report pass aims at: enough that the last part
/// to finish holds a core only briefly (halls differ in size, and parts of
/// a range differ with the season).
const PARTS_PER_CORE: i64 = 32;

/// A report pass's work: each hall's whole range or, for `cores` > 1, the
/// range in parts of consecutive days, about [`PARTS_PER_CORE`] per core
/// over all halls (a year of 8 halls on 2 cores: parts of 46 days; a day:
/// one part per hall).
fn parts_of(rows: &[HallRow], from: NaiveDate, to: NaiveDate, cores: usize) -> Vec<(&HallRow, (NaiveDate, NaiveDate))> {
    let days = (to - from).num_days() + 1;
    let per_part = match cores {
        0 | 1 => days,
        n => {
            let (work, parts) = (days * rows.len() as i64, n as i64 * PARTS_PER_CORE);
            ((work + parts - 1) / parts).clamp(1, days)
        }
    };
    let starts = move || (0..).map(move |k| from + Duration::days(k * per_part)).take_while(move |d| *d <= to);
    rows.iter().flat_map(|row| starts().map(move |a| (row, (a, (a + Duration::days(per_part - 1)).min(to))))).collect()
}

/// Merges each job's accumulators and finishes them, on every core, each
/// thread taking the next job (the largest, the total, comes first);
/// answers in the given order.
fn finish_all(jobs: Vec<Vec<KpiAccumulator>>) -> Vec<Kpis> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let finish = |parts: Vec<KpiAccumulator>| {
        let mut parts = parts.into_iter();
        let mut acc = parts.next().unwrap_or_default();
        for part in parts {
            acc.merge(part);
        }
        acc.finish()
    };
    let threads = cores().min(jobs.len());
    if threads < 2 {
        return jobs.into_iter().map(finish).collect();
    }
    let jobs: Vec<Mutex<Option<Vec<KpiAccumulator>>>> = jobs.into_iter().map(|a| Mutex::new(Some(a))).collect();
    let done: Vec<Mutex<Option<Kpis>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    let parts = job.lock().unwrap_or_else(|e| e.into_inner()).take();
                    if let (Some(parts), Some(out)) = (parts, done.get(i)) {
                        *out.lock().unwrap_or_else(|e| e.into_inner()) = Some(finish(parts));
                    }
                }
            });
        }
    });
    done.into_iter().map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()).unwrap_or_default()).collect()
}

/// A span of time `[a, b)` cut at the hall's local hour boundaries: each
/// piece's start, end, local hour and business day (counter open time by
/// hour of day or of the week).
pub(crate) fn hour_pieces(
    hall: &Hall,
    a: Millis,
    b: Millis,
) -> impl Iterator<Item = (Millis, Millis, u32, NaiveDate)> + '_ {
    let mut t = a;
    std::iter::from_fn(move || {
        if t >= b {
            return None;
        }
        let local = hall.local(t);
        let next_hour = hour_start(t, &local) + HOUR_MS;
        let piece = (t, next_hour.min(b), local.hour(), hall.business_day(t));
        t = piece.1;
        Some(piece)
    })
}

const HOUR_MS: Millis = 3_600_000;

/// The start of the local clock hour of instant `t` (given as `local`, its
/// local time in the hall's zone).
pub(crate) fn hour_start(t: Millis, local: &chrono::DateTime<chrono_tz::Tz>) -> Millis {
    t - i64::from(local.minute()) * 60_000
        - i64::from(local.second()) * 1000
        - i64::from(local.timestamp_subsec_millis())
}

/// A counter's or staff member's label, with its hall's name when several
/// halls are reported.
fn scoped(scope: Option<&str>, hall: &Hall, label: Label) -> Label {
    match scope {
        Some(_) => Label { zh: format!("{} {}", hall.name, label.zh), en: format!("{} {}", hall.name, label.en) },
        None => label,
    }
}

/// `from` ≤ `to`, or a bilingual refusal.
pub fn check_range(from: NaiveDate, to: NaiveDate) -> Result<()> {
    if from > to {
        return Err(StoreError::Core(hallq_core::CoreError::InvalidConfig {
            zh: format!("起始日期 {from} 晚于结束日期 {to}"),
            en: format!("the start date {from} is after the end date {to}"),
        }));
    }
    Ok(())
}

/// When a business day starts, UTC ms.
pub fn day_start(hall: &Hall, day: NaiveDate) -> Millis {
    let local = day.and_hms_opt(u32::from(hall.rollover_hour), 0, 0).unwrap_or_default();
    hall.time_zone
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.timestamp_millis())
        .unwrap_or_else(|| local.and_utc().timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_written_as_format_would() {
        for (n, width) in [(0, 1), (7, 1), (0, 2), (9, 2), (23, 2), (3, 3), (42, 3), (999, 3), (1234, 3), (u32::MAX, 3)]
        {
            let mut key = String::from("T1/");
            push_number(&mut key, n, width);
            assert_eq!(key, format!("T1/{n:0width$}"));
        }
    }

    #[test]
    fn keys_compare_by_every_byte() {
        assert!(same_key("T1/1001", "T1/1001"));
        assert!(!same_key("T1/1001", "T1/1002"));
        assert!(!same_key("T1/100", "T1/1001"));
        assert!(same_key("", ""));
        let long = "华北供电公司第一营业厅/1001";
        assert!(same_key(long, long) && !same_key(long, "华北供电公司第一营业厅/1002"));
    }

    #[test]
    fn an_hour_looked_up_again_is_the_hour_the_zone_gives() {
        let hall = Hall::new(Uuid::nil(), "T", "测试厅");
        let mut hours = HourOf::new();
        let base = day_start(&hall, NaiveDate::from_ymd_opt(2026, 11, 2).unwrap_or_default());
        // Forwards, backwards, on the boundaries, a day later.
        for t in [0, 1, HOUR_MS - 1, HOUR_MS, 5 * HOUR_MS + 7, 2 * HOUR_MS, 26 * HOUR_MS, -1] {
            let t = base + t;
            let local = hall.local(t);
            assert_eq!(hours.of(&hall, t), (hour_start(t, &local), local.hour()), "t = {t}");
        }
    }
}
