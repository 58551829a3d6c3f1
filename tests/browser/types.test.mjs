// The UI's wire types (ui/src/api/types.ts) checked against the server's
// OpenAPI document, so they cannot drift: every field the UI reads exists
// in the schema, and a field the UI treats as always present is required.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { newHall, root, serve, stop } from './harness.mjs'

const SCHEMAS = {
  Service: 'ServiceDto', ServiceNow: 'ServiceNow', Ticket: 'TicketDto', CounterNow: 'CounterNowDto', Hall: 'HallDto',
  HallInfo: 'HallInfo', Status: 'StatusDto', Call: 'CallDto', Kpis: 'KpisDto', CommandAnswer: 'CommandAnswer', Me: 'MeDto',
  StreamEvent: 'EventDto', Staff: 'StaffDto', CounterConfig: 'CounterConfigDto', Settings: 'SettingsDto',
  Terminal: 'TerminalDto', ApiErrorBody: 'ErrorBody', FollowUp: 'FollowUpDto',
  // Reports (issue 6).
  KpiReport: 'KpiReportDto', KpiGroup: 'KpiGroupDto', ReportTargets: 'TargetsDto', WaitBucket: 'WaitBucketDto',
  HeatCell: 'HeatCellDto', QueuePoint: 'QueuePointDto', StaffRow: 'StaffRowDto', LongWait: 'LongWaitDto',
  FollowUpItem: 'FollowUpItemDto', Overview: 'OverviewDto', Staffing: 'StaffingDto', StaffingRow: 'StaffingRowDto',
  SimulateAnswer: 'SimulateDto',
  // Printing and the live ticket page (issue 7).
  PrinterConfig: 'PrinterConfigDto', PrinterStatus: 'PrinterStatusDto', Printer: 'PrinterDto', TicketPrint: 'TicketPrintDto',
  PrintJob: 'PrintJobDto', PrintOutcome: 'PrintOutcomeDto', LiveTicket: 'LiveTicketDto',
}
// Schemas of routes another branch adds: checked once the server has them.
const LATER = new Set(['StaffingDto', 'StaffingRowDto', 'SimulateDto'])

test('the UI types match the OpenAPI document', async () => {
  const server = await serve(newHall().db)
  let doc
  try {
    doc = await (await fetch(`${server.base}/api/v1/openapi.json`)).json()
  } finally {
    await stop(server)
  }
  const src = readFileSync(join(root, 'ui', 'src', 'api', 'types.ts'), 'utf8')
  const found = [...src.matchAll(/export interface (\w+) \{\n([\s\S]*?)\n\}/g)]
  assert.ok(found.length >= Object.keys(SCHEMAS).length)
  for (const [, name, body] of found) {
    const schemaName = SCHEMAS[name]
    if (!schemaName) continue
    const schema = doc.components.schemas[schemaName]
    if (!schema && LATER.has(schemaName)) {
      console.log(`# ${schemaName} is not in the API document yet: skipped`)
      continue
    }
    assert.ok(schema, `${schemaName} is in the document`)
    for (const [, field, optional] of body.matchAll(/^  (\w+)(\??):/gm)) {
      assert.ok(field in schema.properties, `${name}.${field} is in ${schemaName}`)
      if (!optional) assert.ok(schema.required?.includes(field), `${name}.${field} is required in ${schemaName}`)
    }
  }
})
