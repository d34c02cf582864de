import type { AuditEntry, FinishedTask, ServerEvent } from '@plexa/protocol'
import { count, duration, failsWords, throttleText } from './format.ts'
import { formatBytes as bytes } from './units.ts'

/** How an entry reads at a glance: colour, icon and words agree. */
export type Tone = 'critical' | 'warning' | 'ok' | 'info'

export interface Sentence {
  text: string
  tone: Tone
  /** The filter it belongs to. */
  kind: 'alert' | 'change' | 'task' | 'audit' | 'lab'
}

const s = (v: unknown) => String(v ?? '')
/** " on disk01, disk02" for the disks an operation was given, nothing when the server chose. */
const onDisks = (d: unknown) => (Array.isArray(d) ? ` on ${d.map(s).join(', ')}` : '')
/** A grow's or shrink's new size: to its length (len), or by its change (by), sectors. */
const resize = (a: Record<string, unknown>) => (a.len !== undefined ? `to ${bytes(Number(a.len) * 512)}` : `by ${bytes(Number(a.by) * 512)}`)

/** What an audited operation did, as a sentence without its subject ("detached plex mirvol-02"). */
function auditVerb(e: AuditEntry): string {
  const a = e.args
  const force = a.force ? ' with Force' : ''
  switch (e.operation) {
    case 'POST /api/session':
      return 'logged in'
    case 'DELETE /api/session':
      return 'logged out'
    case 'POST /api/users':
      return `created user ${s(a.name)} (${s(a.role)})`
    case 'POST /api/tokens':
      return `created an API token "${s(a.label)}"`
    case 'POST /api/dgs/:dg/plexes/:plex/det':
      return `detached plex ${s(a.plex)}${force}`
    case 'POST /api/dgs/:dg/plexes/:plex/att':
      return `attached plex ${s(a.plex)} to ${s(a.volume)}`
    case 'POST /api/dgs/:dg/plexes/:plex/dis':
      return `dissociated plex ${s(a.plex)}${force}`
    case 'POST /api/dgs/:dg/plexes/:plex/cp':
      return `copied volume ${s(a.volume)} into plex ${s(a.plex)}`
    case 'POST /api/dgs/:dg/plexes/:plex/mv':
      return `replaced plex ${s(a.plex)} by ${s(a.newPlex)}`
    case 'POST /api/dgs/:dg/volumes/:volume/start':
      return `started volume ${s(a.volume)}`
    case 'POST /api/dgs/:dg/volumes/:volume/stop':
      return `stopped volume ${s(a.volume)}${force}`
    case 'POST /api/dgs/:dg/volumes/:volume/resync':
      return `started a resync of volume ${s(a.volume)}${force}`
    case 'POST /api/dgs/:dg/disks/:disk/resync':
      return `started a resync of disk ${s(a.disk)}${force}`
    case 'POST /api/dgs/:dg/volumes/:volume/verify':
      return `started a verify of volume ${s(a.volume)}`
    case 'POST /api/dgs/:dg/volumes/:volume/repair':
      return `started a repair of volume ${s(a.volume)} from plex ${s(a.source)}${Array.isArray(a.regions) ? ` (${count(a.regions.length, 'region')})` : ''}`
    case 'POST /api/dgs/:dg/volumes/:volume/mirror':
      return `added a mirror to volume ${s(a.volume)}${onDisks(a.disks)}`
    case 'POST /api/dgs/:dg/volumes/:volume/unmirror':
      return `removed ${a.plex ? `mirror ${s(a.plex)}` : 'a mirror'} of volume ${s(a.volume)}${force}`
    case 'POST /api/dgs/:dg/volumes/:volume/grow':
      return `grew volume ${s(a.volume)} ${resize(a)}`
    case 'POST /api/dgs/:dg/volumes/:volume/shrink':
      return `shrank volume ${s(a.volume)} ${resize(a)}${force}`
    case 'POST /api/dgs/:dg/volumes/:volume/addlog':
      return `added a log to volume ${s(a.volume)}${onDisks(a.disks)}`
    case 'POST /api/dgs/:dg/volumes/:volume/rmlog':
      return `removed ${a.plex ? `log ${s(a.plex)}` : 'a log'} of volume ${s(a.volume)}`
    case 'POST /api/dgs/:dg/disks/:disk/evacuate':
      return `evacuated disk ${s(a.disk)}${Array.isArray(a.to) ? ` to ${a.to.map(s).join(', ')}` : ''}`
    case 'POST /api/dgs/:dg/disks':
      return `added disk ${s(a.name)} to ${s(a.dg)}`
    case 'POST /api/dgs/:dg/disks/:disk/remove':
      return `removed disk ${s(a.disk)} from ${s(a.dg)}`
    case 'POST /api/dgs/:dg/disks/:disk/replace':
      return `replaced disk ${s(a.disk)}`
    case 'PATCH /api/dgs/:dg/records/:name':
      return `set ${Object.entries((a.fields ?? {}) as Record<string, unknown>).map(([k, v]) => `${k} = "${s(v)}"`).join(', ')} on ${s(a.name)}`
    case 'POST /api/dgs/:dg/records/:name/rename':
      return `renamed ${s(a.name)} to ${s(a.newName)}`
    case 'POST /api/dgs/:dg/records/:name/remove':
      return `removed ${s(a.name)}${a.recursive ? ' and what it holds' : ''}`
    case 'POST /api/dgs/:dg/records':
      return `created records in ${s(a.dg)}`
    case 'POST /api/dgs/:dg/assist':
      return `created volume ${s(a.name)} (${s(a.layout ?? 'concat')}, ${bytes(Number(a.len) * 512)})`
    case 'POST /api/dgs/:dg/mend':
      return `ran mend ${s(a.op)} on ${s(a.name)}`
    case 'POST /api/tasks/:task/pause':
      return `paused task ${s(a.task)}`
    case 'POST /api/tasks/:task/resume':
      return `resumed task ${s(a.task)}`
    case 'POST /api/tasks/:task/abort':
      return `aborted task ${s(a.task)}`
    case 'POST /api/tasks/:task/throttle':
      return `set the throttle of task ${s(a.task)} to ${throttleText(Number(a.bytesPerSecond))}`
    case 'POST /api/alerts/:alert/ack':
      return `acknowledged alert #${s(a.alert)}`
    case 'POST /api/alerts/ack':
      return Array.isArray(a.ids) ? `acknowledged alerts ${a.ids.map((id) => `#${s(id)}`).join(', ')}` : 'acknowledged every open alert'
    case 'POST /api/lab/dgs/:dg/disks/:disk/fail':
      return `failed disk ${s(a.disk)} (lab: ${failsWords(s(a.mode))})`
    case 'POST /api/lab/dgs/:dg/disks/:disk/restore':
      return `restored disk ${s(a.disk)} (lab)`
    case 'POST /api/lab/dgs/:dg/disks/:disk/latency':
      return `set the latency of disk ${s(a.disk)} to ${s(a.ms)} ms (lab)`
    case 'POST /api/lab/load':
      return `started a write load on ${s(a.volume)} (lab)`
    case 'POST /api/lab/load/stop':
      return `stopped the write load on ${s(a.volume)} (lab)`
    case 'POST /api/dgs/:dg/deport':
      return `deported disk group ${s(a.dg)}`
    case 'POST /api/imports/:dg':
      return `imported disk group ${s(a.dg)}${a.force ? ' without its missing disks' : ''}${a.clearImport ? ' (clearing the import of another host)' : ''}`
    case 'POST /api/dgs/:dg/disks/:disk/relocate':
      return `relocated ${Array.isArray(a.plexes) ? `plex ${a.plexes.map(s).join(', ')}` : 'the failed plexes'} off disk ${s(a.disk)}`
    case 'POST /api/dgs/:dg/disks/:disk/unrelocate':
      return `moved the subdisks relocated off disk ${s(a.disk)} back${a.to ? ` to ${s(a.to)}` : ''}${a.force ? ' (force: elsewhere on the disk where their place is taken)' : ''}`
    case 'POST /api/dgs/:dg/subdisks/:sd/assoc':
      return `associated subdisk ${s(a.sd)} with plex ${s(a.plex)}`
    case 'POST /api/dgs/:dg/subdisks/:sd/aslog':
      return `associated subdisk ${s(a.sd)} as the log of plex ${s(a.plex)}`
    case 'POST /api/dgs/:dg/subdisks/:sd/dis':
      return `dissociated subdisk ${s(a.sd)}`
    case 'POST /api/dgs/:dg/volumes/:volume/init':
      return `initialised volume ${s(a.volume)} (${s(a.type)}${a.plex ? ` from plex ${s(a.plex)}` : ''})`
    default:
      return filledRoute(e.operation, a)
  }
}

/**
 * An operation no sentence knows yet, as the request was made: the route with its path filled in
 * ("POST /api/dgs/dg1/volumes/catvol/mirror") and the rest of its arguments (rule 382).
 */
function filledRoute(operation: string, a: Record<string, unknown>): string {
  const rest = { ...a }
  const path = operation.replace(/:([A-Za-z]+)/g, (m, k: string) => {
    if (!(k in a)) return m
    delete rest[k]
    return encodeURIComponent(s(a[k]))
  })
  return Object.keys(rest).length ? `${path} ${JSON.stringify(rest)}` : path
}

/** "admin detached plex mirvol-02", "(dry run)" when nothing changed, the code when it failed. */
export function describeAudit(e: AuditEntry): string {
  const dry = e.args.dryRun ? ' (dry run, nothing changed)' : ''
  return `${e.user} ${auditVerb(e)}${dry}${e.result === 'ok' ? '' : ` — refused: ${e.result}`}`
}

/** What a finished task did, in one line. */
export function describeTask(t: FinishedTask): string {
  const vols = t.volumes.length > 1 || !t.target.endsWith(` ${t.volumes[0]}`) ? ` (${t.volumes.join(', ')})` : ''
  const took = t.startedAt !== undefined ? ` in ${duration((t.finishedAt - t.startedAt) / 1000)}` : ''
  const by = t.startedBy === 'automatic' ? ' (started automatically)' : t.startedBy === 'restart' ? ' (resumed after a server restart)' : ''
  const head = `${t.kind} of ${t.target}${vols}${by}`
  // what it wrote to its target plexes, each counted (rule 272): a copy to two plexes writes twice
  const wrote = t.sync?.bytesWritten !== undefined ? `, ${bytes(t.sync.bytesWritten)} written` : ''
  if (t.outcome === 'aborted') return `${head} aborted after ${bytes(t.doneBytes)} of ${bytes(t.totalBytes)}`
  if (t.outcome === 'interrupted') return `${head} interrupted: the server stopped while it ran${t.continuedAs ? `; ${t.continuedAs} continues it` : ''}`
  if (t.outcome === 'failed') {
    const left = t.sync?.failedCount ? `; ${count(t.sync.failedCount, 'region')} not copied` : ''
    return `${head} failed ${t.code ?? ''}: ${t.message ?? ''}${left}${wrote && `;${wrote.slice(1)}`}`
  }
  if (t.verify) return t.verify.mismatchCount ? `${head}: ${count(t.verify.mismatchCount, 'region')} where the plexes differ, of ${t.verify.regionsChecked} checked${took}` : `${head}: all ${t.verify.regionsChecked} regions agree${took}`
  if (t.sync) return `${head} ok: ${bytes(t.sync.bytesCopied)} copied (${count(t.sync.regionsCopied, 'region')})${wrote}${took}`
  // a task without a report (one the engine started on its own): what its progress counted
  return `${head} ok${t.doneBytes ? `: ${bytes(t.doneBytes)} copied` : ''}${took}`
}

/** A task's tone: failed, or a verify that found differences, is critical (red ✕), as the alerts of the same problems are. */
export function taskTone(t: FinishedTask): Tone {
  if (t.outcome === 'failed' || t.verify?.mismatchCount) return 'critical'
  return t.outcome === 'aborted' || t.outcome === 'interrupted' ? 'info' : 'ok'
}

const OPS: Record<string, string> = {
  'pl.det': 'plex detach', 'pl.att': 'plex attach', 'pl.dis': 'plex dissociate', 'pl.mv': 'plex move', 'pl.make': 'plex created', 'v.start': 'volume start', 'v.stop': 'volume stop', 'v.resync': 'resync started', 'v.resync.done': 'resync done', 'v.recovery.done': 'recovery done', 'v.make': 'volume created', 'kernel.error': 'kernel detach after an I/O error', 'drl.badlog': 'dirty region log failed', set: 'fields changed', rename: 'rename', rm: 'removal', make: 'records created', 'assist.make': 'volume created', 'dg.adddisk': 'disk added', 'dg.rmdisk': 'disk removed', 'dg.repldisk': 'disk replaced', 'sd.assoc': 'subdisk associated', 'sd.dis': 'subdisk dissociated', 'sd.aslog': 'log subdisk associated', 'sd.make': 'subdisk created',
}

/**
 * What a commit did, in words: an I/O error's commit is a kernel detach only when it detached a
 * plex or the volume (its kernel state changed); otherwise it only recorded the error (lasterr).
 */
function operationWords(e: Extract<ServerEvent, { type: 'config.committed' }>): string {
  if (e.operation !== 'kernel.error') return OPS[e.operation] ?? e.operation
  const detached = e.changes.filter((c) => c.fields.includes('pl_kstate') || c.fields.includes('v_kstate')).map((c) => `${KIND[c.kind]} ${c.name}`)
  return detached.length ? `kernel detach of ${detached.join(', ')} after an I/O error` : 'I/O error recorded (nothing detached)'
}

const KIND = { dg: 'disk group', dm: 'disk', sd: 'subdisk', pl: 'plex', v: 'volume' } as const

/** The disk(s) whose I/O failed (rule 173); an event recorded before the server said so names the plex's disks. */
function failedOn(e: Extract<ServerEvent, { type: 'io.error' }>): string {
  const disks = e.failedDisks?.length ? e.failedDisks : e.disk.split(',').filter(Boolean)
  return `${disks.length > 1 ? 'disks' : 'disk'} ${disks.join(', ')}`
}

/** One event of the log as a sentence for people, with its tone and filter. */
export function describeEvent(e: ServerEvent): Sentence {
  switch (e.type) {
    case 'alert.raised':
      return { kind: 'alert', tone: e.alert.severity, text: `${e.alert.severity.toUpperCase()} ${e.alert.code}: ${e.alert.message}${e.alert.count > 1 ? ` (seen ${e.alert.count} times)` : ''}` }
    case 'alert.acked':
      return { kind: 'alert', tone: 'info', text: `${e.alert.acked?.by ?? 'someone'} acknowledged alert #${e.alert.id}: ${e.alert.message}` }
    case 'alert.resolved':
      return { kind: 'alert', tone: 'info', text: `alert #${e.alert.id} resolved: ${e.alert.resolved?.why ?? 'the problem is over'} (${e.alert.message})` }
    case 'alert':
      return { kind: 'alert', tone: e.severity, text: `${e.severity.toUpperCase()} ${e.code}: ${e.message}` }
    case 'io.error':
      // a flush has no range: "flush of 0 B at 0 B" said nothing true
      return { kind: 'alert', tone: 'warning', text: `I/O error: ${e.op === 'flush' ? 'a flush' : `${e.op} of ${bytes(e.length)} at ${bytes(e.offset)}`} failed on plex ${e.plex} (${failedOn(e)}) of ${e.volume}: ${e.code}` }
    case 'kstate.changed':
      return { kind: 'change', tone: e.to === 'ENABLED' ? 'ok' : e.to === 'DETACHED' ? 'warning' : 'info', text: `${e.kind === 'pl' ? 'plex' : 'volume'} ${e.name} went from ${e.from} to ${e.to}` }
    case 'config.committed': {
      const names = e.changes.slice(0, 4).map((c) => `${KIND[c.kind]} ${c.name} ${c.op === 'create' ? 'created' : c.op === 'delete' ? 'removed' : 'updated'}`)
      const more = e.changes.length > 4 ? ` and ${e.changes.length - 4} more` : ''
      return { kind: 'change', tone: 'info', text: `${e.dg}: ${operationWords(e)} committed (tid ${e.tid})${names.length ? `: ${names.join(', ')}${more}` : ''}` }
    }
    case 'task.done':
      return { kind: 'task', tone: taskTone(e.task), text: describeTask(e.task) }
    case 'task.finished':
      return { kind: 'task', tone: e.outcome === 'ok' ? 'ok' : 'warning', text: `${e.kind} of ${e.volume} ${e.outcome}${e.code ? ` ${e.code}` : ''}` }
    case 'task.progress':
      return { kind: 'task', tone: 'info', text: `${e.kind} of ${e.volume}: ${bytes(e.doneBytes)} of ${bytes(e.totalBytes)}` }
    case 'audit':
      return { kind: 'audit', tone: e.entry.result === 'ok' ? 'info' : 'warning', text: describeAudit(e.entry) }
    case 'lab.disk':
      return { kind: 'lab', tone: e.failed === 'none' ? 'ok' : 'warning', text: e.failed === 'none' ? `lab: disk ${e.disk} works again${e.latencyMs ? ` (latency ${e.latencyMs} ms)` : ''}` : `lab: disk ${e.disk} now fails ${failsWords(e.failed)}` }
    case 'lab.load':
      return { kind: 'lab', tone: 'info', text: `lab: write load on ${e.volume} ${e.running ? 'running' : 'stopped'} (${e.writes} writes, ${e.errors} errors)` }
    case 'dg.state':
      return { kind: 'change', tone: e.state === 'forced-offline' ? 'critical' : 'info', text: `disk group ${e.dg} is ${e.state === 'forced-offline' ? 'forced offline' : e.state}` }
    case 'dg.maps':
      return { kind: 'change', tone: 'info', text: `${e.dg}: dirty and stale maps refreshed` }
    case 'dg.failing': {
      const disks = Object.entries(e.failing).map(([disk, f]) => `${disk} fails ${failsWords(f)}`)
      return disks.length ? { kind: 'alert', tone: 'warning', text: `${e.dg}: the engine refuses I/O to disks whose device fails: ${disks.join(', ')}` } : { kind: 'change', tone: 'ok', text: `${e.dg}: every disk's device answers again` }
    }
  }
}
