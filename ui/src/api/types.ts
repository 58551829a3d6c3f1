// The wire types of the hall server, by the names the pages use: aliases of
// the schemas generated from the API document (schema.d.ts, written by
// `npm run gen:api` from openapi.json before every build and test run), so
// they cannot drift from the server. A new schema is one line here.

import type { components } from './schema'

type Schemas = components['schemas']

export type Role = Schemas['Role']
export type TicketState = Schemas['TicketStateDto']
export type Priority = Schemas['Priority']
export type LowScoreWhy = Schemas['LowScoreWhy']

export type Service = Schemas['ServiceDto']
export type ServiceNow = Schemas['ServiceNow']
export type Ticket = Schemas['TicketDto']
export type CounterNow = Schemas['CounterNowDto']
export type Hall = Schemas['HallDto']
export type HallInfo = Schemas['HallInfo']
export type Status = Schemas['StatusDto']
export type Queues = Schemas['QueuesDto']
export type Call = Schemas['CallDto']
export type Kpis = Schemas['KpisDto']
export type CommandAnswer = Schemas['CommandAnswer']
/** The answer to an issue: a command answer plus the ticket's print job. */
export type IssueAnswer = Schemas['IssueAnswer']
export type IssueRequest = Schemas['IssueRequest']
export type Me = Schemas['MeDto']
export type StreamEvent = Schemas['EventDto']
export type Staff = Schemas['StaffDto']
export type CounterConfig = Schemas['CounterConfigDto']
export type Settings = Schemas['SettingsDto']
export type Terminal = Schemas['TerminalDto']
export type Token = Schemas['TokenDto']
export type FollowUp = Schemas['FollowUpDto']
/** `GET /api/v1/health`: `status` is `ok`, `disk_full` or `database_damaged` (then `problem` says it in words). */
export type Health = Schemas['HealthDto']
/** `GET /api/v1/backup`: the hall's automatic backups. */
export type Backup = Schemas['BackupDto']
/** `GET /api/v1/central`: the hall's sync state with the bureau's centre. */
export type CentralSync = Schemas['CentralDto']
export type ApiErrorBody = Schemas['ErrorBody']

// ---- Reports. Rates are 0..1, null when undefined.

export type GroupBy = Schemas['GroupByDto']
export type KpiGroup = Schemas['KpiGroupDto']
export type KpiReport = Schemas['KpiReportDto']
export type ReportTargets = Schemas['TargetsDto']
export type WaitBucket = Schemas['WaitBucketDto']
export type HeatCell = Schemas['HeatCellDto']
export type QueuePoint = Schemas['QueuePointDto']
export type StaffRow = Schemas['StaffRowDto']
export type LongWait = Schemas['LongWaitDto']
export type FollowUpItem = Schemas['FollowUpItemDto']
export type Overview = Schemas['OverviewDto']
export type StaffingRow = Schemas['StaffingRowDto']
export type Staffing = Schemas['StaffingDto']
export type Inspection = Schemas['InspectionDto']
export type InspectionRow = Schemas['InspectionRowDto']
export type DayFigures = Schemas['DayFiguresDto']
export type SimulateRequest = Schemas['SimulateRequest']
export type SimulateAnswer = Schemas['SimulateDto']
export type TeamScorecard = Schemas['TeamScorecardDto']
export type TeamScore = Schemas['TeamScoreDto']
export type ScoreWeights = Schemas['ScoreWeightsDto']

// ---- Printing and the live ticket page.

export type PrinterKind = Schemas['PrinterKindDto']
export type PrinterState = Schemas['PrinterStateDto']
export type PrinterConfig = Schemas['PrinterConfigDto']
export type PrinterStatus = Schemas['PrinterStatusDto']
export type Printer = Schemas['PrinterDto']
export type TicketPrint = Schemas['TicketPrintDto']
export type PrintJob = Schemas['PrintJobDto']
export type PrintOutcome = Schemas['PrintOutcomeDto']
export type LiveTicket = Schemas['LiveTicketDto']
/** A case (工单) with its type's name and how it stands against its due time. */
export type CaseItem = Schemas['CaseDto']
export type CaseDetail = Schemas['CaseDetail']
export type CaseType = Schemas['CaseType']
export type DueBoard = Schemas['DueBoard']
export type DueStatus = Schemas['DueStatus']
export type LiveCase = Schemas['LiveCaseDto']
export type CaseReport = Schemas['CaseReport']
export type CaseKpis = Schemas['CaseKpis']
export type OpenedCase = Schemas['OpenedCase']
/** A staff member a case can be handed to. */
export type Colleague = Schemas['Colleague']
