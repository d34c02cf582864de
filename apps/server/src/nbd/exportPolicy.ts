/**
 * Which started volumes the NBD server exports, and which read-only: `all` (the default), `none`,
 * or a comma-separated list of `dg/volume` or `volume` names, each with `:ro` for a read-only
 * export (`all:ro` exports every volume read-only).
 */
export interface ExportPolicy {
  /** undefined: not exported; otherwise whether read-only. */
  lookup(dg: string, volume: string): { readOnly: boolean } | undefined
}

export class ExportPolicyError extends Error {}

export function parseExportPolicy(spec: string | undefined): ExportPolicy {
  const items = (spec ?? 'all').split(',').map((s) => s.trim()).filter(Boolean)
  if (items.length === 0 || (items.length === 1 && items[0] === 'none')) return { lookup: () => undefined }
  let all: { readOnly: boolean } | undefined
  const named = new Map<string, { readOnly: boolean }>()
  for (const item of items) {
    const [name, mode, extra] = item.split(':')
    if (extra !== undefined || (mode !== undefined && mode !== 'ro' && mode !== 'rw') || !name || !/^(all|[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)?)$/.test(name)) {
      throw new ExportPolicyError(`an NBD export is all, none, VOLUME or DG/VOLUME, with :ro or :rw; not ${JSON.stringify(item)}`)
    }
    const how = { readOnly: mode === 'ro' }
    if (name === 'all') all = how
    else named.set(name, how)
  }
  return { lookup: (dg, volume) => named.get(`${dg}/${volume}`) ?? named.get(volume) ?? all }
}
