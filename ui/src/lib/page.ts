// What every page starts with: i18n, the theme, its token (pairing or a
// supervisor session), the API client and the live stream.

import { createApp, type Component, onUnmounted, ref, shallowRef } from 'vue'
import { Api, data, takeToken, tokenKey, type Stream, type StreamEnd } from '../api/client'
import type { StreamEvent } from '../api/types'
import { forCustomers, i18n } from '../i18n'
import { Staleness } from './stale'
import '../theme.css'

/**
 * Why this page's token stopped working while it was open (the server
 * ended its stream): the pairing and login screens say so, in the page's
 * language, and ask to pair or log in again.
 */
export const ended = ref<StreamEnd | null>(null)

/**
 * Mounts the page. A customer page (kiosk, rating pad) starts in Chinese
 * and never stores a language switch (see `forCustomers`).
 */
export function mount(page: Component, opts: { customer?: boolean } = {}): void {
  if (opts.customer) forCustomers()
  document.documentElement.lang = i18n.global.locale.value === 'en' ? 'en' : 'zh-CN'
  createApp(page).use(i18n).mount('#app')
}

/**
 * The page's API client with its stored token; `reload` is called on every
 * (re)connection and, debounced, after events; `onEvent` sees each event.
 * A reload that fails (other than a refused token) leaves the page's data
 * as it was: `stale` and `since` say so for StaleBanner, and the reload is
 * retried with backoff until one succeeds.
 */
export function useHall(page: string, opts: { reload: () => Promise<void> | void; onEvent?: (e: StreamEvent) => void }) {
  const api = new Api(takeToken(page))
  const token = ref(api.token)
  const ready = ref(false)
  const stream = shallowRef<Stream | null>(null)
  let pending: ReturnType<typeof setTimeout> | null = null
  const freshness = new Staleness(() => void reloadNow(), () => api.now())

  async function reloadNow() {
    try {
      await opts.reload()
      api.online.value = stream.value ? api.online.value : true
      freshness.loaded()
    } catch (e) {
      const status = (e as { status?: number }).status
      if (status === 401) forget()
      else freshness.failed()
    }
  }

  function schedule() {
    if (pending) return
    pending = setTimeout(() => {
      pending = null
      void reloadNow()
    }, 30)
  }

  async function start(t: string) {
    ended.value = null
    localStorage.setItem(tokenKey(page), t)
    api.token = t
    token.value = t
    try {
      const info = await data(api.rest.GET('/api/v1/hall'))
      api.offset = info.now - Date.now()
    } catch (e) {
      if ((e as { status?: number }).status === 401) return forget()
    }
    ready.value = true
    await reloadNow()
    stream.value?.close()
    stream.value = api.stream(
      (e) => {
        opts.onEvent?.(e)
        schedule()
      },
      () => schedule(),
      (why) => {
        ended.value = why
        forget()
      },
    )
  }

  function forget() {
    localStorage.removeItem(tokenKey(page))
    stream.value?.close()
    stream.value = null
    api.token = null
    token.value = null
    ready.value = false
    freshness.stop()
  }

  if (api.token) void start(api.token)
  onUnmounted(() => {
    stream.value?.close()
    freshness.stop()
  })
  return { api, token, ready, start, forget, online: api.online, stale: freshness.stale, since: freshness.since }
}

/** A ref of the server's time, ticking every second. */
export function useNow(api: Api) {
  const now = ref(api.now())
  const h = setInterval(() => (now.value = api.now()), 1000)
  onUnmounted(() => clearInterval(h))
  return now
}
