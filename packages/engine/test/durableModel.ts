/**
 * What a volume must hold after a crash: per sector its data and whether the write was
 * acknowledged (1) or made durable by a flush or clean stop (2); 0 is unknown (a failed write).
 */
export class DurableModel {
  readonly data: Buffer
  readonly state: Uint8Array
  constructor(sectors: number) {
    this.data = Buffer.alloc(sectors * 512)
    this.state = new Uint8Array(sectors)
  }
  apply(off: number, buf: Buffer, ok: boolean) {
    const s = off / 512
    if (ok) buf.copy(this.data, off)
    this.state.fill(ok ? 1 : 0, s, s + buf.length / 512)
  }
  /** A copy that later calls on this model leave alone. */
  clone(): DurableModel {
    const out = new DurableModel(this.state.length)
    this.data.copy(out.data)
    out.state.set(this.state)
    return out
  }
  /** Every acknowledged write is now durable. */
  durable() {
    for (let i = 0; i < this.state.length; i++) if (this.state[i] === 1) this.state[i] = 2
  }
  /** The volume starts out holding `buf`, durably. */
  init(buf: Buffer) {
    buf.copy(this.data)
    this.state.fill(2)
  }
}
