// vue-i18n: Chinese first, English selectable (remembered per browser).
import { createI18n } from 'vue-i18n'
import zh from './zh'
import en from './en'

const saved = typeof localStorage !== 'undefined' ? localStorage.getItem('hallq.lang') : null

export const i18n = createI18n({
  legacy: false,
  locale: saved === 'en' ? 'en' : 'zh',
  fallbackLocale: 'zh',
  messages: { zh, en },
})

export function toggleLocale(): void {
  const next = i18n.global.locale.value === 'zh' ? 'en' : 'zh'
  i18n.global.locale.value = next
  localStorage.setItem('hallq.lang', next)
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en'
}

/** A service's name in the current language. */
export function serviceName(s: { name_zh: string; name_en: string } | undefined, fallback = ''): string {
  if (!s) return fallback
  return i18n.global.locale.value === 'en' ? s.name_en : s.name_zh
}

/** A bilingual server error in the current language. */
export function errorText(e: unknown): string {
  const b = (e as { body?: { message_zh: string; message_en: string } }).body
  if (b) return i18n.global.locale.value === 'en' ? b.message_en : b.message_zh
  return String((e as Error)?.message ?? e)
}
