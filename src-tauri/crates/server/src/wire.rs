//! Wire types shared by several API areas: a command's answer, the hall, its
//! services and targets. Each API area keeps its own request and response
//! types beside its routes (`routes/<area>.rs`); a type lives here only
//! when more than one area reads or writes it.
//!
//! Where the wire form is the domain's own (a ticket, the KPIs, a
//! follow-up, the domain's and the store's enums), there is no copy here:
//! those types derive their OpenAPI schema themselves behind the `openapi`
//! feature of hallq-core and hallq-store, under the schema names the API
//! has always used (`TicketDto`, `KpisDto` ...). Their serde form is also
//! the event log's, so a change to one is a change to the other; the
//! committed API document (`ui/src/api/openapi.json`, checked by a test in
//! `lib.rs`) makes any such change visible. The types here differ from the
//! domain's (opening hours as `HH:MM`, a service's prefix as a string, the
//! hall's zone by name) and convert both ways. Times are UTC milliseconds,
//! days are `YYYY-MM-DD`.

use chrono::{NaiveDate, NaiveTime};
use hallq_store::hallq_core::hall::OpeningHours;
use hallq_store::hallq_core::{Hall, ScoreWeights, Service, Targets, Ticket};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::ApiError;

/// What a command did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CommandAnswer {
    /// The seq of the last event it logged (the stream carries it too).
    pub seq: u64,
    /// The hall's time for it, UTC ms.
    pub at: i64,
    /// The ticket it was about, as it is now (issued, called, finished ...).
    pub ticket: Option<Ticket>,
}

impl From<hallq_store::Executed> for CommandAnswer {
    fn from(e: hallq_store::Executed) -> Self {
        Self { seq: e.seq, at: e.at, ticket: e.ticket }
    }
}

/// Local opening hours, `HH:MM`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OpeningHoursDto {
    /// First minute tickets are issued, e.g. `08:30`.
    pub open: String,
    /// No tickets from this time on, e.g. `17:30`.
    pub close: String,
}

impl From<OpeningHours> for OpeningHoursDto {
    fn from(h: OpeningHours) -> Self {
        Self { open: h.open.format("%H:%M").to_string(), close: h.close.format("%H:%M").to_string() }
    }
}

impl TryFrom<OpeningHoursDto> for OpeningHours {
    type Error = ApiError;
    fn try_from(h: OpeningHoursDto) -> Result<Self, ApiError> {
        let t = |s: &str| {
            NaiveTime::parse_from_str(s, "%H:%M")
                .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S"))
                .map_err(|_| ApiError::invalid(format!("时间“{s}”须为 HH:MM"), format!("time '{s}' must be HH:MM")))
        };
        Ok(Self { open: t(&h.open)?, close: t(&h.close)? })
    }
}

/// The hall's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HallDto {
    /// Stable id.
    pub id: Uuid,
    /// Short code.
    pub code: String,
    /// Name.
    pub name: String,
    /// IANA time zone, e.g. `Asia/Shanghai`.
    pub time_zone: String,
    /// Local hour at which the business day turns.
    pub rollover_hour: u8,
    /// Opening hours; `null` = tickets at any time.
    pub opening: Option<OpeningHoursDto>,
    /// Recalls before an automatic no-show.
    pub max_recalls: u16,
    /// Notices for the display's ticker, in order.
    pub notices: Vec<String>,
    /// Public holidays on weekdays (not working days).
    pub holidays: Vec<NaiveDate>,
    /// Make-up working days on weekends.
    pub workdays: Vec<NaiveDate>,
    /// Inspection days (稽查日), in date order.
    pub inspection_days: Vec<NaiveDate>,
    /// The targets reports mark.
    pub targets: TargetsDto,
    /// The bureau's weights in the monthly team scorecard.
    pub score_weights: ScoreWeights,
    /// The hall server's address on the LAN for customers' phones (the base
    /// of the live-ticket URL in the QR code); `null` = derived.
    pub public_url: Option<String>,
}

impl From<Hall> for HallDto {
    fn from(h: Hall) -> Self {
        Self {
            id: h.id,
            code: h.code,
            name: h.name,
            time_zone: h.time_zone.name().to_string(),
            rollover_hour: h.rollover_hour,
            opening: h.opening.map(Into::into),
            max_recalls: h.max_recalls,
            notices: h.notices,
            holidays: h.holidays,
            workdays: h.workdays,
            inspection_days: h.inspection_days,
            targets: h.targets.into(),
            score_weights: h.score_weights,
            public_url: h.public_url,
        }
    }
}

/// A service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ServiceDto {
    /// Code, e.g. `PAY`.
    pub code: String,
    /// Ticket prefix letter.
    pub prefix: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Target wait, minutes.
    pub target_wait_min: u32,
    /// Target handling, minutes.
    pub target_handling_min: u32,
    /// Whether the kiosk issues tickets for it.
    pub enabled: bool,
}

impl From<Service> for ServiceDto {
    fn from(s: Service) -> Self {
        Self {
            code: s.code,
            prefix: s.prefix.to_string(),
            name_zh: s.name_zh,
            name_en: s.name_en,
            target_wait_min: s.target_wait_min,
            target_handling_min: s.target_handling_min,
            enabled: s.enabled,
        }
    }
}

/// The targets a bureau holds its halls to; reports mark rows below them.
/// Each is a share, 0..1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetsDto {
    /// Share called within the target wait (default 0.8).
    pub within_target_wait: f64,
    /// Satisfaction (default 0.95).
    pub satisfaction: f64,
    /// Rating coverage (default 0.6).
    pub rating_coverage: f64,
}

// JSON has no NaN: a target is a finite number, so equality is reflexive.
impl Eq for TargetsDto {}

impl From<Targets> for TargetsDto {
    fn from(t: Targets) -> Self {
        Self {
            within_target_wait: t.within_target_wait,
            satisfaction: t.satisfaction,
            rating_coverage: t.rating_coverage,
        }
    }
}

impl From<TargetsDto> for Targets {
    fn from(t: TargetsDto) -> Self {
        Self {
            within_target_wait: t.within_target_wait,
            satisfaction: t.satisfaction,
            rating_coverage: t.rating_coverage,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_hours_take_hh_mm_and_refuse_nonsense() {
        let h: OpeningHours = OpeningHoursDto { open: "08:30".into(), close: "17:30:00".into() }.try_into().unwrap();
        assert_eq!(OpeningHoursDto::from(h), OpeningHoursDto { open: "08:30".into(), close: "17:30".into() });
        let bad: Result<OpeningHours, _> = OpeningHoursDto { open: "25:00".into(), close: "x".into() }.try_into();
        assert_eq!(bad.unwrap_err().code(), "invalid_request");
    }
}
