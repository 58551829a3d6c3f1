import { describe, expect, it } from 'vitest'
import type { PrintJob } from '../api/types'
import { NO_DESKTOP, printEscpos, printHtmlSilently, type PrintResult } from './desktop'
import { PageJobs, afterIssue, configBody, faultReason, outcomeKind } from './printing'

const job = (over: Partial<PrintJob> = {}): PrintJob => ({
  id: 'j1', ticket: 't1', number: 'A012', kiosk: 'k1', reason: 'issue', deliver: 'page', kind: 'html', paper: 80,
  state: 'pending', attempts: 0, last_error: null, created_at: 0, printed_at: null,
  content: { hall_name: '营业厅', service_name: '交费', number: 'A012', people_ahead: 2, estimated_wait_minutes: 5, issued_at: '2026-11-27 09:31', ticket_url: '', notice: '' },
  ...over,
})

/** Fake deps that record what the kiosk page did. */
function deps(opts: { escpos?: PrintResult; html?: PrintResult; postFails?: number; pending?: PrintJob[] } = {}) {
  const log: string[] = []
  let postFails = opts.postFails ?? 0
  const d = {
    get: async <T>(path: string): Promise<T> => {
      log.push(`GET ${path}`)
      if (path.endsWith('/escpos')) return { paper: 80, bytes_base64: 'G0A=' } as T
      return (opts.pending ?? []) as T
    },
    post: async <T>(path: string, body: unknown): Promise<T> => {
      log.push(`POST ${path} ${JSON.stringify(body)}`)
      if (postFails > 0) {
        postFails -= 1
        throw new Error('offline')
      }
      return {} as T
    },
    printHtml: async (j: PrintJob) => (log.push(`html ${j.number}`), opts.html),
    printEscpos: async (b: string) => (log.push(`escpos ${b}`), opts.escpos ?? { ok: true }),
  }
  return { d, log }
}

describe('printer faults and outcomes', () => {
  it('maps fault codes to the reason the customer reads', () => {
    expect(faultReason('printer_paper_out')).toBe('paper_out')
    expect(faultReason('printer_cover_open')).toBe('cover_open')
    expect(faultReason('printer_offline')).toBe('offline')
    expect(faultReason('printer_unreachable')).toBe('unreachable')
    expect(faultReason('printer_write_failed')).toBe('other')
    expect(faultReason(undefined)).toBe('other')
  })

  it('names what an outcome means to staff', () => {
    expect(outcomeKind({ job: job({ state: 'printed', deliver: 'server' }) })).toBe('printed')
    expect(outcomeKind({ job: job({ deliver: 'server' }), fault: { code: 'printer_paper_out', message_zh: '', message_en: '' } })).toBe('fault')
    expect(outcomeKind({ job: job() })).toBe('page')
    expect(outcomeKind({ job: job({ deliver: 'server' }) })).toBe('pending')
    expect(outcomeKind({ job: job({ state: 'skipped' }) })).toBe('skipped')
  })

  it('sends an address only where the kind takes one and a baud only for serial', () => {
    expect(configBody({ kind: 'html', address: 'x', baud: 9600, paper: '58' })).toEqual({ kind: 'html', address: null, baud: null, paper: 58 })
    expect(configBody({ kind: 'network', address: ' 10.0.0.5:9100 ', baud: 9600, paper: 80 })).toEqual({ kind: 'network', address: '10.0.0.5:9100', baud: null, paper: 80 })
    expect(configBody({ kind: 'serial', address: '/dev/ttyUSB0', baud: '', paper: 80 })).toEqual({ kind: 'serial', address: '/dev/ttyUSB0', baud: 9600, paper: 80 })
    expect(configBody({ kind: 'usb', address: '', paper: 80 }).address).toBeNull()
  })
})

describe('the kiosk page prints its own jobs', () => {
  it('a server job: only its fault is shown, nothing printed here', async () => {
    const { d, log } = deps()
    const fault = { code: 'printer_paper_out', message_zh: '缺纸', message_en: 'out of paper' }
    expect(await afterIssue({ job: job({ deliver: 'server', kind: 'network' }), fault }, new PageJobs(d))).toEqual(fault)
    expect(await afterIssue({ job: job({ deliver: 'server', kind: 'network', state: 'printed' }), fault: null }, new PageJobs(d))).toBeNull()
    expect(await afterIssue(null, new PageJobs(d))).toBeNull()
    expect(log).toEqual([])
  })

  it('an HTML job is printed by the browser and reported printed', async () => {
    const { d, log } = deps()
    expect(await afterIssue({ job: job() }, new PageJobs(d))).toBeNull()
    expect(log).toEqual(['html A012', 'POST /api/v1/print-jobs/j1/result {"ok":true}'])
  })

  it('a local job goes to the desktop; its failure is the fault and is reported', async () => {
    const { d, log } = deps({ escpos: NO_DESKTOP })
    const fault = await afterIssue({ job: job({ kind: 'local' }) }, new PageJobs(d))
    expect(fault?.code).toBe('desktop_unavailable')
    expect(log[0]).toBe('GET /api/v1/print-jobs/j1/escpos')
    expect(log[1]).toBe('escpos G0A=')
    expect(JSON.parse(log[2].split(' ').slice(2).join(' '))).toEqual({ ...NO_DESKTOP })
  })

  it('a printed ticket whose report was lost is reported again, not printed again', async () => {
    const { d, log } = deps({ postFails: 1, pending: [job()] })
    const jobs = new PageJobs(d)
    await jobs.deliver(job())
    await jobs.retry()
    expect(log.filter((l) => l.startsWith('html'))).toHaveLength(1)
    expect(log.filter((l) => l.startsWith('POST'))).toHaveLength(2)
  })

  it('retries pending local jobs and staff reprints, not an HTML issue job left behind', async () => {
    const pending = [job({ id: 'a', kind: 'local' }), job({ id: 'b', kind: 'html', reason: 'reprint' }), job({ id: 'c' }), job({ id: 'd', deliver: 'server', kind: 'network' })]
    const { d, log } = deps({ pending })
    expect(await new PageJobs(d).retry()).toBe(2)
    expect(log.filter((l) => l.startsWith('POST')).map((l) => l.split(' ')[1])).toEqual(['/api/v1/print-jobs/b/result', '/api/v1/print-jobs/a/result'])
  })

  it('never prints one job twice at once', async () => {
    const { d, log } = deps()
    const jobs = new PageJobs(d)
    await Promise.all([jobs.deliver(job()), jobs.deliver(job())])
    expect(log.filter((l) => l.startsWith('html'))).toHaveLength(1)
  })
})

describe('the HTML ticket in the desktop app', () => {
  it('reports what the shell answered: a system printer that is not there is a fault, not a print', async () => {
    const fault = { ok: false, code: 'printer_unreachable', message_zh: '找不到系统打印机', message_en: 'no such system printer' }
    const { d, log } = deps({ html: fault })
    const shown = await afterIssue({ job: job() }, new PageJobs(d))
    expect(shown).toEqual({ code: 'printer_unreachable', message_zh: '找不到系统打印机', message_en: 'no such system printer' })
    expect(log).toEqual(['html A012', `POST /api/v1/print-jobs/j1/result ${JSON.stringify(fault)}`])
  })
  it('asks print_html for the paper width, never the browser', async () => {
    const calls: unknown[] = []
    expect(await printHtmlSilently(58, async (cmd, args) => void calls.push([cmd, args]))).toEqual({ ok: true })
    expect(calls).toEqual([['print_html', { paper: 58 }]])
    expect(await printHtmlSilently(80, null)).toEqual(NO_DESKTOP)
  })
})

describe('the desktop shell', () => {
  it('without the shell a print is an error result', async () => {
    expect(await printEscpos('AA==', null)).toEqual(NO_DESKTOP)
  })
  it('passes the bytes to print_escpos and keeps its bilingual error', async () => {
    const calls: unknown[] = []
    expect(await printEscpos('AA==', async (cmd, args) => void calls.push([cmd, args]))).toEqual({ ok: true })
    expect(calls).toEqual([['print_escpos', { bytesBase64: 'AA==' }]])
    const err = { code: 'printer_paper_out', message_zh: '缺纸', message_en: 'out of paper' }
    expect(await printEscpos('AA==', async () => Promise.reject(err))).toEqual({ ok: false, ...err })
    expect((await printEscpos('AA==', async () => Promise.reject('boom'))).code).toBe('printer_local_failed')
  })
})
