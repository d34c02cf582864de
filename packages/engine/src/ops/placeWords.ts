import type { TxResult } from '../config/configStore.ts'
import type { Config } from '../records/types.ts'
import { SECTOR_SIZE } from '../units.ts'

/**
 * A size or a place on a disk for a dry run's words: the largest unit that still reads 0.5 or
 * more, with two decimals unless whole ("0.50 GiB", "128 MiB", "0 B").
 */
export function placeSize(sectors: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']
  let n = sectors * SECTOR_SIZE
  let i = 0
  while (n / 1024 >= 0.5 && i < units.length - 1) {
    n /= 1024
    i++
  }
  return `${Number.isInteger(n) ? n : n.toFixed(2)} ${units[i]}`
}

/**
 * Rule 404: where an operation puts things, in words, from the configuration before and after it
 * (its dry run's draft or its commit): every new subdisk ("new subdisk disk05-02 on disk05 at
 * 0.50 GiB, 128 MiB (plex v1-01, column 1)"), every subdisk grown in place or shortened, and every
 * one removed, in the order of the records.
 */
export function placementNotes(before: Config, after: Config): string[] {
  const disk = (c: Config, rid: number) => c.disks.find((d) => d.dm_rid === rid)?.dm_name ?? '?'
  const plex = (c: Config, rid: number) => c.plexes.find((p) => p.pl_rid === rid)
  const where = (c: Config, sd: Config['subdisks'][number]) => {
    const pl = plex(c, sd.sd_plex_rid)
    if (!pl) return ''
    return ` (plex ${pl.pl_name}${sd.sd_is_log ? ', log' : pl.pl_layout === 'STRIPE' ? `, column ${sd.sd_column}` : ''})`
  }
  const out: string[] = []
  const old = new Map(before.subdisks.map((s) => [s.sd_rid, s]))
  const kept = new Set(after.subdisks.map((s) => s.sd_rid))
  for (const sd of after.subdisks) {
    const was = old.get(sd.sd_rid)
    const on = `${sd.sd_name} on ${disk(after, sd.sd_dm_rid)}`
    if (!was) out.push(`new subdisk ${on} at ${placeSize(sd.sd_dm_offset)}, ${placeSize(sd.sd_len)}${where(after, sd)}`)
    else if (sd.sd_len > was.sd_len) out.push(`subdisk ${on} grows in place by ${placeSize(sd.sd_len - was.sd_len)} to ${placeSize(sd.sd_len)}${where(after, sd)}`)
    else if (sd.sd_len < was.sd_len) out.push(`subdisk ${on} is cut by ${placeSize(was.sd_len - sd.sd_len)} to ${placeSize(sd.sd_len)}${where(after, sd)}`)
  }
  for (const sd of before.subdisks) if (!kept.has(sd.sd_rid)) out.push(`subdisk ${sd.sd_name} on ${disk(before, sd.sd_dm_rid)} at ${placeSize(sd.sd_dm_offset)}, ${placeSize(sd.sd_len)} is removed${where(before, sd)}`)
  return out
}

/** An everyday operation's result: its transaction's, with `notes` saying in words what it does (rule 404). */
export interface OpResult extends TxResult {
  notes?: string[]
}
