// axe-core on the hall's customer and staff screens, in Chinese and in
// English: no critical and no serious violation on the kiosk, counter,
// display, rating pad, live ticket, the pairing and login screens, and the
// supervisor's board (with its close dialog), settings and reports on a
// 30-day demo hall.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { api, axeViolations, demoHallForTests, hallForTests, openPage, pair, PIN, supervisorLogin } from './harness.mjs'

// A priority ticket and a normal one: the counter shows its queue, the live page follows the first.
let ticket
const h = hallForTests({
  async setup({ server, sup }) {
    const service = (await api(server.base, 'GET', '/api/v1/counters/1', sup)).services[0]
    ticket = (await api(server.base, 'POST', '/api/v1/tickets', sup, { service, priority: 'priority', priority_reason: 'elderly' })).ticket
    await api(server.base, 'POST', '/api/v1/tickets', sup, { service })
  },
})

// The supervisor's pages, on a hall with traffic (follow-ups, reports' figures).
const demo = demoHallForTests()
const asSupervisor = (then) => async (p) => {
  await supervisorLogin(p, demo.pin)
  await then?.(p)
}

async function openCloseDialog(p) {
  await p.click('[data-test=follow-up-close] >> nth=0')
  await p.waitForSelector('[data-test=close-note]')
}

async function loginCounter(p) {
  await p.fill('[data-test=login-staff]', '0001')
  await p.fill('[data-test=login-pin]', PIN)
  await p.click('[data-test=login-submit]')
  await p.waitForSelector('[data-test=call-next]')
}

/** Each screen: its hall (default `h`), how to open it (token role, path), what it waits for, what to do first, and how to switch it to English. */
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
  { name: 'board', hall: demo, path: '/board', ready: '[data-test=login]', then: asSupervisor((p) => p.waitForSelector('[data-test=follow-ups] tbody tr')) },
  {
    name: 'board close dialog',
    hall: demo,
    path: '/board',
    ready: '[data-test=login]',
    then: asSupervisor(openCloseDialog),
    // The modal dialog keeps the language switch out of reach: Esc, switch, open again.
    async english(p) {
      await p.keyboard.press('Escape')
      await p.click('[data-test=lang]')
      await openCloseDialog(p)
    },
  },
  { name: 'settings', hall: demo, path: '/settings', ready: '[data-test=login]', then: asSupervisor((p) => p.waitForSelector('[data-test=pair-new]')) },
  { name: 'reports', hall: demo, path: '/reports', ready: '[data-test=login]', then: asSupervisor((p) => p.waitForSelector('main[data-ready="1"]', { timeout: 20_000 })) },
]

for (const s of SCREENS) {
  test(`axe: the ${s.name} screen has no critical or serious violation, in both languages`, async () => {
    const hall = s.hall ?? h
    const token = s.role ? await pair(hall.server.base, hall.sup, ...s.role) : null
    const path = typeof s.path === 'function' ? s.path() : s.path
    const p = await openPage(hall.browser, hall.server.base, path, token, { width: 1366, height: 768 })
    await p.waitForSelector(s.ready)
    await s.then?.(p)
    assert.deepEqual(await axeViolations(p), [], `${s.name} in Chinese`)
    // English: the screen's own way, the page's switch, or (the display has none) the stored choice.
    if (s.english) await s.english(p)
    else if (await p.locator('[data-test=lang]').count()) await p.click('[data-test=lang]')
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
