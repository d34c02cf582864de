import { describe, expect, it } from 'vitest'
import { mkdtemp, readdir, rename, rm } from 'node:fs/promises'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DiskGroup, openDevicePath } from '@plexa/engine'
import { startServer } from '../../server/src/server.ts'
import { smallData } from '../../server/test/harness.ts'
import { badStretchAfterProbe, cliAgainstServer, plexa } from './harness.ts'

describe('the plexa command against a running server', () => {
  const cli = cliAgainstServer()
  const { as } = cli

  it('finds the server and its token in the data directory and prints vxprint -ht', async () => {
    const r = await as(['print'])
    expect(r.code).toBe(0)
    const lines = r.stdout.split('\n')
    expect(lines.slice(0, 3)).toEqual(['Disk group: tdg', '', 'DG NAME         NCONFIG      NLOG     MINORS   GROUP-ID'])
    expect(lines).toContain('v  mir          fsgen        ENABLED  ACTIVE   32768    SELECT    -')
    expect(lines.find((l) => l.startsWith('pl mir-03'))).toMatch(/^pl mir-03\s+mir\s+ENABLED\s+LOG\s+LOGONLY/)
    const only = await as(['print', 'cat'])
    expect(only.stdout).not.toContain('v  mir')
    expect((await as(['print', 'nosuch'])).code).toBe(4)
  })

  it('I138: print takes -h, -t, -ht, -g DG, -v, -p, -s, -d and record names as vxprint; an unknown option is a usage error', async () => {
    const ht = await as(['print', '-ht'])
    expect(ht.code).toBe(0)
    expect(ht.stdout).toBe((await as(['print'])).stdout)
    const g = await as(['print', '-htg', 'tdg'])
    expect(g.code).toBe(0)
    expect(g.stdout.split('\n')[0]).toBe('DG NAME         NCONFIG      NLOG     MINORS   GROUP-ID')
    const vols = (await as(['print', '-g', 'tdg', '-t', '-v'])).stdout.trim().split('\n')
    expect(vols[0]).toBe('V  NAME         USETYPE      KSTATE   STATE    LENGTH   READPOL   PREFPLEX')
    expect(vols.slice(2).every((l) => l.startsWith('v  '))).toBe(true)
    const h = (await as(['print', '-h', '-g', 'tdg', 'mir'])).stdout.split('\n')
    expect(h[0]).toBe('TY NAME         ASSOC        KSTATE   LENGTH   PLOFFS   STATE    TUTIL0  PUTIL0')
    expect(h.filter((l) => l.startsWith('pl mir-0')).length).toBeGreaterThan(1)
    for (const [flag, tag] of [['-p', 'pl '], ['-s', 'sd '], ['-d', 'dm ']] as const) {
      const lines = (await as(['print', flag, '-g', 'tdg'])).stdout.trim().split('\n').slice(1)
      expect(lines.length, flag).toBeGreaterThan(0)
      expect(lines.every((l) => l.startsWith(tag)), flag).toBe(true)
    }
    const bad = await as(['print', '-x'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/Usage: plexa print/)
    const badJson = await as(['--json', 'print', '-x'])
    expect(badJson.code).toBe(2)
    expect(JSON.parse(badJson.stdout)).toMatchObject({ error: { code: 'VM_USAGE' } })
    expect((await as(['print', '-g', 'nosuchdg'])).code).toBe(4)
    expect((await as(['print', '--help'])).stdout).toMatch(/Usage: plexa print \[-htvpsd\]/)
  })

  it('292: --json print NAME gives the named records alone (with their hierarchy), -p only plexes; a name that matches nothing gives one JSON document, the error, exit 4', async () => {
    const [mir, ...more] = JSON.parse((await as(['--json', 'print', 'mir'])).stdout) as Array<{ volumes: Array<{ v_name: string }>; plexes: Array<{ pl_name: string }>; disks: unknown[] }>
    expect(more).toEqual([])
    expect(mir!.volumes.map((v) => v.v_name)).toEqual(['mir'])
    expect(mir!.plexes.map((p) => p.pl_name).sort()).toEqual(['mir-01', 'mir-02', 'mir-03'])
    expect(mir!.disks).toEqual([])
    const plexes = JSON.parse((await as(['--json', 'print', '-p'])).stdout)[0]
    expect([plexes.volumes.length, plexes.subdisks.length, plexes.plexes.length > 0]).toEqual([0, 0, true])
    const missing = await as(['--json', 'print', 'mir', 'nosuch'])
    expect(missing.code).toBe(4)
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: 'VM_NOT_FOUND', details: { missing: ['nosuch'] } } })
  })

  it('297: resync --dry-run names every volume it covers and every plex it returns to service, with its state now and after', async () => {
    expect((await as(['plex', 'det', 'mir-02'])).code).toBe(0)
    try {
      const vol = await as(['resync', 'volume', 'mir', '--dry-run'])
      expect(vol.code).toBe(0)
      expect(vol.stdout).toMatch(/^ {2}covers mir \((plex mir-02|nothing to copy)\)$/m)
      expect(vol.stdout).toMatch(/^ {2}returns plex mir-02 to mir: DETACHED STALE -> ENABLED ACTIVE$/m)
      const disk = await as(['resync', 'disk', 'disk02', '--dry-run'])
      expect(disk.stdout).toMatch(/^ {2}returns plex mir-02 to mir: DETACHED STALE -> ENABLED ACTIVE$/m)
      expect(JSON.parse((await as(['--json', 'resync', 'disk', 'disk02', '--dry-run'])).stdout).handBack).toEqual([expect.objectContaining({ plex: 'mir-02', volume: 'mir' })])
    } finally {
      expect((await as(['resync', 'volume', 'mir', '--wait'])).code).toBe(0)
    }
    expect((await as(['print', 'mir'])).stdout).toMatch(/pl mir-02\s+mir\s+ENABLED\s+ACTIVE/)
  })

  it('--json gives machine-readable output on every verb', async () => {
    const r = await as(['--json', 'print'])
    expect(JSON.parse(r.stdout)[0].dg.dg_name).toBe('tdg')
    const tasks = await as(['--json', 'task', 'list'])
    expect(JSON.parse(tasks.stdout)).toEqual({ tasks: [] })
    const err = await as(['--json', 'vol', 'stop', 'nosuch'])
    expect(err.code).toBe(4)
    expect(JSON.parse(err.stdout)).toMatchObject({ error: { code: 'VM_NOT_FOUND' } })
  })

  it('make volume, with a dry run first', async () => {
    const dry = await as(['--json', 'make', 'volume', 'v2', '1m', '--layout', 'mirror', '--dry-run'])
    expect(dry.code).toBe(0)
    expect(JSON.parse(dry.stdout).dryRun).toBe(true)
    expect((await as(['make', 'volume', 'v2', '1m', '--layout', 'mirror'])).code).toBe(0)
    expect((await as(['make', 'volume', 'v2', '1m'])).code).toBe(5) // exists
    expect((await as(['make', 'volume', 'v3', 'lots'])).code).toBe(2) // bad size
    expect((await as(['make', 'volume', 'v3', '1m', '--layout', 'raid9'])).code).toBe(2)
  })

  it('155, 156: make volume starts it as vxassist does; --init none leaves it EMPTY for vol init', async () => {
    expect((await as(['make', 'volume', 'v4', '1m', '--layout', 'mirror'])).code).toBe(0)
    expect((await as(['print', 'v4'])).stdout).toMatch(/v  v4\s+fsgen\s+ENABLED\s+ACTIVE/)
    expect((await as(['make', 'volume', 'v5', '1m', '--layout', 'mirror', '--init', 'none'])).code).toBe(0)
    expect((await as(['print', 'v5'])).stdout).toMatch(/v  v5\s+fsgen\s+DISABLED\s+EMPTY/)
    expect((await as(['vol', 'init', 'clean', 'v5', 'v5-01'])).code).toBe(0)
    expect((await as(['print', 'v5'])).stdout).toMatch(/pl v5-02\s+v5\s+DISABLED\s+STALE/)
    expect((await as(['vol', 'init', 'sideways', 'v5'])).code).toBe(2)
    const again = await as(['--json', 'vol', 'init', 'active', 'v5'])
    expect(JSON.parse(again.stdout)).toMatchObject({ error: { code: 'VM_INVALID_PARAM' } })
  })

  it('plex det, att --wait and dis; vol stop and start', async () => {
    expect((await as(['plex', 'det', 'mir-02'])).code).toBe(0)
    const att = await as(['plex', 'att', 'mir', 'mir-02', '--wait'])
    expect(att.code).toBe(0)
    expect((await as(['print', 'mir'])).stdout).toMatch(/pl mir-02\s+mir\s+ENABLED\s+ACTIVE/)
    expect((await as(['plex', 'det', 'cat-01'])).code).toBe(5) // the last plex: VM_LAST_PLEX
    expect((await as(['plex', 'dis', 'nosuch'])).code).toBe(4)
    expect((await as(['vol', 'stop', 'cat'])).code).toBe(0)
    expect((await as(['vol', 'stop', 'cat'])).code).toBe(5)
    expect((await as(['vol', 'start', 'cat'])).code).toBe(0)
  })

  it('I191: plex att --wait ends with the attach\'s outcome: a failed attach exits 6 with its code, a finished one names the plex ENABLED ACTIVE', async () => {
    const dg = cli.t.srv.services.storage.group('tdg').dg
    expect((await as(['plex', 'det', 'mir-02'])).code).toBe(0)
    // a region mir-02 misses, for the attach to copy
    await dg.write('mir', 0, Buffer.alloc(65536, 7))
    // rule 418: onto a disk the lab failed, the attach is refused up front (exit 5, no task)
    expect((await as(['lab', 'fail-disk', 'disk02', '--mode', 'write'])).code).toBe(0)
    const refused = await as(['--json', 'plex', 'att', 'mir', 'mir-02', '--wait'])
    expect(refused.code).toBe(5)
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: { code: 'VM_DISK_FAILED' } })
    for (const args of [['plex', 'att', 'mir', 'mir-02', '--dry-run'], ['resync', 'disk', 'disk02'], ['resync', 'disk', 'disk02', '--dry-run']]) {
      const r = await as(['--json', ...args])
      expect([r.code, JSON.parse(r.stdout).error?.code]).toEqual([5, 'VM_DISK_FAILED'])
    }
    expect((await as(['lab', 'restore-disk', 'disk02'])).code).toBe(0)
    // writes that fail without the device knowing it fails (a bad stretch past the sector rule 455's probe tries): the attach's task fails
    const restore = badStretchAfterProbe(cli.t, 'tdg', 'mir-02', 'disk02')
    const failed = await as(['--json', 'plex', 'att', 'mir', 'mir-02', '--wait'])
    expect(failed.code).toBe(6)
    expect(JSON.parse(failed.stdout)).toMatchObject({ error: { code: 'VM_NOTSYNCED' } })
    expect((await as(['print', 'mir'])).stdout).not.toMatch(/pl mir-02\s+mir\s+ENABLED\s+ACTIVE/)
    restore()
    const att = await as(['plex', 'att', 'mir', 'mir-02', '--wait'])
    expect(att.code).toBe(0)
    expect(att.stdout).toMatch(/^task-\d+: done, attached mir-02 to mir, copied 512\.0 KiB; mir-02 is ENABLED ACTIVE$/m)
    expect((await as(['print', 'mir'])).stdout).toMatch(/pl mir-02\s+mir\s+ENABLED\s+ACTIVE/)
    await as(['plex', 'det', 'mir-02'])
    await dg.write('mir', 0, Buffer.alloc(65536, 8))
    const json = await as(['--json', 'plex', 'att', 'mir', 'mir-02', '--wait'])
    expect(JSON.parse(json.stdout)).toMatchObject({ task: { kind: 'attach', outcome: 'ok' }, plex: { name: 'mir-02', state: 'ACTIVE', kstate: 'ENABLED' } })
  })

  it('resync volume and disk with --wait; bad arguments are usage errors', async () => {
    const v = await as(['resync', 'volume', 'mir', '--force', '--wait'])
    expect(v.code).toBe(0)
    // rule 166: --wait reports the finished task in words (the numbers it copied), JSON only with --json
    expect(() => JSON.parse(v.stdout)).toThrow()
    expect(v.stdout).not.toContain('{')
    expect(v.stdout).toMatch(/^task-\d+: .*\b32\b.*16\.0 MiB/)
    const d = await as(['--json', 'resync', 'disk', 'disk01', '--force', '--mode', 'faithful', '--wait'])
    expect(d.code).toBe(0)
    expect(JSON.parse(d.stdout)).toMatchObject({ task: { taskId: expect.stringMatching(/^task-\d+$/), outcome: 'ok' }, report: { regionsCopied: expect.any(Number) } })
    expect((await as(['resync', 'disk', 'disk01', '--mode', 'sloppy'])).code).toBe(2)
    // rule 166: a disk that does not exist is not found (exit 4), as every other missing object
    const nodisk = await as(['--json', 'resync', 'disk', 'nodisk'])
    expect(nodisk.code).toBe(4)
    expect(JSON.parse(nodisk.stdout)).toMatchObject({ error: { code: 'VM_NOT_FOUND' } })
    const dry = await as(['--json', 'resync', 'volume', 'mir', '--force', '--dry-run'])
    expect(JSON.parse(dry.stdout)).toEqual({ dryRun: true, regions: 32, bytes: 16 << 20, writes: [{ volume: 'mir', plexes: ['mir-02'] }], handBack: [] })
  })

  it('task list, pause, resume, throttle and abort', async () => {
    await as(['lab', 'restore-disk', 'disk02'])
    const slow = await plexa(['--data', cli.t.dir, '--json', 'resync', 'volume', 'mir', '--force', '--throttle', '64k'])
    const id = JSON.parse(slow.stdout).taskId as string
    expect((await as(['task', 'list'])).stdout).toContain(id)
    expect((await as(['--json', 'task', 'pause', id])).stdout).toContain('"phase": "paused"')
    expect((await as(['task', 'resume', id])).code).toBe(0)
    expect((await as(['task', 'throttle', id, '1m'])).stdout).toContain('1.0 MiB/s')
    expect((await as(['task', 'throttle', id, 'fast'])).code).toBe(2)
    expect((await as(['task', 'abort', id])).code).toBe(0)
    expect((await as(['task', 'abort', 'task-0'])).code).toBe(4)
    // the aborted copy hands its volume back before its outcome is in the history (rule 373: until
    // then another copy of mir is refused VM_BUSY): the next test starts once it is there
    let shown: { outcome?: string } = {}
    while (!shown.outcome) shown = JSON.parse((await as(['--json', 'task', 'show', id])).stdout)
    expect(shown.outcome).toBe('aborted')
  })

  it('lab fail-disk and restore-disk', async () => {
    const f = await as(['lab', 'fail-disk', 'disk03', '--mode', 'write'])
    expect(f.code).toBe(0)
    expect((await as(['lab', 'restore-disk', 'disk03'])).code).toBe(0)
    expect((await as(['lab', 'fail-disk', 'disk09'])).code).toBe(4)
  })

  it('248: print shows a disk failing in lab mode FAILED(MODE) in its STATE column, as the web\'s FAILED (MODE), -d and -ht alike', async () => {
    expect((await as(['lab', 'fail-disk', 'disk03', '--mode', 'read'])).code).toBe(0)
    try {
      // the STATE field: the 7th of a dm line in both formats
      const state = (out: string) => out.split('\n').find((l) => l.startsWith('dm disk03 '))?.split(/\s+/)[6]
      expect(state((await as(['print', '-d'])).stdout)).toBe('FAILED(read)')
      expect(state((await as(['print'])).stdout)).toBe('FAILED(read)')
      expect((await as(['print', '-d'])).stdout.split('\n').filter((l) => l.startsWith('dm ') && !l.startsWith('dm disk03 ')).every((l) => l.split(/\s+/)[6] === '-')).toBe(true)
    } finally {
      expect((await as(['lab', 'restore-disk', 'disk03'])).code).toBe(0)
    }
    expect(((await as(['print', '-d'])).stdout.split('\n').find((l) => l.startsWith('dm disk03 ')) ?? '').split(/\s+/)[6]).toBe('-')
  })

  it('248: plex det and dis --dry-run say what the volume is left with, warning of lost redundancy as the web does', async () => {
    const det = await as(['--json', 'plex', 'det', 'mir-02', '--dry-run'])
    expect(det.code).toBe(0)
    expect(JSON.parse(det.stdout)).toMatchObject({ dryRun: true, redundancy: { volume: 'mir', healthyLeft: 1, log: false, warning: expect.any(String) } })
    expect((await as(['plex', 'det', 'mir-02', '--dry-run'])).stdout).toMatch(/^warning: /m)
    expect(JSON.parse((await as(['--json', 'plex', 'dis', 'mir-02', '--dry-run'])).stdout).redundancy).toMatchObject({ volume: 'mir', healthyLeft: 1, warning: expect.any(String) })
    const log = JSON.parse((await as(['--json', 'plex', 'det', 'mir-03', '--dry-run'])).stdout).redundancy
    expect(log).toMatchObject({ volume: 'mir', healthyLeft: 2, log: true, warning: expect.any(String) })
    expect((await as(['lab', 'fail-disk', 'disk01', '--mode', 'read'])).code).toBe(0)
    try {
      expect(JSON.parse((await as(['--json', 'plex', 'det', 'mir-02', '--dry-run'])).stdout).redundancy).toMatchObject({ healthyLeft: 0, warning: expect.any(String) })
    } finally {
      expect((await as(['lab', 'restore-disk', 'disk01'])).code).toBe(0)
    }
    // nothing changed
    expect((await as(['print', 'mir'])).stdout).toMatch(/pl mir-02\s+mir\s+ENABLED\s+ACTIVE/)
  })

  it('tells failures apart: no token, unreachable server, unknown verb', async () => {
    expect((await plexa(['--url', cli.t.url, '--token', 'plx_wrong', 'task', 'list'])).code).toBe(3)
    expect((await plexa(['--url', 'http://127.0.0.1:9', 'task', 'list'])).code).toBe(7)
    expect((await plexa(['frobnicate'])).code).toBe(2)
    // rule 166: no command at all is a usage error too (the usage on stderr); asking for help is not
    const bare = await plexa([])
    expect(bare.code).toBe(2)
    expect(bare.stderr).toMatch(/Usage: plexa/)
    expect((await plexa(['resync'])).code).toBe(2)
    expect((await plexa(['help'])).code).toBe(0)
  })

  it('244: every refusal exits 5, VM_NO_SPACE among them; usage errors exit 2 with VM_USAGE, --json or not', async () => {
    const big = await as(['--json', 'make', 'volume', 'big', '10t'])
    expect([big.code, JSON.parse(big.stdout).error.code]).toEqual([5, 'VM_NO_SPACE'])
    expect((await as(['make', 'volume', 'big', '10t'])).code).toBe(5)
    for (const args of [['frobnicate'], ['make', 'volume'], ['make', 'volume', 'v9', 'lots'], ['print', '-x'], ['resync', 'disk', 'disk01', '--mode', 'sloppy'], ['task', 'throttle', 'task-1']]) {
      const json = await as(['--json', ...args])
      expect([json.code, JSON.parse(json.stdout).error.code], args.join(' ')).toEqual([2, 'VM_USAGE'])
      const text = await as(args)
      expect(text.code, args.join(' ')).toBe(2)
      expect(text.stderr, args.join(' ')).toMatch(/^plexa: VM_USAGE: /m)
    }
  })

  it('291: make volume: a size of 0 is a usage error (exit 2, VM_USAGE); what does not fit is said in MiB/GiB; more columns than disks says how many disks it needs', async () => {
    for (const size of ['0', '0k', '0.0m', '-5']) {
      const r = await as(['--json', 'make', 'volume', 'v0', size])
      expect([r.code, JSON.parse(r.stdout).error.code], size).toEqual([2, 'VM_USAGE'])
    }
    const big = JSON.parse((await as(['--json', 'make', 'volume', 'big', '10t'])).stdout).error
    expect(big.code).toBe('VM_NO_SPACE')
    expect(big.message).toMatch(/\b10\.0 TiB\b/)
    const wide = await as(['--json', 'make', 'volume', 'wide', '1m', '--layout', 'stripe', '--ncol', '9'])
    expect([wide.code, JSON.parse(wide.stdout).error]).toMatchObject([5, { code: 'VM_NO_SPACE', details: { disksNeeded: 9, disksUsable: 3 } }])
  })

  it('271: make volume says a name too long for its plexes\' -01 is VM_INVALID_NAME (exit 5) with the limit, and its help says the limit', async () => {
    const json = await as(['--json', 'make', 'volume', 'volume13chars', '1m'])
    expect([json.code, JSON.parse(json.stdout).error]).toEqual([5, expect.objectContaining({ code: 'VM_INVALID_NAME', details: { maxLength: 11 } })])
    const text = await as(['make', 'volume', 'volume13chars', '1m'])
    expect(text.code).toBe(5)
    expect(text.stderr).toMatch(/^plexa: VM_INVALID_NAME: .*\b11\b.*volume13chars-01/m)
    expect((await as(['make', 'volume', '--help'])).stdout).toMatch(/at most 11 characters/)
  })

  it('272: task show and task list --history give a finished resync\'s bytes written, --json too', async () => {
    const started = JSON.parse((await as(['--json', 'resync', 'volume', 'mir', '--force'])).stdout) as { taskId: string }
    // task show gives the running task until it is in the history (its outcome)
    let json: { outcome?: string; sync?: unknown } = {}
    for (let i = 0; i < 200 && !json.outcome; i++) json = JSON.parse((await as(['--json', 'task', 'show', started.taskId])).stdout)
    expect(json.sync).toMatchObject({ bytesCopied: 16 << 20, bytesWritten: 16 << 20 })
    const shown = await as(['task', 'show', started.taskId])
    expect(shown.code).toBe(0)
    expect(shown.stdout).toMatch(/^ {2}written: {2}16\.0 MiB to its target plexes$/m)
    const history = JSON.parse((await as(['--json', 'task', 'list', '--history'])).stdout)
    expect(history.history.at(-1)).toMatchObject({ taskId: started.taskId, sync: { bytesWritten: 16 << 20 } })
    expect((await as(['task', 'list', '--history'])).stdout).toMatch(/WRITTEN/)
    expect((await as(['task', 'show', 'task-999'])).code).toBe(4)
  })

  it('273: disk free lists a removed disk\'s image as online invalid, --json too', async () => {
    expect((await as(['disk', 'free'])).stdout.trim()).toBe('no free disks')
    const post = (path: string, body: unknown) => fetch(`${cli.t.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${cli.t.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    expect((await post('/api/dgs/tdg/disks', { name: 'spare7', sizeBytes: 32 << 20 })).status).toBe(200)
    expect((await post('/api/dgs/tdg/disks/spare7/remove', {})).status).toBe(200)
    const image = join(cli.t.dir, 'disks', 'tdg-spare7.img')
    expect(JSON.parse((await as(['--json', 'disk', 'free'])).stdout)).toEqual({ disks: [{ path: image, sizeBytes: 32 << 20 }] })
    const line = (await as(['disk', 'free'])).stdout.split('\n').find((l) => l.startsWith(`${image} `))
    expect(line).toMatch(/ 32\.0 MiB +online invalid$/)
  })

  it('244: plexa serve on a data directory another server holds exits 5 (refused) with VM_BUSY', async () => {
    const r = await plexa(['serve', '--data', cli.t.dir, '--host', '127.0.0.1', '--port', '0', '--nbd-port', '0'])
    expect(r.code).toBe(5)
    expect(r.stderr).toMatch(/\bVM_BUSY\b/)
  })

  it('290: plexa --data DIR serve takes the global --data as the server\'s (here another server\'s directory: VM_BUSY, exit 5); a client option before serve is a usage error', async () => {
    const r = await plexa(['--data', cli.t.dir, 'serve', '--host', '127.0.0.1', '--port', '0', '--nbd-port', '0'])
    expect(r.code).toBe(5)
    expect(r.stderr).toMatch(/\bVM_BUSY\b/)
    const inline = await plexa([`--data=${cli.t.dir}`, 'serve', '--port', '0', '--nbd-port', '0'])
    expect([inline.code, /\bVM_BUSY\b/.test(inline.stderr)]).toEqual([5, true])
    const client = await plexa(['--json', 'serve', '--data', cli.t.dir])
    expect([client.code, JSON.parse(client.stdout).error.code]).toEqual([2, 'VM_USAGE'])
  })

  it('290: plexa serve on a port another process holds exits 5 with VM_PORT_BUSY and leaves its data directory as it was (no demo group, no credential)', async () => {
    const holder = createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', () => resolve()))
    const port = (holder.address() as AddressInfo).port
    const fresh = await mkdtemp(join(tmpdir(), 'plexa-busyport-'))
    try {
      for (const ports of [['--port', String(port), '--nbd-port', '0'], ['--port', '0', '--nbd-port', String(port)]]) {
        const r = await plexa(['--data', join(fresh, 'data'), 'serve', '--host', '127.0.0.1', ...ports, '--demo'])
        expect(r.code, ports.join(' ')).toBe(5)
        expect(r.stderr).toMatch(/\bVM_PORT_BUSY\b/)
        expect(await readdir(fresh)).toEqual([])
      }
    } finally {
      await new Promise((resolve) => holder.close(resolve))
      await rm(fresh, { recursive: true, force: true })
    }
  })

  it('245: a token the server does not know is refused as such (VM_TOKEN_REFUSED, exit 3); no token at all is VM_UNAUTHORIZED', async () => {
    const wrong = await plexa(['--url', cli.t.url, '--token', 'plx_wrong', '--json', 'task', 'list'])
    expect([wrong.code, JSON.parse(wrong.stdout).error.code]).toEqual([3, 'VM_TOKEN_REFUSED'])
    const none = await plexa(['--url', cli.t.url, '--data', `${cli.t.dir}/nowhere`, '--json', 'task', 'list'], { PLEXA_TOKEN: '' })
    expect([none.code, JSON.parse(none.stdout).error.code]).toEqual([3, 'VM_UNAUTHORIZED'])
  })

  it('249: disk replace (vxdiskadm option 5) puts a new image file under the disk, its plexes stale until resync disk copies them back', async () => {
    const dry = await as(['--json', 'disk', 'replace', 'disk02', '--size', '64m', '--dry-run'])
    expect(dry.code).toBe(0)
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, changes: expect.arrayContaining([expect.objectContaining({ kind: 'pl', name: 'mir-02' })]) })
    expect((await as(['print', 'mir'])).stdout).toMatch(/pl mir-02\s+mir\s+ENABLED\s+ACTIVE/)
    const usage = await as(['--json', 'disk', 'replace', 'disk02'])
    expect([usage.code, JSON.parse(usage.stdout).error.code]).toEqual([2, 'VM_USAGE'])
    const nodisk = await as(['--json', 'disk', 'replace', 'disk09', '--size', '64m'])
    expect([nodisk.code, JSON.parse(nodisk.stdout).error.code]).toEqual([4, 'VM_NOT_FOUND'])
    const relative = await as(['--json', 'disk', 'replace', 'disk02', '--path', 'some.img'])
    expect([relative.code, JSON.parse(relative.stdout).error.code]).toEqual([5, 'VM_INVALID_PARAM'])
    const done = await as(['--json', 'disk', 'replace', 'disk02', '--size', '64m'])
    expect(done.code).toBe(0)
    expect(JSON.parse(done.stdout).tid).toEqual(expect.any(Number))
    expect((await as(['print', 'mir'])).stdout).not.toMatch(/pl mir-02\s+mir\s+ENABLED\s+ACTIVE/)
    expect((await as(['resync', 'disk', 'disk02', '--wait'])).code).toBe(0)
    expect((await as(['print', 'mir'])).stdout).toMatch(/pl mir-02\s+mir\s+ENABLED\s+ACTIVE/)
  })

  it('has help for every verb', async () => {
    const verbs = [[], ['print'], ['dg', 'list'], ['dg', 'import'], ['make', 'volume'], ['plex', 'att'], ['plex', 'det'], ['plex', 'dis'], ['vol', 'start'], ['vol', 'stop'], ['resync', 'volume'], ['resync', 'disk'], ['task', 'list'], ['task', 'throttle'], ['lab', 'fail-disk'], ['lab', 'restore-disk'], ['disk', 'replace']]
    const results = await Promise.all(verbs.map((verb) => plexa([...verb, '--help'])))
    results.forEach((r, i) => {
      expect(r.code, verbs[i]!.join(' ')).toBe(0)
      expect(r.stdout).toMatch(/Usage: plexa/)
    })
    expect((await plexa(['serve', '--help'])).stdout).toMatch(/usage: plexa serve/)
    expect((await plexa(['--help'])).stdout).toMatch(/Exit codes/)
  })
})

describe('plexa dg import: vxdg -C and -f import of a group the server did not import (rules 130-131)', () => {
  it('130-131: refused VM_BUSY naming the other host, then VM_MISSING_DISKS naming the disk, then imported with -C -f', async () => {
    const data = await smallData()
    const disk = (n: number) => join(data.dir, 'disks', `tdg-disk0${n}.img`)
    // hostB imported the group and went down; disk02 is gone since
    const b = await DiskGroup.import({ devices: await Promise.all([1, 2, 3].map((n) => openDevicePath(disk(n)))), host: 'hostB', clearImport: true })
    await b.close()
    await rename(disk(2), join(data.dir, 'away.img'))
    const srv = await startServer({ dataDir: data.dir, host: '127.0.0.1', port: 0, nbdPort: 0, demo: false, lab: false, labRemote: false, log: () => {} })
    const as = (args: string[]) => plexa(['--data', data.dir, ...args])
    try {
      const list = await as(['dg', 'list'])
      expect(list.code).toBe(0)
      expect(list.stdout).toMatch(/^tdg\s+not-imported\s+VM_BUSY/m)
      const busy = await as(['--json', 'dg', 'import', 'tdg'])
      expect([busy.code, JSON.parse(busy.stdout).error]).toEqual([5, expect.objectContaining({ code: 'VM_BUSY', details: { importedBy: 'hostB' } })])
      const missing = await as(['--json', 'dg', 'import', '-C', 'tdg'])
      expect([missing.code, JSON.parse(missing.stdout).error]).toEqual([5, expect.objectContaining({ code: 'VM_MISSING_DISKS', details: { disks: [{ disk: 'disk02', reason: 'missing' }] } })])
      const done = await as(['--json', 'dg', 'import', '-C', '-f', 'tdg'])
      expect([done.code, JSON.parse(done.stdout)]).toEqual([0, expect.objectContaining({ name: 'tdg', unusable: [{ disk: 'disk02', reason: 'missing' }] })])
      expect([...srv.services.storage.groups.keys()]).toEqual(['tdg'])
      expect((await as(['dg', 'import', 'tdg'])).code).toBe(5) // already imported: VM_EXISTS
    } finally {
      await srv.close()
      await data.remove()
    }
  })
})
