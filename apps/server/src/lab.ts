import { EngineError } from '@plexa/engine'
import { appendFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { LabView, ServerEventBody } from '@plexa/protocol'
import type { Storage } from './storage.ts'

type FailMode = 'none' | 'read' | 'write' | 'both'

/** The deterministic content of one block of a lab write load: a function of (seed, block, gen). */
export function loadBlock(seed: number, block: number, gen: number, bytes: number): Buffer {
  const b = Buffer.alloc(bytes)
  let x = (seed ^ Math.imul(block + 1, 0x9e3779b1) ^ Math.imul(gen + 1, 0x85ebca6b)) >>> 0 || 1
  for (let i = 0; i < bytes; i += 4) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    b.writeUInt32LE(x, i)
  }
  return b
}

interface Load {
  dg: string
  volume: string
  running: boolean
  writes: number
  errors: number
  stop: () => void
}

/**
 * Lab mode (DESIGN.md section 6): fail or restore a disk's reads, writes or both, add latency,
 * and run a background write load whose acknowledged writes are journaled in `DIR/lab/`, so a
 * test can prove none of them was lost.
 *
 * A disk's lab failure and latency outlive a restart, as a failed disk stays failed when its host
 * reboots (rule 385): they are kept in `DIR/lab/disks.json` and put back on the disk's device
 * before any volume starts, so the start's recovery meets the failure as the volume left it. A
 * restore is the only way they end; a server started without lab mode drops them and says so.
 */
export class Lab {
  readonly enabled: boolean
  private readonly storage: Storage
  private readonly publish: (e: ServerEventBody) => void
  /** Per disk: its lab failure, its latency, and when the lab last failed it (kept after a restore). */
  private readonly state = new Map<string, { failed: FailMode; latencyMs: number; failedAt?: number; removeFault?: () => void }>()
  private readonly loads = new Map<string, Load>()
  /** Told of each write of a load with its latency (the metrics). */
  private readonly onWrite: ((dg: string, volume: string, bytes: number, seconds: number) => void) | undefined

  /** The clock of `failedAt` (injected by tests). */
  private readonly now: () => number

  constructor(enabled: boolean, storage: Storage, publish: (e: ServerEventBody) => void, onWrite?: (dg: string, volume: string, bytes: number, seconds: number) => void, now: () => number = Date.now) {
    this.enabled = enabled
    this.now = now
    this.storage = storage
    this.publish = publish
    this.onWrite = onWrite
    this.file = join(storage.dataDir, 'lab', 'disks.json')
  }

  private readonly file: string
  private saving: Promise<void> = Promise.resolve()

  /** Puts back the lab failures and latencies kept before a restart (call before volumes start). */
  async load(log: (line: string) => void): Promise<void> {
    const kept = await readFile(this.file, 'utf8').then((t) => JSON.parse(t) as LabView['disks'], () => [])
    if (!Array.isArray(kept) || kept.length === 0) return
    if (!this.enabled) {
      log(`lab mode is off: the lab failures and latencies of ${kept.map((d) => `${d.dg}/${d.disk}`).join(', ')} end with this restart`)
      await rm(this.file, { force: true })
      return
    }
    for (const d of kept) {
      if (!this.storage.groups.get(d.dg)?.devices.has(d.disk)) continue // the disk is gone (replaced, removed): its failure went with it
      if (d.latencyMs > 0) this.setLatency(d.dg, d.disk, d.latencyMs)
      if (d.failed !== 'none') this.failDisk(d.dg, d.disk, d.failed, d.failedAt)
      log(`lab: disk ${d.dg}/${d.disk} kept its lab ${d.failed !== 'none' ? `failure (${d.failed})` : ''}${d.failed !== 'none' && d.latencyMs > 0 ? ' and ' : ''}${d.latencyMs > 0 ? `latency (${d.latencyMs} ms)` : ''} across the restart; restore it to end it`)
    }
  }

  /** Writes what outlives a restart: every disk failed or slowed by the lab (whole, then renamed in). */
  private save(): void {
    const disks = this.view().disks.filter((d) => d.failed !== 'none' || d.latencyMs > 0)
    this.saving = this.saving
      .then(async () => {
        await mkdir(join(this.storage.dataDir, 'lab'), { recursive: true })
        await writeFile(`${this.file}.tmp`, JSON.stringify(disks))
        await rename(`${this.file}.tmp`, this.file)
      })
      .catch(() => {}) // the lab still works; the next change writes it again
  }

  /** Resolves once the lab's state is on disk. */
  written(): Promise<void> {
    return this.saving
  }

  private device(dg: string, disk: string) {
    const d = this.storage.group(dg).devices.get(disk)
    if (!d) throw new EngineError('VM_NOT_FOUND', `no disk ${disk} in ${dg}`)
    return d
  }

  private key(dg: string, disk: string) {
    return `${dg}/${disk}`
  }

  failDisk(dg: string, disk: string, mode: Exclude<FailMode, 'none'>, failedAt = this.now()): void {
    const d = this.device(dg, disk)
    const s = this.state.get(this.key(dg, disk)) ?? { failed: 'none' as FailMode, latencyMs: 0 }
    s.removeFault?.()
    s.removeFault = d.addFault({ ops: mode === 'both' ? ['read', 'write', 'flush'] : mode === 'read' ? ['read'] : ['write', 'flush'] })
    s.failed = mode
    s.failedAt = failedAt
    this.state.set(this.key(dg, disk), s)
    this.save()
    this.publish({ type: 'lab.disk', dg, disk, failed: mode, latencyMs: s.latencyMs, failedAt: s.failedAt })
  }

  restoreDisk(dg: string, disk: string): void {
    const d = this.device(dg, disk)
    const s = this.state.get(this.key(dg, disk)) ?? { failed: 'none' as FailMode, latencyMs: 0 }
    s.removeFault?.()
    delete s.removeFault
    d.restore()
    s.failed = 'none'
    this.state.set(this.key(dg, disk), s)
    this.save()
    this.publish({ type: 'lab.disk', dg, disk, failed: 'none', latencyMs: s.latencyMs, ...(s.failedAt !== undefined ? { failedAt: s.failedAt } : {}) })
  }

  /**
   * The group let go of disk `disk`'s device (replaced by a new one, or removed): its lab failure
   * and latency belonged to that device, so they go with it (rule 236); a new device under the
   * name answers until the lab fails it.
   */
  forgetDevice(dg: string, disk: string): void {
    const s = this.state.get(this.key(dg, disk))
    if (!s) return
    s.removeFault?.()
    this.state.delete(this.key(dg, disk))
    this.save()
    this.publish({ type: 'lab.disk', dg, disk, failed: 'none', latencyMs: 0 })
  }

  setLatency(dg: string, disk: string, ms: number): void {
    const d = this.device(dg, disk)
    const s = this.state.get(this.key(dg, disk)) ?? { failed: 'none' as FailMode, latencyMs: 0 }
    d.setLatency(ms)
    s.latencyMs = ms
    this.state.set(this.key(dg, disk), s)
    this.save()
    this.publish({ type: 'lab.disk', dg, disk, failed: s.failed, latencyMs: ms, ...(s.failedAt !== undefined ? { failedAt: s.failedAt } : {}) })
  }

  /** Starts a write load: random blocks, each write journaled once acknowledged. */
  async startLoad(dg: string, volume: string, writesPerSecond = 200, blockBytes = 4096): Promise<{ journal: string; seed: number }> {
    const g = this.storage.group(dg)
    const size = g.dg.volumeSize(volume)
    const key = `${dg}/${volume}`
    this.loads.get(key)?.stop()
    const dir = join(this.storage.dataDir, 'lab')
    await mkdir(dir, { recursive: true })
    const journal = join(dir, `load-${dg}-${volume}.jsonl`)
    const seed = (Date.now() & 0x7fffffff) ^ 0x5bd1e995
    const blocks = Math.floor(size / blockBytes)
    const gens = new Map<number, number>()
    let stopped = false
    let timer: NodeJS.Timeout | undefined
    const load: Load = {
      dg,
      volume,
      running: true,
      writes: 0,
      errors: 0,
      stop: () => {
        stopped = true
        load.running = false
        if (timer) clearTimeout(timer)
        this.publish({ type: 'lab.load', dg, volume, running: false, writes: load.writes, errors: load.errors })
      },
    }
    this.loads.set(key, load)
    await appendFile(journal, JSON.stringify({ start: true, seed, blockBytes, volume, dg }) + '\n')
    const interval = 1000 / writesPerSecond
    let lastReport = Date.now()
    const tick = async () => {
      if (stopped) return
      const t0 = Date.now()
      const block = Math.floor(Math.random() * blocks)
      const gen = (gens.get(block) ?? 0) + 1
      try {
        const started = performance.now()
        await g.dg.write(volume, block * blockBytes, loadBlock(seed, block, gen, blockBytes))
        this.onWrite?.(dg, volume, blockBytes, (performance.now() - started) / 1000)
        gens.set(block, gen)
        load.writes++
        await appendFile(journal, `{"b":${block},"g":${gen}}\n`)
      } catch {
        load.errors++
      }
      if (Date.now() - lastReport >= 1000) {
        lastReport = Date.now()
        this.publish({ type: 'lab.load', dg, volume, running: true, writes: load.writes, errors: load.errors })
      }
      if (!stopped) timer = setTimeout(() => void tick(), Math.max(0, interval - (Date.now() - t0)))
    }
    void tick()
    this.publish({ type: 'lab.load', dg, volume, running: true, writes: 0, errors: 0 })
    return { journal, seed }
  }

  stopLoad(dg: string, volume: string): void {
    const l = this.loads.get(`${dg}/${volume}`)
    if (!l) throw new EngineError('VM_NOT_FOUND', `no load on ${dg}/${volume}`)
    l.stop()
    this.loads.delete(`${dg}/${volume}`)
  }

  stopAll(): void {
    for (const l of this.loads.values()) l.stop()
    this.loads.clear()
  }

  view(): LabView {
    return {
      enabled: this.enabled,
      disks: [...this.state].map(([k, s]) => {
        const [dg, disk] = k.split('/') as [string, string]
        return { dg, disk, failed: s.failed, latencyMs: s.latencyMs, ...(s.failedAt !== undefined ? { failedAt: s.failedAt } : {}) }
      }),
      loads: [...this.loads.values()].map((l) => ({ dg: l.dg, volume: l.volume, running: l.running, writes: l.writes, errors: l.errors })),
    }
  }
}
