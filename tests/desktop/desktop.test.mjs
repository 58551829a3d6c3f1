// The desktop suite: the real hallq-desktop window under Xvfb, driven through
// tauri-driver + WebKitWebDriver (run by `cargo xtask test` inside xvfb-run).
//
// 1. One-PC mode on a temp config and database: a ticket taken in the kiosk
//    window, called/started/finished in the counter window, seen on the
//    display window, rated on the pad; screenshots of each window in
//    tests/output/desktop-*.png; start-up time and memory (PSS) in
//    tests/output/desktop-figures.json.
//    The PC's printer is a temp file standing in for /dev/usb/lp0, so the
//    kiosk's server-side printer is `local`: the ticket taken in the kiosk
//    window reaches the file as ESC/POS (GB18030 text with its number, a
//    cut) through the page, the server's /escpos and `print_escpos`; with
//    the printer gone the next ticket is still issued, the kiosk says so in
//    large text and the job stays pending, then prints by itself when the
//    printer is back. The counter window may not print.
// 2. No print dialog, ever: with the kiosk's printer kind none, html (a
//    stand-in system printer: a private CUPS with a file queue as the
//    default printer) and local (ESC/POS to a file standing in for lp0), a
//    tap in the real kiosk window issues and prints (or, for none, only
//    shows the number) while the display window shows the next call and
//    keeps painting, and no dialog window appears on the X server
//    (xwininfo); a page's own window.print() opens none either. The app
//    runs with no WebKit setting from the suite: as shipped. Then SIGTERM
//    quits it with exit status 0.
// 3. Terminal mode against a `hallq serve` on another loopback address
//    (127.0.0.2, an origin no capability file names): paired through the
//    wizard with a 6-digit code, its printer step filled in and test-printed
//    (screenshot tests/output/desktop-wizard-printer.png); with the kiosk
//    set to `local` on the server, a ticket taken in the kiosk window prints
//    on this PC from the hall server's origin (the capability added at
//    launch), and the page gets nothing else of the shell; the server stopped and restarted:
//    the window shows "cannot reach the hall server" and comes back by itself.

import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sleep, stopChild } from './webdriver.mjs'
import { DESKTOP, HALLQ, PIN, api, appPid, killApp, launch, memory, newHall, output, supervisor, threadNames } from './app.mjs'
import { readJob, readJobIfWhole } from '../browser/escpos.mjs'
import { startCups } from './cups.mjs'
import { tempDir } from '../browser/tempdir.mjs'

const figures = {}
const cleanup = []

after(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {})
  writeFileSync(join(output, 'desktop-figures.json'), JSON.stringify(figures, null, 2))
})

/** Sets an input's value the way typing would (Vue listens to `input`). */
const FILL = `const [sel, value] = arguments; const el = document.querySelector(sel);
  if (!el) return false; el.value = value; el.dispatchEvent(new Event('input', { bubbles: true }));
  el.dispatchEvent(new Event('change', { bubbles: true })); return true;`
const CLICK = `const el = document.querySelector(arguments[0]); if (!el || el.disabled) return false; el.click(); return true;`
const TEXT = `return document.querySelector(arguments[0])?.textContent?.trim() ?? null`
/** Calls a shell command from the current window: `invoke(cmd, args)`. */
const INVOKE = `return window.__TAURI__.core.invoke(arguments[0], arguments[1])`

/** Whether `bytes` are a whole ticket job (read back by the one decoder) with `number` on a line. */
const shows = (bytes, number) => readJobIfWhole(bytes)?.lines.some((l) => l.text.includes(number)) ?? false

/** A small ESC/POS job: ESC @, FS & (Chinese mode), "测试 <number>" in GB18030, feed, cut. */
function job(number) {
  const text = [0xb2, 0xe2, 0xca, 0xd4, 0x20, ...Buffer.from(number, 'ascii')]
  return Buffer.from([0x1b, 0x40, 0x1c, 0x26, ...text, 0x0a, 0x1d, 0x56, 0x00])
}

test('one PC: kiosk, counter, display and rating pad windows serve a customer', { timeout: 180000 }, async () => {
  const dir = tempDir('hallq-desktop-')
  const db = newHall(dir)
  const config = join(dir, 'config.json')
  const screens = [{ role: 'counter', counter: 1 }, { role: 'kiosk' }, { role: 'display' }, { role: 'rate', counter: 1 }]
  // The kiosk PC's USB printer: a file standing in for /dev/usb/lp0.
  const lp0 = join(dir, 'lp0')
  writeFileSync(lp0, '')
  const printer = { kind: 'usb', address: lp0, paper: 80 }
  writeFileSync(config, JSON.stringify({ mode: 'one_pc', hall_name: '桌面测试供电所', db, port: 0, screens, printer }))
  const { driver, session: s, t0 } = await launch(config, 4444, cleanup)

  // The counter window is ready when its login form shows.
  await s.window((u) => u.includes('/counter'), 'counter')
  await s.waitFor(`return !!document.querySelector('[data-test=login-staff]')`, 'the counter login')
  figures.counter_window_ready_ms = Date.now() - t0
  const base = new URL(await s.url()).origin
  assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/)
  const sup = await supervisor(base)
  const service = (await api(base, 'GET', '/api/v1/counters/1', sup)).services[0]

  // The kiosk: take a ticket.
  await s.window((u) => u.includes('/kiosk'), 'kiosk')
  await s.waitFor(`return !!document.querySelector('[data-test^=service-]:not([disabled])')`, 'the kiosk services')
  // The lock holds: a hall page may ask for fullscreen, not leave it, and
  // may not call the wizard's commands at all.
  await assert.rejects(s.execAsync(`return window.__TAURI__.core.invoke('set_fullscreen', { on: false })`), /unlock|解锁/)
  await assert.rejects(s.execAsync(`return window.__TAURI__.core.invoke('wizard_defaults')`), /not allowed|denied|ACL/i)
  await assert.rejects(s.execAsync(`return window.__TAURI__.core.invoke('leave_kiosk', { pin: '000000' })`), /PIN/)
  // This PC has a printer, so the hall has the kiosk print through it.
  const kioskPrinter = (await api(base, 'GET', '/api/v1/printers', sup))[0]
  assert.deepEqual(kioskPrinter.config, { kind: 'local', address: null, baud: null, paper: 80 })
  writeFileSync(lp0, '')
  assert.ok(await s.exec(CLICK, `[data-test=service-${service}]`), 'service button clicked')
  const number = await s.waitFor(TEXT, 'the ticket number', 15000, '[data-test=ticket-number]')
  assert.match(number, /^[A-Z]\d{3}$/)
  // The ticket on the paper: the server's ESC/POS job, written by the shell.
  const ticket = readJob(await waitForFile(lp0, (b) => shows(b, number), `ticket ${number} on lp0`))
  assert.ok(ticket.lines.some((l) => l.text.includes('桌面测试供电所')), JSON.stringify(ticket.lines))
  assert.ok(ticket.chinese_mode_first, 'ESC @, then FS & before the Chinese text')
  assert.ok(ticket.ends_with_cut, 'a cut')
  await waitForJob(base, sup, 'printed', (j) => j.number === number && j.kind === 'local' && j.deliver === 'page')
  await s.screenshot(join(output, 'desktop-kiosk.png'))

  // The printer goes away (lp0 cannot be opened): the next ticket is still
  // issued, the customer is told in large text, the job stays pending.
  await s.exec(CLICK, '[data-test=back]')
  rmSync(lp0)
  mkdirSync(lp0)
  await sleep(2200) // the server's least time between two tickets from one kiosk
  await s.waitFor(CLICK, 'the services again', 15000, `[data-test=service-${service}]:not([disabled])`)
  const fault = await s.waitFor(TEXT, 'the print fault', 15000, '[data-test=print-fault]')
  const second = await s.exec(TEXT, '[data-test=ticket-number]')
  assert.notEqual(second, number)
  assert.ok(fault.includes(second) && /柜台/.test(fault) && /counter/.test(fault), fault)
  await s.screenshot(join(output, 'desktop-kiosk-print-fault.png'))
  const pending = await waitForJob(base, sup, 'pending', (j) => j.number === second && j.last_error)
  assert.equal(pending.last_error.code, 'printer_unreachable')
  // The printer is back: the kiosk page's retry prints it, nothing lost.
  rmSync(lp0, { recursive: true })
  writeFileSync(lp0, '')
  await waitForFile(lp0, (b) => shows(b, second), `ticket ${second} reprinted on lp0`, 30000)
  await waitForJob(base, sup, 'printed', (j) => j.number === second)

  // The kiosk window prints on this PC's printer: the bytes reach the
  // device unchanged; a device file cannot report status; bad data is
  // refused in both languages and prints nothing.
  assert.equal((await s.execAsync(INVOKE, 'printer_status', {})).state, 'unknown')
  writeFileSync(lp0, '')
  assert.equal(await s.execAsync(INVOKE, 'print_escpos', { bytesBase64: job(number).toString('base64') }), null)
  const printed = readFileSync(lp0)
  assert.deepEqual(printed, job(number))
  assert.deepEqual(readJob(printed).lines, [{ text: `测试 ${number}`, double: false }])
  writeFileSync(lp0, '')
  await assert.rejects(s.execAsync(INVOKE, 'print_escpos', { bytesBase64: '*not base64*' }), /base64/)
  assert.equal(readFileSync(lp0).length, 0, 'nothing printed')

  // The counter logs in, calls, starts.
  await s.window((u) => u.includes('/counter'), 'counter')
  // Only kiosk windows may print.
  await assert.rejects(s.execAsync(INVOKE, 'print_escpos', { bytesBase64: job(number).toString('base64') }), /not allowed|denied|ACL/i)
  await assert.rejects(s.execAsync(INVOKE, 'printer_status', {}), /not allowed|denied|ACL/i)
  assert.equal(readFileSync(lp0).length, 0, 'nothing printed')
  await s.exec(FILL, '[data-test=login-staff]', '0001')
  await s.exec(FILL, '[data-test=login-pin]', PIN)
  await s.exec(CLICK, '[data-test=login-submit]')
  await s.waitFor(CLICK, 'call next', 15000, '[data-test=call-next]')
  await s.waitFor(`return document.querySelector('[data-test=current-number]')?.textContent?.trim() === arguments[0]`, 'the call', 15000, number)

  // The display shows the call.
  await s.window((u) => u.includes('/display'), 'display')
  await s.waitFor(`return document.querySelector('[data-test=current-call-number]')?.textContent?.trim() === arguments[0]`, 'the call on the display', 15000, number)
  await s.screenshot(join(output, 'desktop-display.png'))

  await s.window((u) => u.includes('/counter'), 'counter')
  await s.waitFor(CLICK, 'start', 15000, '[data-test=start]')
  await s.waitFor(`return !!document.querySelector('[data-test=finish]:not([disabled])')`, 'finish enabled')
  await s.screenshot(join(output, 'desktop-counter.png'))
  await s.exec(CLICK, '[data-test=finish]')
  await s.waitFor(FILL, 'the outcome', 15000, '[data-test=outcome]', 'completed')
  await s.exec(CLICK, '[data-test=finish-confirm]')
  await s.waitFor(`return !document.querySelector('[data-test=current-number]')`, 'the counter free')

  // The rating pad offers the ticket: 不满意, reason attitude.
  await s.window((u) => u.includes('/rate'), 'rating pad')
  await s.waitFor(`return !!document.querySelector('[data-test=level-2]:not([disabled])')`, 'the rating levels')
  assert.ok(await s.exec(CLICK, '[data-test=level-2]'), 'level 2 tapped')
  await s.waitFor(`return !!document.querySelector('[data-test=reason-attitude]')`, 'the reasons')
  await s.screenshot(join(output, 'desktop-rate.png'))
  assert.ok(await s.exec(CLICK, '[data-test=reason-attitude]'), 'the reason tapped')
  await s.waitFor(`return !!document.querySelector('[data-test=thanks]')`, 'thanks')
  const rated = (await api(base, 'GET', '/api/v1/tickets', sup)).find((t) => t.number === number)
  assert.equal(rated.rating, 2)
  assert.equal(rated.rating_reason, 'attitude')

  // The four windows share one WebKit web process (windows.rs).
  const pid = appPid(driver.child.pid)
  assert.ok(pid, 'the app process')
  figures.one_pc_memory_after_a_customer = memory(pid)
  const webProcesses = figures.one_pc_memory_after_a_customer.processes.filter((n) => n.startsWith('WebKitWebProc'))
  assert.equal(webProcesses.length, 1, `one web process for the four windows: ${figures.one_pc_memory_after_a_customer.processes}`)
  await s.delete()
  await stopChild(driver.child)
  await gone(pid)
})

test('no print dialog: a kiosk tap prints (or not) while the display keeps updating, for kinds none, html and local', { timeout: 240000 }, async () => {
  const dir = tempDir('hallq-print-')
  const cups = await startCups(dir)
  cleanup.push(() => cups.stop())
  const db = newHall(dir)
  const config = join(dir, 'config.json')
  const lp0 = join(dir, 'lp0')
  writeFileSync(lp0, '')
  const screens = [{ role: 'counter', counter: 1 }, { role: 'kiosk' }, { role: 'display' }]
  const printer = { kind: 'usb', address: lp0, paper: 80 }
  writeFileSync(config, JSON.stringify({ mode: 'one_pc', hall_name: '打印测试供电所', db, port: 0, screens, printer }))
  const { driver, session: s } = await launch(config, 4448, cleanup, cups.env)

  await s.window((u) => u.includes('/counter'), 'counter')
  await s.waitFor(`return !!document.querySelector('[data-test=login-staff]')`, 'the counter login')
  const base = new URL(await s.url()).origin
  const sup = await supervisor(base)
  await api(base, 'POST', '/api/v1/counters/1/login', sup, { staff: '0001', pin: PIN })
  await api(base, 'POST', '/api/v1/counters/1/open', sup)
  const service = (await api(base, 'GET', '/api/v1/counters/1', sup)).services[0]
  const [kiosk] = await api(base, 'GET', '/api/v1/printers', sup)
  await s.window((u) => u.includes('/display'), 'display')
  await s.waitFor(`return !!document.querySelector('.display')`, 'the display')
  const hallWindows = topLevelWindows()
  assert.ok(hallWindows.some((n) => n.includes('Kiosk')) && hallWindows.some((n) => n.includes('Display')), `${hallWindows}`)

  // Before its first call the station holds no audio pipeline (WebKit's
  // web audio runs one on GStreamer threads of its own, all day once made).
  const audioThreads = threadNames(appPid(driver.child.pid)).filter((n) => /webaudio/i.test(n))
  assert.deepEqual(audioThreads, [], 'no audio before the first call')

  for (const kind of ['none', 'html', 'local']) {
    await api(base, 'PUT', `/api/v1/printers/${kiosk.kiosk}`, sup, { kind, address: null, baud: null, paper: 80 })
    const cupsBefore = cups.printedAt()
    writeFileSync(lp0, '')
    await s.window((u) => u.includes('/kiosk'), 'kiosk')
    await s.exec(CLICK, '[data-test=back]')
    await sleep(2200) // the server's least time between two tickets from one kiosk
    await s.waitFor(CLICK, 'the service button', 15000, `[data-test=service-${service}]:not([disabled])`)
    // The tap is made; the kiosk shows the number while it prints.
    const number = await s.waitFor(TEXT, `the ${kind} ticket's number`, 15000, '[data-test=ticket-number]')
    assert.deepEqual(noDialog(hallWindows), [], `no dialog after the ${kind} tap`)

    // Meanwhile the display shows the call and keeps painting.
    await s.window((u) => u.includes('/display'), 'display')
    await api(base, 'POST', '/api/v1/counters/1/call-next', sup)
    const shown = Date.now()
    await s.waitFor(`return document.querySelector('[data-test=current-call-number]')?.textContent?.trim() === arguments[0]`, `${number} on the display`, 10000, number)
    figures[`display_shows_the_call_during_a_${kind}_print_ms`] = Date.now() - shown
    const frames = await s.execAsync(`let n = 0; const end = performance.now() + 1000;
      await new Promise((done) => { const tick = (t) => { n += 1; t < end ? requestAnimationFrame(tick) : done() }; requestAnimationFrame(tick) }); return n`)
    assert.ok(frames >= 10, `the display painted ${frames} frames in a second during the ${kind} print`)
    assert.deepEqual(noDialog(hallWindows), [], `no dialog while the ${kind} ticket prints`)

    if (kind === 'none') {
      // Nothing printed: no job, nothing on either printer, the number on screen.
      await sleep(1500)
      const jobs = await api(base, 'GET', '/api/v1/print-jobs', sup)
      assert.ok(!jobs.some((j) => j.number === number), `no print job for ${number}`)
      assert.equal(readFileSync(lp0).length, 0)
      assert.equal(cups.printedAt(), cupsBefore, 'nothing sent to the system printer')
    } else if (kind === 'html') {
      // The HTML ticket on the system's default printer, no dialog.
      await waitForJob(base, sup, 'printed', (j) => j.number === number && j.kind === 'html', 30000)
      await waitFor(() => cups.printedAt() > cupsBefore && cups.printedBytes() > 1000, 'the ticket out of CUPS', 30000)
      assert.ok(cups.printed().includes('%!PS'), `PostScript on the queue's device: ${cups.printedBytes()} bytes`)
      assert.equal(readFileSync(lp0).length, 0)
    } else {
      await waitForFile(lp0, (b) => shows(b, number), `ticket ${number} on lp0`)
      await waitForJob(base, sup, 'printed', (j) => j.number === number && j.kind === 'local')
      assert.equal(cups.printedAt(), cupsBefore)
    }
    assert.deepEqual(noDialog(hallWindows), [], `no dialog after the ${kind} print`)
    await s.window((u) => u.includes('/kiosk'), 'kiosk')
    await s.screenshot(join(output, `desktop-kiosk-${kind}.png`))
    await api(base, 'POST', '/api/v1/counters/1/start', sup)
    await api(base, 'POST', '/api/v1/counters/1/finish', sup, {})
  }

  // A page's own window.print() (an older hall server's kiosk, a report)
  // gets no dialog either: it returns at once.
  await s.window((u) => u.includes('/display'), 'display')
  assert.equal(await s.exec(`window.print(); return 'returned'`), 'returned')
  await sleep(1000)
  assert.deepEqual(noDialog(hallWindows), [], 'no dialog for window.print()')

  // The display is the hall's own window: sound needs no click.
  const audio = await s.execAsync(`const c = new AudioContext();
    await Promise.race([c.resume(), new Promise((r) => setTimeout(r, 3000))]); const state = c.state; await c.close(); return state`)
  assert.equal(audio, 'running', 'the display plays without a click')
  // The calls above were voiced (the audio made at the first call), and
  // the display never asked for a click.
  await s.waitFor(`return window.hallqVoice.pending === 0`, 'the calls voiced', 20000)
  const voiced = await s.exec(`return { log: [...window.hallqVoice.log], button: !!document.querySelector('[data-test=enable-sound]') }`)
  assert.ok(voiced.log.length === 3 && voiced.log.every((e) => /^(speech|server|chime) /.test(e)), `the calls voiced: ${voiced.log}`)
  assert.equal(voiced.button, false, 'no "click to enable sound" on the desktop display')
  await s.screenshot(join(output, 'desktop-display-after-prints.png'))

  // As shipped: WebKit's settings come from the app itself.
  const pid = appPid(driver.child.pid)
  const environ = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0')
  assert.ok(environ.includes('WEBKIT_DISABLE_COMPOSITING_MODE=1'), 'the app turned compositing off itself')
  figures.one_pc_three_windows_memory_after_prints = memory(pid)
  await s.delete()
  await stopChild(driver.child)
  await gone(pid)
})

test('SIGTERM quits the app cleanly with exit status 0', { timeout: 60000 }, async () => {
  const dir = tempDir('hallq-sigterm-')
  const db = newHall(dir)
  const config = join(dir, 'config.json')
  writeFileSync(config, JSON.stringify({ mode: 'one_pc', hall_name: '测试', db, port: 0, screens: [{ role: 'counter', counter: 1 }] }))
  const app = spawn(DESKTOP, [], { env: { ...process.env, HALLQ_DESKTOP_CONFIG: config, HALLQ_DESKTOP_UNLOCKED: '1', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
  cleanup.push(() => stopChild(app, 'SIGKILL'))
  let log = ''
  app.stdout.on('data', (d) => (log += d))
  app.stderr.on('data', (d) => (log += d))
  await waitFor(() => log.includes('embedded hall server serving'), 'the embedded server', 30000)
  await waitFor(() => topLevelWindows().some((n) => n.includes('Counter')), 'the counter window', 30000)
  const exited = new Promise((r) => app.once('exit', (code, signal) => r({ code, signal })))
  app.kill('SIGTERM')
  const { code, signal } = await Promise.race([exited, sleep(20000).then(() => ({ code: 'still running' }))])
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, log.slice(-2000))
  assert.match(log, /asked to stop: quitting/)
})

test('terminal: paired with a code; shows the unreachable page while the server is down and recovers', { timeout: 180000 }, async () => {
  const dir = tempDir('hallq-terminal-')
  const db = newHall(dir)
  // 127.0.0.2: loopback, but an origin the capability files do not name.
  let server = await serve(db, 0, '127.0.0.2')
  cleanup.push(() => stopChild(server.child))
  const sup = await supervisor(server.base)
  const { code } = await api(server.base, 'POST', '/api/v1/pairing-codes', sup, { role: 'kiosk', counter: null, name: '桌面终端' })

  const config = join(dir, 'terminal.json')
  const { driver, session: s } = await launch(config, 4446, cleanup)

  // First run: the wizard. Terminal mode, the server, one kiosk screen, its code.
  await s.window((u) => u.includes('index.html') || u.startsWith('tauri://'), 'wizard')
  await s.waitFor(`return document.querySelectorAll('#screens tr').length > 0`, 'the wizard')
  await s.exec(CLICK, '[data-test=mode-terminal]')
  await s.exec(FILL, '[data-test=server]', server.base)
  await s.exec(`const rows = [...document.querySelectorAll('#screens tr')]; rows.slice(1).forEach((r) => r.remove());
    const role = rows[0].querySelector('.role'); role.value = 'kiosk'; role.dispatchEvent(new Event('change'));
    rows[0].querySelector('.code').value = arguments[0]; return true`, code)
  await s.screenshot(join(output, 'desktop-wizard.png'))

  // The printer step: USB, on a device that is not there → the test print
  // says so; on the stand-in for /dev/usb/lp0 → a sample ticket on 58 mm.
  const lp0 = join(dir, 'lp0')
  writeFileSync(lp0, '')
  await s.exec(CLICK, '[data-test=printer-kind-usb]')
  await s.exec(CLICK, '[data-test=printer-paper-58]')
  await s.exec(FILL, '[data-test=printer-address]', join(dir, 'missing', 'lp9'))
  await s.exec(CLICK, '[data-test=printer-test]')
  const failed = await s.waitFor(`const r = document.querySelector('[data-test=printer-result]'); return r.className === 'fail' && r.textContent`, 'the failed test print')
  assert.match(failed, /无法连接打印机.*lp9.*Cannot reach the printer/s)
  await s.exec(FILL, '[data-test=printer-address]', lp0)
  await s.exec(CLICK, '[data-test=printer-test]')
  await s.waitFor(`return document.querySelector('[data-test=printer-result]').className === 'ok'`, 'the test print')
  const sample = readFileSync(lp0)
  const sampleJob = readJob(sample)
  const sampleText = sampleJob.lines.map((l) => l.text).join('\n')
  assert.ok(sampleText.includes('TEST') && sampleText.includes('测试打印') && sampleText.includes('供电营业厅'), sampleText)
  assert.ok(sampleJob.chinese_mode_first && sampleJob.ends_with_cut, 'Chinese mode and a cut')
  await s.exec(`document.querySelector('#printer').scrollIntoView(); return true`)
  await s.screenshot(join(output, 'desktop-wizard-printer.png'))
  await s.exec(CLICK, '[data-test=save]')

  await s.window((u) => u.startsWith(server.base) && u.includes('/kiosk'), 'the paired kiosk')
  await s.waitFor(`return !!document.querySelector('[data-test^=service-]:not([disabled])')`, 'the kiosk services')
  const saved = JSON.parse(readFileSync(config, 'utf8'))
  assert.equal(saved.mode, 'terminal')
  assert.ok(saved.screens[0].token, 'the token is kept')
  assert.deepEqual(saved.printer, { kind: 'usb', address: lp0, baud: null, paper: 58 })

  // The supervisor sets this kiosk to print on its own PC (kind local): a
  // ticket taken on the page served by the hall server at 127.0.0.2 is
  // printed by this PC's shell.
  const [kiosk] = await api(server.base, 'GET', '/api/v1/printers', sup)
  await api(server.base, 'PUT', `/api/v1/printers/${kiosk.kiosk}`, sup, { kind: 'local', address: null, baud: null, paper: 58 })
  const service = (await api(server.base, 'GET', '/api/v1/counters/1', sup)).services[0]
  assert.ok(await s.exec(CLICK, `[data-test=service-${service}]`), 'service button clicked')
  const number = await s.waitFor(TEXT, 'the ticket number', 15000, '[data-test=ticket-number]')
  await waitForFile(lp0, (b) => shows(b, number) && b.includes(Buffer.from([0x1d, 0x56])), `ticket ${number} on lp0`)
  await waitForJob(server.base, sup, 'printed', (j) => j.number === number && j.kind === 'local')

  // The page may also call the print commands directly — and nothing else
  // of the shell.
  assert.equal((await s.execAsync(INVOKE, 'printer_status', {})).state, 'unknown')
  writeFileSync(lp0, '')
  assert.equal(await s.execAsync(INVOKE, 'print_escpos', { bytesBase64: job('B007').toString('base64') }), null)
  assert.deepEqual(readFileSync(lp0), job('B007'))
  await assert.rejects(s.execAsync(INVOKE, 'set_fullscreen', { on: true }), /not allowed|denied|ACL/i)
  await assert.rejects(s.execAsync(INVOKE, 'test_print', { printer: saved.printer, hallName: 'x' }), /not allowed|denied|ACL/i)

  // The server goes away: the window says so.
  const port = server.port
  await stopChild(server.child)
  await s.waitFor(`return location.href.includes('unreachable') && !!document.querySelector('[data-test=unreachable]')`, 'the unreachable page', 20000)
  await s.screenshot(join(output, 'desktop-unreachable.png'))

  // It comes back on the same port: the window returns by itself.
  server = await serve(db, port, '127.0.0.2')
  cleanup.push(() => stopChild(server.child))
  const back = Date.now()
  await s.waitFor(`return location.href.includes('/kiosk') && !!document.querySelector('[data-test^=service-]:not([disabled])')`, 'the kiosk again', 20000)
  figures.terminal_recovery_ms = Date.now() - back
  await s.delete()
  await stopChild(driver.child)
  await stopChild(server.child)
})

/** The names of the X server's top-level windows (xwininfo). */
function topLevelWindows() {
  const tree = execFileSync('xwininfo', ['-root', '-children'], { encoding: 'utf8' })
  return [...tree.matchAll(/^\s+0x[0-9a-f]+ "(.*)":/gm)].map((m) => m[1])
}

/** Top-level windows that were not there before (`hall`) or name a print dialog. */
function noDialog(hall) {
  return topLevelWindows().filter((n) => !hall.includes(n) || /print|打印/i.test(n))
}

/**
 * Waits until the app `pid` has quit (it drains its hall server first), so
 * the next test's app is not taken for a second instance of it.
 */
async function gone(pid) {
  for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await sleep(100)
  killApp(pid)
}

/** Polls `check` until it returns a truthy value; returns it. */
async function waitFor(check, what, timeout = 15000) {
  const end = Date.now() + timeout
  while (Date.now() < end) {
    const v = await check()
    if (v) return v
    await sleep(200)
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** Waits until the file `path` holds bytes passing `ok`; returns them. */
async function waitForFile(path, ok, what, timeout = 15000) {
  const end = Date.now() + timeout
  let last = Buffer.alloc(0)
  while (Date.now() < end) {
    try {
      last = readFileSync(path)
      if (ok(last)) return last
    } catch {}
    await sleep(100)
  }
  throw new Error(`timed out waiting for ${what} (the file holds ${last.length} bytes)`)
}

/** Waits until today's print jobs in `state` include one passing `ok`; returns it. */
async function waitForJob(base, token, state, ok, timeout = 15000) {
  const end = Date.now() + timeout
  while (Date.now() < end) {
    const found = (await api(base, 'GET', `/api/v1/print-jobs?state=${state}`, token)).find(ok)
    if (found) return found
    await sleep(200)
  }
  throw new Error(`no ${state} print job as expected`)
}

/** `hallq serve` on `bind`:`port` (0 = any); resolves once it listens. */
function serve(db, port, bind = '127.0.0.1') {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(HALLQ, ['serve', '--db', db, '--bind', bind, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const onData = (d) => {
      out += d
      const m = out.match(new RegExp(`http://${bind.replaceAll('.', '\\.')}:(\\d+)`))
      if (m) {
        child.stdout.off('data', onData)
        resolvePromise({ child, port: Number(m[1]), base: `http://${bind}:${m[1]}` })
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', (d) => (out += d))
    child.on('exit', (c) => reject(new Error(`hallq serve exited ${c}: ${out}`)))
    setTimeout(() => reject(new Error(`hallq serve did not start: ${out}`)), 15000)
  })
}
