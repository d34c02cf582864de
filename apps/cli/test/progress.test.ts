import { describe, expect, it } from 'vitest'
import { taskListText, taskProgress } from '../src/progress.ts'
import { duration } from '../src/units.ts'

/** A terminal for the bar to draw on: what it writes, kept. */
function fakeTerminal(): NodeJS.WritableStream & { text: () => string } {
  let written = ''
  const stream = {
    isTTY: true,
    columns: 200,
    write(s: string) {
      written += s
      return true
    },
    on() {
      return stream
    },
    removeListener() {
      return stream
    },
    text: () => written,
  }
  return stream as unknown as NodeJS.WritableStream & { text: () => string }
}

const RUNNING = { taskId: 'task-7', kind: 'resync', volume: 'mir', doneBytes: 1 << 20, totalBytes: 256 << 20, rate: 4 << 20, etaSeconds: 63, phase: 'copying' }

describe('rule 246: progress in units', () => {
  it('246: the --wait bar shows done and total in MiB/GiB and the ETA with its unit, never raw bytes or bare seconds', () => {
    const term = fakeTerminal()
    const bar = taskProgress(term, 'task-7')
    bar.show(RUNNING)
    bar.show({ ...RUNNING, doneBytes: 3 * 2 ** 30, totalBytes: 4 * 2 ** 30, etaSeconds: 4000 })
    bar.stop()
    const text = term.text()
    expect(text).toContain('1.0 MiB of 256.0 MiB')
    expect(text).toContain('3.0 GiB of 4.0 GiB')
    expect(text).toContain('ETA 1 min 03 s')
    expect(text).toContain('ETA 1 h 06 min')
    expect(text).not.toMatch(/268435456|4294967296|3221225472/)
    expect(text).toContain('75%')
  })

  it('246: task list gives the ETA with its unit, ? when unknown', () => {
    const lines = taskListText([RUNNING, { ...RUNNING, taskId: 'task-8', etaSeconds: null }, { ...RUNNING, taskId: 'task-9', etaSeconds: 1 }]).split('\n')
    const eta = lines[0]!.indexOf('ETA')
    const at = (l: string) => l.slice(eta, eta + 12).trim()
    expect(lines.slice(1).map(at)).toEqual(['1 min 03 s', '?', '1 s'])
    expect(lines[1]).toContain('256.0 MiB')
    expect(taskListText([])).toBe('no running tasks')
  })

  it('293: task list names what a task works on and every volume it covers: a disk resync all the volumes on its disk', () => {
    const lines = taskListText([{ ...RUNNING, target: 'disk disk02', volumes: ['mirvol', 'msvol'] }, RUNNING]).split('\n')
    expect(lines[0]!.split(/ +/)).toEqual(['TASK', 'KIND', 'TARGET', 'DONE', 'TOTAL', 'RATE/s', 'ETA', 'PHASE', 'VOLUMES'])
    expect(lines[1]!.startsWith('task-7     resync    disk disk02 ')).toBe(true)
    expect(lines[1]!.endsWith(' mirvol,msvol')).toBe(true)
    expect(lines[2]!.includes(' volume mir ')).toBe(true)
    expect(lines[2]!.endsWith(' mir')).toBe(true)
  })

  it('246: durations as people read them', () => {
    expect([0, 1, 59, 60, 61, 3599, 3600, 7322, null].map(duration)).toEqual(['0 s', '1 s', '59 s', '1 min 00 s', '1 min 01 s', '59 min 59 s', '1 h 00 min', '2 h 02 min', '?'])
  })
})
