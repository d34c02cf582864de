import type { Clock } from '../clock.ts'
import { RegionLock } from '../io/regionLock.ts'
import { type VolumeIoRuntime, wakeDrained } from '../io/volumeIo.ts'
import type { VRecord } from '../records/types.ts'
import { RegionSet } from '../regionSet.ts'
import type { Task } from '../tasks/task.ts'

/** What the group keeps per volume while it is imported: the I/O path's state and the tasks copying it. */
export interface VolumeRuntime extends VolumeIoRuntime {
  tasks: Set<Task>
}

/**
 * What a volume's region lock times its holds with: the clock's precise time where it has one
 * (rule 311). The adaptive copy's target is a fraction of a millisecond (1.5 times an idle p99 of
 * 0.5 ms): timed in whole milliseconds, every write that spanned a tick (5-30% of them) read as
 * 1 ms, the p99 was never within, and the copy was cut to its floor whatever it did.
 */
export function timer(clock: Clock): () => number {
  return clock.precise ? () => clock.precise!() : () => clock.now()
}

/**
 * The runtime state of a group's volumes, by volume rid, made on first use: region lock, drain
 * gate, DRL, unflushed and read-writeback regions (io/volumeIo.ts), and the tasks registered on
 * the volume, which a stop waits for (rule 157).
 */
export class VolumeRuntimes {
  private readonly map = new Map<number, VolumeRuntime>()
  private readonly clock: Clock

  constructor(clock: Clock) {
    this.clock = clock
  }

  /** The runtime of volume `v`, made on first use. */
  of(v: VRecord): VolumeRuntime {
    let rt = this.map.get(v.v_rid)
    if (!rt) {
      rt = { lock: new RegionLock(timer(this.clock)), lastReadEnd: -Infinity, lastReadPlex: 0, dirtyMarked: undefined, inflight: 0, drained: [], tasks: new Set(), drl: undefined, unflushed: new RegionSet(), rwback: undefined }
      this.map.set(v.v_rid, rt)
    }
    return rt
  }

  /** The runtime of volume `vrid` if it has one. */
  find(vrid: number): VolumeRuntime | undefined {
    return this.map.get(vrid)
  }

  /** Every runtime made so far, by volume rid. */
  all(): ReadonlyMap<number, VolumeRuntime> {
    return this.map
  }

  /** Registers a task on the volumes it copies. */
  taskStarted(task: Task, volumes: readonly VRecord[]): void {
    for (const v of volumes) this.of(v).tasks.add(task)
  }

  /** Unregisters an ended task, waking a stop that waits for the volume to drain. */
  taskFinished(task: Task, volumes: readonly VRecord[]): void {
    for (const v of volumes) {
      const rt = this.of(v)
      rt.tasks.delete(task)
      wakeDrained(rt)
    }
  }
}
