import { describe, expect, it } from 'vitest'
import type { Config } from '@plexa/engine'
import { vxprint } from '../src/print.ts'
import { buildGroups } from './printScenario.ts'

describe('433: print keeps its dm columns aligned on a long device name', () => {
  it('I433 after a replace (demodg-disk01-rmx5lah6m) every dm line and the DM header start TYPE and PRIVLEN at the same columns; a demo-length name keeps vxprint\'s places', async () => {
    const { groups, close } = await buildGroups()
    try {
      const g = groups[0]!
      const lines = (c: Config) => vxprint([{ name: g.name, config: c }], { hierarchy: true, table: true, types: [], names: [], groupLine: false }).lines.filter((l) => l.startsWith('dm ') || l.startsWith('DM '))
      const before = lines(g.config)
      const disks = g.config.disks.map((d, i) => (i === 0 ? { ...d, dm_device: '/data/disks/demodg-disk01-rmx5lah6m.img' } : d))
      const after = lines({ ...g.config, disks })
      const live = after.filter((l) => / simple /.test(l) || l.startsWith('DM '))
      expect(live.length).toBeGreaterThan(2)
      const at = (l: string, word: RegExp) => l.search(word)
      for (const word of [/\bsimple\b|\bTYPE\b/, /\b4096\b|\bPRIVLEN\b/]) expect(new Set(live.map((l) => at(l, word))).size).toBe(1)
      expect(after[1]).toContain('demodg-disk01-rmx5lah6m')
      // a 13-character name (the demo's demodg-disk01) leaves the listing as vxprint lays it out
      const demo = lines({ ...g.config, disks: g.config.disks.map((d, i) => (i === 0 ? { ...d, dm_device: '/data/disks/demodg-disk01.img' } : d)) })
      expect(demo[0]).toBe(before[0])
    } finally {
      await close()
    }
  })
})

describe('467: print -d (TY lines) widens its columns to the longest value', () => {
  it('I467 with the demo\'s 13-character device names (demodg-disk01) in ASSOC, every dm line and the TY header start KSTATE, LENGTH and STATE at the same columns', async () => {
    const { groups, close } = await buildGroups()
    try {
      const g = groups[0]!
      const disks = g.config.disks.map((d) => ({ ...d, dm_device: `/data/disks/demodg-${d.dm_name}.img` }))
      const lines = vxprint([{ name: g.name, config: { ...g.config, disks } }], { hierarchy: false, table: false, types: ['dm'], names: [], groupLine: false }).lines
      const live = lines.filter((l) => l.startsWith('TY ') || / demodg-/.test(l))
      expect(live.length).toBeGreaterThan(2)
      // the header's KSTATE, LENGTH and STATE, and each dm line's "-", public length and state, at one column each
      const starts = (l: string) => [...l.matchAll(/\S+/g)].map((m) => m.index)
      for (const field of [3, 4, 6]) expect(new Set(live.map((l) => starts(l)[field])).size, `field ${field}`).toBe(1)
    } finally {
      await close()
    }
  })
})
