// The lobby display in a browser that blocks sound until a click: the
// 点击启用声音 button out of the ticker's way, no ticker without notices,
// and every call written in Chinese and English.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { api, hallForTests, openPage, output, pair } from './harness.mjs'

const h = hallForTests({ autoplay: false })

async function setNotices(notices) {
  const x = (await api(h.server.base, 'GET', '/api/v1/hall', h.sup)).hall
  await api(h.server.base, 'PUT', '/api/v1/settings/hall', h.sup, {
    code: x.code, name: x.name, time_zone: x.time_zone, rollover_hour: x.rollover_hour, max_recalls: x.max_recalls, opening: null, notices,
  })
}

const box = (p, sel) => p.locator(sel).boundingBox()
const overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height

test('the sound button keeps off the ticker; no notices, no ticker; a call in both languages', async () => {
  await setNotices(['本周六 9:00–12:00 城南线路检修停电'])
  const display = await openPage(h.browser, h.server.base, '/display', await pair(h.server.base, h.sup, 'display'), { width: 1920, height: 1080 })
  await display.waitForSelector('[data-test=ticker]')
  const button = display.locator('[data-test=enable-sound]')
  await button.waitFor()
  assert.ok(!overlap(await box(display, '[data-test=enable-sound]'), await box(display, '[data-test=ticker]')), 'the button covers the ticker')

  // A call: the number and counter in Chinese, then the English line.
  const service = (await api(h.server.base, 'GET', '/api/v1/counters/1', h.sup)).services[0]
  await api(h.server.base, 'POST', '/api/v1/counters/1/login', h.sup, { staff: '0001', pin: '246810' })
  await api(h.server.base, 'POST', '/api/v1/counters/1/open', h.sup).catch(() => {})
  const { ticket } = await api(h.server.base, 'POST', '/api/v1/tickets', h.sup, { service })
  await api(h.server.base, 'POST', '/api/v1/counters/1/call-next', h.sup)
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
