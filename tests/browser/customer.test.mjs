// The customer pages (kiosk, rating pad) between customers: each customer
// starts in Chinese, a switch to English lasts for that customer only and
// survives no reload.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { finishOne, hallForTests, openPage, pair } from './harness.mjs'

const h = hallForTests()

const title = (p) => p.evaluate(() => document.querySelector('.kiosk-title')?.textContent)

test('the kiosk is back in Chinese for the next customer, and after a reload', async () => {
  const token = await pair(h.server.base, h.sup, 'kiosk')
  const kiosk = await openPage(h.browser, h.server.base, '/kiosk', token, { width: 1080, height: 1920 })
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
  const token = await pair(h.server.base, h.sup, 'kiosk')
  const kiosk = await openPage(h.browser, h.server.base, '/kiosk', token, { width: 1080, height: 1920 }, { clock: true })
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
  const token = await pair(h.server.base, h.sup, 'rating_pad', 1)
  const rate = await openPage(h.browser, h.server.base, '/rate', token, { width: 1280, height: 800 })
  await rate.waitForSelector('[data-test=idle]')
  await rate.click('[data-test=lang]')
  await rate.waitForFunction(() => document.querySelector('[data-test=idle]')?.textContent?.includes('Welcome'))

  await finishOne(h.server.base, h.sup)

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
