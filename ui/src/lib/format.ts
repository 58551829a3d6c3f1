// Times shown in the hall's own zone, whatever the browser's is.

/**
 * One formatter per time zone and shape, made once: a clock formats every
 * second all day, and each new `Intl.DateTimeFormat` holds ICU memory
 * outside the JS heap until a garbage collection happens to run (100 new
 * formatters grew the desktop's web process by 5 MB, measured).
 */
const formatters = new Map<string, Intl.DateTimeFormat>()

function clockFormat(timeZone: string, seconds: boolean): Intl.DateTimeFormat {
  const key = `${timeZone} ${seconds}`
  let f = formatters.get(key)
  if (!f) {
    f = new Intl.DateTimeFormat('zh-CN', {
      timeZone,
      hour: '2-digit',
      minute: '2-digit',
      second: seconds ? '2-digit' : undefined,
      hour12: false,
    })
    formatters.set(key, f)
  }
  return f
}

export function hhmm(ms: number, timeZone = 'Asia/Shanghai', seconds = false): string {
  return clockFormat(timeZone, seconds).format(ms)
}

/** "YYYY-MM-DD HH:MM" in the hall's zone (the board's backup time, made each second). */
export function dateTime(ms: number, timeZone = 'Asia/Shanghai'): string {
  const key = `${timeZone} date-time`
  let f = formatters.get(key)
  if (!f) {
    f = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false })
    formatters.set(key, f)
  }
  return f.format(ms)
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
