// The board's follow-ups list: the overdue ones first, then by deadline
// (then by when they were rated), shown a page at a time.
import type { FollowUp } from '../../api/types'

/** Follow-ups per page on the board. */
export const FOLLOW_UPS_PER_PAGE = 8

/** Overdue first, then the nearest deadline, then the oldest rating. */
export function followUpOrder<T extends Pick<FollowUp, 'overdue' | 'deadline' | 'rated_at'>>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => Number(b.overdue) - Number(a.overdue) || a.deadline.localeCompare(b.deadline) || a.rated_at - b.rated_at)
}

export interface Page<T> {
  items: T[]
  /** 1-based, clamped to 1..pages. */
  page: number
  /** At least 1 (an empty list is one empty page). */
  pages: number
}

/** Page `page` (1-based, clamped) of `list`, `size` items a page. */
export function pageOf<T>(list: readonly T[], page: number, size: number): Page<T> {
  const pages = Math.max(1, Math.ceil(list.length / size))
  const p = Math.min(Math.max(1, Math.floor(page) || 1), pages)
  return { items: list.slice((p - 1) * size, p * size), page: p, pages }
}
