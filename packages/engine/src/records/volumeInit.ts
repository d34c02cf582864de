import { fail } from '../errors.ts'
import { assertUnlocked, isLogPlex } from '../recordOps.ts'
import type { Draft } from '../txn.ts'
import { type VRecord, PL_PFLAG } from './types.ts'
import { checkOneOf } from './validate.ts'

/** vxvol init types (vxvol(1M)): `zero`, `active`, `clean PLEX`. */
export type InitType = 'zero' | 'active' | 'clean'
export const INIT_TYPES = ['zero', 'active', 'clean'] as const

/** How vxassist make leaves a new volume: as vxvol init does, `sync` (mirrors copied), or `none` (EMPTY). */
export type AssistInit = 'sync' | 'zero' | 'active' | 'none'
export const ASSIST_INITS = ['sync', 'zero', 'active', 'none'] as const

/**
 * Checks that vxvol init can act on `volume` in draft `d`: a stopped volume that was never
 * initialised (EMPTY; `vxmend fix empty` makes one so again) with a data plex, not locked.
 */
export function assertInitialisable(d: Draft, volume: string, how: unknown): { v: VRecord; how: InitType } {
  const type = checkOneOf(how, INIT_TYPES, 'init type')
  const v = d.vol(volume)
  assertUnlocked(v.v_tutil[0], volume)
  if (v.v_kstate !== 'DISABLED') fail('VM_VOL_ENABLED', `volume ${volume} is started`)
  const data = d.plexesOf(v).filter((p) => !isLogPlex(d, p))
  if (v.v_state !== 'EMPTY' || data.some((p) => p.pl_state !== 'EMPTY')) fail('VM_INVALID_PARAM', `volume ${volume} is initialised (vxmend fix empty first)`)
  if (data.length === 0) fail('VM_UNSTARTABLE', `volume ${volume} has no data plex`)
  return { v, how: type }
}

/**
 * vxvol init clean PLEX on the draft: the named plex CLEAN (it must cover the volume), every other
 * data plex STALE, the volume CLEAN; the next start recovers the STALE plexes from it.
 */
export function initClean(d: Draft, volume: string, plex: unknown): void {
  const { v } = assertInitialisable(d, volume, 'clean')
  if (typeof plex !== 'string' || plex === '') fail('VM_INVALID_PARAM', 'init clean needs a plex')
  const pl = d.plexesOf(v).find((p) => p.pl_name === plex) ?? fail('VM_INVALID_PARAM', `${plex} is not a plex of ${volume}`)
  if (isLogPlex(d, pl)) fail('VM_INVALID_PARAM', `${plex} is a log plex`)
  if (pl.pl_contig_len < v.v_len) fail('VM_UNSTARTABLE', `plex ${plex} does not cover ${volume}`)
  for (const p of d.plexesOf(v)) {
    if (isLogPlex(d, p)) continue
    p.pl_state = p === pl ? 'CLEAN' : 'STALE'
    p.pl_pflag &= ~(PL_PFLAG.STALE | PL_PFLAG.KDETACH)
  }
  v.v_state = 'CLEAN'
}
