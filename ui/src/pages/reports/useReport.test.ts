import { describe, expect, it } from 'vitest'
import { ApiError } from '../../api/client'
import { useReport } from './useReport'

/** A request answered by hand: `answer` or `refuse` each pending call, in any order. */
function manual() {
  const calls: { query: string; resolve: (v: string) => void; reject: (e: unknown) => void }[] = []
  const get = (query: string) => new Promise<string>((resolve, reject) => calls.push({ query, resolve, reject }))
  return { calls, get }
}
const tick = () => new Promise((r) => setTimeout(r, 0))
const error = (status: number) => new ApiError(status, { code: 'x', message_zh: '错', message_en: 'wrong' })

describe('a report request', () => {
  it('drops an answer to a request a newer one replaced', async () => {
    const m = manual()
    let q = 'a'
    const r = useReport({ query: () => q, get: m.get, fail: () => 'failed' })
    void r.load()
    q = 'b'
    void r.load()
    m.calls[1].resolve('answer b')
    await tick()
    m.calls[0].resolve('answer a')
    await tick()
    expect(r.data.value).toBe('answer b')
    expect(r.loading.value).toBe(false)
  })

  it('clears the answer and says why when the server refuses the request', async () => {
    const m = manual()
    const r = useReport({ query: () => 'a', get: m.get, fail: (e) => `failed ${(e as ApiError).status}` })
    void r.load()
    m.calls[0].resolve('answer')
    await tick()
    void r.load()
    m.calls[1].reject(error(422))
    await tick()
    expect([r.data.value, r.error.value, r.stale.value]).toEqual([null, 'failed 422', false])
  })

  it('keeps the answer and marks it stale when the server fails on the same request, until a reload works', async () => {
    const m = manual()
    let now = 100
    const r = useReport({ query: () => 'a', get: m.get, fail: () => 'failed', clock: () => now })
    void r.load()
    m.calls[0].resolve('answer')
    await tick()
    now = 200
    void r.load()
    m.calls[1].reject(error(500))
    await tick()
    expect([r.data.value, r.error.value, r.stale.value, r.since.value]).toEqual(['answer', '', true, 100])
    void r.load()
    m.calls[2].resolve('new answer')
    await tick()
    expect([r.data.value, r.stale.value, r.since.value]).toEqual(['new answer', false, 200])
  })

  it('does not show another request’s answer as stale: a failure on a new request clears it', async () => {
    const m = manual()
    let q = 'a'
    const r = useReport({ query: () => q, get: m.get, fail: () => 'failed' })
    void r.load()
    m.calls[0].resolve('answer a')
    await tick()
    q = 'b'
    void r.load()
    m.calls[1].reject(error(0))
    await tick()
    expect([r.data.value, r.error.value, r.stale.value]).toEqual([null, 'failed', false])
  })
})
