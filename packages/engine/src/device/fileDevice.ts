import { open, readFile, realpath, stat, type FileHandle } from 'node:fs/promises'
import { type BlockDevice, checkRange, closedError, ioError } from './blockDevice.ts'
import { fail } from '../errors.ts'
import { openNbdDevice } from './nbdDevice.ts'
import { SECTOR_SIZE } from '../units.ts'

/** Creates a sparse image file of `size` bytes (fails VM_EXISTS if it already exists). */
export async function createImageFile(path: string, size: number): Promise<void> {
  if (!Number.isSafeInteger(size) || size <= 0 || size % SECTOR_SIZE !== 0) {
    fail('VM_INVALID_PARAM', `image size must be a positive multiple of ${SECTOR_SIZE} bytes`)
  }
  let fh: FileHandle
  try {
    fh = await open(path, 'wx')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') fail('VM_EXISTS', `${path} already exists`, e)
    fail('VM_NOTCHARDEV', `cannot create image file ${path}`, e)
  }
  try {
    await fh.truncate(size)
    await fh.sync()
  } finally {
    await fh.close()
  }
}

async function blockDeviceSize(path: string): Promise<number> {
  const st = await stat(path)
  const major = Math.floor(st.rdev / 256) & 0xfff
  const minor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00)
  // /sys reports the size in 512-byte units regardless of the logical block size.
  const sectors = Number((await readFile(`/sys/dev/block/${major}:${minor}/size`, 'utf8')).trim())
  return sectors * 512
}

/**
 * Opens an image file, a real block device path, or an NBD export (`nbd://host:port/name`).
 * Anything else (a directory, a character device, a missing path) fails VM_NOTCHARDEV.
 */
export async function openDevicePath(path: string): Promise<BlockDevice> {
  if (path.startsWith('nbd://')) return openNbdDevice(path)
  let st
  try {
    st = await stat(path)
  } catch (e) {
    fail('VM_NOTCHARDEV', `${path} does not exist`, e)
  }
  if (!st.isFile() && !st.isBlockDevice()) fail('VM_NOTCHARDEV', `${path} is not an image file or block device`)
  let fh: FileHandle
  try {
    fh = await open(path, 'r+')
  } catch (e) {
    fail('VM_NOTCHARDEV', `cannot open ${path} for reading and writing`, e)
  }
  const kind = st.isBlockDevice() ? 'blockdev' : 'file'
  let size: number
  try {
    size = kind === 'blockdev' ? await blockDeviceSize(path) : st.size
  } catch (e) {
    await fh.close()
    fail('VM_NOTCHARDEV', `cannot size block device ${path}`, e)
  }
  size -= size % SECTOR_SIZE
  if (size <= 0) {
    await fh.close()
    fail('VM_NOTCHARDEV', `${path} is empty`)
  }
  const key = await realpath(path)
  let closed = false
  const location = path
  const dev: BlockDevice = {
    kind,
    size,
    location,
    lockKey: `path:${key}`,
    async read(offset, length) {
      if (closed) throw closedError(location)
      checkRange(dev, offset, length)
      // Every byte is either read or zeroed below, so the buffer need not be cleared first.
      const buf = Buffer.allocUnsafe(length)
      let done = 0
      try {
        while (done < length) {
          const { bytesRead } = await fh.read(buf, done, length - done, offset + done)
          if (bytesRead === 0) break // past EOF of a short file: zeros
          done += bytesRead
        }
      } catch (e) {
        throw ioError(location, 'read', e)
      }
      if (done < length) buf.fill(0, done)
      return buf
    },
    async write(offset, data) {
      if (closed) throw closedError(location)
      checkRange(dev, offset, data.length)
      let done = 0
      try {
        while (done < data.length) {
          const { bytesWritten } = await fh.write(data, done, data.length - done, offset + done)
          done += bytesWritten
        }
      } catch (e) {
        throw ioError(location, 'write', e)
      }
    },
    async flush() {
      if (closed) throw closedError(location)
      try {
        await fh.datasync()
      } catch (e) {
        throw ioError(location, 'flush', e)
      }
    },
    async close() {
      if (closed) return
      closed = true
      await fh.close()
    },
  }
  return dev
}

