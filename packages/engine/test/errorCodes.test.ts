import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { createFaultyDevice } from '../src/device/faultyDevice.ts'
import { openDevicePath } from '../src/device/fileDevice.ts'
import { type MemoryDevice, createMemoryDevice } from '../src/device/memoryDevice.ts'
import { CFG_OFFSET, MIN_PRIV_LEN, slotLength } from '../src/disk/privateRegion.ts'
import { DiskGroup } from '../src/diskGroup.ts'
import { MiB, expectCode, memoryGroup, rec } from './harness.ts'
import { createRandom } from './random.ts'

describe('rule 132: VM_MAPFRDWR when reading or writing a configuration copy fails', () => {
  /** The group's three disks reopened, the configuration slots of the first `failing` unreadable. */
  async function reopenWithUnreadableCopies(failing: number) {
    const g = await memoryGroup(3, 32 * MiB)
    const privLen = rec(g.dg, 'disk01').dm_priv_len as number
    await g.dg.close()
    return g.devices.map((d, i) => {
      const f = createFaultyDevice((d as MemoryDevice).reopen())
      if (i < failing) f.addFault({ ops: ['read'], range: { offset: CFG_OFFSET * 512, length: 2 * slotLength(privLen) * 512 } })
      return f
    })
  }

  it('132: copies that fail to read and so cost the quorum fail the import VM_MAPFRDWR (not VM_NOQUORUM)', async () => {
    await expectCode(DiskGroup.import({ devices: await reopenWithUnreadableCopies(2) }), 'VM_MAPFRDWR')
    await expectCode(DiskGroup.import({ devices: await reopenWithUnreadableCopies(3) }), 'VM_MAPFRDWR')
  })

  it('132: one unreadable copy of three leaves a majority: the group imports', async () => {
    const dg = await DiskGroup.import({ devices: await reopenWithUnreadableCopies(1) })
    expect(dg.config().disks).toHaveLength(3)
    await dg.close()
  })
})

describe('rule 133: codes of their own meaning', () => {
  it('133: a configuration too large for its copy slot fails VM_CONFIG_FULL and changes nothing', async () => {
    const devices = [0, 1, 2].map(() => createMemoryDevice(16 * MiB))
    const dg = await DiskGroup.create({ name: 'fulldg', disks: devices.map((device, i) => ({ name: `d${i}`, device, privLen: MIN_PRIV_LEN })) })
    const rnd = createRandom(133).next
    const word = () => Array.from({ length: 40 }, () => String.fromCharCode(33 + Math.floor(rnd() * 90))).join('').replace(/\n/g, '.')
    // incompressible comments: far more than a slot of (MIN_PRIV_LEN - CFG_OFFSET) / 2 sectors holds
    const plexes = Array.from({ length: 8000 }, (_, i) => ({ type: 'plex' as const, name: `p${i}`, comment: word() }))
    const tid = dg.tid
    await expectCode(dg.makeRecords(plexes), 'VM_CONFIG_FULL')
    expect(dg.tid).toBe(tid)
    expect(dg.config().plexes).toHaveLength(0)
    await dg.makePlex({ name: 'small' }) // the group carries on
    expect(dg.tid).toBe(tid + 1)
    await dg.close()
  })

  it('133: a server that does not speak NBD fails VM_NBD_PROTOCOL, not VM_NOTCHARDEV', async () => {
    const srv = createServer((s) => s.end(Buffer.alloc(18, 0x41)))
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
    try {
      const port = (srv.address() as { port: number }).port
      await expect(openDevicePath(`nbd://127.0.0.1:${port}/x`)).rejects.toMatchObject({ code: 'VM_NBD_PROTOCOL' })
    } finally {
      await new Promise((r) => srv.close(r))
    }
  })

  it('133: I/O on a volume that is not started fails VM_NOT_STARTED; on a group not imported VM_OFFLINE', async () => {
    const g = await memoryGroup(3, 32 * MiB)
    await g.dg.assistMake({ init: 'none', name: 'v', len: 2048, layout: 'concat', disks: ['disk01'] })
    await expectCode(g.dg.read('v', 0, 512), 'VM_NOT_STARTED')
    await expectCode(g.dg.write('v', 0, Buffer.alloc(512)), 'VM_NOT_STARTED')
    await expectCode(g.dg.verify('v'), 'VM_NOT_STARTED')
    await g.dg.close()
    await expectCode(g.dg.makePlex({ name: 'p' }), 'VM_OFFLINE')
  })
})
