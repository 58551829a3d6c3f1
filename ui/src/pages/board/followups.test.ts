// The board's follow-up order and paging, and the overdue alert.
import { describe, expect, it } from 'vitest'
import { followUpAlerts } from './alerts'
import { followUpOrder, pageOf } from './followups'

const f = (id: string, overdue: boolean, deadline: string, rated_at = 0) => ({ id, overdue, deadline, rated_at })

describe('board follow-ups', () => {
  it('lists the overdue first, then by deadline, then by rating time', () => {
    const list = [f('a', false, '2026-12-09'), f('b', true, '2026-12-03', 5), f('c', false, '2026-12-07'), f('d', true, '2026-12-03', 2), f('e', true, '2026-12-01')]
    expect(followUpOrder(list).map((x) => x.id)).toEqual(['e', 'd', 'b', 'c', 'a'])
    expect(list.map((x) => x.id)).toEqual(['a', 'b', 'c', 'd', 'e'])
  })

  it('pages the list and clamps the page number', () => {
    const list = Array.from({ length: 19 }, (_, i) => i)
    expect(pageOf(list, 1, 8)).toEqual({ items: [0, 1, 2, 3, 4, 5, 6, 7], page: 1, pages: 3 })
    expect(pageOf(list, 3, 8).items).toEqual([16, 17, 18])
    expect(pageOf(list, 9, 8).page).toBe(3)
    expect(pageOf(list, 0, 8).page).toBe(1)
    expect(pageOf([], 2, 8)).toEqual({ items: [], page: 1, pages: 1 })
  })

  it('raises one alert with the number of overdue follow-ups, none when none is overdue', () => {
    expect(followUpAlerts([{ overdue: true }, { overdue: false }, { overdue: true }])).toEqual([{ key: 'fu', kind: 'followUps', args: { n: 2 } }])
    expect(followUpAlerts([{ overdue: false }])).toEqual([])
    expect(followUpAlerts([])).toEqual([])
  })
})
