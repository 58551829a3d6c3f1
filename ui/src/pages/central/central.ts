// The centre's page, pure parts (no Vue, no DOM): the quick ranges, the
// report's query string, and a bilingual refusal's text.

import type { FollowUpItem } from '../../api/types'
import type { Range } from '../reports/report'
import { monthRange } from '../reports/report'

/** This month, last month or this year, of the day `today` (YYYY-MM-DD). */
export function quickRange(kind: 'thisMonth' | 'lastMonth' | 'thisYear', today: string): Range {
  const y = Number(today.slice(0, 4))
  const m = Number(today.slice(5, 7))
  if (kind === 'thisYear') return { from: `${y}-01-01`, to: `${y}-12-31` }
  if (kind === 'thisMonth') return monthRange(today.slice(0, 7))!
  const [py, pm] = m === 1 ? [y - 1, 12] : [y, m - 1]
  return monthRange(`${py}-${String(pm).padStart(2, '0')}`)!
}

/** What a report asks the centre. */
export interface CentralQuery extends Range {
  by: string
  county: string
  hall: string
}

/** The query string of a report or its export (empty filters left out). */
export function queryString(q: CentralQuery, format?: 'csv' | 'xlsx'): string {
  const p = new URLSearchParams({ from: q.from, to: q.to, by: q.by })
  if (q.county.trim()) p.set('county', q.county.trim())
  if (q.hall.trim()) p.set('hall', q.hall.trim())
  if (format) p.set('format', format)
  return p.toString()
}

/** A refusal of the centre (`{code, message_zh, message_en}`) in both languages, Chinese first. */
export function refusal(body: unknown, status: number): string {
  const b = body as { message_zh?: string; message_en?: string } | null
  if (b?.message_zh && b.message_en) return `${b.message_zh} / ${b.message_en}`
  return `请求失败（HTTP ${status}）/ the request failed (HTTP ${status})`
}

/** `GET /central/v1/reports/follow-ups`: each hall's follow-ups as its overview counts and lists them. */
export interface FollowUpsReport {
  from: string
  to: string
  halls: {
    code: string
    name: string
    county: string | null
    follow_ups: { open: number; done: number; overdue: number; items: FollowUpItem[] }
  }[]
}

const FOLLOW_UP_ORDER = { overdue: 0, open: 1, done: 2 } as const

/**
 * Every hall's listed follow-ups in one list, each with its hall's code:
 * overdue first, then open, then done; each by deadline (halls in code
 * order among equals, each hall's own order kept).
 */
export function followUpRows(r: FollowUpsReport): (FollowUpItem & { hall: string })[] {
  const rows = r.halls.flatMap((h) => h.follow_ups.items.map((f) => ({ ...f, hall: h.code })))
  return rows.sort((a, b) => FOLLOW_UP_ORDER[a.state] - FOLLOW_UP_ORDER[b.state] || a.due.localeCompare(b.due))
}
