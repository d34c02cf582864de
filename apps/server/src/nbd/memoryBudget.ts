/**
 * The bytes of request and reply buffers all NBD connections hold together (in use or kept for
 * reuse), against one limit: past it no connection starts another request until buffers come back,
 * so many clients that pipeline large reads and never take the replies cannot grow the server
 * beyond the limit and one request.
 */
export class MemoryBudget {
  readonly limit: number
  private bytes = 0
  private top = 0
  private takes = 0
  private readonly waiters = new Set<() => void>()

  constructor(limit: number) {
    this.limit = limit
  }

  get held(): number {
    return this.bytes
  }

  /** The most ever held at once. */
  get peak(): number {
    return this.top
  }

  /**
   * Buffers allocated against the budget so far (one `take` each): where the pools reuse their
   * buffers, a client's steady stream of requests leaves it still.
   */
  get allocated(): number {
    return this.takes
  }

  get full(): boolean {
    return this.bytes >= this.limit
  }

  take(n: number): void {
    this.takes++
    this.bytes += n
    if (this.bytes > this.top) this.top = this.bytes
  }

  give(n: number): void {
    this.bytes -= n
    if (!this.full) for (const w of [...this.waiters]) w()
  }

  /** Runs `f` whenever room comes back, until the returned function is called. */
  onRoom(f: () => void): () => void {
    this.waiters.add(f)
    return () => void this.waiters.delete(f)
  }
}
