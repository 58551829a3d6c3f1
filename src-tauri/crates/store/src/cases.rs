//! The `case_types`, `cases` and `case_steps` tables: the commitment
//! catalogue, every case (工单) as the domain left it after its last event,
//! and each case's steps with who took them.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use hallq_core::commitment::{Case, CaseAccumulator, CaseKpis, CaseType};
use hallq_core::{Actor, EventData, Hall, HallState, Millis, Staff};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::log::StoredEvent;
use crate::reader::Reader;

pub(crate) fn upsert_type(conn: &Connection, hall_key: i64, t: &CaseType) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO case_types (hall, code, position, config)
         VALUES (?1, ?2, (SELECT count(*) FROM case_types WHERE hall = ?1), ?3)
         ON CONFLICT (hall, code) DO UPDATE SET config = ?3",
    )?
    .execute(params![hall_key, t.code, serde_json::to_string(t)?])?;
    Ok(())
}

pub(crate) fn upsert(conn: &Connection, hall_key: i64, state: &HallState, c: &Case) -> Result<()> {
    let team = state.staff_member(&c.staff).and_then(|s| s.team.clone());
    conn.prepare_cached(
        "INSERT INTO cases (id, hall, number, case_type, business_day, staff, team, received_at, accepted_at,
                            due_at, state, closed_at, outcome, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (id) DO UPDATE SET staff = ?6, team = ?7, due_at = ?10, state = ?11, closed_at = ?12,
                                        outcome = ?13, data = ?14",
    )?
    .execute(params![
        c.id.as_bytes(),
        hall_key,
        c.number,
        c.case_type,
        state.hall().business_day(c.accepted_at).to_string(),
        c.staff,
        team,
        c.received_at,
        c.accepted_at,
        c.due_at,
        c.state.as_str(),
        c.closed_at,
        c.outcome.map(|o| o.as_str()),
        serde_json::to_string(c)?,
    ])?;
    Ok(())
}

/// Records a case event as a step of its case.
pub(crate) fn step(conn: &Connection, hall_key: i64, e: &StoredEvent) -> Result<()> {
    use EventData as E;
    let (case, staff, detail) = match &e.data {
        E::CaseOpened { case } => (case.id, Some(case.opened_by.clone()), case.note.clone()),
        E::CaseStageDone { case, stage, staff } => (*case, Some(staff.clone()), Some(stage.clone())),
        E::CaseHeld { case, reason, staff } => (*case, Some(staff.clone()), Some(reason.clone())),
        E::CaseResumed { case, staff, .. } => (*case, Some(staff.clone()), None),
        E::CaseTransferred { case, from, to } => {
            let by = match &e.actor {
                Actor::Staff(s) => s.clone(),
                _ => from.clone(),
            };
            (*case, Some(by), Some(format!("{from} → {to}")))
        }
        E::CaseClosed { case, outcome, note, staff, .. } => {
            let detail = match note {
                Some(n) => format!("{}: {n}", outcome.as_str()),
                None => outcome.as_str().to_string(),
            };
            (*case, Some(staff.clone()), Some(detail))
        }
        _ => return Ok(()),
    };
    conn.prepare_cached(
        "INSERT INTO case_steps (hall, seq, case_id, at, kind, staff, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![hall_key, e.seq as i64, case.as_bytes(), e.at, e.data.kind(), staff, detail])?;
    Ok(())
}

/// A hall's catalogue, in the order its types were first defined.
pub(crate) fn types(conn: &Connection, hall_key: i64) -> Result<Vec<CaseType>> {
    let mut st = conn.prepare_cached("SELECT config FROM case_types WHERE hall = ?1 ORDER BY position, code")?;
    let rows = st.query_map([hall_key], |r| r.get::<_, String>(0))?;
    rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
}

/// A hall's cases not closed yet, soonest due first.
pub(crate) fn open(conn: &Connection, hall_key: i64) -> Result<Vec<Case>> {
    let mut st =
        conn.prepare_cached("SELECT data FROM cases WHERE hall = ?1 AND closed_at IS NULL ORDER BY due_at, number")?;
    let rows = st.query_map([hall_key], |r| r.get::<_, String>(0))?;
    rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
}

/// The business day of a hall's last case and its number's sequence.
pub(crate) fn last_seq(conn: &Connection, hall_key: i64) -> Result<Option<(NaiveDate, u16)>> {
    let last: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT business_day, number FROM cases WHERE hall = ?1 ORDER BY accepted_at DESC, number DESC LIMIT 1",
        )?
        .query_row([hall_key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((day, number)) = last else { return Ok(None) };
    let day: NaiveDate = day.parse().map_err(|e: chrono::ParseError| StoreError::Corrupt(e.to_string()))?;
    let seq = number
        .rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| StoreError::Corrupt(format!("case number {number}")))?;
    Ok(Some((day, seq)))
}

/// One step of a case: what happened, when, by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseStep {
    /// When (UTC ms).
    pub at: i64,
    /// The event's kind: `case_opened`, `case_held`, `case_closed` …
    pub kind: String,
    /// Who (staff number).
    pub staff: Option<String>,
    /// The stage done, the hold's reason, the transfer (`1001 → 1002`), the
    /// outcome and note.
    pub detail: Option<String>,
}

/// Which cases a list shows.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Only this staff member's.
    pub staff: Option<String>,
    /// Open (and on hold) only.
    pub open_only: bool,
    /// Opened on these business days (inclusive).
    pub days: Option<(NaiveDate, NaiveDate)>,
    /// At most this many, soonest due first (open) or newest first.
    pub limit: u32,
}

impl Reader {
    /// The hall's commitment catalogue.
    pub fn case_types(&self, hall: Uuid) -> Result<Vec<CaseType>> {
        types(&self.conn, crate::halls::key_of(&self.conn, hall)?)
    }

    /// One case, whatever its state, with its steps.
    pub fn case(&self, hall: Uuid, id: Uuid) -> Result<Option<(Case, Vec<CaseStep>)>> {
        let key = crate::halls::key_of(&self.conn, hall)?;
        let data: Option<String> = self
            .conn
            .prepare_cached("SELECT data FROM cases WHERE hall = ?1 AND id = ?2")?
            .query_row(params![key, id.as_bytes()], |r| r.get(0))
            .optional()?;
        let Some(data) = data else { return Ok(None) };
        let mut st = self.conn.prepare_cached(
            "SELECT at, kind, staff, detail FROM case_steps WHERE hall = ?1 AND case_id = ?2 ORDER BY seq",
        )?;
        let steps = st
            .query_map(params![key, id.as_bytes()], |r| {
                Ok(CaseStep { at: r.get(0)?, kind: r.get(1)?, staff: r.get(2)?, detail: r.get(3)? })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Some((serde_json::from_str(&data)?, steps)))
    }

    /// A case by its number (`W251014-003`).
    pub fn case_by_number(&self, hall: Uuid, number: &str) -> Result<Option<Case>> {
        let key = crate::halls::key_of(&self.conn, hall)?;
        let data: Option<String> = self
            .conn
            .prepare_cached("SELECT data FROM cases WHERE hall = ?1 AND number = ?2")?
            .query_row(params![key, number.trim().to_ascii_uppercase()], |r| r.get(0))
            .optional()?;
        data.map(|d| Ok(serde_json::from_str(&d)?)).transpose()
    }

    /// Cases as the filter says: open ones soonest due first (of those due
    /// together, the one taken first), others newest first.
    pub fn cases(&self, hall: Uuid, f: &CaseFilter) -> Result<Vec<Case>> {
        let key = crate::halls::key_of(&self.conn, hall)?;
        let (from, to) =
            f.days.map_or((String::new(), "9999-12-31".to_string()), |(a, b)| (a.to_string(), b.to_string()));
        let mut st = self.conn.prepare_cached(
            "SELECT data FROM cases
             WHERE hall = ?1 AND (?2 IS NULL OR staff = ?2) AND (?3 = 0 OR closed_at IS NULL)
               AND business_day BETWEEN ?4 AND ?5
             ORDER BY CASE WHEN closed_at IS NULL THEN 0 ELSE 1 END, CASE WHEN closed_at IS NULL THEN due_at END,
                      CASE WHEN closed_at IS NULL THEN accepted_at END, accepted_at DESC, number
             LIMIT ?6",
        )?;
        let rows = st.query_map(params![key, f.staff, f.open_only, from, to, f.limit], |r| r.get::<_, String>(0))?;
        rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
    }
}

/// The commitments report of a range: cases opened on those business days,
/// judged at `now` (what is overdue is overdue now).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseReport {
    /// First business day.
    pub from: NaiveDate,
    /// Last business day, inclusive.
    pub to: NaiveDate,
    /// Every case of the range.
    pub total: CaseKpis,
    /// By hall.
    pub by_hall: Vec<CaseGroup>,
    /// By case type.
    pub by_type: Vec<CaseGroup>,
    /// By the staff member who has the case (with several halls, keyed `T1/1001`).
    pub by_staff: Vec<CaseGroup>,
    /// By that staff member's team.
    pub by_team: Vec<CaseGroup>,
}

/// One group of a commitments report.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseGroup {
    /// Its key: a hall's code, a type's code, a staff number, a team.
    pub key: String,
    /// Its label in Chinese.
    pub label: String,
    /// Its label in English.
    pub label_en: String,
    /// Its figures.
    pub kpis: CaseKpis,
}

/// What a commitments report labels a hall's groups with: its catalogue
/// and its staff's names (the hall's SQLite projection and the centre's
/// give the same).
#[derive(Debug, Clone, Default)]
pub struct CaseNames {
    types: Vec<CaseType>,
    staff: HashMap<String, String>,
}

impl CaseNames {
    /// A hall's case types and staff.
    pub fn new(types: Vec<CaseType>, staff: impl IntoIterator<Item = Staff>) -> Self {
        Self { types, staff: staff.into_iter().map(|s| (s.number, s.name)).collect() }
    }
}

/// The commitments report fed case by case: the one place its groups are
/// keyed and labelled and its cases counted (with core's
/// [`CaseAccumulator`]), for the hall's SQLite ([`Reader::case_report`])
/// and the bureau's centre alike. With several halls, staff and teams are
/// keyed by hall (`T1/1001`). The order cases come in changes nothing.
#[derive(Debug)]
pub struct CaseTally {
    several: bool,
    now: Millis,
    total: CaseAccumulator,
    groups: [BTreeMap<String, (String, String, CaseAccumulator)>; 4],
}

impl CaseTally {
    /// An empty tally judging cases at `now` (UTC ms), over several halls or one.
    pub fn new(several: bool, now: Millis) -> Self {
        Self { several, now, total: CaseAccumulator::new(), groups: Default::default() }
    }

    /// Adds one case of `hall` (opened on a business day of the range),
    /// credited to `team` (its staff member's, as projected).
    pub fn push(&mut self, hall: &Hall, names: &CaseNames, case: &Case, team: Option<String>) {
        let now = self.now;
        self.total.push(hall, case, now);
        let scoped = |key: &str| if self.several { format!("{}/{key}", hall.code) } else { key.to_string() };
        let kind = names.types.iter().find(|t| t.code == case.case_type);
        let name = names.staff.get(&case.staff).cloned().unwrap_or_else(|| case.staff.clone());
        let team_label = team.clone().unwrap_or_else(|| "未分班组".into());
        let keys = [
            (hall.code.clone(), hall.name.clone(), hall.name.clone()),
            (
                case.case_type.clone(),
                kind.map_or_else(|| case.case_type.clone(), |k| k.name_zh.clone()),
                kind.map_or_else(|| case.case_type.clone(), |k| k.name_en.clone()),
            ),
            (scoped(&case.staff), name.clone(), name),
            (
                scoped(team.as_deref().unwrap_or(crate::report::NO_TEAM)),
                team_label,
                team.unwrap_or_else(|| "no team".into()),
            ),
        ];
        for (g, (key, zh, en)) in self.groups.iter_mut().zip(keys) {
            g.entry(key).or_insert_with(|| (zh, en, CaseAccumulator::new())).2.push(hall, case, now);
        }
    }

    /// The report of the range `from`..=`to`.
    pub fn finish(self, from: NaiveDate, to: NaiveDate) -> CaseReport {
        let [by_hall, by_type, by_staff, by_team] = self.groups.map(|g| {
            g.into_iter()
                .map(|(key, (label, label_en, acc))| CaseGroup { key, label, label_en, kpis: acc.finish() })
                .collect()
        });
        CaseReport { from, to, total: self.total.finish(), by_hall, by_type, by_staff, by_team }
    }
}

impl Reader {
    /// The commitments report of the cases opened from `from` to `to` in
    /// one hall (or every hall), judged at `now`.
    pub fn case_report(&self, hall: Option<Uuid>, from: NaiveDate, to: NaiveDate, now: i64) -> Result<CaseReport> {
        crate::report::check_range(from, to)?;
        let rows = self.report_halls(hall)?;
        let mut tally = CaseTally::new(rows.len() > 1, now);
        for row in &rows {
            let names = CaseNames::new(types(&self.conn, row.key)?, crate::staff::all(&self.conn, row.key)?);
            let mut st = self.conn.prepare_cached(
                "SELECT data, team FROM cases WHERE hall = ?1 AND business_day BETWEEN ?2 AND ?3 ORDER BY accepted_at",
            )?;
            let mut rs = st.query(params![row.key, from.to_string(), to.to_string()])?;
            while let Some(r) = rs.next()? {
                let case: Case = serde_json::from_str(r.get_ref(0)?.as_str()?)?;
                tally.push(&row.hall, &names, &case, r.get(1)?);
            }
        }
        Ok(tally.finish(from, to))
    }
}
