import type { GroupView } from '@plexa/protocol'
import { appStore } from '../store/appStore.ts'
import { useWhyNot } from '../store/useWhyNot.ts'
import { failedDisks } from '../views/failedDisks.ts'
import { relocatedWords, unrelocateAction } from '../views/unrelocate.ts'
import { GuardedButton } from './GuardedButton.tsx'

/**
 * Rule 504: on a disk hot relocation moved subdisks off (repaired or replaced since), and on each
 * subdisk it put elsewhere, where they are and where they came from, with "Move relocated
 * subdisks back" (vxunreloc, confirmed with its dry run; disabled with the reason while the disk
 * fails or is still marked FAILING). Nothing for a disk or subdisk without relocated subdisks.
 */
export function RelocatedNote({ group, kind, name }: { group: GroupView; kind: 'dm' | 'sd'; name: string }) {
  const why = useWhyNot()
  const c = group.config
  const sd = kind === 'sd' ? c.subdisks.find((s) => s.sd_name === name) : undefined
  const disk = kind === 'dm' ? name : sd?.sd_orig_dmname
  if (!disk) return null
  const words = relocatedWords(c, disk, sd)
  const action = unrelocateAction(c, group.name, disk, undefined, new Set([...failedDisks(group, 'read'), ...failedDisks(group, 'write')]))
  if (!words || !action) return null
  return (
    <p data-testid="relocated-note" className="mb-1 rounded border border-line bg-panel px-1 py-0.5 text-fg">
      <span aria-hidden className="font-semibold">↩ </span>{words}{' '}
      <GuardedButton why={why ?? action.disabled} className="rounded border border-line bg-surface px-1 text-fg" title={`move the subdisks relocated off ${disk} back to it (vxunreloc)`} label={`Move relocated subdisks back to ${disk}`} onClick={() => appStore.getState().confirm(action)}>
        Move relocated subdisks back
      </GuardedButton>
    </p>
  )
}
