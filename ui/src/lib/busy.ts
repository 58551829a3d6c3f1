// Buttons disabled while their command is in flight: `run('call', f)` runs
// f only if no command of that name is running (a double click does
// nothing the second time, even before the DOM re-renders).

import { reactive } from 'vue'
import { ApiError } from '../api/client'

export function useBusy(onError: (e: ApiError | Error) => void) {
  const busy = reactive<Record<string, boolean>>({})
  async function run<T>(name: string, f: () => Promise<T>): Promise<T | undefined> {
    if (busy[name]) return undefined
    busy[name] = true
    try {
      return await f()
    } catch (e) {
      onError(e as Error)
      return undefined
    } finally {
      busy[name] = false
    }
  }
  const any = () => Object.values(busy).some(Boolean)
  return { busy, run, any }
}
