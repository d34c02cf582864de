import { describe, expect, it } from 'vitest'
import type { Config } from '@plexa/engine'
import type { ServerEvent } from '@plexa/protocol'
import { VolumeFailures, lostPlexesPhrase } from '../src/history/volumeFailures.ts'

/** A started volume `mirvol` with the data plexes `plexes` (each ENABLED, one subdisk on its own disk). */
function config(plexes: string[]): Config {
  return {
    volumes: [{ v_name: 'mirvol', v_kstate: 'ENABLED' }],
    plexes: plexes.map((p, i) => ({ pl_name: p, pl_rid: i + 10, pl_v_name: 'mirvol', pl_kstate: 'ENABLED' })),
    subdisks: plexes.map((_, i) => ({ sd_plex_rid: i + 10, sd_is_log: false })),
  } as unknown as Config
}

function ioError(plex: string, disk: string, seq: number): ServerEvent {
  return { type: 'io.error', dg: 'demodg', volume: 'mirvol', plex, disk, op: 'write', offset: 0, length: 8, code: 'VM_IO', failedDisks: [disk], seq, at: 0 }
}

/** The messages VolumeFailures raises after an I/O error on each plex in turn. */
function raisedAfter(plexes: string[]): string[] {
  const raised: string[] = []
  const f = new VolumeFailures(() => config(plexes), (a) => raised.push(a.message))
  plexes.forEach((p, i) => f.onEvent(ioError(p, `disk0${i + 1}`, i + 1)))
  return raised
}

describe('426: the alert of a failed volume agrees in number', () => {
  it('I426 two lost plexes "have" I/O errors, one "has"', () => {
    const [two] = raisedAfter(['mirvol-01', 'mirvol-02'])
    expect(two).toContain('its last usable plexes mirvol-01, mirvol-02 have I/O errors on disks disk01, disk02')
    expect(two).not.toMatch(/plexes [^;]* has /)
    const [one] = raisedAfter(['mirvol-01'])
    expect(one).toContain('its only plex mirvol-01 has I/O errors on disk disk01')
  })

  it('I426 the phrase builder: only plex, last usable plex, last usable plexes', () => {
    expect(lostPlexesPhrase(1, ['v-01'])).toBe('its only plex v-01 has')
    expect(lostPlexesPhrase(3, ['v-02'])).toBe('its last usable plex v-02 has')
    expect(lostPlexesPhrase(3, ['v-01', 'v-02'])).toBe('its last usable plexes v-01, v-02 have')
  })
})
