import { describe, expect, it } from 'vitest'
import type { Config, RecordChange } from '@plexa/engine'
import { MiB, group, mirvol } from './testOperations.ts'
import { actionsFor } from './actions.ts'
import { type OperationForm, freeByDisk, initialValues, operationBody, operationWords, operationsFor, parseSize } from './operations.ts'

const ops = (c: Config, kind: 'v' | 'dm' | 'dg', name: string, role = 'admin') => Object.fromEntries(operationsFor(c, { dg: 'dg', kind, name }, role).map((a) => [a.id, a]))
const form = <K extends OperationForm['kind']>(c: Config, kind: 'v' | 'dm' | 'dg', name: string, id: string) => ops(c, kind, name)[id]!.form as Extract<OperationForm, { kind: K }>

describe('parseSize', () => {
  it.each([
    ['64m', 64 * MiB], ['64M', 64 * MiB], ['64MiB', 64 * MiB], ['1.5g', 1536 * MiB], ['2048s', 2048], ['2048', 2048], [' 1 t ', 1024 * 1024 * MiB], ['1k', 2], ['0.5k', 1],
  ])('reads %j as %i sectors', (text, sectors) => expect(parseSize(text)).toBe(sectors))
  it.each(['', 'm', '-5m', '0m', '0.3k', '1.5s', '12q', '1e3', '64 MB extra'])('refuses %j (not a whole positive number of sectors with a unit)', (text) => expect(parseSize(text)).toBeUndefined())
})

describe('freeByDisk', () => {
  it('counts each disk\'s free sectors and its largest free extent, between and after subdisks', () => {
    const f = freeByDisk(mirvol())
    expect(f.get('disk01')).toEqual({ total: 768 * MiB, largest: 768 * MiB })
    expect(f.get('disk03')).toEqual({ total: 1024 * MiB - 2, largest: 1024 * MiB - 2 })
  })
  it.each([['spare', 0x2], ['failing', 0x8], ['reserved', 0x1]])('rule 330: a %s disk is not free space the operations may count on (ordinary allocation never uses it)', (_, flag) => {
    const c = mirvol()
    c.disks.find((d) => d.dm_name === 'disk04')!.dm_pflag |= flag
    expect(freeByDisk(c).has('disk04')).toBe(false)
    expect(freeByDisk(c).has('disk01')).toBe(true)
  })
})

describe('rule 320: the everyday operations are offered where they can run, disabled with the reason otherwise', () => {
  it('320 offers Add mirror, Remove mirror, Grow, Shrink, Add log, Remove log on a started mirror with free space', () => {
    const a = ops(mirvol(), 'v', 'mirvol')
    expect(Object.keys(a)).toEqual(['mirror', 'unmirror', 'grow', 'shrink', 'addlog', 'rmlog'])
    for (const x of Object.values(a)) expect(x.disabled, x.id).toBeUndefined()
    expect(a.mirror!.form).toMatchObject({ kind: 'mirror', volume: 'mirvol', disks: ['disk03', 'disk04'], free: { disk01: 768 * MiB, disk04: 896 * MiB } })
    expect(a.rmlog!.form).toEqual({ kind: 'rmlog', volume: 'mirvol', plexes: ['mirvol-03'] })
    // the volume's operations follow its own actions in the toolbar
    expect(actionsFor(mirvol(), { dg: 'dg', kind: 'v', name: 'mirvol' }, 'admin').map((x) => x.id)).toEqual(['start', 'stop', 'resync', 'verify', 'mirror', 'unmirror', 'grow', 'shrink', 'addlog', 'rmlog'])
  })
  it('320 a viewer sees every operation disabled, saying viewers cannot change anything', () => {
    for (const [kind, name] of [['v', 'mirvol'], ['dm', 'disk02'], ['dg', 'dg']] as const) {
      const a = operationsFor(mirvol(), { dg: 'dg', kind, name }, 'viewer')
      expect(a.length).toBeGreaterThan(0)
      expect(a.every((x) => x.disabled === 'viewers cannot change anything')).toBe(true)
    }
  })
  it('320 a single-plex volume cannot lose a mirror nor get a log; it has no log to remove', () => {
    const a = ops(mirvol(), 'v', 'catvol')
    expect(a.unmirror!.disabled).toBe("catvol has one data plex: removing it would remove the volume's data")
    expect(a.addlog!.disabled).toBe('catvol is not mirrored: a dirty region log needs a mirror')
    expect(a.rmlog!.disabled).toBe('catvol has no log')
    expect(a.mirror!.disabled).toBeUndefined()
  })
  it('320 no free space on the disks a new mirror may use disables Add mirror, saying how much there is and is needed', () => {
    // a new concat plex may span disks: 256 MiB free on disk03 and disk04 together is enough
    expect(ops(mirvol({}, {}, { diskMiB: 256 }), 'v', 'mirvol').mirror!.disabled).toBeUndefined()
    const full = group([{ name: 'a-01', vol: 'a', disks: ['disk01'] }, { name: 'a-02', vol: 'a', disks: ['disk02'] }], [{ name: 'a', len: 256 * MiB }], { disks: 2, diskMiB: 256 })
    expect(ops(full, 'v', 'a').mirror!.disabled).toBe('the disks holding no plex of a have 0 B free; a new mirror needs 256 MiB')
    expect(ops(full, 'v', 'a').grow!.disabled).toBe('no disk of the group has free space')
    expect(ops(full, 'dg', 'dg').create!.disabled).toBe('no disk of the group has free space')
  })
  it('397 a striped volume is offered Grow and Shrink, as the engine grows and shrinks whole stripes (c108842)', () => {
    const c = group([{ name: 'strvol-01', vol: 'strvol', disks: ['disk01', 'disk02'], layout: 'STRIPE', len: 64 * MiB }], [{ name: 'strvol', len: 128 * MiB }])
    const a = ops(c, 'v', 'strvol')
    expect(a.grow!.disabled).toBeUndefined()
    expect(a.shrink!.disabled).toBeUndefined()
  })
  it('400 a disk under a striped plex is evacuated as the engine does (its subdisk moves, vxsd mv), and the room it needs is its subdisks on the disk, not the whole plex', () => {
    const c = group([{ name: 'strvol-01', vol: 'strvol', disks: ['disk01', 'disk02'], layout: 'STRIPE', len: 64 * MiB }], [{ name: 'strvol', len: 128 * MiB }])
    expect(ops(c, 'dm', 'disk01').evacuate!.disabled).toBeUndefined()
    // the 64 MiB column on disk01 fits on disk03 (80 MiB free); the other disks' 96 MiB would not hold the 128 MiB volume
    const tight = group([{ name: 'strvol-01', vol: 'strvol', disks: ['disk01', 'disk02'], layout: 'STRIPE', len: 64 * MiB }], [{ name: 'strvol', len: 128 * MiB }], { disks: 3, diskMiB: 80 })
    expect(ops(tight, 'dm', 'disk01').evacuate!.disabled).toBeUndefined()
    const full = group([{ name: 'strvol-01', vol: 'strvol', disks: ['disk01', 'disk02'], layout: 'STRIPE', len: 64 * MiB }], [{ name: 'strvol', len: 128 * MiB }], { disks: 2, diskMiB: 64 })
    expect(ops(full, 'dm', 'disk01').evacuate!.disabled).toBe('the other disks have 0 B free; the subdisks on disk01 need 64 MiB')
  })
  it('320 a stopped volume is evacuated offline (rule 344), a DETACHED one is not; a stopped one is not grown unless clean', () => {
    const c = mirvol({}, { k: 'DISABLED', st: 'ACTIVE' })
    expect(ops(c, 'dm', 'disk01').evacuate!.disabled).toBeUndefined()
    expect(ops(mirvol({}, { k: 'DETACHED', st: 'ACTIVE' }), 'dm', 'disk01').evacuate!.disabled).toBe('mirvol is DETACHED: start or stop it first')
    expect(ops(c, 'v', 'mirvol').grow!.disabled).toBe('mirvol is ACTIVE: start it (which recovers it) before growing it')
    expect(ops(mirvol({}, { k: 'DISABLED', st: 'CLEAN' }), 'v', 'mirvol').grow!.disabled).toBeUndefined()
  })
  it('320 a disk with nothing on it has nothing to evacuate; one whose plexes do not fit elsewhere says so', () => {
    const c = group([{ name: 'a-01', vol: 'a', disks: ['disk01'] }], [{ name: 'a', len: 256 * MiB }], { disks: 2, diskMiB: 256 })
    expect(ops(c, 'dm', 'disk02').evacuate!.disabled).toBe('no plex has a subdisk on disk02: there is nothing to move')
    const tight = group([{ name: 'a-01', vol: 'a', disks: ['disk01'] }, { name: 'b-01', vol: 'b', disks: ['disk02'] }], [{ name: 'a', len: 256 * MiB }, { name: 'b', len: 128 * MiB }], { disks: 2, diskMiB: 256 })
    expect(ops(tight, 'dm', 'disk01').evacuate!.disabled).toBe('the other disks have 128 MiB free; the subdisks on disk01 need 256 MiB')
    const a = ops(mirvol(), 'dm', 'disk04').evacuate!
    expect(a.disabled).toBeUndefined()
    expect(a.form).toMatchObject({ kind: 'evacuate', disk: 'disk04', disks: ['disk01', 'disk02', 'disk03'] })
  })
  it('320 a volume a browser-started operation is working on (tutil0) is locked for every operation that changes it', () => {
    const a = ops(mirvol({}, { tutil: 'ATT' }), 'v', 'mirvol')
    for (const id of ['mirror', 'unmirror', 'grow', 'shrink', 'addlog', 'rmlog']) expect(a[id]!.disabled, id).toBe('mirvol is locked by ATT')
  })
  it('320 a disk group offers Create volume with the name limit of its profile (11, 28 in vxvm3)', () => {
    expect(form<'create'>(mirvol(), 'dg', 'dg', 'create')).toMatchObject({ kind: 'create', nameMax: 11, disks: ['disk01', 'disk02', 'disk03', 'disk04'] })
    expect(form<'create'>(mirvol({}, {}, { profile: 'vxvm3' }), 'dg', 'dg', 'create').nameMax).toBe(28)
  })
})

describe('rule 321: Remove mirror and Shrink need an explicit choice that says what is lost', () => {
  it('321 the last complete current plex is refused without the choice, and with it the body forces', () => {
    const c = mirvol({ st: 'STALE', k: 'DETACHED' })
    const f = form<'unmirror'>(c, 'v', 'mirvol', 'unmirror')
    expect(f.plexes).toEqual([{ name: 'mirvol-01', last: true }, { name: 'mirvol-02', last: false }])
    // the dialog opens on the plex that is not the last copy
    expect(initialValues(f).plex).toBe('mirvol-02')
    expect(operationBody(f, { plex: 'mirvol-02' })).toEqual({ body: { plex: 'mirvol-02' } })
    const refused = operationBody(f, { plex: 'mirvol-01', force: false })
    expect(refused.issues?.force).toMatch(/^mirvol-01 is the last complete current plex of mirvol: removing it leaves the data with no copy/)
    expect(operationBody(f, { plex: 'mirvol-01', force: true })).toEqual({ body: { plex: 'mirvol-01', force: true } })
  })
  it('321 shrinking a started volume needs the force choice; a stopped one does not', () => {
    const f = form<'shrink'>(mirvol(), 'v', 'catvol', 'shrink')
    expect(operationBody(f, { size: '64m' }).issues).toEqual({ force: 'catvol is started: a shrink of a started volume must be forced, and whatever lies beyond the new end is gone' })
    expect(operationBody(f, { size: '64m', force: true })).toEqual({ body: { len: 64 * MiB, force: true } })
    const stopped = group([{ name: 'c-01', vol: 'c', disks: ['disk01'] }], [{ name: 'c', len: 128 * MiB, k: 'DISABLED', st: 'CLEAN' }])
    expect(operationBody(form<'shrink'>(stopped, 'v', 'c', 'shrink'), { size: '64m' })).toEqual({ body: { len: 64 * MiB } })
  })
  it('321 a grow must grow and a shrink must shrink, and a size must be one', () => {
    const g = form<'grow'>(mirvol(), 'v', 'catvol', 'grow')
    expect(operationBody(g, { size: '192m' })).toEqual({ body: { len: 192 * MiB } })
    expect(operationBody(g, { size: '128m' }).issues?.size).toBe('catvol is 128 MiB (262144 sectors): the new size must be larger')
    expect(operationBody(g, { size: '12q' }).issues?.size).toMatch(/^"12q" is not a size/)
    expect(operationBody(g, { size: '' }).issues?.size).toMatch(/^give the new size/)
    const s = form<'shrink'>(mirvol(), 'v', 'catvol', 'shrink')
    expect(operationBody(s, { size: '1g', force: true }).issues?.size).toBe('catvol is 128 MiB (262144 sectors): the new size must be smaller')
  })
  it('321 chosen target disks go as disks (mirror, log) or to (evacuate); none chosen leaves the choice to the server', () => {
    expect(operationBody(form(mirvol(), 'v', 'mirvol', 'mirror'), { disks: ['disk04'] })).toEqual({ body: { disks: ['disk04'] } })
    expect(operationBody(form(mirvol(), 'v', 'mirvol', 'mirror'), { disks: [] })).toEqual({ body: {} })
    expect(operationBody(form(mirvol(), 'dm', 'disk04', 'evacuate'), { disks: ['disk03'] })).toEqual({ body: { to: ['disk03'] } })
  })
})

describe('rule 322: the create-volume form checks what the server would refuse, inline', () => {
  const f = form<'create'>(mirvol(), 'dg', 'dg', 'create')
  const ok = { ...initialValues(f), name: 'newvol', size: '64m' }
  it('322 builds the assist body for each layout', () => {
    expect(operationBody(f, ok)).toEqual({ body: { name: 'newvol', len: 64 * MiB, layout: 'concat' } })
    expect(operationBody(f, { ...ok, layout: 'mirror', nmirror: '3', log: true })).toEqual({ body: { name: 'newvol', len: 64 * MiB, layout: 'mirror', nmirror: 3, log: 'drl' } })
    expect(operationBody(f, { ...ok, layout: 'mirror-stripe', nmirror: '2', ncol: '2', disks: ['disk01', 'disk02', 'disk03', 'disk04'] })).toEqual({ body: { name: 'newvol', len: 64 * MiB, layout: 'mirror-stripe', nmirror: 2, ncol: 2, disks: ['disk01', 'disk02', 'disk03', 'disk04'] } })
  })
  it('322 a name over the limit, a taken name, a bad size, a bad count and a log without a mirror are each named by field', () => {
    expect(operationBody(f, { ...ok, name: 'abcdefghijkl' }).issues).toEqual({ name: 'at most 11 characters (its plexes are named abcdefghijkl-01, ...); this one has 12' })
    expect(operationBody(f, { ...ok, name: 'abcdefghijk' }).body).toBeDefined()
    expect(operationBody(f, { ...ok, name: 'mirvol' }).issues).toEqual({ name: 'the group already has a record named mirvol' })
    expect(operationBody(f, { ...ok, name: '-x' }).issues?.name).toMatch(/^letters, digits/)
    expect(operationBody(f, { ...ok, size: '64' }).body).toEqual({ name: 'newvol', len: 64, layout: 'concat' })
    expect(Object.keys(operationBody(f, { ...ok, size: '6.4x' }).issues!)).toEqual(['size'])
    expect(operationBody(f, { ...ok, layout: 'stripe', ncol: '9' }).issues).toEqual({ ncol: 'the number of columns is a whole number from 2 to 4' })
    expect(operationBody(f, { ...ok, layout: 'mirror', nmirror: '1' }).issues).toEqual({ nmirror: 'the number of mirrors is a whole number from 2 to 32' })
    expect(operationBody(f, { ...ok, log: true }).issues).toEqual({ log: 'a dirty region log needs a mirrored layout' })
  })
})

describe('rule 323: the dry run in words, effect first', () => {
  const c = mirvol()
  const created = (kind: 'sd' | 'pl' | 'v', name: string, after: Record<string, unknown> = {}): RecordChange => ({ kind, rid: 0, name, op: 'create', fields: [], after })
  const gone = (kind: 'sd' | 'pl', name: string): RecordChange => ({ kind, rid: 0, name, op: 'delete', fields: [] })
  const a = ops(c, 'v', 'mirvol')
  it('323 a removed mirror that leaves one copy says the volume will have no redundancy', () => {
    expect(operationWords(a.unmirror!, c, { plex: 'mirvol-02' }, { changes: [gone('pl', 'mirvol-02'), gone('sd', 'disk02-10')] })).toEqual([
      'mirvol will have no redundancy',
      'plex mirvol-02 is removed with its subdisks; their space is free again',
      'plex mirvol-02 is removed',
      'subdisk disk02-10 is removed',
    ])
    const one = mirvol({ st: 'STALE', k: 'DETACHED' })
    expect(operationWords(ops(one, 'v', 'mirvol').unmirror!, one, { plex: 'mirvol-01', force: true }, {})[0]).toBe("mirvol's data will have no copy: plex mirvol-01 is its last complete current plex")
    // a stale plex removed takes no copy away: the volume had no redundancy already
    expect(operationWords(ops(one, 'v', 'mirvol').unmirror!, one, { plex: 'mirvol-02' }, {})[0]).toBe('plex mirvol-02 is not a complete current copy: mirvol keeps its 1 complete copy (no redundancy, as now, until a new mirror is added)')
  })
  it('323 a new mirror names its plex, the copy and where its subdisks go', () => {
    expect(operationWords(a.mirror!, c, {}, { changes: [created('sd', 'disk04-02', { sd_dm_name: 'disk04', sd_len: 256 * MiB }), created('pl', 'mirvol-04')], copyBytes: 256 << 20 })).toEqual([
      'mirvol gets a new mirror, plex mirvol-04: 3 complete copies once it is copied',
      '256 MiB to copy into mirvol-04 (an attach task; mirvol stays in use)',
      'subdisk disk04-02 is created on disk04 (256 MiB)',
      'plex mirvol-04 is created',
    ])
  })
  it('323 a shrink says the data beyond the new end is gone; a grow says the zeros it writes', () => {
    expect(operationWords(a.shrink!, c, { len: 128 * MiB, force: true }, { changes: [] })).toEqual(['mirvol shrinks from 256 MiB to 128 MiB (262144 sectors)', 'the data beyond 128 MiB is gone: whatever uses mirvol (a file system) must have been shrunk first'])
    expect(operationWords(a.grow!, c, { len: 512 * MiB }, { changes: [], copyBytes: 512 << 20 })).toEqual(['mirvol grows from 256 MiB to 512 MiB (1048576 sectors)', '512 MiB of zeros written into the new space of every plex (a grow task), then the new length'])
  })
  it('323 removing the last log says a crash means a full resync; an evacuation lists each plex move', () => {
    expect(operationWords(a.rmlog!, c, { plex: 'mirvol-03' }, {})[0]).toBe('mirvol loses its dirty region log: after a crash every region is copied (a full resync)')
    const ev = ops(c, 'dm', 'disk04').evacuate!
    expect(operationWords(ev, c, {}, { changes: [created('pl', 'catvol-02'), gone('pl', 'catvol-01')], copyBytes: 128 << 20 }).slice(0, 2)).toEqual(['plex catvol-01 moves to catvol-02 (copied live by an attach task, then the old plex removed)', '128 MiB to copy; disk04 holds no subdisk afterwards'])
    // a stopped volume's plex is moved offline (rule 344)
    const stopped = group([{ name: 'c-01', vol: 'c', disks: ['disk01'] }], [{ name: 'c', len: 64 * MiB, k: 'DISABLED', st: 'CLEAN' }])
    expect(operationWords(ops(stopped, 'dm', 'disk01').evacuate!, stopped, {}, { changes: [created('pl', 'c-02'), gone('pl', 'c-01')], copyBytes: 64 << 20 })[0]).toBe('plex c-01 moves to c-02 (copied offline, c stays stopped, then the old plex removed)')
  })
  it('412 an evacuation that moves subdisks (vxsd mv) says which subdisk of which plex goes where, never "nothing is on" the disk', () => {
    const ev = ops(c, 'dm', 'disk04').evacuate!
    const words = operationWords(ev, c, {}, { changes: [created('sd', 'disk03-99', { sd_dm_name: 'disk03', sd_pl_name: 'catvol-01' }), gone('sd', 'disk04-30')], copyBytes: 128 << 20 })
    expect(words[0]).toBe('subdisk disk04-30 of plex catvol-01 moves to disk03-99 on disk03 (copied live, one subdisk at a time, then the old one removed)')
    expect(words[1]).toBe('128 MiB to copy; disk04 holds no subdisk afterwards')
  })
  it('323 a created volume is described with its layout', () => {
    const cr = ops(c, 'dg', 'dg').create!
    expect(operationWords(cr, c, { name: 'newvol', len: 64 * MiB, layout: 'mirror', nmirror: 2, log: 'drl' }, { changes: [created('v', 'newvol', { v_len: 64 * MiB })] })).toEqual([
      'volume newvol is created: 64 MiB, mirror, 2 mirrors, with a dirty region log; it is started and its mirrors copied from the first plex',
    ])
  })
})
