import { describe, expect, it } from 'vitest'
import type { Backup, Printer, PrinterState, Status } from '../../api/types'
import { alerts, backupLines, printerAlerts } from './alerts'

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

describe('board backup lines', () => {
  const DAY = 86_400_000
  const now = 100 * DAY
  const backup = (over: Partial<Backup>): Backup => ({
    dir: '/media/usb/hallq', dir_exists: true, last_good: { file: '/media/usb/hallq/hallq-x.db', at: now - 3_600_000, bytes: 1 }, last_error: null, warning: false, ...over,
  })
  const kinds = (b: Backup) => backupLines(b, now).map((l) => `${l.kind}:${l.level}`)
  it('shows a fresh backup without a warning', () => {
    expect(kinds(backup({}))).toEqual(['ok:ok'])
    expect(backupLines(backup({}), now)[0].args.hours).toBe(1)
  })
  it('warns when the last good backup is over two days old, missing, failed or its folder is gone', () => {
    expect(kinds(backup({ last_good: { file: 'f', at: now - 2 * DAY - 1, bytes: 1 } }))).toEqual(['stale:red', 'ok:red'])
    expect(kinds(backup({ last_good: { file: 'f', at: now - 2 * DAY + 60_000, bytes: 1 } }))).toEqual(['ok:ok'])
    expect(kinds(backup({ last_good: null }))).toEqual(['none:red'])
    expect(kinds(backup({ dir_exists: false }))).toEqual(['dirMissing:red', 'ok:red'])
    expect(kinds(backup({ last_error: { code: 'backup_failed', message_zh: '失败', message_en: 'failed' } }))).toEqual(['failed:red', 'ok:red'])
  })
})
