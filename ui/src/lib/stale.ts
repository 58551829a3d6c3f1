// Stale data: when a page's reload fails (the server cannot be reached or
// answers an error), the page keeps what it last showed, says since when
// (StaleBanner), and tries again with backoff until a load succeeds.

import { ref } from 'vue'
import { TIMERS, type Timers } from '../api/client'

/** The first retry after a failed load, ms; it doubles up to `MAX_RETRY_MS`. */
export const FIRST_RETRY_MS = 1000
export const MAX_RETRY_MS = 15_000

/**
 * Whether what a page shows is stale, and since when it is not: `loaded()`
 * after each good load, `failed()` after each failed one (which schedules
 * `retry`, 1 s doubling to 15 s, one at a time).
 */
export class Staleness {
  /** A load failed and none has succeeded since. */
  readonly stale = ref(false)
  /** When the last load succeeded (the clock's ms), null before the first. */
  readonly since = ref<number | null>(null)
  private timer: unknown = null
  private delay = FIRST_RETRY_MS

  constructor(
    private readonly retry: () => void,
    private readonly clock: () => number = Date.now,
    private readonly timers: Timers = TIMERS,
  ) {}

  loaded(): void {
    this.stale.value = false
    this.since.value = this.clock()
    this.delay = FIRST_RETRY_MS
    this.cancel()
  }

  failed(): void {
    this.stale.value = true
    if (this.timer !== null) return
    this.timer = this.timers.set(() => {
      this.timer = null
      this.retry()
    }, this.delay)
    this.delay = Math.min(this.delay * 2, MAX_RETRY_MS)
  }

  /** No more retries, nothing stale (the page logged out or closed). */
  stop(): void {
    this.cancel()
    this.stale.value = false
    this.delay = FIRST_RETRY_MS
  }

  private cancel(): void {
    if (this.timer !== null) this.timers.clear(this.timer)
    this.timer = null
  }
}
