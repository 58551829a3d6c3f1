//! `CoreError`: every reason the domain rejects a command, in Chinese and English.
//!
//! A rejected command changes nothing: [`crate::HallState`] decides a command
//! on an immutable borrow and applies events only once the decision succeeded.
//! Each variant has a stable [`CoreError::code`] that the server maps to an
//! HTTP status and that the UI can classify without matching strings.

use std::fmt;

/// Why the domain refused a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoreError {
    /// No service has this code.
    UnknownService(String),
    /// The service exists but is switched off.
    ServiceDisabled(String),
    /// No counter has this number.
    UnknownCounter(u32),
    /// No staff member has this number.
    UnknownStaff(String),
    /// The staff member exists but is deactivated.
    StaffInactive(String),
    /// No ticket of today has this number or id.
    UnknownTicket(String),
    /// The hall is outside its opening hours.
    HallClosed,
    /// The counter is closed.
    CounterClosed(u32),
    /// The counter is paused.
    CounterPaused(u32),
    /// Open/resume on a counter that is already open.
    CounterAlreadyOpen(u32),
    /// Resume on a counter that is not paused.
    CounterNotPaused(u32),
    /// Nobody is logged in at the counter.
    NoStaffAtCounter(u32),
    /// Somebody is already logged in at the counter.
    CounterHasStaff {
        /// The counter.
        counter: u32,
        /// Who is there.
        staff: String,
    },
    /// The staff member is logged in at another counter.
    StaffAtOtherCounter {
        /// The staff member.
        staff: String,
        /// The counter where they are logged in.
        counter: u32,
    },
    /// The counter still has a called or serving ticket.
    CurrentTicketOpen {
        /// The counter.
        counter: u32,
        /// The open ticket's number.
        number: String,
    },
    /// The counter has no current ticket.
    NoCurrentTicket(u32),
    /// Start needs a called ticket (this one is already being served).
    AlreadyServing(String),
    /// Finish needs a ticket being served; this one was only called.
    NotStarted(String),
    /// Nobody is waiting for the counter's services.
    QueueEmpty(u32),
    /// The ticket is not waiting (it is called, served, or closed).
    TicketNotWaiting {
        /// The ticket's number.
        number: String,
        /// Its current state's name.
        state: &'static str,
    },
    /// The counter does not serve the ticket's service.
    ServiceNotAtCounter {
        /// The counter.
        counter: u32,
        /// The service's code.
        service: String,
    },
    /// The ticket was transferred to a named counter, not this one.
    TicketForOtherCounter {
        /// The ticket's number.
        number: String,
        /// The counter it waits for.
        counter: u32,
    },
    /// All 999 numbers of a service were issued today.
    NumbersExhausted(String),
    /// A transfer to the service the ticket is already in.
    TransferToSameService(String),
    /// A ticket can be rated only once.
    AlreadyRated(String),
    /// Only a served ticket can be rated.
    NotRateable(String),
    /// A rating level outside 1..=5, or a reason on a good rating.
    InvalidRating(String),
    /// No open follow-up for this ticket (its number, or empty when the
    /// ticket is not today's).
    UnknownFollowUp(String),
    /// Free text (a name, a notice, a note) that breaks the text rule
    /// ([`crate::text`]): blank, too long, a control character or a
    /// bidirectional override.
    InvalidText {
        /// The field, in Chinese.
        field_zh: &'static str,
        /// The field, in English.
        field_en: &'static str,
        /// What is wrong with it.
        problem: crate::text::TextProblem,
    },
    /// No case type has this code.
    UnknownCaseType(String),
    /// The case type exists but no new cases of it are opened.
    CaseTypeInactive(String),
    /// No open (or held) case has this number or id.
    UnknownCase(String),
    /// The case is on hold: resume it first.
    CaseOnHold(String),
    /// Resume of a case that is not on hold.
    CaseNotOnHold(String),
    /// The case's type has no stage with this code, or it is done already.
    StageNotOpen {
        /// The case's number.
        case: String,
        /// The stage's code.
        stage: String,
    },
    /// A case command with bad input (a receipt time out of range, a
    /// transfer to the same person).
    InvalidCase {
        /// Chinese explanation.
        zh: String,
        /// English explanation.
        en: String,
    },
    /// A configuration change that would break the hall (zh, en).
    InvalidConfig {
        /// Chinese explanation.
        zh: String,
        /// English explanation.
        en: String,
    },
}

impl CoreError {
    /// A stable machine-readable code, e.g. `counter_paused`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownService(_) => "unknown_service",
            Self::ServiceDisabled(_) => "service_disabled",
            Self::UnknownCounter(_) => "unknown_counter",
            Self::UnknownStaff(_) => "unknown_staff",
            Self::StaffInactive(_) => "staff_inactive",
            Self::UnknownTicket(_) => "unknown_ticket",
            Self::HallClosed => "hall_closed",
            Self::CounterClosed(_) => "counter_closed",
            Self::CounterPaused(_) => "counter_paused",
            Self::CounterAlreadyOpen(_) => "counter_already_open",
            Self::CounterNotPaused(_) => "counter_not_paused",
            Self::NoStaffAtCounter(_) => "no_staff_at_counter",
            Self::CounterHasStaff { .. } => "counter_has_staff",
            Self::StaffAtOtherCounter { .. } => "staff_at_other_counter",
            Self::CurrentTicketOpen { .. } => "current_ticket_open",
            Self::NoCurrentTicket(_) => "no_current_ticket",
            Self::AlreadyServing(_) => "already_serving",
            Self::NotStarted(_) => "not_started",
            Self::QueueEmpty(_) => "queue_empty",
            Self::TicketNotWaiting { .. } => "ticket_not_waiting",
            Self::ServiceNotAtCounter { .. } => "service_not_at_counter",
            Self::TicketForOtherCounter { .. } => "ticket_for_other_counter",
            Self::NumbersExhausted(_) => "numbers_exhausted",
            Self::TransferToSameService(_) => "transfer_to_same_service",
            Self::AlreadyRated(_) => "already_rated",
            Self::NotRateable(_) => "not_rateable",
            Self::InvalidRating(_) => "invalid_rating",
            Self::UnknownFollowUp(_) => "unknown_follow_up",
            Self::InvalidText { .. } => "invalid_text",
            Self::InvalidConfig { .. } => "invalid_config",
            Self::UnknownCaseType(_) => "unknown_case_type",
            Self::CaseTypeInactive(_) => "case_type_inactive",
            Self::UnknownCase(_) => "unknown_case",
            Self::CaseOnHold(_) => "case_on_hold",
            Self::CaseNotOnHold(_) => "case_not_on_hold",
            Self::StageNotOpen { .. } => "stage_not_open",
            Self::InvalidCase { .. } => "invalid_case",
        }
    }

    /// The explanation in Chinese, for the people in the hall.
    pub fn message_zh(&self) -> String {
        match self {
            Self::UnknownService(s) => format!("没有业务类型“{s}”"),
            Self::ServiceDisabled(s) => format!("业务“{s}”已停办，暂不取号"),
            Self::UnknownCounter(c) => format!("没有 {c} 号窗口"),
            Self::UnknownStaff(s) => format!("没有工号为 {s} 的员工"),
            Self::StaffInactive(s) => format!("工号 {s} 已停用"),
            Self::UnknownTicket(t) => format!("今天没有号码 {t}"),
            Self::HallClosed => "营业厅不在营业时间内，暂停取号".to_string(),
            Self::CounterClosed(c) => format!("{c} 号窗口未开启"),
            Self::CounterPaused(c) => format!("{c} 号窗口暂停服务中，请先恢复"),
            Self::CounterAlreadyOpen(c) => format!("{c} 号窗口已经开启"),
            Self::CounterNotPaused(c) => format!("{c} 号窗口没有暂停"),
            Self::NoStaffAtCounter(c) => format!("{c} 号窗口无人登录，请先登录"),
            Self::CounterHasStaff { counter, staff } => {
                format!("{counter} 号窗口已由工号 {staff} 登录")
            }
            Self::StaffAtOtherCounter { staff, counter } => {
                format!("工号 {staff} 已在 {counter} 号窗口登录，请先在那里退出")
            }
            Self::CurrentTicketOpen { counter, number } => {
                format!("{counter} 号窗口的 {number} 号尚未办结，请先办结或标记过号")
            }
            Self::NoCurrentTicket(c) => format!("{c} 号窗口当前没有顾客"),
            Self::AlreadyServing(n) => format!("{n} 号已在办理中"),
            Self::NotStarted(n) => format!("{n} 号尚未开始办理，请先开始办理"),
            Self::QueueEmpty(c) => format!("{c} 号窗口所办业务无人等候"),
            Self::TicketNotWaiting { number, state } => {
                format!("{number} 号不在等候中（当前：{}）", state_zh(state))
            }
            Self::ServiceNotAtCounter { counter, service } => {
                format!("{counter} 号窗口不办理业务“{service}”")
            }
            Self::TicketForOtherCounter { number, counter } => {
                format!("{number} 号已转给 {counter} 号窗口")
            }
            Self::NumbersExhausted(s) => format!("业务“{s}”今日号码已取完（999 个）"),
            Self::TransferToSameService(s) => format!("该号已在业务“{s}”中，无需转移"),
            Self::AlreadyRated(n) => format!("{n} 号已经评价过"),
            Self::NotRateable(n) => format!("{n} 号未办结，不能评价"),
            Self::InvalidRating(why) => format!("评价无效：{why}"),
            Self::UnknownFollowUp(t) if t.is_empty() => "这条回访已处理，或不存在".to_string(),
            Self::UnknownFollowUp(t) => format!("{t} 没有待办的回访（已处理，或不存在）"),
            Self::InvalidText { field_zh, problem, .. } => format!("{field_zh}{}", problem.zh()),
            Self::InvalidConfig { zh, .. } => format!("配置无效：{zh}"),
            Self::UnknownCaseType(t) => format!("没有工单类型“{t}”"),
            Self::CaseTypeInactive(t) => format!("工单类型“{t}”已停用，不再新开"),
            Self::UnknownCase(c) => format!("没有未结的工单 {c}（已办结，或不存在）"),
            Self::CaseOnHold(c) => format!("工单 {c} 已挂起，请先恢复"),
            Self::CaseNotOnHold(c) => format!("工单 {c} 没有挂起"),
            Self::StageNotOpen { case, stage } => format!("工单 {case} 没有待办的环节“{stage}”（已完成，或不存在）"),
            Self::InvalidCase { zh, .. } => zh.clone(),
        }
    }

    /// The explanation in English.
    pub fn message_en(&self) -> String {
        match self {
            Self::UnknownService(s) => format!("no service with code '{s}'"),
            Self::ServiceDisabled(s) => {
                format!("service '{s}' is disabled; no tickets are issued for it")
            }
            Self::UnknownCounter(c) => format!("no counter number {c}"),
            Self::UnknownStaff(s) => format!("no staff member with number {s}"),
            Self::StaffInactive(s) => format!("staff number {s} is deactivated"),
            Self::UnknownTicket(t) => format!("no ticket {t} today"),
            Self::HallClosed => "the hall is outside its opening hours; no tickets are issued".to_string(),
            Self::CounterClosed(c) => format!("counter {c} is closed"),
            Self::CounterPaused(c) => format!("counter {c} is paused; resume it first"),
            Self::CounterAlreadyOpen(c) => format!("counter {c} is already open"),
            Self::CounterNotPaused(c) => format!("counter {c} is not paused"),
            Self::NoStaffAtCounter(c) => {
                format!("nobody is logged in at counter {c}; log in first")
            }
            Self::CounterHasStaff { counter, staff } => {
                format!("staff {staff} is already logged in at counter {counter}")
            }
            Self::StaffAtOtherCounter { staff, counter } => {
                format!("staff {staff} is logged in at counter {counter}; log out there first")
            }
            Self::CurrentTicketOpen { counter, number } => {
                format!("ticket {number} at counter {counter} is still open; finish it or mark it a no-show first")
            }
            Self::NoCurrentTicket(c) => format!("counter {c} has no current ticket"),
            Self::AlreadyServing(n) => format!("ticket {n} is already being served"),
            Self::NotStarted(n) => format!("ticket {n} was called but not started; start it first"),
            Self::QueueEmpty(c) => format!("nobody is waiting for counter {c}'s services"),
            Self::TicketNotWaiting { number, state } => {
                format!("ticket {number} is not waiting (it is {state})")
            }
            Self::ServiceNotAtCounter { counter, service } => {
                format!("counter {counter} does not serve '{service}'")
            }
            Self::TicketForOtherCounter { number, counter } => {
                format!("ticket {number} was transferred to counter {counter}")
            }
            Self::NumbersExhausted(s) => {
                format!("all 999 numbers of service '{s}' were issued today")
            }
            Self::TransferToSameService(s) => format!("the ticket is already in service '{s}'"),
            Self::AlreadyRated(n) => format!("ticket {n} has already been rated"),
            Self::NotRateable(n) => format!("ticket {n} was not served, so it cannot be rated"),
            Self::InvalidRating(why) => format!("invalid rating: {why}"),
            Self::UnknownFollowUp(t) if t.is_empty() => {
                "this follow-up is already closed, or does not exist".to_string()
            }
            Self::UnknownFollowUp(t) => format!("{t} has no open follow-up (already closed, or none)"),
            Self::InvalidText { field_en, problem, .. } => format!("the {field_en} {}", problem.en()),
            Self::InvalidConfig { en, .. } => format!("invalid configuration: {en}"),
            Self::UnknownCaseType(t) => format!("no case type with code '{t}'"),
            Self::CaseTypeInactive(t) => format!("case type '{t}' is switched off; no new cases of it"),
            Self::UnknownCase(c) => format!("no open case {c} (closed already, or none)"),
            Self::CaseOnHold(c) => format!("case {c} is on hold; resume it first"),
            Self::CaseNotOnHold(c) => format!("case {c} is not on hold"),
            Self::StageNotOpen { case, stage } => {
                format!("case {case} has no open stage '{stage}' (done already, or none)")
            }
            Self::InvalidCase { en, .. } => en.clone(),
        }
    }

    pub(crate) fn config(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::InvalidConfig { zh: zh.into(), en: en.into() }
    }

    pub(crate) fn case(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::InvalidCase { zh: zh.into(), en: en.into() }
    }
}

fn state_zh(state: &str) -> &'static str {
    match state {
        "waiting" => "等候中",
        "called" => "已叫号",
        "serving" => "办理中",
        "done" => "已办结",
        "no_show" => "过号",
        "transferred" => "已转移",
        "cancelled" => "已取消",
        "expired" => "已过期",
        _ => "未知",
    }
}

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.message_zh(), self.message_en())
    }
}

impl std::error::Error for CoreError {}
