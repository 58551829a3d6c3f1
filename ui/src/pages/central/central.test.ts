import { describe, expect, it } from 'vitest'
import { followUpRows, queryString, quickRange, refusal } from './central'

describe('the centre page', () => {
  it('picks this month, last month (across a new year) and this year', () => {
    expect(quickRange('thisMonth', '2026-02-14')).toEqual({ from: '2026-02-01', to: '2026-02-28' })
    expect(quickRange('lastMonth', '2026-01-09')).toEqual({ from: '2025-12-01', to: '2025-12-31' })
    expect(quickRange('lastMonth', '2026-03-31')).toEqual({ from: '2026-02-01', to: '2026-02-28' })
    expect(quickRange('thisYear', '2026-03-31')).toEqual({ from: '2026-01-01', to: '2026-12-31' })
  })
  it('leaves empty filters out of the query', () => {
    const q = { from: '2026-03-01', to: '2026-03-31', by: 'county', county: ' ', hall: 'TS01' }
    expect(queryString(q, 'xlsx')).toBe('from=2026-03-01&to=2026-03-31&by=county&hall=TS01&format=xlsx')
  })
  it('says a refusal in both languages, or the status', () => {
    expect(refusal({ code: 'bad_login', message_zh: '用户名或密码错误', message_en: 'wrong user name or password' }, 401)).toBe(
      '用户名或密码错误 / wrong user name or password',
    )
    expect(refusal(null, 502)).toContain('HTTP 502')
  })
  it("lists every hall's follow-ups overdue first, then open, then done, by deadline", () => {
    const item = (number: string, due: string, state: 'open' | 'done' | 'overdue') => ({ ticket: number, number, rating: 1, reason: null, due, state })
    const hall = (code: string, items: ReturnType<typeof item>[]) => ({ code, name: code, county: null, follow_ups: { open: 0, done: 0, overdue: 0, items } })
    const rows = followUpRows({
      from: '2026-03-01',
      to: '2026-03-31',
      halls: [
        hall('A', [item('A1', '2026-03-10', 'overdue'), item('A2', '2026-03-20', 'open'), item('A3', '2026-03-05', 'done')]),
        hall('B', [item('B1', '2026-03-08', 'overdue'), item('B2', '2026-03-20', 'open')]),
      ],
    })
    expect(rows.map((r) => `${r.hall}:${r.number}`)).toEqual(['B:B1', 'A:A1', 'A:A2', 'B:B2', 'A:A3'])
  })
})
