// Fresh-eyes review 2: what the console hid or said wrong about failures (rules 294-296).
import type { Page, TestInfo } from '@playwright/test'
import { expect, heal, setTheme, shots as fixtureShots, test } from './fixtures.ts'

/** The fixture's screenshots (1024 and 1920 px, light and dark), and 1280 px too. */
async function shots(page: Page, info: TestInfo, name: string) {
  await fixtureShots(page, info, name)
  await page.setViewportSize({ width: 1280, height: 800 })
  for (const dark of [false, true]) {
    await setTheme(page, dark)
    await page.screenshot({ path: info.outputPath(`${name}-1280-${dark ? 'dark' : 'light'}.png`) })
  }
  await setTheme(page, false)
  await page.setViewportSize({ width: 1280, height: 720 })
}

test.describe.configure({ mode: 'serial', timeout: 120_000 })

test('rule 296: a failed disk holding a started volume\'s only plex: the Overview says the data is lost and what can be done, and Replace is disabled saying the engine refuses it', async ({ plexa, page, api }, info) => {
  await heal(api)
  // strvol is a stripe over disk04, disk05 and disk06: disk05 holds part of its only plex
  await api.call('POST', '/api/lab/dgs/demodg/disks/disk05/fail', { mode: 'both' })
  try {
    await plexa.login()
    await page.getByRole('tab', { name: 'Overview' }).click()
    const item = page.getByTestId('attention-demodg/dm/disk05')
    await expect(item).toContainText('disk05 holds the only copy of strvol: its data is lost unless disk05 comes back, and no resync can copy it back. Restore disk05 (lab) to get it back; otherwise stop strvol, replace disk05 and re-create strvol from a backup, or remove it')
    await expect(item.getByRole('button', { name: 'Restore disk disk05 (lab)' })).toBeVisible()
    const replace = item.getByRole('button', { name: /^Replace disk disk05/ })
    await expect(replace).toHaveAttribute('aria-disabled', 'true')
    await expect(replace).toHaveAttribute('title', /only copy of strvol.*VM_LAST_PLEX/)
    await replace.click({ force: true })
    await expect(page.getByRole('dialog', { name: 'confirm Replace disk' })).toHaveCount(0)
    // rule 298: at 1024 px the strip's counts wrap inside their part; the alert count and Needs
    // attention stay together on its first line
    await page.setViewportSize({ width: 1024, height: 768 })
    const strip = (await page.getByTestId('health-strip').boundingBox())!
    const needs = (await page.getByTestId('health-strip').getByRole('button', { name: 'Needs attention' }).boundingBox())!
    const count = (await page.getByTestId('alert-count').boundingBox())!
    expect(needs.y - strip.y).toBeLessThan(8)
    expect(Math.abs(needs.y + needs.height / 2 - (count.y + count.height / 2))).toBeLessThan(2)
    expect(needs.x + needs.width).toBeLessThanOrEqual(strip.x + strip.width)
    await shots(page, info, 'overview-only-copy')
    await plexa.select('dm', 'disk05')
    await expect(page.getByRole('toolbar', { name: 'actions' }).getByRole('button', { name: /^Replace disk disk05/ })).toHaveAttribute('aria-disabled', 'true')
  } finally {
    await heal(api)
  }
})

test('rule 294: a concat whose disk fails under a write load raises a critical banner naming the volume; the restore resolves it', async ({ plexa, page, api }, info) => {
  await heal(api)
  await plexa.login()
  // catvol is a concat on disk06 alone
  await api.call('POST', '/api/lab/dgs/demodg/disks/disk06/fail', { mode: 'both' })
  try {
    expect((await api.call('POST', '/api/lab/load', { dg: 'demodg', volume: 'catvol' })).status).toBe(201)
    const banner = page.getByRole('alert').filter({ hasText: 'VM_IO: volume catvol failed:' })
    await expect(banner).toHaveCount(1, { timeout: 30_000 })
    await expect(banner).toContainText('CRITICAL')
    await expect(banner).toContainText('catvol-01')
    await expect(banner).toContainText('disk06')
    await shots(page, info, 'banner-volume-failed')
    await api.call('POST', '/api/lab/load/stop', { dg: 'demodg', volume: 'catvol' })
    await api.call('POST', '/api/lab/dgs/demodg/disks/disk06/restore')
    await expect(banner).toHaveCount(0, { timeout: 30_000 })
    await page.getByRole('tab', { name: 'Overview' }).click()
    await expect(page.locator('[data-resolved="true"]').filter({ hasText: 'volume catvol failed' })).toContainText('disk disk06 answers again: volume catvol is usable')
  } finally {
    await heal(api)
  }
})

test('rule 298: Tab never leaves a confirmation dialog; a selected subdisk says where to act instead of an empty toolbar', async ({ plexa, page, api }, info) => {
  await heal(api)
  await plexa.login()
  await plexa.select('dm', 'disk02')
  await page.getByRole('toolbar', { name: 'actions' }).getByRole('button', { name: 'Resync disk disk02' }).click()
  const dialog = page.getByRole('dialog', { name: 'confirm Resync disk' })
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused()
  await expect(dialog.getByRole('button', { name: 'Confirm' })).toBeEnabled()
  const inside = () => page.evaluate(() => !!document.activeElement?.closest('dialog'))
  for (const key of ['Tab', 'Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
    await page.keyboard.press(key)
    expect(await inside(), key).toBe(true)
  }
  await page.keyboard.press('Escape')
  await expect(dialog).toHaveCount(0)
  await plexa.select('sd', 'disk02-01')
  const toolbar = page.getByRole('toolbar', { name: 'actions' })
  await expect(toolbar.getByTestId('no-actions')).toHaveText('a subdisk has no actions of its own: act on its plex mirvol-02 or its disk disk02')
  await shots(page, info, 'subdisk-selected')
})
