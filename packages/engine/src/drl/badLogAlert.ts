import { type Config, V_PFLAG } from '../records/types.ts'

/**
 * The critical alert a volume's failed dirty region log raises (VM_WRTDAERR about the volume,
 * drl/volumeLogs.ts), and when it is over (rule 477): it imports only the record types, so the
 * server's alert resolution and the web's read it alike.
 */
export function badLogAlertMessage(volume: string): string {
  return `dirty region log of ${volume} failed (BADLOG): a crash now needs a full resync`
}

/** Is this the alert of a volume whose dirty region log failed (not another VM_WRTDAERR)? */
export function isBadLogAlert(a: { code: string; object?: string; message: string }): boolean {
  return a.code === 'VM_WRTDAERR' && a.object !== undefined && a.message === badLogAlertMessage(a.object)
}

/**
 * Rule 477: a failed log's alert is over once the volume's log is valid again (BADLOG clear) and a
 * log plex of it is in use (LOG ENABLED: re-attached, relocated, or a new one added after the
 * failed one was removed), or once the volume is gone; the words that say so, else undefined.
 */
export function badLogOver(a: { object?: string }, c: Config): string | undefined {
  const v = c.volumes.find((x) => x.v_name === a.object)
  if (!v) return `volume ${a.object} is no longer in the group`
  if (v.v_pflag & V_PFLAG.BADLOG) return undefined
  const isLog = (rid: number) => {
    const sds = c.subdisks.filter((s) => s.sd_plex_rid === rid)
    return sds.length > 0 && sds.every((s) => s.sd_is_log)
  }
  const inUse = c.plexes.find((p) => p.pl_vol_rid === v.v_rid && p.pl_kstate === 'ENABLED' && p.pl_state === 'LOG' && isLog(p.pl_rid))
  return inUse ? `the dirty region log of ${v.v_name} is valid and in use again (plex ${inUse.pl_name})` : undefined
}
