// The kiosk on the screens halls have: every service on one screen at
// 1280×800, 1024×768 and 1080×1920, nothing covering a tile; the customer
// told what to do while the server is unreachable; an appointment number
// typed on the on-screen pad alone; the printed ticket's words.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { api, hallForTests, openPage, output, pair, serve, stop } from './harness.mjs'

const h = hallForTests()

/** Tiles outside the viewport, and elements whose box overlaps a tile. */
function layoutFaults() {
  const vw = innerWidth
  const vh = innerHeight
  const tiles = [...document.querySelectorAll('[data-test^=service-]')]
  const box = (el) => el.getBoundingClientRect()
  const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom
  const out = []
  for (const t of tiles) {
    const r = box(t)
    if (r.left < 0 || r.top < 0 || r.right > vw || r.bottom > vh) out.push(`${t.dataset.test} outside ${JSON.stringify(r)}`)
    // The tile's words fit in it.
    if (t.scrollHeight > t.clientHeight + 1 || t.scrollWidth > t.clientWidth + 1) out.push(`${t.dataset.test} text overflows`)
  }
  const others = [...document.querySelectorAll('main button, main input, main h1, main h2, .offline-banner, .stale-banner, .kiosk-time')]
    .filter((el) => !el.closest('[data-test^=service-]') && box(el).width > 0)
  for (const el of others) {
    for (const t of tiles) if (overlap(box(el), box(t))) out.push(`${el.dataset.test ?? el.className} covers ${t.dataset.test}`)
  }
  return { tiles: tiles.length, faults: out }
}

for (const size of [{ width: 1280, height: 800 }, { width: 1024, height: 768 }, { width: 1080, height: 1920 }]) {
  test(`every service fits one ${size.width}×${size.height} screen, in both languages`, async () => {
    const services = (await api(h.server.base, 'GET', '/api/v1/services', h.sup)).length
    assert.equal(services, 8)
    const kiosk = await openPage(h.browser, h.server.base, '/kiosk', await pair(h.server.base, h.sup, 'kiosk'), size)
    await kiosk.waitForSelector('[data-test^=service-]:not([disabled])')
    for (const lang of ['zh', 'en']) {
      for (const mode of ['normal', 'priority']) {
        if (mode === 'priority') await kiosk.click('[data-test=mode-priority]')
        if (mode === 'priority') await kiosk.screenshot({ path: join(output, `kiosk-${size.width}x${size.height}-${lang}.png`) })
        const { tiles, faults } = await kiosk.evaluate(layoutFaults)
        assert.equal(tiles, services)
        assert.deepEqual(faults, [], `${lang} ${mode}`)
      }
      await kiosk.click('[data-test=mode-normal]')
      await kiosk.click('[data-test=lang]')
    }
    await kiosk.context().close()
  })
}

/** Whether the hall's name is on screen and the topmost element at its centre. */
const nameVisible = (p) =>
  p.evaluate(() => {
    const h = document.querySelector('.kiosk-head h1')
    const r = h.getBoundingClientRect()
    return r.top >= 0 && h.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2))
  })

test('a tap while the server is down says what to do, and clears itself when it is back', async () => {
  const kiosk = await openPage(h.browser, h.server.base, '/kiosk', await pair(h.server.base, h.sup, 'kiosk'), { width: 1280, height: 800 })
  await kiosk.waitForSelector('[data-test^=service-]:not([disabled])')
  assert.ok(await nameVisible(kiosk))

  await stop(h.server)
  await kiosk.waitForSelector('[data-test=offline]', { timeout: 10000 })
  assert.ok(await nameVisible(kiosk), 'the offline banner covers the hall name')
  await kiosk.click('[data-test=service-PAY]')
  const advice = kiosk.locator('[data-test=unreachable]')
  await advice.waitFor()
  assert.match(await advice.locator('[lang=zh-CN]').textContent(), /请稍候.*工作人员/)
  assert.match(await advice.locator('[lang=en]').textContent(), /wait a moment.*staff/)
  assert.equal(await kiosk.locator('[data-test=error]').count(), 0)
  assert.ok(await nameVisible(kiosk))
  const { faults } = await kiosk.evaluate(layoutFaults)
  assert.deepEqual(faults, [])
  await kiosk.screenshot({ path: join(output, 'kiosk-unreachable.png') })

  h.server = await serve(h.hall.db, h.server.port)
  await advice.waitFor({ state: 'detached', timeout: 15000 })
  await kiosk.waitForSelector('[data-test=offline]', { state: 'detached', timeout: 15000 })
  assert.ok(await nameVisible(kiosk))
  await kiosk.click('[data-test=service-PAY]')
  await kiosk.waitForSelector('[data-test=ticket-number]')
  await kiosk.context().close()
})

test('an appointment number typed on the on-screen pad alone; the printed ticket says 留意叫号 once', async () => {
  const kiosk = await openPage(h.browser, h.server.base, '/kiosk', await pair(h.server.base, h.sup, 'kiosk'), { width: 1280, height: 800 })
  await kiosk.waitForSelector('[data-test^=service-]:not([disabled])')
  await kiosk.click('[data-test=mode-appointment]')
  assert.equal(await kiosk.locator('input').count(), 0, 'nothing to type into with a keyboard')
  for (const k of ['1', '2', '3', '4', 'delete', '5', '0']) await kiosk.click(`[data-test=pad-${k}]`)
  assert.equal((await kiosk.textContent('[data-test=appointment]')).trim(), '12350')
  await kiosk.screenshot({ path: join(output, 'kiosk-appointment-pad.png') })
  await kiosk.click('[data-test=pad-ok]')
  assert.match(await kiosk.textContent('[data-test=appointment-chosen]'), /12350/)
  await kiosk.click('[data-test=service-PAY]')
  const number = (await kiosk.textContent('[data-test=ticket-number]')).trim()

  const ticket = (await api(h.server.base, 'GET', '/api/v1/tickets', h.sup)).find((t) => t.number === number)
  assert.equal(ticket.priority, 'appointment')
  assert.equal(ticket.appointment, '12350')

  await kiosk.waitForSelector('[data-test=print-ticket]', { state: 'attached' })
  const printed = await kiosk.textContent('[data-test=print-ticket]')
  assert.match(printed, new RegExp(number))
  assert.equal(printed.split('留意叫号').length - 1, 1, printed)
  await kiosk.context().close()
})
