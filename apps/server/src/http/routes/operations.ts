import { EngineError } from '@plexa/engine'
import type { Handlers } from '../handler.ts'
import { dgOf, ok, tx, untilTask } from '../handler.ts'
import { volumesOnDisk } from '../../services.ts'

/** The new length a grow or shrink asks for: `len` (growto, shrinkto) or the volume's length plus `by` (times `sign`). */
function newLength(current: number, body: { len?: number | undefined; by?: number | undefined }, sign: 1 | -1): number {
  if ((body.len === undefined) === (body.by === undefined)) throw new EngineError('VM_INVALID_PARAM', 'give exactly one of len (the new length) or by (the change), in sectors')
  return body.len ?? current + sign * body.by!
}

/** The everyday operations of vxassist, vxevac and vxrelocd (engine ops/): add and remove a mirror or a log, grow and shrink, evacuate a disk, relocate its failed plexes. */
export const operationRoutes = {
  async 'POST /api/dgs/:dg/volumes/:volume/mirror'(s, ctx) {
    const dg = dgOf(s, ctx)
    const volume = ctx.params.volume!
    const disks = ctx.body.disks ? { disks: ctx.body.disks } : {}
    if (ctx.body.dryRun) return tx(await dg.addMirror(volume, { ...disks, dryRun: true }))
    return untilTask(s, dg, 'attach', volume, (onTask, onNotes) => dg.addMirror(volume, { ...disks, onTask, onNotes }))
  },
  async 'POST /api/dgs/:dg/volumes/:volume/unmirror'(s, ctx) {
    const { plex, force, dryRun } = ctx.body
    return tx(await dgOf(s, ctx).removeMirror(ctx.params.volume!, plex, { force: force ?? false, dryRun: dryRun ?? false }))
  },
  async 'POST /api/dgs/:dg/volumes/:volume/grow'(s, ctx) {
    const dg = dgOf(s, ctx)
    const volume = ctx.params.volume!
    const len = newLength(dg.volumeSize(volume) / 512, ctx.body, 1)
    const disks = ctx.body.disks ? { disks: ctx.body.disks } : {}
    if (ctx.body.dryRun) return tx(await dg.growVolume(volume, len, { ...disks, dryRun: true }))
    return untilTask(s, dg, 'grow', volume, (onTask, onNotes) => dg.growVolume(volume, len, { ...disks, onTask, onNotes }))
  },
  async 'POST /api/dgs/:dg/volumes/:volume/shrink'(s, ctx) {
    const dg = dgOf(s, ctx)
    const volume = ctx.params.volume!
    const len = newLength(dg.volumeSize(volume) / 512, ctx.body, -1)
    return tx(await dg.shrinkVolume(volume, len, { force: ctx.body.force ?? false, dryRun: ctx.body.dryRun ?? false }))
  },
  async 'POST /api/dgs/:dg/disks/:disk/evacuate'(s, ctx) {
    const dg = dgOf(s, ctx)
    const disk = ctx.params.disk!
    const to = ctx.body.to ? { to: ctx.body.to } : {}
    if (ctx.body.dryRun) return tx(await dg.evacuateDisk(disk, { ...to, dryRun: true }))
    // the task history names the disk and every volume with a plex on it (not the first volume
    // moved, rule 289); the first copy's entry is the whole evacuation's outcome and lists every
    // task it started, each later one with an entry of its own (rule 469)
    const c = dg.config()
    const dm = c.disks.find((d) => d.dm_name === disk)
    const plexRids = new Set(c.subdisks.filter((sd) => dm && sd.sd_dm_rid === dm.dm_rid && sd.sd_plex_rid).map((sd) => sd.sd_plex_rid))
    const volumes = [...new Set(c.plexes.filter((p) => plexRids.has(p.pl_rid) && p.pl_v_name).map((p) => p.pl_v_name))]
    return untilTask(s, dg, 'evacuate', { target: `disk ${disk}`, volumes }, (onTask, onNotes) => dg.evacuateDisk(disk, { ...to, onTask, onNotes }))
  },
  async 'POST /api/dgs/:dg/disks/:disk/relocate'(s, ctx) {
    const dg = dgOf(s, ctx)
    const disk = ctx.params.disk!
    const opts = { ...(ctx.body.plexes ? { plexes: ctx.body.plexes } : {}), dryRun: ctx.body.dryRun ?? false }
    if (opts.dryRun) return ok(await dg.relocateDisk(disk, opts))
    // nothing to copy (nothing relocated, or a stopped volume's plex): the report itself
    // rule 507: the 202 carries the notes the dry run gives (where each new subdisk goes)
    return untilTask(s, dg, 'relocate', { target: `disk ${disk}`, volumes: volumesOnDisk(dg.config(), disk) }, (onTask, onNotes) => dg.relocateDisk(disk, { ...opts, onTask, onNotes }))
  },
  async 'POST /api/dgs/:dg/disks/:disk/unrelocate'(s, ctx) {
    const dg = dgOf(s, ctx)
    const disk = ctx.params.disk!
    const opts = { ...(ctx.body.to ? { to: ctx.body.to } : {}), force: ctx.body.force ?? false }
    if (ctx.body.dryRun) return ok(await dg.unrelocate(disk, { ...opts, dryRun: true }))
    // the history names the disk and every volume with a subdisk relocated from it (rule 469: one entry a move)
    const c = dg.config()
    const plexRids = new Set(c.subdisks.filter((sd) => sd.sd_orig_dmname === disk).map((sd) => sd.sd_plex_rid))
    const volumes = [...new Set(c.plexes.filter((p) => plexRids.has(p.pl_rid) && p.pl_v_name).map((p) => p.pl_v_name))]
    return untilTask(s, dg, 'unrelocate', { target: `disk ${disk}`, volumes }, (onTask, onNotes) => dg.unrelocate(disk, { ...opts, onTask, onNotes }))
  },
  async 'POST /api/dgs/:dg/volumes/:volume/addlog'(s, ctx) {
    const { disks, dryRun } = ctx.body
    return tx(await dgOf(s, ctx).addLog(ctx.params.volume!, { ...(disks ? { disks } : {}), dryRun: dryRun ?? false }))
  },
  async 'POST /api/dgs/:dg/volumes/:volume/rmlog'(s, ctx) {
    return tx(await dgOf(s, ctx).removeLog(ctx.params.volume!, ctx.body.plex, { dryRun: ctx.body.dryRun ?? false }))
  },
} satisfies Partial<Handlers>
