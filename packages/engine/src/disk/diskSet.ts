import type { BlockDevice } from '../device/blockDevice.ts'
import type { CopyHolder } from '../config/configCopies.ts'
import { type ReportFailure, closeReleased, reportAs } from '../failures.ts'
import { withImporter } from '../locks.ts'
import { deriveConfig } from '../records/derive.ts'
import { type Config, DM_PFLAG, DM_TFLAG } from '../records/types.ts'
import { type DiskHeader, writeHeader } from './privateRegion.ts'

/** One VM disk of the group as this manager holds it: its device (none: NODEVICE), header and configuration copy. */
export interface DiskRuntime extends CopyHolder {
  header: DiskHeader
}

/**
 * The disks of an imported group, by disk media rid: their devices, headers and configuration
 * slots, and the device locks the group holds until it closes. The configuration copies, the kernel
 * log and the I/O map read the devices from here; only the lifecycle and the disk operations change
 * the set.
 */
export class DiskSet {
  private readonly disks: Map<number, DiskRuntime>
  private readonly releases: Array<() => Promise<void>>
  private closing = false

  constructor(disks: Map<number, DiskRuntime>, release: () => Promise<void>) {
    this.disks = disks
    this.releases = [release]
  }

  /** The disks by disk media rid (what the I/O map is built from). */
  get byRid(): ReadonlyMap<number, DiskRuntime> {
    return this.disks
  }

  get(rid: number): DiskRuntime | undefined {
    return this.disks.get(rid)
  }

  set(rid: number, disk: DiskRuntime): void {
    this.disks.set(rid, disk)
  }

  delete(rid: number): void {
    this.disks.delete(rid)
  }

  /** The devices of the disks that have one. */
  *devices(): Generator<BlockDevice> {
    for (const d of this.disks.values()) if (d.dev) yield d.dev
  }

  /** Whether `device` is already the device of one of the disks. */
  holds(device: BlockDevice): boolean {
    return [...this.disks.values()].some((d) => d.dev?.lockKey === device.lockKey)
  }

  /** Keeps a device lock taken for a disk added to the set, until the group closes. */
  keepLock(release: () => Promise<void>): void {
    this.releases.push(release)
  }

  /**
   * Marks disks whose device is missing, unreadable or short REMOVED and NODAREC (vxprint
   * NODEVICE; their plexes then carry PL_TFLAG REMOVED and NODAREC), and memory disks volatile.
   */
  refreshState(c: Config): void {
    for (const dm of c.disks) {
      const dev = this.disks.get(dm.dm_rid)?.dev
      dm.dm_device = dev ? dev.location : ''
      if (dev) dm.dm_last_da_name = dev.location
      dm.dm_pflag = dev ? dm.dm_pflag & ~DM_PFLAG.REMOVED : dm.dm_pflag | DM_PFLAG.REMOVED
      dm.dm_tflag = dev ? dm.dm_tflag & ~DM_TFLAG.NODAREC : dm.dm_tflag | DM_TFLAG.NODAREC
      dm.dm_tflag = dev?.kind === 'memory' ? dm.dm_tflag | DM_TFLAG.VOLATILE : dm.dm_tflag & ~DM_TFLAG.VOLATILE
    }
    deriveConfig(c)
  }

  /** Deport: clears the importer from every disk header, so that another host may import the group. */
  async clearImporter(report: ReportFailure): Promise<void> {
    for (const d of this.disks.values()) {
      if (!d.dev || this.closing) continue
      d.header = withImporter(d.header, undefined)
      await writeHeader(d.dev, d.header).catch(reportAs(report, 'VM_WRTDAERR', `the disk header of ${d.header.dmname} still names this host as the importer: another host imports it only by clearing the import`, d.header.dmname))
    }
  }

  /** Flushes and closes every device, then releases the device locks. */
  async close(report: ReportFailure): Promise<void> {
    this.closing = true
    for (const d of this.disks.values()) {
      if (!d.dev) continue
      await d.dev.flush().catch(reportAs(report, 'VM_IO', `disk ${d.header.dmname} failed to flush as the group closed: writes not flushed before may be lost`, d.header.dmname))
      await closeReleased(d.dev)
    }
    for (const release of this.releases.splice(0)) await release()
  }
}
