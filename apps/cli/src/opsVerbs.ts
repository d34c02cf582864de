/** The everyday-operation verbs (vxassist mirror, remove mirror), each a thin call of the HTTP API. */
import type { Command } from 'commander'
import type { Connection } from './client.ts'

/** What the verbs use of cli.ts: the global options, the connection, output and the attach's follow-up. */
export interface VerbKit<G> {
  act(fn: (cmd: Command, ...args: string[]) => Promise<void>): (...args: unknown[]) => Promise<void>
  conn(cmd: Command): Promise<{ g: G; c: Connection }>
  groupName(c: Connection, g: G): Promise<string>
  out(g: G, json: unknown, text: () => string): void
  changesText(r: { dryRun?: boolean; tid?: number; changes?: Array<{ op: string; kind: string; name: string; fields: string[] }>; copyBytes?: number }): string
  historyMark(c: Connection): Promise<number>
  finishAttach(c: Connection, g: G, dg: string, taskId: string, since: number, volume: string, plex: string): Promise<void>
}

/** The plexes of a volume, by name. */
async function plexesOf(c: Connection, dg: string, volume: string): Promise<string[]> {
  return (await c.call('GET /api/dgs/:dg', { dg })).config.plexes.filter((p) => p.pl_v_name === volume).map((p) => p.pl_name)
}

/** Adds `plexa vol mirror` and `plexa vol unmirror` to the `vol` command. */
export function addMirrorVerbs<G>(vol: Command, k: VerbKit<G>): void {
  vol
    .command('mirror')
    .description('vxassist mirror: add a mirror to a volume, a concat plex on disks that hold none of its data plexes; a started volume is copied into it (a task), a stopped one copies it at its next start')
    .argument('<volume>')
    .option('--disks <names>', 'comma-separated disks the new plex may use')
    .option('--wait', 'follow the copy with a progress bar, then report the outcome (exit 6 with its code when it failed)')
    .option('--dry-run', 'show the records it would create and the bytes it would copy')
    .action(
      k.act(async (cmd, volume) => {
        const { g, c } = await k.conn(cmd)
        const o = cmd.opts() as { disks?: string; wait?: boolean; dryRun?: boolean }
        const dg = await k.groupName(c, g)
        const before = await plexesOf(c, dg, volume!)
        const since = o.wait && !o.dryRun ? await k.historyMark(c) : 0
        const r = await c.call('POST /api/dgs/:dg/volumes/:volume/mirror', { dg, volume: volume! }, { ...(o.disks ? { disks: o.disks.split(',') } : {}), ...(o.dryRun ? { dryRun: true } : {}) })
        if (!('taskId' in r)) return k.out(g, r, () => k.changesText(r))
        // the plex is made and attached before the copy's task starts: it is the volume's new one
        const plex = (await plexesOf(c, dg, volume!)).find((p) => !before.includes(p)) ?? '?'
        if (o.wait) return k.finishAttach(c, g, dg, r.taskId, since, volume!, plex)
        k.out(g, { ...r, plex }, () => `mirroring ${volume}: new plex ${plex}, copying in ${r.taskId}`)
      }),
    )
  vol
    .command('unmirror')
    .description('vxassist remove mirror / vxplex -o rm dis: remove a data plex of a volume with its subdisks (PLEX, or one that is not a current copy, else the newest); the last complete current plex is refused (VM_LAST_PLEX) unless --force')
    .argument('<volume>')
    .argument('[plex]', 'the plex to remove')
    .option('--force', 'even if the volume is left without a complete current plex')
    .option('--dry-run', 'show what would be removed')
    .action(
      k.act(async (cmd, volume, plex) => {
        const { g, c } = await k.conn(cmd)
        const o = cmd.opts() as { force?: boolean; dryRun?: boolean }
        const body = { ...(plex ? { plex } : {}), ...(o.force ? { force: true } : {}), ...(o.dryRun ? { dryRun: true } : {}) }
        const r = await c.call('POST /api/dgs/:dg/volumes/:volume/unmirror', { dg: await k.groupName(c, g), volume: volume! }, body)
        const gone = r.changes.find((ch) => ch.kind === 'pl' && ch.op === 'delete')?.name
        k.out(g, r, () => (r.dryRun ? k.changesText(r) : `${k.changesText(r)}\nremoved ${gone ?? 'a plex'} from ${volume}`))
      }),
    )
}

