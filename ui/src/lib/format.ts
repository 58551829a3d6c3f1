// Times shown in the hall's own zone, whatever the browser's is.

/**
 * One formatter per time zone and shape, made once: a clock formats every
 * second all day, and each new `Intl.DateTimeFormat` holds ICU memory
 * outside the JS heap until a garbage collection happens to run (100 new
 * formatters grew the desktop's web process by 5 MB, measured).
 */
const formatters = new Map<string, Intl.DateTimeFormat>()

function kept(key: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let f = formatters.get(key)
  if (!f) {
    f = make()
    formatters.set(key, f)
  }
  return f
}

export function hhmm(ms: number, timeZone = 'Asia/Shanghai', seconds = false): string {
  const clock = () =>
    new Intl.DateTimeFormat('zh-CN', { timeZone, hour: '2-digit', minute: '2-digit', second: seconds ? '2-digit' : undefined, hour12: false })
  return kept(`${timeZone} clock ${seconds}`, clock).format(ms)
}

/** "YYYY-MM-DD HH:MM" in the hall's zone (the board's backup time, made each second). */
export function dateTime(ms: number, timeZone = 'Asia/Shanghai'): string {
  const full = () =>
    new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false })
  return kept(`${timeZone} date-time`, full).format(ms)
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
