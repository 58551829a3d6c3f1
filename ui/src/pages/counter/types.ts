// Re-exports for the counter page, plus the queues shape.
export type { CommandAnswer, CounterNow, Kpis, Me, PrintOutcome, Service, ServiceNow, Ticket } from '../../api/types'
import type { Ticket } from '../../api/types'
export interface QueuesLike {
  services: { service: string; tickets: Ticket[] }[]
  counters: { counter: number; tickets: Ticket[] }[]
}
