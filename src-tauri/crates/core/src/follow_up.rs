//! Follow-ups (回访): every 不满意 / 非常不满意 rating opens one, due within 15
//! working days (the government 好差评 rule: rectify and follow up every low
//! score). The hall's working-day calendar (weekends, public holidays and the
//! make-up working days a year declares) is in [`crate::Hall`].

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Millis;
use crate::ticket::LowScoreReason;

/// Working days a follow-up may take.
pub const FOLLOW_UP_WORKING_DAYS: u32 = 15;

/// A low rating that must be followed up. Times are UTC milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUp {
    /// The rated ticket leg (also the follow-up's id).
    pub ticket: Uuid,
    /// Its number, e.g. `A012`.
    pub number: String,
    /// Its service.
    pub service: String,
    /// The counter that served it.
    pub counter: Option<u32>,
    /// The staff member who served it.
    pub staff: Option<String>,
    /// The rating level, 1 or 2.
    pub level: u8,
    /// The reason the customer gave.
    pub reason: Option<LowScoreReason>,
    /// When it was rated.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub rated_at: Millis,
    /// The business day of the rating.
    pub business_day: NaiveDate,
    /// The last working day it may be closed on time.
    pub deadline: NaiveDate,
    /// When it was closed.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub closed_at: Option<Millis>,
    /// What was done (the follow-up call, the rectification).
    pub note: Option<String>,
}

impl FollowUp {
    /// Still open after its deadline on `today`.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.closed_at.is_none() && today > self.deadline
    }
}
