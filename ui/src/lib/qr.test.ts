import { describe, expect, it } from 'vitest'
import { encode } from 'uqr'
import { qrPath } from './qr'

describe('the HTML ticket QR code', () => {
  it('draws one square per dark module with a quiet zone', async () => {
    const url = 'http://192.168.1.10:8080/t/0193a5e0-7c1d-7b6e-9f00-1234567890ab'
    const q = await qrPath(url)
    const dark = encode(url, { ecc: 'M', border: 2 }).data.flat().filter(Boolean).length
    expect(q.d.match(/M/g)?.length).toBe(dark)
    expect(q.size).toBeGreaterThanOrEqual(25 + 4)
    // The quiet zone: nothing drawn in the first two rows or columns.
    expect(q.d).not.toMatch(/M[01] /)
    expect(q.d).not.toMatch(/M\d+ [01]h/)
  })
})
