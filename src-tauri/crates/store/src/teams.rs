//! The monthly team scorecard (班组考核): the field study's teams that
//! supervise each other, scored each month for the pay review.
//!
//! For one calendar month, each team (班组) gets five sub-scores, each a
//! 0..1 share, weighted by the hall's [`ScoreWeights`] into a 0..100 score,
//! and a rank (equal scores share a rank):
//!
//! - within target: the team's legs called within their target wait ÷ the
//!   legs it called (the report's "within target wait");
//! - satisfaction: (非常满意 + 满意) ÷ the team's rated legs (0 when none
//!   was rated: no evidence of satisfaction is not satisfaction);
//! - rating coverage: the team's rated legs ÷ the legs it served (0 when it
//!   served none);
//! - follow-ups: 1 − overdue ÷ follow-ups of the team's low ratings given in
//!   the month, where a follow-up is overdue when it was closed on a
//!   business day after its deadline, or is still open after it; 1 when the
//!   team had no low rating;
//! - no-show handling: the share of the team's no-shows whose customer was
//!   recalled the hall's full `max_recalls` times before being marked (the
//!   clerk did not give up on a customer too soon); 1 when none.
//!
//! A leg counts for the team its staff member was in when they called it
//! (`tickets.team`, written by the projection), so moving a clerk to another
//! team mid-month leaves their earlier work with the old team. Legs of staff
//! in no team, and legs no one called, are not scored. A team is listed when
//! it called at least one leg in the month; its staff count is the number of
//! staff members who called its legs (a clerk moved mid-month counts in both
//! teams).
//!
//! One pass over the month's ticket rows (the report pass with a
//! [`LegSink`] beside the team grouping's KPIs) and one query of the
//! month's follow-ups.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Months, NaiveDate};
use hallq_core::{Millis, ScoreWeights, TicketState};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::halls::HallRow;
use crate::reader::Reader;
use crate::report::{GroupBy, Leg, LegSink, NO_TEAM, NOT_CALLED, team_key};

/// A calendar month, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Month {
    first: NaiveDate,
}

impl Month {
    /// The month a day falls in.
    pub fn of(day: NaiveDate) -> Self {
        Self { first: day.with_day(1).unwrap_or(day) }
    }

    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        self.first
    }

    /// Its last day.
    pub fn last_day(self) -> NaiveDate {
        self.first.checked_add_months(Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(self.first)
    }
}

impl FromStr for Month {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let day = (s.len() == 7 && s.as_bytes()[4] == b'-')
            .then(|| NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").ok())
            .flatten();
        day.map(Self::of)
            .ok_or_else(|| format!("月份须为 YYYY-MM（如 2026-11）/ month must be YYYY-MM, e.g. 2026-11 (got '{s}')"))
    }
}

impl TryFrom<String> for Month {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        s.parse()
    }
}

impl From<Month> for String {
    fn from(m: Month) -> String {
        m.to_string()
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.first.year(), self.first.month())
    }
}

/// What to score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamQuery {
    /// One hall, or `None` for every hall in the database (teams are then
    /// per hall, keyed `T1/甲班`).
    pub hall: Option<Uuid>,
    /// The hall whose weights apply when every hall is scored (the
    /// bureau's own); `None` = the first hall by code.
    pub home: Option<Uuid>,
    /// The month.
    pub month: Month,
    /// Now, UTC ms: open follow-ups are judged overdue against the hall's
    /// business day at this instant.
    pub now: Millis,
}

/// The month's scorecard: every team's sub-scores, score and rank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TeamScorecardDto))]
pub struct TeamScorecard {
    /// The month, `YYYY-MM`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub month: Month,
    /// Its first business day.
    pub from: NaiveDate,
    /// Its last business day.
    pub to: NaiveDate,
    /// The weights of the five sub-scores.
    pub weights: ScoreWeights,
    /// The teams, best first (by rank, then key).
    pub teams: Vec<TeamScore>,
}

/// One team's month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TeamScoreDto))]
pub struct TeamScore {
    /// The team's name (after its hall's code and `/` when several halls
    /// are scored).
    pub key: String,
    /// Its name to read (with its hall's name when several halls are scored).
    pub label: String,
    /// The same in English (a team's name has no English form).
    pub label_en: String,
    /// Staff members who called the team's legs in the month.
    pub staff: u64,
    /// Legs the team called.
    pub legs: u64,
    /// Legs the team served to the end.
    pub served: u64,
    /// Sub-score: share of the team's legs called within their target wait.
    pub within_target_wait: f64,
    /// Sub-score: (非常满意 + 满意) ÷ rated legs; 0 when none was rated.
    pub satisfaction: f64,
    /// Sub-score: rated legs ÷ served legs; 0 when none was served.
    pub rating_coverage: f64,
    /// Follow-ups of the team's low ratings given in the month.
    pub follow_ups: u64,
    /// Of them, closed after their deadline or still open past it.
    pub overdue_follow_ups: u64,
    /// Sub-score: 1 − overdue ÷ follow-ups; 1 when there were none.
    pub follow_up_score: f64,
    /// The team's legs marked no-show.
    pub no_shows: u64,
    /// Of them, recalled the hall's full `max_recalls` times first.
    pub no_shows_recalled: u64,
    /// Sub-score: no-shows recalled in full ÷ no-shows; 1 when none.
    pub no_show_score: f64,
    /// The weighted sum of the sub-scores, ×100 (0..=100).
    pub score: f64,
    /// 1 = best; equal scores share a rank (1, 2, 2, 4).
    pub rank: u32,
}

impl Reader {
    /// The month's team scorecard.
    pub fn team_scorecard(&self, q: &TeamQuery) -> Result<TeamScorecard> {
        let rows = self.report_halls(q.hall)?;
        let weights = {
            let all = crate::halls::all(&self.conn)?;
            let pick = q.hall.or(q.home);
            let h = all.iter().find(|r| Some(r.hall.id) == pick).or(all.first());
            h.map(|r| r.hall.score_weights).unwrap_or_default()
        };
        let (from, to) = (q.month.first_day(), q.month.last_day());
        let several = rows.len() > 1;
        let (mut reports, legs) = self.kpis_pass(&rows, from, to, &[GroupBy::Team], || TeamLegs::new(several))?;
        let report = reports.pop().ok_or_else(|| StoreError::Corrupt("no team report".into()))?;
        let follow_ups = self.team_follow_ups(&rows, from, to, q.now)?;

        let w = weights.as_array();
        let mut teams: Vec<TeamScore> = report
            .groups
            .into_iter()
            .filter(|g| is_team(own_key(&g.key, several)))
            .map(|g| {
                let mine = legs.teams.get(&g.key);
                let (fu, overdue) = follow_ups.get(&g.key).copied().unwrap_or_default();
                let (no_shows, recalled) = mine.map_or((0, 0), |t| (t.no_shows, t.recalled));
                let k = &g.kpis;
                let parts = [
                    k.within_target_wait.unwrap_or(0.0),
                    k.satisfaction.unwrap_or(0.0),
                    k.rating_coverage.unwrap_or(0.0),
                    share_or_one(fu - overdue, fu),
                    share_or_one(recalled, no_shows),
                ];
                let score = 100.0 * parts.iter().zip(w).map(|(p, w)| p * w).sum::<f64>();
                TeamScore {
                    key: g.key,
                    label: g.label,
                    label_en: g.label_en,
                    staff: mine.map_or(0, |t| t.staff.len() as u64),
                    legs: mine.map_or(0, |t| t.legs),
                    served: k.served,
                    within_target_wait: parts[0],
                    satisfaction: parts[1],
                    rating_coverage: parts[2],
                    follow_ups: fu,
                    overdue_follow_ups: overdue,
                    follow_up_score: parts[3],
                    no_shows,
                    no_shows_recalled: recalled,
                    no_show_score: parts[4],
                    score,
                    rank: 0,
                }
            })
            .collect();
        rank(&mut teams);
        Ok(TeamScorecard { month: q.month, from, to, weights, teams })
    }

    /// Each team's follow-ups of low ratings given in the range, and how
    /// many of them are overdue: (follow-ups, overdue) by team key.
    fn team_follow_ups(
        &self,
        rows: &[HallRow],
        from: NaiveDate,
        to: NaiveDate,
        now: Millis,
    ) -> Result<HashMap<String, (u64, u64)>> {
        let mut out: HashMap<String, (u64, u64)> = HashMap::new();
        let mut st = self.conn.prepare_cached(
            "SELECT t.staff, t.team, f.deadline, f.closed_at FROM follow_ups f JOIN tickets t ON t.id = f.ticket
             WHERE f.hall = ?1 AND f.business_day BETWEEN ?2 AND ?3",
        )?;
        let mut key = String::new();
        for row in rows {
            let today = row.hall.business_day(now);
            let mut rs = st.query(rusqlite::params![row.key, from.to_string(), to.to_string()])?;
            while let Some(r) = rs.next()? {
                let deadline: NaiveDate = crate::rows::day(r, 2)?;
                let closed: Option<Millis> = r.get(3)?;
                let overdue = match closed {
                    Some(at) => row.hall.business_day(at) > deadline,
                    None => today > deadline,
                };
                key.clear();
                if rows.len() > 1 {
                    key.push_str(&row.hall.code);
                    key.push('/');
                }
                team_key(r.get_ref(0)?.as_str_or_null()?, r.get_ref(1)?.as_str_or_null()?, &mut key);
                let e = out.entry(key.clone()).or_default();
                e.0 += 1;
                e.1 += u64::from(overdue);
            }
        }
        Ok(out)
    }
}

/// `part ÷ whole`, or 1 when there is nothing to judge.
fn share_or_one(part: u64, whole: u64) -> f64 {
    if whole == 0 { 1.0 } else { part as f64 / whole as f64 }
}

/// A group key without its hall's code.
fn own_key(key: &str, several: bool) -> &str {
    if several { key.split_once('/').map_or(key, |(_, own)| own) } else { key }
}

/// Whether a team group is a real team (not "no team", not "not called").
fn is_team(own: &str) -> bool {
    own != NO_TEAM && !own.chars().eq([NOT_CALLED])
}

/// Sorts best first and ranks: equal scores (within 1e-9) share a rank,
/// the next rank skipping as many places (1, 2, 2, 4).
fn rank(teams: &mut [TeamScore]) {
    teams.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.key.cmp(&b.key)));
    let mut prev: Option<(f64, u32)> = None;
    for (i, t) in teams.iter_mut().enumerate() {
        t.rank = match prev {
            Some((s, r)) if (s - t.score).abs() <= 1e-9 => r,
            _ => i as u32 + 1,
        };
        prev = Some((t.score, t.rank));
    }
}

/// What the report pass collects per team besides its KPIs.
#[derive(Default)]
struct TeamLegs {
    several: bool,
    /// `T1/` with several halls.
    prefix: String,
    max_recalls: u16,
    teams: HashMap<String, TeamTally>,
    key: String,
}

#[derive(Default)]
struct TeamTally {
    staff: BTreeSet<String>,
    legs: u64,
    no_shows: u64,
    recalled: u64,
}

impl TeamLegs {
    fn new(several: bool) -> Self {
        Self { several, ..Self::default() }
    }
}

impl LegSink for TeamLegs {
    fn hall(&mut self, _reader: &Reader, row: &HallRow) -> Result<()> {
        self.max_recalls = row.hall.max_recalls;
        self.prefix = if self.several { format!("{}/", row.hall.code) } else { String::new() };
        Ok(())
    }

    fn leg(&mut self, _reader: &Reader, _row: &HallRow, leg: &Leg<'_>) -> Result<()> {
        let Some(staff) = leg.staff else { return Ok(()) };
        self.key.clear();
        self.key.push_str(&self.prefix);
        team_key(leg.staff, leg.team, &mut self.key);
        let t = self.teams.entry(self.key.clone()).or_default();
        if !t.staff.contains(staff) {
            t.staff.insert(staff.to_string());
        }
        t.legs += 1;
        if leg.facts.state == TicketState::NoShow {
            t.no_shows += 1;
            t.recalled += u64::from(leg.recalls >= self.max_recalls);
        }
        Ok(())
    }

    fn merge(&mut self, other: Self) {
        for (k, o) in other.teams {
            let t = self.teams.entry(k).or_default();
            t.staff.extend(o.staff);
            t.legs += o.legs;
            t.no_shows += o.no_shows;
            t.recalled += o.recalled;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_is_yyyy_mm_and_knows_its_days() {
        let m: Month = "2026-02".parse().unwrap();
        assert_eq!((m.first_day().to_string(), m.last_day().to_string()), ("2026-02-01".into(), "2026-02-28".into()));
        let dec: Month = "2026-12".parse().unwrap();
        assert_eq!(dec.last_day().to_string(), "2026-12-31");
        assert_eq!(dec.to_string(), "2026-12");
        for bad in ["2026-13", "2026-1", "2026-011", "26-11", "2026/11", "", "2026-11-01"] {
            let err = bad.parse::<Month>().unwrap_err();
            assert!(err.contains("月份须为 YYYY-MM") && err.contains("month must be YYYY-MM"), "{bad}: {err}");
        }
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"2026-02\"");
        assert!(serde_json::from_str::<Month>("\"2026-00\"").is_err());
    }

    fn scored(key: &str, score: f64) -> TeamScore {
        TeamScore {
            key: key.into(),
            label: key.into(),
            label_en: key.into(),
            staff: 0,
            legs: 0,
            served: 0,
            within_target_wait: 0.0,
            satisfaction: 0.0,
            rating_coverage: 0.0,
            follow_ups: 0,
            overdue_follow_ups: 0,
            follow_up_score: 1.0,
            no_shows: 0,
            no_shows_recalled: 0,
            no_show_score: 1.0,
            score,
            rank: 0,
        }
    }

    #[test]
    fn equal_scores_share_a_rank_and_the_next_skips() {
        let mut t = vec![scored("丁", 50.0), scored("甲", 90.0), scored("丙", 80.0), scored("乙", 80.0)];
        rank(&mut t);
        let got: Vec<(&str, u32)> = t.iter().map(|t| (t.key.as_str(), t.rank)).collect();
        assert_eq!(got, [("甲", 1), ("丙", 2), ("乙", 2), ("丁", 4)]);
    }
}
