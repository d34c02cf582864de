import { type ConfigCopy, decodeConfigPayload } from '../disk/privateRegion.ts'
import { EngineError, fail } from '../errors.ts'
import type { Config } from '../records/types.ts'
import { type ChosenCopy, heldByQuorum } from './configCopies.ts'
import { type Epoch, type LinedConfig, lineageOf, relationOf } from './lineage.ts'
import { fromStored, toStored } from './stored.ts'

/**
 * One side of a serial split brain (rule 350): the disks whose newest configuration copies are of
 * one history, the newest tid among them, and, for a side an import overruled, the records its
 * configuration holds otherwise than the chosen one (what was dropped).
 */
export interface ConfigSide {
  /** Disk media names, as the disks' headers name them. */
  disks: string[]
  /** Disk ids (what `selectcp` takes). */
  diskids: string[]
  tid: number
  /** The side's records (by name) that the chosen configuration has not, or holds otherwise. */
  records?: string[]
}

/** A disk's newest copy of group `dgid`, decoded with its lineage; none when it holds no such copy. */
function newestOf(cs: readonly ConfigCopy[], dgid: string): (LinedConfig & { payload: Buffer }) | undefined {
  const newest = [...cs].sort((a, b) => b.tid - a.tid)[0]
  if (!newest) return undefined
  try {
    const stored = decodeConfigPayload(newest.payload)
    const cfg = fromStored(stored)
    return cfg.tid === newest.tid && cfg.dg.dg_dgid === dgid ? { cfg, lineage: lineageOf(stored), payload: newest.payload } : undefined
  } catch {
    return undefined
  }
}

/** The disks read (by disk id, `names` their headers' disk media names). */
export interface ReadCopies {
  copies: ReadonlyMap<string, readonly ConfigCopy[]>
  names: ReadonlyMap<string, string>
  dgid: string
}

/** The newest copy the disks read hold (the first in byte order of the newest tid): what a split brain is told against when no configuration has a quorum. Pure. */
export function newestCopy(read: ReadCopies): ChosenCopy | undefined {
  const newest = [...read.copies.values()]
    .flatMap((cs) => {
      const n = newestOf(cs, read.dgid)
      return n ? [n] : []
    })
    .sort((a, b) => b.cfg.tid - a.cfg.tid || Buffer.compare(a.payload, b.payload))[0]
  return newest && { cfg: newest.cfg, payload: newest.payload }
}

/**
 * The sides of the disks read that went another way than `chosen` (rule 350): each disk whose
 * newest copy is neither `chosen` nor one of its ancestors (`relationOf`), grouped by that copy.
 * Pure.
 */
export function divergedSides(read: ReadCopies, chosen: ChosenCopy): Array<ConfigSide & { lined: LinedConfig }> {
  const y: LinedConfig = { cfg: chosen.cfg, lineage: lineageOf(decodeConfigPayload(chosen.payload)) }
  const sides: Array<ConfigSide & { lined: LinedConfig; payload: Buffer }> = []
  for (const [diskid, cs] of [...read.copies].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const x = newestOf(cs, read.dgid)
    if (!x || x.payload.equals(chosen.payload) || relationOf(x, y) !== 'diverged') continue
    const name = read.names.get(diskid) ?? ''
    const side = sides.find((s) => s.payload.equals(x.payload))
    if (side) {
      side.disks.push(name)
      side.diskids.push(diskid)
    } else sides.push({ disks: [name], diskids: [diskid], tid: x.cfg.tid, lined: x, payload: x.payload })
  }
  return sides.map(({ payload: _payload, ...s }) => ({ ...s, ...byName(s.disks, s.diskids) }))
}

/** A side's disks in name order, their ids in the same order. */
function byName(disks: readonly string[], diskids: readonly string[]): { disks: string[]; diskids: string[] } {
  const pairs = disks.map((d, i) => [d, diskids[i]!] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return { disks: pairs.map(([d]) => d), diskids: pairs.map(([, id]) => id) }
}

/** The side of `chosen`: the disks read that are not on a diverged side. Pure. */
function chosenSide(read: ReadCopies, chosen: ChosenCopy, diverged: readonly ConfigSide[]): ConfigSide {
  const away = new Set(diverged.flatMap((s) => s.diskids))
  const diskids = [...read.copies].filter(([id, cs]) => cs.length > 0 && !away.has(id)).map(([id]) => id).sort()
  return { ...byName(diskids.map((id) => read.names.get(id) ?? ''), diskids), tid: chosen.cfg.tid }
}

/**
 * Import refuses a split brain (VM_SPLIT_BRAIN, rule 350): the disks' configurations went
 * separate ways, and taking the newest would drop the other side's acknowledged commits
 * silently. `details.sides` names each side's disks, their ids and newest tid, the one import
 * would take first; `selectcp` (vxdg -o selectcp=DISKID import) chooses.
 */
export function refuseSplitBrain(group: string, read: ReadCopies, chosen: ChosenCopy, diverged: readonly ConfigSide[]): never {
  const sides = [chosenSide(read, chosen, diverged), ...diverged.map(({ disks, diskids, tid }) => ({ disks, diskids, tid }))]
  const named = sides.map((s) => `${s.disks.join(', ')} (tid ${s.tid})`).join(' / ')
  throw new EngineError('VM_SPLIT_BRAIN', `the configuration copies of disk group ${group} went separate ways (serial split brain): ${named}; import choosing the configuration of one disk (vxdg -o selectcp=DISKID import) to keep its side`, { details: { sides } })
}

/**
 * vxdg -o selectcp: the newest copy on disk `which` (its id, or its disk media name when one disk
 * read has it), when the disks read hold a quorum of its copies (`heldByQuorum`, a disk of the other
 * side counting: it is about to get this one). VM_NOT_FOUND for
 * a disk not read or holding no copy of the group, VM_NOQUORUM without the quorum. Pure.
 */
export function selectCopy(read: ReadCopies, which: string): ChosenCopy {
  const byName = [...read.names].filter(([, n]) => n === which).map(([id]) => id)
  const diskid = read.copies.has(which) ? which : byName.length === 1 ? byName[0]! : undefined
  const x = diskid === undefined ? undefined : newestOf(read.copies.get(diskid) ?? [], read.dgid)
  if (!x) fail('VM_NOT_FOUND', `selectcp: no disk ${which} holding a configuration copy of the group among the devices`)
  const chosen = { cfg: x.cfg, payload: x.payload }
  if (!heldByQuorum(read.copies, chosen, true)) fail('VM_NOQUORUM', `selectcp: the configuration on ${which} is not held by a majority of its copies`)
  return chosen
}

/** What the sides an import overruled had otherwise than the configuration it chose: the records of each that differ. Pure. */
export function droppedRecords(side: LinedConfig, chosen: Config): string[] {
  const kinds = [['disks', 'dm'], ['subdisks', 'sd'], ['plexes', 'pl'], ['volumes', 'v']] as const
  const mine = toStored(side.cfg) as Record<string, Array<Record<string, unknown>>>
  const theirs = toStored(chosen) as Record<string, Array<Record<string, unknown>>>
  const out: string[] = []
  for (const [k, p] of kinds) {
    for (const r of mine[k]!) {
      const same = theirs[k]!.find((t) => t[`${p}_rid`] === r[`${p}_rid`])
      if (!same || JSON.stringify(same) !== JSON.stringify(r)) out.push(String(r[`${p}_name`]))
    }
  }
  return out
}

/** The `dropped` of the lineage entry of an import that overruled `sides`: each one's epoch and newest tid. */
export function droppedEpochs(sides: ReadonlyArray<{ lined: LinedConfig }>): NonNullable<Epoch['dropped']> {
  return sides.flatMap((s) => {
    const e = s.lined.lineage.at(-1)
    return e ? [{ epoch: e.epoch, tid: s.lined.cfg.tid }] : []
  })
}
