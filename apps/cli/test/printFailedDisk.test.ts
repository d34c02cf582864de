// Rule 422: a plex with a subdisk on a failed disk says so in `plexa print` (NODEVICE, its subdisk
// NDEV), as soon as the disk fails (before any I/O meets it) and whatever the records say.
import { describe, expect, it } from 'vitest'
import { DiskGroup, createMemoryDevice } from '@plexa/engine'
import { vxprintHt } from '../src/print.ts'
import { vxprint } from '../src/print.ts'
import { cliAgainstServer } from './harness.ts'

describe('print: a plex on a failed disk is NODEVICE (rule 422)', () => {
  it('rule 422: with disk02 failing, home-02 prints NODEVICE and its subdisk NDEV, home-01 stays ACTIVE', async () => {
    const disks = ['c1t0d0s2', 'c1t1d0s2', 'c1t2d0s2'].map((label) => createMemoryDevice(64 << 20, label))
    const dg = await DiskGroup.create({ name: 'datadg', disks: disks.map((device, i) => ({ name: `disk0${i + 1}`, device })) })
    await dg.assistMake({ init: 'none', name: 'home', len: 40960, layout: 'mirror', disks: ['disk01', 'disk02'] })
    await dg.start('home')
    const o = { hierarchy: true, table: true, types: [], names: [], groupLine: false }
    const healthy = vxprint([{ name: 'datadg', config: dg.config() }], o).lines
    expect(healthy).toContain(vxprintHt(dg.config()).find((l) => l.startsWith('pl home-02')))
    const lines = vxprint([{ name: 'datadg', config: dg.config(), failed: new Map([['disk02', 'both' as const]]) }], o).lines
    expect(lines.find((l) => l.startsWith('pl home-02'))).toMatch(/^pl home-02\s+home\s+ENABLED\s+NODEVICE\s/)
    expect(lines.find((l) => l.startsWith('pl home-01'))).toMatch(/^pl home-01\s+home\s+ENABLED\s+ACTIVE\s/)
    expect(lines.find((l) => l.startsWith('sd disk02-01'))).toMatch(/ NDEV$/)
    expect(lines.find((l) => l.startsWith('sd disk01-01'))).toMatch(/ ENA$/)
    await dg.close()
  })

  describe('against a server', () => {
    const cli = cliAgainstServer()
    const { as } = cli
    it('rule 422: after lab fail-disk, before anything writes, print shows the plex on it NODEVICE; after restore-disk, ACTIVE again', async () => {
      expect((await as(['lab', 'fail-disk', 'disk02'])).code).toBe(0)
      const failed = (await as(['print', 'mir'])).stdout
      expect(failed).toMatch(/^pl mir-02\s+mir\s+\S+\s+NODEVICE\s/m)
      expect(failed).toMatch(/^pl mir-01\s+mir\s+ENABLED\s+ACTIVE\s/m)
      expect((await as(['lab', 'restore-disk', 'disk02'])).code).toBe(0)
      expect((await as(['print', 'mir'])).stdout).toMatch(/^pl mir-02\s+mir\s+ENABLED\s+ACTIVE\s/m)
    })
  })
})
