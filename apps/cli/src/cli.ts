/** The `plexa` verbs (commander), each a thin call of the HTTP API. */
import { Argument, Command, Option } from 'commander'
import { ApiError, type ParamsOf, type ResponseOf } from '@plexa/protocol'
import { type Connection, CliError, EXIT, cliErrorOf, connection, usageError } from './client.ts'
import { type RecordType, failedDisks, vxprint } from './print.ts'
import { plexLoss } from './redundancy.ts'
import { taskListText, taskProgress } from './progress.ts'
import { finishedTaskText, taskHistoryText } from './taskHistory.ts'
import { taskReportText } from './taskReport.ts'
import { addEvacuateVerb, addLogVerbs, addMirrorVerbs, addResizeVerbs } from './opsVerbs.ts'
import { addRelocateVerbs } from './relocateVerbs.ts'
import { addDeportVerb } from './deportVerb.ts'
import { addMembershipVerbs, addVolumeVerbs } from './volumeVerbs.ts'
import { replaceText } from './replaceWords.ts'
import { human, parseCount, parseRate, parseSize } from './units.ts'

interface Globals {
  url?: string
  token?: string
  data?: string
  json?: boolean
  dg?: string
}

const EXIT_HELP = `
Exit codes:
  0  success            4  not found (no such group, volume, plex, disk or task)
  2  usage error        5  refused, nothing changed (invalid, busy, locked, wrong state,
  3  not authorized        conflict, no space); plexa serve: its data directory (VM_BUSY)
                           or a port (VM_PORT_BUSY) is busy
  6  the operation failed (I/O error, not synchronised, the group went offline)
  7  the server cannot be reached
Errors name a stable code (with --json: {"error": {"code", "message"}} on stdout): VM_USAGE for a
usage error, VM_TOKEN_REFUSED for a token the server does not know, VM_UNAUTHORIZED for none, else
the server's (docs/api.md).`

function out(g: Globals, json: unknown, text: () => string): void {
  console.log(g.json ? JSON.stringify(json, null, 2) : text())
}

/**
 * Why there is no group to work on (rule 473): none found at all (VM_NOT_FOUND), or none imported
 * while some wait, deported or not imported (VM_OFFLINE, exit 5, `details.groups`), saying how to
 * import each.
 */
async function noGroupError(c: Connection): Promise<CliError> {
  const waiting = (await c.call('GET /api/imports')).groups
  if (!waiting.length) return new CliError(EXIT.NOT_FOUND, 'VM_NOT_FOUND', 'the server has no disk group')
  const each = waiting.map((x) => (x.deported ? `${x.name} is deported (plexa dg import ${x.name})` : `${x.name} is not imported: ${x.code} (plexa dg list says why)`))
  return new CliError(EXIT.REFUSED, 'VM_OFFLINE', `no disk group imported; ${each.join('; ')}`, { groups: waiting.map((x) => ({ name: x.name, deported: x.deported ?? false, code: x.code })) })
}

async function groupName(c: Connection, g: Globals): Promise<string> {
  if (g.dg) return g.dg
  const groups = (await c.call('GET /api/dgs')).groups
  if (groups.length === 1) return groups[0]!.name
  if (!groups.length) throw await noGroupError(c)
  throw usageError(`several disk groups (${groups.map((x) => x.name).join(', ')}): choose one with --dg`)
}

function changesText(r: { dryRun?: boolean; tid?: number; changes?: Array<{ op: string; kind: string; name: string; fields: string[] }>; copyBytes?: number; unchanged?: boolean }): string {
  // rule 472: the records already held it: no transaction, so no tid to report
  if (r.unchanged && !r.dryRun) return 'nothing changed: the records already held it (no transaction)'
  const lines = (r.changes ?? []).map((ch) => `  ${ch.op} ${ch.kind} ${ch.name}${ch.fields.length ? ` (${ch.fields.join(', ')})` : ''}`)
  const head = r.dryRun ? 'would change (dry run, nothing changed):' : `committed, tid ${r.tid}:`
  // a committed result copies (or copied) nothing more than a dry run would: never "would" after a commit
  return [head, ...lines, ...(r.copyBytes !== undefined ? [`  ${r.dryRun ? 'would copy' : 'copies'} ${human(r.copyBytes)}`] : [])].join('\n')
}

/** Follows a task until it finishes, with a progress bar on a terminal. */
async function waitTask(c: Connection, g: Globals, taskId: string): Promise<void> {
  const bar = g.json || !process.stderr.isTTY ? undefined : taskProgress(process.stderr, taskId)
  for (;;) {
    const tasks = (await c.call('GET /api/tasks')).tasks
    const t = tasks.find((x) => x.taskId === taskId)
    if (!t) break
    bar?.show(t)
    await new Promise((r) => setTimeout(r, 200))
  }
  bar?.stop()
}

type FinishedTask = ResponseOf<'GET /api/tasks/history'>['tasks'][number]

/**
 * The error of a task `--wait` followed that did not end ok: exit 6 with the task's code, its id
 * in the error (`--json`: `{"error": {"code", "message", "taskId"}}`, rule 386).
 */
export function taskError(t: Pick<FinishedTask, 'taskId' | 'outcome' | 'code' | 'message'>, message: string): CliError {
  return new CliError(EXIT.FAILED, t.code ?? (t.outcome === 'aborted' ? 'VM_ABORTED' : 'VM_INTERNAL'), message, undefined, t.taskId)
}

/** `resync volume|disk --wait`: `{task, report}` (rule 386), the report in words without --json. */
async function finishResult(c: Connection, g: Globals, taskId: string): Promise<void> {
  await waitTask(c, g, taskId)
  // ids never repeat across restarts (rule 381): the entry of this id is this task's
  const t = await finishedTask(c, taskId, 0)
  if (t.outcome !== 'ok') throw taskError(t, `${taskId}: ${t.kind} of ${t.target} ${t.outcome}: ${t.message ?? t.code}`)
  let r: ResponseOf<'GET /api/tasks/:task/result'> | undefined
  for (let i = 0; i < 50 && !r; i++) {
    try {
      r = await c.call('GET /api/tasks/:task/result', { task: taskId })
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 404) throw e
      await new Promise((res) => setTimeout(res, 100))
    }
  }
  if (!r) throw new CliError(EXIT.FAILED, 'VM_INTERNAL', `no result for ${taskId}`, undefined, taskId)
  if (!r.ok) throw taskError({ ...t, outcome: 'failed', code: r.code as FinishedTask['code'], message: r.message }, `${taskId}: ${r.message}`)
  const report = r.report
  out(g, { task: t, report }, () => taskReportText(taskId, report))
}

/** The newest entry of the task history (0 when empty): what a task finishing later comes after. */
async function historyMark(c: Connection): Promise<number> {
  return (await c.call('GET /api/tasks/history')).tasks.at(-1)?.id ?? 0
}

/**
 * A task's final outcome from the task history, once the operation behind it has ended: for an
 * attach that is after its enabling commit, not only after its copy left the running tasks.
 * Task ids start again with each server run: the entry is the one after `since`.
 */
async function finishedTask(c: Connection, taskId: string, since: number): Promise<FinishedTask> {
  for (let i = 0; i < 300; i++) {
    const t = (await c.call('GET /api/tasks/history')).tasks.find((x) => x.taskId === taskId && x.id > since)
    if (t) return t
    await new Promise((res) => setTimeout(res, 100))
  }
  throw new CliError(EXIT.FAILED, 'VM_INTERNAL', `no outcome for ${taskId}`, undefined, taskId)
}

/** `plex att --wait`: the attach's outcome in words (rule 191), exit 6 with its code when it failed or was aborted. */
async function finishAttach(c: Connection, g: Globals, dg: string, taskId: string, since: number, volume: string, plex: string): Promise<void> {
  await waitTask(c, g, taskId)
  const t = await finishedTask(c, taskId, since)
  if (t.outcome !== 'ok') throw taskError(t, `${taskId}: attaching ${plex} to ${volume} ${t.outcome}: ${t.message ?? t.code}`)
  const p = (await c.call('GET /api/dgs/:dg', { dg })).config.plexes.find((x) => x.pl_name === plex)
  out(g, { task: t, plex: p && { name: p.pl_name, state: p.pl_state, kstate: p.pl_kstate } }, () => `${taskId}: done, attached ${plex} to ${volume}, copied ${human(t.doneBytes)}; ${plex} is ${p ? `${p.pl_kstate} ${p.pl_state}` : 'gone'}`)
}

interface ResyncOpts {
  force?: boolean
  throttle?: string
  wait?: boolean
  dryRun?: boolean
}

/** The options `resync volume` and `resync disk` share. */
function resyncOptions(cmd: Command): Command {
  return cmd
    .option('--throttle <rate>', 'bytes per second (k/m/g suffix)')
    .option('--wait', 'follow it with a progress bar')
    .option('--dry-run', 'show what would be copied')
}

function resyncBody(o: ResyncOpts): { force: boolean; throttle?: number; dryRun?: true } {
  return { force: o.force ?? false, ...(o.throttle ? { throttle: parseRate(o.throttle) } : {}), ...(o.dryRun ? { dryRun: true as const } : {}) }
}

type ResyncPlanView = { regions?: number; bytes?: number; writes?: Array<{ volume: string; plexes: string[] }>; handBack?: Array<{ plex: string; volume: string; from: { kstate: string; state: string }; to: { kstate: string; state: string } }> }

/**
 * A resync's dry run in words (rule 297): the bytes, every volume it covers with the plexes it
 * writes (with --force, overwrites), and every plex it returns to service with its state now and
 * after, as the web's confirmation says them.
 */
export function resyncPlanText(r: ResyncPlanView, force: boolean): string {
  const lines = [`would copy ${r.regions ?? 0} regions, ${human(r.bytes ?? 0)}`]
  // every volume it covers: the ones it writes, and the ones whose plexes it only returns to service
  const covered = new Map<string, string[]>((r.writes ?? []).map((w) => [w.volume, w.plexes]))
  for (const h of r.handBack ?? []) if (!covered.has(h.volume)) covered.set(h.volume, [])
  if (covered.size) lines.push(`  ${force ? 'overwrites' : 'covers'} ${[...covered].map(([v, plexes]) => `${v} (${plexes.length ? `plex ${plexes.join(', ')}` : 'nothing to copy'})`).join(', ')}`)
  else lines.push('  covers no volume: every copy is current')
  for (const h of r.handBack ?? []) lines.push(`  returns plex ${h.plex} to ${h.volume}: ${h.from.kstate} ${h.from.state} -> ${h.to.kstate} ${h.to.state}`)
  return lines.join('\n')
}

/** A dry run's plan, the finished task's report with --wait, or the started task's id. */
async function reportResync(c: Connection, g: Globals, o: ResyncOpts, r: { dryRun?: boolean; taskId?: string } & ResyncPlanView, started: string): Promise<void> {
  if (r.dryRun) return out(g, r, () => resyncPlanText(r, o.force ?? false))
  if (o.wait) return finishResult(c, g, r.taskId!)
  out(g, r, () => `${started}: ${r.taskId}`)
}

/** What detaching or dissociating the plex would leave its volume (rule 248), from the group and the lab. */
async function redundancyLeft(c: Connection, dg: string, plex: string, verb: 'det' | 'dis' | 'rm'): Promise<ReturnType<typeof plexLoss>> {
  const [view, lab] = await Promise.all([c.call('GET /api/dgs/:dg', { dg }), c.call('GET /api/lab')])
  return plexLoss(view, failedDisks(lab, dg), plex, verb)
}

const PRINT_HELP = `
As vxprint(1M): -v, -p, -s and -d combine to select record types; -h adds each selected record's
hierarchy; -t prints the per-type format (DG, DM, V, PL, SD header lines) instead of
TY NAME ASSOC KSTATE LENGTH PLOFFS STATE TUTIL0 PUTIL0. Without -g every disk group is printed,
each after a "Disk group: NAME" line. A name that matches no record is reported (exit 4).`

/** plexa print: the records of the chosen groups as vxprint prints them. */
async function printRecords(cmd: Command): Promise<void> {
  const g = cmd.optsWithGlobals() as Globals
  const o = cmd.opts() as { h?: boolean; t?: boolean; l?: boolean; g?: string; v?: boolean; p?: boolean; s?: boolean; d?: boolean }
  // rule 506: -l is the long listing of subdisks only (where a relocated one's data was)
  if (o.l && (o.h || o.t || o.v || o.p || o.d)) throw usageError('-l lists subdisks (alone, or with -s): not with -h, -t, -v, -p or -d')
  const c = await connection(g)
  const group = o.g ?? g.dg
  const names = cmd.args
  const types = o.l ? (['sd'] as RecordType[]) : (['v', 'p', 's', 'd'] as const).filter((k) => o[k]).map((k): RecordType => ({ v: 'v', p: 'pl', s: 'sd', d: 'dm' } as const)[k])
  const plain = !o.h && !o.t && !types.length // plexa's default: -ht (DESIGN.md section 7)
  const dgs = group ? [group] : (await c.call('GET /api/dgs')).groups.map((x) => x.name)
  if (!dgs.length) throw await noGroupError(c)
  const [lab, ...views] = await Promise.all([c.call('GET /api/lab'), ...dgs.map((dg) => c.call('GET /api/dgs/:dg', { dg }))])
  const groups = views.map((v) => ({ name: v.name, config: v.config, failed: failedDisks(lab, v.name, v.failing) }))
  const r = vxprint(groups, { hierarchy: plain || !!o.h, table: plain || !!o.t, types, names, groupLine: !group, long: !!o.l })
  const missing = r.missing.length ? new CliError(EXIT.NOT_FOUND, 'VM_NOT_FOUND', `no record ${r.missing.join(', ')}${group ? ` in ${group}` : ''}`, { missing: r.missing }) : undefined
  // with --json one document: the selected records, or the error naming what is missing
  if (missing && g.json) throw missing
  if (g.json || r.lines.length) out(g, r.configs, () => r.lines.join('\n'))
  if (missing) throw missing
}

/** The verbs; with `json`, commander's own error lines stay off stderr (the JSON error is on stdout). */
/** `onUsage`: with --json, what commander would have written to stderr (its error and the usage after it). */
export function buildProgram(json = false, onUsage?: (text: string) => void): Command {
  const program = new Command('plexa')
    .description('Plexa: a VERITAS-style volume manager (client of a running `plexa serve`)')
    .option('--url <url>', 'server URL (default: from DATA/server.json, env PLEXA_URL)')
    .option('--token <token>', 'bearer token (default: DATA/admin-credential.txt, env PLEXA_TOKEN)')
    .option('--data <dir>', 'the server data directory (env PLEXA_DATA, default ./data)')
    .option('--dg <group>', 'disk group (default: the only one)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', EXIT_HELP)
    // commander's own errors (unknown command or option, missing argument) carry VM_USAGE, as ours do,
    // set before the verbs are added, which inherit it; with --json stderr stays empty: the one
    // JSON error on stdout says it all, the usage commander shows after an error in it (`usage`)
    .configureOutput({
      outputError: (text, write) => write(`plexa: VM_USAGE: ${text.replace(/^error: /, '')}`),
      ...(json ? { writeErr: (text: string) => onUsage?.(text) } : {}),
    })
    .showHelpAfterError()
    .exitOverride()
  const conn = async (cmd: Command) => {
    const g = cmd.optsWithGlobals() as Globals
    return { g, c: await connection(g) }
  }
  const act = (fn: (cmd: Command, ...args: string[]) => Promise<void>) => async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command
    await fn(cmd, ...(args.slice(0, -2) as string[]))
  }

  program
    .command('print')
    .description('display records as vxprint does; without -h, -t, -v, -p, -s or -d: -ht')
    .usage('[-htvpsd] [-l] [-g diskgroup] [name...]')
    .helpOption('--help', 'display help for print')
    .option('-h', 'list the hierarchy below each selected record (volume: plexes, subdisks)')
    .option('-t', 'one line per record in its type\'s format, after the header lines')
    .option('-g <diskgroup>', 'only this disk group (no "Disk group:" line)')
    .option('-v', 'select volumes')
    .option('-p', 'select plexes')
    .option('-s', 'select subdisks')
    .option('-d', 'select disks (disk media)')
    .option('-l', 'the long listing of each subdisk (vxprint -l): its disk, association, flags, device and, for one hot relocation moved, its original disk and offset (orig: dmname= dmoffset=, what disk unrelocate moves it back to)')
    .argument('[name...]', 'only the records with these names')
    .addHelpText('after', PRINT_HELP)
    .action(act(async (cmd) => printRecords(cmd)))

  const make = program.command('make').description('create records')
  make
    .command('volume')
    .description('vxassist make: allocate and create a volume')
    .argument('<name>', 'at most 11 characters (28 in a vxvm3 group): its plexes are named <name>-01, ... and a record name has at most 14 (31)')
    .argument('<size>', 'sectors, or bytes with k/m/g/t')
    .addOption(new Option('--layout <layout>', 'volume layout').choices(['concat', 'stripe', 'mirror', 'mirror-stripe']).default('concat'))
    .option('--nmirror <n>', 'mirrors')
    .option('--ncol <n>', 'stripe columns')
    .option('--stwidth <n>', 'stripe unit (sectors)')
    .addOption(new Option('--log <type>', 'dirty region log').choices(['drl']))
    .addOption(new Option('--init <type>', 'how the new volume is initialised (vxassist init=): sync starts it and copies its mirrors, zero and active as vxvol init, none leaves it EMPTY').choices(['sync', 'zero', 'active', 'none']))
    .option('--disks <names>', 'comma-separated disks to allocate from')
    .option('--dry-run', 'show what would be created')
    .action(
      act(async (cmd, name, size) => {
        const { g, c } = await conn(cmd)
        const o = cmd.opts() as { layout: 'concat'; nmirror?: string; ncol?: string; stwidth?: string; log?: 'drl'; init?: 'sync' | 'zero' | 'active' | 'none'; disks?: string; dryRun?: boolean }
        const body = {
          name: name!,
          len: parseSize(size!),
          layout: o.layout,
          ...(o.nmirror ? { nmirror: parseCount(o.nmirror, 'nmirror') } : {}),
          ...(o.ncol ? { ncol: parseCount(o.ncol, 'ncol') } : {}),
          ...(o.stwidth ? { stwidth: parseCount(o.stwidth, 'stwidth') } : {}),
          ...(o.log ? { log: o.log } : {}),
          ...(o.init ? { init: o.init } : {}),
          ...(o.disks ? { disks: o.disks.split(',') } : {}),
          ...(o.dryRun ? { dryRun: true } : {}),
        }
        const r = await c.call('POST /api/dgs/:dg/assist', { dg: await groupName(c, g) }, body)
        out(g, r, () => changesText(r))
      }),
    )

  const dgCmd = program.command('dg').description('disk groups (vxdg): list, import, deport, adddisk, rmdisk, set')
  dgCmd
    .command('list')
    .description('imported disk groups, and groups found on the disks that are not imported, with why')
    .action(
      act(async (cmd) => {
        const { g, c } = await conn(cmd)
        const [imported, waiting] = await Promise.all([c.call('GET /api/dgs'), c.call('GET /api/imports')])
        out(g, { groups: imported.groups, notImported: waiting.groups }, () =>
          [
            'NAME         STATE         DETAILS',
            ...imported.groups.map((x) => `${x.name.padEnd(12)} ${(x.forcedOffline ? 'forced-off' : 'imported').padEnd(13)} ${x.disks} disks, tid ${x.tid}, hotreloc=${x.hotreloc ? 'on' : 'off'}`),
            ...waiting.groups.map((x) => `${x.name.padEnd(12)} ${(x.deported ? 'deported' : 'not-imported').padEnd(13)} ${x.deported ? 'its disks name no importer (plexa dg import to import it here)' : `${x.code}: ${x.importedBy ? `imported by host ${x.importedBy} (import with --clear-import if it is down)` : x.sides ? `split brain: ${x.sides.map((s) => `${s.disks.join(', ')} tid ${s.tid} (--selectcp ${s.diskids[0]})`).join(' / ')}` : x.disks ? `disks without a device: ${x.disks.map((d) => d.disk || d.device).join(', ')} (import with --force)` : x.reason}`}`),
          ].join('\n'),
        )
      }),
    )
  dgCmd
    .command('import')
    .description('import a disk group found on the disks or deported (vxdg import); its volumes stay stopped')
    .argument('<group>')
    .option('-f, --force', 'import even though some of its disks have no usable device (they import NODEVICE; vxdg -f)')
    .option('-C, --clear-import', "take the group over from the host that has it imported, which must be down (vxdg -C)")
    .option('--selectcp <diskid>', "after a serial split brain (VM_SPLIT_BRAIN), take the configuration of this disk (its disk id) and overrule the other side's (vxdg -o selectcp=DISKID)")
    .action(
      act(async (cmd, name) => {
        const { g, c } = await conn(cmd)
        const o = cmd.opts() as { force?: boolean; clearImport?: boolean; selectcp?: string }
        const r = await c.call('POST /api/imports/:dg', { dg: name! }, { ...(o.force ? { force: true } : {}), ...(o.clearImport ? { clearImport: true } : {}), ...(o.selectcp ? { selectcp: o.selectcp } : {}) })
        const dropped = r.dropped.map((d) => `; overruled the configuration of ${d.disks.join(', ')} (tid ${d.tid}), which held otherwise: ${d.records?.join(', ') || 'nothing else'}`).join('')
        out(g, r, () => `imported ${r.name}, tid ${r.tid}${r.unusable.length ? `; without ${r.unusable.map((d) => `${d.disk || d.device} (${d.reason})`).join(', ')}, NODEVICE` : ''}${dropped}; its volumes are stopped (plexa vol start)`)
      }),
    )

  const plex = program.command('plex').description('plex operations (vxplex)')
  plex
    .command('att')
    .description('attach a plex to a volume (copies the volume into it)')
    .argument('<volume>')
    .argument('<plex>')
    .option('--wait', 'follow the copy with a progress bar, then report the outcome (exit 6 with its code when it failed)')
    .option('--dry-run', 'show the changes and the bytes to copy')
    .action(
      act(async (cmd, volume, name) => {
        const { g, c } = await conn(cmd)
        const o = cmd.opts() as { wait?: boolean; dryRun?: boolean }
        const dg = await groupName(c, g)
        const since = o.wait && !o.dryRun ? await historyMark(c) : 0
        const r = await c.call('POST /api/dgs/:dg/plexes/:plex/att', { dg, plex: name! }, { volume: volume!, ...(o.dryRun ? { dryRun: true } : {}) })
        if ('taskId' in r && o.wait) return finishAttach(c, g, dg, r.taskId, since, volume!, name!)
        out(g, r, () => ('taskId' in r ? `attaching ${name} to ${volume}: ${r.taskId}` : changesText(r)))
      }),
    )
  /** A verb that commits one record change on one named object, with --dry-run (and --force). */
  const recordVerb = (parent: Command, verb: string, key: 'POST /api/dgs/:dg/plexes/:plex/det' | 'POST /api/dgs/:dg/plexes/:plex/dis' | 'POST /api/dgs/:dg/volumes/:volume/start' | 'POST /api/dgs/:dg/volumes/:volume/stop', param: 'plex' | 'volume', text: string, force?: string) => {
    const cmd = parent.command(verb).description(text).argument(`<${param}>`)
    if (force) cmd.option('--force', force)
    cmd.option('--dry-run', 'show what would change').action(
      act(async (c0, name) => {
        const { g, c } = await conn(c0)
        const o = c0.opts() as { force?: boolean; dryRun?: boolean }
        const dg = await groupName(c, g)
        const r = await c.call(key, { dg, [param]: name! } as ParamsOf<typeof key>, { ...(o.force ? { force: true } : {}), ...(o.dryRun ? { dryRun: true } : {}) })
        const loss = o.dryRun && param === 'plex' ? await redundancyLeft(c, dg, name!, verb as 'det' | 'dis') : undefined
        if (!loss) return out(g, r, () => changesText(r))
        out(g, { ...r, redundancy: loss }, () => [changesText(r), loss.warning ? `warning: ${loss.warning}` : `  ${loss.volume} keeps ${loss.healthyLeft} healthy copies`].join('\n'))
      }),
    )
  }
  recordVerb(plex, 'det', 'POST /api/dgs/:dg/plexes/:plex/det', 'plex', 'detach a plex (it stays associated, STALE)', 'even if the volume is left without a complete plex')
  recordVerb(plex, 'dis', 'POST /api/dgs/:dg/plexes/:plex/dis', 'plex', 'dissociate a plex from its volume', 'even if the volume is left without a complete plex')
  const vol = program.command('vol').description('volume operations (vxvol, vxassist): start, stop, init, mirror, unmirror, grow, shrink, addlog, rmlog, verify, repair, remove')
  recordVerb(vol, 'start', 'POST /api/dgs/:dg/volumes/:volume/start', 'volume', 'start a volume (recovering it if needed)')
  recordVerb(vol, 'stop', 'POST /api/dgs/:dg/volumes/:volume/stop', 'volume', 'stop a volume cleanly', 'even while a task runs on it (the task is aborted)')
  const kit = { act, conn, groupName, out, changesText, historyMark, finishAttach, waitTask, finishedTask, redundancyLeft }
  addMirrorVerbs<Globals>(vol, kit)
  addResizeVerbs<Globals>(vol, kit)
  addLogVerbs<Globals>(vol, kit)
  addVolumeVerbs<Globals>(vol, kit)
  addMembershipVerbs<Globals>(dgCmd, kit)
  addDeportVerb<Globals>(dgCmd, kit)
  vol
    .command('init')
    .description('vxvol init: initialise a never-started (EMPTY) volume: zero (started, zeros written), active (started, nothing copied), clean PLEX (that plex CLEAN, the others STALE: the start copies it)')
    .addArgument(new Argument('<type>', 'init type').choices(['zero', 'active', 'clean']))
    .argument('<volume>')
    .argument('[plex]', 'the plex to keep (clean)')
    .option('--dry-run', 'show what would change')
    .action(
      act(async (cmd, type, name, plexName) => {
        const { g, c } = await conn(cmd)
        const o = cmd.opts() as { dryRun?: boolean }
        const body = { type: type as 'zero' | 'active' | 'clean', ...(plexName ? { plex: plexName } : {}), ...(o.dryRun ? { dryRun: true } : {}) }
        const r = await c.call('POST /api/dgs/:dg/volumes/:volume/init', { dg: await groupName(c, g), volume: name! }, body)
        out(g, r, () => changesText(r))
      }),
    )

  const resync = program.command('resync').description('resynchronise a volume or a whole disk')
  resyncOptions(
    resync
      .command('volume')
      .description('resync a volume: stale regions, or with --force every region (read-writeback)')
      .argument('<volume>')
      .option('--force', 'copy every region to every other plex'),
  ).action(
    act(async (cmd, name) => {
      const { g, c } = await conn(cmd)
      const o = cmd.opts() as ResyncOpts
      const r = await c.call('POST /api/dgs/:dg/volumes/:volume/resync', { dg: await groupName(c, g), volume: name! }, resyncBody(o))
      return reportResync(c, g, o, r, `resyncing ${name}`)
    }),
  )
  resyncOptions(
    resync
      .command('disk')
      .description('resync everything on a disk (AIX lvm_resyncpv); --force copies a good copy to all copies')
      .argument('<disk>')
      .option('--force', 'copy a good copy to every other copy, stale or not')
      .addOption(new Option('--mode <mode>', 'strict: fail when a forced resync leaves something stale; faithful: as AIX').choices(['strict', 'faithful'])),
  ).action(
    act(async (cmd, name) => {
      const { g, c } = await conn(cmd)
      const o = cmd.opts() as ResyncOpts & { mode?: 'strict' | 'faithful' }
      const r = await c.call('POST /api/dgs/:dg/disks/:disk/resync', { dg: await groupName(c, g), disk: name! }, { ...resyncBody(o), ...(o.mode ? { mode: o.mode } : {}) })
      return reportResync(c, g, o, r, `resyncing disk ${name}`)
    }),
  )

  const disk = program.command('disk').description('disks of a group (vxdg, vxdiskadm, vxevac, vxrelocd): replace, evacuate, relocate, set (spare=on), free')
  addEvacuateVerb<Globals>(disk, kit)
  addRelocateVerbs<Globals>(disk, dgCmd, kit)
  disk
    .command('free')
    .description('image files of the data directory no group has and that hold nothing (vxdisk list: online invalid), such as a disk vxdg rmdisk removed: add one again with its path; one holding only the old header of a disk its group replaced (STATUS formerly GROUP/DISK) is no member and is added with --force')
    .action(
      act(async (cmd) => {
        const { g, c } = await conn(cmd)
        const r = await c.call('GET /api/disks/free')
        out(g, r, () => (r.disks.length ? ['DEVICE'.padEnd(48) + ' SIZE       STATUS', ...r.disks.map((d) => `${d.path.padEnd(48)} ${human(d.sizeBytes).padEnd(10)} ${d.formerly ? `formerly ${d.formerly.dg}/${d.formerly.disk} (old header, no member: add with --force)` : 'online invalid'}`)].join('\n') : 'no free disks'))
      }),
    )
  disk
    .command('replace')
    .description('replace a failed or removed disk by a new device (vxdiskadm option 5, vxdg -k repldisk): the disk keeps its name, its data plexes come back stale for `plexa resync disk` to copy (a log plex stays ENABLED LOG)')
    .argument('<disk>')
    .option('--size <size>', 'a new image file in the data directory of this size (sectors, or bytes with k/m/g/t)')
    .option('--path <path>', 'an existing device: an absolute path (image file or block device) or an nbd:// URL')
    .option('--force', 'use the device even though it holds data')
    .option('--dry-run', 'show what would change')
    .action(
      act(async (cmd, name) => {
        const o = cmd.opts() as { size?: string; path?: string; force?: boolean; dryRun?: boolean }
        if ((o.size === undefined) === (o.path === undefined)) throw usageError('give exactly one of --size SIZE (a new image file) or --path PATH')
        const body = { ...(o.size !== undefined ? { sizeBytes: parseSize(o.size) * 512 } : { path: o.path! }), ...(o.force ? { force: true } : {}), ...(o.dryRun ? { dryRun: true } : {}) }
        const { g, c } = await conn(cmd)
        const dg = await groupName(c, g)
        const before = g.json ? undefined : (await c.call('GET /api/dgs/:dg', { dg })).config
        const r = await c.call('POST /api/dgs/:dg/disks/:disk/replace', { dg, disk: name! }, body)
        // what the resync that follows copies, exactly, once the new device is in (rule 432)
        const plan = r.dryRun || g.json ? undefined : await c.call('POST /api/dgs/:dg/disks/:disk/resync', { dg, disk: name! }, { force: false, dryRun: true }).catch(() => undefined)
        const bytes = plan && 'bytes' in plan ? plan.bytes : undefined
        out(g, r, () => replaceText(name!, r, before!, bytes))
      }),
    )

  const task = program.command('task').description('running and finished tasks')
  task
    .command('list')
    .description('list running tasks; with --history the finished ones too (what each copied and wrote)')
    .option('--history', 'also the task history: finished tasks, oldest first, with their outcome and the bytes each copied and wrote')
    .action(
      act(async (cmd) => {
        const { g, c } = await conn(cmd)
        const r = await c.call('GET /api/tasks')
        if (!(cmd.opts() as { history?: boolean }).history) return out(g, r, () => taskListText(r.tasks))
        const history = (await c.call('GET /api/tasks/history')).tasks
        out(g, { ...r, history }, () => `${taskListText(r.tasks)}\n\n${taskHistoryText(history)}`)
      }),
    )
  task
    .command('show')
    .description('one task: a running one\'s progress, or a finished one\'s outcome and the bytes it copied and wrote')
    .argument('<id>')
    .action(
      act(async (cmd, id) => {
        const { g, c } = await conn(cmd)
        const running = (await c.call('GET /api/tasks')).tasks.find((t) => t.taskId === id)
        // rule 425: a resync a restart resumed names the interrupted task it continues
        if (running) return out(g, running, () => `${taskListText([running])}${running.continues ? `\n${id} continues ${running.continues} (interrupted when the server stopped)` : ''}`)
        // task ids start again with each server run: the newest entry of that id
        const done = (await c.call('GET /api/tasks/history')).tasks.filter((t) => t.taskId === id).at(-1)
        if (!done) throw new CliError(EXIT.NOT_FOUND, 'VM_NOT_FOUND', `no task ${id}, running or in the task history`)
        out(g, done, () => finishedTaskText(done))
      }),
    )
  for (const verb of ['pause', 'resume', 'abort'] as const) {
    task
      .command(verb)
      .description(`${verb} a task`)
      .argument('<id>')
      .action(
        act(async (cmd, id) => {
          const { g, c } = await conn(cmd)
          const r = await c.call(`POST /api/tasks/:task/${verb}`, { task: id! })
          out(g, r, () => `${id}: ${'finished' in r ? 'already finished' : verb === 'abort' ? 'aborting' : r.phase}`)
        }),
      )
  }
  task
    .command('throttle')
    .description('limit a task to RATE bytes per second (k/m/g suffix; 0 = unlimited), or with --adaptive MS copy as fast as keeps foreground write p99 within MS milliseconds')
    .argument('<id>')
    .argument('[rate]')
    .option('--adaptive <ms>', 'adaptive mode: the foreground write p99 target, milliseconds')
    .action(
      act(async (cmd, id, rate) => {
        const adaptive = (cmd.opts() as { adaptive?: string }).adaptive
        if ((adaptive === undefined) === (rate === undefined)) throw usageError('give a RATE or --adaptive MS')
        const ms = Number(adaptive)
        if (adaptive !== undefined && !(ms > 0 && ms <= 60_000)) throw usageError(`--adaptive takes milliseconds in (0, 60000], not ${adaptive}`)
        const body = adaptive !== undefined ? { adaptive: { latencyMs: ms } } : { bytesPerSecond: parseRate(rate!) }
        const { g, c } = await conn(cmd)
        const r = await c.call('POST /api/tasks/:task/throttle', { task: id! }, body)
        out(g, r, () => ('finished' in r ? `${id}: already finished` : `${id}: throttle ${r.adaptive ? `adaptive (p99 within ${r.adaptive.latencyMs} ms)` : r.throttle ? `${human(r.throttle)}/s` : 'none'}`))
      }),
    )

  const lab = program.command('lab').description('lab mode: rehearse failures (server started with --lab or --demo)')
  lab
    .command('fail-disk')
    .description('make a disk fail its reads, writes or both')
    .argument('<disk>')
    .addOption(new Option('--mode <mode>', 'what fails').choices(['read', 'write', 'both']).default('both'))
    .action(
      act(async (cmd, disk) => {
        const { g, c } = await conn(cmd)
        const r = await c.call('POST /api/lab/dgs/:dg/disks/:disk/fail', { dg: await groupName(c, g), disk: disk! }, { mode: (cmd.opts() as { mode: 'both' }).mode })
        out(g, r, () => `${disk}: failing ${(cmd.opts() as { mode: string }).mode}`)
      }),
    )
  lab
    .command('restore-disk')
    .description('bring a failed disk back')
    .argument('<disk>')
    .action(
      act(async (cmd, disk) => {
        const { g, c } = await conn(cmd)
        const r = await c.call('POST /api/lab/dgs/:dg/disks/:disk/restore', { dg: await groupName(c, g), disk: disk! })
        out(g, r, () => `${disk}: restored`)
      }),
    )

  program
    .command('serve')
    .description('run the server (HTTP, WebSocket, NBD); see `plexa serve --help`')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[options...]')
    .action(async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command
      // main.ts runs `serve` (serveArgs) before commander, unless a client option came first
      const g = cmd.optsWithGlobals() as Globals
      const client = (['url', 'token', 'dg', 'json'] as const).filter((k) => g[k] !== undefined).map((k) => `--${k}`)
      throw usageError(`${client.join(', ') || 'this option'}: an option of the client, not of plexa serve (plexa serve --help lists its options)`)
    })
  return program
}

/** The global options that take a value (`--data DIR`); `--json` takes none. */
const GLOBAL_VALUES = new Set(['--url', '--token', '--data', '--dg'])

/**
 * For `plexa [--data DIR] serve ...`: the server's arguments (the global `--data` is the server's
 * too, before the verb as after it). Undefined for another verb, and for `serve` after a global
 * option that is only the client's (`--url`, `--token`, `--dg`, `--json`): commander's serve
 * action then refuses it as a usage error.
 */
export function serveArgs(argv: readonly string[]): string[] | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === 'serve') return [...argv]
    if (!/^--data(=|$)/.test(a)) return undefined
    if (a === '--data') i++
  }
  return undefined
}

export async function runCli(argv: string[]): Promise<number> {
  const json = argv.includes('--json')
  let shown = ''
  const program = buildProgram(json, (text) => void (shown += text))
  try {
    await program.parseAsync(argv, { from: 'user' })
    return EXIT.OK
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; exit?: number; message?: string }
    // help asked for is success; the usage printed for a missing command (bare `plexa`) is a usage error
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || (err.code === 'commander.help' && !err.exitCode)) return EXIT.OK
    if (typeof err.code === 'string' && err.code.startsWith('commander.')) e = usageError(err.code === 'commander.help' ? 'no command given' : (err.message ?? '').replace(/^error: /, ''))
    if (e instanceof ApiError) e = cliErrorOf(e)
    if (e instanceof CliError) {
      // the usage commander showed after its error line (rule 386)
      const usage = shown.replace(/^plexa: VM_USAGE: .*\n/, '').trim()
      if (json) console.log(JSON.stringify({ error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}), ...(e.taskId ? { taskId: e.taskId } : {}), ...(e.code === 'VM_USAGE' && usage ? { usage } : {}) } }, null, 2))
      // commander has written its own error and the usage already (for a missing command, only the usage)
      else if (!(typeof err.code === 'string' && err.code.startsWith('commander.') && err.code !== 'commander.help')) console.error(`plexa: ${e.code}: ${e.message}`)
      return e.exit
    }
    console.error(`plexa: ${err.message ?? String(e)}`)
    return EXIT.FAILED
  }
}
