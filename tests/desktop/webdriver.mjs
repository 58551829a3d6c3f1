// A minimal W3C WebDriver client over fetch, for tauri-driver (which starts
// WebKitWebDriver, which starts the app): sessions, windows, scripts,
// screenshots. No dependency: the desktop suite needs only Node 20.

import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Starts tauri-driver on `port` with `env` (it reaches the app) and waits until it answers. */
export async function startDriver(bin, port, env) {
  const child = spawn(bin, ['--port', String(port), '--native-port', String(port + 1)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  child.stdout.on('data', (d) => (log += d))
  child.stderr.on('data', (d) => (log += d))
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`${base}/status`)
      if (r.ok) return { child, base, log: () => log }
    } catch {}
    await sleep(100)
  }
  child.kill('SIGKILL')
  throw new Error(`tauri-driver did not start: ${log}`)
}

/** Stops a process we started, by its pid, and waits for it. */
export function stopChild(child, signal = 'SIGTERM') {
  return new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) return r()
    child.once('exit', () => r())
    child.kill(signal)
    setTimeout(() => { try { child.kill('SIGKILL') } catch {} }, 5000).unref()
  })
}

export class Session {
  constructor(base, id) {
    this.base = base
    this.id = id
  }

  static async create(base, application, args = []) {
    const r = await call(base, 'POST', '/session', {
      capabilities: { alwaysMatch: { 'tauri:options': { application, args } } },
    })
    return new Session(base, r.sessionId)
  }

  cmd(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body)
  }

  delete() {
    return this.cmd('DELETE', '').catch(() => {})
  }

  handles() {
    return this.cmd('GET', '/window/handles')
  }

  switchTo(handle) {
    return this.cmd('POST', '/window', { handle })
  }

  url() {
    return this.cmd('GET', '/url')
  }

  /** Runs `script` (a function body) in the current window; returns its value. */
  exec(script, ...args) {
    return this.cmd('POST', '/execute/sync', { script, args })
  }

  /** Like exec, for a script returning a promise. */
  execAsync(script, ...args) {
    const body = `const done = arguments[arguments.length - 1];
      Promise.resolve((async () => { ${script} })(...Array.from(arguments).slice(0, -1)))
        .then((v) => done({ ok: v }), (e) => done({ err: (e && (e.message || e.code || JSON.stringify(e))) || String(e) }))`
    return this.cmd('POST', '/execute/async', { script: body, args }).then((r) => {
      if (r && 'err' in r) throw new Error(r.err)
      return r?.ok
    })
  }

  async screenshot(path) {
    // WebKitWebDriver's snapshot waits for the page's next paint; a page
    // that changes nothing on screen (the idle rating pad) would hold it
    // for as long as it stays still (30 s, until its timeout fires). A
    // style touched and restored shortly after asking gives it that paint.
    await this.exec(`setTimeout(() => { const s = document.documentElement.style; s.outline = '1px solid transparent';
      requestAnimationFrame(() => requestAnimationFrame(() => { s.outline = '' })) }, 100); return true`)
    const png = await this.cmd('GET', '/screenshot')
    writeFileSync(path, Buffer.from(png, 'base64'))
  }

  /** Polls `script` in the current window until it returns a truthy value. */
  async waitFor(script, what, timeout = 15000, ...args) {
    const end = Date.now() + timeout
    let last
    while (Date.now() < end) {
      try {
        const v = await this.exec(script, ...args)
        if (v) return v
      } catch (e) {
        last = e
      }
      await sleep(100)
    }
    throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`)
  }

  /** Switches to the window whose URL satisfies `test`, waiting for it to appear. */
  async window(test, what, timeout = 20000) {
    const end = Date.now() + timeout
    while (Date.now() < end) {
      for (const h of await this.handles()) {
        try {
          await this.switchTo(h)
          if (test(await this.url())) return h
        } catch {}
      }
      await sleep(200)
    }
    throw new Error(`no window ${what}`)
  }
}

async function call(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const json = await res.json().catch(() => ({}))
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json.value ?? json)}`)
  return json.value
}
