/** Spare disks and hot relocation: `plexa disk set`, `plexa disk relocate`, `plexa disk unrelocate`, `plexa dg set`, each a thin call of the HTTP API. */
import type { Command } from 'commander'
import { type ResponseOf, exitStatusFor } from '@plexa/protocol'
import { CliError, usageError } from './client.ts'
import { FOLLOWS, type VerbKit, followDiskOperation, notesLines, operationVerb } from './opsVerbs.ts'
import { human } from './units.ts'

/** `FIELD=VALUE` arguments as vxedit set takes them; a number stays a number, on/off stay words. */
export function fieldArgs(args: readonly string[]): Record<string, string | number> {
  if (args.length === 0) throw usageError('give at least one FIELD=VALUE (spare=on, nohotuse=off, ...)')
  const out: Record<string, string | number> = {}
  for (const a of args) {
    const m = /^([a-z_0-9]+)=(.*)$/.exec(a)
    if (!m) throw usageError(`${a} is not FIELD=VALUE`)
    out[m[1]!] = /^(0x[0-9a-f]+|\d+)$/i.test(m[2]!) ? Number(m[2]) : m[2]!
  }
  return out
}

type Report = Extract<ResponseOf<'POST /api/dgs/:dg/disks/:disk/relocate'>, { disk: string }>

/** What a relocation did, or its dry run would do: each plex and where its subdisks go, and what was not relocated and why. */
export function relocationText(r: Report): string {
  const lines: string[] = []
  const verb = r.dryRun ? 'would relocate' : 'relocated'
  for (const x of r.relocated) {
    const to = x.subdisks.map((s) => `${s.from} -> ${s.to.map((t) => `${t.subdisk} (${t.disk}, offset ${t.offset}, ${t.len} sectors)`).join(' + ')}`).join(', ')
    const copy = x.copyError ? `; its copy failed ${x.copyError}` : x.taskId ? `; copied by ${x.taskId}` : ''
    lines.push(`${verb} plex ${x.plex} of ${x.volume}: ${to}${copy}`)
  }
  for (const n of r.notRelocated) lines.push(`not relocated: plex ${n.plex} of ${n.volume}: ${n.code} ${n.reason}`)
  if (lines.length === 0) lines.push(`${r.disk} holds no failed plex: nothing to relocate`)
  // rule 404: where each new subdisk goes, as the other operations' dry runs say it
  for (const n of r.notes ?? []) lines.push(`  ${n}`)
  if (r.dryRun) lines.push(`would copy ${human(r.copyBytes ?? 0)}`)
  return lines.join('\n')
}

type Unrelocation = Extract<ResponseOf<'POST /api/dgs/:dg/disks/:disk/unrelocate'>, { moved: unknown }>

/** What an unrelocation did, or its dry run would do (rule 506): each subdisk, from where it is to its new place on the original disk, then the notes. */
export function unrelocationText(r: Unrelocation): string {
  const verb = r.dryRun ? 'would move' : 'moved'
  const lines = r.moved.map((m) => {
    const to = m.to.map((t) => `${t.subdisk} (${t.disk}, offset ${t.offset}, ${t.len} sectors)`).join(' + ')
    return `${verb} subdisk ${m.subdisk} of plex ${m.plex} (${m.volume}) from ${m.from} back to ${to}${m.original ? '' : ', not at its original offset (--force)'}`
  })
  lines.push(...notesLines(r))
  if (r.dryRun) lines.push(`would copy ${human(r.copyBytes ?? 0)}`)
  return lines.join('\n')
}

/**
 * What a set says (rule 472): its changes, or, when the record already held every value asked
 * (`dg set hotreloc=off` with it off), that nothing changed and no transaction took place.
 */
function setText<G>(k: VerbKit<G>, r: Parameters<VerbKit<G>['changesText']>[0], target: string, args: string[]): string {
  if ((r.changes ?? []).length > 0) return k.changesText(r)
  return `nothing ${r.dryRun ? 'would change' : 'changed'}: ${target} already has ${args.join(' ')} (${r.dryRun ? 'dry run' : 'no transaction'})`
}

/** Adds `plexa disk set`, `plexa disk relocate` and `plexa disk unrelocate` to the `disk` command and `plexa dg set` to `dg`. */
export function addRelocateVerbs<G>(disk: Command, dg: Command, k: VerbKit<G>): void {
  disk
    .command('set')
    .description('vxedit set on a disk: spare=on|off (a hot-relocation spare: ordinary allocation uses it only when named), nohotuse=on|off (hot relocation never uses it), reserve=on|off, failing=on|off, comment=TEXT')
    .argument('<disk>')
    .argument('<field=value...>')
    .option('--dry-run', 'show what would change')
    .action(
      k.act(async (cmd, name, ...rest) => {
        const { g, c } = await k.conn(cmd)
        const args = (rest[0] as unknown as string[] | undefined) ?? []
        const o = cmd.opts() as { dryRun?: boolean }
        const r = await c.call('PATCH /api/dgs/:dg/records/:name', { dg: await k.groupName(c, g), name: name! }, { fields: fieldArgs(args), ...(o.dryRun ? { dryRun: true } : {}) })
        k.out(g, r, () => setText(k, r, name!, args))
      }),
    )
  operationVerb(disk, k, {
    name: 'relocate',
    description: 'hot relocation (vxrelocd) of the failed plexes on a disk: each failed subdisk of a redundant volume moves to a spare disk (else free space on a disk holding no other plex of its volume) and the plex is copied from the others; the log subdisk of a DRL log plex moves the same way (its log rewritten, nothing copied); what cannot be relocated is said with its code. The server does this by itself when an I/O error detaches a plex, unless the group has hotreloc=off',
    args: [['<disk>']],
    options: [['--plex <names>', 'comma-separated plexes whose I/O failed on the disk (default: every kernel-detached or IOFAIL plex there, all of them when the disk has no device)']],
    wait: 'follow the copies with a progress bar, then report the outcome (exit 6 with its code when it failed)',
    dryRun: 'show what would go where and the bytes it would copy',
    run: async (op, name) => {
      const { k, g, c, dg, o } = op
      const r = await c.call('POST /api/dgs/:dg/disks/:disk/relocate', { dg, disk: name! }, { ...(o.plex ? { plexes: o.plex.split(',') } : {}), ...op.dry })
      if (!('taskId' in r)) {
        // a real run that relocated nothing of what failed: the first refusal's code is the exit status
        const first = r.notRelocated[0]
        if (!r.dryRun && r.relocated.length === 0 && first) throw new CliError(exitStatusFor(first.code), first.code, relocationText(r))
        return k.out(g, r, () => relocationText(r))
      }
      // rule 507: the 202 says where each new subdisk goes, as the dry run does
      if (!o.wait) return k.out(g, r, () => [`relocating plexes off ${name}: ${r.taskId}`, ...notesLines(r)].join('\n'))
      const t = await op.follow(r.taskId, `relocating off ${name}`)
      k.out(g, { task: t }, () => `${r.taskId}: done, relocated off ${name}`)
    },
  })
  operationVerb(disk, k, {
    name: 'unrelocate',
    description: 'vxunreloc: move the subdisks hot relocation moved off DISK back to it once it is repaired or replaced (clear its failing mark first: disk set DISK failing=off), each to its original offset (the orig_dmname and orig_dmoffset a relocated subdisk records; print -l shows them) as a subdisk move copied live, the subdisk back recording none; planned whole, so a refusal moves nothing',
    args: [['<disk>', 'the disk the subdisks were relocated from']],
    options: [
      ['--force', 'vxunreloc -f: a subdisk whose original sectors are taken (or past the disk\'s end) goes to free space elsewhere on the disk'],
      ['--to <disk>', 'vxunreloc -n: move them to this disk instead (the original one came back under another name)'],
    ],
    wait: FOLLOWS('the moves'),
    dryRun: 'show where each subdisk would go and the bytes it would copy',
    run: async (op, name) => {
      const { k, g, c, dg, o } = op
      const r = await c.call('POST /api/dgs/:dg/disks/:disk/unrelocate', { dg, disk: name! }, { ...(o.force ? { force: true } : {}), ...(o.to ? { to: o.to } : {}), ...op.dry })
      if (!('taskId' in r)) return k.out(g, r, () => unrelocationText(r))
      // rule 468: the 202 says where everything goes, as the dry run does
      if (!o.wait) return k.out(g, r, () => [`moving the subdisks relocated from ${name} back: ${r.taskId}`, ...notesLines(r)].join('\n'))
      await followDiskOperation(op, r.taskId, name!, 'unrelocating', async () => {
        const left = (await c.call('GET /api/dgs/:dg', { dg })).config.subdisks.filter((sd) => sd.sd_orig_dmname === name).length
        return { text: left ? `${left} subdisks relocated from ${name} are not back` : `every subdisk relocated from ${name} is back`, json: { relocatedLeft: left } }
      })
    },
  })
  dg
    .command('set')
    .description('vxedit set on the disk group: hotreloc=on|off (hot relocation when a disk fails; on for a new group, off in the demo; dg list shows it), nconfig=N, nlog=N, comment=TEXT')
    .argument('<field=value...>')
    .option('--dry-run', 'show what would change')
    .action(
      k.act(async (cmd, ...rest) => {
        const { g, c } = await k.conn(cmd)
        const args = (rest[0] as unknown as string[] | undefined) ?? []
        const o = cmd.opts() as { dryRun?: boolean }
        const group = await k.groupName(c, g)
        const r = await c.call('PATCH /api/dgs/:dg/records/:name', { dg: group, name: group }, { fields: fieldArgs(args), ...(o.dryRun ? { dryRun: true } : {}) })
        k.out(g, r, () => setText(k, r, group, args))
      }),
    )
}
