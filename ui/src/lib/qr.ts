// A QR code as one SVG path (dark modules as unit squares), for the HTML
// ticket's link to the live ticket page. The encoder (uqr, no
// dependencies) is loaded on first use in its own chunk, so only a kiosk
// that prints an HTML ticket with a URL ever downloads it.

export interface QrPath {
  /** Modules per side, quiet zone included. */
  size: number
  /** SVG path data: one `h1v1h-1z` square per dark module. */
  d: string
}

export async function qrPath(text: string): Promise<QrPath> {
  const { encode } = await import('uqr')
  const { data, size } = encode(text, { ecc: 'M', border: 2 })
  let d = ''
  data.forEach((row, y) => row.forEach((dark, x) => dark && (d += `M${x} ${y}h1v1h-1z`)))
  return { size, d }
}
