// The counter at 1366×768 with a long queue: priority tickets marked in
// words (current and waiting), F5 asking for the outcome like the 办结
// button, and every panel on screen with 13 and more waiting.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { api, hallForTests, openPage, output, pair, PIN } from './harness.mjs'

const h = hallForTests()

/** Whether the element is wholly inside the viewport. */
const onScreen = (p, sel) =>
  p.evaluate((s) => {
    const r = document.querySelector(s).getBoundingClientRect()
    return r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth
  }, sel)

test('priority marks, F5 asks the outcome, every panel on a 1366×768 screen with 16 waiting', async () => {
  const service = (await api(h.server.base, 'GET', '/api/v1/counters/1', h.sup)).services[0]
  for (let i = 0; i < 14; i++) await api(h.server.base, 'POST', '/api/v1/tickets', h.sup, { service })
  const elderly = (await api(h.server.base, 'POST', '/api/v1/tickets', h.sup, { service, priority: 'priority', priority_reason: 'elderly' })).ticket
  const booked = (await api(h.server.base, 'POST', '/api/v1/tickets', h.sup, { service, priority: 'appointment', appointment: '777' })).ticket

  const counter = await openPage(h.browser, h.server.base, '/counter', await pair(h.server.base, h.sup, 'counter', 1), { width: 1366, height: 768 })
  await counter.fill('[data-test=login-staff]', '0001')
  await counter.fill('[data-test=login-pin]', PIN)
  await counter.click('[data-test=login-submit]')
  await counter.waitForSelector('[data-test=call-next]:not([disabled])')

  // Marked in words in the queue, and listed first.
  const rows = await counter.locator('[data-test=waiting] tr').allTextContents()
  assert.equal(rows.length, 16)
  const row = (n) => rows.find((r) => r.includes(n))
  assert.match(row(elderly.number), /优先 · 老年人/)
  assert.match(row(booked.number), /预约 · 777/)
  assert.ok(rows.slice(0, 2).every((r) => r.includes('优先') || r.includes('预约')), rows.join('|'))
  assert.equal(await counter.locator('[data-test=waiting-mark]').count(), 2)

  // Every panel in view; the list scrolls in its own box.
  for (const sel of ['[data-test=reprint-current]', '[data-test=reprint-number]', '[data-test=figures]', '[data-test=call-next]']) {
    assert.ok(await onScreen(counter, sel), `${sel} below the fold`)
  }
  assert.ok(await counter.evaluate(() => document.documentElement.scrollHeight <= innerHeight), 'the page itself scrolls')
  assert.ok(await counter.evaluate(() => {
    const l = document.querySelector('[data-test=waiting]')
    return l.scrollHeight > l.clientHeight
  }))
  await counter.screenshot({ path: join(output, 'counter-long-queue.png') })

  // The current customer's mark.
  await counter.keyboard.press('F1')
  await counter.waitForSelector('[data-test=current-mark]')
  const current = (await counter.textContent('[data-test=current-number]')).trim()
  const mark = await counter.textContent('[data-test=current-mark]')
  assert.ok(current === elderly.number ? /优先 · 老年人/.test(mark) : current === booked.number && /预约 · 777/.test(mark), `${current} ${mark}`)

  // F5 asks for the outcome, as the button does; Enter confirms it.
  await counter.keyboard.press('F4')
  await counter.waitForSelector('[data-test=finish]:not([disabled])')
  await counter.keyboard.press('F5')
  await counter.waitForSelector('[data-test=finish-confirm]')
  assert.equal((await api(h.server.base, 'GET', '/api/v1/counters/1', h.sup)).current?.number, current, 'F5 finished at once')
  await counter.screenshot({ path: join(output, 'counter-f5-outcome.png') })
  await counter.selectOption('[data-test=outcome]', 'answered')
  await counter.keyboard.press('Enter')
  await counter.waitForSelector('[data-test=finish-confirm]', { state: 'detached' })
  const done = (await api(h.server.base, 'GET', '/api/v1/tickets', h.sup)).find((t) => t.number === current)
  assert.equal(done.state, 'done')
  assert.equal(done.resolution, 'answered')
  await counter.context().close()
})
