// Saving a report file (CSV, XLSX) the server sends as an attachment: it is
// fetched with the session's token (a plain link would carry none), then
// handed to the browser as a download under the server's file name. One
// download at a time per panel; a failure is said beside its button.

import { ref } from 'vue'
import type { Api } from '../../api/client'

/**
 * A panel's downloads: `save(url, fallback)` fetches `url` and saves it
 * (named as the server says, else `fallback`); `busy` while it runs,
 * `error` the message `fail` makes of a failure ('' when none).
 */
export function useDownload(api: Api, fail: (e: unknown) => string) {
  const busy = ref(false)
  const error = ref('')
  async function save(url: string, fallback: string): Promise<void> {
    if (busy.value) return
    busy.value = true
    error.value = ''
    try {
      const { blob, filename } = await api.file(url)
      const a = document.createElement('a')
      a.href = URL.createObjectURL(blob)
      a.download = filename ?? fallback
      document.body.appendChild(a)
      a.click()
      a.remove()
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
    } catch (e) {
      error.value = fail(e)
    } finally {
      busy.value = false
    }
  }
  return { busy, error, save }
}
