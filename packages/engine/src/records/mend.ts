import { fail } from '../errors.ts'
import { assertUnlocked, isLogPlex } from '../recordOps.ts'
import type { Draft } from '../txn.ts'
import { type PlRecord, PL_PFLAG } from './types.ts'
import { checkOneOf } from './validate.ts'

export type MendOp = 'clear' | 'fix' | 'off' | 'on'

/** What vxmend needs from the rest of the group, inside the caller's transaction. */
export interface MendContext {
  /** -o force: uninitialise a volume with ACTIVE plexes, take the last current plex offline. */
  force: boolean
  /** A plex leaving a started volume must leave every region a current copy (rule 117). */
  assertNotLastPlex(d: Draft, pl: PlRecord, force: boolean): void
  /** The plex stops being current: its stale regions are tracked from now on. */
  track(pl: PlRecord): void
  /** The plex's contents no longer matter (fix empty): its stale map goes. */
  forget(pl: PlRecord): void
}

/**
 * vxmend (volmend(8)) on draft `d`: `clear` util fields (C 26), `fix` a state, `off`, `on` (D 37-38).
 * `fix clean|stale|active PLEX` changes the named plex alone (rule 150); `fix empty VOLUME`
 * uninitialises the volume and its data plexes, refused with VM_HAS_DATA while a plex is ACTIVE
 * unless forced (rule 151).
 */
export function applyMend(d: Draft, op: MendOp, name: string, arg: string | undefined, ctx: MendContext): void {
  switch (op) {
    case 'clear': {
      const n = d.find(name) ?? fail('VM_NOT_FOUND', `no record ${name}`)
      const rec = n.rec as unknown as Record<string, string[]>
      const fields = arg ?? 'tutil0'
      const m = /^(all|putil|tutil|putil[0-2]|tutil[0-2])$/.exec(fields) ?? fail('VM_INVALID_PARAM', `cannot clear ${fields}`)
      for (const kind of ['putil', 'tutil']) {
        const arr = rec[`${n.kind}_${kind}`]!
        for (let i = 0; i < 3; i++) if (m[1] === 'all' || m[1] === kind || m[1] === `${kind}${i}`) arr[i] = ''
      }
      return
    }
    case 'fix': {
      const how = checkOneOf(arg, ['clean', 'stale', 'active', 'empty'] as const, 'fix')
      if (how === 'empty') return fixEmpty(d, name, ctx)
      const pl = d.plex(name)
      const v = d.volOf(pl) ?? fail('VM_INVALID_PARAM', `plex ${name} is not associated`)
      if (v.v_kstate !== 'DISABLED') fail('VM_VOL_ENABLED', `volume ${v.v_name} is started`)
      pl.pl_state = how.toUpperCase()
      if (how === 'clean' || how === 'active') pl.pl_pflag &= ~(PL_PFLAG.STALE | PL_PFLAG.KDETACH)
      return
    }
    case 'off': {
      const pl = d.plex(name)
      assertUnlocked(pl.pl_tutil[0], name)
      ctx.assertNotLastPlex(d, pl, false)
      if (pl.pl_state === 'ACTIVE' || pl.pl_state === 'CLEAN') ctx.track(pl)
      pl.pl_state = 'OFFLINE'
      pl.pl_kstate = 'DISABLED'
      return
    }
    case 'on': {
      const pl = d.plex(name)
      if (pl.pl_state !== 'OFFLINE') fail('VM_INVALID_PARAM', `plex ${name} is not OFFLINE`)
      pl.pl_state = 'STALE'
      pl.pl_kstate = d.volOf(pl)?.v_kstate === 'ENABLED' ? 'DETACHED' : 'DISABLED'
      return
    }
    default:
      fail('VM_INVALID_PARAM', `unknown mend operation ${String(op)}`)
  }
}

/** vxmend fix empty VOLUME: the volume and its data plexes become EMPTY, as if never initialised. */
function fixEmpty(d: Draft, name: string, ctx: MendContext): void {
  const v = d.c.volumes.find((x) => x.v_name === name) ?? fail(d.find(name) ? 'VM_INVALID_PARAM' : 'VM_NOT_FOUND', `fix empty takes a volume; ${name} is not one`)
  if (v.v_kstate !== 'DISABLED') fail('VM_VOL_ENABLED', `volume ${v.v_name} is started`)
  assertUnlocked(v.v_tutil[0], name)
  const data = d.plexesOf(v).filter((p) => !isLogPlex(d, p))
  const active = data.filter((p) => p.pl_state === 'ACTIVE')
  if (active.length > 0 && !ctx.force) fail('VM_HAS_DATA', `plex ${active.map((p) => p.pl_name).join(', ')} of ${name} is ACTIVE: fix empty forgets its contents (force to do it)`)
  for (const p of data) {
    assertUnlocked(p.pl_tutil[0], p.pl_name)
    p.pl_state = 'EMPTY'
    p.pl_pflag &= ~(PL_PFLAG.STALE | PL_PFLAG.KDETACH)
    ctx.forget(p)
  }
  v.v_state = 'EMPTY'
  v.v_rwback_offset = 0
}
