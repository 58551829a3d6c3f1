// The desktop app's figures (issues 5 and 13), not a test: run by `cargo
// xtask bench desktop [--soak 8h]` under Xvfb with the release binaries.
//
// - Cold start to the counter window ready (its login form shown), five
//   launches of a one-PC station with four windows, each after the page
//   cache is dropped where the machine allows it (root); the median. These
//   launches go through tauri-driver (the only way to see the form).
// - Smoothness of the display while a call arrives (its animation): frames
//   painted and the longest gap between two, as shipped (compositing off)
//   and with WEBKIT_DISABLE_COMPOSITING_MODE=0 (compositing on), for the
//   choice made in lib.rs (WEBKIT_ENV).
// - Memory (PSS, summed over the app and its WebKit processes) of the app
//   launched exactly as installed — no tauri-driver, no variable of ours,
//   a fresh home with the config where the app looks for it — just loaded
//   (8 s), after start (then 22 s idle: settled, the figure for the goal)
//   and after 100, 200 and 300 customers (a one-PC station's full day)
//   issued, called, started, finished and rated through the embedded
//   server while the four windows follow live. By default the customers
//   come as fast as the windows follow (a few minutes); `--soak 8h` spreads
//   them over eight hours, a real day's pace.
// Prints JSON and writes tests/output/desktop-measure.json.

import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { sleep, stopChild } from './webdriver.mjs'
import { DESKTOP, PIN, api, launch, memory, newHall, output, supervisor } from './app.mjs'
import { serveCustomer } from '../browser/harness.mjs'
import { tempDir } from '../browser/tempdir.mjs'

const RUNS = Number(process.env.RUNS || 5)
const CUSTOMERS = [100, 200, 300]
/** How long the station idles after its windows loaded before `after_start` is read. */
const SETTLE_MS = 22_000
const screens = [{ role: 'counter', counter: 1 }, { role: 'kiosk' }, { role: 'display' }, { role: 'rate', counter: 1 }]

/** `--soak 8h` / `90m` / `45s` → milliseconds; 0 without it. */
function soakMs(argv) {
  const i = argv.indexOf('--soak')
  if (i < 0) return 0
  const m = /^(\d+(?:\.\d+)?)(h|m|s)$/.exec(argv[i + 1] ?? '')
  if (!m) throw new Error(`--soak 需要时长，如 8h / --soak needs a duration such as 8h, 90m (got ${argv[i + 1]})`)
  return Number(m[1]) * { h: 3_600_000, m: 60_000, s: 1000 }[m[2]]
}
const SOAK_MS = soakMs(process.argv.slice(2))

/** Drops the page cache (a cold start); false where the machine does not allow it. */
function dropCaches() {
  try {
    execFileSync('sync')
    writeFileSync('/proc/sys/vm/drop_caches', '3')
    return true
  } catch {
    return false
  }
}

async function coldStart(run, env = {}, smooth = false) {
  const cleanup = []
  try {
    const dir = tempDir('hallq-measure-')
    const db = newHall(dir)
    const config = join(dir, 'config.json')
    writeFileSync(config, JSON.stringify({ mode: 'one_pc', hall_name: '测量供电所', db, port: 0, screens }))
    const dropped = dropCaches()
    const { driver, session: s, t0 } = await launch(config, 4450 + 2 * run, cleanup, env)
    await s.window((u) => u.includes('/counter'), 'counter')
    await s.waitFor(`return !!document.querySelector('[data-test=login-staff]')`, 'the counter login', 60000)
    const result = { ready_ms: Date.now() - t0, page_cache_dropped: dropped }
    if (smooth) result.display_during_a_call = await smoothness(s)
    await s.delete()
    await stopChild(driver.child)
    return result
  } finally {
    for (const f of cleanup.reverse()) await f().catch(() => {})
  }
}

/** Frames the display paints in 3 s while a ticket is issued and called. */
async function smoothness(s) {
  const base = new URL(await s.url()).origin
  const sup = await supervisor(base)
  await api(base, 'POST', '/api/v1/counters/1/login', sup, { staff: '0001', pin: PIN })
  await api(base, 'POST', '/api/v1/counters/1/open', sup)
  const service = (await api(base, 'GET', '/api/v1/counters/1', sup)).services[0]
  await s.window((u) => u.includes('/display'), 'display')
  await sleep(2000)
  await s.exec(`window.__frames = []; const end = performance.now() + 3000;
    const tick = (t) => { window.__frames.push(t); if (t < end) requestAnimationFrame(tick) }; requestAnimationFrame(tick); return true`)
  await api(base, 'POST', '/api/v1/tickets', sup, { service })
  await api(base, 'POST', '/api/v1/counters/1/call-next', sup)
  await sleep(3500)
  const t = await s.exec('return window.__frames')
  const gaps = t.slice(1).map((x, i) => x - t[i])
  return { frames_in_3s: t.length, longest_gap_ms: Math.round(Math.max(...gaps)), gaps_over_50ms: gaps.filter((g) => g > 50).length }
}

/**
 * The processes outside the app that map a library the app's web process
 * maps too (Mesa's libLLVM): PSS splits a shared page among all who map it,
 * so each one lowers the app's figure. The bench's own X server is one, as
 * a hall PC's is; any other (a stray X server, another WebKit app) makes
 * the figure look better than a station's, and is named in the output.
 */
function sharersOf(library, app) {
  const parent = (pid) => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  }
  const inApp = (pid) => {
    for (let p = pid; p > 1; p = parent(p)) if (p === app) return true
    return false
  }
  const out = []
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${p}/maps`, 'utf8').includes(library) || inApp(Number(p))) continue
      out.push(`${readFileSync(`/proc/${p}/comm`, 'utf8').trim()} (${p})`)
    } catch {}
  }
  return out
}

/** A free TCP port on loopback. */
function freePort() {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/** The app as installed: its binary, a fresh home, the X display, nothing else of ours. */
async function asInstalled() {
  const home = tempDir('hallq-home-')
  const db = newHall(home)
  const port = await freePort()
  const configDir = join(home, '.config', 'cn.hallq.desktop')
  mkdirSync(configDir, { recursive: true })
  writeFileSync(join(configDir, 'config.json'), JSON.stringify({ mode: 'one_pc', hall_name: '测量供电所', db, port, screens }))
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WEBKIT_') && !k.startsWith('HALLQ_') && !k.startsWith('XDG_')))
  const app = spawn(DESKTOP, [], { env: { ...env, HOME: home }, stdio: 'ignore' })
  const base = `http://127.0.0.1:${port}`
  const result = {}
  try {
    let sup = null
    for (let i = 0; i < 300 && !sup; i++) {
      sup = await supervisor(base).catch(() => null)
      if (!sup) await sleep(100)
    }
    if (!sup) throw new Error('the app as installed did not serve its hall')
    // Just loaded: the four windows have loaded their pages. After start:
    // the station then idle for half a minute, by which time the load's
    // transients (JS garbage, network buffers) have been given back; the
    // goal is read on this one.
    await sleep(8000)
    result.just_loaded = memory(app.pid)
    await sleep(SETTLE_MS)
    result.after_start = memory(app.pid)
    result.libllvm_also_mapped_by = sharersOf('libLLVM', app.pid)
    if (result.libllvm_also_mapped_by.length > 1)
      console.error(`注意 / note: libLLVM 另有 ${result.libllvm_also_mapped_by.length} 个进程映射 / is also mapped by ${result.libllvm_also_mapped_by.join(', ')}: PSS shares its pages with them, so the figures read low`)
    await api(base, 'POST', '/api/v1/counters/1/login', sup, { staff: '0001', pin: PIN })
    await api(base, 'POST', '/api/v1/counters/1/open', sup)
    const service = (await api(base, 'GET', '/api/v1/counters/1', sup)).services[0]
    const last = CUSTOMERS[CUSTOMERS.length - 1]
    const pace = SOAK_MS ? SOAK_MS / last : 0
    for (let i = 1; i <= last; i++) {
      const started = Date.now()
      // After the call the display announces and the windows re-render.
      await serveCustomer(base, sup, service, i, { afterCall: 250, afterFinish: 100 })
      if (pace) await sleep(Math.max(0, pace - (Date.now() - started)))
      if (CUSTOMERS.includes(i)) {
        await sleep(3000)
        result[`after_${i}_customers`] = memory(app.pid)
      }
    }
    result.pace = SOAK_MS ? `${last} customers over ${SOAK_MS / 3_600_000} h` : 'as fast as the windows follow'
    return result
  } finally {
    await stopChild(app)
  }
}

const runs = []
for (let run = 0; run < RUNS; run++) runs.push(await coldStart(run, {}, run === RUNS - 1))
const composited = await coldStart(RUNS, { WEBKIT_DISABLE_COMPOSITING_MODE: '0' }, true)
const ready = runs.map((r) => r.ready_ms).sort((a, b) => a - b)
const figures = {
  binary: DESKTOP,
  counter_window_ready_ms: {
    median: ready[Math.floor(ready.length / 2)],
    all: runs.map((r) => r.ready_ms),
    page_cache_dropped: runs.every((r) => r.page_cache_dropped),
  },
  display_during_a_call: { as_shipped_compositing_off: runs[runs.length - 1].display_during_a_call, compositing_on: composited.display_during_a_call },
  memory_as_installed: await asInstalled(),
}
writeFileSync(join(output, 'desktop-measure.json'), JSON.stringify(figures, null, 2))
console.log(JSON.stringify(figures, null, 2))
