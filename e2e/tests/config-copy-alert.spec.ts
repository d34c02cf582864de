import { expect, heal, test } from './fixtures.ts'

// Rule 235: the configuration-copy alert of a disk that failed writes reads resolved once the
// resync of the restored disk has written the copy again (the disk record says so).

test.describe.configure({ mode: 'serial', timeout: 120_000 })

test('235: a disabled configuration copy alert stays open while the disk fails, and reads resolved after the restored disk is resynced', async ({ plexa, page, api }) => {
  await heal(api)
  await plexa.login()
  await api.call('POST', '/api/lab/dgs/demodg/disks/disk03/fail', { mode: 'write' })
  // any commit writes the copies: disk03's fails and is disabled
  expect((await api.call('PATCH', '/api/dgs/demodg/records/disk03', { fields: { comment: 'copy test' } })).status).toBe(200)
  let id = 0
  await expect.poll(async () => (id = ((await api.call('GET', '/api/alerts')).body.alerts as Array<{ id: number; code: string; object?: string; acked?: unknown }>).find((a) => a.code === 'VM_MAPFRDWR' && a.object === 'disk03' && !a.acked)?.id ?? 0), { timeout: 10_000 }).toBeGreaterThan(0)
  await page.getByRole('tab', { name: /^Alerts/ }).click()
  await expect(page.getByTestId(`alert-${id}`)).toContainText('configuration copy on disk03')
  await expect(page.getByTestId(`alert-${id}`)).not.toHaveAttribute('data-resolved', 'true')
  // restored: the copy is still disabled until the engine writes it again
  await api.call('POST', '/api/lab/dgs/demodg/disks/disk03/restore')
  await expect(page.getByTestId(`alert-${id}`)).not.toHaveAttribute('data-resolved', 'true')
  const r = await api.call('POST', '/api/dgs/demodg/disks/disk03/resync', { force: false })
  expect(r.status).toBe(202)
  await expect(page.getByTestId(`resolved-${id}`)).toBeVisible({ timeout: 30_000 })
  await expect(page.getByTestId(`alert-${id}`)).toContainText('configuration copy on disk03 is enabled and written again')
  await api.call('PATCH', '/api/dgs/demodg/records/disk03', { fields: { comment: '' } })
  await heal(api)
})
