import type { TxOptions, TxResult } from '../config/configStore.ts'
import { fail } from '../errors.ts'
import type { GroupParts } from '../groupParts.ts'
import { extent } from '../io/extent.ts'
import { type SdAssoc, assocSubdisk } from '../recordOps.ts'
import type { SdRecord } from '../records/types.ts'
import { fillSubdisk } from '../resync/subdiskFill.ts'

/**
 * vxsd assoc: one transaction; when the subdisk fills a hole of a live plex (an ENABLED plex of an
 * ENABLED volume), the range it will serve is regenerated from the other plexes first (B 14,
 * resync/subdiskFill.ts).
 */
export async function assocSubdiskFilled(p: GroupParts, plex: string, a: SdAssoc, opts: TxOptions): Promise<TxResult> {
  const plan = await p.transact('sd.assoc', (d) => void assocSubdisk(d, d.plex(plex), a), { dryRun: true })
  if (opts.dryRun) return plan
  const commit = () => p.transact('sd.assoc', (d) => void assocSubdisk(d, d.plex(plex), a))
  const cfg = p.store.current()
  const pl = cfg.plexes.find((x) => x.pl_name === plex)!
  const v = p.plex.volumeOf(pl)
  if (!v || v.v_kstate !== 'ENABLED' || pl.pl_kstate !== 'ENABLED') return commit()
  const after = plan.changes.find((c) => c.kind === 'sd' && c.name === a.name)!.after as unknown as SdRecord
  const sd = cfg.subdisks.find((s) => s.sd_name === a.name)!
  const device = p.ioMap().device(sd.sd_dm_rid) ?? fail('VM_IO', `disk of ${a.name} is not available`)
  const read = (s: number, n: number) => p.volumeIo.readFrom(v, extent(s, n), (x) => x.pl_rid !== pl.pl_rid, true)
  return fillSubdisk({ lock: p.runtime(v).lock, read, device }, { plex: pl, sd, after, volumeLen: v.v_len }, commit)
}
