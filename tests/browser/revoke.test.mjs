// A terminal revoked, or a supervisor session ended, while its page is open
// (issue 12): the server closes the page's stream at once (4001 / 4002), and
// the page forgets its token and says why — in the page's language — on the
// pairing or login screen, instead of silently reconnecting.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { api, launch, newHall, output, pair, serve, stop, supervisor } from './harness.mjs'

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

/** Opens `path` with `token` and waits until its stream has sent the snapshot. */
async function openLive(path, token) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await ctx.newPage()
  page.on('pageerror', (e) => console.error(`[${path}] ${e}`))
  const socket = page.waitForEvent('websocket', (ws) => ws.url().includes('/api/v1/stream'))
  await page.goto(`${server.base}${path}?token=${token}`)
  const ws = await socket
  await ws.waitForEvent('framereceived', { predicate: (f) => String(f.payload).includes('"snapshot"'), timeout: 10000 })
  return { page, ws }
}

test('a revoked display shows why and asks to be paired again', async () => {
  const token = await pair(server.base, sup, 'display')
  const me = await api(server.base, 'GET', '/api/v1/me', token)
  const { page, ws } = await openLive('/display', token)
  const closed = ws.waitForEvent('close')
  await api(server.base, 'DELETE', `/api/v1/terminals/${me.terminal}`, sup)
  await closed
  await page.waitForSelector('[data-test=stream-ended]', { timeout: 5000 })
  assert.equal((await page.textContent('[data-test=stream-ended]')).trim(), '本终端已被值班长停用，请重新配对')
  assert.ok(await page.isVisible('[data-test=pair-code]'), 'the pairing form is back')
  assert.equal(await page.evaluate(() => localStorage.getItem('hallq.token.display')), null, 'the dead token is forgotten')
  // No reconnect attempts with the dead token.
  let reopened = false
  page.on('websocket', () => (reopened = true))
  await page.waitForTimeout(1500)
  assert.equal(reopened, false)
  await page.screenshot({ path: join(output, 'display-revoked.png') })
})

test('a supervisor session ended elsewhere sends the board back to the login, saying so', async () => {
  const session = (await api(server.base, 'POST', '/api/v1/session', null, { staff: '0001', pin: '246810' })).token
  const { page, ws } = await openLive('/board', session)
  const closed = ws.waitForEvent('close')
  await api(server.base, 'DELETE', '/api/v1/session', session)
  await closed
  await page.waitForSelector('[data-test=login]', { timeout: 5000 })
  assert.match(await page.textContent('[data-test=login] .error-bar'), /登录已过期或已退出，请重新登录/)
})
