import { settled } from './failures.ts'

/**
 * Writes a piece of state to disk at most once at a time, and only when it changed: `changed()`
 * bumps the in-memory generation; `persist()` resolves once a write that started at or after the
 * current generation has finished (concurrent callers share writes). Used by the DRL and the stale
 * maps, whose bits must reach the disk before the data write they protect.
 */
export class CoalescedWriter {
  private gen = 0
  private written = 0
  private writing: Promise<void> | undefined
  private readonly write: () => Promise<void>

  constructor(write: () => Promise<void>) {
    this.write = write
  }

  changed(): void {
    this.gen++
  }

  /** True when the state changed since it was last written. */
  get pending(): boolean {
    return this.gen > this.written
  }

  async persist(): Promise<void> {
    const want = this.gen
    while (this.written < want) {
      if (this.writing) {
        // the write under way fails for its own caller; this one only waits, then writes anew
        await settled(this.writing)
        continue
      }
      const g = this.gen
      this.writing = this.write().then(() => {
        this.written = Math.max(this.written, g)
      })
      try {
        await this.writing
      } finally {
        this.writing = undefined
      }
    }
  }
}
