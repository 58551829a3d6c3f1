// The rating pad as a customer meets it (issue 15, item 8): it names who
// served (name and 工号, as 好差评 asks), each low-score reason is a short
// phrase, and a customer who tapped a low score by mistake can go back.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { api, finishOne, hallForTests, openPage, output, pair, tooSmall } from './harness.mjs'

const h = hallForTests()

test('the pad names who served, explains each reason, and lets the customer go back', async () => {
  const token = await pair(h.server.base, h.sup, 'rating_pad', 1)
  const rate = await openPage(h.browser, h.server.base, '/rate', token, { width: 1280, height: 800 })
  await rate.waitForSelector('[data-test=idle]')

  const finished = await finishOne(h.server.base, h.sup)
  const staff = (await api(h.server.base, 'GET', '/api/v1/settings', h.sup)).staff.find((s) => s.number === '0001')

  await rate.waitForSelector('[data-test=served-by]')
  assert.equal((await rate.textContent('[data-test=served-by]')).trim(), `为您服务：${staff.name}（工号 0001）`)

  await rate.click('[data-test=level-1]')
  await rate.waitForSelector('[data-test=reason-attitude]')
  for (const [reason, phrase] of [['efficiency', '等候太久'], ['skill', '解答不清'], ['attitude', '不够耐心'], ['environment', '设施不便'], ['procedure', '多次跑腿']]) {
    assert.match(await rate.textContent(`[data-test=reason-${reason}]`), new RegExp(phrase), reason)
  }
  // Every reason and the way back on the pad's one screen, the language button on none of them.
  const viewport = rate.viewportSize()
  const lang = await rate.locator('[data-test=lang]').boundingBox()
  for (const sel of ['[data-test^=reason-]', '[data-test=rate-back]']) {
    for (const box of await rate.locator(sel).evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON()))) {
      assert.ok(box.top >= 0 && box.bottom <= viewport.height && box.right <= viewport.width, `${sel} on screen: ${JSON.stringify(box)}`)
      const apart = lang.x >= box.right || lang.x + lang.width <= box.left || lang.y >= box.bottom || lang.y + lang.height <= box.top
      assert.ok(apart, `the language button covers ${sel}`)
    }
  }
  assert.deepEqual(await tooSmall(rate), [], 'elderly customers: text ≥ 32 px, buttons ≥ 80 px, on this step too')
  await rate.screenshot({ path: join(output, 'rate-reasons.png') })

  // A mistaken 非常不满意: back to the scale, nothing was sent.
  await rate.click('[data-test=rate-back]')
  await rate.waitForSelector('[data-test=level-5]')
  const unrated = await api(h.server.base, 'GET', `/api/v1/tickets/${finished.ticket.id}`, h.sup)
  assert.equal(unrated.rating, null, 'going back rates nothing')
  await rate.click('[data-test=level-5]')
  await rate.waitForSelector('[data-test=thanks]')
  const rated = await api(h.server.base, 'GET', `/api/v1/tickets/${finished.ticket.id}`, h.sup)
  assert.equal(rated.rating, 5)

  await rate.context().close()
})
