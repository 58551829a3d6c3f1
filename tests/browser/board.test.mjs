// The 值班长看板 on a `hallq demo --days 30` hall (dozens of open follow-ups,
// many overdue): the follow-ups are paged with the overdue first and raise
// an alert, staff show by name, a reason stays on one line, waiting numbers
// stay apart, a follow-up is closed through the page's own dialog (never the
// browser's prompt; a refusal shown inside it), and the live panels start on the first screen at
// 1280×800 and 1920×1080. Screenshots: tests/output/board-*.png.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { api, demoHallForTests, openPage, output, supervisorLogin, until } from './harness.mjs'

const h = demoHallForTests({
  async setup(h) {
    // Two customers waiting, so the queue shows a list of numbers.
    const service = (await api(h.server.base, 'GET', '/api/v1/status', h.sup)).services[0].service.code
    for (let i = 0; i < 3; i++) await api(h.server.base, 'POST', '/api/v1/tickets', h.sup, { service })
  },
})

const PANELS = ['queues', 'alerts', 'counters', 'printers', 'notices']

async function openBoard(size) {
  const p = await openPage(h.browser, h.server.base, '/board', null, size)
  // The browser's own prompt/alert/confirm is never used: any dialog fails the test.
  p.on('dialog', (d) => {
    throw new Error(`browser dialog: ${d.type()} ${d.message()}`)
  })
  await supervisorLogin(p, h.pin)
  await p.waitForSelector('[data-test=follow-ups] tbody tr')
  return p
}

test('the board pages the follow-ups, overdue first, raises their alert and names the staff', async () => {
  const all = await api(h.server.base, 'GET', '/api/v1/follow-ups', h.sup)
  const overdue = all.filter((f) => f.overdue)
  assert.ok(all.length > 16 && overdue.length > 0, `the demo has many follow-ups, some overdue: ${all.length}/${overdue.length}`)
  const staff = (await api(h.server.base, 'GET', '/api/v1/settings', h.sup)).staff

  const p = await openBoard({ width: 1280, height: 800 })
  const height = await p.evaluate(() => document.documentElement.scrollHeight)
  assert.ok(height < 2200, `the page is ${height} px high`)

  const rows = p.locator('[data-test=follow-ups] tbody tr')
  assert.equal(await rows.count(), 8)
  assert.equal(await p.locator('[data-test=follow-up-page]').textContent(), `第 1 / ${Math.ceil(all.length / 8)} 页`)
  assert.match(await p.textContent('[data-test=follow-up-count]'), new RegExp(`共 ${all.length} 条，逾期 ${overdue.length} 条`))
  // Overdue first: the first page is all overdue when there are 8 or more.
  const firstOverdue = await p.locator('[data-test=follow-ups] tbody tr.bg-red').count()
  assert.equal(firstOverdue, Math.min(8, overdue.length))

  assert.equal((await p.textContent('[data-test=alert-followUps]')).trim(), `${overdue.length} 条回访已逾期`)
  assert.equal(await p.locator('[data-test=no-alerts]').count(), 0, '一切正常 is not shown while follow-ups are overdue')

  const withStaff = all.find((f) => f.staff && staff.some((s) => s.number === f.staff))
  const named = staff.find((s) => s.number === withStaff.staff)
  await until(async () => (await p.locator('[data-test=follow-up-staff]').allTextContents()).some((x) => x.includes('(')), 5000, 'staff names')
  const staffCells = await p.locator('[data-test=follow-up-staff]').allTextContents()
  assert.ok(staffCells.every((x) => /\S+ \(\d+\)/.test(x)), `staff as "name (number)": ${staffCells.join(' | ')}`)
  assert.ok(named.name.length > 0)

  // A reason cell is one line high (the same height as the number cell).
  const heights = await p.$$eval('[data-test=follow-up-reason]', (cells) => cells.map((c) => c.getBoundingClientRect().height))
  const line = await p.$eval('[data-test=follow-up-reason]', (c) => parseFloat(getComputedStyle(c).lineHeight) || 24)
  assert.ok(heights.every((x) => x < line * 1.9 + 10), `reason cells one line: ${heights} (line ${line})`)

  // Waiting numbers stay apart.
  const gap = await p.$$eval('[data-test=queues] .tickets span', (s) => (s.length < 2 ? null : s[1].getBoundingClientRect().left - s[0].getBoundingClientRect().right))
  assert.ok(gap !== null && gap >= 4, `gap between waiting numbers: ${gap}`)

  await p.screenshot({ path: join(output, 'board-1280.png'), fullPage: true })
  await p.click('[data-test=follow-up-next]')
  assert.equal(await p.locator('[data-test=follow-up-page]').textContent(), `第 2 / ${Math.ceil(all.length / 8)} 页`)
  await p.context().close()
})

test('the live panels start within the first screen at 1280×800 and 1920×1080', async () => {
  for (const size of [{ width: 1280, height: 800 }, { width: 1920, height: 1080 }]) {
    const p = await openBoard(size)
    await p.waitForSelector('[data-test=printers]', { state: 'attached' })
    for (const panel of PANELS) {
      const top = await p.$eval(`[data-test=${panel}]`, (e) => e.closest('section').getBoundingClientRect().top)
      assert.ok(top >= 0 && top < size.height - 60, `${panel} starts at ${top} px at ${size.width}×${size.height}`)
    }
    await p.screenshot({ path: join(output, `board-first-screen-${size.width}.png`) })
    await p.context().close()
  }
})

test('closing a follow-up goes through the page dialog: a note is required, Esc cancels, the server sees the note', async () => {
  const p = await openBoard({ width: 1280, height: 800 })
  const first = p.locator('[data-test=follow-ups] tbody tr').first()
  const ticket = (await first.getAttribute('data-test')).replace('follow-up-', '')
  await first.locator('[data-test=follow-up-close]').click()
  const dialog = p.locator('[data-test=close-dialog]')
  await dialog.waitFor({ state: 'visible' })
  assert.equal(await p.isDisabled('[data-test=close-submit]'), true, 'no note, no closing')
  await p.keyboard.press('Escape')
  await dialog.waitFor({ state: 'hidden' })

  await first.locator('[data-test=follow-up-close]').click()
  await dialog.waitFor({ state: 'visible' })
  await p.fill('[data-test=close-note]', '已电话回访，客户表示理解')
  await p.screenshot({ path: join(output, 'board-close-dialog.png') })
  await p.click('[data-test=close-submit]')
  await dialog.waitFor({ state: 'hidden' })
  await p.waitForSelector(`[data-test=follow-up-${ticket}]`, { state: 'detached' })

  const open = await api(h.server.base, 'GET', '/api/v1/follow-ups', h.sup)
  assert.equal(open.some((f) => f.ticket === ticket), false, 'no longer open on the server')
  const day = (await api(h.server.base, 'GET', '/api/v1/status', h.sup)).day
  const from = new Date(Date.parse(`${day}T00:00:00Z`) - 60 * 86_400_000).toISOString().slice(0, 10)
  const every = await api(h.server.base, 'GET', `/api/v1/follow-ups?from=${from}&to=${day}`, h.sup)
  assert.equal(every.find((f) => f.ticket === ticket)?.note, '已电话回访，客户表示理解')
  await p.context().close()
})

test('a refusal shows inside the dialog: the follow-up was closed elsewhere meanwhile', async () => {
  const p = await openBoard({ width: 1280, height: 800 })
  const first = p.locator('[data-test=follow-ups] tbody tr').first()
  const ticket = (await first.getAttribute('data-test')).replace('follow-up-', '')
  await first.locator('[data-test=follow-up-close]').click()
  await p.fill('[data-test=close-note]', '已上门处理')
  await api(h.server.base, 'POST', `/api/v1/follow-ups/${ticket}/close`, h.sup, { note: '另一位值班长已回访' })
  await p.click('[data-test=close-submit]')
  const error = p.locator('[data-test=close-dialog] [data-test=close-error]')
  await error.waitFor()
  assert.notEqual((await error.textContent()).trim(), '')
  assert.equal(await p.locator('[data-test=close-dialog]').isVisible(), true, 'the dialog stays open with the refusal')
  await p.screenshot({ path: join(output, 'board-close-refused.png') })
  await p.click('[data-test=close-cancel]')
  await p.locator('[data-test=close-dialog]').waitFor({ state: 'hidden' })
  await p.context().close()
})
