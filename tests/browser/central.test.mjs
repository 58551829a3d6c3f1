// The board's 中心同步 / Central sync panel, on a hall enrolled (`hallq enrol`) at a
// centre that refuses its log: a stand-in for the bureau's centre in this test (node's
// http server speaking the centre's protocol: it enrols, tells its cursor, and answers
// every push 409 divergent_log in both languages, as a real centre does to a restored
// hall). The panel shows the backlog and the refusal, in Chinese and in English, in red,
// with forwarding stopped; a hall that never enrolled shows no panel. The real centre's
// refusals are tested end to end in tests/e2e/central_forward.rs.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { api, hallForTests, newHall, openPage, output, serve, stop, supervisor, supervisorLogin, root, until } from './harness.mjs'

const REFUSAL = {
  code: 'divergent_log',
  message_zh: '营业厅日志与中心不一致：第 12 号事件不同（中心保存到第 40 号）',
  message_en: 'the hall’s log differs from the centre’s at event 12 (the centre holds up to 40)',
}

/** The centre's protocol, answering every push with REFUSAL; resolves to its base URL. */
function refusingCentre() {
  const pushes = { n: 0 }
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      const answer = (status, json) => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(json))
      }
      if (req.method === 'POST' && req.url === '/central/v1/enrol') return answer(200, { hall_id: JSON.parse(body).hall.id, key: 'k'.repeat(64) })
      if (req.method === 'GET' && req.url === '/central/v1/cursor') return answer(200, { acknowledged_seq: 0 })
      if (req.method === 'POST' && req.url === '/central/v1/events') {
        pushes.n += 1
        return answer(409, REFUSAL)
      }
      answer(404, { code: 'no_route', message_zh: '无此接口', message_en: 'no such route' })
    })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, pushes, base: `http://127.0.0.1:${server.address().port}` })))
}

let centre
const h = hallForTests({
  async open(h) {
    centre = await refusingCentre()
    h.hall = newHall()
    // Not the harness's `hallq` (a synchronous child): the centre answers from this process.
    const bin = process.env.HALLQ_BIN || join(root, 'target', 'debug', 'hallq')
    await promisify(execFile)(bin, ['--db', h.hall.db, 'enrol', '--central', centre.base, '--code', 'TEST-CODE-0001'])
    h.server = await serve(h.hall.db)
    h.sup = await supervisor(h.server.base)
  },
})

test('the board shows the backlog and the centre’s refusal in both languages, in red, forwarding stopped', async () => {
  const state = await api(h.server.base, 'GET', '/api/v1/central', h.sup)
  assert.equal(state.linked, true)
  await until(async () => (await api(h.server.base, 'GET', '/api/v1/central', h.sup)).stopped, 10000, 'forwarding stopped')
  const stopped = await api(h.server.base, 'GET', '/api/v1/central', h.sup)
  assert.ok(stopped.backlog > 0 && stopped.acknowledged_seq === 0, JSON.stringify(stopped))
  const pushes = centre.pushes.n
  assert.ok(pushes >= 1)

  const p = await openPage(h.browser, h.server.base, '/board', null, { width: 1280, height: 800 })
  await supervisorLogin(p)
  const panel = p.locator('[data-test=central-sync]')
  await panel.waitFor()
  assert.match(await panel.textContent(), /中心同步/)
  assert.equal((await p.textContent('[data-test=central-backlog]')).trim(), `待上传：${stopped.backlog} 个事件`)
  assert.match(await p.textContent('[data-test=central-error]'), /营业厅日志与中心不一致：第 12 号事件不同/)
  assert.match(await p.textContent('[data-test=central-stopped]'), /已停止上传/)
  assert.ok((await panel.getAttribute('class')).includes('bg-red'), 'the panel is red')

  await panel.screenshot({ path: join(output, 'board-central-sync.png') })
  await p.click('[data-test=lang]')
  await until(async () => /Central sync/.test(await panel.textContent()), 5000, 'the panel in English')
  assert.equal((await p.textContent('[data-test=central-backlog]')).trim(), `Backlog: ${stopped.backlog} events`)
  assert.match(await p.textContent('[data-test=central-error]'), /the hall’s log differs from the centre’s at event 12/)
  assert.match(await p.textContent('[data-test=central-stopped]'), /Forwarding stopped/)

  const height = await p.evaluate(() => document.documentElement.scrollHeight)
  assert.ok(height < 2200, `the board is ${height} px high`)
  // Stopped means stopped: no push hammers the centre.
  await new Promise((r) => setTimeout(r, 2000))
  assert.equal(centre.pushes.n, pushes, 'no push after the refusal')
  await p.context().close()
  centre.server.close()
})

test('a hall that never enrolled shows no sync panel', async () => {
  const other = newHall()
  const server = await serve(other.db)
  try {
    const sup = await supervisor(server.base)
    assert.equal((await api(server.base, 'GET', '/api/v1/central', sup)).linked, false)
    const p = await openPage(h.browser, server.base, '/board', null, { width: 1280, height: 800 })
    await supervisorLogin(p)
    await p.waitForSelector('[data-test=alerts], [data-test=no-alerts]')
    assert.equal(await p.locator('[data-test=central-sync]').count(), 0)
    await p.context().close()
  } finally {
    await stop(server)
  }
})
