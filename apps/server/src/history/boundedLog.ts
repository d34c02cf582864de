import { appendFile, rename, writeFile } from 'node:fs/promises'
import { readJsonLines } from '../jsonLines.ts'

export interface Bounds {
  /** At most this many items ... */
  maxCount: number
  /** ... and at most this many bytes of them (as JSON lines). */
  maxBytes: number
}

/**
 * A list kept in a JSON-lines file, newest last, bounded by count and bytes in memory and on disk:
 * each item is appended as one line, and once the file holds twice the bounds it is rewritten
 * (to a temporary file, then renamed) with only what is kept. A torn last line after a crash is
 * skipped at load.
 */
export class BoundedLog<T> {
  private readonly file: string
  private readonly bounds: Bounds
  private readonly list: Array<{ item: T; bytes: number }> = []
  private total = 0
  private fileLines = 0
  private fileBytes = 0
  private chain: Promise<void> = Promise.resolve()
  private failed: unknown
  /** Items appended since the last write, serialized when written. */
  private pending: T[] = []
  private pendingBytes = 0
  private needRewrite = false
  private writing = false
  private timer: NodeJS.Timeout | undefined

  constructor(file: string, bounds: Bounds) {
    this.file = file
    this.bounds = bounds
  }

  async load(): Promise<void> {
    const { records, bytes } = await readJsonLines<T>(this.file)
    for (const r of records) this.keep(r.value, r.bytes)
    this.fileLines = this.list.length
    this.fileBytes = bytes
    if (this.fileBytes > this.total) this.rewrite()
    await this.written()
  }

  private keep(item: T, bytes: number): void {
    this.list.push({ item, bytes })
    this.total += bytes
    while (this.list.length > this.bounds.maxCount || (this.total > this.bounds.maxBytes && this.list.length > 1)) this.total -= this.list.shift()!.bytes
  }

  /**
   * Appends an item; `bytes` is its size as a JSON line when the caller knows it already (the hub
   * serialized the event once for every client), so the publish path serializes nothing again.
   */
  append(item: T, bytes = JSON.stringify(item).length + 1): void {
    this.keep(item, bytes)
    this.pending.push(item)
    this.pendingBytes += bytes
    // more waiting than is kept, or a file twice the bounds: write only what is kept
    if (this.pendingBytes > this.bounds.maxBytes || this.fileLines + this.pending.length > 2 * this.bounds.maxCount || this.fileBytes + this.pendingBytes > 2 * this.bounds.maxBytes) this.rewrite()
    this.schedule()
  }

  private rewrite(): void {
    this.needRewrite = true
    this.pending = []
    this.pendingBytes = 0
    this.schedule()
  }

  /**
   * One writer at a time, at most every FLUSH_MS: lines appended meanwhile go out together, so a
   * flood of events is a few large writes that leave the event loop to the sockets.
   */
  private schedule(): void {
    if (this.writing || this.timer) return
    this.timer = setTimeout(() => this.flush(), BoundedLog.FLUSH_MS)
    this.timer.unref?.()
  }

  static readonly FLUSH_MS = 100

  private flush(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (this.writing) return
    this.writing = true
    this.chain = (async () => {
      try {
        if (this.needRewrite) {
          this.needRewrite = false
          const text = this.list.map((x) => JSON.stringify(x.item) + '\n').join('')
          this.pending = []
          this.pendingBytes = 0
          const tmp = `${this.file}.tmp`
          await writeFile(tmp, text, { mode: 0o600 })
          await rename(tmp, this.file)
          this.fileLines = this.list.length
          this.fileBytes = Buffer.byteLength(text)
        } else if (this.pending.length) {
          const items = this.pending
          this.pending = []
          this.pendingBytes = 0
          const text = items.map((x) => JSON.stringify(x) + '\n').join('')
          await appendFile(this.file, text, { mode: 0o600 })
          this.fileLines += items.length
          this.fileBytes += Buffer.byteLength(text)
        }
      } catch (e) {
        this.failed = e
      } finally {
        this.writing = false
        // what came meanwhile waits for the next turn
        if (this.needRewrite || this.pending.length) this.schedule()
      }
    })()
  }

  /** Resolves once everything appended so far is in the file. */
  async written(): Promise<void> {
    while (this.writing || this.timer || this.pending.length || this.needRewrite) {
      if (!this.writing) this.flush()
      await this.chain
    }
    if (this.failed) throw this.failed
  }

  /** Kept items, oldest first. */
  items(): readonly T[] {
    return this.list.map((x) => x.item)
  }

  get bytes(): number {
    return this.total
  }

  /** Bytes of the file once every write has landed. */
  get fileSize(): number {
    return this.fileBytes
  }

  /** The newest `limit` items for which `older` holds (all of them without it), oldest first. */
  page(limit: number, older?: (x: T) => boolean): T[] {
    const from = older ? this.list.filter((x) => older(x.item)) : this.list
    return from.slice(Math.max(0, from.length - limit)).map((x) => x.item)
  }
}
