// Wire types of the hall server (hallq-server's dto.rs); only the fields the
// pages read. The browser suite checks them against /api/v1/openapi.json.

export type Role = 'kiosk' | 'counter' | 'display' | 'rating_pad' | 'board' | 'supervisor'
export type TicketState = 'waiting' | 'called' | 'serving' | 'done' | 'no_show' | 'transferred' | 'cancelled' | 'expired'

export interface Service {
  code: string
  prefix: string
  name_zh: string
  name_en: string
  target_wait_min: number
  target_handling_min: number
  enabled: boolean
}
export interface ServiceNow {
  service: Service
  waiting: number
  open_counters: number
  estimated_wait_ms?: number | null
  longest_wait_ms?: number | null
}
export interface Ticket {
  id: string
  number: string
  service: string
  state: TicketState
  priority: 'normal' | 'priority' | 'appointment' | 'vip'
  issued_at: number
  visit_issued_at: number
  called_at?: number | null
  last_called_at?: number | null
  started_at?: number | null
  counter?: number | null
  people_ahead: number
  estimated_wait_ms?: number | null
  recalls: number
  staff?: string | null
  appointment?: string | null
}
export interface CounterNow {
  number: number
  name: string
  services: string[]
  state: string
  status: 'closed' | 'open' | 'paused'
  status_since: number
  staff?: string | null
  staff_name?: string | null
  pause_reason?: string | null
  current?: Ticket | null
  waiting: number
}
export interface Hall {
  id: string
  code: string
  name: string
  time_zone: string
  rollover_hour: number
  max_recalls: number
  notices: string[]
  opening?: { open: string; close: string } | null
  /** The base of the live-ticket URL in the QR code (`http://192.168.1.10:8080`); null = derived. */
  public_url?: string | null
}
export interface HallInfo {
  day: string
  hall: Hall
  now: number
  seq: number
}
export interface Status {
  day: string
  hall: Hall
  services: ServiceNow[]
  counters: CounterNow[]
}
export interface Call {
  ticket: string
  number: string
  service: string
  counter: number
  called_at: number
  recalls: number
  state: TicketState
}
export interface Kpis {
  issued: number
  legs: number
  served: number
  no_show: number
  cancelled: number
  expired: number
  transferred: number
  open: number
  no_show_rate?: number | null
  left_without_service_rate?: number | null
  wait_mean_ms?: number | null
  wait_p50_ms?: number | null
  wait_p90_ms?: number | null
  wait_max_ms?: number | null
  within_target_wait?: number | null
  handling_mean_ms?: number | null
  handling_p90_ms?: number | null
  within_target_handling?: number | null
  peak_queue: number
  arrivals_per_hour?: number | null
  utilisation?: number | null
  rated: number
  rating_coverage?: number | null
  satisfaction?: number | null
  ratings_by_level: number[]
  low_score_reasons: Record<string, number>
}
export interface CommandAnswer {
  seq: number
  at: number
  ticket?: Ticket | null
}
/** The answer to an issue: a command answer plus the ticket's print job. */
export interface IssueAnswer {
  seq: number
  at: number
  ticket?: Ticket | null
  /** null: not a kiosk, or kind none; absent: a server without printing. */
  print?: PrintOutcome | null
}
export interface Me {
  terminal: string
  role: Role
  counter?: number | null
  name: string
  hall: string
}
export interface StreamEvent {
  seq: number
  at: number
  kind: string
  data: Record<string, unknown>
}
export interface Staff {
  number: string
  name: string
  role: 'agent' | 'supervisor' | 'admin'
  active: boolean
  has_pin: boolean
}
export interface CounterConfig {
  number: number
  name: string
  services: string[]
  routing: { order: 'fifo' | 'ordered'; max_priority_in_row?: number | null }
}
export interface Settings {
  hall: Hall
  services: Service[]
  counters: CounterConfig[]
  staff: Staff[]
}
export interface Terminal {
  id: string
  name: string
  role: string
  counter?: number | null
  created_at: number
  revoked_at?: number | null
}
export interface FollowUp {
  ticket: string
  number: string
  service: string
  counter?: number | null
  staff?: string | null
  level: number
  reason?: string | null
  deadline: string
  overdue: boolean
  note?: string | null
}
/** `GET /api/v1/health`: `status` is `ok`, `disk_full` or `database_damaged` (then `problem` says it in words). */
export interface Health {
  status: string
  version: string
  needs_setup: boolean
  problem?: ApiErrorBody | null
}
/** `GET /api/v1/backup`: the hall's automatic backups. */
export interface Backup {
  dir: string
  dir_exists: boolean
  last_good: { file: string; at: number; bytes: number } | null
  last_error: ApiErrorBody | null
  warning: boolean
}
export interface ApiErrorBody {
  code: string
  message_zh: string
  message_en: string
}

// ---- Reports (issue 6; /work/i6/CONTRACT.md). Rates are 0..1, null when undefined.

export type GroupBy = 'total' | 'hall' | 'service' | 'counter' | 'staff' | 'hour' | 'day' | 'weekday'
export interface KpiGroup {
  key: string
  label: string
  kpis: Kpis
}
export interface KpiReport {
  from: string
  to: string
  by: GroupBy
  total: Kpis
  groups: KpiGroup[]
}
export interface ReportTargets {
  within_target_wait?: number | null
  satisfaction?: number | null
  rating_coverage?: number | null
}
export interface WaitBucket {
  from_min: number
  to_min?: number | null
  count: number
}
export interface HeatCell {
  weekday: number
  hour: number
  arrivals: number
  mean_wait_ms?: number | null
}
export interface QueuePoint {
  minute: number
  mean_queue: number
  max_queue: number
}
export interface StaffRow {
  key: string
  label: string
  kpis: Kpis
  share_of_load?: number | null
}
export interface LongWait {
  ticket: string
  number: string
  service: string
  service_name: string
  day: string
  issued_at: number
  wait_ms: number
  counter?: number | null
}
export interface FollowUpItem {
  ticket: string
  number: string
  rating: number
  reason?: string | null
  due: string
  state: 'open' | 'done' | 'overdue'
}
export interface Overview {
  from: string
  to: string
  previous: { from: string; to: string }
  halls: { id: string; name: string }[]
  targets: ReportTargets
  total: Kpis
  previous_total: Kpis
  daily: { day: string; kpis: Kpis }[]
  wait_histogram: WaitBucket[]
  heatmap: HeatCell[]
  queue_by_time: QueuePoint[]
  counters: KpiGroup[]
  staff: { rows: StaffRow[]; max_over_mean?: number | null; gini?: number | null }
  longest_waits: LongWait[]
  follow_ups: { open: number; done: number; overdue: number; items: FollowUpItem[] }
}
export interface StaffingRow {
  /** The hall's code (rows of every hall when `hall=all`). */
  hall?: string
  weekday: number
  hour: number
  arrivals_per_hour: number
  handling_mean_ms?: number | null
  open_counters: number
  /** null: no handling known, or beyond what the server advises. */
  advised_counters?: number | null
  within_target_at_open?: number | null
  within_target_at_advised?: number | null
}
export interface Staffing {
  target_share: number
  target_wait_ms?: number | null
  rows: StaffingRow[]
}
export interface SimulateRequest {
  arrivals_per_hour: number
  handling_minutes: number
  counters: number
  hours: number
  seed: number
  /** Target wait in minutes (1–240); the server's default is 15. */
  target_wait_minutes?: number
}
export interface SimulateAnswer {
  customers: number
  kpis: Kpis
  erlang_c?: { mean_wait_ms: number; within_target_wait: number } | null
}

// ---- Printing and the live ticket page (issue 7; /work/i7/CONTRACT.md).

export type PrinterKind = 'none' | 'html' | 'network' | 'usb' | 'serial' | 'local'
export type PrinterState = 'ready' | 'paper_near_end' | 'paper_out' | 'cover_open' | 'offline' | 'unknown' | 'not_checked'
export interface PrinterConfig {
  kind: PrinterKind
  address?: string | null
  baud?: number | null
  /** 80 when not given. */
  paper?: 58 | 80
}
export interface PrinterStatus {
  state: PrinterState
  checked_at?: number | null
  message_zh: string
  message_en: string
}
export interface Printer {
  kiosk: string
  kiosk_name: string
  config: PrinterConfig
  status: PrinterStatus
  pending: number
}
export interface TicketPrint {
  hall_name: string
  service_name: string
  number: string
  people_ahead: number
  estimated_wait_minutes?: number | null
  issued_at: string
  ticket_url: string
  notice: string
}
export interface PrintJob {
  id: string
  ticket: string
  number: string
  kiosk?: string | null
  reason: 'issue' | 'reprint' | 'test'
  deliver: 'server' | 'page'
  kind: PrinterKind
  paper: 58 | 80
  state: 'pending' | 'printed' | 'skipped' | 'cancelled'
  attempts: number
  last_error?: ApiErrorBody | null
  content: TicketPrint
  created_at: number
  printed_at?: number | null
}
export interface PrintOutcome {
  job: PrintJob
  fault?: ApiErrorBody | null
}
export interface LiveTicket {
  ticket: string
  number: string
  service: string
  service_name: string
  hall_name: string
  state: 'waiting' | 'called' | 'serving' | 'done' | 'no_show' | 'cancelled' | 'transferred' | 'expired'
  people_ahead?: number | null
  estimated_wait_ms?: number | null
  counter?: number | null
  counter_name?: string | null
  issued_at: number
  called_at?: number | null
  seq: number
}
