// What the hall pages keep across a day of calls (issue 13): the display,
// the counter, the kiosk and the rating pad follow the live stream while
// customers are served, and after 200 customers each holds what it held
// after 20 — the same DOM nodes and listeners (read over CDP after a forced
// GC), the display's six recent calls, and a voice queue that keeps at most
// one call per counter and a short log, however far the calls outpace the
// voice. Counts, never speed: the figures themselves are
// tests/desktop/page-memory.mjs's.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { api, launch, newHall, openPage, pageMemory, pair, serve, serveCustomer, STATION, stop, supervisor, until, PIN } from './harness.mjs'

let hall, server, browser, sup, service

before(async () => {
  hall = newHall()
  server = await serve(hall.db)
  sup = await supervisor(server.base)
  await api(server.base, 'POST', '/api/v1/counters/1/login', sup, { staff: '0001', pin: PIN })
  await api(server.base, 'POST', '/api/v1/counters/1/open', sup)
  service = (await api(server.base, 'GET', '/api/v1/counters/1', sup)).services[0]
  browser = await launch()
})

after(async () => {
  await browser?.close()
  if (server) await stop(server)
})

/** Every page's DOM counters once the pages follow the last call; the display's voice queue checked on the way. */
async function held(pages, last) {
  const display = pages.find((p) => p.name === 'display').page
  await display.waitForFunction((n) => document.querySelector('[data-test=current-call-number]')?.textContent?.trim() === n, last)
  const counter = pages.find((p) => p.name === 'counter').page
  await until(async () => (await counter.locator('[data-test=current-number]').count()) === 0, 10000, 'the counter has no current ticket')
  const voice = await display.evaluate(() => ({ log: window.hallqVoice.log.length, pending: window.hallqVoice.pending }))
  // One counter: one call being voiced and at most one waiting, never a backlog.
  assert.ok(voice.pending <= 2, `the voice queue holds ${voice.pending} calls`)
  assert.ok(voice.log <= 20, `the voice log holds ${voice.log} entries`)
  // The audio element has listeners while it plays: count once it is quiet,
  // and after the debounced reloads of the last events.
  await until(() => display.evaluate(() => window.hallqVoice.pending === 0), 30000, 'the display has voiced its calls')
  await new Promise((r) => setTimeout(r, 1500))
  const out = {}
  for (const p of pages) {
    const { nodes, listeners, documents } = await pageMemory(p.cdp)
    out[p.name] = { nodes, listeners, documents }
  }
  out.recent = await display.locator('[data-test=recent-calls] li').count()
  return out
}

test('after 200 customers every page holds what it held after 20', { timeout: 600_000 }, async () => {
  const pages = []
  for (const p of STATION) {
    const token = await pair(server.base, sup, p.role, p.counter ?? null)
    const page = await openPage(browser, server.base, p.path, token, p.size)
    pages.push({ ...p, page, cdp: await page.context().newCDPSession(page) })
  }
  await pages[0].page.waitForSelector('[data-test=current-call]')
  await pages[1].page.waitForSelector('[data-test=call-next]')

  let last
  for (let i = 1; i <= 20; i++) last = (await serveCustomer(server.base, sup, service, i)).number
  const early = await held(pages, last)
  for (let i = 21; i <= 200; i++) last = (await serveCustomer(server.base, sup, service, i)).number
  const late = await held(pages, last)

  for (const p of STATION) assert.deepEqual(late[p.name], early[p.name], `${p.name}: DOM nodes and listeners after 200 customers as after 20`)
  assert.equal(late.recent, 6, 'the display lists the six calls before the current one')
  assert.equal(late.recent, early.recent)
  for (const p of pages) await p.page.context().close()
})
