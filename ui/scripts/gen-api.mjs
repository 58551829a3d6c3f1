// Generates the UI's wire types, src/api/schema.d.ts, from the API
// document (src/api/openapi.json, the committed copy of what the server
// serves, kept equal by a server test) with openapi-typescript. Runs
// before every type check, build and unit test run (`npm run gen:api`);
// the browser suite calls `generate` on the document a running server
// serves and compares. The file is rewritten only when its text changes,
// so an unchanged document does not make `cargo xtask` rebuild the UI.

import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript'

const api = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'api')
export const documentPath = join(api, 'openapi.json')
export const schemaPath = join(api, 'schema.d.ts')

/**
 * The TypeScript declarations of an OpenAPI document (parsed JSON). The
 * server names its operations by handler (`list`, `one`, `close` …), and
 * several routes share a name; openapi-typescript keys operations by that
 * id, so shared ids would give one route another's types. The ids are
 * dropped (the UI calls routes by path), which types each path inline.
 */
export async function generate(doc) {
  const copy = structuredClone(doc)
  for (const item of Object.values(copy.paths ?? {})) {
    for (const op of Object.values(item)) if (op && typeof op === 'object') delete op.operationId
  }
  return COMMENT_HEADER + astToString(await openapiTS(copy))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = await generate(JSON.parse(readFileSync(documentPath, 'utf8')))
  let old = null
  try {
    old = readFileSync(schemaPath, 'utf8')
  } catch {
    // The first run: no file yet.
  }
  if (old !== text) writeFileSync(schemaPath, text)
}
