import type { Config } from '@plexa/engine'
import { DiskGroup, createMemoryDevice } from '@plexa/engine'

const SIZE = 64 << 20 // 131072 sectors; private region 4096, public region 126976

/**
 * The configuration of the vxprint golden file (test/golden/vxprint-ht.txt): two groups; datadg
 * imported without disk02 (NODEVICE), a mirror with a DRL log plex, a volume with a sparse plex;
 * appdg with a plex to recover (PL_PFLAG_STALE), a stripe and an unassociated subdisk.
 */
export async function buildGroups(): Promise<{ groups: Array<{ name: string; config: Config }>; close: () => Promise<void> }> {
  const data = ['c1t0d0s2', 'c1t1d0s2', 'c1t2d0s2'].map((label) => createMemoryDevice(SIZE, label))
  const first = await DiskGroup.create({ name: 'datadg', disks: data.map((device, i) => ({ name: `disk0${i + 1}`, device })) })
  await first.makeRecords([
    { type: 'sd', name: 'disk01-01', disk: 'disk01', offset: 0, len: 40960 },
    { type: 'sd', name: 'disk02-01', disk: 'disk02', offset: 0, len: 40960 },
    { type: 'sd', name: 'disk03-01', disk: 'disk03', offset: 0, len: 2 },
    { type: 'plex', name: 'home-01', sd: ['disk01-01'] },
    { type: 'plex', name: 'home-02', sd: ['disk02-01'] },
    { type: 'plex', name: 'home-03', log_sd: 'disk03-01' },
    { type: 'vol', name: 'home', len: 40960, plex: ['home-01', 'home-02', 'home-03'] },
    { type: 'sd', name: 'disk03-02', disk: 'disk03', offset: 2, len: 20480 },
    { type: 'sd', name: 'disk01-02', disk: 'disk01', offset: 40960, len: 10240 },
    { type: 'plex', name: 'scratch-01', sd: ['disk03-02'] },
    { type: 'plex', name: 'scratch-02', sd: ['disk01-02'] },
    { type: 'vol', name: 'scratch', usetype: 'gen', len: 20480, plex: ['scratch-01', 'scratch-02'] },
  ])
  await first.start('home')
  await first.start('scratch')
  await first.close()
  const datadg = await DiskGroup.import({ devices: [data[0]!.reopen(), data[2]!.reopen()], force: true })
  await datadg.start('home')
  await datadg.start('scratch')

  const app = ['c2t0d0s2', 'c2t1d0s2'].map((label) => createMemoryDevice(SIZE, label))
  const appdg = await DiskGroup.create({ name: 'appdg', disks: app.map((device, i) => ({ name: `appdisk0${i + 1}`, device })) })
  await appdg.makeRecords([
    { type: 'sd', name: 'appdisk01-01', disk: 'appdisk01', offset: 0, len: 20480 },
    { type: 'sd', name: 'appdisk02-01', disk: 'appdisk02', offset: 0, len: 20480 },
    { type: 'plex', name: 'db-01', sd: ['appdisk01-01'] },
    { type: 'plex', name: 'db-02', sd: ['appdisk02-01'] },
    { type: 'vol', name: 'db', len: 20480, plex: ['db-01', 'db-02'] },
    { type: 'sd', name: 'appdisk01-02', disk: 'appdisk01', offset: 20480, len: 8192 },
    { type: 'sd', name: 'appdisk02-02', disk: 'appdisk02', offset: 20480, len: 8192 },
    { type: 'plex', name: 'arch-01', layout: 'STRIPE', st_width: 128, sd: [{ name: 'appdisk01-02', column: 0 }, { name: 'appdisk02-02', column: 1 }] },
    { type: 'vol', name: 'arch', len: 16384, plex: ['arch-01'] },
    { type: 'sd', name: 'appdisk02-03', disk: 'appdisk02', offset: 28672, len: 4096 },
  ])
  await appdg.start('db')
  await appdg.start('arch')
  // What a disk replacement leaves (plexrec(4) PL_PFLAG_STALE): vxprint shows the plex RECOVER.
  await appdg.stop('db')
  await appdg.set('db-02', { pl_pflag: 0x2 })

  const dgids: Record<string, string> = { datadg: '1764547200.1001.hosta', appdg: '1764547200.1002.hosta' }
  const groups = [datadg, appdg].map((g) => {
    const config = g.config()
    config.dg.dg_dgid = dgids[config.dg.dg_name]!
    return { name: config.dg.dg_name, config }
  })
  return { groups, close: async () => { await datadg.close(); await appdg.close() } }
}
