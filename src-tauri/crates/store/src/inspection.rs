//! Inspection days (稽查日) and consistency: does a hall, or a staff member,
//! serve as well on the days the bureau does not look?
//!
//! For each hall of a range and each of its staff members, the KPIs on the
//! hall's marked inspection days beside those on its other working days,
//! the difference, and the consistency figure: how much the daily share
//! within the target wait and the daily satisfaction vary from day to day.
//! Everything comes from one pass over the range's ticket rows (the KPI
//! report's pass, fed leg by leg through a [`LegSink`]), keeping one
//! [`KpiAccumulator`] per hall and day and per staff member and day, so the
//! figures mean exactly what the other reports' do.
//!
//! Definitions:
//! - *inspection days*: the hall's `inspection_days` within the range,
//!   whether or not it worked on them; *other days*: the range's other
//!   working days (Monday to Friday, minus holidays, plus make-up days: the
//!   hall's calendar). Weekend and holiday traffic is left out of the
//!   comparison (it is unlike a weekday's), but not out of consistency;
//! - a staff member's days are the days they called legs; their figures
//!   are over the legs they called; legs never called count for the hall
//!   only;
//! - the five figures compared are the KPIs' own: mean wait, share within
//!   the target wait, mean handling, satisfaction, rating coverage;
//!   difference = inspection days − other days (minutes, or percentage
//!   points for shares);
//! - *consistency*: the population standard deviation, in percentage
//!   points, of the daily share within the target wait over the business
//!   days of the range with at least one judged leg, and of the daily
//!   satisfaction over the days with at least one rating (a day without a
//!   rating has no satisfaction and is left out, not counted as 0). With
//!   fewer than [`MIN_DAYS`] such days there is no figure. Population, not
//!   sample: the days of the range are all the days described, not a sample
//!   of other days;
//! - *good only on inspection days* (the flag): the share within the target
//!   wait or the satisfaction is at least [`FLAG_POINTS`] points higher on
//!   inspection days than on the other days (both sides known).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use hallq_core::{KpiAccumulator, Kpis, Millis};
use serde::Serialize;
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::halls::HallRow;
use crate::reader::Reader;
use crate::report::{GroupBy, KpiReport, Leg, LegSink, check_range};

/// How many percentage points better the share within the target wait or
/// the satisfaction must be on inspection days for the flag: 10 points is
/// well beyond a month's day-to-day noise in a hall of a few hundred
/// customers a day, and small enough to catch a hall that tidies up for
/// the inspector.
pub const FLAG_POINTS: f64 = 10.0;

/// Fewest days with a figure for a standard deviation of them.
pub const MIN_DAYS: usize = 2;

/// What an inspection report covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectionQuery {
    /// One hall, or `None` for every hall in the database.
    pub hall: Option<Uuid>,
    /// First business day, inclusive.
    pub from: NaiveDate,
    /// Last business day, inclusive.
    pub to: NaiveDate,
}

/// Inspection days against the other days, and consistency, per hall and
/// staff member.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = InspectionDto))]
pub struct Inspection {
    /// First business day.
    pub from: NaiveDate,
    /// Last business day.
    pub to: NaiveDate,
    /// The flag's threshold, percentage points ([`FLAG_POINTS`]).
    pub flag_points: f64,
    /// Per hall, by code.
    pub halls: Vec<InspectionHall>,
}

impl Inspection {
    /// Whether any hall has inspection days marked in the range.
    pub fn has_inspection_days(&self) -> bool {
        self.halls.iter().any(|h| !h.inspection_days.is_empty())
    }

    /// Whether the range has any ticket leg.
    pub fn has_legs(&self) -> bool {
        self.halls.iter().any(|h| h.hall.days > 0)
    }
}

/// One hall: its own row and its staff's.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = InspectionHallDto))]
pub struct InspectionHall {
    /// Id.
    pub id: Uuid,
    /// The hall's inspection days within the range.
    pub inspection_days: Vec<NaiveDate>,
    /// The hall as a whole (key: its code, label: its name).
    pub hall: InspectionRow,
    /// Its staff who called legs in the range, by number (key: number,
    /// label: name).
    pub staff: Vec<InspectionRow>,
}

/// One hall's or staff member's comparison and consistency.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = InspectionRowDto))]
pub struct InspectionRow {
    /// Hall code or staff number.
    pub key: String,
    /// Hall or staff name.
    pub label: String,
    /// Business days of the range with legs.
    pub days: u32,
    /// On inspection days.
    pub inspection: DayFigures,
    /// On the other working days.
    pub other: DayFigures,
    /// Inspection days − other days.
    pub difference: Difference,
    /// Day-to-day variation.
    pub consistency: Consistency,
    /// Good only on inspection days: see [`FLAG_POINTS`].
    pub flag: bool,
}

/// The five figures over a set of days.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = DayFiguresDto))]
pub struct DayFigures {
    /// Days with legs.
    pub days: u32,
    /// Legs.
    pub legs: u64,
    /// Mean wait, ms.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub wait_mean_ms: Option<Millis>,
    /// Share called within the target wait.
    pub within_target_wait: Option<f64>,
    /// Mean handling, ms.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub handling_mean_ms: Option<Millis>,
    /// (非常满意 + 满意) ÷ rated.
    pub satisfaction: Option<f64>,
    /// Rated ÷ served.
    pub rating_coverage: Option<f64>,
}

impl DayFigures {
    fn of(days: u32, k: &Kpis) -> Self {
        Self {
            days,
            legs: k.legs,
            wait_mean_ms: k.wait_mean_ms,
            within_target_wait: k.within_target_wait,
            handling_mean_ms: k.handling_mean_ms,
            satisfaction: k.satisfaction,
            rating_coverage: k.rating_coverage,
        }
    }
}

/// Inspection days − other days; `None` unless both are known.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = DifferenceDto))]
pub struct Difference {
    /// Mean wait, ms (negative: shorter on inspection days).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub wait_mean_ms: Option<Millis>,
    /// Share within the target wait, percentage points.
    pub within_target_wait_pp: Option<f64>,
    /// Mean handling, ms.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub handling_mean_ms: Option<Millis>,
    /// Satisfaction, percentage points.
    pub satisfaction_pp: Option<f64>,
    /// Rating coverage, percentage points.
    pub rating_coverage_pp: Option<f64>,
}

impl Difference {
    fn of(a: &DayFigures, b: &DayFigures) -> Self {
        let ms = |x: Option<Millis>, y: Option<Millis>| x.zip(y).map(|(x, y)| x - y);
        let pp = |x: Option<f64>, y: Option<f64>| x.zip(y).map(|(x, y)| (x - y) * 100.0);
        Self {
            wait_mean_ms: ms(a.wait_mean_ms, b.wait_mean_ms),
            within_target_wait_pp: pp(a.within_target_wait, b.within_target_wait),
            handling_mean_ms: ms(a.handling_mean_ms, b.handling_mean_ms),
            satisfaction_pp: pp(a.satisfaction, b.satisfaction),
            rating_coverage_pp: pp(a.rating_coverage, b.rating_coverage),
        }
    }

    /// Whether either share is at least [`FLAG_POINTS`] better.
    fn flags(&self) -> bool {
        // A hair below, for shares like 2/3 that are not exact in binary.
        let better = |d: Option<f64>| d.is_some_and(|d| d >= FLAG_POINTS - 1e-9);
        better(self.within_target_wait_pp) || better(self.satisfaction_pp)
    }
}

/// Day-to-day variation, population standard deviations in percentage
/// points (`None` with fewer than [`MIN_DAYS`] days).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ConsistencyDto))]
pub struct Consistency {
    /// Of the daily share within the target wait.
    pub within_target_wait_sd_pp: Option<f64>,
    /// Days with a judged leg (that standard deviation is over).
    pub within_target_wait_days: u32,
    /// Of the daily satisfaction.
    pub satisfaction_sd_pp: Option<f64>,
    /// Days with a rating.
    pub satisfaction_days: u32,
}

/// Population standard deviation of shares, in percentage points.
fn sd_pp(shares: &[f64]) -> Option<f64> {
    if shares.len() < MIN_DAYS {
        return None;
    }
    let n = shares.len() as f64;
    let mean = shares.iter().sum::<f64>() / n;
    let var = shares.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    Some(var.sqrt() * 100.0)
}

impl Reader {
    /// Inspection days against the other days, and consistency, of a range.
    pub fn inspection(&self, q: &InspectionQuery) -> Result<Inspection> {
        Ok(self.kpis_and_inspection(q.hall, q.from, q.to, &[])?.1)
    }

    /// [`Reader::kpis_many`] and [`Reader::inspection`] from the same one
    /// pass over the tickets (an XLSX export with its inspection sheet).
    pub fn kpis_and_inspection(
        &self,
        hall: Option<Uuid>,
        from: NaiveDate,
        to: NaiveDate,
        bys: &[GroupBy],
    ) -> Result<(Vec<KpiReport>, Inspection)> {
        check_range(from, to)?;
        let rows = self.report_halls(hall)?;
        let (reports, mut sink) = self.kpis_pass(&rows, from, to, bys, InspectionSink::default)?;
        let mut halls = Vec::with_capacity(rows.len());
        for row in &rows {
            let days = sink.halls.remove(&row.key).unwrap_or_default();
            halls.push(days.finish(row, from, to)?);
        }
        Ok((reports, Inspection { from, to, flag_points: FLAG_POINTS, halls }))
    }
}

/// Per hall: its legs' KPIs by day, and each staff member's.
#[derive(Default)]
struct InspectionSink {
    /// By hall key.
    halls: HashMap<i64, HallDays>,
    current: i64,
}

#[derive(Default)]
struct HallDays {
    /// By business day, `YYYY-MM-DD`.
    hall: BTreeMap<String, KpiAccumulator>,
    /// By staff number, then day.
    staff: BTreeMap<String, BTreeMap<String, KpiAccumulator>>,
    /// Staff number → name.
    names: HashMap<String, String>,
}

fn push(days: &mut BTreeMap<String, KpiAccumulator>, leg: &Leg<'_>) {
    match days.get_mut(leg.day) {
        Some(acc) => acc.push(leg.facts),
        None => days.entry(leg.day.to_string()).or_default().push(leg.facts),
    }
}

fn merge_days(into: &mut BTreeMap<String, KpiAccumulator>, other: BTreeMap<String, KpiAccumulator>) {
    for (day, acc) in other {
        into.entry(day).or_default().merge(acc);
    }
}

impl LegSink for InspectionSink {
    fn hall(&mut self, reader: &Reader, row: &HallRow) -> Result<()> {
        self.current = row.key;
        let days = self.halls.entry(row.key).or_default();
        days.names = crate::staff::all(&reader.conn, row.key)?.into_iter().map(|s| (s.number, s.name)).collect();
        Ok(())
    }

    fn leg(&mut self, _reader: &Reader, _row: &HallRow, leg: &Leg<'_>) -> Result<()> {
        let days = self.halls.entry(self.current).or_default();
        push(&mut days.hall, leg);
        if let Some(staff) = leg.staff {
            match days.staff.get_mut(staff) {
                Some(d) => push(d, leg),
                None => push(days.staff.entry(staff.to_string()).or_default(), leg),
            }
        }
        Ok(())
    }

    fn merge(&mut self, other: Self) {
        for (key, theirs) in other.halls {
            let mine = self.halls.entry(key).or_default();
            merge_days(&mut mine.hall, theirs.hall);
            for (staff, days) in theirs.staff {
                merge_days(mine.staff.entry(staff).or_default(), days);
            }
            mine.names.extend(theirs.names);
        }
    }
}

impl HallDays {
    fn finish(self, row: &HallRow, from: NaiveDate, to: NaiveDate) -> Result<InspectionHall> {
        let hall = &row.hall;
        let inspection_days: Vec<NaiveDate> =
            hall.inspection_days.iter().copied().filter(|d| (from..=to).contains(d)).collect();
        let judge = |days: BTreeMap<String, KpiAccumulator>, key: String, label: String| -> Result<InspectionRow> {
            let (mut on, mut off) = (KpiAccumulator::new(), KpiAccumulator::new());
            let (mut on_days, mut off_days) = (0, 0);
            let (mut within, mut satisfaction) = (Vec::new(), Vec::new());
            let total_days = days.len() as u32;
            for (text, acc) in days {
                let day: NaiveDate =
                    text.parse().map_err(|e: chrono::ParseError| StoreError::Corrupt(e.to_string()))?;
                let daily = acc.clone().finish();
                within.extend(daily.within_target_wait);
                satisfaction.extend(daily.satisfaction);
                if inspection_days.binary_search(&day).is_ok() {
                    on.merge(acc);
                    on_days += 1;
                } else if hall.is_working_day(day) {
                    off.merge(acc);
                    off_days += 1;
                }
            }
            let inspection = DayFigures::of(on_days, &on.finish());
            let other = DayFigures::of(off_days, &off.finish());
            let difference = Difference::of(&inspection, &other);
            Ok(InspectionRow {
                key,
                label,
                days: total_days,
                inspection,
                other,
                flag: difference.flags(),
                difference,
                consistency: Consistency {
                    within_target_wait_sd_pp: sd_pp(&within),
                    within_target_wait_days: within.len() as u32,
                    satisfaction_sd_pp: sd_pp(&satisfaction),
                    satisfaction_days: satisfaction.len() as u32,
                },
            })
        };
        let hall_row = judge(self.hall, hall.code.clone(), hall.name.clone())?;
        let mut staff = Vec::with_capacity(self.staff.len());
        for (number, days) in self.staff {
            let name = self.names.get(&number).cloned().unwrap_or_else(|| number.clone());
            staff.push(judge(days, number, name)?);
        }
        Ok(InspectionHall { id: hall.id, inspection_days, hall: hall_row, staff })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_deviation_is_the_population_one_in_points_and_needs_two_days() {
        // 0.5, 0, 1, 0.5: mean 0.5, squared deviations 0, .25, .25, 0 → variance 0.125.
        let sd = sd_pp(&[0.5, 0.0, 1.0, 0.5]).unwrap();
        assert!((sd - 0.125f64.sqrt() * 100.0).abs() < 1e-9, "{sd}");
        assert_eq!(sd_pp(&[0.7, 0.7]), Some(0.0));
        assert_eq!(sd_pp(&[0.7]), None);
        assert_eq!(sd_pp(&[]), None);
    }

    #[test]
    fn the_flag_needs_ten_points_better_on_either_share() {
        let d = |w: Option<f64>, s: Option<f64>| Difference {
            within_target_wait_pp: w,
            satisfaction_pp: s,
            ..Difference::default()
        };
        assert!(d(Some(10.0), None).flags());
        assert!(d(Some(-30.0), Some(100.0 * (1.0 - 0.9))).flags(), "0.1 points short of 10 in binary still counts");
        assert!(!d(Some(9.9), Some(9.9)).flags());
        assert!(!d(Some(-20.0), None).flags());
        assert!(!d(None, None).flags());
    }
}
