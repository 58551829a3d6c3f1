//! Commitments (承诺时限): cases (工单) a counter opens for a customer's
//! request that the company promised to settle within a time limit — a
//! connection, a meter test, a complaint — timed on the hall's working-day
//! calendar from the moment the documents were received at the window.
//!
//! Everything here is pure: the catalogue of case types with the State Grid
//! 2023 limits as defaults, and the working-day arithmetic that turns a
//! receipt time and a limit into a due time. The calendar is the hall's
//! ([`Hall::is_working_day`]: Monday to Friday, minus declared public
//! holidays, plus declared make-up working days). A case records its due
//! times when it is opened, so a later change of the calendar never moves a
//! deadline already promised.

use chrono::{Duration, NaiveDate, NaiveTime, TimeZone};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::code::valid_code;
use crate::hall::Hall;
use crate::{CoreError, Millis, text};

/// A time limit: whole working days on the hall's calendar, or clock hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Limit {
    /// Due at the end of the nth working day after the day the case counts
    /// from (0: the end of that day itself).
    WorkingDays(u16),
    /// Due this many hours after receipt, by the clock.
    Hours(u16),
}

/// At most this many working days (a year of them) or hours in a limit.
pub const MAX_WORKING_DAYS: u16 = 250;
/// At most this many hours (a month by the clock).
pub const MAX_HOURS: u16 = 744;

impl Limit {
    fn check(self) -> Result<Self, CoreError> {
        match self {
            Self::WorkingDays(n) if n <= MAX_WORKING_DAYS => Ok(self),
            Self::Hours(h) if (1..=MAX_HOURS).contains(&h) => Ok(self),
            Self::WorkingDays(_) => Err(CoreError::config(
                format!("时限须为 0–{MAX_WORKING_DAYS} 个工作日"),
                format!("a limit must be 0-{MAX_WORKING_DAYS} working days"),
            )),
            Self::Hours(_) => Err(CoreError::config(
                format!("时限须为 1–{MAX_HOURS} 小时"),
                format!("a limit must be 1-{MAX_HOURS} hours"),
            )),
        }
    }

    /// Whether a case with this limit is due later than (or as late as) one
    /// with `other`, whatever the calendar: comparable only in like units.
    fn within(self, other: Self) -> bool {
        match (self, other) {
            (Self::WorkingDays(a), Self::WorkingDays(b)) | (Self::Hours(a), Self::Hours(b)) => a <= b,
            // Hours within working days: each working day holds at least 0
            // clock hours of it, so only a day's worth is surely within.
            (Self::Hours(h), Self::WorkingDays(d)) => u32::from(h) <= 24 * u32::from(d.max(1)),
            (Self::WorkingDays(_), Self::Hours(_)) => false,
        }
    }
}

/// A stage of a case with its own limit, counted like the case's own from
/// receipt (e.g. the supply-plan reply within a connection).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseStage {
    /// Short code, unique within its case type, e.g. `PLAN`.
    pub code: String,
    /// Chinese name, e.g. 答复供电方案.
    pub name_zh: String,
    /// English name, e.g. `supply-plan reply`.
    pub name_en: String,
    /// Its limit, from receipt.
    pub limit: Limit,
}

/// A kind of case in the hall's commitment catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseType {
    /// Short code, e.g. `RES_CONN`.
    pub code: String,
    /// Chinese name, e.g. 居民用户接电.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The promised limit for the whole case, from receipt.
    pub limit: Limit,
    /// Stages with limits of their own, in order.
    #[serde(default)]
    pub stages: Vec<CaseStage>,
    /// Whether putting a case on hold (waiting for the customer's
    /// documents) stops its clock: the due time moves on by the working days
    /// (or the hours) it was held. Always logged with a reason either way.
    pub hold_stops_clock: bool,
    /// Whether counters may open new cases of this type.
    pub active: bool,
}

/// At most this many stages in a case type.
pub const MAX_STAGES: usize = 8;
/// At most this many case types in a hall's catalogue.
pub const MAX_CASE_TYPES: usize = 64;

impl CaseType {
    /// Checks a case type as a supervisor defines it.
    pub fn validate(&self) -> Result<(), CoreError> {
        if !valid_code(&self.code) {
            return Err(CoreError::config(
                format!("工单类型编码“{}”须为 1–16 位字母、数字、- 或 _", self.code),
                format!("case type code '{}' must be 1-16 letters, digits, '-' or '_'", self.code),
            ));
        }
        text::check(&text::CASE_TYPE_NAME_ZH, &self.name_zh)?;
        text::check(&text::CASE_TYPE_NAME_EN, &self.name_en)?;
        self.limit.check()?;
        if self.stages.len() > MAX_STAGES {
            return Err(CoreError::config(
                format!("一个工单类型最多 {MAX_STAGES} 个环节"),
                format!("a case type has at most {MAX_STAGES} stages"),
            ));
        }
        for (i, stage) in self.stages.iter().enumerate() {
            if !valid_code(&stage.code) || self.stages[..i].iter().any(|s| s.code == stage.code) {
                return Err(CoreError::config(
                    format!("环节编码“{}”须为 1–16 位字母、数字、- 或 _，且在本类型内不重复", stage.code),
                    format!("stage code '{}' must be 1-16 letters, digits, '-' or '_', once per case type", stage.code),
                ));
            }
            text::check(&text::CASE_TYPE_NAME_ZH, &stage.name_zh)?;
            text::check(&text::CASE_TYPE_NAME_EN, &stage.name_en)?;
            stage.limit.check()?;
            if !stage.limit.within(self.limit) {
                return Err(CoreError::config(
                    format!("环节“{}”的时限不能超过整个工单的时限", stage.name_zh),
                    format!("stage '{}' cannot have a longer limit than its case", stage.name_en),
                ));
            }
        }
        Ok(())
    }

    /// The stage with this code.
    pub fn stage(&self, code: &str) -> Option<&CaseStage> {
        self.stages.iter().find(|s| s.code == code)
    }
}

/// The code of the case type that a low rating's follow-up (回访) is.
pub const FOLLOW_UP_CASE: &str = "FOLLOW_UP";

/// The State Grid 2023 service commitments (国家电网公司供电服务承诺) a
/// hall's catalogue starts from; the bureau edits them in settings.
pub fn default_catalogue() -> Vec<CaseType> {
    let days = Limit::WorkingDays;
    let kind = |code: &str, zh: &str, en: &str, limit, hold, stages: Vec<CaseStage>| CaseType {
        code: code.into(),
        name_zh: zh.into(),
        name_en: en.into(),
        limit,
        stages,
        hold_stops_clock: hold,
        active: true,
    };
    let stage = |code: &str, zh: &str, en: &str, limit| CaseStage {
        code: code.into(),
        name_zh: zh.into(),
        name_en: en.into(),
        limit,
    };
    vec![
        kind("RES_CONN", "居民用户接电", "residential connection", days(5), true, vec![]),
        kind(
            "LV_CONN",
            "低压非居民用户接电",
            "low-voltage non-residential connection",
            days(6),
            true,
            // The field study's broken promise: 三工作日内回答供电方案.
            vec![stage("PLAN", "答复供电方案", "supply-plan reply", days(3))],
        ),
        kind("HV_SINGLE", "高压单电源用户接电", "high-voltage single-supply connection", days(22), true, vec![]),
        kind("HV_DUAL", "高压双电源用户接电", "high-voltage dual-supply connection", days(32), true, vec![]),
        kind("METER_TEST", "电能表校验结果答复", "meter test result", days(5), true, vec![]),
        kind("METER_DATA", "电能表数据异常核实答复", "meter data anomaly checked and answered", days(5), true, vec![]),
        kind(
            "COMPLAINT",
            "投诉处理",
            "complaint",
            days(7),
            false,
            vec![stage("CONTACT", "联系客户", "customer contacted", days(1))],
        ),
        kind(FOLLOW_UP_CASE, "低分评价回访", "follow-up of a low rating", days(15), false, vec![]),
    ]
}

/// The day a case's working days count from: the day of receipt when it is
/// a working day and the documents came before closing time (or the hall
/// keeps no opening hours); otherwise the next working day.
pub fn counting_day(hall: &Hall, received_at: Millis) -> NaiveDate {
    let local = hall.local(received_at);
    let day = local.date_naive();
    let after_hours = hall.opening.is_some_and(|h| h.open <= h.close && local.time() >= h.close);
    if hall.is_working_day(day) && !after_hours { day } else { next_working_day(hall, day) }
}

/// The first working day after `day`.
pub fn next_working_day(hall: &Hall, day: NaiveDate) -> NaiveDate {
    hall.add_working_days(day, 1)
}

/// The working days `d` with `from < d <= to` (0 when `to <= from`): the
/// inverse of [`Hall::add_working_days`].
pub fn working_days_after(hall: &Hall, from: NaiveDate, to: NaiveDate) -> u32 {
    from.iter_days().skip(1).take_while(|d| *d <= to).filter(|d| hall.is_working_day(*d)).count() as u32
}

/// The end of a local day in the hall's zone (the next day's 00:00), UTC ms.
pub fn end_of_day(hall: &Hall, day: NaiveDate) -> Millis {
    let next = day.succ_opt().unwrap_or(day).and_time(NaiveTime::MIN);
    // A day that starts in a gap of the zone (none in China): its earliest.
    hall.time_zone
        .from_local_datetime(&next)
        .earliest()
        .map_or_else(|| next.and_utc().timestamp_millis(), |t| t.timestamp_millis())
}

/// When a case (or stage) received at `received_at` with `limit` is due: the
/// end of its last working day, or receipt plus the hours.
pub fn due_at(hall: &Hall, received_at: Millis, limit: Limit) -> Millis {
    match limit {
        Limit::WorkingDays(n) => end_of_day(hall, hall.add_working_days(counting_day(hall, received_at), n.into())),
        Limit::Hours(h) => received_at + Duration::hours(h.into()).num_milliseconds(),
    }
}

/// How far a hold from `held_at` to `resumed_at` moves a due time under
/// `limit`: the working days the case spent on hold at their end (held on
/// Monday, resumed on Wednesday: Monday and Tuesday, 2), or the hours.
pub fn extend_for_hold(hall: &Hall, due: Millis, limit: Limit, held_at: Millis, resumed_at: Millis) -> Millis {
    match limit {
        Limit::WorkingDays(_) => {
            let (from, to) = (hall.local(held_at).date_naive(), hall.local(resumed_at).date_naive());
            let held = working_days_after(hall, from.pred_opt().unwrap_or(from), to.pred_opt().unwrap_or(to));
            if held == 0 {
                return due;
            }
            // The due day is the day before the due time's local midnight.
            let due_day = hall.local(due - 1).date_naive();
            end_of_day(hall, hall.add_working_days(due_day, held))
        }
        Limit::Hours(_) => due + (resumed_at - held_at).max(0),
    }
}

/// Where a case is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CaseState {
    /// Being worked.
    Open,
    /// Waiting for something outside the hall (the customer's documents);
    /// the reason is on the case.
    OnHold,
    /// Closed with an outcome.
    Closed,
}

impl CaseState {
    /// The snake_case name stored in the projections.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::OnHold => "on_hold",
            Self::Closed => "closed",
        }
    }

    /// The state named `s`.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Open, Self::OnHold, Self::Closed].into_iter().find(|x| x.as_str() == s)
    }
}

/// How a case was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CaseOutcome {
    /// Done as asked (办结).
    Resolved,
    /// The customer withdrew the request (客户撤回).
    Withdrawn,
    /// Handed to another unit, which now owns it (转办).
    Referred,
}

impl CaseOutcome {
    /// The snake_case name stored in the projections.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resolved => "resolved",
            Self::Withdrawn => "withdrawn",
            Self::Referred => "referred",
        }
    }

    /// Its Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Resolved => "办结",
            Self::Withdrawn => "客户撤回",
            Self::Referred => "转办",
        }
    }

    /// The outcome named `s`.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Resolved, Self::Withdrawn, Self::Referred].into_iter().find(|x| x.as_str() == s)
    }
}

/// A stage of one case: when it is due and when it was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageProgress {
    /// The stage's code in the case type.
    pub code: String,
    /// Its limit when the case was opened (holds move its due time on by it).
    pub limit: Limit,
    /// When it is due (UTC ms), as promised (moved on by holds that stop
    /// the clock).
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub due_at: Millis,
    /// When it was done.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub done_at: Option<Millis>,
}

/// A case (工单): a customer's request with a promised limit. Times are UTC ms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Case {
    /// Stable id (UUIDv7).
    pub id: Uuid,
    /// The number the customer is told and the receipt shows, e.g.
    /// `W251014-003` (day of opening, then the day's sequence).
    pub number: String,
    /// Its type's code in the catalogue.
    pub case_type: String,
    /// The ticket leg at whose counter it was opened, if any.
    pub ticket: Option<Uuid>,
    /// The customer's reference (application or account number); masked in
    /// reports and exports.
    pub customer_ref: Option<String>,
    /// What the customer asked for.
    pub note: Option<String>,
    /// Who works it now (staff number).
    pub staff: String,
    /// Who opened it.
    pub opened_by: String,
    /// When the documents were taken at the window: the clock starts here.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub received_at: Millis,
    /// When the case was entered (received → accepted is the pile of
    /// documents waiting to be entered).
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub accepted_at: Millis,
    /// When it is due, as promised (moved on only by holds that stop the
    /// clock).
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub due_at: Millis,
    /// Its type's limit when it was opened.
    pub limit: Limit,
    /// Whether a hold stops its clock (its type's rule when opened).
    pub hold_stops_clock: bool,
    /// Its stages, in order.
    pub stages: Vec<StageProgress>,
    /// Where it is.
    pub state: CaseState,
    /// While on hold: since when, and why.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub held_at: Option<Millis>,
    /// Why it is on hold.
    pub hold_reason: Option<String>,
    /// How many times it was put on hold.
    pub holds: u32,
    /// When it was closed.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub closed_at: Option<Millis>,
    /// How it was closed.
    pub outcome: Option<CaseOutcome>,
}

impl Case {
    /// Whether it was (or, open, is already) past its due time at `now`.
    pub fn is_late(&self, now: Millis) -> bool {
        self.closed_at.unwrap_or(now) > self.due_at
    }

    /// Its next stage not done yet.
    pub fn next_stage(&self) -> Option<&StageProgress> {
        self.stages.iter().find(|s| s.done_at.is_none())
    }
}

/// How far back a case's receipt time may be entered (the pile the field
/// study found was days, not weeks): 30 days.
pub const MAX_BACKDATE_MS: Millis = 30 * 24 * 3_600_000;
/// How far ahead of the hall's clock a receipt time may be (clocks of
/// terminals differ a little): 5 minutes.
pub const MAX_AHEAD_MS: Millis = 5 * 60_000;

/// A case's number: `W`, the opening's local date as `yymmdd`, `-`, the
/// day's sequence.
pub fn case_number(day: NaiveDate, seq: u16) -> String {
    format!("W{}-{seq:03}", day.format("%y%m%d"))
}

/// A customer reference as reports and exports show it: the last four
/// characters, the rest masked (`****5678`).
pub fn mask_ref(reference: &str) -> String {
    let chars: Vec<char> = reference.chars().collect();
    let keep = chars.len().saturating_sub(4);
    std::iter::repeat_n('*', keep.min(8)).chain(chars[keep..].iter().copied()).collect()
}

/// The on-time figures of a set of cases (the commitments report): what
/// was promised, what was kept, how long it took in working days, how long
/// documents waited to be entered, and what is overdue now.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseKpis {
    /// Cases opened.
    pub opened: u64,
    /// Closed by their due time.
    pub closed_on_time: u64,
    /// Closed after it.
    pub closed_late: u64,
    /// Not closed yet (open or on hold).
    pub open: u64,
    /// Not closed and past their due time now.
    pub open_overdue: u64,
    /// Closed on time ÷ closed; `None` with none closed.
    pub on_time_rate: Option<f64>,
    /// The most overdue open case: working days past its due day.
    pub max_overdue_working_days: Option<u32>,
    /// Working days from the day a closed case counted from to its close:
    /// the nearest-rank median.
    pub close_working_days_p50: Option<u32>,
    /// … and 90th percentile.
    pub close_working_days_p90: Option<u32>,
    /// Received → accepted (documents waiting to be entered), mean, ms.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub accept_gap_mean_ms: Option<Millis>,
    /// … its nearest-rank 90th percentile, ms.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub accept_gap_p90_ms: Option<Millis>,
    /// Cases entered more than an hour after their documents were received.
    pub entered_late: u64,
    /// Holds, in all.
    pub holds: u64,
    /// Cases held at least once.
    pub held_cases: u64,
}

/// Entered more than this after receipt counts as entered late (the pile).
pub const ENTERED_LATE_MS: Millis = 3_600_000;

/// Streams cases into [`CaseKpis`], judged on the hall's calendar at `now`.
#[derive(Debug, Clone, Default)]
pub struct CaseAccumulator {
    k: CaseKpis,
    close_days: Vec<u32>,
    gaps: Vec<Millis>,
}

impl CaseAccumulator {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one case of `hall`, as it stands at `now`.
    pub fn push(&mut self, hall: &Hall, c: &Case, now: Millis) {
        let k = &mut self.k;
        k.opened += 1;
        let gap = (c.accepted_at - c.received_at).max(0);
        self.gaps.push(gap);
        k.entered_late += u64::from(gap > ENTERED_LATE_MS);
        k.holds += u64::from(c.holds);
        k.held_cases += u64::from(c.holds > 0);
        let due_day = hall.local(c.due_at - 1).date_naive();
        match c.closed_at {
            Some(closed) => {
                if closed > c.due_at {
                    k.closed_late += 1;
                } else {
                    k.closed_on_time += 1;
                }
                let from = counting_day(hall, c.received_at);
                self.close_days.push(working_days_after(hall, from, hall.local(closed).date_naive()));
            }
            None => {
                k.open += 1;
                if now > c.due_at {
                    k.open_overdue += 1;
                    let late = working_days_after(hall, due_day, hall.local(now).date_naive()).max(1);
                    k.max_overdue_working_days = k.max_overdue_working_days.max(Some(late));
                }
            }
        }
    }

    /// Adds what another accumulator collected.
    pub fn merge(&mut self, other: CaseAccumulator) {
        let (a, b) = (&mut self.k, other.k);
        a.opened += b.opened;
        a.closed_on_time += b.closed_on_time;
        a.closed_late += b.closed_late;
        a.open += b.open;
        a.open_overdue += b.open_overdue;
        a.max_overdue_working_days = a.max_overdue_working_days.max(b.max_overdue_working_days);
        a.entered_late += b.entered_late;
        a.holds += b.holds;
        a.held_cases += b.held_cases;
        self.close_days.extend(other.close_days);
        self.gaps.extend(other.gaps);
    }

    /// The figures.
    pub fn finish(mut self) -> CaseKpis {
        let mut k = self.k;
        let closed = k.closed_on_time + k.closed_late;
        k.on_time_rate = (closed > 0).then(|| k.closed_on_time as f64 / closed as f64);
        self.close_days.sort_unstable();
        let rank = |n: usize, p: f64| ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
        let n = self.close_days.len();
        if n > 0 {
            k.close_working_days_p50 = Some(self.close_days[rank(n, 0.5)]);
            k.close_working_days_p90 = Some(self.close_days[rank(n, 0.9)]);
        }
        self.gaps.sort_unstable();
        let n = self.gaps.len();
        if n > 0 {
            k.accept_gap_mean_ms = Some(self.gaps.iter().sum::<Millis>() / n as Millis);
            k.accept_gap_p90_ms = Some(self.gaps[rank(n, 0.9)]);
        }
        k
    }
}

/// What kind of day a calendar file declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DayKind {
    /// A public holiday on a weekday (法定节假日, 休).
    Holiday,
    /// A make-up working day on a weekend (调休上班, 班).
    Workday,
}

/// Reads a year's calendar file: one day a line, `YYYY-MM-DD` then its kind
/// (`holiday`/`休`/`假` or `workday`/`班`), separated by spaces, a tab or a
/// comma; blank lines and `#` comments are skipped. Refuses the whole file
/// (bilingual, with the line number) on the first bad line, so nothing of a
/// broken file is taken.
pub fn parse_calendar(text: &str) -> Result<Vec<(NaiveDate, DayKind)>, CoreError> {
    let mut days = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let bad = |zh: &str, en: &str| {
            CoreError::config(format!("日历文件第 {} 行：{zh}", i + 1), format!("calendar file line {}: {en}", i + 1))
        };
        let mut parts = line.split(|c: char| c == ',' || c == '\t' || c.is_whitespace()).filter(|p| !p.is_empty());
        let (Some(date), Some(kind), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("应为“日期 类型”，如 2025-10-01 休", "expected 'date kind', e.g. 2025-10-01 holiday"));
        };
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| {
            bad(&format!("“{date}”不是 YYYY-MM-DD 日期"), &format!("'{date}' is not a YYYY-MM-DD date"))
        })?;
        let kind = match kind.to_lowercase().as_str() {
            "holiday" | "休" | "假" => DayKind::Holiday,
            "workday" | "班" => DayKind::Workday,
            _ => {
                return Err(bad(
                    &format!("类型“{kind}”应为 休 或 班"),
                    &format!("kind '{kind}' must be holiday or workday"),
                ));
            }
        };
        if days.iter().any(|(d, _)| *d == date) {
            return Err(bad(&format!("{date} 重复"), &format!("{date} appears twice")));
        }
        days.push((date, kind));
    }
    Ok(days)
}

/// A hall's calendar with a file's days merged in: each day of the file
/// replaces what the hall said of that day. Weekday holidays and weekend
/// make-up days are kept as declared; a "holiday" on a weekend or a
/// "workday" on a weekday changes nothing and is refused, so a typo in a
/// date does not pass silently.
pub fn merge_calendar(hall: &Hall, days: &[(NaiveDate, DayKind)]) -> Result<Hall, CoreError> {
    use chrono::Datelike;
    let mut out = hall.clone();
    for (day, kind) in days {
        let weekend = day.weekday().number_from_monday() > 5;
        match (kind, weekend) {
            (DayKind::Holiday, true) => {
                return Err(CoreError::config(
                    format!("{day} 是周末，本来就不上班，不能再标为节假日"),
                    format!("{day} is a weekend day: not a working day anyway, cannot be a holiday"),
                ));
            }
            (DayKind::Workday, false) => {
                return Err(CoreError::config(
                    format!("{day} 是工作日，不能标为调休上班日"),
                    format!("{day} is a weekday: already a working day, cannot be a make-up day"),
                ));
            }
            _ => {}
        }
        out.holidays.retain(|d| d != day);
        out.workdays.retain(|d| d != day);
        match kind {
            DayKind::Holiday => out.holidays.push(*day),
            DayKind::Workday => out.workdays.push(*day),
        }
    }
    out.holidays.sort();
    out.workdays.sort();
    out.validate()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use chrono::Datelike;

    use super::*;
    use crate::hall::OpeningHours;

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    /// 2025's National Day and Mid-Autumn week as the State Council declared
    /// it: 1–8 October off, Sunday 28 September and Saturday 11 October
    /// worked.
    fn october_2025() -> Hall {
        let mut hall = Hall::new(Uuid::nil(), "T1", "测试供电所");
        hall.holidays =
            ["2025-10-01", "2025-10-02", "2025-10-03", "2025-10-06", "2025-10-07", "2025-10-08"].map(date).to_vec();
        hall.workdays = vec![date("2025-09-28"), date("2025-10-11")];
        hall.opening = Some(OpeningHours {
            open: NaiveTime::from_hms_opt(8, 30, 0).expect("08:30"),
            close: NaiveTime::from_hms_opt(17, 30, 0).expect("17:30"),
        });
        hall
    }

    /// A local time in Shanghai as UTC ms.
    fn at(hall: &Hall, s: &str) -> Millis {
        let t = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("a time");
        hall.time_zone.from_local_datetime(&t).single().expect("one instant").timestamp_millis()
    }

    #[test]
    fn due_times_over_the_national_day_week_by_hand() {
        let hall = october_2025();
        // Tue 30 Sep 10:00, 5 working days: 1–8 Oct off (4–5 a weekend
        // anyway), then Thu 9 (1), Fri 10 (2), Sat 11 worked (3), Mon 13
        // (4), Tue 14 (5): due at the end of Tuesday 14 October.
        let received = at(&hall, "2025-09-30 10:00");
        assert_eq!(due_at(&hall, received, Limit::WorkingDays(5)), at(&hall, "2025-10-15 00:00"));
        // The same at 18:00, after closing: counts from Thu 9 (the next
        // working day), so Fri 10, Sat 11, Mon 13, Tue 14, Wed 15.
        let late = at(&hall, "2025-09-30 18:00");
        assert_eq!(counting_day(&hall, late), date("2025-10-09"));
        assert_eq!(due_at(&hall, late, Limit::WorkingDays(5)), at(&hall, "2025-10-16 00:00"));
        // Received on the holiday itself (a rural station open on 2 Oct):
        // counts from Thu 9 too.
        assert_eq!(counting_day(&hall, at(&hall, "2025-10-02 09:00")), date("2025-10-09"));
        // Sunday 28 September was a working day: a complaint received then,
        // contact within 1 working day: Mon 29, due at its end.
        let sunday = at(&hall, "2025-09-28 11:00");
        assert_eq!(counting_day(&hall, sunday), date("2025-09-28"));
        assert_eq!(due_at(&hall, sunday, Limit::WorkingDays(1)), at(&hall, "2025-09-30 00:00"));
        // 0 working days: the end of the counting day.
        assert_eq!(due_at(&hall, received, Limit::WorkingDays(0)), at(&hall, "2025-10-01 00:00"));
        // Hours run by the clock, holidays or not.
        assert_eq!(due_at(&hall, received, Limit::Hours(24)), at(&hall, "2025-10-01 10:00"));
        // Counting back: 5 working days after Sep 30 is Oct 14.
        assert_eq!(working_days_after(&hall, date("2025-09-30"), date("2025-10-14")), 5);
        assert_eq!(working_days_after(&hall, date("2025-10-14"), date("2025-09-30")), 0);
    }

    #[test]
    fn a_hold_moves_the_due_time_by_the_working_days_held() {
        let hall = october_2025();
        // Monday 22 September, 5 working days: Tue 23 (1), Wed 24 (2), Thu
        // 25 (3), Fri 26 (4), Sunday 28 (a make-up working day, 5).
        let received = at(&hall, "2025-09-22 09:00");
        let due = due_at(&hall, received, Limit::WorkingDays(5));
        assert_eq!(due, at(&hall, "2025-09-29 00:00"));
        // Held Wed 24 10:00, resumed Mon 29 15:00: on hold at the end of
        // Wed 24, Thu 25, Fri 26 and Sun 28 (Sat 27 is no working day): 4.
        // The due day moves from Sun 28 to Mon 29 (1), Tue 30 (2), over the
        // holiday week to Thu 9 (3) and Fri 10 October (4).
        let moved = extend_for_hold(
            &hall,
            due,
            Limit::WorkingDays(5),
            at(&hall, "2025-09-24 10:00"),
            at(&hall, "2025-09-29 15:00"),
        );
        assert_eq!(moved, at(&hall, "2025-10-11 00:00"));
        // Held and resumed the same day: nothing moves.
        let same = at(&hall, "2025-09-24 16:00");
        assert_eq!(extend_for_hold(&hall, due, Limit::WorkingDays(5), at(&hall, "2025-09-24 10:00"), same), due);
        // Held over a weekend only (Sat to Mon): no working day held.
        let weekend = extend_for_hold(
            &hall,
            due,
            Limit::WorkingDays(5),
            at(&hall, "2025-09-20 10:00"),
            at(&hall, "2025-09-22 08:00"),
        );
        assert_eq!(weekend, due);
        // Hours move by the time held.
        assert_eq!(extend_for_hold(&hall, 1_000, Limit::Hours(4), 100, 600), 1_500);
    }

    #[test]
    fn the_default_catalogue_holds_the_state_grid_limits_and_is_valid() {
        let catalogue = default_catalogue();
        let limit = |code: &str| catalogue.iter().find(|t| t.code == code).map(|t| t.limit);
        assert_eq!(limit("RES_CONN"), Some(Limit::WorkingDays(5)));
        assert_eq!(limit("LV_CONN"), Some(Limit::WorkingDays(6)));
        assert_eq!(limit("HV_SINGLE"), Some(Limit::WorkingDays(22)));
        assert_eq!(limit("HV_DUAL"), Some(Limit::WorkingDays(32)));
        assert_eq!(limit("METER_TEST"), Some(Limit::WorkingDays(5)));
        assert_eq!(limit("METER_DATA"), Some(Limit::WorkingDays(5)));
        assert_eq!(limit(FOLLOW_UP_CASE), Some(Limit::WorkingDays(15)));
        let complaint = catalogue.iter().find(|t| t.code == "COMPLAINT").expect("complaints");
        assert_eq!(complaint.stage("CONTACT").map(|s| s.limit), Some(Limit::WorkingDays(1)));
        for t in &catalogue {
            t.validate().unwrap_or_else(|e| panic!("{}: {e}", t.code));
        }
    }

    #[test]
    fn bad_case_types_are_refused_in_both_languages() {
        let good = default_catalogue().remove(1);
        let mut long_stage = good.clone();
        long_stage.stages[0].limit = Limit::WorkingDays(7);
        let mut twice = good.clone();
        twice.stages.push(twice.stages[0].clone());
        let mut too_long = good.clone();
        too_long.limit = Limit::WorkingDays(MAX_WORKING_DAYS + 1);
        let mut zero_hours = good.clone();
        zero_hours.limit = Limit::Hours(0);
        let mut bad_code = good;
        bad_code.code = "居民".into();
        for t in [long_stage, twice, too_long, zero_hours, bad_code] {
            let e = t.validate().expect_err("refused");
            assert!(["须", "不能", "最多"].iter().any(|w| e.message_zh().contains(w)), "{}", e.message_zh());
            assert!(["must", "cannot", "at most"].iter().any(|w| e.message_en().contains(w)), "{}", e.message_en());
        }
    }

    #[test]
    fn calendar_files_are_read_whole_or_refused() {
        let text = "# 2025 国庆\n2025-10-01 休\n2025-10-02\tholiday\n2025-10-11,班\n\n2025-09-28 workday # 周日上班\n";
        let days = parse_calendar(text).expect("a good file");
        assert_eq!(days.len(), 4);
        assert_eq!(days[2], (date("2025-10-11"), DayKind::Workday));
        for (bad, line) in [
            ("2025-10-01 休\n2025-13-01 休", 2),
            ("2025-10-01", 1),
            ("2025-10-01 休 extra", 1),
            ("2025-10-01 maybe", 1),
            ("2025-10-01 休\n2025-10-01 班", 2),
        ] {
            let e = parse_calendar(bad).expect_err(bad);
            assert!(e.message_zh().contains(&format!("第 {line} 行")), "{}", e.message_zh());
            assert!(e.message_en().contains(&format!("line {line}")), "{}", e.message_en());
        }
        let hall = october_2025();
        let merged =
            merge_calendar(&Hall { holidays: vec![], workdays: vec![], ..hall.clone() }, &days).expect("merged");
        assert_eq!(merged.holidays, vec![date("2025-10-01"), date("2025-10-02")]);
        assert_eq!(merged.workdays, vec![date("2025-09-28"), date("2025-10-11")]);
        // A Saturday "holiday" is a typo, refused.
        assert!(merge_calendar(&hall, &[(date("2025-10-04"), DayKind::Holiday)]).is_err());
        assert!(merge_calendar(&hall, &[(date("2025-10-09"), DayKind::Workday)]).is_err());
    }

    #[test]
    fn case_kpis_by_hand() {
        let hall = october_2025();
        let case = |received: &str, accepted: &str, limit: u16, closed: Option<&str>, holds: u32| {
            let received = at(&hall, received);
            Case {
                id: Uuid::nil(),
                number: "W250922-001".into(),
                case_type: "RES_CONN".into(),
                ticket: None,
                customer_ref: None,
                note: None,
                staff: "1001".into(),
                opened_by: "1001".into(),
                received_at: received,
                accepted_at: at(&hall, accepted),
                due_at: due_at(&hall, received, Limit::WorkingDays(limit)),
                limit: Limit::WorkingDays(limit),
                hold_stops_clock: true,
                stages: vec![],
                state: if closed.is_some() { CaseState::Closed } else { CaseState::Open },
                held_at: None,
                hold_reason: None,
                holds,
                closed_at: closed.map(|c| at(&hall, c)),
                outcome: closed.map(|_| CaseOutcome::Resolved),
            }
        };
        let now = at(&hall, "2025-10-14 10:00");
        let mut acc = CaseAccumulator::new();
        // Mon 22 Sep, 5 days (due end of Sun 28, a make-up day), closed Thu
        // 25: on time, 3 working days (Tue, Wed, Thu); entered 10 min later.
        acc.push(&hall, &case("2025-09-22 09:00", "2025-09-22 09:10", 5, Some("2025-09-25 16:00"), 0), now);
        // Same, closed Mon 29: late, 6 working days (Tue 23 … Fri 26, Sun 28,
        // Mon 29); entered the next morning (a 24 h pile); held twice.
        acc.push(&hall, &case("2025-09-22 09:00", "2025-09-23 09:00", 5, Some("2025-09-29 10:00"), 2), now);
        // Tue 30 Sep, 5 days: due end of Tue 14 Oct; still open on the 14th:
        // not overdue.
        acc.push(&hall, &case("2025-09-30 10:00", "2025-09-30 10:00", 5, None, 0), now);
        // Mon 22 Sep, 1 day: due end of Tue 23; open on 14 Oct: overdue by
        // Wed 24, Thu 25, Fri 26, Sun 28, Mon 29, Tue 30, Thu 9, Fri 10,
        // Sat 11, Mon 13, Tue 14 = 11 working days.
        acc.push(&hall, &case("2025-09-22 11:00", "2025-09-22 11:30", 1, None, 1), now);
        let k = acc.finish();
        assert_eq!((k.opened, k.closed_on_time, k.closed_late, k.open, k.open_overdue), (4, 1, 1, 2, 1));
        assert_eq!(k.on_time_rate, Some(0.5));
        assert_eq!(k.max_overdue_working_days, Some(11));
        // Close days 3 and 6: nearest-rank median 3, p90 6.
        assert_eq!((k.close_working_days_p50, k.close_working_days_p90), (Some(3), Some(6)));
        // Gaps 10 min, 24 h, 0, 30 min: mean (600 + 86,400 + 0 + 1,800) s / 4.
        assert_eq!(k.accept_gap_mean_ms, Some((600 + 86_400 + 1_800) * 1_000 / 4));
        assert_eq!(k.accept_gap_p90_ms, Some(86_400_000));
        assert_eq!((k.entered_late, k.holds, k.held_cases), (1, 3, 2));
    }

    #[test]
    fn numbers_and_masks() {
        assert_eq!(case_number(date("2025-10-14"), 3), "W251014-003");
        assert_eq!(mask_ref("3301234567"), "******4567");
        assert_eq!(mask_ref("12"), "12");
        assert_eq!(mask_ref("用电申请单号123456789012345678"), "********5678");
    }

    proptest::proptest! {
        /// Any calendar: weekday holidays and weekend make-up days drawn
        /// over two years.
        #[test]
        fn working_day_arithmetic_holds_on_any_calendar(
            holidays in proptest::collection::vec(0u32..730, 0..60),
            workdays in proptest::collection::vec(0u32..730, 0..20),
            start in 0u32..730,
            n in 0u32..60,
            minute in 0u32..1440,
        ) {
            let base = date("2025-01-01");
            let day = |i: u32| base + Duration::days(i.into());
            let mut hall = Hall::new(Uuid::nil(), "T1", "测试");
            hall.holidays = holidays.iter().map(|i| day(*i)).filter(|d| d.weekday().number_from_monday() <= 5).collect();
            hall.workdays = workdays.iter().map(|i| day(*i)).filter(|d| d.weekday().number_from_monday() > 5).collect();
            let from = day(start);
            let due_day = hall.add_working_days(from, n);
            // Adding n working days and counting back gives n.
            proptest::prop_assert_eq!(working_days_after(&hall, from, due_day), n);
            // The due day is a working day (n ≥ 1), never a holiday, and a
            // make-up day counts like any other.
            if n >= 1 {
                proptest::prop_assert!(hall.is_working_day(due_day));
                proptest::prop_assert!(!hall.holidays.contains(&due_day));
            }
            // Every day counted is a working day, so holidays in between never count.
            let counted = from.iter_days().skip(1).take_while(|d| *d <= due_day).filter(|d| hall.is_working_day(*d)).count();
            proptest::prop_assert_eq!(counted as u32, n);
            // A due time is the end of a working day, whatever the hour of receipt.
            let received = at(&hall, &format!("{} {:02}:{:02}", from, minute / 60, minute % 60));
            let due = due_at(&hall, received, Limit::WorkingDays(n.try_into().unwrap_or(u16::MAX)));
            let last = hall.local(due - 1).date_naive();
            proptest::prop_assert!(hall.is_working_day(last));
            proptest::prop_assert!(due > received);
        }
    }
}
