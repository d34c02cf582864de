// The copy's units (resync/copyUnit.ts): large while the volume is idle, one region read and
// written whole while foreground I/O is under way, every target written at once, failures per
// region (rules 160, 206).
import { describe, expect, it } from 'vitest'
import { type BlockDevice, readInto } from '../src/device/blockDevice.ts'
import { createFaultyDevice, type FaultyDevice } from '../src/device/faultyDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { MAX_UNIT_REGIONS } from '../src/resync/copyUnit.ts'
import { memoryGroup, pattern, publicRegion } from './harness.ts'

const REGION = REGION_SECTORS * 512
const REGIONS = 20

/** A 3-way mirror of REGIONS regions holding a pattern, on traced faulty devices. */
async function mirror(wrap?: (d: BlockDevice, i: number) => BlockDevice) {
  const g = await memoryGroup(3, 64 << 20, { wrap: (d, i) => createFaultyDevice(wrap ? wrap(d, i) : d) })
  await g.dg.assistMake({ name: 'v1', len: REGIONS * REGION_SECTORS, layout: 'mirror', nmirror: 3, init: 'none', disks: ['disk01', 'disk02', 'disk03'] })
  await g.dg.start('v1')
  const data = pattern(REGIONS * REGION, 3)
  await g.dg.write('v1', 0, data)
  await g.dg.flush('v1')
  const devs = g.devices as FaultyDevice[]
  return { dg: g.dg, devs, data }
}

/**
 * The mirror, its first plex's device holding a write to the last region until `settle`:
 * `startHeld` starts a foreground write there, which stays under way (foreground I/O busy).
 */
async function busyMirror(wrap?: (d: BlockDevice, i: number) => BlockDevice) {
  let release = () => {}
  const held = new Promise<void>((r) => (release = r))
  let holdAt = -1
  const m = await mirror((d, i) => {
    const w = wrap ? wrap(d, i) : d
    return i !== 0 ? w : {
      ...w,
      async write(offset, buf) {
        if (offset === holdAt) await held
        return w.write(offset, buf)
      },
    }
  })
  const sd = (plex: string) => m.dg.config().subdisks.find((s) => s.sd_pl_name === plex)!
  const last = (REGIONS - 1) * REGION
  holdAt = sd('v1-01').sd_dev_offset * 512 + last
  const startHeld = () => m.dg.write('v1', last, m.data.subarray(last, last + 4096))
  /** Releases the held write; once it and the copy ended, the plexes are identical. */
  const settle = async (fg: Promise<void>, copy: Promise<unknown>) => {
    release()
    await fg
    await copy
    expect(await identical(m.dg)).toEqual([])
    await m.dg.close()
  }
  return { ...m, sd, last, startHeld, settle }
}

/** What `readsWhileHeld`'s wrapper sees: whether the copy runs, its source reads so far, what it holds until. */
interface Hold {
  on: boolean
  reads: number[]
  held: Promise<void>
}

/**
 * A forced resync of an idle mirror (units of 8, 8 and the 4 regions left) whose devices `wrap`
 * wraps, something of it held (`wrap` awaits `held` while `on`): the sizes of the source reads
 * issued meanwhile (up to three, waited for a bounded number of turns). It then lets go, and the
 * copy must end with the plexes identical.
 */
async function readsWhileHeld(wrap: (d: BlockDevice, i: number, h: Hold) => BlockDevice): Promise<number[]> {
  let release = () => {}
  const h: Hold = { on: false, reads: [], held: new Promise<void>((r) => (release = r)) }
  const { dg } = await mirror((d, i) => {
    const w = wrap(d, i, h)
    return i !== 0 ? w : { ...w, async readInto(offset, buf) { if (h.on) h.reads.push(buf.length); return readInto(w, offset, buf) } }
  })
  h.on = true
  const task = await dg.resyncVolume('v1', true)
  for (let k = 0; k < 1000 && h.reads.length < 3; k++) await new Promise<void>((r) => setImmediate(r))
  const reads = [...h.reads]
  release()
  await task.done
  expect(await identical(dg)).toEqual([])
  await dg.close()
  return reads
}

/** The data writes a device saw in its public region. */
function dataWrites(dg: DiskGroup, dev: FaultyDevice, disk: string) {
  const pub = publicRegion(dg, disk).offset
  return dev.trace.filter((t) => t.op === 'write' && t.offset >= pub && !t.failed)
}

/** Waits, turn by turn of the event loop, until `cond` holds. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i > 1e6) throw new Error('condition never held')
    await new Promise<void>((r) => setImmediate(r))
  }
}

async function identical(dg: DiskGroup) {
  return (await (await dg.verify('v1')).done).mismatches
}

describe('copy units (rule 160)', () => {
  it('an idle volume is copied in units of MAX_UNIT_REGIONS regions, each target written once per unit', async () => {
    const { dg, devs } = await mirror()
    for (const d of devs) d.setTracing(true)
    const report = await (await dg.resyncVolume('v1', true)).done
    expect(report.regionsCopied).toBe(REGIONS)
    for (const [i, disk] of [[1, 'disk02'], [2, 'disk03']] as const) {
      const writes = dataWrites(dg, devs[i]!, disk)
      // 20 regions: two units of 8 and one of the 4 left
      expect(writes.map((w) => w.length)).toEqual([MAX_UNIT_REGIONS * REGION, MAX_UNIT_REGIONS * REGION, 4 * REGION])
    }
    expect(await identical(dg)).toEqual([])
    await dg.close()
  })

  it('while a foreground write is under way the copy takes one region at a time, one read and one write of it whole per target (rule 206)', async () => {
    const { dg, devs, sd, last, startHeld, settle } = await busyMirror()
    for (const d of devs) d.setTracing(true)
    const h = await dg.resyncVolume('v1', true)
    const fg = startHeld()
    // the copy reaches the held region and waits there for the foreground write
    const base = (plex: string) => sd(plex).sd_dev_offset * 512
    const copiedUpTo = () => Math.max(0, ...dataWrites(dg, devs[1]!, 'disk02').filter((w) => w.length !== 4096).map((w) => w.offset + w.length - base('v1-02')))
    await until(() => copiedUpTo() >= last)
    // whatever the copy took before the write began, every region after its first unit is one
    // call per device: one read of the source, one write of each target (each a message from the
    // copy worker on the event loop the foreground is answered on; 64 KiB pieces made it 8)
    const inRange = (plex: string) => (t: { offset: number }) => t.offset - base(plex) >= MAX_UNIT_REGIONS * REGION && t.offset - base(plex) < last
    const reads = devs[0]!.trace.filter((t) => t.op === 'read' && !t.failed).filter(inRange('v1-01'))
    expect(reads.map((r) => r.length)).toEqual(Array.from({ length: last / REGION - MAX_UNIT_REGIONS }, () => REGION))
    for (const [i, disk, plex] of [[1, 'disk02', 'v1-02'], [2, 'disk03', 'v1-03']] as const) {
      const later = dataWrites(dg, devs[i]!, disk).filter(inRange(plex))
      expect(later.map((w) => w.length)).toEqual(Array.from({ length: last / REGION - MAX_UNIT_REGIONS }, () => REGION))
    }
    await settle(fg, h.done)
  })

  it('a foreground write that began and ended between two units makes the next unit one region (rule 201)', async () => {
    let fg: Promise<void> | undefined
    let dgRef: DiskGroup | undefined
    // as the copy reads its second unit from the source (disk01), a foreground write to the last
    // region comes and goes: no foreground I/O is under way when the next unit begins
    const between = async (length: number) => {
      if (!fg && dgRef && length === MAX_UNIT_REGIONS * REGION && ++units === 2) await (fg = dgRef.write('v1', (REGIONS - 1) * REGION, data.subarray(0, 4096)))
    }
    let units = 0
    const { dg, devs, data } = await mirror((d, i) => (i !== 0 ? d : {
      ...d,
      async read(offset, length) {
        await between(length)
        return d.read(offset, length)
      },
      async readInto(offset, buf) {
        await between(buf.length)
        return readInto(d, offset, buf)
      },
    }))
    dgRef = dg
    for (const d of devs) d.setTracing(true)
    await (await dg.resyncVolume('v1', true)).done
    const base = publicRegion(dg, 'disk02').offset
    const copyWrites = dataWrites(dg, devs[1]!, 'disk02').filter((w) => w.length !== 4096).map((w) => [(w.offset - base) / REGION, w.length / REGION])
    // the unit after the write is one region; the next, with no write since, takes the regions left
    expect(copyWrites).toEqual([[0, 8], [8, 8], [16, 1], [17, 3]])
    expect(await identical(dg)).toEqual([])
    await dg.close()
  })

  it('the read of the unit after next is issued while the current unit is written, so the copy worker never waits for the event loop between units (rule 255)', async () => {
    // the first unit's write to v1-02 stays under way until released
    let first = true
    const reads = await readsWhileHeld((d, i, h) => (i !== 1 ? d : {
      ...d,
      async write(offset, buf, opts) {
        if (h.on && first && buf.length === MAX_UNIT_REGIONS * REGION) {
          first = false
          await h.held
        }
        return d.write(offset, buf, opts)
      },
    }))
    // while the first unit is still being written, the second and the third were read (double
    // buffering alone read only the second)
    expect(reads).toEqual([MAX_UNIT_REGIONS * REGION, MAX_UNIT_REGIONS * REGION, 4 * REGION])
  })

  it('I387 the reads of the units ahead are under way together: the third unit is read while the second one\'s read is still under way', async () => {
    // the second unit's read stays under way until released
    const reads = await readsWhileHeld((d, i, h) => (i !== 0 ? d : {
      ...d,
      async readInto(offset, buf) {
        if (h.on && h.reads.length === 2) await h.held
        return readInto(d, offset, buf)
      },
    }))
    // one read after another (rule 255 alone) issued the third only once the second had ended
    expect(reads).toEqual([MAX_UNIT_REGIONS * REGION, MAX_UNIT_REGIONS * REGION, 4 * REGION])
  })

  it('every target of a unit is written at once', async () => {
    let inFlight = 0
    let most = 0
    let tracking = false
    const { dg } = await mirror((d, i) => (i === 0 ? d : {
      ...d,
      async write(offset, buf) {
        if (!tracking || buf.length < REGION) return d.write(offset, buf)
        inFlight++
        most = Math.max(most, inFlight)
        await new Promise<void>((r) => setImmediate(r))
        inFlight--
        return d.write(offset, buf)
      },
    }))
    tracking = true
    await (await dg.resyncVolume('v1', true)).done
    expect(most).toBe(2)
    expect(await identical(dg)).toEqual([])
    await dg.close()
  })

  it('a target write failing inside a unit fails that region alone; the rest of the unit is copied', async () => {
    const { dg, devs } = await mirror()
    const sd = dg.config().subdisks.find((s) => s.sd_pl_name === 'v1-03')!
    // region 3 of v1-03 fails every write; the forced resync goes on without it
    devs[2]!.addFault({ ops: ['write'], range: { offset: (sd.sd_dev_offset + 3 * REGION_SECTORS) * 512, length: 512 } })
    const report = await (await dg.resyncDisk('disk03', true, { mode: 'faithful' })).done
    expect(report.failedRegions.map((f) => [f.region, f.plex])).toEqual([[3, 'v1-03']])
    expect(report.regionsCopied).toBe(REGIONS)
    await dg.close()
  })
})
