import { describe, expect, it } from 'vitest'
import { LOG_SIZE, phrase, VoiceQueue, type Voice } from './voice'

/** A fake voice whose steps take `ms` each and record overlaps. */
function fakeVoice(opts: { speech: boolean; server: boolean; ms?: number }) {
  const events: string[] = []
  let playing = 0
  let overlaps = 0
  const step = async (name: string) => {
    playing += 1
    if (playing > 1) overlaps += 1
    events.push(name)
    await new Promise((r) => setTimeout(r, opts.ms ?? 5))
    playing -= 1
  }
  const voice: Voice = {
    chime: () => step('chime'),
    speak: async (text) => {
      if (!opts.speech) return false
      await step(`speak ${text}`)
      return true
    },
    playServer: async (c) => {
      if (!opts.server) return false
      await step(`wav ${c.number}`)
      return true
    },
  }
  return { voice, events, overlaps: () => overlaps }
}

const idle = (q: VoiceQueue) =>
  new Promise<void>((resolve) => {
    const h = setInterval(() => q.pending === 0 && (clearInterval(h), resolve()), 2)
  })

describe('voice queue', () => {
  it('spells the ticket number digit by digit', () => {
    expect(phrase('A012', 3)).toBe('请 A 0 1 2 号 到 3 号窗口')
  })

  it('never lets two calls overlap and keeps their order', async () => {
    const f = fakeVoice({ speech: true, server: true })
    const q = new VoiceQueue(f.voice)
    q.add({ ticket: '1', number: 'A001', counter: 1 })
    q.add({ ticket: '2', number: 'A002', counter: 2 })
    q.add({ ticket: '3', number: 'B001', counter: 3 })
    await idle(q)
    expect(f.overlaps()).toBe(0)
    expect(f.events).toEqual([
      'chime', 'speak 请 A 0 0 1 号 到 1 号窗口',
      'chime', 'speak 请 A 0 0 2 号 到 2 号窗口',
      'chime', 'speak 请 B 0 0 1 号 到 3 号窗口',
    ])
  })

  it('falls back to the server WAV, then to the chime alone', async () => {
    const server = fakeVoice({ speech: false, server: true })
    const q1 = new VoiceQueue(server.voice)
    q1.add({ ticket: '1', number: 'A001', counter: 1 })
    await idle(q1)
    expect(q1.log).toEqual(['server A001'])

    const none = fakeVoice({ speech: false, server: false })
    const q2 = new VoiceQueue(none.voice)
    q2.add({ ticket: '1', number: 'A001', counter: 1 })
    await idle(q2)
    expect(q2.log).toEqual(['chime A001'])
    expect(none.events).toEqual(['chime'])
  })

  it('goes on after a failing call', async () => {
    let n = 0
    const q = new VoiceQueue({
      chime: async () => {
        n += 1
        if (n === 1) throw new Error('no audio')
      },
      speak: async () => true,
      playServer: async () => true,
    })
    q.add({ ticket: '1', number: 'A001', counter: 1 })
    q.add({ ticket: '2', number: 'A002', counter: 1 })
    await idle(q)
    expect(q.log).toEqual(['failed A001', 'speech A002'])
  })

  it("puts a counter's newer call in the place of its call still waiting", async () => {
    const f = fakeVoice({ speech: true, server: false })
    const q = new VoiceQueue(f.voice)
    q.add({ ticket: '1', number: 'A001', counter: 1 }) // voiced at once
    q.add({ ticket: '2', number: 'A002', counter: 1 })
    q.add({ ticket: '3', number: 'B001', counter: 2 })
    q.add({ ticket: '4', number: 'A003', counter: 1 }) // A002 is no longer wanted at counter 1
    expect(q.pending).toBe(3)
    await idle(q)
    expect(q.log).toEqual(['speech A001', 'speech A003', 'speech B001'])
  })

  it('keeps one waiting call per counter and a short log, however fast calls come', async () => {
    const f = fakeVoice({ speech: false, server: false, ms: 1 })
    const q = new VoiceQueue(f.voice)
    for (let i = 0; i < 300; i++) {
      q.add({ ticket: String(i), number: `A${i}`, counter: 1 + (i % 3) })
      expect(q.pending).toBeLessThanOrEqual(4)
      if (i % 4 === 0) await new Promise((r) => setTimeout(r, 2))
    }
    await idle(q)
    expect(q.log.length).toBe(LOG_SIZE)
    expect(q.log.at(-1)).toMatch(/^chime A29[789]$/)
  })

  it('lets the sound rest once every queued call is voiced, not between calls', async () => {
    const f = fakeVoice({ speech: true, server: false })
    const q = new VoiceQueue({ ...f.voice, rest: () => f.events.push('rest') })
    q.add({ ticket: '1', number: 'A001', counter: 1 })
    q.add({ ticket: '2', number: 'A002', counter: 2 })
    await idle(q)
    q.add({ ticket: '3', number: 'A003', counter: 1 })
    await idle(q)
    expect(f.events.filter((e) => e === 'chime' || e === 'rest')).toEqual(['chime', 'chime', 'rest', 'chime', 'rest'])
  })
})
