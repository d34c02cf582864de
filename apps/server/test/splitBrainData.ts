import { copyFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { DiskGroup, openDevicePath } from '@plexa/engine'
import { smallData } from './harness.ts'

/**
 * A data directory whose group tdg went through a serial split brain (rule 350): deported, a copy
 * of disk02's image taken (a restored backup), disk01 and disk02 imported with force and volume
 * `left` made on them, then the copy with disk03 imported with force and volume `right` made. Its
 * server leaves tdg waiting VM_SPLIT_BRAIN with two sides: disk01, disk02 and disk03.
 * `npx tsx apps/server/test/splitBrainData.ts` makes one and prints its path (the e2e's way).
 */
export async function splitBrainData(): Promise<{ dir: string; disk03: string; remove(): Promise<void> }> {
  const data = await smallData()
  const disk = (n: number) => join(data.dir, 'disks', `tdg-disk0${n}.img`)
  const open = (paths: string[]) => Promise.all(paths.map((p) => openDevicePath(p)))
  await (await DiskGroup.import({ devices: await open([1, 2, 3].map(disk)) })).deport()
  const copyPath = join(data.dir, 'disk02-copy.img')
  await copyFile(disk(2), copyPath)
  const left = await DiskGroup.import({ devices: await open([disk(1), disk(2)]), force: true })
  await left.assistMake({ init: 'none', name: 'left', len: 2048, layout: 'concat', disks: ['disk01'] })
  await left.deport()
  const right = await DiskGroup.import({ devices: await open([copyPath, disk(3)]), force: true })
  await right.assistMake({ init: 'none', name: 'right', len: 2048, layout: 'concat', disks: ['disk03'] })
  const disk03 = right.config().disks.find((d) => d.dm_name === 'disk03')!.dm_diskid
  await right.deport()
  await rm(copyPath)
  return { dir: data.dir, disk03, remove: data.remove }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log((await splitBrainData()).dir)
