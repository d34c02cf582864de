import { describe, expect, it } from 'vitest'
import { EngineError } from '../src/errors.ts'
import type { FailureDecision } from '../src/io/exceptionPolicy.ts'
import { RegionLock } from '../src/io/regionLock.ts'
import { type IoErrorReport, type VolumeIoContext, type VolumeIoRuntime, VolumeIo } from '../src/io/volumeIo.ts'
import { type PlRecord, PL_TFLAG, type VRecord } from '../src/records/types.ts'
import { RegionSet } from '../src/regionSet.ts'

const plex = (rid: number, writable = true) =>
  ({ pl_rid: rid, pl_name: `v1-0${rid}`, pl_kstate: writable ? 'ENABLED' : 'DETACHED', pl_state: writable ? 'ACTIVE' : 'STALE', pl_tflag: writable ? PL_TFLAG.READ | PL_TFLAG.WRITE : 0 }) as PlRecord
const volume = { v_rid: 9, v_name: 'v1', v_len: 8192, v_pref_name: '', v_kstate: 'ENABLED', v_tflag: 0 } as VRecord

/**
 * The volume I/O layer alone, on a context of fakes (no group, no devices): every call it makes
 * goes into one log, plex writes fail where `failing` says, and the failure handler's record (the
 * kernel log's detach and its commit) waits until the test lets it go.
 */
function layer(plexes: PlRecord[], failing: Set<number> = new Set()) {
  const log: string[] = []
  const errors: IoErrorReport[] = []
  let releaseRecord: () => void = () => {}
  const recorded = new Promise<void>((res) => (releaseRecord = res))
  let entered: () => void = () => {}
  const recording = new Promise<void>((res) => (entered = res))
  const rt: VolumeIoRuntime = { lock: new RegionLock(() => 0), lastReadEnd: -Infinity, lastReadPlex: 0, dirtyMarked: undefined, inflight: 0, drained: [], drl: undefined, unflushed: new RegionSet(), rwback: undefined }
  const write = async (p: PlRecord) => {
    log.push(`write ${p.pl_name}`)
    await Promise.resolve()
    if (failing.has(p.pl_rid)) throw new EngineError('VM_IO', `write on ${p.pl_name} failed`)
  }
  const ctx: VolumeIoContext = {
    map: () => ({ plexesOf: () => plexes }),
    volume: () => volume,
    plexIo: {
      read: async () => Buffer.alloc(0),
      write,
      writeEach: (targets) => targets.map(write),
      flush: async () => {},
      covers: () => true,
      disksOf: (p) => `disk-of-${p.pl_name}`,
    },
    stale: {
      add: (rid) => (log.push(`stale v1-0${rid}`), true),
      persist: async () => void log.push('stale maps persisted'),
      track: () => {},
      isStale: () => false,
    },
    markWritten: async () => void log.push('kernel log: volume written'),
    runtime: () => rt,
    failures: {
      decide: (_v, _op, _targets, failed): FailureDecision => (log.push(`decide ${[...failed].join(',')}`), { detachPlexes: [...failed], detachVolume: false, failIo: false, kept: [] }),
      record: async () => {
        log.push('record detach: waiting')
        entered()
        await recorded
        log.push('record detach: done')
      },
      isCurrentCopy: () => true,
      leaving: () => false,
    },
    ioError: (e) => errors.push(e),
    assertOnline: () => {},
  }
  return { io: new VolumeIo(ctx), log, errors, releaseRecord, recording, rt }
}

describe('VolumeIo alone, on an injected context (rule 177)', () => {
  it('177: the kernel log mark and the stale map of a plex that misses the write come before any plex write; the writable plexes are written together', async () => {
    const { io, log, rt } = layer([plex(1), plex(2, false), plex(3)])
    await io.write(volume, 4096, Buffer.alloc(8192))
    expect(log).toEqual(['kernel log: volume written', 'stale v1-02', 'stale maps persisted', 'write v1-01', 'write v1-03'])
    expect([...rt.unflushed]).toEqual([0])
    expect(rt.inflight).toBe(0)
  })

  it('177: a degraded write is acknowledged only after the failure handler recorded the detach', async () => {
    const { io, log, errors, releaseRecord, recording } = layer([plex(1), plex(2)], new Set([2]))
    let acked = false
    const w = io.write(volume, 0, Buffer.alloc(4096)).then(() => void (acked = true))
    await recording
    expect(acked).toBe(false)
    releaseRecord()
    await w
    expect(log.slice(-4)).toEqual(['write v1-02', 'decide 2', 'record detach: waiting', 'record detach: done'])
    expect(errors).toEqual([{ volume: 'v1', plex: 'v1-02', disk: 'disk-of-v1-02', op: 'write', offset: 0, length: 4096, code: 'VM_IO' }])
  })

  it('177: a write no plex holds fails VM_IO after the handler recorded what happened (one copy kept, the other stale there), and leaves the drain gate open', async () => {
    const { io, log, releaseRecord, rt } = layer([plex(1), plex(2)], new Set([1, 2]))
    releaseRecord()
    await expect(io.write(volume, 0, Buffer.alloc(4096))).rejects.toMatchObject({ code: 'VM_IO' })
    expect(log.slice(-4)).toEqual(['decide 1,2', 'stale v1-02', 'record detach: waiting', 'record detach: done'])
    expect(rt.inflight).toBe(0)
  })
})
