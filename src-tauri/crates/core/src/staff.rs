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
    /// The team (班组) they belong to, whose members supervise each other
    /// and are scored together each month; `None`: no team. Absent in
    /// staff defined before teams existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
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
        if let Some(team) = &self.team {
            text::check(&text::TEAM_NAME, team)?;
        }
        Ok(())
    }

    /// The team's name, if any; a blank one (as a form sends it) is no team.
    pub fn with_team(mut self, team: Option<String>) -> Self {
        self.team = team.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clerk(team: Option<&str>) -> Staff {
        Staff { number: "1001".into(), name: "王芳".into(), role: StaffRole::Agent, active: true, team: None }
            .with_team(team.map(str::to_string))
    }

    #[test]
    fn staff_defined_before_teams_existed_read_without_a_team() {
        let old = r#"{"number":"1001","name":"王芳","role":"agent","active":true}"#;
        let s: Staff = serde_json::from_str(old).unwrap();
        assert_eq!(s, clerk(None));
        assert_eq!(serde_json::to_string(&s).unwrap(), old, "a staff member without a team writes as before");
    }

    #[test]
    fn a_team_is_checked_like_a_name_and_blank_means_none() {
        assert_eq!(clerk(Some("  甲班 ")).team.as_deref(), Some("甲班"));
        assert_eq!(clerk(Some("   ")).team, None);
        assert!(clerk(Some("甲班")).validate().is_ok());
        let long = "班".repeat(33);
        let err = clerk(Some(&long)).validate().unwrap_err();
        assert_eq!(err.code(), "invalid_text");
        assert!(clerk(Some(&"班".repeat(32))).validate().is_ok());
        let mut bad = clerk(None);
        bad.team = Some("甲\u{202e}班".into());
        assert!(bad.validate().is_err());
    }
}
