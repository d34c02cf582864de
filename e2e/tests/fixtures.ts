import { readFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { type APIRequestContext, type Page, type TestInfo, type WebSocketRoute, test as base, expect } from '@playwright/test'
import type { Config } from '@plexa/engine'
import { packConfig, unpackConfig } from '@plexa/protocol'

const cred = () => readFileSync(fileURLToPath(new URL('../.data/admin-credential.txt', import.meta.url)), 'utf8')
export const adminPassword = () => /password: (\S+)/.exec(cred())![1]!
export const adminToken = () => /token: (\S+)/.exec(cred())![1]!

/**
 * How the helpers wait on the server's state: up to 30 s, looking again after 25, 50, 100 ms and
 * then every 200 ms (Playwright's default looks every second after the first 1.85 s, so a heal
 * that waits on several tasks spent up to a second idle on each).
 */
export const WAIT = { timeout: 30_000, intervals: [25, 50, 100, 200] }

/** The API as a script would call it (bearer token), to seed state and make changes from outside. */
export class Api {
  constructor(private readonly request: APIRequestContext) {}
  async call(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown) {
    // a connection of its own each call: a kept-alive one idle past the server's keep-alive timeout
    // (5 s) may be closed by the server just as it is reused, failing the call with ECONNRESET
    const r = await this.request.fetch(path, { method, headers: { authorization: `Bearer ${adminToken()}`, connection: 'close' }, ...(body !== undefined ? { data: body } : method !== 'GET' ? { data: {} } : {}) })
    return { status: r.status(), body: await r.json() }
  }
  async plex(name: string) {
    return (await this.call('GET', '/api/dgs/demodg')).body.config.plexes.find((p: { pl_name: string }) => p.pl_name === name)
  }
  async waitPlex(name: string, state: string) {
    await expect.poll(async () => (await this.plex(name)).pl_state, WAIT).toBe(state)
  }
}

/** The application page: log in, select objects, act. */
export class PlexaPage {
  constructor(readonly page: Page) {}
  async login(user = 'admin', password = adminPassword()) {
    await this.page.goto('/')
    await this.page.getByLabel('user').fill(user)
    await this.page.getByLabel('password').fill(password)
    await this.page.getByRole('button', { name: 'Log in' }).click()
    await expect(this.page.getByTestId('connection')).toHaveText('live')
  }
  plex(name: string) {
    return this.page.getByTestId(`plex-${name}`)
  }
  async select(kind: string, name: string) {
    await this.page.getByTestId(`tree-${kind}-${name}`).click()
  }
  /**
   * Selects a row of the object tree, which draws only the rows in view: the filter brings it up,
   * and is cleared again (the selection stays).
   */
  async selectFiltered(kind: string, name: string) {
    const filter = this.page.getByRole('searchbox', { name: 'filter objects' })
    await filter.fill(name)
    await this.select(kind, name)
    await filter.fill('')
  }
}

export const test = base.extend<{ api: Api; plexa: PlexaPage }>({
  api: async ({ request }, use) => use(new Api(request)),
  plexa: async ({ page }, use) => use(new PlexaPage(page)),
})
export { expect }

/** axe-core's violations of serious or critical impact on the page as it is now (or inside the elements `within` selects). */
export async function seriousViolations(page: Page, within?: string) {
  const { default: AxeBuilder } = await import('@axe-core/playwright')
  const builder = new AxeBuilder({ page })
  const r = await (within ? builder.include(within) : builder).analyze()
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.target.join(' ')) }))
}

/** axe-core's serious and critical violations inside the open dialog (the page behind it is inert; its own specs check it). */
export function dialogViolations(page: Page) {
  return seriousViolations(page, 'dialog[open]')
}

/** axe-core clean (serious, critical) in both themes, the page left light; `what` names the state in the failure. */
export async function axeBothThemes(page: Page, what: string) {
  for (const dark of [false, true]) {
    await setTheme(page, dark)
    expect(await seriousViolations(page), `${what}, ${dark ? 'dark' : 'light'}`).toEqual([])
  }
  await setTheme(page, false)
}

/** Puts the page in the light or the dark theme. */
export async function setTheme(page: Page, dark: boolean) {
  const isDark = async () => (await page.locator('html').getAttribute('class'))?.includes('dark') ?? false
  if ((await isDark()) !== dark) await page.getByRole('button', { name: dark ? 'Dark theme' : 'Light theme' }).click()
  await expect.poll(isDark).toBe(dark)
}

/** The sizes every screenshot of the console is taken at. */
export const SCREENS = [[1024, 768], [1920, 1080]] as const

/** Screenshots of the state on screen at 1024x768 and 1920x1080, light and dark; axe-core checks it in each theme (unless `axe: false`: checked already). */
export async function shots(page: Page, info: TestInfo, name: string, o: { axe?: boolean } = {}) {
  for (const [width, height] of SCREENS) {
    await page.setViewportSize({ width, height })
    for (const dark of [false, true]) {
      await setTheme(page, dark)
      await page.screenshot({ path: info.outputPath(`${name}-${width}-${dark ? 'dark' : 'light'}.png`) })
      if (width === 1024 && o.axe !== false) expect(await seriousViolations(page), `${name} ${dark ? 'dark' : 'light'}`).toEqual([])
    }
  }
  await setTheme(page, false)
  await page.setViewportSize({ width: 1280, height: 720 })
}

/** Puts the demo back as it was: no load, no lab fault, every plex ACTIVE, every alert acknowledged. */
export async function heal(api: Api) {
  const lab = (await api.call('GET', '/api/lab')).body as { loads: Array<{ volume: string; running: boolean }>; disks: Array<{ disk: string; failed: string; latencyMs: number }> }
  for (const l of lab.loads) if (l.running) await api.call('POST', '/api/lab/load/stop', { dg: 'demodg', volume: l.volume })
  for (const d of lab.disks) {
    if (d.failed !== 'none') await api.call('POST', `/api/lab/dgs/demodg/disks/${d.disk}/restore`)
    if (d.latencyMs) await api.call('POST', `/api/lab/dgs/demodg/disks/${d.disk}/latency`, { ms: 0 })
  }
  // a running task runs to its end (an aborted forced resync would leave its volume NEEDSYNC)
  for (const t of (await api.call('GET', '/api/tasks')).body.tasks as Array<{ taskId: string }>) await api.call('POST', `/api/tasks/${t.taskId}/throttle`, { bytesPerSecond: 0 })
  await expect.poll(async () => (await api.call('GET', '/api/tasks')).body.tasks.length, WAIT).toBe(0)
  // a plex detached by hand goes back (a kernel-detached IOFAIL one comes back with its volume's resync)
  const plexes = (await api.call('GET', '/api/dgs/demodg')).body.config.plexes as Array<{ pl_name: string; pl_v_name: string; pl_state: string; pl_kstate: string }>
  for (const p of plexes) if (p.pl_v_name && p.pl_kstate === 'DETACHED' && p.pl_state !== 'IOFAIL') await api.call('POST', `/api/dgs/demodg/plexes/${p.pl_name}/att`, { volume: p.pl_v_name })
  await expect.poll(async () => (await api.call('GET', '/api/tasks')).body.tasks.length, WAIT).toBe(0)
  for (const v of ['mirvol', 'msvol']) {
    const c = (await api.call('GET', '/api/dgs/demodg')).body.config as { plexes: Array<{ pl_v_name: string; pl_state: string }>; volumes: Array<{ v_name: string; v_state: string }> }
    if (c.volumes.some((x) => x.v_name === v && x.v_state !== 'ACTIVE') || c.plexes.some((p) => p.pl_v_name === v && p.pl_state !== 'ACTIVE' && p.pl_state !== 'LOG')) {
      // a volume left NEEDSYNC (or SYNC) by an interrupted read-writeback: an unforced resync finishes it (rule 231)
      const r = await api.call('POST', `/api/dgs/demodg/volumes/${v}/resync`, { force: c.volumes.some((x) => x.v_name === v && x.v_state === 'SYNC') })
      if (r.status === 202) await expect.poll(async () => (await api.call('GET', '/api/tasks')).body.tasks.length, WAIT).toBe(0)
    }
  }
  await expect.poll(async () => ((await api.call('GET', '/api/dgs/demodg')).body.config.plexes as Array<{ pl_v_name: string; pl_state: string }>).filter((p) => p.pl_v_name && p.pl_state !== 'ACTIVE' && p.pl_state !== 'LOG').length, WAIT).toBe(0)
  await expect.poll(async () => ((await api.call('GET', '/api/dgs/demodg')).body.config.volumes as Array<{ v_name: string; v_state: string }>).filter((v) => v.v_state !== 'ACTIVE').map((v) => `${v.v_name} ${v.v_state}`), WAIT).toEqual([])
  for (const a of (await api.call('GET', '/api/alerts')).body.alerts as Array<{ id: number; acked?: unknown }>) if (!a.acked) await api.call('POST', `/api/alerts/${a.id}/ack`)
}

/**
 * Fails disk02's writes under a write load on mirvol and msvol until the kernel detaches both
 * plexes on it (mirvol-02, msvol-02 IOFAIL: two critical VM_IO alerts), then stops the loads.
 */
export async function failDisk02UnderLoad(api: Api) {
  const volumes = ['mirvol', 'msvol']
  await api.call('POST', '/api/lab/dgs/demodg/disks/disk02/fail', { mode: 'write' })
  for (const volume of volumes) await api.call('POST', '/api/lab/load', { dg: 'demodg', volume, writesPerSecond: 300 })
  for (const volume of volumes) await api.waitPlex(`${volume}-02`, 'IOFAIL')
  for (const volume of volumes) await api.call('POST', '/api/lab/load/stop', { dg: 'demodg', volume })
}

/** Silent corruption under the volume manager: 4 KiB at the start of one region of one plex's first subdisk. */
export async function corruptRegion(api: Api, plex: string, region: number) {
  const c = (await api.call('GET', '/api/dgs/demodg')).body.config as { disks: Array<{ dm_name: string; dm_pub_offset: number }>; subdisks: Array<{ sd_pl_name: string; sd_dm_name: string; sd_dm_offset: number }> }
  const sd = c.subdisks.find((s) => s.sd_pl_name === plex)!
  const dm = c.disks.find((d) => d.dm_name === sd.sd_dm_name)!
  const f = await open(fileURLToPath(new URL(`../.data/disks/demodg-${dm.dm_name}.img`, import.meta.url)), 'r+')
  await f.write(Buffer.alloc(4096, 0xee), 0, 4096, (dm.dm_pub_offset + sd.sd_dm_offset) * 512 + region * 512 * 1024)
  await f.close()
}

/** Cuts the page's event stream when told, as a stopped server would (every stream goes through the route). */
export async function cuttableStream(page: Page) {
  let cut = false
  const open: WebSocketRoute[] = []
  await page.routeWebSocket(/\/ws/, (ws) => {
    if (cut) return void ws.close()
    ws.connectToServer()
    open.push(ws)
  })
  return {
    async cut() {
      cut = true
      for (const ws of open.splice(0)) await ws.close()
    },
    restore() {
      cut = false
    },
  }
}

/**
 * The snapshot as the server sends it with `edit` applied to demodg's records: what the page shows
 * of a state or a name the demo does not have.
 */
export async function editSnapshot(page: Page, edit: (c: Config, g: { dirty: Record<string, unknown> }) => void) {
  await page.routeWebSocket(/\/ws/, (ws) => {
    const server = ws.connectToServer()
    server.onMessage((m) => {
      const msg = JSON.parse(String(m))
      if (msg.type === 'hello' && msg.packed === 'columns') {
        const g = msg.snapshot.groups.find((x: { name: string }) => x.name === 'demodg')
        const c = unpackConfig(g.config)
        edit(c, g)
        g.config = packConfig(c)
      }
      ws.send(typeof m === 'string' ? JSON.stringify(msg) : m)
    })
  })
}

/** WCAG 2 contrast ratio of two CSS colours as getComputedStyle gives them (`rgb(r, g, b)`). */
export function contrastRatio(one: string, other: string): number {
  const lum = (c: string) => {
    const [r, g, b] = (c.match(/[\d.]+/g) ?? ['0', '0', '0']).slice(0, 3).map(Number).map((v) => {
      const s = v / 255
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
    })
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!
  }
  const [a, b] = [lum(one), lum(other)].sort((x, y) => y - x)
  return (a! + 0.05) / (b! + 0.05)
}
