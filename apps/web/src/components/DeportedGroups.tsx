import { useShallow } from 'zustand/react/shallow'
import { appStore, useApp } from '../store/appStore.ts'
import { useWhyNot } from '../store/useWhyNot.ts'
import { importDeportedAction } from '../views/deport.ts'
import { GuardedButton } from './GuardedButton.tsx'

/**
 * The disk groups deported here (vxdg deport, rule 454), above the object tree: each named as
 * deported, with an Import button that confirms the import (which has no dry run).
 */
export function DeportedGroups() {
  const deported = useApp(useShallow((s) => s.server.imports.filter((p) => p.deported)))
  const why = useWhyNot('viewers cannot import a disk group')
  if (deported.length === 0) return null
  return (
    <section aria-label="deported disk groups" data-testid="deported-groups" className="mx-2 mt-1 rounded border border-line bg-panel p-1 text-xs">
      <h2 className="font-semibold">Deported disk groups</h2>
      <ul>
        {deported.map((p) => (
          <li key={p.name} data-testid={`deported-${p.name}`} className="flex flex-wrap items-center gap-2 py-0.5">
            <span className="min-w-0 flex-1">
              <strong>{p.name}</strong> <span className="text-muted">deported: its {p.devices.length} disk{p.devices.length === 1 ? '' : 's'} name no importer</span>
            </span>
            <GuardedButton why={why} label={`Import ${p.name}`} title={`import ${p.name} on this host`} onClick={() => appStore.getState().confirm(importDeportedAction(p))}>
              Import
            </GuardedButton>
          </li>
        ))}
      </ul>
    </section>
  )
}

/** Above the main view while no group is imported and some are deported: the drawings are empty because of the deport, and where to import. */
export function NothingImported() {
  const none = useApp((s) => Object.keys(s.server.groups).length === 0)
  const deported = useApp(useShallow((s) => s.server.imports.filter((p) => p.deported).map((p) => p.name)))
  if (!none || deported.length === 0) return null
  return (
    <p data-testid="nothing-imported" className="border-b border-line p-2 text-sm">
      No disk group is imported here: {deported.join(', ')} {deported.length > 1 ? 'are' : 'is'} deported. Import {deported.length > 1 ? 'one' : 'it'} from "Deported disk groups" in the objects pane.
    </p>
  )
}
