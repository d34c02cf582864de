import type { TxOptions, TxResult } from '../config/configStore.ts'
import { fail } from '../errors.ts'
import type { GroupParts } from '../groupParts.ts'
import { assertUnlocked } from '../recordOps.ts'
import { isLogPlexRec } from '../records/plexState.ts'
import { checkSectors } from '../records/validate.ts'
import type { Draft } from '../txn.ts'
import { sizeText } from '../units.ts'

export interface ShrinkOptions extends TxOptions {
  /** Shrink a started volume (what lies beyond the new end is lost to whoever uses it, as with vxassist -f). */
  force?: boolean
}

/**
 * Cuts every data plex of `v` in the draft at `len` sectors: subdisks wholly beyond it are
 * dissociated and removed, the one across it is shortened; their space is free again.
 */
function cutPlexes(d: Draft, volume: string, len: number): void {
  const v = d.vol(volume)
  for (const pl of d.plexesOf(v).filter((x) => !isLogPlexRec(d.c, x))) {
    if (pl.pl_layout !== 'CONCAT') fail('VM_INVALID_PARAM', `plex ${pl.pl_name} is ${pl.pl_layout}: only concat plexes are shrunk here`)
    for (const sd of d.sdsOf(pl).filter((s) => !s.sd_is_log)) {
      if (sd.sd_pl_offset >= len) d.c.subdisks.splice(d.c.subdisks.indexOf(sd), 1)
      else if (sd.sd_pl_offset + sd.sd_len > len) sd.sd_len = len - sd.sd_pl_offset
    }
  }
  v.v_len = len
}

/**
 * vxassist shrinkto VOL LEN (shrinkby: the caller subtracts): one transaction sets the new length
 * and gives back the space beyond it (`cutPlexes`), so a crash leaves the volume whole or shrunk.
 * The data beyond the new end is gone: whatever the volume holds (a file system) must have been
 * made smaller first. So the volume must be stopped, or the shrink forced; a started volume with a
 * running task is refused VM_BUSY even then. No data is copied (the dry run's copyBytes is 0).
 */
export async function shrinkVolume(p: GroupParts, volume: string, len: number, opts: ShrinkOptions = {}): Promise<TxResult> {
  p.store.assertOnline()
  checkSectors(len, 'len', true)
  const v = p.vol(volume)
  if (len >= v.v_len) fail('VM_INVALID_PARAM', `volume ${volume} is ${sizeText(v.v_len)}: shrinking it to ${sizeText(len)} would not shrink it (grow it instead)`)
  assertUnlocked(v.v_tutil[0], volume)
  if (v.v_kstate !== 'DISABLED' && !opts.force) fail('VM_VOL_ENABLED', `volume ${volume} is started: stop it to shrink it, or force (what lies beyond its first ${sizeText(len)} is lost)`)
  if (p.tasks.runningOn(volume)) fail('VM_BUSY', `volume ${volume} has a running task; let it finish first`)
  const r = await p.transact('v.shrink', (d) => cutPlexes(d, volume, len), opts)
  return { ...r, copyBytes: 0 }
}
