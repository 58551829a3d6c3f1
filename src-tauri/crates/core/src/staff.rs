//! Staff (营业员, 值班长): who can log in at a counter. PINs are not part of
//! the domain; the store keeps their argon2 hashes outside the event log.

use serde::{Deserialize, Serialize};

use crate::code::valid_code;
use crate::{CoreError, text};

/// What a staff member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = StaffRoleDto))]
pub enum StaffRole {
    /// A counter clerk.
    Agent,
    /// The hall supervisor (值班长).
    Supervisor,
    /// Sets up the hall.
    Admin,
}

/// A staff member of the hall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    /// Staff number (工号), e.g. `1001`.
    pub number: String,
    /// Name shown at the counter and in reports.
    pub name: String,
    /// Role.
    pub role: StaffRole,
    /// Deactivated staff cannot log in; their history stays.
    pub active: bool,
}

impl Staff {
    /// Checks the fields a supervisor can set.
    pub fn validate(&self) -> Result<(), CoreError> {
        if !valid_code(&self.number) {
            return Err(CoreError::config(
                format!("工号“{}”须为 1–16 位字母或数字", self.number),
                format!("staff number '{}' must be 1-16 letters or digits", self.number),
            ));
        }
        text::check(&text::STAFF_NAME, &self.name)?;
        Ok(())
    }
}
