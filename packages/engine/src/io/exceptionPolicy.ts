import { EXCEPTION_POLICY as P } from '../records/types.ts'

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

/** What a failure's decision sees of the volume's copies, region by region. */
export interface CopyView {
  /** Every plex of the volume (rids). */
  plexes: readonly number[]
  /** Number of regions of the volume. */
  regions: number
  /** Is plex `rid` a current copy of region `g` now (serving, ACTIVE, not stale there, not leaving)? */
  isCurrent(rid: number, g: number): boolean
}

/**
 * A policy outcome after the last-copy rule: `kept` are plexes the policy wanted gone that hold a
 * region's last current copy; an I/O whose data no surviving current copy holds fails anyway.
 */
export interface FailureDecision extends PolicyOutcome {
  kept: number[]
}

/**
 * Evaluates the exception policy and then applies the rule VxVM keeps for the last complete plex
 * (rule 118): a plex that is the last current copy of some region of the volume is never
 * kernel-detached; it stays attached and the I/O fails instead. When only some of the candidates
 * can go, the ones earliest in `keepOrder` stay (unlisted ones go first).
 */
export function decideFailure(
  policies: { some: number; all: number },
  plexes: readonly PolicyPlex[],
  failed: ReadonlySet<number>,
  view: CopyView,
  keepOrder: readonly number[] = [],
): FailureDecision {
  const outcome = evaluatePolicy(policies, plexes, failed)
  const rank = (rid: number) => {
    const i = keepOrder.indexOf(rid)
    return i < 0 ? keepOrder.length : i
  }
  const candidates = [...outcome.detachPlexes].sort((a, b) => rank(b) - rank(a))
  const gone = new Set<number>()
  const kept: number[] = []
  const lastCopy = (rid: number) => {
    for (let g = 0; g < view.regions; g++) {
      if (!view.isCurrent(rid, g)) continue
      if (!view.plexes.some((o) => o !== rid && !gone.has(o) && view.isCurrent(o, g))) return true
    }
    return false
  }
  for (const rid of candidates) {
    if (lastCopy(rid)) kept.push(rid)
    else gone.add(rid)
  }
  return { ...outcome, detachPlexes: outcome.detachPlexes.filter((rid) => gone.has(rid)), kept }
}
