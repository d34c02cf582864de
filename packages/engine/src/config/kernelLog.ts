import type { BlockDevice } from '../device/blockDevice.ts'
import { KLOG_AREA, readRingOrNone, writeRingEverywhere } from '../disk/privateRegion.ts'

/** A resync that was running when the group was closed or the machine went down. */
export interface InterruptedTask {
  kind: 'resyncVolume' | 'resyncDisk'
  /** The volume or the disk. */
  target: string
  force: boolean
  mode?: 'strict' | 'faithful'
  throttle?: number
  /** Regions of its plan already done. */
  done: number
}

/** Kernel log contents: volumes written since their start, plexes the kernel detached. */
export interface KernelLogImage {
  dirty: number[]
  detached: Array<{ plexRid: number; tid: number }>
  /** Resyncs under way, with how far they got: a restart continues them (`resumeInterrupted`). */
  tasks?: InterruptedTask[]
}

/**
 * The kernel log (VxVM's klog): which volumes were written since their start (a crash of one
 * needs recovery), which plexes the kernel detached (never a recovery source), and the resyncs
 * under way. A snapshot of it goes to every present disk's kernel-log ring; writes are serialised,
 * each with the next sequence number, and one disk taking it is enough.
 */
export class KernelLog {
  dirty: number[]
  detached: Array<{ plexRid: number; tid: number }>
  tasks: InterruptedTask[] | undefined
  private seq: number
  private chain: Promise<unknown> = Promise.resolve()
  private readonly devices: () => Iterable<BlockDevice>

  constructor(image: KernelLogImage, seq: number, devices: () => Iterable<BlockDevice>) {
    this.dirty = image.dirty
    this.detached = image.detached
    this.tasks = image.tasks
    this.seq = seq
    this.devices = devices
  }

  /**
   * The newest kernel log among `devices` (empty when none holds one). A disk whose ring cannot
   * be read is passed over: another disk's copy, or none, is the log.
   */
  static async read(devices: Iterable<BlockDevice>): Promise<{ image: KernelLogImage; seq: number }> {
    let image: KernelLogImage = { dirty: [], detached: [] }
    let seq = 0
    for (const dev of devices) {
      const r = await readRingOrNone(dev, KLOG_AREA)
      if (r && r.seq >= seq) {
        seq = r.seq
        image = r.payload as KernelLogImage
      }
    }
    return { image, seq }
  }

  image(): KernelLogImage {
    return structuredClone({ dirty: this.dirty, detached: this.detached, ...(this.tasks ? { tasks: this.tasks } : {}) })
  }

  /** Writes the log as it is now to every disk that has a device, after every earlier write. */
  write(): Promise<void> {
    const run = () => writeRingEverywhere(this.devices(), KLOG_AREA, ++this.seq, this.image(), 'the kernel log')
    const p = this.chain.then(run, run)
    // the chain only orders the writes; each caller gets its own write's failure from `p`
    this.chain = p.then(ignore, ignore)
    return p
  }

  isDirty(vrid: number): boolean {
    return this.dirty.includes(vrid)
  }

  /** Records that a volume is being written (before its first write reaches a plex). */
  async markDirty(vrid: number): Promise<void> {
    if (this.dirty.includes(vrid)) return
    this.dirty.push(vrid)
    await this.write()
  }

  /** A volume stopped clean: it needs no recovery after a crash. */
  async markClean(vrid: number): Promise<void> {
    if (!this.dirty.includes(vrid)) return
    this.dirty = this.dirty.filter((x) => x !== vrid)
    await this.write()
  }

  /** A plex handed back to its volume: the kernel detach of its earlier life is forgotten. */
  forgetDetach(plexRid: number): void {
    this.detached = this.detached.filter((k) => k.plexRid !== plexRid)
  }

  /** Records a resync under way, so a restart continues it. */
  async addTask(entry: InterruptedTask): Promise<void> {
    this.tasks = [...(this.tasks ?? []), entry]
    await this.write()
  }

  /** Forgets a resync that ended; false when it was not recorded. */
  removeTask(entry: InterruptedTask): boolean {
    if (!this.tasks?.includes(entry)) return false
    this.tasks = this.tasks.filter((t) => t !== entry)
    return true
  }
}

function ignore(): void {}
