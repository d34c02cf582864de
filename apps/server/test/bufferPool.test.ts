import { describe, expect, it } from 'vitest'
import { BufferPool } from '../src/nbd/bufferPool.ts'

describe('NBD buffer pool: buffers reused per size, bounded', () => {
  it('hands back a given buffer for the same size, a new one for another size', () => {
    const pool = new BufferPool()
    const a = pool.take(4096)
    pool.give(a)
    expect(pool.take(4096)).toBe(a)
    expect(pool.take(4096)).not.toBe(a) // taken: a fresh one
    pool.give(a)
    const other = pool.take(8192)
    expect(other).not.toBe(a)
    expect(other.length).toBe(8192)
  })

  it('keeps at most perSize buffers of a size and maxBytes in all', () => {
    const pool = new BufferPool(2, 3 * 4096)
    for (let i = 0; i < 5; i++) pool.give(Buffer.alloc(4096))
    expect(pool.held).toBe(2 * 4096) // two of a size
    pool.give(Buffer.alloc(8192)) // would exceed 3 * 4096
    expect(pool.held).toBe(2 * 4096)
    pool.give(Buffer.alloc(4000))
    expect(pool.held).toBe(2 * 4096 + 4000)
    pool.take(4096)
    expect(pool.held).toBe(4096 + 4000)
  })
})
