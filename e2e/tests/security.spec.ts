import { expect, test } from './fixtures.ts'

// The console in a real browser under the server's Content-Security-Policy (rules 168-169).
test('rules 168, 169: a refused login link lands on the login form with its reason, out of the address; no page load reports a CSP violation', async ({ plexa, page }) => {
  const cspErrors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content[- ]Security[- ]Policy|script-src|unsafe-eval/i.test(m.text())) cspErrors.push(m.text())
  })
  await page.addInitScript(() => {
    const w = window as unknown as { cspViolations: string[] }
    w.cspViolations = []
    document.addEventListener('securitypolicyviolation', (e) => w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`))
  })
  const violations = () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)
  // rule 168: an unknown (or used, or expired) link: the login page, not the JSON error
  const r = await page.goto('/login?token=not-a-token')
  expect(r?.headers()['content-type']).toMatch(/text\/html/)
  await expect(page.getByTestId('login-error')).toBeVisible()
  await expect(page.getByRole('button', { name: 'Log in' })).toBeVisible()
  expect(new URL(page.url()).search).toBe('')
  expect(await violations()).toEqual([])
  // rule 169: the console itself, logged in and live
  await plexa.login()
  await expect(page.getByTestId('login-error')).toHaveCount(0)
  expect(await violations()).toEqual([])
  expect(cspErrors).toEqual([])
})
