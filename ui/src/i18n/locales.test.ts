import { describe, expect, it } from 'vitest'
import centralEn from './central.en'
import centralZh from './central.zh'
import enBase from './en'
import reportsEn from './reports.en'
import reportsZh from './reports.zh'
import zhBase from './zh'

const zh = { ...zhBase, reports: reportsZh, central: centralZh }
const en = { ...enBase, reports: reportsEn, central: centralEn }

/** Every key path of a message tree. */
function keys(o: object, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]))
}

describe('locales', () => {
  it('Chinese and English have the same keys', () => {
    expect(keys(en).sort()).toEqual(keys(zh).sort())
  })
  it('a message names the same placeholders in both languages', () => {
    const get = (o: object, path: string) => path.split('.').reduce((x: any, k) => x[k], o) as string
    for (const k of keys(zh)) {
      // A plural message ("{n} person | {n} people") names them once per form.
      const names = (s: string) => [...new Set([...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort()
      expect(names(get(en, k)), k).toEqual(names(get(zh, k)))
    }
  })
})
