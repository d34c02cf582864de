import type { BlockDevice } from '../src/device/blockDevice.ts'

/** A byte range of a device. */
export interface ByteRange {
  offset: number
  length: number
}

/**
 * `dev` whose next write can be held at a known point (a transaction's commit, a kernel error's
 * log write, a replace's header write): `arm(range)` arms it, and the next write that touches
 * byte range `range` (any write when none is given) waits; `reached` resolves as it starts
 * waiting and `release()` lets it through. Other writes, and those after it, go through.
 */
export function heldWrite(dev: BlockDevice) {
  let armed: ByteRange | 'any' | undefined
  let reach = () => {}
  let release = () => {}
  let reached = Promise.resolve()
  let gate = Promise.resolve()
  const touches = (offset: number, length: number) => armed === 'any' || (armed !== undefined && offset < armed.offset + armed.length && offset + length > armed.offset)
  const device: BlockDevice = {
    kind: dev.kind,
    size: dev.size,
    location: dev.location,
    lockKey: dev.lockKey,
    read: (offset, length) => dev.read(offset, length),
    async write(offset, data, opts) {
      if (touches(offset, data.length)) {
        armed = undefined
        reach()
        await gate
      }
      return dev.write(offset, data, opts)
    },
    flush: () => dev.flush(),
    close: () => dev.close(),
  }
  return {
    device,
    arm(range?: ByteRange) {
      armed = range ?? 'any'
      reached = new Promise<void>((r) => (reach = r))
      gate = new Promise<void>((r) => (release = r))
    },
    /** Resolves as the held write starts waiting. */
    get reached() {
      return reached
    },
    release: () => release(),
  }
}
