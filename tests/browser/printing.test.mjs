// Thermal printing end to end (issue 7): a real `hallq serve` prints to a
// fake port-9100 printer set up through the API as a supervisor would. The
// printer is out of paper: the kiosk page tells the customer in large type,
// the ticket is issued anyway, the board raises the alert. Paper loaded: the
// pending job prints by itself. Reprints from the board and the counter
// print the very same ticket again. The settings page's printer form.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { api, launch, newHall, openPage, output, pair, serve, stop, supervisor, until, PIN } from './harness.mjs'
import { readJob } from './escpos.mjs'
import { fakePrinter } from './fake-printer.mjs'
import { createRequire } from 'node:module'

// The same QR encoder the kiosk page uses, to check what its QR code says.
const { encode } = createRequire(join(import.meta.dirname, '..', '..', 'ui', 'package.json'))('uqr')
const qrPathOf = (text) => {
  let d = ''
  encode(text, { ecc: 'M', border: 2 }).data.forEach((row, y) => row.forEach((dark, x) => dark && (d += `M${x} ${y}h1v1h-1z`)))
  return d
}

let hall, server, browser, sup, printer, kioskToken, counterToken, kioskId, counterServices
let number, ticketId

before(async () => {
  hall = newHall()
  // The print worker checks printers every 300 ms instead of 5 s.
  server = await serve(hall.db, 0, ['--printer-poll-ms', '300'])
  sup = await supervisor(server.base)
  kioskToken = await pair(server.base, sup, 'kiosk')
  counterToken = await pair(server.base, sup, 'counter', 1)
  counterServices = (await api(server.base, 'GET', '/api/v1/counters/1', sup)).services
  printer = await fakePrinter()
  // The supervisor points the kiosk's printer at the fake, as in the settings page.
  const printers = await api(server.base, 'GET', '/api/v1/printers', sup)
  assert.equal(printers.length, 1)
  assert.equal(printers[0].config.kind, 'html', 'a kiosk never configured prints the HTML ticket')
  kioskId = printers[0].kiosk
  const set = await api(server.base, 'PUT', `/api/v1/printers/${kioskId}`, sup, { kind: 'network', address: printer.address, baud: null, paper: 80 })
  assert.equal(set.config.kind, 'network')
  browser = await launch()
})

after(async () => {
  await browser?.close()
  if (server) await stop(server)
  await printer?.close()
})

async function login(p) {
  await p.fill('[data-test=login-staff]', '0001')
  await p.fill('[data-test=login-pin]', PIN)
  await p.click('[data-test=login-submit]')
}

const jobsOf = async (state) => (await api(server.base, 'GET', `/api/v1/print-jobs${state ? `?state=${state}` : ''}`, sup)).filter((j) => j.number === number)

test('paper out: the customer is told in large type, the ticket is issued, the board raises the alert', async () => {
  printer.setPaperOut(true)
  const kiosk = await openPage(browser, server.base, '/kiosk', kioskToken, { width: 1080, height: 1920 })
  await kiosk.click(`[data-test=service-${counterServices[0]}]`)
  await kiosk.waitForSelector('[data-test=print-fault]', { timeout: 10000 })
  number = (await kiosk.textContent('[data-test=ticket-number]')).trim()
  assert.match(number, /^[A-Z]\d{3}$/)
  const zh = (await kiosk.textContent('.print-fault-zh')).trim()
  const en = (await kiosk.textContent('.print-fault-en')).trim()
  assert.equal(zh, `打印机暂时无法出票（缺纸），请记住您的号码 ${number}，到柜台办理`)
  assert.equal(en, `The printer cannot print (out of paper). Please remember your number ${number} and go to a counter.`)
  // Large type for elderly customers: Chinese ≥ 48 px, English ≥ 32 px, the number bigger still.
  const sizes = await kiosk.evaluate(() =>
    ['.print-fault-zh', '.print-fault-en', '[data-test=ticket-number]'].map((s) => parseFloat(getComputedStyle(document.querySelector(s)).fontSize)),
  )
  assert.ok(sizes[0] >= 48 && sizes[1] >= 32 && sizes[2] >= 120, `font sizes ${sizes}`)
  await kiosk.screenshot({ path: join(output, 'kiosk-paper-out.png') })
  // A landscape desktop kiosk (1280×800) shows the whole message in both languages, still large.
  await kiosk.setViewportSize({ width: 1280, height: 800 })
  const fit = await kiosk.evaluate(() => ({
    bottom: Math.max(...['.print-fault', '[data-test=back]'].map((s) => document.querySelector(s).getBoundingClientRect().bottom)),
    zh: parseFloat(getComputedStyle(document.querySelector('.print-fault-zh')).fontSize),
    en: parseFloat(getComputedStyle(document.querySelector('.print-fault-en')).fontSize),
  }))
  assert.ok(fit.bottom <= 800, `the message ends at ${fit.bottom}px, below a 800 px screen`)
  assert.ok(fit.zh >= 36 && fit.en >= 26, `landscape font sizes ${fit.zh}/${fit.en}`)
  await kiosk.screenshot({ path: join(output, 'kiosk-paper-out-1280.png') })

  // The ticket is issued and recorded; its job is pending with the fault; nothing reached the printer.
  const ticket = (await api(server.base, 'GET', '/api/v1/tickets', sup)).find((t) => t.number === number)
  assert.ok(ticket, 'the ticket is in GET /api/v1/tickets')
  ticketId = ticket.id
  const [job] = await jobsOf()
  assert.equal(job.state, 'pending')
  assert.equal(job.deliver, 'server')
  assert.equal(job.last_error?.code, 'printer_paper_out')
  assert.equal(printer.jobs.length, 0, 'no bytes sent to a printer with no paper')

  // The number stays on screen (30 s) until the customer touches it.
  await kiosk.waitForTimeout(11000)
  assert.equal((await kiosk.textContent('[data-test=ticket-number]')).trim(), number)
  await kiosk.click('[data-test=print-fault]')
  await kiosk.waitForSelector('[data-test^=service-]')
  await kiosk.context().close()

  const board = await openPage(browser, server.base, '/board', null, { width: 1920, height: 1080 })
  await login(board)
  await board.waitForFunction(() => document.querySelector('[data-test=alerts]')?.textContent?.includes('缺纸'), null, { timeout: 10000 })
  const alerts = await board.$$eval('[data-test=printer-alert]', (els) => els.map((e) => e.textContent.trim()))
  assert.deepEqual(alerts, ['kiosk 打印机：缺纸', 'kiosk 有 1 张号票待打印'])
  await board.waitForSelector(`[data-test=job-${number}]`)
  await board.screenshot({ path: join(output, 'board-printer-alert.png'), fullPage: true })
  await board.context().close()
})

test('paper loaded: the pending job prints by itself', async () => {
  assert.ok(number, 'the first test issued a ticket')
  printer.setPaperOut(false)
  await until(() => printer.jobs.length >= 1, 30000, 'the pending job reaches the printer')
  const printed = readJob(printer.jobs[0])
  const texts = printed.lines.map((l) => l.text)
  assert.ok(printed.lines.some((l) => l.double && l.text.includes(number)), `the printed ticket shows ${number}, double size: ${texts}`)
  assert.ok(texts.some((t) => t.includes('测试供电营业厅')), 'the hall name in Chinese (GB18030)')
  assert.ok(printed.qr === null || printed.qr.endsWith(`/t/${ticketId}`), 'a QR code, if any, points at the live page')
  assert.ok(printed.chinese_mode_first && printed.ends_with_cut, 'Chinese mode before the text, the cut last')
  const [job] = await jobsOf()
  assert.equal(job.state, 'printed')
  assert.equal(printer.jobs.length, 1, 'printed once')
})

test('a reprint from the board and from the counter prints the same ticket again', async () => {
  assert.equal(printer.jobs.length, 1)
  const board = await openPage(browser, server.base, '/board', null, { width: 1920, height: 1080 })
  await login(board)
  // The alert is gone once the printer is back.
  await board.waitForFunction(() => !document.querySelector('[data-test=printer-alert]'), null, { timeout: 15000 })
  await board.click(`[data-test=reprint-${number}]`)
  await board.waitForSelector('[data-test=print-note]')
  assert.equal((await board.textContent('[data-test=print-note]')).trim(), `${number}: 已打印`)
  await until(() => printer.jobs.length >= 2, 10000, 'the board reprint reaches the printer')
  assert.ok(printer.jobs[1].equals(printer.jobs[0]), 'the reprint is byte for byte the same ticket')
  await board.screenshot({ path: join(output, 'board-print-jobs.png'), fullPage: true })
  await board.context().close()

  const counter = await openPage(browser, server.base, '/counter', counterToken, { width: 1366, height: 768 })
  await login(counter)
  await counter.fill('[data-test=reprint-number]', number.toLowerCase())
  await counter.click('[data-test=reprint-go]')
  await counter.waitForSelector('[data-test=reprint-outcome]')
  assert.equal((await counter.textContent('[data-test=reprint-outcome]')).trim(), `${number}: 已打印`)
  await until(() => printer.jobs.length >= 3, 10000, 'the counter reprint reaches the printer')
  assert.ok(printer.jobs[2].equals(printer.jobs[0]), 'the counter reprint is the same ticket')
  await counter.screenshot({ path: join(output, 'counter-reprint.png') })
  await counter.context().close()

  const reprints = (await jobsOf('printed')).filter((j) => j.reason === 'reprint')
  assert.equal(reprints.length, 2)
})

test('settings: the printer form saves the kind and test-prints', async () => {
  const settings = await openPage(browser, server.base, '/settings', null, { width: 1366, height: 900 })
  await login(settings)
  await settings.waitForSelector('[data-test=printer-kiosk]')
  const row = '[data-test=printer-kiosk]'
  assert.equal(await settings.inputValue(`${row} [data-test=printer-address]`), printer.address)
  await settings.selectOption(`${row} [data-test=printer-paper]`, '58')
  await settings.click(`${row} [data-test=printer-save]`)
  await until(async () => (await api(server.base, 'GET', '/api/v1/printers', sup))[0].config.paper === 58, 5000, 'paper 58 saved')
  const before = printer.jobs.length
  await settings.click(`${row} [data-test=printer-test]`)
  await settings.waitForSelector(`${row} [data-test=printer-test-outcome]`)
  assert.equal((await settings.textContent(`${row} [data-test=printer-test-outcome]`)).trim(), '已打印')
  await until(() => printer.jobs.length > before, 5000, 'the test ticket reaches the printer')
  assert.ok(readJob(printer.jobs.at(-1)).lines.some((l) => l.text.includes('测试')), 'the test ticket says 测试')
  // A test on a printer with no paper says why; a test is never queued for later.
  printer.setPaperOut(true)
  const sent = printer.jobs.length
  await settings.click(`${row} [data-test=printer-test]`)
  await settings.waitForFunction((r) => document.querySelector(`${r} [data-test=printer-test-outcome]`)?.textContent?.startsWith('测试打印失败'), row)
  assert.match(await settings.textContent(`${row} [data-test=printer-test-outcome]`), /缺纸/)
  printer.setPaperOut(false)
  await new Promise((r) => setTimeout(r, 1000))
  assert.equal(printer.jobs.length, sent, 'the failed test is not printed later')
  await settings.locator('[data-test=printers]').screenshot({ path: join(output, 'settings-printers.png') })
  await settings.context().close()
})

test('a kiosk without a thermal printer prints the HTML ticket (58 mm, QR code of the live page) and reports it printed', async () => {
  await api(server.base, 'PUT', `/api/v1/printers/${kioskId}`, sup, { kind: 'html', address: null, baud: null, paper: 58 })
  const h = (await api(server.base, 'GET', '/api/v1/hall', sup)).hall
  await api(server.base, 'PUT', '/api/v1/settings/hall', sup, {
    code: h.code, name: h.name, time_zone: h.time_zone, rollover_hour: h.rollover_hour, max_recalls: h.max_recalls, opening: null,
    notices: h.notices, public_url: 'http://192.168.1.10:8080',
  })
  const kiosk = await openPage(browser, server.base, '/kiosk', kioskToken, { width: 1080, height: 1920 })
  await kiosk.click(`[data-test=service-${counterServices[0]}]`)
  await kiosk.waitForSelector('[data-test=print-qr]', { state: 'attached' })
  const html = (await kiosk.textContent('[data-test=ticket-number]')).trim()
  assert.equal(await kiosk.$('[data-test=print-fault]'), null, 'no fault for a browser print')
  await until(async () => (await api(server.base, 'GET', '/api/v1/print-jobs?state=printed', sup)).some((j) => j.number === html && j.kind === 'html'), 5000, 'the page reports the HTML ticket printed')
  // The QR code is the ticket's live page on the hall's public address.
  const id = (await api(server.base, 'GET', '/api/v1/tickets', sup)).find((t) => t.number === html).id
  const [job] = (await api(server.base, 'GET', '/api/v1/print-jobs?state=printed', sup)).filter((j) => j.number === html)
  assert.equal(job.paper, 58)
  assert.equal(job.content.ticket_url, `http://192.168.1.10:8080/t/${id}`)
  assert.equal(await kiosk.getAttribute('[data-test=print-qr] path', 'd'), qrPathOf(job.content.ticket_url))
  await kiosk.emulateMedia({ media: 'print' })
  const width = await kiosk.evaluate(() => document.querySelector('[data-test=print-ticket]').getBoundingClientRect().width)
  assert.ok(width > 150 && width < 220, `58 mm ticket is about 52 mm wide: ${width}px`)
  await kiosk.screenshot({ path: join(output, 'kiosk-html-ticket-58mm.png') })
  await kiosk.context().close()
})

test('kind local: a browser without the desktop shell reports the failure; the desktop shell prints the pending job on its retry', async () => {
  await api(server.base, 'PUT', `/api/v1/printers/${kioskId}`, sup, { kind: 'local', address: null, baud: null, paper: 80 })
  const plain = await openPage(browser, server.base, '/kiosk', kioskToken, { width: 1080, height: 1920 })
  await plain.click(`[data-test=service-${counterServices[0]}]`)
  await plain.waitForSelector('[data-test=print-fault]')
  const local = (await plain.textContent('[data-test=ticket-number]')).trim()
  assert.ok((await plain.textContent('.print-fault-zh')).includes('连接不上打印机'))
  const pending = async () => (await api(server.base, 'GET', '/api/v1/print-jobs?state=pending', sup)).find((j) => j.number === local)
  const job = await pending()
  assert.equal(job.deliver, 'page')
  assert.equal(job.last_error?.code, 'desktop_unavailable')
  await plain.context().close()

  // The same kiosk in the desktop shell: a stand-in for Tauri's invoke records what print_escpos gets.
  const ctx = await browser.newContext({ viewport: { width: 1080, height: 1920 } })
  await ctx.addInitScript(() => {
    window.__printed = []
    window.__TAURI_INTERNALS__ = { invoke: async (cmd, args) => (cmd === 'print_escpos' ? void window.__printed.push(args.bytesBase64) : null) }
  })
  const desk = await ctx.newPage()
  await desk.goto(`${server.base}/kiosk?token=${kioskToken}`)
  await desk.waitForFunction(() => window.__printed.length > 0, null, { timeout: 15000 })
  const sent = Buffer.from((await desk.evaluate(() => window.__printed[0])), 'base64')
  const escpos = await api(server.base, 'GET', `/api/v1/print-jobs/${job.id}/escpos`, kioskToken)
  assert.ok(sent.equals(Buffer.from(escpos.bytes_base64, 'base64')), 'the job bytes reach print_escpos unchanged')
  assert.ok(readJob(sent).lines.some((l) => l.text.includes(local)))
  await until(async () => !(await pending()), 5000, 'the job is reported printed')
  await ctx.close()
})
