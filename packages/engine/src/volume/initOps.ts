import type { TxOptions, TxResult } from '../config/configStore.ts'
import type { GroupParts } from '../groupParts.ts'
import { type AssistSpec, planAssist } from '../assist.ts'
import { makeRecord } from '../recordOps.ts'
import { checkOneOf } from '../records/validate.ts'
import { isLogPlexRec } from '../records/plexState.ts'
import { ASSIST_INITS, type InitType, assertInitialisable, initClean } from '../records/volumeInit.ts'
import { findRecord } from '../txn.ts'
import { SECTOR_SIZE } from '../units.ts'
import { fail } from '../errors.ts'
import { diskFault } from '../ops/diskFault.ts'

/** The public volume operations an initialisation goes through (the group's own start, write and flush). */
export interface VolumeStarter {
  start(volume: string, opts?: TxOptions): Promise<TxResult>
  write(volume: string, offset: number, data: Uint8Array): Promise<void>
  flush(volume: string): Promise<void>
}

/**
 * vxvol init (rule 155) of a stopped, never-initialised (EMPTY) volume: `active` starts it with
 * every plex ACTIVE and nothing copied; `zero` starts it the same way and writes zeros over the
 * whole volume (every plex); `clean PLEX` makes that plex CLEAN and the others STALE, the volume
 * CLEAN and stopped, so the next start copies the plex to the others.
 */
export async function initVolume(p: GroupParts, dg: VolumeStarter, volume: string, how: InitType, plex: string | undefined, opts: TxOptions): Promise<TxResult> {
  if (how === 'clean') return p.transact('v.init', (d) => initClean(d, volume, plex), opts)
  await p.transact('v.init', (d) => void assertInitialisable(d, volume, how), { dryRun: true })
  if (plex !== undefined) fail('VM_INVALID_PARAM', `init ${how} takes no plex`)
  const r = await dg.start(volume, opts)
  if (opts.dryRun || how === 'active') return r
  const len = p.vol(volume).v_len * SECTOR_SIZE
  const zeros = Buffer.alloc(Math.min(len, 1 << 20))
  for (let off = 0; off < len; off += zeros.length) await dg.write(volume, off, zeros.subarray(0, Math.min(zeros.length, len - off)))
  await dg.flush(volume)
  return { ...r, tid: p.store.current().tid }
}

/**
 * vxassist make: allocates and creates a whole volume (never two mirrors on one disk), then
 * initialises it as vxassist does (`spec.init`, rule 156): `sync` (the default) starts it with its
 * first plex CLEAN and the others copied from it, `zero` and `active` as vxvol init, `none`
 * leaves it EMPTY and stopped. The result lists the records made, as the last commit left them.
 */
export async function assistMake(p: GroupParts, dg: VolumeStarter, spec: AssistSpec, opts: TxOptions): Promise<TxResult> {
  const init = checkOneOf(spec.init ?? 'sync', ASSIST_INITS, 'init')
  const fault = diskFault(p)
  const made = await p.transact('assist.make', (d) => {
    for (const r of planAssist(d, spec, fault)) makeRecord(d, r)
  }, opts)
  if (opts.dryRun || init === 'none') return made
  const cfg = () => p.store.current()
  const first = p.plexesOf(p.vol(spec.name).v_rid).find((pl) => !isLogPlexRec(cfg(), pl))!
  const last = init === 'sync' ? await initVolume(p, dg, spec.name, 'clean', first.pl_name, {}).then(() => dg.start(spec.name)) : await initVolume(p, dg, spec.name, init, undefined, {})
  return { ...made, tid: last.tid, changes: made.changes.map((c) => ({ ...c, after: findRecord(cfg(), c.kind, c.rid) ?? c.after })) }
}
