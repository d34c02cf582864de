/** The everyday-operation verbs (vxassist mirror, remove mirror), each a thin call of the HTTP API. */
import type { Command } from 'commander'
import { CliError, type Connection, EXIT } from './client.ts'
import { human, parseSize } from './units.ts'

/** What the verbs use of cli.ts: the global options, the connection, output and the attach's follow-up. */
export interface VerbKit<G> {
  act(fn: (cmd: Command, ...args: string[]) => Promise<void>): (...args: unknown[]) => Promise<void>
  conn(cmd: Command): Promise<{ g: G; c: Connection }>
  groupName(c: Connection, g: G): Promise<string>
  out(g: G, json: unknown, text: () => string): void
  changesText(r: { dryRun?: boolean; tid?: number; changes?: Array<{ op: string; kind: string; name: string; fields: string[] }>; copyBytes?: number }): string
  historyMark(c: Connection): Promise<number>
  finishAttach(c: Connection, g: G, dg: string, taskId: string, since: number, volume: string, plex: string): Promise<void>
  /** Follows a task with a progress bar until it leaves the running tasks. */
  waitTask(c: Connection, g: G, taskId: string): Promise<void>
  /** A task's entry in the task history, once it has one (after `since`). */
  finishedTask(c: Connection, taskId: string, since: number): Promise<{ outcome: string; code?: string | undefined; message?: string | undefined }>
}

/** The plexes of a volume, by name. */
async function plexesOf(c: Connection, dg: string, volume: string): Promise<string[]> {
  return (await c.call('GET /api/dgs/:dg', { dg })).config.plexes.filter((p) => p.pl_v_name === volume).map((p) => p.pl_name)
}

/** `SIZE` (the new length) or, with `by`, the change, as the body's `len` or `by` (sectors); `+SIZE` is a change too. */
function sizeBody(size: string, by: boolean | undefined): { len: number } | { by: number } {
  if (size.startsWith('+')) return { by: parseSize(size.slice(1)) }
  return by ? { by: parseSize(size) } : { len: parseSize(size) }
}

/** Adds `plexa vol grow` and `plexa vol shrink` to the `vol` command. */
export function addResizeVerbs<G>(vol: Command, k: VerbKit<G>): void {
  vol
    .command('grow')
    .description('vxassist growto/growby: grow a volume online to SIZE (or by it, with --by or +SIZE); every plex is extended and its new space zeroed (a task) before the length changes')
    .argument('<volume>')
    .argument('<size>', 'sectors, or bytes with k/m/g/t; +SIZE grows by it')
    .option('--by', 'SIZE is how much to add (vxassist growby)')
    .option('--disks <names>', 'comma-separated disks new space may come from')
    .option('--wait', 'follow the zeroing with a progress bar, then report the outcome (exit 6 with its code when it failed)')
    .option('--dry-run', 'show the changes and the bytes of zeros it would write')
    .action(
      k.act(async (cmd, volume, size) => {
        const { g, c } = await k.conn(cmd)
        const o = cmd.opts() as { by?: boolean; disks?: string; wait?: boolean; dryRun?: boolean }
        const dg = await k.groupName(c, g)
        const since = o.wait && !o.dryRun ? await k.historyMark(c) : 0
        const r = await c.call('POST /api/dgs/:dg/volumes/:volume/grow', { dg, volume: volume! }, { ...sizeBody(size!, o.by), ...(o.disks ? { disks: o.disks.split(',') } : {}), ...(o.dryRun ? { dryRun: true } : {}) })
        if (!('taskId' in r)) return k.out(g, r, () => k.changesText(r))
        if (!o.wait) return k.out(g, r, () => `growing ${volume}: ${r.taskId}`)
        await k.waitTask(c, g, r.taskId)
        const t = await k.finishedTask(c, r.taskId, since)
        if (t.outcome !== 'ok') throw new CliError(EXIT.FAILED, t.code ?? 'VM_ABORTED', `${r.taskId}: growing ${volume} ${t.outcome}: ${t.message ?? t.code}`)
        const v = (await c.call('GET /api/dgs/:dg', { dg })).config.volumes.find((x) => x.v_name === volume)
        k.out(g, { task: t, volume: v && { name: v.v_name, len: v.v_len } }, () => `${r.taskId}: done, ${volume} is ${v?.v_len} sectors (${human((v?.v_len ?? 0) * 512)})`)
      }),
    )
  vol
    .command('shrink')
    .description('vxassist shrinkto/shrinkby: shrink a volume to SIZE (or by it, with --by); what lies beyond the new end is lost, so shrink what it holds first; a started volume needs --force')
    .argument('<volume>')
    .argument('<size>', 'sectors, or bytes with k/m/g/t')
    .option('--by', 'SIZE is how much to take off (vxassist shrinkby)')
    .option('--force', 'shrink a started volume')
    .option('--wait', 'accepted as by the other operations: it ends as it returns (one transaction, no task to follow)')
    .option('--dry-run', 'show what would change')
    .action(
      k.act(async (cmd, volume, size) => {
        const { g, c } = await k.conn(cmd)
        const o = cmd.opts() as { by?: boolean; force?: boolean; dryRun?: boolean }
        const body = { ...sizeBody(size!, o.by), ...(o.force ? { force: true } : {}), ...(o.dryRun ? { dryRun: true } : {}) }
        const r = await c.call('POST /api/dgs/:dg/volumes/:volume/shrink', { dg: await k.groupName(c, g), volume: volume! }, body)
        k.out(g, r, () => k.changesText(r))
      }),
    )
}

/** Adds `plexa vol addlog` and `plexa vol rmlog` to the `vol` command. */
export function addLogVerbs<G>(vol: Command, k: VerbKit<G>): void {
  vol
    .command('addlog')
    .description('vxassist addlog: add a dirty region log to a mirrored volume, in a log plex of its own')
    .argument('<volume>')
    .option('--disks <names>', 'comma-separated disks the log may go on')
    .option('--wait', 'accepted as by the other operations: it ends as it returns (one transaction, no task to follow)')
    .option('--dry-run', 'show what would be created')
    .action(
      k.act(async (cmd, volume) => {
        const { g, c } = await k.conn(cmd)
        const o = cmd.opts() as { disks?: string; dryRun?: boolean }
        const r = await c.call('POST /api/dgs/:dg/volumes/:volume/addlog', { dg: await k.groupName(c, g), volume: volume! }, { ...(o.disks ? { disks: o.disks.split(',') } : {}), ...(o.dryRun ? { dryRun: true } : {}) })
        k.out(g, r, () => k.changesText(r))
      }),
    )
  vol
    .command('rmlog')
    .description('vxassist remove log: remove a log plex of a volume (PLEX, or the newest) with its subdisk; without a log a crash means a full resync')
    .argument('<volume>')
    .argument('[plex]', 'the log plex to remove')
    .option('--wait', 'accepted as by the other operations: it ends as it returns (one transaction, no task to follow)')
    .option('--dry-run', 'show what would be removed')
    .action(
      k.act(async (cmd, volume, plex) => {
        const { g, c } = await k.conn(cmd)
        const o = cmd.opts() as { dryRun?: boolean }
        const r = await c.call('POST /api/dgs/:dg/volumes/:volume/rmlog', { dg: await k.groupName(c, g), volume: volume! }, { ...(plex ? { plex } : {}), ...(o.dryRun ? { dryRun: true } : {}) })
        k.out(g, r, () => k.changesText(r))
      }),
    )
}

/** Adds `plexa disk evacuate` to the `disk` command. */
export function addEvacuateVerb<G>(disk: Command, k: VerbKit<G>): void {
  disk
    .command('evacuate')
    .description('vxevac: move every plex off a disk to other disks (TODISK..., or any holding no other plex of its volume), one live plex move at a time; the volumes must be started')
    .argument('<disk>')
    .argument('[todisk...]', 'the disks to move to')
    .option('--wait', 'follow the copies with a progress bar, then report the outcome (exit 6 with its code when it failed)')
    .option('--dry-run', 'show the changes and the bytes it would copy')
    .action(async (name: string, to: string[], _o: unknown, cmd: Command) => {
      const { g, c } = await k.conn(cmd)
      const o = cmd.opts() as { wait?: boolean; dryRun?: boolean }
      const dg = await k.groupName(c, g)
      const since = o.wait && !o.dryRun ? await k.historyMark(c) : 0
      const r = await c.call('POST /api/dgs/:dg/disks/:disk/evacuate', { dg, disk: name }, { ...(to.length ? { to } : {}), ...(o.dryRun ? { dryRun: true } : {}) })
      if (!('taskId' in r)) return k.out(g, r, () => (r.dryRun ? k.changesText(r) : `${name} holds no plex: nothing to move`))
      if (!o.wait) return k.out(g, r, () => `evacuating ${name}: ${r.taskId}`)
      // the first copy's entry in the task history is the whole evacuation's outcome
      await k.waitTask(c, g, r.taskId)
      const t = await k.finishedTask(c, r.taskId, since)
      if (t.outcome !== 'ok') throw new CliError(EXIT.FAILED, t.code ?? 'VM_ABORTED', `${r.taskId}: evacuating ${name} ${t.outcome}: ${t.message ?? t.code}`)
      const view = (await c.call('GET /api/dgs/:dg', { dg })).config
      const rid = view.disks.find((d) => d.dm_name === name)?.dm_rid
      const left = view.subdisks.filter((sd) => sd.sd_dm_rid === rid).length
      k.out(g, { task: t, subdisksLeft: left }, () => `${r.taskId}: done, ${name} holds ${left} subdisks`)
    })
}

/** Adds `plexa vol mirror` and `plexa vol unmirror` to the `vol` command. */
export function addMirrorVerbs<G>(vol: Command, k: VerbKit<G>): void {
  vol
    .command('mirror')
    .description('vxassist mirror: add a mirror to a volume, a concat plex on disks that hold none of its data plexes; a started volume is copied into it (a task), a stopped one copies it at its next start')
    .argument('<volume>')
    .option('--disks <names>', 'comma-separated disks the new plex may use')
    .option('--wait', 'follow the copy with a progress bar, then report the outcome (exit 6 with its code when it failed)')
    .option('--dry-run', 'show the records it would create and the bytes it would copy')
    .action(
      k.act(async (cmd, volume) => {
        const { g, c } = await k.conn(cmd)
        const o = cmd.opts() as { disks?: string; wait?: boolean; dryRun?: boolean }
        const dg = await k.groupName(c, g)
        const before = await plexesOf(c, dg, volume!)
        const since = o.wait && !o.dryRun ? await k.historyMark(c) : 0
        const r = await c.call('POST /api/dgs/:dg/volumes/:volume/mirror', { dg, volume: volume! }, { ...(o.disks ? { disks: o.disks.split(',') } : {}), ...(o.dryRun ? { dryRun: true } : {}) })
        if (!('taskId' in r)) return k.out(g, r, () => k.changesText(r))
        // the plex is made and attached before the copy's task starts: it is the volume's new one
        const plex = (await plexesOf(c, dg, volume!)).find((p) => !before.includes(p)) ?? '?'
        if (o.wait) return k.finishAttach(c, g, dg, r.taskId, since, volume!, plex)
        k.out(g, { ...r, plex }, () => `mirroring ${volume}: new plex ${plex}, copying in ${r.taskId}`)
      }),
    )
  vol
    .command('unmirror')
    .description('vxassist remove mirror / vxplex -o rm dis: remove a data plex of a volume with its subdisks (PLEX, or one that is not a current copy, else the newest); the last complete current plex is refused (VM_LAST_PLEX) unless --force')
    .argument('<volume>')
    .argument('[plex]', 'the plex to remove')
    .option('--force', 'even if the volume is left without a complete current plex')
    .option('--wait', 'accepted as by the other operations: it ends as it returns (one transaction, no task to follow)')
    .option('--dry-run', 'show what would be removed')
    .action(
      k.act(async (cmd, volume, plex) => {
        const { g, c } = await k.conn(cmd)
        const o = cmd.opts() as { force?: boolean; dryRun?: boolean }
        const body = { ...(plex ? { plex } : {}), ...(o.force ? { force: true } : {}), ...(o.dryRun ? { dryRun: true } : {}) }
        const r = await c.call('POST /api/dgs/:dg/volumes/:volume/unmirror', { dg: await k.groupName(c, g), volume: volume! }, body)
        const gone = r.changes.find((ch) => ch.kind === 'pl' && ch.op === 'delete')?.name
        k.out(g, r, () => (r.dryRun ? k.changesText(r) : `${k.changesText(r)}\nremoved ${gone ?? 'a plex'} from ${volume}`))
      }),
    )
}

