// Live timers: elapsed time as mm:ss and its level against a target.

/** `mm:ss`, or `h:mm:ss` past an hour; never negative. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const pad = (n: number) => String(n).padStart(2, '0')
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`
}

export type Level = 'ok' | 'amber' | 'red'

/** `amber` from 80 % of the target, `red` past it; no target → `ok`. */
export function level(elapsedMs: number, targetMin: number | null | undefined): Level {
  if (!targetMin || targetMin <= 0) return 'ok'
  const target = targetMin * 60_000
  if (elapsedMs > target) return 'red'
  if (elapsedMs >= target * 0.8) return 'amber'
  return 'ok'
}

/** Whole minutes, rounded up (an estimated wait of 30 s is "1 minute"). */
export function minutes(ms: number | null | undefined): number {
  return ms ? Math.ceil(ms / 60_000) : 0
}
