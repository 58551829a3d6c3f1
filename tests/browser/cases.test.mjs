// Commitments at the counter and on the board: a clerk opens a case (工单)
// with the keyboard alone (F6, an arrow key for the type, Tab, the
// customer's reference, Enter) and sees it in 我的工单 with the due day the
// server computed; closes it with an outcome; hands one over to a colleague
// chosen from the list; the board lists an overdue
// case (documents received 20 days ago) and one due later, by staff, and
// the supervisor hands it over from its row.
// Screenshots: tests/output/counter-cases.png, board-cases.png.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { api, hallForTests, openPage, output, pair, PIN, supervisorLogin, until } from './harness.mjs'

const h = hallForTests()

const DAY = 24 * 3600 * 1000

test('a clerk opens a case with the keyboard alone, sees it due, and closes it', async () => {
  // A colleague to hand a case to.
  await api(h.server.base, 'PUT', '/api/v1/settings/staff/1101', h.sup, { name: '赵敏', role: 'agent', active: true, team: null })
  const counter = await openPage(h.browser, h.server.base, '/counter', await pair(h.server.base, h.sup, 'counter', 1), { width: 1366, height: 768 })
  await counter.fill('[data-test=login-staff]', '0001')
  await counter.fill('[data-test=login-pin]', PIN)
  await counter.click('[data-test=login-submit]')
  await counter.waitForSelector('[data-test=case-open]:not([disabled])')

  // F6, ↓ (the second type: low-voltage non-residential), Tab, the
  // reference, Enter: 14 key presses, no mouse.
  const started = Date.now()
  await counter.keyboard.press('F6')
  await counter.waitForSelector('[data-test=case-type]:focus')
  await counter.keyboard.press('ArrowDown')
  await counter.keyboard.press('Tab')
  assert.ok(await counter.$('[data-test=case-ref]:focus'), 'Tab goes from the type to the reference')
  await counter.keyboard.type('3301234567')
  await counter.keyboard.press('Enter')
  await counter.waitForSelector('[data-test=case-opened]')
  const took = Date.now() - started
  console.log(`case opened with the keyboard in ${took} ms`)

  const [c] = await api(h.server.base, 'GET', '/api/v1/cases', h.sup)
  assert.equal(c.case_type, 'LV_CONN')
  assert.equal(c.customer_ref, '3301234567')
  assert.equal(c.staff, '0001')
  assert.ok(Math.abs(c.accepted_at - c.received_at) < 1000, 'received now: no gap')
  assert.match(await counter.textContent('[data-test=case-opened]'), new RegExp(`${c.number}.*${c.due_day.slice(5)}`))
  const row = counter.locator('[data-test=case-row]')
  await until(async () => (await row.count()) === 1, 5000, 'the case in 我的工单')
  assert.match(await row.textContent(), new RegExp(`${c.number}.*低压非居民用户接电`))
  assert.match(await row.locator('[data-test=case-due]').textContent(), new RegExp(`${c.due_day.slice(5)} 到期`))
  assert.match(await row.textContent(), /答复供电方案/, 'the next stage is named')
  // The customer's receipt: printed by the button (the browser's print
  // here), the page's print media show the slip alone, with the number, the
  // promised day, the reference masked; on loopback there is no address a
  // phone reaches, so no QR and the slip says to ask with the number.
  await counter.evaluate(() => { window.__prints = 0; window.print = () => { window.__prints += 1 } })
  await counter.click('[data-test=case-receipt-print]')
  await until(async () => (await counter.evaluate(() => window.__prints)) === 1, 5000, 'the receipt printed once')
  assert.equal(await counter.isVisible('[data-test=case-receipt]'), false, 'not shown on screen')
  await counter.emulateMedia({ media: 'print' })
  assert.ok(await counter.isVisible('[data-test=case-receipt]'), 'the slip is what prints')
  assert.equal(await counter.isVisible('[data-test=cases]'), false, 'and nothing else')
  assert.equal(await counter.textContent('[data-test=receipt-number]'), c.number)
  assert.match(await counter.textContent('[data-test=receipt-due]'), new RegExp(c.due_day))
  assert.equal(await counter.textContent('[data-test=receipt-ref]'), '******4567')
  // The time the documents were taken, on the hall's clock (UTC+8), not the PC's.
  const received = new Date(c.received_at + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ')
  assert.match(await counter.textContent('[data-test=case-receipt]'), new RegExp(`收件时间Received${received}`))
  assert.match(await counter.textContent('[data-test=case-receipt]'), /低压非居民用户接电[\s\S]*答复供电方案[\s\S]*凭工单号到营业厅查询进度/)
  assert.equal(await counter.locator('[data-test=receipt-qr]').count(), 0)
  await counter.screenshot({ path: join(output, 'case-receipt.png') })
  await counter.emulateMedia({ media: 'screen' })

  // Every panel still on the 1366×768 screen.
  assert.ok(await counter.evaluate(() => document.documentElement.scrollHeight <= innerHeight), 'the page itself scrolls')
  await counter.screenshot({ path: join(output, 'counter-cases.png') })

  // Closed with an outcome: gone from the list, closed on time.
  await row.locator('[data-test=case-close]').click()
  await counter.selectOption('[data-test=case-outcome]', 'withdrawn')
  await counter.click('[data-test=case-close-confirm]')
  await until(async () => (await row.count()) === 0, 5000, 'the closed case leaves 我的工单')
  const closed = (await api(h.server.base, 'GET', '/api/v1/cases?open=false', h.sup)).find((x) => x.id === c.id)
  assert.equal(closed.outcome, 'withdrawn')
  assert.equal(closed.due_status, 'closed_on_time')
  // A case given to this staff member elsewhere (the supervisor's own, here)
  // appears at the counter by the stream, with no reload of the page.
  const other = await api(h.server.base, 'POST', '/api/v1/cases', h.sup, { case_type: 'METER_TEST' })
  await until(async () => (await row.count()) === 1, 5000, 'a case opened elsewhere shows at the counter')
  assert.match(await row.textContent(), new RegExp(other.number))
  // Handed over to a colleague from the list (not to oneself): it leaves
  // 我的工单 and is the colleague's.
  await row.locator('[data-test=case-transfer]').click()
  const options = await counter.locator('[data-test=case-transfer-to] option').evaluateAll((os) => os.map((o) => o.value))
  assert.deepEqual(options, ['1101'], 'every active colleague but oneself')
  await counter.selectOption('[data-test=case-transfer-to]', '1101')
  await counter.click('[data-test=case-transfer-confirm]')
  await until(async () => (await row.count()) === 0, 5000, 'the handed-over case leaves 我的工单')
  const handed = await api(h.server.base, 'GET', `/api/v1/cases/${other.id}`, h.sup)
  assert.equal(handed.case.staff, '1101')
  assert.equal(handed.steps.at(-1).kind, 'case_transferred')
  // Given back by the supervisor, it shows again; closed elsewhere, it leaves.
  await api(h.server.base, 'POST', `/api/v1/cases/${other.id}/transfer`, h.sup, { to: '0001' })
  await until(async () => (await row.count()) === 1, 5000, 'a case handed back shows again')
  await api(h.server.base, 'POST', `/api/v1/cases/${other.id}/close`, h.sup, { outcome: 'resolved' })
  await until(async () => (await row.count()) === 0, 5000, 'and leaves it when closed elsewhere')

  // Seven open cases: the five soonest due are listed, the rest counted and
  // shown on demand.
  const seven = []
  for (let i = 0; i < 7; i++) seven.push(await api(h.server.base, 'POST', '/api/v1/cases', h.sup, { case_type: i < 2 ? 'COMPLAINT' : 'HV_DUAL' }))
  await until(async () => (await row.count()) === 5, 5000, 'five of seven listed')
  assert.match(await counter.textContent('.case-more'), /另有 2 个/)
  assert.match(await row.first().textContent(), new RegExp(seven[0].number), 'the complaints (7 days) before the dual supplies (32)')
  await counter.click('[data-test=case-all]')
  await until(async () => (await row.count()) === 7, 5000, 'all seven on demand')
  // The calendar changes: the complaints' due day becomes a holiday. Their
  // promise stands; the day today's calendar would give shows beside it
  // (after the next case event reloads the list).
  assert.equal(new Date(`${seven[0].due_day}T12:00:00Z`).getUTCDay() % 6 !== 0, true, 'due on a weekday')
  await api(h.server.base, 'POST', '/api/v1/calendar', h.sup, { text: `${seven[0].due_day} 休` })
  await api(h.server.base, 'POST', `/api/v1/cases/${seven[6].id}/close`, h.sup, { outcome: 'withdrawn' })
  await until(async () => (await row.count()) === 6, 5000, 'the list reloaded')
  const first = row.first()
  assert.match(await first.locator('[data-test=case-due]').textContent(), new RegExp(`${seven[0].due_day.slice(5)} 到期`))
  const now = (await api(h.server.base, 'GET', `/api/v1/cases/${seven[0].id}`, h.sup)).case.due_day_now
  assert.ok(now > seven[0].due_day, `moved on by the holiday: ${now}`)
  assert.equal(await first.locator('[data-test=case-due-now]').textContent(), `按现行日历应为 ${now.slice(5)}`)
  assert.equal(await counter.locator('[data-test=case-due-now]').count(), 6, 'the dual supplies span the holiday too')
  for (const c of seven.slice(0, 6)) await api(h.server.base, 'POST', `/api/v1/cases/${c.id}/close`, h.sup, { outcome: 'withdrawn' })
  await until(async () => (await row.count()) === 0, 5000, 'closed elsewhere, they leave')
  await counter.context().close()
})

test('the board lists overdue cases first, with their staff and how late', async () => {
  const late = await api(h.server.base, 'POST', '/api/v1/cases', h.sup, { case_type: 'RES_CONN', received_at: Date.now() - 20 * DAY, customer_ref: '9900001111' })
  const soon = await api(h.server.base, 'POST', '/api/v1/cases', h.sup, { case_type: 'HV_SINGLE' })
  assert.equal(late.due_status, 'overdue')
  assert.equal(soon.due_status, 'later')

  const board = await openPage(h.browser, h.server.base, '/board', null, { width: 1920, height: 1080 })
  await supervisorLogin(board)
  await board.waitForSelector('[data-test=due-cases]')
  const overdue = await board.locator('[data-test=due-overdue] [data-test=due-row]').allTextContents()
  assert.equal(overdue.length, 1)
  assert.match(overdue[0], new RegExp(`${late.number}.*居民用户接电.*值班长 \\(0001\\).*逾期 ${-late.working_days_left} 个工作日`))
  const byStaff = await board.locator('[data-test=due-by-staff] tr').allTextContents()
  assert.match(byStaff[1], /值班长 \(0001\)\s*2\s*1\s*0\s*0/)
  await board.locator('[data-test=due-cases]').scrollIntoViewIfNeeded()
  await board.screenshot({ path: join(output, 'board-cases.png'), fullPage: true })

  // In English the type is named in English.
  await board.click('[data-test=lang]')
  await until(async () => /Overdue/.test(await board.textContent('[data-test=due-cases]')), 5000, 'the English panel')
  assert.match(await board.textContent('[data-test=due-overdue]'), /residential connection.*working days overdue/)

  // The supervisor hands the overdue case to 赵敏 (1101): its number opens
  // the list; the row then names her, the log has the hand-over.
  await board.click('[data-test=due-overdue] [data-test=due-pick]')
  const pickFor = board.locator('[data-test=due-overdue] [data-test=due-reassign]')
  const choices = await pickFor.locator('option').evaluateAll((os) => os.map((o) => o.value))
  assert.deepEqual(choices, ['', '1101'], 'every active staff member but the one who has it')
  await board.locator('[data-test=due-cases]').screenshot({ path: join(output, 'board-case-handover.png') })
  await pickFor.selectOption('1101')
  const overdueRow = board.locator('[data-test=due-overdue] [data-test=due-row]')
  await until(async () => /赵敏 \(1101\)/.test(await overdueRow.textContent()), 5000, 'the row names the new staff member')
  assert.equal(await pickFor.count(), 0, 'the list closes')
  const moved = await api(h.server.base, 'GET', `/api/v1/cases/${late.id}`, h.sup)
  assert.equal(moved.case.staff, '1101')
  assert.equal(moved.steps.at(-1).kind, 'case_transferred')
  await board.context().close()
})

test("the customer's case page: by full id, the reference masked, the promised day; no such case says so", async () => {
  const c = await api(h.server.base, 'POST', '/api/v1/cases', h.sup, { case_type: 'LV_CONN', customer_ref: '3300009876' })
  const p = await openPage(h.browser, h.server.base, `/c/${c.id}`, null, { width: 390, height: 844 })
  await p.waitForSelector('[data-test=case-number]')
  assert.equal((await p.textContent('[data-test=case-number]')).trim(), c.number)
  assert.match(await p.textContent('[data-test=case-type]'), /低压非居民用户接电/)
  assert.match(await p.textContent('[data-test=case-due]'), new RegExp(`承诺 ${c.due_day} 前办结`))
  assert.match(await p.textContent('[data-test=case-stages]'), /答复供电方案/)
  const body = await p.textContent('body')
  assert.ok(body.includes('******9876') && !body.includes('3300009876'), 'the reference is masked')
  assert.ok(!body.includes('0001'), 'no staff number')
  await p.screenshot({ path: join(output, 'case-live.png') })
  await p.context().close()
  const none = await openPage(h.browser, h.server.base, `/c/${c.number}`, null, { width: 390, height: 844 })
  await none.waitForSelector('[data-test=case-unknown]')
  assert.match(await none.textContent('[data-test=case-unknown]'), /找不到此工单.*No such case/s)
  await none.context().close()
})
