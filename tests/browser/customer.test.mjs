// The customer pages (kiosk, rating pad) between customers: each customer
// starts in Chinese, a switch to English lasts for that customer only and
// survives no reload.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { api, launch, newHall, openPage, pair, serve, stop, supervisor, PIN } from './harness.mjs'

let hall, server, browser, sup

before(async () => {
  hall = newHall()
  server = await serve(hall.db)
  sup = await supervisor(server.base)
  browser = await launch()
})

after(async () => {
  await browser?.close()
  if (server) await stop(server)
})

const title = (p) => p.evaluate(() => document.querySelector('.kiosk-title')?.textContent)

test('the kiosk is back in Chinese for the next customer, and after a reload', async () => {
  const token = await pair(server.base, sup, 'kiosk')
  const kiosk = await openPage(browser, server.base, '/kiosk', token, { width: 1080, height: 1920 })
  await kiosk.waitForSelector('[data-test^=service-]:not([disabled])')
  assert.equal(await title(kiosk), '请选择业务')
  await kiosk.click('[data-test=lang]')
  await kiosk.waitForFunction(() => document.querySelector('.kiosk-title')?.textContent === 'Choose a service')
  assert.equal(await kiosk.evaluate(() => document.documentElement.lang), 'en')

  // This customer's ticket is in English; the next customer's screen is in Chinese.
  await kiosk.click('[data-test=service-PAY]')
  await kiosk.waitForSelector('[data-test=ticket-number]')
  assert.match(await kiosk.textContent('[data-test=ticket]'), /Your number/)
  await kiosk.click('[data-test=back]')
  await kiosk.waitForSelector('.kiosk-title')
  assert.equal(await title(kiosk), '请选择业务')
  assert.equal(await kiosk.evaluate(() => document.documentElement.lang), 'zh-CN')

  // A switch is not stored: a reload starts in Chinese.
  await kiosk.click('[data-test=lang]')
  await kiosk.waitForFunction(() => document.querySelector('.kiosk-title')?.textContent === 'Choose a service')
  await kiosk.reload()
  await kiosk.waitForSelector('.kiosk-title')
  assert.equal(await title(kiosk), '请选择业务')

  // Another page of the same browser keeps its stored English; the kiosk still starts in Chinese.
  await kiosk.evaluate(() => localStorage.setItem('hallq.lang', 'en'))
  await kiosk.reload()
  await kiosk.waitForSelector('.kiosk-title')
  assert.equal(await title(kiosk), '请选择业务')
  await kiosk.context().close()
})

test('the kiosk left untouched in English goes back to Chinese', async () => {
  const token = await pair(server.base, sup, 'kiosk')
  const kiosk = await openPage(browser, server.base, '/kiosk', token, { width: 1080, height: 1920 }, { clock: true })
  await kiosk.waitForSelector('[data-test^=service-]:not([disabled])')
  await kiosk.click('[data-test=lang]')
  await kiosk.waitForFunction(() => document.querySelector('.kiosk-title')?.textContent === 'Choose a service')
  await kiosk.clock.runFor(30_000)
  assert.equal(await title(kiosk), 'Choose a service', 'half a minute is still the same customer')
  await kiosk.clock.runFor(31_000)
  await kiosk.waitForFunction(() => document.querySelector('.kiosk-title')?.textContent === '请选择业务')
  await kiosk.context().close()
})

test('the rating pad is back in Chinese after a rating, and after a reload', async () => {
  const token = await pair(server.base, sup, 'rating_pad', 1)
  const rate = await openPage(browser, server.base, '/rate', token, { width: 1280, height: 800 })
  await rate.waitForSelector('[data-test=idle]')
  await rate.click('[data-test=lang]')
  await rate.waitForFunction(() => document.querySelector('[data-test=idle]')?.textContent?.includes('Welcome'))

  const services = (await api(server.base, 'GET', '/api/v1/counters/1', sup)).services
  await api(server.base, 'POST', '/api/v1/counters/1/login', sup, { staff: '0001', pin: PIN })
  await api(server.base, 'POST', '/api/v1/counters/1/open', sup).catch(() => {})
  await api(server.base, 'POST', '/api/v1/tickets', sup, { service: services[0] })
  await api(server.base, 'POST', '/api/v1/counters/1/call-next', sup)
  await api(server.base, 'POST', '/api/v1/counters/1/start', sup)
  await api(server.base, 'POST', '/api/v1/counters/1/finish', sup, {})

  // The customer who switched rates in English; the pad then greets the next one in Chinese.
  await rate.waitForSelector('[data-test=level-5]')
  assert.match(await rate.textContent('h1'), /[A-Za-z]/)
  await rate.click('[data-test=level-5]')
  await rate.waitForSelector('[data-test=thanks]')
  await rate.waitForFunction(() => document.querySelector('[data-test=idle]')?.textContent?.includes('欢迎光临'), null, { timeout: 8000 })

  await rate.click('[data-test=lang]')
  await rate.waitForFunction(() => document.querySelector('[data-test=idle]')?.textContent?.includes('Welcome'))
  await rate.reload()
  await rate.waitForSelector('[data-test=idle]')
  assert.match(await rate.textContent('[data-test=idle]'), /欢迎光临/)
  await rate.context().close()
})
