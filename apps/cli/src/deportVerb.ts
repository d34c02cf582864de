/** `plexa dg deport GROUP` (vxdg deport), a thin call of the HTTP API (rule 453). */
import type { Command } from 'commander'
import type { VerbKit } from './opsVerbs.ts'

/** Adds `plexa dg deport` to the `dg` command; `plexa dg import` takes the group back. */
export function addDeportVerb<G>(dgCmd: Command, k: Pick<VerbKit<G>, 'act' | 'conn' | 'out'>): void {
  dgCmd
    .command('deport')
    .description(
      'vxdg deport: release a disk group so that this or another host may import it (its disks moved there): every volume must be stopped first (VM_VOL_ENABLED names those started: plexa vol stop) and no task run on it (VM_BUSY names them); its disk headers then name no importer, and it stays deported, across restarts too, until plexa dg import GROUP',
    )
    .argument('<group>', 'the disk group to deport')
    .option('--dry-run', 'check that it can be deported and show the disks and volumes that would leave, changing nothing')
    .action(
      k.act(async (cmd, name) => {
        const { g, c } = await k.conn(cmd)
        const o = cmd.opts() as { dryRun?: boolean }
        const r = await c.call('POST /api/dgs/:dg/deport', { dg: name! }, o.dryRun ? { dryRun: true } : {})
        const what = `disks ${r.disks.join(', ')}; volumes ${r.volumes.join(', ') || 'none'}`
        k.out(g, r, () =>
          r.dryRun
            ? `would deport ${r.name} (dry run, nothing changed): ${what}`
            : `deported ${r.name}: ${what}; its disk headers name no importer (import it here again with plexa dg import ${r.name}, or on the host its disks go to)`,
        )
      }),
    )
}
