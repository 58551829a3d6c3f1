// Each page's JavaScript, gzipped, as the browser loads it (the entry and
// every chunk its HTML preloads): kiosk, counter and display ≤ 200 KB; the
// live ticket page (a customer's phone, often on a weak hall Wi-Fi) ≤ 120 KB;
// the reports page, the only one with ECharts (its own chunk), ≤ 300 KB.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { output, root } from './harness.mjs'

const dist = join(root, 'ui', 'dist')
const LIMIT = 200 * 1024
const REPORTS_LIMIT = 300 * 1024
const TICKET_LIMIT = 120 * 1024

test('each page stays small', () => {
  const sizes = {}
  for (const page of ['kiosk', 'counter', 'display', 'rate', 'board', 'reports', 'settings', 'ticket', 'case']) {
    const html = readFileSync(join(dist, page, 'index.html'), 'utf8')
    const files = [...new Set([...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]))]
    assert.ok(files.length > 0, `${page} loads its script`)
    const gz = files.reduce((sum, f) => sum + gzipSync(readFileSync(join(dist, f)), { level: 9 }).length, 0)
    sizes[page] = Math.round(gz / 102.4) / 10
    if (['kiosk', 'counter', 'display'].includes(page)) assert.ok(gz <= LIMIT, `${page}: ${gz} bytes gzipped`)
    if (page === 'ticket' || page === 'case') assert.ok(gz <= TICKET_LIMIT, `${page}: ${gz} bytes gzipped`)
    if (page === 'reports') assert.ok(gz <= REPORTS_LIMIT, `reports: ${gz} bytes gzipped`)
    // ECharts stays out of every other page.
    assert.equal(files.some((f) => f.includes('/charts-')), page === 'reports', `${page} and the charts chunk`)
  }
  console.log('# gzipped JS per page, KB:', JSON.stringify(sizes))
  writeFileSync(join(output, 'js-sizes.json'), JSON.stringify(sizes, null, 2))
})
