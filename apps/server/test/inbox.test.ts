import { describe, expect, it } from 'vitest'
import { Inbox, InboxOverflow } from '../src/nbd/inbox.ts'
import { createRandom } from '../../../packages/engine/test/random.ts'

type Rnd = ReturnType<typeof createRandom>
const bytes = (rnd: Rnd, n: number) => rnd.bytes((n + 3) & ~3).subarray(0, n)

/**
 * A connection's byte stream as the NBD server sees it: `reads` awaited exact reads (option
 * haggling), then frames of an 8-byte header (length) and a payload parsed synchronously, each
 * payload received through `fill`, as a write's is.
 */
function stream(rnd: Rnd) {
  const reads = Array.from({ length: rnd.int(0, 4) }, () => bytes(rnd, rnd.pick([4, 16, 1000, 70_000, 200_000])))
  const frames = Array.from({ length: rnd.int(1, 40) }, () => bytes(rnd, rnd.pick([0, 1, 512, 4096, 65_536, 300_000, 1 << 20].map((n) => rnd.int(n, n + 3)))))
  const wire = Buffer.concat([
    ...reads,
    ...frames.flatMap((f) => {
      const h = Buffer.alloc(8)
      h.writeUInt32BE(0xfeedbeef, 0)
      h.writeUInt32BE(f.length, 4)
      return [h, f]
    }),
  ])
  return { reads, frames, wire }
}

/** Consumes the inbox as the server does; resolves with what it read. */
async function consume(inbox: Inbox, nReads: number[], nFrames: number) {
  const reads: Buffer[] = []
  for (const n of nReads) reads.push(await inbox.read(n))
  const frames: Buffer[] = []
  await new Promise<void>((resolve, reject) => {
    const parse = () => {
      while (!inbox.receiving && frames.length < nFrames) {
        const b = inbox.available()
        if (b.length < 8) return
        if (b.readUInt32BE(0) !== 0xfeedbeef) return reject(new Error('lost the frame boundary'))
        const target = Buffer.alloc(b.readUInt32BE(4), 0xee) // stale bytes that must all be overwritten
        inbox.consume(8)
        inbox.fill(target, () => {
          frames.push(target)
          if (frames.length === nFrames) resolve()
        })
      }
      if (frames.length === nFrames) resolve()
    }
    inbox.onBytes = parse
    parse()
  })
  return { reads, frames }
}

/**
 * Delivers `wire` in random pieces: copied in (`push`), or written where `next()` pointed, as Node's
 * `onread` does: it asks for the next buffer right after each read, and the consumer may start a
 * payload (moving where bytes should go) before the kernel fills that buffer.
 */
async function deliver(inbox: Inbox, wire: Buffer, inPlace: boolean, rnd: Rnd) {
  let into = inPlace ? inbox.next() : undefined
  for (let at = 0; at < wire.length; ) {
    const want = rnd.pick([1, 7, 28, 4096, 65_536, 200_000, 1 << 20])
    if (into) {
      const k = Math.min(want, into.length, wire.length - at)
      wire.copy(into, 0, at, at + k)
      inbox.received(k)
      into = inbox.next()
      at += k
    } else {
      const k = Math.min(want, wire.length - at)
      inbox.push(wire.subarray(at, at + k))
      at += k
    }
    // the consumer's awaited reads run between socket reads
    await new Promise((r) => setImmediate(r))
  }
}

describe('NBD inbox: exact reads, then payloads received in place', () => {
  for (const inPlace of [true, false]) {
    it(`hands every byte to the right reader under seeded random splits (${inPlace ? 'received in place' : 'copied in'})`, async () => {
      for (let seed = 1; seed <= 40; seed++) {
        const rnd = createRandom(seed)
        const s = stream(rnd)
        const inbox = new Inbox()
        const got = consume(
          inbox,
          s.reads.map((r) => r.length),
          s.frames.length,
        )
        await deliver(inbox, s.wire, inPlace, rnd)
        const { reads, frames } = await got
        reads.forEach((r, i) => expect(r.equals(s.reads[i]!), `seed ${seed} read ${i}`).toBe(true))
        expect(frames.length, `seed ${seed}`).toBe(s.frames.length)
        frames.forEach((f, i) => expect(f.equals(s.frames[i]!), `seed ${seed} frame ${i}`).toBe(true))
      }
    })
  }

  it('points the next read into the payload being filled, after the bytes it already had', () => {
    const inbox = new Inbox()
    const header = inbox.next()
    Buffer.from('abcdef').copy(header)
    inbox.received(6)
    expect(inbox.available().toString()).toBe('abcdef')
    inbox.consume(2)
    const target = Buffer.alloc(10)
    let whole = false
    inbox.fill(target, () => (whole = true))
    expect(target.subarray(0, 4).toString()).toBe('cdef')
    const into = inbox.next()
    expect(into.buffer).toBe(target.buffer)
    expect(into.byteOffset).toBe(target.byteOffset + 4)
    expect(into.length).toBe(6)
    Buffer.from('ghijkl').copy(into)
    inbox.received(6)
    expect(whole).toBe(true)
    expect(target.toString()).toBe('cdefghijkl')
    expect(inbox.next().buffer).not.toBe(target.buffer) // back to the stage
  })

  it('a read of n resolves empty when the peer goes away before n bytes arrive', async () => {
    const inbox = new Inbox()
    const r = inbox.read(10)
    inbox.push(Buffer.from('abc'))
    inbox.close()
    expect((await r).length).toBe(0)
  })

  it('refuses to hold more than 8 MiB unread (pipelined option data), so a client cannot grow it without bound', () => {
    const inbox = new Inbox()
    void inbox.read(16 << 20)
    expect(() => inbox.push(Buffer.alloc(9 << 20))).toThrow(InboxOverflow)
  })
})
