// How the reports page writes figures: one decimal for minutes and shares,
// a dash for a figure that is not defined (no tickets, no ratings).

import { i18n, inLanguage } from '../../i18n'
import { minutes1, pct1, type Unit } from './report'

const t = (key: string, args?: Record<string, unknown>) => i18n.global.t(key, args ?? {})

/** A duration in minutes, e.g. "7.5 分钟". */
export function fmtMin(ms: number | null | undefined): string {
  const m = minutes1(ms)
  return m === null ? '—' : t('common.minutes', { n: m })
}

/** A share as a per cent, e.g. "82.5%". */
export function fmtPct(x: number | null | undefined): string {
  const p = pct1(x)
  return p === null ? '—' : `${p}%`
}

/** A figure of the given unit. */
export function fmt(v: number | null | undefined, unit: Unit): string {
  if (v === null || v === undefined) return '—'
  return unit === 'rate' ? fmtPct(v) : unit === 'ms' ? fmtMin(v) : String(v)
}

const REASONS = ['efficiency', 'skill', 'attitude', 'environment', 'procedure']

/** A low-score reason as the rating pad names it; an unknown one as sent. */
export function reasonLabel(r: string): string {
  return REASONS.includes(r) ? t(`rate.reasons.${r}`) : r
}

/** A group's label in the current language (周一 / Mon, 交费 / Bill payment). */
export function groupLabel(g: { label: string; label_en?: string | null }): string {
  return inLanguage(g.label, g.label_en)
}
