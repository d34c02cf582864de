import { describe, expect, it } from 'vitest'
import { decodeFlags, fieldViews, formatMode } from './fields.ts'

// rule 92: properties for people: grouped, explained, units, flags decoded, read-only marked
describe('decodeFlags', () => {
  it.each([
    ['pl_tflag', 0x7, 'PL_TFLAG_READ | WRITE | LOG (0x7)'],
    ['pl_tflag', 0xb, 'PL_TFLAG_READ | WRITE | COMPLETE (0xb)'],
    ['pl_pflag', 0, 'none (0)'],
    ['pl_pflag', 0x6, 'PL_PFLAG_STALE | KDETACH (0x6)'],
    ['v_pflag', 0x34, 'V_PFLAG_LOGDRL | ACTIVE (0x34)'],
    ['dm_pflag', 0x1000, 'DM_PFLAG_0x1000 (0x1000)'],
  ])('writes %s %d as %s', (field, value, text) => {
    expect(decodeFlags(field, value)).toBe(text)
  })
})

describe('fieldViews', () => {
  const plex = { pl_name: 'mirvol-02', pl_comment: '', pl_putil: ['', 'x', ''], pl_state: 'ACTIVE', pl_tflag: 11, pl_len: 524288, pl_rid: 11, pl_kstate: 'ENABLED' }
  const f = Object.fromEntries(fieldViews('pl', plex).map((x) => [x.key, x]))
  it('groups fields as identity, state, layout, flags and utility fields', () => {
    expect([f.pl_name!.group, f.pl_state!.group, f.pl_len!.group, f.pl_tflag!.group, f.pl_putil!.group]).toEqual(['Identity', 'State', 'Layout', 'Flags', 'Utility fields'])
  })
  it('writes sizes in bytes and sectors, flag words decoded, utility slots numbered', () => {
    expect(f.pl_len!.text).toBe('256 MiB · 524,288 sectors')
    expect(f.pl_tflag!.text).toBe('PL_TFLAG_READ | WRITE | COMPLETE (0xb)')
    expect(f.pl_putil!.text).toBe('[0] —  [1] x  [2] —')
  })
  it('marks read-only fields and gives each its meaning', () => {
    expect([f.pl_name!.readOnly, f.pl_rid!.readOnly, f.pl_len!.readOnly]).toEqual([true, true, true])
    expect([f.pl_comment!.readOnly, f.pl_state!.readOnly, f.pl_kstate!.readOnly, f.pl_tflag!.readOnly]).toEqual([false, false, false, false])
    expect(f.pl_kstate!.meaning).toContain('ENABLED takes I/O')
  })
  it('writes a volume’s mode and exception policies in words', () => {
    const v = Object.fromEntries(fieldViews('v', { v_mode: 384, v_w_some: 7 }).map((x) => [x.key, x.text]))
    expect(v).toEqual({ v_mode: '0600 (rw-------)', v_w_some: 'V_GEN_DET (7)' })
    expect(formatMode(0o644)).toBe('0644 (rw-r--r--)')
  })
})
