// What the desktop suite and the desktop measurement share: where the
// binaries are, a fresh hall, the API, the app's processes and their memory,
// and launching the app under tauri-driver.

import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Session, startDriver, stopChild } from './webdriver.mjs'

const here = dirname(fileURLToPath(import.meta.url))
export const root = resolve(here, '..', '..')
export const output = join(root, 'tests', 'output')
mkdirSync(output, { recursive: true })
const target = process.env.CARGO_TARGET_DIR || join(root, 'target')
export const DESKTOP = process.env.HALLQ_DESKTOP_BIN || join(target, 'debug', 'hallq-desktop')
export const HALLQ = process.env.HALLQ_BIN || join(target, 'debug', 'hallq')
export const DRIVER = process.env.TAURI_DRIVER || 'tauri-driver'
export const PIN = '246810'

/** A new hall database in `dir` with the supervisor PIN [PIN]. */
export function newHall(dir) {
  const db = join(dir, 'hall.db')
  execFileSync(HALLQ, ['init', '--db', db, '--pin', PIN, '--code', 'E2E', '--name', '桌面测试供电所'], { stdio: 'ignore' })
  return db
}

/** One API call; throws with the server's answer on a non-2xx status. */
export async function api(base, method, path, token, body) {
  const headers = { 'Content-Type': 'application/json' }
  if (token) headers.Authorization = `Bearer ${token}`
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
  return text ? JSON.parse(text) : null
}

/** A supervisor session's token. */
export const supervisor = async (base) => (await api(base, 'POST', '/api/v1/session', null, { staff: '0001', pin: PIN })).token

/** The pids of `pid` and every descendant. */
function tree(pid) {
  const children = new Map()
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (!children.has(ppid)) children.set(ppid, [])
      children.get(ppid).push(Number(p))
    } catch {}
  }
  const out = []
  const stack = [pid]
  while (stack.length) {
    const p = stack.pop()
    out.push(p)
    stack.push(...(children.get(p) || []))
  }
  return out
}

/** The names of the threads of `pid` and its descendants (WebKit's processes). */
export function threadNames(pid) {
  const names = []
  for (const p of tree(pid)) {
    try {
      for (const t of readdirSync(`/proc/${p}/task`)) names.push(readFileSync(`/proc/${p}/task/${t}/comm`, 'utf8').trim())
    } catch {}
  }
  return names
}

/** The app's pid: the hallq-desktop below tauri-driver. */
export function appPid(driverPid) {
  for (const p of tree(driverPid)) {
    try {
      if (readFileSync(`/proc/${p}/comm`, 'utf8').trim().startsWith('hallq-desktop')) return p
    } catch {}
  }
  return null
}

/** Ends the app `pid` if it still runs (and is still the app: pids get reused). */
export function killApp(pid) {
  try {
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('hallq-desktop')) process.kill(pid, 'SIGKILL')
  } catch {}
}

/** PSS and RSS (MB) summed over the app and its WebKit processes, and each one's PSS. */
export function memory(pid) {
  let pss = 0
  let rss = 0
  const names = []
  const each = {}
  for (const p of tree(pid)) {
    try {
      const roll = readFileSync(`/proc/${p}/smaps_rollup`, 'utf8')
      const own = Number(roll.match(/^Pss:\s+(\d+)/m)[1])
      pss += own
      rss += Number(roll.match(/^Rss:\s+(\d+)/m)[1])
      const name = readFileSync(`/proc/${p}/comm`, 'utf8').trim()
      names.push(name)
      each[name] = (each[name] ?? 0) + own
    } catch {}
  }
  return { pss_mb: Math.round(pss / 1024), rss_mb: Math.round(rss / 1024), processes: names,
    pss_mb_by_process: Object.fromEntries(Object.entries(each).map(([n, kb]) => [n, Math.round(kb / 1024)])) }
}

/**
 * Starts tauri-driver on `port` and a session launching the app with the
 * config file `configPath` (and `env`, which reaches the app); `t0` is when
 * the launch was asked for. No WebKit setting is added: the app sets what
 * a hall PC needs itself (lib.rs, WEBKIT_ENV), so it is tested as shipped.
 */
export async function launch(configPath, port, cleanup, env = {}) {
  const driver = await startDriver(DRIVER, port, {
    HALLQ_DESKTOP_CONFIG: configPath,
    RUST_LOG: 'info,tao=warn,wry=warn',
    ...env,
  })
  cleanup.push(() => stopChild(driver.child))
  const t0 = Date.now()
  const session = await Session.create(driver.base, DESKTOP)
  // With its windows closed the app stays in the tray (by design), so the
  // suite ends it itself rather than leave it behind tauri-driver.
  const app = appPid(driver.child.pid)
  if (app) cleanup.push(async () => killApp(app))
  cleanup.push(() => session.delete())
  return { driver, session, t0 }
}
