// One report request of the reports page (overview, grouped KPIs,
// staffing): its answer, whether it is loading, its error, and `load()`,
// which asks again. An answer to a request a newer one replaced is dropped.
// A refusal (4xx) clears the answer and says why; a failure to reach the
// server (or a 5xx) on the same request keeps the answer on screen, marks
// it stale (StaleBanner) and retries with backoff until it loads.

import { getCurrentInstance, onUnmounted, ref, shallowRef, type Ref, type ShallowRef } from 'vue'
import { Staleness } from '../../lib/stale'

export interface Report<T> {
  data: ShallowRef<T | null>
  loading: Ref<boolean>
  /** Why the last request failed, in the page's language ('' when it did not). */
  error: Ref<string>
  /** The answer shown is older than a failed request for the same thing. */
  stale: Ref<boolean>
  /** When the answer shown was loaded (ms), null before the first. */
  since: Ref<number | null>
  load: () => Promise<void>
}

/**
 * `query()` is the request's query (null: nothing to ask yet), `get` sends
 * it, `fail` turns an error into the message shown (and handles a refused
 * token), `took` sees each answer that is kept.
 */
export function useReport<T, Q>(opts: {
  query: () => Q | null
  get: (query: Q) => Promise<T>
  fail: (e: unknown) => string
  took?: (answer: T) => void
  clock?: () => number
}): Report<T> {
  const data = shallowRef<T | null>(null)
  const loading = ref(false)
  const error = ref('')
  const freshness = new Staleness(() => void load(), opts.clock)
  /** The query of the answer shown (JSON), to tell a reload of it from a new request. */
  let shown: string | null = null
  let generation = 0

  async function load() {
    const query = opts.query()
    if (query === null) return
    const q = JSON.stringify(query)
    const n = ++generation
    loading.value = true
    error.value = ''
    try {
      const answer = await opts.get(query)
      if (n !== generation) return
      data.value = answer
      shown = q
      freshness.loaded()
      opts.took?.(answer)
    } catch (e) {
      if (n !== generation) return
      const status = (e as { status?: number }).status ?? 0
      if ((status === 0 || status >= 500) && data.value !== null && shown === q) {
        freshness.failed()
        return
      }
      freshness.stop()
      data.value = null
      shown = null
      error.value = opts.fail(e)
    } finally {
      if (n === generation) loading.value = false
    }
  }

  // Outside a component (the unit tests) there is nothing to unmount.
  if (getCurrentInstance()) onUnmounted(() => freshness.stop())
  return { data, loading, error, stale: freshness.stale, since: freshness.since, load }
}
