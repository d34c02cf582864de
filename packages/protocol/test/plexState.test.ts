import { describe, expect, it } from 'vitest'
import { plexStateWord } from '../src/plexState.ts'

const pl = (pl_state: string, pl_pflag = 0, pl_tflag = 0) => ({ pl_state, pl_pflag, pl_tflag })

describe('466: plexStateWord, the STATE plexa print and the console both show', () => {
  it('I466 a plex on a failed disk is NODEVICE in place of its state, IOFAIL or not', () => {
    expect(plexStateWord(pl('IOFAIL', 0x4), true)).toBe('NODEVICE')
    expect(plexStateWord(pl('ACTIVE'), true)).toBe('NODEVICE')
    expect(plexStateWord(pl('IOFAIL', 0x4), false)).toBe('IOFAIL')
  })
  it('I466 the condition flags of the records: NODAREC NODEVICE, REMOVED, RECOVER for stale without a kernel detach', () => {
    expect(plexStateWord(pl('ACTIVE', 0, 0x400 | 0x200), false)).toBe('NODEVICE')
    expect(plexStateWord(pl('ACTIVE', 0, 0x200), false)).toBe('REMOVED')
    expect(plexStateWord(pl('STALE', 0x2), false)).toBe('RECOVER')
    expect(plexStateWord(pl('STALE', 0x2 | 0x4), false)).toBe('STALE')
    expect(plexStateWord(pl('ACTIVE'), false)).toBe('ACTIVE')
  })
})
