import { describe, expect, it } from 'vitest'
import { ratePath } from './rateChart.ts'

describe('ratePath', () => {
  it('spreads the samples over the width and scales the rate from 0 to the highest seen', () => {
    expect(ratePath([{ at: 0, rate: 0 }, { at: 500, rate: 50 }, { at: 1000, rate: 100 }], 100, 21)).toEqual({ points: '0.0,20.0 50.0,10.5 100.0,1.0', max: 100 })
  })
  it('draws nothing from fewer than two samples', () => {
    expect(ratePath([{ at: 0, rate: 7 }], 100, 20)).toEqual({ points: '', max: 7 })
  })
})
