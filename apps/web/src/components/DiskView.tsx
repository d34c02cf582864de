import { useShallow } from 'zustand/react/shallow'
import { appStore, useApp } from '../store/appStore.ts'
import { volumeColor } from '../views/colors.ts'
import { layoutDisk } from '../views/layout.ts'

const WIDTH = 760

/** Each disk a bar: private region, subdisks at their offsets coloured by volume, free space. */
export function DiskView() {
  const groups = useApp(useShallow((s) => Object.values(s.server.groups)))
  const lab = useApp((s) => s.server.lab)
  const selection = useApp((s) => s.selection)
  return (
    <section aria-label="disk view" className="space-y-1">
      {groups.map((g) =>
        [...g.config.disks].sort((a, b) => a.dm_name.localeCompare(b.dm_name)).map((dm) => {
          const bar = layoutDisk(g.config, dm, WIDTH, 0, 18)
          const failed = lab.disks.find((d) => d.dg === g.name && d.disk === dm.dm_name && d.failed !== 'none')
          const removed = (dm.dm_pflag & 0x100) !== 0
          const volOf = (plName: string) => g.config.plexes.find((p) => p.pl_name === plName)?.pl_v_name ?? ''
          const selectedHere = selection?.dg === g.name && selection.kind === 'dm' && selection.name === dm.dm_name
          return (
            <div key={dm.dm_name} className="flex items-center gap-2 text-xs" data-testid={`disk-${dm.dm_name}`}>
              <button className={`w-16 text-left font-semibold ${selectedHere ? 'text-blue-700 dark:text-blue-300' : ''}`} onClick={() => appStore.getState().select({ dg: g.name, kind: 'dm', name: dm.dm_name })}>{dm.dm_name}</button>
              <svg width={WIDTH} height={18} role="img" aria-label={`disk ${dm.dm_name}${removed ? ' REMOVED' : ''}${failed ? ` FAILED ${failed.failed}` : ''}`} className="max-w-full">
                <rect x={0} y={0} width={WIDTH} height={18} fill="#e2e8f0" />
                <rect {...{ x: bar.privateRegion.x, y: 0, width: bar.privateRegion.w, height: 18 }} fill="#475569"><title>private region</title></rect>
                {bar.subdisks.map((s) => {
                  const vol = volOf(s.sd.sd_pl_name)
                  const rel = selection?.dg === g.name && ((selection.kind === 'v' && selection.name === vol) || (selection.kind === 'pl' && selection.name === s.sd.sd_pl_name) || (selection.kind === 'sd' && selection.name === s.sd.sd_name))
                  return (
                    <rect key={s.sd.sd_name} x={s.x} y={1} width={s.w} height={16} fill={vol ? volumeColor(vol) : '#94a3b8'} stroke={rel ? '#111' : '#fff'} strokeWidth={rel ? 2 : 0.5} onClick={() => appStore.getState().select({ dg: g.name, kind: 'sd', name: s.sd.sd_name })}>
                      <title>{`${s.sd.sd_name}${vol ? ` (${vol})` : ''}: ${s.sd.sd_len} sectors at ${s.sd.sd_dm_offset}`}</title>
                    </rect>
                  )
                })}
                {(removed || failed) && <line x1={0} y1={9} x2={WIDTH} y2={9} stroke="#D55E00" strokeWidth={3} />}
              </svg>
              {(removed || failed) && <span className="font-semibold text-red-700 dark:text-red-300">{removed ? 'REMOVED' : `FAILED (${failed!.failed})`}</span>}
            </div>
          )
        }),
      )}
    </section>
  )
}
