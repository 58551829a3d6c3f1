import { describe, expect, it } from 'vitest'
import { dateTime, hallClosed, hhmm } from './format'

// 2026-03-01 01:02:03.456 UTC
const T = Date.UTC(2026, 2, 1, 1, 2, 3, 456)

describe('clock times in the hall zone', () => {
  it("shows the hall's own time, whatever zone asked before", () => {
    expect(hhmm(T, 'Asia/Shanghai')).toBe('09:02')
    expect(hhmm(T, 'Asia/Shanghai', true)).toBe('09:02:03')
    expect(hhmm(T, 'Asia/Urumqi')).toBe('07:02')
    expect(hhmm(T, 'Europe/London', true)).toBe('01:02:03')
    // The formatters are kept per zone and shape: asking again changes nothing.
    expect(hhmm(T, 'Asia/Shanghai')).toBe('09:02')
    expect(hhmm(T + 3_600_000 * 15, 'Asia/Shanghai')).toBe('00:02')
  })

  it('writes a date and time in the hall zone as the board shows it', () => {
    expect(dateTime(T, 'Asia/Shanghai')).toBe(new Date(T).toLocaleString('sv-SE', { timeZone: 'Asia/Shanghai' }).slice(0, 16))
    expect(dateTime(T, 'Asia/Shanghai')).toBe('2026-03-01 09:02')
    expect(dateTime(T, 'America/New_York')).toBe('2026-02-28 20:02')
  })

  it('knows when the hall is closed', () => {
    const opening = { open: '08:30', close: '17:00' }
    expect(hallClosed(T, opening, 'Asia/Shanghai')).toBe(false)
    expect(hallClosed(T, opening, 'Europe/London')).toBe(true)
    expect(hallClosed(T, null, 'Europe/London')).toBe(false)
  })
})
