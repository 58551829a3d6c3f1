import { describe, expect, it } from 'vitest'
import type { Status } from '../../api/types'
import { alerts } from './alerts'

const svc = (code: string, waiting: number, longest: number | null) => ({
  service: { code, prefix: 'A', name_zh: code, name_en: code, target_wait_min: 15, target_handling_min: 10, enabled: true },
  waiting,
  open_counters: 1,
  longest_wait_ms: longest,
})

describe('board alerts', () => {
  it('flags waits past target, long queues and long pauses', () => {
    const status = {
      day: '2026-11-27',
      hall: {} as Status['hall'],
      services: [svc('PAY', 3, 16 * 60_000), svc('NEW', 12, 60_000), svc('ASK', 0, null)],
      counters: [
        { number: 1, status: 'paused', status_since: 0 },
        { number: 2, status: 'paused', status_since: 50 * 60_000 },
        { number: 3, status: 'open', status_since: 0 },
      ],
    } as unknown as Status
    const a = alerts(status, 60 * 60_000, 10, 15, (c) => c)
    expect(a.map((x) => x.key)).toEqual(['wPAY', 'qNEW', 'p1'])
  })
})
