import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type APIRequestContext, type Page, test as base, expect } from '@playwright/test'

const cred = () => readFileSync(fileURLToPath(new URL('../.data/admin-credential.txt', import.meta.url)), 'utf8')
export const adminPassword = () => /password: (\S+)/.exec(cred())![1]!
export const adminToken = () => /token: (\S+)/.exec(cred())![1]!

/** The API as a script would call it (bearer token), to seed state and make changes from outside. */
export class Api {
  constructor(private readonly request: APIRequestContext) {}
  async call(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown) {
    const r = await this.request.fetch(path, { method, headers: { authorization: `Bearer ${adminToken()}` }, ...(body !== undefined ? { data: body } : method !== 'GET' ? { data: {} } : {}) })
    return { status: r.status(), body: await r.json() }
  }
  async plex(name: string) {
    return (await this.call('GET', '/api/dgs/demodg')).body.config.plexes.find((p: { pl_name: string }) => p.pl_name === name)
  }
  async waitPlex(name: string, state: string) {
    await expect.poll(async () => (await this.plex(name)).pl_state, { timeout: 30_000 }).toBe(state)
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
}

export const test = base.extend<{ api: Api; plexa: PlexaPage }>({
  api: async ({ request }, use) => use(new Api(request)),
  plexa: async ({ page }, use) => use(new PlexaPage(page)),
})
export { expect }

/** axe-core's violations of serious or critical impact on the page as it is now. */
export async function seriousViolations(page: Page) {
  const { default: AxeBuilder } = await import('@axe-core/playwright')
  const r = await new AxeBuilder({ page }).analyze()
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.target.join(' ')) }))
}

/** Puts the page in the light or the dark theme. */
export async function setTheme(page: Page, dark: boolean) {
  const isDark = async () => (await page.locator('html').getAttribute('class'))?.includes('dark') ?? false
  if ((await isDark()) !== dark) await page.getByRole('button', { name: 'toggle dark mode' }).click()
  await expect.poll(isDark).toBe(dark)
}
