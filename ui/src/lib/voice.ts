// The display's voice: every call is a chime, then the spoken phrase, and
// calls queue so they never talk over each other. The phrase comes from the
// platform's speech synthesis when it has a Chinese voice, else from the
// server's WAV (espeak-ng), else the chime alone. What the queue keeps is
// bounded however fast calls come (issue 13): one waiting call per counter
// and a short log.

export interface CallToSay {
  /** The ticket id (the server builds the phrase from it). */
  ticket: string
  number: string
  counter: number
}

/** How a call is voiced; each step resolves when it has finished playing. */
export interface Voice {
  chime(): Promise<void>
  /** Speaks with the platform's synthesis; false if it has no Chinese voice. */
  speak(text: string): Promise<boolean>
  /** Plays the server's WAV of the call; false if it could not. */
  playServer(call: CallToSay): Promise<boolean>
  /** Every queued call has been voiced: the sound may rest until the next. */
  rest?(): void
}

/** "请 A 0 1 2 号 到 3 号窗口": digits one by one, as the server's phrase. */
export function phrase(number: string, counter: number): string {
  return `请 ${number.split('').join(' ')} 号 到 ${counter} 号窗口`
}

/** How many of the last calls `VoiceQueue.log` keeps. */
export const LOG_SIZE = 20

/**
 * Calls in order, one at a time. A counter's newer call takes the place of
 * its call still waiting to be voiced (the display shows both; only the
 * newer one is still wanted at that counter), so when calls come faster than
 * they can be said the queue holds one call per counter, not a backlog.
 */
export class VoiceQueue {
  private queue: CallToSay[] = []
  private busy = false
  /** How the last `LOG_SIZE` calls were voiced, for tests and the page's diagnostics. */
  readonly log: string[] = []

  constructor(private readonly voice: Voice) {}

  get pending(): number {
    return this.queue.length + (this.busy ? 1 : 0)
  }

  add(call: CallToSay): void {
    const waiting = this.queue.findIndex((c) => c.counter === call.counter)
    if (waiting >= 0) this.queue[waiting] = call
    else this.queue.push(call)
    if (!this.busy) void this.drain()
  }

  private record(entry: string): void {
    this.log.push(entry)
    if (this.log.length > LOG_SIZE) this.log.splice(0, this.log.length - LOG_SIZE)
  }

  private async drain(): Promise<void> {
    this.busy = true
    while (this.queue.length > 0) {
      const call = this.queue.shift()!
      try {
        await this.voice.chime()
        if (await this.voice.speak(phrase(call.number, call.counter))) this.record(`speech ${call.number}`)
        else if (await this.voice.playServer(call)) this.record(`server ${call.number}`)
        else this.record(`chime ${call.number}`)
      } catch {
        this.record(`failed ${call.number}`)
      }
    }
    this.busy = false
    this.voice.rest?.()
  }
}

/** A two-tone chime made with WebAudio (no sound file needed). */
export async function chime(ctx: AudioContext): Promise<void> {
  if (ctx.state === 'suspended') await ctx.resume().catch(() => {})
  const t = ctx.currentTime
  for (const [i, f] of [659.25, 523.25].entries()) {
    const o = ctx.createOscillator()
    const g = ctx.createGain()
    o.frequency.value = f
    o.type = 'sine'
    g.gain.setValueAtTime(0.0001, t + i * 0.45)
    g.gain.exponentialRampToValueAtTime(0.4, t + i * 0.45 + 0.03)
    g.gain.exponentialRampToValueAtTime(0.0001, t + i * 0.45 + 0.6)
    o.connect(g).connect(ctx.destination)
    o.start(t + i * 0.45)
    o.stop(t + i * 0.45 + 0.65)
  }
  await new Promise((r) => setTimeout(r, 1100))
}

/** The platform's Chinese voice, if it has one. */
export function chineseVoice(): SpeechSynthesisVoice | null {
  if (typeof speechSynthesis === 'undefined') return null
  return speechSynthesis.getVoices().find((v) => /^(zh|cmn)/i.test(v.lang)) ?? null
}

export function speakWith(voice: SpeechSynthesisVoice | null, text: string): Promise<boolean> {
  if (!voice) return Promise.resolve(false)
  return new Promise((resolve) => {
    const u = new SpeechSynthesisUtterance(text)
    u.voice = voice
    u.lang = voice.lang
    u.rate = 0.9
    u.onend = () => resolve(true)
    u.onerror = () => resolve(false)
    speechSynthesis.speak(u)
  })
}

/**
 * The display's one audio element, reused for every call: a new element per
 * call kept a media pipeline alive in the web process until garbage
 * collection (tens of MB over a day of calls on a one-PC station).
 */
let player: HTMLAudioElement | null = null

export function playBlob(blob: Blob): Promise<boolean> {
  return new Promise((resolve) => {
    const url = URL.createObjectURL(blob)
    player ??= new Audio()
    const a = player
    let finished = false
    const done = (ok: boolean) => {
      if (finished) return
      finished = true
      a.onended = null
      a.onerror = null
      // Let go of the decoded sound at once.
      a.removeAttribute('src')
      a.load()
      URL.revokeObjectURL(url)
      resolve(ok)
    }
    a.onended = () => done(true)
    a.onerror = () => done(false)
    a.src = url
    a.play().catch(() => done(false))
  })
}
