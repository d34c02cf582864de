import { type ChildProcess, spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { afterAll, describe, expect, it } from 'vitest'
import { isRunning, killAfterEach } from './children.ts'
import { until } from './until.ts'

const track = killAfterEach()

/** Whether process `pid` exists and is not a zombie. */
async function alive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
  return stat !== '' && !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2))
}

const left: { shell?: ChildProcess; started?: number; late?: ChildProcess } = {}

describe('killAfterEach', () => {
  it('I180 a test ends with a shell and the process it started still running', async () => {
    const shell = track(spawn('sh', ['-c', 'sleep 600 & echo "pid $!"; exec sleep 600'], { stdio: ['ignore', 'pipe', 'ignore'], detached: true }))
    let out = ''
    shell.stdout!.on('data', (d) => (out += d))
    left.started = Number(await until('the started pid', () => /pid (\d+)/.exec(out)?.[1]))
    left.shell = shell
    expect(isRunning(shell)).toBe(true)
    expect(await alive(left.started)).toBe(true)
  })

  afterAll(() => {
    // after the last test's hooks, as the rest of a timed-out test's body runs
    left.late = track(spawn('sleep', ['600'], { stdio: 'ignore', detached: true }))
  })
})

describe('killAfterEach, in the next test', () => {
  it('I180 a process tracked once its test had ended is killed at once', async () => {
    expect(left.late).toBeDefined()
    await until('the late process gone', () => !isRunning(left.late!), { ms: 10_000 })
  })

  it('I180 the shell and the process it started are gone: the hook killed its process group', async () => {
    expect(left.shell && isRunning(left.shell)).toBe(false)
    await until('the started process gone', async () => !(await alive(left.started!)), { ms: 10_000 })
  })
})
