// The centre's page (/central) on a real `hallq central` over a real
// PostgreSQL (postgres.mjs), with users made by `hallq central user add`
// and two halls' `hallq demo` traffic brought as `hallq export` files: a
// wrong password is refused beside the form in both languages; the
// province manager uploads both files (again: nothing added), reads the
// report by hall (both halls, the API's figures), by county, and
// downloads the workbook; the county manager sees only their county's
// hall and is refused another county's file in both languages. The
// commitments table (the hall's, across halls) and each hall's follow-ups
// show the API's non-empty figures. axe-core on each view; screenshots in
// tests/output/central-*.png (central-cases.png: commitments and follow-ups).

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { axeViolations, launch, output, root, until } from './harness.mjs'
import { startPostgres } from './postgres.mjs'
import { tempDir } from './tempdir.mjs'

const bin = process.env.HALLQ_BIN || join(root, 'target', 'debug', 'hallq')
const PASSWORD = 'correct horse 9'
const COUNTY = '罗阳县'
const SIZE = { width: 1440, height: 1000 }

let pg, centre, base, browser
const files = {}
const dir = tempDir('hallq-central-page-')

function hallq(args, env = {}) {
  return execFileSync(bin, args, { encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
}

/** `hallq central` on a free loopback port; resolves to its base URL. */
function startCentre(url) {
  return new Promise((resolve, reject) => {
    centre = spawn(bin, ['central', '--postgres', url, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    centre.stdout.on('data', (d) => {
      out += d
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+/)
      if (m) resolve(m[0])
    })
    centre.stderr.on('data', (d) => (out += d))
    centre.on('exit', (code) => reject(new Error(`hallq central exited ${code}: ${out}`)))
    setTimeout(() => reject(new Error(`hallq central did not start: ${out}`)), 20000)
  })
}

before(async () => {
  pg = await startPostgres()
  base = await startCentre(pg.url)
  const add = (name, role) => hallq(['central', '--postgres', pg.url, 'user', 'add', '--name', name, '--role', ...role], { HALLQ_CENTRAL_PASSWORD: PASSWORD })
  add('li', ['province'])
  add('zhang', ['county', '--county', COUNTY])
  for (const [code, seed] of [['PA', 51], ['PB', 52]]) {
    const db = join(dir, `${code}.db`)
    hallq(['--db', db, 'demo', '--days', '3', '--seed', String(seed), '--start', '2026-03-02', '--hall', code])
    files[code] = join(dir, `${code}.hqx`)
    hallq(['--db', db, 'export', '--force', '--out', files[code]])
  }
  browser = await launch()
})

after(async () => {
  await browser?.close()
  if (centre && centre.exitCode === null) {
    centre.removeAllListeners('exit')
    await new Promise((r) => {
      centre.on('exit', r)
      centre.kill('SIGTERM')
    })
  }
  pg?.stop()
})

async function open() {
  const ctx = await browser.newContext({ viewport: SIZE, acceptDownloads: true })
  const p = await ctx.newPage()
  p.on('pageerror', (e) => console.error(`[/central] ${e}`))
  await p.goto(`${base}/central`)
  return p
}

async function login(p, name, password = PASSWORD) {
  await p.fill('[data-test=central-name]', name)
  await p.fill('[data-test=central-password]', password)
  await p.click('[data-test=central-submit]')
}

async function setRange(p) {
  await p.fill('[data-test=central-from]', '2026-03-01')
  await p.fill('[data-test=central-to]', '2026-03-31')
  await p.click('[data-test=central-show]')
}

/** The report the API answers to the page's token. */
async function apiReport(p, query) {
  const token = await p.evaluate(() => JSON.parse(sessionStorage.getItem('hallq.central.session')).token)
  const r = await fetch(`${base}/central/v1/reports/kpis?from=2026-03-01&to=2026-03-31&${query}`, { headers: { Authorization: `Bearer ${token}` } })
  assert.equal(r.status, 200)
  return r.json()
}

/** What the API answers the page's token at `path` (over March 2026). */
async function api(p, path, query = '') {
  const token = await p.evaluate(() => JSON.parse(sessionStorage.getItem('hallq.central.session')).token)
  const r = await fetch(`${base}${path}?from=2026-03-01&to=2026-03-31&${query}`, { headers: { Authorization: `Bearer ${token}` } })
  assert.equal(r.status, 200, path)
  return r.json()
}

/** The commitments table's rows: key → opened, on time, open, overdue as shown. */
async function caseRows(p) {
  return p.$$eval('[data-test=case-report] tbody tr[data-row]', (rows) =>
    Object.fromEntries(rows.map((r) => [r.dataset.row, ['opened', 'on-time', 'open', 'overdue'].map((f) => r.querySelector(`[data-figure=${f}]`).textContent.trim())])),
  )
}

/** The follow-ups' rows by hall: code → overdue, open, done as shown. */
async function followUpHalls(p) {
  return p.$$eval('[data-test=central-follow-ups] tbody tr[data-row]', (rows) =>
    Object.fromEntries(rows.map((r) => [r.dataset.row, ['overdue', 'open', 'done'].map((f) => r.querySelector(`[data-figure=${f}]`).textContent.trim())])),
  )
}

/** The table's rows: key → {label, served, issued} as the page shows them. */
async function tableRows(p) {
  return p.$$eval('[data-test=grouped] tbody tr[data-key]', (rows) =>
    Object.fromEntries(
      rows.map((r) => [r.dataset.key, { label: r.querySelector('[data-col=label]').textContent.trim(), served: r.querySelector('[data-col=served]').textContent.trim(), issued: r.querySelector('[data-col=issued]').textContent.trim() }]),
    ),
  )
}

async function upload(p, file) {
  await p.setInputFiles('[data-test=central-file]', file)
  await p.click('[data-test=central-send]')
  await p.waitForSelector('[data-test=central-imported], [data-test=central-upload-error]')
}

test('a wrong password is refused beside the form, in both languages', async () => {
  const p = await open()
  await login(p, 'li', 'not the password')
  const error = await p.textContent('[data-test=central-login-error]')
  assert.match(error, /用户名或密码错误/)
  assert.match(error, /wrong user name or password/)
  assert.deepEqual(await axeViolations(p), [], 'the login form')
  await p.screenshot({ path: join(output, 'central-login.png') })
  await p.context().close()
})

test('the province manager uploads two halls, reads them by hall and by county, and downloads the workbook', async () => {
  const p = await open()
  await login(p, 'li')
  await p.waitForSelector('[data-test=central-who]')
  assert.match(await p.textContent('[data-test=central-who]'), /li · 省级/)
  for (const code of ['PA', 'PB']) {
    await upload(p, files[code])
    const said = await p.textContent('[data-test=central-imported]')
    assert.match(said, new RegExp(`营业厅 ${code}（新登记）：新事件 [1-9]\\d* 条，已有（跳过）0 条`), said)
  }
  await upload(p, files.PA)
  assert.match(await p.textContent('[data-test=central-imported]'), /新事件 0 条，已有（跳过）[1-9]\d* 条/)
  // A bureau clerk puts PA in its county (`hallq central import --county` fills a gap).
  hallq(['central', '--postgres', pg.url, 'import', '--county', COUNTY, files.PA])

  await setRange(p)
  const json = await apiReport(p, 'by=hall')
  await until(async () => Object.keys(await tableRows(p)).length === 2, 5000, 'both halls in the table')
  const rows = await tableRows(p)
  assert.deepEqual(Object.keys(rows).sort(), ['PA', 'PB'])
  for (const g of json.groups) {
    assert.deepEqual(rows[g.key], { label: `${g.key} ${g.label}`, served: String(g.kpis.served), issued: String(g.kpis.issued) }, g.key)
    assert.ok(g.kpis.served > 0, g.key)
  }
  assert.equal(await p.locator('[data-test=rank]').count(), 2, 'halls ranked')
  assert.deepEqual(await axeViolations(p), [], 'the report by hall, in Chinese')
  await p.screenshot({ path: join(output, 'central-province.png'), fullPage: true })
  await p.click('[data-test=lang]')
  await p.waitForSelector('text=Bureau service reports')
  assert.deepEqual(await axeViolations(p), [], 'the report by hall, in English')
  await p.screenshot({ path: join(output, 'central-province-en.png'), fullPage: true })
  await p.click('[data-test=lang]')

  // Commitments across the halls, by hall, and each hall's follow-ups: the API's figures, not empty.
  const cases = await api(p, '/central/v1/reports/cases')
  assert.ok(cases.total.opened > 0 && cases.by_hall.length === 2, 'both demo halls hold cases')
  await p.selectOption('[data-test=case-report-by]', 'hall')
  await until(async () => Object.keys(await caseRows(p)).includes('PB'), 5000, 'the commitments by hall')
  const shown = await caseRows(p)
  for (const g of [...cases.by_hall, { key: 'total', kpis: cases.total }]) {
    const k = g.kpis
    const overdue = k.open_overdue ? `${k.open_overdue}（${k.max_overdue_working_days}）` : '0'
    assert.deepEqual(shown[g.key], [String(k.opened), String(k.closed_on_time), String(k.open), overdue], g.key)
  }
  assert.match(await p.textContent('[data-test=case-report] tr[data-row=PA]'), /PA 演示供电营业厅/, 'a hall named with its code')
  const followUps = await api(p, '/central/v1/reports/follow-ups')
  const fuShown = await followUpHalls(p)
  assert.deepEqual(Object.keys(fuShown), ['PA', 'PB'])
  for (const h of followUps.halls) {
    const f = h.follow_ups
    assert.deepEqual(fuShown[h.code], [f.overdue, f.open, f.done].map(String), h.code)
  }
  assert.ok(followUps.halls.every((h) => h.follow_ups.items.length > 0), 'both halls have follow-ups')
  const listed = await p.locator('[data-test=central-follow-ups] [data-test=follow-up]').count()
  assert.equal(listed, Math.min(20, followUps.halls.reduce((n, h) => n + h.follow_ups.items.length, 0)))
  assert.deepEqual(await axeViolations(p), [], 'the commitments and follow-ups')
  const sections = p.locator('[data-test=case-report], [data-test=central-follow-ups]')
  await sections.first().scrollIntoViewIfNeeded()
  await p.screenshot({ path: join(output, 'central-cases.png'), fullPage: true })

  await p.selectOption('[data-test=central-by]', 'county')
  await until(async () => Object.keys(await tableRows(p)).includes(COUNTY), 5000, 'the county in the table')
  const byCounty = await tableRows(p)
  const counties = await apiReport(p, 'by=county')
  assert.deepEqual(Object.keys(byCounty).sort(), counties.groups.map((g) => g.key).sort())
  assert.deepEqual(Object.keys(byCounty).sort(), [COUNTY, '~'].sort())
  await p.screenshot({ path: join(output, 'central-county-view.png'), fullPage: true })

  const [download] = await Promise.all([p.waitForEvent('download'), p.click('[data-test=central-xlsx]')])
  assert.match(download.suggestedFilename(), /^hallq-central-county-2026-03-01-2026-03-31\.xlsx$/)
  const book = readFileSync(await download.path())
  assert.equal(book.subarray(0, 2).toString(), 'PK', 'a zip')
  assert.ok(book.includes('xl/workbook.xml'), 'a workbook')
  await p.context().close()
})

test('the county manager sees their county’s hall only, and is refused another county’s file in both languages', async () => {
  const p = await open()
  await login(p, 'zhang')
  await p.waitForSelector('[data-test=central-who]')
  assert.match(await p.textContent('[data-test=central-who]'), new RegExp(`县级：${COUNTY}`))
  assert.equal(await p.locator('[data-test=central-county]').count(), 0, 'no county filter for a county manager')
  await setRange(p)
  await until(async () => Object.keys(await tableRows(p)).length > 0, 5000, 'the table')
  assert.deepEqual(Object.keys(await tableRows(p)), ['PA'])
  assert.equal((await apiReport(p, 'by=hall')).groups.length, 1, 'the API agrees')
  await until(async () => Object.keys(await followUpHalls(p)).length > 0, 5000, 'the follow-ups')
  assert.deepEqual(Object.keys(await followUpHalls(p)), ['PA'], 'their county’s follow-ups only')
  assert.deepEqual((await api(p, '/central/v1/reports/cases')).by_hall.map((g) => g.key), ['PA'], 'their county’s cases only')
  await p.fill('[data-test=central-from]', '2026-03-31')
  await p.fill('[data-test=central-to]', '2026-03-01')
  await p.click('[data-test=central-show]')
  const badRange = await p.textContent('[data-test=central-report-error]')
  assert.match(badRange, /[\u4e00-\u9fff].* \/ .*[a-z]/, badRange)
  await setRange(p)
  await p.waitForSelector('[data-test=central-report-error]', { state: 'detached' })
  await upload(p, files.PB)
  const refused = await p.textContent('[data-test=central-upload-error]')
  assert.match(refused, /县级用户只能导入本县或中心尚未登记的营业厅的文件：营业厅 PB 已登记但未填县/)
  assert.match(refused, /a county manager imports only files of their county's halls .*: hall PB is registered without a county/)
  assert.deepEqual(await axeViolations(p), [], 'the county manager’s view')
  await p.screenshot({ path: join(output, 'central-county.png'), fullPage: true })
  await p.context().close()
})
