// A stand-in system printer for the desktop suite: a private CUPS daemon
// (its own config, spool and Unix socket in a temp folder, never the
// machine's CUPS) with one queue, the default, whose device is a file. The
// app reaches it through CUPS_SERVER in its environment; `stop` ends the
// daemon. Needs Debian's cups and printer-driver-cups-pdf (the queue's
// PPD: PostScript out through cups-filters), installed by `cargo xtask setup`.

import { execFileSync, spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sleep, stopChild } from './webdriver.mjs'

export const QUEUE = 'hallq-test'
const PPD = 'lsb/usr/cups-pdf/CUPS-PDF_noopt.ppd'

/** Starts cupsd in `dir` with the default queue [QUEUE] printing to a file. */
export async function startCups(dir) {
  const root = join(dir, 'cups')
  for (const d of ['spool', 'cache', 'state', 'log', 'ppd']) mkdirSync(join(root, d), { recursive: true })
  // Filters and the backend run as CUPS's user `lp`: the folders on the
  // way are open to it, its temp and output folders writable.
  chmodSync(dir, 0o755)
  chmodSync(root, 0o755)
  const out = join(root, 'out')
  const temp = join(root, 'tmp')
  for (const d of [out, temp]) {
    mkdirSync(d, { recursive: true })
    chmodSync(d, 0o1777)
  }
  const socket = join(root, 'cups.sock')
  writeFileSync(join(root, 'cupsd.conf'), [
    `Listen ${socket}`, 'LogLevel info', 'WebInterface No', 'Browsing Off', 'DefaultAuthType None',
    '<Location />', '  Order allow,deny', '  Allow all', '</Location>',
    '<Location /admin>', '  Order allow,deny', '  Allow all', '</Location>', '',
  ].join('\n'))
  writeFileSync(join(root, 'cups-files.conf'), [
    `ServerRoot ${root}`, `RequestRoot ${join(root, 'spool')}`, `CacheDir ${join(root, 'cache')}`,
    `StateDir ${join(root, 'state')}`, `TempDir ${temp}`, `ErrorLog ${join(root, 'log', 'error_log')}`,
    `AccessLog ${join(root, 'log', 'access_log')}`, `PageLog ${join(root, 'log', 'page_log')}`,
    'FileDevice Yes', 'SystemGroup root', '',
  ].join('\n'))
  const child = spawn('cupsd', ['-f', '-c', join(root, 'cupsd.conf'), '-s', join(root, 'cups-files.conf')], { stdio: 'ignore' })
  for (let i = 0; i < 100 && !existsSync(socket); i++) await sleep(100)
  if (!existsSync(socket)) {
    await stopChild(child)
    throw new Error('cupsd did not start (is the cups package installed? cargo xtask setup installs it)')
  }
  const env = { ...process.env, CUPS_SERVER: socket }
  const file = join(out, 'printed.prn')
  execFileSync('lpadmin', ['-p', QUEUE, '-E', '-v', `file://${file}`, '-m', PPD], { env, stdio: 'ignore' })
  execFileSync('lpadmin', ['-d', QUEUE], { env, stdio: 'ignore' })
  return {
    /** What the app needs in its environment to see this CUPS. */
    env: { CUPS_SERVER: socket },
    /** When the queue's device file was last written (0: never). */
    printedAt() {
      return existsSync(file) ? statSync(file).mtimeMs : 0
    },
    /** The bytes the queue's device file holds (the last job's). */
    printedBytes() {
      return existsSync(file) ? statSync(file).size : 0
    },
    /** The last job's PostScript. */
    printed() {
      return existsSync(file) ? readFileSync(file) : Buffer.alloc(0)
    },
    stop: () => stopChild(child),
  }
}
