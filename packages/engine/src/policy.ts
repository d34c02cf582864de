import { EXCEPTION_POLICY as P } from './records/types.ts'

/** What the kernel does after I/O failed on some plexes (SEMANTICS.md 1.6). */
export interface PolicyOutcome {
  /** Plexes (rids) to kernel-detach. */
  detachPlexes: number[]
  /** Detach the whole volume. */
  detachVolume: boolean
  /** Fail the I/O back to the caller. */
  failIo: boolean
}

export interface PolicyPlex {
  rid: number
  /** PL_TFLAG_COMPLETE: holds a complete image of the volume. */
  complete: boolean
  /** PL_PFLAG_NOERROR: takes no part in the policies. */
  noError: boolean
}

/**
 * Evaluates an exception policy. `plexes` are the plexes the I/O went to, `failed` the rids it
 * failed on. `some` vs `all` is decided here from the plexes that take part in the policies;
 * NOERROR plexes neither count nor get detached (checklist E 49).
 */
export function evaluatePolicy(policies: { some: number; all: number }, plexes: readonly PolicyPlex[], failed: ReadonlySet<number>): PolicyOutcome {
  const part = plexes.filter((p) => !p.noError)
  const bad = part.filter((p) => failed.has(p.rid))
  const none: PolicyOutcome = { detachPlexes: [], detachVolume: false, failIo: false }
  if (bad.length === 0) return none
  const all = bad.length === part.length
  const policy = all ? policies.all : policies.some
  const badRids = bad.map((p) => p.rid)
  const completeLeft = part.filter((p) => p.complete && !failed.has(p.rid)).length
  switch (policy) {
    case P.V_NO_OP:
      return none
    case P.V_FAIL_OP:
      return { ...none, failIo: true }
    case P.V_DET_PL:
      return { ...none, detachPlexes: badRids }
    case P.V_FAIL_DET_PL:
      return { detachPlexes: badRids, detachVolume: false, failIo: true }
    case P.V_DET_VOL:
      return { ...none, detachVolume: true }
    case P.V_FAIL_DET_VOL:
      return { ...none, detachVolume: true, failIo: true }
    case P.V_GEN_DET:
      return completeLeft === 0 ? { ...none, detachVolume: true } : { ...none, detachPlexes: badRids }
    case P.V_GEN_DET_SPARSE:
      return completeLeft === 0
        ? { ...none, detachPlexes: [...badRids, ...part.filter((p) => !p.complete && !failed.has(p.rid)).map((p) => p.rid)] }
        : { ...none, detachPlexes: badRids }
    case P.V_GEN_FAIL:
      return completeLeft === 0 ? { detachPlexes: [], detachVolume: true, failIo: true } : { ...none, detachPlexes: badRids }
    case P.V_GEN_DET2:
      return completeLeft < 2 ? { ...none, detachVolume: true } : { ...none, detachPlexes: badRids }
    default:
      return { ...none, failIo: true }
  }
}
