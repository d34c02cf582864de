// Rule 477 at the server: the critical alert of a failed dirty region log (VM_WRTDAERR, BADLOG) is
// over once the log is valid and in use again, from the engine's own records and alert.
import { describe, expect, it } from 'vitest'
import type { Alert } from '@plexa/protocol'
import { alertOver } from '../src/history/alertResolution.ts'
import { badLogRig } from '../../../packages/engine/test/badLogRig.ts'

describe('the failed-log alert resolves (rule 477)', () => {
  it('rule 477: the BADLOG alert stays while the log plex is IOFAIL and is over once the log plex is re-attached (LOG ENABLED, BADLOG clear)', async () => {
    const r = await badLogRig()
    const raised: Alert[] = []
    r.dg.subscribe((e) => {
      if (e.type === 'alert' && e.code === 'VM_WRTDAERR') raised.push({ id: raised.length + 1, dg: 'dg', severity: e.severity, code: e.code, message: e.message, ...(e.object ? { object: e.object } : {}), at: 1, lastAt: 1, count: 1 })
    })
    const heal = await r.loseLog()
    const a = raised.find((x) => x.object === 'v1')!
    expect(a).toBeDefined()
    const now = () => ({ config: r.dg.config(), forcedOffline: false, stale: r.dg.staleMaps(), failedDisks: new Set<string>() })
    expect(alertOver(a, now(), [], () => undefined)).toBeUndefined()
    heal()
    expect(alertOver(a, now(), [], () => undefined)).toBeUndefined()
    await r.dg.attachPlex('v1', r.logPlex().pl_name)
    expect(alertOver(a, now(), [], () => undefined)).toBeTypeOf('string')
    await r.dg.close()
  })
})
