import { describe, expect, it } from 'vitest'
import { finishedTaskText, taskHistoryText } from '../src/taskHistory.ts'

const base = { id: 3, taskId: 'task-2', dg: 'tdg', kind: 'resync', target: 'volume mir', volumes: ['mir'], outcome: 'ok' as const, startedAt: 0, finishedAt: 125_000, doneBytes: 1 << 30, totalBytes: 1 << 30 }
const sync = { regionsCopied: 2048, bytesCopied: 1 << 30, bytesWritten: 2 * 2 ** 30, failedCount: 0, failedRegions: [] }

describe('272: the task history in the CLI says what each task wrote', () => {
  it('272: task list --history has a WRITTEN column in GiB/MiB; an entry recorded without it shows -', () => {
    const { bytesWritten: _, ...old } = sync
    const lines = taskHistoryText([{ ...base, sync }, { ...base, id: 4, taskId: 'task-3', sync: old }, { ...base, id: 5, taskId: 'task-4', kind: 'verify', verify: { volume: 'mir', regionSectors: 1024, regionsChecked: 32, mismatchCount: 0, mismatches: [] } }]).split('\n')
    expect(lines[0]).toMatch(/^TASK\s+KIND\s+TARGET\s+OUTCOME\s+COPIED\s+WRITTEN\s+FINISHED$/)
    const col = (l: string) => l.slice(lines[0]!.indexOf('WRITTEN'), lines[0]!.indexOf('FINISHED')).trim()
    expect(lines.slice(1).map(col)).toEqual(['2.0 GiB', '-', '0 B'])
    expect(taskHistoryText([])).toBe('no finished tasks')
  })

  it('272: task show of a finished task names what it copied and wrote, with units', () => {
    const text = finishedTaskText({ ...base, sync })
    expect(text.split('\n')).toEqual(['task-2: resync of volume mir: ok', '  copied:   1.0 GiB (2048 regions)', '  written:  2.0 GiB to its target plexes', '  took:     2 min 05 s'])
    expect(finishedTaskText({ ...base, outcome: 'failed', code: 'VM_NOTSYNCED', message: 'left 1', sync: { ...sync, bytesWritten: 3 << 19, failedCount: 1 } })).toContain('written:  1.5 MiB')
  })

  it('376: task show of an attach, grow or evacuate gives the bytes it wrote; a failed copy names the plexes it could not write', () => {
    const attach = finishedTaskText({ ...base, kind: 'attach', doneBytes: 16 << 20, totalBytes: 16 << 20, writtenBytes: 16 << 20 })
    expect(attach).toContain('  written:  16.0 MiB to its target plexes')
    expect(taskHistoryText([{ ...base, kind: 'grow', writtenBytes: 1 << 20 }])).toMatch(/1\.0 MiB\s+\S+ \S+$/)
    const failed = finishedTaskText({ ...base, outcome: 'failed', code: 'VM_NOTSYNCED', sync: { ...sync, failedCount: 2, failedRegions: [{ volume: 'mir', region: 0, plex: 'mir-02', reason: 'target write failed' }, { volume: 'mir', region: 1, plex: 'mir-02', reason: 'target write failed' }] } })
    expect(failed).toContain('2 not copied (to mir-02)')
  })
})
