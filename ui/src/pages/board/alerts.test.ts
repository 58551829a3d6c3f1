import { describe, expect, it } from 'vitest'
import type { Printer, PrinterState, Status } from '../../api/types'
import { alerts, printerAlerts } from './alerts'

const printer = (name: string, state: PrinterState, pending = 0): Printer => ({
  kiosk: `id-${name}`, kiosk_name: name, pending,
  config: { kind: 'network', address: '10.0.0.5', baud: null, paper: 80 },
  status: { state, checked_at: 1, message_zh: '', message_en: '' },
})

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

  it('raises an alert per printer not ready and per kiosk with pending jobs', () => {
    const a = printerAlerts([
      printer('K1', 'ready'), printer('K2', 'paper_out', 3), printer('K3', 'paper_near_end'), printer('K4', 'unknown', 1),
      printer('K5', 'not_checked'), printer('K6', 'cover_open'), printer('K7', 'offline'),
    ])
    expect(a.map((x) => [x.key, x.level])).toEqual([
      ['prid-K2', 'red'], ['pjid-K2', 'red'], ['prid-K3', 'amber'], ['pjid-K4', 'red'], ['prid-K6', 'red'], ['prid-K7', 'red'],
    ])
    expect(a[1].args).toEqual({ kiosk: 'K2', n: 3 })
  })

})
