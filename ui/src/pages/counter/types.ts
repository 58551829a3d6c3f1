// Re-exports for the counter page.
export type { CaseItem, CaseType, Colleague, CommandAnswer, CounterNow, Kpis, Me, Queues, Service, ServiceNow, Ticket } from '../../api/types'
