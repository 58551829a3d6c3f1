//! A service (业务类型): what a customer comes for, with its ticket prefix and
//! its targets for waiting and handling.

use serde::{Deserialize, Serialize};

use crate::code::valid_code;
use crate::{CoreError, MINUTE_MS, Millis, text};

/// A service offered at the hall's kiosk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// Stable code, e.g. `PAY`.
    pub code: String,
    /// Ticket prefix letter A–Z, unique in the hall.
    pub prefix: char,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Target wait (issue → first call), minutes.
    pub target_wait_min: u32,
    /// Target handling (start → finish), minutes.
    pub target_handling_min: u32,
    /// Whether the kiosk issues tickets for it.
    pub enabled: bool,
}

impl Service {
    /// Target wait in milliseconds.
    pub fn target_wait_ms(&self) -> Millis {
        Millis::from(self.target_wait_min) * MINUTE_MS
    }

    /// Target handling in milliseconds.
    pub fn target_handling_ms(&self) -> Millis {
        Millis::from(self.target_handling_min) * MINUTE_MS
    }

    /// Checks the fields a supervisor can set (uniqueness is the hall's check).
    pub fn validate(&self) -> Result<(), CoreError> {
        if !valid_code(&self.code) {
            return Err(CoreError::config(
                format!("业务编码“{}”须为 1–16 位字母、数字、- 或 _", self.code),
                format!("service code '{}' must be 1-16 letters, digits, '-' or '_'", self.code),
            ));
        }
        if !self.prefix.is_ascii_uppercase() {
            return Err(CoreError::config(
                format!("号码前缀“{}”须为一个大写字母 A–Z", self.prefix),
                format!("ticket prefix '{}' must be one capital letter A-Z", self.prefix),
            ));
        }
        text::check(&text::SERVICE_NAME_ZH, &self.name_zh)?;
        text::check(&text::SERVICE_NAME_EN, &self.name_en)?;
        if !(1..=240).contains(&self.target_wait_min) || !(1..=240).contains(&self.target_handling_min) {
            return Err(CoreError::config(
                "目标等候和办理时长须在 1–240 分钟之间",
                "target wait and handling must be 1-240 minutes",
            ));
        }
        Ok(())
    }
}
