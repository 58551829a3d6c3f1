// A customer page left alone: `onIdle` runs once no one has touched the
// screen (or a key) for `ms`, and again after each later spell of idleness.

import { onUnmounted } from 'vue'

export function useIdle(ms: number, onIdle: () => void): void {
  let timer: ReturnType<typeof setTimeout> | null = null
  const restart = () => {
    if (timer) clearTimeout(timer)
    timer = setTimeout(onIdle, ms)
  }
  const events = ['pointerdown', 'keydown'] as const
  for (const e of events) window.addEventListener(e, restart, { passive: true })
  restart()
  onUnmounted(() => {
    if (timer) clearTimeout(timer)
    for (const e of events) window.removeEventListener(e, restart)
  })
}
