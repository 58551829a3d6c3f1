// Printed bytes read back, for the browser and desktop suites: the one
// decoder is hallq-printer's `read_job` (what the Rust tests call), run
// here through `read-escpos`, the small binary built beside `hallq`
// (tests/bin/read_escpos.rs). It refuses a job holding any byte a ticket
// should not, so a test never passes on bytes it merely found inside.

import { execFileSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const hallq = process.env.HALLQ_BIN || join(process.env.CARGO_TARGET_DIR || join(root, 'target'), 'debug', 'hallq')
const bin = join(dirname(hallq), 'read-escpos')

/**
 * One ticket job read back: `{lines: [{text, double}], qr, chinese_mode_first,
 * ends_with_cut, len}`. Throws with the reader's reason for bytes that are
 * not a whole ticket job.
 */
export function readJob(bytes) {
  try {
    return JSON.parse(execFileSync(bin, { input: bytes, stdio: ['pipe', 'pipe', 'pipe'] }).toString('utf8'))
  } catch (e) {
    throw new Error(`${bin}: ${e.stderr?.toString().trim() || e.message}`)
  }
}

/** `readJob`, or `null` while the bytes are not a whole job yet (a file still being written). */
export function readJobIfWhole(bytes) {
  try {
    return readJob(bytes)
  } catch {
    return null
  }
}
