// Stale data, in real Chromium against the real server: when a page's
// reload fails (here the page's data request answers 500, by route
// interception) the page keeps what it showed, says it may be out of date
// with the time of the last good load, and once the server answers again
// the banner goes and the new data shows. The counter and the display
// (through useHall) and the reports page (through its report requests).
// Screenshots: tests/output/stale-*.png.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { api, launch, newHall, openPage, output, pair, serve, stop, supervisor, until, PIN } from './harness.mjs'

let server, browser, sup, tokens

const FAULT = { code: 'internal', message_zh: '服务器内部错误', message_en: 'internal server error' }
const answer500 = (route) => route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify(FAULT) })

before(async () => {
  server = await serve(newHall().db)
  sup = await supervisor(server.base)
  tokens = { counter: await pair(server.base, sup, 'counter', 1), display: await pair(server.base, sup, 'display') }
  // Staff 0001 at counter 1, open, as after the counter's login screen.
  await api(server.base, 'POST', '/api/v1/counters/1/login', tokens.counter, { staff: '0001', pin: PIN })
  await api(server.base, 'POST', '/api/v1/counters/1/open', tokens.counter)
  browser = await launch()
})

after(async () => {
  await browser?.close()
  if (server) await stop(server)
})

const issue = async () => (await api(server.base, 'POST', '/api/v1/tickets', sup, { service: 'PAY' })).ticket
const waitingText = (p) => p.textContent('[data-test=waiting]')
const displayPay = (p) => p.$$eval('[data-test=waiting] li', (lis) => lis.map((li) => li.textContent).join('|'))

test('a failed reload keeps the counter and the display as they were, says so, and recovers', async () => {
  const first = await issue()
  const counter = await openPage(browser, server.base, '/counter', tokens.counter, { width: 1366, height: 768 })
  const display = await openPage(browser, server.base, '/display', tokens.display, { width: 1920, height: 1080 })
  await until(async () => (await waitingText(counter)).includes(first.number), 10_000, 'the counter lists the first ticket')
  await display.waitForSelector('[data-test=waiting] li')
  const shownBefore = await displayPay(display)
  assert.equal(await counter.$('[data-test=stale]'), null, 'no banner while the reloads work')

  // Each page's data request fails; a new ticket makes both reload.
  await counter.route('**/api/v1/queues', answer500)
  await display.route('**/api/v1/services', answer500)
  const second = await issue()
  for (const p of [counter, display]) {
    await p.waitForSelector('[data-test=stale]', { timeout: 10_000 })
    const banner = await p.textContent('[data-test=stale]')
    assert.ok(banner.includes('数据可能已过时'), banner)
    assert.match(await p.textContent('[data-test=stale-since]'), /上次更新 \d\d:\d\d:\d\d/)
  }
  // The last good data is still on screen.
  assert.ok((await waitingText(counter)).includes(first.number), 'the counter still lists the first ticket')
  assert.ok(!(await waitingText(counter)).includes(second.number), 'and not the second, which it could not load')
  assert.equal(await displayPay(display), shownBefore, 'the display still shows its last counts')
  await counter.screenshot({ path: join(output, 'stale-counter.png') })
  await display.screenshot({ path: join(output, 'stale-display.png') })

  // The server answers again: the next retry loads, the banner goes.
  await counter.unroute('**/api/v1/queues')
  await display.unroute('**/api/v1/services')
  for (const p of [counter, display]) await p.waitForSelector('[data-test=stale]', { state: 'detached', timeout: 20_000 })
  await until(async () => (await waitingText(counter)).includes(second.number), 5000, 'the counter lists the second ticket')
  assert.notEqual(await displayPay(display), shownBefore, 'the display counts the second ticket')
  await counter.context().close()
  await display.context().close()
})

test('a failed refresh keeps the report on screen, says so, and recovers', async () => {
  const p = await openPage(browser, server.base, '/reports', null, { width: 1280, height: 800 })
  await p.fill('[data-test=login-staff]', '0001')
  await p.fill('[data-test=login-pin]', PIN)
  await p.click('[data-test=login-submit]')
  await p.waitForSelector('main[data-ready="1"]', { timeout: 20_000 })
  const issued = await p.textContent('[data-test=card-issued] [data-test=value]')

  const overview = /\/api\/v1\/reports\/overview\?/
  await p.route(overview, answer500)
  await p.click('[data-test=refresh]')
  await p.waitForSelector('[data-test=stale]', { timeout: 10_000 })
  assert.equal(await p.textContent('[data-test=card-issued] [data-test=value]'), issued, 'the cards stay')
  assert.equal(await p.$('[data-test=error]'), null, 'a server failure is not a refusal: no error bar, the report stays')
  await p.screenshot({ path: join(output, 'stale-reports.png') })

  await p.unroute(overview)
  await p.waitForSelector('[data-test=stale]', { state: 'detached', timeout: 20_000 })
  await p.waitForSelector('[data-test=card-issued]')
  await p.context().close()
})
