import { describe, expect, it } from 'vitest'
import { finishedTaskText, taskHistoryText } from '../src/taskHistory.ts'

const base = { id: 3, dg: 'tdg', kind: 'resync', target: 'disk disk02', volumes: ['mirvol', 'msvol'], startedAt: 0, finishedAt: 125_000, doneBytes: 0, totalBytes: 0 }
const interrupted = { ...base, taskId: 'task-8', outcome: 'interrupted' as const, code: 'VM_CLOSED' as const, message: 'the server stopped while it ran', continuedAs: 'task-10' }
const continuing = { ...base, id: 4, taskId: 'task-10', outcome: 'ok' as const, startedBy: 'restart' as const, continues: 'task-8', sync: { regionsCopied: 2, bytesCopied: 1 << 20, bytesWritten: 1 << 20, failedCount: 0, failedRegions: [] } }

describe('425: the CLI shows a task a restart interrupted and the one continuing it', () => {
  it('I425 task show of the interrupted task says so and names the task continuing it; the continuing one names it back', () => {
    const text = finishedTaskText(interrupted).split('\n')
    expect(text[0]).toBe('task-8: resync of disk disk02 (mirvol, msvol): interrupted')
    expect(text.some((l) => /^ {2}interrupted: .*task-10 continues it/.test(l))).toBe(true)
    expect(text.some((l) => l.includes('copied:'))).toBe(false)
    expect(finishedTaskText(continuing)).toContain('  continues: task-8')
  })

  it('I425 task list --history gives the interrupted entry its outcome and the task continuing it', () => {
    const lines = taskHistoryText([interrupted, continuing]).split('\n')
    const col = (l: string) => l.slice(lines[0]!.indexOf('OUTCOME'), lines[0]!.indexOf('COPIED')).trim()
    expect(lines.slice(1).map(col)).toEqual(['interrupted: task-10', 'ok'])
  })
})
