// vue-i18n: Chinese first, English selectable. Staff pages remember the
// choice per browser; customer pages (kiosk, rating pad) never do: each
// customer starts in Chinese and a switch lasts for that customer only.
import { createI18n } from 'vue-i18n'
import zh from './zh'
import en from './en'

type Locale = 'zh' | 'en'
const KEY = 'hallq.lang'
const saved = typeof localStorage !== 'undefined' ? localStorage.getItem(KEY) : null
/** Whether a switch is stored for the next load (false on customer pages). */
let remember = true

export const i18n = createI18n({
  legacy: false,
  locale: saved === 'en' ? 'en' : 'zh',
  fallbackLocale: 'zh',
  messages: { zh, en },
})

function setLocale(next: Locale): void {
  i18n.global.locale.value = next
  if (remember) localStorage.setItem(KEY, next)
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en'
}

export function toggleLocale(): void {
  setLocale(i18n.global.locale.value === 'zh' ? 'en' : 'zh')
}

/**
 * Makes this page a customer page: Chinese now, whatever another page of
 * this browser stored, and a switch is never stored.
 */
export function forCustomers(): void {
  remember = false
  setLocale('zh')
}

/** The next customer's language: Chinese. */
export function nextCustomer(): void {
  if (i18n.global.locale.value !== 'zh') setLocale('zh')
}

/** A service's name in the current language. */
export function serviceName(s: { name_zh: string; name_en: string } | undefined, fallback = ''): string {
  if (!s) return fallback
  return i18n.global.locale.value === 'en' ? s.name_en : s.name_zh
}

/**
 * A name the server gives in both languages (a report group's label, a
 * service or counter name) in the current one: the English form when
 * reading English and there is one, else the Chinese.
 */
export function inLanguage(zh: string, en?: string | null): string {
  return i18n.global.locale.value === 'en' && en ? en : zh
}

/** A bilingual server error in the current language. */
export function errorText(e: unknown): string {
  const b = (e as { body?: { message_zh: string; message_en: string } }).body
  if (b) return i18n.global.locale.value === 'en' ? b.message_en : b.message_zh
  return String((e as Error)?.message ?? e)
}
