// The board's alerts, derived from the hall's status: waiting past target,
// a queue longer than N, a counter paused too long; from the follow-ups:
// some past their deadline; and from the printers: a printer not ready,
// print jobs pending.
import type { Backup, FollowUp, Printer, PrinterState, Status } from '../../api/types'

export interface Alert {
  key: string
  kind: 'wait' | 'queue' | 'pause' | 'followUps'
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

/** One alert when follow-ups are past their deadline, with how many. */
export function followUpAlerts(followUps: readonly Pick<FollowUp, 'overdue'>[]): Alert[] {
  const n = followUps.filter((f) => f.overdue).length
  return n ? [{ key: 'fu', kind: 'followUps', args: { n } }] : []
}

/** States the board raises an alert for. */
export const FAULT_STATES: readonly PrinterState[] = ['paper_out', 'cover_open', 'offline', 'paper_near_end']

export function isFault(state: PrinterState): boolean {
  return FAULT_STATES.includes(state)
}

export interface PrinterAlert {
  key: string
  kind: 'printer' | 'printJobs'
  /** paper_near_end is a warning (amber), the rest stop printing (red). */
  level: 'red' | 'amber'
  args: { kiosk: string; state?: PrinterState; n?: number }
}

/** One alert per printer not ready, and one per kiosk with print jobs pending. */
export function printerAlerts(printers: Printer[]): PrinterAlert[] {
  const out: PrinterAlert[] = []
  for (const p of printers) {
    const state = p.status.state
    if (isFault(state))
      out.push({ key: `pr${p.kiosk}`, kind: 'printer', level: state === 'paper_near_end' ? 'amber' : 'red', args: { kiosk: p.kiosk_name, state } })
    if (p.pending > 0) out.push({ key: `pj${p.kiosk}`, kind: 'printJobs', level: 'red', args: { kiosk: p.kiosk_name, n: p.pending } })
  }
  return out
}

/** A backup older than this is a warning (DESIGN §6: daily backups). */
export const BACKUP_STALE_DAYS = 2

export interface BackupLine {
  key: string
  kind: 'ok' | 'none' | 'stale' | 'dirMissing' | 'failed'
  level: 'red' | 'ok'
  args: Record<string, string | number>
}

/** The board's backup lines: the last good backup, and a warning when the
 * folder is missing, the last attempt failed, or the newest good backup is
 * missing or older than two days. */
export function backupLines(b: Backup, now: number): BackupLine[] {
  const out: BackupLine[] = []
  if (!b.dir_exists) out.push({ key: 'bdir', kind: 'dirMissing', level: 'red', args: { dir: b.dir } })
  if (b.last_error) out.push({ key: 'bfail', kind: 'failed', level: 'red', args: {} })
  if (!b.last_good) out.push({ key: 'bnone', kind: 'none', level: 'red', args: {} })
  else {
    const ageMs = Math.max(0, now - b.last_good.at)
    if (ageMs > BACKUP_STALE_DAYS * 86_400_000) out.push({ key: 'bstale', kind: 'stale', level: 'red', args: { days: BACKUP_STALE_DAYS } })
    out.push({ key: 'bok', kind: 'ok', level: out.length ? 'red' : 'ok', args: { at: b.last_good.at, hours: Math.floor(ageMs / 3_600_000) } })
  }
  return out
}
