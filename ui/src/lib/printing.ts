// Printing seen from the pages (issue 7): which words a printer fault gets
// on the kiosk, what an outcome means to staff, a printer form's wire
// body, and how a kiosk page delivers its own print jobs. The board's
// printer alerts are in pages/board/alerts.ts.

import type { ApiErrorBody, PrintJob, PrintOutcome, PrinterKind } from '../api/types'
import type { PrintResult } from './desktop'

/** The reason a fault gets in the customer's message (`printer.reason.*`). */
export type FaultReason = 'paper_out' | 'cover_open' | 'offline' | 'unreachable' | 'other'

/** A fault's code (`printer_paper_out` …) → the reason shown to the customer. */
export function faultReason(code: string | undefined | null): FaultReason {
  switch (code) {
    case 'printer_paper_out':
      return 'paper_out'
    case 'printer_cover_open':
      return 'cover_open'
    case 'printer_offline':
      return 'offline'
    case 'printer_unreachable':
    case 'desktop_unavailable':
      return 'unreachable'
    default:
      return 'other'
  }
}

/** What a print outcome means to the staff who asked for it (`printer.outcome.*`). */
export type OutcomeKind = 'printed' | 'fault' | 'page' | 'pending' | 'skipped' | 'cancelled'

export function outcomeKind(o: PrintOutcome): OutcomeKind {
  if (o.job.state === 'printed') return 'printed'
  if (o.fault) return 'fault'
  if (o.job.state === 'skipped' || o.job.state === 'cancelled') return o.job.state
  return o.job.deliver === 'page' ? 'page' : 'pending'
}

/** The kinds a supervisor may choose, in the order of the settings form. */
export const PRINTER_KINDS: readonly PrinterKind[] = ['html', 'network', 'usb', 'serial', 'local', 'none']

/** Whether a kind takes an address (network host, device path, serial port). */
export function needsAddress(kind: PrinterKind): boolean {
  return kind === 'network' || kind === 'usb' || kind === 'serial'
}

/** A printer config for the wire: an address only where the kind takes one, a baud only for serial. */
export function configBody(c: { kind: PrinterKind; address?: string | null; baud?: number | string | null; paper: number | string }) {
  const address = needsAddress(c.kind) ? (c.address ?? '').trim() || null : null
  const baud = c.kind === 'serial' ? Number(c.baud) || 9600 : null
  return { kind: c.kind, address, baud, paper: Number(c.paper) === 58 ? 58 : 80 }
}

/** What a kiosk page needs to print its own (`deliver: "page"`) jobs. */
export interface PageDeps {
  get: <T>(path: string) => Promise<T>
  post: <T>(path: string, body: unknown) => Promise<T>
  /**
   * The HTML ticket (kind html): through the desktop shell, without a
   * dialog, which answers a result; in a browser through its print (no
   * result: taken as printed).
   */
  printHtml: (job: PrintJob) => Promise<PrintResult | void>
  /** ESC/POS bytes to the desktop shell (kind local). */
  printEscpos: (bytesBase64: string) => Promise<PrintResult>
}

/**
 * The kiosk page's own print jobs: prints each one once at a time, reports
 * the result, and keeps a result the server did not take (offline) to
 * report again instead of printing the ticket twice.
 */
export class PageJobs {
  private readonly busy = new Set<string>()
  private readonly unreported = new Map<string, PrintResult>()

  constructor(private readonly d: PageDeps) {}

  /** Prints `job` (unless already in hand) and reports it; the result, or null when skipped. */
  async deliver(job: PrintJob): Promise<PrintResult | null> {
    if (this.busy.has(job.id)) return null
    this.busy.add(job.id)
    try {
      let result = this.unreported.get(job.id)
      if (!result) {
        result = await this.print(job)
        // A printed HTML ticket is never printed again for a lost report.
        if (result.ok) this.unreported.set(job.id, result)
      }
      try {
        await this.d.post(`/api/v1/print-jobs/${job.id}/result`, result)
        this.unreported.delete(job.id)
      } catch {
        // Stays in `unreported` (ok) or pending on the server (not ok): the next round reports it.
      }
      return result
    } finally {
      this.busy.delete(job.id)
    }
  }

  private async print(job: PrintJob): Promise<PrintResult> {
    try {
      if (job.kind === 'html') return (await this.d.printHtml(job)) ?? { ok: true }
      if (job.kind === 'local') {
        const e = await this.d.get<{ paper: number; bytes_base64: string }>(`/api/v1/print-jobs/${job.id}/escpos`)
        return await this.d.printEscpos(e.bytes_base64)
      }
      return { ok: false, code: 'printer_not_page', message_zh: '此打印任务不由取号机打印', message_en: 'this print job is not printed by the kiosk' }
    } catch (e) {
      const b = (e as { body?: ApiErrorBody }).body
      return { ok: false, code: b?.code ?? 'printer_local_failed', message_zh: b?.message_zh ?? String(e), message_en: b?.message_en ?? String(e) }
    }
  }

  /**
   * One retry round: the kiosk's pending page jobs — kind local always,
   * kind html only when staff asked for a reprint (an HTML issue job whose
   * page went away is left to the board, not printed to nobody).
   */
  async retry(): Promise<number> {
    const jobs = await this.d.get<PrintJob[]>('/api/v1/print-jobs?state=pending')
    let n = 0
    for (const j of jobs.slice().reverse()) {
      if (j.deliver !== 'page') continue
      if (j.kind === 'local' || (j.kind === 'html' && j.reason === 'reprint') || this.unreported.has(j.id)) {
        await this.deliver(j)
        n += 1
      }
    }
    return n
  }
}

/**
 * After an issue: the fault to show the customer, or null. A server job
 * already tried once (`fault` set when it did not print); a page job is
 * printed here and its failure is the fault.
 */
export async function afterIssue(outcome: PrintOutcome | null | undefined, jobs: PageJobs): Promise<ApiErrorBody | null> {
  if (!outcome) return null
  if (outcome.job.deliver === 'server') return outcome.fault ?? null
  const r = await jobs.deliver(outcome.job)
  if (!r || r.ok) return null
  return { code: r.code ?? 'printer_local_failed', message_zh: r.message_zh ?? '', message_en: r.message_en ?? '' }
}
