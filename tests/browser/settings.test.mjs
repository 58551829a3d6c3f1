// The 设置 page in real Chromium: a pairing code for a counter and then for
// the display (the display's code carries no counter number, so it is not
// refused); each form's 已保存 or refusal beside its own button; a new staff
// member gets a PIN in the same form and can log in with it; the board is
// not among the pairing roles; the language button covers no button.
// Screenshots: tests/output/settings-*.png.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { api, hallForTests, openPage, output, supervisorLogin, until } from './harness.mjs'

const h = hallForTests()

async function openSettings(size = { width: 1280, height: 800 }) {
  const p = await openPage(h.browser, h.server.base, '/settings', null, size)
  await supervisorLogin(p)
  await p.waitForSelector('[data-test=pair-new]')
  return p
}

/** Whether the note is by the button (its line or the next) and visible in the viewport. */
async function beside(p, button, note) {
  const [b, n] = await Promise.all([p.locator(button).boundingBox(), p.locator(note).boundingBox()])
  const vh = p.viewportSize().height
  return Math.abs(b.y + b.height / 2 - (n.y + n.height / 2)) < 2.5 * b.height && n.y >= 0 && n.y + n.height <= vh
}

test('a display pairing code after a counter one is made (no counter number sent); the board is not a pairing role', async () => {
  const p = await openSettings()
  const roles = await p.$$eval('[data-test=pair-role] option', (o) => o.map((x) => x.value))
  assert.deepEqual(roles, ['kiosk', 'counter', 'display', 'rating_pad'])
  await p.selectOption('[data-test=pair-role]', 'counter')
  await p.fill('[data-test=pair-counter]', '1')
  await p.click('[data-test=pair-new]')
  await p.waitForFunction(() => document.querySelector('[data-test=pair-code]')?.textContent?.includes('窗口'))
  await p.selectOption('[data-test=pair-role]', 'display')
  assert.equal(await p.locator('[data-test=pair-counter]').count(), 0, 'no counter field for the display')
  await p.click('[data-test=pair-new]')
  await p.waitForFunction(() => document.querySelector('[data-test=pair-code]')?.textContent?.includes('叫号屏'))
  assert.equal((await p.textContent('[data-test=note-pair]')).trim(), '')
  const code = (await p.textContent('[data-test=pair-code]')).match(/\d{4,}/)[0]
  const paired = await api(h.server.base, 'POST', '/api/v1/pair', null, { code })
  assert.ok(paired.token, 'the display code pairs')
  await p.context().close()
})

test('each form answers beside its own button: 已保存 and the server refusal', async () => {
  const p = await openSettings()
  const row = p.locator('[data-test^=service-]').first()
  await row.locator('[data-test=service-save]').click()
  await row.locator('[data-test=service-note]').filter({ hasText: '已保存' }).waitFor()
  assert.ok(await beside(p, '[data-test^=service-] >> nth=0 >> [data-test=service-save]', '[data-test^=service-] >> nth=0 >> [data-test=service-note]'))
  assert.equal(await row.locator('[data-test=service-note]').getAttribute('aria-live'), 'polite')

  // A refusal: an hour that does not exist.
  await p.fill('label:has-text("换日时刻") input', '99')
  await p.click('[data-test=hall-save]')
  await p.locator('[data-test=note-hall].red').waitFor()
  assert.notEqual((await p.textContent('[data-test=note-hall]')).trim(), '')
  assert.ok(await beside(p, '[data-test=hall-save]', '[data-test=note-hall]'), 'the refusal is beside 保存, in view')
  assert.equal(await p.locator('.error-bar').count(), 0, 'nothing only at the top')
  await p.screenshot({ path: join(output, 'settings-refusal.png') })
  await p.context().close()
})

test('adding a staff member asks for their PIN, and they can log in with it', async () => {
  const p = await openSettings()
  await p.fill('[data-test=new-staff-number]', '1201')
  await p.fill('[data-test=new-staff-name]', '李娜')
  // A supervisor, so the PIN can be tried on the supervisor session.
  await p.selectOption('[data-test=new-staff-role]', 'supervisor')
  assert.equal(await p.isDisabled('[data-test=new-staff-add]'), true, 'no PIN, no adding')
  await p.fill('[data-test=new-staff-pin]', '135790')
  await p.click('[data-test=new-staff-add]')
  await p.locator('[data-test=note-add].ok').waitFor()
  await p.screenshot({ path: join(output, 'settings-staff-added.png') })
  assert.ok(await beside(p, '[data-test=new-staff-add]', '[data-test=note-add]'))
  assert.equal(await p.locator('[data-test=staff-1201] [data-test=no-pin]').count(), 0)
  const session = await api(h.server.base, 'POST', '/api/v1/session', null, { staff: '1201', pin: '135790' })
  assert.ok(session.token, 'the new staff member logs in with the PIN given')
  const listed = (await api(h.server.base, 'GET', '/api/v1/settings', h.sup)).staff.find((x) => x.number === '1201')
  assert.deepEqual([listed.name, listed.has_pin], ['李娜', true])
  await p.screenshot({ path: join(output, 'settings-staff.png'), fullPage: true })
  await p.context().close()
})

test('the language button covers no button, in either language and at 1280 and 1920', async () => {
  for (const size of [{ width: 1280, height: 800 }, { width: 1920, height: 1080 }]) {
    const p = await openSettings(size)
    for (const lang of ['zh', 'en']) {
      if (lang === 'en') await p.click('[data-test=lang]')
      await p.waitForFunction((l) => document.documentElement.lang.startsWith(l), lang)
      const overlaps = await p.evaluate(() => {
        const lang = document.querySelector('[data-test=lang]').getBoundingClientRect()
        return [...document.querySelectorAll('button:not([data-test=lang])')]
          .map((b) => [b.textContent.trim(), b.getBoundingClientRect()])
          .filter(([, r]) => r.left < lang.right && lang.left < r.right && r.top < lang.bottom && lang.top < r.bottom)
          .map(([t]) => t)
      })
      assert.deepEqual(overlaps, [], `${lang} at ${size.width}`)
      for (const y of [0, 1e6]) {
        await p.evaluate((y) => window.scrollTo(0, y), y)
        const covered = await p.evaluate(() =>
          [...document.querySelectorAll('button')].filter((b) => {
            const r = b.getBoundingClientRect()
            if (r.bottom < 0 || r.top > innerHeight || !r.width) return false
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)
            return hit && !b.contains(hit)
          }).map((b) => b.textContent.trim()),
        )
        assert.deepEqual(covered, [], `buttons covered in ${lang} at ${size.width}, scrolled to ${y}`)
      }
    }
    await p.screenshot({ path: join(output, `settings-${size.width}.png`) })
    await p.context().close()
  }
})

test("a counter's English name is set beside its Chinese one and read by English pages", async () => {
  const p = await openSettings()
  const row = p.locator('[data-test=counter-2]')
  await p.fill('[data-test=counter-2-name-en]', 'Counter 2 Business')
  await row.locator('[data-test=counter-save]').click()
  await row.locator('[data-test=counter-note]').filter({ hasText: '已保存' }).waitFor()
  const c2 = (await api(h.server.base, 'GET', '/api/v1/settings', h.sup)).counters.find((c) => c.number === 2)
  assert.equal(c2.name_en, 'Counter 2 Business')
  assert.ok(/[\u4e00-\u9fff]/.test(c2.name), 'the Chinese name is kept')
  const now = (await api(h.server.base, 'GET', '/api/v1/counters', h.sup)).find((c) => c.number === 2)
  assert.equal(now.name_en, 'Counter 2 Business')
  // Emptied: English pages say "Counter 2".
  await p.fill('[data-test=counter-2-name-en]', '')
  assert.equal(await p.getAttribute('[data-test=counter-2-name-en]', 'placeholder'), 'Counter 2')
  await row.locator('[data-test=counter-save]').click()
  await until(async () => (await api(h.server.base, 'GET', '/api/v1/counters', h.sup)).find((c) => c.number === 2).name_en === 'Counter 2', 5000, 'the default English name')
  await p.context().close()
})

test('the working-day calendar: days added, a weekend "holiday" refused, a file imported whole; the catalogue edited row by row', async () => {
  const p = await openSettings({ width: 1280, height: 900 })
  await p.waitForSelector('[data-test=calendar]')
  // 2026-12-04 is a Friday: a holiday; 2026-12-05 a Saturday: not a holiday, but a make-up day.
  await p.fill('[data-test=calendar-day]', '2026-12-05')
  await p.click('[data-test=calendar-add]')
  assert.match(await p.textContent('[data-test=calendar-error]'), /2026-12-05 是周末/)
  await p.selectOption('[data-test=calendar-kind]', 'workday')
  await p.fill('[data-test=calendar-day]', '2026-12-05')
  await p.click('[data-test=calendar-add]')
  await p.selectOption('[data-test=calendar-kind]', 'holiday')
  await p.fill('[data-test=calendar-day]', '2026-12-04')
  await p.click('[data-test=calendar-add]')
  await p.click('[data-test=hall-save]')
  await until(async () => {
    const hall = (await api(h.server.base, 'GET', '/api/v1/settings', h.sup)).hall
    return hall.holidays.includes('2026-12-04') && hall.workdays.includes('2026-12-05')
  }, 5000, 'the days saved with the hall')

  // A file: a bad line refuses it all, naming the line; a good one is taken whole.
  const file = (text) => ({ name: 'calendar.txt', mimeType: 'text/plain', buffer: Buffer.from(text) })
  await p.setInputFiles('[data-test=calendar-file]', file('2027-01-01 休\n2027-01-02 休\n'))
  await p.waitForSelector('[data-test=calendar-error]')
  assert.match(await p.textContent('[data-test=calendar-error]'), /2027-01-02 是周末/)
  assert.ok(!(await api(h.server.base, 'GET', '/api/v1/settings', h.sup)).hall.holidays.includes('2027-01-01'), 'nothing of a bad file')
  await p.setInputFiles('[data-test=calendar-file]', file('# 元旦\n2027-01-01 休\n2026-12-27 班\n'))
  await p.waitForSelector('[data-test=calendar-note]')
  const hall = (await api(h.server.base, 'GET', '/api/v1/settings', h.sup)).hall
  assert.deepEqual([hall.holidays, hall.workdays], [['2026-12-04', '2027-01-01'], ['2026-12-05', '2026-12-27']])
  assert.ok(await p.isVisible('[data-test=calendar] [data-holiday="2027-01-01"]'), 'the imported day is shown')
  await p.locator('[data-test=calendar]').screenshot({ path: join(output, 'settings-calendar.png') })

  // The catalogue: residential connections in 3 working days from now on; 0 hours refused.
  const row = p.locator('[data-test=catalogue] tr[data-type=RES_CONN]')
  await row.locator('[data-test=limit]').fill('3')
  await row.locator('[data-test=save-type]').click()
  await until(async () => /已保存/.test(await row.locator('[data-test=type-note]').textContent()), 5000, 'saved')
  const types = await api(h.server.base, 'GET', '/api/v1/case-types', h.sup)
  assert.deepEqual(types.find((x) => x.code === 'RES_CONN').limit, { working_days: 3 })
  const meter = p.locator('[data-test=catalogue] tr[data-type=METER_TEST]')
  await meter.locator('[data-test=unit]').selectOption('hours')
  await meter.locator('[data-test=limit]').fill('0')
  await meter.locator('[data-test=save-type]').click()
  await until(async () => /1–744 小时/.test(await meter.locator('[data-test=type-note]').textContent()), 5000, 'refused in words')
  await p.locator('[data-test=catalogue]').screenshot({ path: join(output, 'settings-catalogue.png') })
  await p.context().close()
})
