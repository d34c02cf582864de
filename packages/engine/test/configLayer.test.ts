// The configuration layer on its own (config/): the quorum decisions, the import's choice of a
// configuration, the store's transactions and hooks, and the kernel log's serialised writes.
import { describe, expect, it } from 'vitest'
import { chooseConfig, hasQuorum } from '../src/config/configCopies.ts'
import { ConfigStore } from '../src/config/configStore.ts'
import { KernelLog } from '../src/config/kernelLog.ts'
import { toStored } from '../src/config/stored.ts'
import { createMemoryDevice } from '../src/device/memoryDevice.ts'
import { type ConfigCopy, KLOG_AREA, encodeConfigPayload, readRing } from '../src/disk/privateRegion.ts'
import { type Config, DG_PFLAG, type DmRecord, emptyUtil } from '../src/records/types.ts'
import { expectCode } from './harness.ts'

function disk(name: string, rid: number, copies = 1): DmRecord {
  return {
    dm_name: name, dm_comment: '', dm_putil: emptyUtil(), dm_diskid: `id-${name}`, dm_last_da_name: '', dm_rid: rid, dm_update_tid: 0,
    dm_pflag: 0, dm_priv_len: 2048, dm_pub_offset: 2048, dm_pub_len: 100000, dm_config_copies: copies, dm_tutil: emptyUtil(), dm_tflag: 0,
    dm_device: '', dm_sd_num: 0,
  }
}

function config(tid: number, disks: DmRecord[], pflag = 0): Config {
  return {
    tid, nextRid: 10,
    dg: {
      dg_name: 'dg', dg_comment: '', dg_putil: emptyUtil(), dg_dgid: 'dgid', dg_rid: 1, dg_update_tid: 0, dg_pflag: pflag, dg_nconfig: 0,
      dg_nlog: 0, dg_minor: 0, dg_profile: 'classic', dg_tutil: emptyUtil(), dg_tflag: 0, dg_import_id: 0,
    },
    disks, subdisks: [], plexes: [], volumes: [],
  }
}

const copy = (c: Config, slot: 0 | 1 = 0): ConfigCopy => ({ slot, tid: c.tid, payload: encodeConfigPayload(toStored(c)) })
const three = [disk('d1', 2), disk('d2', 3), disk('d3', 4)]

describe('config layer: quorum (checklist H 69-72, rule 125)', () => {
  it('H71: a majority keeps quorum, half does not; NOQUORUM imports with all copies and stays on with one', () => {
    expect(hasQuorum(2, 3, false, false)).toBe(true)
    expect(hasQuorum(2, 4, false, true)).toBe(false)
    expect(hasQuorum(1, 3, true, false)).toBe(true)
    expect(hasQuorum(0, 3, true, false)).toBe(false)
    expect(hasQuorum(2, 3, true, true)).toBe(false)
    expect(hasQuorum(3, 3, true, true)).toBe(true)
  })

  it('H71/265: import chooses the newest configuration when a majority of its copies are on the disks read, whatever tid they hold', () => {
    const old = config(5, three)
    const neu = config(6, three)
    // d1 took tid 6 (d2 and d3 failed it, or the crash came first): d2 and d3 are copies that missed it
    const copies = new Map([['id-d1', [copy(old, 0), copy(neu, 1)]], ['id-d2', [copy(old)]], ['id-d3', [copy(old)]]])
    expect(chooseConfig(copies, 'dgid')?.tid).toBe(6)
    // d1 and d3 alone: tid 5 in d1's other slot and on d3 would be a majority, tid 6 still wins
    const d1AndD3 = new Map([['id-d1', [copy(old, 0), copy(neu, 1)]], ['id-d3', [copy(old)]]])
    expect(chooseConfig(d1AndD3, 'dgid')?.tid).toBe(6)
    expect(chooseConfig(new Map([['id-d1', [copy(old), copy(neu, 1)]]]), 'dgid')).toBeUndefined()
    // a disk that holds no copy of the group counts for nothing
    expect(chooseConfig(new Map([['id-d1', [copy(neu)]], ['id-d2', []]]), 'dgid')).toBeUndefined()
    expect(chooseConfig(copies, 'another group')).toBeUndefined()
    expect(chooseConfig(new Map(), 'dgid')).toBeUndefined()
  })

  it('I226: copies of one tid that differ count apart: the content most copies hold wins, whichever disk is read first; equal counts choose the same content in any order', () => {
    const leftover = config(6, three)
    leftover.dg.dg_comment = 'a failed commit'
    const committed = config(6, three)
    const copies = new Map([['id-d1', [copy(config(5, three), 0), copy(leftover, 1)]], ['id-d2', [copy(committed)]], ['id-d3', [copy(committed)]]])
    expect(chooseConfig(copies, 'dgid')?.dg.dg_comment).toBe('')
    expect(chooseConfig(new Map([...copies].reverse()), 'dgid')?.dg.dg_comment).toBe('')
    // one copy each: d3 (tid 5) counts for either, and the choice does not depend on the order read
    copies.set('id-d3', [copy(config(5, three))])
    const chosen = chooseConfig(copies, 'dgid')
    expect(chosen?.tid).toBe(6)
    expect(chooseConfig(new Map([...copies].reverse()), 'dgid')?.dg.dg_comment).toBe(chosen?.dg.dg_comment)
    // a disk holding the other content counts for that one alone: d1 and d2 are no majority of either
    copies.delete('id-d3')
    expect(chooseConfig(copies, 'dgid')).toBeUndefined()
  })

  it('I225: the copies of a disk a newer configuration no longer has count in no quorum', () => {
    const before = config(5, three)
    const after = config(6, three.slice(0, 2)) // d3 removed at tid 6, on d1 and d2
    const d1AndD3 = new Map([['id-d1', [copy(before, 0), copy(after, 1)]], ['id-d3', [copy(before)]]])
    expect(chooseConfig(d1AndD3, 'dgid')).toBeUndefined()
    d1AndD3.set('id-d2', [copy(after)])
    expect(chooseConfig(d1AndD3, 'dgid')?.tid).toBe(6)
  })

  it('H71: a NOQUORUM group is chosen only when every copy holds it', () => {
    const c = config(3, three, DG_PFLAG.NOQUORUM)
    const two = new Map([['id-d1', [copy(c)]], ['id-d2', [copy(c)]]])
    expect(chooseConfig(two, 'dgid')).toBeUndefined()
    two.set('id-d3', [copy(c)])
    expect(chooseConfig(two, 'dgid')?.tid).toBe(3)
  })
})

describe('config layer: the store (rule 125)', () => {
  it('a transaction commits tid + 1 on a copy; hooks run in order after the commit; a dry run changes nothing', async () => {
    const written: number[] = []
    const store = new ConfigStore(config(1, three), async (c) => void written.push(c.tid))
    const seen: string[] = []
    store.onCommit((c) => seen.push(`first ${c.operation} ${c.before.tid}->${c.after.tid} ${store.current().tid}`))
    store.onCommit(() => seen.push('second'))
    const before = store.current()
    const dry = await store.transact('set', (d) => void (d.c.dg.dg_comment = 'x'), { dryRun: true })
    expect(dry).toMatchObject({ dryRun: true, tid: 1 })
    expect(store.current()).toBe(before)
    const r = await store.transact('set', (d) => void (d.c.dg.dg_comment = 'x'))
    expect(r.tid).toBe(2)
    expect(before.dg.dg_comment).toBe('')
    expect(store.current().dg).toMatchObject({ dg_comment: 'x', dg_update_tid: 2 })
    expect(written).toEqual([2])
    expect(seen).toEqual(['first set 1->2 2', 'second'])
    // nothing changed: no commit, no hook
    await store.transact('set', (d) => void (d.c.dg.dg_comment = 'x'))
    expect(written).toEqual([2])
  })

  it('a transaction whose write fails leaves the committed configuration as it was; the next one runs', async () => {
    let failNext = true
    const store = new ConfigStore(config(1, three), async () => {
      if (failNext) {
        failNext = false
        throw Object.assign(new Error('lost quorum'), { code: 'VM_FORCEOFF' })
      }
    })
    await expect(store.transact('a', (d) => void (d.c.dg.dg_comment = 'a'))).rejects.toMatchObject({ code: 'VM_FORCEOFF' })
    expect(store.current().tid).toBe(1)
    expect(store.busy).toBe(false)
    await store.transact('b', (d) => void (d.c.dg.dg_comment = 'b'))
    expect(store.current()).toMatchObject({ tid: 2, dg: { dg_comment: 'b' } })
  })

  it('H69: a refused transaction is a rejected promise, not a synchronous throw, so a `.catch` on it handles the refusal', async () => {
    const store = new ConfigStore(config(1, three), async () => {})
    store.forceOffline()
    let handled: unknown
    expect(() => void store.transact('a', () => {}).catch((e: unknown) => (handled = e))).not.toThrow()
    await Promise.resolve()
    await Promise.resolve()
    expect(handled).toMatchObject({ code: 'VM_FORCEOFF' })
  })

  it('H69: closed or forced offline, a transaction fails VM_OFFLINE / VM_FORCEOFF unless forced', async () => {
    const store = new ConfigStore(config(1, three), async () => {})
    store.forceOffline()
    await expectCode(() => store.transact('a', () => {}), 'VM_FORCEOFF')
    expect((await store.transact('import', () => {}, { force: true })).tid).toBe(2)
    store.close()
    await expectCode(() => store.transact('a', () => {}), 'VM_OFFLINE')
  })
})

describe('config layer: the kernel log (E 50, rule 125)', () => {
  it('writes are serialised with increasing sequence numbers; the newest image is what a reader finds', async () => {
    const devs = [createMemoryDevice(4 << 20), createMemoryDevice(4 << 20)]
    const klog = new KernelLog({ dirty: [], detached: [] }, 7, () => devs)
    await Promise.all([klog.markDirty(3), klog.markDirty(4), klog.addTask({ kind: 'resyncVolume', target: 'v1', force: true, done: 0 })])
    const ring = await readRing(devs[1]!, KLOG_AREA)
    expect(ring?.seq).toBe(10)
    expect(ring?.payload).toMatchObject({ dirty: [3, 4], tasks: [{ target: 'v1' }] })
    const back = await KernelLog.read(devs)
    expect(back).toMatchObject({ seq: 10, image: { dirty: [3, 4] } })
    await klog.markClean(3)
    expect((await KernelLog.read(devs)).image.dirty).toEqual([4])
  })

  it('a write no disk takes fails VM_WRTDAERR; the next write still goes out', async () => {
    let devs: ReturnType<typeof createMemoryDevice>[] = []
    const klog = new KernelLog({ dirty: [], detached: [] }, 0, () => devs)
    await expectCode(klog.markDirty(1), 'VM_WRTDAERR')
    devs = [createMemoryDevice(4 << 20)]
    await klog.write()
    expect((await KernelLog.read(devs)).image.dirty).toEqual([1])
  })
})
