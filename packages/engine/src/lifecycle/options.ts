import { type Clock, systemClock } from '../clock.ts'
import type { KernelLogImage } from '../config/kernelLog.ts'
import type { Lineage } from '../config/lineage.ts'
import type { ConfigSide } from '../config/splitBrain.ts'
import type { BlockDevice } from '../device/blockDevice.ts'
import type { DiskSpec, IdSource } from '../disk/vmDisk.ts'
import type { DiskRuntime } from '../disk/diskSet.ts'
import { thisImporter } from '../locks.ts'
import { type Random, systemRandom } from '../random.ts'
import type { Config, Profile } from '../records/types.ts'
import type { StaleMapsImage } from '../staleMaps.ts'

export interface OpenOptions {
  clock?: Clock
  /** Randomness of the new disk and disk group ids (with the clock's time); the system's cryptographic generator by default. */
  random?: Random
  /** Waits `ms` of clock time (task throttling); real timers by default. It may end early once `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  /**
   * The host name recorded in the disk headers as the importer (default: os.hostname()); a group
   * imported under another host name is refused unless its import is cleared.
   */
  host?: string
  /** voldrl_max_drtregs: dirty regions allowed per volume (default 2048). */
  drlMaxDirty?: number
  /**
   * Dirty regions idle this long (ms) are cleaned, with the next log write or by one the clock's
   * timer schedules once writes stop (default 5000).
   */
  drlCleanAgeMs?: number
  /** Regions between persisted task checkpoints (default 20, vol_checkpt_default). */
  checkpointRegions?: number
  /** Regions a copy moves at once while no foreground I/O is under way (default 8: 4 MiB). */
  copyUnitRegions?: number
}

export interface CreateOptions extends OpenOptions {
  name: string
  disks: DiskSpec[]
  /** Initialise devices that hold data or a known signature (refused VM_HAS_DATA otherwise). */
  force?: boolean
  profile?: Profile['id']
}

export interface ImportOptions extends OpenOptions {
  devices: BlockDevice[]
  /** Import only this group; devices of other groups then fail VM_INV_DEVENT. */
  name?: string
  /**
   * vxdg -C: take the group over even though its disk headers say another host (or a live process
   * of this host) has it imported. Only for a host known to be down. Without it such an import
   * fails VM_BUSY, with `details.importedBy` naming the host when it is another one.
   */
  clearImport?: boolean
  /**
   * vxdg -f import (AIX varyonvg -f): import even though some disks of the group have no usable
   * device (missing, unreadable, shorter than recorded, or their header cannot be written); they
   * import NODEVICE. Without it such an import fails VM_MISSING_DISKS, `details.disks` naming
   * them, and changes nothing on the disks.
   */
  force?: boolean
  /**
   * vxdg -o selectcp=DISKID import (rule 350): when the disks' configurations went separate ways
   * (a serial split brain, refused VM_SPLIT_BRAIN without it), take the newest configuration on
   * this disk (its disk id, or its disk media name when one device has it). Its side wins: the
   * other side's disks get it, their plexes are resynchronised from its own, and what the other
   * sides held otherwise is reported (`DiskGroup.droppedConfigs`, a VM_SPLIT_BRAIN alert).
   */
  selectcp?: string
}

/** A disk of the group that import could not use: its disk media record is NODEVICE. */
export interface UnusableDisk {
  /** Disk media name; empty for an unreadable device, whose disk cannot be told. */
  disk: string
  reason: 'missing' | 'unreadable' | 'short' | 'unwritable'
  device?: string
}

/**
 * What create and import hand the group they open: the configuration, the disks with their
 * devices (locked, headers naming this manager), the kernel log and stale maps read off them.
 */
export interface OpenedGroup {
  cfg: Config
  disks: Map<number, DiskRuntime>
  opts: OpenOptions
  /** Releases the device locks taken; the group keeps them until it closes. */
  release: () => Promise<void>
  klog: KernelLogImage
  klogSeq: number
  maps?: { seq: number; image: StaleMapsImage }
  /** The disks import could not use (NODEVICE). */
  unusable?: UnusableDisk[]
  /** The tid the first commit takes at least (`nextTidAfter`, rule 265); `cfg.tid + 1` when absent. */
  nextTid?: number
  /** The lineage this session's commits carry, its own epoch last (config/lineage.ts, rule 350). */
  lineage: Lineage
  /** The sides of a split brain that import's `selectcp` overruled (rule 350). */
  dropped?: ConfigSide[]
}

/** Where the group's new disk ids come from: the clock and randomness of `opts` and this host. */
export function idSourceOf(opts: OpenOptions): IdSource {
  return { clock: opts.clock ?? systemClock, random: opts.random ?? systemRandom, host: thisImporter(opts.host).hostid }
}

/**
 * The sleep of `opts` (task throttling, import's wait for a dead manager): real timers by default,
 * whose timer an aborted `signal` clears (an aborted task's throttle leaves no timer behind).
 */
export function sleepOf(opts: OpenOptions): (ms: number, signal?: AbortSignal) => Promise<void> {
  return opts.sleep ?? realSleep
}

function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((res) => {
    const t = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
    function done() {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      res()
    }
  })
}
