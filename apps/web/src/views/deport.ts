import type { Config } from '@plexa/engine'
import type { PendingImport, ResponseOf } from '@plexa/protocol'
import type { Action } from './actions.ts'

/** What `POST /api/dgs/:dg/deport` answers (its dry run too). */
export type DeportReport = ResponseOf<'POST /api/dgs/:dg/deport'>

/**
 * vxdg deport of the selected group (rule 454): offered on the group, disabled while a volume is
 * started (the server refuses VM_VOL_ENABLED; a running task is refused VM_BUSY by its dry run),
 * confirmed with its dry run in words.
 */
export function deportAction(c: Config, dg: string, viewer?: string): Action {
  const started = c.volumes.filter((v) => v.v_kstate !== 'DISABLED').map((v) => v.v_name)
  const why = viewer ?? (started.length ? `stop ${started.join(', ')} first: a deport needs every volume of ${dg} stopped` : undefined)
  return {
    id: 'deport',
    label: 'Deport disk group…',
    route: 'POST /api/dgs/:dg/deport',
    params: { dg },
    body: {},
    destructive: true,
    warning: `${dg} leaves this server: its volumes (all stopped) cannot be started or exported over NBD here, and its disks may be moved to another host, until it is imported again`,
    ...(why ? { disabled: why } : {}),
  }
}

/** A deport's dry run in words: the disks released and the volumes leaving with the group. */
export function deportWords(dg: string, r: Partial<DeportReport>): string[] {
  return [
    `the headers of ${r.disks?.length ? `disks ${r.disks.join(', ')}` : 'its disks'} will name no importer: this host or another may import ${dg}`,
    r.volumes?.length ? `volumes ${r.volumes.join(', ')} leave with it, stopped` : `${dg} has no volume`,
    `${dg} stays deported, across restarts too, until it is imported again (its Import button in the tree)`,
  ]
}

/** The import of a deported group, confirmed (an import has no dry run). */
export function importDeportedAction(p: PendingImport): Action {
  return {
    id: 'import',
    label: 'Import disk group',
    route: 'POST /api/imports/:dg',
    params: { dg: p.name },
    body: {},
    destructive: true,
    warning: `${p.name} is imported on this host: only do so if no other host uses its disks; its volumes stay stopped until started`,
    noDryRun: 'an import has no dry run: it is refused, changing nothing, if a disk is missing or another host holds the group',
  }
}
