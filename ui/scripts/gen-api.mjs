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
 * The TypeScript declarations of an OpenAPI document (parsed JSON). Every
 * operation has its own id (a server test checks it), so openapi-typescript
 * keys each route's types by it.
 */
export async function generate(doc) {
  return COMMENT_HEADER + astToString(await openapiTS(doc))
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
