// Answers of the report routes as /work/i6/CONTRACT.md gives them, for the
// unit tests (the browser test checks the page against the real server).

import type { Kpis, Overview, Staffing } from '../../api/types'

export function kpis(over: Partial<Kpis> = {}): Kpis {
  return {
    issued: 120, legs: 126, served: 110, no_show: 4, cancelled: 2, expired: 1, transferred: 6, open: 0,
    no_show_rate: 4 / 120, left_without_service_rate: 3 / 120,
    wait_mean_ms: 420_000, wait_p50_ms: 360_000, wait_p90_ms: 900_000, wait_max_ms: 2_400_000,
    within_target_wait: 0.82, handling_mean_ms: 360_000, handling_p90_ms: 720_000, within_target_handling: 0.9,
    peak_queue: 9, arrivals_per_hour: 15, utilisation: 0.64, rated: 77, rating_coverage: 0.7, satisfaction: 0.96,
    ratings_by_level: [1, 2, 4, 20, 50], low_score_reasons: { attitude: 1, efficiency: 2 },
    ...over,
  }
}

export const overview: Overview = {
  from: '2026-11-01', to: '2026-11-30',
  previous: { from: '2026-10-02', to: '2026-10-31' },
  halls: [{ id: '0192f0c8-0000-7000-8000-000000000001', name: '城关供电营业厅' }],
  targets: { within_target_wait: 0.8, satisfaction: 0.95, rating_coverage: 0.6 },
  total: kpis(),
  previous_total: kpis({ issued: 100, served: 100, within_target_wait: 0.75, wait_mean_ms: 480_000, satisfaction: 0.97, no_show_rate: null }),
  daily: [{ day: '2026-11-01', kpis: kpis() }],
  wait_histogram: [{ from_min: 0, to_min: 2, count: 17 }, { from_min: 2, to_min: 4, count: 11 }, { from_min: 60, to_min: null, count: 1 }],
  heatmap: [
    { weekday: 0, hour: 9, arrivals: 12.5, mean_wait_ms: 312_000 },
    { weekday: 4, hour: 16, arrivals: 3, mean_wait_ms: 60_000 },
    { weekday: 6, hour: 11, arrivals: 1, mean_wait_ms: null },
  ],
  queue_by_time: [{ minute: 540, mean_queue: 3.2, max_queue: 9 }],
  counters: [{ key: '001', label: '1号窗口 交费', label_en: 'Counter 1 Payments', kpis: kpis() }],
  staff: { rows: [{ key: '0001', label: '张三', label_en: '张三', kpis: kpis(), share_of_load: 0.31 }], max_over_mean: 1.42, gini: 0.18 },
  longest_waits: [
    { ticket: '0192f0c8-0000-7000-8000-0000000000aa', number: 'A017', service: 'PAY', service_name: '电费缴纳', service_name_en: 'Bill payment', day: '2026-11-03', issued_at: 1764140000000, wait_ms: 2_400_000, counter: 3 },
  ],
  follow_ups: { open: 2, done: 5, overdue: 1, items: [{ ticket: '0192f0c8-0000-7000-8000-0000000000bb', number: 'B004', rating: 1, reason: 'attitude', due: '2026-11-24', state: 'overdue' }] },
}

export const staffing: Staffing = {
  from: '2026-11-01', to: '2026-11-30', target_share: 0.8, target_wait_ms: 600_000,
  rows: [
    { hall: 'E2E', days: 4, weekday: 0, hour: 9, arrivals_per_hour: 38, handling_mean_ms: 360_000, open_counters: 3, advised_counters: 5, within_target_at_open: 0.42, within_target_at_advised: 0.86 },
    { hall: 'E2E', days: 4, weekday: 0, hour: 12, arrivals_per_hour: 10, handling_mean_ms: 360_000, open_counters: 4, advised_counters: 2, within_target_at_open: 0.99, within_target_at_advised: 0.85 },
    { hall: 'E2E', days: 4, weekday: 2, hour: 10, arrivals_per_hour: 20, handling_mean_ms: 300_000, open_counters: 3, advised_counters: 3, within_target_at_open: 0.9, within_target_at_advised: 0.9 },
  ],
}
