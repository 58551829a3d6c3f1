// The desktop shell's narrow commands, for a page running in a HallQ
// desktop window (Tauri 2). In a plain browser there is no shell: a call
// answers an error result instead of throwing.

import type { ApiErrorBody } from '../api/types'

type Invoke = (cmd: string, args?: Record<string, unknown>) => Promise<unknown>

/** A print's result as the kiosk reports it (`POST /print-jobs/{id}/result`). */
export interface PrintResult {
  ok: boolean
  code?: string
  message_zh?: string
  message_en?: string
}

/** The shell's invoke, or null in a plain browser. */
export function desktopInvoke(w: unknown = globalThis): Invoke | null {
  const internals = (w as { __TAURI_INTERNALS__?: { invoke?: Invoke } }).__TAURI_INTERNALS__
  return typeof internals?.invoke === 'function' ? internals.invoke.bind(internals) : null
}

export const NO_DESKTOP: PrintResult = {
  ok: false,
  code: 'desktop_unavailable',
  message_zh: '本机不是 HallQ 桌面程序，无法使用本地打印机',
  message_en: 'this is not the HallQ desktop app: no local printer',
}

/** Prints one ESC/POS job on the desktop's own printer (`print_escpos`). */
export function printEscpos(bytesBase64: string, invoke: Invoke | null = desktopInvoke()): Promise<PrintResult> {
  return printThrough(invoke, 'print_escpos', { bytesBase64 })
}

/**
 * Prints the calling window's page as laid out for print (the kiosk's HTML
 * ticket, on `paper` mm) on the desktop's system printer, without the modal
 * print dialog that a browser's `window.print()` opens (`print_html`).
 */
export function printHtmlSilently(paper: 58 | 80, invoke: Invoke | null = desktopInvoke()): Promise<PrintResult> {
  return printThrough(invoke, 'print_html', { paper })
}

async function printThrough(invoke: Invoke | null, cmd: string, args: Record<string, unknown>): Promise<PrintResult> {
  if (!invoke) return NO_DESKTOP
  try {
    await invoke(cmd, args)
    return { ok: true }
  } catch (e) {
    const b = e as Partial<ApiErrorBody> | string
    if (b && typeof b === 'object' && typeof b.code === 'string')
      return { ok: false, code: b.code, message_zh: b.message_zh ?? b.code, message_en: b.message_en ?? b.code }
    const text = String(b)
    return { ok: false, code: 'printer_local_failed', message_zh: `本地打印失败：${text}`, message_en: `local print failed: ${text}` }
  }
}
