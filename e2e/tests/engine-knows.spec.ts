// The page says what the engine knows (rules 407-410): a group left not imported by a split brain,
// and a remote disk whose NBD server went away. Each runs on a server of its own (its own data
// directory and port beside the suite's), so nothing here changes the demo the other specs share.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { APIRequestContext, Page, TestInfo } from '@playwright/test'
import { expect, heal, seriousViolations, shots, test } from './fixtures.ts'

test.describe.configure({ mode: 'serial', timeout: 240_000 })

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const BASE_PORT = Number(process.env.PLEXA_E2E_PORT ?? 18180)

/** A server of this spec's own on `dir`, on the suite's port + `offset`; its admin's password and token. */
class OwnServer {
  readonly url: string
  private child: ChildProcess | undefined
  constructor(
    readonly dir: string,
    offset: number,
    private readonly args: string[] = [],
  ) {
    this.url = `http://127.0.0.1:${BASE_PORT + offset}`
  }
  async start(request: APIRequestContext): Promise<void> {
    const port = new URL(this.url).port
    this.child = spawn('node', ['apps/server/dist/main.js', 'serve', '--data', this.dir, '--port', port, '--nbd-port', '0', ...this.args], { cwd: ROOT, stdio: 'ignore' })
    await expect.poll(async () => (await request.get(`${this.url}/api/health`).catch(() => undefined))?.status(), { timeout: 60_000 }).toBe(200)
  }
  private cred(what: 'password' | 'token'): string {
    return new RegExp(`${what}: (\\S+)`).exec(readFileSync(join(this.dir, 'admin-credential.txt'), 'utf8'))![1]!
  }
  async call(request: APIRequestContext, method: 'GET' | 'POST', path: string, body?: unknown) {
    const r = await request.fetch(`${this.url}${path}`, { method, headers: { authorization: `Bearer ${this.cred('token')}`, connection: 'close' }, ...(body !== undefined ? { data: body } : method === 'POST' ? { data: {} } : {}) })
    return { status: r.status(), body: await r.json() }
  }
  async login(page: Page): Promise<void> {
    await page.goto(`${this.url}/`)
    await page.getByLabel('user').fill('admin')
    await page.getByLabel('password').fill(this.cred('password'))
    await page.getByRole('button', { name: 'Log in' }).click()
    await expect(page.getByTestId('connection')).toHaveText('live')
  }
  async stop(): Promise<void> {
    const c = this.child
    if (c && c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((resolve) => c.once('exit', resolve))
      c.kill('SIGTERM')
      await gone
    }
    await rm(this.dir, { recursive: true, force: true })
  }
}

/**
 * The split-brain dialog at 1024x768 light and 1920x1080 dark, axe-clean in each: the dialog is
 * modal, so the theme is put on the page's root as the theme button puts it (App.tsx).
 */
async function modalShots(page: Page, info: TestInfo, name: string): Promise<void> {
  for (const [width, height, dark] of [[1024, 768, false], [1920, 1080, true]] as const) {
    await page.setViewportSize({ width, height })
    await page.evaluate((d) => document.documentElement.classList.toggle('dark', d), dark)
    await page.screenshot({ path: info.outputPath(`${name}-${width}-${dark ? 'dark' : 'light'}.png`) })
    expect(await seriousViolations(page), `${name}, ${dark ? 'dark' : 'light'}`).toEqual([])
  }
  await page.evaluate(() => document.documentElement.classList.remove('dark'))
}

/** A free TCP port on loopback (for nbdkit). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => resolve(p))
    })
  })
}

test('rules 407, 408: a group a split brain left not imported is on the page with each side; choosing a side imports it and says what was overruled', async ({ page, request }, info) => {
  // a data directory whose group tdg went separate ways: disk01+disk02 made "left", disk03 "right"
  const dir = execFileSync('npx', ['tsx', 'apps/server/test/splitBrainData.ts'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').at(-1)!
  const srv = new OwnServer(dir, 1)
  try {
    await srv.start(request)
    const pending = (await srv.call(request, 'GET', '/api/imports')).body.groups
    expect(pending).toEqual([expect.objectContaining({ name: 'tdg', code: 'VM_SPLIT_BRAIN' })])
    await srv.login(page)
    // on the first view, without looking for it: not imported, why, each side, what to do
    const banner = page.getByTestId('import-banner-tdg')
    await expect(banner).toContainText('disk group tdg is not imported')
    await expect(banner).toContainText('disk01, disk02 (newest tid')
    await expect(banner).toContainText('disk03 (newest tid')
    await expect(banner.getByRole('button', { name: 'Choose a side…' })).toBeEnabled()
    await expect(page.getByTestId('tree-waiting')).toContainText('tdg')
    await page.getByRole('tab', { name: 'Overview' }).click()
    await expect(page.getByTestId('attention-import/tdg')).toContainText('split brain')
    await shots(page, info, 'split-brain-waiting')
    await banner.getByRole('button', { name: 'Choose a side…' }).click()
    const dialog = page.getByRole('dialog', { name: 'split brain of tdg' })
    await expect(dialog).toBeVisible()
    // the side whose disks are disk03 alone, wherever the engine lists it
    const right = dialog.locator('[data-testid^="side-"]').filter({ has: page.locator('strong', { hasText: /: disk03 \(newest tid/ }) })
    await expect(right).toContainText('disk03 (newest tid')
    await expect(right).toContainText('disk01, disk02: the configuration there')
    await expect(right).toContainText('marked stale where their volume has another plex')
    await expect(dialog.getByRole('button', { name: /^Import/ })).toBeDisabled()
    await modalShots(page, info, 'split-brain-dialog')
    await right.getByRole('radio').check()
    await expect(dialog.getByTestId('split-brain-blocked')).toContainText('tick the box')
    await dialog.getByRole('checkbox').check()
    await modalShots(page, info, 'split-brain-dialog-chosen')
    await dialog.getByRole('button', { name: /^Import keeping side/ }).click()
    const result = dialog.getByTestId('split-brain-result')
    await expect(result).toContainText('disk group tdg is imported')
    await expect(result).toContainText('overruled: the configuration of disk01, disk02')
    await expect(result).toContainText(/it held otherwise: .*\bleft\b/)
    await modalShots(page, info, 'split-brain-imported')
    // the engine's state: imported with disk03's side, nothing waits, the alert says what went
    const g = (await srv.call(request, 'GET', '/api/dgs/tdg')).body
    expect(g.config.volumes.map((v: { v_name: string }) => v.v_name).sort()).toEqual(['cat', 'mir', 'right'])
    expect((await srv.call(request, 'GET', '/api/imports')).body.groups).toEqual([])
    const alerts = (await srv.call(request, 'GET', '/api/alerts')).body.alerts as Array<{ code: string; message: string }>
    expect(alerts.map((a) => a.code)).toEqual(['VM_SPLIT_BRAIN'])
    await dialog.getByRole('button', { name: 'Close' }).click()
    await expect(dialog).toHaveCount(0)
    await expect(banner).toHaveCount(0)
    await expect(page.getByTestId('tree-dg-tdg')).toBeVisible()
    // the fresh snapshot after the import is no lost connection (rule 410)
    await expect(page.getByTestId('connection')).toHaveText('live')
    await expect(page.getByTestId('stale')).toHaveCount(0)
    await expect(page.getByTestId('events')).not.toContainText('connection to the server lost')
    await expect(page.getByTestId('attention-alert/1')).toContainText('VM_SPLIT_BRAIN')
  } finally {
    await srv.stop()
  }
})

test('rule 409: a remote disk whose NBD server went away is a failed disk everywhere, and what the engine refuses on it is disabled with the reason', async ({ page, request }, info) => {
  const dir = join(ROOT, 'e2e', `.data-engine-knows-${process.pid}`)
  const srv = new OwnServer(dir, 2, ['--demo'])
  const port = await freePort()
  const kit = spawn('nbdkit', ['-f', '-i', '127.0.0.1', '-p', String(port), '--exit-with-parent', 'memory', '1G'], { stdio: 'ignore' })
  try {
    await srv.start(request)
    const api = (method: 'GET' | 'POST', path: string, body?: unknown) => srv.call(request, method, path, body)
    const url = `nbd://127.0.0.1:${port}`
    await expect.poll(async () => (await api('POST', '/api/dgs/demodg/disks', { name: 'remote1', path: url })).status, { timeout: 30_000 }).toBe(200)
    // a mirror of catvol on the remote disk, copied, then detached by hand: it waits for an attach
    const len = (await api('GET', '/api/dgs/demodg')).body.config.volumes.find((v: { v_name: string }) => v.v_name === 'catvol').v_len as number
    expect((await api('POST', '/api/dgs/demodg/records', { records: [{ type: 'sd', name: 'rsd', disk: 'remote1', len }, { type: 'plex', name: 'rpl', sd: ['rsd'] }] })).status).toBe(200)
    expect((await api('POST', '/api/dgs/demodg/plexes/rpl/att', { volume: 'catvol' })).status).toBe(202)
    const plex = async () => (await api('GET', '/api/dgs/demodg')).body.config.plexes.find((p: { pl_name: string }) => p.pl_name === 'rpl') as { pl_kstate: string; pl_state: string }
    await expect.poll(async () => (await plex()).pl_state, { timeout: 60_000 }).toBe('ACTIVE')
    await expect.poll(async () => (await api('GET', '/api/tasks')).body.tasks.length, { timeout: 60_000 }).toBe(0)
    expect((await api('POST', '/api/dgs/demodg/plexes/rpl/det', {})).status).toBe(200)
    await srv.login(page)
    await page.getByTestId('tree-pl-rpl').click()
    await expect(page.getByRole('button', { name: 'Attach rpl' })).toBeEnabled()
    // the remote server dies; nothing reads or writes the disk, no lab failure
    const gone = new Promise((resolve) => kit.once('exit', resolve))
    kit.kill('SIGKILL')
    await gone
    await expect.poll(async () => (await api('GET', '/api/dgs/demodg')).body.failing, { timeout: 30_000 }).toEqual({ remote1: 'both' })
    expect((await api('GET', '/api/lab')).body.disks.filter((d: { failed: string }) => d.failed !== 'none')).toEqual([])
    // the page: Attach disabled with the reason the engine would fail it for
    const attach = page.getByRole('button', { name: 'Attach rpl' })
    await expect(attach).toBeDisabled()
    await expect(attach).toHaveAttribute('title', /remote1, which fails writes/)
    await expect(page.getByTestId('health-strip')).toContainText('failed disk: remote1')
    await shots(page, info, 'lost-nbd-plex')
    await page.getByTestId('tree-dm-remote1').click()
    await expect(page.getByTestId('properties-health')).toContainText('FAILED: its device fails reads and writes: the engine refuses I/O to it')
    await expect(page.getByRole('button', { name: 'Resync disk remote1' })).toBeDisabled()
    await expect(page.getByRole('button', { name: 'Resync disk remote1' })).toHaveAttribute('title', /remote1 fails writes/)
    await page.getByRole('tab', { name: 'Disk view' }).click()
    await expect(page.getByTestId('disk-state-remote1')).toHaveText('FAILED (reads and writes)')
    await shots(page, info, 'lost-nbd-disk-view')
    await page.getByRole('tab', { name: 'Overview' }).click()
    const item = page.getByTestId('attention-demodg/dm/remote1')
    await expect(item).toContainText('the engine refuses I/O to it')
    await expect(item.getByRole('button', { name: /^Replace disk remote1/ })).toBeVisible()
    await expect(item.getByRole('button', { name: /Restore/ })).toHaveCount(0)
    await shots(page, info, 'lost-nbd-overview')
  } finally {
    if (kit.exitCode === null && kit.signalCode === null) kit.kill('SIGKILL')
    await srv.stop()
  }
})

test('rule 411: a disk failed in the lab says so in Properties too, as the tree, the drawing and the strip do', async ({ plexa, page, api }, info) => {
  await heal(api)
  try {
    expect((await api.call('POST', '/api/lab/dgs/demodg/disks/disk02/fail', { mode: 'both' })).status).toBe(200)
    await plexa.login()
    await plexa.select('dm', 'disk02')
    await expect(page.getByTestId('properties-health')).toHaveText('✕ FAILED: fails reads and writes (lab); affects mirvol, msvol')
    await expect(page.getByTestId('tree-health-disk02')).toContainText('FAILED')
    await expect(page.getByTestId('health-strip')).toContainText('failed disk: disk02')
    await plexa.select('pl', 'mirvol-02')
    await expect(page.getByTestId('properties-health')).toContainText('on failed disk disk02')
    await shots(page, info, 'lab-failed-properties')
    await plexa.select('dm', 'disk01')
    await expect(page.getByTestId('properties-health')).toHaveText('✓ works; holds mirvol, msvol')
  } finally {
    await heal(api)
  }
})
