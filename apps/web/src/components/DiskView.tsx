import { useMemo, useRef } from 'react'
import { useShallow } from 'zustand/react/shallow'
import { appStore, useApp } from '../store/appStore.ts'
import { volumeColors } from '../views/colors.ts'
import { byName, indexConfig, layoutDisk } from '../views/layout.ts'
import { useScroll, visibleRange } from '../views/useWindow.ts'

const ROW_H = 22

const WIDTH = 760

/** Each disk a bar: private region, subdisks at their offsets coloured by volume, free space. */
export function DiskView() {
  const groups = useApp(useShallow((s) => Object.values(s.server.groups)))
  const lab = useApp((s) => s.server.lab)
  const selection = useApp((s) => s.selection)
  const colors = useMemo(() => volumeColors(groups.flatMap((g) => g.config.volumes.map((v) => v.v_name))), [groups])
  const rows = useMemo(() => groups.flatMap((g) => {
    const ix = indexConfig(g.config)
    const volByPlex = new Map(g.config.plexes.map((p) => [p.pl_name, p.pl_v_name]))
    return [...g.config.disks].sort((a, b) => byName(a.dm_name, b.dm_name)).map((dm) => ({ g, ix, dm, volByPlex }))
  }), [groups])
  const ref = useRef<HTMLDivElement>(null)
  const { top, height } = useScroll(ref)
  const offsets = useMemo(() => Array.from({ length: rows.length + 1 }, (_, i) => i * ROW_H), [rows])
  const [from, to] = visibleRange(offsets, top, height)
  return (
    <div ref={ref} className="h-full overflow-auto p-2">
    {colors.size <= 32 && (
      <ul aria-label="legend" className="mb-2 flex flex-wrap gap-3 text-xs">
        {[...colors].map(([name, color]) => <li key={name} className="flex items-center gap-1"><span className="inline-block h-3 w-3 rounded-sm" style={{ background: color }} />{name}</li>)}
        <li className="flex items-center gap-1"><span className="inline-block h-3 w-3 rounded-sm bg-slate-600" />private region</li>
        <li className="flex items-center gap-1"><span className="inline-block h-3 w-3 rounded-sm bg-slate-200" />free</li>
      </ul>
    )}
    <section aria-label="disk view" style={{ height: rows.length * ROW_H, position: 'relative' }}>
      {rows.slice(from, to).map(({ g, ix, dm, volByPlex }, k) => {
          const bar = layoutDisk(ix, dm, WIDTH, 0, 18)
          const failed = lab.disks.find((d) => d.dg === g.name && d.disk === dm.dm_name && d.failed !== 'none')
          const removed = (dm.dm_pflag & 0x100) !== 0
          const volOf = (plName: string) => volByPlex.get(plName) ?? ''
          const selectedHere = selection?.dg === g.name && selection.kind === 'dm' && selection.name === dm.dm_name
          return (
            <div key={`${g.name}/${dm.dm_name}`} className="flex items-center gap-2 text-xs" data-testid={`disk-${dm.dm_name}`} style={{ position: 'absolute', top: (from + k) * ROW_H, left: 0, right: 0 }}>
              <button className={`w-16 text-left font-semibold ${selectedHere ? 'text-blue-700 dark:text-blue-300' : ''}`} onClick={() => appStore.getState().select({ dg: g.name, kind: 'dm', name: dm.dm_name })}>{dm.dm_name}</button>
              <svg width={WIDTH} height={18} role="img" aria-label={`disk ${dm.dm_name}${removed ? ' REMOVED' : ''}${failed ? ` FAILED ${failed.failed}` : ''}`} className="max-w-full">
                <rect x={0} y={0} width={WIDTH} height={18} fill="#e2e8f0" />
                <rect {...{ x: bar.privateRegion.x, y: 0, width: bar.privateRegion.w, height: 18 }} fill="#475569"><title>private region</title></rect>
                {bar.subdisks.map((s) => {
                  const vol = volOf(s.sd.sd_pl_name)
                  const rel = selection?.dg === g.name && ((selection.kind === 'v' && selection.name === vol) || (selection.kind === 'pl' && selection.name === s.sd.sd_pl_name) || (selection.kind === 'sd' && selection.name === s.sd.sd_name))
                  return (
                    <rect key={s.sd.sd_name} data-testid={`disk-sd-${s.sd.sd_name}`} data-related={rel || undefined} x={s.x} y={1} width={s.w} height={16} fill={vol ? colors.get(vol) ?? '#94a3b8' : '#94a3b8'} stroke={rel ? '#111' : '#fff'} strokeWidth={rel ? 2 : 0.5} onClick={() => appStore.getState().select({ dg: g.name, kind: 'sd', name: s.sd.sd_name })}>
                      <title>{`${s.sd.sd_name}${vol ? ` (${vol})` : ''}: ${s.sd.sd_len} sectors at ${s.sd.sd_dm_offset}`}</title>
                    </rect>
                  )
                })}
                {(removed || failed) && <line x1={0} y1={9} x2={WIDTH} y2={9} stroke="#D55E00" strokeWidth={3} />}
              </svg>
              {(removed || failed) && <span className="font-semibold text-red-700 dark:text-red-300">{removed ? 'REMOVED' : `FAILED (${failed!.failed})`}</span>}
            </div>
          )
        })}
    </section>
    </div>
  )
}
