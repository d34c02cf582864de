// Issue 15, the rest: the overview's baselines, properties that stay in their pane, subdisk names
// at 1024 px, stale regions per region in the disk view, and a verify's mismatches on the volume view.
import { open } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Locator } from '@playwright/test'
import { type Api, axeBothThemes, expect, heal, seriousViolations, setTheme, test } from './fixtures.ts'

// axe-core passes in both themes in every test: slow on a machine busy with other runs
test.describe.configure({ mode: 'serial', timeout: 180_000 })

interface Sd { sd_name: string; sd_pl_name: string; sd_dm_name: string; sd_dm_offset: number; sd_is_log: boolean; sd_len: number }
const config = async (api: Api) => (await api.call('GET', '/api/dgs/demodg')).body.config as { disks: Array<{ dm_name: string; dm_pub_offset: number; dm_diskid: string }>; subdisks: Sd[] }
const box = async (l: Locator) => (await l.boundingBox())!

test('screenshots of the overview match their baselines, light and dark, 1280 and 1920 wide (rule 93)', async ({ plexa, page, api }) => {
  await heal(api)
  await plexa.login()
  // something to attend to, the same every run: mirvol without its second copy
  expect((await api.call('POST', '/api/dgs/demodg/plexes/mirvol-02/det')).status).toBe(200)
  await page.getByRole('tab', { name: 'Overview' }).click()
  const overview = page.getByRole('region', { name: 'needs attention' })
  await expect(overview.getByTestId('attention-demodg/v/mirvol')).toContainText('volume mirvol: no redundancy')
  for (const [w, h] of [[1280, 800], [1920, 1080]] as const) {
    await page.setViewportSize({ width: w, height: h })
    for (const dark of [false, true]) {
      await setTheme(page, dark)
      await expect(overview).toHaveScreenshot(`overview-${w}-${dark ? 'dark' : 'light'}.png`)
      expect(await seriousViolations(page), `overview ${w} ${dark ? 'dark' : 'light'}`).toEqual([])
    }
  }
  await setTheme(page, false)
  await heal(api)
})

test('a property value longer than the pane is wide (a disk id) wraps inside it, whole, with the full value on hover (rule 147)', async ({ plexa, page, api }) => {
  await page.setViewportSize({ width: 1280, height: 800 })
  await plexa.login()
  const disk = (await config(api)).disks[0]!
  await plexa.select('dm', disk.dm_name)
  const props = page.getByRole('region', { name: 'properties' })
  const value = props.getByTestId('field-dm_diskid')
  await expect(value).toHaveText(disk.dm_diskid)
  await expect(value).toHaveAttribute('title', disk.dm_diskid)
  // nothing sticks out of the pane: no cell is wider than its column, the pane does not scroll sideways
  const pane = await box(page.getByRole('complementary', { name: 'properties pane' }))
  for (const cell of await props.locator('th, td').all()) {
    const b = await box(cell)
    expect(b.x + b.width, `${await cell.textContent()} ends inside the pane`).toBeLessThanOrEqual(pane.x + pane.width + 0.5)
    expect(await cell.evaluate((e) => e.scrollWidth <= e.clientWidth + 1), `${await cell.textContent()} fits its cell`).toBe(true)
  }
  expect(await props.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true)
  await axeBothThemes(page, 'disk properties')
})

test('at 1024 px the disk view names every subdisk legibly, whole or abbreviated, never cut, with the full name on focus, on hover and in its accessible name (rule 148)', async ({ plexa, page, api }) => {
  await page.setViewportSize({ width: 1024, height: 768 })
  await plexa.login()
  await page.getByRole('tab', { name: 'Disk view' }).click()
  const c = await config(api)
  let abbreviated = 0
  for (const s of c.subdisks) {
    const el = page.getByTestId(`disk-sd-${s.sd_name}`)
    await expect(el).toHaveAttribute('aria-label', new RegExp(`^subdisk ${s.sd_name} · `))
    await expect(el.locator('title')).toHaveText(new RegExp(`^${s.sd_name} · `))
    // what is written for it: in its box, or just after it when the box is too small
    const texts = [...(await el.locator('text').allTextContents()), ...(await page.getByTestId(`aside-${s.sd_name}`).allTextContents())]
    const short = s.sd_name.startsWith(s.sd_dm_name) ? s.sd_name.slice(s.sd_dm_name.length) : undefined
    const named = texts.find((t) => t === s.sd_name || t.startsWith(`${s.sd_name} · `) || t === short)
    expect(named, `${s.sd_name} is named by one of ${JSON.stringify(texts)}`).toBeDefined()
    for (const t of texts) expect(t.endsWith('…'), `"${t}" is cut`).toBe(false)
    if (named === short) abbreviated++
    // the label lies within the box (or, aside, within the bar)
    const b = await box(el.locator('rect.outline'))
    for (const t of await el.locator('text').all()) {
      const tb = await box(t)
      expect(tb.x + tb.width, `${s.sd_name}'s label stays in its box`).toBeLessThanOrEqual(b.x + b.width + 1)
    }
  }
  expect(abbreviated, 'at 1024 px some boxes are too narrow for a whole name').toBeGreaterThan(0)
  // the focus (keyboard) and the pointer show the whole name over the bar
  const narrow = c.subdisks.find((s) => !s.sd_is_log)!
  await page.getByTestId(`disk-sd-${narrow.sd_name}`).focus()
  await expect(page.getByTestId('disk-focus-name')).toHaveText(new RegExp(`^${narrow.sd_name} · `))
  const log = c.subdisks.find((s) => s.sd_is_log)!
  await page.getByTestId(`disk-sd-${log.sd_name}`).hover()
  await expect(page.getByTestId('disk-focus-name')).toHaveText(new RegExp(`^${log.sd_name} · `))
  await axeBothThemes(page, 'disk view at 1024 px with a name shown')
})

test('the disk view hatches only the pieces of a subdisk its plex\'s stale regions lie on, where the volume view hatches them (rule 146)', async ({ plexa, page, api }) => {
  await heal(api)
  await page.setViewportSize({ width: 1280, height: 800 })
  await plexa.login()
  expect((await api.call('POST', '/api/dgs/demodg/plexes/mirvol-02/det')).status).toBe(200)
  await api.call('POST', '/api/lab/load', { dg: 'demodg', volume: 'mirvol', writesPerSecond: 20 })
  await expect(page.getByTestId('stale-mirvol-02').first()).toBeVisible()
  await api.call('POST', '/api/lab/load/stop', { dg: 'demodg', volume: 'mirvol' })
  // the map settled (the last writes of the load may still mark regions): the server's runs of
  // stale regions are the marks the volume view draws
  const runs = async () => {
    const st = ((await api.call('GET', '/api/dgs/demodg')).body.stale as Record<string, { regions: number[] }>)['mirvol-02']!.regions
    return [...st].sort((a, b) => a - b).filter((r, i, a) => i === 0 || a[i - 1] !== r - 1).length
  }
  let settled = -1
  await expect.poll(async () => { const n = await runs(); const same = n === settled; settled = n; return same }, { intervals: [500] }).toBe(true)
  await expect(page.getByTestId('stale-mirvol-02')).toHaveCount(settled)
  // the volume view: stale pieces as fractions of the plex's band
  const band = await box(page.getByTestId('plex-mirvol-02').locator('rect.outline'))
  const inVolume = await Promise.all((await page.getByTestId('stale-mirvol-02').all()).map(async (r) => { const b = await box(r); return [(b.x - band.x - 2) / (band.width - 4), b.width / (band.width - 4)] as const }))
  expect(inVolume.reduce((n, [, w]) => n + w, 0), 'some regions are stale, not all').toBeLessThan(0.9)
  await page.getByRole('tab', { name: 'Disk view' }).click()
  const sd = (await config(api)).subdisks.find((s) => s.sd_pl_name === 'mirvol-02' && !s.sd_is_log)!
  const sdBox = await box(page.getByTestId(`disk-sd-${sd.sd_name}`).locator('rect.outline'))
  const inDisk = await Promise.all((await page.getByTestId(`disk-stale-${sd.sd_name}`).all()).map(async (r) => { const b = await box(r); return [(b.x - sdBox.x) / sdBox.width, b.width / sdBox.width] as const }))
  expect(inDisk.length, 'one mark per run of stale regions, as in the volume view').toBe(inVolume.length)
  inDisk.forEach(([x, w], i) => {
    expect(Math.abs(x - inVolume[i]![0]), `mark ${i} starts where the volume view's does`).toBeLessThan(0.03)
    expect(Math.abs(w - inVolume[i]![1]), `mark ${i} is as long as the volume view's`).toBeLessThan(0.03)
  })
  await axeBothThemes(page, 'disk view with stale regions')
  await page.getByRole('tab', { name: 'Volume view' }).click()
  await heal(api)
})

test('a verify\'s mismatches are region marks on the volume view over the plexes that differ, in a pattern of their own, until a repair (rule 149)', async ({ plexa, page, api }) => {
  await heal(api)
  await page.setViewportSize({ width: 1280, height: 800 })
  const c = await config(api)
  const sd = c.subdisks.find((s) => s.sd_pl_name === 'mirvol-02')!
  const dm = c.disks.find((d) => d.dm_name === sd.sd_dm_name)!
  // silent corruption under the volume manager: region 5 of mirvol-02 only
  const f = await open(fileURLToPath(new URL(`../.data/disks/demodg-${dm.dm_name}.img`, import.meta.url)), 'r+')
  await f.write(Buffer.alloc(4096, 0xee), 0, 4096, (dm.dm_pub_offset + sd.sd_dm_offset) * 512 + 5 * 512 * 1024)
  await f.close()
  await plexa.login()
  const verify = await api.call('POST', '/api/dgs/demodg/volumes/mirvol/verify')
  await expect.poll(async () => ((await api.call('GET', '/api/tasks/history')).body.tasks as Array<{ taskId: string; verify?: { mismatchCount: number } }>).find((t) => t.taskId === verify.body.taskId)?.verify?.mismatchCount, { timeout: 30_000 }).toBe(1)
  for (const plex of ['mirvol-01', 'mirvol-02']) {
    const mark = page.getByTestId(`mismatch-${plex}`)
    await expect(mark).toHaveCount(1)
    await expect(mark).toHaveAttribute('fill', 'url(#pat-mismatch)')
    // region 5 of 512 KiB: at 2.5 MiB of the 256 MiB volume
    const band = await box(page.getByTestId(`plex-${plex}`).locator('rect.outline'))
    const b = await box(mark)
    expect(Math.abs((b.x - band.x - 2) / (band.width - 4) - 5 / 512)).toBeLessThan(0.005)
  }
  // its own pattern in the legend, not the stale hatch nor the dirty dots
  await expect(page.getByTestId('volume-pane').getByRole('list', { name: 'legend' })).toContainText('plexes differ')
  await setTheme(page, true)
  await axeBothThemes(page, 'volume view with mismatches')
  expect((await api.call('POST', '/api/dgs/demodg/volumes/mirvol/repair', { source: 'mirvol-01', regions: [5] })).status).toBe(202)
  await expect(page.getByTestId('mismatch-mirvol-02')).toHaveCount(0, { timeout: 30_000 })
  await heal(api)
})
