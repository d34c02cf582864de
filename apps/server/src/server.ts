import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Clock, continueTaskIds, systemClock } from '@plexa/engine'
import { createApp } from './app.ts'
import { type AuditAppend, AuditLog } from './audit.ts'
import { DeviceCookies } from './auth/deviceCookies.ts'
import { LoginLimiter, type LoginLimiterOptions } from './auth/loginLimiter.ts'
import { Sessions } from './auth/sessions.ts'
import { Users } from './auth/users.ts'
import { allowedHosts } from './http/hostCheck.ts'
import { Lab } from './lab.ts'
import { Metrics } from './metrics.ts'
import { type ServeOptions, isLoopback } from './options.ts'
import { IoErrorEnricher } from './ioErrorDisks.ts'
import { PortBusyError, assertPortsFree } from './portsFree.ts'
import { History, type HistoryOptions } from './history/history.ts'
import { type GroupNow, alertOver } from './history/alertResolution.ts'
import { FailingDisksWatch } from './failingDisks.ts'
import { VolumeFailures } from './history/volumeFailures.ts'
import { HotRelocation } from './hotRelocation.ts'
import { failingMarks } from './history/failingMarks.ts'
import { type Services, snapshot, taskMeta } from './services.ts'
import { Storage } from './storage.ts'
import { Hub } from './ws/hub.ts'
import { parseExportPolicy } from './nbd/exportPolicy.ts'
import { type NbdExport, NbdServer, type NbdServerOptions } from './nbd/nbdServer.ts'
import { createPskFile, loadNbdTls } from './nbd/tls.ts'

export interface RunningServer {
  url: string
  /** Port of the NBD export server. */
  nbdPort: number
  nbd: NbdServer
  services: Services
  /** Hot relocation (vxrelocd) of plexes whose I/O fails on a disk; `idle()` waits for what it queued. */
  hotRelocation: HotRelocation
  /** With --demo: a one-click login URL for admin, its one-time token valid for 10 minutes. */
  loginUrl?: string
  /** Stops volumes cleanly (logs marked clean), closes connections and the groups. */
  close(): Promise<void>
}

export interface StartOptions extends ServeOptions {
  clock?: Clock
  sessionTtlMs?: number
  log?: (line: string) => void
  /** Extra allowed browser origins (a dev server, for example). */
  origins?: string[]
  pingMs?: number
  hub?: { ringSize?: number; ringBytes?: number; highWater?: number; maxPending?: number }
  loginLimits?: LoginLimiterOptions
  /** NBD limits (tests make them small). */
  nbd?: Omit<NbdServerOptions, 'tls'>
  /** How audit lines reach the file (tests inject a full disk). */
  auditAppend?: AuditAppend
  /** Bounds of the kept history (tests use small ones). */
  history?: Pick<HistoryOptions, 'events' | 'tasks' | 'alerts'>
}

/**
 * The built web app: next to the compiled code in a packed `plexa` (its web/), or apps/web/dist in
 * the repository (seen from apps/server/src, apps/server/dist and apps/cli/dist alike).
 */
const WEB_DIRS = ['../web', '../../web/dist'].map((p) => fileURLToPath(new URL(p, import.meta.url)))

/**
 * NBD TLS as configured: `require` by default when the NBD port listens beyond loopback (with a PSK
 * file created in the data directory when no credentials are given), `on` when credentials are
 * given on loopback, otherwise off.
 */
async function nbdTls(o: StartOptions, log: (l: string) => void): Promise<Pick<NbdServerOptions, 'tls'>> {
  const creds = o.nbdTlsPsk !== undefined || o.nbdTlsCertificates !== undefined
  const mode = o.nbdTls ?? (!isLoopback(o.host) ? 'require' : creds ? 'on' : 'off')
  if (mode === 'off') {
    if (!isLoopback(o.host)) log(`warning: NBD listens on ${o.host} without TLS (--nbd-tls off): anyone who reaches the port reads and writes the exported volumes`)
    return {}
  }
  let pskFile = o.nbdTlsPsk
  if (!creds) {
    pskFile = join(o.dataDir, 'nbd-tls.psk')
    if (!existsSync(pskFile)) {
      await createPskFile(pskFile)
      log(`created an NBD TLS pre-shared key for identity plexa in ${pskFile}`)
    }
  }
  return { tls: await loadNbdTls(mode, { pskFile, certificatesDir: o.nbdTlsCertificates }) }
}

/** The events after which an open alert's problem may be over. */
const RESOLVE_ON = new Set<string>(['config.committed', 'kstate.changed', 'task.done', 'lab.disk', 'dg.state', 'dg.maps'])

/** `plexa serve`: opens the data directory, creates the demo if asked, and listens. */
export async function startServer(o: StartOptions): Promise<RunningServer> {
  const clock = o.clock ?? systemClock
  const log = o.log ?? ((l: string) => console.log(l))
  await assertPortsFree(o.host, [{ what: 'HTTP', port: o.port }, { what: 'NBD', port: o.nbdPort }])
  const storage = new Storage(o.dataDir, clock)
  await storage.open()
  for (const p of storage.problems) log(`warning: skipping ${p.disk}: ${p.code} ${p.reason}`)
  for (const f of storage.free) log(`free disk ${f.path} (${f.sizeBytes >> 20} MiB): uninitialised, in no disk group (a removed disk; vxdisk: online invalid): add it to a group with POST /api/dgs/DG/disks {"name", "path"}`)
  if (storage.groups.size === 0 && storage.pending.size === 0 && o.demo) {
    log('creating the demo disk group demodg (six sparse 1 GiB image files)')
    await storage.createDemo()
  }
  const users = new Users(o.dataDir)
  await users.load()
  if (users.empty) {
    const password = randomBytes(12).toString('base64url')
    await users.addUser('admin', password, 'admin')
    const token = await users.addToken('admin', 'first start')
    await writeFile(join(o.dataDir, 'admin-credential.txt'), `user: admin\npassword: ${password}\ntoken: ${token}\n`, { mode: 0o600 })
    log(`created the admin user; its password and API token are in ${join(o.dataDir, 'admin-credential.txt')}`)
  }
  const sessions = new Sessions(clock, o.sessionTtlMs, join(o.dataDir, 'sessions.json'))
  await sessions.load(log)
  let hub: Hub | undefined
  const history = new History({ dataDir: o.dataDir, clock, publish: (body) => hub!.publish(body), ...(o.history ?? {}) })
  await history.load()
  // before any volume starts (recovers) or a resync continues: no task takes an id the history holds
  continueTaskIds(history.highestTaskNumber())
  const audit = new AuditLog(o.dataDir, clock, (entry) => hub?.publish({ type: 'audit', entry }), o.auditAppend)
  await audit.load()
  // the NBD server starts after the HTTP server; its connections count from then
  let nbdRef: NbdServer | undefined
  const metrics = new Metrics({
    storage,
    websocketClients: () => hub?.clientCount ?? 0,
    nbdConnections: () => {
      const byExport = new Map<string, number>()
      for (const c of nbdRef?.connections() ?? []) if (c.exportName !== undefined) byExport.set(c.exportName, (byExport.get(c.exportName) ?? 0) + 1)
      return byExport
    },
  })
  const lab = new Lab(o.lab, storage, (e) => hub?.publish(e), (dg, volume, bytes, seconds) => metrics.observeIo(dg, volume, 'write', bytes, seconds), () => clock.now())
  // a lab failure outlives the restart, on its device before any volume starts (rule 385)
  await lab.load(log)
  const services: Services = {
    clock,
    storage,
    users,
    sessions,
    limiter: new LoginLimiter(clock, o.loginLimits),
    devices: new DeviceCookies(),
    audit,
    hub: undefined as unknown as Hub,
    lab,
    metrics,
    history,
    origins: new Set(o.origins ?? []),
    version: '0.1.0',
  }
  hub = new Hub({ clock, snapshot: () => snapshot(services), ...(o.hub ?? {}) })
  services.hub = hub
  hub.subscribe((e, frameBytes) => history.record(e, frameBytes))
  // a volume that fails raises a critical alert (rule 294); an alert whose problem is over is
  // resolved for good, so the problem coming back is a new alert (rule 295)
  const failures = new VolumeFailures(
    (dg) => storage.groups.get(dg)?.dg.config(),
    (a) => history.engine(a.dg, { type: 'alert', dg: a.dg, severity: 'critical', code: 'VM_IO', message: a.message, object: a.volume }),
  )
  const resolveAlerts = () => {
    if (!history.alerts.unresolvedCount) return
    // each group as it is now, read once for the whole pass
    const nows = new Map<string, GroupNow | undefined>()
    const nowOf = (dg: string) => {
      if (!nows.has(dg)) {
        const g = storage.groups.get(dg)?.dg
        nows.set(dg, g && { config: g.config(), forcedOffline: g.forcedOffline, stale: g.staleMaps(), failedDisks: new Set(lab.view().disks.filter((d) => d.dg === dg && d.failed !== 'none').map((d) => d.disk)) })
      }
      return nows.get(dg)
    }
    const finished = history.tasks.page(50)
    history.resolveAlerts((a) => alertOver(a, nowOf(a.dg), finished, (volume) => failures.takeOver(a.dg, volume)))
  }
  // a plex whose I/O failed on a disk is relocated off it (vxrelocd), unless the group says hotreloc=off
  const hotRelocation = new HotRelocation((dg) => storage.groups.get(dg)?.dg, log)
  // a disk marked FAILING (what hot relocation leaves) is named with its fix (rule 429)
  const failingMark = failingMarks((a) => history.engine(a.dg, { type: 'alert', dg: a.dg, severity: 'warning', code: 'VM_DISK_FAILED', message: a.message, object: a.disk }))
  let resolving = false
  hub.subscribe((e) => {
    failures.onEvent(e)
    hotRelocation.onEvent(e)
    failingMark(e)
    if (!RESOLVE_ON.has(e.type) || resolving) return
    // once for a burst of events, after the one that may end a problem has been sent
    resolving = true
    setImmediate(() => {
      resolving = false
      resolveAlerts()
    })
  })
  // an I/O error names the disks whose I/O failed, not every disk of its plex (rule 173)
  const ioErrors = new IoErrorEnricher(
    (dg) => storage.groups.get(dg),
    (dg, disk, op) => lab.view().disks.some((d) => d.dg === dg && d.disk === disk && (d.failed === 'both' || (op === 'read' ? d.failed === 'read' : d.failed === 'write'))),
  )
  const offEvents = storage.onEvent((dg, e) => {
    metrics.onEvent(dg, e)
    const { seq: _seq, at: _at, ...body } = e
    history.engine(dg, ioErrors.enrich(dg, body))
  })
  // DRL and stale maps change with every write: publish them when they change, once a second.
  const lastMaps = new Map<string, string>()
  const maps = setInterval(() => {
    for (const g of storage.groups.values()) {
      // only the maps: no copy of the configuration
      const dirty = g.dg.dirtyMaps()
      const stale = g.dg.staleMaps()
      const key = JSON.stringify([dirty, stale])
      if (lastMaps.get(g.dg.name) === key) continue
      lastMaps.set(g.dg.name, key)
      hub!.publish({ type: 'dg.maps', dg: g.dg.name, dirty, stale })
    }
  }, 1000)
  // the disks the engine knows fail every read or write: published as they change (rule 409)
  const failing = new FailingDisksWatch(() => [...storage.groups.values()].map((g) => g.dg), (body) => hub!.publish(body))
  hub.subscribe((e) => failing.onEvent(e))
  const labAllowed = o.lab && (isLoopback(o.host) || o.labRemote)
  if (o.lab && !labAllowed) log(`lab mode stays off: ${o.host} is not a loopback address (use --lab-remote to allow it)`)
  const staticDir = WEB_DIRS.find((d) => existsSync(join(d, 'index.html')))
  const server = createApp(services, { labAllowed, hosts: allowedHosts(o.host, o.allowedHosts), ...(staticDir ? { staticDir } : {}), ...(o.pingMs ? { pingMs: o.pingMs } : {}) })
  await new Promise<void>((resolve, reject) => {
    // taken between the check and now: the same refusal
    server.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'EADDRINUSE' ? new PortBusyError('HTTP', o.host, o.port, { cause: e }) : e))
    server.listen(o.port, o.host, () => resolve())
  })
  const policy = parseExportPolicy(o.nbdExports)
  const nbd = new NbdServer(
    {
      exports() {
        const out = new Map<string, NbdExport>()
        for (const g of storage.groups.values()) {
          for (const v of g.dg.config().volumes) {
            const how = v.v_kstate === 'ENABLED' ? policy.lookup(g.dg.name, v.v_name) : undefined
            if (!how) continue
            const e = { dg: g.dg, volume: v.v_name, readOnly: how.readOnly }
            out.set(`${g.dg.name}/${v.v_name}`, e)
            if (!out.has(v.v_name)) out.set(v.v_name, e)
          }
        }
        return out
      },
    },
    { ...(await nbdTls(o, log)), ...(o.nbd ?? {}), onIo: (dg, volume, op, bytes, seconds) => metrics.observeIo(dg, volume, op, bytes, seconds) },
  )
  nbdRef = nbd
  // a stopped volume's NBD connections end
  const offNbd = storage.onEvent((dg, e) => {
    if (e.type === 'kstate.changed' && e.kind === 'v' && e.to !== 'ENABLED') {
      nbd.endExport(e.name)
      nbd.endExport(`${dg}/${e.name}`)
    }
  })
  const nbdPort = await nbd.listen(o.nbdPort, o.host)
  const addr = server.address() as AddressInfo
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address
  const url = `http://${host}:${addr.port}`
  // start every volume (recovering what a crash left), then continue interrupted resyncs
  void storage
    .startAll((dg, volume, e) => log(`could not start ${dg}/${volume}: ${(e as { code?: string }).code ?? e}`))
    .then(async () => {
      // the tasks the last run left running, each recorded interrupted with the one continuing it (rule 425)
      const continuedAs = new Map<string, string>()
      for (const g of storage.groups.values()) {
        // the ones resumeInterrupted continues, in its order (a resync of a stopped volume waits)
        const interrupted = g.dg.interruptedTasks().filter((t) => t.kind !== 'resyncVolume' || g.dg.config().volumes.some((v) => v.v_name === t.target && v.v_kstate === 'ENABLED'))
        // claimed within `starting`: the first may end while the next one starts
        await history.starting(async () => {
          for (const [i, h] of (await g.dg.resumeInterrupted().catch(() => [])).entries()) {
            const t = interrupted[i]
            const meta = t ? taskMeta(g.dg, t.kind === 'resyncDisk' ? { disk: t.target } : { volume: t.target }) : { target: 'interrupted resync', volumes: [] }
            const before = history.interrupted().find((x) => x.dg === g.dg.name && x.kind === 'resync' && x.target === meta.target && !continuedAs.has(x.taskId))
            if (before) continuedAs.set(before.taskId, h.id)
            log(`continuing an interrupted resync${before ? ` (${before.taskId})` : ''}: ${h.id}`)
            history.claim(g.dg.name, h.id, 'resync', { ...meta, startedBy: 'restart', ...(before ? { continues: before.taskId } : {}) }, h.done)
          }
        })
        history.settleInterrupted(continuedAs, g.dg.name)
      }
    })
    .finally(() => history.settleInterrupted(new Map()))
  let closing: Promise<void> | undefined
  await writeFile(join(o.dataDir, 'server.json'), JSON.stringify({ url, nbd: `nbd://${o.host}:${nbdPort}`, pid: process.pid }, null, 2))
  const admin = users.list().find((u) => u.name === 'admin' && u.role === 'admin')
  const loginUrl = o.demo && admin ? `${url}/login?token=${sessions.oneTimeToken(admin)}` : undefined
  return {
    url,
    ...(loginUrl ? { loginUrl } : {}),
    nbdPort,
    nbd,
    services,
    hotRelocation,
    close() {
      closing ??= (async () => {
        clearInterval(maps)
        failing.close()
        offEvents()
        offNbd()
        await nbd.close()
        lab.stopAll()
        await lab.written()
        hub!.closeAll()
        await new Promise<void>((resolve) => server.close(() => resolve()))
        server.closeAllConnections()
        // the tasks the close aborts are interrupted: the next start records them so (rule 425)
        history.stopping()
        // entries of requests answered just before the close are still being appended
        await services.audit.written()
        await sessions.written()
        await storage.close()
        await hotRelocation.idle()
        await history.written().catch(() => {})
      })()
      return closing
    },
  }
}
