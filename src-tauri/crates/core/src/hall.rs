//! The hall and its configuration: time zone, business day, opening hours,
//! and the realistic default set of a supply hall's services and counters.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::code::valid_code;
use crate::counter::{Counter, RoutingOrder, RoutingPolicy};
use crate::service::Service;
use crate::staff::{Staff, StaffRole};
use crate::{CoreError, Millis, text};

/// A business hall (营业厅) or rural supply station (供电所).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hall {
    /// Stable id, also the id of its event stream.
    pub id: Uuid,
    /// Short code, e.g. `TS01`.
    pub code: String,
    /// Display name, e.g. 泰顺县罗阳供电营业厅.
    pub name: String,
    /// The hall's time zone; business days and hours are local to it.
    pub time_zone: Tz,
    /// Local hour (0..=23) at which one business day ends and the next begins.
    pub rollover_hour: u8,
    /// Local opening hours; `None` means tickets can be issued at any time.
    pub opening: Option<OpeningHours>,
    /// After this many recalls, one more Recall marks the ticket a no-show.
    pub max_recalls: u16,
    /// Notices shown on the lobby display's ticker (outages, policy), in order.
    #[serde(default)]
    pub notices: Vec<String>,
    /// Public holidays (法定节假日) that fall on weekdays: not working days.
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
    /// Make-up working days (调休上班) that fall on weekends: working days.
    #[serde(default)]
    pub workdays: Vec<NaiveDate>,
    /// Inspection days (稽查日): business days on which the bureau inspected
    /// the hall, marked (usually afterwards) so that reports compare them
    /// with the other days. Sorted, no day twice.
    #[serde(default)]
    pub inspection_days: Vec<NaiveDate>,
    /// The responsiveness targets reports mark (absent in configurations
    /// written before targets existed: the defaults).
    #[serde(default)]
    pub targets: Targets,
    /// The bureau's weights in the monthly team scorecard (absent in
    /// configurations written before teams existed: the defaults).
    #[serde(default)]
    pub score_weights: ScoreWeights,
    /// The hall server's address on the hall LAN as customers' phones reach
    /// it (`http://192.168.1.10:8080`): the base of the live-ticket URL
    /// printed as a QR code. `None`: derived from the server's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
}

/// The targets a bureau holds its halls to; reports mark the rows below
/// them. Each is a share, 0..=1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Targets {
    /// Share of customers called within their service's target wait.
    #[serde(default = "Targets::default_within_target_wait")]
    pub within_target_wait: f64,
    /// Satisfaction: (非常满意 + 满意) ÷ rated.
    #[serde(default = "Targets::default_satisfaction")]
    pub satisfaction: f64,
    /// Rating coverage: rated ÷ served.
    #[serde(default = "Targets::default_rating_coverage")]
    pub rating_coverage: f64,
}

impl Targets {
    fn default_within_target_wait() -> f64 {
        0.8
    }
    fn default_satisfaction() -> f64 {
        0.95
    }
    fn default_rating_coverage() -> f64 {
        0.6
    }

    /// Whether every target is a share between 0 and 1.
    pub fn is_valid(&self) -> bool {
        [self.within_target_wait, self.satisfaction, self.rating_coverage].iter().all(|v| (0.0..=1.0).contains(v))
    }
}

// Targets are finite shares (validated), never NaN: equality is reflexive.
impl Eq for Targets {}

impl Default for Targets {
    /// 80 % called within the target wait, 95 % satisfied, 60 % of served
    /// customers rating.
    fn default() -> Self {
        Self {
            within_target_wait: Self::default_within_target_wait(),
            satisfaction: Self::default_satisfaction(),
            rating_coverage: Self::default_rating_coverage(),
        }
    }
}

/// The bureau's weights of the five parts of a team's (班组) monthly score
/// (the field study's 班组互相监督, scored monthly for the pay review). Each
/// is 0..=1 and together they make 1; every part is itself a 0..1 share, so
/// the weighted sum is a 0..1 score (shown ×100).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ScoreWeightsDto))]
pub struct ScoreWeights {
    /// Share of the team's legs called within their target wait.
    #[serde(default = "ScoreWeights::default_within_target_wait")]
    pub within_target_wait: f64,
    /// Satisfaction of the team's rated legs.
    #[serde(default = "ScoreWeights::default_satisfaction")]
    pub satisfaction: f64,
    /// Rating coverage of the team's served legs.
    #[serde(default = "ScoreWeights::default_rating_coverage")]
    pub rating_coverage: f64,
    /// Follow-ups of the team's low ratings closed in time.
    #[serde(default = "ScoreWeights::default_follow_ups")]
    pub follow_ups: f64,
    /// No-shows marked only after the customer was recalled in full.
    #[serde(default = "ScoreWeights::default_no_shows")]
    pub no_shows: f64,
}

impl ScoreWeights {
    fn default_within_target_wait() -> f64 {
        0.30
    }
    fn default_satisfaction() -> f64 {
        0.30
    }
    fn default_rating_coverage() -> f64 {
        0.15
    }
    fn default_follow_ups() -> f64 {
        0.15
    }
    fn default_no_shows() -> f64 {
        0.10
    }

    /// The weights in scorecard order: within target, satisfaction, rating
    /// coverage, follow-ups, no-shows.
    pub fn as_array(&self) -> [f64; 5] {
        [self.within_target_wait, self.satisfaction, self.rating_coverage, self.follow_ups, self.no_shows]
    }

    /// Whether each weight is 0..=1 and they sum to 1 (within 1e-9).
    pub fn is_valid(&self) -> bool {
        let w = self.as_array();
        w.iter().all(|v| (0.0..=1.0).contains(v)) && (w.iter().sum::<f64>() - 1.0).abs() <= 1e-9
    }
}

// Weights are finite (validated), never NaN: equality is reflexive.
impl Eq for ScoreWeights {}

impl Default for ScoreWeights {
    /// Responsiveness and satisfaction 30 % each, rating coverage and
    /// follow-ups 15 % each, no-show handling 10 %.
    fn default() -> Self {
        Self {
            within_target_wait: Self::default_within_target_wait(),
            satisfaction: Self::default_satisfaction(),
            rating_coverage: Self::default_rating_coverage(),
            follow_ups: Self::default_follow_ups(),
            no_shows: Self::default_no_shows(),
        }
    }
}

/// Local opening hours of a hall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningHours {
    /// First minute tickets are issued.
    pub open: NaiveTime,
    /// Tickets are no longer issued from this time on.
    pub close: NaiveTime,
}

impl Hall {
    /// A hall with HallQ's defaults: Asia/Shanghai, rollover at 03:00,
    /// no opening-hour limit, two recalls before an automatic no-show.
    pub fn new(id: Uuid, code: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id,
            code: code.into(),
            name: name.into(),
            time_zone: chrono_tz::Asia::Shanghai,
            rollover_hour: 3,
            opening: None,
            max_recalls: 2,
            notices: Vec::new(),
            holidays: Vec::new(),
            workdays: Vec::new(),
            inspection_days: Vec::new(),
            targets: Targets::default(),
            score_weights: ScoreWeights::default(),
            public_url: None,
        }
    }

    /// The business day an instant belongs to: the local date, shifted back
    /// by the rollover hour (with rollover at 03:00, 02:30 is still yesterday).
    pub fn business_day(&self, at: Millis) -> NaiveDate {
        let local = self.local(at);
        (local - Duration::hours(i64::from(self.rollover_hour))).date_naive()
    }

    /// The local date and time of an instant in the hall's zone.
    pub fn local(&self, at: Millis) -> chrono::DateTime<Tz> {
        let utc = DateTime::<Utc>::from_timestamp_millis(at).unwrap_or_default();
        self.time_zone.from_utc_datetime(&utc.naive_utc())
    }

    /// Whether tickets may be issued at this instant.
    pub fn is_open(&self, at: Millis) -> bool {
        let Some(h) = self.opening else { return true };
        let t = self.local(at).time();
        if h.open <= h.close { h.open <= t && t < h.close } else { t >= h.open || t < h.close }
    }

    /// Whether the hall's back office works on `day`: Monday to Friday,
    /// except declared holidays, plus declared make-up working days.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        use chrono::Datelike;
        if self.workdays.contains(&day) {
            return true;
        }
        day.weekday().number_from_monday() <= 5 && !self.holidays.contains(&day)
    }

    /// The `n`th working day after `day` (a deadline of "within n working days").
    pub fn add_working_days(&self, day: NaiveDate, n: u32) -> NaiveDate {
        let mut d = day;
        let mut left = n;
        while left > 0 {
            d = d.succ_opt().unwrap_or(d);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Checks the fields a supervisor can set.
    pub fn validate(&self) -> Result<(), CoreError> {
        if !valid_code(&self.code) {
            return Err(CoreError::config(
                format!("营业厅编码“{}”须为 1–16 位字母、数字、- 或 _", self.code),
                format!("hall code '{}' must be 1-16 letters, digits, '-' or '_'", self.code),
            ));
        }
        text::check(&text::HALL_NAME, &self.name)?;
        if self.rollover_hour > 23 {
            return Err(CoreError::config("换日时刻须在 0–23 点之间", "rollover hour must be 0-23"));
        }
        if self.notices.len() > 10 {
            return Err(CoreError::config("公告最多 10 条", "at most 10 notices"));
        }
        for notice in &self.notices {
            text::check(&text::NOTICE, notice)?;
        }
        if self.holidays.len() > 400 || self.workdays.len() > 400 {
            return Err(CoreError::config("节假日或调休日最多 400 个", "at most 400 holidays or make-up working days"));
        }
        if self.inspection_days.len() > 400 {
            return Err(CoreError::config("稽查日最多 400 个", "at most 400 inspection days"));
        }
        if self.inspection_days.windows(2).any(|w| w[0] >= w[1]) {
            return Err(CoreError::config(
                "稽查日须按日期排序且不重复",
                "inspection days must be in date order, each day once",
            ));
        }
        if !self.targets.is_valid() {
            return Err(CoreError::config(
                "目标值须在 0–1 之间（如 0.8 表示 80%）",
                "targets must be shares between 0 and 1 (0.8 = 80%)",
            ));
        }
        if !self.score_weights.is_valid() {
            return Err(CoreError::config(
                "班组考核权重须各在 0–1 之间且合计为 1",
                "team score weights must each be between 0 and 1 and sum to 1",
            ));
        }
        if self.max_recalls > 20 {
            return Err(CoreError::config("重呼次数上限不能超过 20", "max recalls must be at most 20"));
        }
        if let Some(url) = &self.public_url
            && !valid_public_url(url)
        {
            return Err(CoreError::config(
                format!(
                    "公开地址“{url}”无效，须为 http(s)://主机[:端口]，不含路径和参数（如 http://192.168.1.10:8080）"
                ),
                format!(
                    "public URL '{url}' must be http(s)://host[:port] without a path or query \
                     (e.g. http://192.168.1.10:8080)"
                ),
            ));
        }
        Ok(())
    }
}

/// A public base URL: `http://` or `https://`, a host (name, IPv4 or
/// bracketed IPv6) and an optional port; no path, query, fragment or user.
pub fn valid_public_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://")) else { return false };
    let (host_ok, port) = match rest.strip_prefix('[') {
        Some(v6) => {
            let Some((host, after)) = v6.split_once(']') else { return false };
            let port = match after {
                "" => None,
                a => match a.strip_prefix(':') {
                    Some(p) => Some(p),
                    None => return false,
                },
            };
            (host.parse::<std::net::Ipv6Addr>().is_ok(), port)
        }
        None => {
            let (host, port) = match rest.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (rest, None),
            };
            let ok = !host.is_empty()
                && !host.starts_with(['.', '-'])
                && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
            (ok, port)
        }
    };
    url.len() <= 200 && host_ok && port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0))
}

/// Everything configurable about a hall at once: what `hallq init` creates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HallConfig {
    /// The hall itself.
    pub hall: Hall,
    /// Its services, in kiosk order.
    pub services: Vec<Service>,
    /// Its counters.
    pub counters: Vec<Counter>,
    /// Its staff.
    pub staff: Vec<Staff>,
    /// Its commitment catalogue (configurations written before it existed:
    /// the State Grid defaults).
    #[serde(default = "crate::commitment::default_catalogue")]
    pub case_types: Vec<crate::commitment::CaseType>,
}

impl HallConfig {
    /// A realistic county supply hall (DESIGN §4): eight services with a
    /// 15-minute target wait, four counters and one admin (staff `0001`).
    pub fn default_supply_hall(id: Uuid, code: &str, name: &str) -> Self {
        let s = |code: &str, prefix: char, zh: &str, en: &str, wait: u32, handling: u32| Service {
            code: code.to_string(),
            prefix,
            name_zh: zh.to_string(),
            name_en: en.to_string(),
            target_wait_min: wait,
            target_handling_min: handling,
            enabled: true,
        };
        let services = vec![
            s("PAY", 'A', "交费", "Bill payment", 15, 4),
            s("NEW", 'B', "新装/增容", "New connection / capacity increase", 15, 15),
            s("CHG", 'C', "变更用电", "Service changes", 15, 12),
            s("ASK", 'D', "咨询", "Tariff and bill enquiry", 15, 5),
            s("MTR", 'E', "电能表校验", "Meter check and disputed readings", 15, 10),
            s("FLT", 'F', "故障报修", "Fault report", 15, 6),
            s("CMP", 'G', "投诉举报", "Complaints and reports", 15, 15),
            s("DER", 'H', "新能源并网", "Distributed generation and EV-charger connection", 15, 20),
        ];
        let c = |number: u32, name: &str, en: &str, services: &[&str], order: RoutingOrder| {
            Counter::new(
                number,
                name,
                services.iter().map(|s| s.to_string()).collect(),
                RoutingPolicy { order, max_priority_in_row: Some(2) },
            )
            .with_name_en(en)
        };
        let counters = vec![
            c(1, "1号窗口 交费", "Counter 1 Payments", &["PAY", "ASK"], RoutingOrder::Ordered),
            c(2, "2号窗口 综合", "Counter 2 General", &["NEW", "CHG", "DER", "PAY", "ASK"], RoutingOrder::Fifo),
            c(3, "3号窗口 综合", "Counter 3 General", &["CHG", "MTR", "FLT", "PAY", "ASK"], RoutingOrder::Fifo),
            c(
                4,
                "4号窗口 投诉/新能源",
                "Counter 4 Complaints / New energy",
                &["CMP", "DER", "NEW", "MTR"],
                RoutingOrder::Ordered,
            ),
        ];
        let staff = vec![Staff {
            number: "0001".to_string(),
            name: "值班长".to_string(),
            role: StaffRole::Admin,
            active: true,
            team: None,
        }];
        let case_types = crate::commitment::default_catalogue();
        Self { hall: Hall::new(id, code, name), services, counters, staff, case_types }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configuration_written_before_targets_reads_with_the_default_targets() {
        let mut old = serde_json::to_value(Hall::new(Uuid::nil(), "T", "厅")).unwrap();
        old.as_object_mut().unwrap().remove("targets");
        let h: Hall = serde_json::from_value(old).unwrap();
        assert_eq!(h.targets, Targets { within_target_wait: 0.8, satisfaction: 0.95, rating_coverage: 0.6 });
        let partial: Targets = serde_json::from_str(r#"{"satisfaction": 0.9}"#).unwrap();
        assert_eq!((partial.within_target_wait, partial.satisfaction), (0.8, 0.9));
    }

    #[test]
    fn a_configuration_written_before_teams_reads_with_the_default_weights() {
        let mut old = serde_json::to_value(Hall::new(Uuid::nil(), "T", "厅")).unwrap();
        old.as_object_mut().unwrap().remove("score_weights");
        let h: Hall = serde_json::from_value(old).unwrap();
        assert_eq!(h.score_weights.as_array(), [0.30, 0.30, 0.15, 0.15, 0.10]);
        assert!(h.score_weights.is_valid(), "the defaults sum to 1");
    }

    #[test]
    fn score_weights_are_shares_that_sum_to_one() {
        let mut h = Hall::new(Uuid::nil(), "T", "厅");
        h.score_weights = ScoreWeights {
            within_target_wait: 0.5,
            satisfaction: 0.5,
            rating_coverage: 0.0,
            follow_ups: 0.0,
            no_shows: 0.0,
        };
        assert!(h.validate().is_ok());
        h.score_weights.no_shows = 0.1;
        let err = h.validate().unwrap_err();
        assert!(err.message_zh().contains("合计为 1") && err.message_en().contains("sum to 1"), "{err}");
        h.score_weights = ScoreWeights {
            within_target_wait: 1.2,
            satisfaction: -0.2,
            rating_coverage: 0.0,
            follow_ups: 0.0,
            no_shows: 0.0,
        };
        assert!(h.validate().is_err(), "each weight is 0..=1 even when they sum to 1");
        h.score_weights.within_target_wait = f64::NAN;
        assert!(h.validate().is_err());
    }

    #[test]
    fn a_public_url_is_a_bare_http_origin() {
        for ok in ["http://192.168.1.10:8080", "https://hall.example.cn", "http://[fe80::1]:80", "http://h"] {
            assert!(valid_public_url(ok), "{ok}");
        }
        for bad in ["", "192.168.1.10", "ftp://h", "http://", "http://h/t", "http://h?x=1", "http://h:0", "http://u@h"]
        {
            assert!(!valid_public_url(bad), "{bad}");
        }
        let mut h = Hall::new(Uuid::nil(), "T", "厅");
        h.public_url = Some("http://h:99999".into());
        assert_eq!(h.validate().unwrap_err().code(), "invalid_config");
        let json = serde_json::to_value(Hall::new(Uuid::nil(), "T", "厅")).unwrap();
        assert!(json.get("public_url").is_none(), "halls without one serialise as before");
    }

    #[test]
    fn targets_must_be_shares() {
        let mut h = Hall::new(Uuid::nil(), "T", "厅");
        assert!(h.validate().is_ok());
        h.targets.satisfaction = 1.2;
        assert!(h.validate().is_err());
        h.targets.satisfaction = f64::NAN;
        assert!(h.validate().is_err());
    }

    fn ms(y: i32, m: u32, d: u32, h: u32, min: u32) -> Millis {
        chrono_tz::Asia::Shanghai.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().timestamp_millis()
    }

    #[test]
    fn business_day_turns_at_the_rollover_hour_local_time() {
        let hall = Hall::new(Uuid::nil(), "H", "h");
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(hall.business_day(ms(2026, 11, 27, 2, 59)), day(2026, 11, 26));
        assert_eq!(hall.business_day(ms(2026, 11, 27, 3, 0)), day(2026, 11, 27));
        assert_eq!(hall.business_day(ms(2026, 11, 27, 23, 59)), day(2026, 11, 27));
        // 23:30 UTC on the 26th is 07:30 on the 27th in Shanghai.
        let utc = Utc.with_ymd_and_hms(2026, 11, 26, 23, 30, 0).unwrap().timestamp_millis();
        assert_eq!(hall.business_day(utc), day(2026, 11, 27));
    }

    #[test]
    fn opening_hours_limit_issuing() {
        let mut hall = Hall::new(Uuid::nil(), "H", "h");
        assert!(hall.is_open(ms(2026, 11, 27, 4, 0)));
        hall.opening = Some(OpeningHours {
            open: NaiveTime::from_hms_opt(8, 30, 0).unwrap(),
            close: NaiveTime::from_hms_opt(17, 30, 0).unwrap(),
        });
        assert!(!hall.is_open(ms(2026, 11, 27, 8, 29)));
        assert!(hall.is_open(ms(2026, 11, 27, 8, 30)));
        assert!(hall.is_open(ms(2026, 11, 27, 17, 29)));
        assert!(!hall.is_open(ms(2026, 11, 27, 17, 30)));
    }

    #[test]
    fn default_hall_is_valid_and_every_counter_serves_known_services() {
        let cfg = HallConfig::default_supply_hall(Uuid::nil(), "DEMO", "演示营业厅");
        cfg.hall.validate().unwrap();
        for s in &cfg.services {
            s.validate().unwrap();
        }
        for c in &cfg.counters {
            for s in &c.services {
                assert!(cfg.services.iter().any(|x| &x.code == s), "{s}");
            }
        }
        let prefixes: std::collections::HashSet<_> = cfg.services.iter().map(|s| s.prefix).collect();
        assert_eq!(prefixes.len(), cfg.services.len());
    }

    #[test]
    fn working_days_skip_weekends_and_holidays_and_count_make_up_days() {
        let d = |m, dd| NaiveDate::from_ymd_opt(2026, m, dd).unwrap();
        let mut hall = Hall::new(Uuid::nil(), "H", "h");
        // Friday 2026-09-25 + 1 working day = Monday 09-28.
        assert_eq!(hall.add_working_days(d(9, 25), 1), d(9, 28));
        // 15 working days from Monday 11-02 is Monday 11-23.
        assert_eq!(hall.add_working_days(d(11, 2), 15), d(11, 23));
        // National Day 10-01..10-07 off, Sunday 09-27 and Saturday 10-10 worked.
        hall.holidays = (1..=7).map(|x| d(10, x)).collect();
        hall.workdays = vec![d(9, 27), d(10, 10)];
        assert!(hall.is_working_day(d(9, 27)));
        assert!(!hall.is_working_day(d(10, 5)));
        // From Friday 09-25: 09-27 (Sun, worked), 09-28, 09-29, 09-30, then 10-08, 10-09, 10-10 (Sat, worked).
        assert_eq!(hall.add_working_days(d(9, 25), 7), d(10, 10));
    }

    #[test]
    fn inspection_days_are_sorted_unique_and_at_most_four_hundred() {
        let d = |m, dd| NaiveDate::from_ymd_opt(2026, m, dd).unwrap();
        let mut hall = Hall::new(Uuid::nil(), "H", "h");
        hall.inspection_days = vec![d(11, 3), d(11, 17)];
        assert!(hall.validate().is_ok());
        hall.inspection_days = vec![d(11, 17), d(11, 3)];
        assert_eq!(hall.validate().unwrap_err().code(), "invalid_config");
        hall.inspection_days = vec![d(11, 3), d(11, 3)];
        assert!(hall.validate().is_err());
        hall.inspection_days = d(1, 1).iter_days().take(401).collect();
        assert!(hall.validate().is_err());
        hall.inspection_days.truncate(400);
        assert!(hall.validate().is_ok());
        // Configurations written before inspection days read with none.
        let mut old = serde_json::to_value(Hall::new(Uuid::nil(), "T", "厅")).unwrap();
        old.as_object_mut().unwrap().remove("inspection_days");
        assert!(serde_json::from_value::<Hall>(old).unwrap().inspection_days.is_empty());
    }

    #[test]
    fn bad_hall_fields_are_rejected() {
        let mut hall = Hall::new(Uuid::nil(), "H 1", "h");
        assert_eq!(hall.validate().unwrap_err().code(), "invalid_config");
        hall.code = "H1".into();
        hall.rollover_hour = 24;
        assert!(hall.validate().is_err());
        hall.rollover_hour = 3;
        hall.name = " ".into();
        assert!(hall.validate().is_err());
    }
}
