import { fail } from './errors.ts'
import type { RecordChange } from './events.ts'
import { deriveConfig } from './records/derive.ts'
import {
  type AnyRecord,
  type Config,
  type DmRecord,
  type PlRecord,
  type Profile,
  type RecordKind,
  type SdRecord,
  type VRecord,
  PROFILES,
} from './records/types.ts'

type Named = { kind: RecordKind; rec: AnyRecord }

/** Field prefix of each record kind (`pl_name`, `v_len`, ...). */
export const PREFIX: Record<RecordKind, string> = { dg: 'dg', dm: 'dm', sd: 'sd', pl: 'pl', v: 'v' }

export function recordName(kind: RecordKind, rec: AnyRecord): string {
  return (rec as unknown as Record<string, string>)[`${PREFIX[kind]}_name`]!
}
export function recordRid(kind: RecordKind, rec: AnyRecord): number {
  return (rec as unknown as Record<string, number>)[`${PREFIX[kind]}_rid`]!
}

/** The record of `kind` with rid `rid` in `c`, as a plain copy, if it exists. */
export function findRecord(c: Config, kind: RecordKind, rid: number): Record<string, unknown> | undefined {
  for (const n of new Draft(c).all()) if (n.kind === kind && recordRid(n.kind, n.rec) === rid) return { ...(n.rec as unknown as Record<string, unknown>) }
  return undefined
}

/**
 * A working copy of the configuration inside one transaction. Operations change it freely and
 * throw EngineError on bad input; nothing is visible until the transaction commits.
 */
export class Draft {
  readonly c: Config
  readonly profile: Profile
  constructor(c: Config) {
    this.c = c
    this.profile = PROFILES[c.dg.dg_profile]
  }

  newRid(): number {
    return this.c.nextRid++
  }

  /** Every record, with its kind. */
  *all(): Generator<Named> {
    yield { kind: 'dg', rec: this.c.dg }
    for (const rec of this.c.disks) yield { kind: 'dm', rec }
    for (const rec of this.c.subdisks) yield { kind: 'sd', rec }
    for (const rec of this.c.plexes) yield { kind: 'pl', rec }
    for (const rec of this.c.volumes) yield { kind: 'v', rec }
  }

  /** Finds a record of any kind by name (names are unique in a disk group). */
  find(name: string): Named | undefined {
    for (const n of this.all()) if (recordName(n.kind, n.rec) === name) return n
    return undefined
  }

  assertFreeName(name: string): void {
    if (this.find(name)) fail('VM_EXISTS', `a record named ${name} already exists`)
  }

  disk(name: string): DmRecord {
    return this.c.disks.find((d) => d.dm_name === name) ?? fail('VM_NOT_FOUND', `no disk ${name}`)
  }
  sd(name: string): SdRecord {
    return this.c.subdisks.find((s) => s.sd_name === name) ?? fail('VM_NOT_FOUND', `no subdisk ${name}`)
  }
  plex(name: string): PlRecord {
    return this.c.plexes.find((p) => p.pl_name === name) ?? fail('VM_NOT_FOUND', `no plex ${name}`)
  }
  vol(name: string): VRecord {
    return this.c.volumes.find((v) => v.v_name === name) ?? fail('VM_NOT_FOUND', `no volume ${name}`)
  }
  sdsOf(pl: PlRecord): SdRecord[] {
    return this.c.subdisks.filter((s) => s.sd_plex_rid === pl.pl_rid)
  }
  plexesOf(v: VRecord): PlRecord[] {
    return this.c.plexes.filter((p) => p.pl_vol_rid === v.v_rid)
  }
  volOf(pl: PlRecord): VRecord | undefined {
    return pl.pl_vol_rid ? this.c.volumes.find((v) => v.v_rid === pl.pl_vol_rid) : undefined
  }
}

// Stamps, and counters derived from other records, are not changes of the record itself.
const STAMP_FIELDS = new Set(['dg_update_tid', 'dm_update_tid', 'sd_update_tid', 'pl_update_tid', 'v_update_tid', 'dm_sd_num'])

function index(c: Config): Map<string, Named> {
  const m = new Map<string, Named>()
  for (const n of new Draft(c).all()) m.set(`${n.kind}:${recordRid(n.kind, n.rec)}`, n)
  return m
}

/**
 * Derives the draft, then lists what differs from `before` and stamps `update_tid = tid + 1` on
 * every created or changed record (SEMANTICS.md 1.7).
 */
export function finishDraft(before: Config, draft: Config): RecordChange[] {
  deriveConfig(draft)
  const old = index(before)
  const now = index(draft)
  const tid = before.tid + 1
  const changes: RecordChange[] = []
  for (const [key, n] of now) {
    const o = old.get(key)
    const rec = n.rec as unknown as Record<string, unknown>
    const fields: string[] = []
    if (o) {
      const orec = o.rec as unknown as Record<string, unknown>
      for (const f of Object.keys(rec)) {
        if (!STAMP_FIELDS.has(f) && JSON.stringify(rec[f]) !== JSON.stringify(orec[f])) fields.push(f)
      }
      if (fields.length === 0) continue
    }
    rec[`${PREFIX[n.kind]}_update_tid`] = tid
    changes.push({ kind: n.kind, rid: recordRid(n.kind, n.rec), name: recordName(n.kind, n.rec), op: o ? 'update' : 'create', fields, after: { ...rec } })
  }
  for (const [key, o] of old) {
    if (!now.has(key)) changes.push({ kind: o.kind, rid: recordRid(o.kind, o.rec), name: recordName(o.kind, o.rec), op: 'delete', fields: [] })
  }
  return changes
}
