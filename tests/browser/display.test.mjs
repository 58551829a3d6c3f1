// The lobby display in a browser that blocks sound until a click: the
// 点击启用声音 button out of the ticker's way, no ticker without notices,
// and every call written in Chinese and English.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { api, launch, newHall, openPage, output, pair, serve, stop, supervisor } from './harness.mjs'

let hall, server, browser, sup

before(async () => {
  hall = newHall()
  server = await serve(hall.db)
  sup = await supervisor(server.base)
  browser = await launch({ autoplay: false })
})

after(async () => {
  await browser?.close()
  if (server) await stop(server)
})

async function setNotices(notices) {
  const h = (await api(server.base, 'GET', '/api/v1/hall', sup)).hall
  await api(server.base, 'PUT', '/api/v1/settings/hall', sup, {
    code: h.code, name: h.name, time_zone: h.time_zone, rollover_hour: h.rollover_hour, max_recalls: h.max_recalls, opening: null, notices,
  })
}

const box = (p, sel) => p.locator(sel).boundingBox()
const overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height

test('the sound button keeps off the ticker; no notices, no ticker; a call in both languages', async () => {
  await setNotices(['本周六 9:00–12:00 城南线路检修停电'])
  const display = await openPage(browser, server.base, '/display', await pair(server.base, sup, 'display'), { width: 1920, height: 1080 })
  await display.waitForSelector('[data-test=ticker]')
  const button = display.locator('[data-test=enable-sound]')
  await button.waitFor()
  assert.ok(!overlap(await box(display, '[data-test=enable-sound]'), await box(display, '[data-test=ticker]')), 'the button covers the ticker')

  // A call: the number and counter in Chinese, then the English line.
  const service = (await api(server.base, 'GET', '/api/v1/counters/1', sup)).services[0]
  await api(server.base, 'POST', '/api/v1/counters/1/login', sup, { staff: '0001', pin: '246810' })
  await api(server.base, 'POST', '/api/v1/counters/1/open', sup).catch(() => {})
  const { ticket } = await api(server.base, 'POST', '/api/v1/tickets', sup, { service })
  await api(server.base, 'POST', '/api/v1/counters/1/call-next', sup)
  await display.waitForFunction((n) => document.querySelector('[data-test=current-call-number]')?.textContent?.trim() === n, ticket.number)
  assert.match(await display.textContent('[data-test=current-call]'), /请.*到.*1 号窗口/)
  assert.equal((await display.textContent('[data-test=current-call-en]')).trim(), `Number ${ticket.number}, please go to counter 1`)
  await display.screenshot({ path: join(output, 'display-sound-blocked.png') })

  // A click enables the sound; the button goes.
  await button.click()
  await button.waitFor({ state: 'detached' })

  // No notices: no ticker, no empty bar.
  await setNotices([])
  await display.waitForSelector('[data-test=ticker]', { state: 'detached' })
  await display.screenshot({ path: join(output, 'display-no-notices.png') })
  await display.context().close()
})
