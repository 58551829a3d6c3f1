// Saving a report file (CSV, XLSX) the server sends as an attachment: it is
// fetched with the session's token (a plain link would carry none), then
// handed to the browser as a download under the server's file name.

import type { Api } from '../../api/client'

/** Downloads `url`, named as the server says or else `fallback`. */
export async function saveFile(api: Api, url: string, fallback: string): Promise<void> {
  const { blob, filename } = await api.file(url)
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = filename ?? fallback
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
}
