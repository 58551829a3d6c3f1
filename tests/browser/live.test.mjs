// The live ticket page (issue 7) in Chromium at a phone's size, opened as a
// customer does from the QR code: /t/<ticket id>, no token. It shows the
// number and the people ahead, and when a counter calls the ticket it says
// "请到 1 号窗口 / Please go to counter 1" without a reload; a finished visit
// is shown as such; a ticket number instead of an id is not found.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { api, launch, newHall, openPage, output, pair, serve, stop, supervisor, PIN } from './harness.mjs'

let hall, server, browser, sup, kiosk, counter, service

before(async () => {
  hall = newHall()
  server = await serve(hall.db)
  sup = await supervisor(server.base)
  kiosk = await pair(server.base, sup, 'kiosk')
  counter = await pair(server.base, sup, 'counter', 1)
  service = (await api(server.base, 'GET', '/api/v1/counters/1', sup)).services[0]
  browser = await launch()
})

after(async () => {
  await browser?.close()
  if (server) await stop(server)
})

const issue = async () => (await api(server.base, 'POST', '/api/v1/tickets', kiosk, { service, priority: 'normal' })).ticket
const counterDo = (path, body) => api(server.base, 'POST', `/api/v1/counters/1/${path}`, counter, body)
const text = async (p, sel) => (await p.textContent(sel))?.trim()

test('the live ticket page follows the ticket until it is called, without a reload', async () => {
  const first = await issue()
  // The kiosk's flood guard is off in the suite (--kiosk-interval-ms 0).
  const mine = await issue()
  const phone = await openPage(browser, server.base, `/t/${mine.id}`, null, { width: 360, height: 740 })
  await phone.waitForSelector('[data-test=live-number]')
  assert.equal(await text(phone, '[data-test=live-number]'), mine.number)
  assert.equal(await text(phone, '[data-test=live-ahead]'), '前面还有 1 人')
  // Phone first: nothing wider than the screen.
  assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= 360), 'no horizontal scroll at 360 px')
  await phone.screenshot({ path: join(output, 'live-waiting.png') })
  await phone.evaluate(() => (window.__sameDocument = true))

  await counterDo('login', { staff: '0001', pin: PIN })
  await counterDo('open')
  const called = await counterDo('call-next')
  assert.equal(called.ticket.number, first.number)
  await phone.waitForFunction(() => document.querySelector('[data-test=live-waiting]')?.textContent?.includes('马上就到您了'), null, { timeout: 10000 })
  await counterDo('start')
  await counterDo('finish', { resolution: 'completed' })
  assert.equal((await counterDo('call-next')).ticket.number, mine.number)

  await phone.waitForSelector('[data-test=live-called]', { timeout: 10000 })
  assert.equal(await text(phone, '.live-call-zh'), '请到 1 号窗口')
  assert.equal(await text(phone, '.live-call-en'), 'Please go to counter 1')
  assert.equal(await text(phone, '[data-test=live-number]'), mine.number)
  assert.ok(await phone.evaluate(() => window.__sameDocument === true), 'updated in place, no reload')
  const callSize = await phone.evaluate(() => parseFloat(getComputedStyle(document.querySelector('.live-call-zh')).fontSize))
  assert.ok(callSize >= 36, `the call is large: ${callSize}px`)
  await phone.waitForTimeout(5000) // the call's pulse has settled
  await phone.screenshot({ path: join(output, 'live-called.png') })

  // The visit ends: shown clearly, and the page stops listening.
  await counterDo('start')
  await counterDo('finish', { resolution: 'completed' })
  await phone.waitForSelector('[data-test=live-ended]', { timeout: 10000 })
  assert.equal(await text(phone, '[data-test=live-ended]'), '业务已办结，感谢光临')
  await phone.screenshot({ path: join(output, 'live-done.png') })
  await phone.context().close()
})

test('a ticket number is not a live page: numbers cannot be walked', async () => {
  const t = await issue()
  const res = await fetch(`${server.base}/api/v1/live/${t.number}`)
  assert.equal(res.status, 404)
  const phone = await openPage(browser, server.base, `/t/${t.number}`, null, { width: 360, height: 740 })
  await phone.waitForSelector('[data-test=live-unknown]')
  assert.ok((await text(phone, '[data-test=live-unknown]')).startsWith('找不到此号票'))
  await phone.context().close()
})

test('in English the live page names the service in English, in Chinese only in Chinese', async () => {
  const t = await issue()
  const svc = (await api(server.base, 'GET', '/api/v1/settings', sup)).services.find((s) => s.code === service)
  const phone = await openPage(browser, server.base, `/t/${t.id}`, null, { width: 360, height: 740 })
  await phone.waitForSelector('[data-test=live-service]')
  assert.equal(await text(phone, '[data-test=live-service]'), svc.name_zh)
  await phone.click('[data-test=lang]')
  await phone.waitForFunction((en) => document.querySelector('[data-test=live-service]')?.textContent?.trim() === en, svc.name_en)
  assert.ok(!/[\u4e00-\u9fff]/.test(await text(phone, '[data-test=live-service]')), 'no Chinese in the English name')
  await phone.screenshot({ path: join(output, 'live-waiting-en.png') })
  await phone.context().close()
})
