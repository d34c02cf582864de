import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll } from 'vitest'
import { type TestServer, testServer } from '../../server/test/harness.ts'

/** The compiled `plexa` (bin/plexa.cjs runs dist/plexa.js with plain node). */
const BIN = fileURLToPath(new URL('../bin/plexa.cjs', import.meta.url))

/** What a run of `plexa` gave: its exit status and its output. */
export interface PlexaRun {
  code: number
  stdout: string
  stderr: string
}

/** Runs the compiled `plexa` with `args` (and `env` over this process's environment). */
export function plexa(args: string[], env: Record<string, string> = {}): Promise<PlexaRun> {
  return new Promise((resolve) => {
    execFile(BIN, args, { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

/**
 * A test server for the enclosing `describe` (started before its tests, closed after them) and
 * `as(args)`: `plexa --data DIR args` against it, as an administrator on that machine runs it.
 */
export function cliAgainstServer(): { readonly t: TestServer; as(args: string[]): Promise<PlexaRun> } {
  let t: TestServer | undefined
  beforeAll(async () => {
    t = await testServer()
  })
  afterAll(async () => {
    await t?.close()
  })
  return {
    get t() {
      return t!
    },
    as: (args) => plexa(['--data', t!.dir, ...args]),
  }
}

/**
 * Writes that fail on `disk` without its device knowing it fails (a bad stretch, not a failed
 * disk, which rule 418 refuses up front): every write into `plex`'s subdisk there past its first
 * sector. Rule 455: an attach of a detached plex first tries that sector (read, written back,
 * flushed) and is refused VM_DISK_FAILED with no task when it fails; past it, the attach's copy
 * fails in its task. Returns the function that removes the fault.
 */
export function badStretchAfterProbe(t: TestServer, group: string, plex: string, disk: string): () => void {
  const g = t.srv.services.storage.group(group)
  const sd = g.dg.config().subdisks.find((x) => x.sd_pl_name === plex && x.sd_dm_name === disk)!
  return g.devices.get(disk)!.addFault({ ops: ['write'], range: { offset: sd.sd_dev_offset * 512 + 512, length: sd.sd_len * 512 - 512 } })
}
