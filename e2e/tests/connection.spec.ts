import type { WebSocketRoute } from '@playwright/test'
import { expect, seriousViolations, test } from './fixtures.ts'

test('rule 116: with the server unreachable the page marks its data stale since when, dims the drawings, disables lab buttons and Save with the reason, and logs the loss and the return', async ({ plexa, page }, info) => {
  // every stream goes through this route, so the test can cut it like a stopped server would
  let cut = false
  const open: WebSocketRoute[] = []
  await page.routeWebSocket(/\/ws/, (ws) => {
    if (cut) return void ws.close()
    ws.connectToServer()
    open.push(ws)
  })
  await plexa.login()
  await plexa.select('v', 'mirvol')
  await expect(page.getByTestId('stale')).toHaveCount(0)
  await expect(page.getByRole('button', { name: 'Lab: start write load' })).not.toHaveAttribute('aria-disabled')
  cut = true
  for (const ws of open.splice(0)) await ws.close()
  await expect(page.getByTestId('connection')).not.toHaveText('live')
  await expect(page.getByTestId('stale')).toContainText(/stale since \d\d:\d\d:\d\d/)
  await expect(page.getByTestId('main-view')).toHaveAttribute('data-stale', 'true')
  await expect(page.getByTestId('events')).toContainText('connection to the server lost')
  await expect(page.getByRole('button', { name: /^Lab: start write load\s*: not allowed/ })).toHaveAttribute('aria-disabled', 'true')
  await expect(page.getByRole('button', { name: /^Save\s*: not allowed/ }).first()).toHaveAttribute('aria-disabled', 'true')
  await expect(page.getByLabel('read policy')).toBeDisabled()
  await page.screenshot({ path: info.outputPath('stale.png') })
  expect(await seriousViolations(page)).toEqual([])
  cut = false
  await expect(page.getByTestId('connection')).toHaveText('live', { timeout: 15_000 })
  await expect(page.getByTestId('stale')).toHaveCount(0)
  await expect(page.getByTestId('main-view')).not.toHaveAttribute('data-stale')
  await expect(page.getByTestId('events')).toContainText('connection to the server restored')
  await expect(page.getByRole('button', { name: 'Lab: start write load' })).not.toHaveAttribute('aria-disabled')
  await page.screenshot({ path: info.outputPath('restored.png') })
})
