// How a case (工单) stands against its due time, in words: the same text on
// the counter, the board and the customer's page.
import type { CaseItem } from '../api/types'

type T = (key: string, values?: Record<string, unknown>) => string

/** "2026-12-04" as "12-04" (the year is the current one almost always). */
export function localDay(day: string): string {
  return day.length === 10 ? day.slice(5) : day
}

/** "今日到期", "逾期 2 个工作日", "12-04 到期 · 剩 3 个工作日" … */
export function dueText(t: T, c: Pick<CaseItem, 'due_status' | 'due_day' | 'working_days_left'>): string {
  switch (c.due_status) {
    case 'overdue':
      return t('cases.overdueBy', { n: Math.max(1, -c.working_days_left) })
    case 'due_today':
    case 'due_next':
    case 'closed_on_time':
    case 'closed_late':
      return `${t(`cases.status.${c.due_status}`)} · ${t('cases.dueDay', { day: localDay(c.due_day) })}`
    default:
      return `${t('cases.dueDay', { day: localDay(c.due_day) })} · ${t('cases.left', { n: c.working_days_left })}`
  }
}
