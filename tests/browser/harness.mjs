// The browser suite's harness: a real `hallq serve` on a temp database
// (built binary at $HALLQ_BIN or target/debug/hallq), API helpers, and
// Debian's Chromium driven by playwright-core (never a downloaded browser).

import { spawn, execFileSync } from 'node:child_process'
import { before, after } from 'node:test'
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from './tempdir.mjs'

const here = dirname(fileURLToPath(import.meta.url))
export const root = resolve(here, '..', '..')
export const output = join(root, 'tests', 'output')
mkdirSync(output, { recursive: true })
// playwright-core is a dev dependency of ui/ (one lock file for the UI and its tests).
const require = createRequire(join(root, 'ui', 'package.json'))
const { chromium } = require('playwright-core')

export const PIN = '246810'

/** The four pages of a one-PC station's windows: path, pairing role, counter, window size. */
export const STATION = [
  { name: 'display', path: '/display', role: 'display', size: { width: 1920, height: 1080 } },
  { name: 'counter', path: '/counter', role: 'counter', counter: 1, size: { width: 1366, height: 768 } },
  { name: 'kiosk', path: '/kiosk', role: 'kiosk', size: { width: 1080, height: 1920 } },
  { name: 'rate', path: '/rate', role: 'rating_pad', counter: 1, size: { width: 1280, height: 800 } },
]

const bin = process.env.HALLQ_BIN || join(root, 'target', 'debug', 'hallq')

/** A hall database, made with `hallq init`. */
export function newHall() {
  const dir = tempDir('hallq-browser-')
  const db = join(dir, 'hall.db')
  execFileSync(bin, ['init', '--db', db, '--pin', PIN, '--code', 'E2E', '--name', '测试供电营业厅'], { stdio: 'ignore' })
  return { dir, db }
}

/** Runs the `hallq` binary with `args` (e.g. `demo`), returning its output. */
export function hallq(args) {
  return execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Starts `hallq serve` on `port` (0 = any) and resolves once it listens; `extra` are more flags (`--hall CODE`). */
export function serve(db, port = 0, extra = []) {
  return new Promise((resolvePromise, reject) => {
    // No kiosk flood guard: the double-click test must catch the page itself.
    const child = spawn(bin, ['serve', '--db', db, '--port', String(port), '--kiosk-interval-ms', '0', ...extra], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    const onData = (d) => {
      out += d
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)/)
      if (m) {
        child.stdout.off('data', onData)
        resolvePromise({ child, port: Number(m[1]), base: `http://127.0.0.1:${m[1]}` })
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', (d) => (out += d))
    child.on('exit', (code) => reject(new Error(`hallq serve exited ${code}: ${out}`)))
    setTimeout(() => reject(new Error(`hallq serve did not start: ${out}`)), 15000)
  })
}

/** Stops a server by its own pid and waits for it. */
export function stop(server) {
  return new Promise((r) => {
    if (server.child.exitCode !== null) return r()
    server.child.removeAllListeners('exit')
    server.child.on('exit', () => r())
    server.child.kill('SIGTERM')
  })
}

export async function api(base, method, path, token, body) {
  const headers = { 'Content-Type': 'application/json' }
  if (token) headers.Authorization = `Bearer ${token}`
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  const json = text ? JSON.parse(text) : null
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
  return json
}

export async function supervisor(base) {
  return (await api(base, 'POST', '/api/v1/session', null, { staff: '0001', pin: PIN })).token
}

/**
 * The `i`th customer of a day at counter 1, as the desktop figures drive
 * them: issued, called, started, finished and rated (one in five very
 * dissatisfied, one in five dissatisfied, with a reason), pausing
 * `afterCall` and `afterFinish` ms for the windows to follow; the ticket called.
 */
export async function serveCustomer(base, token, service, i, { afterCall = 0, afterFinish = 0 } = {}) {
  const pause = (ms) => ms && new Promise((r) => setTimeout(r, ms))
  await api(base, 'POST', '/api/v1/tickets', token, { service })
  const called = await api(base, 'POST', '/api/v1/counters/1/call-next', token)
  await pause(afterCall)
  await api(base, 'POST', '/api/v1/counters/1/start', token)
  await api(base, 'POST', '/api/v1/counters/1/finish', token, {})
  await pause(afterFinish)
  await api(base, 'POST', '/api/v1/counters/1/rating', token, { level: 1 + (i % 5), reason: i % 5 < 2 ? 'efficiency' : null })
  return called.ticket
}

/**
 * One customer served to the end at counter 1 by the supervisor (staff
 * 0001, logged in and the counter opened here), left unrated for the pad;
 * the finish's answer.
 */
export async function finishOne(base, sup) {
  const services = (await api(base, 'GET', '/api/v1/counters/1', sup)).services
  await api(base, 'POST', '/api/v1/counters/1/login', sup, { staff: '0001', pin: PIN })
  await api(base, 'POST', '/api/v1/counters/1/open', sup).catch(() => {})
  await api(base, 'POST', '/api/v1/tickets', sup, { service: services[0] })
  await api(base, 'POST', '/api/v1/counters/1/call-next', sup)
  await api(base, 'POST', '/api/v1/counters/1/start', sup)
  return api(base, 'POST', '/api/v1/counters/1/finish', sup, {})
}

/**
 * The texts under 32 px and the buttons under 80 px high on a page's
 * `main`: what elderly customers cannot read or hit (empty when all is well).
 */
export function tooSmall(page) {
  return page.evaluate(() => {
    const out = []
    for (const el of document.querySelectorAll('main *')) {
      const r = el.getBoundingClientRect()
      if (r.width === 0 || r.height === 0 || getComputedStyle(el).display === 'none') continue
      const hasText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())
      if (hasText && parseFloat(getComputedStyle(el).fontSize) < 32) out.push(`text ${el.textContent.trim()}`)
      if (el.tagName === 'BUTTON' && r.height < 80) out.push(`button ${el.textContent.trim()} ${r.height}px`)
    }
    return out
  })
}

export async function pair(base, sup, role, counter = null) {
  const c = await api(base, 'POST', '/api/v1/pairing-codes', sup, { role, counter, name: `${role}${counter ?? ''}` })
  return (await api(base, 'POST', '/api/v1/pair', null, { code: c.code })).token
}

/** Debian's Chromium; `autoplay: false` keeps the browser's rule that sound waits for a click. */
export function launch({ autoplay = true } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      // Containers give /dev/shm a few MB; Chromium crashes on it without this.
      '--disable-dev-shm-usage',
      ...(autoplay ? ['--autoplay-policy=no-user-gesture-required'] : []),
    ],
  })
}

/**
 * axe-core's critical and serious violations on the page as it is now
 * (axe injected from ui/node_modules), each as `rule: target, …`.
 */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') })
  const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations)
  return violations
    .filter((v) => v.impact === 'critical' || v.impact === 'serious')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
}

/**
 * A test file's hall: `before` makes a hall database, serves it, logs the
 * supervisor in, launches Chromium (`autoplay` as for `launch`) and runs
 * `setup(h)`; `after` closes both. The fields are set once `before` has
 * run; a test that restarts the server assigns `h.server`. `open(h)`
 * serves another database (sets `h.server` and `h.sup`).
 */
export function hallForTests({ setup, open = openNewHall, ...browserOpts } = {}) {
  const h = {}
  before(async () => {
    await open(h)
    h.browser = await launch(browserOpts)
    await setup?.(h)
  })
  after(async () => {
    await h.browser?.close()
    if (h.server) await stop(h.server)
  })
  return h
}

/** Percentile of sorted numbers. */
export function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

/**
 * A page of its own browser context at `size`, opened at `base + path` (with
 * `?token=` when given). `clock: true` installs Playwright's fake clock before
 * the page loads, so a test can fast-forward the page's timers instead of
 * waiting for them.
 */
export async function openPage(browser, base, path, token, size, { clock = false } = {}) {
  const ctx = await browser.newContext({ viewport: size })
  const p = await ctx.newPage()
  p.on('pageerror', (e) => console.error(`[${path}] ${e}`))
  if (clock) await p.clock.install()
  await p.goto(`${base}${path}${token ? `?token=${token}` : ''}`)
  return p
}

/**
 * What a page holds now, over its CDP session (`page.context().newCDPSession(page)`),
 * after a forced GC: its JS heap in use (bytes) and its DOM counters.
 */
export async function pageMemory(cdp) {
  // Twice: the first collection may only free what keeps the rest alive.
  await cdp.send('HeapProfiler.collectGarbage')
  await cdp.send('HeapProfiler.collectGarbage')
  const heap = await cdp.send('Runtime.getHeapUsage')
  const dom = await cdp.send('Memory.getDOMCounters')
  return { heap_used: heap.usedSize, nodes: dom.nodes, listeners: dom.jsEventListeners, documents: dom.documents }
}

/** Polls `f` until it is true, up to `ms`. */
export async function until(f, ms = 5000, what = 'condition') {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await f()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`${what}: not met in ${ms} ms`)
}

/** `hallForTests`' hall: a new hall database, served, the supervisor logged in. */
async function openNewHall(h) {
  h.hall = newHall()
  h.server = await serve(h.hall.db)
  h.sup = await supervisor(h.server.base)
}

/**
 * A test file's hall with `hallq demo` traffic (`days` of it, one hall):
 * `hallForTests` on the demo's database; the supervisor's PIN, which the
 * demo printed, is kept as `h.pin` for the pages' login screens.
 */
export function demoHallForTests({ days = 30, seed = 6, ...opts } = {}) {
  return hallForTests({
    ...opts,
    async open(h) {
      const db = join(tempDir('hallq-demo-'), 'demo.db')
      h.pin = hallq(['--db', db, 'demo', '--days', String(days), '--seed', String(seed)]).trim().split('\n').pop().trim()
      h.server = await serve(db)
      h.sup = (await api(h.server.base, 'POST', '/api/v1/session', null, { staff: '0001', pin: h.pin })).token
    },
  })
}

/** Logs the supervisor (staff 0001) in on a page showing the login screen. */
export async function supervisorLogin(page, pin = PIN) {
  await page.fill('[data-test=login-staff]', '0001')
  await page.fill('[data-test=login-pin]', pin)
  await page.click('[data-test=login-submit]')
}
