import type { TxResult } from '../config/configStore.ts'
import type { BlockDevice } from '../device/blockDevice.ts'
import type { RegionLock } from '../io/regionLock.ts'
import type { PlRecord, SdRecord } from '../records/types.ts'
import { sectorsToBytes } from '../units.ts'
import { REGION_SECTORS } from './regionCopy.ts'
import { subdiskVolumeRanges } from './resyncPlan.ts'

/** What filling a hole of a live plex needs of its volume. */
export interface FillContext {
  /** The volume's region lock. */
  lock: RegionLock
  /** Reads volume sectors [s, s+n) from the other plexes (a utility read). */
  read(s: number, n: number): Promise<Buffer>
  /** The device of the subdisk's disk. */
  device: BlockDevice
}

/** The subdisk associated: `sd` as committed now, `after` as the association makes it. */
export interface FillTarget {
  plex: PlRecord
  sd: SdRecord
  after: SdRecord
  volumeLen: number
}

/**
 * vxsd assoc into a hole of a live plex (B 14): the range the subdisk will serve is regenerated
 * from the other plexes onto its device, under exclusive region locks held until `commit` (the
 * association) has committed, so no write falls between the copy and the commit.
 */
export async function fillSubdisk(ctx: FillContext, t: FillTarget, commit: () => Promise<TxResult>): Promise<TxResult> {
  const pieces = subdiskVolumeRanges(t.plex, t.after, t.volumeLen)
  const first = pieces.length ? Math.floor(Math.min(...pieces.map((x) => x.offset)) / REGION_SECTORS) : 0
  const last = pieces.length ? Math.floor((Math.max(...pieces.map((x) => x.offset + x.length)) - 1) / REGION_SECTORS) : -1
  for (let r = first; r <= last; r++) await ctx.lock.lockExclusive(r)
  try {
    for (const piece of pieces) {
      const data = await ctx.read(piece.offset, piece.length)
      await ctx.device.write(sectorsToBytes(t.sd.sd_dev_offset + piece.sdOffset), data)
    }
    await ctx.device.flush()
    return await commit()
  } finally {
    for (let r = first; r <= last; r++) ctx.lock.unlockExclusive(r)
  }
}
