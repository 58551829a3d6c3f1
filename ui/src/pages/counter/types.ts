// Re-exports for the counter page.
export type { CommandAnswer, CounterNow, Kpis, Me, Queues, Service, ServiceNow, Ticket } from '../../api/types'
