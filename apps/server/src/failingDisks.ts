import type { DiskGroup } from '@plexa/engine'
import type { FailingDisks, ServerEventBody } from '@plexa/protocol'

/**
 * Rule 409: the clients learn which disks the engine knows fail every read or write now
 * (`DiskGroup.failingDisks`: a lost NBD connection, a lab failure, a device gone), so the page
 * disables what the engine would refuse. A lost connection raises no event of its own: each group is
 * looked at once a second, and at once after an event that may change it (an I/O error, a lab
 * failure or restore, a commit); a change is published as `dg.failing` with every failing disk.
 */
export class FailingDisksWatch {
  private readonly last = new Map<string, string>()
  private scheduled = false
  private readonly timer: ReturnType<typeof setInterval>
  private readonly groups: () => Iterable<DiskGroup>
  private readonly publish: (body: Extract<ServerEventBody, { type: 'dg.failing' }>) => void

  constructor(groups: () => Iterable<DiskGroup>, publish: (body: Extract<ServerEventBody, { type: 'dg.failing' }>) => void, everyMs = 1000) {
    this.groups = groups
    this.publish = publish
    for (const dg of groups()) this.last.set(dg.name, JSON.stringify(dg.failingDisks()))
    this.timer = setInterval(() => this.check(), everyMs)
    this.timer.unref?.()
  }

  /** An event went by: the ones that may change a device's state bring a look at every group. */
  onEvent(e: { type: string }): void {
    if (!TRIGGERS.has(e.type) || this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      this.check()
    })
  }

  /** Publishes each group whose failing disks differ from what was last published (or seen at start). */
  check(): void {
    for (const dg of this.groups()) {
      const failing: FailingDisks = dg.failingDisks()
      const key = JSON.stringify(failing)
      if (this.last.get(dg.name) === key) continue
      // a group imported since: its snapshot carried its state, an event says it only if it differs
      const known = this.last.has(dg.name)
      this.last.set(dg.name, key)
      if (known || key !== '{}') this.publish({ type: 'dg.failing', dg: dg.name, failing })
    }
  }

  close(): void {
    clearInterval(this.timer)
  }
}

const TRIGGERS = new Set(['io.error', 'lab.disk', 'config.committed', 'dg.state'])
