import { expect, test } from './fixtures.ts'


test.describe.configure({ mode: 'serial' })

test('logs in and draws the demo: volumes with their plexes and subdisks, and the disks', async ({ plexa, page }, info) => {
  await plexa.login()
  for (const v of ['mirvol', 'strvol', 'msvol', 'catvol']) await expect(page.getByTestId(`volume-${v}`)).toBeVisible()
  await expect(plexa.plex('mirvol-01')).toHaveAttribute('aria-label', /ENABLED ACTIVE/)
  await expect(plexa.plex('mirvol-03')).toHaveAttribute('aria-label', /LOG/)
  await expect(page.getByTestId('sd-disk04-01')).toBeVisible()
  await page.screenshot({ path: info.outputPath('volume-view.png'), fullPage: true })
  await page.getByRole('tab', { name: 'Disk view' }).click()
  for (let i = 1; i <= 6; i++) await expect(page.getByTestId(`disk-disk0${i}`)).toBeVisible()
  await page.screenshot({ path: info.outputPath('disk-view.png'), fullPage: true })
  await plexa.select('pl', 'mirvol-02')
  await expect(page.getByRole('region', { name: 'properties' })).toContainText('pl_detach_tid')
  await page.screenshot({ path: info.outputPath('properties.png'), fullPage: true })
})

test('selecting an object highlights what relates to it in both views', async ({ plexa, page, api }) => {
  await plexa.login()
  const config = (await api.call('GET', '/api/dgs/demodg')).body.config as { subdisks: Array<{ sd_name: string; sd_pl_name: string; sd_dm_name: string }>; plexes: Array<{ pl_name: string; pl_v_name: string }> }
  const demoPlexes = config.plexes.filter((p) => p.pl_v_name)
  // a disk: in the volume view exactly the plexes with a subdisk on it
  await plexa.select('dm', 'disk02')
  const onDisk02 = new Set(config.subdisks.filter((s) => s.sd_dm_name === 'disk02').map((s) => s.sd_pl_name))
  expect(onDisk02.size).toBeGreaterThan(0)
  for (const p of demoPlexes) {
    if (onDisk02.has(p.pl_name)) await expect(plexa.plex(p.pl_name)).toHaveAttribute('data-related', 'true')
    else await expect(plexa.plex(p.pl_name)).not.toHaveAttribute('data-related')
  }
  // a subdisk: its own plex only
  const sd = config.subdisks.find((s) => s.sd_pl_name === 'mirvol-02')!
  await plexa.select('sd', sd.sd_name)
  await expect(plexa.plex('mirvol-02')).toHaveAttribute('data-related', 'true')
  await expect(plexa.plex('mirvol-01')).not.toHaveAttribute('data-related')
  // a plex: in the disk view exactly its subdisks
  await plexa.select('pl', 'mirvol-01')
  await page.getByRole('tab', { name: 'Disk view' }).click()
  for (const s of config.subdisks.filter((x) => x.sd_pl_name.startsWith('mirvol'))) {
    if (s.sd_pl_name === 'mirvol-01') await expect(page.getByTestId(`disk-sd-${s.sd_name}`)).toHaveAttribute('data-related', 'true')
    else await expect(page.getByTestId(`disk-sd-${s.sd_name}`)).not.toHaveAttribute('data-related')
  }
})

test('a detach shows DETACHED/STALE in two browsers within a second; attach shows progress and ends ACTIVE', async ({ browser, api }, info) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()])
  const pa = await a.newPage()
  const pb = await b.newPage()
  const { PlexaPage } = await import('./fixtures.ts')
  const A = new PlexaPage(pa)
  const B = new PlexaPage(pb)
  await A.login()
  await B.login()
  await A.select('pl', 'mirvol-02')
  await pa.getByRole('button', { name: 'Detach mirvol-02' }).click()
  const dialog = pa.getByRole('dialog', { name: 'confirm Detach' })
  await expect(dialog).toContainText('mirvol will have no redundancy')
  await expect(dialog.getByTestId('dry-run')).toContainText('plex mirvol-02: state ACTIVE → STALE')
  await pa.screenshot({ path: info.outputPath('confirm-detach.png') })
  await dialog.getByRole('button', { name: 'Confirm' }).click()
  await expect(A.plex('mirvol-02')).toHaveAttribute('aria-label', /DETACHED STALE/, { timeout: 1000 })
  await expect(B.plex('mirvol-02')).toHaveAttribute('aria-label', /DETACHED STALE/, { timeout: 1000 })
  // slow the copy down so its progress can be watched
  await api.call('POST', '/api/lab/dgs/demodg/disks/disk02/latency', { ms: 2 })
  // writes the detached plex misses
  const w = await api.call('POST', '/api/lab/load', { dg: 'demodg', volume: 'mirvol', writesPerSecond: 500 })
  expect(w.status).toBe(201)
  await expect.poll(async () => (await api.call('GET', '/api/lab')).body.loads[0]?.writes ?? 0, { timeout: 20_000 }).toBeGreaterThan(100)
  await api.call('POST', '/api/lab/load/stop', { dg: 'demodg', volume: 'mirvol' })
  await pa.getByRole('button', { name: 'Attach mirvol-02' }).click()
  const bar = pb.getByTestId('progress-mirvol')
  await expect(bar).toBeVisible()
  await pb.screenshot({ path: info.outputPath('attach-progress.png') })
  await expect(B.plex('mirvol-02')).toHaveAttribute('aria-label', /ENABLED ACTIVE/, { timeout: 30_000 })
  await expect(bar).toBeHidden()
  await api.call('POST', '/api/lab/dgs/demodg/disks/disk02/latency', { ms: 0 })
  await a.close()
  await b.close()
})

test('a change made through the API appears live', async ({ plexa, page, api }) => {
  await plexa.login()
  await api.call('PATCH', '/api/dgs/demodg/records/catvol', { fields: { comment: 'changed from a script' } })
  await plexa.select('v', 'catvol')
  await expect(page.getByRole('region', { name: 'properties' })).toContainText('changed from a script', { timeout: 1000 })
  await api.call('POST', '/api/dgs/demodg/volumes/catvol/stop')
  await expect(page.getByTestId('volume-catvol')).toHaveAttribute('aria-label', /DISABLED CLEAN/, { timeout: 1000 })
  await api.call('POST', '/api/dgs/demodg/volumes/catvol/start')
  await expect(page.getByTestId('volume-catvol')).toHaveAttribute('aria-label', /ENABLED ACTIVE/, { timeout: 1000 })
})

test('a viewer sees everything and can act on nothing', async ({ browser, api }, info) => {
  await api.call('POST', '/api/users', { name: 'viewer1', password: 'viewer-password', role: 'viewer' })
  const ctx = await browser.newContext()
  const page = await ctx.newPage()
  const { PlexaPage } = await import('./fixtures.ts')
  const v = new PlexaPage(page)
  await v.login('viewer1', 'viewer-password')
  await v.select('pl', 'mirvol-01')
  for (const name of ['Detach mirvol-01', 'Attach mirvol-01', 'Dissociate mirvol-01']) await expect(page.getByRole('button', { name })).toBeDisabled()
  await expect(page.getByTestId('disabled-reason')).toHaveText('viewers cannot change anything')
  await v.select('v', 'mirvol')
  for (const name of ['Stop mirvol', 'Resync mirvol', 'Verify mirvol']) await expect(page.getByRole('button', { name })).toBeDisabled()
  await page.screenshot({ path: info.outputPath('viewer.png'), fullPage: true })
  await ctx.close()
})

test('keyboard only: select a plex in the tree, detach and attach it', async ({ plexa, page, api }) => {
  await plexa.login()
  await page.getByTestId('tree-dg-demodg').click()
  const target = page.getByTestId('tree-pl-msvol-02')
  for (let i = 0; i < 40 && (await target.getAttribute('aria-selected')) !== 'true'; i++) await page.keyboard.press('ArrowDown')
  await expect(target).toHaveAttribute('aria-selected', 'true')
  await expect(target).toBeFocused()
  // Tab to the Detach button, Enter, then Enter confirms in the dialog
  const detach = page.getByRole('button', { name: 'Detach msvol-02' })
  for (let i = 0; i < 20 && !(await detach.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab')
  await expect(detach).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(page.getByRole('dialog', { name: 'confirm Detach' }).getByTestId('dry-run')).toContainText('plex msvol-02: state ACTIVE → STALE')
  // Cancel has the focus (Enter would cancel): Tab to Confirm, then Enter
  await page.keyboard.press('Tab')
  await expect(page.getByRole('dialog', { name: 'confirm Detach' }).getByRole('button', { name: 'Confirm' })).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(plexa.plex('msvol-02')).toHaveAttribute('aria-label', /DETACHED STALE/)
  const attach = page.getByRole('button', { name: 'Attach msvol-02' })
  await attach.focus()
  await page.keyboard.press('Enter')
  await api.waitPlex('msvol-02', 'ACTIVE')
  await expect(plexa.plex('msvol-02')).toHaveAttribute('aria-label', /ENABLED ACTIVE/)
})

test('a page opened with a session takes one snapshot: one stream, kept once the session is confirmed', async ({ plexa, page }) => {
  await plexa.login()
  const streams: string[] = []
  page.on('websocket', (ws) => streams.push(ws.url()))
  await page.reload()
  await expect(page.getByTestId('connection')).toHaveText('live')
  await expect(page.getByTestId('volume-mirvol')).toBeVisible()
  expect(streams).toHaveLength(1)
  expect(streams[0]).not.toContain('lastSeq') // a fresh page: the snapshot, not a replay
})
