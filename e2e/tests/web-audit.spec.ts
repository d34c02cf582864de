import type { Locator, Page, TestInfo } from '@playwright/test'
import { expect, failDisk02UnderLoad, heal, setTheme, shots, test } from './fixtures.ts'

// The screenshot audit of the console (rules 461-462): every view in a resync that runs and with a
// failed disk (I/O errors, critical alerts, an aborted task in the history), at 1024x768 and
// 1920x1080, light and dark, each axe-clean; the pictures go to the test's output to look at.

test.describe.configure({ mode: 'serial', timeout: 240_000 })

const VIEWS = [['overview', 'Overview'], ['volumes', 'Volume view'], ['disks', 'Disk view']] as const

async function everyView(page: Page, info: TestInfo, state: string) {
  for (const [id, tab] of VIEWS) {
    await page.getByRole('tab', { name: tab }).click()
    await shots(page, info, `${state}-${id}`)
  }
}

/** What of a volume drawing's caption the caption cuts off: each part but the size and read policy (which give way, rule 241) past its right edge, by test id or tag. */
async function cutFromCaption(page: Page, volume: string) {
  return page.getByTestId(`volume-${volume}`).locator('figcaption').evaluate((cap) => {
    const right = cap.getBoundingClientRect().right
    const parts = [...cap.querySelectorAll(':scope > *, :scope > * > *')].filter((e) => !e.closest('[data-testid^="read-policy-"]'))
    return parts.filter((e) => e.getBoundingClientRect().width === 0 || e.getBoundingClientRect().right > right + 0.5).map((e) => e.getAttribute('data-testid') ?? e.tagName.toLowerCase())
  })
}

/** Whether `what` lies whole inside the volume view's scroller as it is scrolled now. */
async function wholeInScroller(page: Page, what: Locator) {
  // a drawing scrolled far out of view is not drawn at all
  if (!(await what.count())) return false
  const [box, pane] = [await what.boundingBox(), await page.getByTestId('volume-scroller').boundingBox()]
  return !!box && !!pane && box.y >= pane.y && box.y + box.height <= pane.y + pane.height
}

/** A subdisk's label and its box: the label's halo (painted under the glyphs) and the box's fill, as computed. */
async function haloOf(sd: Locator) {
  return sd.evaluate((g) => {
    const text = getComputedStyle(g.querySelector('text')!)
    return { paintOrder: text.paintOrder, halo: text.stroke, box: getComputedStyle(g.querySelector('rect.outline')!).fill, width: text.strokeWidth }
  })
}

test('audit: every view while a resync runs and with a failed disk, its alerts and an aborted task', async ({ plexa, page, api }, info) => {
  await heal(api)
  await page.setViewportSize({ width: 1920, height: 1080 })
  await plexa.login()
  // disk02 fails writes under load: mirvol-02 and msvol-02 are detached IOFAIL, two critical alerts
  await failDisk02UnderLoad(api)
  // restored, a slow resync of mirvol runs
  await api.call('POST', '/api/lab/dgs/demodg/disks/disk02/restore')
  const r = await api.call('POST', '/api/dgs/demodg/volumes/mirvol/resync', { force: false, throttle: 32768 })
  expect(r.status).toBe(202)
  await expect(page.getByTestId('tree-health-disk02')).toHaveText(/^⟳ BEING RESYNCED \d+%$/)
  await page.getByTestId('tree-v-mirvol').click()
  // rule 573: at 1024 px the running resync's phase, bar and figures and the whole badge stay in the caption
  await page.setViewportSize({ width: 1024, height: 768 })
  await page.getByRole('tab', { name: 'Volume view' }).click()
  await expect(page.getByTestId('progress-mirvol').locator('span')).not.toBeEmpty()
  expect(await cutFromCaption(page, 'mirvol')).toEqual([])
  // rule 578: while it runs the Overview says so and offers no second resync of mirvol (the engine refuses one)
  await page.getByRole('tab', { name: 'Overview' }).click()
  const mirvolItem = page.getByTestId('attention-demodg/v/mirvol')
  await expect(mirvolItem.getByTestId('being-copied')).toBeVisible()
  await expect(mirvolItem.getByRole('button', { name: /^Resync mirvol/ })).toHaveAttribute('aria-disabled', 'true')
  await everyView(page, info, 'resync')
  // the resync is aborted; disk02 fails reads and writes now
  expect((await api.call('POST', `/api/tasks/${r.body.taskId}/abort`)).status).toBeLessThan(300)
  // unthrottled, the abort is not kept waiting for the throttle's next chunk
  await api.call('POST', `/api/tasks/${r.body.taskId}/throttle`, { bytesPerSecond: 0 })
  // the throttle's wait for its current chunk (512 KiB at 32 KiB/s) ends first
  await expect.poll(async () => (await api.call('GET', '/api/tasks')).body.tasks.length, { timeout: 60_000 }).toBe(0)
  await api.call('POST', '/api/lab/dgs/demodg/disks/disk02/fail', { mode: 'both' })
  await expect(page.getByTestId('tree-health-disk02')).toHaveText('✕ FAILED')
  // rule 573: at 1024x768 selecting the failed disk brings its plexes into the volume view (catvol, first, holds none)
  await page.setViewportSize({ width: 1024, height: 768 })
  await page.getByRole('tab', { name: 'Volume view' }).click()
  await page.getByTestId('tree-v-catvol').click()
  await expect.poll(() => wholeInScroller(page, page.getByTestId('volume-catvol'))).toBe(true)
  expect(await wholeInScroller(page, page.getByTestId('plex-mirvol-02'))).toBe(false)
  await page.getByTestId('tree-dm-disk02').click()
  await expect.poll(() => wholeInScroller(page, page.getByTestId('plex-mirvol-02'))).toBe(true)
  // rule 462: the failed hatch never runs through a subdisk's name: its label has a halo of its box's own fill
  for (const dark of [false, true]) {
    await setTheme(page, dark)
    for (const [tab, id] of [['Volume view', 'sd-disk02-01'], ['Disk view', 'disk-sd-disk02-01']] as const) {
      await page.getByRole('tab', { name: tab }).click()
      const h = await haloOf(page.getByTestId(id))
      expect(h.paintOrder, `${id} ${dark ? 'dark' : 'light'}`).toMatch(/^stroke/)
      expect(h.halo, `${id} ${dark ? 'dark' : 'light'}`).toBe(h.box)
      expect(parseFloat(h.width)).toBeGreaterThanOrEqual(2)
    }
  }
  await setTheme(page, false)
  await everyView(page, info, 'failed')
  await page.getByRole('tab', { name: 'Task history' }).click()
  await page.getByRole('tab', { name: 'Alerts' }).click()
  await shots(page, info, 'failed-history-alerts')
  await heal(api)
})
