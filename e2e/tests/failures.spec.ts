import { PlexaPage, adminPassword, corruptRegion, expect, heal, seriousViolations, shots, test } from './fixtures.ts'

// Issue 14: failures visible at a glance, alerts that stay, history in every window, truthful
// task results, honest confirmations, sessions that recover (rules 105-107).

test.describe.configure({ mode: 'serial', timeout: 120_000 })

test('a disk failed under load: badge, tree, strip and title say it, the disk is marked with every volume it affects, and the alert stays under a flood of events and a reload', async ({ plexa, page, api }, info) => {
  await heal(api)
  await plexa.login()
  await api.call('POST', '/api/lab/dgs/demodg/disks/disk02/fail', { mode: 'both' })
  await api.call('POST', '/api/lab/load', { dg: 'demodg', volume: 'mirvol', writesPerSecond: 300 })
  await expect(plexa.plex('mirvol-02')).toHaveAttribute('aria-label', /DETACHED NODEVICE/, { timeout: 10_000 })
  // the volume badge: no redundancy left, in words; msvol's plex on disk02 still reads ACTIVE but is not a healthy copy
  await expect(page.getByTestId('health-mirvol')).toHaveAttribute('data-redundancy', 'none')
  await expect(page.getByTestId('health-mirvol')).toContainText('NO REDUNDANCY')
  await expect(page.getByTestId('health-msvol')).toHaveAttribute('data-redundancy', 'none')
  await expect(page.getByTestId('health-strvol')).toHaveAttribute('data-redundancy', 'unmirrored')
  // tree rows
  await expect(page.getByTestId('tree-health-mirvol')).toContainText('NO REDUNDANCY')
  await expect(page.getByTestId('tree-health-disk02')).toContainText('FAILED')
  await expect(page.getByTestId('tree-health-disk02')).toHaveAttribute('title', /affects mirvol, msvol/)
  await expect(page.getByTestId('tree-health-mirvol-02')).toContainText('ON FAILED DISK')
  // the health strip, the title
  const strip = page.getByTestId('health-strip')
  await expect(strip.getByTestId('failed-disks')).toContainText('disk02')
  await expect(strip.getByTestId('count-none')).toContainText('2 no redundancy')
  await expect(page).toHaveTitle(/^\(\d+\) ⚠ Plexa$/)
  const banner = page.getByRole('alert').filter({ hasText: 'plex mirvol-02 of mirvol was detached after an I/O error' })
  await expect(banner).toBeVisible()
  // the overview: what needs attention and what fixes it
  await page.getByRole('tab', { name: 'Overview' }).click()
  await expect(page.getByTestId('attention-demodg/dm/disk02')).toContainText('affects mirvol, msvol')
  await expect(page.getByTestId('attention-demodg/dm/disk02').getByRole('button')).toHaveText(['Restore disk disk02 (lab)', 'Replace disk disk02'])
  await shots(page, info, 'overview-failed-disk')
  // a flood of routine events: twice what the event log holds
  await api.call('POST', '/api/lab/load/stop', { dg: 'demodg', volume: 'mirvol' })
  for (let i = 0; i < 25; i++) await Promise.all(Array.from({ length: 12 }, (_, k) => api.call('PATCH', '/api/dgs/demodg/records/catvol', { fields: { comment: `flood ${i}.${k}` } })))
  await expect(page.getByTestId('events')).toContainText('flood 24.')
  await expect(banner).toBeVisible()
  await page.getByRole('tab', { name: /^Alerts/ }).click()
  await expect(page.getByRole('region', { name: 'alerts' })).toContainText('plex mirvol-02 of mirvol was detached after an I/O error')
  // and after a reload: the server kept it
  await page.reload()
  await expect(page.getByTestId('connection')).toHaveText('live')
  await expect(banner).toBeVisible()
  await page.getByRole('tab', { name: 'Volume view' }).click()
  await expect(page.getByTestId('health-mirvol')).toHaveAttribute('data-redundancy', 'none')
  await shots(page, info, 'health-strip-failed-disk')
  // acknowledged, it leaves the banner and stays in the alerts list as acknowledged
  await banner.getByRole('button', { name: 'Acknowledge' }).click()
  await expect(banner).toBeHidden()
  await heal(api)
  await expect(page.getByTestId('health-mirvol')).toHaveAttribute('data-redundancy', 'full')
})

test('a disk restored after I/O errors is no longer failing: it answers and wants a resync, the resync dialog does not warn, and the disk view draws the detached plex on a working disk as stale (rules 113, 114)', async ({ plexa, page, api }, info) => {
  await heal(api)
  await plexa.login()
  await api.call('POST', '/api/lab/dgs/demodg/disks/disk02/fail', { mode: 'write' })
  await api.call('POST', '/api/lab/load', { dg: 'demodg', volume: 'msvol', writesPerSecond: 300 })
  await expect(plexa.plex('msvol-02')).toHaveAttribute('aria-label', /DETACHED NODEVICE/, { timeout: 10_000 })
  await api.call('POST', '/api/lab/load/stop', { dg: 'demodg', volume: 'msvol' })
  const c = (await api.call('GET', '/api/dgs/demodg')).body.config as { subdisks: Array<{ sd_name: string; sd_pl_name: string; sd_dm_name: string }> }
  const onWorking = c.subdisks.find((s) => s.sd_pl_name === 'msvol-02' && s.sd_dm_name !== 'disk02')!
  const onFailed = c.subdisks.find((s) => s.sd_pl_name === 'msvol-02' && s.sd_dm_name === 'disk02')!
  const fill = (testid: string) => page.getByTestId(testid).locator('rect.outline').evaluate((r) => getComputedStyle(r).fill)
  const themeFill = (k: string) => page.evaluate((k) => { const e = document.createElementNS('http://www.w3.org/2000/svg', 'rect'); document.querySelector('svg')!.appendChild(e); e.style.fill = `var(--s-${k}-fill)`; const f = getComputedStyle(e).fill; e.remove(); return f }, k)
  // the disk view: the detached plex's piece on the working disk in the volume view's stale colour and pattern; failed only on the failed disk
  const volumeFill = await fill(`sd-${onWorking.sd_name}`)
  await page.getByRole('tab', { name: 'Disk view' }).click()
  expect(await fill(`disk-sd-${onWorking.sd_name}`)).toBe(volumeFill)
  expect(await fill(`disk-sd-${onWorking.sd_name}`)).toBe(await themeFill('stale'))
  // one mark per run of stale regions of the piece (rule 146), each in the stale pattern
  await expect(page.getByTestId(`disk-stale-${onWorking.sd_name}`).first()).toBeVisible()
  for (const mark of await page.getByTestId(`disk-stale-${onWorking.sd_name}`).all()) await expect(mark).toHaveAttribute('fill', 'url(#pat-stale)')
  expect(await fill(`disk-sd-${onFailed.sd_name}`)).toBe(await themeFill('failed'))
  await expect(page.getByTestId(`disk-stale-${onFailed.sd_name}`)).toHaveCount(0)
  await page.getByTestId(`disk-${onWorking.sd_dm_name}`).screenshot({ path: info.outputPath('disk-view-stale-plex-working-disk.png') })
  // restored: the disk answers, its plex waits for a resync
  await api.call('POST', '/api/lab/dgs/demodg/disks/disk02/restore')
  await expect(page.getByTestId('tree-health-disk02')).toHaveText('▲ RESYNC IT')
  await expect(page.getByTestId('tree-health-disk02')).toHaveAttribute('title', /^had I\/O errors \(.+\), now answering; resync it/)
  await expect(page.getByTestId('health-strip').getByTestId('failed-disks')).toHaveCount(0)
  await page.getByTestId('disk-disk02').screenshot({ path: info.outputPath('disk-view-restored-disk.png') })
  await page.getByRole('tab', { name: 'Overview' }).click()
  const item = page.getByTestId('attention-demodg/dm/disk02')
  await expect(item).toContainText('now answering; resync it')
  // rule 174: the one disk resync covers the volumes: recommended first, saying so
  await expect(item).toContainText('one resync of disk disk02 covers msvol')
  await expect(page.locator('[data-testid^="attention-"]').filter({ has: page.getByRole('button', { name: /^Resync/ }) }).first()).toHaveAttribute('data-testid', 'attention-demodg/dm/disk02')
  await item.getByRole('button', { name: 'Resync disk disk02' }).click()
  const dialog = page.getByRole('dialog')
  await expect(dialog).toBeVisible()
  await expect(dialog.getByTestId('danger')).toHaveCount(0)
  await expect(dialog.getByTestId('dry-run')).toContainText('it covers msvol (plex msvol-02)')
  await page.screenshot({ path: info.outputPath('resync-disk-dialog-restored.png') })
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await page.screenshot({ path: info.outputPath('overview-restored-disk.png') })
  await heal(api)
})

test('a window opened after a failed disk resync shows it failed with VM_NOTSYNCED, naming every volume it covered', async ({ browser, api }, info) => {
  // a disk already failing writes is refused before any task (rules 409, 418): the lab fails disk02 while the task is paused
  await api.call('POST', '/api/lab/dgs/demodg/disks/disk02/latency', { ms: 200 })
  const r = await api.call('POST', '/api/dgs/demodg/disks/disk02/resync', { force: true })
  expect(r.status).toBe(202)
  const id = r.body.taskId as string
  expect((await api.call('POST', `/api/tasks/${id}/pause`)).status).toBe(200)
  await api.call('POST', '/api/lab/dgs/demodg/disks/disk02/fail', { mode: 'write' })
  await api.call('POST', '/api/lab/dgs/demodg/disks/disk02/latency', { ms: 0 })
  expect((await api.call('POST', `/api/tasks/${id}/resume`)).status).toBe(200)
  await expect.poll(async () => ((await api.call('GET', '/api/tasks/history')).body.tasks as Array<{ taskId: string; outcome: string }>).find((t) => t.taskId === id)?.outcome, { timeout: 30_000 }).toBe('failed')
  // a verify that finds nothing, for the history next to it
  await api.call('POST', '/api/lab/dgs/demodg/disks/disk02/restore')
  const ctx = await browser.newContext()
  const page = await ctx.newPage()
  const late = new PlexaPage(page)
  await late.login()
  await page.getByRole('tab', { name: 'Task history' }).click()
  const row = page.getByTestId(`finished-${id}`)
  await expect(row).toHaveAttribute('data-outcome', 'failed')
  await expect(row).toContainText('FAILED')
  await expect(row).toContainText('VM_NOTSYNCED')
  await expect(row).toContainText('resync of disk disk02 (mirvol, msvol)')
  await page.getByRole('tab', { name: /^Alerts/ }).click()
  await expect(page.getByRole('region', { name: 'alerts' })).toContainText('resync of disk disk02 failed')
  await page.getByRole('tab', { name: 'Events' }).click()
  await page.getByRole('searchbox', { name: 'search events' }).fill('VM_NOTSYNCED')
  await expect(page.getByTestId('events')).toContainText('resync of disk disk02 (mirvol, msvol) failed VM_NOTSYNCED')
  await shots(page, info, 'task-history-failed-resync')
  await ctx.close()
  await heal(api)
})

test('a verify of a corrupted region shows the mismatch with its place, and a repair from the good plex mends it', async ({ plexa, page, api }, info) => {
  await heal(api)
  // silent corruption under the volume manager: region 5 of mirvol-02 only
  await corruptRegion(api, 'mirvol-02', 5)
  await plexa.login()
  await plexa.select('v', 'mirvol')
  await page.getByRole('button', { name: 'Verify mirvol' }).click()
  await page.getByRole('tab', { name: 'Task history' }).click()
  const report = page.locator('[data-testid^="verify-report-"]').first()
  await expect(report).toContainText('region 5 at 2.5 MiB (512 KiB): mirvol-01 ≠ mirvol-02', { timeout: 30_000 })
  await expect(page.locator('[data-testid^="finished-"]').first()).toContainText('MISMATCH')
  // on the volume too, until it is repaired
  await expect(page.getByTestId('differ-mirvol')).toContainText('PLEXES DIFFER: 1 region')
  // rule 170: plexes known to differ are no full redundancy, on the badge and in the strip
  await expect(page.getByTestId('health-mirvol')).toHaveAttribute('data-redundancy', 'differ')
  await expect(page.getByTestId('health-mirvol')).not.toContainText('FULL REDUNDANCY')
  await expect(page.getByTestId('health-dg-demodg').getByTestId('count-differ')).toContainText('1 mirrors differ')
  // rule 577: each subdisk's name is drawn again after its plex's differ marks (so over them), with its halo
  const over = await page.getByTestId('volume-mirvol').evaluate((fig) => [['mirvol-01', 'disk01-01'], ['mirvol-02', 'disk02-01']].map(([pl, sd]) => {
    const marks = [...fig.querySelectorAll(`[data-testid="mismatch-${pl}"]`)]
    const again = fig.querySelector(`[data-testid="labels-over-${pl}"]`)
    const label = fig.querySelector(`[data-testid="sd-${sd}"] text`)
    return { marks: marks.length, again: !!again && marks.every((m) => m.compareDocumentPosition(again) & Node.DOCUMENT_POSITION_FOLLOWING), names: [...(again?.querySelectorAll('use') ?? [])].map((u) => u.getAttribute('href')), label: label && `#${label.id}` }
  }))
  for (const o of over) expect(o).toEqual({ marks: expect.any(Number), again: true, names: [o.label], label: expect.stringMatching(/^#/) })
  expect(over.every((o) => o.marks > 0)).toBe(true)
  // rule 574: and in Properties of the selected volume
  await expect(page.getByTestId('properties-health')).toHaveAttribute('data-tone', 'failed')
  await expect(page.getByRole('alert').filter({ hasText: 'verify of mirvol found 1 region(s) where the plexes differ' })).toBeVisible()
  await shots(page, info, 'task-history-verify-report')
  await report.getByRole('button', { name: 'Repair from mirvol-01' }).click()
  const dialog = page.getByRole('dialog', { name: 'confirm Repair from' })
  // rule 171: the title names the plex
  await expect(dialog.getByRole('heading')).toHaveText('Repair from mirvol-01?')
  await expect(dialog).toContainText("overwritten with mirvol-01's data in 1 region(s)")
  await dialog.getByRole('button', { name: 'Confirm' }).click()
  await expect(page.locator('[data-testid^="finished-"]').first()).toContainText('repair of volume mirvol ok')
  await expect(page.getByTestId('differ-mirvol')).toBeHidden()
  // verified again: nothing differs
  const again = await api.call('POST', '/api/dgs/demodg/volumes/mirvol/verify')
  await expect.poll(async () => ((await api.call('GET', '/api/tasks/history')).body.tasks as Array<{ taskId: string; verify?: { mismatchCount: number } }>).find((t) => t.taskId === again.body.taskId)?.verify?.mismatchCount, { timeout: 30_000 }).toBe(0)
  await expect(page.getByTestId('health-mirvol')).toHaveAttribute('data-redundancy', 'full')
  await expect(page.getByTestId('properties-health')).toHaveAttribute('data-tone', 'ok')
  // rule 171: the old report is superseded and offers no repair any more
  const old = page.locator('[data-testid^="verify-report-"]').filter({ hasText: '1 region differs' }).first()
  await old.locator('summary').click()
  await expect(old.locator('[data-testid^="superseded-"]')).toBeVisible()
  await expect(old.getByRole('button', { name: /^Repair from/ })).toHaveCount(0)
  await heal(api)
})

test('confirmations: Cancel has the focus so Enter cancels a detach; the effect is said in words; a log plex warns; an unreachable server disables Confirm with the reason', async ({ plexa, page }) => {
  await plexa.login()
  await plexa.select('pl', 'mirvol-02')
  await page.getByRole('button', { name: 'Detach mirvol-02' }).click()
  const dialog = page.getByRole('dialog', { name: 'confirm Detach' })
  await expect(dialog.getByTestId('dry-run')).toContainText('mirvol will have no redundancy until mirvol-02 is reattached')
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused()
  expect(await seriousViolations(page)).toEqual([])
  await page.keyboard.press('Enter')
  await expect(dialog).toBeHidden()
  await expect(plexa.plex('mirvol-02')).toHaveAttribute('aria-label', /ENABLED ACTIVE/)
  // the DRL log plex
  await plexa.select('pl', 'mirvol-03')
  await page.getByRole('button', { name: 'Detach mirvol-03' }).click()
  await expect(dialog.getByTestId('dry-run')).toContainText('mirvol loses its dirty region log')
  await page.keyboard.press('Escape')
  // the server does not answer: the dry run says so in words and Confirm is disabled with the reason
  await page.route('**/api/dgs/**', (route) => route.abort())
  await plexa.select('pl', 'mirvol-02')
  await page.getByRole('button', { name: 'Detach mirvol-02' }).click()
  await expect(dialog.getByTestId('dry-run')).toContainText('The dry run failed: the server cannot be reached')
  await expect(dialog.getByTestId('dry-run')).not.toContainText('undefined')
  await expect(dialog.getByRole('button', { name: 'Confirm' })).toBeDisabled()
  await expect(dialog.getByTestId('confirm-blocked')).toContainText('the dry run refused it')
  await page.keyboard.press('Escape')
  await page.unroute('**/api/dgs/**')
})

test('a disk resync task names every volume it covers; when the session is refused the page returns to its login form, then to where it was', async ({ plexa, page, api }) => {
  await plexa.login()
  const r = await api.call('POST', '/api/dgs/demodg/disks/disk02/resync', { force: true, throttle: 1 << 20 })
  await expect(page.getByTestId(`task-what-${r.body.taskId}`)).toHaveText('resync disk disk02 (mirvol, msvol)')
  await api.call('POST', `/api/tasks/${r.body.taskId}/abort`)
  await expect(page.getByTestId(`task-${r.body.taskId}`)).toBeHidden()
  await plexa.select('v', 'strvol')
  await page.getByRole('tab', { name: 'Disk view' }).click()
  // the server forgets the session (as after a restart without it): the next call is refused
  await page.evaluate(() => fetch('/api/session', { method: 'DELETE' }))
  await page.getByRole('button', { name: 'Verify strvol' }).click()
  await expect(page.getByRole('button', { name: 'Log in' })).toBeVisible()
  // the same page, no reload: the form, then the frame again
  await page.getByLabel('password').fill(adminPassword())
  await page.getByRole('button', { name: 'Log in' }).click()
  await expect(page.getByTestId('connection')).toHaveText('live')
  // back where it was: the disk view, strvol selected
  await expect(page.getByRole('tab', { name: 'Disk view' })).toHaveAttribute('aria-selected', 'true')
  await expect(page.getByTestId('tree-v-strvol')).toHaveAttribute('aria-selected', 'true')
  await heal(api)
})
