import { describe, expect, it } from 'vitest'
import { Staleness } from './stale'

/** Timers run by hand: `fire()` runs the pending one. */
function manualTimers() {
  const pending: { f: () => void; ms: number; id: number }[] = []
  let next = 0
  return {
    pending,
    set: (f: () => void, ms: number) => {
      pending.push({ f, ms, id: ++next })
      return next
    },
    clear: (id: unknown) => {
      const i = pending.findIndex((p) => p.id === id)
      if (i >= 0) pending.splice(i, 1)
    },
    fire: () => pending.shift()!.f(),
  }
}

describe('stale data', () => {
  it('is stale from a failed load until a good one, keeping the time of the last good load', () => {
    const timers = manualTimers()
    let now = 1000
    const s = new Staleness(() => {}, () => now, timers)
    s.loaded()
    expect([s.stale.value, s.since.value]).toEqual([false, 1000])
    now = 5000
    s.failed()
    expect([s.stale.value, s.since.value]).toEqual([true, 1000])
    now = 9000
    s.loaded()
    expect([s.stale.value, s.since.value]).toEqual([false, 9000])
    expect(timers.pending).toEqual([])
  })

  it('retries with backoff from 1 s doubling to 15 s, one retry at a time, and starts again at 1 s after a good load', () => {
    const timers = manualTimers()
    let retries = 0
    const s = new Staleness(() => (retries += 1), () => 0, timers)
    const delays: number[] = []
    for (let i = 0; i < 6; i++) {
      s.failed()
      s.failed() // A second failure while a retry is pending adds none.
      expect(timers.pending.length).toBe(1)
      delays.push(timers.pending[0].ms)
      timers.fire()
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 15000, 15000])
    expect(retries).toBe(6)
    s.loaded()
    s.failed()
    expect(timers.pending[0].ms).toBe(1000)
  })

  it('stops retrying when stopped', () => {
    const timers = manualTimers()
    const s = new Staleness(() => {}, () => 0, timers)
    s.failed()
    s.stop()
    expect(timers.pending).toEqual([])
    expect(s.stale.value).toBe(false)
  })
})
