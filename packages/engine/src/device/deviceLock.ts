/// <reference path="./fs-native-extensions.d.ts" />
import { closeSync, constants, openSync } from 'node:fs'
import { tryLock, unlock } from 'fs-native-extensions'
import { fail } from '../errors.ts'

/**
 * The one-manager lock of an opened image file or block device (I80), held on the device itself so
 * that no environment (another TMPDIR or lock directory, the data directory reached through a bind
 * mount or a hard link) lets a second manager in:
 *
 * - an exclusive open-file-description lock (Linux `F_OFD_SETLK`, through fs-native-extensions) on
 *   the whole file: it belongs to this open file, conflicts with any other open file, in this
 *   process or another, and goes away with the descriptor (a killed manager leaves no lock);
 * - for a block device, also an `O_EXCL` open: the kernel's exclusive claim on the device, which
 *   any other node of the same device (another devtmpfs, a container's /dev) meets too, and which
 *   a mounted or otherwise held device refuses.
 *
 * Fails VM_BUSY when either is held elsewhere. `release` drops both (`isOpen` says whether `fd` is
 * still this device's: closing it dropped the OFD lock already).
 */
export function lockOpenDevice(fd: number, path: string, blockDevice: boolean, isOpen: () => boolean): () => void {
  let excl: number | undefined
  if (blockDevice) {
    try {
      excl = openSync(path, constants.O_RDONLY | constants.O_EXCL)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EBUSY') fail('VM_BUSY', `${path} is in use (managed elsewhere, mounted or held by another driver)`, e)
      throw e
    }
  }
  let held: boolean
  try {
    held = tryLock(fd)
  } catch (e) {
    if (excl !== undefined) closeSync(excl)
    throw e
  }
  if (!held) {
    if (excl !== undefined) closeSync(excl)
    fail('VM_BUSY', `${path} is locked by another manager`)
  }
  return () => {
    // A closed descriptor dropped its lock, and its number may belong to another file by now.
    if (isOpen()) unlock(fd)
    if (excl !== undefined) closeSync(excl)
    excl = undefined
  }
}
