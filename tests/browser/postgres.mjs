// A real PostgreSQL 15 for a browser test (Debian's binaries in
// /usr/lib/postgresql/15/bin): `initdb` into a temp directory, `pg_ctl
// start` on a free loopback port with its socket in that directory, and
// `stop()` to stop it and remove the directory — called by the test's
// `after`, and at process exit should the test die first, so no cluster
// is left behind. PostgreSQL refuses to run as root: as root (CI) the
// programs run as the `postgres` user through `runuser`.

import { execFileSync } from 'node:child_process'
import { chownSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const BIN = '/usr/lib/postgresql/15/bin'
const root = process.getuid?.() === 0

/** Runs a PostgreSQL program (as `postgres` when root). */
function pg(program, args) {
  const [cmd, all] = root ? ['runuser', ['-u', 'postgres', '--', join(BIN, program), ...args]] : [join(BIN, program), args]
  return execFileSync(cmd, all, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

/** A free loopback port. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

/** Starts a cluster; resolves to `{ url, stop }` (`url` of its `postgres` database). */
export async function startPostgres() {
  const dir = mkdtempSync(join(tmpdir(), 'hallq-pg-'))
  const data = join(dir, 'data')
  let stopped = false
  const stop = () => {
    if (stopped) return
    stopped = true
    try {
      pg('pg_ctl', ['-D', data, 'stop', '-m', 'immediate'])
    } catch {
      // Not started, or already stopped: the directory goes all the same.
    }
    rmSync(dir, { recursive: true, force: true })
  }
  process.on('exit', stop)
  try {
    if (root) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })))
    pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'])
    const port = await freePort()
    pg('pg_ctl', ['-D', data, '-l', join(dir, 'postgres.log'), '-w', '-t', '60', '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir}`, 'start'])
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop }
  } catch (e) {
    stop()
    throw e
  }
}
