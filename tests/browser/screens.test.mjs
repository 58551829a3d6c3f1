// The screens before a page: pairing and logins have a language switch
// and proper landmarks (main, a heading, labelled fields); a live-ticket
// link to no ticket says so in both languages, never echoing the id.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { api, hallForTests, openPage, output, pair } from './harness.mjs'

const h = hallForTests()

/** The page's landmarks and labels: one main, an h1 in it, every input named by a label. */
const structure = (p) =>
  p.evaluate(() => ({
    mains: document.querySelectorAll('main').length,
    h1: document.querySelector('main h1')?.textContent?.trim() ?? '',
    unlabelled: [...document.querySelectorAll('input')].filter((i) => !i.labels?.length && !i.getAttribute('aria-label')).length,
    langs: document.querySelectorAll('[data-test=lang]').length,
  }))

for (const [what, path, token, english] of [
  ['pairing', '/kiosk', null, /Pair/],
  ['supervisor login', '/board', null, /Supervisor/],
  ['counter staff login', '/counter', 'counter', /Counter 1/],
]) {
  test(`the ${what} screen: landmarks, labels and a language switch`, async () => {
    const t = token ? await pair(h.server.base, h.sup, token, 1) : null
    const p = await openPage(h.browser, h.server.base, path, t, { width: 1366, height: 768 })
    await p.waitForSelector('main form')
    const zh = await structure(p)
    assert.deepEqual({ ...zh, h1: !!zh.h1 }, { mains: 1, h1: true, unlabelled: 0, langs: 1 })
    assert.doesNotMatch(zh.h1, english)
    await p.click('[data-test=lang]')
    await p.waitForFunction((h) => document.querySelector('main h1')?.textContent?.trim() !== h, zh.h1)
    assert.match((await structure(p)).h1, english)
    assert.equal(await p.evaluate(() => document.documentElement.lang), 'en')
    await p.screenshot({ path: join(output, `screen-${what.replaceAll(' ', '-')}-en.png`) })
    await p.click('[data-test=lang]')
    await p.context().close()
  })
}

test('a live-ticket link to no ticket says so in both languages, without the id', async () => {
  const service = (await api(h.server.base, 'GET', '/api/v1/services', h.sup))[0].service.code
  const { ticket } = await api(h.server.base, 'POST', '/api/v1/tickets', h.sup, { service })
  for (const id of ['abc', ticket.number, '0190f5a4-1111-7111-8111-111111111111', '%3Cb%3E']) {
    const phone = await openPage(h.browser, h.server.base, `/t/${id}`, null, { width: 360, height: 740 })
    const unknown = phone.locator('[data-test=live-unknown]')
    await unknown.waitFor()
    const text = await unknown.textContent()
    assert.match(text, /找不到此号票/)
    assert.match(text, /No such ticket/)
    assert.ok(!text.includes(decodeURIComponent(id)), `${id} echoed: ${text}`)
    assert.equal(await phone.locator('[data-test=live-number]').count(), 0)
    if (id === 'abc') await phone.screenshot({ path: join(output, 'live-unknown.png') })
    await phone.context().close()
  }
})
