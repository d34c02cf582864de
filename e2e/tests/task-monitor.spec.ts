import { type Api, expect, heal, seriousViolations, setTheme, test } from './fixtures.ts'

/** Tasks that change nothing and run until aborted: verifies at 1 MiB/s over slowed disks. */
async function slowVerifies(api: Api, volumes: string[]) {
  for (let d = 1; d <= 6; d++) await api.call('POST', `/api/lab/dgs/demodg/disks/disk0${d}/latency`, { ms: 20 })
  const ids: string[] = []
  for (const v of volumes) {
    const r = await api.call('POST', `/api/dgs/demodg/volumes/${v}/verify`)
    expect(r.status).toBe(202)
    await api.call('POST', `/api/tasks/${r.body.taskId}/throttle`, { bytesPerSecond: 1 << 20 })
    ids.push(r.body.taskId as string)
  }
  return ids
}

test.afterEach(async ({ api }) => {
  for (const t of (await api.call('GET', '/api/tasks')).body.tasks as Array<{ taskId: string }>) await api.call('POST', `/api/tasks/${t.taskId}/abort`)
  await heal(api)
})

test('rule 252: a running task\'s row is readable at 1024, 1280 and 1920 px: every part whole, none over another, the row one height', async ({ plexa, page, api }, info) => {
  await plexa.login()
  const ids = await slowVerifies(api, ['mirvol', 'strvol'])
  for (const [width, height] of [[1024, 768], [1280, 800], [1920, 1080]] as const) {
    await page.setViewportSize({ width, height })
    for (const id of ids) {
      const row = page.getByTestId(`task-${id}`)
      await expect(row).toBeVisible()
      await expect(page.getByTestId(`rate-${id}`)).toHaveText(/\/s$/)
      await expect(page.getByTestId(`eta-${id}`)).toHaveText(/^ETA /)
      const box = (await row.boundingBox())!
      // three lines at most (the pane is half the window: 1024 and 1280 px take three, 1920 two)
      expect(box.height, `${width}: row height`).toBeLessThanOrEqual(width >= 1920 ? 46 : 66)
      const parts = {
        id: row.getByText(id, { exact: true }),
        what: page.getByTestId(`task-what-${id}`),
        bar: row.getByRole('progressbar', { name: `progress ${id}` }),
        percent: page.getByTestId(`percent-${id}`),
        bytes: page.getByTestId(`bytes-${id}`),
        rate: page.getByTestId(`rate-${id}`),
        chart: page.getByTestId(`rate-chart-${id}`),
        eta: page.getByTestId(`eta-${id}`),
        phase: page.getByTestId(`phase-${id}`),
        pause: row.getByRole('button', { name: `Pause ${id}` }),
        abort: row.getByRole('button', { name: `Abort ${id}` }),
        throttleNow: page.getByTestId(`throttle-${id}`),
        throttle: row.getByLabel(`throttle ${id}`, { exact: true }),
        p99: row.getByLabel(`adaptive p99 target ${id}`),
      }
      const boxes: Array<[string, { x: number; y: number; width: number; height: number }]> = []
      for (const [name, part] of Object.entries(parts)) {
        const b = (await part.boundingBox())!
        expect(b, `${width}: ${name} drawn`).not.toBeNull()
        // inside its row
        expect(b.x, `${width}: ${name} left`).toBeGreaterThanOrEqual(box.x - 0.5)
        expect(b.y, `${width}: ${name} top`).toBeGreaterThanOrEqual(box.y - 0.5)
        expect(b.x + b.width, `${width}: ${name} right`).toBeLessThanOrEqual(box.x + box.width + 0.5)
        expect(b.y + b.height, `${width}: ${name} bottom`).toBeLessThanOrEqual(box.y + box.height + 0.5)
        boxes.push([name, b])
      }
      // none over another (the throttle's figure sits inside its label, not over the boxes)
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) {
          const [n1, a] = boxes[i]!
          const [n2, b] = boxes[j]!
          const overlap = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x) > 0.5 && Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y) > 0.5
          expect(overlap, `${width}: ${n1} over ${n2}`).toBe(false)
        }
      // the figures are whole (never cut by their box)
      for (const name of ['id', 'percent', 'bytes', 'rate', 'eta', 'phase', 'throttleNow'] as const) {
        const cut = await parts[name].evaluate((e) => e.scrollWidth > e.clientWidth + 1 || (e.parentElement !== null && e.parentElement.scrollWidth > e.parentElement.clientWidth + 1))
        expect(cut, `${width}: ${name} cut`).toBe(false)
      }
    }
    for (const dark of [false, true]) {
      await setTheme(page, dark)
      await page.getByTestId('bottom-panel').screenshot({ path: info.outputPath(`task-rows-${width}-${dark ? 'dark' : 'light'}.png`) })
      if (width === 1024) expect(await seriousViolations(page), `task rows ${dark ? 'dark' : 'light'}`).toEqual([])
    }
    await setTheme(page, false)
  }
})

test('rule 251: the progress a report writes follows it in the task row and in the volume drawing (caption figures, copied band)', async ({ plexa, page, api }) => {
  await plexa.login()
  const [id] = await slowVerifies(api, ['mirvol'])
  const caption = page.getByTestId('progress-mirvol')
  await expect(caption).toContainText(/^verify\d+% · [\d.]+ \w+ of 256 MiB$/)
  const first = await caption.textContent()
  const percent = page.getByTestId(`percent-${id}`)
  const before = await percent.textContent()
  // the next reports move both (1 MiB/s of 256 MiB: a percent every 2.6 s)
  await expect.poll(() => caption.textContent(), { timeout: 15_000 }).not.toBe(first)
  await expect.poll(() => percent.textContent(), { timeout: 15_000 }).not.toBe(before)
  await expect.poll(async () => Number(await page.getByTestId('copied-mirvol').getAttribute('width')), { timeout: 15_000 }).toBeGreaterThan(0)
  expect(Number(await page.getByRole('progressbar', { name: `progress ${id}` }).getAttribute('aria-valuenow'))).toBeGreaterThan(0)
})
