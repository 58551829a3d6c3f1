import { describe, expect, it } from 'vitest'
import { clock, level, minutes } from './timer'

describe('timers', () => {
  it('shows mm:ss, h:mm:ss past an hour, never negative', () => {
    expect(clock(0)).toBe('00:00')
    expect(clock(65_900)).toBe('01:05')
    expect(clock(3_725_000)).toBe('1:02:05')
    expect(clock(-5_000)).toBe('00:00')
  })

  it('turns amber from 80 % of the target and red past it', () => {
    const min = 60_000
    expect(level(7 * min, 10)).toBe('ok')
    expect(level(8 * min, 10)).toBe('amber')
    expect(level(10 * min, 10)).toBe('amber')
    expect(level(10 * min + 1, 10)).toBe('red')
    expect(level(99 * min, 0)).toBe('ok')
    expect(level(99 * min, null)).toBe('ok')
  })

  it('rounds estimated waits up to whole minutes', () => {
    expect(minutes(null)).toBe(0)
    expect(minutes(30_000)).toBe(1)
    expect(minutes(120_000)).toBe(2)
  })
})
