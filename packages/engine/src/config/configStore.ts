import { fail } from '../errors.ts'
import type { RecordChange } from '../events.ts'
import { checkBoolean } from '../records/validate.ts'
import type { Config } from '../records/types.ts'
import { Draft, finishDraft } from '../txn.ts'

/** Result of a transaction, or of its dry run (`dryRun: true`: nothing was changed). */
export interface TxResult {
  dryRun: boolean
  /** The group's tid after the transaction (unchanged for a dry run). */
  tid: number
  changes: RecordChange[]
  /** Dry runs of operations that copy data: the bytes the copy would move. */
  copyBytes?: number
  /**
   * Set when the records already held what was asked (a setting to its current value): nothing
   * was committed, no transaction took place, and `tid` is the group's current one (rule 472).
   */
  unchanged?: true
}

export interface TxOptions {
  /** Validate and report the record changes without committing anything (vxmake -p). */
  dryRun?: boolean
}

/** A commit that took effect: what every `onCommit` hook is told, in the order they were added. */
export interface Commit {
  operation: string
  before: Config
  after: Config
  changes: RecordChange[]
}

export interface TransactOptions extends TxOptions {
  /** Runs even while closed or forced offline, and commits even without a change (create, import). */
  force?: boolean
  /** Runs as this commit takes effect, before the store's hooks and before any other transaction. */
  onCommit?: () => void
  /**
   * Runs as this transaction fails once `fn` ran (`fn` threw, or writing the copies failed), before
   * any other transaction: it undoes what `fn` changed outside the draft (rule 82).
   */
  onFail?: () => void
}

/**
 * The committed configuration of one disk group and the only way to change it. `transact` runs
 * a change on a copy (a `Draft`), all or nothing: tid + 1 (+ 2 for the first commit of an import
 * that could not read every disk, rule 265), update_tid stamped on what changed,
 * written to the configuration copies (`write`, which fails VM_FORCEOFF when quorum is lost),
 * then made current; the `onCommit` hooks (I/O map, DRLs, events) run in order before any other
 * transaction or I/O can see it. Transactions are serialised; `busy` is true while one runs.
 */
export class ConfigStore {
  private cfg: Config
  private chain: Promise<unknown> = Promise.resolve()
  private txBusy = false
  private writing: Config | undefined
  private readonly hooks: Array<(c: Commit) => void> = []
  private readonly write: (c: Config) => Promise<void>
  private closedFlag = false
  private forcedOff = false
  /** The lowest tid the next commit may take (rule 265: above a tid an import could not rule out). */
  private nextTid: number

  /** `nextTid`: the tid the first commit takes at least (import's `nextTidAfter`); `initial.tid + 1` by default. */
  constructor(initial: Config, write: (c: Config) => Promise<void>, nextTid = initial.tid + 1) {
    this.cfg = initial
    this.write = write
    this.nextTid = nextTid
  }

  /** The committed configuration. Read it; never change it (only `transact` does). */
  current(): Config {
    return this.cfg
  }

  /** The configuration a transaction is writing right now (rule 117: what it takes away is no current copy). */
  get committing(): Config | undefined {
    return this.writing
  }

  /** True while a configuration transaction holds the group lock. */
  get busy(): boolean {
    return this.txBusy
  }

  get closed(): boolean {
    return this.closedFlag
  }

  get forcedOffline(): boolean {
    return this.forcedOff
  }

  /** The group was deported or closed: no transaction runs any more. */
  close(): void {
    this.closedFlag = true
  }

  /** Quorum was lost: the group is forced offline (VM_FORCEOFF) until it is imported again. */
  forceOffline(): void {
    this.forcedOff = true
  }

  assertOnline(): void {
    const name = this.cfg.dg.dg_name
    if (this.closedFlag) fail('VM_OFFLINE', `disk group ${name} is not imported`)
    if (this.forcedOff) fail('VM_FORCEOFF', `disk group ${name} was forced offline after losing quorum`)
  }

  /** Adds a hook run after every commit, after the hooks added before it. */
  onCommit(hook: (c: Commit) => void): void {
    this.hooks.push(hook)
  }

  transact(operation: string, fn: (d: Draft) => void, opts: TransactOptions = {}): Promise<TxResult> {
    const force = opts.force ?? false
    try {
      if (!force) this.assertOnline()
      if (opts.dryRun !== undefined) checkBoolean(opts.dryRun, 'dryRun')
    } catch (e) {
      // a refusal is the promise's rejection, never a synchronous throw: a caller's `.catch` sees it
      return Promise.reject(e)
    }
    const run = async (): Promise<TxResult> => {
      if (!force) this.assertOnline()
      this.txBusy = true
      try {
        const before = this.cfg
        const draft = structuredClone(before)
        let changes: RecordChange[]
        try {
          fn(new Draft(draft))
          changes = finishDraft(before, draft)
          if (opts.dryRun) return { dryRun: true, tid: before.tid, changes: changes.map(asHeld) }
          if (changes.length === 0 && !force) return { dryRun: false, tid: before.tid, changes, unchanged: true }
          draft.tid = Math.max(before.tid + 1, this.nextTid)
          this.writing = draft
          await this.write(draft).finally(() => (this.writing = undefined))
        } catch (e) {
          opts.onFail?.()
          throw e
        }
        this.cfg = draft
        this.nextTid = draft.tid + 1
        opts.onCommit?.()
        for (const hook of this.hooks) hook({ operation, before, after: draft, changes })
        return { dryRun: false, tid: draft.tid, changes }
      } finally {
        this.txBusy = false
      }
    }
    const p = this.chain.then(run, run)
    // the chain only orders transactions; each caller gets its own one's failure from `p`
    this.chain = p.then(ignore, ignore)
    return p
  }
}

function ignore(): void {}

/** The record lock field of each kind that has one (plexrec(4) pl_lock, sdrec sd_lock, volrec v_rec_lock). */
const LOCK_FIELD: Partial<Record<RecordChange['kind'], string>> = { pl: 'pl_lock', sd: 'sd_lock', v: 'v_rec_lock' }

/**
 * A record as the transaction that changes it sees it: locked (`pl_lock` 1, rule 156). The
 * committed records are never locked: the commit releases them.
 */
function asHeld(c: RecordChange): RecordChange {
  const f = LOCK_FIELD[c.kind]
  return f && c.after ? { ...c, after: { ...c.after, [f]: 1 } } : c
}
