import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DiskGroup, createMemoryDevice } from '@plexa/engine'
import { HEADER, type PrintOptions, TY_HEADER, row, vxprint, vxprintHt } from '../src/print.ts'
import { buildGroups } from './printScenario.ts'

/** The expected `plexa print` of printScenario.ts, written by hand from docs/vxprint.md. */
const GOLDEN = readFileSync(new URL('./golden/vxprint-ht.txt', import.meta.url), 'utf8').replace(/\n$/, '').split('\n')

const HT: PrintOptions = { hierarchy: true, table: true, types: [], names: [], groupLine: true }

describe('vxprint columns', () => {
  it('I135: a field starts at its column, or one space after a field that ran past it', () => {
    expect(row('v', ['home', 'fsgen', 'ENABLED', 'ACTIVE', 409600, 'SELECT', '-'])).toBe('v  home         fsgen        ENABLED  ACTIVE   409600   SELECT    -')
    // A 13-character name shifts the plex one column; the disk column catches up, a long disk
    // name shifts the offsets, and the device column catches up again.
    expect(row('sd', ['datadisk01-09', 'crash-01', 'datadisk01', 28778496, 4194304, 0, 'c0t8d0', 'ENA'])).toBe('sd datadisk01-09 crash-01    datadisk01 28778496 4194304 0        c0t8d0   ENA')
    expect(row('pl', ['a-very-long-plex-name', 'v', 'ENABLED', 'ACTIVE', 1, 'CONCAT', '-', 'RW'])).toBe('pl a-very-long-plex-name v   ENABLED  ACTIVE   1        CONCAT    -        RW')
    expect(HEADER[3]).toBe('PL NAME         VOLUME       KSTATE   STATE    LENGTH   LAYOUT    NCOL/WID MODE')
    expect(TY_HEADER).toBe('TY NAME         ASSOC        KSTATE   LENGTH   PLOFFS   STATE    TUTIL0  PUTIL0')
  })
})

describe('plexa print of two groups with a NODEVICE disk, a SPARSE plex, a log plex and a RECOVER plex', () => {
  let scenario: Awaited<ReturnType<typeof buildGroups>>
  beforeAll(async () => {
    scenario = await buildGroups()
  })
  afterAll(async () => {
    await scenario.close()
  })

  it('I136: prints -ht line by line as the golden file, each group after its Disk group: line and headers', () => {
    const { lines, missing } = vxprint(scenario.groups, HT)
    expect(missing).toEqual([])
    lines.forEach((line, i) => expect(line, `line ${i + 1}`).toBe(GOLDEN[i]))
    expect(lines.length).toBe(GOLDEN.length)
  })

  it('I136: -g prints that group alone without its Disk group: line', () => {
    const datadg = scenario.groups.filter((g) => g.name === 'datadg')
    const { lines } = vxprint(datadg, { ...HT, groupLine: false })
    expect(lines).toEqual(GOLDEN.slice(2, GOLDEN.indexOf('Disk group: appdg') - 1))
  })

  it('I137: -h without -t prints the TY NAME ASSOC ... format with hierarchies', () => {
    const datadg = scenario.groups.filter((g) => g.name === 'datadg')
    const { lines } = vxprint(datadg, { ...HT, table: false, groupLine: false })
    expect(lines.slice(0, 13)).toEqual([
      'TY NAME         ASSOC        KSTATE   LENGTH   PLOFFS   STATE    TUTIL0  PUTIL0',
      'dg datadg       datadg       -        -        -        -        -       -',
      '',
      'dm disk01       c1t0d0s2     -        126976   -        -        -       -',
      'dm disk02       -            -        -        -        NODEVICE -       -',
      'dm disk03       c1t2d0s2     -        126976   -        -        -       -',
      '',
      'v  home         fsgen        ENABLED  40960    -        ACTIVE   -       -',
      'pl home-01      home         ENABLED  40960    -        ACTIVE   -       -',
      'sd disk01-01    home-01      ENABLED  40960    0        -        -       -',
      'pl home-02      home         DISABLED 40960    -        NODEVICE -       -',
      'sd disk02-01    home-02      DISABLED 40960    0        NODEVICE -       -',
      'pl home-03      home         ENABLED  LOGONLY  -        LOG      -       -',
    ])
  })

  it('166: a plex LENGTH is the same in every format: LOGONLY and SPARSE with -p as with -ht', () => {
    const lengths = (table: boolean) => {
      const pl = vxprint(scenario.groups, { hierarchy: false, table, types: ['pl'], names: ['home-03', 'scratch-02', 'home-01'], groupLine: false }).lines.filter((l) => l.startsWith('pl '))
      return pl.map((l) => [l.split(/ +/)[1], l.slice(table ? 47 : 38).split(' ')[0]])
    }
    const expected = [['home-01', '40960'], ['home-03', 'LOGONLY'], ['scratch-02', 'SPARSE']]
    expect(lengths(true)).toEqual(expected)
    expect(lengths(false)).toEqual(expected)
  })

  it('I135: a device name longer than the DEVICE column (demodg-disk01) shifts only the field after it; the next columns stay where the header puts them', () => {
    const dm = row('dm', ['disk01', 'demodg-disk01', 'simple', 4096, 2093056, '-'])
    expect(dm).toBe('dm disk01       demodg-disk01 simple  4096     2093056  -')
    expect(dm.indexOf('4096')).toBe(HEADER[1]!.indexOf('PRIVLEN'))
    expect(dm.indexOf('2093056')).toBe(HEADER[1]!.indexOf('PUBLEN'))
  })

  it('I138: -v, -p, -s and -d select record types; names select records; -t prints only their headers', () => {
    const print = (o: Partial<PrintOptions>) => vxprint(scenario.groups, { ...HT, hierarchy: false, table: false, ...o })
    expect(print({ types: ['v'] }).lines).toEqual([
      'Disk group: datadg',
      TY_HEADER,
      'v  home         fsgen        ENABLED  40960    -        ACTIVE   -       -',
      'v  scratch      gen          ENABLED  20480    -        ACTIVE   -       -',
      '',
      'Disk group: appdg',
      TY_HEADER,
      'v  arch         fsgen        ENABLED  16384    -        ACTIVE   -       -',
      'v  db           fsgen        DISABLED 20480    -        CLEAN    -       -',
    ])
    expect(print({ table: true, names: ['scratch-02', 'db-02'] }).lines).toEqual([
      'Disk group: datadg',
      HEADER[3],
      '',
      'pl scratch-02   scratch      ENABLED  ACTIVE   SPARSE   CONCAT    -        RW',
      '',
      'Disk group: appdg',
      HEADER[3],
      '',
      'pl db-02        db           DISABLED RECOVER  20480    CONCAT    -        RW',
    ])
    const disks = print({ table: true, types: ['dm'], groupLine: false }).lines
    expect(disks.filter((l) => l.startsWith('dm ')).map((l) => l.split(/ +/)[1])).toEqual(['disk01', 'disk02', 'disk03', 'appdisk01', 'appdisk02'])
    expect(disks.filter((l) => /^[A-Z]/.test(l))).toEqual([HEADER[1], HEADER[1]])
    const sds = print({ types: ['sd'], groupLine: false }).lines.filter((l) => l.startsWith('sd ')).map((l) => l.split(/ +/)[1])
    expect(sds).toEqual(['disk01-01', 'disk01-02', 'disk02-01', 'disk03-01', 'disk03-02', 'appdisk01-01', 'appdisk01-02', 'appdisk02-01', 'appdisk02-02', 'appdisk02-03'])
    // -h below a named plex: the plex and its subdisks.
    const arch = GOLDEN.indexOf('pl arch-01      arch         ENABLED  ACTIVE   16384    STRIPE    2/128    RW')
    expect(print({ hierarchy: true, table: true, names: ['arch-01'], groupLine: false }).lines).toEqual([HEADER[3], HEADER[4], '', ...GOLDEN.slice(arch, arch + 3)])
    const r = print({ names: ['home', 'nosuch'] })
    expect(r.missing).toEqual(['nosuch'])
    expect(r.lines.filter((l) => l.startsWith('v '))).toHaveLength(1)
  })
})

describe('vxprint: what --json prints and a plex a copy failed into', () => {
  let scenario: Awaited<ReturnType<typeof buildGroups>>
  beforeAll(async () => {
    scenario = await buildGroups()
  })
  afterAll(async () => {
    await scenario.close()
  })

  it('292: the configurations printed hold only the records selected by name or type (with -h their hierarchy), the dg record always', () => {
    const names = (c: ReturnType<typeof vxprint>['configs'][number]) => [...c.volumes.map((v) => v.v_name), ...c.plexes.map((p) => p.pl_name), ...c.subdisks.map((x) => x.sd_name), ...c.disks.map((d) => d.dm_name)]
    const one = vxprint(scenario.groups, { ...HT, names: ['arch-01'] }).configs
    expect(one.map((c) => c.dg.dg_name)).toEqual(['appdg'])
    expect(names(one[0]!)).toEqual(['arch-01', ...one[0]!.subdisks.map((x) => x.sd_name)])
    expect(one[0]!.subdisks.length).toBeGreaterThan(0)
    const flat = vxprint(scenario.groups, { ...HT, hierarchy: false, names: ['arch-01', 'home'] }).configs
    expect(flat.map(names)).toEqual([['home'], ['arch-01']])
    const plexes = vxprint(scenario.groups, { ...HT, hierarchy: false, types: ['pl'] }).configs
    expect(plexes.every((c) => !c.volumes.length && !c.subdisks.length && !c.disks.length && c.plexes.length > 0)).toBe(true)
    // nothing narrows the listing: the whole configuration of every group
    expect(vxprint(scenario.groups, HT).configs).toEqual(scenario.groups.map((g) => g.config))
  })

  it('292: a plex whose state is IOFAIL (a copy into it failed) prints IOFAIL, as its record and the web say, not RECOVER', () => {
    const g = scenario.groups.find((x) => x.name === 'appdg')!
    const db2 = g.config.plexes.find((p) => p.pl_name === 'db-02')!
    const config = { ...g.config, plexes: g.config.plexes.map((p) => (p === db2 ? { ...p, pl_state: 'IOFAIL' as const } : p)) }
    const line = vxprint([{ ...g, config }], { ...HT, hierarchy: false, names: ['db-02'], groupLine: false }).lines.find((l) => l.startsWith('pl '))
    expect(line).toBe('pl db-02        db           DISABLED IOFAIL   20480    CONCAT    -        RW')
  })
})

describe('vxprintHt', () => {
  it('I79: a disk missing at import prints NODEVICE with - for its lengths, its plex NODEVICE and its subdisk NDEV', async () => {
    const disks = ['c1t0d0s2', 'c1t1d0s2', 'c1t2d0s2'].map((label) => createMemoryDevice(64 << 20, label))
    const dg = await DiskGroup.create({ name: 'datadg', disks: disks.map((device, i) => ({ name: `disk0${i + 1}`, device })) })
    await dg.assistMake({ init: 'none', name: 'home', len: 40960, layout: 'mirror', disks: ['disk01', 'disk02'] })
    await dg.close()
    const again = await DiskGroup.import({ devices: [disks[0]!.reopen(), disks[2]!.reopen()], force: true })
    const lines = vxprintHt(again.config())
    expect(lines).toContain('dm disk02       -            -        -        -        NODEVICE')
    expect(lines).toContain('pl home-02      home         DISABLED NODEVICE 40960    CONCAT    -        RW')
    expect(lines.find((l) => l.startsWith('sd disk02-01'))).toMatch(/ - +NDEV$/)
    await again.close()
  })
})
