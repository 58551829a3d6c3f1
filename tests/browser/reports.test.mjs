// The reports page in real Chromium against the real server, on a bureau
// database of two halls with 30 days of `hallq demo` traffic: a supervisor
// logs in, picks a custom range, and every card, chart and table shows the
// figures the report routes answer; the hall picker, hall-vs-hall ranking,
// staffing advice with another target share, the what-if form, CSV and XLSX
// exports, the empty and error states, the printable monthly report
// (print media, A4 PDF), inspection days (marked in settings, compared
// on the page and on paper), teams set in the settings and the monthly team
// scorecard. Screenshots: tests/output/reports*.png.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { api, hallq, launch, output, serve, stop, until } from './harness.mjs'
import { tempDir } from './tempdir.mjs'

let server, browser, sup, pin, day, range
const figures = {}

const addDays = (d, n) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10)
// The page's own formatting (ui/src/pages/reports/format.ts).
const r1 = (x) => Math.round(x * 10) / 10
const pct = (x) => (x === null || x === undefined ? '—' : `${r1(x * 100)}%`)
const mins = (ms) => (ms === null || ms === undefined ? '—' : `${r1(ms / 60_000)} 分钟`)
const q = (params) => new URLSearchParams(params).toString()

before(async () => {
  // `hallq demo` makes its own halls (DEMO, DEMO2) and prints their admin PIN last.
  const db = join(tempDir('hallq-reports-'), 'bureau.db')
  const out = hallq(['--db', db, 'demo', '--days', '30', '--halls', '2', '--seed', '6'])
  pin = out.trim().split('\n').pop().trim()
  server = await serve(db, 0, ['--hall', 'DEMO'])
  sup = (await api(server.base, 'POST', '/api/v1/session', null, { staff: '0001', pin })).token
  day = (await api(server.base, 'GET', '/api/v1/hall', sup)).day
  range = { from: addDays(day, -30), to: addDays(day, -1) }
  browser = await launch()
})

after(async () => {
  await browser?.close()
  if (server) await stop(server)
  writeFileSync(join(output, 'reports-figures.json'), JSON.stringify(figures, null, 2))
})

async function open(path, size, { print = false } = {}) {
  const ctx = await browser.newContext({ viewport: size, acceptDownloads: true })
  const p = await ctx.newPage()
  p.on('pageerror', (e) => console.error(`[${path}] ${e}`))
  await p.goto(`${server.base}${path}`)
  await p.fill('[data-test=login-staff]', '0001')
  await p.fill('[data-test=login-pin]', pin)
  await p.click('[data-test=login-submit]')
  if (!print) await p.waitForSelector('[data-test=controls]')
  return p
}

const ready = (p) => p.waitForSelector('main[data-ready="1"]', { timeout: 20_000 })
const text = async (p, sel) => (await p.textContent(sel))?.trim()

async function setRange(p, from, to) {
  await p.click('[data-test=kind-custom]')
  await p.fill('[data-test=custom-from]', from)
  await p.fill('[data-test=custom-to]', to)
  await p.waitForFunction(
    ([a, b]) => {
      const s = document.querySelector('[data-test=period]')?.textContent ?? ''
      return s.includes(a) && s.includes(b)
    },
    [from, to],
  )
  await ready(p)
}

test('the reports page shows what the report routes answer', async () => {
  const t0 = Date.now()
  const p = await open('/reports', { width: 1280, height: 800 })
  await setRange(p, range.from, range.to)
  figures.reports_first_load_ms = Date.now() - t0

  const ov = await api(server.base, 'GET', `/api/v1/reports/overview?${q(range)}`, sup)
  assert.ok(ov.total.issued > 100, `demo traffic in the range: ${ov.total.issued}`)

  // Headline cards: the figures and the direction of their change.
  assert.equal(await text(p, '[data-test=card-issued] [data-test=value]'), String(ov.total.issued))
  assert.equal(await text(p, '[data-test=card-served] [data-test=value]'), String(ov.total.served))
  assert.equal(await text(p, '[data-test=card-withinTarget] [data-test=value]'), pct(ov.total.within_target_wait))
  assert.equal(await text(p, '[data-test=card-waitMean] [data-test=value]'), mins(ov.total.wait_mean_ms))
  assert.equal(await text(p, '[data-test=card-waitP90] [data-test=value]'), mins(ov.total.wait_p90_ms))
  assert.equal(await text(p, '[data-test=card-satisfaction] [data-test=value]'), pct(ov.total.satisfaction))
  assert.equal(await text(p, '[data-test=card-coverage] [data-test=value]'), pct(ov.total.rating_coverage))
  const tone = (sel) => p.getAttribute(`[data-test=${sel}] .card-delta`, 'data-tone')
  const dir = (sel) => p.getAttribute(`[data-test=${sel}] .card-delta`, 'data-dir')
  // The previous period is before the demo's first day: no figure to compare with but counts of 0.
  const prevWait = ov.previous_total.wait_mean_ms
  if (prevWait === null || prevWait === undefined) assert.equal(await dir('card-waitMean'), 'none')
  else if (r1((ov.total.wait_mean_ms - prevWait) / 60_000) !== 0) {
    assert.equal(await tone('card-waitMean'), ov.total.wait_mean_ms < prevWait ? 'good' : 'bad')
  }
  assert.equal(await tone('card-issued'), 'neutral', 'a volume has no better direction')

  // Charts: drawn (SVG with marks), on the API's data.
  for (const sel of ['trend', 'histogram', 'heat-arrivals', 'heat-wait', 'queue', 'utilisation', 'satisfaction']) {
    const marks = await p.$$eval(`[data-test=${sel}] svg path`, (ps) => ps.length)
    assert.ok(marks > 5, `${sel} is drawn (${marks} paths)`)
  }
  const histTotal = ov.wait_histogram.reduce((s, b) => s + b.count, 0)
  assert.equal(Number(await p.getAttribute('[data-test=histogram]', 'data-total')), histTotal)
  assert.equal(Number(await p.getAttribute('[data-test=heat-arrivals]', 'data-cells')), ov.heatmap.length)
  // Staff table and load balance.
  assert.equal(await p.$$eval('[data-test=staff] tbody tr[data-key]', (r) => r.length), ov.staff.rows.length)
  if (ov.staff.gini !== null && ov.staff.gini !== undefined) {
    assert.ok((await text(p, '[data-test=balance]')).includes(ov.staff.gini.toFixed(2)))
  }
  // Longest waits: the first ticket.
  if (ov.longest_waits.length) assert.ok((await text(p, '[data-test=long-wait]')).includes(ov.longest_waits[0].number))
  // Follow-ups counts.
  assert.ok((await text(p, '[data-test=follow-ups]')).includes(`待回访 ${ov.follow_ups.open}`))
  await p.screenshot({ path: join(output, 'reports.png'), fullPage: true })
  await p.screenshot({ path: join(output, 'reports-1280-top.png') })

  // The grouped table, by service then by staff.
  for (const by of ['service', 'staff']) {
    await p.selectOption('[data-test=by]', by)
    const k = await api(server.base, 'GET', `/api/v1/kpis?${q({ ...range, by })}`, sup)
    await until(async () => (await p.$$eval('[data-test=grouped] tbody tr[data-key]', (r) => r.length)) === k.groups.length, 10_000, `${by} rows`)
    const first = k.groups[0]
    const row = `[data-test=grouped] tr[data-key="${first.key}"]`
    assert.equal(await text(p, `${row} td[data-col=issued]`), String(first.kpis.issued))
    assert.equal(await text(p, `${row} td[data-col=wait_mean_ms]`), mins(first.kpis.wait_mean_ms))
  }
  // Every grouping is marked against the bureau's targets: a service below
  // the satisfaction target is flagged; counters and staff are ranked.
  const { targets } = ov
  const flags = (sel) => p.$$eval(sel, (cells) => cells.map((c) => c.closest('tr').dataset.key + ':' + c.className))
  await p.selectOption('[data-test=by]', 'service')
  const bySvc = await api(server.base, 'GET', `/api/v1/kpis?${q({ ...range, by: 'service' })}`, sup)
  await until(async () => (await p.$$eval('[data-test=grouped] tbody tr[data-key]', (r) => r.length)) === bySvc.groups.length, 10_000, 'service rows')
  const wantSat = bySvc.groups
    .filter((g) => g.kpis.satisfaction !== null && g.kpis.satisfaction !== undefined)
    .map((g) => `${g.key}:num ${g.kpis.satisfaction >= targets.satisfaction ? 'meets' : 'misses'}`)
    .sort()
  assert.deepEqual((await flags('[data-test=grouped] tbody tr[data-key] td[data-col=satisfaction]')).sort(), wantSat)
  assert.ok(wantSat.some((x) => x.endsWith('misses')), `some service below the ${targets.satisfaction} target: ${wantSat}`)
  assert.equal(await p.locator('[data-test=ranking]').count(), 0, 'services are not ranked')
  for (const by of ['counter', 'staff']) {
    await p.selectOption('[data-test=by]', by)
    const k = await api(server.base, 'GET', `/api/v1/kpis?${q({ ...range, by })}`, sup)
    await p.waitForSelector(`[data-test=ranking] h3:has-text("${by === 'staff' ? '员工排名' : '窗口排名'}")`)
    const ranked = k.groups
      .filter((g) => !g.key.endsWith('~'))
      .sort((a, b) => (b.kpis.within_target_wait ?? -1) - (a.kpis.within_target_wait ?? -1) || (b.kpis.satisfaction ?? -1) - (a.kpis.satisfaction ?? -1))
    assert.equal(await text(p, `[data-test=grouped] tr[data-key="${ranked[0].key}"] [data-test=rank]`), '1', `${by}: the best is first`)
    assert.equal(await text(p, '[data-test=grouped] tr[data-key="~"] [data-test=rank]'), '', `${by}: tickets never called are not ranked`)
    assert.ok((await p.$$eval('[data-test=ranking] svg path', (x) => x.length)) > ranked.length, `${by}: the ranking chart is drawn`)
  }
  await ready(p)
  await p.locator('[data-test=grouped-panel]').screenshot({ path: join(output, 'reports-staff-ranking.png') })

  // Sorting by issued, descending on the first click.
  await p.click('[data-test=grouped] th[data-col=issued]')
  const issued = await p.$$eval('[data-test=grouped] tbody tr[data-key] td[data-col=issued]', (tds) => tds.map((td) => Number(td.textContent)))
  assert.deepEqual(issued, [...issued].sort((a, b) => b - a))

  // Exports of the current grouping.
  const [csv] = await Promise.all([p.waitForEvent('download'), p.click('[data-test=export-csv]')])
  await csv.saveAs(join(output, 'reports-export.csv'))
  const csvText = readFileSync(join(output, 'reports-export.csv'), 'utf8')
  assert.ok(csvText.startsWith('\ufeff'), 'CSV with a BOM')
  const [xlsx] = await Promise.all([p.waitForEvent('download'), p.click('[data-test=export-xlsx]')])
  await xlsx.saveAs(join(output, 'reports-export.xlsx'))
  assert.equal(readFileSync(join(output, 'reports-export.xlsx')).subarray(0, 2).toString(), 'PK', 'XLSX is a zip')

  // Staffing advice and what-if, where the server has them (branch i6-staffing).
  const probe = await fetch(`${server.base}/api/v1/reports/staffing?${q(range)}`, { headers: { Authorization: `Bearer ${sup}` } })
  if (probe.status === 404) {
    console.log('# the server has no /api/v1/reports/staffing yet: the staffing and what-if checks are skipped')
    await p.waitForFunction(() => document.querySelector('[data-test=staffing-panel] .error-bar')?.textContent?.includes('没有这个接口'))
  } else {
    const st = await api(server.base, 'GET', `/api/v1/reports/staffing?${q(range)}`, sup)
    assert.equal(await p.$$eval('[data-test=staffing] td[data-cell]', (c) => c.length), st.rows.length)
    const st90 = await api(server.base, 'GET', `/api/v1/reports/staffing?${q({ ...range, target_share: 0.9 })}`, sup)
    await p.fill('[data-test=target-share]', '90')
    await p.click('[data-test=staffing-apply]')
    const peak = st90.rows.filter((r) => r.advised_counters != null).reduce((a, b) => (b.advised_counters > a.advised_counters ? b : a))
    await until(
      async () => (await text(p, `[data-test=staffing] td[data-cell="${peak.weekday}-${peak.hour}"] b`)) === String(peak.advised_counters),
      10_000,
      'advice at 90 %',
    )

    // What-if: the page shows what the simulation route answers.
    // A 5-minute target (the form's default is 15) must reach the server.
    const body = { arrivals_per_hour: 30, handling_minutes: 6, counters: 4, hours: 8, target_wait_minutes: 5, days: 50, seed: 3 }
    for (const [k, v] of Object.entries(body)) await p.fill(`[data-test=sim-${k}]`, String(v))
    await p.click('[data-test=sim-run]')
    await p.waitForSelector('[data-test=sim-result]', { timeout: 30_000 })
    const sim = await api(server.base, 'POST', '/api/v1/reports/simulate', sup, body)
    assert.equal(sim.days, 50)
    const h3 = await text(p, '[data-test=sim-result] h3')
    assert.ok(h3.includes(String(sim.customers)) && h3.includes('50'), h3)
    // The mean over the days, its 95 % interval and a typical day, as the route answered.
    assert.equal(await text(p, '[data-test=sim-wait]'), mins(sim.wait_mean_ms.mean))
    assert.equal(await text(p, '[data-test=sim-wait-ci]'), `${mins(sim.wait_mean_ms.ci95.low)} – ${mins(sim.wait_mean_ms.ci95.high)}`)
    assert.equal(await text(p, '[data-test=sim-wait-typical]'), `${mins(sim.wait_mean_ms.typical_day.low)} – ${mins(sim.wait_mean_ms.typical_day.high)}`)
    assert.ok((await text(p, '[data-test=sim-typical]')).includes(mins(sim.wait_mean_ms.typical_day.high)))
    assert.equal(await text(p, '[data-test=erlang-wait]'), sim.erlang_c ? mins(sim.erlang_c.mean_wait_ms) : '—')
    assert.equal(await text(p, '[data-test=sim-within]'), pct(sim.within_target_wait.mean))
    assert.equal(await text(p, '[data-test=erlang-within]'), sim.erlang_c ? pct(sim.erlang_c.within_target_wait) : '—')
    const at15 = await api(server.base, 'POST', '/api/v1/reports/simulate', sup, { ...body, target_wait_minutes: 15 })
    assert.ok(at15.kpis.within_target_wait > sim.kpis.within_target_wait, 'a 5-minute target is met less often than 15')
    await p.locator('[data-test=simulate]').screenshot({ path: join(output, 'reports-whatif.png') })

    // Bad what-if input is refused with a message, nothing run.
    await p.fill('[data-test=sim-counters]', '0')
    await p.click('[data-test=sim-run]')
    await p.waitForSelector('[data-test=sim-error]')
  }

  // Several halls: the picker, all halls, and the ranking with the targets.
  await p.waitForSelector('[data-test=hall]')
  await p.selectOption('[data-test=hall]', 'all')
  await p.waitForFunction(() => document.querySelector('[data-test=scope]')?.textContent?.includes('全部营业厅（2'))
  await p.selectOption('[data-test=by]', 'hall')
  await p.waitForSelector('[data-test=ranking] svg')
  const byHall = await api(server.base, 'GET', `/api/v1/kpis?${q({ ...range, by: 'hall', hall: 'all' })}`, sup)
  assert.equal(byHall.groups.length, 2)
  await until(async () => (await p.$$eval('[data-test=grouped] tbody tr[data-key]', (r) => r.length)) === 2, 10_000, 'two halls')
  const best = [...byHall.groups].sort((a, b) => (b.kpis.within_target_wait ?? -1) - (a.kpis.within_target_wait ?? -1))[0]
  assert.equal(await text(p, `[data-test=grouped] tr[data-key="${best.key}"] [data-test=rank]`), '1')
  await ready(p)
  await p.screenshot({ path: join(output, 'reports-halls.png'), fullPage: true })

  // A 1920×1080 board screen.
  const big = await open('/reports', { width: 1920, height: 1080 })
  await setRange(big, range.from, range.to)
  await big.screenshot({ path: join(output, 'reports-1920.png') })
  await big.context().close()
  await p.context().close()
})

test('each language reads its own names: Chinese only in Chinese, English in English', async () => {
  const p = await open('/reports', { width: 1280, height: 800 })
  await setRange(p, range.from, range.to)
  const cjk = /[\u4e00-\u9fff]/
  const latin = /[A-Za-z]/
  const labels = () => p.$$eval('[data-test=grouped] tbody tr[data-key] td[data-col=label]', (tds) => tds.map((td) => td.textContent.trim()))
  const shows = async (by, want) => {
    await p.selectOption('[data-test=by]', by)
    await until(async () => JSON.stringify((await labels()).slice().sort()) === JSON.stringify([...want].sort()), 10_000, `${by} labels ${want}`)
  }
  const settings = await api(server.base, 'GET', '/api/v1/settings', sup)
  const k = {}
  for (const by of ['weekday', 'service', 'counter']) k[by] = await api(server.base, 'GET', `/api/v1/kpis?${q({ ...range, by })}`, sup)
  // Chinese: 周一, 交费, 1号窗口 交费, 未叫号 — no English words beside them.
  await shows('weekday', k.weekday.groups.map((g) => g.label))
  for (const l of await labels()) assert.ok(cjk.test(l) && !latin.test(l), `weekday label in Chinese only: ${l}`)
  await shows('service', k.service.groups.map((g) => g.label))
  await shows('counter', k.counter.groups.map((g) => g.label))
  for (const l of await labels()) assert.ok(!/not called|Counter/.test(l), `counter label in Chinese only: ${l}`)
  // English: Mon, Bill payment, Counter 1 Payments, not called — the names set in settings.
  await p.click('[data-test=lang]')
  await shows('weekday', k.weekday.groups.map((g) => g.label_en))
  assert.ok((await labels()).includes('Mon'))
  await shows('service', k.service.groups.map((g) => g.label_en))
  for (const g of k.service.groups) {
    assert.equal(g.label_en, settings.services.find((s) => s.code === g.key).name_en)
  }
  await shows('counter', k.counter.groups.map((g) => g.label_en))
  for (const l of await labels()) assert.ok(!cjk.test(l), `counter label in English only: ${l}`)
  assert.ok((await labels()).includes('not called'))
  // The longest waits name the service in English too.
  const ov = await api(server.base, 'GET', `/api/v1/reports/overview?${q(range)}`, sup)
  if (ov.longest_waits.length) {
    const first = await text(p, '[data-test=long-wait] td:nth-child(2)')
    assert.equal(first, ov.longest_waits[0].service_name_en)
  }
  // The definitions, folded until asked for, in the page's language.
  assert.equal(await p.isVisible('[data-test=definitions] dl'), false)
  await p.click('[data-test=definitions] summary')
  // Eleven terms, the inspection days' two and the team scorecard's three.
  assert.equal(await p.$$eval('[data-test=definitions] dt', (d) => d.length), 16)
  assert.ok((await text(p, '[data-test=definitions] dt[data-term=teamParts]')).includes('no-show handling'))
  assert.ok((await text(p, '[data-test=definitions] dt[data-term=issued]')).includes('visits'))
  assert.ok((await text(p, '[data-test=definitions] dl')).includes('Nearest rank'))
  await p.locator('[data-test=definitions]').screenshot({ path: join(output, 'reports-definitions-en.png') })
  await ready(p)
  await p.screenshot({ path: join(output, 'reports-en.png'), fullPage: true })
  await p.locator('[data-test=utilisation]').screenshot({ path: join(output, 'reports-utilisation-en.png') })
  await p.context().close()
})

test('empty and error states', async () => {
  const p = await open('/reports', { width: 1280, height: 800 })
  // Long before the hall existed: nothing to show, said so.
  const before = addDays(range.from, -200)
  await setRange(p, before, before)
  await p.waitForSelector('[data-test=empty]')
  // A range the server refuses: its own message, in Chinese.
  const from = addDays(day, -800)
  const res = await fetch(`${server.base}/api/v1/reports/overview?${q({ from, to: day })}`, { headers: { Authorization: `Bearer ${sup}` } })
  assert.ok(res.status >= 400 && res.status < 500, `a too-long range is refused (${res.status})`)
  const err = await res.json()
  await p.fill('[data-test=custom-from]', from)
  await p.fill('[data-test=custom-to]', day)
  await p.waitForFunction((m) => document.querySelector('[data-test=error]')?.textContent?.includes(m), err.message_zh)
  await p.screenshot({ path: join(output, 'reports-error.png') })
  // And in English after the switch.
  await p.click('[data-test=lang]')
  await p.click('[data-test=refresh]')
  await p.waitForFunction((m) => document.querySelector('[data-test=error]')?.textContent?.includes(m), err.message_en)
  await p.click('[data-test=lang]')
  await p.context().close()
})

test('the printable monthly report', async () => {
  // The month holding most of the demo's days.
  const month = (Number(range.to.slice(8)) >= 15 ? range.to : range.from).slice(0, 7)
  const last = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).toISOString().slice(0, 10)
  for (const [name, extra] of [['reports-print', ''], ['reports-print-all', '&hall=all']]) {
    const p = await open(`/reports?print=1&month=${month}${extra}`, { width: 794, height: 1123 }, { print: true })
    await p.waitForSelector('[data-test=print-title]')
    await ready(p)
    const ov = await api(server.base, 'GET', `/api/v1/reports/overview?${q({ from: `${month}-01`, to: last })}${extra}`, sup)
    assert.equal(await text(p, '[data-test=card-issued] [data-test=value]'), String(ov.total.issued))
    if (extra) assert.ok((await text(p, '[data-test=scope]')).includes(ov.halls.map((h) => h.name).join('、')), 'names every hall')
    await p.emulateMedia({ media: 'print' })
    assert.equal(await p.isVisible('[data-test=print-now]'), false, 'no buttons on paper')
    assert.equal(await p.isVisible('[data-test=controls]'), false)
    assert.ok((await p.$$eval('[data-test=trend] svg path', (x) => x.length)) > 5, 'charts drawn for print')
    if (extra) assert.ok(await p.isVisible('[data-test=ranking]'), 'all halls: the ranking')
    // The definitions are printed, unfolded.
    assert.ok(await p.isVisible('[data-test=definitions] dt[data-term=within]'), 'definitions on paper')
    // No inspection day is marked yet (the last test marks one): consistency only, said so.
    assert.ok((await text(p, '[data-test=inspection-days]')).includes('未标记稽查日'))
    assert.equal(await p.isVisible('[data-test=inspection-flagged]'), false)
    // The KPIs filed by hall (a bureau's), service, counter and staff, at 9 pt or more.
    const tables = extra ? ['hall', 'service', 'counter', 'staff'] : ['service', 'counter', 'staff']
    for (const by of tables) assert.ok(await p.isVisible(`[data-test=print-grouped-${by}] table.grouped`), `the ${by} table is printed`)
    // The month's team scorecard, as a compact table (the chart stays on screen).
    assert.ok(await p.isVisible('[data-test=teams] table.grouped'), 'the team scorecard is printed')
    assert.equal(await p.isVisible('[data-test=teams] svg'), false)
    const smallest = await p.$$eval('.grouped th, .grouped td', (cells) => Math.min(...cells.map((c) => parseFloat(getComputedStyle(c).fontSize))))
    assert.ok(smallest >= 12, `tables at 9 pt or more (${smallest}px)`)
    const tooWide = await p.$$eval('.grouped', (ts) => ts.filter((t) => t.scrollWidth > t.parentElement.clientWidth + 1).length)
    assert.equal(tooWide, 0, 'every table fits the page width')
    // Charts take the page's width.
    const widths = await p.$$eval('[data-test=trend], [data-test=utilisation], [data-test=queue]', (ps) =>
      ps.map((s) => s.querySelector('svg').getBoundingClientRect().width / s.clientWidth))
    assert.ok(widths.every((w) => w > 0.9), `full-width charts: ${widths}`)
    await p.screenshot({ path: join(output, `${name}.png`), fullPage: true })
    const pdf = await p.pdf({ path: join(output, `${name}.pdf`), format: 'A4', printBackground: true })
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length
    figures[`${name}_pages`] = pages
    // One hall: ~8 pages; a bureau's adds the hall table, a staffing grid and inspection rows per hall.
    assert.ok(pages >= 3 && pages <= (extra ? 11 : 9), `a compact report (${pages} A4 pages)`)
    await p.context().close()
  }
})

test('inspection days: marked in settings, compared with the other days on the page and on paper', async () => {
  // The demo's staff work alike every day: its best working day by the share within
  // the target wait, marked as the inspection day, is a day the hall was good only then.
  const ov = await api(server.base, 'GET', `/api/v1/reports/overview?${q(range)}`, sup)
  const weekday = (d) => new Date(`${d}T00:00:00Z`).getUTCDay()
  const working = ov.daily.filter((d) => weekday(d.day) >= 1 && weekday(d.day) <= 5 && d.kpis.within_target_wait !== null)
  const best = [...working].sort((a, b) => b.kpis.within_target_wait - a.kpis.within_target_wait)[0].day

  // The supervisor marks it in settings (after the day, as in a hall).
  const s = await open('/settings', { width: 1280, height: 900 }, { print: true })
  await s.waitForSelector('[data-test=inspection-days]')
  await s.fill('[data-test=inspection-day]', best)
  await s.click('[data-test=inspection-add]')
  await s.waitForSelector(`[data-test=inspection-days] [data-day="${best}"]`)
  await s.click('[data-test=hall-save]')
  await s.waitForFunction(() => document.querySelector('[data-test=note-hall]')?.textContent?.includes('已保存'))
  await s.locator('[data-test=hall]').screenshot({ path: join(output, 'settings-inspection-days.png') })
  await s.context().close()
  const settings = await api(server.base, 'GET', '/api/v1/settings', sup)
  assert.deepEqual(settings.hall.inspection_days, [best])

  const insp = await api(server.base, 'GET', `/api/v1/reports/inspection?${q(range)}`, sup)
  const { hall, staff } = insp.halls[0]
  assert.deepEqual(insp.halls[0].inspection_days, [best])
  figures.inspection_hall = { day: best, difference: hall.difference, consistency: hall.consistency }
  assert.ok(hall.flag, `the best day against the rest: ${JSON.stringify(hall.difference)}`)

  const p = await open('/reports', { width: 1280, height: 800 })
  await setRange(p, range.from, range.to)
  const panel = '[data-test=inspection-panel]'
  assert.ok((await text(p, `${panel} [data-test=inspection-days]`)).includes(best))
  const row = `${panel} tr[data-row="${hall.key}"]`
  const cell = (figure, side) => text(p, `${row} [data-figure=${figure}] [data-side=${side}]`)
  assert.equal(await cell('within', 'inspection'), String(r1(hall.inspection.within_target_wait * 100)))
  assert.equal(await cell('within', 'other'), String(r1(hall.other.within_target_wait * 100)))
  assert.equal(await cell('wait', 'inspection'), String(r1(hall.inspection.wait_mean_ms / 60_000)))
  assert.equal(await cell('satisfaction', 'other'), String(r1(hall.other.satisfaction * 100)))
  assert.ok((await cell('within', 'difference')).includes(`+${r1(hall.difference.within_target_wait_pp)}`))
  assert.ok((await text(p, `${row} [data-figure=sd-within]`)).startsWith(String(r1(hall.consistency.within_target_wait_sd_pp))))
  assert.ok(await p.isVisible(`${row} [data-test=flag]`), 'the hall is flagged')
  assert.equal(await text(p, `${row} [data-test=flag]`), '仅稽查日达标')
  assert.equal(await p.$$eval(`${panel} tbody tr`, (x) => x.length), 1 + staff.length, 'the hall and each staff member')
  assert.equal(await p.$$eval(`${panel} [data-test=flag]`, (x) => x.length), [hall, ...staff].filter((r) => r.flag).length)
  await p.locator(panel).screenshot({ path: join(output, 'reports-inspection.png') })
  await p.click('[data-test=lang]')
  await p.waitForFunction(() => document.querySelector('[data-test=inspection-panel] h2')?.textContent?.includes('Inspection'))
  assert.equal(await text(p, `${row} [data-test=flag]`), 'Good only on inspection days')
  await p.locator(panel).screenshot({ path: join(output, 'reports-inspection-en.png') })
  await p.click('[data-test=lang]')
  await p.context().close()

  // On paper, in the month of the inspection: the compact table at 9 pt or more, within the page.
  const pp = await open(`/reports?print=1&month=${best.slice(0, 7)}`, { width: 794, height: 1123 }, { print: true })
  await pp.waitForSelector('[data-test=print-title]')
  await ready(pp)
  await pp.emulateMedia({ media: 'print' })
  assert.ok(await pp.isVisible(`${panel} tr[data-row="${hall.key}"] [data-test=flag]`), 'the flag on paper')
  const smallest = await pp.$$eval('.inspection-table th, .inspection-table td', (cells) => Math.min(...cells.map((c) => parseFloat(getComputedStyle(c).fontSize))))
  assert.ok(smallest >= 12, `the inspection table at 9 pt or more (${smallest}px)`)
  const tooWide = await pp.$$eval('.inspection-table', (ts) => ts.filter((t) => t.scrollWidth > t.parentElement.clientWidth + 1).length)
  assert.equal(tooWide, 0, 'the inspection table fits the page width')
  await pp.locator(panel).screenshot({ path: join(output, 'reports-print-inspection.png') })
  await pp.pdf({ path: join(output, 'reports-print-inspection.pdf'), format: 'A4', printBackground: true })
  await pp.context().close()
})

test('teams: the settings move a clerk to another team, the scorecard ranks the teams', async () => {
  const month = (Number(range.to.slice(8)) >= 15 ? range.to : range.from).slice(0, 7)
  const last = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).toISOString().slice(0, 10)
  // The demo's clerks take turns in 甲班 and 乙班; one of 乙班 moves to 丙班.
  const s = await open('/settings', { width: 1280, height: 900 }, { print: true })
  await s.waitForSelector('[data-test=staff] [data-test=staff-team]')
  const clerk = (await api(server.base, 'GET', '/api/v1/settings', sup)).staff.find((x) => x.team === '乙班')
  const row = s.locator(`[data-test=staff-${clerk.number}]`)
  assert.equal(await row.locator('[data-test=staff-team]').inputValue(), '乙班')
  await row.locator('[data-test=staff-team]').fill('丙班')
  await row.locator('td.nowrap button').first().click()
  await until(async () => (await api(server.base, 'GET', '/api/v1/settings', sup)).staff.find((x) => x.number === clerk.number).team === '丙班', 10_000, 'the new team saved')
  assert.equal((await s.locator('[data-test=weight-sum]').textContent()).trim(), '合计 100%', 'the weights as per cents')
  await s.locator('[data-test=staff]').screenshot({ path: join(output, 'settings-teams.png') })
  await s.context().close()

  // The clerk's past work stays with 乙班: the month still ranks 甲班 and 乙班.
  const card = await api(server.base, 'GET', `/api/v1/reports/teams?month=${month}`, sup)
  assert.deepEqual(card.teams.map((x) => x.key).sort(), ['乙班', '甲班'])
  const p = await open('/reports', { width: 1280, height: 800 })
  await setRange(p, `${month}-01`, last)
  await p.waitForSelector('[data-test=teams] tr[data-team]')
  for (const team of card.teams) {
    const tr = `[data-test=teams] tr[data-team="${team.key}"]`
    assert.equal(await text(p, `${tr} [data-test=team-rank]`), String(team.rank), team.key)
    assert.equal(await text(p, `${tr} [data-test=team-score]`), String(r1(team.score)), team.key)
  }
  const ranks = await p.$$eval('[data-test=teams] [data-test=team-rank]', (c) => c.map((x) => x.textContent.trim()))
  assert.deepEqual(ranks, card.teams.map((x) => String(x.rank)), 'best first')
  assert.ok((await text(p, '[data-test=team-weights]')).includes('30%'), 'the weights are shown')
  await p.waitForSelector('[data-test=teams] svg')
  figures.team_scores = Object.fromEntries(card.teams.map((x) => [x.key, r1(x.score)]))
  await p.locator('[data-test=teams]').screenshot({ path: join(output, 'reports-teams.png') })
  // In English the same table, its headers wrapped: it fits a 1280 screen.
  await p.click('[data-test=lang]')
  await p.waitForFunction(() => document.querySelector('[data-test=teams] h2')?.textContent?.includes('Monthly team scorecard'))
  const cut = await p.$eval('[data-test=teams] .table-wrap', (w) => w.scrollWidth - w.clientWidth)
  assert.ok(cut <= 1, `the English scorecard fits (${cut}px cut)`)
  await p.locator('[data-test=teams]').screenshot({ path: join(output, 'reports-teams-en.png') })
  await p.click('[data-test=lang]')

  // The workbook for the pay review.
  const [download] = await Promise.all([p.waitForEvent('download'), p.click('[data-test=teams-export]')])
  assert.equal(download.suggestedFilename(), `hallq-teams-${month}.xlsx`)
  // Another month picked on the panel: the scorecard follows it.
  const before = addDays(`${month}-01`, -1).slice(0, 7)
  const earlier = await api(server.base, 'GET', `/api/v1/reports/teams?month=${before}`, sup)
  await p.fill('[data-test=team-month]', before)
  await p.locator('[data-test=team-month]').dispatchEvent('change')
  await until(
    async () => (await p.$$eval('[data-test=teams] tr[data-team]', (r) => r.length)) === earlier.teams.length && (earlier.teams.length > 0 || (await p.isVisible('[data-test=teams-none]'))),
    10_000,
    `the scorecard of ${before}`,
  )
  // The team grouping of the KPIs.
  await p.selectOption('[data-test=by]', 'team')
  await p.waitForSelector('[data-test=grouped] tbody tr[data-key="甲班"]')
  await p.context().close()
})

test('commitments: the on-time closure of the demo cases, by type and by staff, as the route answers', async () => {
  const r = await api(server.base, 'GET', `/api/v1/reports/cases?${q(range)}`, sup)
  assert.ok(r.total.opened > 50 && r.total.closed_late > 0 && r.total.closed_on_time > r.total.closed_late, JSON.stringify(r.total))
  // The total is the sum of its types (each case has one type).
  const sum = (f) => r.by_type.reduce((a, g) => a + g.kpis[f], 0)
  for (const f of ['opened', 'closed_on_time', 'closed_late', 'open', 'open_overdue', 'holds']) assert.equal(sum(f), r.total[f], f)
  const p = await open('/reports', { width: 1280, height: 800 })
  await setRange(p, range.from, range.to)
  const panel = '[data-test=case-report]'
  await p.waitForSelector(`${panel} tr[data-row=total]`)
  const cell = (row, figure) => text(p, `${panel} tr[data-row="${row}"] [data-figure=${figure}]`)
  for (const g of [...r.by_type, { key: 'total', kpis: r.total }]) {
    assert.equal(await cell(g.key, 'opened'), String(g.kpis.opened), g.key)
    assert.equal(await cell(g.key, 'late'), String(g.kpis.closed_late), g.key)
    assert.equal(await cell(g.key, 'rate'), g.kpis.on_time_rate == null ? '—' : `${Math.round(g.kpis.on_time_rate * 100)}%`, g.key)
    assert.equal(await cell(g.key, 'days'), g.kpis.close_working_days_p50 == null ? '—' : `${g.kpis.close_working_days_p50} / ${g.kpis.close_working_days_p90}`, g.key)
  }
  await p.selectOption('[data-test=case-report-by]', 'staff')
  const first = r.by_staff[0]
  await p.waitForSelector(`${panel} tr[data-row="${first.key}"]`)
  assert.equal(await text(p, `${panel} tr[data-row="${first.key}"] td`), first.label)
  assert.equal(await cell(first.key, 'opened'), String(first.kpis.opened))
  await p.locator(panel).screenshot({ path: join(output, 'reports-cases.png') })
  figures.cases = r.total
  await p.context().close()
})
