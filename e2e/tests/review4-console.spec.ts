import { axeBothThemes, expect, failDisk02UnderLoad, heal, seriousViolations, setTheme, shots, test } from './fixtures.ts'

// The console's fixes from the fourth review (rules 435-439): a disk whose resync already runs
// says so with its progress; a disk hot relocation left FAILING is marked in the tree, the disk
// view and Properties, and the Overview clears it; "Acknowledge all resolved"; banner buttons
// named with their alert and skip links past the drawings; critical banners folded in a low window.

test.describe.configure({ mode: 'serial', timeout: 180_000 })

test('435, 437-439: a disk whose resync runs says "being resynced" with its progress; two critical banners fold at 1024x768, are named at 1920; the resolved alerts are acknowledged at once', async ({ plexa, page, api }, info) => {
  await heal(api)
  await page.setViewportSize({ width: 1920, height: 1080 })
  await plexa.login()
  // disk02 fails writes under load on mirvol and msvol: both plexes on it are detached, two critical alerts
  await failDisk02UnderLoad(api)
  const alerts = async () => ((await api.call('GET', '/api/alerts')).body.alerts as Array<{ id: number; severity: string; acked?: unknown; object?: string }>).filter((a) => !a.acked && a.severity === 'critical')
  await expect.poll(async () => (await alerts()).map((a) => a.object).sort()).toEqual(['mirvol-02', 'msvol-02'])
  const ids = (await alerts()).map((a) => a.id)
  // rule 438: at 1920 each banner's button is named with its alert
  for (const id of ids) await expect(page.getByTestId(`banner-${id}`).getByRole('button')).toHaveAccessibleName(`Acknowledge alert #${id}`)
  await expect(page.getByTestId('banners-folded')).toHaveCount(0)
  // rule 439: at 1024x768 they fold into one line that names them; the drawings keep their room
  await page.setViewportSize({ width: 1024, height: 768 })
  const folded = page.getByTestId('banners-folded')
  await expect(folded).toContainText(`2 critical alerts: ${[...ids].sort((a, b) => b - a).map((id) => `#${id} VM_IO`).join(', ')}`)
  await expect(page.locator('[data-testid^="banner-"]')).toHaveCount(0)
  const foldedBox = (await folded.boundingBox())!
  expect(foldedBox.height).toBeLessThanOrEqual(30)
  await shots(page, info, 'banners-folded')
  await page.setViewportSize({ width: 1024, height: 768 })
  await folded.getByRole('button', { name: 'Show all 2' }).click()
  await expect(page.locator('[data-testid^="banner-"]')).toHaveCount(2)
  await axeBothThemes(page, 'banners unfolded')
  await folded.getByRole('button', { name: 'Hide them' }).click()
  await expect(page.locator('[data-testid^="banner-"]')).toHaveCount(0)
  // restored, disk02 waits for a copy: "resync it"
  await api.call('POST', '/api/lab/dgs/demodg/disks/disk02/restore')
  const badge = page.getByTestId('tree-health-disk02')
  await expect(badge).toHaveText('▲ RESYNC IT')
  // rule 435: a resync of mirvol (slow: 64 KiB/s) runs: the disk says it is being resynced, with its progress
  const r = await api.call('POST', '/api/dgs/demodg/volumes/mirvol/resync', { force: false, throttle: 65536 })
  expect(r.status).toBe(202)
  await expect(badge).toHaveText(/^⟳ BEING RESYNCED \d+%$/)
  await expect(page.getByTestId('tree-dm-disk02')).toHaveAccessibleName(new RegExp(`being resynced: ${r.body.taskId} resync volume mirvol at \\d+% .*; msvol still waits for a resync`))
  await shots(page, info, 'disk-being-resynced')
  // the copy ends: nothing waits on disk02 for mirvol; a disk resync brings msvol back too
  await api.call('POST', `/api/tasks/${r.body.taskId}/throttle`, { bytesPerSecond: 0 })
  await expect.poll(async () => (await api.call('GET', '/api/tasks')).body.tasks.length, { timeout: 30_000 }).toBe(0)
  await expect(badge).toHaveText('▲ RESYNC IT')
  const d = await api.call('POST', '/api/dgs/demodg/disks/disk02/resync', { force: false })
  expect(d.status).toBe(202)
  await expect.poll(async () => (await api.call('GET', '/api/tasks')).body.tasks.length, { timeout: 30_000 }).toBe(0)
  await expect(badge).toHaveCount(0)
  // rule 437: both alerts are resolved now; one button acknowledges them, and only them
  await page.getByRole('tab', { name: 'Overview' }).click()
  const ackAll = page.getByTestId('ack-resolved')
  const open = async () => ((await api.call('GET', '/api/alerts')).body.alerts as Array<{ id: number; acked?: unknown }>).filter((a) => !a.acked).map((a) => a.id)
  const before = await open()
  await expect(ackAll).toHaveText(new RegExp(`^Acknowledge all ${before.length} resolved$`))
  expect(before).toEqual(expect.arrayContaining(ids))
  await shots(page, info, 'overview-resolved')
  await ackAll.click()
  await expect.poll(open).toEqual([])
  await expect(ackAll).toHaveCount(0)
  await heal(api)
})

test('436: a disk left FAILING is marked in the tree, the disk view and Properties; the Overview clears it with a confirmed failing=off', async ({ plexa, page, api }, info) => {
  await heal(api)
  await page.setViewportSize({ width: 1920, height: 1080 })
  await plexa.login()
  // what hot relocation's dm.reloc commit leaves on the disk it moved subdisks off
  expect((await api.call('PATCH', '/api/dgs/demodg/records/disk06', { fields: { failing: 'on' } })).status).toBe(200)
  const pflag = async () => ((await api.call('GET', '/api/dgs/demodg')).body.config.disks as Array<{ dm_name: string; dm_pflag: number }>).find((x) => x.dm_name === 'disk06')!.dm_pflag
  expect((await pflag()) & 0x8).toBe(0x8)
  await expect(page.getByTestId('tree-health-disk06')).toHaveText('▲ FAILING')
  await expect(page.getByTestId('tree-dm-disk06')).toHaveAccessibleName(/excluded from allocation; check the disk, then `plexa disk set disk06 failing=off`/)
  await page.getByRole('tab', { name: 'Disk view' }).click()
  await expect(page.getByTestId('disk-failing-disk06')).toHaveText('FAILING: excluded from allocation')
  await plexa.select('dm', 'disk06')
  await expect(page.getByTestId('failing-note')).toContainText('`plexa disk set disk06 failing=off`')
  await shots(page, info, 'disk-failing')
  // the Overview lists it with its fix; the fix is confirmed with its dry run, then done
  await page.getByRole('tab', { name: 'Overview' }).click()
  const item = page.getByTestId('attention-demodg/dm/disk06/failing')
  await expect(item).toContainText('disk disk06 is FAILING: excluded from allocation')
  const dialog = page.getByRole('dialog')
  // the dialog (a modal: the theme is set before it opens) at 1024 light and 1920 dark; Cancel changes nothing
  for (const [width, height, dark] of [[1024, 768, false], [1920, 1080, true]] as const) {
    await page.setViewportSize({ width, height })
    await setTheme(page, dark)
    await item.getByRole('button', { name: 'Clear FAILING on disk06' }).click()
    await expect(dialog.getByTestId('dry-run')).toContainText('disk disk06: flags DM_PFLAG_FAILING (0x8) → none (0)')
    await page.screenshot({ path: info.outputPath(`clear-failing-dialog-${width}-${dark ? 'dark' : 'light'}.png`) })
    expect(await seriousViolations(page), `clear-failing dialog ${dark ? 'dark' : 'light'}`).toEqual([])
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    expect((await pflag()) & 0x8).toBe(0x8)
  }
  await setTheme(page, false)
  await item.getByRole('button', { name: 'Clear FAILING on disk06' }).click()
  await expect(dialog.getByTestId('dry-run')).toContainText('no longer FAILING')
  await dialog.getByRole('button', { name: 'Confirm' }).click()
  await expect.poll(async () => (await pflag()) & 0x8).toBe(0)
  await expect(item).toHaveCount(0)
  await expect(page.getByTestId('tree-health-disk06')).toHaveCount(0)
  await page.getByRole('tab', { name: 'Disk view' }).click()
  await expect(page.getByTestId('disk-failing-disk06')).toHaveCount(0)
  await heal(api)
})

test('438: skip links reach the task panel and the event log from the top, without tabbing through the drawn objects', async ({ plexa, page }) => {
  await page.setViewportSize({ width: 1024, height: 768 })
  await plexa.login()
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
  await page.keyboard.press('Tab')
  const toTasks = page.getByRole('link', { name: 'Skip to tasks' })
  await expect(toTasks).toBeFocused()
  // shown while it has the focus
  await expect(toTasks).toBeInViewport()
  await page.keyboard.press('Enter')
  await expect(page.getByRole('region', { name: 'tasks' })).toBeFocused()
  await page.keyboard.press('Tab')
  await expect(page.getByRole('tab', { name: 'Running tasks' })).toBeFocused()
  // the second link is the next Tab stop after the first
  await toTasks.focus()
  await page.keyboard.press('Tab')
  await expect(page.getByRole('link', { name: 'Skip to event log' })).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(page.getByRole('region', { name: 'log panel' })).toBeFocused()
  await page.keyboard.press('Tab')
  await expect(page.getByRole('tab', { name: 'Events' })).toBeFocused()
  await axeBothThemes(page, 'skip links')
})
