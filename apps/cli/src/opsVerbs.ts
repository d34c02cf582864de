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
  changesText(r: { dryRun?: boolean; tid?: number; changes?: Array<{ op: string; kind: string; name: string; fields: string[] }>; copyBytes?: number; unchanged?: boolean }): string
  historyMark(c: Connection): Promise<number>
  finishAttach(c: Connection, g: G, dg: string, taskId: string, since: number, volume: string, plex: string): Promise<void>
  /** Follows a task with a progress bar until it leaves the running tasks. */
  waitTask(c: Connection, g: G, taskId: string): Promise<void>
  /** A task's entry in the task history, once it has one (after `since`). */
  finishedTask(c: Connection, taskId: string, since: number): Promise<{ outcome: string; code?: string | undefined; message?: string | undefined }>
  /** What removing the plex leaves its volume (rule 248), as `plex det|dis --dry-run` says. */
  redundancyLeft(c: Connection, dg: string, plex: string, verb: 'det' | 'dis' | 'rm'): Promise<{ volume: string; healthyLeft: number; warning?: string } | undefined>
}

/** The options every operation has (`--dry-run`, `--wait`) and the ones a verb adds. */
interface Opts {
  dryRun?: boolean
  wait?: boolean
  by?: boolean
  force?: boolean
  disks?: string
  /** `disk relocate --plex P,...` (relocateVerbs.ts). */
  plex?: string
  /** `disk unrelocate --to DISK` (relocateVerbs.ts, vxunreloc -n). */
  to?: string
  /** `vol repair --regions N,...` (volumeVerbs.ts). */
  regions?: string
  /** `dg adddisk --name`, `--size` (volumeVerbs.ts). */
  name?: string
  size?: string
}

/** What an operation's action has at hand: the connection, its group, its options and the body parts they give. */
export interface Op<G> {
  k: VerbKit<G>
  g: G
  c: Connection
  dg: string
  o: Opts
  /** `{ dryRun: true }` with --dry-run, else nothing: spread into the body. */
  dry: { dryRun?: true }
  /** `{ disks: [...] }` from --disks, else nothing. */
  disks: { disks?: string[] }
  /** Where the task history stood before the call, for --wait (0 without it or with --dry-run). */
  since: number
  /** Prints a one-transaction result: its changes (`--json`: the result). */
  changed(r: Parameters<VerbKit<G>['changesText']>[0]): void
  /** Follows a task to its end (--wait) and returns its history entry; a task that did not end ok fails with exit 6 and its code. */
  follow(taskId: string, what: string): Promise<{ outcome: string; code?: string | undefined; message?: string | undefined }>
}

export type { Op as OperationContext }

/** The help of `--wait` for an operation that is one transaction (no task to follow). */
export const NO_TASK = 'accepted as by the other operations: it ends as it returns (one transaction, no task to follow)'
/** The help of `--wait` for an operation that runs a task. */
export const FOLLOWS = (what: string) => `follow ${what} with a progress bar, then report the outcome (exit 6 with its code when it failed)`

interface OperationVerb<G> {
  name: string
  description: string
  /** Commander argument specs (`<volume>`, `[plex]`, `[todisk...]`) with their help. */
  args: Array<[spec: string, help?: string]>
  /** The verb's own options, as `[flags, help]`. */
  options?: Array<[flags: string, help: string]>
  wait: string
  /** The help of `--dry-run`; a verb whose route has no dry run has none (`vol repair`). */
  dryRun?: string
  run(op: Op<G>, ...args: string[]): Promise<void>
}

/**
 * One everyday operation under `parent`: its arguments and options plus `--wait` and `--dry-run`
 * (rule 288), run through the kit's `act` as every verb is (errors become the CLI's exit codes),
 * with the connection, the group and the body parts made once here.
 */
export function operationVerb<G>(parent: Command, k: VerbKit<G>, v: OperationVerb<G>): void {
  const cmd = parent.command(v.name).description(v.description)
  for (const [spec, help] of v.args) cmd.argument(spec, help)
  for (const [flags, help] of v.options ?? []) cmd.option(flags, help)
  cmd.option('--wait', v.wait)
  if (v.dryRun) cmd.option('--dry-run', v.dryRun)
  cmd.action(
    k.act(async (command, ...args) => {
      const { g, c } = await k.conn(command)
      const o = command.opts() as Opts
      const dg = await k.groupName(c, g)
      const since = o.wait && !o.dryRun ? await k.historyMark(c) : 0
      const op: Op<G> = {
        k,
        g,
        c,
        dg,
        o,
        since,
        dry: o.dryRun ? { dryRun: true } : {},
        disks: o.disks ? { disks: o.disks.split(',') } : {},
        changed: (r) => k.out(g, r, () => k.changesText(r)),
        follow: async (taskId, what) => {
          await k.waitTask(c, g, taskId)
          const t = await k.finishedTask(c, taskId, since)
          if (t.outcome !== 'ok') throw new CliError(EXIT.FAILED, t.code ?? 'VM_ABORTED', `${taskId}: ${what} ${t.outcome}: ${t.message ?? t.code}`, undefined, taskId)
          return t
        },
      }
      await v.run(op, ...args)
    }),
  )
}

/** The plexes of a volume, by name. */
async function plexesOf(c: Connection, dg: string, volume: string): Promise<string[]> {
  return (await c.call('GET /api/dgs/:dg', { dg })).config.plexes.filter((p) => p.pl_v_name === volume).map((p) => p.pl_name)
}

/** A volume's length in sectors now (for what a grow or shrink changes). */
async function volumeLen(c: Connection, dg: string, volume: string): Promise<number | undefined> {
  return (await c.call('GET /api/dgs/:dg', { dg })).config.volumes.find((x) => x.v_name === volume)?.v_len
}

/** "16384 sectors (8.0 MiB)". */
function sizeWords(sectors: number): string {
  return `${sectors} sectors (${human(sectors * 512)})`
}

/**
 * Rule 374: what a grow or shrink changes, said before it is done (`would`) and after: the
 * volume's length now and after, and for a shrink the data beyond the new end that is lost.
 */
function resizeText(volume: string, from: number, to: number, dryRun: boolean): string {
  // units that round both lengths to the same words show the exact bytes and the change (rule 432)
  const exact = human(from * 512) === human(to * 512)
  const words = (n: number) => (exact ? `${n} sectors (${n * 512} bytes)` : sizeWords(n))
  const change = exact ? `, ${Math.abs(to - from)} sector${Math.abs(to - from) === 1 ? '' : 's'} (${Math.abs(to - from) * 512} bytes) ${to > from ? 'more' : 'less'}` : ''
  const lost = from > to ? `; the ${exact ? `${(from - to) * 512} bytes` : human((from - to) * 512)} beyond the new end ${dryRun ? 'would be' : 'is'} lost` : ''
  return `  ${volume}: ${words(from)} ${dryRun ? 'would become' : 'is now'} ${words(to)}${change}${lost}`
}

/**
 * The length a resize gives the volume: the one its result's change of the volume says (a striped
 * volume's rounded to whole stripes, rule 397), else the one its body asks for.
 */
function targetLen(from: number, body: { len: number } | { by: number }, grow: boolean, r?: { changes?: Array<{ kind: string; name: string; after?: Record<string, unknown> | undefined }> }, volume?: string): number {
  const after = r?.changes?.find((ch) => ch.kind === 'v' && ch.name === volume)?.after?.v_len
  if (typeof after === 'number') return after
  return 'len' in body ? body.len : grow ? from + body.by : from - body.by
}

/** Rule 404: the result's words of what it does (a rounding, where each new subdisk goes), one a line. */
export function notesLines(r: { notes?: string[] | undefined }): string[] {
  return (r.notes ?? []).map((n) => `  ${n}`)
}

/** `SIZE` (the new length) or, with `by`, the change, as the body's `len` or `by` (sectors); `+SIZE` is a change too. */
function sizeBody(size: string, by: boolean | undefined): { len: number } | { by: number } {
  if (size.startsWith('+')) return { by: parseSize(size.slice(1)) }
  return by ? { by: parseSize(size) } : { len: parseSize(size) }
}

/** Adds `plexa vol grow` and `plexa vol shrink` to the `vol` command. */
export function addResizeVerbs<G>(vol: Command, k: VerbKit<G>): void {
  operationVerb(vol, k, {
    name: 'grow',
    description: 'vxassist growto/growby: grow a volume online to SIZE (or by it, with --by or +SIZE); every data plex is extended (a concat one\'s last subdisk in place on its own disk, else new subdisks; a striped one column by column in whole stripe units, SIZE rounded up to a multiple of stripe unit x columns, a new subdisk on a disk holding no other column; never on a failed disk) and its new space zeroed (a task) before the length changes, a plex not current gets it marked stale',
    args: [['<volume>'], ['<size>', 'sectors, or bytes with k/m/g/t; +SIZE grows by it']],
    options: [['--by', 'SIZE is how much to add (vxassist growby)'], ['--disks <names>', 'comma-separated disks new subdisks may come from (a plex\'s last subdisk still grows in place on its own disk)']],
    wait: FOLLOWS('the zeroing'),
    dryRun: 'show the changes, where each new subdisk goes and the bytes of zeros it would write',
    run: async (op, volume, size) => {
      const { k, g, c, dg, o } = op
      const body = sizeBody(size!, o.by)
      const from = o.dryRun ? await volumeLen(c, dg, volume!) : undefined
      const r = await c.call('POST /api/dgs/:dg/volumes/:volume/grow', { dg, volume: volume! }, { ...body, ...op.disks, ...op.dry })
      if (!('taskId' in r)) {
        const { copyBytes, ...rest } = r
        const to = from !== undefined ? targetLen(from, body, true, r, volume) : undefined
        const lines = () => [k.changesText(rest), ...notesLines(r), ...(from !== undefined && to !== undefined ? [resizeText(volume!, from, to, r.dryRun)] : []), ...(copyBytes !== undefined ? [`  ${r.dryRun ? 'would zero' : 'zeroed'} ${human(copyBytes)} (the new space of each current plex)`] : [])].join('\n')
        return k.out(g, { ...r, ...(from !== undefined && to !== undefined ? { len: { from, to } } : {}) }, lines)
      }
      if (!o.wait) return k.out(g, r, () => [`growing ${volume}: ${r.taskId}`, ...notesLines(r)].join('\n'))
      const t = await op.follow(r.taskId, `growing ${volume}`)
      const v = (await c.call('GET /api/dgs/:dg', { dg })).config.volumes.find((x) => x.v_name === volume)
      k.out(g, { task: t, volume: v && { name: v.v_name, len: v.v_len } }, () => `${r.taskId}: done, ${volume} is ${v?.v_len} sectors (${human((v?.v_len ?? 0) * 512)})`)
    },
  })
  operationVerb(vol, k, {
    name: 'shrink',
    description: 'vxassist shrinkto/shrinkby: shrink a volume to SIZE (or by it, with --by; a striped volume to whole stripes, SIZE rounded up, its columns cut at their ends); what lies beyond the new end is lost, so shrink what it holds first; a started volume needs --force',
    args: [['<volume>'], ['<size>', 'sectors, or bytes with k/m/g/t']],
    options: [['--by', 'SIZE is how much to take off (vxassist shrinkby)'], ['--force', 'shrink a started volume']],
    wait: NO_TASK,
    dryRun: 'show what would change',
    run: async (op, volume, size) => {
      const size0 = sizeBody(size!, op.o.by)
      const from = await volumeLen(op.c, op.dg, volume!)
      const r = await op.c.call('POST /api/dgs/:dg/volumes/:volume/shrink', { dg: op.dg, volume: volume! }, { ...size0, ...(op.o.force ? { force: true } : {}), ...op.dry })
      const to = from !== undefined ? targetLen(from, size0, false, r, volume) : undefined
      const said = from !== undefined && to !== undefined
      op.k.out(op.g, { ...r, ...(said ? { len: { from, to } } : {}) }, () => [op.k.changesText(r), ...notesLines(r), ...(said ? [resizeText(volume!, from, to, r.dryRun)] : [])].join('\n'))
    },
  })
}

/** Adds `plexa vol addlog` and `plexa vol rmlog` to the `vol` command. */
export function addLogVerbs<G>(vol: Command, k: VerbKit<G>): void {
  operationVerb(vol, k, {
    name: 'addlog',
    description: 'vxassist addlog: add a dirty region log to a mirrored volume, in a log plex of its own (off its data disks unless --disks names one; never beside another of its logs or on a failed disk)',
    args: [['<volume>']],
    options: [['--disks <names>', 'comma-separated disks the log may go on']],
    wait: NO_TASK,
    dryRun: 'show what would be created',
    run: async (op, volume) => {
      const r = await op.c.call('POST /api/dgs/:dg/volumes/:volume/addlog', { dg: op.dg, volume: volume! }, { ...op.disks, ...op.dry })
      // a log copies nothing: say what it does instead of "would copy 0 B" (rule 432)
      const { copyBytes: _, ...changes } = r
      const does = `  ${r.dryRun ? 'would copy' : 'copied'} nothing: the new log starts clean; from then on ${volume}'s writes mark their regions dirty in it, so a crash recovery copies only those`
      op.k.out(op.g, r, () => [op.k.changesText(changes), does].join('\n'))
    },
  })
  operationVerb(vol, k, {
    name: 'rmlog',
    description: 'vxassist remove log: remove a log plex of a volume (PLEX, or the newest) with its subdisk; without a log a crash means a full resync',
    args: [['<volume>'], ['[plex]', 'the log plex to remove']],
    wait: NO_TASK,
    dryRun: 'show what would be removed',
    run: async (op, volume, plex) => op.changed(await op.c.call('POST /api/dgs/:dg/volumes/:volume/rmlog', { dg: op.dg, volume: volume! }, { ...(plex ? { plex } : {}), ...op.dry })),
  })
}

type Entry = Awaited<ReturnType<VerbKit<unknown>['finishedTask']>> & { taskId?: string; doneBytes?: number; tasks?: string[] }

/**
 * Rule 469: follows an operation that starts one task after another (an evacuation, a move each)
 * to its end: its first task, then each running task on the same target, until the first task's
 * entry (the whole operation's outcome) is in the task history; then every task it lists, each
 * with its own entry.
 */
async function followOperation<G>(op: Op<G>, firstId: string, target: string): Promise<{ first: Required<Pick<Entry, 'outcome'>> & Entry; tasks: Array<{ taskId: string; outcome: string; code?: string | undefined; message?: string | undefined; doneBytes: number }> }> {
  const { k, c, g, since } = op
  const entryOf = async (id: string) => (await c.call('GET /api/tasks/history')).tasks.find((x) => x.taskId === id && x.id > since)
  await k.waitTask(c, g, firstId)
  let first = await entryOf(firstId)
  for (let idle = 0; !first && idle < 300; ) {
    const next = (await c.call('GET /api/tasks')).tasks.find((t) => t.target === target)
    if (next) {
      await k.waitTask(c, g, next.taskId)
      idle = 0
    } else {
      idle++
      await new Promise((res) => setTimeout(res, 100))
    }
    first = await entryOf(firstId)
  }
  if (!first) throw new CliError(EXIT.FAILED, 'VM_INTERNAL', `no outcome for ${firstId}`, undefined, firstId)
  const tasks = []
  for (const id of first.tasks ?? [firstId]) {
    const t = id === firstId ? first : ((await entryOf(id)) ?? (await k.finishedTask(c, id, since)))
    tasks.push({ taskId: id, outcome: t.outcome, code: t.code, message: t.message, doneBytes: (t as Entry).doneBytes ?? 0 })
  }
  return { first, tasks }
}

/** Adds `plexa disk evacuate` to the `disk` command. */
export function addEvacuateVerb<G>(disk: Command, k: VerbKit<G>): void {
  operationVerb(disk, k, {
    name: 'evacuate',
    description: 'vxevac: move every subdisk off a disk to other disks (TODISK..., or any holding no other plex of its volume nor another column of its striped plex, never a failed one), one subdisk move (vxsd mv) at a time, the plex keeping its layout, copied live; a stopped volume\'s concat plexes are moved offline (their data copied with it stopped)',
    args: [['<disk>'], ['[todisk...]', 'the disks to move to']],
    wait: FOLLOWS('the copies'),
    dryRun: 'show the changes, where each new subdisk goes and the bytes it would copy',
    // commander gives the variadic TODISK... as one array
    run: async (op, name, todisks) => {
      const { k, g, c, dg, o } = op
      const to = todisks as unknown as string[]
      const r = await c.call('POST /api/dgs/:dg/disks/:disk/evacuate', { dg, disk: name! }, { ...(to.length ? { to } : {}), ...op.dry })
      if (!('taskId' in r)) return k.out(g, r, () => (r.dryRun ? [k.changesText(r), ...notesLines(r)].join('\n') : `${name} holds no plex: nothing to move`))
      // rule 468: the 202 says where everything goes, as the dry run does
      if (!o.wait) return k.out(g, r, () => [`evacuating ${name}: ${r.taskId}`, ...notesLines(r)].join('\n'))
      await followDiskOperation(op, r.taskId, name!, 'evacuating', async () => {
        const view = (await c.call('GET /api/dgs/:dg', { dg })).config
        const rid = view.disks.find((d) => d.dm_name === name)?.dm_rid
        const left = view.subdisks.filter((sd) => sd.sd_dm_rid === rid).length
        return { text: `${name} holds ${left} subdisks`, json: { subdisksLeft: left } }
      })
    },
  })
}

/**
 * Rule 469: `--wait` of an operation on disk `name` that starts one move after another (an
 * evacuation, an unrelocation): every move's task followed (the first's entry is the whole
 * operation's outcome) and each reported; exit 6 with the failed one's code and id. `after` says
 * what the disk holds once it ended.
 */
export async function followDiskOperation<G>(op: Op<G>, firstId: string, name: string, doing: string, after: () => Promise<{ text: string; json: Record<string, unknown> }>): Promise<void> {
  const { k, g } = op
  const { first, tasks } = await followOperation(op, firstId, `disk ${name}`)
  const left = await after()
  // the move that failed, else the first task (its entry is the whole operation's outcome)
  const failed = tasks.slice(1).find((t) => t.outcome !== 'ok') ?? (first.outcome !== 'ok' ? tasks[0] : undefined)
  const each = tasks.map((t) => `  ${t.taskId}: ${t.outcome}${t.code ? ` ${t.code}` : ''}, copied ${human(t.doneBytes)}`)
  if (failed) {
    if (!(g as { json?: boolean }).json) console.log([`${doing} ${name} ${first.outcome}:`, ...each].join('\n'))
    throw new CliError(EXIT.FAILED, failed.code ?? 'VM_ABORTED', `${failed.taskId}: ${doing} ${name} ${failed.outcome}: ${failed.message ?? failed.code}; ${left.text}`, { tasks: tasks.map((t) => t.taskId) }, failed.taskId)
  }
  k.out(g, { task: first, tasks, ...left.json }, () => [`${firstId}: done, ${left.text}`, ...each].join('\n'))
}

/** Adds `plexa vol mirror` and `plexa vol unmirror` to the `vol` command. */
export function addMirrorVerbs<G>(vol: Command, k: VerbKit<G>): void {
  operationVerb(vol, k, {
    name: 'mirror',
    description: 'vxassist mirror: add a mirror to a volume on disks that hold none of its data plexes, a concat plex (a striped volume gets a striped one with its columns and stripe unit, each column on a disk of its own); a started volume is copied into it (a task), a stopped one copies it at its next start',
    args: [['<volume>']],
    options: [['--disks <names>', 'comma-separated disks the new plex may use']],
    wait: FOLLOWS('the copy'),
    dryRun: 'show the records it would create, where each subdisk goes and the bytes it would copy',
    run: async (op, volume) => {
      const { k, g, c, dg } = op
      const before = await plexesOf(c, dg, volume!)
      const r = await c.call('POST /api/dgs/:dg/volumes/:volume/mirror', { dg, volume: volume! }, { ...op.disks, ...op.dry })
      if (!('taskId' in r)) return k.out(g, r, () => [k.changesText(r), ...notesLines(r)].join('\n'))
      // the plex is made and attached before the copy's task starts: it is the volume's new one
      const plex = (await plexesOf(c, dg, volume!)).find((p) => !before.includes(p)) ?? '?'
      if (op.o.wait) return k.finishAttach(c, g, dg, r.taskId, op.since, volume!, plex)
      k.out(g, { ...r, plex }, () => [`mirroring ${volume}: new plex ${plex}, copying in ${r.taskId}`, ...notesLines(r)].join('\n'))
    },
  })
  operationVerb(vol, k, {
    name: 'unmirror',
    description: 'vxassist remove mirror / vxplex -o rm dis: remove a data plex of a volume with its subdisks (PLEX, or one that is not a current copy, else the newest); the last complete current plex is refused (VM_LAST_PLEX) unless --force',
    args: [['<volume>'], ['[plex]', 'the plex to remove']],
    options: [['--force', 'even if the volume is left without a complete current plex']],
    wait: NO_TASK,
    dryRun: 'show what would be removed',
    run: async (op, volume, plex) => {
      const body = { ...(plex ? { plex } : {}), ...(op.o.force ? { force: true } : {}), ...op.dry }
      const r = await op.c.call('POST /api/dgs/:dg/volumes/:volume/unmirror', { dg: op.dg, volume: volume! }, body)
      const gone = r.changes.find((ch) => ch.kind === 'pl' && ch.op === 'delete')?.name
      if (!r.dryRun) return op.k.out(op.g, r, () => `${op.k.changesText(r)}\nremoved ${gone ?? 'a plex'} from ${volume}`)
      // rule 374: its dry run warns as plex det|dis --dry-run does, in the same field
      const loss = gone ? await op.k.redundancyLeft(op.c, op.dg, gone, 'rm') : undefined
      if (!loss) return op.k.out(op.g, r, () => op.k.changesText(r))
      op.k.out(op.g, { ...r, redundancy: loss }, () => [op.k.changesText(r), loss.warning ? `warning: ${loss.warning}` : `  ${loss.volume} keeps ${loss.healthyLeft} healthy copies`].join('\n'))
    },
  })
}
