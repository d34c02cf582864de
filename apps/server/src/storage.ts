import { existsSync } from 'node:fs'
import { mkdir, readFile, readdir, rename, rm, unlink, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import {
  type BlockDevice,
  type Clock,
  type DeportReport,
  type DiskHeader,
  type EngineEvent,
  type FaultyDevice,
  DiskGroup,
  EngineError,
  createFaultyDevice,
  isEngineError,
  memberDiskIds,
  createImageFile,
  openDevicePath,
  probeDevice,
  readDiskHeader,
  thisImporter,
} from '@plexa/engine'
import type { PendingImport } from '@plexa/protocol'
import { DeportedGroups } from './deportedGroups.ts'

/** One imported disk group and the fault-injecting wrappers around its disks (lab mode). */
export interface ManagedGroup {
  dg: DiskGroup
  /** Disk media name -> its device wrapper. */
  devices: Map<string, FaultyDevice>
}

/** A disk found at start that could not be used: its path, a stable code and why. */
export interface DiskProblem {
  disk: string
  code: string
  reason: string
}

/**
 * An image file of the data directory that no group has and that holds nothing: a free,
 * uninitialised disk (`vxdisk list`: online invalid), such as one `vxdg rmdisk` removed (its private
 * region wiped, rule 225). It is added to a group again by its path (`POST /api/dgs/:dg/disks`).
 */
export interface FreeImage {
  path: string
  sizeBytes: number
  /**
   * Set when the image still holds the old header of a disk its group no longer has (replaced or
   * removed, the header not cleared: the device failed writes, rule 471): no member of the group,
   * reused with force.
   */
  formerly?: { dg: string; disk: string }
}

/**
 * A disk group found on the disks that is not imported, and why: the protocol's PendingImport
 * (VM_BUSY with `importedBy`, VM_MISSING_DISKS with `disks`, VM_SPLIT_BRAIN with `sides`, deported),
 * holding the image files and external disks that hold it as `paths` (the API's `devices`,
 * `pendingView`). An administrator imports it with `importGroup`.
 */
export interface PendingGroup extends Omit<PendingImport, 'devices'> {
  /** The image files and external disks that hold it. */
  paths: string[]
}

const GiB = 1 << 30

/** What an import choosing a configuration (selectcp) overruled on one side of a split brain (rule 350): said in the problems and its alert. */
export function overruledWords(dg: string, side: { disks: readonly string[]; tid: number; records?: readonly string[] }): string {
  return `the configuration of ${side.disks.join(', ')} of ${dg} (tid ${side.tid}) was overruled by the one chosen (selectcp); it held otherwise: ${side.records?.join(', ') || 'nothing else'}`
}

/** A group an administrator deported here: not imported (VM_OFFLINE) until imported again. */
function deportedEntry(name: string, paths: string[]): PendingGroup {
  return { name, code: 'VM_OFFLINE', reason: `disk group ${name} was deported: its disks name no importer, and it waits for an import (here, or on the host its disks are moved to)`, paths, deported: true }
}

/** What the problems say of a device holding the old header of a disk its group no longer has (rule 471). */
function formerWords(path: string, dg: string, disk: string): string {
  return `${path} holds the old header of disk ${disk} of ${dg}, which ${dg}'s configuration no longer has (the disk was replaced or removed): it is no member of ${dg} and does not say who holds it; remove the image, or add it to a group again with force`
}

function codeOf(e: unknown): string {
  return (e as { code?: string })?.code ?? 'VM_INTERNAL'
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/**
 * The disk groups of a data directory: every image file in `DIR/disks` is opened (wrapped so lab
 * mode can inject faults), grouped by its disk header, and imported. Volumes are started at
 * import, so a group that crashed recovers without an administrator (dirty regions only, with a
 * log).
 */
export class Storage {
  readonly groups = new Map<string, ManagedGroup>()
  readonly dataDir: string
  private readonly clock: Clock | undefined
  private listeners = new Set<(dg: string, e: EngineEvent) => void>()
  /** Disks found by the last `open` (image files and remembered external disks). */
  found = 0
  /** Disks `open` could not use, and why. */
  readonly problems: DiskProblem[] = []
  /** Groups found and not imported, by name. */
  readonly pending = new Map<string, PendingGroup>()
  /** Image files the last `open` found free and uninitialised (not problems: disks to add). */
  readonly free: FreeImage[] = []

  /** Image files the last `open` found holding a disk their group no longer has, by path (rule 471). */
  private readonly former = new Map<string, { dg: string; disk: string }>()

  /** The groups deported here, which a restart leaves deported (rule 451). */
  private readonly deported: DeportedGroups

  constructor(dataDir: string, clock?: Clock) {
    this.dataDir = dataDir
    this.deported = new DeportedGroups(dataDir)
    this.clock = clock
  }

  get disksDir(): string {
    return join(this.dataDir, 'disks')
  }

  onEvent(listener: (dg: string, e: EngineEvent) => void): () => void {
    this.listeners.add(listener)
    return () => void this.listeners.delete(listener)
  }

  private adopt(dg: DiskGroup, devices: Map<string, FaultyDevice>): void {
    this.groups.set(dg.name, { dg, devices })
    dg.subscribe((e) => {
      for (const l of this.listeners) l(dg.name, e)
    })
  }

  group(name: string): ManagedGroup {
    const g = this.groups.get(name)
    if (!g) throw new EngineError('VM_NOT_FOUND', `no disk group ${name}`)
    return g
  }

  /** Remote disks (nbd:// URLs) and block device paths the groups use, kept across restarts. */
  private get externalFile(): string {
    return join(this.dataDir, 'external-disks.json')
  }

  async externalDisks(): Promise<string[]> {
    try {
      return JSON.parse(await readFile(this.externalFile, 'utf8')) as string[]
    } catch {
      return []
    }
  }

  /**
   * Remembers a disk that lives outside the data directory (an NBD export, a block device); an
   * image file of the data directory (a free one added again) is found there at every start.
   */
  async rememberExternal(path: string): Promise<void> {
    if (this.isOwnImage(path)) return
    const list = await this.externalDisks()
    if (!list.includes(path)) await writeFile(this.externalFile, JSON.stringify([...list, path], null, 2))
  }

  /**
   * Imports every disk group found in the data directory (and its remembered external disks). A
   * disk that cannot be opened or holds no readable header, and a group that cannot be imported
   * (one stray image of another group, say), is skipped and listed in `problems`; the healthy groups
   * are served. A group this host had imported (its headers name this host: the server stopped or
   * crashed without deporting it) comes back even with disks missing, which import NODEVICE, as
   * vxconfigd's auto-import does (rule 130); any other group with disks missing, and a group another
   * host has imported, waits in `pending` for an administrator's import (force, clearImport). Only
   * another manager of this host holding the disks (VM_BUSY) stops the start.
   */
  private isOwnImage(path: string): boolean {
    return !path.startsWith('nbd://') && dirname(resolve(path)) === resolve(this.disksDir)
  }

  private async imageFiles(): Promise<string[]> {
    return (await readdir(this.disksDir)).filter((f) => f.endsWith('.img')).sort().map((f) => join(this.disksDir, f))
  }

  /**
   * The image files of the data directory that no group has and that hold nothing, as they are now
   * (a disk removed since the start is among them), and those holding only the old header of a
   * disk their group no longer has (`formerly`, rule 471): each is opened read-only; one a group
   * holds is locked or has its header, and is left out.
   */
  async freeImages(): Promise<FreeImage[]> {
    const out: FreeImage[] = []
    for (const path of await this.imageFiles()) {
      let dev: BlockDevice
      try {
        dev = await openDevicePath(path, { readOnly: true })
      } catch {
        continue // gone, or held
      }
      try {
        const header = await readDiskHeader(dev).catch(() => undefined)
        const formerly = header && this.formerDisk(path, header)
        if (formerly) out.push({ path, sizeBytes: dev.size, formerly })
        else if (!header && (await probeDevice(dev)).kind === 'blank') out.push({ path, sizeBytes: dev.size })
      } catch {
        // unreadable: a problem, not a free disk
      } finally {
        await dev.close()
      }
    }
    return out
  }

  /**
   * The disk an image's header names when its group no longer has that disk (rule 471): an imported
   * group's configuration says so; for a group not imported, what the last `open` found.
   */
  private formerDisk(path: string, header: DiskHeader): { dg: string; disk: string } | undefined {
    for (const { dg } of this.groups.values()) {
      const c = dg.config()
      if (c.dg.dg_dgid === header.dgid) return c.disks.some((d) => d.dm_diskid === header.diskid) ? undefined : { dg: dg.name, disk: header.dmname }
    }
    return this.former.get(path)
  }

  async open(): Promise<void> {
    await mkdir(this.disksDir, { recursive: true })
    await rm(this.demoBuildDir, { recursive: true, force: true }) // what a start killed mid-demo left
    const files = await this.imageFiles()
    // an image of the data directory is found there (older servers remembered a re-added one as external)
    const external = (await this.externalDisks()).filter((p) => !this.isOwnImage(p))
    this.problems.length = 0
    this.free.length = 0
    this.pending.clear()
    this.former.clear()
    this.found = files.length + external.length
    const here = thisImporter().hostid
    const deported = await this.deported.ids()
    const byGroup = new Map<string, { name: string; found: Array<{ path: string; dev: FaultyDevice; header: DiskHeader }> }>()
    for (const f of [...files, ...external]) {
      let dev: BlockDevice
      try {
        dev = await openDevicePath(f)
      } catch (e) {
        this.problems.push({ disk: f, code: codeOf(e), reason: messageOf(e) })
        continue // an external disk that is gone: its group imports without it
      }
      let header: DiskHeader | undefined
      try {
        header = await readDiskHeader(dev)
        if (!header) {
          // blank (a removed disk, rule 225; a new image): a free disk to add, not a problem
          const found = await probeDevice(dev)
          if (found.kind === 'blank') this.free.push({ path: f, sizeBytes: dev.size })
          else this.problems.push({ disk: f, code: 'VM_INV_DEVENT', reason: `no readable Plexa disk header, and it holds ${found.kind === 'signature' ? found.what : 'data'}` })
        }
      } catch (e) {
        this.problems.push({ disk: f, code: codeOf(e), reason: messageOf(e) })
      }
      if (!header) {
        await dev.close()
        continue
      }
      const g = byGroup.get(header.dgid) ?? { name: header.dgname, found: [] }
      g.found.push({ path: f, dev: createFaultyDevice(dev), header })
      byGroup.set(header.dgid, g)
    }
    for (const [dgid, g] of byGroup) {
      const current = await this.leaveOutFormer(g.name, g.found)
      const paths = current.map((f) => f.path)
      const devices = current.map((f) => f.dev)
      // only the group's current disks say who holds it (rule 471): an image of a disk replaced or removed since keeps its old header
      const ours = current.some((f) => f.header.hostid === here)
      // deported here and no header names an importer (a crash mid-deport leaves one naming this host: imported back)
      if (deported.includes(dgid) && !ours) {
        for (const d of devices) await d.close().catch(() => {})
        this.pending.set(g.name, deportedEntry(g.name, paths))
        continue
      }
      try {
        await this.importDevices(devices, { force: ours })
      } catch (e) {
        if (codeOf(e) === 'VM_BUSY' && !(e as EngineError).details?.importedBy) throw e
        this.leavePending(g.name, paths, e)
      }
    }
  }

  /**
   * A group's devices found at start without those that hold a disk its configuration no longer
   * has (replaced or removed since, its old header left: rule 471): each of those is closed,
   * listed in `problems` (VM_INV_DEVENT) and remembered as a former disk, which `freeImages` lists
   * for reuse with force. When no configuration can be chosen every device stays (the import says why).
   */
  private async leaveOutFormer<T extends { path: string; dev: FaultyDevice; header: DiskHeader }>(group: string, found: T[]): Promise<T[]> {
    const members = await memberDiskIds(found.map((f) => f.dev))
    if (!members) return found
    const current: T[] = []
    for (const f of found) {
      if (members.has(f.header.diskid)) {
        current.push(f)
        continue
      }
      await f.dev.close().catch(() => {})
      this.former.set(f.path, { dg: group, disk: f.header.dmname })
      this.problems.push({ disk: f.path, code: 'VM_INV_DEVENT', reason: formerWords(f.path, group, f.header.dmname) })
    }
    return current
  }

  /** Imports a group from its opened devices and serves it; the devices are closed when it fails. */
  private async importDevices(devices: FaultyDevice[], opts: { force?: boolean; clearImport?: boolean; selectcp?: string }): Promise<ManagedGroup> {
    try {
      const dg = await DiskGroup.import({ devices, ...opts, ...(this.clock ? { clock: this.clock } : {}) })
      for (const u of dg.unusableDisks()) {
        const what = u.disk ? `disk ${u.disk} of ${dg.name}` : `a disk of ${dg.name}`
        this.problems.push({ disk: u.device ?? u.disk, code: 'VM_MISSING_DISKS', reason: `${what} has no usable device (${u.reason}): imported without it, NODEVICE` })
      }
      for (const d of dg.droppedConfigs()) {
        this.problems.push({ disk: d.disks.join(', '), code: 'VM_SPLIT_BRAIN', reason: overruledWords(dg.name, d) })
      }
      this.adopt(dg, await this.deviceMap(dg, devices))
      return this.group(dg.name)
    } catch (e) {
      for (const d of devices) await d.close().catch(() => {})
      throw e
    }
  }

  private leavePending(name: string, paths: string[], e: unknown): void {
    const details = (e as EngineError).details
    this.pending.set(name, { name, code: codeOf(e), reason: messageOf(e), paths, ...(details?.importedBy ? { importedBy: details.importedBy } : {}), ...(details?.disks ? { disks: details.disks } : {}), ...(details?.sides ? { sides: details.sides } : {}) })
    for (const p of paths) this.problems.push({ disk: p, code: codeOf(e), reason: `group ${name} is not imported: ${messageOf(e)}` })
  }

  /**
   * vxdg import of a group found at start and not imported (`pending`): `force` (vxdg -f) brings it
   * up without its missing disks, `clearImport` (vxdg -C) takes it over from a host that is down,
   * `selectcp` (vxdg -o selectcp=DISKID) chooses the configuration after a split brain. A refusal leaves it pending with the new reason.
   */
  async importGroup(name: string, opts: { force?: boolean; clearImport?: boolean; selectcp?: string }): Promise<ManagedGroup> {
    const p = this.pending.get(name)
    if (!p) {
      if (this.groups.has(name)) throw new EngineError('VM_EXISTS', `disk group ${name} is already imported`)
      throw new EngineError('VM_NOT_FOUND', `no disk group ${name} waits to be imported`)
    }
    const devices: FaultyDevice[] = []
    try {
      for (const path of p.paths) {
        // a disk gone since (a deported group's image taken away): the import says it is missing (VM_MISSING_DISKS; force imports without it)
        if (!path.startsWith('nbd://') && !existsSync(path)) continue
        devices.push(createFaultyDevice(await openDevicePath(path)))
      }
    } catch (e) {
      for (const d of devices) await d.close().catch(() => {})
      throw e
    }
    try {
      const g = await this.importDevices(devices, opts)
      this.pending.delete(name)
      await this.deported.forget(g.dg.config().dg.dg_dgid)
      return g
    } catch (e) {
      // a deported group the import refuses (a disk missing, say) waits with that reason, as any other
      if (isEngineError(e)) this.pending.set(name, { name, paths: p.paths, code: e.code, reason: e.message, ...(e.details ?? {}) })
      throw e
    }
  }

  /**
   * vxdg deport of an imported group (rule 451): the engine refuses while a volume is started
   * (VM_VOL_ENABLED; an NBD export is of a started volume) or a task runs (VM_BUSY), changing
   * nothing; otherwise its headers name no importer, its devices are closed, and it waits in
   * `pending`, deported, for an import here or on another host. Remembered in the data directory:
   * a restart leaves it deported. A group found and not imported is refused VM_OFFLINE.
   */
  async deportGroup(name: string, opts: { dryRun?: boolean } = {}): Promise<DeportReport> {
    if (this.pending.has(name) && !this.groups.has(name)) throw new EngineError('VM_OFFLINE', `disk group ${name} is not imported: there is nothing to deport`)
    const g = this.group(name)
    const paths = g.dg.config().disks.map((d) => d.dm_device).filter((p) => p !== '')
    const dgid = g.dg.config().dg.dg_dgid
    const report = await g.dg.deport(opts)
    if (report.dryRun) return report
    this.groups.delete(name)
    await this.deported.remember(dgid)
    this.pending.set(name, deportedEntry(name, paths))
    return report
  }

  private async deviceMap(dg: DiskGroup, devices: FaultyDevice[]): Promise<Map<string, FaultyDevice>> {
    const map = new Map<string, FaultyDevice>()
    for (const d of devices) {
      const h = await readDiskHeader(d)
      const dm = h && dg.config().disks.find((x) => x.dm_diskid === h.diskid)
      if (dm) map.set(dm.dm_name, d)
    }
    return map
  }

  /** A new sparse image file in the data directory, opened and wrapped. */
  async newImage(fileName: string, size: number): Promise<FaultyDevice> {
    await mkdir(this.disksDir, { recursive: true })
    const path = join(this.disksDir, fileName)
    await createImageFile(path, size)
    try {
      return createFaultyDevice(await openDevicePath(path))
    } catch (e) {
      await this.discardImage(fileName)
      throw e
    }
  }

  /** Removes an image file `newImage` made for a disk add or replace that then failed. */
  async discardImage(fileName: string): Promise<void> {
    await unlink(join(this.disksDir, fileName)).catch(() => {})
  }

  /** Where the demo is built before it becomes the disks directory. */
  private get demoBuildDir(): string {
    return join(this.dataDir, 'disks.demo-build')
  }

  /**
   * The demo: `demodg` on six sparse 1 GiB image files with a 2-way mirror with a DRL log, a
   * stripe, a mirror of stripes and a concat, each holding some data. All or nothing: it is built
   * in a directory of its own that replaces the (empty) disks directory in one rename, so a start
   * killed halfway leaves no disk behind, and the next start builds it again.
   */
  async createDemo(): Promise<void> {
    if (this.found > 0) {
      const list = [...this.problems.map((p) => `${p.disk}: ${p.code} ${p.reason}`), ...this.free.map((f) => `${f.path}: a free, uninitialised disk`)].join('; ')
      const e = new EngineError('VM_CONFIG_CORRUPT', `the data directory holds ${this.found} disk(s) and none could be imported, so no demo is created over them: ${list}`)
      throw Object.assign(e, { problems: [...this.problems], free: [...this.free] })
    }
    const build = this.demoBuildDir
    await rm(build, { recursive: true, force: true })
    await mkdir(build, { recursive: true })
    const devices: BlockDevice[] = []
    for (let i = 1; i <= 6; i++) {
      const path = join(build, `demodg-disk0${i}.img`)
      await createImageFile(path, GiB)
      devices.push(await openDevicePath(path))
    }
    const dg = await DiskGroup.create({
      name: 'demodg',
      disks: devices.map((device, i) => ({ name: `disk0${i + 1}`, device })),
      ...(this.clock ? { clock: this.clock } : {}),
    })
    try {
      const MiBs = (n: number) => (n * 1024 * 1024) / 512
      await dg.assistMake({ init: 'none', name: 'mirvol', len: MiBs(256), layout: 'mirror', log: 'drl', disks: ['disk01', 'disk02', 'disk03'] })
      await dg.assistMake({ init: 'none', name: 'strvol', len: MiBs(384), layout: 'stripe', ncol: 3, stwidth: 128, disks: ['disk04', 'disk05', 'disk06'] })
      await dg.assistMake({ init: 'none', name: 'msvol', len: MiBs(256), layout: 'mirror-stripe', nmirror: 2, ncol: 2, stwidth: 128, disks: ['disk01', 'disk02', 'disk04', 'disk05'] })
      await dg.assistMake({ init: 'none', name: 'catvol', len: MiBs(128), layout: 'concat', disks: ['disk06'] })
      await dg.set('mirvol', { comment: 'home directories', pflag: 1 })
      await dg.set('strvol', { comment: 'scratch space' })
      await dg.set('msvol', { comment: 'database' })
      await dg.set('catvol', { comment: 'archive' })
      // a lab failure in the demo stays where it happened, for the console to show and an
      // administrator to mend: hot relocation is off (plexa dg set hotreloc=on rehearses it)
      await dg.set('demodg', { hotreloc: 'off' })
      const block = Buffer.alloc(1024 * 1024)
      for (const v of ['mirvol', 'strvol', 'msvol', 'catvol']) {
        await dg.start(v)
        for (let mb = 0; mb < 16; mb++) {
          block.fill(0)
          block.write(`Plexa demo volume ${v}, megabyte ${mb}\n`.repeat(64))
          await dg.write(v, mb * 1024 * 1024, block)
        }
        await dg.flush(v)
        await dg.stop(v)
      }
    } finally {
      await dg.close()
    }
    // no image was found in the disks directory: the finished demo takes its place at once
    await rename(build, this.disksDir).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e
      // it holds files that are not images: the images move in one by one, the build directory last
      for (const f of await readdir(build)) await rename(join(build, f), join(this.disksDir, f))
      await rm(build, { recursive: true })
    })
    await this.open()
  }

  /** Starts every stopped volume in the background (recovering what a crash left). */
  startAll(onError: (dg: string, volume: string, e: unknown) => void): Promise<void> {
    const jobs: Promise<unknown>[] = []
    for (const [name, g] of this.groups) {
      for (const v of g.dg.config().volumes) {
        if (v.v_kstate !== 'DISABLED') continue
        jobs.push(g.dg.start(v.v_name).catch((e) => onError(name, v.v_name, e)))
      }
    }
    return Promise.all(jobs).then(() => {})
  }

  /** Stops every volume cleanly (logs marked clean) and releases the groups. */
  async close(): Promise<void> {
    for (const g of this.groups.values()) {
      for (const t of g.dg.listTasks()) {
        try {
          g.dg.abortTask(t.taskId)
        } catch {
          // already finished
        }
      }
      for (const v of g.dg.config().volumes) {
        if (v.v_kstate !== 'DISABLED') await g.dg.stop(v.v_name, { force: true }).catch(() => {})
      }
      await g.dg.close()
    }
    this.groups.clear()
  }
}
