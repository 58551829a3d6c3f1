// The one API client of every page: REST with a bearer token and an
// idempotency key per action, and the live stream (WebSocket) with
// reconnect and `since=<seq>` resume. Pages never call fetch or WebSocket
// themselves. REST calls are typed by the API document: `api.rest` is an
// openapi-fetch client over the generated `paths`, and `data(...)` takes
// its answer (an error answer throws `ApiError`, as every call here does).

import createClient, { type Client, type Middleware } from 'openapi-fetch'
import { ref } from 'vue'
import type { paths } from './schema'
import type { ApiErrorBody, LiveTicket, StreamEvent } from './types'

/** An error answer of the server, bilingual. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message_en)
  }
}

/** A fresh idempotency key (crypto.randomUUID needs a secure context; a LAN page over http has none). */
export function newKey(): string {
  const b = new Uint8Array(16)
  crypto.getRandomValues(b)
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

/** The error of a request that never reached the server. */
const OFFLINE: ApiErrorBody = { code: 'offline', message_zh: '无法连接服务器', message_en: 'cannot reach the server' }

/** The bilingual body of an error answer; a body that is not JSON keeps the status line. */
async function errorBody(res: Response): Promise<ApiErrorBody> {
  const text = await res.text()
  try {
    if (text) return JSON.parse(text) as ApiErrorBody
  } catch {
    // Not JSON: the status line below.
  }
  return { code: 'http', message_zh: `HTTP ${res.status}`, message_en: `HTTP ${res.status}` }
}

/**
 * What a typed call answered. The client's middleware has already thrown
 * `ApiError` for an error answer, so only a success reaches here.
 */
export async function data<T>(call: Promise<{ data?: T }>): Promise<T> {
  return (await call).data as T
}

/** Where a page keeps its token: one key per page role. */
export function tokenKey(page: string): string {
  return `hallq.token.${page}`
}

/** The token of a page: `?token=` once (then moved to localStorage and out of the URL), else localStorage. */
export function takeToken(page: string, loc: Location = location, store: Storage = localStorage): string | null {
  const url = new URL(loc.href)
  const given = url.searchParams.get('token')
  if (given) {
    store.setItem(tokenKey(page), given)
    url.searchParams.delete('token')
    history.replaceState(null, '', url.pathname + url.search + url.hash)
    return given
  }
  return store.getItem(tokenKey(page))
}

export class Api {
  /** True while the stream is connected (and the last request reached the server). */
  readonly online = ref(true)
  /** Server time minus local time, ms. */
  offset = 0

  /**
   * Typed REST calls: `await data(api.rest.GET('/api/v1/counters/{counter}', { params: { path: { counter } } }))`.
   * Every call carries the token; a command (any method but GET) carries a
   * fresh idempotency key unless it passes its own `Idempotency-Key` header.
   */
  readonly rest: Client<paths>

  constructor(
    public token: string | null,
    private readonly base = '',
  ) {
    this.rest = createClient<paths>({ baseUrl: base })
    this.rest.use(this.middleware())
  }

  /** The token and key on the way out; the bilingual error and the online flag on the way back. */
  private middleware(): Middleware {
    return {
      onRequest: ({ request }) => {
        request.headers.set('Accept', 'application/json')
        if (this.token) request.headers.set('Authorization', `Bearer ${this.token}`)
        if (request.method !== 'GET' && !request.headers.has('Idempotency-Key')) request.headers.set('Idempotency-Key', newKey())
        return request
      },
      onError: () => {
        this.online.value = false
        return new ApiError(0, OFFLINE)
      },
      onResponse: async ({ response }) => {
        if (!response.ok) throw new ApiError(response.status, await errorBody(response))
        return response
      },
    }
  }

  /** The server's clock now, ms. */
  now(): number {
    return Date.now() + this.offset
  }

  async request<T>(method: string, path: string, body?: unknown, key?: string): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' }
    if (this.token) headers.Authorization = `Bearer ${this.token}`
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    if (key) headers['Idempotency-Key'] = key
    let res: Response
    try {
      res = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    } catch {
      this.online.value = false
      throw new ApiError(0, OFFLINE)
    }
    if (!res.ok) throw new ApiError(res.status, await errorBody(res))
    const text = await res.text()
    return (text ? JSON.parse(text) : null) as T
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path)
  }

  /** A command: sent with a new idempotency key (a retry of the same action may pass its own). */
  command<T>(method: string, path: string, body?: unknown, key: string = newKey()): Promise<T> {
    return this.request<T>(method, path, body, key)
  }

  /**
   * Binary GET (the voice WAV), kept by nobody but the caller. The server
   * lets a call's WAV be cached for a day, and each call has its own URL:
   * through the browser's HTTP cache a day of calls (about 140 KB each)
   * piled up in the web view's memory and cache (issue 13); heard once,
   * a recall asks again.
   */
  async blob(path: string): Promise<Blob> {
    const res = await fetch(this.base + path, { cache: 'no-store', headers: this.token ? { Authorization: `Bearer ${this.token}` } : {} })
    if (!res.ok) throw new ApiError(res.status, { code: 'http', message_zh: `HTTP ${res.status}`, message_en: `HTTP ${res.status}` })
    return res.blob()
  }

  /**
   * A file answer (a report export) with the name the server gives it in
   * `Content-Disposition`; an error answer keeps its bilingual body.
   */
  async file(path: string): Promise<{ blob: Blob; filename: string | null }> {
    let res: Response
    try {
      res = await fetch(this.base + path, { headers: this.token ? { Authorization: `Bearer ${this.token}` } : {} })
    } catch {
      throw new ApiError(0, OFFLINE)
    }
    if (!res.ok) throw new ApiError(res.status, await errorBody(res))
    return { blob: await res.blob(), filename: attachmentName(res.headers.get('Content-Disposition')) }
  }

  /** A ticket's live state, for the customer's phone: public, no token (`/api/v1/live/{id}`). */
  liveTicket(id: string): Promise<LiveTicket> {
    return data(new Api(null, this.base).rest.GET('/api/v1/live/{ticket}', { params: { path: { ticket: id } } }))
  }

  /**
   * A ticket's live updates over the public WebSocket (no token), with
   * reconnect and, while the socket is down, a poll of `liveTicket`.
   */
  watchLive(id: string, onTicket: (t: LiveTicket) => void): LiveWatch {
    const wsBase = (this.base || location.origin).replace(/^http/, 'ws')
    const w = new LiveWatch(() => new WebSocket(`${wsBase}/api/v1/live/${encodeURIComponent(id)}/stream`), () => this.liveTicket(id), {
      onTicket,
      onOnline: (up) => (this.online.value = up),
    })
    w.connect()
    return w
  }

  /**
   * The live stream of this page. `onEnded` hears when the server ends it for
   * good because the token stopped working (revoked, or the session expired).
   */
  stream(onEvent: (e: StreamEvent) => void, onSnapshot: () => void, onEnded?: (why: StreamEnd) => void): Stream {
    const wsBase = (this.base || location.origin).replace(/^http/, 'ws')
    const s = new Stream((since) => {
      const q = new URLSearchParams({ token: this.token ?? '' })
      if (since !== null) q.set('since', String(since))
      return new WebSocket(`${wsBase}/api/v1/stream?${q}`)
    }, { onEvent, onSnapshot, onOnline: (up) => (this.online.value = up), onEnded })
    s.connect()
    return s
  }
}

/** The file name of a `Content-Disposition` header (RFC 5987 `filename*` first). */
export function attachmentName(header: string | null): string | null {
  if (!header) return null
  const star = header.match(/filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/)
  if (star) {
    try {
      return decodeURIComponent(star[1].trim())
    } catch {
      // Fall through to the plain name.
    }
  }
  const plain = header.match(/filename\s*=\s*"?([^";]+)"?/)
  return plain ? plain[1].trim() : null
}

/**
 * Why the server ended a stream for good: the terminal was revoked (pair
 * again) or the supervisor session expired (log in again). The server closes
 * with 4001 / 4002, after an `error` message with the same code.
 */
export type StreamEnd = 'terminal_revoked' | 'session_expired'

/** The close codes of a stream the server ended for good. */
export const STREAM_END_CODES: Record<number, StreamEnd> = { 4001: 'terminal_revoked', 4002: 'session_expired' }

export interface StreamHandlers {
  onEvent: (e: StreamEvent) => void
  /** The stream (re)started from a snapshot: reload everything. */
  onSnapshot: () => void
  onOnline: (up: boolean) => void
  /** The server ended the stream for good: no reconnect. */
  onEnded?: (why: StreamEnd) => void
}

export interface Timers {
  set: (f: () => void, ms: number) => unknown
  clear: (h: unknown) => void
}

/** The browser's own timers. */
export const TIMERS: Timers = { set: (f, ms) => setTimeout(f, ms), clear: (t) => clearTimeout(t as number) }

type Socket = Pick<WebSocket, 'close'> & {
  onopen: ((ev: Event) => unknown) | null
  onmessage: ((ev: MessageEvent) => unknown) | null
  onclose: ((ev: CloseEvent) => unknown) | null
  onerror: ((ev: Event) => unknown) | null
}

/**
 * The event stream with reconnect: the first connection takes a snapshot,
 * later ones resume with `since=<last seq>` so no event is lost or seen
 * twice; a refused resume (a `since` the server cannot serve) falls back to
 * a snapshot. Backoff doubles from 500 ms to 5 s.
 */
export class Stream {
  seq: number | null = null
  private socket: Socket | null = null
  private timer: unknown = null
  private delay = 500
  private stopped = false
  private resumeFailed = false

  constructor(
    private readonly open: (since: number | null) => Socket,
    private readonly h: StreamHandlers,
    private readonly timers: Timers = TIMERS,
  ) {}

  connect(): void {
    if (this.stopped) return
    const since = this.resumeFailed ? null : this.seq
    const s = this.open(since)
    this.socket = s
    s.onopen = () => {
      this.delay = 500
      this.h.onOnline(true)
    }
    s.onmessage = (ev) => {
      const msg = JSON.parse(String(ev.data))
      if (msg.type === 'snapshot') {
        this.seq = msg.seq
        this.resumeFailed = false
        this.h.onSnapshot()
      } else if (msg.type === 'event') {
        if (this.seq !== null && msg.seq <= this.seq) return
        const first = this.seq === null
        this.seq = msg.seq
        // A resumed stream starts with events, no snapshot: the page's data
        // may be stale from before the gap, so reload it once.
        if (first) this.h.onSnapshot()
        this.h.onEvent(msg)
      } else if (msg.type === 'error') {
        this.resumeFailed = true
      }
    }
    s.onclose = (ev) => {
      if (this.socket !== s) return
      this.socket = null
      this.h.onOnline(false)
      if (this.stopped) return
      const ended = STREAM_END_CODES[ev?.code]
      if (ended) {
        // The token no longer works: reconnecting would only be refused.
        this.stopped = true
        this.h.onEnded?.(ended)
        return
      }
      this.timer = this.timers.set(() => this.connect(), this.delay)
      this.delay = Math.min(this.delay * 2, 5000)
    }
    s.onerror = () => {}
  }

  close(): void {
    this.stopped = true
    if (this.timer !== null) this.timers.clear(this.timer)
    this.socket?.close()
  }
}

/** A visit that has ended: its live stream closes for good. */
export function liveFinal(state: LiveTicket['state']): boolean {
  return state === 'done' || state === 'no_show' || state === 'cancelled' || state === 'expired'
}

/**
 * One ticket's live state: the public WebSocket sends the whole
 * `LiveTicket` at once and on every change. A dropped socket is reopened
 * with backoff (1 s doubling to 15 s) and polled over REST at each try, so
 * a phone on a flaky Wi-Fi still follows its ticket; an older message
 * (lower seq) never overwrites a newer one. Stops once the visit ended.
 */
export class LiveWatch {
  seq = -1
  private socket: Socket | null = null
  private timer: unknown = null
  private delay = 1000
  private stopped = false

  constructor(
    private readonly open: () => Socket,
    private readonly poll: () => Promise<LiveTicket>,
    private readonly h: { onTicket: (t: LiveTicket) => void; onOnline: (up: boolean) => void },
    private readonly timers: Timers = TIMERS,
  ) {}

  private take(t: LiveTicket): void {
    if (t.seq < this.seq) return
    this.seq = t.seq
    this.h.onTicket(t)
    if (liveFinal(t.state)) this.close()
  }

  connect(): void {
    if (this.stopped) return
    const s = this.open()
    this.socket = s
    s.onopen = () => {
      this.delay = 1000
      this.h.onOnline(true)
    }
    s.onmessage = (ev) => this.take(JSON.parse(String(ev.data)) as LiveTicket)
    s.onclose = () => {
      if (this.socket !== s) return
      this.socket = null
      if (this.stopped) return
      this.h.onOnline(false)
      this.poll().then(
        (t) => {
          if (!this.stopped) this.take(t)
        },
        () => {},
      )
      this.timer = this.timers.set(() => this.connect(), this.delay)
      this.delay = Math.min(this.delay * 2, 15_000)
    }
    s.onerror = () => {}
  }

  close(): void {
    this.stopped = true
    if (this.timer !== null) this.timers.clear(this.timer)
    const s = this.socket
    this.socket = null
    s?.close()
  }
}
