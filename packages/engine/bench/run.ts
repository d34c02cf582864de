// `npm run bench`: every benchmark, one JSON line each (DESIGN.md section 8). Each value is
// measured next to its baseline in the same run; runs are interleaved and medians reported
// because this machine's storage swings 2-4x between runs.
import { mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DiskGroup } from '../src/diskGroup.ts'
import { createImageFile, openDevicePath } from '../src/device/fileDevice.ts'
import { type BenchLine, line, median, seconds } from './util.ts'

const MiB = 1 << 20
const VOL_BYTES = 256 * MiB
const BLOCK = MiB

async function rawWrite(path: string, buf: Buffer): Promise<number> {
  const fh = await open(path, 'r+')
  const t0 = process.hrtime.bigint()
  for (let off = 0; off < VOL_BYTES; off += BLOCK) await fh.write(buf, 0, BLOCK, off)
  await fh.datasync()
  const s = seconds(t0)
  await fh.close()
  return VOL_BYTES / MiB / s
}

async function volumeWrite(dg: DiskGroup, vol: string, buf: Buffer): Promise<number> {
  const t0 = process.hrtime.bigint()
  for (let off = 0; off < VOL_BYTES; off += BLOCK) await dg.write(vol, off, buf)
  await dg.flush(vol)
  return VOL_BYTES / MiB / seconds(t0)
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'plexa-bench-'))
  const out: BenchLine[] = []
  try {
    const paths = [0, 1, 2].map((i) => join(dir, `d${i}.img`))
    for (const p of paths) await createImageFile(p, VOL_BYTES + 64 * MiB)
    const raw = join(dir, 'raw.img')
    await createImageFile(raw, VOL_BYTES)
    const dg = await DiskGroup.create({ name: 'benchdg', disks: await Promise.all(paths.map(async (p, i) => ({ name: `d${i}`, device: await openDevicePath(p) }))) })
    await dg.assistMake({ name: 'plain', len: VOL_BYTES / 512, layout: 'concat', disks: ['d0'] })
    await dg.start('plain')
    const buf = Buffer.alloc(BLOCK, 0xa5)
    const rawRuns: number[] = []
    const volRuns: number[] = []
    for (let i = 0; i < 3; i++) {
      rawRuns.push(await rawWrite(raw, buf))
      volRuns.push(await volumeWrite(dg, 'plain', buf))
    }
    out.push(line('engine.seq_write_1MiB.concat', median(volRuns), 'MiB/s', 'raw file write, same block size', median(rawRuns)))
    await dg.stop('plain')
    await dg.close()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  for (const l of out) console.log(JSON.stringify(l))
}

await main()
