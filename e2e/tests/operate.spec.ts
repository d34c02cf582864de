import { expect, test } from './fixtures.ts'

test.describe.configure({ mode: 'serial' })

test('a lab disk failure during writes raises an alert and shows the kernel detach', async ({ plexa, page, api }, info) => {
  await plexa.login()
  await plexa.select('dm', 'disk02')
  await page.getByRole('button', { name: 'Lab: fail disk' }).click()
  await page.getByRole('tab', { name: 'Disk view' }).click()
  await expect(page.getByTestId('disk-disk02')).toContainText('FAILED (both)')
  await page.getByRole('tab', { name: 'Volume view' }).click()
  await api.call('POST', '/api/lab/load', { dg: 'demodg', volume: 'mirvol', writesPerSecond: 300 })
  await expect(plexa.plex('mirvol-02')).toHaveAttribute('aria-label', /DETACHED IOFAIL/, { timeout: 10_000 })
  await page.getByRole('button', { name: 'alerts', exact: true }).click()
  await expect(page.getByTestId('events')).toContainText('plex mirvol-02 of mirvol was detached after an I/O error')
  await page.screenshot({ path: info.outputPath('disk-failure.png'), fullPage: true })
  await api.call('POST', '/api/lab/load/stop', { dg: 'demodg', volume: 'mirvol' })
  await page.getByRole('button', { name: 'Lab: restore disk' }).click()
  await expect(page.getByRole('button', { name: 'Lab: fail disk' })).toBeVisible()
})

test('resync a disk with Force, the choice explained in the dialog', async ({ plexa, page, api }, info) => {
  await plexa.login()
  await plexa.select('dm', 'disk02')
  await page.getByRole('button', { name: 'Resync disk disk02' }).click()
  const dialog = page.getByRole('dialog', { name: 'confirm Resync disk' })
  await expect(dialog).toContainText('AIX lvm_resyncpv Force')
  await dialog.getByLabel('force').check()
  await expect(dialog.getByTestId('dry-run')).toContainText(/MiB to copy \(\d+ region\(s\)\)/)
  await page.screenshot({ path: info.outputPath('resync-disk-force.png') })
  await dialog.getByRole('button', { name: 'Confirm' }).click()
  await expect(page.getByRole('status')).toContainText('task')
  await api.waitPlex('mirvol-02', 'ACTIVE')
  await expect(plexa.plex('mirvol-02')).toHaveAttribute('aria-label', /ENABLED ACTIVE/)
  const audit = (await api.call('GET', '/api/audit?limit=20')).body.entries
  expect(audit.some((e: { operation: string; args: { force?: boolean; dryRun?: boolean } }) => e.operation === 'POST /api/dgs/:dg/disks/:disk/resync' && e.args.force === true && !e.args.dryRun)).toBe(true)
})

test('pause, resume, throttle and abort a task from the task monitor', async ({ plexa, page, api }, info) => {
  await plexa.login()
  const r = await api.call('POST', '/api/dgs/demodg/volumes/mirvol/resync', { force: true, throttle: 1 << 20 })
  const id = r.body.taskId as string
  const row = page.getByTestId(`task-${id}`)
  await expect(row).toBeVisible()
  await row.getByRole('button', { name: 'Pause' }).click()
  await expect(page.getByTestId(`phase-${id}`)).toHaveText('paused')
  // paused: no rate, no ETA (rule 107)
  await expect(page.getByTestId(`rate-${id}`)).toHaveText('paused')
  await expect(page.getByTestId(`eta-${id}`)).toHaveText('')
  await page.screenshot({ path: info.outputPath('task-paused.png'), fullPage: true })
  await row.getByRole('button', { name: 'Resume' }).click()
  await expect(page.getByTestId(`phase-${id}`)).not.toHaveText('paused')
  await row.getByLabel(`throttle ${id}`).fill('3')
  await row.getByLabel(`throttle ${id}`).press('Enter')
  await expect.poll(async () => (await api.call('GET', '/api/tasks')).body.tasks.find((t: { taskId: string }) => t.taskId === id)?.throttle).toBe(3 << 20)
  // its rate over time, drawn
  await expect(page.getByTestId(`rate-chart-${id}`).locator('polyline')).toHaveCount(1)
  // the throttle as it really is, in MiB/s
  await expect(page.getByTestId(`throttle-${id}`)).toHaveText('3 MiB/s')
  await expect(page.getByTestId(`eta-${id}`)).toHaveText(/^ETA (\d+ s|\d+ min \d\d s|\d+ h \d\d min)$/)
  // an abort warns what it leaves behind; Enter would cancel
  await row.getByRole('button', { name: 'Abort' }).click()
  const dialog = page.getByRole('dialog', { name: 'confirm Abort task' })
  await expect(dialog.getByRole('alert').first()).toContainText('stays stale')
  await dialog.getByRole('button', { name: 'Confirm' }).click()
  await expect(row).toBeHidden()
  await page.getByRole('tab', { name: 'Task history' }).click()
  await expect(page.getByTestId(`finished-${id}`)).toHaveAttribute('data-outcome', 'aborted')
})

test('property edits are validated by the server and the error is shown inline', async ({ plexa, page }) => {
  await plexa.login()
  await plexa.select('v', 'strvol')
  const comment = page.getByLabel('edit comment')
  await comment.fill('x'.repeat(41))
  await comment.press('Enter')
  await expect(page.getByRole('region', { name: 'properties' }).getByRole('alert')).toContainText('VM_INVALID_PARAM')
  await comment.fill('scratch, edited in the browser')
  await comment.press('Enter')
  await expect(page.getByRole('region', { name: 'properties' })).toContainText('scratch, edited in the browser')
})

test('dark mode', async ({ plexa, page }, info) => {
  await plexa.login()
  await page.getByRole('button', { name: 'toggle dark mode' }).click()
  await expect(page.locator('html')).toHaveClass(/dark/)
  await page.screenshot({ path: info.outputPath('dark.png'), fullPage: true })
})
