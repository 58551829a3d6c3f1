// Times shown in the hall's own zone, whatever the browser's is.

export function hhmm(ms: number, timeZone = 'Asia/Shanghai', seconds = false): string {
  return new Intl.DateTimeFormat('zh-CN', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: seconds ? '2-digit' : undefined,
    hour12: false,
  }).format(ms)
}

/** Whether `now` is outside the hall's opening hours (no hours → always open). */
export function hallClosed(now: number, opening: { open: string; close: string } | null | undefined, timeZone: string): boolean {
  if (!opening) return false
  const t = hhmm(now, timeZone)
  return t < opening.open || t >= opening.close
}

export function percent(x: number | null | undefined): string {
  return x === null || x === undefined ? '—' : `${Math.round(x * 100)}%`
}
