// The screens' timers and the behaviours around them, in real Chromium
// against the real server, with Playwright's fake clock instead of waiting:
// the counter's timer turns amber at 80 % of the service's target handling
// and red past it; the rating pad goes back unrated after 30 s and returns
// 4 s after its thanks; the kiosk returns to the service choice 10 s after
// its ticket; a recall makes the display announce again; F3 marks a no-show.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { api, launch, newHall, openPage, output, pair, serve, stop, supervisor, until, PIN } from './harness.mjs'

let hall, server, browser, sup, tokens

// Counter 1 serves PAY (target handling 4 min in a new hall) and ASK.
const SERVICE = 'PAY'
const KIOSK_SERVICE = 'NEW'

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
  // Staff 0001 at counter 1, open, as after the counter's login screen.
  await counterCmd('login', { staff: '0001', pin: PIN })
  await counterCmd('open')
  browser = await launch()
})

after(async () => {
  await browser?.close()
  if (server) await stop(server)
})

const counterCmd = (cmd, body) => api(server.base, 'POST', `/api/v1/counters/1/${cmd}`, tokens.counter, body)
const issue = async (service = SERVICE) => (await api(server.base, 'POST', '/api/v1/tickets', sup, { service })).ticket
const ticket = async (id) => (await api(server.base, 'GET', '/api/v1/tickets', sup)).find((t) => t.id === id)
const counterNow = async () => (await api(server.base, 'GET', '/api/v1/counters/1', sup)).current

/** Issues a ticket and serves it to the end at counter 1; the pad then offers it. */
async function serveOne() {
  const t = await issue()
  await counterCmd('call', { ticket: t.number })
  await counterCmd('start')
  await counterCmd('finish', { resolution: 'completed' })
  return t
}

test("the counter's timer turns amber at 80 % of the target handling and red past it", async () => {
  const services = await api(server.base, 'GET', '/api/v1/services', sup)
  const target = services.find((s) => s.service.code === SERVICE).service.target_handling_min
  assert.ok(target > 0)
  const counter = await openPage(browser, server.base, '/counter', tokens.counter, { width: 1366, height: 768 }, { clock: true })
  const t = await issue()
  await counter.click('[data-test=call-next]:not([disabled])')
  await counter.waitForFunction((n) => document.querySelector('[data-test=current-number]')?.textContent?.trim() === n, t.number)
  await counter.click('[data-test=start]:not([disabled])')
  await counter.waitForSelector('[data-test=finish]:not([disabled])')

  const timer = () =>
    counter.evaluate(() => {
      const el = document.querySelector('[data-test=timer]')
      const probe = (v) => {
        const p = document.createElement('span')
        p.style.color = `var(${v})`
        document.body.append(p)
        const c = getComputedStyle(p).color
        p.remove()
        return c
      }
      return {
        text: el.textContent.trim(),
        classes: [...el.classList],
        panel: [...document.querySelector('[data-test=current]').classList],
        color: getComputedStyle(el).color,
        amber: probe('--amber'),
        red: probe('--red'),
      }
    })
  const levelIs = (want) =>
    counter.waitForFunction(
      (w) => {
        const el = document.querySelector('[data-test=timer]')
        return !!el && ['ok', 'amber', 'red'].find((l) => el.classList.contains(l)) === w
      },
      want,
      { timeout: 5000 },
    )
  const min = 60_000

  // Serving just began: neither amber nor red.
  await levelIs('ok')
  let now = await timer()
  assert.match(now.text, /^00:0\d$/)
  assert.notEqual(now.color, now.amber)
  assert.notEqual(now.color, now.red)

  // 75 % of the target: still ok.
  await counter.clock.fastForward(0.75 * target * min)
  await levelIs('ok')

  // 85 %: amber, the timer in the theme's amber and the panel tinted.
  await counter.clock.fastForward(0.1 * target * min)
  await levelIs('amber')
  now = await timer()
  assert.equal(now.color, now.amber)
  assert.ok(now.panel.includes('bg-amber'), now.panel.join(' '))
  const [m] = now.text.split(':').map(Number)
  assert.equal(m, Math.floor((0.85 * target * min) / min), `timer shows ${now.text}`)
  await counter.screenshot({ path: join(output, 'counter-amber.png') })

  // Past the target: red.
  await counter.clock.fastForward(0.2 * target * min)
  await levelIs('red')
  now = await timer()
  assert.equal(now.color, now.red)
  assert.ok(now.panel.includes('bg-red'), now.panel.join(' '))
  assert.ok(!now.classes.includes('amber'))
  await counter.screenshot({ path: join(output, 'counter-red.png') })

  // Finish; the pad's pending rating is given so the pad test starts idle.
  await counterCmd('finish', { resolution: 'completed' })
  await counter.waitForFunction(() => !document.querySelector('[data-test=timer]'))
  await api(server.base, 'POST', '/api/v1/counters/1/rating', tokens.rate, { level: 5, reason: null, ticket: t.id })
  await counter.context().close()
})

test('the rating pad goes back unrated after 30 s, and returns after its thanks', async () => {
  const rate = await openPage(browser, server.base, '/rate', tokens.rate, { width: 1280, height: 800 }, { clock: true })
  await rate.waitForSelector('[data-test=idle]')
  const offers = (n) =>
    rate.waitForFunction((x) => !!document.querySelector('[data-test=level-5]') && document.querySelector('main').textContent.includes(x), n)

  // Not rated: the scale stays 30 s, then the pad is idle again.
  const a = await serveOne()
  await offers(a.number)
  // (The fake clock also runs on in real time: margins of 2 s either side.)
  await rate.clock.fastForward(28_000)
  assert.ok(await rate.isVisible('[data-test=level-5]'), 'still offered at 28 s')
  await rate.clock.fastForward(4_000)
  await rate.waitForSelector('[data-test=idle]', { timeout: 3000 })
  const unrated = await ticket(a.id)
  assert.equal(unrated.state, 'done')
  assert.equal(unrated.rating, null)
  // A live event later (a ticket for a service counter 1 does not serve) does not bring it back.
  await issue(KIOSK_SERVICE)
  await rate.clock.fastForward(1_000)
  assert.ok(await rate.isVisible('[data-test=idle]'), 'the skipped ticket stays skipped')

  // A low score waiting for its reason also gives up after 30 s, unrated.
  const b = await serveOne()
  await offers(b.number)
  await rate.click('[data-test=level-2]')
  await rate.waitForSelector('[data-test=reason-attitude]')
  await rate.clock.fastForward(32_000)
  await rate.waitForSelector('[data-test=idle]', { timeout: 3000 })
  assert.equal((await ticket(b.id)).rating, null)
  // A pad that reloads (a power blip) does not ask about it again, though the
  // server still offers the last finished ticket for 15 minutes.
  await rate.reload()
  await rate.waitForSelector('[data-test=idle]')
  await rate.clock.fastForward(1_000)
  assert.ok(await rate.isVisible('[data-test=idle]'), 'the skipped ticket stays skipped after a reload')

  // Rated: thanks, then after 4 s back to idle; the rating is stored.
  const c = await serveOne()
  await offers(c.number)
  await rate.click('[data-test=level-4]')
  await rate.waitForSelector('[data-test=thanks]')
  assert.equal((await ticket(c.id)).rating, 4)
  await rate.clock.fastForward(2_000)
  assert.ok(await rate.isVisible('[data-test=thanks]'), 'thanks still shown at 2 s')
  await rate.clock.fastForward(4_000)
  await rate.waitForSelector('[data-test=idle]', { timeout: 3000 })

  // And the next customer is offered the scale as usual.
  const d = await serveOne()
  await offers(d.number)
  await rate.context().close()
})

test('the kiosk returns to the service choice by itself 10 s after the ticket', async () => {
  // A service counter 1 does not serve, so the ticket waits out of the later tests' way.
  const kiosk = await openPage(browser, server.base, '/kiosk', tokens.kiosk, { width: 1080, height: 1920 }, { clock: true })
  await kiosk.waitForSelector(`[data-test=service-${KIOSK_SERVICE}]:not([disabled])`)
  await kiosk.click('[data-test=mode-priority]')
  await kiosk.click(`[data-test=service-${KIOSK_SERVICE}]`)
  await kiosk.waitForSelector('[data-test=ticket-number]')
  assert.match(await kiosk.textContent('[data-test=back]'), /\b(10|9)\b/)

  // The countdown ticks once a second (runFor fires every tick on the way;
  // the fake clock also runs on in real time, hence 2 or 1 left at 8 s).
  await kiosk.clock.runFor(8_000)
  assert.ok(await kiosk.isVisible('[data-test=ticket-number]'), 'the ticket is still shown at 8 s')
  assert.match(await kiosk.textContent('[data-test=back]'), /\b[12]\b/)
  await kiosk.clock.runFor(2_000)
  await kiosk.waitForSelector('[data-test=ticket]', { state: 'detached', timeout: 3000 })
  await kiosk.waitForSelector(`[data-test=service-${KIOSK_SERVICE}]:not([disabled])`)
  // The next customer starts from a normal ticket, not the last one's priority.
  assert.ok(!(await kiosk.getAttribute('[data-test=mode-priority]', 'class')).split(' ').includes('on'))
  await kiosk.context().close()
})

test('a recall at the counter makes the display announce the call again', async () => {
  // The fake clock skips the chime's 1.1 s before each WAV; the WAV itself plays in real time.
  const display = await openPage(browser, server.base, '/display', tokens.display, { width: 1920, height: 1080 }, { clock: true })
  await display.waitForSelector('[data-test=current-call]')
  const skipChime = async () => (await display.clock.fastForward(250), false)
  const voiced = []
  display.on('request', (r) => {
    if (r.url().includes('/api/v1/voice/calls/')) voiced.push(r.url().split('/').pop())
  })
  const counter = await openPage(browser, server.base, '/counter', tokens.counter, { width: 1366, height: 768 })
  const t = await issue()
  await counter.click('[data-test=call-next]:not([disabled])')
  await display.waitForFunction((n) => document.querySelector('[data-test=current-call-number]')?.textContent?.trim() === n, t.number)
  await until(() => voiced.length === 1 || skipChime(), 10000, 'the call is voiced')

  await counter.click('[data-test=recall]:not([disabled])')
  await until(async () => (await counterNow())?.recalls === 1, 5000, 'the recall is recorded')
  await until(() => voiced.length === 2 || skipChime(), 15000, 'the recall is voiced')
  assert.deepEqual(voiced, [t.id, t.id])
  // Queued, not over the first: the call had been voiced in full (chime, then
  // the server's WAV) before the recall's WAV was asked for, and the recall is
  // being voiced now.
  const queue = await display.evaluate(() => ({ log: [...window.hallqVoice.log], pending: window.hallqVoice.pending }))
  assert.deepEqual(queue, { log: [`server ${t.number}`], pending: 1 })
  assert.equal(await display.textContent('[data-test=current-call-number]'), t.number)

  await counterCmd('no-show')
  await counter.context().close()
  await display.context().close()
})

test('Space calls and F3 marks a no-show at the counter', async () => {
  const counter = await openPage(browser, server.base, '/counter', tokens.counter, { width: 1366, height: 768 })
  await counter.waitForSelector('[data-test=call-next]:not([disabled])')
  const t = await issue()
  // F3 with nobody called does nothing.
  await counter.keyboard.press('F3')
  await counter.keyboard.press(' ')
  await counter.waitForFunction((n) => document.querySelector('[data-test=current-number]')?.textContent?.trim() === n, t.number)
  assert.equal((await ticket(t.id)).state, 'called')
  await counter.waitForSelector('[data-test=no-show]:not([disabled])')
  await counter.keyboard.press('F3')
  await counter.waitForFunction(() => !document.querySelector('[data-test=current-number]'))
  assert.equal((await ticket(t.id)).state, 'no_show')
  assert.equal(await counterNow(), null)
  await counter.context().close()
})
