// What every page starts with: i18n, the theme, its token (pairing or a
// supervisor session), the API client and the live stream.

import { createApp, type Component, onUnmounted, ref, shallowRef } from 'vue'
import { Api, takeToken, tokenKey, type Stream, type StreamEnd } from '../api/client'
import type { HallInfo, StreamEvent } from '../api/types'
import { i18n } from '../i18n'
import '../theme.css'

/**
 * Why this page's token stopped working while it was open (the server
 * ended its stream): the pairing and login screens say so, in the page's
 * language, and ask to pair or log in again.
 */
export const ended = ref<StreamEnd | null>(null)

export function mount(page: Component): void {
  document.documentElement.lang = i18n.global.locale.value === 'en' ? 'en' : 'zh-CN'
  createApp(page).use(i18n).mount('#app')
}

/**
 * The page's API client with its stored token; `reload` is called on every
 * (re)connection and, debounced, after events; `onEvent` sees each event.
 */
export function useHall(page: string, opts: { reload: () => Promise<void> | void; onEvent?: (e: StreamEvent) => void }) {
  const api = new Api(takeToken(page))
  const token = ref(api.token)
  const ready = ref(false)
  const stream = shallowRef<Stream | null>(null)
  let pending: ReturnType<typeof setTimeout> | null = null

  async function reloadNow() {
    try {
      await opts.reload()
      api.online.value = stream.value ? api.online.value : true
    } catch (e) {
      const status = (e as { status?: number }).status
      if (status === 401) forget()
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
      const info = await api.get<HallInfo>('/api/v1/hall')
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
  }

  if (api.token) void start(api.token)
  onUnmounted(() => stream.value?.close())
  return { api, token, ready, start, forget, online: api.online }
}

/** A ref of the server's time, ticking every second. */
export function useNow(api: Api) {
  const now = ref(api.now())
  const h = setInterval(() => (now.value = api.now()), 1000)
  onUnmounted(() => clearInterval(h))
  return now
}
