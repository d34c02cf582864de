import { isAbsolute } from 'node:path'
import { type FaultyDevice, EngineError, createFaultyDevice, createMemoryDevice, openDevicePath } from '@plexa/engine'
import type { Services } from '../services.ts'

/** How a disk add or replace names its device: a new image file of `sizeBytes`, or a path. */
export interface DiskDeviceBody {
  sizeBytes?: number | undefined
  path?: string | undefined
  dryRun?: boolean | undefined
}

/**
 * Runs a disk add or replace on the device the request names (I81, I82): a new sparse image file
 * in the data directory (`${dg}-${stem}.img`), or an existing absolute path or nbd:// URL. A dry run
 * opens a path read-only and makes no file (a memory stand-in of the size). When `use` fails, the
 * device is closed and an image made for it removed, so nothing is left behind; when it succeeds
 * the device stays open for the group (a dry run's is closed).
 */
export async function withDiskDevice<T>(s: Services, dg: string, stem: string, body: DiskDeviceBody, use: (device: FaultyDevice) => Promise<T>): Promise<T> {
  if ((body.sizeBytes === undefined) === (body.path === undefined)) throw new EngineError('VM_INVALID_PARAM', 'give exactly one of sizeBytes (a new image file) or path')
  const dryRun = body.dryRun ?? false
  let device: FaultyDevice
  let image: string | undefined
  if (body.path !== undefined) {
    if (!body.path.startsWith('nbd://') && !isAbsolute(body.path)) throw new EngineError('VM_INVALID_PARAM', `path ${body.path} is relative: give an absolute path`)
    device = createFaultyDevice(await openDevicePath(body.path, { readOnly: dryRun }))
  } else {
    if (body.sizeBytes! % 512 !== 0) throw new EngineError('VM_INVALID_PARAM', 'sizeBytes must be a multiple of 512')
    if (!/^[A-Za-z0-9_.-]+$/.test(stem)) throw new EngineError('VM_INVALID_NAME', `bad disk name ${stem}`)
    if (dryRun) device = createFaultyDevice(createMemoryDevice(body.sizeBytes!))
    else {
      image = `${dg}-${stem}.img`
      device = await s.storage.newImage(image, body.sizeBytes!)
    }
  }
  try {
    const r = await use(device)
    if (dryRun) await device.close()
    return r
  } catch (e) {
    await device.close().catch(() => {})
    if (image) await s.storage.discardImage(image)
    throw e
  }
}
