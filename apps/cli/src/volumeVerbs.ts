/**
 * The everyday verbs of a volume's data and a group's membership (review 4): `vol verify`, `vol
 * repair`, `vol remove`, `dg adddisk`, `dg rmdisk`, each a thin call of the HTTP API.
 */
import type { Command } from 'commander'
import type { ResponseOf } from '@plexa/protocol'
import { CliError, EXIT, usageError } from './client.ts'
import { FOLLOWS, NO_TASK, type OperationContext, type VerbKit, operationVerb } from './opsVerbs.ts'
import { taskReportText } from './taskReport.ts'
import { human, parseSize } from './units.ts'

type Report = Extract<ResponseOf<'GET /api/tasks/:task/result'>, { ok: true }>['report']

/**
 * `--wait` of a verify or repair: its task followed to its end (exit 6 with its code when it did
 * not end ok), then `{task, report}` as `resync --wait` answers (rule 386). A verify that found
 * regions where the plexes differ ends exit 6, VM_NOTSYNCED, naming them (rule 427).
 */
async function followReport<G>(op: OperationContext<G>, taskId: string, what: string): Promise<void> {
  const t = await op.follow(taskId, what)
  const r = await op.c.call('GET /api/tasks/:task/result', { task: taskId })
  if (!r.ok) throw new CliError(EXIT.FAILED, r.code, `${taskId}: ${what}: ${r.message}`, undefined, taskId)
  const report: Report = r.report
  if ('mismatches' in report && report.mismatches.length) {
    const regions = report.mismatches.map((m) => m.region)
    throw new CliError(EXIT.FAILED, 'VM_NOTSYNCED', `${taskId}: ${what}: ${regions.length} of ${report.regionsChecked} regions differ between the plexes (${regions.join(', ')}): plexa vol repair ${report.volume} PLEX copies a good plex over the others`, { mismatches: report.mismatches }, taskId)
  }
  op.k.out(op.g, { task: t, report }, () => taskReportText(taskId, report))
}

/** `N,N,...`: region numbers. */
function regionList(s: string): number[] {
  if (!/^\d{1,9}(,\d{1,9})*$/.test(s)) throw usageError(`--regions takes region numbers separated by commas (3,7,12), not ${s}`)
  return s.split(',').map(Number)
}

/** Adds `plexa vol verify`, `plexa vol repair` and `plexa vol remove` to the `vol` command. */
export function addVolumeVerbs<G>(vol: Command, k: VerbKit<G>): void {
  operationVerb(vol, k, {
    name: 'verify',
    description: 'compare every plex of a started volume region by region (vxprint cannot tell you this): with --wait exit 0 when they are identical, 6 VM_NOTSYNCED naming the regions that differ',
    args: [['<volume>']],
    wait: FOLLOWS('the comparison'),
    dryRun: 'show how much it would read from each plex',
    run: async (op, volume) => {
      const r = await op.c.call('POST /api/dgs/:dg/volumes/:volume/verify', { dg: op.dg, volume: volume! }, op.dry)
      if (!('taskId' in r)) return op.k.out(op.g, r, () => `would read ${human(r.bytes)} from each plex of ${volume} and compare them (dry run, nothing read)`)
      if (!op.o.wait) return op.k.out(op.g, r, () => `verifying ${volume}: ${r.taskId}`)
      await followReport(op, r.taskId, `verify of ${volume}`)
    },
  })
  operationVerb(vol, k, {
    name: 'repair',
    description: 'copy one plex of a started volume over its others (every region, or the ones --regions names, such as those `vol verify` found different): use the plex you trust',
    args: [['<volume>'], ['<plex>', 'the plex copied over the others (ENABLED ACTIVE, on a disk that reads)']],
    options: [['--regions <list>', 'only these regions (numbers, comma-separated, as vol verify names them)']],
    wait: FOLLOWS('the copy'),
    run: async (op, volume, plex) => {
      const body = { source: plex!, ...(op.o.regions ? { regions: regionList(op.o.regions) } : {}) }
      const r = await op.c.call('POST /api/dgs/:dg/volumes/:volume/repair', { dg: op.dg, volume: volume! }, body)
      if (!op.o.wait) return op.k.out(op.g, r, () => `repairing ${volume} from ${plex}: ${r.taskId}`)
      await followReport(op, r.taskId, `repair of ${volume} from ${plex}`)
    },
  })
  operationVerb(vol, k, {
    name: 'remove',
    description: 'vxassist remove volume: remove a volume with its plexes and subdisks (their space is free again; the data is gone); a started volume is refused (VM_VOL_ENABLED) unless --force, which stops it first (its I/O and NBD clients end)',
    args: [['<volume>']],
    options: [['--force', 'stop a started volume first (vxassist -f remove volume)']],
    wait: NO_TASK,
    dryRun: 'show every record it would remove',
    run: async (op, volume) => removeVolume(op, volume!),
  })
}

/** `vol remove`: the volume's records removed in one transaction (`vxedit -r rm`), after a stop with --force. */
async function removeVolume<G>(op: OperationContext<G>, volume: string): Promise<void> {
  const { c, dg, k, g, o } = op
  // without --force the server refuses a started volume (VM_VOL_ENABLED) and a name that is no record (VM_NOT_FOUND)
  const v = o.force ? (await c.call('GET /api/dgs/:dg', { dg })).config.volumes.find((x) => x.v_name === volume) : undefined
  if (o.force && !v) throw new CliError(EXIT.NOT_FOUND, 'VM_NOT_FOUND', `no volume ${volume} in ${dg}`)
  const started = v !== undefined && v.v_kstate !== 'DISABLED'
  if (v && started && o.dryRun) {
    // the removal's own dry run needs the volume stopped: the stop's, and the records from the view
    const stop = await c.call('POST /api/dgs/:dg/volumes/:volume/stop', { dg, volume }, { force: true, dryRun: true })
    const view = (await c.call('GET /api/dgs/:dg', { dg })).config
    const plexes = view.plexes.filter((p) => p.pl_v_name === volume)
    const sds = view.subdisks.filter((sd) => plexes.some((p) => p.pl_name === sd.sd_pl_name))
    const records = [...sds.map((sd) => ({ kind: 'sd', name: sd.sd_name })), ...plexes.map((p) => ({ kind: 'pl', name: p.pl_name })), { kind: 'v', name: volume }]
    return k.out(g, { dryRun: true, stop, remove: records }, () => [`would stop ${volume} (it is ${v.v_kstate}), then remove (dry run, nothing changed):`, ...records.map((r) => `  delete ${r.kind} ${r.name}`)].join('\n'))
  }
  if (started) await c.call('POST /api/dgs/:dg/volumes/:volume/stop', { dg, volume }, { force: true })
  const r = await c.call('POST /api/dgs/:dg/records/:name/remove', { dg, name: volume }, { recursive: true, ...op.dry })
  k.out(g, r, () => (r.dryRun ? k.changesText(r) : `${k.changesText(r)}\nremoved volume ${volume}${started ? ' (stopped first)' : ''}`))
}

/** Adds `plexa dg adddisk` and `plexa dg rmdisk` to the `dg` command. */
export function addMembershipVerbs<G>(dgCmd: Command, k: VerbKit<G>): void {
  operationVerb(dgCmd, k, {
    name: 'adddisk',
    description: 'vxdg adddisk: add a disk to the group, an existing device (an absolute path: image file or block device, or an nbd:// URL; `plexa disk free` lists the blank images of the data directory) or, with --size, a new image file in the data directory; a device that holds data is refused (VM_HAS_DATA) unless --force',
    args: [['[path]', 'the device (absolute path or nbd:// URL); omit it with --size']],
    options: [
      ['--name <disk>', 'the disk media name (default: the next diskNN)'],
      ['--size <size>', 'a new image file of this size instead of PATH (sectors, or bytes with k/m/g/t)'],
      ['--force', 'use the device even though it holds data'],
    ],
    wait: NO_TASK,
    dryRun: 'show what would change (a path is opened read-only)',
    run: async (op, path) => {
      const { c, dg, o } = op
      if ((path === undefined) === (o.size === undefined)) throw usageError('give exactly one of PATH (an existing device) or --size SIZE (a new image file)')
      const name = o.name ?? nextDiskName((await c.call('GET /api/dgs/:dg', { dg })).config.disks.map((d) => d.dm_name))
      const device = path !== undefined ? { path } : { sizeBytes: parseSize(o.size!) * 512 }
      const r = await c.call('POST /api/dgs/:dg/disks', { dg }, { name, ...device, ...(o.force ? { force: true } : {}), ...op.dry })
      op.k.out(op.g, { ...r, disk: name }, () => (r.dryRun ? op.k.changesText(r) : `${op.k.changesText(r)}\nadded ${name} to ${dg}`))
    },
  })
  operationVerb(dgCmd, k, {
    name: 'rmdisk',
    description: 'vxdg rmdisk: remove a disk that holds no subdisk from the group (VM_BUSY_ASSOC while one is there: evacuate it first); its device is free again',
    args: [['<disk>']],
    wait: NO_TASK,
    dryRun: 'show what would change',
    run: async (op, disk) => {
      const r = await op.c.call('POST /api/dgs/:dg/disks/:disk/remove', { dg: op.dg, disk: disk! }, op.dry)
      op.k.out(op.g, r, () => (r.dryRun ? op.k.changesText(r) : `${op.k.changesText(r)}\nremoved ${disk} from ${op.dg}`))
    },
  })
}

/** The first diskNN (two digits at least) no disk of the group is named. */
export function nextDiskName(names: readonly string[]): string {
  const taken = new Set(names)
  for (let i = 1; ; i++) {
    const n = `disk${String(i).padStart(2, '0')}`
    if (!taken.has(n)) return n
  }
}
