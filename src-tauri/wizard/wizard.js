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

function mode() { return document.querySelector('input[name=mode]:checked').value }

function onMode() {
  document.body.classList.toggle('terminal', mode() === 'terminal')
  document.body.classList.toggle('server', mode() === 'hall_server')
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
    $('port').value = c.port
    $('server').value = c.server || ''
    $('autostart').checked = c.autostart
    $('pin-hint').textContent = '修改设置需要当前的值班长 PIN。 Changing the set-up needs the current supervisor PIN.'
    document.querySelector('.new-pin').hidden = true
    for (const s of c.screens) screenRow(s)
  } else {
    for (const s of [{ role: 'counter', counter: 1 }, { role: 'kiosk' }, { role: 'display' }, { role: 'rate', counter: 1 }]) screenRow(s)
  }
  onMode()
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
    port: Number($('port').value) || null,
    server: $('server').value.trim() || null,
    screens,
    autostart: $('autostart').checked,
  }
  $('save').disabled = true
  try {
    await invoke('wizard_save', { input })
  } catch (e) {
    $('error').textContent = e.message || String(e)
  } finally {
    $('save').disabled = false
  }
}

async function quit() {
  try {
    await invoke('quit_app', { pin: $('quit-pin').value.trim() })
  } catch (e) {
    $('quit-error').textContent = e.message || String(e)
  }
}

if (location.hash === '#quit') {
  $('setup').hidden = true
  $('quit').hidden = false
  $('quit-button').onclick = quit
} else {
  for (const r of document.querySelectorAll('input[name=mode]')) r.onchange = onMode
  $('add-screen').onclick = () => screenRow({})
  $('save').onclick = save
  init().catch((e) => { $('error').textContent = String(e) })
}
