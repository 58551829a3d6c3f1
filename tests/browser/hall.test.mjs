// One hall day in real Chromium against the real server: a kiosk issues, a
// counter logs in and calls, the display shows the call and asks for its
// voice, the counter finishes, the rating pad rates 不满意 with a reason, the
// board shows the KPIs (and the follow-up, where the server has them).
// Then keyboard shortcuts, the double click, the offline banner, the
// latency figure, and a screenshot of every page.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { writeFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { api, launch, newHall, output, pair, pct, serve, stop, supervisor, tooSmall, PIN } from './harness.mjs'

let hall, server, browser, sup, tokens, counterServices
const figures = {}

before(async () => {
  hall = newHall()
  server = await serve(hall.db)
  sup = await supervisor(server.base)
  tokens = {
    kiosk: await pair(server.base, sup, 'kiosk'),
    counter: await pair(server.base, sup, 'counter', 1),
    display: await pair(server.base, sup, 'display'),
    rate: await pair(server.base, sup, 'rating_pad', 1),
  }
  counterServices = (await api(server.base, 'GET', '/api/v1/counters/1', sup)).services
  const h = (await api(server.base, 'GET', '/api/v1/hall', sup)).hall
  await api(server.base, 'PUT', '/api/v1/settings/hall', sup, {
    code: h.code, name: h.name, time_zone: h.time_zone, rollover_hour: h.rollover_hour, max_recalls: h.max_recalls,
    opening: null,
    notices: ['本周六 9:00–12:00 城南线路检修停电', '交费可使用网上国网 App'],
  })
  browser = await launch()
})

after(async () => {
  await browser?.close()
  if (server) await stop(server)
  writeFileSync(join(output, 'figures.json'), JSON.stringify(figures, null, 2))
})

async function page(path, token, size) {
  const ctx = await browser.newContext({ viewport: size })
  const p = await ctx.newPage()
  p.on('pageerror', (e) => console.error(`[${path}] ${e}`))
  await p.goto(`${server.base}${path}${token ? `?token=${token}` : ''}`)
  return p
}

const tickets = () => api(server.base, 'GET', '/api/v1/tickets', sup)

test('a hall day across every screen', async () => {
  const t0 = Date.now()
  const kiosk = await page('/kiosk', tokens.kiosk, { width: 1080, height: 1920 })
  await kiosk.waitForSelector('[data-test^=service-]:not([disabled])')
  const paint = await kiosk.evaluate(() => Object.fromEntries(performance.getEntriesByType('paint').map((e) => [e.name, Math.round(e.startTime)])))
  figures.kiosk_first_paint_ms = paint['first-paint'] ?? null
  figures.kiosk_first_contentful_paint_ms = paint['first-contentful-paint'] ?? null
  figures.kiosk_ready_ms = Date.now() - t0
  await kiosk.screenshot({ path: join(output, 'kiosk.png') })
  assert.deepEqual(await tooSmall(kiosk), [], 'elderly users: text ≥ 32 px, buttons ≥ 80 px')

  // The counter logs in (staff 0001) and opens.
  const counter = await page('/counter', tokens.counter, { width: 1366, height: 768 })
  await counter.fill('[data-test=login-staff]', '0001')
  await counter.fill('[data-test=login-pin]', PIN)
  await counter.click('[data-test=login-submit]')
  await counter.waitForSelector('[data-test=call-next]')

  const display = await page('/display', tokens.display, { width: 1920, height: 1080 })
  await display.waitForSelector('[data-test=current-call]')
  const rate = await page('/rate', tokens.rate, { width: 1280, height: 800 })
  await rate.waitForSelector('[data-test=idle]')

  // The kiosk issues a ticket for the counter's first service.
  await kiosk.reload()
  await kiosk.click(`[data-test=service-${counterServices[0]}]`)
  const number = (await kiosk.textContent('[data-test=ticket-number]')).trim()
  assert.match(number, /^[A-Z]\d{3}$/)
  await kiosk.screenshot({ path: join(output, 'kiosk-ticket.png') })

  // The counter calls; the display shows it and asks the server for its voice
  // (headless Chromium has no Chinese speech voice).
  const voiceRequest = display.waitForRequest((r) => r.url().includes('/api/v1/voice/calls/'), { timeout: 10000 })
  await counter.click('[data-test=call-next]')
  await counter.waitForFunction((n) => document.querySelector('[data-test=current-number]')?.textContent?.trim() === n, number)
  await display.waitForFunction((n) => document.querySelector('[data-test=current-call-number]')?.textContent?.trim() === n, number)
  await voiceRequest
  await display.screenshot({ path: join(output, 'display.png') })

  // Start, finish with an outcome.
  await counter.click('[data-test=start]')
  await counter.waitForSelector('[data-test=finish]:not([disabled])')
  await counter.screenshot({ path: join(output, 'counter.png') })
  await counter.click('[data-test=finish]')
  await counter.selectOption('[data-test=outcome]', 'completed')
  await counter.click('[data-test=finish-confirm]')
  await counter.waitForFunction(() => !document.querySelector('[data-test=current-number]'))

  // The rating pad offers the ticket; 不满意 asks a reason.
  await rate.waitForSelector('[data-test=level-2]')
  await rate.screenshot({ path: join(output, 'rate.png') })
  assert.deepEqual(await tooSmall(rate), [], 'elderly users: text ≥ 32 px, buttons ≥ 80 px')
  await rate.click('[data-test=level-2]')
  await rate.waitForSelector('[data-test=reason-attitude]')
  await rate.screenshot({ path: join(output, 'rate-reason.png') })
  await rate.click('[data-test=reason-attitude]')
  await rate.waitForSelector('[data-test=thanks]')
  const rated = (await tickets()).find((t) => t.number === number)
  assert.equal(rated.rating, 2)
  assert.equal(rated.rating_reason, 'attitude')

  // The board: today's KPIs (and the follow-up where the server lists them).
  const board = await page('/board', null, { width: 1920, height: 1080 })
  await board.fill('[data-test=login-staff]', '0001')
  await board.fill('[data-test=login-pin]', PIN)
  await board.click('[data-test=login-submit]')
  await board.waitForFunction(() => document.querySelector('[data-test=kpi-served]')?.textContent?.trim() === '1')
  assert.equal((await board.textContent('[data-test=kpi-issued]')).trim(), '1')
  const followUps = await fetch(`${server.base}/api/v1/follow-ups`, { headers: { Authorization: `Bearer ${sup}` } })
  if (followUps.ok) {
    await board.waitForFunction((n) => document.querySelector('[data-test=follow-ups]')?.textContent?.includes(n), number)
  } else {
    console.log('# the server has no /api/v1/follow-ups yet: the board follow-up check is skipped')
  }
  await board.screenshot({ path: join(output, 'board.png') })

  // A new terminal pairs on its first-run screen with the supervisor's code.
  const code = await api(server.base, 'POST', '/api/v1/pairing-codes', sup, { role: 'display', name: 'lobby 2' })
  const display2 = await page('/display', null, { width: 1920, height: 1080 })
  await display2.waitForSelector('[data-test=pair-code]')
  await display2.fill('[data-test=pair-code]', code.code)
  await display2.screenshot({ path: join(output, 'pairing.png') })
  await display2.click('[data-test=pair-submit]')
  await display2.waitForFunction((n) => document.querySelector('[data-test=current-call-number]')?.textContent?.trim() === n, number)
  assert.ok(await display2.evaluate(() => !!localStorage.getItem('hallq.token.display')))
  await display2.context().close()

  const settings = await page('/settings', null, { width: 1366, height: 900 })
  await settings.fill('[data-test=login-staff]', '0001')
  await settings.fill('[data-test=login-pin]', PIN)
  await settings.click('[data-test=login-submit]')
  await settings.waitForSelector('[data-test=pair-new]')
  await settings.screenshot({ path: join(output, 'settings.png'), fullPage: true })

  // The voice WAV of the call: valid, 1–6 s.
  const wav = await fetch(`${server.base}/api/v1/voice/calls/${rated.id}`, { headers: { Authorization: `Bearer ${tokens.display}` } })
  assert.equal(wav.status, 200)
  assert.equal(wav.headers.get('content-type'), 'audio/wav')
  const file = join(output, 'call.wav')
  writeFileSync(file, Buffer.from(await wav.arrayBuffer()))
  const seconds = Number(execFileSync('soxi', ['-D', file]).toString())
  figures.voice_wav_seconds = seconds
  assert.ok(seconds >= 1 && seconds <= 6, `${seconds} s`)
  assert.ok(statSync(file).size > 1000)

  // Keyboard shortcuts at the counter: F1 call, F2 recall, F4 start, F5 finish (outcome, Enter).
  await api(server.base, 'POST', '/api/v1/tickets', sup, { service: counterServices[0] })
  await counter.bringToFront()
  await counter.keyboard.press('F1')
  await counter.waitForFunction(() => document.querySelector('[data-test=recall]:not([disabled])'))
  const recalls = async () => (await api(server.base, 'GET', '/api/v1/counters/1', sup)).current
  await counter.keyboard.press('F2')
  await waitFor(async () => (await recalls())?.recalls === 1)
  await counter.keyboard.press('F4')
  await waitFor(async () => (await recalls())?.state === 'serving')
  await counter.waitForSelector('[data-test=finish]:not([disabled])')
  await counter.keyboard.press('F5')
  await counter.waitForSelector('[data-test=finish-confirm]')
  await counter.keyboard.press('Enter')
  await waitFor(async () => !(await recalls()))

  // A double click on a kiosk button issues one ticket.
  await backToServices(kiosk)
  const before = (await tickets()).length
  await kiosk.dblclick(`[data-test=service-${counterServices[0]}]`)
  await kiosk.waitForSelector('[data-test=ticket-number]')
  await new Promise((r) => setTimeout(r, 500))
  assert.equal((await tickets()).length, before + 1)

  // A disabled service says so instead of issuing; English is one tap away.
  const other = (await api(server.base, 'GET', '/api/v1/settings', sup)).services.find((x) => !counterServices.includes(x.code))
  await api(server.base, 'PUT', `/api/v1/settings/services/${other.code}`, sup, { ...other, code: undefined, enabled: false })
  await backToServices(kiosk)
  await kiosk.waitForFunction((c) => document.querySelector(`[data-test=service-${c}]`)?.disabled, other.code)
  assert.match(await kiosk.textContent(`[data-test=service-${other.code}]`), /暂停办理/)
  await kiosk.click('[data-test=lang]')
  await kiosk.waitForFunction(() => document.querySelector('.kiosk-title')?.textContent === 'Choose a service')
  await kiosk.screenshot({ path: join(output, 'kiosk-en.png') })
  await kiosk.click('[data-test=lang]')

  // Latency: the counter's click until the display shows the number, 100 calls.
  await api(server.base, 'POST', '/api/v1/counters/1/call-next', sup).catch(() => {})
  await api(server.base, 'POST', '/api/v1/counters/1/no-show', sup).catch(() => {})
  const lat = []
  for (let i = 0; i < 100; i++) {
    const a = await api(server.base, 'POST', '/api/v1/tickets', sup, { service: counterServices[0] })
    await counter.waitForSelector('[data-test=call-next]:not([disabled])')
    const t = Date.now()
    await counter.click('[data-test=call-next]')
    await display.waitForFunction(
      (n) => document.querySelector('[data-test=current-call-number]')?.textContent?.trim() === n,
      a.ticket.number,
      { polling: 5 },
    )
    lat.push(Date.now() - t)
    await api(server.base, 'POST', '/api/v1/counters/1/no-show', sup).catch(async () => {
      await api(server.base, 'POST', '/api/v1/counters/1/start', sup)
      await api(server.base, 'POST', '/api/v1/counters/1/finish', sup)
    })
  }
  lat.sort((x, y) => x - y)
  figures.call_to_display_ms = { n: lat.length, p50: pct(lat, 50), p99: pct(lat, 99), max: lat.at(-1) }
  console.log('# figures', JSON.stringify(figures))

  // The offline banner: shown while the server is down, gone when it is back.
  await stop(server)
  await display.waitForSelector('[data-test=offline]', { timeout: 10000 })
  await display.screenshot({ path: join(output, 'display-offline.png') })
  server = await serve(hall.db, server.port)
  await display.waitForSelector('[data-test=offline]', { state: 'detached', timeout: 15000 })
})

// The kiosk's ticket screen returns to the services by itself after a few
// seconds (a slow run may already be back): tap "back" if it is still there.
async function backToServices(kiosk) {
  await kiosk.locator('[data-test=back]').click({ timeout: 2000 }).catch(() => {})
  await kiosk.waitForSelector('[data-test^=service-]')
}

async function waitFor(f, ms = 5000) {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await f()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  assert.fail('condition not met in time')
}

