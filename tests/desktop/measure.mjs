// The desktop app's figures (issue 5's closing note), not a test: run by
// `cargo xtask bench desktop` under Xvfb with the release binaries.
//
// - Cold start to the counter window ready (its login form shown), five
//   launches of a one-PC station with four windows; the median.
// - Memory (PSS, summed over the app and its WebKit processes) after start
//   and after each of three simulated hours of calls: 60 customers an hour
//   issued, called, started, finished and rated through the embedded server
//   while the counter, kiosk, display and rating-pad windows follow live.
// Prints JSON and writes tests/output/desktop-measure.json.

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sleep, stopChild } from './webdriver.mjs'
import { DESKTOP, PIN, api, appPid, launch, memory, newHall, output, supervisor } from './app.mjs'

const RUNS = Number(process.env.RUNS || 5)
const CUSTOMERS = 60
const screens = [{ role: 'counter', counter: 1 }, { role: 'kiosk' }, { role: 'display' }, { role: 'rate', counter: 1 }]

async function once(run, withHour) {
  const cleanup = []
  try {
    const dir = mkdtempSync(join(tmpdir(), 'hallq-measure-'))
    const db = newHall(dir)
    const config = join(dir, 'config.json')
    writeFileSync(config, JSON.stringify({ mode: 'one_pc', hall_name: '测量供电所', db, port: 0, screens }))
    const { driver, session: s, t0 } = await launch(config, 4450 + run, cleanup)
    await s.window((u) => u.includes('/counter'), 'counter')
    await s.waitFor(`return !!document.querySelector('[data-test=login-staff]')`, 'the counter login', 60000)
    const ready = Date.now() - t0
    const result = { ready_ms: ready }
    if (withHour) {
      const pid = appPid(driver.child.pid)
      await sleep(3000) // let the other windows finish loading
      result.after_start = memory(pid)
      const base = new URL(await s.url()).origin
      const sup = await supervisor(base)
      await api(base, 'POST', '/api/v1/counters/1/login', sup, { staff: '0001', pin: PIN })
      await api(base, 'POST', '/api/v1/counters/1/open', sup)
      const service = (await api(base, 'GET', '/api/v1/counters/1', sup)).services[0]
      for (const hour of [1, 2, 3]) {
        for (let i = 0; i < CUSTOMERS; i++) {
          await api(base, 'POST', '/api/v1/tickets', sup, { service })
          await api(base, 'POST', '/api/v1/counters/1/call-next', sup)
          await sleep(250) // the display announces; the windows re-render
          await api(base, 'POST', '/api/v1/counters/1/start', sup)
          await api(base, 'POST', '/api/v1/counters/1/finish', sup, {})
          await sleep(100)
          await api(base, 'POST', '/api/v1/counters/1/rating', sup, { level: 1 + (i % 5), reason: i % 5 < 2 ? 'efficiency' : null })
        }
        await sleep(3000)
        result[`after_${hour}_hours_of_calls`] = memory(pid)
      }
      result.customers_per_hour = CUSTOMERS
    }
    await s.delete()
    await stopChild(driver.child)
    return result
  } finally {
    for (const f of cleanup.reverse()) await f().catch(() => {})
  }
}

const runs = []
for (let run = 0; run < RUNS; run++) runs.push(await once(run, run === RUNS - 1))
const ready = runs.map((r) => r.ready_ms).sort((a, b) => a - b)
const figures = {
  binary: DESKTOP,
  counter_window_ready_ms: { median: ready[Math.floor(ready.length / 2)], all: runs.map((r) => r.ready_ms) },
  memory: runs[runs.length - 1],
}
writeFileSync(join(output, 'desktop-measure.json'), JSON.stringify(figures, null, 2))
console.log(JSON.stringify(figures, null, 2))
