import { describe, expect, it } from 'vitest'
import { resyncPlanText } from '../src/cli.ts'

describe('resyncPlanText', () => {
  it('297: a disk resync dry run names every volume it covers and every plex it returns to service, those with nothing to copy too', () => {
    const text = resyncPlanText(
      {
        regions: 3,
        bytes: 3 << 20,
        writes: [{ volume: 'mirvol', plexes: ['mirvol-02'] }],
        handBack: [
          { plex: 'mirvol-02', volume: 'mirvol', from: { kstate: 'DETACHED', state: 'IOFAIL' }, to: { kstate: 'ENABLED', state: 'ACTIVE' } },
          { plex: 'msvol-02', volume: 'msvol', from: { kstate: 'DETACHED', state: 'STALE' }, to: { kstate: 'ENABLED', state: 'ACTIVE' } },
        ],
      },
      false,
    )
    expect(text.split('\n')).toEqual([
      'would copy 3 regions, 3.0 MiB',
      '  covers mirvol (plex mirvol-02), msvol (nothing to copy)',
      '  returns plex mirvol-02 to mirvol: DETACHED IOFAIL -> ENABLED ACTIVE',
      '  returns plex msvol-02 to msvol: DETACHED STALE -> ENABLED ACTIVE',
    ])
    expect(resyncPlanText({ regions: 0, bytes: 0, writes: [], handBack: [] }, false)).toBe('would copy 0 regions, 0 B\n  covers no volume: every copy is current')
    expect(resyncPlanText({ regions: 1, bytes: 512, writes: [{ volume: 'v', plexes: ['v-02', 'v-03'] }], handBack: [] }, true)).toContain('  overwrites v (plex v-02, v-03)')
  })
})
