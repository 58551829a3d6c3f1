import { afterEach, describe, expect, it, vi } from 'vitest'
import { Api, LiveWatch, Stream, newKey } from './client'
import type { LiveTicket } from './types'

/** A fake socket the test drives by hand. */
class FakeSocket {
  onopen: ((ev: Event) => unknown) | null = null
  onmessage: ((ev: MessageEvent) => unknown) | null = null
  onclose: ((ev: CloseEvent) => unknown) | null = null
  onerror: ((ev: Event) => unknown) | null = null
  closed = false
  constructor(readonly since: number | null) {}
  open() {
    this.onopen?.({} as Event)
  }
  send(msg: unknown) {
    this.onmessage?.({ data: JSON.stringify(msg) } as MessageEvent)
  }
  close(code?: number) {
    this.closed = true
    this.onclose?.({ code } as CloseEvent)
  }
}

function harness() {
  const sockets: FakeSocket[] = []
  const timers: { f: () => void; ms: number }[] = []
  const seen: number[] = []
  const online: boolean[] = []
  const ended: string[] = []
  let snapshots = 0
  const s = new Stream(
    (since) => {
      const k = new FakeSocket(since)
      sockets.push(k)
      return k
    },
    {
      onEvent: (e) => seen.push(e.seq),
      onSnapshot: () => (snapshots += 1),
      onOnline: (up) => online.push(up),
      onEnded: (why) => ended.push(why),
    },
    { set: (f, ms) => timers.push({ f, ms }), clear: () => {} },
  )
  return { s, sockets, timers, seen, online, ended, snapshots: () => snapshots }
}

describe('the stream', () => {
  it('resumes with since=<last seq> after a drop and never delivers an event twice', () => {
    const h = harness()
    h.s.connect()
    const first = h.sockets[0]
    expect(first.since).toBeNull()
    first.open()
    first.send({ type: 'snapshot', seq: 10, status: {} })
    first.send({ type: 'event', seq: 11, kind: 'ticket_issued', data: {} })
    first.send({ type: 'event', seq: 12, kind: 'ticket_called', data: {} })
    first.close()
    expect(h.online).toEqual([true, false])
    expect(h.timers).toHaveLength(1)
    h.timers[0].f()
    const second = h.sockets[1]
    expect(second.since).toBe(12)
    second.open()
    second.send({ type: 'event', seq: 12, kind: 'ticket_called', data: {} })
    second.send({ type: 'event', seq: 13, kind: 'ticket_started', data: {} })
    expect(h.seen).toEqual([11, 12, 13])
    expect(h.online).toEqual([true, false, true])
    expect(h.snapshots()).toBe(1)
  })

  it('backs off from 500 ms doubling to 5 s, and resets after a good connection', () => {
    const h = harness()
    h.s.connect()
    for (let i = 0; i < 6; i++) {
      h.sockets.at(-1)!.close()
      h.timers.at(-1)!.f()
    }
    expect(h.timers.map((t) => t.ms)).toEqual([500, 1000, 2000, 4000, 5000, 5000])
    h.sockets.at(-1)!.open()
    h.sockets.at(-1)!.close()
    expect(h.timers.at(-1)!.ms).toBe(500)
  })

  it('falls back to a snapshot when the server refuses the resume', () => {
    const h = harness()
    h.s.connect()
    h.sockets[0].send({ type: 'snapshot', seq: 5, status: {} })
    h.sockets[0].close()
    h.timers[0].f()
    h.sockets[1].send({ type: 'error', code: 'bad_since', message_zh: '', message_en: '' })
    h.sockets[1].close()
    h.timers[1].f()
    expect(h.sockets[2].since).toBeNull()
  })

  it('ends for good, without reconnecting, when the server closes it for a revoked terminal or an expired session', () => {
    for (const [code, why] of [
      [4001, 'terminal_revoked'],
      [4002, 'session_expired'],
    ] as const) {
      const h = harness()
      h.s.connect()
      h.sockets[0].open()
      h.sockets[0].send({ type: 'error', code: why, message_zh: '…', message_en: '…' })
      h.sockets[0].close(code)
      expect(h.ended).toEqual([why])
      expect(h.timers).toHaveLength(0)
    }
    const h = harness()
    h.s.connect()
    h.sockets[0].close(1006)
    expect(h.ended).toEqual([])
    expect(h.timers).toHaveLength(1)
  })

  it('stops reconnecting once closed', () => {
    const h = harness()
    h.s.connect()
    h.s.close()
    expect(h.timers).toHaveLength(0)
  })
})

describe('idempotency keys', () => {
  it('are fresh each time', () => {
    const keys = new Set(Array.from({ length: 100 }, newKey))
    expect(keys.size).toBe(100)
    expect([...keys][0]).toMatch(/^[0-9a-f]{32}$/)
  })
})

describe('the live ticket watch', () => {
  const live = (seq: number, state: LiveTicket['state'] = 'waiting') =>
    ({ ticket: 't', number: 'A001', service: 'PAY', service_name: '交费', service_name_en: 'Bill payment', hall_name: 'H', state, issued_at: 0, seq }) as LiveTicket

  function watch(poll: () => Promise<LiveTicket>) {
    const sockets: FakeSocket[] = []
    const timers: { f: () => void; ms: number }[] = []
    const seen: number[] = []
    const online: boolean[] = []
    const w = new LiveWatch(
      () => {
        const k = new FakeSocket(null)
        sockets.push(k)
        return k
      },
      poll,
      { onTicket: (t) => seen.push(t.seq), onOnline: (up) => online.push(up) },
      { set: (f, ms) => timers.push({ f, ms }), clear: () => {} },
    )
    return { w, sockets, timers, seen, online }
  }

  it('shows each message, polls while the socket is down, reconnects with backoff, ignores older states', async () => {
    let polled = 0
    const h = watch(async () => (polled++, live(5)))
    h.w.connect()
    h.sockets[0].open()
    h.sockets[0].send(live(3))
    h.sockets[0].send(live(4))
    h.sockets[0].close()
    await Promise.resolve()
    await Promise.resolve()
    expect(polled).toBe(1)
    expect(h.seen).toEqual([3, 4, 5])
    expect(h.timers.map((t) => t.ms)).toEqual([1000])
    h.timers[0].f()
    h.sockets[1].close()
    await Promise.resolve()
    await Promise.resolve()
    expect(h.timers.map((t) => t.ms)).toEqual([1000, 2000])
    h.timers[1].f()
    h.sockets[2].open()
    h.sockets[2].send(live(4))
    h.sockets[2].send(live(6))
    expect(h.seen).toEqual([3, 4, 5, 5, 6])
    expect(h.online).toEqual([true, false, false, true])
  })

  it('stops after the visit ends: no reconnect, no poll', async () => {
    let polled = 0
    const h = watch(async () => (polled++, live(9)))
    h.w.connect()
    h.sockets[0].open()
    h.sockets[0].send(live(7, 'called'))
    h.sockets[0].send(live(8, 'done'))
    expect(h.sockets[0].closed).toBe(true)
    expect(h.timers).toEqual([])
    expect(polled).toBe(0)
    expect(h.seen).toEqual([7, 8])
  })
})

describe('binary answers', () => {
  afterEach(() => vi.unstubAllGlobals())

  it("keep a call's voice out of the browser's HTTP cache", async () => {
    const fetch = vi.fn(async () => new Response(new Blob([new Uint8Array(4)]), { status: 200 }))
    vi.stubGlobal('fetch', fetch)
    const blob = await new Api('tok', 'http://hall').blob('/api/v1/voice/calls/t1')
    expect(blob.size).toBe(4)
    expect(fetch).toHaveBeenCalledWith('http://hall/api/v1/voice/calls/t1', { cache: 'no-store', headers: { Authorization: 'Bearer tok' } })
  })
})
