// The wizard's behaviour: read the defaults from the shell, keep the form
// consistent with the chosen mode, and hand everything to `wizard_save`
// (which creates the hall or pairs the screens, then opens them).
'use strict'
const invoke = (cmd, args) => window.__TAURI__.core.invoke(cmd, args)
const $ = (id) => document.getElementById(id)
const ROLES = [
  ['counter', '窗口 Counter'], ['kiosk', '取号机 Kiosk'], ['display', '叫号屏 Display'],
  ['rate', '评价器 Rating pad'], ['board', '值班长看板 Board'],
]
let monitors = 1
let changing = false
let devices = { usb: [], serial: [] }

function mode() { return document.querySelector('input[name=mode]:checked').value }

function onMode() {
  document.body.classList.toggle('terminal', mode() === 'terminal')
  document.body.classList.toggle('server', mode() === 'hall_server')
}

function printerKind() { return document.querySelector('input[name=printer-kind]:checked').value }

// The address field's label, example and suggestions follow the kind.
const ADDRESS = {
  usb: ['设备 Device', navigator.platform.startsWith('Win') ? '\\\\localhost\\POS58' : '/dev/usb/lp0'],
  serial: ['串口 Port', navigator.platform.startsWith('Win') ? 'COM3' : '/dev/ttyUSB0'],
  network: ['主机:端口 Host:port', '192.168.1.50:9100'],
  system: ['打印机名称 Printer name', '留空 = 默认打印机 empty = the default printer'],
}

function onPrinterKind() {
  const kind = printerKind()
  for (const k of ['none', 'usb', 'serial', 'network', 'system']) document.body.classList.toggle(`printer-${k}`, k === kind)
  if (kind === 'none') return
  const [label, example] = ADDRESS[kind]
  $('printer-address-label').textContent = label
  $('printer-address').placeholder = example
  const list = kind === 'usb' ? devices.usb : kind === 'serial' ? devices.serial : []
  $('printer-devices').replaceChildren(...list.map((d) => new Option(d, d)))
  if (kind === 'system') $('printer-found').textContent = '操作系统中的打印机（CUPS 队列名称）；留空即打印到默认打印机。 A printer of the operating system (its CUPS queue name); empty prints to the default printer.'
  else if (kind === 'network') $('printer-found').textContent = '打印机的 IP 地址，端口默认 9100。 The printer\'s IP address; port 9100 unless given.'
  else if (kind === 'usb' && !list.length) $('printer-found').textContent = '未找到 USB 打印机设备（/dev/usb/lp*）：请检查连线和电源，或手动填写。 No USB printer device found (/dev/usb/lp*): check the cable and power, or type the path.'
  else if (!list.length) $('printer-found').textContent = '未找到串口，请手动填写。 No serial port found: type its name.'
  else $('printer-found').textContent = `找到 Found: ${list.join(', ')}`
  if (!$('printer-address').value && list.length) $('printer-address').value = list[0]
  $('printer-result').textContent = ''
}

function printerInput() {
  const kind = printerKind()
  return {
    kind,
    address: kind === 'none' ? null : $('printer-address').value.trim() || null,
    baud: kind === 'serial' ? Number($('printer-baud').value) : null,
    paper: Number(document.querySelector('input[name=printer-paper]:checked').value),
  }
}

function showPrinter(p) {
  document.querySelector(`input[name=printer-kind][value=${p.kind}]`).checked = true
  $('printer-address').value = p.address || ''
  if (p.baud) $('printer-baud').value = String(p.baud)
  document.querySelector(`input[name=printer-paper][value="${p.paper}"]`).checked = true
}

function errorText(e) {
  return (e && (e.message || (e.message_zh && `${e.message_zh} / ${e.message_en}`))) || String(e)
}

async function testPrint() {
  const result = $('printer-result')
  result.className = ''
  result.textContent = '正在打印… Printing…'
  $('printer-test').disabled = true
  $('sample-hall').textContent = $('hall-name').value.trim() || 'HallQ'
  try {
    await invoke('test_print', { printer: printerInput(), hallName: $('hall-name').value.trim() })
    result.className = 'ok'
    result.textContent = '✔ 测试页已发送到打印机，请查看出纸。 The test page was sent: check the printer.'
  } catch (e) {
    result.className = 'fail'
    result.textContent = `✘ ${errorText(e)}`
  } finally {
    $('printer-test').disabled = false
  }
}

function screenRow(s = {}) {
  const tr = document.createElement('tr')
  const role = document.createElement('select')
  role.className = 'role'
  for (const [v, t] of ROLES) role.add(new Option(t, v, false, v === (s.role || 'counter')))
  const counter = Object.assign(document.createElement('input'), { type: 'number', min: 1, value: s.counter || 1, className: 'counter short' })
  const monitor = document.createElement('select')
  monitor.className = 'monitor'
  for (let i = 0; i < Math.max(monitors, (s.monitor || 0) + 1); i++) monitor.add(new Option(`${i + 1}`, i, false, i === (s.monitor || 0)))
  const code = Object.assign(document.createElement('input'), { className: 'code short', inputMode: 'numeric', maxLength: 6, placeholder: '000000' })
  const remove = Object.assign(document.createElement('button'), { type: 'button', textContent: '✕' })
  remove.onclick = () => tr.remove()
  const syncCounter = () => { counter.disabled = !['counter', 'rate'].includes(role.value) }
  role.onchange = syncCounter
  syncCounter()
  const codeCell = document.createElement('td')
  codeCell.className = 'terminal-only'
  codeCell.append(code)
  for (const el of [role, counter, monitor]) { const td = document.createElement('td'); td.append(el); tr.append(td) }
  tr.append(codeCell)
  const td = document.createElement('td'); td.append(remove); tr.append(td)
  tr.dataset.test = `screen-${$('screens').children.length}`
  $('screens').append(tr)
}

async function init() {
  const d = await invoke('wizard_defaults')
  monitors = d.monitors
  devices = d.devices
  for (const b of d.bauds) $('printer-baud').add(new Option(String(b), String(b), false, b === 9600))
  for (const s of d.services) {
    const label = document.createElement('label')
    label.innerHTML = `<input type="checkbox" value="${s.code}" checked> ${s.name_zh} <small>${s.name_en}</small>`
    $('services').append(label)
  }
  const c = d.current
  changing = !!c
  if (c) {
    document.querySelector(`input[name=mode][value=${c.mode}]`).checked = true
    $('hall-name').value = c.hall_name
    $('lan').checked = c.lan
    $('port').value = c.port || ''
    $('server').value = c.server || ''
    $('autostart').checked = c.autostart
    $('pin-hint').textContent = '修改设置需要当前的值班长 PIN。 Changing the set-up needs the current supervisor PIN.'
    document.querySelector('.new-pin').hidden = true
    for (const s of c.screens) screenRow(s)
    showPrinter(c.printer)
  } else {
    for (const s of [{ role: 'counter', counter: 1 }, { role: 'kiosk' }, { role: 'display' }, { role: 'rate', counter: 1 }]) screenRow(s)
  }
  onMode()
  onPrinterKind()
}

async function save() {
  $('error').textContent = ''
  const pin = $('pin').value.trim()
  if (!changing && mode() !== 'terminal' && pin !== $('pin2').value.trim()) {
    $('error').textContent = '两次输入的 PIN 不一致 / the two PINs differ'
    return
  }
  const screens = [...$('screens').children].map((tr) => ({
    role: tr.querySelector('.role').value,
    counter: Number(tr.querySelector('.counter').value) || null,
    monitor: Number(tr.querySelector('.monitor').value) || 0,
    code: tr.querySelector('.code').value.trim() || null,
  }))
  const input = {
    mode: mode(),
    hall_name: $('hall-name').value.trim(),
    services: [...$('services').querySelectorAll('input:checked')].map((i) => i.value),
    pin,
    lan: $('lan').checked,
    port: $('port').value.trim(),
    server: $('server').value.trim() || null,
    screens,
    autostart: $('autostart').checked,
    printer: printerInput(),
  }
  $('save').disabled = true
  try {
    await invoke('wizard_save', { input })
  } catch (e) {
    $('error').textContent = errorText(e)
  } finally {
    $('save').disabled = false
  }
}

async function quit() {
  try {
    await invoke('quit_app', { pin: $('quit-pin').value.trim() })
  } catch (e) {
    $('quit-error').textContent = errorText(e)
  }
}

if (location.hash === '#quit') {
  $('setup').hidden = true
  $('quit').hidden = false
  $('quit-button').onclick = quit
} else {
  for (const r of document.querySelectorAll('input[name=mode]')) r.onchange = onMode
  for (const r of document.querySelectorAll('input[name=printer-kind]')) r.onchange = onPrinterKind
  $('printer-test').onclick = testPrint
  $('add-screen').onclick = () => screenRow({})
  $('save').onclick = save
  init().catch((e) => { $('error').textContent = String(e) })
}
