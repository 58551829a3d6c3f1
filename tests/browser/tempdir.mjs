// Temp directories for the browser and desktop suites: made under the
// system's temp dir and removed when the test file's process exits with
// success (a failed file keeps its directories, logs and databases for a look).

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const made = []

process.on('exit', (code) => {
  if (code !== 0) {
    if (made.length) console.error(`kept for a look: ${made.join(' ')}`)
    return
  }
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

/** A new directory `<tmp>/<prefix>XXXXXX`, removed at a successful exit. */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}
