// The UI's wire types are generated, not written: `npm run gen:api` turns
// ui/src/api/openapi.json into ui/src/api/schema.d.ts before every build,
// and ui/src/api/types.ts names its schemas. This proves what the build
// produced is current with the document the running server serves: the
// same generator run on the served document gives the same text, and every
// schema types.ts names is in it.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { newHall, root, serve, stop } from './harness.mjs'

const api = join(root, 'ui', 'src', 'api')
const generator = join(root, 'ui', 'node_modules', 'openapi-typescript', 'bin', 'cli.js')

async function servedDocument() {
  const server = await serve(newHall().db)
  try {
    return await (await fetch(`${server.base}/api/v1/openapi.json`)).json()
  } finally {
    await stop(server)
  }
}

test('the generated UI types are those of the document the server serves', async () => {
  const doc = await servedDocument()
  const dir = mkdtempSync(join(tmpdir(), 'hallq-types-'))
  writeFileSync(join(dir, 'openapi.json'), JSON.stringify(doc))
  execFileSync(process.execPath, [generator, join(dir, 'openapi.json'), '-o', join(dir, 'schema.d.ts')], { stdio: 'ignore' })
  const fresh = readFileSync(join(dir, 'schema.d.ts'), 'utf8')
  const built = readFileSync(join(api, 'schema.d.ts'), 'utf8')
  // assert.equal on 160 kB of text prints it all; say where they part instead.
  let at = 0
  while (at < fresh.length && fresh[at] === built[at]) at++
  assert.ok(fresh === built, `ui/src/api/schema.d.ts is stale (run npm run gen:api); first difference near:\n${fresh.slice(at - 200, at + 200)}`)

  const named = [...readFileSync(join(api, 'types.ts'), 'utf8').matchAll(/Schemas\['(\w+)'\]/g)].map((m) => m[1])
  assert.ok(named.length >= 40, `types.ts names the schemas (${named.length})`)
  for (const name of named) assert.ok(doc.components.schemas[name], `${name} is in the served document`)
})
