// What the hall pages keep in memory across a day of calls (issue 13): a
// measurement, not a test. Run on demand: `node tests/desktop/page-memory.mjs`
// (HALLQ_BIN = a built `hallq`, CUSTOMERS=300 by default, STEP=100).
//
// A demo hall is served on a temp database; the display, the counter (staff
// logged in), the kiosk and the rating pad are opened in headless Chromium,
// as the four windows of a one-PC station, and follow the live stream while
// customers are issued, called, started, finished and rated through the API
// at the pace of tests/desktop/measure.mjs. At 0 and every STEP customers
// each page's JS heap after a forced GC and its DOM counters are read over
// CDP; with SNAPSHOTS=1, a heap snapshot of each page at the first step and
// at the end is summarised by constructor and the two compared (what grew).
// Prints a table per page and writes tests/output/page-memory.json.
//
// Reading the comparison: `NetworkResourcesData` is DevTools' own record of
// requests (Playwright turns the Network domain on), `blink::MediaPlayer`
// Blink's media inspector, `(code)` V8's compiled code: none is the page's.
// The display's listeners are two more while a call's WAV plays.

import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { api, launch, newHall, openPage, output, pageMemory, pair, serve, serveCustomer, STATION, stop, supervisor, PIN } from '../browser/harness.mjs'

const CUSTOMERS = Number(process.env.CUSTOMERS || 300)
const STEP = Number(process.env.STEP || 100)
const SNAPSHOTS = process.env.SNAPSHOTS === '1'
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** A heap snapshot summarised by (node type, constructor name): count and self size. */
async function snapshotSummary(cdp) {
  const chunks = []
  const onChunk = (e) => chunks.push(e.chunk)
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk)
  await cdp.send('HeapProfiler.collectGarbage')
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false })
  cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk)
  const snap = JSON.parse(chunks.join(''))
  const meta = snap.snapshot.meta
  const fields = meta.node_fields
  const types = meta.node_types[0]
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f))
  const byKey = new Map()
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + iType]]
    const name = type === 'object' || type === 'native' ? snap.strings[snap.nodes[i + iName]] : `(${type})`
    // Blink's templated native names run to hundreds of characters.
    const key = `${type}:${name}`.slice(0, 90)
    const e = byKey.get(key) ?? { count: 0, size: 0 }
    e.count += 1
    e.size += snap.nodes[i + iSize]
    byKey.set(key, e)
  }
  return byKey
}

/** What grew between two summaries, largest growth in bytes first. */
function grew(before, after, top = 12) {
  const rows = []
  for (const [key, a] of after) {
    const b = before.get(key) ?? { count: 0, size: 0 }
    if (a.size - b.size > 0 || a.count - b.count > 0) rows.push({ what: key, count: a.count - b.count, bytes: a.size - b.size })
  }
  return rows.sort((x, y) => y.bytes - x.bytes).slice(0, top)
}

/** What the display's voice queue holds (its log and backlog), the page's only per-call record. */
async function retained(page, name) {
  if (name !== 'display') return {}
  return page.evaluate(() => {
    const v = window.hallqVoice
    return { voice_log: v?.log.length ?? null, voice_pending: v?.pending ?? null, recent_items: document.querySelectorAll('[data-test=recent-calls] li').length }
  })
}

async function main() {
  const hall = newHall()
  const server = await serve(hall.db)
  const browser = await launch()
  try {
    const base = server.base
    const sup = await supervisor(base)
    await api(base, 'POST', '/api/v1/counters/1/login', sup, { staff: '0001', pin: PIN })
    await api(base, 'POST', '/api/v1/counters/1/open', sup)
    const service = (await api(base, 'GET', '/api/v1/counters/1', sup)).services[0]

    const pages = []
    for (const p of STATION) {
      const token = await pair(base, sup, p.role, p.counter ?? null)
      const page = await openPage(browser, base, p.path, token, p.size)
      const cdp = await page.context().newCDPSession(page)
      await cdp.send('HeapProfiler.enable')
      pages.push({ ...p, page, cdp, rows: [], snapshots: [] })
    }
    await sleep(3000) // every page loaded and on the stream

    const measure = async (n) => {
      await sleep(3000) // the last events followed, as measure.mjs waits
      for (const p of pages) {
        p.rows.push({ customers: n, ...(await pageMemory(p.cdp)), ...(await retained(p.page, p.name)) })
        if (SNAPSHOTS && n > 0 && (n === STEP || n === CUSTOMERS)) p.snapshots.push(await snapshotSummary(p.cdp))
      }
    }

    await measure(0)
    for (let i = 1; i <= CUSTOMERS; i++) {
      // At measure.mjs's pace: the display announces, the windows re-render.
      await serveCustomer(base, sup, service, i, { afterCall: 250, afterFinish: 100 })
      if (i % STEP === 0 || i === CUSTOMERS) await measure(i)
    }

    const result = {}
    for (const p of pages) {
      console.log(`\n${p.name}`)
      console.table(p.rows.map((r) => ({ ...r, heap_used: `${(r.heap_used / 1048576).toFixed(2)} MB` })))
      result[p.name] = { rows: p.rows }
      if (p.snapshots.length === 2) {
        const diff = grew(p.snapshots[0], p.snapshots[1])
        console.log(`${p.name}: what grew from ${STEP} to ${CUSTOMERS} customers (heap snapshots)`)
        console.table(diff)
        result[p.name].grew = diff
      }
    }
    writeFileSync(join(output, 'page-memory.json'), JSON.stringify(result, null, 2))
  } finally {
    await browser.close()
    await stop(server)
  }
}

await main()
