import { describe, expect, it } from 'vitest'
import { DiskGroup, createMemoryDevice } from '@plexa/engine'
import { HEADER, row, vxprintHt } from '../src/print.ts'

describe('vxprint -ht layout', () => {
  it('pads fields to 12, 12, 8, 8, 8, 9, 8 after a 2-character tag, one space apart', () => {
    expect(row('v', ['home', 'fsgen', 'ENABLED', 'ACTIVE', 409600, 'SELECT', '-'])).toBe('v  home         fsgen        ENABLED  ACTIVE   409600   SELECT    -')
    expect(row('sd', ['disk01-01', 'home-01', 'disk01', 0, 409600, 0, 'c1t0d0', 'ENA'])).toBe('sd disk01-01    home-01      disk01   0        409600   0         c1t0d0   ENA')
    expect(row('pl', ['a-very-long-plex-name', 'v', 'ENABLED', 'ACTIVE', 1, 'CONCAT', '-', 'RW'])).toBe('pl a-very-long-plex-name v            ENABLED  ACTIVE   1        CONCAT    -        RW')
  })

  it('prints a known configuration line by line', async () => {
    const disks = ['c1t0d0s2', 'c1t1d0s2', 'c1t2d0s2'].map((label) => createMemoryDevice(64 << 20, label))
    const dg = await DiskGroup.create({ name: 'datadg', disks: disks.map((device, i) => ({ name: `disk0${i + 1}`, device })) })
    await dg.makeRecords([
      { type: 'sd', name: 'disk01-01', disk: 'disk01', offset: 0, len: 40960 },
      { type: 'sd', name: 'disk02-01', disk: 'disk02', offset: 0, len: 40960 },
      { type: 'plex', name: 'home-01', sd: ['disk01-01'] },
      { type: 'plex', name: 'home-02', sd: ['disk02-01'] },
      { type: 'vol', name: 'home', len: 40960, plex: ['home-01', 'home-02'] },
      { type: 'sd', name: 'disk02-02', disk: 'disk02', offset: 40960, len: 10240 },
      { type: 'sd', name: 'disk03-01', disk: 'disk03', offset: 0, len: 10240 },
      { type: 'plex', name: 'scratch-01', layout: 'STRIPE', st_width: 128, sd: [{ name: 'disk02-02', column: 0 }, { name: 'disk03-01', column: 1 }] },
      { type: 'vol', name: 'scratch', usetype: 'gen', len: 20480, plex: ['scratch-01'] },
      { type: 'sd', name: 'disk03-02', disk: 'disk03', offset: 10240, len: 2 },
      { type: 'plex', name: 'spare-01', log_sd: 'disk03-02' },
    ])
    await dg.start('home')
    await dg.start('scratch')
    await dg.detachPlex('home-02')
    const c = dg.config()
    const lines = vxprintHt(c)
    const pub = c.disks[0]!.dm_pub_len
    const expected = [
      ...HEADER,
      '',
      `dg datadg       default      default  0        ${c.dg.dg_dgid}`,
      '',
      `dm disk01       c1t0d0s2     simple   4096     ${pub}   -`,
      `dm disk02       c1t1d0s2     simple   4096     ${pub}   -`,
      `dm disk03       c1t2d0s2     simple   4096     ${pub}   -`,
      '',
      'v  home         fsgen        ENABLED  ACTIVE   40960    SELECT    -',
      'pl home-01      home         ENABLED  ACTIVE   40960    CONCAT    -        RW',
      'sd disk01-01    home-01      disk01   0        40960    0         c1t0d0s2 ENA',
      'pl home-02      home         DETACHED STALE    40960    CONCAT    -        RW',
      'sd disk02-01    home-02      disk02   0        40960    0         c1t1d0s2 ENA',
      '',
      'v  scratch      gen          ENABLED  ACTIVE   20480    SELECT    -',
      'pl scratch-01   scratch      ENABLED  ACTIVE   20480    STRIPE    2/128    RW',
      'sd disk02-02    scratch-01   disk02   40960    10240    0/0       c1t1d0s2 ENA',
      'sd disk03-01    scratch-01   disk03   0        10240    1/0       c1t2d0s2 ENA',
      '',
      'pl spare-01     -            DISABLED EMPTY    LOGONLY  CONCAT    -        RW',
      'sd disk03-02    spare-01     disk03   10240    2        LOG       c1t2d0s2 ENA',
    ]
    expect(lines).toEqual(expected)
  })

  it('I79: a disk missing at import prints NODEVICE with - for its lengths, its plex NODEVICE and its subdisk NDEV', async () => {
    const disks = ['c1t0d0s2', 'c1t1d0s2', 'c1t2d0s2'].map((label) => createMemoryDevice(64 << 20, label))
    const dg = await DiskGroup.create({ name: 'datadg', disks: disks.map((device, i) => ({ name: `disk0${i + 1}`, device })) })
    await dg.assistMake({ name: 'home', len: 40960, layout: 'mirror', disks: ['disk01', 'disk02'] })
    await dg.close()
    const again = await DiskGroup.import({ devices: [disks[0]!.reopen(), disks[2]!.reopen()] })
    const lines = vxprintHt(again.config(), { header: false })
    expect(lines).toContain('dm disk02       -            -        -        -        NODEVICE')
    expect(lines).toContain('pl home-02      home         DISABLED NODEVICE 40960    CONCAT    -        RW')
    expect(lines.find((l) => l.startsWith('sd disk02-01'))).toMatch(/ - +NDEV$/)
    await again.close()
  })
})
