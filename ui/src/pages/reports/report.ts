// The reports page's data shaping, pure (no Vue, no DOM, no i18n), so the
// unit tests cover it: ranges of business days, the headline cards and
// their change against the previous period, the hour × weekday matrices,
// the load-balance figures, sorting and ranking, and the export URLs.

import type { GroupBy, HeatCell, KpiGroup, Kpis, ReportTargets, StaffingRow, WaitBucket } from '../../api/types'

// ---------------------------------------------------------------- ranges

export type RangeKind = 'day' | 'week' | 'month' | 'custom'
export interface Range {
  from: string
  to: string
}

const DAY_MS = 86_400_000
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10)
const msOf = (day: string) => Date.parse(`${day}T00:00:00Z`)

/** Whether `s` is a real calendar day `YYYY-MM-DD`. */
export function isDay(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(msOf(s)) && iso(msOf(s)) === s
}

/** `day` moved by `n` days. */
export function addDays(day: string, n: number): string {
  return iso(msOf(day) + n * DAY_MS)
}

/** Weekday of a business day, 0 = Monday … 6 = Sunday (the API's numbering). */
export function weekdayOf(day: string): number {
  return (new Date(msOf(day)).getUTCDay() + 6) % 7
}

/** Days from `from` to `to`, both included. */
export function dayCount(r: Range): number {
  return Math.round((msOf(r.to) - msOf(r.from)) / DAY_MS) + 1
}

/** First and last day of a month `YYYY-MM`; null when it is not one. */
export function monthRange(month: string): Range | null {
  const m = /^(\d{4})-(\d{2})$/.exec(month)
  if (!m) return null
  const y = Number(m[1])
  const mo = Number(m[2])
  if (mo < 1 || mo > 12) return null
  const from = `${m[1]}-${m[2]}-01`
  const to = iso(Date.UTC(y, mo, 0))
  return { from, to }
}

/**
 * The period of `kind` holding `anchor`: the day, its week (Monday to
 * Sunday) or its month. A period still running ends today (`today`), so
 * the charts hold no empty future days.
 */
export function rangeOf(kind: Exclude<RangeKind, 'custom'>, anchor: string, today?: string): Range {
  let r: Range
  if (kind === 'day') r = { from: anchor, to: anchor }
  else if (kind === 'week') {
    const from = addDays(anchor, -weekdayOf(anchor))
    r = { from, to: addDays(from, 6) }
  } else r = monthRange(anchor.slice(0, 7))!
  if (today && r.from <= today && today < r.to) r = { from: r.from, to: today }
  return r
}

/** The anchor of the period before (`step` -1) or after (+1) the one holding `anchor`. */
export function shiftAnchor(kind: Exclude<RangeKind, 'custom'>, anchor: string, step: number): string {
  if (kind === 'day') return addDays(anchor, step)
  if (kind === 'week') return addDays(anchor, 7 * step)
  const y = Number(anchor.slice(0, 4))
  const m = Number(anchor.slice(5, 7)) - 1 + step
  return iso(Date.UTC(y, m, 1))
}

// ---------------------------------------------------------------- cards

/** Which way a KPI is better: up, down, or neither (volumes). */
export type Better = 'up' | 'down' | 'none'
export type Unit = 'count' | 'rate' | 'ms'

export interface CardDef {
  /** The i18n key under `reports.cards`, and the card's `data-test`. */
  key: string
  unit: Unit
  better: Better
  value: (k: Kpis) => number | null | undefined
}

export const CARDS: CardDef[] = [
  { key: 'issued', unit: 'count', better: 'none', value: (k) => k.issued },
  { key: 'served', unit: 'count', better: 'none', value: (k) => k.served },
  { key: 'withinTarget', unit: 'rate', better: 'up', value: (k) => k.within_target_wait },
  { key: 'waitMean', unit: 'ms', better: 'down', value: (k) => k.wait_mean_ms },
  { key: 'waitP90', unit: 'ms', better: 'down', value: (k) => k.wait_p90_ms },
  { key: 'handlingMean', unit: 'ms', better: 'down', value: (k) => k.handling_mean_ms },
  { key: 'satisfaction', unit: 'rate', better: 'up', value: (k) => k.satisfaction },
  { key: 'coverage', unit: 'rate', better: 'up', value: (k) => k.rating_coverage },
  { key: 'noShow', unit: 'rate', better: 'down', value: (k) => k.no_show_rate },
  { key: 'leftWithout', unit: 'rate', better: 'down', value: (k) => k.left_without_service_rate },
]

export interface Delta {
  /** up, down, flat, or none (no figure in one of the periods). */
  dir: 'up' | 'down' | 'flat' | 'none'
  /** good, bad, or neutral (a volume, flat, or no figure). */
  tone: 'good' | 'bad' | 'neutral'
  /**
   * The change as shown: percentage points for a rate, minutes for a
   * duration, per cent of the previous figure for a count (absolute when
   * the previous was 0).
   */
  amount: number | null
  /** What `amount` is measured in. */
  as: 'pp' | 'min' | 'pct' | 'abs'
}

/** The change of one card against the previous period. */
export function delta(def: CardDef, cur: Kpis, prev: Kpis): Delta {
  const a = def.value(cur)
  const b = def.value(prev)
  const as: Delta['as'] = def.unit === 'rate' ? 'pp' : def.unit === 'ms' ? 'min' : b ? 'pct' : 'abs'
  if (a === null || a === undefined || b === null || b === undefined) return { dir: 'none', tone: 'neutral', amount: null, as }
  const diff = a - b
  const amount =
    as === 'pp' ? round1(diff * 100) : as === 'min' ? round1(diff / 60_000) : as === 'pct' ? round1((diff / b) * 100) : diff
  // Flat is what the card would show as no change.
  if (amount === 0) return { dir: 'flat', tone: 'neutral', amount: 0, as }
  const dir = diff > 0 ? 'up' : 'down'
  const tone = def.better === 'none' ? 'neutral' : def.better === dir ? 'good' : 'bad'
  return { dir, tone, amount, as }
}

export function round1(x: number): number {
  const r = Math.round(x * 10) / 10
  return Object.is(r, -0) ? 0 : r
}

/** Minutes with one decimal, or null. */
export function minutes1(ms: number | null | undefined): number | null {
  return ms === null || ms === undefined ? null : round1(ms / 60_000)
}

/** A rate as a per cent with one decimal, or null. */
export function pct1(x: number | null | undefined): number | null {
  return x === null || x === undefined ? null : round1(x * 100)
}

// ---------------------------------------------------------------- matrices

export interface Matrix {
  /** The hours shown, first to last hour with data (contiguous). */
  hours: number[]
  /** ECharts heat-map points: [hour index, weekday, value]. */
  data: [number, number, number][]
  max: number
}

/** The hour × weekday matrix of one figure of the heat-map cells (cells without it are left out). */
export function heatMatrix(cells: HeatCell[], value: (c: HeatCell) => number | null | undefined): Matrix {
  const shown = cells.filter((c) => value(c) !== null && value(c) !== undefined)
  if (!shown.length) return { hours: [], data: [], max: 0 }
  const lo = Math.min(...cells.map((c) => c.hour))
  const hi = Math.max(...cells.map((c) => c.hour))
  const hours = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i)
  const data = shown.map((c): [number, number, number] => [c.hour - lo, c.weekday, value(c) as number])
  return { hours, data, max: Math.max(...data.map((d) => d[2])) }
}

export interface StaffingGrid {
  /** The hall's code. */
  hall: string
  hours: number[]
  /** The row of weekday `w` at hour `h`. */
  cell: (weekday: number, hour: number) => StaffingRow | undefined
  /** Hours of the week where fewer counters were open than advised (or no advice could reach the target). */
  short: number
}

/** The staffing rows as weekday × hour grids, one per hall, in the order the halls come. */
export function staffingGrids(rows: StaffingRow[]): StaffingGrid[] {
  const halls = [...new Set(rows.map((r) => r.hall))]
  return halls.map((hall) => {
    const mine = rows.filter((r) => r.hall === hall)
    const map = new Map(mine.map((r) => [`${r.weekday}-${r.hour}`, r]))
    const hs = mine.map((r) => r.hour)
    const lo = Math.min(...hs)
    const hours = Array.from({ length: Math.max(...hs) - lo + 1 }, (_, i) => lo + i)
    return { hall, hours, cell: (w, h) => map.get(`${w}-${h}`), short: mine.filter((r) => staffingTone(r) === 'short').length }
  })
}

/**
 * How a staffing cell reads: fewer counters open than advised (or no advice
 * within reach), clearly more (a whole counter or more to spare), or as advised.
 */
export function staffingTone(r: StaffingRow): 'short' | 'over' | 'ok' {
  const advised = r.advised_counters
  if (advised === null || advised === undefined) return r.handling_mean_ms == null ? 'ok' : 'short'
  if (r.open_counters < advised - 0.05) return 'short'
  if (r.open_counters > advised + 0.95) return 'over'
  return 'ok'
}

// ---------------------------------------------------------------- load balance

export interface Balance {
  gini: string
  maxOverMean: string
  /** even (Gini < 0.15), uneven (< 0.30), very uneven; null without a figure. */
  level: 'even' | 'uneven' | 'very' | null
}

/** The staff load-balance figures as shown. */
export function balance(gini: number | null | undefined, maxOverMean: number | null | undefined): Balance {
  const g = gini === null || gini === undefined ? null : gini
  return {
    gini: g === null ? '—' : g.toFixed(2),
    maxOverMean: maxOverMean === null || maxOverMean === undefined ? '—' : `${maxOverMean.toFixed(2)}×`,
    level: g === null ? null : g < 0.15 ? 'even' : g < 0.3 ? 'uneven' : 'very',
  }
}

// ---------------------------------------------------------------- tables

export type Column =
  | 'label'
  | 'issued'
  | 'served'
  | 'within_target_wait'
  | 'wait_mean_ms'
  | 'wait_p90_ms'
  | 'handling_mean_ms'
  | 'utilisation'
  | 'satisfaction'
  | 'rating_coverage'
  | 'no_show_rate'
  | 'left_without_service_rate'

export const COLUMNS: Column[] = [
  'label', 'issued', 'served', 'within_target_wait', 'wait_mean_ms', 'wait_p90_ms', 'handling_mean_ms',
  'utilisation', 'satisfaction', 'rating_coverage', 'no_show_rate', 'left_without_service_rate',
]

function cellValue(g: KpiGroup, c: Column, en: boolean): string | number | null {
  if (c === 'label') return en && g.label_en ? g.label_en : g.label
  const v = g.kpis[c]
  return v === undefined ? null : v
}

/**
 * Groups sorted by a column; missing figures always last. Labels sort as
 * the text read (Chinese, or English with `en`); `hour`/`weekday`/`counter`
 * keys keep their natural order when sorted by label.
 */
export function sortGroups(groups: KpiGroup[], col: Column, desc: boolean, en = false): KpiGroup[] {
  const natural = groups.every((g) => /^\d+$/.test(g.key))
  return [...groups].sort((x, y) => {
    if (col === 'label' && natural) return (Number(x.key) - Number(y.key)) * (desc ? -1 : 1)
    const a = cellValue(x, col, en)
    const b = cellValue(y, col, en)
    if (a === null && b === null) return 0
    if (a === null) return 1
    if (b === null) return -1
    const c = typeof a === 'string' ? a.localeCompare(String(b), en ? 'en' : 'zh-CN') : a - (b as number)
    return desc ? -c : c
  })
}

export interface Ranked {
  rank: number
  group: KpiGroup
  /** Whether the hall meets each bureau target (null: no figure or no target). */
  meets: { wait: boolean | null; satisfaction: boolean | null; coverage: boolean | null }
}

const meets = (v: number | null | undefined, target: number | null | undefined) =>
  v === null || v === undefined || target === null || target === undefined ? null : v >= target

/** Each figure of a group against the bureau's targets (null: no figure or no target). */
export function meetsTargets(g: KpiGroup, targets: Partial<ReportTargets>): Ranked['meets'] {
  return {
    wait: meets(g.kpis.within_target_wait, targets.within_target_wait),
    satisfaction: meets(g.kpis.satisfaction, targets.satisfaction),
    coverage: meets(g.kpis.rating_coverage, targets.rating_coverage),
  }
}

/** The groupings whose groups are ranked with a chart: who can be compared. */
export const RANKED_GROUPINGS: GroupBy[] = ['hall', 'counter', 'staff']

/** Whether a group is the tickets never called (key `~`, `T1/~`): no one to rank or mark. */
export const notCalled = (g: KpiGroup) => g.key.endsWith('~')

/**
 * Groups (halls, counters, staff) ranked by share called within the target
 * wait, then satisfaction; ties share a rank. Tickets never called are not
 * a group to rank.
 */
export function rankGroups(groups: KpiGroup[], targets: Partial<ReportTargets>): Ranked[] {
  const score = (g: KpiGroup): [number, number] => [g.kpis.within_target_wait ?? -1, g.kpis.satisfaction ?? -1]
  const sorted = groups.filter((g) => !notCalled(g)).sort((a, b) => {
    const [a1, a2] = score(a)
    const [b1, b2] = score(b)
    return b1 - a1 || b2 - a2
  })
  const out: Ranked[] = []
  sorted.forEach((g, i) => {
    const prev = out[i - 1]
    const same = prev && score(prev.group).join() === score(g).join()
    out.push({
      rank: same ? prev.rank : i + 1,
      group: g,
      meets: meetsTargets(g, targets),
    })
  })
  return out
}

// ---------------------------------------------------------------- labels

/** `540` → `09:00`. */
export function minuteLabel(minute: number): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${pad(Math.floor(minute / 60) % 24)}:${pad(minute % 60)}`
}

/** `0–2`, …, `60+` (the last bucket has no upper bound). */
export function bucketLabel(b: WaitBucket): string {
  return b.to_min === null || b.to_min === undefined ? `${b.from_min}+` : `${b.from_min}–${b.to_min}`
}

// ---------------------------------------------------------------- URLs

/** `hall` as the API takes it: omitted for the server's own hall. */
export type HallScope = 'own' | 'all'

/** The groupings the grouped table offers (the whole period and days have their own sheets). */
export type Grouping = Exclude<GroupBy, 'total' | 'day'>
export const GROUPINGS: Grouping[] = ['service', 'counter', 'staff', 'team', 'hour', 'weekday', 'hall']

/**
 * The query string of a report request. Grouping by hall compares halls,
 * so it always covers every hall.
 */
export function reportQuery(r: Range, hall: HallScope, extra: ReportExtra = {}): string {
  return new URLSearchParams(Object.entries(reportParams(r, hall, extra)).map(([k, v]) => [k, String(v)])).toString()
}

/** What a report request may add to its period and halls. */
export interface ReportExtra {
  by?: GroupBy
  target_share?: number
  format?: 'csv' | 'xlsx'
}

/** The query of a report request as an object (for the typed client); `reportQuery` is its string. */
export function reportParams(r: Range, hall: HallScope, extra: ReportExtra = {}): { from: string; to: string; hall?: 'all' } & ReportExtra {
  const p: { from: string; to: string; hall?: 'all' } & ReportExtra = { from: r.from, to: r.to, ...extra }
  if (hall === 'all' || extra.by === 'hall') p.hall = 'all'
  return p
}

/** The export route of the current grouping, as CSV or XLSX. */
export function exportUrl(r: Range, by: GroupBy, format: 'csv' | 'xlsx', hall: HallScope): string {
  return `/api/v1/reports/export?${reportQuery(r, hall, { by, format })}`
}

/** The team scorecard's query: a month (`YYYY-MM`) and the halls. */
export function teamParams(month: string, hall: HallScope): { month: string; hall?: 'all' } {
  return hall === 'all' ? { month, hall } : { month }
}

/** The team scorecard of a month as an XLSX workbook. */
export function teamExportUrl(month: string, hall: HallScope): string {
  return `/api/v1/reports/teams/export?${new URLSearchParams(teamParams(month, hall))}`
}

/** The printable monthly report of a month, for the hall or every hall. */
export function printUrl(month: string, hall: HallScope): string {
  const q = new URLSearchParams({ print: '1', month })
  if (hall === 'all') q.set('hall', 'all')
  return `/reports?${q}`
}

/** A download name when the server gives none. */
export function exportName(r: Range, by: GroupBy, format: 'csv' | 'xlsx'): string {
  return `hallq-${by}-${r.from}_${r.to}.${format}`
}
