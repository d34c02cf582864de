import type { TxOptions, TxResult } from '../config/configStore.ts'
import { fail } from '../errors.ts'
import type { GroupParts } from '../groupParts.ts'
import { assertUnlocked, dissociatePlex, isStalePlex, removeRecord } from '../recordOps.ts'
import { isLogPlexRec } from '../records/plexState.ts'
import type { PlRecord, VRecord } from '../records/types.ts'
import type { Draft } from '../txn.ts'

export interface RemoveMirrorOptions extends TxOptions {
  /** Remove it even when no other complete, current data plex would remain (vxplex -f). */
  force?: boolean
}

/** A data plex that holds the whole volume and is current: what the volume may not lose the last of. */
function isCompleteCopy(v: VRecord, pl: PlRecord): boolean {
  return !isStalePlex(pl) && pl.pl_contig_len >= v.v_len && pl.pl_kstate !== 'DETACHED'
}

/**
 * The plex `vxassist remove mirror` takes when none is named: a data plex that is not a complete
 * current copy first (it gives the volume nothing), else the newest (highest rid) that is not the
 * preferred plex.
 */
function chooseMirror(d: Draft, v: VRecord): PlRecord {
  const data = d.plexesOf(v).filter((pl) => !isLogPlexRec(d.c, pl))
  if (data.length < 2) fail('VM_LAST_PLEX', `volume ${v.v_name} has ${data.length} data plex; removing it would remove the volume's data`)
  const byAge = [...data].sort((a, b) => b.pl_rid - a.pl_rid)
  return byAge.find((pl) => !isCompleteCopy(v, pl)) ?? byAge.find((pl) => pl.pl_name !== v.v_pref_name) ?? byAge[0]!
}

/**
 * vxassist remove mirror VOL / vxplex -o rm dis PLEX: dissociates a data plex of the volume and
 * removes it with its subdisks, in one transaction (a crash leaves it whole or gone). Refused
 * VM_LAST_PLEX when the volume would keep no complete current data plex (VxVM refuses to remove
 * the last complete plex), unless `force`; on a started volume also when some region would keep
 * no current copy (rule 117, `assertNotLastPlex`). A DRL log plex is not a mirror (remove log).
 */
export async function removeMirror(p: GroupParts, volume: string, plex: string | undefined, opts: RemoveMirrorOptions = {}): Promise<TxResult> {
  const force = opts.force ?? false
  let removed = 0
  return p.transact('v.unmirror', (d) => {
    const v = d.vol(volume)
    assertUnlocked(v.v_tutil[0], volume)
    const pl = plex === undefined ? chooseMirror(d, v) : d.plex(plex)
    if (pl.pl_vol_rid !== v.v_rid) fail('VM_INVALID_PARAM', `plex ${pl.pl_name} is not a plex of ${volume}`)
    if (isLogPlexRec(d.c, pl)) fail('VM_INVALID_PARAM', `plex ${pl.pl_name} is a log plex, not a mirror (remove the log instead)`)
    assertUnlocked(pl.pl_tutil[0], pl.pl_name)
    const others = d.plexesOf(v).filter((x) => x !== pl && !isLogPlexRec(d.c, x))
    // a never-started (EMPTY) volume holds no data yet: any other data plex will do
    if (!force && (others.length === 0 || (v.v_state !== 'EMPTY' && !others.some((x) => isCompleteCopy(v, x))))) {
      fail('VM_LAST_PLEX', `${pl.pl_name} is the last complete current plex of ${volume}`)
    }
    p.plex.assertNotLastPlex(d, pl, force)
    dissociatePlex(d, pl)
    removeRecord(d, pl.pl_name, true)
    removed = pl.pl_rid
  }, opts, false, () => {
    if (!opts.dryRun) p.stale.drop(removed)
  }).then(async (r) => {
    if (!opts.dryRun) await p.stale.persist()
    return r
  })
}
