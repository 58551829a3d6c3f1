import { describe, expect, it } from 'vitest'
import { attachmentName } from '../../api/client'
import type { KpiGroup } from '../../api/types'
import { kpis, overview, staffing } from './fixtures'
import {
  CARDS, addDays, balance, bucketLabel, dayCount, delta, exportUrl, heatMatrix, isDay, minuteLabel, monthRange,
  meetsTargets, printUrl, rangeOf, teamExportUrl, rankGroups, shiftAnchor, sortGroups, staffingGrids, staffingTone, weekdayOf,
} from './report'

const card = (key: string) => CARDS.find((c) => c.key === key)!

describe('ranges', () => {
  it('weeks run Monday to Sunday and months to their last day', () => {
    expect(weekdayOf('2026-11-23')).toBe(0) // a Monday
    expect(weekdayOf('2026-11-29')).toBe(6)
    expect(rangeOf('week', '2026-11-26')).toEqual({ from: '2026-11-23', to: '2026-11-29' })
    expect(rangeOf('month', '2026-02-10')).toEqual({ from: '2026-02-01', to: '2026-02-28' })
    expect(rangeOf('month', '2028-02-10')).toEqual({ from: '2028-02-01', to: '2028-02-29' })
    expect(rangeOf('day', '2026-11-26')).toEqual({ from: '2026-11-26', to: '2026-11-26' })
  })
  it('a running period ends today; a past one does not', () => {
    expect(rangeOf('month', '2026-11-26', '2026-11-27')).toEqual({ from: '2026-11-01', to: '2026-11-27' })
    expect(rangeOf('month', '2026-10-05', '2026-11-27')).toEqual({ from: '2026-10-01', to: '2026-10-31' })
  })
  it('steps back and forth across month and year ends', () => {
    expect(shiftAnchor('month', '2026-01-31', -1)).toBe('2025-12-01')
    expect(shiftAnchor('month', '2026-12-15', 1)).toBe('2027-01-01')
    expect(shiftAnchor('week', '2026-11-26', -1)).toBe('2026-11-19')
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28')
    expect(dayCount(overview)).toBe(30)
    expect(dayCount(overview.previous)).toBe(30)
  })
  it('refuses what is not a day or a month', () => {
    expect(isDay('2026-02-30')).toBe(false)
    expect(isDay('2026-11-05')).toBe(true)
    expect(monthRange('2026-13')).toBeNull()
    expect(monthRange('nov')).toBeNull()
  })
})

describe('card deltas', () => {
  const { total, previous_total: prev } = overview
  it('a share up is good, a wait down is good, a volume is neutral', () => {
    expect(delta(card('withinTarget'), total, prev)).toEqual({ dir: 'up', tone: 'good', amount: 7, as: 'pp' })
    expect(delta(card('waitMean'), total, prev)).toEqual({ dir: 'down', tone: 'good', amount: -1, as: 'min' })
    expect(delta(card('issued'), total, prev)).toEqual({ dir: 'up', tone: 'neutral', amount: 20, as: 'pct' })
  })
  it('satisfaction down is bad; a wait up is bad', () => {
    expect(delta(card('satisfaction'), total, prev)).toEqual({ dir: 'down', tone: 'bad', amount: -1, as: 'pp' })
    const worse = kpis({ wait_p90_ms: 960_000 })
    expect(delta(card('waitP90'), worse, prev)).toMatchObject({ dir: 'up', tone: 'bad', amount: 1 })
  })
  it('no figure in either period gives no direction; equal figures are flat', () => {
    expect(delta(card('noShow'), total, prev)).toEqual({ dir: 'none', tone: 'neutral', amount: null, as: 'pp' })
    expect(delta(card('served'), kpis(), kpis())).toMatchObject({ dir: 'flat', tone: 'neutral', amount: 0 })
    // A change that rounds to nothing is flat too.
    expect(delta(card('handlingMean'), kpis({ handling_mean_ms: 360_100 }), kpis())).toMatchObject({ dir: 'flat' })
  })
  it('a count from zero changes by its absolute amount', () => {
    expect(delta(card('served'), kpis({ served: 5 }), kpis({ served: 0 }))).toEqual({ dir: 'up', tone: 'neutral', amount: 5, as: 'abs' })
  })
  it('every card has a direction that matches its meaning', () => {
    const down = CARDS.filter((c) => c.better === 'down').map((c) => c.key)
    expect(down).toEqual(['waitMean', 'waitP90', 'handlingMean', 'noShow', 'leftWithout'])
    expect(CARDS).toHaveLength(10)
  })
})

describe('heat maps', () => {
  it('spans the hours with data and places each cell by hour and weekday', () => {
    const m = heatMatrix(overview.heatmap, (c) => c.arrivals)
    expect(m.hours).toEqual([9, 10, 11, 12, 13, 14, 15, 16])
    expect(m.data).toEqual([[0, 0, 12.5], [7, 4, 3], [2, 6, 1]])
    expect(m.max).toBe(12.5)
  })
  it('leaves out cells without the figure', () => {
    const m = heatMatrix(overview.heatmap, (c) => (c.mean_wait_ms == null ? null : c.mean_wait_ms / 60_000))
    expect(m.data.map((d) => d[1])).toEqual([0, 4])
    expect(m.data[0][2]).toBeCloseTo(5.2)
    expect(heatMatrix([], (c) => c.arrivals)).toEqual({ hours: [], data: [], max: 0 })
  })
  it('the staffing grid finds each hour and counts the short ones', () => {
    const [g] = staffingGrids(staffing.rows)
    expect(g.hall).toBe('E2E')
    expect(g.hours).toEqual([9, 10, 11, 12])
    expect(g.cell(0, 9)?.advised_counters).toBe(5)
    expect(g.cell(1, 9)).toBeUndefined()
    expect(g.short).toBe(1)
    expect(staffing.rows.map(staffingTone)).toEqual(['short', 'over', 'ok'])
  })
  it('one grid per hall; no advice within reach is short, no handling known is not', () => {
    const row = staffing.rows[0]
    const rows = [
      { ...row, hall: 'CG' },
      { ...row, hall: 'DG', hour: 14, advised_counters: null },
      { ...row, hall: 'DG', hour: 8, advised_counters: null, handling_mean_ms: null },
    ]
    const grids = staffingGrids(rows)
    expect(grids.map((g) => [g.hall, g.hours.length, g.short])).toEqual([['CG', 1, 1], ['DG', 7, 1]])
    expect(grids[1].cell(0, 14)?.hall).toBe('DG')
    expect(staffingGrids([])).toEqual([])
  })
})

describe('load balance', () => {
  it('shows Gini with two decimals and names its level', () => {
    expect(balance(0.18, 1.42)).toEqual({ gini: '0.18', maxOverMean: '1.42×', level: 'uneven' })
    expect(balance(0.05, 1.1).level).toBe('even')
    expect(balance(0.41, 2).level).toBe('very')
    expect(balance(0, 1)).toEqual({ gini: '0.00', maxOverMean: '1.00×', level: 'even' })
    expect(balance(null, null)).toEqual({ gini: '—', maxOverMean: '—', level: null })
  })
})

describe('tables', () => {
  const g = (key: string, label: string, over: Parameters<typeof kpis>[0]): KpiGroup => ({ key, label, label_en: label, kpis: kpis(over) })
  const groups = [g('9', '09', { wait_mean_ms: 300_000 }), g('10', '10', { wait_mean_ms: null }), g('8', '08', { wait_mean_ms: 600_000 })]
  it('sorts by a figure with missing ones last, either way', () => {
    expect(sortGroups(groups, 'wait_mean_ms', false).map((x) => x.key)).toEqual(['9', '8', '10'])
    expect(sortGroups(groups, 'wait_mean_ms', true).map((x) => x.key)).toEqual(['8', '9', '10'])
  })
  it('numeric keys keep their natural order by label', () => {
    expect(sortGroups(groups, 'label', false).map((x) => x.key)).toEqual(['8', '9', '10'])
  })
  it('labels sort as the language read', () => {
    const services = [
      { ...g('PAY', '交费', {}), label_en: 'Bill payment' },
      { ...g('ASK', '咨询', {}), label_en: 'Enquiry' },
      { ...g('FLT', '故障报修', {}), label_en: 'Fault report' },
    ]
    // Chinese by pinyin: 故障 (gu), 交费 (jiao), 咨询 (zi); English alphabetically.
    expect(sortGroups(services, 'label', false).map((x) => x.key)).toEqual(['FLT', 'PAY', 'ASK'])
    expect(sortGroups(services, 'label', false, true).map((x) => x.key)).toEqual(['PAY', 'ASK', 'FLT'])
  })
  it('marks any group against the targets and ranks without the tickets never called', () => {
    const staff = [
      g('1001', '王芳', { within_target_wait: 0.9, satisfaction: 0.826, rating_coverage: 0.7 }),
      g('1002', '李强', { within_target_wait: 0.6, satisfaction: 0.99, rating_coverage: null }),
      g('~', '未叫号', { within_target_wait: 0, satisfaction: null, rating_coverage: null }),
    ]
    expect(meetsTargets(staff[0], overview.targets)).toEqual({ wait: true, satisfaction: false, coverage: true })
    expect(meetsTargets(staff[1], overview.targets)).toEqual({ wait: false, satisfaction: true, coverage: null })
    expect(rankGroups(staff, overview.targets).map((r) => [r.rank, r.group.key])).toEqual([[1, '1001'], [2, '1002']])
  })
  it('ranks halls by within-target share and marks the bureau targets', () => {
    const halls = [
      g('a', '城关', { within_target_wait: 0.7, satisfaction: 0.99, rating_coverage: 0.5 }),
      g('b', '东关', { within_target_wait: 0.9, satisfaction: 0.9, rating_coverage: 0.8 }),
      g('c', '西关', { within_target_wait: 0.7, satisfaction: 0.99, rating_coverage: 0.5 }),
      g('d', '南关', { within_target_wait: null, satisfaction: null, rating_coverage: null }),
    ]
    const r = rankGroups(halls, overview.targets)
    expect(r.map((x) => [x.rank, x.group.key])).toEqual([[1, 'b'], [2, 'a'], [2, 'c'], [4, 'd']])
    expect(r[0].meets).toEqual({ wait: true, satisfaction: false, coverage: true })
    expect(r[1].meets).toEqual({ wait: false, satisfaction: true, coverage: false })
    expect(r[3].meets).toEqual({ wait: null, satisfaction: null, coverage: null })
  })
})

describe('labels and URLs', () => {
  it('labels buckets and minutes', () => {
    expect(overview.wait_histogram.map(bucketLabel)).toEqual(['0–2', '2–4', '60+'])
    expect(minuteLabel(540)).toBe('09:00')
    expect(minuteLabel(1425)).toBe('23:45')
  })
  it('export links carry the range, grouping and format; hall only when all halls', () => {
    const r = { from: '2026-11-01', to: '2026-11-30' }
    expect(exportUrl(r, 'service', 'csv', 'own')).toBe('/api/v1/reports/export?from=2026-11-01&to=2026-11-30&by=service&format=csv')
    expect(exportUrl(r, 'staff', 'xlsx', 'all')).toBe('/api/v1/reports/export?from=2026-11-01&to=2026-11-30&by=staff&format=xlsx&hall=all')
    // Grouping by hall compares every hall.
    expect(exportUrl(r, 'hall', 'csv', 'own')).toBe('/api/v1/reports/export?from=2026-11-01&to=2026-11-30&by=hall&format=csv&hall=all')
  })
  it('the team scorecard workbook names the month, and the halls only when all', () => {
    expect(teamExportUrl('2026-11', 'own')).toBe('/api/v1/reports/teams/export?month=2026-11')
    expect(teamExportUrl('2026-11', 'all')).toBe('/api/v1/reports/teams/export?month=2026-11&hall=all')
  })
  it('print links name the month and the halls', () => {
    expect(printUrl('2026-11', 'own')).toBe('/reports?print=1&month=2026-11')
    expect(printUrl('2026-11', 'all')).toBe('/reports?print=1&month=2026-11&hall=all')
  })
  it('reads the download name the server gives', () => {
    expect(attachmentName('attachment; filename="kpis.csv"')).toBe('kpis.csv')
    expect(attachmentName("attachment; filename=\"r.xlsx\"; filename*=UTF-8''%E6%8A%A5%E8%A1%A8.xlsx")).toBe('报表.xlsx')
    expect(attachmentName(null)).toBeNull()
  })
})
