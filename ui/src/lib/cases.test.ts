import { describe, expect, it } from 'vitest'
import { dueText, localDay } from './cases'

const t = (key: string, v?: Record<string, unknown>) => `${key}${v ? JSON.stringify(v) : ''}`

describe('cases', () => {
  it('says how a case stands against its due day', () => {
    expect(dueText(t, { due_status: 'overdue', due_day: '2026-12-04', working_days_left: -2 })).toBe('cases.overdueBy{"n":2}')
    // Overdue within its due day's last hours still reads "1 day overdue", never 0.
    expect(dueText(t, { due_status: 'overdue', due_day: '2026-12-04', working_days_left: 0 })).toBe('cases.overdueBy{"n":1}')
    expect(dueText(t, { due_status: 'due_today', due_day: '2026-12-04', working_days_left: 0 })).toBe('cases.status.due_today · cases.dueDay{"day":"12-04"}')
    expect(dueText(t, { due_status: 'later', due_day: '2026-12-09', working_days_left: 3 })).toBe('cases.dueDay{"day":"12-09"} · cases.left{"n":3}')
  })
  it('shows a day without its year', () => {
    expect(localDay('2026-12-04')).toBe('12-04')
    expect(localDay('x')).toBe('x')
  })
})
