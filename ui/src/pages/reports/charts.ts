// ECharts for the reports page: only the charts and components it uses are
// registered (echarts/core), drawn as SVG (crisp on paper, and small), and
// the option builders that turn report data into charts. Colours are the
// theme's CSS variables. No animation: a report is read, not watched, and
// print and screenshots must show the final picture.

import * as echarts from 'echarts/core'
import { BarChart, HeatmapChart, LineChart } from 'echarts/charts'
import { GridSimpleComponent, LegendPlainComponent, MarkLineComponent, TooltipComponent, VisualMapContinuousComponent } from 'echarts/components'
import { SVGRenderer } from 'echarts/renderers'
import type { Overview, QueuePoint, TeamScore, WaitBucket } from '../../api/types'
import { groupLabel } from './format'
import { bucketLabel, minuteLabel, minutes1, pct1, round1, type Matrix, type Ranked } from './report'

echarts.use([BarChart, HeatmapChart, LineChart, GridSimpleComponent, LegendPlainComponent, MarkLineComponent, TooltipComponent, VisualMapContinuousComponent, SVGRenderer])

export { echarts }
export type Option = echarts.EChartsCoreOption

/** The theme's colours (theme.css), read once per chart. */
export function palette() {
  const css = typeof document === 'undefined' ? null : getComputedStyle(document.documentElement)
  const v = (name: string, fallback: string) => css?.getPropertyValue(name).trim() || fallback
  return {
    brand: v('--brand', '#0b6e4f'),
    accent: v('--accent', '#1565c0'),
    amber: v('--amber', '#f59f00'),
    red: v('--red', '#c62828'),
    ok: v('--ok', '#2e7d32'),
    ink: v('--ink', '#1d2733'),
    muted: v('--muted', '#5d6b7a'),
    line: v('--line', '#d5dce3'),
    panel: v('--panel', '#ffffff'),
  }
}

const base = (c: ReturnType<typeof palette>) => ({
  animation: false,
  textStyle: { fontFamily: 'inherit', color: c.ink },
  tooltip: { trigger: 'axis' as const, confine: true },
  grid: { left: 48, right: 48, top: 36, bottom: 32, containLabel: true },
})

const axis = (c: ReturnType<typeof palette>) => ({
  axisLine: { lineStyle: { color: c.line } },
  axisLabel: { color: c.muted },
  splitLine: { lineStyle: { color: c.line, opacity: 0.6 } },
})

/** Daily mean and p90 wait (minutes, left) and the within-target share (%, right) with its target. */
export function trendOption(daily: Overview['daily'], target: number | null | undefined, l: { mean: string; p90: string; within: string; target: string; min: string }): Option {
  const c = palette()
  return {
    ...base(c),
    legend: { top: 0, textStyle: { color: c.ink } },
    xAxis: { type: 'category', data: daily.map((d) => d.day.slice(5)), ...axis(c) },
    yAxis: [
      { type: 'value', name: l.min, min: 0, ...axis(c) },
      { type: 'value', name: '%', min: 0, max: 100, ...axis(c), splitLine: { show: false } },
    ],
    series: [
      { name: l.mean, type: 'line', data: daily.map((d) => minutes1(d.kpis.wait_mean_ms)), color: c.accent, connectNulls: false, symbolSize: 5 },
      { name: l.p90, type: 'line', data: daily.map((d) => minutes1(d.kpis.wait_p90_ms)), color: c.amber, lineStyle: { type: 'dashed' }, symbolSize: 4 },
      {
        name: l.within, type: 'bar', yAxisIndex: 1, data: daily.map((d) => pct1(d.kpis.within_target_wait)), color: c.brand, barMaxWidth: 18, itemStyle: { opacity: 0.35 },
        markLine: target == null ? undefined : { symbol: 'none', silent: true, lineStyle: { color: c.red }, label: { formatter: `${l.target} ${Math.round(target * 100)}%`, color: c.red, position: 'insideStartTop' }, data: [{ yAxis: Math.round(target * 100) }] },
      },
    ],
  }
}

/** Called legs per 2-minute bucket of wait. */
export function histogramOption(buckets: WaitBucket[], targetWaitMin: number | null, l: { count: string; min: string }): Option {
  const c = palette()
  return {
    ...base(c),
    xAxis: { type: 'category', name: l.min, data: buckets.map(bucketLabel), ...axis(c) },
    yAxis: { type: 'value', minInterval: 1, ...axis(c) },
    series: [{
      name: l.count, type: 'bar', barCategoryGap: '8%',
      data: buckets.map((b) => ({ value: b.count, itemStyle: { color: targetWaitMin !== null && b.from_min >= targetWaitMin ? c.red : c.accent } })),
    }],
  }
}

/** An hour × weekday heat map. */
export function heatOption(m: Matrix, weekdays: string[], name: string, fmt: (v: number) => string, hot: string): Option {
  const c = palette()
  return {
    ...base(c),
    tooltip: { trigger: 'item', confine: true, formatter: (p: { value: [number, number, number] }) => `${weekdays[p.value[1]]} ${m.hours[p.value[0]]}:00 — ${fmt(p.value[2])}` },
    grid: { left: 8, right: 16, top: 8, bottom: 56, containLabel: true },
    xAxis: { type: 'category', data: m.hours.map((h) => `${h}`), splitArea: { show: true }, ...axis(c) },
    yAxis: { type: 'category', data: weekdays, inverse: true, splitArea: { show: true }, ...axis(c) },
    visualMap: {
      min: 0, max: m.max || 1, calculable: false, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120, itemWidth: 12,
      inRange: { color: [c.panel, hot] }, textStyle: { color: c.muted }, formatter: (v: number) => fmt(v),
    },
    series: [{ name, type: 'heatmap', data: m.data, label: { show: m.hours.length <= 14, fontSize: 10, color: c.ink, formatter: (p: { value: [number, number, number] }) => fmt(p.value[2]) } }],
  }
}

/** Mean and highest queue length through the day. */
export function queueOption(points: QueuePoint[], l: { mean: string; max: string }): Option {
  const c = palette()
  return {
    ...base(c),
    legend: { top: 0, textStyle: { color: c.ink } },
    xAxis: { type: 'category', data: points.map((p) => minuteLabel(p.minute)), ...axis(c) },
    yAxis: { type: 'value', minInterval: 1, min: 0, ...axis(c) },
    series: [
      { name: l.mean, type: 'line', data: points.map((p) => p.mean_queue), color: c.accent, areaStyle: { opacity: 0.15 }, showSymbol: false },
      { name: l.max, type: 'line', step: 'middle', data: points.map((p) => p.max_queue), color: c.red, showSymbol: false, lineStyle: { width: 1 } },
    ],
  }
}

/** Up to this many counters the utilisation bars stand side by side; more lie down, one row each. */
export const UPRIGHT_COUNTERS = 8

/**
 * Utilisation (%) per counter: upright bars whose long names wrap in their
 * slot for a hall's few counters; for a bureau's many, one row per counter
 * (names read whole, never crushed under rotated labels).
 */
export function utilisationOption(rows: { label: string; utilisation: number | null }[], name: string): Option {
  const c = palette()
  const value = { type: 'value' as const, min: 0, max: 100, name: '%', ...axis(c) }
  const labels = rows.map((r) => r.label)
  const series = [{
    name, type: 'bar' as const, barMaxWidth: rows.length > UPRIGHT_COUNTERS ? 16 : 40,
    label: { show: true, position: rows.length > UPRIGHT_COUNTERS ? ('right' as const) : ('top' as const), color: c.ink, formatter: '{c}%' },
    data: rows.map((r) => ({ value: pct1(r.utilisation), itemStyle: { color: (r.utilisation ?? 0) > 0.85 ? c.red : c.brand } })),
  }]
  if (rows.length > UPRIGHT_COUNTERS) {
    return {
      ...base(c),
      grid: { left: 8, right: 48, top: 24, bottom: 8, containLabel: true },
      xAxis: value,
      yAxis: { type: 'category', inverse: true, data: labels, ...axis(c), axisLabel: { color: c.ink, interval: 0 } },
      series,
    }
  }
  return {
    ...base(c),
    // A long name ("Counter 4 Complaints / New energy") wraps inside its own slot.
    xAxis: {
      type: 'category', data: labels, ...axis(c),
      axisLabel: { color: c.muted, interval: 0, width: Math.max(48, Math.floor(360 / Math.max(rows.length, 1))), overflow: 'break', lineHeight: 15 },
    },
    yAxis: value,
    series,
  }
}

/** A plain bar chart of named counts (ratings by level, low-score reasons). */
export function countsOption(items: { label: string; value: number; bad?: boolean }[], name: string, horizontal = false): Option {
  const c = palette()
  const cat = { type: 'category' as const, data: items.map((i) => i.label), ...axis(c), axisLabel: { color: c.muted, interval: 0 } }
  // The bars carry their figures; a horizontal value axis would only crowd.
  const val = { type: 'value' as const, minInterval: 1, ...axis(c), axisLabel: { show: !horizontal, color: c.muted } }
  return {
    ...base(c),
    grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
    xAxis: horizontal ? val : cat,
    yAxis: horizontal ? { ...cat, inverse: true } : val,
    series: [{
      name, type: 'bar', barMaxWidth: 36, label: { show: true, position: horizontal ? 'right' : 'top', color: c.ink },
      data: items.map((i) => ({ value: i.value, itemStyle: { color: i.bad ? c.red : c.brand } })),
    }],
  }
}

/** Halls ranked by within-target share, the bureau's target marked. */
export function rankingOption(ranked: Ranked[], target: number | null | undefined, l: { within: string; target: string }): Option {
  const c = palette()
  return {
    ...base(c),
    grid: { left: 20, right: 56, top: 28, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', confine: true },
    xAxis: { type: 'value', min: 0, max: 100, name: '%', ...axis(c) },
    yAxis: { type: 'category', inverse: true, data: ranked.map((r) => `${r.rank}. ${groupLabel(r.group)}`), ...axis(c), axisLabel: { color: c.ink } },
    series: [{
      name: l.within, type: 'bar', barMaxWidth: 22, label: { show: true, position: 'right', formatter: '{c}%', color: c.ink },
      data: ranked.map((r) => ({ value: pct1(r.group.kpis.within_target_wait), itemStyle: { color: r.meets.wait === false ? c.red : c.brand } })),
      markLine: target == null ? undefined : { symbol: 'none', silent: true, lineStyle: { color: c.red, type: 'dashed' }, label: { formatter: `${l.target} ${Math.round(target * 100)}%`, color: c.red, position: 'start' }, data: [{ xAxis: Math.round(target * 100) }] },
    }],
  }
}

/** The team scorecard's scores (0–100), best first, as horizontal bars. */
export function teamScoreOption(teams: TeamScore[], score: string): Option {
  const c = palette()
  return {
    ...base(c),
    grid: { left: 20, right: 48, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', confine: true },
    xAxis: { type: 'value', min: 0, max: 100, ...axis(c) },
    yAxis: { type: 'category', inverse: true, data: teams.map((t) => `${t.rank}. ${groupLabel(t)}`), ...axis(c), axisLabel: { color: c.ink } },
    series: [{ name: score, type: 'bar', barMaxWidth: 22, color: c.brand, label: { show: true, position: 'right', color: c.ink }, data: teams.map((t) => round1(t.score)) }],
  }
}
