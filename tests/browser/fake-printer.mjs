// A fake port-9100 thermal printer on 127.0.0.1:0 for the browser suite:
// answers `DLE EOT n` (and `GS r 1`) with one status byte as real ESC/POS
// printers do, switchable at run time between ready and out of paper, and
// records every connection's other bytes (a print job is one connection).

import net from 'node:net'

const DLE = 0x10
const EOT = 0x04
const GS = 0x1d

export async function fakePrinter() {
  let paperOut = false
  /** The non-status bytes of each connection that sent any, in order. */
  const jobs = []
  let statusQueries = 0
  const sockets = new Set()
  const server = net.createServer((sock) => {
    sockets.add(sock)
    const data = []
    sock.on('data', (chunk) => {
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i]
        if (b === DLE && chunk[i + 1] === EOT && i + 2 < chunk.length) {
          const n = chunk[i + 2]
          statusQueries += 1
          // Fixed bits 1 and 4 (0x12); paper out: DLE EOT 2 bit 5, DLE EOT 4 bits 5-6.
          const answer = n === 2 && paperOut ? 0x12 | 0x20 : n === 4 && paperOut ? 0x12 | 0x60 : 0x12
          sock.write(Buffer.from([answer]))
          i += 2
          continue
        }
        if (b === GS && chunk[i + 1] === 0x72 && i + 2 < chunk.length) {
          statusQueries += 1
          sock.write(Buffer.from([paperOut ? 0x0c : 0x00]))
          i += 2
          continue
        }
        data.push(b)
      }
    })
    const done = () => {
      sockets.delete(sock)
      if (data.length) jobs.push(Buffer.from(data))
      data.length = 0
    }
    sock.on('end', () => {
      done()
      sock.end()
    })
    sock.on('close', done)
    sock.on('error', () => {})
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address()
  return {
    address: `127.0.0.1:${port}`,
    jobs,
    get statusQueries() {
      return statusQueries
    },
    setPaperOut(v) {
      paperOut = v
    },
    close() {
      for (const s of sockets) s.destroy()
      return new Promise((r) => server.close(() => r()))
    },
  }
}
