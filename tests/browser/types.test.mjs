// The UI's wire types are generated, not written: `npm run gen:api`
// (ui/scripts/gen-api.mjs) turns ui/src/api/openapi.json into
// ui/src/api/schema.d.ts before every build, and ui/src/api/types.ts names
// its schemas. This proves what the build produced is current with the
// document the running server serves: the same generator run on the served
// document gives the same text, and every schema types.ts names is in it.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { generate, schemaPath } from '../../ui/scripts/gen-api.mjs'
import { newHall, root, serve, stop } from './harness.mjs'

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
  const fresh = await generate(doc)
  const built = readFileSync(schemaPath, 'utf8')
  // assert.equal on 160 kB of text prints it all; say where they part instead.
  let at = 0
  while (at < fresh.length && fresh[at] === built[at]) at++
  assert.ok(fresh === built, `ui/src/api/schema.d.ts is stale (run npm run gen:api); first difference near:\n${fresh.slice(at - 200, at + 200)}`)

  const named = [...readFileSync(join(root, 'ui', 'src', 'api', 'types.ts'), 'utf8').matchAll(/Schemas\['(\w+)'\]/g)].map((m) => m[1])
  assert.ok(named.length >= 40, `types.ts names the schemas (${named.length})`)
  for (const name of named) assert.ok(doc.components.schemas[name], `${name} is in the served document`)
})
