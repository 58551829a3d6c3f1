// axe-core on the hall's customer and staff screens, in Chinese and in
// English: no critical and no serious violation on the kiosk, counter,
// display, rating pad, live ticket, and the pairing and login screens.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { api, axeViolations, hallForTests, openPage, pair, PIN } from './harness.mjs'

// A priority ticket and a normal one: the counter shows its queue, the live page follows the first.
let ticket
const h = hallForTests({
  async setup({ server, sup }) {
    const service = (await api(server.base, 'GET', '/api/v1/counters/1', sup)).services[0]
    ticket = (await api(server.base, 'POST', '/api/v1/tickets', sup, { service, priority: 'priority', priority_reason: 'elderly' })).ticket
    await api(server.base, 'POST', '/api/v1/tickets', sup, { service })
  },
})

async function loginCounter(p) {
  await p.fill('[data-test=login-staff]', '0001')
  await p.fill('[data-test=login-pin]', PIN)
  await p.click('[data-test=login-submit]')
  await p.waitForSelector('[data-test=call-next]')
}

/** Each screen: how to open it (token role, path), what it waits for, and what to do first. */
const SCREENS = [
  { name: 'pairing', path: '/kiosk', ready: '[data-test=pair]' },
  { name: 'supervisor login', path: '/board', ready: '[data-test=login]' },
  { name: 'counter login', path: '/counter', role: ['counter', 1], ready: '[data-test=login]' },
  { name: 'kiosk', path: '/kiosk', role: ['kiosk'], ready: '[data-test^=service-]:not([disabled])' },
  { name: 'kiosk appointment pad', path: '/kiosk', role: ['kiosk'], ready: '[data-test^=service-]', then: (p) => p.click('[data-test=mode-appointment]') },
  { name: 'counter', path: '/counter', role: ['counter', 1], ready: '[data-test=login]', then: loginCounter },
  { name: 'display', path: '/display', role: ['display'], ready: '[data-test=current-call]' },
  { name: 'rating pad', path: '/rate', role: ['rating_pad', 1], ready: '[data-test=idle]' },
  { name: 'live ticket', path: () => `/t/${ticket.id}`, ready: '[data-test=live-number]' },
]

for (const s of SCREENS) {
  test(`axe: the ${s.name} screen has no critical or serious violation, in both languages`, async () => {
    const token = s.role ? await pair(h.server.base, h.sup, ...s.role) : null
    const path = typeof s.path === 'function' ? s.path() : s.path
    const p = await openPage(h.browser, h.server.base, path, token, { width: 1366, height: 768 })
    await p.waitForSelector(s.ready)
    await s.then?.(p)
    assert.deepEqual(await axeViolations(p), [], `${s.name} in Chinese`)
    // English: the page's switch, or (the display has none) the stored choice.
    if (await p.locator('[data-test=lang]').count()) await p.click('[data-test=lang]')
    else {
      await p.evaluate(() => localStorage.setItem('hallq.lang', 'en'))
      await p.reload()
      await p.waitForSelector(s.ready)
    }
    await p.waitForFunction(() => document.documentElement.lang === 'en')
    assert.deepEqual(await axeViolations(p), [], `${s.name} in English`)
    await p.context().close()
  })
}
