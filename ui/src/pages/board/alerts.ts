// The board's alerts, derived from the hall's status: waiting past target,
// a queue longer than N, a counter paused too long.
import type { Status } from '../../api/types'

export interface Alert {
  key: string
  kind: 'wait' | 'queue' | 'pause'
  args: Record<string, string | number>
}

export function alerts(status: Status, now: number, queueLimit: number, pauseLimitMin: number, name: (code: string) => string): Alert[] {
  const out: Alert[] = []
  for (const s of status.services) {
    const target = s.service.target_wait_min
    if (s.longest_wait_ms && target && s.longest_wait_ms > target * 60_000)
      out.push({ key: `w${s.service.code}`, kind: 'wait', args: { service: name(s.service.code), n: target } })
    if (s.waiting > queueLimit) out.push({ key: `q${s.service.code}`, kind: 'queue', args: { service: name(s.service.code), n: s.waiting } })
  }
  for (const c of status.counters) {
    const paused = Math.floor((now - c.status_since) / 60_000)
    if (c.status === 'paused' && paused >= pauseLimitMin) out.push({ key: `p${c.number}`, kind: 'pause', args: { counter: c.number, n: paused } })
  }
  return out
}
